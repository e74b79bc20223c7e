#![cfg(feature = "serde")]
//! Model-based test of the account state machine: random sequences of user and
//! server actions run against an [`Mfa`] and against a small reference model of the
//! record, with invariants checked after every step.
//!
//! The harness plays the user: it keeps the authenticator secret from the setup
//! material, the email / SMS codes from each [`Delivery`], the plain backup codes and
//! every token the `begin_*` calls returned, and picks which code to type. The model
//! predicts every answer (result, error and events) and the record's observable
//! state; the random values (tokens, codes, secrets) are taken from the library's
//! answers. Independently of the model, the harness checks the safety properties:
//! no TOTP step or backup code accepted twice, no guess counted or accepted during a
//! delay or lockout, dead challenges never succeed, MFA off means everything is
//! gone, the version steps exactly when the stored JSON changes, and a record
//! reloaded from JSON behaves exactly like the one in memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;

use mfa_core::account::{
    ChallengeToken, Delivery, Disable, DisableScope, DisableToken, Disabled, LoginStart,
    LoginToken, LoginVerified, Method, MethodSetup, Mfa, MfaPolicy, PendingChallenge, Prompt,
    Purpose, Regenerate, RegenerateToken, SetupConfirmed, SetupMaterial, SetupNext, SetupStarted,
    SetupToken, ThrottlePolicy, TokenPurpose, VerifiedWith,
};
use mfa_core::error::CodeFormatError;
use mfa_core::{
    Account, BackupCodePolicy, Error, Event, OobPolicy, PlainBackupCodes, Secret, ServerKey,
    TotpConfig,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use rand::SeedableRng;
use rand::rngs::StdRng;

// ---------------------------------------------------------------------------
// The policy: small numbers, so that delays, lockout, dead challenges, expired
// codes, the send budget and running out of backup codes all happen in short runs.
// ---------------------------------------------------------------------------

const T0: u64 = 1_767_225_600;
const FREE_FAILURES: u8 = 2;
const FIRST_DELAY: u64 = 5;
const MAX_DELAY: u64 = 40;
const LOCKOUT_AFTER: u8 = 6;
const LOCKOUT: u64 = 900;
const CHALLENGE_LIFETIME: u64 = 300;
const CHALLENGE_ATTEMPTS: u8 = 4;
const OOB_LIFETIME: u64 = 180;
const OOB_ATTEMPTS: u8 = 3;
const OOB_COOLDOWN: u64 = 30;
const OOB_RESENDS: u8 = 2;
const CODES_PER_HOUR: u8 = 10;
const SEND_WINDOW: u64 = 3_600;
const BACKUP_COUNT: u8 = 4;
const BACKUP_LENGTH: u8 = 16;
const BACKUP_LOW_AT: u8 = 1;
const EMAIL: &str = "jane@example.com";
const PHONE: &str = "+1 555 010 2345";
/// Steps of each run that are also run on a reloaded copy of the record.
const SHADOW_STEPS: usize = 30;
const CASES: u32 = 128;

fn policy() -> MfaPolicy {
    MfaPolicy::default()
        .with_issuer("Model Co")
        .with_oob(OobPolicy::new(6, OOB_LIFETIME, OOB_ATTEMPTS, OOB_COOLDOWN, OOB_RESENDS).unwrap())
        .with_backup_codes(BackupCodePolicy::new(BACKUP_COUNT, BACKUP_LENGTH, 4).unwrap())
        .with_throttle(
            ThrottlePolicy::new(
                FREE_FAILURES,
                FIRST_DELAY,
                MAX_DELAY,
                LOCKOUT_AFTER,
                LOCKOUT,
            )
            .unwrap(),
        )
        .with_challenges(CHALLENGE_LIFETIME, CHALLENGE_ATTEMPTS)
        .unwrap()
        .with_codes_per_hour(CODES_PER_HOUR)
        .unwrap()
        .with_backup_low_at(BACKUP_LOW_AT)
}

fn mfa() -> Mfa {
    Mfa::new(policy(), ServerKey::new(1, &[0x42; 32]).unwrap())
}

fn totp() -> TotpConfig {
    TotpConfig::default()
}

fn b32(secret: &Secret) -> String {
    secret.to_base32().expose_secret().to_owned()
}

fn midx(method: Method) -> usize {
    Method::ALL.iter().position(|&m| m == method).unwrap()
}

fn setup_request(method: Method) -> MethodSetup<'static> {
    match method {
        Method::Authenticator => MethodSetup::Authenticator {
            account_name: EMAIL,
        },
        Method::Email => MethodSetup::Email { address: EMAIL },
        Method::Sms => MethodSetup::Sms { number: PHONE },
        _ => unreachable!("unknown method"),
    }
}

fn destination(method: Method) -> &'static str {
    if method == Method::Sms { PHONE } else { EMAIL }
}

/// Whether the library counts this error as a wrong guess.
const fn is_counted(error: &Error) -> bool {
    matches!(
        error,
        Error::InvalidCode | Error::CodeReused { .. } | Error::BackupCodeUsed
    )
}

/// The errors that refuse a code before it is looked at because the challenge (or
/// the task) cannot take one.
const fn is_challenge_error(error: &Error) -> bool {
    matches!(
        error,
        Error::ChallengeInvalid
            | Error::ChallengeExpired { .. }
            | Error::ChallengeConsumed
            | Error::StepUpRequired
            | Error::MfaAlreadyEnabled { .. }
            | Error::MethodNotEnabled { .. }
            | Error::AuthenticatorNotConfigured
    )
}

fn is_backup_shaped(code: &str) -> bool {
    code.chars().filter(|c| !matches!(c, ' ' | '-')).count() == usize::from(BACKUP_LENGTH)
}

// ---------------------------------------------------------------------------
// Operations.
// ---------------------------------------------------------------------------

/// The four kinds of challenge an account holds at most one of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Setup,
    Login,
    Disable,
    Regenerate,
}

impl Slot {
    const ALL: [Slot; 4] = [Slot::Setup, Slot::Login, Slot::Disable, Slot::Regenerate];

    const fn index(self) -> usize {
        self as usize
    }

    const fn purpose(self) -> Purpose {
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
enum Pick {
    /// The last one issued for that purpose.
    Latest,
    /// Any one issued for that purpose (often replaced, consumed or expired).
    Stale(Index),
    /// One that was never issued.
    Forged(u128),
}

/// Which code the user types.
#[derive(Clone, Copy, Debug)]
enum Code {
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
enum Op {
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
        2 => (slots(), picks(), methods()).prop_map(|(s, p, m)| Op::Switch(s, p, m)),
        2 => (slots(), picks()).prop_map(|(s, p)| Op::Resend(s, p)),
        2 => prop::option::of(methods()).prop_map(Op::BeginDisable),
        2 => (picks(), codes()).prop_map(|(p, c)| Op::VerifyDisable(p, c)),
        2 => Just(Op::BeginRegenerate),
        2 => (picks(), codes()).prop_map(|(p, c)| Op::VerifyRegenerate(p, c)),
        1 => (slots(), slots(), picks()).prop_map(|(a, b, p)| Op::Relabel(a, b, p)),
        6 => advances().prop_map(Op::Advance),
        2 => Just(Op::Reload),
    ]
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
    ]
}

/// Up to about 60 operations, half the time after enrolling a first method.
fn sequences() -> impl Strategy<Value = Vec<Op>> {
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

// ---------------------------------------------------------------------------
// Calls against the library, shared by the record and its reloaded twin.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum AnyToken {
    Setup(SetupToken),
    Login(LoginToken),
    Disable(DisableToken),
    Regenerate(RegenerateToken),
}

impl AnyToken {
    fn slot(&self) -> Slot {
        match self {
            AnyToken::Setup(_) => Slot::Setup,
            AnyToken::Login(_) => Slot::Login,
            AnyToken::Disable(_) => Slot::Disable,
            AnyToken::Regenerate(_) => Slot::Regenerate,
        }
    }

    fn key(&self) -> String {
        match self {
            AnyToken::Setup(t) => t.lookup_key(),
            AnyToken::Login(t) => t.lookup_key(),
            AnyToken::Disable(t) => t.lookup_key(),
            AnyToken::Regenerate(t) => t.lookup_key(),
        }
    }

    fn text(&self) -> String {
        let text = match self {
            AnyToken::Setup(t) => t.to_text(),
            AnyToken::Login(t) => t.to_text(),
            AnyToken::Disable(t) => t.to_text(),
            AnyToken::Regenerate(t) => t.to_text(),
        };
        text.expose_secret().to_owned()
    }

    /// `text` read as a token of `slot`'s purpose.
    fn parse(slot: Slot, text: &str) -> Result<AnyToken, Error> {
        Ok(match slot {
            Slot::Setup => AnyToken::Setup(SetupToken::parse(text)?),
            Slot::Login => AnyToken::Login(LoginToken::parse(text)?),
            Slot::Disable => AnyToken::Disable(DisableToken::parse(text)?),
            Slot::Regenerate => AnyToken::Regenerate(RegenerateToken::parse(text)?),
        })
    }
}

#[derive(Debug)]
enum Call {
    BeginSetup(Method),
    StepUp(SetupToken, String),
    Confirm(SetupToken, String),
    BeginLogin,
    VerifyLogin(LoginToken, String),
    Switch(AnyToken, Method),
    Resend(AnyToken),
    BeginDisable(DisableScope),
    VerifyDisable(DisableToken, String),
    BeginRegenerate,
    VerifyRegenerate(RegenerateToken, String),
}

impl Call {
    /// The verify call of `token`'s purpose.
    fn verify(token: AnyToken, code: String) -> Call {
        match token {
            AnyToken::Setup(t) => Call::Confirm(t, code),
            AnyToken::Login(t) => Call::VerifyLogin(t, code),
            AnyToken::Disable(t) => Call::VerifyDisable(t, code),
            AnyToken::Regenerate(t) => Call::VerifyRegenerate(t, code),
        }
    }

