//! All the SQL. One row per user in `mfa_accounts` holds the whole MFA record (JSON)
//! and its `version`; every write is a compare-and-swap on that version, so two
//! requests can never both accept the same code or both count from the same
//! failure count.
//!
//! One connection behind a mutex: SQLite serialises writers anyway, and each call
//! holds the lock for one short statement or transaction. Reads and the library's
//! work happen between calls, without the lock, which is what makes the
//! compare-and-swap necessary.

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};

/// A user's id.
pub type UserId = i64;

/// What the password check needs: the user's id, salt and password hash.
pub struct Credentials {
    /// The user.
    pub user: UserId,
    /// The salt.
    pub salt: Vec<u8>,
    /// `SHA-256(salt ‖ password)`.
    pub password_hash: Vec<u8>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    salt          BLOB NOT NULL,
    password_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS mfa_accounts (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    state   TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS challenges (
    lookup_key TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX IF NOT EXISTS challenges_by_user ON challenges(user_id);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,
    code        TEXT NOT NULL,
    sent_at     INTEGER NOT NULL
);
";

/// The database.
pub struct Store {
    conn: Mutex<Connection>,
    /// Time spent in SQLite (waiting for the connection included), nanoseconds.
    spent_ns: AtomicU64,
}

/// The connection, held for one call; its time is added to the store's total.
struct Held<'a> {
    guard: MutexGuard<'a, Connection>,
    since: Instant,
    spent_ns: &'a AtomicU64,
}

impl Deref for Held<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.guard
    }
}

impl DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.guard
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let spent = u64::try_from(self.since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.spent_ns.fetch_add(spent, Ordering::Relaxed);
    }
}

/// A database failure: the request answers 500.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite said no.
    Sqlite(rusqlite::Error),
    /// A stored record that does not decode (unknown schema, tampering).
    Corrupt(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "database: {e}"),
            StoreError::Corrupt(what) => write!(f, "stored record: {what}"),
        }
    }
}

/// Why a save did not happen.
#[derive(Debug)]
pub enum SaveError {
    /// Another request changed the record since it was loaded: reload and retry.
    Conflict,
    /// The database failed.
    Store(StoreError),
}

impl From<rusqlite::Error> for SaveError {
    fn from(e: rusqlite::Error) -> Self {
        SaveError::Store(StoreError::Sqlite(e))
    }
}

