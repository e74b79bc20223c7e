//! What the operations hand back to show or send: prompts, deliveries, enrolment
//! material.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::compat::CompatibilityReport;
use crate::method::Method;
use crate::oob::{OobChannel, OobCode};
use crate::secret::Secret;
use crate::sensitive::SensitiveText;

/// A code to deliver: send `code` to `destination` on `channel`, then drop it.
/// `Debug` redacts the code.
#[must_use = "the user cannot answer a code that was never sent"]
pub struct Delivery {
    pub(crate) channel: OobChannel,
    pub(crate) destination: String,
    pub(crate) code: OobCode,
    pub(crate) expires_at: u64,
}

impl Delivery {
    /// Email or SMS.
    #[must_use]
    pub const fn channel(&self) -> OobChannel {
        self.channel
    }

    /// The full address or phone number to send to.
    #[must_use]
    pub fn destination(&self) -> &str {
        &self.destination
    }

    /// The destination masked for display (`j•••@example.com`, `•••• 1234`): what
    /// the response may show.
    #[must_use]
    pub fn hint(&self) -> String {
        self.channel.mask(&self.destination)
    }

    /// The code to send.
    ///
    /// **Security warning:** it completes the user's second factor. Put it in the
    /// message, nowhere else: not in logs, not in the HTTP response.
    pub const fn code(&self) -> &OobCode {
        &self.code
    }
}

impl Delivery {
    /// When the code stops working, Unix seconds: at the latest when its challenge
    /// expires. For the message ("valid until …").
    #[must_use]
    pub const fn expires_at(&self) -> u64 {
        self.expires_at
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("channel", &self.channel)
            .field("expires_at", &self.expires_at)
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

/// Why a challenge began without sending its email / SMS code. The challenge is
/// live all the same: the user can type a backup code or switch to another method
/// now, or ask for the code with [`Mfa::resend`](super::Mfa::resend) at `retry_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Withheld {
    /// A delay after wrong codes runs: no code is sent or looked at before
    /// `retry_at`.
    Throttled {
        /// Unix seconds.
        retry_at: u64,
    },
    /// The account's hourly budget of sent codes is spent.
    SendLimit {
        /// Unix seconds.
        retry_at: u64,
    },
}

impl Withheld {
    /// A stable machine-readable name: `"throttled"` or `"send_limit"`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Withheld::Throttled { .. } => "throttled",
            Withheld::SendLimit { .. } => "send_limit",
        }
    }

    /// When the code can be asked for, Unix seconds.
    #[must_use]
    pub const fn retry_at(&self) -> u64 {
        match self {
            Withheld::Throttled { retry_at } | Withheld::SendLimit { retry_at } => *retry_at,
        }
    }
}

/// What a user is asked for by a challenge that verifies an enabled method (login,
/// disable, regenerate, the step-up before adding a method): what an MFA
/// API answers as `pending_provider_mfa` with `method` and `hint`.
#[derive(Debug)]
#[must_use = "send the delivery, if any, and show the prompt"]
pub struct Prompt {
    pub(crate) method: Method,
    pub(crate) methods: Vec<Method>,
    pub(crate) hint: Option<String>,
    pub(crate) delivery: Option<Delivery>,
    pub(crate) withheld: Option<Withheld>,
    pub(crate) expires_at: u64,
    pub(crate) backup_codes_accepted: bool,
}

impl Prompt {
    /// The method whose code is expected now.
    #[must_use]
    pub const fn method(&self) -> Method {
        self.method
    }

    /// Every enabled method: what the user may switch to.
    #[must_use]
    pub fn methods(&self) -> &[Method] {
        &self.methods
    }

    /// The masked destination for email and SMS (`j•••@example.com`, `•••• 1234`).
    #[must_use]
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The code to send, for email and SMS. Take it with
    /// [`take_delivery`](Self::take_delivery) to move it to your mailer.
    #[must_use]
    pub const fn delivery(&self) -> Option<&Delivery> {
        self.delivery.as_ref()
    }

    /// Moves the delivery out (for a mailer that takes ownership).
    pub fn take_delivery(&mut self) -> Option<Delivery> {
        self.delivery.take()
    }

    /// Why the email / SMS code of [`method`](Self::method) was not sent, when it
    /// was not. Tell the user; the other methods and backup codes still work.
    #[must_use]
    pub const fn withheld(&self) -> Option<Withheld> {
        self.withheld
    }

    /// When the challenge expires, Unix seconds.
    #[must_use]
    pub const fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Whether a backup code is accepted in place of the method's code.
    #[must_use]
    pub const fn backup_codes_accepted(&self) -> bool {
        self.backup_codes_accepted
    }
}

/// A new authenticator secret to show: the `otpauth://` URI (for a QR code), the
/// secret (for typing in), and what common apps will ignore of its settings.
#[must_use = "the user must be shown the secret to enrol the app"]
pub struct TotpEnrollment {
    pub(crate) secret: Secret,
    pub(crate) uri: SensitiveText,
    pub(crate) compatibility: CompatibilityReport,
}

impl TotpEnrollment {
    /// The secret; show [`Secret::to_base32`] for manual entry.
    #[must_use]
    pub const fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The `otpauth://` Key URI, for a QR code.
    pub const fn uri(&self) -> &SensitiveText {
        &self.uri
    }

    /// The [`uri`](TotpEnrollment::uri) as a QR code in SVG, for the user's app to
    /// scan. Available with the `qr` feature; drawn, and to be handled, as
    /// [`KeyUri::to_qr_svg`](crate::uri::KeyUri::to_qr_svg) says: it carries the
    /// secret.
    ///
    /// # Errors
    /// [`Error::UriTooLongForQr`](crate::error::Error::UriTooLongForQr) when the
    /// issuer and account name make the URI longer than a QR code carries.
    #[cfg(feature = "qr")]
    pub fn to_qr_svg(&self) -> Result<SensitiveText, crate::error::Error> {
        crate::uri::qr_svg(&self.uri)
    }

    /// Settings of this secret that some authenticator apps ignore (empty for the
    /// default configuration).
    #[must_use]
    pub const fn compatibility(&self) -> &CompatibilityReport {
        &self.compatibility
    }
}

impl fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpEnrollment")
            .field("secret", &self.secret)
            .field("uri", &self.uri)
            .field("compatibility", &self.compatibility)
            .finish()
    }
}

/// What the user needs to confirm a method being enrolled.
#[derive(Debug)]
#[must_use = "show the secret, or send the code"]
// Returned once per enrolment and moved straight into a response: boxing the secret
// would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum SetupMaterial {
    /// Show the secret / QR code; the user confirms with the app's first code.
    Authenticator(TotpEnrollment),
    /// Send this code to the new address or number; the user types it back.
    Oob(Delivery),
}
