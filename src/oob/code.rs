//! The plain code: uniform generation, the zeroizing value handed to the caller, and
//! parsing of what the user typed.

use core::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::policy::MAX_OOB_DIGITS;
use crate::error::Error;
use crate::otp::{DigitText, Digits, parse_submitted};

/// Draws before [`Error::RngFailure`]. Each draw is rejected with probability below
/// 2^-30 (10^10 / 2^64 at 10 digits), so 64 rejections in a row never happen with a
/// working generator.
const MAX_DRAWS: u32 = 64;

/// A freshly generated out-of-band code, zero-padded to its digit count (`"004217"`),
/// held in a fixed buffer: formatting it never allocates.
///
/// **Deliver it and drop it.** It is returned once by
/// [`OobChallenge::issue`](super::OobChallenge::issue) and
/// [`resend`](super::OobChallenge::resend) so you can put it in an email or a text
/// message; the challenge you persist holds only its keyed hash, and nothing can
/// recover it later. Until it is used it is a credential: never log it, never store
/// it, never return it in an API response.
///
/// `Display` and [`as_str`](Self::as_str) give the digits (the point of the value is
/// to be sent); `Debug` prints `OobCode([redacted])`; the buffer is zeroed on drop.
/// There is no `Clone`, so no stray copy outlives the one you send. Any `String` you
/// format it into is not zeroed for you.
#[must_use = "the code must be delivered to the user; it cannot be recovered later"]
pub struct OobCode(DigitText);

impl OobCode {
    /// The code's digits, leading zeros kept.
    ///
    /// **Security warning:** this is the secret the user will type. Send it on the
    /// challenge's channel to the user's verified address or number; nowhere else.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The ASCII digits, as hashed.
    pub(super) fn as_bytes(&self) -> &[u8] {
        self.as_str().as_bytes()
    }

    /// Writes `value` as `digits` ASCII digits, zero-padded. `value` must be below
    /// 10^digits; higher digits are dropped.
    fn from_value(value: u64, digits: Digits) -> Self {
        OobCode(DigitText::new(value, digits))
    }
}

impl fmt::Display for OobCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for OobCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OobCode([redacted])")
    }
}

/// Zeroed on drop through the digit buffer it holds.
impl ZeroizeOnDrop for OobCode {}

/// `10^digits` for a validated digit count (6 to 10).
const fn modulus(digits: u8) -> u64 {
    10u64.pow(digits as u32)
}

/// 2^64 mod `m`: the draws whose product with `m` has a low half below this are
/// rejected. Computed from public values only.
const fn rejection_threshold(m: u64) -> u64 {
    // 2^64 - m is congruent to 2^64 modulo m.
    m.wrapping_neg() % m
}

/// A code of `digits` digits, uniform over `0..10^digits`, by Lemire's
/// multiply-and-reject method: a 64-bit draw times `m = 10^digits` is a 128-bit
/// product whose high half is the code. Draws whose low half falls below 2^64 mod `m`
/// are rejected, which leaves exactly ⌊2^64 / m⌋ draws for every code (no modulo
/// bias).
///
/// No division touches the draw: a division's time depends on its operands on some
/// CPUs, and on thumbv7em a 64-bit one is a software routine. The product is plain
/// multiplication on every target we build for.
///
/// # Errors
/// [`Error::RngFailure`] if [`MAX_DRAWS`] draws in a row are rejected.
pub(super) fn generate<R: CryptoRng + ?Sized>(digits: u8, rng: &mut R) -> Result<OobCode, Error> {
    // The clamp keeps the old contract for out-of-range counts, so `?` cannot fire.
    let digits = Digits::new(digits.clamp(super::policy::MIN_OOB_DIGITS, MAX_OOB_DIGITS))?;
    let m = modulus(digits.get());
    let threshold = rejection_threshold(m);
    for _ in 0..MAX_DRAWS {
        let mut product = u128::from(rng.next_u64()) * u128::from(m);
        let accepted = product as u64 >= threshold;
        let code = OobCode::from_value((product >> 64) as u64, digits);
        product.zeroize();
        if accepted {
            return Ok(code);
        }
    }
    Err(Error::RngFailure)
}

/// Parses what the user typed into its canonical digits, by the same rules as OTP
/// codes ([`parse_submitted`]: ASCII digits, spaces ignored, exactly `digits` of them,
/// the whole input scanned), zero-padded back to `digits` for hashing.
///
/// # Errors
/// [`Error::MalformedCode`] for other characters or another length;
/// [`Error::Config`] if the stored digit count is out of range (a corrupt record).
pub(super) fn parse(text: &str, digits: u8) -> Result<OobCode, Error> {
    let digits = Digits::new(digits)?;
    // Opaque, taken before the parse: having seen the parse check that the typed
    // count equals `digits`, the compiler used that (secret-derived) count as the
    // loop bound below instead (ct_memcheck).
    let render = core::hint::black_box(digits);
    let value = parse_submitted(text, digits)?;
    Ok(OobCode::from_value(value, render))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CodeFormatError;

    #[test]
    fn values_are_zero_padded_and_redacted() {
        let code = OobCode::from_value(42, Digits::new(8).unwrap());
        assert_eq!(code.as_str(), "00000042");
        assert_eq!(code.to_string(), "00000042");
        assert_eq!(format!("{code:?}"), "OobCode([redacted])");
        assert_eq!(
            OobCode::from_value(9_999_999_999, Digits::new(10).unwrap()).as_str(),
            "9999999999"
        );
    }

    #[test]
    fn rejection_leaves_a_multiple_of_the_modulus_per_code() {
        for digits in 6..=10u8 {
            let m = modulus(digits);
            let threshold = rejection_threshold(m);
            assert_eq!(
                u128::from(threshold),
                (1u128 << 64) % u128::from(m),
                "{digits}"
            );
            // 2^64 - threshold draws are kept, a whole number of them per code.
            let kept = (1u128 << 64) - u128::from(threshold);
            assert_eq!(kept % u128::from(m), 0, "{digits}");
            assert!(threshold > 0 && threshold < m, "{digits}");
        }
    }

    #[test]
    fn parsing_gives_canonical_digits() {
        assert_eq!(parse("123 456", 6).unwrap().as_str(), "123456");
        assert_eq!(parse(" 0000000001 ", 10).unwrap().as_str(), "0000000001");
        assert_eq!(
            parse("12345a", 6).unwrap_err(),
            Error::MalformedCode(CodeFormatError::NotADigit)
        );
        assert_eq!(
            parse(&"1".repeat(300), 6).unwrap_err(),
            Error::MalformedCode(CodeFormatError::WrongLength {
                expected: 6,
                found: 255
            })
        );
    }
}
