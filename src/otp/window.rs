//! The core shared by HOTP and TOTP: key the MAC once, then give the code of any
//! candidate counter and compare it with the submitted one in constant time.

use super::code::{Digits, truncate};
use super::mac::{KeyedMac, LANES};
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

    /// The code of each counter `items` yields, handed to `each` with the counter
    /// and the item's tag, in order. The MACs are computed [`LANES`] at a time side
    /// by side ([`KeyedMac::counter_macs`]), which is what makes a window cost little
    /// more than its slowest counter's chain.
    pub(crate) fn each_code<T: Copy + Default>(
        &self,
        items: impl Iterator<Item = (u64, T)>,
        mut each: impl FnMut(u64, T, u64),
    ) {
        let mut counters = [0u64; LANES];
        let mut tags = [T::default(); LANES];
        let mut filled = 0;
        let mut flush = |counters: &[u64], tags: &[T]| {
            self.mac.counter_macs(counters, |i, mac| {
                if let (Some(&counter), Some(&tag)) = (counters.get(i), tags.get(i)) {
                    each(counter, tag, u64::from(truncate(&mac, self.digits)));
                }
            });
        };
        for (counter, tag) in items {
            if let (Some(c), Some(t)) = (counters.get_mut(filled), tags.get_mut(filled)) {
                (*c, *t) = (counter, tag);
                filled += 1;
            }
            if filled == LANES {
                flush(&counters, &tags);
                filled = 0;
            }
        }
        if let (Some(counters), Some(tags)) = (counters.get(..filled), tags.get(..filled))
            && !counters.is_empty()
        {
            flush(counters, tags);
        }
    }
}

/// The code for one counter (generation, which has nothing to compare).
pub(crate) fn generate(algorithm: Algorithm, key: &[u8], digits: Digits, counter: u64) -> OtpCode {
    let value = KeyedCodes::new(algorithm, key, digits).at(counter);
    OtpCode::new(u32::try_from(value).unwrap_or(0), digits)
}
