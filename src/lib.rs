#![doc = include_str!("../README.md")]
// Unit tests get the std prelude; the library itself never does (checked by the
// thumbv7em build in CI).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod base32;
pub mod compat;
pub mod error;
pub mod otp;
mod secret;
mod sensitive;
pub mod uri;

pub use compat::{AuthenticatorApp, CompatibilityReport};
pub use error::Error;
pub use otp::{Algorithm, HotpConfig, HotpMatch, OtpCode, TotpConfig, TotpMatch, Window};
pub use secret::{
    DEFAULT_SECRET_BYTES, MAX_SECRET_BYTES, MIN_LEGACY_SECRET_BYTES, MIN_SECRET_BYTES, Secret,
};
pub use sensitive::SensitiveText;
pub use uri::{KeyUri, OtpKind};
