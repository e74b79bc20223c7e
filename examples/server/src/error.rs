//! Error bodies in the API's shape, `{"error", "message", "code", "details"}`, with
//! the HTTP status for each of mfa-core's errors. `details` carries mfa-core's stable
//! machine code (`invalid_code`, `mfa_token_expired`, …).
//!
//! The statuses follow one rule: **429 only where waiting helps**, and every 429
//! says when: `retryAt` in the body (ISO 8601) and a `Retry-After` header (the
//! seconds from the server's clock until then, at least 1; set by [`retry_after`],
//! the layer [`router`](crate::router) wraps every endpoint in).
//!
//! | `details` | status | what the client does |
//! |---|---|---|
//! | `too_many_attempts` | 429 | a delay or lockout runs: wait until `retryAt` |
//! | `too_many_codes_sent` | 429 | the hourly budget of email/SMS codes is spent: wait, or use another method or a backup code |
//! | `resend_cooldown` | 429 | a resend came too soon: resend at `retryAt` |
//! | `attempts_exhausted` | 400 | this challenge used its attempts: start a new one |
//! | `max_resend_limit` | 400 | no more resends for this challenge: start a new one |
//! | `no_code_sent` | 400 | the code was withheld: resend, switch method, or use a backup code |
//! | `mfa_locked` | 423 | the second factor is hard-locked until support restores it |
//! | `step_up_complete` | 409 | the step-up is done: go on to `/identity/mfa/setup/verify` |
//! | `mfa_already_enabled` | 409 | |
//! | `step_up_required` | 403 | |
//! | `mfa_token_invalid` | 404 | |
//! | `invalid_code`, `code_reused`, `backup_code_used` | 401 at sign-in, 400 elsewhere | |
//! | any other user error | 400 | |
//! | a caller bug or bad stored data | 500 | |

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mfa_core::error::Error;
use serde_json::json;

use crate::iso8601;
use crate::state::AppState;
use crate::store::StoreError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_at: Option<u64>,
}

/// When a throttled request may be retried, Unix seconds: carried from an
/// [`ApiError`] to the [`retry_after`] layer in the response's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAt(pub u64);

impl ApiError {
    /// An error with an explicit status and machine code.
    #[must_use]
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_at: None,
        }
    }

    /// 401: no valid session (setup, disable and regeneration need one).
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required. Please provide a valid session token",
        )
    }

    /// 500, with nothing about the cause (which goes to the log).
    #[must_use]
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side",
        )
    }

    /// 429 with `retry_at`: a limit of this server's own (password attempts,
    /// codes per destination), answered like mfa-core's.
    #[must_use]
    pub fn throttled(code: &'static str, message: &str, retry_at: u64) -> Self {
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code,
            message: format!("{message}; try again at {}", iso8601::format(retry_at)),
            retry_at: Some(retry_at),
        }
    }

    /// 400 for a body that lacks what the endpoint needs.
    #[must_use]
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// An mfa-core error on a sign-in, where a wrong code is 401 rather than 400.
    #[must_use]
    pub fn at_login(error: Error) -> Self {
        let mut api = Self::from(error);
        if matches!(
            error,
            Error::InvalidCode | Error::CodeReused { .. } | Error::BackupCodeUsed
        ) {
            api.status = StatusCode::UNAUTHORIZED;
        }
        api
    }

    /// The HTTP status.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine code (`details`).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        self.code
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// When the request may be retried, Unix seconds: set on every 429.
    #[must_use]
    pub const fn retry_at(&self) -> Option<u64> {
        self.retry_at
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let (status, retry_at) = status_for(&error);
        let message = match (retry_at, status) {
            (Some(at), _) => waiting_message(&error, at),
            (None, StatusCode::INTERNAL_SERVER_ERROR) => {
                // A caller bug or bad stored data: the machine code is enough for
                // the client; the detail goes to the log only.
                tracing::error!(code = error.code(), %error, "mfa-core refused the server's call");
                "Something went wrong on our side".to_owned()
            }
            (None, _) => error.to_string(),
        };
        ApiError {
            status,
            code: error.code(),
            message,
            retry_at,
        }
    }
}

/// A throttled request's message, with its time in ISO 8601 (the library's own
/// message carries Unix seconds).
fn waiting_message(error: &Error, retry_at: u64) -> String {
    let at = iso8601::format(retry_at);
    match error {
        Error::ResendCooldown { .. } => format!("Another code can be sent at {at}"),
        Error::TooManyCodesSent { .. } => format!("Too many codes were sent; try again at {at}"),
        _ => format!("Too many attempts; try again at {at}"),
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        // The detail goes to the log, never to the client.
        tracing::error!(%error, "database failure");
        Self::internal()
    }
}

