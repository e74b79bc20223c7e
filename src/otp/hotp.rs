//! HOTP (RFC 4226): counter codes, a look-ahead window, and §7.4 resynchronisation.

use subtle::ConstantTimeEq;

use super::code::{Digits, parse_submitted};
use super::window::{KeyedCodes, generate};
use super::{Algorithm, OtpCode};
use crate::ct::{FirstMatch, Outcome, Verdict, public};
use crate::error::{ConfigError, Error};
use crate::secret::Secret;

/// The widest look-ahead [`HotpConfig::with_look_ahead`] accepts.
pub const MAX_LOOK_AHEAD: u32 = 100;
/// The widest resynchronisation window [`HotpConfig::with_resync_window`] accepts.
pub const MAX_RESYNC_WINDOW: u32 = 1_000;

/// An HOTP configuration: algorithm, digits, and how far ahead of the stored counter
/// a code may be (the user pressed the token's button without logging in).
///
/// Defaults: SHA-1, 6 digits, look-ahead 5, resynchronisation window 100.
///
/// ```
/// use mfa_core::{Secret, otp::HotpConfig};
/// let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?;
/// let hotp = HotpConfig::default();
/// let code = hotp.generate(&secret, 7);
/// let m = hotp.verify(&secret, code.as_str(), 5)?;
/// assert_eq!((m.counter(), m.next_counter()), (7, 8));
/// # Ok::<(), mfa_core::error::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HotpConfig {
    algorithm: Algorithm,
    digits: Digits,
    look_ahead: u32,
    resync_window: u32,
}

impl Default for HotpConfig {
    fn default() -> Self {
        HotpConfig {
            algorithm: Algorithm::Sha1,
            digits: Digits::SIX,
            look_ahead: 5,
            resync_window: 100,
        }
    }
}

/// An HOTP code that verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "store next_counter(), or the code can be replayed"]
pub struct HotpMatch {
    counter: u64,
}

impl HotpMatch {
    /// The counter the code belongs to.
    #[must_use]
    pub const fn counter(self) -> u64 {
        self.counter
    }

    /// The counter to **persist** and pass to the next verification: one past the
    /// matched one, so neither this code nor any earlier one works again.
    #[must_use]
    pub const fn next_counter(self) -> u64 {
        // Matches are never taken at u64::MAX, so this cannot overflow.
        self.counter.saturating_add(1)
    }
}

impl HotpConfig {
    /// Sets the hash function.
    #[must_use]
    pub const fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Sets the digit count.
    ///
    /// # Errors
    /// [`ConfigError::Digits`] outside 6 to 10.
    pub fn with_digits(mut self, digits: u8) -> Result<Self, ConfigError> {
        self.digits = Digits::new(digits)?;
        Ok(self)
    }

    /// Sets how many counters past the stored one [`verify`](Self::verify) tries.
    ///
    /// # Errors
    /// [`ConfigError::WindowTooLarge`] above [`MAX_LOOK_AHEAD`].
    pub const fn with_look_ahead(mut self, counters: u32) -> Result<Self, ConfigError> {
        if counters > MAX_LOOK_AHEAD {
            return Err(ConfigError::WindowTooLarge {
                requested: counters,
                max: MAX_LOOK_AHEAD,
            });
        }
        self.look_ahead = counters;
        Ok(self)
    }

    /// Sets how many counters past the stored one [`resync`](Self::resync) searches.
    ///
    /// # Errors
    /// [`ConfigError::WindowTooLarge`] above [`MAX_RESYNC_WINDOW`].
    pub const fn with_resync_window(mut self, counters: u32) -> Result<Self, ConfigError> {
        if counters > MAX_RESYNC_WINDOW {
            return Err(ConfigError::WindowTooLarge {
                requested: counters,
                max: MAX_RESYNC_WINDOW,
            });
        }
        self.resync_window = counters;
        Ok(self)
    }

    /// The hash function.
    #[must_use]
    pub const fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The digit count.
    #[must_use]
    pub const fn digits(&self) -> u8 {
        self.digits.get()
    }

    /// Counters past the stored one that [`verify`](Self::verify) tries.
    #[must_use]
    pub const fn look_ahead(&self) -> u32 {
        self.look_ahead
    }

    /// Counters past the stored one that [`resync`](Self::resync) searches.
    #[must_use]
    pub const fn resync_window(&self) -> u32 {
        self.resync_window
    }

    /// The code for `counter`.
    pub fn generate(&self, secret: &Secret, counter: u64) -> OtpCode {
        generate(self.algorithm, secret.expose_secret(), self.digits, counter)
    }

