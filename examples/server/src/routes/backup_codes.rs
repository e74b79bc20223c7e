//! Replacing the backup codes behind a code of the default method:
//! `POST /identity/mfa/backup-codes/regenerate` and `…/regenerate/verify`.

use axum::Json;
use axum::extract::State;
use mfa_core::account::Regenerate;
use serde_json::{Value, json};

use super::{Empty, TokenAndCode, own_challenge};
use crate::body::Body;
use crate::error::ApiError;
use crate::flow::{self, Actor};
use crate::session::SignedIn;
use crate::state::AppState;

/// `POST /identity/mfa/backup-codes/regenerate` (signed in): asks for a code of the
/// default method (with `deliveryWithheld` when its email/SMS code was not sent).
///
/// # Errors
/// `mfa_not_enabled` (400), `too_many_attempts` (429), `mfa_locked` (423).
pub async fn begin(
    State(state): State<AppState>,
    session: SignedIn,
    Body(_): Body<Empty>,
) -> Result<Json<Value>, ApiError> {
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        state.mfa.begin_regenerate(account, &mut rand::rng(), now)
    })
    .await?;
    Ok(Json(
        super::challenge_opened(&state, session.user, outcome.result?).await?,
    ))
}

/// `POST /identity/mfa/backup-codes/regenerate/verify` (signed in): `{"backup_codes"}`,
/// shown once; every old code stops working, and so do the user's other sessions.
///
/// # Errors
/// As a sign-in's verify, with 400 for a wrong code.
pub async fn verify(
    State(state): State<AppState>,
    session: SignedIn,
    Body(body): Body<TokenAndCode>,
) -> Result<Json<Value>, ApiError> {
    let token = own_challenge::<Regenerate>(&state, &body.mfa_token, session.user).await?;
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        state
            .mfa
            .verify_regenerate(account, &token, &body.code, &mut rand::rng(), now)
    })
    .await?;
    let codes = outcome.result?;
    let codes: Vec<&str> = codes.expose_secret().collect();
    Ok(Json(json!({ "backup_codes": codes })))
}
