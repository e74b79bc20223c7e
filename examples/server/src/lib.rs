//! A reference HTTP auth server for [mfa-core](mfa_core): axum on tokio, over
//! SQLite (one process, no setup) or PostgreSQL (a fleet of processes on one
//! database). One row per user holds the MFA record and its `version`, and every
//! write is a compare-and-swap on that version.
//!
//! Around the second factor it does what a production server must: Argon2id
//! passwords with the same work for unknown users, password attempts limited per
//! account and per client address, sessions that expire and are revoked when the
//! account's protection changes, an audit trail with a [`Notifier`], durable writes
//! before every answer, normalised usernames, a per-destination limit on codes
//! sent, size limits on every body and field, and JSON errors everywhere.
//!
//! Read it top-down: [`router`] lists the endpoints, `routes/` holds one file per
//! flow, [`flow`] is the load → operate → compare-and-swap loop every MFA endpoint
//! goes through, and [`store`] is all the SQL, one file per database.

pub mod audit;
pub mod body;
pub mod client;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod device_cookie;
pub mod error;
pub mod flow;
pub mod iso8601;
pub mod limits;
pub mod password;
pub mod request_log;
pub mod routes;
pub mod session;
pub mod state;
pub mod store;
pub mod timings;
pub mod username;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use audit::{LogNotifier, Notifier};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use delivery::{CodeSender, Outbox};
pub use state::AppState;
pub use store::{PostgresStore, SqliteStore, Store};

/// Every endpoint. Paths follow the MFA HTTP API: `/api/auth/*` for the first factor
/// and the session, `/identity/mfa/*` for the second. Every answer goes through
/// [`error::retry_after`], which gives each 429 its `Retry-After` header; bodies
/// over [`body::MAX_BODY_BYTES`] are refused (413); unknown paths and methods
/// answer JSON errors.
pub fn router(state: AppState) -> Router {
    use routes::{auth, backup_codes, devices, disable, fallback, login, resend, setup, status};
    Router::new()
        .route("/api/auth/register", post(auth::register))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/identity/mfa/status", get(status::status))
        .route(
            "/identity/mfa/default-method",
            post(status::set_default_method),
        )
        .route("/identity/mfa/setup", post(setup::begin))
        .route("/identity/mfa/setup/step-up", post(setup::step_up))
        .route("/identity/mfa/setup/verify", post(setup::verify))
        .route("/identity/mfa/login/switch", post(login::switch))
        .route("/identity/mfa/login/verify", post(login::verify))
        .route("/identity/mfa/disable", post(disable::begin))
        .route("/identity/mfa/disable/verify", post(disable::verify))
        .route("/identity/mfa/resend", post(resend::resend))
        .route(
            "/identity/mfa/backup-codes/regenerate",
            post(backup_codes::begin),
        )
        .route(
            "/identity/mfa/backup-codes/regenerate/verify",
            post(backup_codes::verify),
        )
        .route("/identity/mfa/devices", get(devices::list))
        .route("/identity/mfa/devices/forget", post(devices::forget))
        .route(
            "/identity/mfa/devices/forget-all",
            post(devices::forget_all),
        )
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(DefaultBodyLimit::max(body::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(body::refuse_oversized))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            error::retry_after,
        ))
        .layer(axum::middleware::from_fn(request_log::log))
        .with_state(state)
}

/// Serves the router on `listener` until `shutdown` resolves, then finishes the
/// requests in flight and returns.
///
/// # Errors
/// The listener's I/O errors.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
