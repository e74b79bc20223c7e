//! RFC 4648 base32 for shared secrets: strict out, lenient in, no heap, no table
//! lookups indexed by secret characters (the mapping is arithmetic, so a secret's
//! characters do not choose which cache line is read).

use zeroize::Zeroize;

use crate::error::SecretError;

/// Characters a secret of `bytes` bytes takes in unpadded base32.
#[must_use]
pub(crate) const fn encoded_len(bytes: usize) -> usize {
    bytes.saturating_mul(8).div_ceil(5)
}

/// One 5-bit value to its upper-case RFC 4648 character, without branching on it.
fn encode_symbol(v: u8) -> u8 {
    let v = i16::from(v & 0x1f);
    // All ones when v > 25: the digits '2'..'7' start 41 below where the letters would go on.
    let past_letters = (25 - v) >> 8;
    let c = 65 + v + (past_letters & -41);
    c.to_le_bytes()[0]
}

/// One byte to its 5-bit value and `0xff` if it is a symbol (`0` if not), folding
/// lower case, without branching on the value.
fn decode_symbol(c: u8) -> (u8, u8) {
    let c = i16::from(c);
    let letter = (c | 0x20) - 97;
    let digit = c - 50;
    let is_letter = !(letter >> 15) & ((letter - 26) >> 15);
    let is_digit = !(digit >> 15) & ((digit - 6) >> 15);
    let value = (letter & is_letter) | ((digit + 26) & is_digit);
    (
        value.to_le_bytes()[0],
        (is_letter | is_digit).to_le_bytes()[0],
    )
}

/// `0xff` when `a == b`, else `0`.
fn same(a: u8, b: u8) -> u8 {
    0u8.wrapping_sub(u8::from(a == b))
}

/// Where, in `char`s from 0, the first character [`decode_into`] refuses is: one
/// that is not a symbol, a space, a hyphen or `=`, or a symbol after `=`. Only
/// called once the input is known to hold one.
fn first_refused(text: &str) -> usize {
    let mut padded = false;
    text.chars()
        .position(|c| {
            let symbol = u8::try_from(c).is_ok_and(|b| decode_symbol(b).1 != 0);
            let refused = if symbol {
                padded
            } else {
                !matches!(c, ' ' | '-' | '=')
            };
            padded |= c == '=';
            refused
        })
        .unwrap_or(0)
}

/// Encodes `bytes` into `out` as upper-case base32 without padding and returns the
/// number of characters written. `out` must hold [`encoded_len`] characters; extra
/// input that does not fit is not written.
pub(crate) fn encode_into(bytes: &[u8], out: &mut [u8]) -> usize {
    let mut acc: u16 = 0;
    let mut bits: u32 = 0;
    let mut written = 0usize;
    let mut slots = out.iter_mut();
    for &b in bytes {
        acc = (acc << 8) | u16::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            let sym = encode_symbol(((acc >> bits) & 0x1f).to_le_bytes()[0]);
            if let Some(slot) = slots.next() {
                *slot = sym;
                written += 1;
            }
        }
        acc &= (1u16 << bits) - 1;
    }
    if bits > 0 {
        let sym = encode_symbol(((acc << (5 - bits)) & 0x1f).to_le_bytes()[0]);
        if let Some(slot) = slots.next() {
            *slot = sym;
            written += 1;
        }
    }
    written
}

