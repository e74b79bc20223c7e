//! Crockford base32: the code alphabet, constant-time encoding of random values, and
//! the lenient normalisation of what a user typed.

use core::hint::black_box;

use crate::error::BackupCodeFormatError;

use super::MAX_BACKUP_CODE_LENGTH;

/// The 32 characters a backup code is made of (Crockford base32): digits and
/// upper-case letters without `I`, `L`, `O` (read as `1`, `1`, `0` on input) and `U`.
pub const BACKUP_CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `1` when `v >= k`, else `0`, for `v, k` in `1..128`, without a branch.
const fn at_least(v: u8, k: u8) -> u8 {
    (k.wrapping_sub(1).wrapping_sub(v) >> 7) & 1
}

/// The alphabet character for the low 5 bits of `random`.
///
/// The value is secret (it is a character of a fresh code), so it picks neither a
/// branch nor a table address: the character is computed with masks, the digit and
/// the letter are both formed and one is kept. The low 5 bits of a uniform byte are
/// uniform over 0..32, so codes carry no modulo bias.
pub(super) const fn encode(random: u8) -> u8 {
    let v = random & 0x1f;
    let digit = b'0'.wrapping_add(v);
    // Letters start at value 10 (`A`); skip `I` (at 18), `L` (20), `O` (22), `U` (27).
    let skips = at_least(v, 18) + at_least(v, 20) + at_least(v, 22) + at_least(v, 27);
    let letter = b'A'.wrapping_add(v).wrapping_sub(10).wrapping_add(skips);
    // All ones when v >= 10.
    let is_letter = 0u8.wrapping_sub(at_least(v, 10));
    (letter & is_letter) | (digit & !is_letter)
}

/// `0xff` when `lo <= b <= hi`, else `0`: one unsigned comparison, which compiles to
/// a flag set (`setbe`), not a branch.
const fn in_range(b: u8, lo: u8, hi: u8) -> u8 {
    0u8.wrapping_sub((b.wrapping_sub(lo) <= hi.wrapping_sub(lo)) as u8)
}

/// What one byte of typed input is, decided without a branch on its value.
struct InputByte {
    /// The alphabet byte it stands for (meaningful when `code` is set).
    value: u8,
    /// `0xff` for a code character (case folded, `O` read as `0`, `I` and `L` as `1`).
    code: u8,
    /// `0xff` for a separator the user may type anywhere (space, hyphen).
    separator: u8,
}

const fn classify(b: u8) -> InputByte {
    let upper = b.wrapping_sub(in_range(b, b'a', b'z') & 0x20);
    let zero = in_range(upper, b'O', b'O');
    let one = in_range(upper, b'I', b'I') | in_range(upper, b'L', b'L');
    let letter = in_range(upper, b'A', b'Z') & !in_range(upper, b'U', b'U');
    InputByte {
        value: (upper & !(zero | one)) | (b'0' & zero) | (b'1' & one),
        code: in_range(upper, b'0', b'9') | letter,
        separator: in_range(b, b' ', b' ') | in_range(b, b'-', b'-'),
    }
}

/// Whether `c` may appear in typed input: a code character or a separator.
fn allowed(c: char) -> bool {
    u8::try_from(c).is_ok_and(|b| {
        let byte = classify(b);
        byte.code | byte.separator != 0
    })
}

/// Each slot's index, so the masked write below compares bytes with bytes.
const SLOTS: [u8; MAX_BACKUP_CODE_LENGTH as usize] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];

