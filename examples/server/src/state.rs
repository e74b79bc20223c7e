//! What every handler shares.

use std::sync::Arc;

use axum::http::HeaderName;
use mfa_core::account::{Mfa, MfaPolicy};
use mfa_core::{ServerKey, ServerKeys};

use crate::audit::{LogNotifier, Notifier};
use crate::clock::{Clock, SystemClock};
use crate::delivery::{CodeSender, Outbox};
use crate::password::{Cost, Passwords};
use crate::session::Sessions;
use crate::store::Store;
use crate::timings::Timings;

/// The server's state: the MFA policy and keys, the database, the sender and
/// notifier, the clock, the password hasher and the session limits.
#[derive(Clone)]
pub struct AppState {
    /// mfa-core's entry point (policy + server keys).
    pub mfa: Arc<Mfa>,
    /// The database.
    pub store: Arc<dyn Store>,
    /// Email/SMS delivery.
    pub sender: Arc<dyn CodeSender>,
    /// Tells users what happened to their account.
    pub notifier: Arc<dyn Notifier>,
    /// Where `now` comes from.
    pub clock: Arc<dyn Clock>,
    /// Password hashing.
    pub passwords: Arc<Passwords>,
    /// How long sessions live.
    pub sessions: Sessions,
    /// The header a trusted reverse proxy puts the client's address in, if any.
    pub client_ip_header: Option<HeaderName>,
    /// The current server key, for keyed digests of destinations.
    pub lookup_key: Arc<ServerKey>,
    /// Where the time goes.
    pub timings: Arc<Timings>,
    /// The keys `mfa` was made with, to make it again under another policy.
    keys: ServerKeys,
}

impl AppState {
    /// State over `store` under `keys` (a [`ServerKeys`] ring, or one
    /// [`ServerKey`]), with the defaults: mfa-core's default policy (issuer
    /// "mfa-server"), an in-memory [`Outbox`], the [`LogNotifier`], the system
    /// clock, Argon2id at [`Cost::RECOMMENDED`], [`Sessions::default`].
    ///
    /// # Errors
    /// None for the defaults (the message of a refused Argon2id cost otherwise).
    pub fn new(keys: impl Into<ServerKeys>, store: Arc<dyn Store>) -> Result<Self, String> {
        let keys = keys.into();
        Ok(AppState {
            lookup_key: Arc::new(keys.current().clone()),
            mfa: Arc::new(Mfa::new(
                MfaPolicy::default().with_issuer("mfa-server"),
                keys.clone(),
            )),
            store,
            sender: Arc::new(Outbox::in_memory()),
            notifier: Arc::new(LogNotifier),
            clock: Arc::new(SystemClock),
            passwords: Arc::new(Passwords::new(Cost::RECOMMENDED)?),
            sessions: Sessions::default(),
            client_ip_header: None,
            timings: Arc::new(Timings::default()),
            keys,
        })
    }

    /// With `policy` (a stricter throttle, say, or a test's small limits), under the
    /// same keys.
    #[must_use]
    pub fn with_policy(mut self, policy: MfaPolicy) -> Self {
        self.mfa = Arc::new(Mfa::new(policy, self.keys.clone()));
        self
    }

    /// With `sender` for email and SMS codes.
    #[must_use]
    pub fn with_sender(mut self, sender: Arc<dyn CodeSender>) -> Self {
        self.sender = sender;
        self
    }

    /// With `notifier` for account events.
    #[must_use]
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    /// With `clock` for `now`.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// With passwords hashed at `cost`.
    ///
    /// # Errors
    /// A cost Argon2id refuses.
    pub fn with_password_cost(mut self, cost: Cost) -> Result<Self, String> {
        self.passwords = Arc::new(Passwords::new(cost)?);
        Ok(self)
    }

    /// With these session limits.
    #[must_use]
    pub fn with_sessions(mut self, sessions: Sessions) -> Self {
        self.sessions = sessions;
        self
    }

    /// Taking the client's address from `header` (set by a trusted proxy).
    #[must_use]
    pub fn with_client_ip_header(mut self, header: Option<HeaderName>) -> Self {
        self.client_ip_header = header;
        self
    }
}
