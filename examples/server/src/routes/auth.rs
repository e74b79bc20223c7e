//! The first factor (a stub) and the start of the second: `POST /api/auth/register`
//! and `POST /api/auth/login`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mfa_core::account::LoginStart;
use rand::Rng as _;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::body::Body;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{flow, password, session};

/// `{"username", "password"}`.
#[derive(Deserialize)]
pub struct Credentials {
    /// The name to sign in with.
    pub username: String,
    /// The password (stub: salted SHA-256).
    pub password: String,
}

/// `POST /api/auth/register`: creates a user. 201 `{"userId"}`, 409 when the name is
/// taken.
///
/// # Errors
/// 400 for an empty name or password, 409 for a taken name.
pub async fn register(
    State(state): State<AppState>,
    Body(body): Body<Credentials>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if body.username.trim().is_empty() || body.password.is_empty() {
        return Err(ApiError::bad_request("username and password are required"));
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let hash = password::hash(&salt, &body.password);
    match state
        .store
        .create_user(body.username.trim(), &salt, &hash)?
    {
        Some(id) => Ok((StatusCode::CREATED, Json(json!({ "userId": id })))),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "username_taken",
            "That username is taken",
        )),
    }
}

/// `POST /api/auth/login`: checks the password, then either signs in (`{"token"}`)
/// or answers the pending second factor (`{"status": "pending_mfa", "mfaToken",
/// "method", "methods", "hint", "expiresAt"}`), sending an email/SMS code first
/// when that is the default method, or saying why it was not sent
/// (`deliveryWithheld`).
///
/// # Errors
/// 401 `invalid_credentials`; `too_many_attempts` (429) during a lockout;
/// `mfa_locked` (423) when the second factor is hard-locked.
pub async fn login(
    State(state): State<AppState>,
    Body(body): Body<Credentials>,
) -> Result<Json<Value>, ApiError> {
    let refused = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Wrong username or password",
        )
    };
    let found = state
        .store
        .credentials(body.username.trim())?
        .ok_or_else(refused)?;
    if !password::matches(&found.salt, &found.password_hash, &body.password) {
        return Err(refused());
    }
    let user = found.user;
    let outcome = flow::run(&state, user, |account, now| {
        state.mfa.begin_login(account, &mut rand::rng(), now)
    })?;
    match outcome.result? {
        LoginStart::NotRequired => Ok(Json(json!({
            "status": "signed_in",
            "token": session::open(&state, user)?,
        }))),
        LoginStart::Required(login) => {
            let mut body = super::challenge_opened(&state, user, login)?;
            if let Some(map) = body.as_object_mut() {
                map.insert("status".to_owned(), json!("pending_mfa"));
            }
            Ok(Json(body))
        }
    }
}
