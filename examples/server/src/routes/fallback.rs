//! Answers for requests no endpoint takes, in the same JSON error shape as the rest.

use axum::http::{Method, StatusCode};

use crate::error::ApiError;

/// Any path that is not an endpoint: 404 `not_found`.
pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such endpoint",
    )
}

/// An endpoint called with a method it does not take: 405 `method_not_allowed`
/// (axum adds the `Allow` header).
pub async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("This endpoint does not take {method}"),
    )
}