    /// Checks a code against counters `counter ..= counter + look_ahead`, every one of
    /// them computed and compared in constant time. `counter` is the stored next
    /// expected counter; on success persist [`HotpMatch::next_counter`].
    ///
    /// If the code matches two counters (a 1-in-10^digits coincidence), the higher
    /// wins, so the stored next counter refuses the code at both.
    ///
    /// # Errors
    /// [`Error::MalformedCode`] for input that is not a code; [`Error::InvalidCode`]
    /// when no counter in the window matches.
    #[inline]
    pub fn verify(&self, secret: &Secret, code: &str, counter: u64) -> Result<HotpMatch, Error> {
        let (verdict, counter) = self.check(secret, code, counter)?;
        decide(verdict, counter)
    }

    /// Everything [`verify`](Self::verify) does before it branches on the outcome:
    /// the verdict and the matching counter (0 if none), not branched on.
    fn check(&self, secret: &Secret, code: &str, counter: u64) -> Result<(Verdict, u64), Error> {
        let submitted = parse_submitted(code, self.digits)?;
        let codes = KeyedCodes::new(self.algorithm, secret.expose_secret(), self.digits);
        let mut found = FirstMatch::new();
        // Highest counter first: if two counters share the code, the higher wins, so
        // that the stored next counter refuses the code at both.
        let candidates = (0..=u64::from(self.look_ahead))
            .rev()
            .map(|ahead| usable_counter(counter, ahead));
        codes.each_code(candidates, |candidate, exists, code| {
            found.record(code.ct_eq(&submitted) & public(exists), candidate);
        });
        Ok((found.verdict_alone(), found.value_or(0)))
    }

    /// RFC 4226 §7.4 resynchronisation: accepts two **consecutive** codes, `first` for
    /// some counter `c` and `second` for `c + 1`, with `c` in
    /// `counter ..= counter + resync_window`. The match reports `c + 1`, so persist
    /// [`HotpMatch::next_counter`] (`c + 2`). If two pairs match, the higher wins.
    ///
    /// Two codes make a false match about 10^digits times less likely than one, which
    /// is what allows the wider window. Use it when [`verify`](Self::verify) fails
    /// for a user whose token has run far ahead, and count every failure toward
    /// throttling as usual.
    ///
    /// # Errors
    /// [`Error::MalformedCode`] if either input is not a code; [`Error::InvalidCode`]
    /// when no consecutive pair in the window matches.
    #[inline]
    pub fn resync(
        &self,
        secret: &Secret,
        first: &str,
        second: &str,
        counter: u64,
    ) -> Result<HotpMatch, Error> {
        let (verdict, counter) = self.check_pair(secret, first, second, counter)?;
        decide(verdict, counter)
    }

    /// Everything [`resync`](Self::resync) does before it branches on the outcome:
    /// the verdict and the counter after the matching pair (0 if none), not
    /// branched on.
    fn check_pair(
        &self,
        secret: &Secret,
        first: &str,
        second: &str,
        counter: u64,
    ) -> Result<(Verdict, u64), Error> {
        let first = parse_submitted(first, self.digits)?;
        let second = parse_submitted(second, self.digits)?;
        let codes = KeyedCodes::new(self.algorithm, secret.expose_secret(), self.digits);
        let mut found = FirstMatch::new();
        // One MAC per counter, highest first (so the highest pair wins, as in
        // `verify`): each code is compared with `first` (closing a pair whose second
        // code was one counter later) and with `second` (for the pair one counter
        // earlier). No pair ends past the last counter.
        let mut second_hit_after = public(false);
        let candidates = (0..=u64::from(self.resync_window).saturating_add(1))
            .rev()
            .map(|ahead| usable_counter(counter, ahead));
        codes.each_code(candidates, |c, exists, code| {
            let pair_hit = code.ct_eq(&first) & second_hit_after & public(exists);
            // `c + 1` had a usable code, so it is below u64::MAX.
            found.record(pair_hit, c.saturating_add(1));
            second_hit_after = code.ct_eq(&second) & public(exists);
        });
        Ok((found.verdict_alone(), found.value_or(0)))
    }
}

/// The one branch a HOTP check takes on its outcome. Inline, so that a caller who
/// only tests the outcome folds it into its own branch (see `TotpConfig::verify`).
#[inline]
fn decide(verdict: Verdict, counter: u64) -> Result<HotpMatch, Error> {
    // Opaque, so the compiler cannot sink this work into the one arm that uses it.
    let counter = core::hint::black_box(counter);
    match verdict.outcome() {
        Outcome::Found => Ok(HotpMatch { counter }),
        Outcome::Refused | Outcome::NoMatch => Err(Error::InvalidCode),
    }
}

/// `counter + ahead`, and whether that counter may be accepted: it must exist and
/// leave room for [`HotpMatch::next_counter`], or the last code would verify forever.
fn usable_counter(counter: u64, ahead: u64) -> (u64, bool) {
    match counter.checked_add(ahead) {
        Some(c) if c < u64::MAX => (c, true),
        _ => (counter, false),
    }
}
