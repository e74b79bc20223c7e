//! JSON request bodies: at most [`MAX_BODY_BYTES`], sent as `application/json`,
//! decoded into the endpoint's type, and every field within its length limit.
//! Every rejection answers in the API's error shape with its proper status (413
//! too large, 415 not JSON, 400 otherwise) and a message of this server's own:
//! never a Rust type name from the decoder.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest body accepted, in bytes: every request of this API fits in a few
/// hundred.
pub const MAX_BODY_BYTES: usize = 4096;

/// Refuses a request whose `Content-Length` is over [`MAX_BODY_BYTES`] from its
/// headers alone, before a byte of the body is read (a body without a length is
/// cut off by the extractor's limit instead, with the same answer).
pub async fn refuse_oversized(
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return axum::response::IntoResponse::into_response(too_large());
    }
    next.run(request).await
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("The body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

/// A body type's field limits.
pub trait Limits {
    /// Refuses a field longer than its limit.
    ///
    /// # Errors
    /// `field_too_long` (400), naming the field.
    fn check(&self) -> Result<(), ApiError>;
}

/// Refuses `value` when longer than `max` bytes.
///
/// # Errors
/// `field_too_long` (400).
pub fn at_most(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.len() > max {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "field_too_long",
            format!("`{field}` is longer than {max} bytes"),
        ));
    }
    Ok(())
}

/// As [`at_most`], for an optional field.
///
/// # Errors
/// `field_too_long` (400).
pub fn at_most_opt(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    value.map_or(Ok(()), |value| at_most(field, value, max))
}

/// A JSON body of type `T`, within its limits.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Limits> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(body) = Json::<T>::from_request(request, state)
            .await
            .map_err(|rejection| rejected(&rejection))?;
        body.check()?;
        Ok(Body(body))
    }
}

/// The answer to a body the JSON extractor refused.
fn rejected(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as JSON, with Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The body is not valid JSON",
        ),
        JsonRejection::JsonDataError(data) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            describe_data_error(&data.body_text()),
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The body could not be read",
        ),
    }
}

/// The decoder's complaint in this API's words: which field is missing or has the
/// wrong type, from `path: message` (axum reports where decoding stopped). Nothing
/// of the decoder's text is repeated, so no type name leaks.
fn describe_data_error(text: &str) -> String {
    let text = text
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(text);
    if let Some(field) = between(text, "missing field `", "`") {
        return format!("`{field}` is required");
    }
    match text.split_once(": ") {
        Some((path, _)) if is_field_path(path) => format!("`{path}` has the wrong type"),
        _ => "The body must be a JSON object with this endpoint's fields".to_owned(),
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let (_, rest) = text.split_once(open)?;
    rest.split_once(close).map(|(inside, _)| inside)
}

/// A field path as axum reports it (`code`, `methods[0]`): API names only.
fn is_field_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 64
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::describe_data_error;

    #[test]
    fn decoder_messages_become_field_names_and_never_type_names() {
        let prefix = "Failed to deserialize the JSON body into the target type: ";
        assert_eq!(
            describe_data_error(&format!("{prefix}missing field `code` at line 1 column 17")),
            "`code` is required"
        );
        assert_eq!(
            describe_data_error(&format!(
                "{prefix}code: invalid type: integer `5`, expected a string at line 1 column 9"
            )),
            "`code` has the wrong type"
        );
        let whole = describe_data_error(&format!(
            "{prefix}invalid type: sequence, expected struct TokenAndCode with 2 elements"
        ));
        assert!(
            !whole.contains("TokenAndCode") && !whole.contains("struct"),
            "{whole}"
        );
    }
}
