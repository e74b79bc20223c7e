//! Lower-case hex for salts and hashes in serialised records, without allocation on
//! decode and with serde helpers for fixed-size byte arrays.

/// Lower-case hex of `bytes`.
pub(crate) fn encode(bytes: &[u8]) -> alloc::string::String {
    let mut out = alloc::vec![0u8; bytes.len().saturating_mul(2)];
    encode_into(bytes, &mut out);
    out.into_iter().map(char::from).collect()
}

/// Writes the lower-case hex of `bytes` into `out` (two bytes each, as far as `out`
/// reaches).
pub(crate) fn encode_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (b, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        for (slot, nibble) in pair.iter_mut().zip([b >> 4, b & 0x0f]) {
            *slot = DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0');
        }
    }
}

/// Decodes exactly `N` bytes of hex (either case); `None` for anything else.
pub(crate) fn decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != N.checked_mul(2)? {
        return None;
    }
    let mut out = [0u8; N];
    for (slot, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let hi = nibble(*pair.first()?)?;
        let lo = nibble(*pair.get(1)?)?;
        *slot = (hi << 4) | lo;
    }
    Some(out)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
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
}
