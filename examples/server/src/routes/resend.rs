//! `POST /identity/mfa/resend`: a new email/SMS code for any live challenge.

use axum::Json;
use axum::extract::State;
use mfa_core::account::{ChallengeToken, Disable, Login, Purpose, Regenerate, Setup, TokenPurpose};
use mfa_core::error::Error;
use serde_json::{Value, json};

use super::TokenOnly;
use crate::body::Body;
use crate::error::ApiError;
use crate::flow::{self, Actor};
use crate::iso8601;
use crate::state::AppState;

/// `{"mfaToken"}` of a login, setup, disable or regeneration challenge: sends a new
/// code and answers `{"message", "hint", "expiresAt"}`.
///
/// # Errors
/// `resend_only_for_oob` (400) for an authenticator challenge; `resend_cooldown`,
/// `too_many_codes_sent`, `too_many_attempts` (429, wait for `retryAt`);
/// `max_resend_limit`, `attempts_exhausted` (400: start a new challenge);
/// `mfa_locked` (423); `mfa_token_invalid` (404).
pub async fn resend(
    State(state): State<AppState>,
    Body(body): Body<TokenOnly>,
) -> Result<Json<Value>, ApiError> {
    // The token's prefix says which flow it belongs to.
    match ChallengeToken::<Login>::parse(&body.mfa_token) {
        Err(Error::WrongPurpose { found, .. }) => match found {
            Purpose::Setup => resend_as::<Setup>(&state, &body.mfa_token).await,
            Purpose::Disable => resend_as::<Disable>(&state, &body.mfa_token).await,
            _ => resend_as::<Regenerate>(&state, &body.mfa_token).await,
        },
        _ => resend_as::<Login>(&state, &body.mfa_token).await,
    }
}

async fn resend_as<P: TokenPurpose>(state: &AppState, text: &str) -> Result<Json<Value>, ApiError> {
    let (token, user) = flow::locate::<P>(state, text).await?;
    // A resend needs no session (a sign-in has none yet); the token is the proof.
    let outcome = flow::run(state, Actor::SigningIn(user), |account, now| {
        state.mfa.resend(account, &token, &mut rand::rng(), now)
    })
    .await?;
    let delivery = outcome.result?;
    let (hint, expires_at) = (delivery.hint(), delivery.expires_at());
    super::send(state, user, Some(delivery)).await?;
    Ok(Json(json!({
        "message": "A new code was sent",
        "hint": hint,
        "expiresAt": iso8601::format(expires_at),
    })))
}
