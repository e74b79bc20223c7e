//! Time spent in mfa-core and in password hashing, for the load generator's
//! "where the time goes" (the store counts its own,
//! [`Store::time_spent`](crate::Store::time_spent)).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A running total, in nanoseconds.
#[derive(Debug, Default)]
pub struct Timings {
    library_ns: AtomicU64,
    password_ns: AtomicU64,
}

impl Timings {
    /// Adds time spent in mfa-core (the operation, and decoding and encoding the
    /// record with its serde code).
    pub fn add_library(&self, spent: Duration) {
        let nanos = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        self.library_ns.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Adds time spent checking or hashing a password (waiting for a core
    /// included).
    pub fn add_password(&self, spent: Duration) {
        let nanos = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        self.password_ns.fetch_add(nanos, Ordering::Relaxed);
    }

    /// mfa-core's total so far.
    #[must_use]
    pub fn library(&self) -> Duration {
        Duration::from_nanos(self.library_ns.load(Ordering::Relaxed))
    }

    /// Password hashing's total so far.
    #[must_use]
    pub fn password(&self) -> Duration {
        Duration::from_nanos(self.password_ns.load(Ordering::Relaxed))
    }
}
