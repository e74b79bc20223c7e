//! Codes: the digit count, dynamic truncation (RFC 4226 §5.3), the generated code
//! value, and parsing of what the user typed.

use core::fmt;

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::mac::MacWords;
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
/// The offset comes from the MAC's last nibble, which is secret, so it must not choose
/// a memory address or a branch. The 4 bytes at an offset lie in two neighbouring
/// words of the MAC; every pair of neighbours is visited and the right one kept with a
/// constant-time select, then a `u64` shift by a multiple of 8 from 8 to 32 takes the
/// bytes out. A `u64` shift is a native or predicated instruction on every target we
/// build for, where a `u128` shift by a secret amount was not: on thumbv7em it went
/// through a stack slot read at a secret-dependent address, on wasm32 through a
/// helper that branches on the amount.
pub(crate) fn truncate(mac: &MacWords, digits: Digits) -> u32 {
    let (words, last) = mac.truncation_input();
    let offset = last & 0x0f;
    let first_word = offset >> 2;
    let mut pair = 0u64;
    for (i, neighbours) in (0u8..).zip(words.windows(2)) {
        let (a, b) = match neighbours {
            [a, b] => (*a, *b),
            _ => (0, 0),
        };
        let candidate = (u64::from(a) << 32) | u64::from(b);
        pair.conditional_assign(&candidate, i.ct_eq(&first_word));
    }
    let word = (pair >> (32 - 8 * u32::from(offset & 3))) as u32;
    digits.reduce(word & 0x7fff_ffff)
}

/// Digits of a code, zero-padded to their count, in a fixed buffer that is zeroed on
/// drop: what both [`OtpCode`] and [`OobCode`](crate::oob::OobCode) hold. Formatting it
/// never allocates; equality is constant-time.
#[derive(Clone)]
pub(crate) struct DigitText {
    digits: Zeroizing<[u8; 10]>,
    len: u8,
}

impl DigitText {
    /// Writes `value` as `digits` ASCII digits, zero-padded; digits beyond the count
    /// are dropped. Divisions are by the constant 10 (multiply-and-shift).
    ///
    /// The digits are gathered in two words and the buffer written from them whole:
    /// written a byte at a time, the buffer was read back (moved into the code) while
    /// those stores were still on their way, and waited for them.
    pub(crate) fn new(value: u64, digits: Digits) -> Self {
        // Byte `i` of the text is byte `i` of `head` (`i < 8`) or of `tail`.
        let (mut head, mut tail) = (u64::from_le_bytes([b'0'; 8]), u16::from_le_bytes([b'0'; 2]));
        let len = digits.get();
        let mut rest = value;
        for position in (0..u32::from(len)).rev() {
            let digit = rest % 10;
            rest /= 10;
            // The position is public (the digit count), so it may choose the word.
            if position < 8 {
                head |= digit << (8 * position);
            } else {
                tail |= u16::try_from(digit).unwrap_or(0) << (8 * (position - 8));
            }
        }
        let mut buf = [0u8; 10];
        let (first, last) = buf.split_at_mut(8);
        first.copy_from_slice(&head.to_le_bytes());
        last.copy_from_slice(&tail.to_le_bytes());
        (rest, head, tail).zeroize();
        DigitText {
            digits: Zeroizing::new(buf),
            len,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        let digits = self.digits.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(digits).unwrap_or_default()
    }
}

impl ConstantTimeEq for DigitText {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.digits.ct_eq(other.digits.as_slice()) & self.len.ct_eq(&other.len)
    }
}

impl ZeroizeOnDrop for DigitText {}

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
pub struct OtpCode(DigitText);

impl OtpCode {
    pub(crate) fn new(value: u32, digits: Digits) -> Self {
        OtpCode(DigitText::new(u64::from(value), digits))
    }

