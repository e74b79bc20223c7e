//! The audit trail: every event mfa-core returns, and this server's sign-ins and
//! sign-outs, written to the `audit_events` table (an MFA change's events in the
//! same transaction as the change), then handed to the [`Notifier`] so the user
//! hears about a new method, a used backup code, a lockout.

use mfa_core::account::Event;
use serde_json::{Value, json};

use crate::iso8601;
use crate::store::{AuditEntry, UserId};

/// Tells users what happened to their account (an email, a push message). Called
/// after the event is stored; a notifier should queue and return quickly, since
/// the request waits for it. A failure is the notifier's to log and retry: the
/// audit row is already durable.
#[async_trait::async_trait]
pub trait Notifier: Send + Sync {
    /// Tells `entry.user` about `entry`.
    async fn notify(&self, entry: &AuditEntry);
}

/// The default notifier: a structured log line per event (its kind and user,
/// never a secret). Replace it with your mailer.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogNotifier;

#[async_trait::async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, entry: &AuditEntry) {
        tracing::info!(user = entry.user, kind = %entry.kind, details = %entry.details, "notify user");
    }
}

/// Whether an event ends the user's other sessions: a change of what protects the
/// account (a method on or off, a reset, new backup codes).
#[must_use]
pub fn ends_other_sessions(event: &Event) -> bool {
    matches!(
        event,
        Event::MethodEnabled { .. }
            | Event::MethodDisabled { .. }
            | Event::MfaTurnedOff
            | Event::MfaReset
            | Event::BackupCodesRegenerated { .. }
    )
}

/// mfa-core's event as an audit entry: a stable kind and its details.
#[must_use]
pub fn entry(user: UserId, at: u64, event: &Event) -> AuditEntry {
    let (kind, details) = describe(event);
    AuditEntry {
        user,
        at,
        kind: kind.to_owned(),
        details: details.to_string(),
    }
}

/// This server's own event (`signed_in`, `signed_out`).
#[must_use]
pub fn server_entry(user: UserId, at: u64, kind: &str, details: Value) -> AuditEntry {
    AuditEntry {
        user,
        at,
        kind: kind.to_owned(),
        details: details.to_string(),
    }
}

fn describe(event: &Event) -> (&'static str, Value) {
    match *event {
        Event::MethodEnabled { method } => ("method_enabled", json!({ "method": method.name() })),
        Event::MethodDisabled { method } => ("method_disabled", json!({ "method": method.name() })),
        Event::MfaTurnedOff => ("mfa_turned_off", json!({})),
        Event::BackupCodesIssued { count } => ("backup_codes_issued", json!({ "count": count })),
        Event::BackupCodeUsed {
            remaining,
            running_low,
        } => (
            "backup_code_used",
            json!({ "remaining": remaining, "runningLow": running_low }),
        ),
        Event::BackupCodesRegenerated { count } => {
            ("backup_codes_regenerated", json!({ "count": count }))
        }
        Event::LockoutStarted { until } => (
            "lockout_started",
            json!({ "until": iso8601::format(until) }),
        ),
        Event::MfaLocked { failures } => ("mfa_locked", json!({ "failures": failures })),
        Event::Unlocked { failures } => ("mfa_unlocked", json!({ "failures": failures })),
        Event::MfaReset => ("mfa_reset", json!({})),
        Event::CodeReused { method } => ("code_reused", json!({ "method": method.name() })),
        Event::BackupCodeReused => ("backup_code_reused", json!({})),
        Event::DeviceRemembered { expires_at } => (
            "device_remembered",
            json!({ "expiresAt": iso8601::format(expires_at) }),
        ),
        Event::DeviceRecognized => ("device_recognized", json!({})),
        Event::DevicesForgotten { count } => ("devices_forgotten", json!({ "count": count })),
        // An event added to mfa-core later is still recorded, by its debug name.
        _ => ("other", json!({ "event": format!("{event:?}") })),
    }
}

#[cfg(test)]
mod tests {
    use mfa_core::account::{Event, Method};

    use super::{describe, ends_other_sessions};

    #[test]
    fn every_event_has_its_own_kind() {
        let events = [
            Event::MethodEnabled {
                method: Method::Sms,
            },
            Event::MethodDisabled {
                method: Method::Sms,
            },
            Event::MfaTurnedOff,
            Event::BackupCodesIssued { count: 10 },
            Event::BackupCodeUsed {
                remaining: 3,
                running_low: true,
            },
            Event::BackupCodesRegenerated { count: 10 },
            Event::LockoutStarted { until: 0 },
            Event::MfaLocked { failures: 100 },
            Event::Unlocked { failures: 100 },
            Event::MfaReset,
            Event::CodeReused {
                method: Method::Authenticator,
            },
            Event::BackupCodeReused,
            Event::DeviceRemembered { expires_at: 0 },
            Event::DeviceRecognized,
            Event::DevicesForgotten { count: 1 },
        ];
        let mut kinds: Vec<_> = events.iter().map(|e| describe(e).0).collect();
        assert!(!kinds.contains(&"other"));
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), events.len());
        assert_eq!(
            events.iter().filter(|e| ends_other_sessions(e)).count(),
            5,
            "enabled, disabled, turned off, reset, regenerated"
        );
    }
}
