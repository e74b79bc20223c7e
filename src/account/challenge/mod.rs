//! Challenges, all in one place: what a live challenge is (the token's hash, what
//! it is for, which code it expects now, its own clock and attempt count), and every
//! operation on one. The flows (`login`, `setup`, `disable`, `regenerate`) only
//! decide what a challenge is for and what success does.
//!
//! | file | what it does |
//! |---|---|
//! | `open.rs` | opens a challenge, sending its code or withholding it |
//! | `locate.rs` | finds the challenge a token stands for, in constant time |
//! | `check.rs` | checks a code against it: the one place a guess is counted |
//! | `switch.rs` | moves it to another enabled method |
//! | `resend.rs` | sends its email / SMS code again |

mod check;
mod locate;
mod open;
mod resend;
mod switch;

use alloc::boxed::Box;
use alloc::string::String;

use super::token::TokenId;
use super::vault::Vault;
use crate::method::{Method, Purpose};
use crate::oob::{OobChallenge, OobChannel};
use crate::otp::TotpConfig;
use crate::secret::Secret;

pub use check::VerifiedWith;
pub use open::PendingChallenge;

/// The code a challenge checks next.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Factor {
    /// A code from the authenticator app (the enrolled one, or the pending one while
    /// a setup is being confirmed).
    Authenticator,
    /// An email or SMS code, with its hashed code and counters.
    Oob(OobChallenge),
    /// An email or SMS method whose code was withheld when the challenge began (a
    /// delay ran, or the hourly budget was spent): a resend sends the first one.
    Unsent(OobChannel),
}

impl Factor {
    pub(crate) fn method(&self) -> Method {
        match self {
            Factor::Authenticator => Method::Authenticator,
            Factor::Oob(oob) => Method::from_channel(oob.channel()),
            Factor::Unsent(channel) => Method::from_channel(*channel),
        }
    }
}

/// A method being enrolled, not yet confirmed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum PendingMethod {
    /// A new authenticator secret, shown to the user, awaiting its first code.
    Authenticator {
        /// The new secret.
        secret: Vault<Secret>,
        /// Its configuration.
        config: TotpConfig,
        /// The account name the `otpauth://` label shows.
        account_name: Vault<String>,
    },
    /// An email address awaiting the code sent to it.
    Email(Vault<String>),
    /// A phone number awaiting the code sent to it.
    Sms(Vault<String>),
}

impl PendingMethod {
    pub(crate) const fn method(&self) -> Method {
        match self {
            PendingMethod::Authenticator { .. } => Method::Authenticator,
            PendingMethod::Email(_) => Method::Email,
            PendingMethod::Sms(_) => Method::Sms,
        }
    }
}

/// Which methods a disable challenge turns off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum DisableScope {
    /// One method; if it is the last, MFA is off and everything is wiped.
    Method(Method),
    /// Every method: MFA is off and everything is wiped.
    Everything,
}

/// What completing the challenge does. An enrolment is in one of two stages, each
/// its own variant: which code is wanted, whether a backup code may stand in for it
/// and whether the replay guard moves all follow from the variant, never from a flag.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Task {
    /// Sign the user in.
    Login,
    /// Enrol the pending method, once a code from a method already enabled (or a
    /// backup code) proves the user: the step-up. Boxed: the pending method is most
    /// of a challenge's size (a new secret's buffer, addresses), and a record's
    /// challenges are moved whole while it is decoded.
    SetupStepUp(Box<PendingMethod>),
    /// Enrol the pending method with its own first code: the app's, or the one sent
    /// to the new address. No backup code, no switching, and the enabled
    /// authenticator's replay guard does not move.
    SetupConfirm(Box<PendingMethod>),
    /// Turn methods off.
    Disable(DisableScope),
    /// Replace the backup codes.
    Regenerate,
    /// What is left of a challenge of this purpose once it expired: the token still
    /// answers "expired" until a new challenge of the purpose replaces it, and
    /// nothing of what it was enrolling (a pending secret or address) is kept.
    Expired(Purpose),
}

impl Task {
    pub(crate) const fn purpose(&self) -> Purpose {
        match self {
            Task::Login => Purpose::Login,
            Task::SetupStepUp(_) | Task::SetupConfirm(_) => Purpose::Setup,
            Task::Disable(_) => Purpose::Disable,
            Task::Regenerate => Purpose::RegenerateBackupCodes,
            Task::Expired(purpose) => *purpose,
        }
    }

    /// The method being enrolled, at either stage.
    pub(crate) fn pending(&self) -> Option<&PendingMethod> {
        match self {
            Task::SetupStepUp(pending) | Task::SetupConfirm(pending) => Some(pending),
            _ => None,
        }
    }

    /// The method being enrolled, to change (to open or seal its values).
    pub(crate) fn pending_mut(&mut self) -> Option<&mut PendingMethod> {
        match self {
            Task::SetupStepUp(pending) | Task::SetupConfirm(pending) => Some(pending),
            _ => None,
        }
    }

    /// The method being enrolled when the code wanted is its own (the confirmation
    /// stage); `None` when the code proves a method already enabled.
    pub(crate) fn confirming(&self) -> Option<&PendingMethod> {
        match self {
            Task::SetupConfirm(pending) => Some(pending),
            _ => None,
        }
    }

    /// The step-up is done: the same enrolment now wants the new method's code. Any
    /// other task is left as it is.
    pub(crate) fn step_up_done(&mut self) {
        if let Task::SetupStepUp(_) = self {
            let Task::SetupStepUp(pending) = core::mem::replace(self, Task::Login) else {
                return;
            };
            *self = Task::SetupConfirm(pending);
        }
    }
}

/// One live challenge.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// The token's hash, never the token.
    pub(crate) id: TokenId,
    pub(crate) task: Task,
    pub(crate) factor: Factor,
    pub(crate) expires_at: u64,
    pub(crate) attempts_left: u8,
    pub(crate) consumed: bool,
}

impl Challenge {
    pub(crate) const fn purpose(&self) -> Purpose {
        self.task.purpose()
    }

    /// Whether the challenge's lifetime is over at `now` (or it is already a
    /// tombstone, whatever the clock says).
    pub(crate) const fn expired(&self, now: u64) -> bool {
        matches!(self.task, Task::Expired(_)) || now >= self.expires_at
    }

    /// Turns an expired challenge into its tombstone: the id, purpose, expiry and
    /// state stay; what it was enrolling and its code's hash go (so it names no
    /// server key). Returns whether it changed.
    pub(crate) fn retire_if_expired(&mut self, now: u64) -> bool {
        if matches!(self.task, Task::Expired(_)) || now < self.expires_at {
            return false;
        }
        self.task = Task::Expired(self.task.purpose());
        if let Factor::Oob(oob) = &self.factor {
            self.factor = Factor::Unsent(oob.channel());
        }
        true
    }

    /// The server key its code was hashed under, while the code can still be
    /// checked: not consumed (a tombstone holds no code at all).
    pub(crate) fn key_id(&self) -> Option<u32> {
        match (&self.factor, self.consumed) {
            (Factor::Oob(oob), false) => Some(oob.key_id()),
            _ => None,
        }
    }
}
