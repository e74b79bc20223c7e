//! Backup (recovery) codes: generated once, stored only as salted keyed hashes, each
//! usable once.
//!
//! ```
//! use mfa_core::backup::{BackupCodePolicy, BackupCodeSet};
//! use mfa_core::{ServerKey, error::Error};
//!
//! fn main() -> Result<(), Error> {
//!     let key = ServerKey::new(1, &[0x42; 32])?; // from configuration, not the database
//!     let policy = BackupCodePolicy::default();
//!     let (plain, mut set) = BackupCodeSet::generate(&policy, &key, &mut rand::rng());
//!     // Show `plain` to the user once; persist `set`, which holds only keyed hashes.
//!     let typed = plain.expose_secret().next().unwrap_or_default().to_lowercase();
//!     let used = set.consume(&typed, &key, 1_767_225_600)?; // then persist `set` again
//!     assert_eq!(used.remaining(), 9);
//!     assert_eq!(set.consume(&typed, &key, 1_767_225_660), Err(Error::BackupCodeUsed));
//!     Ok(())
//! }
//! ```
//!
//! - [`BackupCodePolicy`]: how many codes (default 10), how long (default 16 Crockford
//!   base32 characters, 80 bits; below 64 bits is refused), how they are grouped for
//!   display (default `xxxx-xxxx-xxxx-xxxx`).
//! - [`BackupCodeSet::generate`] draws the codes from the caller's CSPRNG and returns
//!   two values: the [`PlainBackupCodes`] to show the user once (zeroed on drop,
//!   redacted in `Debug`) and the [`BackupCodeSet`] to persist, which holds only
//!   HMAC-SHA-256 hashes under the [`ServerKey`](crate::ServerKey) and a per-set salt.
//! - [`BackupCodeSet::consume`] normalises what the user typed (case, spaces, hyphens,
//!   `o`→`0`, `i`/`l`→`1`), compares one keyed hash of it with every slot in constant
//!   time, marks a hit used and reports how many remain ([`BackupCodeUse`]).
//! - [`BackupCodeSet::regenerate`] replaces the whole set; old codes stop working.
//!
//! With the `serde` feature the set serialises compactly (JSON for 10 codes: about 530
//! bytes fresh, under 600 with every code used) with a schema version `"v": 1`; other
//! versions are refused on load.

mod alphabet;
mod plain;
mod policy;
#[cfg(feature = "serde")]
mod serde_impl;
mod stored;

pub use crate::keyed_hash::HashScheme;
pub use alphabet::BACKUP_CODE_ALPHABET;
pub use plain::{PlainBackupCodes, PlainBackupCodesIter};
pub use policy::{
    BITS_PER_CHAR, BackupCodePolicy, DEFAULT_BACKUP_CODE_COUNT, DEFAULT_BACKUP_CODE_GROUP,
    DEFAULT_BACKUP_CODE_LENGTH, MAX_BACKUP_CODE_COUNT, MAX_BACKUP_CODE_LENGTH,
    MIN_BACKUP_CODE_ENTROPY_BITS, MIN_BACKUP_CODE_LENGTH,
};
pub use stored::{BackupCodeSet, BackupCodeUse};
