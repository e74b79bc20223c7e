//! Read-only views of an [`OobChallenge`], for responses, logs and compare-and-swap.

use super::challenge::OobChallenge;
use crate::method::OobChannel;

impl OobChallenge {
    /// The schema version written as `"v"` in the serialised form. Codes are hashed
    /// with HMAC-SHA-256 (first 16 bytes) over the domain label
    /// `mfa-core/oob-code/v1`, the salt and the ASCII digits, keyed as the stored
    /// [`HashScheme`](crate::backup::HashScheme) says (version 2 stores it; version
    /// 1, still read, keyed with the server key itself). Records of an unknown
    /// version are refused on load.
    pub const SCHEMA_VERSION: u32 = 2;

    /// The oldest schema version still read: 1, from before the hash scheme was
    /// stored.
    pub const OLDEST_SCHEMA_VERSION: u32 = 1;

    /// How the code is hashed.
    #[must_use]
    pub const fn scheme(&self) -> crate::keyed_hash::HashScheme {
        self.scheme
    }

    /// The channel the code is delivered on.
    #[must_use]
    pub const fn channel(&self) -> OobChannel {
        self.channel
    }

    /// The id of the server key the current code is hashed under.
    #[must_use]
    pub const fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Digits per code.
    #[must_use]
    pub const fn digits(&self) -> u8 {
        self.digits
    }

    /// When the challenge was issued (Unix seconds). Not moved by resends.
    #[must_use]
    pub const fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// When the current code stops working (Unix seconds, exclusive): the last send
    /// plus the lifetime.
    #[must_use]
    pub const fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Whether the current code has expired at `now`.
    #[must_use]
    pub const fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }

    /// When the current code was sent (Unix seconds): the issue or the last resend.
    #[must_use]
    pub const fn last_sent_at(&self) -> u64 {
        self.last_sent_at
    }

    /// Wrong codes still accepted before the challenge is dead. Never increases.
    #[must_use]
    pub const fn attempts_left(&self) -> u8 {
        self.attempts_left
    }

    /// Wrong codes the challenge accepted when issued.
    #[must_use]
    pub const fn max_attempts(&self) -> u8 {
        self.max_attempts
    }

    /// Resends done so far.
    #[must_use]
    pub const fn resends_used(&self) -> u8 {
        self.resends_used
    }

    /// Resends allowed in all.
    #[must_use]
    pub const fn max_resends(&self) -> u8 {
        self.max_resends
    }

    /// Seconds each code stays valid after it is sent.
    #[must_use]
    pub const fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// Seconds required between two sends.
    #[must_use]
    pub const fn resend_cooldown(&self) -> u64 {
        self.resend_cooldown
    }

    /// When a resend will next be allowed (Unix seconds), or `None` if it never will
    /// (consumed, out of attempts, or out of resends): for a "send again in 42 s"
    /// button.
    #[must_use]
    pub const fn next_resend_at(&self) -> Option<u64> {
        if self.consumed || self.attempts_left == 0 || self.resends_used >= self.max_resends {
            return None;
        }
        Some(self.last_sent_at.saturating_add(self.resend_cooldown))
    }

    /// Whether a code was accepted; a consumed challenge refuses everything.
    #[must_use]
    pub const fn is_consumed(&self) -> bool {
        self.consumed
    }

    /// A counter that increases by one on every change to the challenge (a wrong
    /// code, a success, a resend) and on nothing else. Store it beside the record and
    /// write back with a compare-and-swap on it, so two servers handling the same
    /// challenge cannot both spend the same attempt or both accept the code.
    #[must_use]
    pub const fn revision(&self) -> u64 {
        self.revision
    }
}