impl Store {
    /// Opens (creating if needed) the SQLite file at `path`, in WAL mode.
    ///
    /// # Errors
    /// SQLite's.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::init(Connection::open(path)?)
    }

    /// A database in memory, gone with the process.
    ///
    /// # Errors
    /// SQLite's.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        // WAL with synchronous=NORMAL: a commit is durable at the next checkpoint;
        // a power cut may lose the last moments but never corrupts the file.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        )?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            conn: Mutex::new(conn),
            spent_ns: AtomicU64::new(0),
        })
    }

    fn conn(&self) -> Held<'_> {
        let since = Instant::now();
        // A panic while holding the lock cannot leave a half-done write: every
        // multi-statement write is a transaction.
        let guard = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Held {
            guard,
            since,
            spent_ns: &self.spent_ns,
        }
    }

    /// Time spent in SQLite so far, waiting for the connection included.
    #[must_use]
    pub fn time_spent(&self) -> Duration {
        Duration::from_nanos(self.spent_ns.load(Ordering::Relaxed))
    }

    /// Adds a user; `None` when the name is taken.
    ///
    /// # Errors
    /// SQLite's.
    pub fn create_user(
        &self,
        username: &str,
        salt: &[u8],
        password_hash: &[u8],
    ) -> Result<Option<UserId>, StoreError> {
        let conn = self.conn();
        let inserted = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO users (username, salt, password_hash) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![username, salt, password_hash])?;
        Ok((inserted == 1).then(|| conn.last_insert_rowid()))
    }

    /// A user's id, salt and password hash.
    ///
    /// # Errors
    /// SQLite's.
    pub fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id, salt, password_hash FROM users WHERE username = ?1")?
            .query_row(params![username], |row| {
                Ok(Credentials {
                    user: row.get(0)?,
                    salt: row.get(1)?,
                    password_hash: row.get(2)?,
                })
            })
            .optional()?)
    }

    /// A user's name.
    ///
    /// # Errors
    /// SQLite's.
    pub fn username(&self, user: UserId) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT username FROM users WHERE id = ?1")?
            .query_row(params![user], |row| row.get(0))
            .optional()?)
    }

    /// The user's MFA record as stored (JSON), if there is one yet.
    ///
    /// # Errors
    /// SQLite's.
    pub fn load_state(&self, user: UserId) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT state FROM mfa_accounts WHERE user_id = ?1")?
            .query_row(params![user], |row| row.get(0))
            .optional()?)
    }

    /// Stores a record (`state`, at `version`) if the row still has version
    /// `expected` (0: no row yet), and replaces the user's entries in the
    /// `challenge → user` index with `challenge_keys`.
    ///
    /// # Errors
    /// [`SaveError::Conflict`] when another request stored first.
    pub fn save_state(
        &self,
        user: UserId,
        expected: u64,
        version: u64,
        state: &str,
        challenge_keys: &[String],
    ) -> Result<(), SaveError> {
        let version = sql_version(version)?;
        let expected = sql_version(expected)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let written = if expected == 0 {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO mfa_accounts (user_id, state, version) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![user, state, version])?
        } else {
            tx.prepare_cached("UPDATE mfa_accounts SET state = ?2, version = ?3 WHERE user_id = ?1 AND version = ?4")?.execute(params![user, state, version, expected],
            )?
        };
        if written != 1 {
            return Err(SaveError::Conflict);
        }
        tx.prepare_cached("DELETE FROM challenges WHERE user_id = ?1")?
            .execute(params![user])?;
        for key in challenge_keys {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO challenges (lookup_key, user_id) VALUES (?1, ?2)",
            )?
            .execute(params![key, user])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The user a live challenge belongs to, by its token's lookup key.
    ///
    /// # Errors
    /// SQLite's.
    pub fn challenge_owner(&self, lookup_key: &str) -> Result<Option<UserId>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT user_id FROM challenges WHERE lookup_key = ?1")?
            .query_row(params![lookup_key], |row| row.get(0))
            .optional()?)
    }

    /// Records a session by the hash of its token.
    ///
    /// # Errors
    /// SQLite's.
    pub fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: u64,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO sessions (token_hash, user_id, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                token_hash,
                user,
                i64::try_from(now).unwrap_or(i64::MAX)
            ])?;
        Ok(())
    }

    /// The user of a session, by the hash of its token.
    ///
    /// # Errors
    /// SQLite's.
    pub fn session_user(&self, token_hash: &str) -> Result<Option<UserId>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT user_id FROM sessions WHERE token_hash = ?1")?
            .query_row(params![token_hash], |row| row.get(0))
            .optional()?)
    }

    /// Appends a message to the outbox.
    ///
    /// # Errors
    /// SQLite's.
    pub fn push_outbox(
        &self,
        user: UserId,
        channel: &str,
        destination: &str,
        code: &str,
        now: u64,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("INSERT INTO outbox (user_id, channel, destination, code, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![user, channel, destination, code, i64::try_from(now).unwrap_or(i64::MAX)],
        )?;
        Ok(())
    }

    /// The last code sent to `destination`, if any: what a user reads in their inbox.
    ///
    /// # Errors
    /// SQLite's.
    pub fn last_code_to(&self, destination: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT code FROM outbox WHERE destination = ?1 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![destination], |row| row.get(0))
            .optional()?)
    }

    /// How many messages went to `destination`.
    ///
    /// # Errors
    /// SQLite's.
    pub fn messages_to(&self, destination: &str) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .prepare_cached("SELECT COUNT(*) FROM outbox WHERE destination = ?1")?
            .query_row(params![destination], |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// SQLite integers are signed; a version never gets near 2^63.
fn sql_version(version: u64) -> Result<i64, SaveError> {
    i64::try_from(version)
        .map_err(|_| SaveError::Store(StoreError::Corrupt("version overflow".to_owned())))
}
