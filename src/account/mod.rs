//! The account state machine: enrolment, sign-in, method switching, resend, disable
//! and backup-code regeneration over one persisted [`Account`] record per user.
//!
//! ```
//! use mfa_core::account::{Account, MethodSetup, Mfa, MfaPolicy, SetupMaterial, SetupNext};
//! use mfa_core::{ServerKey, error::Error, otp::TotpConfig};
//!
//! fn main() -> Result<(), Error> {
//!     let (mut rng, now) = (rand::rng(), 1_767_225_600);
//!     let mfa = Mfa::new(MfaPolicy::default(), ServerKey::new(1, &[7; 32])?);
//!     let mut account = Account::new();
//!     // Your database row; a server writes it with a compare-and-swap on `expected`.
//!     let mut row = account.clone();
//!     let mut save = |record: &Account, _expected: u64| {
//!         row = record.clone();
//!         Ok::<(), Error>(())
//!     };
//!
//!     // Every operation returns a Change: store the record, then read the outcome.
//!     let setup = MethodSetup::Authenticator { account_name: "jane@example.com" };
//!     let started = mfa
//!         .begin_setup(&mut account, setup, &mut rng, now)
//!         .persist(&mut save)?
//!         .result?;
//!     let SetupNext::Confirm(SetupMaterial::Authenticator(app)) = started.next else {
//!         unreachable!("with no method enabled, setup starts with a new secret")
//!     };
//!     // The user scans app.uri() and types the code the app shows.
//!     let code = TotpConfig::default().generate(app.secret(), now + 10)?;
//!     let confirmed = mfa
//!         .confirm_setup(&mut account, &started.token, code.as_str(), &mut rng, now + 10)
//!         .persist(&mut save)?
//!         .result?;
//!     assert!(confirmed.backup_codes.is_some()); // show them to the user once
//!     assert!(row.mfa_enabled());
//!     Ok(())
//! }
//! ```
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
