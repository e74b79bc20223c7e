//! Enrolling a method: begin (a new secret, or a code sent to the new address), an
//! optional step-up with a method already enabled, and confirmation with a code.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::challenge::{Factor, PendingMethod, Task};
use super::change::Change;
use super::destination;
use super::event::Event;
use super::mfa::Mfa;
use super::prompt::{Prompt, SetupMaterial, TotpEnrollment};
use super::record::{Account, AuthenticatorMethod, OobMethod};
use super::token::SetupToken;
use super::vault::Vault;
use crate::backup::{BackupCodeSet, PlainBackupCodes};
use crate::compat::CompatibilityReport;
use crate::error::Error;
use crate::method::Method;
use crate::uri::KeyUri;

/// The method to enrol, with what it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MethodSetup<'a> {
    /// An authenticator app; `account_name` is the label the app shows (the user's
    /// email or username), beside the policy's issuer.
    Authenticator {
        /// The label shown in the app.
        account_name: &'a str,
    },
    /// Codes by email to `address`.
    Email {
        /// The address.
        address: &'a str,
    },
    /// Codes by SMS to `number`.
    Sms {
        /// The phone number.
        number: &'a str,
    },
}

impl MethodSetup<'_> {
    /// The method this sets up.
    #[must_use]
    pub const fn method(&self) -> Method {
        match self {
            MethodSetup::Authenticator { .. } => Method::Authenticator,
            MethodSetup::Email { .. } => Method::Email,
            MethodSetup::Sms { .. } => Method::Sms,
        }
    }
}

/// What the user does next in an enrolment.
#[derive(Debug)]
#[must_use = "show the secret or send the code"]
pub enum SetupNext {
    /// Confirm the new method: show the secret, or send the code to the new address.
    /// Then [`Mfa::confirm_setup`].
    Confirm(SetupMaterial),
    /// A method is already enabled: first prove it (send the delivery, if any), with
    /// [`Mfa::verify_step_up`]. Its answer is the material to confirm the new method.
    StepUp(Prompt),
}

/// A started enrolment: the token to return to the client, and the next step.
#[derive(Debug)]
#[must_use = "return the token and act on the next step"]
pub struct SetupStarted {
    /// The token for the next calls (an MFA API's `mfaToken`).
    pub token: SetupToken,
    /// When the enrolment expires, Unix seconds.
    pub expires_at: u64,
    /// What the user does next.
    pub next: SetupNext,
}

/// A confirmed enrolment: the method now enabled and, with the first method, the
/// `backup_codes` to show once.
#[derive(Debug)]
#[must_use = "show the backup codes, if any: they are never available again"]
pub struct SetupConfirmed {
    /// The method now enabled.
    pub method: Method,
    /// When, Unix seconds.
    pub enabled_at: u64,
    /// Every enabled method, after this one.
    pub methods: Vec<Method>,
    /// With the first method only: the backup codes, to show once.
    pub backup_codes: Option<PlainBackupCodes>,
}

