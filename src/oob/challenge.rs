//! The persisted state of one out-of-band code: issue, verify, resend.

use core::fmt;

use rand_core::CryptoRng;

use subtle::ConditionallySelectable;

use super::code::{self, OobCode};
use super::policy::OobPolicy;
use crate::ct::{FirstMatch, Outcome, Verdict};
use crate::error::Error;
use crate::keyed_hash::{CodeHash, Domain, HashScheme, SALT_LEN, hashes_equal, keyed_hash};
use crate::method::OobChannel;
use crate::server_key::ServerKey;

/// One out-of-band (email / SMS) code challenge, as you persist it: **only the keyed
/// hash of the code** (HMAC-SHA-256 under the [`ServerKey`], over a fresh random
/// 16-byte salt per code), never the code itself, plus its counters and the policy
/// values it needs later.
///
/// [`issue`](Self::issue) returns the plain [`OobCode`] to deliver and the challenge to
/// store; [`verify`](Self::verify) checks what the user typed;
/// [`resend`](Self::resend) replaces the code with a new one.
///
/// # Persist after every call, success or failure
///
/// **A failed [`verify`](Self::verify) changes the challenge**: a wrong code uses up an
/// attempt. If you drop the challenge after an `Err` instead of writing it back, an
/// attacker gets unlimited guesses at a 6-digit code. So: load, call, **write back,
/// whatever the result**, then answer the user. When several servers share the
/// record, use [`revision`](Self::revision) for a compare-and-swap
/// (`UPDATE … SET challenge = ?, rev = ? WHERE id = ? AND rev = ?old`): it increases
/// on every change, and if the swap fails, reload and call again. A call that
/// changed nothing (an expired code, malformed input, a refused resend) leaves the
/// revision as it was, so writing back is then optional but harmless.
///
/// # Limits
/// - Every wrong code counts against the challenge's attempts, across resends: a
///   resend replaces the code but **never resets the count**. When attempts run out
///   the challenge is dead ([`Error::AttemptsExhausted`]) and a
///   resend cannot revive it; the account layer starts a new challenge, which it
///   must throttle per account.
/// - Malformed input (letters, wrong length) is refused with
///   [`Error::MalformedCode`] **without** using an attempt: it is not a guess at the
///   code, and a typo should not cost the user. It reveals nothing about the code.
/// - A code is good until `expires_at` (exclusive) and once: after a success the
///   challenge refuses everything with [`Error::CodeConsumed`].
/// - Timing: a well-formed submission costs one keyed hash and one constant-time
///   comparison, right or wrong. Branches depend only on the stored counters, the
///   clock and the input's shape, which the submitter knows.
///
/// The policy's lifetime, cooldown and resend limit are copied into the challenge,
/// so a stored challenge is self-contained and a policy change never alters one
/// already in flight.
///
/// ```
/// use mfa_core::{ServerKey, error::Error};
/// use mfa_core::oob::{OobChallenge, OobChannel, OobPolicy};
///
/// let key = ServerKey::new(1, &[0x42; 32])?; // from configuration, not the database
/// let mut rng = rand::rng();
/// let now = 1_767_225_600;
/// let (code, mut challenge) =
///     OobChallenge::issue(OobChannel::Email, &OobPolicy::default(), &key, &mut rng, now)?;
/// let sent = code.as_str().to_owned(); // stands in for the email you send
/// drop(code);
/// // Persist `challenge`; later, the user types a code.
///
/// assert_eq!(challenge.verify("000000x", &key, now + 30).unwrap_err().code(), "malformed_code");
/// let wrong = if sent == "123456" { "654321" } else { "123456" };
/// assert_eq!(challenge.verify(wrong, &key, now + 40), Err(Error::InvalidCode));
/// assert_eq!(challenge.attempts_left(), 4); // persist now, even though it failed
///
/// challenge.verify(&sent, &key, now + 50)?; // persist, then sign the user in
/// assert_eq!(challenge.verify(&sent, &key, now + 60), Err(Error::CodeConsumed));
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct OobChallenge {
    pub(super) channel: OobChannel,
    pub(super) key_id: u32,
    pub(super) scheme: HashScheme,
    pub(super) digits: u8,
    pub(super) salt: [u8; SALT_LEN],
    pub(super) hash: CodeHash,
    pub(super) issued_at: u64,
    pub(super) expires_at: u64,
    pub(super) last_sent_at: u64,
    pub(super) attempts_left: u8,
    pub(super) max_attempts: u8,
    pub(super) resends_used: u8,
    pub(super) max_resends: u8,
    pub(super) lifetime: u64,
    pub(super) resend_cooldown: u64,
    pub(super) consumed: bool,
    pub(super) revision: u64,
}

