//! `cargo run -p mfa-server`: the reference server, configured from the
//! environment (see the server's README for every variable).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use mfa_server::config::{self, Database};
use mfa_server::{
    AppState, Clock as _, Config, Outbox, PostgresStore, SqliteStore, Store, SystemClock,
};
use tracing_subscriber::EnvFilter;

/// How often expired sessions and finished rate-limit windows are deleted.
const SWEEP_EVERY: Duration = Duration::from_secs(300);

#[tokio::main]
async fn main() -> ExitCode {
    let env = |name: &str| std::env::var_os(name);
    let json = match config::log_json(env) {
        Ok(json) => json,
        Err(e) => {
            eprintln!("mfa-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let filter = EnvFilter::try_from_env("MFA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        logs.json().init();
    } else {
        logs.init();
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    // The ring's ids, never its keys.
    tracing::info!(
        source = %config.key_source,
        keys = %config::describe(&config.server_keys),
        "server keys"
    );
    let store: Arc<dyn Store> = match &config.database {
        Database::Sqlite(path) => {
            Arc::new(SqliteStore::open(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        Database::Postgres(url) => Arc::new(
            PostgresStore::connect(url, config.database_pool)
                .await
                .map_err(|e| format!("{}: {e}", config.database.describe()))?,
        ),
    };
    let durability = store.check_durability().await.map_err(|e| e.to_string())?;
    tracing::info!(%durability, "commits are durable before answers");
    let outbox = match &config.outbox {
        Some(path) => {
            Outbox::with_file(path).map_err(|e| format!("MFA_OUTBOX {}: {e}", path.display()))?
        }
        None => Outbox::in_memory(),
    };
    let state = AppState::new(config.server_keys, Arc::clone(&store))?
        .with_policy(config.policy)
        .with_password_cost(config.password_cost)?
        .with_sender(Arc::new(outbox))
        .with_sessions(config.sessions)
        .with_client_ip_header(config.client_ip_header);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("{}: {e}", config.addr))?;
    tracing::info!(
        addr = %config.addr,
        database = %config.database.describe(),
        argon2 = %config.password_cost,
        outbox = %config.outbox.as_ref().map_or_else(|| "memory only".to_owned(), |p| p.display().to_string()),
        "mfa-server listening"
    );
    let sweeper = tokio::spawn(sweep(Arc::clone(&store), config.sessions));
    mfa_server::serve(listener, state, shutdown())
        .await
        .map_err(|e| e.to_string())?;
    sweeper.abort();
    tracing::info!("mfa-server stopped");
    Ok(())
}

/// Deletes what has expired, every [`SWEEP_EVERY`]. Expiry does not depend on it
/// (every read checks); it keeps the tables small.
async fn sweep(store: Arc<dyn Store>, sessions: mfa_server::session::Sessions) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        if let Err(error) = store
            .sweep(SystemClock.now(), sessions.idle, sessions.lifetime)
            .await
        {
            tracing::warn!(%error, "sweeping expired rows failed");
        }
    }
}

/// Resolves at SIGTERM (a service manager's stop) or Ctrl-C: requests in flight
/// finish, new connections are refused.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
