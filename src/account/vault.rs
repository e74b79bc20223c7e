//! A secret field of the account record: the plain value while an operation has
//! the record open, and the sealed form that is stored.
//!
//! A record loaded from storage holds only sealed values; [`Mfa`](super::Mfa)
//! opens them with the server key at the start of an operation and seals what is
//! new (or still under a retired key) before the record is stored. Records of
//! schema version 1 hold plain values until their next change is sealed.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::seal::{self, Field, RecordId, Sealed};
use crate::secret::Secret;
use crate::server_keys::ServerKeys;

/// What can be sealed: a value as bytes and back.
pub(crate) trait Sealable: Sized {
    fn to_bytes(&self) -> Zeroizing<Vec<u8>>;
    fn from_bytes(bytes: &[u8]) -> Result<Self, Error>;
}

impl Sealable for Secret {
    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(Vec::from(self.expose_secret()))
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Secret::from_bytes(bytes).map_err(|_| Error::SealedValueInvalid)
    }
}

impl Sealable for String {
    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(Vec::from(self.as_bytes()))
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| Error::SealedValueInvalid)
    }
}

/// One secret field: at least one of the two forms is always present.
///
/// The plain value is boxed: a loaded record holds only the sealed form until an
/// operation opens it, and an authenticator secret's buffer (128 bytes) inline
/// would be copied, unused, every time the record is moved while it is decoded.
#[derive(Clone)]
pub(crate) struct Vault<T> {
    pub(crate) plain: Option<Box<T>>,
    pub(crate) sealed: Option<Sealed>,
}

impl<T: Sealable> Vault<T> {
    /// A new value, not yet sealed.
    pub(crate) fn new(plain: T) -> Self {
        Vault {
            plain: Some(Box::new(plain)),
            sealed: None,
        }
    }

    /// The plain value. The record is opened before every operation, so this fails
    /// only on a record that was never opened.
    pub(crate) fn plain(&self) -> Result<&T, Error> {
        self.plain.as_deref().ok_or(Error::SealedValueInvalid)
    }

    /// Opens the sealed form, if the plain one is not at hand yet.
    pub(crate) fn open(
        &mut self,
        keys: &ServerKeys,
        record: &RecordId,
        field: Field,
    ) -> Result<(), Error> {
        if self.plain.is_some() {
            return Ok(());
        }
        let sealed = self.sealed.as_ref().ok_or(Error::SealedValueInvalid)?;
        let bytes = seal::open(keys, record, field, sealed)?;
        self.plain = Some(Box::new(T::from_bytes(&bytes)?));
        Ok(())
    }

    /// Seals the value under the current key if it is not sealed yet or is sealed
    /// under another key.
    pub(crate) fn seal<R: CryptoRng + ?Sized>(
        &mut self,
        keys: &ServerKeys,
        record: &RecordId,
        field: Field,
        rng: &mut R,
    ) {
        let current = keys.current();
        let fresh = self
            .sealed
            .as_ref()
            .is_some_and(|s| s.key_id == current.id());
        if let (Some(plain), false) = (self.plain.as_deref(), fresh) {
            let bytes = plain.to_bytes();
            self.sealed = Some(seal::seal(current, record, field, &bytes, rng));
        }
    }

    /// Drops the plain value if the sealed one is there to open again.
    #[cfg(feature = "timing-probe")]
    pub(crate) fn forget_plain(&mut self) {
        if self.sealed.is_some() {
            self.plain = None;
        }
    }
}

/// Equal as stored: the sealed forms when sealed, else the plain values.
impl<T: PartialEq> PartialEq for Vault<T> {
    fn eq(&self, other: &Self) -> bool {
        self.sealed == other.sealed && (self.sealed.is_some() || self.plain == other.plain)
    }
}

impl<T: PartialEq> Eq for Vault<T> {}

impl<T> fmt::Debug for Vault<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::String;
    use alloc::vec;

    use super::Vault;
    use crate::seal::Sealed;

    fn sealed(byte: u8) -> Vault<String> {
        Vault {
            plain: None,
            sealed: Some(Sealed {
                key_id: 1,
                bytes: vec![byte; 40],
            }),
        }
    }

    /// Equal as stored: by the sealed form when sealed (whatever is open in
    /// memory), by the value when in the clear; a sealed field never equals a clear
    /// one. Debug shows neither.
    #[test]
    fn vaults_compare_as_stored_and_print_nothing() {
        let clear = |text: &str| Vault::new(String::from(text));
        assert!(clear("a") == clear("a"));
        assert!(clear("a") != clear("b"));
        assert!(sealed(1) == sealed(1));
        assert!(sealed(1) != sealed(2));
        let mut opened = sealed(1);
        opened.plain = Some(Box::new(String::from("a")));
        assert!(opened == sealed(1), "what is open in memory is not stored");
        assert!(clear("a") != opened && opened != clear("a"));
        assert_eq!(format!("{:?}", opened), "[redacted]");
    }
}
