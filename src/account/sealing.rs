//! Opening a record's sealed values at the start of an operation, and sealing what
//! is new (or still under a retired key) before it is stored.

use alloc::string::String;

use rand_core::CryptoRng;

use super::challenge::PendingMethod;
use super::destination;
use super::mfa::Mfa;
use super::record::Account;
use super::vault::Vault;
use crate::error::Error;
use crate::method::Method;
use crate::seal::{Field, RECORD_ID_LEN, Sealed};
use crate::secret::Secret;
use crate::server_keys::ServerKeys;

/// One secret field of a record, for a pass over all of them.
pub(crate) enum Slot<'a> {
    /// An authenticator secret, enabled or pending.
    Secret(&'a mut Vault<Secret>),
    /// Text: an address or number (with the method whose rules it meets), or a
    /// pending account name (`None`).
    Text(&'a mut Vault<String>, Option<Method>),
}

impl Account {
    /// Calls `f` on every secret field of the record with the field it is sealed
    /// for; stops at the first error.
    fn each_vault(
        &mut self,
        mut f: impl FnMut(Field, Slot<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if let Some(app) = &mut self.authenticator {
            f(Field::AuthenticatorSecret, Slot::Secret(&mut app.secret))?;
        }
        if let Some(email) = &mut self.email {
            f(
                Field::EmailAddress,
                Slot::Text(&mut email.to, Some(Method::Email)),
            )?;
        }
        if let Some(sms) = &mut self.sms {
            f(
                Field::PhoneNumber,
                Slot::Text(&mut sms.to, Some(Method::Sms)),
            )?;
        }
        for challenge in &mut self.challenges {
            let Some(pending) = challenge.task.pending_mut() else {
                continue;
            };
            let method = pending.method();
            match pending {
                PendingMethod::Authenticator {
                    secret,
                    account_name,
                    ..
                } => {
                    f(Field::PendingSecret, Slot::Secret(secret))?;
                    f(Field::PendingAccountName, Slot::Text(account_name, None))?;
                }
                PendingMethod::Email(to) | PendingMethod::Sms(to) => {
                    f(Field::PendingDestination, Slot::Text(to, Some(method)))?;
                }
            }
        }
        Ok(())
    }

    /// Opens the sealed values with the keys they name, and checks what they hold
    /// is what the library stores: the secrets always, the enabled addresses and
    /// numbers when `destinations` (operations that send or show them need them;
    /// a sign-in check does not, and each value opened costs about a microsecond).
    ///
    /// # Errors
    /// [`Error::ServerKeyMismatch`], [`Error::SealedValueInvalid`],
    /// [`Error::CorruptRecord`] for a destination the library never accepts.
    pub(crate) fn open(&mut self, keys: &ServerKeys, destinations: bool) -> Result<(), Error> {
        let Some(record) = self.id else {
            // Schema version 1: nothing is sealed yet.
            return Ok(());
        };
        self.each_vault(|field, slot| match slot {
            Slot::Secret(vault) => vault.open(keys, &record, field),
            Slot::Text(_, _)
                if !destinations && matches!(field, Field::EmailAddress | Field::PhoneNumber) =>
            {
                Ok(())
            }
            Slot::Text(vault, rules) => {
                vault.open(keys, &record, field)?;
                match rules {
                    Some(method) => Ok(destination::check_stored(method, vault.plain()?)?),
                    None => Ok(()),
                }
            }
        })
    }

    /// Seals every value that is new or under a retired key with the current key,
    /// giving the record its random id first if it has none (a record of schema
    /// version 1 becomes version 2). Called only on a record the operation already
    /// changed, so it needs no version step of its own.
    pub(crate) fn seal<R: CryptoRng + ?Sized>(&mut self, keys: &ServerKeys, rng: &mut R) {
        let record = *self.id.get_or_insert_with(|| {
            let mut id = [0u8; RECORD_ID_LEN];
            rng.fill_bytes(&mut id);
            id
        });
        let _ = self.each_vault(|field, slot| {
            match slot {
                Slot::Secret(vault) => vault.seal(keys, &record, field, rng),
                Slot::Text(vault, _) => vault.seal(keys, &record, field, rng),
            }
            Ok(())
        });
    }

    /// Drops every plain value that is also sealed, as a freshly loaded record
    /// holds none (for the timing probes).
    #[cfg(feature = "timing-probe")]
    pub(crate) fn forget_plain(&mut self) {
        let _ = self.each_vault(|_, slot| {
            match slot {
                Slot::Secret(vault) => vault.forget_plain(),
                Slot::Text(vault, _) => vault.forget_plain(),
            }
            Ok(())
        });
    }

    /// The sealed form of every secret field (`None` for one in the clear).
    pub(crate) fn sealed_forms(&self) -> impl Iterator<Item = Option<&Sealed>> + '_ {
        let app = self.authenticator.iter().map(|a| a.secret.sealed.as_ref());
        let oob = [&self.email, &self.sms]
            .into_iter()
            .flatten()
            .map(|m| m.to.sealed.as_ref());
        let pending = self
            .challenges
            .iter()
            .filter_map(|c| c.task.pending())
            .flat_map(|pending| match pending {
                PendingMethod::Authenticator {
                    secret,
                    account_name,
                    ..
                } => [
                    Some(secret.sealed.as_ref()),
                    Some(account_name.sealed.as_ref()),
                ],
                PendingMethod::Email(to) | PendingMethod::Sms(to) => {
                    [Some(to.sealed.as_ref()), None]
                }
            })
            .flatten();
        app.chain(oob).chain(pending)
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