/// The status for an mfa-core error, and, for a 429, when waiting ends. A 429 is
/// answered only where waiting helps, so only with a `retry_at`.
fn status_for(error: &Error) -> (StatusCode, Option<u64>) {
    let status = match *error {
        Error::TooManyAttempts { retry_at }
        | Error::TooManyCodesSent { retry_at }
        | Error::ResendCooldown { retry_at } => {
            return (StatusCode::TOO_MANY_REQUESTS, Some(retry_at));
        }
        Error::MfaLocked => StatusCode::LOCKED,
        Error::ChallengeInvalid => StatusCode::NOT_FOUND,
        Error::MfaAlreadyEnabled { .. } | Error::StepUpComplete => StatusCode::CONFLICT,
        Error::StepUpRequired => StatusCode::FORBIDDEN,
        // Waiting does not help: start a new challenge, resend, or switch.
        Error::AttemptsExhausted | Error::MaxResendLimit | Error::NoCodeSent => {
            StatusCode::BAD_REQUEST
        }
        _ if error.is_user_error() => StatusCode::BAD_REQUEST,
        Error::Uri(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, None)
}

/// The `Retry-After` value for a retry at `retry_at` seen at `now`: the seconds
/// left, at least 1 (a client told "0" may retry before the server's clock agrees).
#[must_use]
pub fn retry_after_seconds(retry_at: u64, now: u64) -> u64 {
    retry_at.saturating_sub(now).max(1)
}

/// The layer that gives every answer carrying a [`RetryAt`] its `Retry-After`
/// header, in seconds from the server's clock (handlers' errors are built without
/// one).
pub async fn retry_after(State(state): State<AppState>, mut response: Response) -> Response {
    if let Some(&RetryAt(at)) = response.extensions().get::<RetryAt>() {
        let seconds = retry_after_seconds(at, state.clock.now());
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "error": self.status.canonical_reason().unwrap_or("Error"),
            "message": self.message,
            "code": self.status.as_u16(),
            "details": self.code,
        });
        if let (Some(at), Some(map)) = (self.retry_at, body.as_object_mut()) {
            map.insert("retryAt".to_owned(), json!(iso8601::format(at)));
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(at) = self.retry_at {
            response.extensions_mut().insert(RetryAt(at));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::http::StatusCode;
    use axum::response::IntoResponse as _;
    use mfa_core::error::Error;

    use super::{ApiError, RetryAt, retry_after_seconds};

    #[track_caller]
    fn check(error: Error, status: StatusCode, retry_at: Option<u64>) {
        let api = ApiError::from(error);
        assert_eq!(api.status(), status, "{error:?}");
        assert_eq!(api.code(), error.code());
        assert_eq!(api.retry_at(), retry_at, "{error:?}");
    }

    #[test]
    fn waiting_helps_only_where_the_answer_is_429_with_a_retry_at() {
        let at = 1_767_225_640;
        check(
            Error::TooManyAttempts { retry_at: at },
            StatusCode::TOO_MANY_REQUESTS,
            Some(at),
        );
        check(
            Error::TooManyCodesSent { retry_at: at },
            StatusCode::TOO_MANY_REQUESTS,
            Some(at),
        );
        check(
            Error::ResendCooldown { retry_at: at },
            StatusCode::TOO_MANY_REQUESTS,
            Some(at),
        );
        check(Error::AttemptsExhausted, StatusCode::BAD_REQUEST, None);
        check(Error::MaxResendLimit, StatusCode::BAD_REQUEST, None);
        check(Error::NoCodeSent, StatusCode::BAD_REQUEST, None);
        check(Error::MfaLocked, StatusCode::LOCKED, None);
        check(Error::StepUpComplete, StatusCode::CONFLICT, None);
        check(Error::StepUpRequired, StatusCode::FORBIDDEN, None);
        check(Error::ChallengeInvalid, StatusCode::NOT_FOUND, None);
        check(Error::InvalidCode, StatusCode::BAD_REQUEST, None);
        check(Error::RngFailure, StatusCode::INTERNAL_SERVER_ERROR, None);
        assert_eq!(
            ApiError::at_login(Error::InvalidCode).status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            ApiError::at_login(Error::AttemptsExhausted).status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ApiError::at_login(Error::MfaLocked).status(),
            StatusCode::LOCKED
        );
    }

    #[test]
    fn a_429_carries_its_retry_time_to_the_layer_and_in_the_body() {
        let response = ApiError::from(Error::ResendCooldown { retry_at: 42 }).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.extensions().get::<RetryAt>(), Some(&RetryAt(42)));
        let response = ApiError::from(Error::MfaLocked).into_response();
        assert_eq!(response.extensions().get::<RetryAt>(), None);
    }

    #[test]
    fn retry_after_is_the_seconds_left_and_at_least_one() {
        assert_eq!(retry_after_seconds(100, 40), 60);
        assert_eq!(retry_after_seconds(100, 99), 1);
        assert_eq!(retry_after_seconds(100, 100), 1);
        assert_eq!(retry_after_seconds(100, 130), 1);
    }
}
