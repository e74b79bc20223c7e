//! Lower-case hex for challenge tokens, and for salts and hashes in serialised
//! records, without allocation on decode and with serde helpers for fixed-size byte
//! arrays.
//!
//! A token's hex is a bearer secret, so neither direction branches on a digit or
//! indexes a table with it: the mapping is arithmetic, and decoding looks at every
//! character before it refuses any.

/// Lower-case hex of `bytes`.
pub(crate) fn encode(bytes: &[u8]) -> alloc::string::String {
    let mut out = alloc::vec![0u8; bytes.len().saturating_mul(2)];
    encode_into(bytes, &mut out);
    out.into_iter().map(char::from).collect()
}

/// Writes the lower-case hex of `bytes` into `out` (two bytes each, as far as `out`
/// reaches).
pub(crate) fn encode_into(bytes: &[u8], out: &mut [u8]) {
    for (b, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        for (slot, nibble) in pair.iter_mut().zip([b >> 4, b & 0x0f]) {
            *slot = encode_nibble(nibble);
        }
    }
}

/// `0`–`9`, `a`–`f` for the low 4 bits of `n`, without a branch or a table.
const fn encode_nibble(n: u8) -> u8 {
    let n = n & 0x0f;
    // All ones when n > 9: the letters start 39 after where the digits would go on.
    let letter = 0u8.wrapping_sub(9u8.wrapping_sub(n) >> 7);
    b'0'.wrapping_add(n).wrapping_add(letter & 39)
}

/// Decodes exactly `N` bytes of hex (either case); `None` for anything else.
///
/// Every character is decoded before any is refused, so where a bad one is does not
/// show in the timing; only the length does.
pub(crate) fn decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != N.checked_mul(2)? {
        return None;
    }
    let mut out = [0u8; N];
    let valid = decode_pairs(text, &mut out);
    (core::hint::black_box(valid) == 0xff).then_some(out)
}

#[cfg(feature = "serde")]
/// Decodes hex of any even length (either case) into bytes; `None` for anything
/// else. Like [`decode`], every character is decoded before any is refused.
pub(crate) fn decode_vec(text: &str) -> Option<alloc::vec::Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let mut out = alloc::vec![0u8; text.len() / 2];
    let valid = decode_pairs(text, &mut out);
    (core::hint::black_box(valid) == 0xff).then_some(out)
}

/// Decodes `text` two digits per byte of `out` and returns `0xff` if every digit
/// was one, without a branch on any: the caller decides, once, on the result.
fn decode_pairs(text: &str, out: &mut [u8]) -> u8 {
    let mut valid = 0xffu8;
    for (slot, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let (hi, hi_ok) = decode_nibble(pair.first().copied().unwrap_or_default());
        let (lo, lo_ok) = decode_nibble(pair.get(1).copied().unwrap_or_default());
        valid &= hi_ok & lo_ok;
        *slot = (hi << 4) | lo;
    }
    valid
}

/// The value of one hex digit (either case) and `0xff` if it is one, else `(0, 0)`;
/// without a branch on `c`.
const fn decode_nibble(c: u8) -> (u8, u8) {
    let digit = c.wrapping_sub(b'0');
    let letter = (c | 0x20).wrapping_sub(b'a');
    let is_digit = 0u8.wrapping_sub((digit <= 9) as u8);
    let is_letter = 0u8.wrapping_sub((letter <= 5) as u8);
    (
        (digit & is_digit) | (letter.wrapping_add(10) & is_letter),
        is_digit | is_letter,
    )
}

/// `#[serde(with = "crate::hex::array")]` for `[u8; N]` fields: hex strings.
#[cfg(feature = "serde")]
pub(crate) mod array {
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    /// The longest array this encodes: every field using it (salts, code hashes,
    /// challenge ids) holds 16 bytes, so the text is built on the stack.
    const MAX_BYTES: usize = 16;

    pub(crate) fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 2 * MAX_BYTES];
        let Some(out) = buf.get_mut(..N.saturating_mul(2)) else {
            return Err(S::Error::custom("hex arrays are at most 16 bytes"));
        };
        super::encode_into(bytes, out);
        serializer.serialize_str(core::str::from_utf8(out).unwrap_or_default())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<[u8; N], D::Error> {
        let text = <alloc::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        super::decode(&text).ok_or_else(|| D::Error::custom("expected hex of the right length"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_refusals() {
        let bytes = [0u8, 1, 0x7f, 0x80, 0xff];
        assert_eq!(super::encode(&bytes), "00017f80ff");
        assert_eq!(super::decode::<5>("00017F80ff"), Some(bytes));
        assert_eq!(super::decode::<5>("00017f80f"), None);
        assert_eq!(super::decode::<5>("00017f80fg"), None);
        assert_eq!(super::decode::<2>("é1"), None);
    }

    /// Any even length decodes; one bad digit anywhere, or an odd length, refuses.
    #[cfg(feature = "serde")]
    #[test]
    fn variable_length_round_trip_and_refusals() {
        let bytes = [0u8, 1, 0x7f, 0x80, 0xff, 0x3c];
        let text = super::encode(&bytes);
        assert_eq!(super::decode_vec(&text).as_deref(), Some(&bytes[..]));
        assert_eq!(super::decode_vec("").as_deref(), Some(&[][..]));
        assert_eq!(super::decode_vec(&text[1..]), None);
        for at in 0..text.len() {
            let mut bad = text.clone().into_bytes();
            bad[at] = b'g';
            assert_eq!(super::decode_vec(core::str::from_utf8(&bad).unwrap()), None);
        }
    }

    /// Every byte value against the plain rule, both ways.
    #[test]
    fn nibbles_match_the_plain_rule_for_every_byte() {
        for c in 0..=255u8 {
            let want = char::from(c)
                .to_digit(16)
                .and_then(|d| u8::try_from(d).ok());
            let (value, ok) = super::decode_nibble(c);
            assert_eq!(ok == 0xff, want.is_some(), "{c}");
            assert!(matches!(ok, 0 | 0xff), "{c}");
            assert_eq!(value, want.unwrap_or(0), "{c}");
            let digit = char::from_digit(u32::from(c & 0x0f), 16).unwrap();
            assert_eq!(char::from(super::encode_nibble(c)), digit, "{c}");
        }
    }
}
