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
    // Hex digits are ASCII, so this never falls back.
    alloc::string::String::from_utf8(out).unwrap_or_default()
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
    let digits = text.as_bytes().chunks_exact(16);
    let tail = digits.remainder();
    let mut bytes = out.chunks_exact_mut(8);
    for (eight, sixteen) in (&mut bytes).zip(digits) {
        for (four, lane) in eight.chunks_exact_mut(4).zip(sixteen.chunks_exact(8)) {
            let word = u64::from_le_bytes(lane.try_into().unwrap_or([0; 8]));
            let (decoded, ok) = decode_eight(word);
            four.copy_from_slice(&decoded.to_le_bytes());
            valid &= ok;
        }
    }
    for (slot, pair) in bytes.into_remainder().iter_mut().zip(tail.chunks_exact(2)) {
        let (hi, hi_ok) = decode_nibble(pair.first().copied().unwrap_or_default());
        let (lo, lo_ok) = decode_nibble(pair.get(1).copied().unwrap_or_default());
        valid &= hi_ok & lo_ok;
        *slot = (hi << 4) | lo;
    }
    valid
}

const LANES_01: u64 = 0x0101_0101_0101_0101;
const LANES_80: u64 = 0x8080_8080_8080_8080;

/// Each byte of `x` (all below `0x80`) as `0x80` if it lies in `lo..=hi`, else 0.
const fn lanes_in_range(x: u64, lo: u8, hi: u8) -> u64 {
    // Adding `0x80 - lo` sets a lane's top bit exactly when it is at least `lo`, and
    // adding `0x7f - hi` when it is above `hi`; neither carries into the next lane
    // for values below `0x80`.
    let at_least_lo = x.wrapping_add(LANES_01.wrapping_mul(0x80 - lo as u64)) & LANES_80;
    let above_hi = x.wrapping_add(LANES_01.wrapping_mul(0x7f - hi as u64)) & LANES_80;
    at_least_lo & !above_hi
}

/// Eight hex digits (as little-endian bytes of `word`) to four bytes, and `0xff` if
/// all eight were digits: SWAR arithmetic on the whole word, no branch and no table.
const fn decode_eight(word: u64) -> (u32, u8) {
    let ascii = word & LANES_80 == 0;
    let x = word & !LANES_80;
    let folded = x | (LANES_01 * 0x20);
    let digit = lanes_in_range(x, b'0', b'9');
    let letter = lanes_in_range(folded, b'a', b'f');
    // '0'..'9' carry their value in the low nibble; 'a'..'f' and 'A'..'F' carry it
    // less 9.
    let letter_mask = (letter >> 7).wrapping_mul(0xff);
    let nibbles = (x & (LANES_01 * 0x0f)) + (letter_mask & (LANES_01 * 9));
    let all_digits = (digit | letter) == LANES_80;
    // Lane 2k is the high nibble of byte k, lane 2k + 1 its low nibble.
    let pairs = ((nibbles & 0x00ff_00ff_00ff_00ff) << 4) | ((nibbles >> 8) & 0x00ff_00ff_00ff_00ff);
    let packed = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    let packed = (packed | (packed >> 16)) & 0xffff_ffff;
    let ok = 0u8.wrapping_sub((ascii & all_digits) as u8);
    (packed as u32, ok)
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

/// Bytes of any length written as a hex string, without building the string first.
#[cfg(feature = "serde")]
pub(crate) struct HexBytes<'a>(pub(crate) &'a [u8]);

#[cfg(feature = "serde")]
impl serde::Serialize for HexBytes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&encode(self.0))
    }
}

/// Bytes of any length read from a hex string (either case), decoded where the
/// deserializer holds the text.
#[cfg(feature = "serde")]
pub(crate) struct HexVec(pub(crate) alloc::vec::Vec<u8>);

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for HexVec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HexVecVisitor;
        impl serde::de::Visitor<'_> for HexVecVisitor {
            type Value = HexVec;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("hex digits")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<HexVec, E> {
                decode_vec(text)
                    .map(HexVec)
                    .ok_or_else(|| E::custom("a sealed value that is not one"))
            }
        }
        deserializer.deserialize_str(HexVecVisitor)
    }
}

/// `#[serde(with = "crate::hex::array")]` for `[u8; N]` fields: hex strings.
#[cfg(feature = "serde")]
pub(crate) mod array {
    use serde::ser::Error as _;
    use serde::{Deserializer, Serializer};

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
        deserializer.deserialize_str(ArrayVisitor::<N>)
    }

    /// Decodes the text where the deserializer holds it, borrowed or not: no copy.
    struct ArrayVisitor<const N: usize>;

    impl<const N: usize> serde::de::Visitor<'_> for ArrayVisitor<N> {
        type Value = [u8; N];

        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write!(f, "{} hex digits", N.saturating_mul(2))
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<[u8; N], E> {
            super::decode(text).ok_or_else(|| E::custom("expected hex of the right length"))
        }
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

    /// The word-at-a-time decoder against a plain one, on text mixing digits of both
    /// cases with the characters just outside every range and non-ASCII ones.
    #[test]
    fn word_decoding_equals_a_plain_decoder() {
        use proptest::prelude::*;
        let alphabet: Vec<char> = "0123456789abcdefABCDEF/:@G`gé\u{7f}\0 ".chars().collect();
        proptest!(|(picks in proptest::collection::vec(0..alphabet.len(), 0..80))| {
            let text: String = picks.iter().map(|&i| alphabet[i]).collect();
            let plain = text.len().is_multiple_of(2)
                .then(|| {
                    (0..text.len() / 2)
                        .map(|i| text.get(2 * i..2 * i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
                        .collect::<Option<Vec<u8>>>()
                        .filter(|_| text.bytes().all(|b| b.is_ascii_hexdigit()))
                })
                .flatten();
            let mut out = vec![0u8; text.len() / 2];
            let ok = super::decode_pairs(&text, &mut out) == 0xff && text.len().is_multiple_of(2);
            prop_assert_eq!(ok.then_some(out), plain);
        });
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
