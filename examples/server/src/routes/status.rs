//! What the user's second factor looks like, and which method sign-in asks for
//! first: `GET /identity/mfa/status` and `POST /identity/mfa/default-method`.

use axum::Json;
use axum::extract::State;
use mfa_core::account::{LockState, Method};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{MAX_METHOD_BYTES, names};
use crate::body::{Body, Limits, at_most};
use crate::error::ApiError;
use crate::flow::{self, Actor};
use crate::iso8601;
use crate::session::SignedIn;
use crate::state::AppState;

/// `GET /identity/mfa/status` (signed in): `{"mfaEnabled", "mfaMethods",
/// "methods": [{"method", "enabledAt"}], "defaultMethod", "backupCodesRemaining",
/// "lock": {"state", "until"?}}`. `defaultMethod` and `backupCodesRemaining` are
/// `null` while MFA is off; `lock.state` is `open`, `delayed`, `locked_out` (both
/// with `until`) or `hard_locked` (until support restores the account).
///
/// # Errors
/// `unauthorized` (401).
pub async fn status(
    State(state): State<AppState>,
    session: SignedIn,
) -> Result<Json<Value>, ApiError> {
    let account = flow::read(&state, session.user).await?;
    let methods = account.methods();
    let detailed: Vec<Value> = methods
        .iter()
        .map(|&method| {
            json!({
                "method": method.name(),
                "enabledAt": account.enabled_at(method).map(iso8601::format),
            })
        })
        .collect();
    let lock = match state.mfa.lock_state(&account, state.clock.now()) {
        LockState::Delayed { until } => {
            json!({ "state": "delayed", "until": iso8601::format(until) })
        }
        LockState::LockedOut { until } => {
            json!({ "state": "locked_out", "until": iso8601::format(until) })
        }
        LockState::HardLocked => json!({ "state": "hard_locked" }),
        _ => json!({ "state": "open" }),
    };
    Ok(Json(json!({
        "mfaEnabled": account.mfa_enabled(),
        "mfaMethods": names(&methods),
        "methods": detailed,
        "defaultMethod": account.default_method().map(Method::name),
        "backupCodesRemaining": account.backup_codes_remaining(),
        "lock": lock,
    })))
}

/// `{"method": "authenticator" | "email" | "sms"}`.
#[derive(Deserialize)]
pub struct DefaultMethodRequest {
    /// The enabled method sign-in should ask for first.
    pub method: String,
}

impl Limits for DefaultMethodRequest {
    fn check(&self) -> Result<(), ApiError> {
        at_most("method", &self.method, MAX_METHOD_BYTES)
    }
}

/// `POST /identity/mfa/default-method` (signed in): sets the method sign-in asks
/// for first. `{"defaultMethod", "mfaMethods"}`.
///
/// # Errors
/// `invalid_mfa_method`, `mfa_method_not_enabled`, `mfa_not_enabled` (400).
pub async fn set_default_method(
    State(state): State<AppState>,
    session: SignedIn,
    Body(body): Body<DefaultMethodRequest>,
) -> Result<Json<Value>, ApiError> {
    let method = Method::parse(&body.method)?;
    let mut methods = Vec::new();
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        methods = account.methods();
        state.mfa.set_default_method(account, method, now)
    })
    .await?;
    outcome.result?;
    Ok(Json(json!({
        "defaultMethod": method.name(),
        "mfaMethods": names(&methods),
    })))
}
