//! The second step of a sign-in: `POST /identity/mfa/login/switch` and
//! `POST /identity/mfa/login/verify`. No session yet: the `mfaToken` from
//! `/api/auth/login` is what identifies the attempt.

use axum::Json;
use axum::extract::State;
use mfa_core::account::{Login, Method, VerifiedWith};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{MAX_METHOD_BYTES, MAX_TOKEN_BYTES, TokenAndCode};
use crate::body::{Body, Limits, at_most};
use crate::error::ApiError;
use crate::flow::{self, Actor};
use crate::state::AppState;

/// `{"mfaToken", "method"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchRequest {
    /// The login token.
    pub mfa_token: String,
    /// The method to answer with instead.
    pub method: String,
}

impl Limits for SwitchRequest {
    fn check(&self) -> Result<(), ApiError> {
        at_most("mfaToken", &self.mfa_token, MAX_TOKEN_BYTES)?;
        at_most("method", &self.method, MAX_METHOD_BYTES)
    }
}

/// `POST /identity/mfa/login/switch`: asks for another enabled method's code (and
/// sends it, for email and SMS). Failures are not reset by switching.
///
/// # Errors
/// `invalid_mfa_method`, `mfa_method_not_enabled`, `authenticator_not_configured`,
/// `mfa_token_invalid` (404), `mfa_token_expired`; to email or SMS,
/// `too_many_attempts` and `too_many_codes_sent` (429), `mfa_locked` (423).
pub async fn switch(
    State(state): State<AppState>,
    Body(body): Body<SwitchRequest>,
) -> Result<Json<Value>, ApiError> {
    let method = Method::parse(&body.method)?;
    let (token, user) = flow::locate::<Login>(&state, &body.mfa_token).await?;
    let outcome = flow::run(&state, Actor::SigningIn(user), |account, now| {
        state
            .mfa
            .switch_method(account, &token, method, &mut rand::rng(), now)
    })
    .await?;
    let mut prompt = outcome.result?;
    super::send(&state, user, prompt.take_delivery()).await?;
    Ok(Json(super::pending(&body.mfa_token, &prompt)))
}

/// `POST /identity/mfa/login/verify`: checks the code (or a backup code) and signs
/// in: `{"token", "method"}` or, with a backup code, `{"token",
/// "backupCodesRemaining"}`.
///
/// # Errors
/// `invalid_code`, `code_reused` and `backup_code_used` (401); `too_many_attempts`
/// (429, wait for `retryAt`); `mfa_locked` (423); `mfa_token_invalid` (404);
/// `attempts_exhausted` (sign in again), `no_code_sent` (resend, switch or use a
/// backup code), `mfa_token_expired`, `mfa_token_consumed`, `mfa_wrong_purpose`,
/// `malformed_code` (400).
pub async fn verify(
    State(state): State<AppState>,
    Body(body): Body<TokenAndCode>,
) -> Result<Json<Value>, ApiError> {
    let (token, user) = flow::locate::<Login>(&state, &body.mfa_token).await?;
    let outcome = flow::run(&state, Actor::SigningIn(user), |account, now| {
        state.mfa.verify_login(account, &token, &body.code, now)
    })
    .await?;
    let verified = outcome.result.map_err(ApiError::at_login)?;
    let with = match verified.with {
        VerifiedWith::Method(method) => method.name(),
        VerifiedWith::BackupCode { .. } => "backup_code",
        _ => "second_factor",
    };
    let session = crate::session::open(&state, user, with).await?;
    let mut answer = json!({ "status": "signed_in", "token": session, "method": with });
    if let (VerifiedWith::BackupCode { remaining }, Some(map)) =
        (verified.with, answer.as_object_mut())
    {
        map.insert("backupCodesRemaining".to_owned(), json!(remaining));
    }
    Ok(Json(answer))
}