    /// Whether the call checks a code.
    const fn checks_code(&self) -> bool {
        matches!(
            self,
            Call::StepUp(..)
                | Call::Confirm(..)
                | Call::VerifyLogin(..)
                | Call::VerifyDisable(..)
                | Call::VerifyRegenerate(..)
        )
    }
}

#[derive(Debug)]
enum Reply {
    Started(SetupStarted),
    Material(SetupMaterial),
    Confirmed(SetupConfirmed),
    Login(LoginStart),
    Verified(LoginVerified),
    Prompt(Prompt),
    Delivery(Delivery),
    DisablePending(PendingChallenge<Disable>),
    RegeneratePending(PendingChallenge<Regenerate>),
    Disabled(Disabled),
    Codes(PlainBackupCodes),
}

struct Applied {
    result: Result<Reply, Error>,
    events: Vec<Event>,
    /// `Change::is_changed` and `Change::expected_version`.
    changed: bool,
    expected: u64,
    /// What the `persist` closure was called with: (expected version, stored version).
    saves: Vec<(u64, u64)>,
}

fn apply(
    mfa: &Mfa,
    account: &mut Account,
    call: &Call,
    rng: &mut StdRng,
    now: u64,
    persist: bool,
) -> Applied {
    let mut saves = Vec::new();
    macro_rules! run {
        ($change:expr, $wrap:expr) => {{
            let change = $change;
            let changed = change.is_changed();
            let expected = change.expected_version();
            let outcome = if persist {
                change
                    .persist(|record, expected| {
                        saves.push((expected, record.version()));
                        Ok::<(), Infallible>(())
                    })
                    .unwrap()
            } else {
                change.in_memory()
            };
            Applied {
                result: outcome.result.map($wrap),
                events: outcome.events,
                changed,
                expected,
                saves,
            }
        }};
    }
    match call {
        Call::BeginSetup(m) => run!(
            mfa.begin_setup(account, setup_request(*m), rng, now),
            Reply::Started
        ),
        Call::StepUp(t, code) => run!(
            mfa.verify_step_up(account, t, code, rng, now),
            Reply::Material
        ),
        Call::Confirm(t, code) => run!(
            mfa.confirm_setup(account, t, code, rng, now),
            Reply::Confirmed
        ),
        Call::BeginLogin => run!(mfa.begin_login(account, rng, now), Reply::Login),
        Call::VerifyLogin(t, code) => {
            run!(mfa.verify_login(account, t, code, now), Reply::Verified)
        }
        Call::Switch(token, m) => match token {
            AnyToken::Setup(t) => run!(mfa.switch_method(account, t, *m, rng, now), Reply::Prompt),
            AnyToken::Login(t) => run!(mfa.switch_method(account, t, *m, rng, now), Reply::Prompt),
            AnyToken::Disable(t) => {
                run!(mfa.switch_method(account, t, *m, rng, now), Reply::Prompt)
            }
            AnyToken::Regenerate(t) => {
                run!(mfa.switch_method(account, t, *m, rng, now), Reply::Prompt)
            }
        },
        Call::Resend(token) => match token {
            AnyToken::Setup(t) => run!(mfa.resend(account, t, rng, now), Reply::Delivery),
            AnyToken::Login(t) => run!(mfa.resend(account, t, rng, now), Reply::Delivery),
            AnyToken::Disable(t) => run!(mfa.resend(account, t, rng, now), Reply::Delivery),
            AnyToken::Regenerate(t) => {
                run!(mfa.resend(account, t, rng, now), Reply::Delivery)
            }
        },
        Call::BeginDisable(scope) => run!(
            mfa.begin_disable(account, *scope, rng, now),
            Reply::DisablePending
        ),
        Call::VerifyDisable(t, code) => {
            run!(mfa.verify_disable(account, t, code, now), Reply::Disabled)
        }
        Call::BeginRegenerate => run!(
            mfa.begin_regenerate(account, rng, now),
            Reply::RegeneratePending
        ),
        Call::VerifyRegenerate(t, code) => run!(
            mfa.verify_regenerate(account, t, code, rng, now),
            Reply::Codes
        ),
    }
}

fn with_tag(with: VerifiedWith) -> String {
    match with {
        VerifiedWith::Method(m) => format!("with:{m}"),
        VerifiedWith::BackupCode { remaining } => format!("with:backup:{remaining}"),
        _ => "with:?".to_owned(),
    }
}

fn material_tag(material: &SetupMaterial) -> String {
    match material {
        SetupMaterial::Authenticator(_) => "authenticator".to_owned(),
        SetupMaterial::Oob(d) => d.channel().to_string(),
    }
}

/// What a reply says, in the words the model predicts it in.
fn tag(reply: &Reply) -> String {
    match reply {
        Reply::Started(s) => match &s.next {
            SetupNext::Confirm(m) => format!("confirm:{}", material_tag(m)),
            SetupNext::StepUp(p) => format!("step_up:{}", p.method()),
        },
        Reply::Material(m) => format!("material:{}", material_tag(m)),
        Reply::Confirmed(c) => format!(
            "enabled:{}:{:?}:{}",
            c.method,
            c.methods,
            c.backup_codes.as_ref().map_or(0, PlainBackupCodes::len)
        ),
        Reply::Login(LoginStart::NotRequired) => "not_required".to_owned(),
        Reply::Login(LoginStart::Required(p)) => format!("login:{}", p.prompt.method()),
        Reply::Verified(v) => with_tag(v.with),
        Reply::Prompt(p) => format!("prompt:{}:{}", p.method(), p.delivery().is_some()),
        Reply::Delivery(d) => format!("delivery:{}", d.channel()),
        Reply::DisablePending(p) => format!("pending:{}", p.prompt.method()),
        Reply::RegeneratePending(p) => format!("pending:{}", p.prompt.method()),
        Reply::Disabled(d) => format!(
            "disabled:{:?}:{:?}:{}",
            d.disabled,
            d.methods,
            with_tag(d.with)
        ),
        Reply::Codes(c) => format!("codes:{}", c.len()),
    }
}

fn summary(result: &Result<Reply, Error>) -> Result<String, Error> {
    result.as_ref().map(tag).map_err(|e| *e)
}

/// Equal, except that malformed-code errors are compared by code only.
fn same(expected: &Result<String, Error>, actual: &Result<String, Error>) -> bool {
    match (expected, actual) {
        (Ok(a), Ok(b)) => a == b,
        (Err(a), Err(b)) => {
            a == b
                || (a.code() == b.code()
                    && matches!(a, Error::MalformedCode(_) | Error::MalformedBackupCode(_)))
        }
        _ => false,
    }
}

fn json(account: &Account) -> String {
    serde_json::to_string(account).unwrap()
}

/// The stored record without its version.
fn content(json: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    value.as_object_mut().unwrap().remove("version");
    value
}

fn reload(account: &Account) -> Account {
    let text = json(account);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("a record the library wrote must load again: {e}\n{text}"))
}

// ---------------------------------------------------------------------------
// The reference model.
// ---------------------------------------------------------------------------

/// An email / SMS code as the server should hold it (the model keeps it in plain).
#[derive(Clone, Debug)]
struct MOob {
    method: Method,
    code: String,
    expires_at: u64,
    attempts_left: u8,
    resends_used: u8,
    last_sent_at: u64,
    consumed: bool,
}

impl MOob {
    fn issued(method: Method, code: String, now: u64) -> Self {
        MOob {
            method,
            code,
            expires_at: now + OOB_LIFETIME,
            attempts_left: OOB_ATTEMPTS,
            resends_used: 0,
            last_sent_at: now,
            consumed: false,
        }
    }

    fn verify(&mut self, code: &str, now: u64) -> Result<(), Error> {
        if self.consumed {
            return Err(Error::CodeConsumed);
        }
        if now >= self.expires_at {
            return Err(Error::CodeExpired {
                expired_at: self.expires_at,
            });
        }
        if self.attempts_left == 0 {
            return Err(Error::TooManyAttempts { retry_at: None });
        }
        let typed: String = code.chars().filter(|&c| c != ' ').collect();
        if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::MalformedCode(CodeFormatError::NotADigit));
        }
        if typed == self.code {
            self.consumed = true;
            Ok(())
        } else {
            self.attempts_left -= 1;
            Err(Error::InvalidCode)
        }
    }
}

#[derive(Clone, Debug)]
enum MFactor {
    Auth,
    Oob(MOob),
}

impl MFactor {
    fn method(&self) -> Method {
        match self {
            MFactor::Auth => Method::Authenticator,
            MFactor::Oob(o) => o.method,
        }
    }
}

#[derive(Clone, Debug)]
enum MPending {
    /// The secret is known once it was shown (at once, or after the step-up).
    Auth(Option<Secret>),
    Email,
    Sms,
}

impl MPending {
    fn of(method: Method) -> Self {
        match method {
            Method::Authenticator => MPending::Auth(None),
            Method::Email => MPending::Email,
            _ => MPending::Sms,
        }
    }

    fn method(&self) -> Method {
        match self {
            MPending::Auth(_) => Method::Authenticator,
            MPending::Email => Method::Email,
            MPending::Sms => Method::Sms,
        }
    }
}

#[derive(Clone, Debug)]
enum MTask {
    Login,
    Setup { pending: MPending, confirming: bool },
    Disable(DisableScope),
    Regenerate,
}

impl MTask {
    const fn confirming(&self) -> bool {
        matches!(
            self,
            MTask::Setup {
                confirming: true,
                ..
            }
        )
    }
}

