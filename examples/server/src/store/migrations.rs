//! Schema migrations, one numbered SQL file per change and per database, applied in
//! order at start-up, each in its own transaction, and recorded in
//! `schema_migrations`. A database that records a migration this server does not
//! know (written by a newer server) is refused rather than guessed at.
//!
//! To change the schema, add the next file to both lists; never edit one that has
//! shipped.

/// A migration: its number, its name, its SQL.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

/// SQLite's migrations, in order.
pub(crate) const SQLITE: &[Migration] = &[Migration {
    version: 1,
    name: "initial",
    sql: include_str!("migrations/sqlite/0001_initial.sql"),
}];

/// PostgreSQL's migrations, in order.
pub(crate) const POSTGRES: &[Migration] = &[Migration {
    version: 1,
    name: "initial",
    sql: include_str!("migrations/postgres/0001_initial.sql"),
}];

/// The table that records what was applied (the same SQL on both databases).
pub(crate) const LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// The migrations still to apply to a database that recorded `applied`.
///
/// # Errors
/// A recorded version this server does not know: the database was migrated by a
/// newer server.
pub(crate) fn pending<'a>(
    all: &'a [Migration],
    applied: &[i64],
) -> Result<Vec<&'a Migration>, super::StoreError> {
    if let Some(unknown) = applied
        .iter()
        .find(|version| !all.iter().any(|m| m.version == **version))
    {
        return Err(super::StoreError::Schema(format!(
            "the database records migration {unknown}, which this server does not know: \
             it was migrated by a newer server"
        )));
    }
    Ok(all
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{Migration, POSTGRES, SQLITE, pending};

    #[test]
    fn both_databases_have_the_same_numbered_migrations_in_order() {
        let numbers =
            |list: &[Migration]| list.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>();
        assert_eq!(numbers(SQLITE), numbers(POSTGRES));
        for (n, m) in (1..).zip(SQLITE) {
            assert_eq!(m.version, n, "migrations are numbered 1, 2, … with no gap");
        }
    }

    #[test]
    fn pending_skips_what_was_applied_and_refuses_what_it_does_not_know() {
        assert_eq!(
            pending(SQLITE, &[]).map(|p| p.len()).ok(),
            Some(SQLITE.len())
        );
        assert_eq!(
            pending(SQLITE, &[1]).map(|p| p.len()).ok(),
            Some(SQLITE.len() - 1)
        );
        assert!(pending(SQLITE, &[1, 99]).is_err());
    }
}
