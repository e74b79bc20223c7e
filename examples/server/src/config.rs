//! Configuration from the environment. The server keys (peppers) come from here and
//! never from the database: a stolen database alone must not be enough to test
//! guesses against the stored code hashes.
//!
//! The keys, in order of preference:
//!
//! - `MFA_SERVER_KEYS`: a ring, comma-separated `id:hex` pairs, **the current key
//!   first**, e.g. `MFA_SERVER_KEYS=2:<64 hex digits>,1:<64 hex digits>`. New codes
//!   and backup-code sets are hashed under the current key; the others are retired,
//!   kept to check what was hashed under them before a rotation.
//! - `MFA_SERVER_KEY`: one key (64 hex digits), id 1, as before rings existed. To
//!   rotate, move to `MFA_SERVER_KEYS=2:<new>,1:<old>`.
//! - Neither: the key file `MFA_SERVER_KEY_FILE` (default `mfa-server.key`), created
//!   with a random key (id 1) on first start, for a local try. It holds one hex key
//!   (id 1), or a ring in the `MFA_SERVER_KEYS` form.
//!
//! Setting both `MFA_SERVER_KEYS` and `MFA_SERVER_KEY` is refused. No error message
//! repeats key material.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::http::HeaderName;
use mfa_core::account::{MfaPolicy, ThrottlePolicy};
use mfa_core::{ServerKey, ServerKeys};

use crate::password::Cost;
use crate::session::Sessions;

/// The variable holding the key ring.
pub const KEYS_VAR: &str = "MFA_SERVER_KEYS";
/// The variable holding a single key (id 1).
pub const KEY_VAR: &str = "MFA_SERVER_KEY";
/// The variable naming the key file for a local try.
pub const KEY_FILE_VAR: &str = "MFA_SERVER_KEY_FILE";

/// Hex digits in a key: 32 bytes.
const KEY_HEX_DIGITS: usize = 64;

/// What the server needs to start. Every variable is listed in the server's README.
pub struct Config {
    /// Where to listen (`MFA_ADDR`, default `127.0.0.1:8080`).
    pub addr: SocketAddr,
    /// The database (`MFA_DATABASE_URL`, default `sqlite:mfa-server.sqlite`).
    pub database: Database,
    /// PostgreSQL connections per process (`MFA_DATABASE_POOL`, default 16).
    pub database_pool: usize,
    /// The development outbox file (`MFA_OUTBOX`, default
    /// `mfa-server.outbox.jsonl`; `off` keeps messages in memory only).
    pub outbox: Option<PathBuf>,
    /// mfa-core's policy: the issuer shown in authenticator apps (`MFA_ISSUER`,
    /// default `mfa-server`) and the throttle (`MFA_THROTTLE`, default mfa-core's:
    /// `free_failures=3,first_delay=30,max_delay=900,lockout_after=10,lockout=3600,max_failures=100`).
    pub policy: MfaPolicy,
    /// Argon2id parameters (`MFA_ARGON2`, default `m=19456,t=2,p=1`).
    pub password_cost: Cost,
    /// Session limits (`MFA_SESSION_IDLE_SECS`, default 1800;
    /// `MFA_SESSION_LIFETIME_SECS`, default 43200).
    pub sessions: Sessions,
    /// The header a trusted reverse proxy puts the client's address in
    /// (`MFA_CLIENT_IP_HEADER`, e.g. `x-forwarded-for`; default: the TCP peer).
    pub client_ip_header: Option<HeaderName>,
    /// The server keys: `MFA_SERVER_KEYS` (a ring, current first), or
    /// `MFA_SERVER_KEY` (one key, id 1), or the key file `MFA_SERVER_KEY_FILE`
    /// (default `mfa-server.key`), created on first start for a local try. See the
    /// [module documentation](self).
    pub server_keys: ServerKeys,
    /// Where the keys came from, for the start-up log (`MFA_SERVER_KEYS`, …).
    pub key_source: String,
}

/// Which database, from `MFA_DATABASE_URL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// `sqlite:PATH` (or `sqlite://PATH`): a file, for one process.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`: one database for a fleet.
    Postgres(String),
}

