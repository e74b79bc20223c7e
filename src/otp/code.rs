//! Codes: the digit count, dynamic truncation (RFC 4226 §5.3), the generated code
//! value, and parsing of what the user typed.

use core::fmt;

use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::mac::MacOutput;
use crate::error::{CodeFormatError, ConfigError};

/// A digit count from 6 to 10 (RFC 4226 asks for at least 6; 31 bits of truncated
/// HMAC cover at most 10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Digits(u8);

impl Digits {
    pub(crate) const SIX: Digits = Digits(6);

    pub(crate) const fn new(digits: u8) -> Result<Self, ConfigError> {
        if digits < 6 || digits > 10 {
            return Err(ConfigError::Digits(digits));
        }
        Ok(Digits(digits))
    }

    pub(crate) const fn get(self) -> u8 {
        self.0
    }

    /// `value mod 10^digits`, dividing by a constant in each arm so the compiler emits
    /// a multiply-and-shift rather than a division whose latency could vary with the
    /// (secret) value.
    fn reduce(self, value: u32) -> u32 {
        match self.0 {
            6 => value % 1_000_000,
            7 => value % 10_000_000,
            8 => value % 100_000_000,
            9 => value % 1_000_000_000,
            // 31-bit values are all below 10^10.
            _ => value,
        }
    }
}

/// RFC 4226 §5.3 dynamic truncation and reduction to `digits`.
///
/// The offset comes from the MAC's last nibble, which is secret: rather than index by
/// it, every one of the 16 possible windows is read and the right one selected in
/// constant time.
pub(crate) fn truncate(mac: &MacOutput, output_len: usize, digits: Digits) -> u32 {
    let offset = mac
        .get(output_len.saturating_sub(1))
        .map_or(0, |b| b & 0x0f);
    let mut word = 0u32;
    for (candidate, window) in (0u8..16).zip(mac.windows(4)) {
        let bytes = [
            window.first().copied().unwrap_or(0),
            window.get(1).copied().unwrap_or(0),
            window.get(2).copied().unwrap_or(0),
            window.get(3).copied().unwrap_or(0),
        ];
        let value = u32::from_be_bytes(bytes);
        word.conditional_assign(&value, candidate.ct_eq(&offset));
    }
    digits.reduce(word & 0x7fff_ffff)
}

/// A generated one-time code, zero-padded to its digit count, held in a fixed buffer:
/// formatting it never allocates.
///
/// `Display` and [`as_str`](OtpCode::as_str) give the digits, because the point of a
/// generated code is to show or send it; `Debug` is redacted, and the buffer is zeroed
/// on drop, because until it is used the code is a credential.
///
/// Equality is constant-time.
#[derive(Clone)]
#[must_use]
pub struct OtpCode {
    digits: [u8; 10],
    len: u8,
}

impl OtpCode {
    pub(crate) fn new(value: u32, digits: Digits) -> Self {
        let mut buf = [b'0'; 10];
        let len = digits.get();
        let mut rest = value;
        for slot in buf.iter_mut().take(usize::from(len)).rev() {
            let digit = (rest % 10).to_le_bytes()[0];
            *slot = b'0' + digit;
            rest /= 10;
        }
        OtpCode { digits: buf, len }
    }

    /// The code's digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let digits = self.digits.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(digits).unwrap_or_default()
    }

    /// The code as a number (leading zeros dropped).
    #[must_use]
    pub fn value(&self) -> u64 {
        self.as_str()
            .bytes()
            .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
    }
}

impl ConstantTimeEq for OtpCode {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.digits.ct_eq(&other.digits) & self.len.ct_eq(&other.len)
    }
}

impl PartialEq for OtpCode {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for OtpCode {}

impl fmt::Display for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode([redacted])")
    }
}

impl Drop for OtpCode {
    fn drop(&mut self) {
        self.digits.zeroize();
    }
}

impl ZeroizeOnDrop for OtpCode {}

/// Parses what the user typed: ASCII digits, spaces anywhere ignored (`"123 456"`),
/// exactly `digits` of them. Runs over the whole input whatever it holds, so only
/// the input's length affects timing.
pub(crate) fn parse_submitted(text: &str, digits: Digits) -> Result<u64, CodeFormatError> {
    let mut value = 0u64;
    let mut found = 0usize;
    let mut non_digit = false;
    for b in text.bytes() {
        if b == b' ' {
            continue;
        }
        let d = b.wrapping_sub(b'0');
        non_digit |= d > 9;
        if found < 10 {
            value = value * 10 + u64::from(d.min(9));
        }
        found = found.saturating_add(1);
    }
    if non_digit {
        return Err(CodeFormatError::NotADigit);
    }
    if found != usize::from(digits.get()) {
        return Err(CodeFormatError::WrongLength {
            expected: digits.get(),
            found: u8::try_from(found).unwrap_or(u8::MAX),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_range_is_six_to_ten() {
        for d in 0..=255u8 {
            assert_eq!(Digits::new(d).is_ok(), (6..=10).contains(&d), "{d}");
        }
    }

    #[test]
    fn codes_are_zero_padded() {
        let code = OtpCode::new(42, Digits::new(8).unwrap());
        assert_eq!(code.as_str(), "00000042");
        assert_eq!(code.value(), 42);
        assert_eq!(format!("{code:?}"), "OtpCode([redacted])");
    }

    #[test]
    fn parsing_accepts_spaces_and_refuses_the_rest() {
        let six = Digits::SIX;
        assert_eq!(parse_submitted("123 456", six), Ok(123_456));
        assert_eq!(parse_submitted(" 000001 ", six), Ok(1));
        assert_eq!(
            parse_submitted("12345a", six),
            Err(CodeFormatError::NotADigit)
        );
        assert_eq!(
            parse_submitted("١٢٣٤٥٦", six),
            Err(CodeFormatError::NotADigit)
        );
        assert_eq!(
            parse_submitted("1234567", six),
            Err(CodeFormatError::WrongLength {
                expected: 6,
                found: 7
            })
        );
        assert_eq!(
            parse_submitted("", six),
            Err(CodeFormatError::WrongLength {
                expected: 6,
                found: 0
            })
        );
        let ten = Digits::new(10).unwrap();
        assert_eq!(parse_submitted("9999999999", ten), Ok(9_999_999_999));
    }
}
