//! How many backup codes a set has, how long they are, and how they are shown.

use crate::error::{ConfigError, PolicyField};

/// Bits of entropy per code character (Crockford base32: 32 symbols).
pub const BITS_PER_CHAR: u32 = 5;
/// The least entropy per code a policy accepts.
pub const MIN_BACKUP_CODE_ENTROPY_BITS: u32 = 64;
/// Codes per set by default.
pub const DEFAULT_BACKUP_CODE_COUNT: u8 = 10;
/// The most codes per set.
pub const MAX_BACKUP_CODE_COUNT: u8 = 32;
/// Characters per code by default: 80 bits.
pub const DEFAULT_BACKUP_CODE_LENGTH: u8 = 16;
/// The fewest characters per code: 13 × 5 = 65 bits, the first length at or above
/// [`MIN_BACKUP_CODE_ENTROPY_BITS`].
pub const MIN_BACKUP_CODE_LENGTH: u8 = 13;
/// The most characters per code (160 bits).
pub const MAX_BACKUP_CODE_LENGTH: u8 = 32;
/// Characters per display group by default (`xxxx-xxxx-xxxx-xxxx`).
pub const DEFAULT_BACKUP_CODE_GROUP: u8 = 4;

/// The shape of a backup-code set: how many codes, how many characters each, and how
/// many characters per hyphen-separated group when shown.
///
/// | setting | default | allowed |
/// |---|---|---|
/// | count | 10 | 1 to 32 |
/// | length | 16 characters (80 bits) | 13 to 32 characters (65 to 160 bits) |
/// | group | 4 (`xxxx-xxxx-xxxx-xxxx`) | 1 to length |
///
/// Every character carries 5 bits ([`entropy_bits`](Self::entropy_bits)); fewer than
/// 64 bits per code is refused. A backup code bypasses the second factor, so it must
/// stay out of reach of guessing even if the database leaks: with the keyed hash an
/// attacker without the server key cannot test guesses offline at all, and online
/// 2^64 guesses are out of the question.
///
/// ```
/// use mfa_core::backup::BackupCodePolicy;
/// let policy = BackupCodePolicy::default();
/// assert_eq!((policy.count(), policy.length(), policy.group()), (10, 16, 4));
/// assert_eq!(policy.entropy_bits(), 80);
/// assert!(BackupCodePolicy::new(10, 12, 4).is_err()); // 60 bits
/// # Ok::<(), mfa_core::error::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BackupCodePolicy {
    count: u8,
    length: u8,
    group: u8,
}

impl Default for BackupCodePolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl BackupCodePolicy {
    /// 10 codes of 16 characters (80 bits), shown in groups of 4.
    pub const DEFAULT: Self = BackupCodePolicy {
        count: DEFAULT_BACKUP_CODE_COUNT,
        length: DEFAULT_BACKUP_CODE_LENGTH,
        group: DEFAULT_BACKUP_CODE_GROUP,
    };

    /// A policy of `count` codes of `length` characters, shown in groups of `group`.
    ///
    /// # Errors
    /// [`ConfigError::Policy`] naming the first field out of range:
    /// [`PolicyField::BackupCodeCount`] outside 1 to 32,
    /// [`PolicyField::BackupCodeLength`] outside 13 to 32 (below 64 bits, or longer than
    /// stored sets accept), [`PolicyField::BackupCodeGroup`] for 0 or more than `length`.
    pub const fn new(count: u8, length: u8, group: u8) -> Result<Self, ConfigError> {
        if count == 0 || count > MAX_BACKUP_CODE_COUNT {
            return Err(ConfigError::Policy(PolicyField::BackupCodeCount));
        }
        if length < MIN_BACKUP_CODE_LENGTH || length > MAX_BACKUP_CODE_LENGTH {
            return Err(ConfigError::Policy(PolicyField::BackupCodeLength));
        }
        if group == 0 || group > length {
            return Err(ConfigError::Policy(PolicyField::BackupCodeGroup));
        }
        Ok(BackupCodePolicy {
            count,
            length,
            group,
        })
    }

    /// The same policy with `count` codes.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub const fn with_count(self, count: u8) -> Result<Self, ConfigError> {
        Self::new(count, self.length, self.group)
    }

    /// The same policy with codes of `length` characters. The group size is kept, so
    /// shortening below it is refused: set the group first.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub const fn with_length(self, length: u8) -> Result<Self, ConfigError> {
        Self::new(self.count, length, self.group)
    }

    /// The same policy shown in groups of `group` characters.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub const fn with_group(self, group: u8) -> Result<Self, ConfigError> {
        Self::new(self.count, self.length, group)
    }

    /// Codes per set.
    #[must_use]
    pub const fn count(&self) -> u8 {
        self.count
    }

    /// Characters per code, separators not counted.
    #[must_use]
    pub const fn length(&self) -> u8 {
        self.length
    }

    /// Characters per display group.
    #[must_use]
    pub const fn group(&self) -> u8 {
        self.group
    }

    /// Bits of entropy per code: 5 per character.
    #[must_use]
    pub const fn entropy_bits(&self) -> u32 {
        entropy_bits(self.length)
    }

    /// Characters of one code as shown, hyphens included.
    #[must_use]
    pub const fn display_length(&self) -> usize {
        let length = self.length as usize;
        // `group` is at least 1 and `length` at least 13, so neither operation wraps.
        length + (length - 1) / (self.group as usize)
    }
}

/// Bits of entropy of a code of `length` characters.
pub(super) const fn entropy_bits(length: u8) -> u32 {
    BITS_PER_CHAR * length as u32
}
