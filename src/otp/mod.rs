//! One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238).
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
mod totp;
mod window;

pub use algorithm::Algorithm;
pub use code::OtpCode;
pub use hotp::{HotpConfig, HotpMatch, MAX_LOOK_AHEAD, MAX_RESYNC_WINDOW};
pub use totp::{MAX_WINDOW_STEPS, TotpConfig, TotpMatch, Window};

pub(crate) use code::{DigitText, Digits, parse_submitted};
