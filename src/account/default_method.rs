//! Choosing the method sign-in starts with.

use super::change::Change;
use super::mfa::Mfa;
use super::record::Account;
use crate::method::Method;

impl Mfa {
    /// Makes `method` the one sign-in starts with.
    ///
    /// # Errors
    /// [`Error::AuthenticatorNotConfigured`](crate::error::Error::AuthenticatorNotConfigured),
    /// [`Error::MethodNotEnabled`](crate::error::Error::MethodNotEnabled).
    pub fn set_default_method<'a>(
        &self,
        account: &'a mut Account,
        method: Method,
        now: u64,
    ) -> Change<'a, ()> {
        self.run(account, now, |account, _| {
            Self::require_enabled(account, method)?;
            if account.default_method != Some(method) {
                account.default_method = Some(method);
                account.touch();
            }
            Ok(())
        })
    }
}