/// Decodes lenient base32 into `out` and returns the number of bytes written. After
/// an error, what `out` holds is unspecified.
///
/// Accepts upper and lower case, spaces and hyphens anywhere, and `=` padding at the
/// end (with or without). Refuses any other character, naming its position in
/// characters from 0, a length no whole number of bytes can have, and input that
/// decodes to more than `out` holds.
pub(crate) fn decode_into(text: &str, out: &mut [u8]) -> Result<usize, SecretError> {
    let mut acc: u16 = 0;
    let mut bits: u32 = 0;
    let mut written = 0usize;
    let mut symbols = 0usize;
    let mut padded = 0u8;
    let mut refused = 0u8;
    for b in text.bytes() {
        let (value, symbol) = decode_symbol(b);
        let padding = same(b, b'=');
        let separator = same(b, b' ') | same(b, b'-');
        // Any other byte (every byte of a non-ASCII character), or a symbol after `=`.
        refused |= !(symbol | padding | separator) | (symbol & padded);
        padded |= padding;
        // Opaque, so every symbol takes this path whatever its value: only the
        // layout (where the spaces, hyphens and padding are) decides the branch.
        if core::hint::black_box(symbol) == 0 {
            continue;
        }
        symbols += 1;
        acc = (acc << 5) | u16::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            let byte = (acc >> bits).to_le_bytes()[0];
            match out.get_mut(written) {
                Some(slot) => *slot = byte,
                // A refused character before this point is the first error.
                None if refused != 0 => break,
                None => {
                    return Err(SecretError::TooLong {
                        len: symbols.saturating_mul(5) / 8,
                        max: out.len(),
                    });
                }
            }
            written += 1;
            acc &= (1u16 << bits) - 1;
        }
    }
    acc.zeroize();
    if refused != 0 {
        return Err(SecretError::InvalidBase32Char {
            position: first_refused(text),
        });
    }
    // A whole number of bytes leaves 0, 2, 4, 5 or 7 symbols in the last group of 8.
    if matches!(symbols % 8, 1 | 3 | 6) {
        return Err(SecretError::InvalidBase32Length);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    #[test]
    fn symbols_match_the_rfc_alphabet_both_ways() {
        for (v, &c) in (0u8..).zip(ALPHABET.iter()) {
            assert_eq!(encode_symbol(v), c);
            assert_eq!(decode_symbol(c), (v, 0xff));
            assert_eq!(decode_symbol(c.to_ascii_lowercase()), (v, 0xff));
        }
        for c in 0u8..=255 {
            let expected = ALPHABET
                .iter()
                .position(|&a| a == c.to_ascii_uppercase())
                .map(|p| p as u8);
            let (value, symbol) = decode_symbol(c);
            assert_eq!((symbol == 0xff).then_some(value), expected, "char {c}");
            assert!(matches!(symbol, 0 | 0xff), "char {c}");
        }
    }

    /// `decode_into` written plainly, with early exits: the oracle for the property.
    fn reference(text: &str, out: &mut [u8]) -> Result<usize, SecretError> {
        let (mut acc, mut bits, mut written, mut symbols) = (0u16, 0u32, 0usize, 0usize);
        let mut padding = false;
        for (position, ch) in text.chars().enumerate() {
            match ch {
                ' ' | '-' => continue,
                '=' => {
                    padding = true;
                    continue;
                }
                _ => {}
            }
            let upper = ch.to_ascii_uppercase();
            let value = ALPHABET.iter().position(|&a| char::from(a) == upper);
            let value = match value {
                Some(v) if !padding => v as u16,
                _ => return Err(SecretError::InvalidBase32Char { position }),
            };
            symbols += 1;
            acc = (acc << 5) | value;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                let slot = out.get_mut(written).ok_or(SecretError::TooLong {
                    len: symbols * 5 / 8,
                    max: 0,
                })?;
                *slot = (acc >> bits) as u8;
                written += 1;
                acc &= (1 << bits) - 1;
            }
        }
        if matches!(symbols % 8, 1 | 3 | 6) {
            return Err(SecretError::InvalidBase32Length);
        }
        Ok(written)
    }

    proptest::proptest! {
        /// Whatever the input, the masked decoder answers as the plain one: the same
        /// bytes, or the same error at the same position.
        #[test]
        fn decoding_agrees_with_the_plain_rule(
            text in "[A-Za-z2-7 =\\-01ü]{0,40}|\\PC{0,30}",
            room in 0usize..24,
        ) {
            let (mut ours, mut theirs) = ([0u8; 24], [0u8; 24]);
            let got = decode_into(&text, &mut ours[..room]);
            let want = reference(&text, &mut theirs[..room]).map_err(|e| match e {
                SecretError::TooLong { len, .. } => SecretError::TooLong { len, max: room },
                other => other,
            });
            proptest::prop_assert_eq!(&got, &want);
            // After an error the buffer is scratch (the caller zeroes and drops it).
            if got.is_ok() {
                proptest::prop_assert_eq!(ours, theirs);
            }
        }
    }

    #[test]
    fn rfc4648_vectors() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "MY"),
            (b"fo", "MZXQ"),
            (b"foo", "MZXW6"),
            (b"foob", "MZXW6YQ"),
            (b"fooba", "MZXW6YTB"),
            (b"foobar", "MZXW6YTBOI"),
        ];
        for (raw, enc) in cases {
            let mut buf = [0u8; 16];
            let n = encode_into(raw, &mut buf);
            assert_eq!(&buf[..n], enc.as_bytes());
            assert_eq!(n, encoded_len(raw.len()));
            let mut out = [0u8; 16];
            let m = decode_into(enc, &mut out).unwrap();
            assert_eq!(&out[..m], raw);
        }
    }

    #[test]
    fn lenient_input_and_positions() {
        let mut out = [0u8; 16];
        let n = decode_into("mzxw-6ytb oi======", &mut out).unwrap();
        assert_eq!(&out[..n], b"foobar");
        assert_eq!(
            decode_into("MZX1", &mut out),
            Err(SecretError::InvalidBase32Char { position: 3 })
        );
        assert_eq!(
            decode_into("ü0", &mut out),
            Err(SecretError::InvalidBase32Char { position: 0 })
        );
        assert_eq!(
            decode_into("MY=A", &mut out),
            Err(SecretError::InvalidBase32Char { position: 3 })
        );
        assert_eq!(
            decode_into("M", &mut out),
            Err(SecretError::InvalidBase32Length)
        );
        assert!(matches!(
            decode_into("MZXW6YTBOI", &mut [0u8; 3]),
            Err(SecretError::TooLong { .. })
        ));
    }
}
