//! `cargo run -p mfa-server`: the reference server on localhost, with the SQLite file
//! and server keys from the environment (see the crate README).

use std::process::ExitCode;
use std::sync::Arc;

use mfa_server::{AppState, Config, Outbox, Store, SystemClock};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("mfa-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The ring's ids, never its keys: which one new codes are hashed under, and
    // which retired ones stored codes may still name.
    eprintln!(
        "mfa-server: server keys from {}: {}",
        config.key_source,
        mfa_server::config::describe(&config.server_keys)
    );
    let store = match Store::open(&config.database) {
        Ok(store) => Arc::new(store),
        Err(e) => {
            eprintln!("mfa-server: {}: {e}", config.database.display());
            return ExitCode::FAILURE;
        }
    };
    let state = AppState::new(
        config.server_keys,
        Arc::clone(&store),
        Arc::new(Outbox::new(store)),
        Arc::new(SystemClock),
    );
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("mfa-server: {}: {e}", config.addr);
            return ExitCode::FAILURE;
        }
    };
    println!(
        "mfa-server on http://{} with {} (codes for email/SMS land in its outbox table)",
        config.addr,
        config.database.display()
    );
    match mfa_server::serve(listener, state).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mfa-server: {e}");
            ExitCode::FAILURE
        }
    }
}
