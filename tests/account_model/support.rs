//! The policy: small numbers, so that delays, lockout, dead challenges, expired
//! codes, the send budget and running out of backup codes all happen in short runs;
//! and small helpers shared by the model and the harness.

use mfa_core::account::{Delivery, Method, MethodSetup, Mfa, MfaPolicy, ThrottlePolicy};
use mfa_core::{
    Secret, ServerKey, ServerKeys, backup::BackupCodePolicy, error::Error, oob::OobPolicy,
    otp::TotpConfig,
};

pub(crate) const T0: u64 = 1_767_225_600;
pub(crate) const FREE_FAILURES: u8 = 2;
pub(crate) const FIRST_DELAY: u64 = 5;
pub(crate) const MAX_DELAY: u64 = 40;
pub(crate) const LOCKOUT_AFTER: u8 = 6;
pub(crate) const LOCKOUT: u64 = 900;
/// Low, so that runs reach the hard lock (and recovery from it).
pub(crate) const MAX_FAILURES: u8 = 14;
pub(crate) const CHALLENGE_LIFETIME: u64 = 300;
pub(crate) const CHALLENGE_ATTEMPTS: u8 = 4;
pub(crate) const OOB_LIFETIME: u64 = 180;
pub(crate) const OOB_ATTEMPTS: u8 = 3;
pub(crate) const OOB_COOLDOWN: u64 = 30;
pub(crate) const OOB_RESENDS: u8 = 2;
pub(crate) const CODES_PER_HOUR: u8 = 10;
pub(crate) const SEND_WINDOW: u64 = 3_600;
pub(crate) const BACKUP_COUNT: u8 = 4;
const BACKUP_LENGTH: u8 = 16;
pub(crate) const BACKUP_LOW_AT: u8 = 1;
/// Short and few, so that devices expire and are evicted in short runs.
pub(crate) const REMEMBER_FOR: u64 = 1_800;
pub(crate) const MAX_DEVICES: u8 = 2;
const EMAIL: &str = "jane@example.com";
const PHONE: &str = "+1 555 010 2345";
/// Steps of each run that are also run on a reloaded copy of the record.
pub(crate) const SHADOW_STEPS: usize = 30;
pub(crate) const CASES: u32 = 128;
/// Runs of weeks of simulated time (up to 400 operations each).
pub(crate) const LONG_CASES: u32 = 24;

fn policy() -> MfaPolicy {
    MfaPolicy::default()
        .with_issuer("Model Co")
        .with_oob(OobPolicy::new(6, OOB_LIFETIME, OOB_ATTEMPTS, OOB_COOLDOWN, OOB_RESENDS).unwrap())
        .with_backup_codes(BackupCodePolicy::new(BACKUP_COUNT, BACKUP_LENGTH, 4).unwrap())
        .with_throttle(
            ThrottlePolicy::new(
                FREE_FAILURES,
                FIRST_DELAY,
                MAX_DELAY,
                LOCKOUT_AFTER,
                LOCKOUT,
            )
            .unwrap()
            .with_max_failures(MAX_FAILURES)
            .unwrap(),
        )
        .with_challenges(CHALLENGE_LIFETIME, CHALLENGE_ATTEMPTS)
        .unwrap()
        .with_codes_per_hour(CODES_PER_HOUR)
        .unwrap()
        .with_backup_low_at(BACKUP_LOW_AT)
        .with_remembered_devices(REMEMBER_FOR, MAX_DEVICES)
        .unwrap()
}

pub(crate) fn mfa() -> Mfa {
    Mfa::new(policy(), ServerKey::new(1, &[0x42; 32]).unwrap())
}

/// The server after `rotations` key rotations: key `rotations + 1` current, every
/// earlier key kept as retired (records may still name any of them).
pub(crate) fn rotated(rotations: u32) -> Mfa {
    let key = |id: u32| ServerKey::new(id, &[0x42u8.wrapping_add(id as u8 - 1); 32]).unwrap();
    let current = rotations + 1;
    let ring = (1..current).fold(ServerKeys::new(key(current)), |ring, id| {
        ring.with_retired(key(id)).unwrap()
    });
    Mfa::new(policy(), ring)
}

pub(crate) fn totp() -> TotpConfig {
    TotpConfig::default()
}

pub(crate) fn b32(secret: &Secret) -> String {
    secret.to_base32().expose_secret().to_owned()
}

pub(crate) fn midx(method: Method) -> usize {
    Method::ALL.iter().position(|&m| m == method).unwrap()
}

pub(crate) fn setup_request(method: Method) -> MethodSetup<'static> {
    match method {
        Method::Authenticator => MethodSetup::Authenticator {
            account_name: EMAIL,
        },
        Method::Email => MethodSetup::Email { address: EMAIL },
        Method::Sms => MethodSetup::Sms { number: PHONE },
        _ => unreachable!("unknown method"),
    }
}

pub(crate) fn destination(method: Method) -> &'static str {
    if method == Method::Sms { PHONE } else { EMAIL }
}

/// Whether the library counts this error as a wrong guess.
pub(crate) const fn is_counted(error: &Error) -> bool {
    matches!(
        error,
        Error::InvalidCode | Error::CodeReused { .. } | Error::BackupCodeUsed
    )
}

/// The errors that refuse a code before it is looked at because the challenge (or
/// the task) cannot take one.
pub(crate) const fn is_challenge_error(error: &Error) -> bool {
    matches!(
        error,
        Error::ChallengeInvalid
            | Error::ChallengeExpired { .. }
            | Error::ChallengeConsumed
            | Error::StepUpRequired
            | Error::StepUpComplete
            | Error::MfaAlreadyEnabled { .. }
            | Error::MethodNotEnabled { .. }
            | Error::AuthenticatorNotConfigured
    )
}

pub(crate) fn is_backup_shaped(code: &str) -> bool {
    code.chars().filter(|c| !matches!(c, ' ' | '-')).count() == usize::from(BACKUP_LENGTH)
}

pub(crate) fn delivered(delivery: Option<&Delivery>) -> String {
    delivery
        .map(|d| d.code().as_str().to_owned())
        .unwrap_or_default()
}
