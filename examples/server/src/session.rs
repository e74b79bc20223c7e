//! Sessions after a complete sign-in: a random bearer token, stored as its SHA-256
//! hash so a leaked table holds no usable token.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::Rng as _;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::UserId;

/// A signed-in user, from `Authorization: Bearer <token>`.
#[derive(Clone, Copy, Debug)]
pub struct SignedIn(pub UserId);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            // The scheme name is case-insensitive (RFC 9110 §11.1).
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token)
            .ok_or_else(ApiError::unauthorized)?;
        state
            .store
            .session_user(&hash(token))?
            .map(SignedIn)
            .ok_or_else(ApiError::unauthorized)
    }
}

/// Opens a session for `user` and returns its token.
///
/// # Errors
/// The database's.
pub fn open(state: &AppState, user: UserId) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    state
        .store
        .create_session(&hash(&token), user, state.clock.now())?;
    Ok(token)
}

fn hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
