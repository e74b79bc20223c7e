//! Finding the challenge a token stands for: its id compared with every stored id
//! in constant time, then its purpose, whether it is used and whether it expired.

use subtle::ConstantTimeEq;

use super::Challenge;
use crate::account::mfa::Mfa;
use crate::account::record::Account;
use crate::account::token::{ChallengeToken, TokenId, TokenPurpose};
use crate::ct::{FirstMatch, Outcome, Verdict};
use crate::error::Error;

impl Mfa {
    /// Runs `op` on the live challenge `token` stands for, with the rest of the
    /// record beside it, and returns what `op` returns.
    ///
    /// While `op` runs, the record's list of challenges is held apart from it (the
    /// record's list is empty), so that the record and the challenge can change at
    /// once; the list goes back afterwards, whatever `op` returned. So `op` must
    /// not open, drop or look up challenges: a flow that does (turning off the last
    /// method drops them all) does it after this returns. The challenge is changed
    /// where it lies: taking it out of the list shifted every challenge after it,
    /// twice, and writing anything in its place moved its bytes, both of which made
    /// a check's time depend on where the record stores its challenge.
    ///
    /// # Errors
    /// [`Error::ChallengeInvalid`] (no such challenge), [`Error::WrongPurpose`],
    /// [`Error::ChallengeConsumed`], [`Error::ChallengeExpired`]; then whatever
    /// `op` returns.
    pub(crate) fn on_challenge<P: TokenPurpose, T>(
        account: &mut Account,
        token: &ChallengeToken<P>,
        now: u64,
        op: impl FnOnce(&mut Account, &mut Challenge) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let found = find(&account.challenges, &token.id());
        let (index, challenge) = found
            .and_then(|index| Some((index, account.challenges.get(index)?)))
            .ok_or(Error::ChallengeInvalid)?;
        if challenge.purpose() != P::PURPOSE {
            return Err(Error::WrongPurpose {
                expected: P::PURPOSE,
                found: challenge.purpose(),
            });
        }
        if challenge.consumed {
            return Err(Error::ChallengeConsumed);
        }
        if challenge.expired(now) {
            return Err(Error::ChallengeExpired {
                expired_at: challenge.expires_at,
            });
        }
        let mut challenges = core::mem::take(&mut account.challenges);
        let result = match challenges.get_mut(index) {
            Some(challenge) => op(account, challenge),
            None => Err(Error::ChallengeInvalid),
        };
        // `op` must not open challenges; were one opened, it is kept.
        let opened = core::mem::replace(&mut account.challenges, challenges);
        account.challenges.extend(opened);
        result
    }
}

/// The position of the challenge whose id is `id`, comparing with every stored id in
/// constant time (no early exit): which challenge matched, and whether any did, is
/// decided after the last comparison.
fn find(challenges: &[Challenge], id: &TokenId) -> Option<usize> {
    let (verdict, index) = scan(challenges, id);
    let index = core::hint::black_box(index);
    match verdict.outcome() {
        Outcome::Found => usize::try_from(index).ok(),
        Outcome::Refused | Outcome::NoMatch => None,
    }
}

#[cfg(feature = "timing-probe")]
impl Account {
    /// The seam the timing probes time: [`scan`] over this record's challenges.
    pub(crate) fn scan_challenges(&self, id: &TokenId) -> (Verdict, u64) {
        scan(&self.challenges, id)
    }
}

/// Everything [`find`] does before it branches on the outcome: whether `id` matched
/// a stored id and at which position (0 if none), not branched on.
fn scan(challenges: &[Challenge], id: &TokenId) -> (Verdict, u64) {
    let mut found = FirstMatch::new();
    for (i, challenge) in (0u64..).zip(challenges) {
        found.record(challenge.id.ct_eq(id), i);
    }
    (found.verdict_alone(), found.value_or(0))
}