/// Normalises `input` into `out` and returns how many bytes of it hold the code.
///
/// Spaces and hyphens are dropped wherever they are; every other character must
/// normalise into the alphabet. Works on the stack only.
///
/// The input is the user's secret code, so its characters must not show in the
/// timing: every byte takes the same steps whatever it holds (no branch, and no
/// memory address, depends on it): it is classified with masks, and written to
/// `out` through a mask over every slot. Only the input's length affects timing;
/// what went wrong, if anything, is decided after the last byte.
///
/// # Errors
/// [`BackupCodeFormatError::InvalidChar`] at the first character (counted in `char`s
/// of `input`) outside the alphabet; otherwise [`BackupCodeFormatError::WrongLength`]
/// when the number of code characters is not `expected`.
pub(super) fn normalize(
    input: &str,
    expected: u8,
    out: &mut [u8; MAX_BACKUP_CODE_LENGTH as usize],
) -> Result<usize, BackupCodeFormatError> {
    let mut found = 0u8;
    let mut invalid = 0u8;
    for b in input.bytes() {
        let byte = classify(b);
        // Opaque, or the compiler skips the write below for a byte that is not a
        // code character: a branch on what the user typed.
        let code = black_box(byte.code);
        invalid |= !(code | byte.separator);
        // Every slot is visited, and the one at `found` written through a mask.
        for (slot, &i) in out.iter_mut().zip(SLOTS.iter()) {
            let here = 0u8.wrapping_sub(u8::from(i == found)) & code;
            *slot = (*slot & !here) | (byte.value & here);
        }
        found = found.saturating_add(code & 1);
    }
    if invalid != 0 {
        // The error names the position, so finding it may take its time.
        let position = input.chars().position(|c| !allowed(c)).unwrap_or(0);
        return Err(BackupCodeFormatError::InvalidChar { position });
    }
    if found != expected {
        return Err(BackupCodeFormatError::WrongLength { expected, found });
    }
    Ok(usize::from(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_matches_the_table_for_every_byte() {
        for b in 0..=255u8 {
            assert_eq!(
                encode(b),
                BACKUP_CODE_ALPHABET[usize::from(b & 0x1f)],
                "{b}"
            );
        }
    }

    /// The rule `classify` implements without branches, written plainly.
    fn reference_char(c: char) -> Option<u8> {
        match c.to_ascii_uppercase() {
            'O' => Some(b'0'),
            'I' | 'L' => Some(b'1'),
            'U' => None,
            upper @ ('0'..='9' | 'A'..='Z') => u8::try_from(upper).ok(),
            _ => None,
        }
    }

    /// `normalize` written plainly, with early exits: the oracle for the property.
    fn reference(input: &str, expected: u8) -> Result<Vec<u8>, BackupCodeFormatError> {
        let mut code = Vec::new();
        for (position, c) in input.chars().enumerate() {
            if c == ' ' || c == '-' {
                continue;
            }
            code.push(reference_char(c).ok_or(BackupCodeFormatError::InvalidChar { position })?);
        }
        if code.len() != usize::from(expected) {
            return Err(BackupCodeFormatError::WrongLength {
                expected,
                found: u8::try_from(code.len()).unwrap_or(u8::MAX),
            });
        }
        Ok(code)
    }

    #[test]
    fn every_byte_is_classified_as_the_plain_rule_says() {
        for b in 0..=255u8 {
            let byte = classify(b);
            let want = if b.is_ascii() {
                reference_char(char::from(b))
            } else {
                None
            };
            assert_eq!(byte.code == 0xff, want.is_some(), "{b}");
            assert!(matches!(byte.code, 0 | 0xff), "mask {b}");
            assert!(matches!(byte.separator, 0 | 0xff), "mask {b}");
            if let Some(value) = want {
                assert_eq!(byte.value, value, "{b}");
            }
            assert_eq!(byte.separator == 0xff, b == b' ' || b == b'-', "{b}");
        }
        for c in ['o', 'O', 'i', 'l', 'L'] {
            assert!(reference_char(c).is_some());
        }
    }

    #[test]
    fn in_range_is_exact_at_every_bound() {
        for b in 0..=255u8 {
            for (lo, hi) in [(0, 0), (0, 255), (255, 255), (b'a', b'z'), (0x80, 0xbf)] {
                let want = if (lo..=hi).contains(&b) { 0xff } else { 0 };
                assert_eq!(in_range(b, lo, hi), want, "{b} in {lo}..={hi}");
            }
        }
    }

    proptest::proptest! {
        /// Whatever the input (any Unicode, separators, code characters), the
        /// branch-free normalisation answers exactly as the plain one.
        #[test]
        fn normalize_agrees_with_the_plain_rule(
            input in "[0-9a-zA-Z \\-_ιéİ٣]{0,40}|\\PC{0,40}",
            expected in 13u8..=32,
        ) {
            let mut out = [0u8; 32];
            let got = normalize(&input, expected, &mut out)
                .map(|n| out.get(..n).unwrap_or_default().to_vec());
            proptest::prop_assert_eq!(got, reference(&input, expected));
        }

        /// Inputs made of code characters and separators only, of the right length:
        /// the code comes out in order.
        #[test]
        fn codes_of_every_length_come_out_in_order(
            code in "[0-9A-HJKMNP-TV-Z]{13,32}",
            separators in proptest::collection::vec(0usize..40, 0..6),
        ) {
            let mut input = code.clone();
            for at in separators {
                let at = at.min(input.len());
                input.insert(at, '-');
            }
            let expected = u8::try_from(code.len()).unwrap();
            let mut out = [0u8; 32];
            proptest::prop_assert_eq!(normalize(&input, expected, &mut out), Ok(code.len()));
            proptest::prop_assert_eq!(out.get(..code.len()).unwrap(), code.as_bytes());
        }
    }

    #[test]
    fn normalisation_reports_positions_in_chars_and_lengths() {
        let mut out = [0u8; 32];
        assert_eq!(normalize("ab-cd ef", 6, &mut out), Ok(6));
        assert_eq!(&out[..6], b"ABCDEF");
        assert_eq!(
            normalize("éé-u", 3, &mut out),
            Err(BackupCodeFormatError::InvalidChar { position: 0 })
        );
        assert_eq!(
            normalize("ab-éu", 3, &mut out),
            Err(BackupCodeFormatError::InvalidChar { position: 3 })
        );
        assert_eq!(
            normalize("abc", 4, &mut out),
            Err(BackupCodeFormatError::WrongLength {
                expected: 4,
                found: 3
            })
        );
        let long = "a".repeat(300);
        assert_eq!(
            normalize(&long, 16, &mut out),
            Err(BackupCodeFormatError::WrongLength {
                expected: 16,
                found: 255
            })
        );
    }
}
