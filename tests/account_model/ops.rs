//! Operations: what the user (or an attacker) does, and the strategies that
//! generate sequences of them.

use mfa_core::account::{Method, Purpose};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::support::{MAX_DELAY, OOB_COOLDOWN};

/// The four kinds of challenge an account holds at most one of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Setup,
    Login,
    Disable,
    Regenerate,
}

impl Slot {
    const ALL: [Slot; 4] = [Slot::Setup, Slot::Login, Slot::Disable, Slot::Regenerate];

    pub(crate) const fn index(self) -> usize {
        self as usize
    }

    pub(crate) const fn purpose(self) -> Purpose {
        match self {
            Slot::Setup => Purpose::Setup,
            Slot::Login => Purpose::Login,
            Slot::Disable => Purpose::Disable,
            Slot::Regenerate => Purpose::RegenerateBackupCodes,
        }
    }
}

/// Which token the user sends back.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pick {
    /// The last one issued for that purpose.
    Latest,
    /// Any one issued for that purpose (often replaced, consumed or expired).
    Stale(Index),
    /// One that was never issued.
    Forged(u128),
}

/// Which code the user types.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Code {
    /// What the app shows now, or the last code delivered for the challenge.
    Right,
    /// A well-formed code that matches nothing.
    Wrong(u32),
    /// A code the user saw some steps ago.
    Old(Index),
    /// The last code that was accepted, of any kind.
    Reused,
    /// The last authenticator code that was accepted.
    Replay,
    BackupUnused(Index),
    BackupUsed(Index),
    /// A code of a set that was replaced (or wiped).
    BackupRetired(Index),
    Malformed,
}

#[derive(Clone, Debug)]
pub(crate) enum Op {
    BeginSetup(Method),
    StepUp(Pick, Code),
    Confirm(Pick, Code),
    BeginLogin,
    VerifyLogin(Pick, Code),
    Switch(Slot, Pick, Method),
    Resend(Slot, Pick),
    /// `None`: everything.
    BeginDisable(Option<Method>),
    VerifyDisable(Pick, Code),
    BeginRegenerate,
    VerifyRegenerate(Pick, Code),
    /// A token of the first purpose relabelled as the second, sent with the right
    /// code of the first challenge.
    Relabel(Slot, Slot, Pick),
    Advance(u64),
    /// The attacker waits out whatever delay or lockout runs.
    WaitOut,
    /// The support desk unlocks the account.
    Unlock,
    /// The support desk resets every factor.
    Reset,
    /// The operator rotates the server key (the old ones stay in the ring).
    Rotate,
    /// Answers the login challenge asking to remember the device.
    VerifyLoginRemembering(Pick, Code),
    /// Signs in from a device: the latest remembered, any one remembered before, or
    /// one never remembered.
    BeginLoginOnDevice(Pick),
    /// The user forgets every remembered device.
    ForgetDevices,
    Reload,
}

fn methods() -> impl Strategy<Value = Method> {
    prop::sample::select(Method::ALL.to_vec())
}

fn slots() -> impl Strategy<Value = Slot> {
    prop::sample::select(Slot::ALL.to_vec())
}

fn picks() -> impl Strategy<Value = Pick> {
    prop_oneof![
        14 => Just(Pick::Latest),
        2 => any::<Index>().prop_map(Pick::Stale),
        1 => any::<u128>().prop_map(Pick::Forged),
    ]
}

fn codes() -> impl Strategy<Value = Code> {
    prop_oneof![
        12 => Just(Code::Right),
        5 => any::<u32>().prop_map(Code::Wrong),
        1 => any::<Index>().prop_map(Code::Old),
        1 => Just(Code::Reused),
        1 => Just(Code::Replay),
        2 => any::<Index>().prop_map(Code::BackupUnused),
        1 => any::<Index>().prop_map(Code::BackupUsed),
        1 => any::<Index>().prop_map(Code::BackupRetired),
        1 => Just(Code::Malformed),
    ]
}

fn advances() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 0u64..40, 3 => 0u64..400, 1 => 0u64..=2000]
}

fn ops() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => methods().prop_map(Op::BeginSetup),
        3 => (picks(), codes()).prop_map(|(p, c)| Op::StepUp(p, c)),
        4 => (picks(), codes()).prop_map(|(p, c)| Op::Confirm(p, c)),
        5 => Just(Op::BeginLogin),
        9 => (picks(), codes()).prop_map(|(p, c)| Op::VerifyLogin(p, c)),
        3 => (picks(), codes()).prop_map(|(p, c)| Op::VerifyLoginRemembering(p, c)),
        3 => picks().prop_map(Op::BeginLoginOnDevice),
        1 => Just(Op::ForgetDevices),
        2 => (slots(), picks(), methods()).prop_map(|(s, p, m)| Op::Switch(s, p, m)),
        2 => (slots(), picks()).prop_map(|(s, p)| Op::Resend(s, p)),
        2 => prop::option::of(methods()).prop_map(Op::BeginDisable),
        2 => (picks(), codes()).prop_map(|(p, c)| Op::VerifyDisable(p, c)),
        2 => Just(Op::BeginRegenerate),
        2 => (picks(), codes()).prop_map(|(p, c)| Op::VerifyRegenerate(p, c)),
        1 => (slots(), slots(), picks()).prop_map(|(a, b, p)| Op::Relabel(a, b, p)),
        6 => advances().prop_map(Op::Advance),
        1 => Just(Op::WaitOut),
        1 => Just(Op::Unlock),
        1 => Just(Op::Reset),
        1 => Just(Op::Rotate),
        2 => Just(Op::Reload),
    ]
}

