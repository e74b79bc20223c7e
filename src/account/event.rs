//! What happened, for the server to act on: notify the user, alert, audit.

use crate::method::Method;

/// Something the server should act on after persisting the account: most of these
/// deserve an email or push notice to the user ("a new sign-in method was added").
///
/// Events come with failures as well as successes: a lockout and a reused code are
/// reported on the call that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A method was confirmed and enabled.
    MethodEnabled {
        /// The method.
        method: Method,
    },
    /// A method was turned off.
    MethodDisabled {
        /// The method.
        method: Method,
    },
    /// The last method was turned off: every secret, the backup codes and every
    /// challenge were wiped, and sign-in no longer asks for a second factor.
    MfaTurnedOff,
    /// Backup codes were issued with the first enabled method (shown once).
    BackupCodesIssued {
        /// Codes in the set.
        count: usize,
    },
    /// A backup code signed the user in or proved a step.
    BackupCodeUsed {
        /// Unused codes left.
        remaining: usize,
        /// Whether that is at or below the policy's "running low" mark: offer
        /// regeneration.
        running_low: bool,
    },
    /// The backup codes were replaced; every old code stopped working.
    BackupCodesRegenerated {
        /// Codes in the new set.
        count: usize,
    },
    /// Too many consecutive failures: the account refuses codes until `until`.
    /// Someone may hold the password: tell the user to change it.
    LockoutStarted {
        /// When codes are accepted again, Unix seconds.
        until: u64,
    },
    /// The account reached the policy's most consecutive failures
    /// ([`ThrottlePolicy::max_failures`](super::ThrottlePolicy::max_failures)): its
    /// second factor is hard-locked until a privileged recovery. Tell the user and
    /// your support desk; someone has been guessing with the password for a while.
    MfaLocked {
        /// The consecutive failures counted.
        failures: u32,
    },
    /// A privileged [`Mfa::unlock`](super::Mfa::unlock) cleared the failure count,
    /// delay, lockout or hard lock; every method and backup code was kept.
    Unlocked {
        /// The consecutive failures that were cleared.
        failures: u32,
    },
    /// A privileged [`Mfa::reset_factors`](super::Mfa::reset_factors) wiped every
    /// method, backup code and challenge and cleared the failure count. It comes
    /// after the [`MethodDisabled`](Self::MethodDisabled) and
    /// [`MfaTurnedOff`](Self::MfaTurnedOff) events of what it wiped.
    MfaReset,
    /// A correct authenticator code was presented again (its time step was already
    /// used). Counted as a failure; it can mean the code was phished or watched.
    CodeReused {
        /// The method whose code was replayed.
        method: Method,
    },
    /// A backup code that was already used was presented again. Counted as a
    /// failure; someone else may hold the user's list.
    BackupCodeReused,
    /// A device was remembered: its token skips the second factor until
    /// `expires_at`. Tell the user ("a new device will not be asked for a code").
    DeviceRemembered {
        /// When the device stops skipping the second factor, Unix seconds.
        expires_at: u64,
    },
    /// A remembered device stood in for the second factor at sign-in.
    DeviceRecognized,
    /// Remembered devices were forgotten: on request, or because a method was
    /// turned off, the backup codes were replaced, or the account was unlocked or
    /// reset. Each must answer a code at its next sign-in.
    DevicesForgotten {
        /// How many.
        count: usize,
    },
}
