//! The invariants checked after every step: the library's state is the model's,
//! and the safety properties of code checking hold.

use mfa_core::account::{LockState, LoginStart};
use mfa_core::{account::Event, error::Error};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{Ctx, Harness};
use crate::calls::{AnyToken, Applied, Call, apply, summary};
use crate::support::{
    LOCKOUT, LOCKOUT_AFTER, MAX_FAILURES, is_backup_shaped, is_challenge_error, is_counted, totp,
};

impl Harness {
    /// The library's observable state is the model's.
    pub(super) fn check_model(&self, at: &str) {
        let a = &self.account;
        let m = &self.model;
        assert_eq!(a.methods(), m.methods(), "{at}: enabled methods");
        assert_eq!(a.default_method(), m.default, "{at}: default method");
        assert_eq!(a.failures(), m.failures, "{at}: failure count");
        assert!(
            m.failures <= u32::from(MAX_FAILURES),
            "{at}: {} consecutive wrong codes were evaluated, over the budget of {MAX_FAILURES}",
            m.failures
        );
        assert_eq!(
            self.mfa.lock_state(a, self.now) == LockState::HardLocked,
            m.hard_locked(),
            "{at}: hard lock"
        );
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
        let devices: Vec<u64> = a.devices().iter().map(|d| d.expires_at).collect();
        let expected: Vec<u64> = m.devices.iter().map(|&(_, expires)| expires).collect();
        assert_eq!(devices, expected, "{at}: remembered devices");
    }

    /// The safety properties of code checking, stated without the model.
    pub(super) fn check_codes(
        &mut self,
        call: &Call,
        ctx: &Ctx,
        applied: &Applied,
        retry_before: Option<u64>,
        hard_before: bool,
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

        // While hard-locked, no code of any kind is looked at.
        if hard_before {
            assert!(
                !accepted && !counted,
                "{at}: a code was {} while hard-locked",
                if accepted { "accepted" } else { "counted" }
            );
            let error = result.as_ref().err().unwrap();
            assert!(
                *error == Error::MfaLocked || is_challenge_error(error),
                "{at}: while hard-locked a code got {error:?}"
            );
        }

        // While a delay or lockout runs, no code is looked at.
        if let Some(retry) = retry_before {
            assert!(
                !accepted && !counted,
                "{at}: a code was {} while retry_at was {retry}",
                if accepted { "accepted" } else { "counted" }
            );
            let error = result.as_ref().err().unwrap();
            assert!(
                *error == Error::TooManyAttempts { retry_at: retry }
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
            assert!(
                self.user.counted_since_success <= u32::from(MAX_FAILURES),
                "{at}: {} wrong codes counted in a row, over the budget of {MAX_FAILURES}",
                self.user.counted_since_success
            );
            if failures >= u32::from(MAX_FAILURES) {
                assert!(
                    applied.events.contains(&Event::MfaLocked { failures }),
                    "{at}: failure {failures} did not hard-lock the account"
                );
                assert_eq!(
                    self.mfa.lock_state(&self.account, self.now),
                    LockState::HardLocked,
                    "{at}: the hard lock does not hold"
                );
                self.user.counted_in_run = 0;
                self.stats.hard_locks += 1;
            } else if failures >= u32::from(LOCKOUT_AFTER) {
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

    /// With MFA off, every token held is refused, whatever code comes with it, and
    /// sign-in asks for nothing.
    pub(super) fn assert_everything_refused(&self, at: &str) {
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
        Call::VerifyLogin(t, _) | Call::VerifyLoginRemembering(t, _) => t.lookup_key(),
        Call::VerifyDisable(t, _) => t.lookup_key(),
        Call::VerifyRegenerate(t, _) => t.lookup_key(),
        Call::Switch(t, _) | Call::Resend(t) => t.key(),
        Call::BeginSetup(_)
        | Call::BeginLogin
        | Call::BeginLoginOn(_)
        | Call::ForgetDevices
        | Call::BeginDisable(_)
        | Call::BeginRegenerate
        | Call::Unlock
        | Call::Reset => String::new(),
    }
}
