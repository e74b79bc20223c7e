//! What the model predicts for each call, one method per endpoint.

use mfa_core::account::{
    DisableScope, LoginStart, Method, Prompt, SetupMaterial, SetupNext, SetupStarted,
};
use mfa_core::{account::Event, error::Error};

use super::{MFactor, MOob, MPending, MProof, MTask, Model};
use crate::calls::{Call, Reply};
use crate::ops::Slot;
use crate::support::{
    BACKUP_COUNT, CHALLENGE_ATTEMPTS, CHALLENGE_LIFETIME, OOB_COOLDOWN, OOB_LIFETIME, OOB_RESENDS,
    delivered, midx,
};

fn started(actual: &Result<Reply, Error>) -> Option<&SetupStarted> {
    match actual {
        Ok(Reply::Started(s)) => Some(s),
        _ => None,
    }
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
    /// The answer the library should give to `call`, updating the model; random
    /// values (tokens, codes, secrets) are read from `actual`. At the end of every
    /// call the library drops expired challenges: see [`drop_expired`].
    pub(crate) fn apply(
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
                let withheld =
                    self.begin_verifying(Slot::Login, MTask::Login, method, now, actual)?;
                Ok(format!("login:{method}{withheld}"))
            }
            Call::VerifyLogin(t, code) => {
                Ok(self.sign_in(&t.lookup_key(), code, now, events)?.tag())
            }
            Call::VerifyLoginRemembering(t, code) => {
                self.verify_login_remembering(&t.lookup_key(), code, now, actual, events)
            }
            Call::BeginLoginOn(text) => self.begin_login_on(text, now, actual, events),
            Call::ForgetDevices => Ok(self.forget_devices(events)),
            Call::Switch(t, m) => self.switch(t.slot(), &t.key(), *m, now, actual),
            Call::Resend(t) => self.resend(t.slot(), &t.key(), now, actual),
            Call::BeginDisable(scope) => {
                let method = self.default.ok_or(Error::MfaNotEnabled)?;
                if let DisableScope::Method(target) = scope {
                    self.require_enabled(*target)?;
                }
                let withheld = self.begin_verifying(
                    Slot::Disable,
                    MTask::Disable(*scope),
                    method,
                    now,
                    actual,
                )?;
                Ok(format!("pending:{method}{withheld}"))
            }
            Call::VerifyDisable(t, code) => self.verify_disable(&t.lookup_key(), code, now, events),
            Call::BeginRegenerate => {
                let method = self.default.ok_or(Error::MfaNotEnabled)?;
                let withheld =
                    self.begin_verifying(Slot::Regenerate, MTask::Regenerate, method, now, actual)?;
                Ok(format!("pending:{method}{withheld}"))
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
                self.revoke_devices(events);
                Ok(format!("codes:{BACKUP_COUNT}"))
            }
            Call::Unlock => Ok(self.unlock(events)),
            Call::Reset => Ok(self.reset(events)),
        }
    }

    /// Opens a challenge for `task` on the enabled `method` (login, disable,
    /// regenerate, step-up); a code that cannot be sent for a wait that ends is
    /// withheld, and the answer names why (the suffix returned).
    fn begin_verifying(
        &mut self,
        slot: Slot,
        task: MTask,
        method: Method,
        now: u64,
        actual: &Result<Reply, Error>,
    ) -> Result<String, Error> {
        self.check_not_locked(now)?;
        let opened = opened(actual);
        let delivery = opened.as_ref().and_then(|(p, _)| p.delivery());
        let (factor, withheld) =
            match self.factor_for(method, now, now + CHALLENGE_LIFETIME, delivery) {
                Ok(factor) => (factor, String::new()),
                Err(Error::TooManyAttempts { retry_at }) => (
                    MFactor::Unsent(method),
                    format!(":withheld:throttled@{retry_at}"),
                ),
                Err(Error::TooManyCodesSent { retry_at }) => (
                    MFactor::Unsent(method),
                    format!(":withheld:send_limit@{retry_at}"),
                ),
                Err(error) => return Err(error),
            };
        if let Some((_, key)) = opened {
            self.open(slot, key, task, factor, now);
        }
        Ok(withheld)
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
            let withheld = self.begin_verifying(Slot::Setup, task, current, now, actual)?;
            return Ok(format!("step_up:{current}{withheld}"));
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
            self.may_send(now)?;
            self.spend(now);
            let code = started.map_or_else(String::new, |s| match &s.next {
                SetupNext::Confirm(SetupMaterial::Oob(d)) => delivered(Some(d)),
                _ => String::new(),
            });
            (
                MPending::of(method),
                MFactor::Oob(MOob::issued(method, code, now, now + CHALLENGE_LIFETIME)),
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

    /// The pending method of the live enrolment, if it is at the stage wanted:
    /// past the step-up it is consumed, before it a step-up is required.
    fn setup_stage(&self, key: &str, now: u64, confirming: bool) -> Result<MPending, Error> {
        self.locate(Slot::Setup, key, now)?;
        match &self.challenge(Slot::Setup).task {
            MTask::Setup {
                pending,
                confirming: stage,
            } if *stage == confirming => Ok(pending.clone()),
            _ if confirming => Err(Error::StepUpRequired),
            _ => Err(Error::StepUpComplete),
        }
    }

    fn step_up(
        &mut self,
        key: &str,
        code: &str,
        now: u64,
        actual: &Result<Reply, Error>,
        events: &mut Vec<Event>,
    ) -> Result<String, Error> {
        let pending = self.setup_stage(key, now, false)?;
        let method = pending.method();
        // A step-up that could not go on to the confirmation is refused before the
        // code is looked at, so the code is not spent for nothing.
        self.check_may_verify(now)?;
        if method != Method::Authenticator {
            self.budget(now)?;
        }
        self.check_code(Slot::Setup, code, now, events)?;
        let expires_by = self.challenge(Slot::Setup).expires_at;
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
                (
                    pending,
                    MFactor::Oob(MOob::issued(method, code, now, expires_by)),
                )
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
        let pending = self.setup_stage(key, now, true)?;
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
        if self.hard_locked() {
            return Err(Error::MfaLocked);
        }
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
        let expires_by = ch.expires_at;
        let factor = self.factor_for(method, now, expires_by, delivery)?;
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
        if self.hard_locked() {
            return Err(Error::MfaLocked);
        }
        let ch = self.challenge(slot);
        let (method, unsent) = match &ch.factor {
            MFactor::Oob(oob) => (oob.method, false),
            MFactor::Unsent(method) => (*method, true),
            MFactor::Auth => return Err(Error::ResendOnlyForOob),
        };
        let expires_by = ch.expires_at;
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
        self.may_send(now)?;
        let code = match actual {
            Ok(Reply::Delivery(d)) => delivered(Some(d)),
            _ => String::new(),
        };
        if unsent {
            self.spend(now);
            self.challenge_mut(slot).factor =
                MFactor::Oob(MOob::issued(method, code, now, expires_by));
            return Ok(format!("delivery:{method}"));
        }
        let MFactor::Oob(oob) = &mut self.challenges[slot.index()].as_mut().unwrap().factor else {
            unreachable!("checked above");
        };
        if oob.consumed {
            return Err(Error::CodeConsumed);
        }
        if oob.attempts_left == 0 {
            return Err(Error::AttemptsExhausted);
        }
        if oob.resends_used >= OOB_RESENDS {
            return Err(Error::MaxResendLimit);
        }
        if now < oob.last_sent_at + OOB_COOLDOWN {
            return Err(Error::ResendCooldown {
                retry_at: oob.last_sent_at + OOB_COOLDOWN,
            });
        }
        oob.code = code;
        oob.expires_at = (now + OOB_LIFETIME).min(expires_by);
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
        self.revoke_devices(events);
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
