//! What a stored record must be to load: only what the state machine itself
//! writes. Stored data is hostile (a restored backup, an edited row), so a record
//! that contradicts itself is refused before any operation can act on it.

use crate::account::challenge::{Challenge, Factor, PendingMethod, Task};
use crate::account::destination;
use crate::account::device::is_clean_label;
use crate::account::policy::MAX_REMEMBERED_DEVICES;
use crate::account::record::{Account, MAX_STORED_TIME};
use crate::error::RecordError;
use crate::method::{Method, Purpose};

/// Refuses a record the state machine could not have produced; `sealed` is
/// whether its schema seals secrets (every one sealed) or not (none sealed).
pub(crate) fn check(account: &Account, sealed: bool) -> Result<(), RecordError> {
    if !account.sealed_forms().all(|form| form.is_some() == sealed) {
        return Err(RecordError::Sealing);
    }
    check_methods(account)?;
    check_times(account)?;
    check_devices(account)?;
    for purpose in Purpose::ALL {
        let count = account
            .challenges
            .iter()
            .filter(|c| c.purpose() == purpose)
            .count();
        if count > 1 {
            return Err(RecordError::DuplicatePurpose);
        }
    }
    let any_enabled = account.mfa_enabled();
    account
        .challenges
        .iter()
        .try_for_each(|c| check_challenge(c, any_enabled))
}

/// The default method is one of the enabled ones, and nothing hangs off no method;
/// every destination is one the library accepts, in the form it stores.
fn check_methods(account: &Account) -> Result<(), RecordError> {
    let any_enabled = Method::ALL.into_iter().any(|m| account.is_enabled(m));
    let default_ok = match account.default_method {
        Some(m) => account.is_enabled(m),
        None => !any_enabled && account.backup_codes.is_none(),
    };
    if !default_ok {
        return Err(RecordError::DefaultMethod);
    }
    // Sealed destinations are checked when they are opened.
    if let Some(to) = account.email.as_ref().and_then(|m| m.to.plain.as_deref()) {
        destination::check_stored(Method::Email, to)?;
    }
    if let Some(to) = account.sms.as_ref().and_then(|m| m.to.plain.as_deref()) {
        destination::check_stored(Method::Sms, to)?;
    }
    Ok(())
}

/// Every time in the record is one the library could have written.
fn check_times(account: &Account) -> Result<(), RecordError> {
    let authenticator = account
        .authenticator
        .iter()
        .flat_map(|a| [Some(a.enabled_at), a.last_step]);
    let oob_methods = [&account.email, &account.sms]
        .into_iter()
        .flatten()
        .map(|m| Some(m.enabled_at));
    let challenges = account.challenges.iter().flat_map(|c| {
        let oob = match &c.factor {
            Factor::Oob(oob) => [oob.issued_at(), oob.expires_at(), oob.last_sent_at()],
            Factor::Authenticator | Factor::Unsent(_) => [0; 3],
        };
        core::iter::once(Some(c.expires_at)).chain(oob.map(Some))
    });
    let late = authenticator
        .chain(oob_methods)
        .chain(challenges)
        .chain([Some(account.throttle.wait_until), Some(account.sends.since)])
        .flatten()
        .any(|t| t > MAX_STORED_TIME);
    if late {
        return Err(RecordError::TimeOutOfRange);
    }
    Ok(())
}

/// Remembered devices only while a method is enabled, no more than an account may
/// keep, each hash once, each label as the library stores labels, and each one's
/// times in order and before the year 10000.
fn check_devices(account: &Account) -> Result<(), RecordError> {
    let devices = &account.devices;
    if devices.is_empty() {
        return Ok(());
    }
    let fits = account.default_method.is_some()
        && devices.len() <= usize::from(MAX_REMEMBERED_DEVICES)
        && devices.iter().enumerate().all(|(i, d)| {
            is_clean_label(&d.label)
                && d.created_at <= d.last_used_at
                && d.last_used_at < d.expires_at
                && d.expires_at <= MAX_STORED_TIME
                && devices.iter().take(i).all(|earlier| earlier.id != d.id)
        });
    if !fits {
        return Err(RecordError::Devices);
    }
    Ok(())
}

/// A challenge's task, stage and factor fit together.
fn check_challenge(challenge: &Challenge, any_enabled: bool) -> Result<(), RecordError> {
    let factor = &challenge.factor;
    match &challenge.task {
        // A confirmation checks the method being enrolled, and nothing else.
        Task::SetupConfirm(pending) => {
            check_pending(pending)?;
            let fits = match (&**pending, factor) {
                (PendingMethod::Authenticator { .. }, Factor::Authenticator) => true,
                (PendingMethod::Email(_) | PendingMethod::Sms(_), Factor::Oob(oob)) => {
                    Method::from_channel(oob.channel()) == pending.method()
                }
                _ => false,
            };
            if !fits {
                return Err(RecordError::StageMismatch);
            }
            Ok(())
        }
        // A step-up checks an enabled method (or did, until it was turned off).
        Task::SetupStepUp(pending) => {
            check_pending(pending)?;
            if !any_enabled {
                return Err(RecordError::ChallengeWithoutMethod);
            }
            Ok(())
        }
        Task::Login | Task::Disable(_) | Task::Regenerate if !any_enabled => {
            Err(RecordError::ChallengeWithoutMethod)
        }
        Task::Login | Task::Disable(_) | Task::Regenerate => Ok(()),
        // A tombstone holds no code; without a method only an enrolment's is left.
        Task::Expired(purpose) => {
            if matches!(factor, Factor::Oob(_)) {
                return Err(RecordError::StageMismatch);
            }
            if !any_enabled && *purpose != Purpose::Setup {
                return Err(RecordError::ChallengeWithoutMethod);
            }
            Ok(())
        }
    }
}

/// A pending address is one the library would have accepted, as it stores it
/// (checked here when in the clear, when opened when sealed).
fn check_pending(pending: &PendingMethod) -> Result<(), RecordError> {
    match pending {
        PendingMethod::Authenticator { .. } => Ok(()),
        PendingMethod::Email(to) | PendingMethod::Sms(to) => match to.plain.as_deref() {
            Some(to) => destination::check_stored(pending.method(), to),
            None => Ok(()),
        },
    }
}