    /// The code's digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
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
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
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

/// Zeroed on drop through the digit buffer it holds.
impl ZeroizeOnDrop for OtpCode {}

/// Parses what the user typed: ASCII digits, spaces anywhere ignored (`"123 456"`),
/// exactly `digits` of them. Runs over the whole input whatever it holds, so only
/// the input's length affects timing.
pub(crate) fn parse_submitted(text: &str, digits: Digits) -> Result<u64, CodeFormatError> {
    let mut value = 0u64;
    let mut found = 0usize;
    let mut non_digit = false;
    for b in text.bytes() {
        // A space is skipped by masks, not by a branch: where the user put spaces
        // does not show in the timing either.
        let counted = core::hint::black_box(u8::from(b != b' '));
        let d = b.wrapping_sub(b'0');
        non_digit |= (d > 9) & (counted == 1);
        let keep = u64::from(counted).wrapping_neg();
        // Wraps past 19 digits, but input that long is refused below as the wrong
        // length, so the value is never used.
        let next = value.wrapping_mul(10).wrapping_add(u64::from(d.min(9)));
        value = (next & keep) | (value & !keep);
        found = found.wrapping_add(usize::from(counted));
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

    /// The buffer is zero-padded, so only the length tells `123456` from
    /// `1234560000`.
    #[test]
    fn codes_of_different_lengths_are_never_equal() {
        let six = DigitText::new(123_456, Digits::new(6).unwrap());
        let ten = DigitText::new(1_234_560_000, Digits::new(10).unwrap());
        assert!(!bool::from(six.ct_eq(&ten)));
        assert!(bool::from(six.ct_eq(&six.clone())));
    }

    #[test]
    fn digits_range_is_six_to_ten() {
        for d in 0..=255u8 {
            assert_eq!(Digits::new(d).is_ok(), (6..=10).contains(&d), "{d}");
        }
    }

    /// Every offset, for every output width, reads the same 4 bytes that indexing the
    /// serialised MAC would (RFC 4226 §5.3 as written).
    #[test]
    fn truncation_matches_the_byte_definition_at_every_offset() {
        let ten = Digits::new(10).unwrap();
        for offset in 0u8..16 {
            let bytes: std::vec::Vec<u8> = (0u8..64).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
            let word = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            let w32: std::vec::Vec<u32> = bytes.chunks(4).map(word).collect();
            let w64: std::vec::Vec<u64> = bytes
                .chunks(8)
                .map(|c| u64::from_be_bytes(c.try_into().unwrap()))
                .collect();
            let mut sha1 = [w32[0], w32[1], w32[2], w32[3], w32[4]];
            sha1[4] = (sha1[4] & !0xf) | u32::from(offset);
            let mut sha256: [u32; 8] = w32[..8].try_into().unwrap();
            sha256[7] = (sha256[7] & !0xf) | u32::from(offset);
            let mut sha512: [u64; 8] = w64[..8].try_into().unwrap();
            sha512[7] = (sha512[7] & !0xf) | u64::from(offset);
            for mac in [
                MacWords::Sha1(sha1),
                MacWords::Sha256(sha256),
                MacWords::Sha512(sha512),
            ] {
                let b = mac.to_bytes();
                let o = usize::from(offset);
                let expected = word(&b[o..o + 4]) & 0x7fff_ffff;
                assert_eq!(truncate(&mac, ten), expected, "offset {offset}");
            }
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

    proptest::proptest! {
        /// The branch-free parser answers exactly as the plain rule: drop spaces,
        /// refuse anything but ASCII digits, then check the count.
        #[test]
        fn parsing_agrees_with_the_plain_rule(
            text in "[0-9 a]{0,14}|\\PC{0,12}",
            digits in 6u8..=10,
        ) {
            let digits = Digits::new(digits).unwrap();
            let kept: Vec<u8> = text.bytes().filter(|&b| b != b' ').collect();
            let want = if !kept.iter().all(u8::is_ascii_digit) {
                Err(CodeFormatError::NotADigit)
            } else if kept.len() != usize::from(digits.get()) {
                Err(CodeFormatError::WrongLength {
                    expected: digits.get(),
                    found: u8::try_from(kept.len()).unwrap(),
                })
            } else {
                Ok(kept.iter().fold(0u64, |v, d| v * 10 + u64::from(d - b'0')))
            };
            proptest::prop_assert_eq!(parse_submitted(&text, digits), want);
        }
    }
}
