//! The harness that drives both sides (the library and the model) and checks the
//! invariants.

mod checks;
mod resolve;

use mfa_core::account::{
    LockState, LoginStart, Method, Mfa, Prompt, SetupMaterial, SetupNext, VerifiedWith,
};
use mfa_core::{
    account::{Account, Event},
    error::Error,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::calls::{AnyToken, Applied, Call, Reply, apply, content, json, reload, same, summary};
use crate::model::Model;
use crate::ops::Op;
use crate::support::{CHALLENGE_LIFETIME, SHADOW_STEPS, T0, destination, mfa, rotated};
use crate::user::{Submitted, User};

/// How often the interesting things happened, to check the runs are not vacuous.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stats {
    pub(crate) totp_accepted: usize,
    pub(crate) oob_accepted: usize,
    pub(crate) backup_accepted: usize,
    pub(crate) counted: usize,
    pub(crate) lockouts: usize,
    pub(crate) refused_while_waiting: usize,
    pub(crate) code_reused: usize,
    pub(crate) backup_reused: usize,
    pub(crate) retired_refused: usize,
    pub(crate) dead_token_refused: usize,
    pub(crate) mfa_turned_off: usize,
    pub(crate) regenerated: usize,
    pub(crate) too_many_codes_sent: usize,
    pub(crate) step_ups: usize,
    pub(crate) switches: usize,
    pub(crate) resends: usize,
    pub(crate) reloads: usize,
    pub(crate) shadowed: usize,
    pub(crate) hard_locks: usize,
    pub(crate) refused_while_hard_locked: usize,
    pub(crate) withheld: usize,
    pub(crate) unlocks: usize,
    pub(crate) resets: usize,
    pub(crate) rotations: usize,
    pub(crate) remembered: usize,
    pub(crate) recognised: usize,
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

pub(crate) struct Harness {
    mfa: Mfa,
    account: Account,
    now: u64,
    seed: u64,
    step: usize,
    model: Model,
    user: User,
    pub(crate) stats: Stats,
    rotations: u32,
}

impl Harness {
    pub(crate) fn new(seed: u64) -> Self {
        Harness {
            mfa: mfa(),
            account: Account::new(),
            now: T0,
            seed,
            step: 0,
            model: Model::default(),
            user: User::default(),
            stats: Stats::default(),
            rotations: 0,
        }
    }

    pub(crate) fn run(&mut self, ops: &[Op]) {
        for (step, op) in ops.iter().enumerate() {
            self.step = step;
            self.op(op);
        }
    }

    fn op(&mut self, op: &Op) {
        match *op {
            Op::Advance(seconds) => self.now += seconds,
            Op::Rotate => {
                self.rotations += 1;
                self.mfa = rotated(self.rotations);
                self.stats.rotations += 1;
            }
            Op::WaitOut => {
                if let Some(at) = self.account.retry_at(self.now) {
                    self.now = at;
                }
            }
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

    fn execute(&mut self, op: &Op, call: &Call, ctx: &Ctx) {
        let now = self.now;
        let step = self.step;
        let before = json(&self.account);
        let version_before = self.account.version();
        let retry_before = self.account.retry_at(now);
        let hard_before = self.mfa.lock_state(&self.account, now) == LockState::HardLocked;
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
            Ok(Reply::Remembered(with, _)) => Some(*with),
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
        self.model.retire_expired(now);
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

        // Nothing is sent while a delay, lockout or hard lock runs.
        if retry_before.is_some() || hard_before {
            assert!(
                !sends_a_code(&applied.result),
                "{at}: a code was sent while the account was throttled"
            );
        }
        if hard_before && !matches!(call, Call::Unlock | Call::Reset) {
            if let Ok(reply) = &applied.result {
                assert!(
                    matches!(
                        reply,
                        Reply::Login(LoginStart::NotRequired) | Reply::Forgotten(_)
                    ),
                    "{at}: a hard-locked account answered {:?}",
                    actual
                );
            }
            self.stats.refused_while_hard_locked += 1;
        }

        self.check_codes(call, ctx, &applied, retry_before, hard_before, &at);

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

    /// Takes what the user was shown or sent.
    fn learn(&mut self, call: &Call, applied: &Applied, now: u64) {
        if let Some(prompt) = prompt_of(&applied.result)
            && prompt.withheld().is_some()
        {
            self.stats.withheld += 1;
        }
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
            Ok(Reply::Unlocked(_)) => {
                self.user.counted_since_success = 0;
                self.user.counted_in_run = 0;
                self.stats.unlocks += 1;
            }
            Ok(Reply::Reset(_)) => {
                self.user.counted_since_success = 0;
                self.user.counted_in_run = 0;
                self.user.new_backup_set(None);
                for info in self.user.issued.values_mut() {
                    info.dead = true;
                }
                self.stats.resets += 1;
            }
            Ok(Reply::Remembered(_, device)) => {
                self.user.devices.push(device.clone());
                self.stats.remembered += 1;
            }
            Ok(Reply::Login(LoginStart::NotRequired))
                if applied.events.contains(&Event::DeviceRecognized) =>
            {
                self.stats.recognised += 1;
            }
            Ok(
                Reply::Login(LoginStart::NotRequired) | Reply::Verified(_) | Reply::Forgotten(_),
            ) => {}
            Err(Error::TooManyCodesSent { .. }) => self.stats.too_many_codes_sent += 1,
            Err(_) => {}
        }
    }
}

/// The prompt of a reply that opened or moved a verifying challenge.
fn prompt_of(result: &Result<Reply, Error>) -> Option<&Prompt> {
    match result {
        Ok(Reply::Started(s)) => match &s.next {
            SetupNext::StepUp(p) => Some(p),
            SetupNext::Confirm(_) => None,
        },
        Ok(Reply::Login(LoginStart::Required(p))) => Some(&p.prompt),
        Ok(Reply::DisablePending(p)) => Some(&p.prompt),
        Ok(Reply::RegeneratePending(p)) => Some(&p.prompt),
        Ok(Reply::Prompt(p)) => Some(p),
        _ => None,
    }
}

/// Whether a reply carries an email / SMS code to deliver.
fn sends_a_code(result: &Result<Reply, Error>) -> bool {
    match result {
        Ok(Reply::Delivery(_) | Reply::Material(SetupMaterial::Oob(_))) => true,
        Ok(Reply::Started(s)) if matches!(s.next, SetupNext::Confirm(SetupMaterial::Oob(_))) => {
            true
        }
        _ => prompt_of(result).is_some_and(|p| p.delivery().is_some()),
    }
}
