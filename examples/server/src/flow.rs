//! The loop every MFA endpoint runs: load the user's record, let mfa-core operate on
//! it, store it with a compare-and-swap on `version`, and only then answer. When
//! another request stored first, reload and run the operation again on the fresh
//! record: that is how two simultaneous requests with the same code end with exactly
//! one success.

use std::time::Instant;

use mfa_core::Account;
use mfa_core::account::{ChallengeToken, Change, Outcome, StoredAccount, TokenPurpose};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{SaveError, StoreError, UserId};

/// How many times a request reloads after losing a compare-and-swap before giving
/// up with 503.
const ATTEMPTS: usize = 8;

/// Runs `operation` on `user`'s record at the server's `now`, persisting whatever it
/// changed (a failure included) before returning its outcome.
///
/// # Errors
/// The database's, a stored record that does not load (500), or 503 after
/// `ATTEMPTS` lost races.
pub fn run<T>(
    state: &AppState,
    user: UserId,
    mut operation: impl for<'a> FnMut(&'a mut Account, u64) -> Change<'a, T>,
) -> Result<Outcome<T>, ApiError> {
    for _ in 0..ATTEMPTS {
        let now = state.clock.now();
        let stored = state.store.load_state(user)?;
        let loaded = Instant::now();
        let mut account = match stored {
            Some(json) => load(user, &json)?,
            None => Account::new(),
        };
        let change = operation(&mut account, now);
        let mut sql = None;
        let saved = change.persist(|record, expected| {
            let json = serde_json::to_string(record)
                .map_err(|e| SaveError::Store(StoreError::Corrupt(e.to_string())))?;
            let keys: Vec<String> = record.challenge_keys().collect();
            sql = Some(Instant::now());
            state
                .store
                .save_state(user, expected, record.version(), &json, &keys)
        });
        // mfa-core's time: decoding the record, the operation, encoding it again.
        state
            .timings
            .add_library(sql.map_or_else(|| loaded.elapsed(), |started| started - loaded));
        match saved {
            Ok(outcome) => return Ok(outcome),
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

/// `user`'s stored record, loaded strictly: JSON that is not a record is a store
/// error; a record the library never writes is mfa-core's typed `corrupt_record`
/// (or `unsupported_schema`), logged with its reason. Both answer 500.
fn load(user: UserId, json: &str) -> Result<Account, ApiError> {
    let stored: StoredAccount = serde_json::from_str(json)
        .map_err(|e| ApiError::from(StoreError::Corrupt(e.to_string())))?;
    Account::try_from(stored).map_err(|error| {
        eprintln!(
            "mfa-server: the record of user {user:?} does not load: {error} ({})",
            error.code()
        );
        ApiError::from(error)
    })
}

/// The token in a request body, and the user whose record holds its challenge.
///
/// # Errors
/// `mfa_token_invalid` (404) for text that is not a token or a challenge no record
/// holds; `mfa_wrong_purpose` (400) for a token of another flow.
pub fn locate<P: TokenPurpose>(
    state: &AppState,
    text: &str,
) -> Result<(ChallengeToken<P>, UserId), ApiError> {
    let token = ChallengeToken::<P>::parse(text)?;
    let user = state
        .store
        .challenge_owner(&token.lookup_key())?
        .ok_or(mfa_core::Error::ChallengeInvalid)?;
    Ok((token, user))
}
