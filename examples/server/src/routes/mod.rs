//! One file per flow. Each handler parses the body, runs one mfa-core operation
//! through [`flow::run`](crate::flow::run), sends any code only after the record was
//! stored, and answers in the API's JSON shape.

pub mod auth;
pub mod backup_codes;
pub mod devices;
pub mod disable;
pub mod fallback;
pub mod login;
pub mod resend;
pub mod setup;
pub mod status;

use mfa_core::account::{ChallengeToken, Delivery, Method, PendingChallenge, Prompt, TokenPurpose};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::body::{Limits, at_most};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::UserId;
use crate::{iso8601, limits};

/// The longest `mfaToken` accepted, in bytes (tokens are well under 100).
pub const MAX_TOKEN_BYTES: usize = 256;
/// The longest `code` accepted, in bytes (backup codes with separators included).
pub const MAX_CODE_BYTES: usize = 64;
/// The longest method name accepted, in bytes.
pub const MAX_METHOD_BYTES: usize = 32;

/// `{"mfaToken", "code"}`: the body of every verify endpoint.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenAndCode {
    /// The challenge token from the step before.
    pub mfa_token: String,
    /// What the user typed.
    pub code: String,
}

impl Limits for TokenAndCode {
    fn check(&self) -> Result<(), ApiError> {
        at_most("mfaToken", &self.mfa_token, MAX_TOKEN_BYTES)?;
        at_most("code", &self.code, MAX_CODE_BYTES)
    }
}

/// `{"mfaToken"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenOnly {
    /// The challenge token.
    pub mfa_token: String,
}

impl Limits for TokenOnly {
    fn check(&self) -> Result<(), ApiError> {
        at_most("mfaToken", &self.mfa_token, MAX_TOKEN_BYTES)
    }
}

/// `{}`: an endpoint whose body carries nothing (any JSON object is accepted).
#[derive(Deserialize)]
pub struct Empty {}

impl Limits for Empty {
    fn check(&self) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The method names, for `mfaMethods`.
pub(crate) fn names(methods: &[Method]) -> Vec<&'static str> {
    methods.iter().map(|m| m.name()).collect()
}

/// A pending challenge as the API shows it: token, method, alternatives, masked
/// destination, expiry; and, when its email/SMS code was not sent, why
/// (`deliveryWithheld`, see [`with_withheld`]).
pub(crate) fn pending(token: &str, prompt: &Prompt) -> Value {
    let mut answer = json!({
        "mfaToken": token,
        "method": prompt.method().name(),
        "methods": names(prompt.methods()),
        "hint": prompt.hint(),
        "expiresAt": iso8601::format(prompt.expires_at()),
        "backupCodesAccepted": prompt.backup_codes_accepted(),
    });
    with_withheld(&mut answer, prompt);
    answer
}

/// Adds `"deliveryWithheld": {"reason", "retryAt"}` to a prompt's JSON when the
/// challenge began without sending its email/SMS code: `reason` is `throttled` (a
/// delay after wrong codes runs) or `send_limit` (the hourly budget of codes is
/// spent), `retryAt` when a resend can send it (ISO 8601, as in a 429's `retryAt`).
/// The challenge is live: the client tells the user and offers the other methods
/// and backup codes, or a resend at `retryAt`.
pub(crate) fn with_withheld(answer: &mut Value, prompt: &Prompt) {
    if let (Some(withheld), Some(map)) = (prompt.withheld(), answer.as_object_mut()) {
        map.insert(
            "deliveryWithheld".to_owned(),
            json!({ "reason": withheld.code(), "retryAt": iso8601::format(withheld.retry_at()) }),
        );
    }
}

/// Answers a challenge just opened on the default method (disable, regenerate,
/// sign-in): sends its code, if any, then shows the prompt with its token.
///
/// # Errors
/// The sender's failure.
pub(crate) async fn challenge_opened<P: TokenPurpose>(
    state: &AppState,
    user: UserId,
    mut opened: PendingChallenge<P>,
) -> Result<Value, ApiError> {
    send(state, user, opened.prompt.take_delivery()).await?;
    Ok(pending(
        opened.token.to_text().expose_secret(),
        &opened.prompt,
    ))
}

/// Sends a code, if there is one, within the destination's limit. Call only after
/// the record was stored.
///
/// # Errors
/// `too_many_codes_sent` (429) when the destination's limit is spent (the
/// challenge stays live: resend later, or use another method); 500 for the
/// sender's failure.
pub(crate) async fn send(
    state: &AppState,
    user: UserId,
    delivery: Option<Delivery>,
) -> Result<(), ApiError> {
    if let Some(delivery) = delivery {
        let now = state.clock.now();
        limits::count_send(state, &delivery, now).await?;
        state.sender.send(user, &delivery, now).await.map_err(|e| {
            tracing::error!(user, channel = delivery.channel().name(), error = %e.0, "sending a code failed");
            ApiError::internal()
        })?;
    }
    Ok(())
}

/// The token of a challenge that belongs to the signed-in user; another user's is
/// refused as if it did not exist.
///
/// # Errors
/// As [`flow::locate`](crate::flow::locate); `mfa_token_invalid` (404) for another
/// user's challenge.
pub(crate) async fn own_challenge<P: TokenPurpose>(
    state: &AppState,
    text: &str,
    signed_in: UserId,
) -> Result<ChallengeToken<P>, ApiError> {
    let (token, owner) = crate::flow::locate::<P>(state, text).await?;
    if owner == signed_in {
        Ok(token)
    } else {
        Err(mfa_core::error::Error::ChallengeInvalid.into())
    }
}
