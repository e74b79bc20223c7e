//! JSON request bodies whose rejections (a missing field, a wrong content type,
//! malformed JSON) answer 400 in the seeds' error shape, like every other error,
//! rather than axum's plain-text 415/422.

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body of type `T`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(body)| Body(body))
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
    }
}