/// A new code and its salted keyed hash under `key`.
fn fresh_code<R: CryptoRng + ?Sized>(
    digits: u8,
    key: &ServerKey,
    rng: &mut R,
) -> Result<(OobCode, [u8; SALT_LEN], CodeHash), Error> {
    let code = code::generate(digits, rng)?;
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let hash = keyed_hash(
        key,
        HashScheme::CURRENT,
        Domain::OobCode,
        &salt,
        code.as_bytes(),
    );
    Ok((code, salt, hash))
}

impl OobChallenge {
    /// Starts a challenge on `channel` at `now` (Unix seconds): draws a code of
    /// `policy.digits()` uniform digits from the caller's CSPRNG and a random salt,
    /// and hashes the code under `key`. Returns the plain code (deliver it, then drop
    /// it) and the challenge (persist it before sending the code).
    ///
    /// The code expires at `now + policy.lifetime()` (saturating: at `u64::MAX` it is
    /// born expired). The challenge starts with `policy.max_attempts()` attempts, no
    /// resends, and revision 0.
    ///
    /// # Errors
    /// [`Error::RngFailure`] if the generator is broken (64 rejected draws in a row).
    pub fn issue<R: CryptoRng + ?Sized>(
        channel: OobChannel,
        policy: &OobPolicy,
        key: &ServerKey,
        rng: &mut R,
        now: u64,
    ) -> Result<(OobCode, OobChallenge), Error> {
        let (code, salt, hash) = fresh_code(policy.digits(), key, rng)?;
        let challenge = OobChallenge {
            channel,
            key_id: key.id(),
            scheme: HashScheme::CURRENT,
            digits: policy.digits(),
            salt,
            hash,
            issued_at: now,
            expires_at: now.saturating_add(policy.lifetime()),
            last_sent_at: now,
            attempts_left: policy.max_attempts(),
            max_attempts: policy.max_attempts(),
            resends_used: 0,
            max_resends: policy.max_resends(),
            lifetime: policy.lifetime(),
            resend_cooldown: policy.resend_cooldown(),
            consumed: false,
            revision: 0,
        };
        Ok((code, challenge))
    }

    /// Checks `code`, as the user typed it (ASCII digits, spaces ignored), at `now`.
    /// On success the challenge is consumed.
    ///
    /// **Persist the challenge after this call whatever it returns** (see
    /// [the type's docs](Self#persist-after-every-call-success-or-failure)): a wrong
    /// code uses up an attempt, and that is only real once it is stored.
    ///
    /// # Errors
    /// Checked in this order:
    /// 1. [`Error::CodeConsumed`]: the challenge already succeeded once.
    /// 2. [`Error::CodeExpired`] when `now >= expires_at`.
    /// 3. [`Error::AttemptsExhausted`] when no attempts are left; start a new
    ///    challenge.
    /// 4. [`Error::ServerKeyMismatch`] when `key` is not the key the code was hashed
    ///    under (load that key).
    /// 5. [`Error::MalformedCode`] for input that is not `digits` ASCII digits; no
    ///    attempt is used.
    /// 6. [`Error::InvalidCode`] for a wrong code; **one attempt is used** (the
    ///    challenge changed: persist it).
    // Inline for the reason `TotpConfig::verify` is: the caller's branch on the
    // outcome is then the only one.
    #[inline]
    pub fn verify(&mut self, code: &str, key: &ServerKey, now: u64) -> Result<(), Error> {
        match self.check_and_record(code, key, now)?.outcome() {
            Outcome::Found => Ok(()),
            Outcome::Refused | Outcome::NoMatch => Err(Error::InvalidCode),
        }
    }

