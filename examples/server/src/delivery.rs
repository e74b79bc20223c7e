//! Sending email and SMS codes. mfa-core hands over a [`Delivery`] (channel,
//! address, code) and sends nothing itself; a real server plugs its mailer and SMS
//! gateway in here.

use std::sync::Arc;

use mfa_core::account::Delivery;

use crate::store::{Store, StoreError, UserId};

/// Sends a code to the user. Called only after the record that holds the code's hash
/// was stored, so a code that arrives can always be checked.
pub trait CodeSender: Send + Sync {
    /// Sends `delivery.code()` to `delivery.destination()` on `delivery.channel()`.
    ///
    /// # Errors
    /// The gateway's failure; the request answers 500 and the user can resend.
    fn send(&self, user: UserId, delivery: &Delivery, now: u64) -> Result<(), StoreError>;
}

/// The default sender: writes every message to the `outbox` table, where tests (and
/// a developer) read it.
pub struct Outbox {
    store: Arc<Store>,
}

impl Outbox {
    /// An outbox in `store`.
    #[must_use]
    pub fn new(store: Arc<Store>) -> Self {
        Outbox { store }
    }
}

impl CodeSender for Outbox {
    fn send(&self, user: UserId, delivery: &Delivery, now: u64) -> Result<(), StoreError> {
        self.store.push_outbox(
            user,
            delivery.channel().name(),
            delivery.destination(),
            delivery.code().as_str(),
            now,
        )
    }
}
