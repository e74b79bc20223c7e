//! Configuration from the environment. The server key (pepper) comes from here and
//! never from the database: a stolen database alone must not be enough to test
//! guesses against the stored code hashes.

use std::net::SocketAddr;
use std::path::PathBuf;

use mfa_core::ServerKey;

/// What the server needs to start.
pub struct Config {
    /// Where to listen (`MFA_ADDR`, default `127.0.0.1:8080`).
    pub addr: SocketAddr,
    /// The SQLite file (`MFA_DATABASE`, default `mfa-server.sqlite`).
    pub database: PathBuf,
    /// The server key: `MFA_SERVER_KEY` as 64 hex digits (32 bytes), id 1.
    pub server_key: ServerKey,
}

/// Why the configuration is unusable.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the environment.
    ///
    /// # Errors
    /// A malformed address, or a missing or malformed `MFA_SERVER_KEY`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let addr = std::env::var("MFA_ADDR")
            .unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
            .parse()
            .map_err(|e| ConfigError(format!("MFA_ADDR: {e}")))?;
        let database = std::env::var("MFA_DATABASE")
            .map_or_else(|_| PathBuf::from("mfa-server.sqlite"), PathBuf::from);
        let hex = std::env::var("MFA_SERVER_KEY").map_err(|_| {
            ConfigError(
                "MFA_SERVER_KEY is not set: 64 hex digits from your secret manager \
                 (for a local try: MFA_SERVER_KEY=$(openssl rand -hex 32))"
                    .to_owned(),
            )
        })?;
        Ok(Config {
            addr,
            database,
            server_key: server_key_from_hex(&hex)?,
        })
    }
}

/// A server key (id 1) from 64 hex digits.
///
/// # Errors
/// Anything but 64 hex digits.
pub fn server_key_from_hex(hex: &str) -> Result<ServerKey, ConfigError> {
    let hex = hex.trim();
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect();
    match bytes {
        Some(bytes) if bytes.len() == 32 => {
            ServerKey::new(1, &bytes).map_err(|e| ConfigError(format!("MFA_SERVER_KEY: {e}")))
        }
        _ => Err(ConfigError(
            "MFA_SERVER_KEY must be 64 hex digits (32 bytes)".to_owned(),
        )),
    }
}
