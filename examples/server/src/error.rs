//! Error bodies in the seeds' shape, `{"error", "message", "code", "details"}`, with
//! the HTTP status from the README's mapping table. `details` carries mfa-core's
//! stable machine code (`invalid_code`, `mfa_token_expired`, …); `retryAt` is the
//! Unix time a throttled request may be retried, `retryAfter` (and the
//! `Retry-After` header) the seconds to wait before a resend.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mfa_core::Error;
use serde_json::json;

use crate::store::StoreError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_at: Option<u64>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with an explicit status and machine code.
    #[must_use]
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_at: None,
            retry_after: None,
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
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let retry_at = match error {
            Error::TooManyAttempts { retry_at } => retry_at,
            Error::TooManyCodesSent { retry_at } => Some(retry_at),
            _ => None,
        };
        let retry_after = match error {
            Error::ResendCooldown { retry_after } => Some(retry_after),
            _ => None,
        };
        ApiError {
            status: status_for(&error),
            code: error.code(),
            message: error.to_string(),
            retry_at,
            retry_after,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        // The detail goes to the log, never to the client.
        eprintln!("mfa-server: {error}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side",
        )
    }
}

/// The README's table: what a server answers for each mfa-core error.
fn status_for(error: &Error) -> StatusCode {
    match error.code() {
        "mfa_token_invalid" => StatusCode::NOT_FOUND,
        "mfa_already_enabled" => StatusCode::CONFLICT,
        "step_up_required" => StatusCode::FORBIDDEN,
        "too_many_attempts" | "resend_cooldown" | "max_resend_limit" | "too_many_codes_sent" => {
            StatusCode::TOO_MANY_REQUESTS
        }
        _ if error.is_user_error() => StatusCode::BAD_REQUEST,
        "invalid_otpauth_uri"
        | "mfa_token_expired"
        | "mfa_token_consumed"
        | "mfa_wrong_purpose"
        | "mfa_not_enabled"
        | "mfa_method_not_enabled"
        | "invalid_mfa_method"
        | "authenticator_not_configured"
        | "resend_only_for_oob"
        | "invalid_destination" => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
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
            map.insert("retryAt".to_owned(), json!(at));
        }
        if let (Some(seconds), Some(map)) = (self.retry_after, body.as_object_mut()) {
            map.insert("retryAfter".to_owned(), json!(seconds));
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
