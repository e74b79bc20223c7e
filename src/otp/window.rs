//! The constant-time core shared by HOTP and TOTP: key once, evaluate a candidate
//! counter, and remember the first match without branching on whether it matched.

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

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

/// The first value recorded with a true `hit`, kept without a branch on `hit`.
pub(crate) struct FirstMatch {
    found: Choice,
    value: u64,
}

impl FirstMatch {
    pub(crate) fn new() -> Self {
        FirstMatch {
            found: Choice::from(0),
            value: 0,
        }
    }

    pub(crate) fn record(&mut self, hit: Choice, value: u64) {
        self.value.conditional_assign(&value, hit & !self.found);
        self.found |= hit;
    }

    /// The value recorded, or `default` if none was, selected in constant time: for
    /// work done the same way whether or not anything matched.
    pub(crate) fn value_or(&self, default: u64) -> u64 {
        u64::conditional_select(&default, &self.value, self.found)
    }

    /// The decision, taken once every candidate has been recorded.
    pub(crate) fn get(&self) -> Option<u64> {
        bool::from(self.found).then_some(self.value)
    }
}

/// `flag` as a `Choice`, for eligibility that depends only on public values (the
/// counter range), so it can be combined with secret matches.
pub(crate) fn public(flag: bool) -> Choice {
    Choice::from(u8::from(flag))
}
