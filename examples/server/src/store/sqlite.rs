//! [`Store`] on a SQLite file: the default, for one server process.
//!
//! One connection behind a mutex, used from tokio's blocking pool: SQLite serialises
//! writers anyway, and each call holds the connection for one statement or one
//! transaction. WAL with `synchronous=FULL`: every commit is on stable storage
//! before the call returns. The file (and SQLite's `-wal` and `-shm` files beside
//! it, which take its permissions) is created readable by this user only.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};

use super::migrations::{self, Migration};
use super::{
    AuditEntry, Counted, Credentials, Durability, Revoke, Save, SaveError, SessionRecord, Store,
    StoreError, UserId, from_sql, not_durable, sql_time,
};

/// The SQLite store.
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Time spent in SQLite (waiting for the connection included), nanoseconds.
    spent_ns: Arc<AtomicU64>,
}

impl SqliteStore {
    /// Opens the SQLite file at `path`, creating it (mode 0600) and its schema
    /// when missing, and applies pending migrations.
    ///
    /// # Errors
    /// SQLite's; a file created by a server from before migrations, or migrated by
    /// a newer server.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Durability::Durable)
    }

    /// As [`open`](Self::open), committing with `durability`.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_with(path: &Path, durability: Durability) -> Result<Self, StoreError> {
        create_private(path)?;
        Self::init(Connection::open(path)?, durability)
    }

    /// A database in memory, gone with the process.
    ///
    /// # Errors
    /// SQLite's.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, Durability::Durable)
    }

    fn init(mut conn: Connection, durability: Durability) -> Result<Self, StoreError> {
        // FULL: a commit's WAL frames are synced before it returns, so an answered
        // failure survives a power cut (NORMAL syncs only at checkpoints).
        let synchronous = match durability {
            Durability::Durable => "FULL",
            Durability::LossyForMeasurement => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"
        ))?;
        migrate(&mut conn, migrations::SQLITE)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            spent_ns: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Runs `work` on the connection in tokio's blocking pool, timing it.
    async fn call<T, E>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let spent = Arc::clone(&self.spent_ns);
        let since = Instant::now();
        let joined = tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave a half-done write: every
            // multi-statement write is a transaction.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
        .await;
        let elapsed = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        spent.fetch_add(elapsed, Ordering::Relaxed);
        joined.map_err(|e| E::from(StoreError::Corrupt(format!("database task: {e}"))))?
    }
}

/// Creates `path` readable and writable by this user only, if it does not exist.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|e| StoreError::Schema(format!("{}: {e}", path.display())))
}

