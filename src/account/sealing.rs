//! Opening a record's sealed values at the start of an operation, and sealing what
//! is new (or still under a retired key) before it is stored.

use alloc::string::String;

use rand_core::CryptoRng;

use super::challenge::{PendingMethod, Task};
use super::destination;
use super::method::Method;
use super::mfa::Mfa;
use super::record::Account;
use crate::error::Error;
use crate::seal::{Field, RECORD_ID_LEN};
use crate::server_keys::ServerKeys;

impl Account {
    /// Opens the sealed values with the keys they name, and checks what they hold
    /// is what the library stores: the secrets always, the enabled addresses and
    /// numbers when `destinations` (operations that send or show them need them;
    /// a sign-in check does not, and each value opened costs a few microseconds).
    ///
    /// # Errors
    /// [`Error::ServerKeyMismatch`], [`Error::SealedValueInvalid`],
    /// [`Error::CorruptRecord`] for a destination the library never accepts.
    pub(crate) fn open(&mut self, keys: &ServerKeys, destinations: bool) -> Result<(), Error> {
        let Some(record) = self.id else {
            // Schema version 1: nothing is sealed yet.
            return Ok(());
        };
        if let Some(app) = &mut self.authenticator {
            app.secret.open(keys, &record, Field::AuthenticatorSecret)?;
        }
        if let (Some(email), true) = (&mut self.email, destinations) {
            email.to.open(keys, &record, Field::EmailAddress)?;
            destination::check_stored(Method::Email, email.to.plain()?)?;
        }
        if let (Some(sms), true) = (&mut self.sms, destinations) {
            sms.to.open(keys, &record, Field::PhoneNumber)?;
            destination::check_stored(Method::Sms, sms.to.plain()?)?;
        }
        for challenge in &mut self.challenges {
            let Task::Setup { pending, .. } = &mut challenge.task else {
                continue;
            };
            match pending {
                PendingMethod::Authenticator {
                    secret,
                    account_name,
                    ..
                } => {
                    secret.open(keys, &record, Field::PendingSecret)?;
                    account_name.open(keys, &record, Field::PendingAccountName)?;
                }
                PendingMethod::Email(to) | PendingMethod::Sms(to) => {
                    to.open(keys, &record, Field::PendingDestination)?;
                }
            }
            let method = pending.method();
            if let PendingMethod::Email(to) | PendingMethod::Sms(to) = pending {
                destination::check_stored(method, to.plain()?)?;
            }
        }
        Ok(())
    }

    /// Seals every value that is new or under a retired key with the current key,
    /// giving the record its random id first if it has none (a record of schema
    /// version 1 becomes version 2). Returns whether anything was sealed.
    pub(crate) fn seal<R: CryptoRng + ?Sized>(&mut self, keys: &ServerKeys, rng: &mut R) -> bool {
        let record = *self.id.get_or_insert_with(|| {
            let mut id = [0u8; RECORD_ID_LEN];
            rng.fill_bytes(&mut id);
            id
        });
        let mut sealed = false;
        if let Some(app) = &mut self.authenticator {
            sealed |= app
                .secret
                .seal(keys, &record, Field::AuthenticatorSecret, rng);
        }
        if let Some(email) = &mut self.email {
            sealed |= email.to.seal(keys, &record, Field::EmailAddress, rng);
        }
        if let Some(sms) = &mut self.sms {
            sealed |= sms.to.seal(keys, &record, Field::PhoneNumber, rng);
        }
        for challenge in &mut self.challenges {
            let Task::Setup { pending, .. } = &mut challenge.task else {
                continue;
            };
            match pending {
                PendingMethod::Authenticator {
                    secret,
                    account_name,
                    ..
                } => {
                    sealed |= secret.seal(keys, &record, Field::PendingSecret, rng);
                    sealed |= account_name.seal(keys, &record, Field::PendingAccountName, rng);
                }
                PendingMethod::Email(to) | PendingMethod::Sms(to) => {
                    sealed |= to.seal(keys, &record, Field::PendingDestination, rng);
                }
            }
        }
        if sealed {
            self.touch();
        }
        sealed
    }
}

impl Account {
    /// Drops every plain value that is also sealed, as a freshly loaded record
    /// holds none (for the timing probes).
    #[cfg(feature = "timing-probe")]
    pub(crate) fn forget_plain(&mut self) {
        if let Some(app) = &mut self.authenticator {
            app.secret.forget_plain();
        }
        for oob in [&mut self.email, &mut self.sms].into_iter().flatten() {
            oob.to.forget_plain();
        }
        for challenge in &mut self.challenges {
            if let Task::Setup { pending, .. } = &mut challenge.task {
                match pending {
                    PendingMethod::Authenticator {
                        secret,
                        account_name,
                        ..
                    } => {
                        secret.forget_plain();
                        account_name.forget_plain();
                    }
                    PendingMethod::Email(to) | PendingMethod::Sms(to) => to.forget_plain(),
                }
            }
        }
    }

    /// The ids of the keys the record's secrets are sealed under.
    pub(crate) fn sealed_key_ids(&self) -> impl Iterator<Item = u32> + '_ {
        let app = self.authenticator.iter().map(|a| a.secret.key_id());
        let oob = [&self.email, &self.sms]
            .into_iter()
            .flatten()
            .map(|m| m.to.key_id());
        let pending = self
            .challenges
            .iter()
            .filter_map(|c| match &c.task {
                Task::Setup { pending, .. } => Some(pending),
                _ => None,
            })
            .flat_map(|pending| match pending {
                PendingMethod::Authenticator {
                    secret,
                    account_name,
                    ..
                } => [secret.key_id(), account_name.key_id()],
                PendingMethod::Email(to) | PendingMethod::Sms(to) => [to.key_id(), None],
            });
        app.chain(oob).chain(pending).flatten()
    }
}

impl Mfa {
    /// The masked destination of `account`'s email or SMS `method`
    /// (`j•••@example.com`, `•••• 1234`), for a "we send codes to …" line; `None`
    /// for the authenticator or a method that is not enabled. The address is
    /// unsealed with the server key to mask it.
    ///
    /// # Errors
    /// [`Error::ServerKeyMismatch`], [`Error::SealedValueInvalid`] for a record whose
    /// address does not open.
    pub fn hint(&self, account: &Account, method: Method) -> Result<Option<String>, Error> {
        let (Some(channel), Some(oob)) = (method.channel(), account.oob_method(method)) else {
            return Ok(None);
        };
        let mut to = oob.to.clone();
        if let Some(record) = account.id {
            let field = match method {
                Method::Sms => Field::PhoneNumber,
                _ => Field::EmailAddress,
            };
            to.open(&self.keys, &record, field)?;
        }
        Ok(Some(channel.mask(to.plain()?)))
    }
}
