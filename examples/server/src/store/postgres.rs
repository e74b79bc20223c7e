//! [`Store`] on PostgreSQL: one database for a fleet of servers.
//!
//! A pool of connections (deadpool over tokio-postgres). Every connection runs with
//! `synchronous_commit = on`, whatever the cluster's default, so a commit is on
//! stable storage before the answer leaves, and with a statement timeout, so a
//! stuck query fails the request instead of holding its connection. Migrations
//! run under an advisory lock: servers starting together apply each one once.
//!
//! Connections are plain TCP or a Unix socket: keep the database on a private
//! network or the same host (this server has no TLS client built in).

use std::str::FromStr as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::migrations::{self, Migration};
use super::sqlite::{counted, sql_version};
use super::{
    AuditEntry, Counted, Credentials, Durability, Revoke, Save, SaveError, SessionRecord, Store,
    StoreError, UserId, from_sql, not_durable, sql_time,
};

/// Any number, as long as it is the same on every server: the advisory lock
/// migrations take.
const MIGRATION_LOCK: i64 = 0x6d66_615f_6d69_6772;

/// The PostgreSQL store.
pub struct PostgresStore {
    pool: Pool,
    /// Time spent in PostgreSQL (waiting for a connection included), nanoseconds.
    spent_ns: AtomicU64,
}

