//! One file per flow. Each handler parses the body, runs one mfa-core operation
//! through [`flow::run`](crate::flow::run), sends any code only after the record was
//! stored, and answers in the seeds' JSON shape.

pub mod auth;
pub mod backup_codes;
pub mod disable;
pub mod login;
pub mod resend;
pub mod setup;

use mfa_core::account::{ChallengeToken, Delivery, Method, PendingChallenge, Prompt, TokenPurpose};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::iso8601;
use crate::state::AppState;
use crate::store::UserId;

/// `{"mfaToken", "code"}`: the body of every verify endpoint.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenAndCode {
    /// The challenge token from the step before.
    pub mfa_token: String,
    /// What the user typed.
    pub code: String,
}

/// `{"mfaToken"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenOnly {
    /// The challenge token.
    pub mfa_token: String,
}

/// The method names, for `mfaMethods`.
pub(crate) fn names(methods: &[Method]) -> Vec<&'static str> {
    methods.iter().map(|m| m.name()).collect()
}

/// A pending challenge as the seeds show it: token, method, alternatives, masked
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
/// spent), `retryAt` the Unix time a resend can send it (as in a 429's `retryAt`).
/// The challenge is live: the client tells the user and offers the other methods
/// and backup codes, or a resend at `retryAt`.
pub(crate) fn with_withheld(answer: &mut Value, prompt: &Prompt) {
    if let (Some(withheld), Some(map)) = (prompt.withheld(), answer.as_object_mut()) {
        map.insert(
            "deliveryWithheld".to_owned(),
            json!({ "reason": withheld.code(), "retryAt": withheld.retry_at() }),
        );
    }
}

/// Answers a challenge just opened on the default method (disable, regenerate,
/// sign-in): sends its code, if any, then shows the prompt with its token.
///
/// # Errors
/// The sender's failure.
pub(crate) fn challenge_opened<P: TokenPurpose>(
    state: &AppState,
    user: UserId,
    mut opened: PendingChallenge<P>,
) -> Result<Value, ApiError> {
    send(state, user, opened.prompt.take_delivery())?;
    Ok(pending(
        opened.token.to_text().expose_secret(),
        &opened.prompt,
    ))
}

/// Sends a code, if there is one. Call only after the record was stored.
///
/// # Errors
/// The sender's failure.
pub(crate) fn send(
    state: &AppState,
    user: UserId,
    delivery: Option<Delivery>,
) -> Result<(), ApiError> {
    if let Some(delivery) = delivery {
        state.sender.send(user, &delivery, state.clock.now())?;
    }
    Ok(())
}

/// The token of a challenge that belongs to the signed-in user; another user's is
/// refused as if it did not exist.
///
/// # Errors
/// As [`flow::locate`](crate::flow::locate); `mfa_token_invalid` (404) for another
/// user's challenge.
pub(crate) fn own_challenge<P: TokenPurpose>(
    state: &AppState,
    text: &str,
    signed_in: UserId,
) -> Result<ChallengeToken<P>, ApiError> {
    let (token, owner) = crate::flow::locate::<P>(state, text)?;
    if owner == signed_in {
        Ok(token)
    } else {
        Err(mfa_core::Error::ChallengeInvalid.into())
    }
}
