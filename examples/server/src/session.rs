//! Sessions after a complete sign-in: a random bearer token, stored only as its
//! SHA-256, so a leaked table holds no usable token.
//!
//! A session ends:
//! - after [`Sessions::idle`] without a request (default 30 minutes), or
//!   [`Sessions::lifetime`] after it began (default 12 hours), whichever is first;
//! - at `POST /api/auth/logout`;
//! - when the account's protection changes (a method enabled or disabled, MFA reset,
//!   backup codes regenerated): every session of the user but the one that made the
//!   change ends, in the same transaction as the change. So a session taken before
//!   MFA was enabled (a stolen one, say) stops working the moment it is.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use rand::Rng as _;
use sha2::{Digest, Sha256};

use serde_json::json;

use crate::audit::server_entry;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::UserId;

/// How long sessions live, seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sessions {
    /// Without a request for this long, a session ends.
    pub idle: u64,
    /// This long after it began, a session ends, used or not.
    pub lifetime: u64,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            idle: 30 * 60,
            lifetime: 12 * 60 * 60,
        }
    }
}

/// `last_seen_at` is written at most this often (seconds): idle expiry needs no
/// finer clock, and a write per request would be wasted.
const TOUCH_EVERY: u64 = 60;

/// A signed-in user, from `Authorization: Bearer <token>`.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The user.
    pub user: UserId,
    /// The session's token hash: the session a change keeps when it ends the others.
    pub token_hash: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let token_hash = hash(token);
        let session = state
            .store
            .session(&token_hash)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let now = state.clock.now();
        let limits = state.sessions;
        if now >= session.created_at.saturating_add(limits.lifetime)
            || now >= session.last_seen_at.saturating_add(limits.idle)
        {
            state.store.delete_session(&token_hash).await?;
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "The session has ended; sign in again",
            ));
        }
        if now >= session.last_seen_at.saturating_add(TOUCH_EVERY) {
            state.store.touch_session(&token_hash, now).await?;
        }
        Ok(SignedIn {
            user: session.user,
            token_hash,
        })
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        // The scheme name is case-insensitive (RFC 9110 §11.1).
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty() && token.len() <= 128)
}

/// Opens a session for `user`, signed in `with` (`password`, `authenticator`,
/// `backup_code`, …), recording `signed_in` in the audit trail in the same
/// transaction; returns its token.
///
/// # Errors
/// The database's.
pub async fn open(state: &AppState, user: UserId, with: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let now = state.clock.now();
    let signed_in = server_entry(user, now, "signed_in", json!({ "with": with }));
    state
        .store
        .create_session(&hash(&token), user, now, &[signed_in])
        .await?;
    Ok(token)
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