/// A connection from the pool, timed until dropped.
struct Held<'a> {
    conn: Object,
    since: Instant,
    spent_ns: &'a AtomicU64,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let spent = u64::try_from(self.since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.spent_ns.fetch_add(spent, Ordering::Relaxed);
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`
    /// or `postgres:///db?host=/run/postgresql`) with up to `pool_size`
    /// connections, and applies pending migrations.
    ///
    /// # Errors
    /// A malformed URL, a refused connection, a failed migration.
    pub async fn connect(url: &str, pool_size: usize) -> Result<Self, StoreError> {
        Self::connect_with(url, pool_size, Durability::Durable).await
    }

    /// As [`connect`](Self::connect), committing with `durability`.
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    pub async fn connect_with(
        url: &str,
        pool_size: usize,
        durability: Durability,
    ) -> Result<Self, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url)?;
        let synchronous = match durability {
            Durability::Durable => "on",
            Durability::LossyForMeasurement => "off",
        };
        // Appended to the URL's own options, so these win.
        let options = format!(
            "{} -c synchronous_commit={synchronous} -c statement_timeout=10000",
            config.get_options().unwrap_or_default()
        );
        config.options(options.trim());
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .wait_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Postgres(e.to_string()))?;
        let store = PostgresStore {
            pool,
            spent_ns: AtomicU64::new(0),
        };
        store.migrate(migrations::POSTGRES).await?;
        Ok(store)
    }

    async fn conn(&self) -> Result<Held<'_>, StoreError> {
        let since = Instant::now();
        let conn = self.pool.get().await?;
        Ok(Held {
            conn,
            since,
            spent_ns: &self.spent_ns,
        })
    }

    async fn migrate(&self, all: &[Migration]) -> Result<(), StoreError> {
        let mut held = self.conn().await?;
        let tx = held.conn.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(migrations::LEDGER).await?;
        let applied: Vec<i64> = tx
            .query("SELECT version FROM schema_migrations", &[])
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        for migration in migrations::pending(all, &applied)? {
            tx.batch_execute(migration.sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) \
                 VALUES ($1, $2, extract(epoch from now())::bigint)",
                &[&migration.version, &migration.name],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        now: u64,
    ) -> Result<Option<UserId>, StoreError> {
        let held = self.conn().await?;
        let row = held
            .conn
            .query_opt(
                "INSERT INTO users (username, password_hash, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (username) DO NOTHING RETURNING id",
                &[&username, &password_hash, &sql_time(now)],
            )
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError> {
        let held = self.conn().await?;
        let row = held
            .conn
            .query_opt(
                "SELECT id, password_hash FROM users WHERE username = $1",
                &[&username],
            )
            .await?;
        Ok(row
            .map(|row| {
                Ok::<_, tokio_postgres::Error>(Credentials {
                    user: row.try_get(0)?,
                    password_hash: row.try_get(1)?,
                })
            })
            .transpose()?)
    }

    async fn username(&self, user: UserId) -> Result<Option<String>, StoreError> {
        let held = self.conn().await?;
        let row = held
            .conn
            .query_opt("SELECT username FROM users WHERE id = $1", &[&user])
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    async fn set_password_hash(&self, user: UserId, password_hash: &str) -> Result<(), StoreError> {
        let held = self.conn().await?;
        held.conn
            .execute(
                "UPDATE users SET password_hash = $2 WHERE id = $1",
                &[&user, &password_hash],
            )
            .await?;
        Ok(())
    }

    async fn load_state(&self, user: UserId) -> Result<Option<String>, StoreError> {
        let held = self.conn().await?;
        let row = held
            .conn
            .query_opt(
                "SELECT state FROM mfa_accounts WHERE user_id = $1",
                &[&user],
            )
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    async fn save_state(&self, save: Save) -> Result<(), SaveError> {
        let version = sql_version(save.version)?;
        let expected = sql_version(save.expected)?;
        let mut held = self.conn().await?;
        let tx = held.conn.transaction().await?;
        // Under READ COMMITTED a concurrent UPDATE of the row waits for the first
        // to commit, then re-checks `version`, finds it moved, and writes nothing.
        let written = if expected == 0 {
            tx.execute(
                "INSERT INTO mfa_accounts (user_id, state, version) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id) DO NOTHING",
                &[&save.user, &save.state, &version],
            )
            .await?
        } else {
            tx.execute(
                "UPDATE mfa_accounts SET state = $2, version = $3 \
                 WHERE user_id = $1 AND version = $4",
                &[&save.user, &save.state, &version, &expected],
            )
            .await?
        };
        if written != 1 {
            return Err(SaveError::Conflict);
        }
        tx.execute("DELETE FROM challenges WHERE user_id = $1", &[&save.user])
            .await?;
        if !save.challenge_keys.is_empty() {
            tx.execute(
                "INSERT INTO challenges (lookup_key, user_id) SELECT k, $2 FROM unnest($1::text[]) AS k \
                 ON CONFLICT (lookup_key) DO UPDATE SET user_id = excluded.user_id",
                &[&save.challenge_keys, &save.user],
            )
            .await?;
        }
        insert_audit(&tx, &save.audit).await?;
        if let Revoke::AllBut(keep) = &save.revoke {
            tx.execute(
                "DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2",
                &[&save.user, keep],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn challenge_owner(&self, lookup_key: &str) -> Result<Option<UserId>, StoreError> {
        let held = self.conn().await?;
        let row = held
            .conn
            .query_opt(
                "SELECT user_id FROM challenges WHERE lookup_key = $1",
                &[&lookup_key],
            )
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: u64,
        audit: &[AuditEntry],
    ) -> Result<(), StoreError> {
        let mut held = self.conn().await?;
        let tx = held.conn.transaction().await?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $3)",
            &[&token_hash, &user, &sql_time(now)],
        )
        .await?;
        insert_audit(&tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let held = self.conn().await?;
        let row = held
            .conn
            .query_opt(
                "SELECT user_id, created_at, last_seen_at FROM sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await?;
        row.map(|row| {
            Ok(SessionRecord {
                user: row.try_get(0)?,
                created_at: from_sql(row.try_get(1)?, "session time")?,
                last_seen_at: from_sql(row.try_get(2)?, "session time")?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, now: u64) -> Result<(), StoreError> {
        let held = self.conn().await?;
        held.conn
            .execute(
                "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
                &[&token_hash, &sql_time(now)],
            )
            .await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let held = self.conn().await?;
        let deleted = held
            .conn
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
            .await?;
        Ok(deleted == 1)
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let mut held = self.conn().await?;
        let tx = held.conn.transaction().await?;
        insert_audit(&tx, entries).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_trail(&self, user: UserId) -> Result<Vec<AuditEntry>, StoreError> {
        let held = self.conn().await?;
        held.conn
            .query(
                "SELECT at, kind, details FROM audit_events WHERE user_id = $1 ORDER BY id",
                &[&user],
            )
            .await?
            .iter()
            .map(|row| {
                Ok(AuditEntry {
                    user,
                    at: from_sql(row.try_get(0)?, "audit time")?,
                    kind: row.try_get(1)?,
                    details: row.try_get(2)?,
                })
            })
            .collect()
    }

    async fn hit(&self, buckets: &[(&str, u64)], now: u64) -> Result<Vec<Counted>, StoreError> {
        let mut held = self.conn().await?;
        let tx = held.conn.transaction().await?;
        let mut counts = Vec::with_capacity(buckets.len());
        for (bucket, window) in buckets {
            let ends = sql_time(now.saturating_add(*window));
            let row = tx
                .query_one(
                    "INSERT INTO rate_limits AS r (bucket, window_ends, hits) VALUES ($1, $3, 1) \
                     ON CONFLICT (bucket) DO UPDATE SET \
                       hits = CASE WHEN r.window_ends <= $2 THEN 1 ELSE r.hits + 1 END, \
                       window_ends = CASE WHEN r.window_ends <= $2 THEN $3 ELSE r.window_ends END \
                     RETURNING hits, window_ends",
                    &[bucket, &sql_time(now), &ends],
                )
                .await?;
            counts.push(counted(
                i64::from(row.try_get::<_, i32>(0)?),
                row.try_get(1)?,
            )?);
        }
        tx.commit().await?;
        Ok(counts)
    }

    async fn release(&self, forget: &str, refund: &str) -> Result<(), StoreError> {
        let mut held = self.conn().await?;
        let tx = held.conn.transaction().await?;
        tx.execute("DELETE FROM rate_limits WHERE bucket = $1", &[&forget])
            .await?;
        tx.execute(
            "UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND hits > 0",
            &[&refund],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sweep(&self, now: u64, idle: u64, lifetime: u64) -> Result<(), StoreError> {
        let idle_before = sql_time(now.saturating_sub(idle));
        let born_before = sql_time(now.saturating_sub(lifetime));
        let mut held = self.conn().await?;
        let tx = held.conn.transaction().await?;
        tx.execute(
            "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2",
            &[&idle_before, &born_before],
        )
        .await?;
        tx.execute(
            "DELETE FROM rate_limits WHERE window_ends <= $1",
            &[&sql_time(now)],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn check_durability(&self) -> Result<String, StoreError> {
        let held = self.conn().await?;
        let mut settings = Vec::new();
        for setting in ["synchronous_commit", "fsync"] {
            let row = held.conn.query_one(&format!("SHOW {setting}"), &[]).await?;
            let value: String = row.try_get(0)?;
            // Every synchronous_commit but off waits for this server's disk (on,
            // remote_write and remote_apply wait for standbys as well).
            if value == "off" {
                return Err(not_durable(&format!("{setting} = {value}")));
            }
            settings.push(format!("{setting}={value}"));
        }
        Ok(settings.join(", "))
    }

    fn time_spent(&self) -> Duration {
        Duration::from_nanos(self.spent_ns.load(Ordering::Relaxed))
    }
}

async fn insert_audit(
    tx: &deadpool_postgres::Transaction<'_>,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    for entry in entries {
        tx.execute(
            "INSERT INTO audit_events (user_id, at, kind, details) VALUES ($1, $2, $3, $4)",
            &[
                &entry.user,
                &sql_time(entry.at),
                &entry.kind,
                &entry.details,
            ],
        )
        .await?;
    }
    Ok(())
}
