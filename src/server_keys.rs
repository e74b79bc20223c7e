//! A ring of server keys by id: the current one, under which everything new is
//! hashed, and retired ones that records made before a rotation still name.

use alloc::vec::Vec;

use crate::error::{ConfigError, Error};
use crate::server_key::ServerKey;

/// The server keys an [`Mfa`](crate::account::Mfa) works with: one **current** key, under
/// which every new backup-code set and email/SMS code is hashed, and the
/// **retired** keys that stored records may still name.
///
/// Rotating: give the new key a new id, make it current and keep the old one as
/// retired. Backup-code sets and codes hashed under a retired key keep verifying;
/// every resend and every regenerated set moves to the current key.
/// [`Account::key_ids`](crate::account::Account::key_ids) lists the ids a record still
/// needs, so retire a key from the ring only when no record names it. A record that
/// names an id missing from the ring answers
/// [`Error::ServerKeyMismatch`](crate::error::Error::ServerKeyMismatch) (a server error, never
/// counted as a wrong code).
///
/// ```
/// use mfa_core::{ServerKey, ServerKeys};
/// let keys = ServerKeys::new(ServerKey::new(2, &[0x43; 32])?)
///     .with_retired(ServerKey::new(1, &[0x42; 32])?)?;
/// assert_eq!(keys.current().id(), 2);
/// assert_eq!(keys.ids().collect::<Vec<_>>(), [2, 1]);
/// # Ok::<(), mfa_core::error::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeys {
    current: ServerKey,
    retired: Vec<ServerKey>,
}

impl ServerKeys {
    /// A ring of one key, current.
    #[must_use]
    pub const fn new(current: ServerKey) -> Self {
        ServerKeys {
            current,
            retired: Vec::new(),
        }
    }

    /// The same ring with `key` kept for verifying what was hashed under it.
    ///
    /// # Errors
    /// [`ConfigError::DuplicateKeyId`] when a key of the ring already has its id.
    pub fn with_retired(mut self, key: ServerKey) -> Result<Self, ConfigError> {
        if self.get(key.id()).is_some() {
            return Err(ConfigError::DuplicateKeyId { id: key.id() });
        }
        self.retired.push(key);
        Ok(self)
    }

    /// The key everything new is hashed under.
    #[must_use]
    pub const fn current(&self) -> &ServerKey {
        &self.current
    }

    /// The key with id `id`, current or retired.
    #[must_use]
    pub fn get(&self, id: u32) -> Option<&ServerKey> {
        core::iter::once(&self.current)
            .chain(&self.retired)
            .find(|k| k.id() == id)
    }

    /// Every id of the ring, the current one first.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        core::iter::once(&self.current)
            .chain(&self.retired)
            .map(ServerKey::id)
    }

    /// The key a stored hash names, or [`Error::ServerKeyMismatch`] when the ring
    /// has no key of that id.
    pub(crate) fn for_stored(&self, id: u32) -> Result<&ServerKey, Error> {
        self.get(id).ok_or(Error::ServerKeyMismatch {
            stored: id,
            given: self.current.id(),
        })
    }
}

impl From<ServerKey> for ServerKeys {
    fn from(key: ServerKey) -> Self {
        ServerKeys::new(key)
    }
}