    /// Everything [`verify`](Self::verify) does before it branches on the outcome,
    /// the challenge's changes included.
    fn check_and_record(
        &mut self,
        code: &str,
        key: &ServerKey,
        now: u64,
    ) -> Result<Verdict, Error> {
        if self.consumed {
            return Err(Error::CodeConsumed);
        }
        if now >= self.expires_at {
            return Err(Error::CodeExpired {
                expired_at: self.expires_at,
            });
        }
        if self.attempts_left == 0 {
            return Err(Error::AttemptsExhausted);
        }
        key.check_id(self.key_id)?;
        let typed = code::parse(code, self.digits)?;
        let hash = keyed_hash(
            key,
            self.scheme,
            Domain::OobCode,
            &self.salt,
            typed.as_bytes(),
        );
        let hit = hashes_equal(&hash, &self.hash);
        self.revision = self.revision.wrapping_add(1);
        // Both fields are written whatever the outcome, selected in constant time;
        // the one branch is on the decision, as every other check takes it.
        let mut consumed = u8::from(self.consumed);
        consumed.conditional_assign(&1, hit);
        self.consumed = consumed != 0;
        let fewer = self.attempts_left.saturating_sub(1);
        self.attempts_left = u8::conditional_select(&fewer, &self.attempts_left, hit);
        let mut found = FirstMatch::new();
        found.record(hit, 0);
        Ok(found.verdict_alone())
    }

    /// Replaces the code with a new one (new digits, new salt) hashed under `key`,
    /// valid until `now + lifetime`, and returns it to deliver. The old code stops
    /// working at once. Attempts left are **not** reset: a resend is not a way to buy
    /// more guesses.
    ///
    /// The lifetime, cooldown and resend limit are the ones copied from the policy at
    /// [`issue`](Self::issue). The new code is hashed under `key` and the challenge
    /// records its id, so a resend also moves a challenge to a rotated server key.
    ///
    /// Persist the challenge before sending the new code.
    ///
    /// # Errors
    /// Checked in this order; none of them changes the challenge:
    /// 1. [`Error::CodeConsumed`]: the challenge already succeeded.
    /// 2. [`Error::AttemptsExhausted`] when no attempts are left: a resend does not
    ///    revive a dead challenge; start a new one (throttled per account by the
    ///    account layer).
    /// 3. [`Error::MaxResendLimit`] when every allowed resend was used.
    /// 4. [`Error::ResendCooldown`] when the last send was less than the cooldown
    ///    ago; `retry_at` is when a resend is allowed.
    /// 5. [`Error::RngFailure`] if the generator is broken.
    pub fn resend<R: CryptoRng + ?Sized>(
        &mut self,
        key: &ServerKey,
        rng: &mut R,
        now: u64,
    ) -> Result<OobCode, Error> {
        if self.consumed {
            return Err(Error::CodeConsumed);
        }
        if self.attempts_left == 0 {
            return Err(Error::AttemptsExhausted);
        }
        if self.resends_used >= self.max_resends {
            return Err(Error::MaxResendLimit);
        }
        let elapsed = now.saturating_sub(self.last_sent_at);
        if elapsed < self.resend_cooldown {
            return Err(Error::ResendCooldown {
                retry_at: self.last_sent_at.saturating_add(self.resend_cooldown),
            });
        }
        let (code, salt, hash) = fresh_code(self.digits, key, rng)?;
        self.key_id = key.id();
        self.scheme = HashScheme::CURRENT;
        self.salt = salt;
        self.hash = hash;
        self.expires_at = now.saturating_add(self.lifetime);
        self.last_sent_at = now;
        self.resends_used = self.resends_used.saturating_add(1);
        self.revision = self.revision.wrapping_add(1);
        Ok(code)
    }

    /// Makes the code expire at `at` if it would outlive it: a code sent for an
    /// account challenge never outlives the challenge.
    pub(crate) fn expire_by(&mut self, at: u64) {
        if at < self.expires_at {
            self.expires_at = at;
        }
    }
}

/// Shows the counters and times, never the salt or the hash.
impl fmt::Debug for OobChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OobChallenge")
            .field("channel", &self.channel)
            .field("key_id", &self.key_id)
            .field("digits", &self.digits)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("last_sent_at", &self.last_sent_at)
            .field("attempts_left", &self.attempts_left)
            .field("resends_used", &self.resends_used)
            .field("consumed", &self.consumed)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}
