//! The account state machine: enrolment, sign-in, method switching, resend, disable
//! and backup-code regeneration over one persisted [`Account`] record per user.
//!
//! [`Mfa`] holds the policy and server key; its operations take the user's
//! [`Account`], `now` and (where needed) the caller's CSPRNG, and return a
//! [`Change`]: the record to store, and an [`Outcome`] (result and [`Event`]s) that is
//! read only through storing it. Tokens are typed by purpose ([`LoginToken`],
//! [`SetupToken`], …) and stored only as hashes.
//!
//! Every account has a guessing budget that ends: delays, hourly lockouts, then a
//! hard lock at [`ThrottlePolicy::max_failures`] consecutive failures, which only
//! the privileged [`Mfa::unlock`] and [`Mfa::reset_factors`] lift.

mod challenge;
mod change;
mod default_method;
mod destination;
mod device;
mod disable;
mod event;
mod login;
mod mfa;
mod policy;
mod prompt;
mod record;
mod recovery;
mod regenerate;
mod remember;
mod sealing;
mod setup;
#[cfg(feature = "serde")]
mod stored;
mod throttle;
mod token;
mod vault;

pub use crate::method::{Method, Purpose};
pub use challenge::{DisableScope, PendingChallenge, VerifiedWith};
pub use change::{Change, Outcome};
pub use destination::MAX_EMAIL_LEN;
pub use device::{DeviceInfo, DeviceToken, MAX_DEVICE_LABEL_CHARS};
pub use disable::Disabled;
pub use event::Event;
pub use login::{LoginStart, LoginVerified};
pub use mfa::Mfa;
pub use policy::{
    MAX_CHALLENGE_LIFETIME, MAX_FAILURES, MAX_LOCKOUT_AFTER, MAX_REMEMBER_FOR,
    MAX_REMEMBERED_DEVICES, MfaPolicy, ThrottlePolicy,
};
pub use prompt::{Delivery, Prompt, SetupMaterial, TotpEnrollment, Withheld};
pub use record::{Account, MAX_STORED_TIME};
pub use remember::RememberedLogin;
pub use setup::{MethodSetup, SetupConfirmed, SetupNext, SetupStarted};
#[cfg(feature = "serde")]
pub use stored::StoredAccount;
pub use throttle::LockState;
pub use token::{
    ChallengeToken, Disable, DisableToken, Login, LoginToken, Regenerate, RegenerateToken, Setup,
    SetupToken, TokenPurpose,
};
