//! A reference HTTP auth server for [mfa-core](mfa_core): axum on tokio, SQLite
//! through rusqlite, one row per user holding the MFA record and its `version`, and
//! every write a compare-and-swap on that version.
//!
//! The first factor is a username/password stub: the point is the second factor.
//! Email and SMS codes go through a [`CodeSender`]; the default one writes them to a
//! local outbox table that tests read.
//!
//! Read it top-down: [`router`] lists the endpoints, `routes/` holds one file per
//! flow, [`flow`] is the load → operate → compare-and-swap loop every MFA endpoint
//! goes through, and [`store`] is all the SQL.

pub mod body;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod error;
pub mod flow;
mod iso8601;
mod password;
pub mod routes;
pub mod session;
pub mod state;
pub mod store;
pub mod timings;

use axum::Router;
use axum::routing::post;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use delivery::{CodeSender, Outbox};
pub use state::AppState;
pub use store::Store;

/// Every endpoint. Paths follow the seed APIs: `/api/auth/*` for the first factor,
/// `/identity/mfa/*` for the second. Every answer goes through
/// [`error::retry_after`], which gives each 429 its `Retry-After` header.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/auth/register", post(routes::auth::register))
        .route("/api/auth/login", post(routes::auth::login))
        .route("/identity/mfa/setup", post(routes::setup::begin))
        .route("/identity/mfa/setup/step-up", post(routes::setup::step_up))
        .route("/identity/mfa/setup/verify", post(routes::setup::verify))
        .route("/identity/mfa/login/switch", post(routes::login::switch))
        .route("/identity/mfa/login/verify", post(routes::login::verify))
        .route("/identity/mfa/disable", post(routes::disable::begin))
        .route(
            "/identity/mfa/disable/verify",
            post(routes::disable::verify),
        )
        .route("/identity/mfa/resend", post(routes::resend::resend))
        .route(
            "/identity/mfa/backup-codes/regenerate",
            post(routes::backup_codes::begin),
        )
        .route(
            "/identity/mfa/backup-codes/regenerate/verify",
            post(routes::backup_codes::verify),
        )
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            error::retry_after,
        ))
        .with_state(state)
}

/// Serves the router on `listener` until the process stops.
///
/// # Errors
/// The listener's I/O errors.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
