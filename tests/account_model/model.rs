//! The reference model: the record as the server should hold it, kept in plain.

mod devices;
mod flows;
mod recovery;
mod throttle;

use mfa_core::account::{Delivery, DisableScope, Method};
use mfa_core::error::CodeFormatError;
use mfa_core::{Secret, error::Error};

use crate::ops::Slot;
use crate::support::{
    CHALLENGE_ATTEMPTS, CHALLENGE_LIFETIME, OOB_ATTEMPTS, OOB_LIFETIME, delivered, midx,
};

/// An email / SMS code as the server should hold it (the model keeps it in plain).
#[derive(Clone, Debug)]
pub(crate) struct MOob {
    method: Method,
    pub(crate) code: String,
    expires_at: u64,
    attempts_left: u8,
    resends_used: u8,
    last_sent_at: u64,
    consumed: bool,
}

impl MOob {
    /// A code sent at `now` for a challenge that expires at `expires_by`: it never
    /// outlives the challenge.
    fn issued(method: Method, code: String, now: u64, expires_by: u64) -> Self {
        MOob {
            method,
            code,
            expires_at: (now + OOB_LIFETIME).min(expires_by),
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
            return Err(Error::AttemptsExhausted);
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
pub(crate) enum MFactor {
    Auth,
    Oob(MOob),
    /// An email / SMS method whose code was withheld when the challenge began.
    Unsent(Method),
}

impl MFactor {
    fn method(&self) -> Method {
        match self {
            MFactor::Auth => Method::Authenticator,
            MFactor::Oob(o) => o.method,
            MFactor::Unsent(m) => *m,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum MPending {
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
pub(crate) enum MTask {
    Login,
    Setup {
        pending: MPending,
        confirming: bool,
    },
    Disable(DisableScope),
    Regenerate,
    /// What is left of an expired challenge.
    Expired,
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
pub(crate) struct MChallenge {
    pub(crate) key: String,
    pub(crate) task: MTask,
    pub(crate) factor: MFactor,
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
pub(crate) struct Model {
    enabled: [bool; 3],
    pub(crate) default: Option<Method>,
    /// The enrolled secret and the last step it accepted.
    pub(crate) auth: Option<(Secret, Option<u64>)>,
    /// The current backup codes, as shown, and whether each was used.
    pub(crate) backup: Option<Vec<(String, bool)>>,
    pub(crate) failures: u32,
    pub(crate) wait_until: u64,
    sends_since: u64,
    sends_sent: u8,
    pub(crate) challenges: [Option<MChallenge>; 4],
    /// Remembered devices, oldest first: the token's text and when it expires.
    pub(crate) devices: Vec<(String, u64)>,
}

impl Model {
    fn is_enabled(&self, method: Method) -> bool {
        self.enabled[midx(method)]
    }

    pub(crate) fn methods(&self) -> Vec<Method> {
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
        if matches!(c.task, MTask::Expired) || now >= c.expires_at {
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

    /// The factor for checking the enabled `method` on a challenge that expires at
    /// `expires_by`, its code sent if it has one.
    fn factor_for(
        &mut self,
        method: Method,
        now: u64,
        expires_by: u64,
        delivery: Option<&Delivery>,
    ) -> Result<MFactor, Error> {
        self.require_enabled(method)?;
        if method == Method::Authenticator {
            return Ok(MFactor::Auth);
        }
        self.may_send(now)?;
        self.spend(now);
        Ok(MFactor::Oob(MOob::issued(
            method,
            delivered(delivery),
            now,
            expires_by,
        )))
    }

    /// Expired challenges become tombstones: their tokens answer "expired" until a
    /// new challenge of the purpose replaces them.
    pub(crate) fn retire_expired(&mut self, now: u64) {
        for c in self.challenges.iter_mut().flatten() {
            if now >= c.expires_at {
                c.task = MTask::Expired;
            }
        }
        self.devices.retain(|&(_, expires)| now < expires);
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
}
