//! The core shared by HOTP and TOTP: key the MAC once, then give the code of any
//! candidate counter and compare it with the submitted one in constant time.

use subtle::{Choice, ConstantTimeEq};

use super::code::{Digits, truncate};
use super::mac::KeyedMac;
use super::{Algorithm, OtpCode};

/// HMAC keyed once for a call, producing the code of any counter.
pub(crate) struct KeyedCodes {
    mac: KeyedMac,
    digits: Digits,
}

impl KeyedCodes {
    pub(crate) fn new(algorithm: Algorithm, key: &[u8], digits: Digits) -> Self {
        KeyedCodes {
            mac: KeyedMac::new(algorithm, key),
            digits,
        }
    }

    /// The code value for `counter`.
    pub(crate) fn at(&self, counter: u64) -> u64 {
        u64::from(truncate(&self.mac.counter_mac(counter), self.digits))
    }

    /// Whether the code for `counter` equals `submitted`, as a `Choice`.
    pub(crate) fn matches(&self, counter: u64, submitted: u64) -> Choice {
        self.at(counter).ct_eq(&submitted)
    }
}

/// The code for one counter (generation, which has nothing to compare).
pub(crate) fn generate(algorithm: Algorithm, key: &[u8], digits: Digits, counter: u64) -> OtpCode {
    let value = KeyedCodes::new(algorithm, key, digits).at(counter);
    OtpCode::new(u32::try_from(value).unwrap_or(0), digits)
}
