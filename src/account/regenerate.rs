//! Replacing the backup codes, with a fresh code.

use rand_core::CryptoRng;

use super::challenge::{PendingChallenge, Task};
use super::change::Change;
use super::event::Event;
use super::mfa::Mfa;
use super::record::Account;
use super::token::{Regenerate, RegenerateToken};
use crate::backup::{BackupCodeSet, PlainBackupCodes};
use crate::error::Error;

impl Mfa {
    /// Starts replacing the backup codes: a challenge on the default method
    /// (switchable; a backup code is accepted too).
    ///
    /// # Errors
    /// [`Error::MfaNotEnabled`]; [`Error::TooManyAttempts`] while locked out;
    /// [`Error::MfaLocked`]. A code that cannot be sent is withheld, as in
    /// [`begin_login`](Self::begin_login).
    pub fn begin_regenerate<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, PendingChallenge<Regenerate>> {
        self.run_sealing(account, now, rng, |account, _, rng| {
            let method = account.default_method.ok_or(Error::MfaNotEnabled)?;
            self.check_may_begin(account, now)?;
            self.open_verifying(account, Task::Regenerate, method, rng, now)
        })
    }

    /// Checks the code of a regeneration and replaces the backup codes with a new set
    /// under the current policy and server key. Every old code stops working, used or
    /// not. Show the new codes once.
    ///
    /// # Errors
    /// As [`verify_login`](Self::verify_login).
    pub fn verify_regenerate<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        token: &RegenerateToken,
        code: &str,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, PlainBackupCodes> {
        self.run_sealing(account, now, rng, |account, events, rng| {
            Self::on_challenge(account, token, now, |account, challenge| {
                self.check_code(account, challenge, code, now, events)?;
                challenge.consumed = true;
                Ok(())
            })?;
            let (plain, set) =
                BackupCodeSet::generate(&self.policy.backup, self.keys.current(), rng);
            events.push(Event::BackupCodesRegenerated { count: set.len() });
            account.backup_codes = Some(set);
            account.revoke_devices(events);
            account.touch();
            Ok(plain)
        })
    }
}
