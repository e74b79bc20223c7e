//! The database behind the server: one interface, [`Store`], and two
//! implementations chosen by the database URL in the configuration: [`SqliteStore`]
//! (a file, the default: nothing to set up) and [`PostgresStore`] (one database for
//! a fleet of servers).
//!
//! One row per user in `mfa_accounts` holds the whole MFA record (JSON) and its
//! `version`; every write of it is a compare-and-swap on that version
//! ([`Store::save_state`]), so two requests, on one server or on two, can never
//! both accept the same code or both count from the same failure count. The same
//! transaction replaces the user's `challenge → user` index rows, appends the
//! change's audit events and, when the change calls for it, ends the user's other
//! sessions: a record is never stored without its audit trail.
//!
//! Every write an answer depends on is on stable storage before the answer leaves
//! (SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`): a failure the
//! server answered cannot be lost to a power cut, so a brute-force count never goes
//! back.

mod migrations;
mod postgres;
mod sqlite;

use std::time::Duration;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A user's id.
pub type UserId = i64;

/// Whether a commit waits for stable storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// It does (SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`): the
    /// only setting the server runs with.
    #[default]
    Durable,
    /// It does not (SQLite `synchronous=NORMAL`, PostgreSQL
    /// `synchronous_commit=off`): an answered failure can be lost to a crash. For the
    /// load generator's measurement of what durability costs, nothing else;
    /// [`Store::check_durability`] refuses it.
    LossyForMeasurement,
}

/// What the password check needs.
pub struct Credentials {
    /// The user.
    pub user: UserId,
    /// The password hash, a PHC string (`$argon2id$v=19$m=…`).
    pub password_hash: String,
}

/// A session as stored: whose it is and when it began and was last used (Unix
/// seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// The signed-in user.
    pub user: UserId,
    /// When the session began.
    pub created_at: u64,
    /// When it last answered a request (updated at most once a minute).
    pub last_seen_at: u64,
}

/// One line of the audit trail, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Whose account.
    pub user: UserId,
    /// When, Unix seconds.
    pub at: u64,
    /// What happened: a stable name (`method_enabled`, `backup_code_used`, …).
    pub kind: String,
    /// The event's details as a JSON object (never a secret).
    pub details: String,
}

/// Which sessions a saved change ends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Revoke {
    /// None.
    #[default]
    Nothing,
    /// Every session of the user but the one (by token hash) that made the change.
    AllBut(Option<String>),
}

/// A compare-and-swap of a user's MFA record, with what goes in its transaction.
pub struct Save {
    /// Whose record.
    pub user: UserId,
    /// The version the record had when loaded (0: no row yet).
    pub expected: u64,
    /// The version being stored.
    pub version: u64,
    /// The record (JSON).
    pub state: String,
    /// The lookup keys of its live challenges (the `challenge → user` index).
    pub challenge_keys: Vec<String>,
    /// Audit events the change produced.
    pub audit: Vec<AuditEntry>,
    /// Sessions the change ends.
    pub revoke: Revoke,
}

/// A fixed-window counter's state after counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    /// Hits in the current window, this one included.
    pub count: u32,
    /// When the current window ends, Unix seconds.
    pub window_ends: u64,
}

