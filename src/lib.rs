#![doc = include_str!("../README.md")]
// Unit tests get the std prelude; the library itself never does (checked by the
// thumbv7em build in CI).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod account;
pub mod backup;
mod base32;
pub mod compat;
mod ct;
pub mod error;
mod hash_blocks;
mod hex;
mod hmac_sha256;
mod keyed_hash;
mod method;
pub mod oob;
pub mod otp;
mod seal;
mod secret;
mod sensitive;
mod server_key;
mod server_keys;
#[cfg(feature = "timing-probe")]
#[doc(hidden)]
pub mod timing_probe;
pub mod uri;

pub use secret::{
    DEFAULT_SECRET_BYTES, MAX_SECRET_BYTES, MIN_LEGACY_SECRET_BYTES, MIN_SECRET_BYTES, Secret,
};
pub use sensitive::SensitiveText;
pub use server_key::{MAX_SERVER_KEY_BYTES, MIN_SERVER_KEY_BYTES, ServerKey};
pub use server_keys::ServerKeys;

/// The `rand_core` (0.10) whose `CryptoRng` every call that draws randomness takes,
/// so your code can name the trait without a matching dependency of its own:
///
/// ```
/// use mfa_core::{Secret, rand_core::CryptoRng};
///
/// fn new_secret<R: CryptoRng + ?Sized>(rng: &mut R) -> Secret {
///     Secret::generate(rng)
/// }
///
/// fn main() {
///     let _secret = new_secret(&mut rand::rng());
/// }
/// ```
pub use rand_core;
