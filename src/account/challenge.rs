//! A live challenge as the account record stores it: the token's hash, what it is
//! for, which code it expects now, and its own clock and attempt count.

use alloc::boxed::Box;
use alloc::string::String;

use subtle::ConstantTimeEq;

use super::token::TokenId;
use super::vault::Vault;
use crate::ct::{FirstMatch, Outcome, Verdict};
use crate::method::{Method, Purpose};
use crate::oob::{OobChallenge, OobChannel};
use crate::otp::TotpConfig;
use crate::secret::Secret;

/// The code a challenge checks next.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "lowercase", deny_unknown_fields)
)]
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

/// What completing the challenge does.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "lowercase", deny_unknown_fields)
)]
// At most four challenges live in a record; boxing the enrolment's pending
// method would add an allocation to every one for a few hundred bytes.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Task {
    /// Sign the user in.
    Login,
    /// Enrol `pending`. While `confirming` is false, the challenge first wants a code
    /// from an enabled method (the step-up); then the factor is the new method.
    Setup {
        /// The method being enrolled. Boxed: it is most of a challenge's size
        /// (a new secret's buffer, addresses), and a record's challenges are moved
        /// whole while it is decoded.
        pending: Box<PendingMethod>,
        /// Whether the step-up is done (or was not needed).
        confirming: bool,
    },
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
            Task::Setup { .. } => Purpose::Setup,
            Task::Disable(_) => Purpose::Disable,
            Task::Regenerate => Purpose::RegenerateBackupCodes,
            Task::Expired(purpose) => *purpose,
        }
    }

    /// Whether the factor is the method being enrolled (so a backup code cannot
    /// stand in for it, and the method cannot be switched).
    pub(crate) const fn confirming_setup(&self) -> bool {
        matches!(
            self,
            Task::Setup {
                confirming: true,
                ..
            }
        )
    }
}

/// One live challenge.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub(crate) struct Challenge {
    /// The token's hash, never the token.
    #[cfg_attr(feature = "serde", serde(with = "crate::hex::array"))]
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

/// The position of the challenge whose id is `id`, comparing with every stored id in
/// constant time (no early exit): which challenge matched, and whether any did, is
/// decided after the last comparison.
pub(crate) fn find(challenges: &[Challenge], id: &TokenId) -> Option<usize> {
    let (verdict, index) = scan(challenges, id);
    let index = core::hint::black_box(index);
    match verdict.outcome() {
        Outcome::Found => usize::try_from(index).ok(),
        Outcome::Refused | Outcome::NoMatch => None,
    }
}

/// Everything [`find`] does before it branches on the outcome: whether `id` matched
/// a stored id and at which position (0 if none), not branched on.
pub(crate) fn scan(challenges: &[Challenge], id: &TokenId) -> (Verdict, u64) {
    let mut found = FirstMatch::new();
    for (i, challenge) in (0u64..).zip(challenges) {
        found.record(challenge.id.ct_eq(id), i);
    }
    (found.verdict_alone(), found.value_or(0))
}
