//! Out-of-band (email / SMS) one-time codes.
//!
//! ```
//! use mfa_core::oob::{OobChallenge, OobChannel, OobPolicy, mask_email};
//! use mfa_core::{ServerKey, error::Error};
//!
//! fn main() -> Result<(), Error> {
//!     let key = ServerKey::new(1, &[0x42; 32])?; // from configuration, not the database
//!     let (policy, now) = (OobPolicy::default(), 1_767_225_600);
//!     let (code, mut challenge) =
//!         OobChallenge::issue(OobChannel::Email, &policy, &key, &mut rand::rng(), now)?;
//!     // Persist `challenge`, then email `code`; show where it went:
//!     assert_eq!(mask_email("jane.doe@example.com"), "j•••@example.com");
//!     challenge.verify(code.as_str(), &key, now + 30)?; // persist again, success or not
//!     assert!(challenge.is_consumed());
//!     Ok(())
//! }
//! ```
//!
//! The library draws the code (uniform digits, no modulo bias) from your CSPRNG,
//! stores only its salted keyed hash under your [`ServerKey`](crate::ServerKey), and
//! hands you the plain code to deliver. You own the mailer, the SMS gateway, the
//! clock and the database.
//!
//! | step | call | you then |
//! |---|---|---|
//! | send a code | [`OobChallenge::issue`] | persist the challenge, send the [`OobCode`] |
//! | user types it | [`OobChallenge::verify`] | **persist, success or failure**, then answer |
//! | "send again" | [`OobChallenge::resend`] | persist the challenge, send the new code |
//! | show where it went | [`mask_email`], [`mask_phone`] | display the hint |
//!
//! Defaults ([`OobPolicy`]): 6 digits, valid 10 minutes, 5 wrong codes per
//! challenge, 60 s between sends, 3 resends. A resend replaces the code and never
//! resets the failure count; a challenge out of attempts stays dead.
//!
//! The challenge does not store where the code was sent: keep the address or number
//! in your account record, and mask it from there.

mod accessors;
mod challenge;
mod code;
mod hint;
mod policy;
#[cfg(feature = "serde")]
mod stored;

pub use crate::method::OobChannel;
pub use challenge::OobChallenge;
pub use code::OobCode;
pub use hint::{mask_email, mask_phone};
pub use policy::{
    MAX_OOB_ATTEMPTS, MAX_OOB_DIGITS, MAX_OOB_LIFETIME, MAX_OOB_RESENDS, MIN_OOB_DIGITS, OobPolicy,
};
