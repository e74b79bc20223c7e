//! What every handler shares.

use std::sync::Arc;

use mfa_core::ServerKeys;
use mfa_core::account::{Mfa, MfaPolicy};

use crate::clock::Clock;
use crate::delivery::CodeSender;
use crate::store::Store;
use crate::timings::Timings;

/// The server's state: the MFA policy and keys, the database, the sender, the clock.
#[derive(Clone)]
pub struct AppState {
    /// mfa-core's entry point (policy + server keys).
    pub mfa: Arc<Mfa>,
    /// The database.
    pub store: Arc<Store>,
    /// Email/SMS delivery.
    pub sender: Arc<dyn CodeSender>,
    /// Where `now` comes from.
    pub clock: Arc<dyn Clock>,
    /// Where the time goes.
    pub timings: Arc<Timings>,
}

impl AppState {
    /// State with the default policy (issuer "mfa-server"), under `keys`: a
    /// [`ServerKeys`] ring, or one [`ServerKey`](mfa_core::ServerKey).
    #[must_use]
    pub fn new(
        keys: impl Into<ServerKeys>,
        store: Arc<Store>,
        sender: Arc<dyn CodeSender>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self::with_policy(
            MfaPolicy::default().with_issuer("mfa-server"),
            keys,
            store,
            sender,
            clock,
        )
    }

    /// State with `policy` (a stricter throttle, say, or a test's small limits).
    #[must_use]
    pub fn with_policy(
        policy: MfaPolicy,
        keys: impl Into<ServerKeys>,
        store: Arc<Store>,
        sender: Arc<dyn CodeSender>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        AppState {
            mfa: Arc::new(Mfa::new(policy, keys)),
            store,
            sender,
            clock,
            timings: Arc::new(Timings::default()),
        }
    }
}
