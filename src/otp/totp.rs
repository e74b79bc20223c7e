//! TOTP (RFC 6238): time steps, a skew window, and the replay guard.

use subtle::ConstantTimeEq;

use super::code::{Digits, parse_submitted};
use super::window::{KeyedCodes, generate};
use super::{Algorithm, OtpCode};
use crate::ct::{FirstMatch, Outcome, Verdict};
use crate::error::{ConfigError, Error};
use crate::secret::Secret;

/// The most steps a [`Window`] accepts on either side. Each step on each side is one
/// more code an attacker may guess; ten is already five minutes at 30 s.
pub const MAX_WINDOW_STEPS: u8 = 10;

/// How many steps before and after the current one a code may come from, to absorb
/// clock drift and the time a user takes to type. RFC 6238 §5.2 recommends at most
/// one step back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    past: u8,
    future: u8,
}

impl Window {
    /// One step back and one step forward: the default.
    pub const DEFAULT: Window = Window { past: 1, future: 1 };
    /// The current step only.
    pub const EXACT: Window = Window { past: 0, future: 0 };

    /// A window of `past` steps back and `future` steps forward.
    ///
    /// # Errors
    /// [`ConfigError::WindowTooLarge`] when either exceeds [`MAX_WINDOW_STEPS`].
    pub const fn new(past: u8, future: u8) -> Result<Self, ConfigError> {
        let widest = if past > future { past } else { future };
        if widest > MAX_WINDOW_STEPS {
            return Err(ConfigError::WindowTooLarge {
                requested: widest as u32,
                max: MAX_WINDOW_STEPS as u32,
            });
        }
        Ok(Window { past, future })
    }

    /// Steps accepted before the current one.
    #[must_use]
    pub const fn past(self) -> u8 {
        self.past
    }

    /// Steps accepted after the current one.
    #[must_use]
    pub const fn future(self) -> u8 {
        self.future
    }
}

impl Default for Window {
    fn default() -> Self {
        Window::DEFAULT
    }
}

/// A TOTP configuration: algorithm, digits, period, T0 and verification window.
///
/// The default is what every authenticator app understands: SHA-1, 6 digits, 30 s,
/// T0 = 0, one step of skew each way. Values are checked when set, so a
/// `TotpConfig` that exists is valid.
///
/// ```
/// use mfa_core::{Secret, otp::TotpConfig};
/// let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?;
/// let totp = TotpConfig::default();
/// let now = 1_700_000_000;
/// let code = totp.generate(&secret, now)?;
/// let accepted = totp.verify(&secret, code.as_str(), now + 20, None)?;
/// // Persist accepted.step(): the next verify must refuse this code.
/// let again = totp.verify(&secret, code.as_str(), now + 20, Some(accepted.step()));
/// assert_eq!(again.unwrap_err().code(), "code_reused");
/// # Ok::<(), mfa_core::error::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TotpConfig {
    algorithm: Algorithm,
    digits: Digits,
    period: u64,
    t0: u64,
    window: Window,
}

impl Default for TotpConfig {
    fn default() -> Self {
        TotpConfig {
            algorithm: Algorithm::Sha1,
            digits: Digits::SIX,
            period: 30,
            t0: 0,
            window: Window::DEFAULT,
        }
    }
}

impl TotpConfig {
    /// What a stored record means when it leaves an authenticator's settings out:
    /// SHA-1, 6 digits, 30 s, T0 = 0, one step each way. Fixed by the stored form
    /// and spelled out here rather than taken from [`Default`], so a stored record
    /// keeps its meaning whatever the default becomes.
    #[cfg(feature = "serde")]
    pub(crate) const STORED_STANDARD: TotpConfig = TotpConfig {
        algorithm: Algorithm::Sha1,
        digits: Digits::SIX,
        period: 30,
        t0: 0,
        window: Window { past: 1, future: 1 },
    };
}

/// A TOTP code that verified: the step it belongs to and how far that is from now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "store step() as the last accepted step, or the code can be replayed"]
pub struct TotpMatch {
    step: u64,
    drift: i8,
}

impl TotpMatch {
    /// The time step of the accepted code. **Persist it** and pass it as
    /// `last_accepted` to every later [`TotpConfig::verify`] for this secret: that is
    /// what refuses the same code a second time.
    #[must_use]
    pub const fn step(self) -> u64 {
        self.step
    }

    /// Steps between the code's step and now: negative for a code from the past, 0 for
    /// the current step, positive for a code from a clock running ahead.
    #[must_use]
    pub const fn drift(self) -> i8 {
        self.drift
    }
}

impl TotpConfig {
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

    /// Sets the period in seconds.
    ///
    /// # Errors
    /// [`ConfigError::ZeroPeriod`] for 0.
    pub const fn with_period(mut self, seconds: u64) -> Result<Self, ConfigError> {
        if seconds == 0 {
            return Err(ConfigError::ZeroPeriod);
        }
        self.period = seconds;
        Ok(self)
    }

    /// Sets T0, the Unix time step 0 starts at.
    #[must_use]
    pub const fn with_t0(mut self, t0: u64) -> Self {
        self.t0 = t0;
        self
    }