#[derive(Clone, Debug)]
struct MChallenge {
    key: String,
    task: MTask,
    factor: MFactor,
    expires_at: u64,
    attempts_left: u8,
    consumed: bool,
}

/// What a correct code proved.
#[derive(Clone, Debug)]
enum MProof {
    Totp { step: u64 },
    Oob(Method),
    Backup { remaining: usize },
}

impl MProof {
    fn tag(&self) -> String {
        match self {
            MProof::Totp { .. } => format!("with:{}", Method::Authenticator),
            MProof::Oob(m) => format!("with:{m}"),
            MProof::Backup { remaining } => format!("with:backup:{remaining}"),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Model {
    enabled: [bool; 3],
    default: Option<Method>,
    /// The enrolled secret and the last step it accepted.
    auth: Option<(Secret, Option<u64>)>,
    /// The current backup codes, as shown, and whether each was used.
    backup: Option<Vec<(String, bool)>>,
    failures: u32,
    wait_until: u64,
    sends_since: u64,
    sends_sent: u8,
    challenges: [Option<MChallenge>; 4],
}

fn started(actual: &Result<Reply, Error>) -> Option<&SetupStarted> {
    match actual {
        Ok(Reply::Started(s)) => Some(s),
        _ => None,
    }
}

fn delivered(delivery: Option<&Delivery>) -> String {
    delivery
        .map(|d| d.code().as_str().to_owned())
        .unwrap_or_default()
}

/// The prompt of a reply that opened a verifying challenge, and its token's key.
fn opened(actual: &Result<Reply, Error>) -> Option<(&Prompt, String)> {
    match actual {
        Ok(Reply::Started(SetupStarted {
            token,
            next: SetupNext::StepUp(p),
            ..
        })) => Some((p, token.lookup_key())),
        Ok(Reply::Login(LoginStart::Required(p))) => Some((&p.prompt, p.token.lookup_key())),
        Ok(Reply::DisablePending(p)) => Some((&p.prompt, p.token.lookup_key())),
        Ok(Reply::RegeneratePending(p)) => Some((&p.prompt, p.token.lookup_key())),
        _ => None,
    }
}

impl Model {
    fn is_enabled(&self, method: Method) -> bool {
        self.enabled[midx(method)]
    }

    fn methods(&self) -> Vec<Method> {
        Method::ALL
            .into_iter()
            .filter(|&m| self.is_enabled(m))
            .collect()
    }

    fn require_enabled(&self, method: Method) -> Result<(), Error> {
        match (method, self.is_enabled(method)) {
            (_, true) => Ok(()),
            (Method::Authenticator, false) => Err(Error::AuthenticatorNotConfigured),
            (method, false) => Err(Error::MethodNotEnabled { method }),
        }
    }

    fn locked(&self, now: u64) -> bool {
        self.failures >= u32::from(LOCKOUT_AFTER) && now < self.wait_until
    }

    fn check_not_locked(&self, now: u64) -> Result<(), Error> {
        if self.locked(now) {
            return Err(Error::TooManyAttempts {
                retry_at: Some(self.wait_until),
            });
        }
        Ok(())
    }

    fn budget(&self, now: u64) -> Result<(), Error> {
        let window_end = self.sends_since + SEND_WINDOW;
        if now < window_end && self.sends_sent >= CODES_PER_HOUR {
            return Err(Error::TooManyCodesSent {
                retry_at: window_end,
            });
        }
        Ok(())
    }

    fn spend(&mut self, now: u64) {
        if now >= self.sends_since + SEND_WINDOW {
            self.sends_since = now;
            self.sends_sent = 0;
        }
        self.sends_sent += 1;
    }

    fn delay_after(failures: u32) -> u64 {
        let free = u32::from(FREE_FAILURES);
        if failures <= free {
            return 0;
        }
        let doublings = (failures - free - 1).min(63);
        FIRST_DELAY.saturating_mul(1u64 << doublings).min(MAX_DELAY)
    }

    fn fail(&mut self, now: u64, events: &mut Vec<Event>) {
        self.failures += 1;
        if self.failures >= u32::from(LOCKOUT_AFTER) {
            self.wait_until = now + LOCKOUT;
            events.push(Event::LockoutStarted {
                until: self.wait_until,
            });
        } else {
            self.wait_until = now + Self::delay_after(self.failures);
        }
    }

    fn challenge(&self, slot: Slot) -> &MChallenge {
        self.challenges[slot.index()].as_ref().unwrap()
    }

    fn challenge_mut(&mut self, slot: Slot) -> &mut MChallenge {
        self.challenges[slot.index()].as_mut().unwrap()
    }

    fn locate(&self, slot: Slot, key: &str, now: u64) -> Result<(), Error> {
        let Some(c) = &self.challenges[slot.index()] else {
            return Err(Error::ChallengeInvalid);
        };
        if c.key != key {
            return Err(Error::ChallengeInvalid);
        }
        if c.consumed {
            return Err(Error::ChallengeConsumed);
        }
        if now >= c.expires_at {
            return Err(Error::ChallengeExpired {
                expired_at: c.expires_at,
            });
        }
        Ok(())
    }

    fn open(&mut self, slot: Slot, key: String, task: MTask, factor: MFactor, now: u64) {
        self.challenges[slot.index()] = Some(MChallenge {
            key,
            task,
            factor,
            expires_at: now + CHALLENGE_LIFETIME,
            attempts_left: CHALLENGE_ATTEMPTS,
            consumed: false,
        });
    }

    /// The factor for checking the enabled `method`, its code sent if it has one.
    fn factor_for(
        &mut self,
        method: Method,
        now: u64,
        delivery: Option<&Delivery>,
    ) -> Result<MFactor, Error> {
        self.require_enabled(method)?;
        if method == Method::Authenticator {
            return Ok(MFactor::Auth);
        }
        self.budget(now)?;
        self.spend(now);
        Ok(MFactor::Oob(MOob::issued(method, delivered(delivery), now)))
    }

    fn drop_expired(&mut self, now: u64) {
        for slot in &mut self.challenges {
            if slot.as_ref().is_some_and(|c| now >= c.expires_at) {
                *slot = None;
            }
        }
    }

    fn remove(&mut self, method: Method) {
        self.enabled[midx(method)] = false;
        if method == Method::Authenticator {
            self.auth = None;
        }
        if self.default == Some(method) {
            self.default = self.methods().first().copied();
        }
        if self.default.is_none() {
            self.backup = None;
            self.challenges = Default::default();
        }
    }

    /// The code check every verifying call makes.
    fn check_code(
        &mut self,
        slot: Slot,
        code: &str,
        now: u64,
        events: &mut Vec<Event>,
    ) -> Result<MProof, Error> {
        if now < self.wait_until {
            return Err(Error::TooManyAttempts {
                retry_at: Some(self.wait_until),
            });
        }
        let i = slot.index();
        let ch = self.challenges[i].as_mut().unwrap();
        if ch.attempts_left == 0 {
            return Err(Error::TooManyAttempts { retry_at: None });
        }
        let confirming = ch.task.confirming();
        let result = match self.backup.as_mut() {
            Some(set) if !confirming && is_backup_shaped(code) => {
                match set.iter().position(|(c, _)| c == code) {
                    Some(at) if !set[at].1 => {
                        set[at].1 = true;
                        Ok(MProof::Backup {
                            remaining: set.iter().filter(|(_, used)| !used).count(),
                        })
                    }
                    Some(_) => Err(Error::BackupCodeUsed),
                    None => Err(Error::InvalidCode),
                }
            }
            _ => match &mut ch.factor {
                MFactor::Auth => {
                    let (secret, last) = match (&ch.task, &self.auth) {
                        (
                            MTask::Setup {
                                pending: MPending::Auth(Some(secret)),
                                confirming: true,
                            },
                            _,
                        ) => (secret.clone(), None),
                        (_, Some((secret, last))) => (secret.clone(), *last),
                        (_, None) => return Err(Error::AuthenticatorNotConfigured),
                    };
                    totp()
                        .verify(&secret, code, now, last)
                        .map(|m| MProof::Totp { step: m.step() })
                }
                // As for the authenticator (and as `resend` does): a method turned
                // off meanwhile proves nothing.
                MFactor::Oob(o) if !confirming && !self.enabled[midx(o.method)] => {
                    return Err(Error::MethodNotEnabled { method: o.method });
                }
                MFactor::Oob(o) => o.verify(code, now).map(|()| MProof::Oob(o.method)),
            },
        };
        match result {
            Ok(proof) => {
                self.failures = 0;
                self.wait_until = 0;
                if let MProof::Backup { remaining } = proof {
                    events.push(Event::BackupCodeUsed {
                        remaining,
                        running_low: remaining <= usize::from(BACKUP_LOW_AT),
                    });
                }
                if let (MProof::Totp { step }, Some((_, last)), false) =
                    (&proof, self.auth.as_mut(), confirming)
                {
                    *last = Some(*step);
                }
                Ok(proof)
            }
            Err(error) if is_counted(&error) => {
                let ch = self.challenges[i].as_mut().unwrap();
                ch.attempts_left -= 1;
                match error {
                    Error::CodeReused { .. } => events.push(Event::CodeReused {
                        method: ch.factor.method(),
                    }),
                    Error::BackupCodeUsed => events.push(Event::BackupCodeReused),
                    _ => {}
                }
                self.fail(now, events);
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    /// The answer the library should give to `call`, updating the model; random
    /// values (tokens, codes, secrets) are read from `actual`. At the end of every
    /// call the library drops expired challenges: see [`drop_expired`].
    fn apply(
        &mut self,
        call: &Call,
        now: u64,
        actual: &Result<Reply, Error>,
        events: &mut Vec<Event>,
    ) -> Result<String, Error> {
        match call {
            Call::BeginSetup(m) => self.begin_setup(*m, now, actual),
            Call::StepUp(t, code) => self.step_up(&t.lookup_key(), code, now, actual, events),
            Call::Confirm(t, code) => self.confirm(&t.lookup_key(), code, now, actual, events),
            Call::BeginLogin => {
                let Some(method) = self.default else {
                    return Ok("not_required".to_owned());
                };
                self.begin_verifying(Slot::Login, MTask::Login, method, now, actual)?;
                Ok(format!("login:{method}"))
            }
            Call::VerifyLogin(t, code) => {
                self.locate(Slot::Login, &t.lookup_key(), now)?;
                let proof = self.check_code(Slot::Login, code, now, events)?;
                self.challenge_mut(Slot::Login).consumed = true;
                Ok(proof.tag())
            }
            Call::Switch(t, m) => self.switch(t.slot(), &t.key(), *m, now, actual),
            Call::Resend(t) => self.resend(t.slot(), &t.key(), now, actual),
            Call::BeginDisable(scope) => {
                let method = self.default.ok_or(Error::MfaNotEnabled)?;
                if let DisableScope::Method(target) = scope {
                    self.require_enabled(*target)?;
                }
                self.begin_verifying(Slot::Disable, MTask::Disable(*scope), method, now, actual)?;
                Ok(format!("pending:{method}"))
            }
            Call::VerifyDisable(t, code) => self.verify_disable(&t.lookup_key(), code, now, events),
            Call::BeginRegenerate => {
                let method = self.default.ok_or(Error::MfaNotEnabled)?;
                self.begin_verifying(Slot::Regenerate, MTask::Regenerate, method, now, actual)?;
                Ok(format!("pending:{method}"))
            }
            Call::VerifyRegenerate(t, code) => {
                self.locate(Slot::Regenerate, &t.lookup_key(), now)?;
                self.check_code(Slot::Regenerate, code, now, events)?;
                self.challenge_mut(Slot::Regenerate).consumed = true;
                if let Ok(Reply::Codes(codes)) = actual {
                    self.backup = Some(
                        codes
                            .expose_secret()
                            .map(|c| (c.to_owned(), false))
                            .collect(),
                    );
                }
                events.push(Event::BackupCodesRegenerated {
                    count: usize::from(BACKUP_COUNT),
                });
                Ok(format!("codes:{BACKUP_COUNT}"))
            }
        }
    }

    /// Opens a challenge for `task` on the enabled `method` (login, disable,
    /// regenerate, step-up).
    fn begin_verifying(
        &mut self,
        slot: Slot,
        task: MTask,
        method: Method,
        now: u64,
        actual: &Result<Reply, Error>,
    ) -> Result<(), Error> {
        self.check_not_locked(now)?;
        let opened = opened(actual);
        let factor =
            self.factor_for(method, now, opened.as_ref().and_then(|(p, _)| p.delivery()))?;
        if let Some((_, key)) = opened {
            self.open(slot, key, task, factor, now);
        }
        Ok(())
    }

    fn begin_setup(
        &mut self,
        method: Method,
        now: u64,
        actual: &Result<Reply, Error>,
    ) -> Result<String, Error> {
        if self.is_enabled(method) {
            return Err(Error::MfaAlreadyEnabled { method });
        }
        if let Some(current) = self.default {
            let task = MTask::Setup {
                pending: MPending::of(method),
                confirming: false,
            };
            self.begin_verifying(Slot::Setup, task, current, now, actual)?;
            return Ok(format!("step_up:{current}"));
        }
        self.check_not_locked(now)?;
        let started = started(actual);
        let (pending, factor) = if method == Method::Authenticator {
            let secret = started.and_then(|s| match &s.next {
                SetupNext::Confirm(SetupMaterial::Authenticator(e)) => Some(e.secret().clone()),
                _ => None,
            });
            (MPending::Auth(secret), MFactor::Auth)
        } else {
            self.budget(now)?;
            self.spend(now);
            let code = started.map_or_else(String::new, |s| match &s.next {
                SetupNext::Confirm(SetupMaterial::Oob(d)) => delivered(Some(d)),
                _ => String::new(),
            });
            (
                MPending::of(method),
                MFactor::Oob(MOob::issued(method, code, now)),
            )
        };
        if let Some(s) = started {
            let task = MTask::Setup {
                pending,
                confirming: true,
            };
            self.open(Slot::Setup, s.token.lookup_key(), task, factor, now);
        }
        Ok(format!("confirm:{method}"))
    }

    fn step_up(
        &mut self,
        key: &str,
        code: &str,
        now: u64,
        actual: &Result<Reply, Error>,
        events: &mut Vec<Event>,
    ) -> Result<String, Error> {
        self.locate(Slot::Setup, key, now)?;
        let MTask::Setup {
            pending,
            confirming: false,
        } = &self.challenge(Slot::Setup).task
        else {
            return Err(Error::ChallengeConsumed);
        };
        let pending = pending.clone();
        let method = pending.method();
        // A step-up that could not send the new address its code is refused before
        // the code is looked at, so the code is not spent for nothing.
        if method != Method::Authenticator {
            self.budget(now)?;
        }
        self.check_code(Slot::Setup, code, now, events)?;
        let (pending, factor) = match pending {
            MPending::Auth(_) => {
                let secret = match actual {
                    Ok(Reply::Material(SetupMaterial::Authenticator(e))) => {
                        Some(e.secret().clone())
                    }
                    _ => None,
                };
                (MPending::Auth(secret), MFactor::Auth)
            }
            pending => {
                self.spend(now);
                let code = match actual {
                    Ok(Reply::Material(SetupMaterial::Oob(d))) => delivered(Some(d)),
                    _ => String::new(),
                };
                (pending, MFactor::Oob(MOob::issued(method, code, now)))
            }
        };
        let ch = self.challenge_mut(Slot::Setup);
        ch.factor = factor;
        ch.task = MTask::Setup {
            pending,
            confirming: true,
        };
        ch.attempts_left = CHALLENGE_ATTEMPTS;
        Ok(format!("material:{method}"))
    }

    fn confirm(
        &mut self,
        key: &str,
        code: &str,
        now: u64,
        actual: &Result<Reply, Error>,
        events: &mut Vec<Event>,
    ) -> Result<String, Error> {
        self.locate(Slot::Setup, key, now)?;
        let MTask::Setup {
            pending,
            confirming: true,
        } = &self.challenge(Slot::Setup).task
        else {
            return Err(Error::StepUpRequired);
        };
        let pending = pending.clone();
        let method = pending.method();
        if self.is_enabled(method) {
            return Err(Error::MfaAlreadyEnabled { method });
        }
        let proof = self.check_code(Slot::Setup, code, now, events)?;
        self.challenge_mut(Slot::Setup).consumed = true;
        if let (MPending::Auth(secret), MProof::Totp { step }) = (pending, &proof) {
            self.auth = Some((secret.expect("the secret was shown"), Some(*step)));
        }
        self.enabled[midx(method)] = true;
        events.push(Event::MethodEnabled { method });
        let mut issued = 0;
        if self.default.is_none() {
            self.default = Some(method);
            if let Ok(Reply::Confirmed(c)) = actual {
                self.backup = c.backup_codes.as_ref().map(|codes| {
                    codes
                        .expose_secret()
                        .map(|c| (c.to_owned(), false))
                        .collect()
                });
            }
            issued = usize::from(BACKUP_COUNT);
            events.push(Event::BackupCodesIssued { count: issued });
        }
        Ok(format!("enabled:{method}:{:?}:{issued}", self.methods()))
    }

    fn switch(
        &mut self,
        slot: Slot,
        key: &str,
        method: Method,
        now: u64,
        actual: &Result<Reply, Error>,
    ) -> Result<String, Error> {
        self.locate(slot, key, now)?;
        let ch = self.challenge(slot);
        if ch.task.confirming() {
            return Err(Error::InvalidMethod);
        }
        if ch.factor.method() == method {
            return Ok(format!("prompt:{method}:false"));
        }
        let delivery = match actual {
            Ok(Reply::Prompt(p)) => p.delivery(),
            _ => None,
        };
        let factor = self.factor_for(method, now, delivery)?;
        let sent = matches!(factor, MFactor::Oob(_));
        self.challenge_mut(slot).factor = factor;
        Ok(format!("prompt:{method}:{sent}"))
    }

    fn resend(
        &mut self,
        slot: Slot,
        key: &str,
        now: u64,
        actual: &Result<Reply, Error>,
    ) -> Result<String, Error> {
        self.locate(slot, key, now)?;
        let ch = self.challenge(slot);
        let MFactor::Oob(oob) = &ch.factor else {
            return Err(Error::ResendOnlyForOob);
        };
        let method = oob.method;
        let to_pending = matches!(
            ch.task,
            MTask::Setup {
                pending: MPending::Email | MPending::Sms,
                confirming: true,
            }
        );
        if !to_pending && !self.is_enabled(method) {
            return Err(Error::MethodNotEnabled { method });
        }
        self.budget(now)?;
        let MFactor::Oob(oob) = &mut self.challenges[slot.index()].as_mut().unwrap().factor else {
            unreachable!("checked above");
        };
        if oob.consumed {
            return Err(Error::CodeConsumed);
        }
        if oob.attempts_left == 0 {
            return Err(Error::TooManyAttempts { retry_at: None });
        }
        if oob.resends_used >= OOB_RESENDS {
            return Err(Error::MaxResendLimit);
        }
        let elapsed = now.saturating_sub(oob.last_sent_at);
        if elapsed < OOB_COOLDOWN {
            return Err(Error::ResendCooldown {
                retry_after: OOB_COOLDOWN - elapsed,
            });
        }
        if let Ok(Reply::Delivery(d)) = actual {
            oob.code = delivered(Some(d));
        }
        oob.expires_at = now + OOB_LIFETIME;
        oob.last_sent_at = now;
        oob.resends_used += 1;
        self.spend(now);
        Ok(format!("delivery:{method}"))
    }

    fn verify_disable(
        &mut self,
        key: &str,
        code: &str,
        now: u64,
        events: &mut Vec<Event>,
    ) -> Result<String, Error> {
        self.locate(Slot::Disable, key, now)?;
        let MTask::Disable(scope) = self.challenge(Slot::Disable).task else {
            return Err(Error::ChallengeInvalid);
        };
        let targets = match scope {
            DisableScope::Method(method) => {
                self.require_enabled(method)?;
                vec![method]
            }
            _ => self.methods(),
        };
        let proof = self.check_code(Slot::Disable, code, now, events)?;
        self.challenge_mut(Slot::Disable).consumed = true;
        for &method in &targets {
            self.remove(method);
            events.push(Event::MethodDisabled { method });
        }
        if self.default.is_none() {
            events.push(Event::MfaTurnedOff);
        }
        Ok(format!(
            "disabled:{targets:?}:{:?}:{}",
            self.methods(),
            proof.tag()
        ))
    }
}

// ---------------------------------------------------------------------------
// The user, and the harness that drives both sides and checks the invariants.
// ---------------------------------------------------------------------------

/// A code the user can type, with the (secret, time step) it was generated for
/// when it came from an authenticator app.
#[derive(Clone, Debug)]
struct Submitted {
    text: String,
    totp: Option<(String, u64)>,
}

impl Submitted {
    fn plain(text: &str) -> Self {
        Submitted {
            text: text.to_owned(),
            totp: None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct TokenInfo {
    expires_at: u64,
    consumed: bool,
    /// Replaced by a newer challenge of its purpose, or wiped with MFA.
    dead: bool,
}

#[derive(Default)]
struct Tokens {
    setup: Vec<SetupToken>,
    login: Vec<LoginToken>,
    disable: Vec<DisableToken>,
    regenerate: Vec<RegenerateToken>,
}

fn choose<P: TokenPurpose>(list: &[ChallengeToken<P>], pick: Pick) -> ChallengeToken<P> {
    let forged =
        |n: u128| ChallengeToken::<P>::parse(&format!("{}_{n:032x}", P::PURPOSE.name())).unwrap();
    match pick {
        Pick::Latest => list.last().cloned().unwrap_or_else(|| forged(0)),
        Pick::Stale(i) if !list.is_empty() => list[i.index(list.len())].clone(),
        Pick::Stale(_) => forged(1),
        Pick::Forged(n) => forged(n),
    }
}

impl Tokens {
    fn pick(&self, slot: Slot, pick: Pick) -> AnyToken {
        match slot {
            Slot::Setup => AnyToken::Setup(choose(&self.setup, pick)),
            Slot::Login => AnyToken::Login(choose(&self.login, pick)),
            Slot::Disable => AnyToken::Disable(choose(&self.disable, pick)),
            Slot::Regenerate => AnyToken::Regenerate(choose(&self.regenerate, pick)),
        }
    }

    fn all(&self) -> Vec<AnyToken> {
        let mut all: Vec<AnyToken> = self.setup.iter().cloned().map(AnyToken::Setup).collect();
        all.extend(self.login.iter().cloned().map(AnyToken::Login));
        all.extend(self.disable.iter().cloned().map(AnyToken::Disable));
        all.extend(self.regenerate.iter().cloned().map(AnyToken::Regenerate));
        all
    }
}

#[derive(Default)]
struct User {
    tokens: Tokens,
    issued: BTreeMap<String, TokenInfo>,
    /// Every code the user was sent or read off the app, in order.
    seen: Vec<Submitted>,
    last_accepted: Option<Submitted>,
    last_totp: Option<Submitted>,
    last_auth_secret: Option<Secret>,
    /// The backup codes of the current set, as shown.
    backup: Vec<String>,
    used_backup: BTreeSet<String>,
    /// Codes of sets that were regenerated away or wiped.
    retired: BTreeSet<String>,
    /// (secret, time step) of every authenticator code accepted.
    accepted_steps: BTreeSet<(String, u64)>,
    /// Counted failures since the last accepted code.
    counted_since_success: u32,
    /// Counted failures since the last accepted code or lockout.
    counted_in_run: u32,
}

impl User {
    fn issue(&mut self, token: AnyToken, expires_at: u64) {
        let slot = token.slot();
        let keys: Vec<String> = match slot {
            Slot::Setup => self
                .tokens
                .setup
                .iter()
                .map(ChallengeToken::lookup_key)
                .collect(),
            Slot::Login => self
                .tokens
                .login
                .iter()
                .map(ChallengeToken::lookup_key)
                .collect(),
            Slot::Disable => self
                .tokens
                .disable
                .iter()
                .map(ChallengeToken::lookup_key)
                .collect(),
            Slot::Regenerate => self
                .tokens
                .regenerate
                .iter()
                .map(ChallengeToken::lookup_key)
                .collect(),
        };
        for key in keys {
            if let Some(info) = self.issued.get_mut(&key) {
                info.dead = true;
            }
        }
        self.issued.insert(
            token.key(),
            TokenInfo {
                expires_at,
                consumed: false,
                dead: false,
            },
        );
        match token {
            AnyToken::Setup(t) => self.tokens.setup.push(t),
            AnyToken::Login(t) => self.tokens.login.push(t),
            AnyToken::Disable(t) => self.tokens.disable.push(t),
            AnyToken::Regenerate(t) => self.tokens.regenerate.push(t),
        }
    }

    fn receive(&mut self, delivery: Option<&Delivery>) {
        if let Some(d) = delivery {
            self.seen.push(Submitted::plain(d.code().as_str()));
        }
    }

    fn new_backup_set(&mut self, codes: Option<&PlainBackupCodes>) {
        self.retired.extend(self.backup.drain(..));
        if let Some(codes) = codes {
            self.backup = codes.expose_secret().map(str::to_owned).collect();
        }
    }
}

/// How often the interesting things happened, to check the runs are not vacuous.
#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    totp_accepted: usize,
    oob_accepted: usize,
    backup_accepted: usize,
    counted: usize,
    lockouts: usize,
    refused_while_waiting: usize,
    code_reused: usize,
    backup_reused: usize,
    retired_refused: usize,
    dead_token_refused: usize,
    mfa_turned_off: usize,
    regenerated: usize,
    too_many_codes_sent: usize,
    step_ups: usize,
    switches: usize,
    resends: usize,
    reloads: usize,
    shadowed: usize,
}

/// What the harness knows about a call before making it.
#[derive(Default)]
struct Ctx {
    code: Option<Submitted>,
    /// Why the token cannot succeed, if the user can tell.
    dead: Option<&'static str>,
    /// The token was never issued as such (forged or relabelled).
    forged: bool,
    /// The challenge the token stands for checks an authenticator code.
    factor_auth: bool,
}

struct Harness {
    mfa: Mfa,
    account: Account,
    now: u64,
    seed: u64,
    step: usize,
    model: Model,
    user: User,
    stats: Stats,
}

impl Harness {
    fn new(seed: u64) -> Self {
        Harness {
            mfa: mfa(),
            account: Account::new(),
            now: T0,
            seed,
            step: 0,
            model: Model::default(),
            user: User::default(),
            stats: Stats::default(),
        }
    }

    fn run(&mut self, ops: &[Op]) {
        for (step, op) in ops.iter().enumerate() {
            self.step = step;
            self.op(op);
        }
    }

    fn op(&mut self, op: &Op) {
        match *op {
            Op::Advance(seconds) => self.now += seconds,
            Op::Reload => {
                let before = json(&self.account);
                let back = reload(&self.account);
                assert!(
                    back == self.account,
                    "step {}: the reloaded record differs from the one in memory",
                    self.step
                );
                assert_eq!(
                    json(&back),
                    before,
                    "step {}: reload changed the JSON",
                    self.step
                );
                self.account = back;
                self.stats.reloads += 1;
            }
            _ => {
                let (call, ctx) = self.resolve(op);
                self.execute(op, &call, &ctx);
            }
        }
    }

    /// Every secret the user holds an app for.
    fn known_secrets(&self) -> Vec<Secret> {
        let mut secrets: Vec<Secret> = self.user.last_auth_secret.iter().cloned().collect();
        secrets.extend(self.model.auth.iter().map(|(s, _)| s.clone()));
        for c in self.model.challenges.iter().flatten() {
            if let MTask::Setup {
                pending: MPending::Auth(Some(s)),
                ..
            } = &c.task
            {
                secrets.push(s.clone());
            }
        }
        secrets
    }

    /// What the user types for the challenge in `slot` when they have it right.
    fn right_code(&mut self, slot: Slot) -> Submitted {
        let now = self.now;
        let right = match &self.model.challenges[slot.index()] {
            Some(c) => match (&c.task, &c.factor) {
                (
                    MTask::Setup {
                        pending: MPending::Auth(Some(secret)),
                        confirming: true,
                    },
                    MFactor::Auth,
                ) => Some(secret.clone()),
                (_, MFactor::Auth) => self
                    .model
                    .auth
                    .as_ref()
                    .map(|(s, _)| s.clone())
                    .or_else(|| self.user.last_auth_secret.clone()),
                (_, MFactor::Oob(o)) => return Submitted::plain(&o.code),
            },
            None => {
                return self
                    .user
                    .seen
                    .last()
                    .cloned()
                    .unwrap_or_else(|| Submitted::plain("000000"));
            }
        };
        let Some(secret) = right else {
            return Submitted::plain("000000");
        };
        let step = totp().step_at(now).unwrap();
        let code = Submitted {
            text: totp().generate_at_step(&secret, step).as_str().to_owned(),
            totp: Some((b32(&secret), step)),
        };
        self.user.seen.push(code.clone());
        code
    }

    /// A well-formed code that is neither `right` nor any code of a known secret now.
    fn wrong_code(&self, n: u32, right: &Submitted) -> Submitted {
        let secrets = self.known_secrets();
        let mut v = n % 1_000_000;
        loop {
            let text = format!("{v:06}");
            if text != right.text
                && secrets
                    .iter()
                    .all(|s| totp().verify(s, &text, self.now, None).is_err())
            {
                return Submitted::plain(&text);
            }
            v = (v + 1) % 1_000_000;
        }
    }

    fn code_for(&mut self, slot: Slot, code: Code) -> Submitted {
        let right = self.right_code(slot);
        let pick = |list: Vec<String>, i: Index| -> Option<Submitted> {
            (!list.is_empty()).then(|| Submitted::plain(&list[i.index(list.len())]))
        };
        let fallback = Submitted::plain("AAAA-AAAA-AAAA-AAAA");
        match code {
            Code::Right => right,
            Code::Wrong(n) => self.wrong_code(n, &right),
            Code::Old(i) if !self.user.seen.is_empty() => {
                self.user.seen[i.index(self.user.seen.len())].clone()
            }
            Code::Old(_) => self.wrong_code(7, &right),
            Code::Reused => self
                .user
                .last_accepted
                .clone()
                .unwrap_or_else(|| self.wrong_code(11, &right)),
            Code::Replay => self
                .user
                .last_totp
                .clone()
                .unwrap_or_else(|| self.wrong_code(13, &right)),
            Code::BackupUnused(i) => {
                let unused: Vec<String> = self
                    .user
                    .backup
                    .iter()
                    .filter(|c| !self.user.used_backup.contains(*c))
                    .cloned()
                    .collect();
                pick(unused, i)
                    .or_else(|| pick(self.user.backup.clone(), i))
                    .unwrap_or(fallback)
            }
            Code::BackupUsed(i) => {
                pick(self.user.used_backup.iter().cloned().collect(), i).unwrap_or(fallback)
            }
            Code::BackupRetired(i) => {
                pick(self.user.retired.iter().cloned().collect(), i).unwrap_or(fallback)
            }
            Code::Malformed => Submitted::plain("12a4 5"),
        }
    }

    fn ctx(&self, token: &AnyToken, code: Option<Submitted>) -> Ctx {
        let key = token.key();
        let dead = match self.user.issued.get(&key) {
            None => Some("never issued"),
            Some(i) if i.consumed => Some("consumed"),
            Some(i) if i.dead => Some("replaced or wiped"),
            Some(i) if self.now >= i.expires_at => Some("expired"),
            Some(_) => None,
        };
        let factor_auth = self.model.challenges[token.slot().index()]
            .as_ref()
            .is_some_and(|c| c.key == key && matches!(c.factor, MFactor::Auth));
        Ctx {
            code,
            dead,
            forged: !self.user.issued.contains_key(&key),
            factor_auth,
        }
    }

    fn resolve(&mut self, op: &Op) -> (Call, Ctx) {
        let verify = |h: &mut Self, slot: Slot, pick: Pick, code: Code| {
            let token = h.user.tokens.pick(slot, pick);
            let code = h.code_for(slot, code);
            let ctx = h.ctx(&token, Some(code.clone()));
            (token, code.text, ctx)
        };
        match *op {
            Op::BeginSetup(m) => (Call::BeginSetup(m), Ctx::default()),
            Op::StepUp(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Setup, p, c);
                let AnyToken::Setup(t) = token else {
                    unreachable!()
                };
                (Call::StepUp(t, code), ctx)
            }
            Op::Confirm(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Setup, p, c);
                (Call::verify(token, code), ctx)
            }
            Op::VerifyLogin(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Login, p, c);
                (Call::verify(token, code), ctx)
            }
            Op::VerifyDisable(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Disable, p, c);
                (Call::verify(token, code), ctx)
            }
            Op::VerifyRegenerate(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Regenerate, p, c);
                (Call::verify(token, code), ctx)
            }
            Op::BeginLogin => (Call::BeginLogin, Ctx::default()),
            Op::BeginRegenerate => (Call::BeginRegenerate, Ctx::default()),
            Op::BeginDisable(m) => (
                Call::BeginDisable(m.map_or(DisableScope::Everything, DisableScope::Method)),
                Ctx::default(),
            ),
            Op::Switch(slot, p, m) => {
                let token = self.user.tokens.pick(slot, p);
                let ctx = self.ctx(&token, None);
                (Call::Switch(token, m), ctx)
            }
            Op::Resend(slot, p) => {
                let token = self.user.tokens.pick(slot, p);
                let ctx = self.ctx(&token, None);
                (Call::Resend(token), ctx)
            }
            Op::Relabel(from, to, p) => {
                let original = self.user.tokens.pick(from, p);
                let text = original.text();
                if from != to {
                    assert_eq!(
                        AnyToken::parse(to, &text).err(),
                        Some(Error::WrongPurpose {
                            expected: to.purpose(),
                            found: from.purpose()
                        }),
                        "step {}: a {from:?} token parsed as a {to:?} token",
                        self.step
                    );
                }
                let (_, hex) = text.split_once('_').unwrap();
                let relabelled =
                    AnyToken::parse(to, &format!("{}_{hex}", to.purpose().name())).unwrap();
                let code = self.code_for(from, Code::Right);
                let ctx = self.ctx(&relabelled, Some(code.clone()));
                (Call::verify(relabelled, code.text), ctx)
            }
            Op::Advance(_) | Op::Reload => unreachable!("handled without a call"),
        }
    }

    fn execute(&mut self, op: &Op, call: &Call, ctx: &Ctx) {
        let now = self.now;
        let step = self.step;
        let before = json(&self.account);
        let version_before = self.account.version();
        let retry_before = self.account.retry_at(now);
        let methods_before = self.account.methods();
        let persist = step % 3 == 1;
        let seed = self.seed ^ (step as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let twin = (step < SHADOW_STEPS).then(|| reload(&self.account));

        let applied = apply(
            &self.mfa,
            &mut self.account,
            call,
            &mut StdRng::seed_from_u64(seed),
            now,
            persist,
        );
        let actual = summary(&applied.result);
        let after = json(&self.account);
        let at = format!("step {step} ({op:?}, t={now})");

        // A reloaded record behaves identically.
        if let Some(mut twin) = twin {
            let shadow = apply(
                &self.mfa,
                &mut twin,
                call,
                &mut StdRng::seed_from_u64(seed),
                now,
                !persist,
            );
            assert_eq!(
                summary(&shadow.result),
                actual,
                "{at}: the reloaded record answered differently"
            );
            assert_eq!(
                shadow.events, applied.events,
                "{at}: the reloaded record reported other events"
            );
            assert_eq!(
                json(&twin),
                after,
                "{at}: the reloaded record ended in another state"
            );
            self.stats.shadowed += 1;
        }

        // A code proves only a method that is on (the one being enrolled aside).
        let with = match &applied.result {
            Ok(Reply::Verified(v)) => Some(v.with),
            Ok(Reply::Disabled(d)) => Some(d.with),
            _ => None,
        };
        if let Some(VerifiedWith::Method(m)) = with {
            assert!(
                methods_before.contains(&m),
                "{at}: a {m} code was accepted while {m} was not enabled (enabled: {methods_before:?})"
            );
        }

        // The model predicts the answer, the events and the state.
        let mut expected_events = Vec::new();
        let expected = self
            .model
            .apply(call, now, &applied.result, &mut expected_events);
        self.model.drop_expired(now);
        assert!(
            same(&expected, &actual),
            "{at}: the model expected {expected:?}, the library answered {actual:?}"
        );
        assert_eq!(
            applied.events, expected_events,
            "{at}: events differ from the model's"
        );
        self.check_model(&at);

        // The version steps exactly when the stored record changed, and persist is
        // called with the compare-and-swap versions.
        let version = self.account.version();
        if content(&before) == content(&after) {
            assert_eq!(
                version, version_before,
                "{at}: the version moved but the record did not change"
            );
        } else {
            assert_eq!(
                version,
                version_before + 1,
                "{at}: the record changed but the version did not step by one"
            );
        }
        assert_eq!(applied.expected, version_before, "{at}: expected_version");
        assert_eq!(
            applied.changed,
            version != version_before,
            "{at}: is_changed"
        );
        if persist {
            let saves = if version == version_before {
                vec![]
            } else {
                vec![(version_before, version)]
            };
            assert_eq!(applied.saves, saves, "{at}: persist was called wrongly");
        }

        self.check_codes(call, ctx, &applied, retry_before, &at);

        self.learn(call, &applied, now);

        // MFA off: nothing left.
        if self.account.methods().is_empty() {
            assert_eq!(
                self.account.backup_codes_remaining(),
                None,
                "{at}: backup codes without a method"
            );
            if !methods_before.is_empty() {
                assert!(
                    applied.events.contains(&Event::MfaTurnedOff),
                    "{at}: the last method went without MfaTurnedOff"
                );
                assert_eq!(
                    self.account.challenge_keys().count(),
                    0,
                    "{at}: challenges survived MFA being turned off"
                );
                self.assert_everything_refused(&at);
                self.stats.mfa_turned_off += 1;
            }
        }
    }

    /// The library's observable state is the model's.
    fn check_model(&self, at: &str) {
        let a = &self.account;
        let m = &self.model;
        assert_eq!(a.methods(), m.methods(), "{at}: enabled methods");
        assert_eq!(a.default_method(), m.default, "{at}: default method");
        assert_eq!(a.failures(), m.failures, "{at}: failure count");
        assert_eq!(
            a.retry_at(self.now),
            (self.now < m.wait_until).then_some(m.wait_until),
            "{at}: retry_at"
        );
        assert_eq!(
            a.backup_codes_remaining(),
            m.backup
                .as_ref()
                .map(|s| s.iter().filter(|(_, used)| !used).count()),
            "{at}: backup codes remaining"
        );
        let mut keys: Vec<String> = a.challenge_keys().collect();
        keys.sort();
        let mut expected: Vec<String> = m
            .challenges
            .iter()
            .flatten()
            .map(|c| c.key.clone())
            .collect();
        expected.sort();
        assert_eq!(keys, expected, "{at}: live challenges");
    }

    /// The safety properties of code checking, stated without the model.
    fn check_codes(
        &mut self,
        call: &Call,
        ctx: &Ctx,
        applied: &Applied,
        retry_before: Option<u64>,
        at: &str,
    ) {
        let result = &applied.result;
        let checks_code = call.checks_code();
        let accepted = checks_code && result.is_ok();
        let counted = checks_code && matches!(result, Err(e) if is_counted(e));
        let failures = self.account.failures();

        // Dead challenges never succeed.
        if let Some(why) = ctx.dead {
            assert!(
                result.is_err() && !accepted,
                "{at}: a {why} challenge succeeded"
            );
            let error = result.as_ref().err().unwrap();
            let allowed = match why {
                "never issued" | "replaced or wiped" => matches!(error, Error::ChallengeInvalid),
                "consumed" => matches!(error, Error::ChallengeConsumed | Error::ChallengeInvalid),
                _ => matches!(
                    error,
                    Error::ChallengeExpired { .. } | Error::ChallengeInvalid
                ),
            };
            assert!(
                allowed,
                "{at}: a {why} challenge was refused with {error:?}"
            );
            self.stats.dead_token_refused += 1;
        }
        if ctx.forged {
            assert!(
                matches!(result, Err(Error::ChallengeInvalid)),
                "{at}: a token never issued for this purpose got {:?}",
                summary(result)
            );
        }

        if !checks_code {
            return;
        }
        let code = ctx.code.as_ref().unwrap();

        // While a delay or lockout runs, no code is looked at.
        if let Some(retry) = retry_before {
            assert!(
                !accepted && !counted,
                "{at}: a code was {} while retry_at was {retry}",
                if accepted { "accepted" } else { "counted" }
            );
            let error = result.as_ref().err().unwrap();
            assert!(
                *error
                    == Error::TooManyAttempts {
                        retry_at: Some(retry)
                    }
                    || is_challenge_error(error)
                    // A step-up refuses before the code when the new address could
                    // not be sent its code.
                    || (matches!(call, Call::StepUp(..))
                        && matches!(error, Error::TooManyCodesSent { .. })),
                "{at}: during a delay until {retry} a code got {error:?}"
            );
            if matches!(error, Error::TooManyAttempts { .. }) {
                self.stats.refused_while_waiting += 1;
            }
        }

        if counted {
            self.stats.counted += 1;
            self.user.counted_since_success += 1;
            self.user.counted_in_run += 1;
            assert!(
                self.user.counted_in_run <= u32::from(LOCKOUT_AFTER),
                "{at}: {} wrong codes counted without a lockout",
                self.user.counted_in_run
            );
            if failures >= u32::from(LOCKOUT_AFTER) {
                let until = self.now + LOCKOUT;
                assert!(
                    applied.events.contains(&Event::LockoutStarted { until }),
                    "{at}: failure {failures} did not start a lockout"
                );
                assert_eq!(
                    self.account.retry_at(self.now),
                    Some(until),
                    "{at}: the lockout does not run"
                );
                self.user.counted_in_run = 0;
                self.stats.lockouts += 1;
            }
            match result {
                Err(Error::CodeReused { .. }) => self.stats.code_reused += 1,
                Err(Error::BackupCodeUsed) => self.stats.backup_reused += 1,
                _ => {}
            }
        }
        if self.user.retired.contains(&code.text) && !accepted {
            self.stats.retired_refused += 1;
        }

        if accepted {
            self.user.counted_since_success = 0;
            self.user.counted_in_run = 0;
            assert_eq!(
                self.account.retry_at(self.now),
                None,
                "{at}: a success left a delay running"
            );
            if is_backup_shaped(&code.text) {
                assert!(
                    !self.user.used_backup.contains(&code.text),
                    "{at}: backup code {} accepted twice",
                    code.text
                );
                assert!(
                    !self.user.retired.contains(&code.text),
                    "{at}: backup code {} of a regenerated-away set was accepted",
                    code.text
                );
                assert!(
                    self.user.backup.contains(&code.text),
                    "{at}: backup code {} was never issued",
                    code.text
                );
                self.user.used_backup.insert(code.text.clone());
                self.stats.backup_accepted += 1;
            } else if let (Some((secret, totp_step)), true) = (&code.totp, ctx.factor_auth) {
                assert!(
                    self.user
                        .accepted_steps
                        .insert((secret.clone(), *totp_step)),
                    "{at}: TOTP step {totp_step} accepted twice for the same secret"
                );
                self.user.last_totp = Some(code.clone());
                self.stats.totp_accepted += 1;
            } else {
                self.stats.oob_accepted += 1;
            }
            self.user.last_accepted = Some(code.clone());
            if let Some(info) = self.user.issued.get_mut(&call_key(call)) {
                info.consumed |= !matches!(call, Call::StepUp(..));
            }
        }
        assert_eq!(
            failures, self.user.counted_since_success,
            "{at}: failures() is not the number of wrong codes counted since the last success"
        );
    }

    /// Takes what the user was shown or sent.
    fn learn(&mut self, call: &Call, applied: &Applied, now: u64) {
        match &applied.result {
            Ok(Reply::Started(s)) => {
                assert_eq!(s.expires_at, now + CHALLENGE_LIFETIME, "setup expiry");
                self.user
                    .issue(AnyToken::Setup(s.token.clone()), s.expires_at);
                match &s.next {
                    SetupNext::Confirm(SetupMaterial::Oob(d)) => {
                        if let Call::BeginSetup(m) = call {
                            assert_eq!(d.destination(), destination(*m), "setup destination");
                        }
                        self.user.receive(Some(d));
                    }
                    SetupNext::Confirm(SetupMaterial::Authenticator(_)) => {}
                    SetupNext::StepUp(p) => self.user.receive(p.delivery()),
                }
            }
            Ok(Reply::Material(SetupMaterial::Oob(d))) => {
                self.user.receive(Some(d));
                self.stats.step_ups += 1;
            }
            Ok(Reply::Material(SetupMaterial::Authenticator(_))) => self.stats.step_ups += 1,
            Ok(Reply::Confirmed(c)) => {
                if c.method == Method::Authenticator {
                    self.user.last_auth_secret = self.model.auth.as_ref().map(|(s, _)| s.clone());
                }
                if let Some(codes) = &c.backup_codes {
                    self.user.new_backup_set(Some(codes));
                }
            }
            Ok(Reply::Login(LoginStart::Required(p))) => {
                assert_eq!(
                    p.prompt.expires_at(),
                    now + CHALLENGE_LIFETIME,
                    "login expiry"
                );
                self.user
                    .issue(AnyToken::Login(p.token.clone()), p.prompt.expires_at());
                self.user.receive(p.prompt.delivery());
            }
            Ok(Reply::DisablePending(p)) => {
                self.user
                    .issue(AnyToken::Disable(p.token.clone()), p.prompt.expires_at());
                self.user.receive(p.prompt.delivery());
            }
            Ok(Reply::RegeneratePending(p)) => {
                self.user
                    .issue(AnyToken::Regenerate(p.token.clone()), p.prompt.expires_at());
                self.user.receive(p.prompt.delivery());
            }
            Ok(Reply::Prompt(p)) => {
                self.user.receive(p.delivery());
                self.stats.switches += 1;
            }
            Ok(Reply::Delivery(d)) => {
                self.user.receive(Some(d));
                self.stats.resends += 1;
            }
            Ok(Reply::Disabled(d)) => {
                if d.methods.is_empty() {
                    self.user.new_backup_set(None);
                    for info in self.user.issued.values_mut() {
                        info.dead = true;
                    }
                }
            }
            Ok(Reply::Codes(codes)) => {
                self.user.new_backup_set(Some(codes));
                self.stats.regenerated += 1;
            }
            Ok(Reply::Login(LoginStart::NotRequired) | Reply::Verified(_)) => {}
            Err(Error::TooManyCodesSent { .. }) => self.stats.too_many_codes_sent += 1,
            Err(_) => {}
        }
    }

    /// With MFA off, every token held is refused, whatever code comes with it, and
    /// sign-in asks for nothing.
    fn assert_everything_refused(&self, at: &str) {
        let mut codes: Vec<String> = self
            .user
            .seen
            .iter()
            .rev()
            .take(3)
            .map(|s| s.text.clone())
            .collect();
        codes.extend(self.user.retired.iter().take(4).cloned());
        for secret in self.known_secrets() {
            codes.push(
                totp()
                    .generate(&secret, self.now)
                    .unwrap()
                    .as_str()
                    .to_owned(),
            );
        }
        let mut rng = StdRng::seed_from_u64(self.seed);
        for token in self.user.tokens.all() {
            for code in &codes {
                let mut account = self.account.clone();
                let calls = match &token {
                    AnyToken::Setup(t) => vec![
                        Call::StepUp(t.clone(), code.clone()),
                        Call::Confirm(t.clone(), code.clone()),
                    ],
                    other => vec![Call::verify(other.clone(), code.clone())],
                };
                for call in calls {
                    let applied = apply(&self.mfa, &mut account, &call, &mut rng, self.now, false);
                    assert!(
                        matches!(applied.result, Err(Error::ChallengeInvalid)),
                        "{at}: with MFA off, {call:?} got {:?}",
                        summary(&applied.result)
                    );
                }
            }
        }
        let mut account = self.account.clone();
        let start = self
            .mfa
            .begin_login(&mut account, &mut rng, self.now)
            .in_memory()
            .result;
        assert!(
            matches!(start, Ok(LoginStart::NotRequired)),
            "{at}: with MFA off, sign-in got {start:?}"
        );
    }
}

fn call_key(call: &Call) -> String {
    match call {
        Call::StepUp(t, _) | Call::Confirm(t, _) => t.lookup_key(),
        Call::VerifyLogin(t, _) => t.lookup_key(),
        Call::VerifyDisable(t, _) => t.lookup_key(),
        Call::VerifyRegenerate(t, _) => t.lookup_key(),
        Call::Switch(t, _) | Call::Resend(t) => t.key(),
        Call::BeginSetup(_) | Call::BeginLogin | Call::BeginDisable(_) | Call::BeginRegenerate => {
            String::new()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Random sequences of enrolment, sign-in, switching, resending, disabling,
    /// regeneration, clock jumps and reloads: the library answers as the model
    /// predicts, and the safety invariants hold after every step.
    #[test]
    fn account_behaves_like_the_model(seed in any::<u64>(), ops in sequences()) {
        Harness::new(seed).run(&ops);
    }
}

/// The random runs reach the states the invariants are about: a fixed sample of
/// sequences must see lockouts, replays, backup codes, MFA turned off, and so on.
#[test]
fn random_runs_reach_the_interesting_states() {
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = (any::<u64>(), sequences());
    let mut total = Stats::default();
    for _ in 0..48 {
        let (seed, ops) = strategy.new_tree(&mut runner).unwrap().current();
        let mut harness = Harness::new(seed);
        harness.run(&ops);
        let s = harness.stats;
        total.totp_accepted += s.totp_accepted;
        total.oob_accepted += s.oob_accepted;
        total.backup_accepted += s.backup_accepted;
        total.counted += s.counted;
        total.lockouts += s.lockouts;
        total.refused_while_waiting += s.refused_while_waiting;
        total.code_reused += s.code_reused;
        total.backup_reused += s.backup_reused;
        total.retired_refused += s.retired_refused;
        total.dead_token_refused += s.dead_token_refused;
        total.mfa_turned_off += s.mfa_turned_off;
        total.regenerated += s.regenerated;
        total.too_many_codes_sent += s.too_many_codes_sent;
        total.step_ups += s.step_ups;
        total.switches += s.switches;
        total.resends += s.resends;
        total.reloads += s.reloads;
        total.shadowed += s.shadowed;
    }
    let Stats {
        totp_accepted,
        oob_accepted,
        backup_accepted,
        counted,
        lockouts,
        refused_while_waiting,
        code_reused,
        backup_reused,
        retired_refused,
        dead_token_refused,
        mfa_turned_off,
        regenerated,
        too_many_codes_sent,
        step_ups,
        switches,
        resends,
        reloads,
        shadowed,
    } = total;
    for (what, n) in [
        ("TOTP codes accepted", totp_accepted),
        ("email/SMS codes accepted", oob_accepted),
        ("backup codes accepted", backup_accepted),
        ("wrong codes counted", counted),
        ("lockouts", lockouts),
        ("codes refused during a delay", refused_while_waiting),
        ("TOTP replays refused", code_reused),
        ("used backup codes refused", backup_reused),
        ("retired backup codes refused", retired_refused),
        ("dead tokens refused", dead_token_refused),
        ("MFA turned off", mfa_turned_off),
        ("backup codes regenerated", regenerated),
        ("send budget exhausted", too_many_codes_sent),
        ("step-ups passed", step_ups),
        ("method switches", switches),
        ("resends", resends),
        ("reloads", reloads),
        ("steps shadowed on a reloaded record", shadowed),
    ] {
        assert!(n > 0, "no {what} in the sample: {total:?}");
    }
}

// ---------------------------------------------------------------------------
// The bugs the model found, reduced to a few calls.
// ---------------------------------------------------------------------------

/// An account with email (the default) and then the authenticator enabled; returns
/// the authenticator secret.
fn email_then_authenticator(
    mfa: &Mfa,
    account: &mut Account,
    rng: &mut StdRng,
    now: u64,
) -> Secret {
    let s = mfa
        .begin_setup(account, setup_request(Method::Email), rng, now)
        .in_memory()
        .result
        .unwrap();
    let SetupNext::Confirm(SetupMaterial::Oob(mail)) = &s.next else {
        panic!("no method yet: confirm by email")
    };
    let first = mfa
        .confirm_setup(account, &s.token, mail.code().as_str(), rng, now)
        .in_memory()
        .result
        .unwrap();
    assert!(first.backup_codes.is_some());
    let s = mfa
        .begin_setup(account, setup_request(Method::Authenticator), rng, now)
        .in_memory()
        .result
        .unwrap();
    let SetupNext::StepUp(prompt) = &s.next else {
        panic!("email is on: step up first")
    };
    let mail = prompt.delivery().unwrap().code().as_str().to_owned();
    let SetupMaterial::Authenticator(enrollment) = mfa
        .verify_step_up(account, &s.token, &mail, rng, now)
        .in_memory()
        .result
        .unwrap()
    else {
        panic!("the authenticator's material is its secret")
    };
    let secret = enrollment.secret().clone();
    let code = totp().generate(&secret, now).unwrap();
    let second = mfa
        .confirm_setup(account, &s.token, code.as_str(), rng, now)
        .in_memory()
        .result
        .unwrap();
    assert_eq!(second.methods, [Method::Authenticator, Method::Email]);
    secret
}

/// Moving a challenge to the authenticator changes the stored record (the factor
/// the challenge checks), so it must be one version step and reach `persist`.
/// Otherwise a server that stores through `persist` keeps the email factor, and
/// the authenticator code the prompt asked for is refused after a reload.
#[test]
fn switching_to_the_authenticator_is_stored() {
    let mfa = mfa();
    let mut rng = StdRng::seed_from_u64(7);
    let mut account = Account::new();
    let now = T0;
    let secret = email_then_authenticator(&mfa, &mut account, &mut rng, now);
    let now = now + 60;
    let LoginStart::Required(login) = mfa
        .begin_login(&mut account, &mut rng, now)
        .in_memory()
        .result
        .unwrap()
    else {
        panic!("MFA is on")
    };
    let stored = json(&account);
    let version = account.version();
    let mut saves = Vec::new();
    let prompt = mfa
        .switch_method(
            &mut account,
            &login.token,
            Method::Authenticator,
            &mut rng,
            now,
        )
        .persist(|record, expected| {
            saves.push((expected, json(record)));
            Ok::<(), Infallible>(())
        })
        .unwrap()
        .result
        .unwrap();
    assert_eq!(prompt.method(), Method::Authenticator);
    assert_ne!(
        content(&json(&account)),
        content(&stored),
        "the factor changed"
    );
    assert_eq!(
        account.version(),
        version + 1,
        "a changed record must step its version"
    );
    assert_eq!(saves.len(), 1, "persist must be asked to store the switch");
    // What the store holds signs in with the code the prompt asked for.
    let mut reloaded: Account = serde_json::from_str(&saves[0].1).unwrap();
    let code = totp().generate(&secret, now).unwrap();
    assert!(
        mfa.verify_login(&mut reloaded, &login.token, code.as_str(), now)
            .in_memory()
            .result
            .is_ok()
    );
}

/// A challenge waiting on an email code must not accept that code once email is
/// turned off: the authenticator's counterpart is refused
/// (`AuthenticatorNotConfigured`), and `resend` on the same challenge already says
/// `MethodNotEnabled`.
#[test]
fn a_method_turned_off_proves_nothing() {
    let mfa = mfa();
    let mut rng = StdRng::seed_from_u64(7);
    let mut account = Account::new();
    let now = T0;
    let secret = email_then_authenticator(&mfa, &mut account, &mut rng, now);
    let now = now + 60;
    let LoginStart::Required(login) = mfa
        .begin_login(&mut account, &mut rng, now)
        .in_memory()
        .result
        .unwrap()
    else {
        panic!("MFA is on")
    };
    let mail = delivered(login.prompt.delivery());
    let disable = mfa
        .begin_disable(
            &mut account,
            DisableScope::Method(Method::Email),
            &mut rng,
            now,
        )
        .in_memory()
        .result
        .unwrap();
    let mut prompt = mfa
        .switch_method(
            &mut account,
            &disable.token,
            Method::Authenticator,
            &mut rng,
            now,
        )
        .in_memory()
        .result
        .unwrap();
    assert!(prompt.take_delivery().is_none());
    let code = totp().generate(&secret, now).unwrap();
    let disabled = mfa
        .verify_disable(&mut account, &disable.token, code.as_str(), now)
        .in_memory()
        .result
        .unwrap();
    assert_eq!(disabled.methods, vec![Method::Authenticator]);
    assert_eq!(
        mfa.resend(&mut account, &login.token, &mut rng, now + OOB_COOLDOWN)
            .in_memory()
            .result
            .unwrap_err(),
        Error::MethodNotEnabled {
            method: Method::Email
        }
    );
    let late = mfa
        .verify_login(&mut account, &login.token, &mail, now + OOB_COOLDOWN)
        .in_memory()
        .result;
    assert_eq!(
        late.map(|v| v.with),
        Err(Error::MethodNotEnabled {
            method: Method::Email
        }),
        "the code of a method turned off signed the user in"
    );
}
