//! Text that carries a secret (a base32 secret, an `otpauth://` URI): zeroized on drop,
//! redacted in `Debug`, readable only through an accessor that says what it is.

use alloc::string::String;
use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{ZeroizeOnDrop, Zeroizing};

/// A string that holds secret material, such as [`Secret::to_base32`] output or an
/// `otpauth://` URI with its `secret` parameter.
///
/// `Debug` prints `SensitiveText([redacted])`; there is no `Display`. The memory is
/// zeroed on drop. Read it with [`expose_secret`](SensitiveText::expose_secret), only
/// to hand it to the user (a QR code, a setup page), never to a log.
///
/// Equality is constant-time in the contents (only the lengths may show).
///
/// [`Secret::to_base32`]: crate::Secret::to_base32
#[derive(Clone)]
#[must_use = "this text holds a secret the user must be shown"]
pub struct SensitiveText {
    text: Zeroizing<String>,
}

/// Appends secret ASCII `bytes` (base32 or hex text) to `text` without a branch on
/// any of them; a byte above 0x7f would lose its top bit.
pub(crate) fn push_ascii(text: &mut String, bytes: &[u8]) {
    // The mask tells the compiler that every char is one byte long: without it,
    // `push` branched on each byte's value, and `from_utf8` validated each, so the
    // text's length came out of branches on the secret (ct_memcheck).
    text.extend(bytes.iter().map(|&b| char::from(b & 0x7f)));
}

impl PartialEq for SensitiveText {
    fn eq(&self, other: &Self) -> bool {
        self.text.as_bytes().ct_eq(other.text.as_bytes()).into()
    }
}

impl Eq for SensitiveText {}

impl SensitiveText {
    /// `bytes` must be ASCII (base32 or hex text); a byte above 0x7f would lose its
    /// top bit.
    pub(crate) fn from_ascii(bytes: &[u8]) -> Self {
        let mut text = String::with_capacity(bytes.len());
        push_ascii(&mut text, bytes);
        Self {
            text: Zeroizing::new(text),
        }
    }

    pub(crate) fn from_string(text: String) -> Self {
        Self {
            text: Zeroizing::new(text),
        }
    }

    /// The text itself.
    ///
    /// **Security warning:** it contains a secret. Show it to the user it belongs to;
    /// never log it or store it in plain form.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.text
    }
}

impl ZeroizeOnDrop for SensitiveText {}

impl fmt::Debug for SensitiveText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SensitiveText([redacted])")
    }
}
