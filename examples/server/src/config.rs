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
    /// The server key: `MFA_SERVER_KEY` as 64 hex digits (32 bytes), id 1; without
    /// it, the key file `MFA_SERVER_KEY_FILE` (default `mfa-server.key`), created on
    /// first start for a local try.
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
    /// A malformed address or key, or a key file that cannot be read or created.
    pub fn from_env() -> Result<Self, ConfigError> {
        let addr = std::env::var("MFA_ADDR")
            .unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
            .parse()
            .map_err(|e| ConfigError(format!("MFA_ADDR: {e}")))?;
        let database = std::env::var("MFA_DATABASE")
            .map_or_else(|_| PathBuf::from("mfa-server.sqlite"), PathBuf::from);
        let hex = match std::env::var("MFA_SERVER_KEY") {
            Ok(hex) => hex,
            Err(_) => {
                let file = std::env::var("MFA_SERVER_KEY_FILE")
                    .map_or_else(|_| PathBuf::from("mfa-server.key"), PathBuf::from);
                key_file(&file)?
            }
        };
        Ok(Config {
            addr,
            database,
            server_key: server_key_from_hex(&hex)?,
        })
    }
}

/// The hex key in `path`, created with a fresh random key (readable by this user
/// only) when missing: for trying the server locally. In production set
/// `MFA_SERVER_KEY` from a secret manager; never keep the key beside the database
/// backups.
fn key_file(path: &std::path::Path) -> Result<String, ConfigError> {
    use rand::Rng as _;
    if let Ok(hex) = std::fs::read_to_string(path) {
        return Ok(hex);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    std::io::Write::write_all(&mut file, hex.as_bytes())
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    eprintln!(
        "mfa-server: MFA_SERVER_KEY is not set; created a key in {} for a local try \
         (in production, set MFA_SERVER_KEY from your secret manager)",
        path.display()
    );
    Ok(hex)
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