impl Database {
    /// Reads a database URL.
    ///
    /// # Errors
    /// A scheme other than `sqlite:`, `postgres://` and `postgresql://`, or an
    /// empty SQLite path.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                ConfigError(
                    "MFA_DATABASE_URL: use sqlite:PATH, postgres://… or postgresql://…".to_owned(),
                )
            })?;
        if path.is_empty() {
            return Err(ConfigError(
                "MFA_DATABASE_URL: the SQLite path is empty".to_owned(),
            ));
        }
        Ok(Database::Sqlite(PathBuf::from(path)))
    }

    /// For the start-up log: the SQLite path, or the PostgreSQL URL without its
    /// password.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("SQLite {}", path.display()),
            Database::Postgres(url) => {
                let shown = match (url.split_once("://"), url.rsplit_once('@')) {
                    (Some((scheme, _)), Some((_, host))) => format!("{scheme}://…@{host}"),
                    _ => url.clone(),
                };
                format!("PostgreSQL {shown}")
            }
        }
    }
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
    /// A malformed address or key, both key variables set, or a key file that
    /// cannot be read or created.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var_os(name))
    }

    /// Reads the configuration from `var` (the environment, or a test's map).
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Result<Self, ConfigError> {
        let addr = match var("MFA_ADDR") {
            Some(addr) => text("MFA_ADDR", addr)?
                .parse()
                .map_err(|e| ConfigError(format!("MFA_ADDR: {e}")))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let database = match var("MFA_DATABASE_URL") {
            Some(url) => Database::parse(&text("MFA_DATABASE_URL", url)?)?,
            None => Database::Sqlite("mfa-server.sqlite".into()),
        };
        let number = |name: &str, default: u64| -> Result<u64, ConfigError> {
            match var(name) {
                Some(value) => text(name, value)?
                    .trim()
                    .parse()
                    .map_err(|_| ConfigError(format!("{name}: not a whole number"))),
                None => Ok(default),
            }
        };
        let database_pool = usize::try_from(number("MFA_DATABASE_POOL", 16)?)
            .map_err(|_| ConfigError("MFA_DATABASE_POOL: too large".to_owned()))?;
        let outbox = match var("MFA_OUTBOX") {
            Some(value) if value == "off" => None,
            Some(value) => Some(PathBuf::from(value)),
            None => Some(PathBuf::from("mfa-server.outbox.jsonl")),
        };
        let password_cost = match var("MFA_ARGON2") {
            Some(value) => Cost::parse(&text("MFA_ARGON2", value)?)
                .map_err(|e| ConfigError(format!("MFA_ARGON2: {e}")))?,
            None => Cost::RECOMMENDED,
        };
        let issuer = match var("MFA_ISSUER") {
            Some(value) => text("MFA_ISSUER", value)?,
            None => "mfa-server".to_owned(),
        };
        let mut policy = MfaPolicy::default().with_issuer(&issuer);
        if let Some(value) = var("MFA_THROTTLE") {
            policy = policy.with_throttle(
                parse_throttle(&text("MFA_THROTTLE", value)?)
                    .map_err(|e| ConfigError(format!("MFA_THROTTLE: {e}")))?,
            );
        }
        let defaults = Sessions::default();
        let sessions = Sessions {
            idle: number("MFA_SESSION_IDLE_SECS", defaults.idle)?,
            lifetime: number("MFA_SESSION_LIFETIME_SECS", defaults.lifetime)?,
        };
        if sessions.idle == 0 || sessions.lifetime == 0 {
            return Err(ConfigError(
                "MFA_SESSION_IDLE_SECS and MFA_SESSION_LIFETIME_SECS must be above 0".to_owned(),
            ));
        }
        let client_ip_header = match var("MFA_CLIENT_IP_HEADER") {
            Some(value) => Some(
                HeaderName::try_from(text("MFA_CLIENT_IP_HEADER", value)?.trim()).map_err(
                    |_| ConfigError("MFA_CLIENT_IP_HEADER: not a header name".to_owned()),
                )?,
            ),
            None => None,
        };
        let (server_keys, key_source) = match (var(KEYS_VAR), var(KEY_VAR)) {
            (Some(_), Some(_)) => {
                return Err(ConfigError(format!(
                    "{KEYS_VAR} and {KEY_VAR} are both set: set only {KEYS_VAR} (the key \
                     ring, current key first, e.g. 2:<new>,1:<old>) or only {KEY_VAR} (one \
                     key, id 1)"
                )));
            }
            (Some(ring), None) => (
                parse_key_ring(KEYS_VAR, &text(KEYS_VAR, ring)?)?,
                KEYS_VAR.to_owned(),
            ),
            (None, Some(hex)) => (
                ServerKeys::new(parse_key(KEY_VAR, 1, &text(KEY_VAR, hex)?)?),
                KEY_VAR.to_owned(),
            ),
            (None, None) => {
                let path = var(KEY_FILE_VAR).map_or_else(|| "mfa-server.key".into(), PathBuf::from);
                let what = format!("{KEY_FILE_VAR} ({})", path.display());
                let contents = key_file(&path)?;
                (
                    parse_key_file(&what, &contents)?,
                    format!("the key file {}", path.display()),
                )
            }
        };
        Ok(Config {
            addr,
            database,
            database_pool,
            outbox,
            policy,
            password_cost,
            sessions,
            client_ip_header,
            server_keys,
            key_source,
        })
    }
}

