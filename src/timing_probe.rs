//! For the timing harnesses in ct/ only, not part of the API: hidden, behind the
//! `timing-probe` feature, and free to change in any release.
//!
//! Each probe runs a check up to, and not including, its one branch on the outcome,
//! so that the example can time everything that touches the secret apart from the
//! public call, which adds that branch and builds a different `Result` for a hit
//! than for a miss. The public calls are `#[inline]`, so that branch folds into the
//! caller's own; out of line, it once made a hit and a miss distinguishable, and
//! these probes are how that was told apart from a leak of the secret.

use crate::account::{Account, ChallengeToken, TokenPurpose};
use crate::backup::BackupCodeSet;
use crate::error::Error;
use crate::otp::TotpConfig;
use crate::secret::Secret;
use crate::server_key::ServerKey;

/// [`TotpConfig::verify`] up to, and not including, the branch on its outcome: the
/// verdict (0 accepted, 1 refused by the replay guard, 2 no match), the step and the
/// drift, none of them branched on.
///
/// # Errors
/// As [`TotpConfig::verify`], for input that is not a code or a time before T0.
pub fn totp_verdict(
    config: &TotpConfig,
    secret: &Secret,
    code: &str,
    now: u64,
    last_accepted: Option<u64>,
) -> Result<(u8, u64, i8), Error> {
    let checked = config.check(secret, code, now, last_accepted)?;
    Ok((checked.verdict.code(), checked.step, checked.drift))
}

/// [`BackupCodeSet::consume`] up to, and not including, the branch on its outcome:
/// the verdict (0 unused code, 1 used code, 2 no match), the matching slot and the
/// codes left, none of them branched on. Marks the slot used, as `consume` does.
///
/// # Errors
/// As [`BackupCodeSet::consume`], for another server key or input that is not a code.
pub fn backup_verdict(
    set: &mut BackupCodeSet,
    input: &str,
    key: &ServerKey,
    now: u64,
) -> Result<(u8, u64, usize), Error> {
    let checked = set.check_and_mark(input, key, now)?;
    Ok((checked.verdict.code(), checked.index, checked.remaining))
}

/// The challenge lookup every call with a token starts with, up to, and not
/// including, the branch on its outcome: hashing the token and comparing it with every
/// stored challenge id. Returns the verdict (0 found, 2 not found) and the position.
pub fn challenge_lookup<P: TokenPurpose>(
    account: &Account,
    token: &ChallengeToken<P>,
) -> (u8, u64) {
    let (verdict, index) = account.scan_challenges(&token.id());
    (verdict.code(), index)
}

/// The constant-time scan alone, for an id given as raw bytes (the bytes behind a
/// [`Account::challenge_keys`] entry): the verdict (0 found, 2 not found) and the
/// position. With one record in both classes and two of its ids, this times where a
/// match is, and nothing else.
pub fn challenge_scan(account: &Account, id: &[u8; 16]) -> (u8, u64) {
    let (verdict, index) = account.scan_challenges(id);
    (verdict.code(), index)
}

/// Forgets every plain value a record holds that is also sealed, and opens the
/// record again with `mfa`'s keys: what loading a stored record and starting an
/// operation on it does, without the `serde` feature.
///
/// # Errors
/// As opening a stored record: [`Error::ServerKeyMismatch`],
/// [`Error::SealedValueInvalid`], [`Error::CorruptRecord`].
pub fn reopen(mfa: &crate::account::Mfa, account: &mut Account) -> Result<(), Error> {
    account.forget_plain();
    account.open(mfa.keys(), true)
}
