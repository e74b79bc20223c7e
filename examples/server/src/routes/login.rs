//! The second step of a sign-in: `POST /identity/mfa/login/switch` and
//! `POST /identity/mfa/login/verify`. No session yet: the `mfaToken` from
//! `/api/auth/login` is what identifies the attempt.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use mfa_core::account::{Login, Method, VerifiedWith};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{MAX_CODE_BYTES, MAX_METHOD_BYTES, MAX_TOKEN_BYTES};
use crate::body::{Body, Limits, at_most};
use crate::device_cookie;
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

/// `{"mfaToken", "code", "rememberDevice"?}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyRequest {
    /// The login token.
    pub mfa_token: String,
    /// What the user typed.
    pub code: String,
    /// "Don't ask again on this device": on success, set the device cookie.
    #[serde(default)]
    pub remember_device: bool,
}

impl Limits for VerifyRequest {
    fn check(&self) -> Result<(), ApiError> {
        at_most("mfaToken", &self.mfa_token, MAX_TOKEN_BYTES)?;
        at_most("code", &self.code, MAX_CODE_BYTES)
    }
}

/// `POST /identity/mfa/login/verify`: checks the code (or a backup code) and signs
/// in: `{"token", "method"}` or, with a backup code, `{"token",
/// "backupCodesRemaining"}`. With `"rememberDevice": true` a success also sets the
/// `mfa_device` cookie (`Secure; HttpOnly; SameSite=Strict`): the next sign-ins from
/// this browser skip the code until it expires or a factor changes.
///
/// # Errors
/// `invalid_code`, `code_reused` and `backup_code_used` (401); `too_many_attempts`
/// (429, wait for `retryAt`); `mfa_locked` (423); `mfa_token_invalid` (404);
/// `attempts_exhausted` (sign in again), `no_code_sent` (resend, switch or use a
/// backup code), `mfa_token_expired`, `mfa_token_consumed`, `mfa_wrong_purpose`,
/// `malformed_code` (400).
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body<VerifyRequest>,
) -> Result<Response, ApiError> {
    let (token, user) = flow::locate::<Login>(&state, &body.mfa_token).await?;
    let (with, cookie) = if body.remember_device {
        let label = device_cookie::label(&headers);
        let outcome = flow::run(&state, Actor::SigningIn(user), |account, now| {
            let rng = &mut rand::rng();
            let mfa = &state.mfa;
            mfa.verify_login_remembering(account, &token, &body.code, &label, rng, now)
        })
        .await?;
        let remembered = outcome.result.map_err(ApiError::at_login)?;
        let max_age = state.mfa.policy().remember_for();
        let cookie = device_cookie::set(&remembered.device, max_age);
        (remembered.with, cookie)
    } else {
        let outcome = flow::run(&state, Actor::SigningIn(user), |account, now| {
            state.mfa.verify_login(account, &token, &body.code, now)
        })
        .await?;
        (outcome.result.map_err(ApiError::at_login)?.with, None)
    };
    let with_name = match with {
        VerifiedWith::Method(method) => method.name(),
        VerifiedWith::BackupCode { .. } => "backup_code",
        _ => "second_factor",
    };
    let session = crate::session::open(&state, user, with_name).await?;
    let mut answer = json!({ "status": "signed_in", "token": session, "method": with_name });
    if let (VerifiedWith::BackupCode { remaining }, Some(map)) = (with, answer.as_object_mut()) {
        map.insert("backupCodesRemaining".to_owned(), json!(remaining));
    }
    let mut response = Json(answer).into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}