/// Applies the migrations `all` that `conn` has not recorded.
fn migrate(conn: &mut Connection, all: &[Migration]) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute_batch(migrations::LEDGER)?;
    let applied = tx
        .prepare("SELECT version FROM schema_migrations")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    let legacy: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users')",
        [],
        |row| row.get(0),
    )?;
    if applied.is_empty() && legacy {
        return Err(StoreError::Schema(
            "this file was created by a server from before schema migrations (its \
             passwords are not Argon2id hashes): start with a new database file"
                .to_owned(),
        ));
    }
    for migration in migrations::pending(all, &applied)? {
        tx.execute_batch(migration.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, unixepoch())",
            params![migration.version, migration.name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        now: u64,
    ) -> Result<Option<UserId>, StoreError> {
        let (username, password_hash) = (username.to_owned(), password_hash.to_owned());
        self.call(move |conn| {
            let inserted = conn
                .prepare_cached(
                    "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (username) DO NOTHING",
                )?
                .execute(params![username, password_hash, sql_time(now)])?;
            Ok((inserted == 1).then(|| conn.last_insert_rowid()))
        })
        .await
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError> {
        let username = username.to_owned();
        self.call(move |conn| {
            Ok(conn
                .prepare_cached("SELECT id, password_hash FROM users WHERE username = ?1")?
                .query_row(params![username], |row| {
                    Ok(Credentials {
                        user: row.get(0)?,
                        password_hash: row.get(1)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn username(&self, user: UserId) -> Result<Option<String>, StoreError> {
        self.call(move |conn| {
            Ok(conn
                .prepare_cached("SELECT username FROM users WHERE id = ?1")?
                .query_row(params![user], |row| row.get(0))
                .optional()?)
        })
        .await
    }

    async fn set_password_hash(&self, user: UserId, password_hash: &str) -> Result<(), StoreError> {
        let password_hash = password_hash.to_owned();
        self.call(move |conn| {
            conn.prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
                .execute(params![user, password_hash])?;
            Ok(())
        })
        .await
    }

    async fn load_state(&self, user: UserId) -> Result<Option<String>, StoreError> {
        self.call(move |conn| {
            Ok(conn
                .prepare_cached("SELECT state FROM mfa_accounts WHERE user_id = ?1")?
                .query_row(params![user], |row| row.get(0))
                .optional()?)
        })
        .await
    }

    async fn save_state(&self, save: Save) -> Result<(), SaveError> {
        let version = sql_version(save.version)?;
        let expected = sql_version(save.expected)?;
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let written = if expected == 0 {
                tx.prepare_cached(
                    "INSERT INTO mfa_accounts (user_id, state, version) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (user_id) DO NOTHING",
                )?
                .execute(params![save.user, save.state, version])?
            } else {
                tx.prepare_cached(
                    "UPDATE mfa_accounts SET state = ?2, version = ?3 \
                     WHERE user_id = ?1 AND version = ?4",
                )?
                .execute(params![save.user, save.state, version, expected])?
            };
            if written != 1 {
                return Err(SaveError::Conflict);
            }
            tx.prepare_cached("DELETE FROM challenges WHERE user_id = ?1")?
                .execute(params![save.user])?;
            for key in &save.challenge_keys {
                tx.prepare_cached(
                    "INSERT INTO challenges (lookup_key, user_id) VALUES (?1, ?2) \
                     ON CONFLICT (lookup_key) DO UPDATE SET user_id = excluded.user_id",
                )?
                .execute(params![key, save.user])?;
            }
            insert_audit(&tx, &save.audit)?;
            if let Revoke::AllBut(keep) = &save.revoke {
                tx.prepare_cached(
                    "DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2",
                )?
                .execute(params![save.user, keep])?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn challenge_owner(&self, lookup_key: &str) -> Result<Option<UserId>, StoreError> {
        let lookup_key = lookup_key.to_owned();
        self.call(move |conn| {
            Ok(conn
                .prepare_cached("SELECT user_id FROM challenges WHERE lookup_key = ?1")?
                .query_row(params![lookup_key], |row| row.get(0))
                .optional()?)
        })
        .await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: u64,
        audit: &[AuditEntry],
    ) -> Result<(), StoreError> {
        let (token_hash, audit) = (token_hash.to_owned(), audit.to_vec());
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.prepare_cached(
                "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) \
                 VALUES (?1, ?2, ?3, ?3)",
            )?
            .execute(params![token_hash, user, sql_time(now)])?;
            insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let token_hash = token_hash.to_owned();
        self.call(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT user_id, created_at, last_seen_at FROM sessions WHERE token_hash = ?1",
                )?
                .query_row(params![token_hash], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            row.map(|(user, created, seen): (UserId, i64, i64)| {
                Ok(SessionRecord {
                    user,
                    created_at: from_sql(created, "session time")?,
                    last_seen_at: from_sql(seen, "session time")?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn touch_session(&self, token_hash: &str, now: u64) -> Result<(), StoreError> {
        let token_hash = token_hash.to_owned();
        self.call(move |conn| {
            conn.prepare_cached("UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1")?
                .execute(params![token_hash, sql_time(now)])?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let token_hash = token_hash.to_owned();
        self.call(move |conn| {
            let deleted = conn
                .prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
                .execute(params![token_hash])?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let entries = entries.to_vec();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            insert_audit(&tx, &entries)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn audit_trail(&self, user: UserId) -> Result<Vec<AuditEntry>, StoreError> {
        self.call(move |conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT at, kind, details FROM audit_events WHERE user_id = ?1 ORDER BY id",
                )?
                .query_map(params![user], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(at, kind, details)| {
                    Ok(AuditEntry {
                        user,
                        at: from_sql(at, "audit time")?,
                        kind,
                        details,
                    })
                })
                .collect()
        })
        .await
    }

    async fn hit(&self, buckets: &[(&str, u64)], now: u64) -> Result<Vec<Counted>, StoreError> {
        let buckets: Vec<(String, i64)> = buckets
            .iter()
            .map(|(bucket, window)| ((*bucket).to_owned(), sql_time(now.saturating_add(*window))))
            .collect();
        let now = sql_time(now);
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let mut counts = Vec::with_capacity(buckets.len());
            for (bucket, ends) in &buckets {
                let (hits, window_ends): (i64, i64) = tx
                    .prepare_cached(
                        "INSERT INTO rate_limits (bucket, window_ends, hits) VALUES (?1, ?3, 1) \
                         ON CONFLICT (bucket) DO UPDATE SET \
                           hits = CASE WHEN window_ends <= ?2 THEN 1 ELSE hits + 1 END, \
                           window_ends = CASE WHEN window_ends <= ?2 THEN ?3 ELSE window_ends END \
                         RETURNING hits, window_ends",
                    )?
                    .query_row(params![bucket, now, ends], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })?;
                counts.push(counted(hits, window_ends)?);
            }
            tx.commit()?;
            Ok(counts)
        })
        .await
    }

    async fn release(&self, forget: &str, refund: &str) -> Result<(), StoreError> {
        let (forget, refund) = (forget.to_owned(), refund.to_owned());
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.prepare_cached("DELETE FROM rate_limits WHERE bucket = ?1")?
                .execute(params![forget])?;
            tx.prepare_cached(
                "UPDATE rate_limits SET hits = hits - 1 WHERE bucket = ?1 AND hits > 0",
            )?
            .execute(params![refund])?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn sweep(&self, now: u64, idle: u64, lifetime: u64) -> Result<(), StoreError> {
        let idle_before = sql_time(now.saturating_sub(idle));
        let born_before = sql_time(now.saturating_sub(lifetime));
        let now = sql_time(now);
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2",
                params![idle_before, born_before],
            )?;
            tx.execute(
                "DELETE FROM rate_limits WHERE window_ends <= ?1",
                params![now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn check_durability(&self) -> Result<String, StoreError> {
        self.call(|conn| {
            let synchronous: i64 = conn.query_row("PRAGMA synchronous", [], |row| row.get(0))?;
            let journal: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
            // 2 is FULL, 3 EXTRA; an in-memory database has no file to lose.
            if synchronous < 2 {
                return Err(not_durable(&format!("PRAGMA synchronous = {synchronous}")));
            }
            Ok(format!(
                "journal_mode={journal}, synchronous={synchronous} (FULL or more)"
            ))
        })
        .await
    }

    fn time_spent(&self) -> Duration {
        Duration::from_nanos(self.spent_ns.load(Ordering::Relaxed))
    }
}

fn insert_audit(tx: &rusqlite::Transaction<'_>, entries: &[AuditEntry]) -> Result<(), StoreError> {
    for entry in entries {
        tx.prepare_cached(
            "INSERT INTO audit_events (user_id, at, kind, details) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            entry.user,
            sql_time(entry.at),
            entry.kind,
            entry.details
        ])?;
    }
    Ok(())
}

/// A counter read back from the database.
pub(super) fn counted(hits: i64, window_ends: i64) -> Result<Counted, StoreError> {
    Ok(Counted {
        count: u32::try_from(hits).unwrap_or(u32::MAX),
        window_ends: from_sql(window_ends, "window end")?,
    })
}

/// Versions are signed in SQL; one never gets near 2^63.
pub(super) fn sql_version(version: u64) -> Result<i64, SaveError> {
    i64::try_from(version)
        .map_err(|_| SaveError::Store(StoreError::Corrupt("version overflow".to_owned())))
}