impl Mfa {
    /// Starts enrolling a method.
    ///
    /// With no method enabled yet, the answer is [`SetupNext::Confirm`]: a new secret
    /// (with its `otpauth://` URI and app-compatibility report) or a code to send to
    /// the new address. With a method already enabled, adding another first needs a
    /// fresh code from an enabled one (NIST SP 800-63B-4, OWASP: a stolen session
    /// must not be able to add the attacker's phone): the answer is
    /// [`SetupNext::StepUp`], with a code to send if the default method is email or
    /// SMS. Starting a setup replaces any setup in flight.
    ///
    /// # Errors
    /// - [`Error::MfaAlreadyEnabled`]: the method is already enabled (an MFA API's 409).
    /// - [`Error::InvalidDestination`]: an address or number that cannot be one.
    /// - [`Error::Uri`]: the account name cannot label an `otpauth://` URI (empty,
    ///   blank) or the policy's TOTP config cannot be put in one (T0 ≠ 0).
    /// - [`Error::TooManyAttempts`]: the account is locked out (or, for a first
    ///   method by email or SMS, a delay runs: no code is sent then);
    ///   [`Error::MfaLocked`]: it is hard-locked.
    /// - [`Error::TooManyCodesSent`]: a first method by email or SMS, and the
    ///   hourly budget of codes is spent. With a method enabled, the step-up's code
    ///   is withheld instead, as in [`begin_login`](Self::begin_login).
    pub fn begin_setup<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        request: MethodSetup<'_>,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, SetupStarted> {
        self.run_sealing(account, now, rng, |account, _, rng| {
            let method = request.method();
            if account.is_enabled(method) {
                return Err(Error::MfaAlreadyEnabled { method });
            }
            self.check_may_begin(account, now)?;
            let pending = match request {
                MethodSetup::Authenticator { account_name } => PendingMethod::Authenticator {
                    secret: Vault::new(self.policy.totp.algorithm().generate_secret(rng)),
                    config: self.policy.totp,
                    account_name: Vault::new(String::from(account_name)),
                },
                MethodSetup::Email { address } => {
                    PendingMethod::Email(Vault::new(destination::email(address)?))
                }
                MethodSetup::Sms { number } => {
                    PendingMethod::Sms(Vault::new(destination::phone(number)?))
                }
            };
            self.totp_enrollment(&pending)?;
            match account.default_method {
                None => {
                    let expires_at = self.challenge_expiry(now);
                    let (factor, material) =
                        self.confirm_material(account, &pending, expires_at, rng, now)?;
                    let task = Task::SetupConfirm(Box::new(pending));
                    let token = self.open_challenge(account, task, factor, expires_at, rng);
                    Ok(SetupStarted {
                        token,
                        expires_at,
                        next: SetupNext::Confirm(material),
                    })
                }
                Some(current) => {
                    let task = Task::SetupStepUp(Box::new(pending));
                    let step_up = self.open_verifying(account, task, current, rng, now)?;
                    Ok(SetupStarted {
                        token: step_up.token,
                        expires_at: step_up.prompt.expires_at(),
                        next: SetupNext::StepUp(step_up.prompt),
                    })
                }
            }
        })
    }

    /// Checks the step-up code (an enabled method's, or a backup code) of an
    /// enrolment that needs one, and returns the material to confirm the new method
    /// with: the secret to show, or the code to send to the new address. The
    /// challenge then expects the new method's code, with fresh attempts.
    ///
    /// Everything about the request is checked before the code is looked at, so a
    /// refused request spends no code and resets no count.
    ///
    /// # Errors
    /// - [`Error::ChallengeInvalid`], [`Error::ChallengeExpired`],
    ///   [`Error::ChallengeConsumed`]; [`Error::StepUpComplete`] when the step-up
    ///   is already done (go on to [`confirm_setup`](Self::confirm_setup)).
    /// - [`Error::MfaLocked`], [`Error::TooManyAttempts`], [`Error::InvalidCode`],
    ///   [`Error::CodeReused`], [`Error::BackupCodeUsed`], malformed codes: as
    ///   [`verify_login`](Self::verify_login).
    /// - [`Error::TooManyCodesSent`] when the new address's code cannot be sent.
    pub fn verify_step_up<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        token: &SetupToken,
        code: &str,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, SetupMaterial> {
        self.run_sealing(account, now, rng, |account, events, rng| {
            Self::on_challenge(account, token, now, |account, challenge| {
                let pending = step_up_pending(&challenge.task)?;
                // A step-up that succeeds but cannot go on to the confirmation would
                // spend the user's code for nothing: everything that could refuse it
                // is checked first.
                self.check_may_verify(account, now)?;
                self.totp_enrollment(pending)?;
                if pending.method().channel().is_some() {
                    account.sends.check(now, self.policy.codes_per_hour)?;
                }
                self.check_code(account, challenge, code, now, events)?;
                let pending = step_up_pending(&challenge.task)?;
                let (factor, material) =
                    self.confirm_material(account, pending, challenge.expires_at, rng, now)?;
                challenge.factor = factor;
                challenge.task.step_up_done();
                challenge.attempts_left = self.policy.challenge_attempts;
                Ok(material)
            })
        })
    }

    /// Confirms an enrolment with the new method's code (the app's current code, or
    /// the code sent to the new address). On success the method is enabled; the first
    /// method enabled also returns the account's backup codes, shown once. An
    /// authenticator code used here is spent: it cannot then sign in.
    ///
    /// # Errors
    /// - [`Error::ChallengeInvalid`], [`Error::ChallengeExpired`],
    ///   [`Error::ChallengeConsumed`].
    /// - [`Error::StepUpRequired`]: the enrolment still waits for
    ///   [`verify_step_up`](Self::verify_step_up).
    /// - [`Error::MfaAlreadyEnabled`]: another enrolment enabled the method meanwhile.
    /// - [`Error::TooManyAttempts`], [`Error::InvalidCode`], [`Error::CodeExpired`],
    ///   malformed codes: as [`verify_login`](Self::verify_login). Backup codes are
    ///   not accepted here: only the new method's code proves it works.
    pub fn confirm_setup<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        token: &SetupToken,
        code: &str,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, SetupConfirmed> {
        self.run_sealing(account, now, rng, |account, events, rng| {
            let method = Self::on_challenge(account, token, now, |account, challenge| {
                let method = confirm_pending(&challenge.task)?.method();
                if account.is_enabled(method) {
                    return Err(Error::MfaAlreadyEnabled { method });
                }
                let proof = self.check_code(account, challenge, code, now, events)?;
                challenge.consumed = true;
                enable(account, confirm_pending(&challenge.task)?, proof.step, now)?;
                Ok(method)
            })?;
            events.push(Event::MethodEnabled { method });
            let mut backup_codes = None;
            if account.default_method.is_none() {
                account.default_method = Some(method);
                let (plain, set) =
                    BackupCodeSet::generate(&self.policy.backup, self.keys.current(), rng);
                events.push(Event::BackupCodesIssued { count: set.len() });
                account.backup_codes = Some(set);
                backup_codes = Some(plain);
            }
            account.touch();
            Ok(SetupConfirmed {
                method,
                enabled_at: now,
                methods: account.methods(),
                backup_codes,
            })
        })
    }

    /// What to show for a pending authenticator: its secret, `otpauth://` URI and
    /// compatibility report (`None` for email and SMS). Refuses an account name or
    /// configuration the URI cannot carry.
    fn totp_enrollment(&self, pending: &PendingMethod) -> Result<Option<TotpEnrollment>, Error> {
        let PendingMethod::Authenticator {
            secret,
            config,
            account_name,
        } = pending
        else {
            return Ok(None);
        };
        let issuer = self.policy.issuer.as_deref();
        let secret = secret.plain()?;
        let uri = KeyUri::totp(issuer, account_name.plain()?, secret.clone(), *config)?;
        Ok(Some(TotpEnrollment {
            secret: secret.clone(),
            uri: uri.to_uri(),
            compatibility: CompatibilityReport::for_totp(config),
        }))
    }

    /// The factor and material for confirming `pending` on a challenge that expires
    /// at `expires_by`: the pending secret, or a code sent to the new address.
    fn confirm_material<R: CryptoRng + ?Sized>(
        &self,
        account: &mut Account,
        pending: &PendingMethod,
        expires_by: u64,
        rng: &mut R,
        now: u64,
    ) -> Result<(Factor, SetupMaterial), Error> {
        if let Some(enrollment) = self.totp_enrollment(pending)? {
            return Ok((
                Factor::Authenticator,
                SetupMaterial::Authenticator(enrollment),
            ));
        }
        let (PendingMethod::Email(to) | PendingMethod::Sms(to)) = pending else {
            return Err(Error::InvalidMethod);
        };
        let channel = pending.method().channel().ok_or(Error::InvalidMethod)?;
        let to = to.plain()?.clone();
        let (oob, delivery) = self.send_code(account, channel, &to, expires_by, rng, now)?;
        Ok((Factor::Oob(oob), SetupMaterial::Oob(delivery)))
    }
}

