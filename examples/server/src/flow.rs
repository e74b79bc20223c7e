//! The loop every MFA endpoint runs: load the user's record, let mfa-core operate on
//! it, store it with a compare-and-swap on `version` (its audit events, and the end
//! of the user's other sessions when the change calls for it, in the same
//! transaction), tell the user, and only then answer. When another request stored
//! first, reload and run the operation again on the fresh record: that is how two
//! simultaneous requests with the same code end with exactly one success, on one
//! server or across a fleet.

use std::time::Instant;

use mfa_core::account::Account;
use mfa_core::account::{ChallengeToken, Change, Outcome, StoredAccount, TokenPurpose};

use crate::audit;
use crate::error::ApiError;
use crate::session::SignedIn;
use crate::state::AppState;
use crate::store::{Revoke, Save, SaveError, StoreError, UserId};

/// How many times a request reloads after losing a compare-and-swap before giving
/// up with 503.
const ATTEMPTS: usize = 8;

/// Who asks: a signed-in session (whose session survives the changes that end the
/// others), or a sign-in in progress.
#[derive(Clone, Copy)]
pub enum Actor<'a> {
    /// A sign-in's second step: no session yet.
    SigningIn(UserId),
    /// A signed-in user.
    Session(&'a SignedIn),
}

impl Actor<'_> {
    fn user(self) -> UserId {
        match self {
            Actor::SigningIn(user) => user,
            Actor::Session(session) => session.user,
        }
    }

    fn keeps(self) -> Option<String> {
        match self {
            Actor::SigningIn(_) => None,
            Actor::Session(session) => Some(session.token_hash.clone()),
        }
    }
}

/// Runs `operation` on the actor's record at the server's `now`, persisting
/// whatever it changed (a failure included) before returning its outcome.
///
/// # Errors
/// The database's, a stored record that does not load (500), or 503 after
/// `ATTEMPTS` lost races.
pub async fn run<T>(
    state: &AppState,
    actor: Actor<'_>,
    mut operation: impl for<'a> FnMut(&'a mut Account, u64) -> Change<'a, T>,
) -> Result<Outcome<T>, ApiError> {
    let user = actor.user();
    for _ in 0..ATTEMPTS {
        let now = state.clock.now();
        let stored = state.store.load_state(user).await?;
        let loaded = Instant::now();
        // The record written back is about as long as the one read: one allocation
        // of that size instead of a buffer doubled five times on the way.
        let capacity = stored.as_ref().map_or(0, String::len) + ENCODE_SLACK;
        let mut account = match stored {
            Some(json) => load(user, &json)?,
            None => Account::new(),
        };
        let change = operation(&mut account, now);
        let audit: Vec<_> = change
            .events()
            .iter()
            .map(|event| audit::entry(user, now, event))
            .collect();
        let revoke = if change.events().iter().any(audit::ends_other_sessions) {
            Revoke::AllBut(actor.keeps())
        } else {
            Revoke::Nothing
        };
        let mut library = None;
        let saved = change
            .persist_async(|record, expected| {
                let save = encode(record, capacity)
                    .map_err(|e| SaveError::Store(StoreError::Corrupt(e)))
                    .map(|state| Save {
                        user,
                        expected,
                        version: record.version(),
                        state,
                        challenge_keys: record.challenge_keys().collect(),
                        audit: audit.clone(),
                        revoke,
                    });
                library = Some(loaded.elapsed());
                async move { state.store.save_state(save?).await }
            })
            .await;
        // mfa-core's time: decoding the record, the operation, encoding it again.
        state
            .timings
            .add_library(library.unwrap_or_else(|| loaded.elapsed()));
        match saved {
            Ok(outcome) => {
                for entry in &audit {
                    state.notifier.notify(entry).await;
                }
                return Ok(outcome);
            }
            Err(SaveError::Conflict) => continue,
            Err(SaveError::Store(e)) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The account is being changed by other requests; try again",
    ))
}

/// Room for what an operation may add to a record beyond its stored length (a
/// challenge, a device), so that encoding it takes one allocation.
const ENCODE_SLACK: usize = 512;

/// `record` as the JSON stored, written into a buffer of `capacity` bytes.
fn encode(record: &Account, capacity: usize) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut bytes, record).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// `user`'s record as stored (a new, empty one when there is none yet), for
/// reading only.
///
/// # Errors
/// As [`run`].
pub async fn read(state: &AppState, user: UserId) -> Result<Account, ApiError> {
    match state.store.load_state(user).await? {
        Some(json) => load(user, &json),
        None => Ok(Account::new()),
    }
}

/// `user`'s stored record, loaded strictly: JSON that is not a record is a store
/// error; a record the library never writes is mfa-core's typed `corrupt_record`
/// (or `unsupported_schema`), logged with its reason. Both answer 500.
fn load(user: UserId, json: &str) -> Result<Account, ApiError> {
    let stored: StoredAccount = serde_json::from_str(json)
        .map_err(|e| ApiError::from(StoreError::Corrupt(e.to_string())))?;
    Account::try_from(stored).map_err(|error| {
        tracing::error!(user, code = error.code(), %error, "a stored MFA record does not load");
        ApiError::from(error)
    })
}

/// The token in a request body, and the user whose record holds its challenge.
///
/// # Errors
/// `mfa_token_invalid` (404) for text that is not a token or a challenge no record
/// holds; `mfa_wrong_purpose` (400) for a token of another flow.
pub async fn locate<P: TokenPurpose>(
    state: &AppState,
    text: &str,
) -> Result<(ChallengeToken<P>, UserId), ApiError> {
    let token = ChallengeToken::<P>::parse(text)?;
    let user = state
        .store
        .challenge_owner(&token.lookup_key())
        .await?
        .ok_or(mfa_core::error::Error::ChallengeInvalid)?;
    Ok((token, user))
}