    /// Sets the verification window.
    #[must_use]
    pub const fn with_window(mut self, window: Window) -> Self {
        self.window = window;
        self
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

    /// The period in seconds.
    #[must_use]
    pub const fn period(&self) -> u64 {
        self.period
    }

    /// T0, Unix seconds.
    #[must_use]
    pub const fn t0(&self) -> u64 {
        self.t0
    }

    /// The verification window.
    #[must_use]
    pub const fn window(&self) -> Window {
        self.window
    }

    /// The time step `now` falls in: `(now - T0) / period`.
    ///
    /// # Errors
    /// [`Error::TimeBeforeEpoch`] when `now` is before T0.
    pub const fn step_at(&self, now: u64) -> Result<u64, Error> {
        match now.checked_sub(self.t0) {
            Some(elapsed) => Ok(elapsed / self.period),
            None => Err(Error::TimeBeforeEpoch { now, t0: self.t0 }),
        }
    }

    /// The code for the step `now` falls in.
    ///
    /// # Errors
    /// [`Error::TimeBeforeEpoch`] when `now` is before T0.
    pub fn generate(&self, secret: &Secret, now: u64) -> Result<OtpCode, Error> {
        Ok(self.generate_at_step(secret, self.step_at(now)?))
    }

    /// The code for time step `step`.
    pub fn generate_at_step(&self, secret: &Secret, step: u64) -> OtpCode {
        generate(self.algorithm, secret.expose_secret(), self.digits, step)
    }

    /// Checks a code the user typed against every step of the window around `now`.
    ///
    /// `last_accepted` is the step of the last code this secret accepted (`None` if
    /// none yet); steps at or before it are refused (RFC 6238 §5.2), so each code
    /// works once. On success, persist [`TotpMatch::step`] as the new `last_accepted`.
    ///
    /// Every step of the window is computed and compared whatever the input; the
    /// only data-dependent timing is the length of `code`. Steps the window would place
    /// below 0 or above `u64::MAX` do not exist and never match (the work is still done).
    ///
    /// If the code matches two steps (a 1-in-10^digits coincidence), the **latest**
    /// step not refused by the replay guard wins, so that once the new `last_accepted`
    /// is stored the guard refuses the same code at every step it matches: a code
    /// seen being accepted cannot be replayed within its window. [`Error::CodeReused`]
    /// likewise reports the latest refused step.
    ///
    /// # Errors
    /// - [`Error::MalformedCode`]: not `digits` ASCII digits (spaces are ignored).
    /// - [`Error::CodeReused`]: the code is right but its step is at or before
    ///   `last_accepted`. Count it as a failure.
    /// - [`Error::InvalidCode`]: no step in the window matches.
    /// - [`Error::TimeBeforeEpoch`]: `now` is before T0.
    // Inline, so that a caller who only tests the outcome folds this branch into
    // its own: an out-of-line copy of it made a hit and a miss take measurably
    // different times (the dudect harness in ct/).
    #[inline]
    pub fn verify(
        &self,
        secret: &Secret,
        code: &str,
        now: u64,
        last_accepted: Option<u64>,
    ) -> Result<TotpMatch, Error> {
        let checked = self.check(secret, code, now, last_accepted)?;
        // Opaque, so the compiler cannot sink this work into the one arm that uses
        // it: a hit and a miss do the same work.
        let (step, drift) = core::hint::black_box((checked.step, checked.drift));
        match checked.verdict.outcome() {
            Outcome::Found => Ok(TotpMatch { step, drift }),
            Outcome::Refused => Err(Error::CodeReused { step }),
            Outcome::NoMatch => Err(Error::InvalidCode),
        }
    }

    /// Everything [`verify`](Self::verify) does before it branches on the outcome:
    /// every step compared, the verdict and its step selected in constant time.
    pub(crate) fn check(
        &self,
        secret: &Secret,
        code: &str,
        now: u64,
        last_accepted: Option<u64>,
    ) -> Result<TotpCheck, Error> {
        let submitted = parse_submitted(code, self.digits)?;
        let current = self.step_at(now)?;
        let codes = KeyedCodes::new(self.algorithm, secret.expose_secret(), self.digits);
        let mut fresh = FirstMatch::new();
        let mut reused = FirstMatch::new();
        // Latest first, so that the first match kept is the latest step.
        let steps = (-i64::from(self.window.past)..=i64::from(self.window.future))
            .rev()
            .map(|offset| match current.checked_add_signed(offset) {
                Some(step) => (step, true),
                None => (current, false),
            });
        codes.each_code(steps, |step, exists, code| {
            let hit = code.ct_eq(&submitted);
            // Branches on public values only (the window position and the stored last
            // step); both arms record, and the secret `hit` stays a `Choice`.
            if !exists {
                return;
            }
            if last_accepted.is_none_or(|last| step > last) {
                fresh.record(hit, step);
            } else {
                reused.record(hit, step);
            }
        });
        // The match's step, else the refused one's, else the current one.
        let step = fresh.value_or(reused.value_or(current));
        Ok(TotpCheck {
            verdict: fresh.verdict(&reused),
            step,
            drift: drift(step, current),
        })
    }
}

/// A TOTP check decided in constant time and not yet branched on.
pub(crate) struct TotpCheck {
    pub(crate) verdict: Verdict,
    pub(crate) step: u64,
    pub(crate) drift: i8,
}

/// `step - current`, which the window bounds to ±[`MAX_WINDOW_STEPS`]. Branch-free
/// within that range, so a match and a miss (`step == current`) cost the same.
fn drift(step: u64, current: u64) -> i8 {
    i8::try_from(i128::from(step) - i128::from(current)).unwrap_or(0)
}
