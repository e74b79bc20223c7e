//! Sending email and SMS codes. mfa-core hands over a [`Delivery`] (channel,
//! address, code) and sends nothing itself; a real server plugs its mailer and SMS
//! gateway in here.

use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;

use mfa_core::account::Delivery;
use serde_json::json;

use crate::iso8601;
use crate::store::UserId;

/// Why a message was not sent: the request answers 500 and the user can resend.
#[derive(Debug)]
pub struct SendError(pub String);

/// Sends a code to the user. Called only after the record that holds the code's
/// hash was stored (so a code that arrives can always be checked), and after the
/// per-destination limit allowed it.
#[async_trait::async_trait]
pub trait CodeSender: Send + Sync {
    /// Sends `delivery.code()` to `delivery.destination()` on `delivery.channel()`.
    ///
    /// # Errors
    /// The gateway's failure.
    async fn send(&self, user: UserId, delivery: &Delivery, now: u64) -> Result<(), SendError>;
}

/// How many messages the [`Outbox`] keeps in memory (the oldest go first).
const KEPT: usize = 10_000;

/// One message the [`Outbox`] kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// `email` or `sms`.
    pub channel: &'static str,
    /// The address or number.
    pub destination: String,
    /// The code.
    pub code: String,
}

/// The development sender: keeps every message in memory (tests read it) and, when
/// given a file, appends it there as a JSON line for a developer to read. Never
/// the main database: a live code there would let anyone who reads the database
/// confirm a setup or a sign-in. The file is created readable by this user only.
/// Replace it with your mailer and SMS gateway in production.
pub struct Outbox {
    messages: Mutex<Vec<Message>>,
    file: Option<Mutex<std::fs::File>>,
}

impl Outbox {
    /// An outbox in memory only.
    #[must_use]
    pub fn in_memory() -> Self {
        Outbox {
            messages: Mutex::new(Vec::new()),
            file: None,
        }
    }

    /// An outbox that also appends to the file at `path` (mode 0600).
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn with_file(path: &Path) -> std::io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        Ok(Outbox {
            messages: Mutex::new(Vec::new()),
            file: Some(Mutex::new(options.open(path)?)),
        })
    }

    fn messages(&self) -> std::sync::MutexGuard<'_, Vec<Message>> {
        self.messages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The last code sent to `destination`: what the user reads in their inbox.
    #[must_use]
    pub fn last_code_to(&self, destination: &str) -> Option<String> {
        self.messages()
            .iter()
            .rev()
            .find(|m| m.destination == destination)
            .map(|m| m.code.clone())
    }

    /// How many messages went to `destination`.
    #[must_use]
    pub fn messages_to(&self, destination: &str) -> usize {
        self.messages()
            .iter()
            .filter(|m| m.destination == destination)
            .count()
    }
}

#[async_trait::async_trait]
impl CodeSender for Outbox {
    async fn send(&self, user: UserId, delivery: &Delivery, now: u64) -> Result<(), SendError> {
        let message = Message {
            channel: delivery.channel().name(),
            destination: delivery.destination().to_owned(),
            code: delivery.code().as_str().to_owned(),
        };
        if let Some(file) = &self.file {
            let line = json!({
                "at": iso8601::format(now),
                "user": user,
                "channel": message.channel,
                "to": message.destination,
                "code": message.code,
            });
            let mut file = file
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            writeln!(file, "{line}").map_err(|e| SendError(e.to_string()))?;
        }
        let mut messages = self.messages();
        if messages.len() >= KEPT {
            messages.remove(0);
        }
        messages.push(message);
        Ok(())
    }
}
