//! One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238).
//!
//! ```
//! use mfa_core::{Secret, error::Error, otp::TotpConfig};
//!
//! fn main() -> Result<(), Error> {
//!     let secret = Secret::generate(&mut rand::rng());
//!     let totp = TotpConfig::default(); // SHA-1, 6 digits, 30 s, one step of skew each way
//!     let now = 1_767_225_600;
//!     let code = totp.generate(&secret, now)?;
//!     let matched = totp.verify(&secret, code.as_str(), now + 20, None)?;
//!     // Store matched.step(): from then on the same code is refused.
//!     let again = totp.verify(&secret, code.as_str(), now + 25, Some(matched.step()));
//!     assert!(matches!(again, Err(Error::CodeReused { .. })));
//!     Ok(())
//! }
//! ```
//!
//! Every verification computes every step of its window, compares each with
//! `subtle`, and decides only after the last one, so a code that matches the first
//! step, the last step, or none takes the same time. Nothing here allocates.

mod algorithm;
mod code;
mod hotp;
mod mac;
#[cfg(feature = "serde")]
mod serde_impl;
#[cfg(feature = "serde")]
pub(crate) use serde_impl::{is_stored_standard, stored_standard};
mod totp;
mod window;

pub use algorithm::Algorithm;
pub use code::OtpCode;
pub use hotp::{HotpConfig, HotpMatch, MAX_LOOK_AHEAD, MAX_RESYNC_WINDOW};
pub use totp::{MAX_WINDOW_STEPS, TotpConfig, TotpMatch, Window};

pub(crate) use code::{DigitText, Digits, parse_submitted};
