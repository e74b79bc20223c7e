//! The persisted set: salted keyed hashes, one slot per code, and consumption.

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use super::policy::MAX_BACKUP_CODE_LENGTH;
use super::{BackupCodePolicy, PlainBackupCodes, alphabet};
use crate::ct::{FirstMatch, Outcome, Verdict};
use crate::error::Error;
use crate::keyed_hash::{CodeHash, Domain, HashScheme, SALT_LEN, hashes_equal, keyed_hash};
use crate::server_key::ServerKey;

/// One slot: the keyed hash of a code, and when it was used. Kept as a flag and a
/// time rather than an `Option`, so that marking a slot used is a constant-time
/// select over every slot, not a branch on the one that matched. Serialised by
/// schema version 1 as `[hash, used_at or null]` (read only; see `serde_impl`).
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(from = "StoredForm"))]
pub(super) struct StoredCode {
    hash: CodeHash,
    used: bool,
    /// 0 while unused.
    used_at: u64,
}

/// The serialised form of a [`StoredCode`].
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct StoredForm(#[serde(with = "crate::hex::array")] CodeHash, Option<u64>);

#[cfg(feature = "serde")]
impl From<StoredForm> for StoredCode {
    fn from(StoredForm(hash, used_at): StoredForm) -> Self {
        StoredCode::stored(hash, used_at)
    }
}

impl StoredCode {
    const fn unused(hash: CodeHash) -> Self {
        StoredCode {
            hash,
            used: false,
            used_at: 0,
        }
    }

    /// The slot with `hash`, used at `used_at` if that is given.
    #[cfg(feature = "serde")]
    pub(super) const fn stored(hash: CodeHash, used_at: Option<u64>) -> Self {
        match used_at {
            Some(at) => StoredCode {
                hash,
                used: true,
                used_at: at,
            },
            None => StoredCode::unused(hash),
        }
    }

    /// The code's keyed hash.
    #[cfg(feature = "serde")]
    pub(super) const fn hash(&self) -> &CodeHash {
        &self.hash
    }

    /// When the code was used, if it was.
    pub(super) const fn used_at(&self) -> Option<u64> {
        if self.used { Some(self.used_at) } else { None }
    }

    /// Marks the slot used at `now` when `mark` is set, touching it the same way
    /// either way.
    fn mark_used(&mut self, mark: Choice, now: u64) {
        self.used_at.conditional_assign(&now, mark);
        self.used = bool::from(Choice::from(u8::from(self.used)) | mark);
    }
}

/// A backup-code check decided in constant time and not yet branched on.
pub(crate) struct BackupCheck {
    pub(crate) verdict: Verdict,
    pub(crate) index: u64,
    pub(crate) remaining: usize,
}

/// A set of backup codes as you persist it: **only salted keyed hashes**, never a
/// plain code.
///
/// Made by [`generate`](Self::generate), which also returns the [`PlainBackupCodes`] to
/// show once. Each code is hashed with HMAC-SHA-256 under the [`ServerKey`] over a
/// random 16-byte salt per set; without the server key a leaked set cannot be checked
/// against guesses at all. Each slot records when its code was used.
///
/// # Contract
/// - [`consume`](Self::consume) changes the set **only on success** (it marks the code
///   used). Persist the set after every successful consume, before answering the
///   user, with a compare-and-swap on the account row when several servers share it:
///   otherwise the same code can be accepted twice.
/// - The set does not throttle. Count every failed consume (wrong, malformed or used
///   code) toward the account's attempt limit; a used code presented again may mean
///   someone else holds the user's printed list: notify the user.
/// - Timing: one keyed hash of the input is compared with every slot, used or not,
///   without an early exit; a hit, a miss and a used code cost the same. The input's
///   length and characters (which the submitter knows) may affect timing.
///
/// ```
/// use mfa_core::{ServerKey, error::Error};
/// use mfa_core::backup::{BackupCodePolicy, BackupCodeSet};
///
/// // The server key comes from your configuration, not from the database.
/// let key = ServerKey::new(1, &[0x42; 32])?;
/// let mut rng = rand::rng();
/// let (plain, mut set) = BackupCodeSet::generate(&BackupCodePolicy::default(), &key, &mut rng);
/// let first = plain.expose_secret().next().unwrap_or_default().to_owned();
/// drop(plain); // after showing the codes to the user once; persist `set`
///
/// let now = 1_767_225_600;
/// // Case, separators and confusables (o → 0, i/l → 1) are forgiven.
/// let typed = first.to_lowercase().replace('-', " ");
/// let used = set.consume(&typed, &key, now)?;
/// assert_eq!(used.remaining(), 9); // persist `set` now, then tell the user
/// assert_eq!(set.consume(&first, &key, now + 60), Err(Error::BackupCodeUsed));
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BackupCodeSet {
    pub(super) scheme: HashScheme,
    pub(super) key_id: u32,
    pub(super) length: u8,
    pub(super) salt: [u8; SALT_LEN],
    pub(super) codes: Vec<StoredCode>,
}

/// The result of a successful [`BackupCodeSet::consume`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "persist the set, then tell the user how many codes remain"]
pub struct BackupCodeUse {
    index: usize,
    remaining: usize,
}

impl BackupCodeUse {
    /// Unused codes left in the set. Offer regeneration when it runs low; at 0 the
    /// user has no way back in without another factor.
    #[must_use]
    pub const fn remaining(&self) -> usize {
        self.remaining
    }

    /// The slot of the code used, from 0: its position in the list the user was shown.
    #[must_use]
    pub const fn index(&self) -> usize {
        self.index
    }
}

impl BackupCodeSet {
    /// The schema version a serialised set carries as `"v"` (feature `serde`):
    /// the one written. Loading reads it and every version back to
    /// [`OLDEST_SCHEMA_VERSION`](Self::OLDEST_SCHEMA_VERSION); any other fails with
    /// the text of [`Error::UnsupportedSchema`](crate::error::Error::UnsupportedSchema).
    pub const SCHEMA_VERSION: u32 = 2;

    /// The oldest schema version still read.
    pub const OLDEST_SCHEMA_VERSION: u32 = 1;

    /// Draws a new set of `policy.count()` codes from the caller's CSPRNG, hashed
    /// under `key`. Returns the plain codes (show once) and the set (persist).
    ///
    /// Each character is the low 5 bits of a random byte, so characters are uniform
    /// over the 32-symbol alphabet without modulo bias. Does not fail: the policy was
    /// validated when built.
    #[must_use = "the plain codes must be shown and the set persisted"]
    pub fn generate<R: CryptoRng + ?Sized>(
        policy: &BackupCodePolicy,
        key: &ServerKey,
        rng: &mut R,
    ) -> (PlainBackupCodes, BackupCodeSet) {
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let mut plain = PlainBackupCodes::with_capacity(policy);
        let mut codes = Vec::with_capacity(usize::from(policy.count()));
        let mut buf = [0u8; MAX_BACKUP_CODE_LENGTH as usize];
        let code = buf
            .get_mut(..usize::from(policy.length()))
            .unwrap_or_default();
        for _ in 0..policy.count() {
            rng.fill_bytes(code);
            for c in code.iter_mut() {
                *c = alphabet::encode(*c);
            }
            codes.push(StoredCode::unused(keyed_hash(
                key,
                HashScheme::CURRENT,
                Domain::BackupCode,
                &salt,
                code,
            )));
            plain.push(code, policy.group());
        }
        buf.zeroize();
        let set = BackupCodeSet {
            scheme: HashScheme::CURRENT,
            key_id: key.id(),
            length: policy.length(),
            salt,
            codes,
        };
        (plain, set)
    }

    /// Replaces the whole set with a new one drawn under `policy` and `key` (new salt,
    /// new codes) and returns its plain codes. Every old code stops working, used or
    /// not. Also the way to move a set to a rotated server key.
    ///
    /// Require a fresh second factor before calling it, and persist the set before
    /// showing the new codes.
    pub fn regenerate<R: CryptoRng + ?Sized>(
        &mut self,
        policy: &BackupCodePolicy,
        key: &ServerKey,
        rng: &mut R,
    ) -> PlainBackupCodes {
        let (plain, set) = Self::generate(policy, key, rng);
        *self = set;
        plain
    }

    /// Checks `input` against every code of the set and, on a hit on an unused code,
    /// marks it used at `now` (Unix seconds).
    ///
    /// `input` is normalised first: ASCII case folded, spaces and hyphens dropped
    /// anywhere, `O` read as `0`, `I` and `L` as `1`. Then one keyed hash of it is
    /// compared with every slot in constant time.
    ///
    /// **Only a success changes the set**: persist it before answering. A failure
    /// leaves it untouched; count the failure toward the account's throttling, which
    /// this set does not do. Allocates nothing.
    ///
    /// # Errors
    /// - [`Error::ServerKeyMismatch`] when `key` has another id than the set's (checked
    ///   first: load the key the set was made under).
    /// - [`Error::MalformedBackupCode`] when `input` has a character outside the
    ///   alphabet or the wrong number of characters.
    /// - [`Error::BackupCodeUsed`] when it matches a code already used (refused forever).
    /// - [`Error::InvalidCode`] when it matches no code.
    // Inline for the reason `TotpConfig::verify` is: the caller's branch on the
    // outcome is then the only one.
    #[inline]
    pub fn consume(
        &mut self,
        input: &str,
        key: &ServerKey,
        now: u64,
    ) -> Result<BackupCodeUse, Error> {
        let checked = self.check_and_mark(input, key, now)?;
        // Opaque, so the compiler cannot sink this work into the one arm that uses it.
        let (index, remaining) = core::hint::black_box((checked.index, checked.remaining));
        match checked.verdict.outcome() {
            Outcome::Found => Ok(BackupCodeUse {
                index: usize::try_from(index).unwrap_or(usize::MAX),
                remaining,
            }),
            Outcome::Refused => Err(Error::BackupCodeUsed),
            Outcome::NoMatch => Err(Error::InvalidCode),
        }
    }

    /// Everything [`consume`](Self::consume) does before it branches on the outcome:
    /// every slot compared, the matching unused one marked, all in constant time.
    pub(crate) fn check_and_mark(
        &mut self,
        input: &str,
        key: &ServerKey,
        now: u64,
    ) -> Result<BackupCheck, Error> {
        key.check_id(self.key_id)?;
        let mut buf = [0u8; MAX_BACKUP_CODE_LENGTH as usize];
        let parsed = alphabet::normalize(input, self.length, &mut buf).map(|n| {
            keyed_hash(
                key,
                self.scheme,
                Domain::BackupCode,
                &self.salt,
                buf.get(..n).unwrap_or_default(),
            )
        });
        buf.zeroize();
        let hash = parsed?;

        // Record the first unused hit and the first used one, without a branch on
        // either; decide only after every slot was compared.
        let mut unused_hit = FirstMatch::new();
        let mut used_hit = FirstMatch::new();
        for (i, code) in (0u64..).zip(&self.codes) {
            let hit = hashes_equal(&hash, &code.hash);
            let used = Choice::from(u8::from(code.used));
            unused_hit.record(hit & !used, i);
            used_hit.record(hit & used, i);
        }

        // Every slot is rewritten and the remaining count taken whether or not the
        // code matched, so a hit, a miss and a used code do the same work. No slot
        // has index u64::MAX, so a miss marks nothing.
        let index = unused_hit.value_or(u64::MAX);
        let mut remaining = 0usize;
        for (i, code) in (0u64..).zip(self.codes.iter_mut()) {
            code.mark_used(i.ct_eq(&index), now);
            remaining += usize::from(!code.used);
        }
        Ok(BackupCheck {
            verdict: unused_hit.verdict(&used_hit),
            index,
            remaining,
        })
    }

    /// Unused codes left.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.codes.iter().filter(|c| !c.used).count()
    }

    /// Codes in the set, used or not.
    #[must_use]
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Always `false`: a set has at least one code (deserialisation refuses an
    /// empty one).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The id of the server key the set was hashed under.
    #[must_use]
    pub const fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Characters per code, separators not counted.
    #[must_use]
    pub const fn code_length(&self) -> u8 {
        self.length
    }

    /// How the codes are hashed.
    #[must_use]
    pub const fn scheme(&self) -> HashScheme {
        self.scheme
    }

    /// For each slot, in the order the codes were shown, when its code was used (Unix
    /// seconds), or `None` if it is still unused: for a "code 3 used on …" page.
    pub fn usage(&self) -> impl ExactSizeIterator<Item = Option<u64>> + '_ {
        self.codes.iter().map(StoredCode::used_at)
    }
}

/// Shows the shape and usage, never the salt or the hashes.
impl fmt::Debug for BackupCodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupCodeSet")
            .field("scheme", &self.scheme)
            .field("key_id", &self.key_id)
            .field("length", &self.length)
            .field("codes", &self.len())
            .field("remaining", &self.remaining())
            .finish_non_exhaustive()
    }
}
