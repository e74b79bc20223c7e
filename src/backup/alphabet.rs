//! Crockford base32: the code alphabet, constant-time encoding of random values, and
//! the lenient normalisation of what a user typed.

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

/// One input character as an alphabet byte: ASCII case folded, `O` read as `0`, `I` and
/// `L` as `1`. `None` for anything outside the alphabet.
const fn normalize_char(c: char) -> Option<u8> {
    match c.to_ascii_uppercase() {
        'O' => Some(b'0'),
        'I' | 'L' => Some(b'1'),
        'U' => None,
        // The arms only admit ASCII, so the cast keeps the whole value.
        upper @ ('0'..='9' | 'A'..='Z') => Some(upper as u8),
        _ => None,
    }
}

/// Whether `c` is a separator the user may type anywhere (and that is dropped).
const fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-')
}

/// Normalises `input` into `out` and returns how many bytes of it hold the code.
///
/// Spaces and hyphens are dropped wherever they are; every other character must
/// normalise into the alphabet. Works on the stack only.
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
    let mut found = 0usize;
    for (position, c) in input.chars().enumerate() {
        if is_separator(c) {
            continue;
        }
        let Some(b) = normalize_char(c) else {
            return Err(BackupCodeFormatError::InvalidChar { position });
        };
        if let Some(slot) = out.get_mut(found) {
            *slot = b;
        }
        found = found.saturating_add(1);
    }
    if found != usize::from(expected) {
        return Err(BackupCodeFormatError::WrongLength {
            expected,
            found: u8::try_from(found).unwrap_or(u8::MAX),
        });
    }
    Ok(found)
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

    #[test]
    fn every_alphabet_character_and_confusable_normalises() {
        for &a in BACKUP_CODE_ALPHABET {
            let c = char::from(a);
            assert_eq!(normalize_char(c), Some(a));
            assert_eq!(normalize_char(c.to_ascii_lowercase()), Some(a));
        }
        for (c, want) in [
            ('o', b'0'),
            ('O', b'0'),
            ('i', b'1'),
            ('l', b'1'),
            ('L', b'1'),
        ] {
            assert_eq!(normalize_char(c), Some(want));
        }
        for c in ['u', 'U', '_', '=', 'é', 'İ', '\0', '٣'] {
            assert_eq!(normalize_char(c), None, "{c:?}");
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
