//! The plain codes of a fresh set: shown to the user once, then dropped.

use alloc::vec::Vec;
use core::fmt;
use core::iter::FusedIterator;
use core::slice::ChunksExact;

use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::BackupCodePolicy;

/// The plain backup codes of a freshly generated set, in display form
/// (`xxxx-xxxx-xxxx-xxxx`), in the order of the set's slots.
///
/// **Show them to the user once** (an enrolment response, a "save these codes" page)
/// and drop them. They are never needed again: the [`BackupCodeSet`] you persist holds
/// only keyed hashes, and nothing can recover a lost code; the user regenerates.
///
/// - All codes live in one heap buffer, allocated once at its final size (it never
///   moves or grows, so no stale copy is left behind) and zeroed on drop.
/// - `Debug` prints `PlainBackupCodes([redacted])`; there is no `Display`, no `Clone`
///   and no `Serialize`: copy them out only to the response that shows them.
/// - Read them through [`expose_secret`](Self::expose_secret).
///
/// [`BackupCodeSet`]: super::BackupCodeSet
#[must_use = "the plain codes must be shown to the user; they cannot be recovered later"]
pub struct PlainBackupCodes {
    /// Every code's display form, back to back, `stride` bytes each (ASCII).
    text: Zeroizing<Vec<u8>>,
    stride: usize,
}

impl PlainBackupCodes {
    /// Room for every code of `policy`.
    pub(super) fn with_capacity(policy: &BackupCodePolicy) -> Self {
        let stride = policy.display_length();
        let text = Vec::with_capacity(stride.saturating_mul(usize::from(policy.count())));
        PlainBackupCodes {
            text: Zeroizing::new(text),
            stride,
        }
    }

    /// Appends one code (alphabet bytes, no separators), grouped by `group`.
    ///
    /// The caller pushes at most the policy's count of codes of its length, which is
    /// exactly the room [`with_capacity`] reserved, so the buffer never reallocates
    /// (a reallocation would leave an unzeroed copy of the codes behind).
    ///
    /// [`with_capacity`]: Self::with_capacity
    pub(super) fn push(&mut self, code: &[u8], group: u8) {
        let group = usize::from(group).max(1);
        for (i, &c) in code.iter().enumerate() {
            if i != 0 && i % group == 0 {
                self.text.push(b'-');
            }
            self.text.push(c);
        }
    }

    /// The codes in display form, one `&str` each, in slot order (the order a
    /// [`BackupCodeUse::index`](super::BackupCodeUse::index) refers to).
    ///
    /// **Security warning:** each code signs the user in without their second factor.
    /// Show them to the user they belong to, once, over the authenticated channel that
    /// requested them; never log them, store them, or send them anywhere else. Any
    /// `String` you copy them into is not zeroed for you.
    ///
    /// ```
    /// use mfa_core::ServerKey;
    /// use mfa_core::backup::{BackupCodePolicy, BackupCodeSet};
    /// let key = ServerKey::new(1, &[7; 32])?;
    /// let (plain, _set) =
    ///     BackupCodeSet::generate(&BackupCodePolicy::default(), &key, &mut rand::rng());
    /// // What an enrolment endpoint returns as `backup_codes`.
    /// let shown: Vec<&str> = plain.expose_secret().collect();
    /// assert_eq!(shown.len(), 10);
    /// assert!(shown.iter().all(|c| c.len() == 19 && c.split('-').count() == 4));
    /// # Ok::<(), mfa_core::error::Error>(())
    /// ```
    pub fn expose_secret(&self) -> PlainBackupCodesIter<'_> {
        PlainBackupCodesIter {
            chunks: self.text.chunks_exact(self.stride.max(1)),
        }
    }

    /// The number of codes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.text.len().checked_div(self.stride).unwrap_or(0)
    }

    /// Always `false` for generated codes: a policy has at least one code.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ZeroizeOnDrop for PlainBackupCodes {}

impl fmt::Debug for PlainBackupCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainBackupCodes([redacted])")
    }
}

/// The codes of a [`PlainBackupCodes`], as `&str` in display form, borrowed from its
/// zeroizing buffer. Returned by [`PlainBackupCodes::expose_secret`].
#[derive(Clone)]
pub struct PlainBackupCodesIter<'a> {
    chunks: ChunksExact<'a, u8>,
}

impl<'a> Iterator for PlainBackupCodesIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // The buffer only ever holds ASCII, so the conversion cannot fail.
        self.chunks
            .next()
            .map(|c| core::str::from_utf8(c).unwrap_or_default())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for PlainBackupCodesIter<'_> {}

impl FusedIterator for PlainBackupCodesIter<'_> {}

impl fmt::Debug for PlainBackupCodesIter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainBackupCodesIter([redacted])")
    }
}
