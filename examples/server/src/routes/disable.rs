//! Turning MFA off: `POST /identity/mfa/disable` opens a challenge on the default
//! method, `POST /identity/mfa/disable/verify` answers it. Turning off the last
//! method wipes every secret and the backup codes.

use axum::Json;
use axum::extract::State;
use mfa_core::account::{Disable, DisableScope, Method};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{MAX_METHOD_BYTES, TokenAndCode, names, own_challenge};
use crate::body::{Body, Limits, at_most_opt};
use crate::error::ApiError;
use crate::flow::{self, Actor};
use crate::session::SignedIn;
use crate::state::AppState;

/// `{"method"?: "authenticator" | "email" | "sms" | "all"}` (default `all`).
#[derive(Deserialize)]
pub struct DisableRequest {
    /// What to turn off.
    pub method: Option<String>,
}

impl Limits for DisableRequest {
    fn check(&self) -> Result<(), ApiError> {
        at_most_opt("method", self.method.as_deref(), MAX_METHOD_BYTES)
    }
}

/// `POST /identity/mfa/disable` (signed in): asks for a code of the default method
/// (with `deliveryWithheld` when its email/SMS code was not sent).
///
/// # Errors
/// `mfa_not_enabled`, `mfa_method_not_enabled`, `invalid_mfa_method` (400),
/// `too_many_attempts` (429), `mfa_locked` (423).
pub async fn begin(
    State(state): State<AppState>,
    session: SignedIn,
    Body(body): Body<DisableRequest>,
) -> Result<Json<Value>, ApiError> {
    let scope = match body.method.as_deref() {
        None | Some("all") => DisableScope::Everything,
        Some(name) => DisableScope::Method(Method::parse(name)?),
    };
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        state
            .mfa
            .begin_disable(account, scope, &mut rand::rng(), now)
    })
    .await?;
    Ok(Json(
        super::challenge_opened(&state, session.user, outcome.result?).await?,
    ))
}

/// `POST /identity/mfa/disable/verify` (signed in): `{"message", "disabled",
/// "mfaMethods"}`. The user's other sessions end.
///
/// # Errors
/// As a sign-in's verify, with 400 for a wrong code.
pub async fn verify(
    State(state): State<AppState>,
    session: SignedIn,
    Body(body): Body<TokenAndCode>,
) -> Result<Json<Value>, ApiError> {
    let token = own_challenge::<Disable>(&state, &body.mfa_token, session.user).await?;
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        state.mfa.verify_disable(account, &token, &body.code, now)
    })
    .await?;
    let disabled = outcome.result?;
    Ok(Json(json!({
        "message": if disabled.methods.is_empty() {
            "MFA is off"
        } else {
            "MFA method disabled"
        },
        "disabled": names(&disabled.disabled),
        "mfaMethods": names(&disabled.methods),
    })))
}
