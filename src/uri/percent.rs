//! Percent-encoding (RFC 3986 §2.1) for `otpauth://` labels and parameter values.
//!
//! Encoding keeps the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) and `@`
//! (so e-mail addresses stay readable in the label) and encodes every other UTF-8 byte
//! as `%XX` with upper-case hex. In particular `:` becomes `%3A`, space `%20`, and `+`
//! `%2B`, so the output means the same whether the reader treats `+` as a space or not.
//!
//! Decoding refuses a `%` not followed by two hex digits and decoded bytes that are not
//! UTF-8. Its buffer is sized once from the input, so it never reallocates, and it is
//! zeroized on every error path: the decoded text may be a secret.

use alloc::string::String;
use alloc::vec::Vec;

use zeroize::Zeroize;

use crate::error::UriError;

/// Whether `+` means a space (query values, HTML form encoding) or a literal `+`
/// (the label, which is a path segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plus {
    /// `+` is a literal plus sign.
    Literal,
    /// `+` decodes to a space.
    Space,
}

/// Whether `byte` is written as itself rather than as `%XX`.
const fn is_kept(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@')
}

/// The length of `text` once encoded, in bytes.
pub(super) fn encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| if is_kept(b) { 1_usize } else { 3 })
        .fold(0_usize, usize::saturating_add)
}

/// Appends `text`, percent-encoded, to `out`.
pub(super) fn encode_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if is_kept(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0x0F));
        }
    }
}

/// The upper-case hex digit for a nibble (`nibble` is always below 16 here).
fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).map_or('0', |c| c.to_ascii_uppercase())
}

/// The value of one hex digit, any case.
fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|v| u8::try_from(v).ok())
}

/// Decodes `text`.
///
/// # Errors
/// [`UriError::BadPercentEncoding`] for a `%` not followed by two hex digits, or
/// decoded bytes that are not UTF-8. Nothing decoded is left in memory on error.
pub(super) fn decode(text: &str, plus: Plus) -> Result<String, UriError> {
    // Decoding never lengthens the text, so this buffer never reallocates (which
    // would free a copy of a decoded secret without zeroizing it).
    let mut bytes = Vec::with_capacity(text.len());
    if let Err(e) = decode_into(text, plus, &mut bytes) {
        bytes.zeroize();
        return Err(e);
    }
    String::from_utf8(bytes).map_err(|e| {
        e.into_bytes().zeroize();
        UriError::BadPercentEncoding
    })
}

fn decode_into(text: &str, plus: Plus, out: &mut Vec<u8>) -> Result<(), UriError> {
    let mut input = text.bytes();
    while let Some(byte) = input.next() {
        let decoded = match byte {
            b'%' => {
                let high = input.next().and_then(hex_value);
                let low = input.next().and_then(hex_value);
                match (high, low) {
                    (Some(high), Some(low)) => (high << 4) | low,
                    _ => return Err(UriError::BadPercentEncoding),
                }
            }
            b'+' if plus == Plus::Space => b' ',
            other => other,
        };
        out.push(decoded);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn encode(text: &str) -> String {
        let mut out = String::new();
        encode_into(&mut out, text);
        assert_eq!(out.len(), encoded_len(text));
        out
    }

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(encode("a-Z.0_~@"), "a-Z.0_~@");
        assert_eq!(encode("A B:C+/?&=%"), "A%20B%3AC%2B%2F%3F%26%3D%25");
        assert_eq!(encode("é€"), "%C3%A9%E2%82%AC");
    }

    #[test]
    fn decodes_both_cases_and_plus() {
        assert_eq!(decode("%c3%A9%3a", Plus::Literal).unwrap(), "é:");
        assert_eq!(decode("a+b", Plus::Literal).unwrap(), "a+b");
        assert_eq!(decode("a+b", Plus::Space).unwrap(), "a b");
        assert_eq!(decode("a%2Bb", Plus::Space).unwrap(), "a+b");
    }

    #[test]
    fn refuses_bad_escapes() {
        for bad in ["%", "%4", "%G1", "%1G", "%FF", "a%C3", "%C3%28", "%+1"] {
            assert_eq!(
                decode(bad, Plus::Space),
                Err(UriError::BadPercentEncoding),
                "{bad}"
            );
        }
    }
}