/// The method an enrolment enrols, while it waits for its step-up.
fn step_up_pending(task: &Task) -> Result<&PendingMethod, Error> {
    match task {
        Task::SetupStepUp(pending) => Ok(pending),
        _ => Err(Error::StepUpComplete),
    }
}

/// The method an enrolment enrols, once it waits for the method's own code.
fn confirm_pending(task: &Task) -> Result<&PendingMethod, Error> {
    match task {
        Task::SetupConfirm(pending) => Ok(pending),
        _ => Err(Error::StepUpRequired),
    }
}

/// Turns `pending`, just confirmed at `now` (with the app's time `step`), into an
/// enabled method. Each value is copied to its enabled field in the clear, to be
/// sealed again for that field: a sealed value opens only in the field it was
/// sealed for.
fn enable(
    account: &mut Account,
    pending: &PendingMethod,
    step: Option<u64>,
    now: u64,
) -> Result<(), Error> {
    match pending {
        PendingMethod::Authenticator { secret, config, .. } => {
            account.authenticator = Some(AuthenticatorMethod {
                secret: Vault::new(secret.plain()?.clone()),
                config: *config,
                enabled_at: now,
                last_step: step,
            });
        }
        PendingMethod::Email(to) => {
            account.email = Some(OobMethod {
                to: Vault::new(to.plain()?.clone()),
                enabled_at: now,
            });
        }
        PendingMethod::Sms(to) => {
            account.sms = Some(OobMethod {
                to: Vault::new(to.plain()?.clone()),
                enabled_at: now,
            });
        }
    }
    Ok(())
}
