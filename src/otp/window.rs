//! The core shared by HOTP and TOTP: the code of any candidate counter, for comparison
//! with the submitted one in constant time.

use super::code::{Digits, truncate};
use super::mac::CounterMac;
use super::{Algorithm, OtpCode};

/// Codes from one key: HMAC keyed with it, truncated to a number of digits.
pub(crate) struct KeyedCodes<'k> {
    mac: CounterMac<'k>,
    digits: Digits,
}

impl<'k> KeyedCodes<'k> {
    pub(crate) fn new(algorithm: Algorithm, key: &'k [u8], digits: Digits) -> Self {
        KeyedCodes {
            mac: CounterMac::new(algorithm, key),
            digits,
        }
    }

    /// The code of each counter `items` yields, handed to `each` with the counter
    /// and the item's tag, in order. The HMAC is keyed once for the whole window and
    /// the counters' MACs are computed side by side ([`CounterMac::each_mac`]), which
    /// is what makes a window cost little more than its keying and one chain per
    /// counter.
    pub(crate) fn each_code<T: Copy + Default>(
        &self,
        items: impl Iterator<Item = (u64, T)>,
        mut each: impl FnMut(u64, T, u64),
    ) {
        self.mac.each_mac(items, |counter, tag, mac| {
            each(counter, tag, u64::from(truncate(&mac, self.digits)));
        });
    }
}

/// The code for one counter (generation, which has nothing to compare).
pub(crate) fn generate(algorithm: Algorithm, key: &[u8], digits: Digits, counter: u64) -> OtpCode {
    let mac = CounterMac::new(algorithm, key).mac(counter);
    OtpCode::new(truncate(&mac, digits), digits)
}
