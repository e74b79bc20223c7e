//! The result of every operation that can change an account: the new record, which
//! must be stored, and the outcome, which is read only through storing it.

use alloc::vec::Vec;

use super::event::Event;
use super::record::Account;
use crate::error::Error;

/// What an operation did: the result and the events to act on.
#[derive(Debug)]
#[must_use = "read the result, and act on the events"]
pub struct Outcome<T> {
    /// What the operation returns, or why it failed.
    pub result: Result<T, Error>,
    /// What the server should act on (notifications, audit), in order.
    pub events: Vec<Event>,
}

impl<T> Outcome<T> {
    /// A call refused before anything happened.
    pub(crate) const fn failed(error: Error) -> Self {
        Outcome {
            result: Err(error),
            events: Vec::new(),
        }
    }
}

/// An operation's effect on an [`Account`], returned by every [`Mfa`](super::Mfa)
/// operation.
///
/// # Persist, then answer
///
/// **A failed attempt changes the account** (failure counters, challenge attempts,
/// the lockout clock). If the changed record is not stored, an attacker who keeps
/// guessing is never throttled. So the outcome is only reachable through
/// [`persist`](Self::persist), which hands you the record to store first and gives
/// the outcome back only once storing succeeded:
///
/// ```ignore
/// let loaded = account.version();
/// let outcome = mfa
///     .verify_login(&mut account, &token, code, now)
///     .persist(|record, expected| db.compare_and_swap(user, expected, record))?;
/// notify(&outcome.events);
/// let verified = outcome.result?; // now answer the user
/// ```
///
/// `expected` is the version the account had when loaded: store with a
/// compare-and-swap (`UPDATE … SET state = ?, version = ? WHERE user = ? AND version
/// = ?expected`) so two servers can never both accept the same code. If the swap
/// finds another version, return an error from the closure, reload and retry.
///
/// Calls that changed nothing (a malformed code, a token of the wrong purpose) skip
/// the closure. [`in_memory`](Self::in_memory) is for tests and single-process demos
/// whose `Account` value is the only copy.
#[must_use = "a failed attempt changes the account too: persist it, then read the outcome"]
#[derive(Debug)]
pub struct Change<'a, T> {
    account: &'a Account,
    loaded_version: u64,
    outcome: Outcome<T>,
}

impl<'a, T> Change<'a, T> {
    pub(crate) fn new(account: &'a Account, loaded_version: u64, outcome: Outcome<T>) -> Self {
        Change {
            account,
            loaded_version,
            outcome,
        }
    }

    /// Whether the account changed (its version increased): whether there is
    /// anything to store.
    #[must_use]
    pub fn is_changed(&self) -> bool {
        self.account.version() != self.loaded_version
    }

    /// The version the account had before the operation: the `WHERE version = ?` of
    /// a compare-and-swap.
    #[must_use]
    pub const fn expected_version(&self) -> u64 {
        self.loaded_version
    }

    /// Stores the account with `save(record, expected_version)` when it changed, and
    /// only then returns the outcome.
    ///
    /// # Errors
    /// Whatever `save` returns; the outcome is then withheld, because it is not true
    /// until stored (reload the record and run the operation again).
    pub fn persist<E>(
        self,
        save: impl FnOnce(&Account, u64) -> Result<(), E>,
    ) -> Result<Outcome<T>, E> {
        if self.is_changed() {
            save(self.account, self.loaded_version)?;
        }
        Ok(self.outcome)
    }

    /// Stores the account with `save(record, expected_version)` when it changed, and
    /// only then returns the outcome: [`persist`](Self::persist) for an async
    /// database driver.
    ///
    /// `save` runs at once, with the record borrowed; the future it returns may not
    /// borrow the record, so encode it inside `save` and move the bytes into the
    /// future:
    ///
    /// ```ignore
    /// let outcome = mfa
    ///     .verify_login(&mut account, &token, code, now)
    ///     .persist_async(|record, expected| {
    ///         let json = serde_json::to_string(record);
    ///         async move { db.compare_and_swap(user, expected, json?).await }
    ///     })
    ///     .await?;
    /// ```
    ///
    /// # Errors
    /// Whatever the future resolves to; the outcome is then withheld, as with
    /// [`persist`](Self::persist).
    pub async fn persist_async<E, F>(
        self,
        save: impl FnOnce(&Account, u64) -> F,
    ) -> Result<Outcome<T>, E>
    where
        F: Future<Output = Result<(), E>>,
    {
        if self.is_changed() {
            save(self.account, self.loaded_version).await?;
        }
        Ok(self.outcome)
    }

    /// The events the operation returns, readable before storing: to write them to
    /// an audit table in the same transaction as the record (the outcome carries
    /// them too).
    #[must_use]
    pub fn events(&self) -> &[Event] {
        &self.outcome.events
    }

    /// The outcome, when the `Account` you hold is the only copy of the record (tests,
    /// a single-process demo). A server that stores records uses
    /// [`persist`](Self::persist).
    pub fn in_memory(self) -> Outcome<T> {
        self.outcome
    }
}
