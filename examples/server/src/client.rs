//! Where a request came from, for the per-address password limit: the TCP peer, or,
//! behind a reverse proxy, the header the proxy sets (`MFA_CLIENT_IP_HEADER`, e.g.
//! `X-Forwarded-For`; its last entry, the one your proxy appended). Trust that
//! header only when every request passes through the proxy: otherwise a client
//! can name any address it likes.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;

/// The client's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(header) = &state.client_ip_header {
            let named = parts
                .headers
                .get_all(header)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .next_back()
                .and_then(|last| last.trim().parse::<IpAddr>().ok());
            return named.map(ClientAddress).ok_or_else(|| {
                tracing::warn!(header = %header, "a request without a usable client address header");
                ApiError::bad_request("The request does not say which client sent it")
            });
        }
        // Served without connection info (a test's router): one shared bucket.
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip()),
        ))
    }
}
