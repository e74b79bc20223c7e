//! The browsers that skip the second factor ("don't ask again on this device"):
//! `GET /identity/mfa/devices`, `POST /identity/mfa/devices/forget` and
//! `POST /identity/mfa/devices/forget-all`.
//!
//! Listing and forgetting need only a session: forgetting can only take access
//! away, and the user who suspects a stolen laptop must be able to do it at once.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mfa_core::account::Account;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Empty;
use crate::body::{Body, Limits, at_most};
use crate::device_cookie;
use crate::error::ApiError;
use crate::flow::{self, Actor};
use crate::iso8601;
use crate::session::SignedIn;
use crate::state::AppState;

/// The longest `deviceId` accepted, in bytes (ids are 32 hex digits).
pub const MAX_DEVICE_ID_BYTES: usize = 64;

/// `GET /identity/mfa/devices` (signed in): `{"devices": [{"deviceId", "label",
/// "createdAt", "lastUsedAt", "expiresAt"}]}`, the remembered browsers that still
/// skip the code, oldest first.
///
/// # Errors
/// `unauthorized` (401).
pub async fn list(
    State(state): State<AppState>,
    session: SignedIn,
) -> Result<Json<Value>, ApiError> {
    let account = flow::read(&state, session.user).await?;
    Ok(Json(
        json!({ "devices": listed(&account, state.clock.now()) }),
    ))
}

/// `{"deviceId"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgetRequest {
    /// The `deviceId` from the list.
    pub device_id: String,
}

impl Limits for ForgetRequest {
    fn check(&self) -> Result<(), ApiError> {
        at_most("deviceId", &self.device_id, MAX_DEVICE_ID_BYTES)
    }
}

/// `POST /identity/mfa/devices/forget` (signed in): that browser asks for the
/// second factor again. `{"devices"}`, the list after.
///
/// # Errors
/// `device_not_found` (404) for an id that is not in the list (already forgotten,
/// expired, or never there); nothing changes.
pub async fn forget(
    State(state): State<AppState>,
    session: SignedIn,
    Body(body): Body<ForgetRequest>,
) -> Result<Json<Value>, ApiError> {
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        state.mfa.forget_device(account, &body.device_id, now)
    })
    .await?;
    if !outcome.result? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "device_not_found",
            "No remembered device has that id",
        ));
    }
    let account = flow::read(&state, session.user).await?;
    Ok(Json(
        json!({ "devices": listed(&account, state.clock.now()) }),
    ))
}

/// `POST /identity/mfa/devices/forget-all` (signed in): every browser asks for
/// the second factor again. `{"forgotten": n}`, and this browser's device cookie
/// is cleared.
///
/// # Errors
/// `unauthorized` (401).
pub async fn forget_all(
    State(state): State<AppState>,
    session: SignedIn,
    Body(_): Body<Empty>,
) -> Result<Response, ApiError> {
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        state.mfa.forget_devices(account, now)
    })
    .await?;
    let forgotten = outcome.result?;
    let mut response = Json(json!({ "forgotten": forgotten })).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, device_cookie::clear());
    Ok(response)
}

/// The devices that still skip the code at `now`: one that has expired but not
/// yet been dropped from the record no longer counts, so it is not shown.
fn listed(account: &Account, now: u64) -> Vec<Value> {
    account
        .devices()
        .into_iter()
        .filter(|device| device.expires_at > now)
        .map(|device| {
            json!({
                "deviceId": device.key,
                "label": device.label,
                "createdAt": iso8601::format(device.created_at),
                "lastUsedAt": iso8601::format(device.last_used_at),
                "expiresAt": iso8601::format(device.expires_at),
            })
        })
        .collect()
}