/// Whether log lines are JSON (`MFA_LOG_FORMAT=json`) or text (unset, or
/// `text`). Read before the rest of the configuration, so that reading it is
/// logged in the chosen format; the level and filters come from `MFA_LOG`
/// (default `info`).
///
/// # Errors
/// Any other value.
pub fn log_json(var: impl Fn(&str) -> Option<OsString>) -> Result<bool, ConfigError> {
    match var("MFA_LOG_FORMAT") {
        None => Ok(false),
        Some(value) => match text("MFA_LOG_FORMAT", value)?.as_str() {
            "json" => Ok(true),
            "text" => Ok(false),
            _ => Err(ConfigError("MFA_LOG_FORMAT: use json or text".to_owned())),
        },
    }
}

/// A throttle from `name=value` pairs, each of `free_failures`, `first_delay`,
/// `max_delay`, `lockout_after`, `lockout` (seconds for delays) and
/// `max_failures`; a name left out keeps mfa-core's default.
///
/// # Errors
/// An unknown or repeated name, a value that is not a whole number, or a
/// combination mfa-core refuses.
pub fn parse_throttle(text: &str) -> Result<ThrottlePolicy, String> {
    let default = ThrottlePolicy::DEFAULT;
    let mut values: [(&str, Option<u64>); 6] = [
        ("free_failures", None),
        ("first_delay", None),
        ("max_delay", None),
        ("lockout_after", None),
        ("lockout", None),
        ("max_failures", None),
    ];
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}` is not name=value"))?;
        let slot = values
            .iter_mut()
            .find(|(known, _)| *known == name.trim())
            .ok_or_else(|| format!("unknown setting `{}`", name.trim()))?;
        let value = value
            .trim()
            .parse()
            .map_err(|_| format!("{}: not a whole number", name.trim()))?;
        if slot.1.replace(value).is_some() {
            return Err(format!("{} is given twice", name.trim()));
        }
    }
    let small = |at: usize, fallback: u8| -> Result<u8, String> {
        values[at].1.map_or(Ok(fallback), |v| {
            u8::try_from(v).map_err(|_| format!("{} is too large", values[at].0))
        })
    };
    let throttle = ThrottlePolicy::new(
        small(0, default.free_failures())?,
        values[1].1.unwrap_or(default.first_delay()),
        values[2].1.unwrap_or(default.max_delay()),
        small(3, default.lockout_after())?,
        values[4].1.unwrap_or(default.lockout()),
    )
    .map_err(|e| e.to_string())?;
    throttle
        .with_max_failures(small(5, default.max_failures())?)
        .map_err(|e| e.to_string())
}

/// The value of `name` as text.
fn text(name: &str, value: OsString) -> Result<String, ConfigError> {
    value
        .into_string()
        .map_err(|_| ConfigError(format!("{name} is not valid UTF-8")))
}

/// The contents of the key file at `path`, created with a fresh random key
/// (readable by this user only) when missing: for trying the server locally. In
/// production set `MFA_SERVER_KEYS` from a secret manager; never keep the keys
/// beside the database backups.
fn key_file(path: &Path) -> Result<String, ConfigError> {
    use rand::Rng as _;
    if let Ok(contents) = std::fs::read_to_string(path) {
        return Ok(contents);
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
        .map_err(|e| ConfigError(format!("{KEY_FILE_VAR} ({}): {e}", path.display())))?;
    std::io::Write::write_all(&mut file, hex.as_bytes())
        .map_err(|e| ConfigError(format!("{KEY_FILE_VAR} ({}): {e}", path.display())))?;
    tracing::warn!(
        "neither {KEYS_VAR} nor {KEY_VAR} is set; created a key (id 1) in {} for a local \
         try (in production, set {KEYS_VAR} from your secret manager)",
        path.display()
    );
    Ok(hex)
}

/// The keys in a key file (`what` names it in errors): one hex key, id 1; or, when
/// it holds a `:`, a ring in the `MFA_SERVER_KEYS` form.
///
/// # Errors
/// As [`parse_key_ring`] or [`parse_key`].
pub fn parse_key_file(what: &str, contents: &str) -> Result<ServerKeys, ConfigError> {
    if contents.contains(':') {
        parse_key_ring(what, contents)
    } else {
        Ok(ServerKeys::new(parse_key(what, 1, contents)?))
    }
}

/// A key ring from comma-separated `id:hex` pairs, the current key first (`what`,
/// the variable or file it came from, names it in errors). Blanks around entries
/// are ignored.
///
/// # Errors
/// An empty list or entry, an entry that is not `id:hex`, an id that is not a
/// `u32`, a key that is not 64 hex digits, or an id given twice. The message names
/// `what`, the entry's position and, once read, its id; never key material.
pub fn parse_key_ring(what: &str, list: &str) -> Result<ServerKeys, ConfigError> {
    let list = list.trim();
    if list.is_empty() {
        return Err(ConfigError(format!(
            "{what} is empty: give comma-separated id:hex pairs, the current key first"
        )));
    }
    let mut ring: Option<ServerKeys> = None;
    for (n, entry) in (1..).zip(list.split(',')) {
        let entry = entry.trim();
        let refused = |problem: &str| ConfigError(format!("{what}: entry {n} {problem}"));
        if entry.is_empty() {
            return Err(refused("is empty (a stray comma?)"));
        }
        let (id, hex) = entry
            .split_once(':')
            .ok_or_else(|| refused("is not an id:hex pair"))?;
        let id: u32 = id
            .trim()
            .parse()
            .map_err(|_| refused("has an id that is not a whole number from 0 to 4294967295"))?;
        let key = parse_key(&format!("{what}: entry {n} (id {id})"), id, hex)?;
        ring = Some(match ring {
            None => ServerKeys::new(key),
            Some(ring) => ring
                .with_retired(key)
                .map_err(|e| ConfigError(format!("{what}: {e}")))?,
        });
    }
    ring.ok_or_else(|| ConfigError(format!("{what} holds no key")))
}

/// A key with id `id` from 64 hex digits (blanks around them ignored; `what` names
/// where it came from in errors).
///
/// # Errors
/// Anything but 64 hex digits. The message says what is wrong, never which digits.
pub fn parse_key(what: &str, id: u32, hex: &str) -> Result<ServerKey, ConfigError> {
    let hex = hex.trim();
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ConfigError(format!(
            "{what}: the key must be {KEY_HEX_DIGITS} hex digits (32 bytes), and holds \
             a character that is not a hex digit"
        )));
    }
    if hex.len() != KEY_HEX_DIGITS {
        return Err(ConfigError(format!(
            "{what}: the key must be {KEY_HEX_DIGITS} hex digits (32 bytes), not {}",
            hex.len()
        )));
    }
    let mut bytes = [0u8; KEY_HEX_DIGITS / 2];
    for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).unwrap_or_default();
        *byte = u8::from_str_radix(pair, 16).unwrap_or_default();
    }
    ServerKey::new(id, &bytes).map_err(|e| ConfigError(format!("{what}: {e}")))
}

/// The ring's ids for a log line, never its keys: `key 2 (current), key 1 (retired)`.
#[must_use]
pub fn describe(keys: &ServerKeys) -> String {
    let current = keys.current().id();
    keys.ids()
        .map(|id| {
            if id == current {
                format!("key {id} (current)")
            } else {
                format!("key {id} (retired)")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