/// A database failure: the request answers 500.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite said no.
    Sqlite(rusqlite::Error),
    /// PostgreSQL said no, or no connection was available.
    Postgres(String),
    /// A stored value that does not decode (unknown schema, tampering).
    Corrupt(String),
    /// The schema is not one this server knows.
    Schema(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Postgres(e.to_string())
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::Postgres(e.to_string())
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::Postgres(e) => write!(f, "postgresql: {e}"),
            StoreError::Corrupt(what) => write!(f, "stored value: {what}"),
            StoreError::Schema(what) => write!(f, "schema: {what}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Why a save did not happen.
#[derive(Debug)]
pub enum SaveError {
    /// Another request changed the record since it was loaded: reload and retry.
    Conflict,
    /// The database failed.
    Store(StoreError),
}

impl<E: Into<StoreError>> From<E> for SaveError {
    fn from(e: E) -> Self {
        SaveError::Store(e.into())
    }
}

/// The database. Every method is one statement or one transaction; none holds a
/// lock across calls, which is what makes [`save_state`](Self::save_state)'s
/// compare-and-swap necessary and sufficient.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// Adds a user (`username` already normalised); `None` when the name is taken.
    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        now: u64,
    ) -> Result<Option<UserId>, StoreError>;

    /// A user's id and password hash, by normalised name.
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError>;

    /// A user's (normalised) name.
    async fn username(&self, user: UserId) -> Result<Option<String>, StoreError>;

    /// Replaces a user's password hash (after a sign-in under outdated parameters).
    async fn set_password_hash(&self, user: UserId, password_hash: &str) -> Result<(), StoreError>;

    /// The user's MFA record as stored (JSON), if there is one yet.
    async fn load_state(&self, user: UserId) -> Result<Option<String>, StoreError>;

    /// Stores `save.state` if the row still has version `save.expected`, and in the
    /// same transaction replaces the user's challenge index rows, appends the audit
    /// events and ends the sessions `save.revoke` names.
    ///
    /// # Errors
    /// [`SaveError::Conflict`] when another request stored first (nothing written).
    async fn save_state(&self, save: Save) -> Result<(), SaveError>;

    /// The user a live challenge belongs to, by its token's lookup key.
    async fn challenge_owner(&self, lookup_key: &str) -> Result<Option<UserId>, StoreError>;

    /// Records a new session by the hash of its token, with its audit entries, in
    /// one transaction.
    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: u64,
        audit: &[AuditEntry],
    ) -> Result<(), StoreError>;

    /// A session, by the hash of its token.
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Marks a session used at `now`.
    async fn touch_session(&self, token_hash: &str, now: u64) -> Result<(), StoreError>;

    /// Ends a session; whether it existed.
    async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError>;

    /// Appends audit entries outside a record change (sign-in, sign-out).
    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError>;

    /// A user's audit trail, oldest first.
    async fn audit_trail(&self, user: UserId) -> Result<Vec<AuditEntry>, StoreError>;

    /// Counts a hit on each `(bucket, window)`, in one transaction, each in its
    /// fixed window of `window` seconds (a new window begins at the first hit after
    /// the last one ended); the counts in the same order.
    async fn hit(&self, buckets: &[(&str, u64)], now: u64) -> Result<Vec<Counted>, StoreError>;

    /// In one transaction, forgets `forget`'s count and takes one hit back from
    /// `refund` (a reservation that turned out not to be a failure).
    async fn release(&self, forget: &str, refund: &str) -> Result<(), StoreError>;

    /// Deletes sessions past `idle` or `lifetime` and counters whose window ended.
    async fn sweep(&self, now: u64, idle: u64, lifetime: u64) -> Result<(), StoreError>;

    /// Checks that a commit is on stable storage before it returns, and says how
    /// (`synchronous=FULL`, `synchronous_commit=on, fsync=on`): checked at start-up.
    ///
    /// # Errors
    /// [`StoreError::Schema`] naming the setting that makes commits lossy.
    async fn check_durability(&self) -> Result<String, StoreError>;

    /// Time spent in the database so far (waiting for a connection included).
    fn time_spent(&self) -> Duration;
}

/// The refusal for a database whose commits could be lost.
pub(crate) fn not_durable(what: &str) -> StoreError {
    StoreError::Schema(format!(
        "{what}: an answered failure could be lost to a crash, and a brute-force count with it"
    ))
}

/// Unix seconds as a SQL integer (both databases' integers are signed; times this
/// server writes are far below 2^63).
pub(crate) fn sql_time(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// A SQL integer read back as Unix seconds or a version; a negative one is corrupt.
pub(crate) fn from_sql(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}")))
}
