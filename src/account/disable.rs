//! Turning methods off, with a fresh code.

use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::challenge::{DisableScope, PendingChallenge, Task, VerifiedWith};
use super::change::Change;
use super::event::Event;
use super::mfa::Mfa;
use super::record::Account;
use super::token::{Disable, DisableToken};
use crate::error::Error;
use crate::method::Method;

/// A completed disable.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "tell the user which methods were turned off"]
pub struct Disabled {
    /// The methods turned off.
    pub disabled: Vec<Method>,
    /// The methods still enabled; empty when MFA is now off.
    pub methods: Vec<Method>,
    /// What the user answered with.
    pub with: VerifiedWith,
}

impl Mfa {
    /// Starts turning off one method or all of them: a challenge on the default
    /// method (switchable; backup codes accepted), replacing any disable in flight.
    ///
    /// # Errors
    /// [`Error::MfaNotEnabled`]; [`Error::AuthenticatorNotConfigured`] or
    /// [`Error::MethodNotEnabled`] for a method that is not on;
    /// [`Error::TooManyAttempts`] while locked out; [`Error::MfaLocked`]. A code
    /// that cannot be sent is withheld, as in [`begin_login`](Self::begin_login).
    pub fn begin_disable<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        scope: DisableScope,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, PendingChallenge<Disable>> {
        self.run_sealing(account, now, rng, |account, _, rng| {
            let method = account.default_method.ok_or(Error::MfaNotEnabled)?;
            if let DisableScope::Method(target) = scope {
                Self::require_enabled(account, target)?;
            }
            self.check_may_begin(account, now)?;
            self.open_verifying(account, Task::Disable(scope), method, rng, now)
        })
    }

    /// Checks the code of a disable challenge and turns the methods off. Turning off
    /// the last method wipes every secret, the backup codes and every challenge:
    /// the account is as if MFA had never been set up (its version and failure
    /// count remain).
    ///
    /// # Errors
    /// As [`verify_login`](Self::verify_login), plus [`Error::MethodNotEnabled`] /
    /// [`Error::AuthenticatorNotConfigured`] when the method was turned off meanwhile.
    pub fn verify_disable<'a>(
        &self,
        account: &'a mut Account,
        token: &DisableToken,
        code: &str,
        now: u64,
    ) -> Change<'a, Disabled> {
        self.run(account, now, |account, events| {
            let (targets, proof) =
                Self::on_challenge(account, token, now, |account, challenge| {
                    let targets = match challenge.task {
                        Task::Disable(DisableScope::Method(method)) => {
                            Self::require_enabled(account, method)?;
                            Vec::from([method])
                        }
                        // Everything: a disable token only ever finds a disable challenge.
                        _ => account.methods(),
                    };
                    let proof = self.check_code(account, challenge, code, now, events)?;
                    challenge.consumed = true;
                    Ok((targets, proof))
                })?;
            // After the challenge is back in the record: turning off the last
            // method drops every challenge.
            for &method in &targets {
                account.remove_method(method);
                events.push(Event::MethodDisabled { method });
            }
            account.revoke_devices(events);
            if !account.mfa_enabled() {
                events.push(Event::MfaTurnedOff);
            }
            Ok(Disabled {
                disabled: targets,
                methods: account.methods(),
                with: proof.with,
            })
        })
    }
}