/// An attacker holding the password: `n` wrong codes, each on a fresh sign-in,
/// waiting out every delay and lockout in between.
fn attack(n: usize, guess: u32) -> Vec<Op> {
    let mut ops = Vec::new();
    for i in 0..n {
        ops.push(Op::BeginLogin);
        ops.push(Op::VerifyLogin(
            Pick::Latest,
            Code::Wrong(guess.wrapping_add(i as u32)),
        ));
        ops.push(Op::WaitOut);
    }
    ops
}

/// A few operations a user (or an attacker) does in a row, so that whole flows and
/// lockouts happen often; single random operations go between them.
fn chunks() -> impl Strategy<Value = Vec<Op>> {
    prop_oneof![
        10 => ops().prop_map(|op| vec![op]),
        // Enrol a method, with the step-up when one is already on.
        2 => (methods(), codes()).prop_map(|(m, c)| vec![
            Op::BeginSetup(m),
            Op::StepUp(Pick::Latest, Code::Right),
            Op::Confirm(Pick::Latest, c),
        ]),
        // Sign in, perhaps on another method.
        3 => (prop::option::of(methods()), codes()).prop_map(|(m, c)| {
            let mut ops = vec![Op::BeginLogin];
            ops.extend(m.map(|m| Op::Switch(Slot::Login, Pick::Latest, m)));
            ops.push(Op::VerifyLogin(Pick::Latest, c));
            ops
        }),
        // Sign in remembering the device, then come back from it some time later.
        2 => (codes(), advances(), picks()).prop_map(|(c, wait, p)| vec![
            Op::BeginLogin,
            Op::VerifyLoginRemembering(Pick::Latest, c),
            Op::Advance(wait),
            Op::BeginLoginOnDevice(p),
        ]),
        // Wait for the code, ask for it again, type it.
        2 => (prop_oneof![3 => Just(Slot::Login), 1 => slots()], OOB_COOLDOWN..OOB_COOLDOWN * 3, codes()).prop_map(|(slot, wait, c)| {
            let mut ops = vec![Op::BeginLogin, Op::Advance(wait), Op::Resend(slot, Pick::Latest)];
            if slot == Slot::Login {
                ops.push(Op::VerifyLogin(Pick::Latest, c));
            }
            ops
        }),
        // Guess wrong codes, waiting out the delays.
        2 => (1usize..=5, any::<u32>(), 0..=MAX_DELAY).prop_map(|(n, guess, wait)| {
            let mut ops = vec![Op::BeginLogin];
            for i in 0..n {
                ops.push(Op::VerifyLogin(Pick::Latest, Code::Wrong(guess.wrapping_add(i as u32))));
                ops.push(Op::Advance(wait));
            }
            ops
        }),
        // Sign in with a backup code, then (someone) with the same one again.
        1 => (any::<Index>(), advances()).prop_map(|(i, wait)| vec![
            Op::BeginLogin,
            Op::VerifyLogin(Pick::Latest, Code::BackupUnused(i)),
            Op::Advance(wait),
            Op::BeginLogin,
            Op::VerifyLogin(Pick::Latest, Code::BackupUsed(i)),
        ]),
        // Turn off the method a sign-in is waiting on, then answer the sign-in.
        1 => (methods(), codes()).prop_map(|(m, c)| vec![
            Op::BeginLogin,
            Op::Switch(Slot::Login, Pick::Latest, m),
            Op::BeginDisable(Some(m)),
            Op::VerifyDisable(Pick::Latest, c),
            Op::VerifyLogin(Pick::Latest, Code::Right),
        ]),
        // Turn something off, or replace the backup codes.
        2 => (prop::option::of(methods()), codes()).prop_map(|(m, c)| vec![
            Op::BeginDisable(m),
            Op::VerifyDisable(Pick::Latest, c),
        ]),
        1 => codes().prop_map(|c| vec![Op::BeginRegenerate, Op::VerifyRegenerate(Pick::Latest, c)]),
        // Guess patiently until the budget ends.
        1 => (4usize..=16, any::<u32>()).prop_map(|(n, guess)| attack(n, guess)),
    ]
}

/// Weeks of simulated time: an attacker who waits out every delay, an honest user
/// now and then, days passing, and the support desk. Up to 400 operations.
pub(crate) fn long_sequences() -> impl Strategy<Value = Vec<Op>> {
    let chunk = prop_oneof![
        6 => (1usize..=12, any::<u32>()).prop_map(|(n, guess)| attack(n, guess)),
        3 => chunks(),
        2 => (1u64..=3).prop_map(|days| vec![Op::Advance(days * 86_400)]),
        1 => Just(vec![Op::Unlock]),
        1 => Just(vec![Op::Reset]),
        1 => Just(vec![Op::Rotate, Op::Reload]),
    ];
    (methods(), prop::collection::vec(chunk, 10..60)).prop_map(|(first, chunks)| {
        let mut ops = vec![
            Op::BeginSetup(first),
            Op::Confirm(Pick::Latest, Code::Right),
        ];
        ops.extend(chunks.into_iter().flatten().take(400));
        ops
    })
}

/// Up to about 60 operations, half the time after enrolling a first method.
pub(crate) fn sequences() -> impl Strategy<Value = Vec<Op>> {
    (
        prop::option::of(methods()),
        prop::collection::vec(chunks(), 1..30),
    )
        .prop_map(|(first, chunks)| {
            let mut ops = Vec::new();
            if let Some(method) = first {
                ops.push(Op::BeginSetup(method));
                ops.push(Op::Confirm(Pick::Latest, Code::Right));
            }
            ops.extend(chunks.into_iter().flatten().take(60));
            ops
        })
}
