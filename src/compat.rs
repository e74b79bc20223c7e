//! Authenticator-app compatibility: warn before enrolling a user with a TOTP/HOTP
//! setting that common authenticator apps are reported to ignore.
//!
//! ```
//! use mfa_core::compat::{AuthenticatorApp, CompatibilityReport};
//! use mfa_core::{error::Error, otp::TotpConfig};
//!
//! fn main() -> Result<(), Error> {
//!     let report = CompatibilityReport::for_totp(&TotpConfig::default().with_period(60)?);
//!     for warning in report.warnings() {
//!         println!("before you show the QR code: {warning}");
//!     }
//!     assert!(report.affects(AuthenticatorApp::MicrosoftAuthenticator));
//!     assert!(CompatibilityReport::for_totp(&TotpConfig::default()).is_empty());
//!     Ok(())
//! }
//! ```
//!
//! An `otpauth://` URI may carry `algorithm`, `digits` and `period`, but several widely
//! used apps scan such a URI without complaint, drop the parameter and compute
//! SHA-1 / 6 digits / 30 s codes anyway. The user sees plausible codes that the server
//! never accepts, and is locked out. [`CompatibilityReport`] lists, for each
//! non-default setting of a config, the apps with public reports of that behaviour, so
//! a server can warn (or refuse) before it shows the QR code. Whatever the report
//! says, require one correct code before treating the enrolment as done.
//!
//! The default config (SHA-1, 6 digits, 30 s) yields an empty report.
//!
//! # Evidence
//!
//! App behaviour changes between versions and platforms, and no vendor publishes a
//! support matrix, so each entry below rests on issue reports and third-party tests.
//! "Ignored": several independent reports agree; "reported ignored": fewer or older
//! reports. Either way the app accepts the URI and silently uses the default.
//!
//! | App | `algorithm` ≠ SHA1 | `digits` ≠ 6 | `period` ≠ 30 |
//! |---|---|---|---|
//! | Google Authenticator | ignored (older versions) | ignored (older versions) | ignored (Android) |
//! | Microsoft Authenticator | ignored | ignored | ignored |
//! | Authy (Twilio) | ignored | — | reported ignored |
//! | Duo Mobile | reported ignored | — | — |
//!
//! Sources, briefly:
//! - Google's Key Uri Format wiki
//!   (<https://github.com/google/google-authenticator/wiki/Key-Uri-Format>): algorithm,
//!   digits and period are "currently ignored by the Google Authenticator
//!   implementations". google/google-authenticator-android#29 (algorithm ignored on
//!   Android, SHA-1 used), #111 (no 8 digits, 2020); google/google-authenticator#521
//!   (period ignored on Android; reported to work on iOS); privacyidea/privacyidea#3311
//!   (Android 5.20 computes wrong SHA-512 codes, 2022). Newer releases are reported to
//!   honour SHA-256/512 and 8 digits but still not the period (keycloak/keycloak#27349
//!   and PR #27351, 2024; andry08/ArubaOTP-seed-extractor#21, 2023), so the warning
//!   stays for users on older installs.
//! - Microsoft Authenticator: kspearrin/Otp.NET#54 (SHA-512) and #62 (SHA-256/512),
//!   GeorgeHulpoi/payload-totp#30, BrandonPotter/GoogleAuthenticator PR #198,
//!   RobThree/TwoFactorAuth#54 (algorithm); puddly/android-otp-extractor#33 and
//!   dotnet/aspnetcore#48317 (digits); RobThree/TwoFactorAuth.Net#18 (period = 60);
//!   Keycloak's `MicrosoftAuthenticatorOTPProvider` supports only SHA1/6/30.
//! - Authy: RobThree/TwoFactorAuth#54, kanidm/kanidm#501, BrandonPotter/GoogleAuthenticator
//!   PR #198, beemdevelopment/Aegis#788 (algorithm); the 2019 cross-app test by Laban
//!   Sköllermark, "Many common mobile authenticator apps accept QR codes for modes they
//!   don't support" (labanskoller.se), as cited by its readers (period).
//! - Duo Mobile: google/google-authenticator-android#29 comment (2018),
//!   sec51/twofactor#11, samdjstevens/java-totp#30 (algorithm).
//!
//! Left out for conflicting or thin evidence: Authy and digits (reports both ways),
//! LastPass Authenticator and 2FAS (algorithm, reports both ways), Duo Mobile and
//! period. FreeOTP, Aegis and Bitwarden are reported to honour all three parameters
//! (Keycloak's `FreeOTPProvider`/`AegisProvider`, Authelia's TOTP app matrix);
//! 1Password and Apple Passwords have no reports either way that we found.

use core::fmt;

use crate::otp::{Algorithm, HotpConfig, TotpConfig};

/// An authenticator app named in a [`CompatibilityWarning`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthenticatorApp {
    /// Google Authenticator (Android, iOS).
    GoogleAuthenticator,
    /// Microsoft Authenticator (Android, iOS).
    MicrosoftAuthenticator,
    /// Authy, by Twilio.
    Authy,
    /// Duo Mobile, by Cisco Duo.
    DuoMobile,
}

impl AuthenticatorApp {
    /// The app's name as users know it: `"Google Authenticator"`.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            AuthenticatorApp::GoogleAuthenticator => "Google Authenticator",
            AuthenticatorApp::MicrosoftAuthenticator => "Microsoft Authenticator",
            AuthenticatorApp::Authy => "Authy",
            AuthenticatorApp::DuoMobile => "Duo Mobile",
        }
    }
}

impl fmt::Display for AuthenticatorApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Apps reported to ignore `algorithm` (see the [module docs](self)).
const ALGORITHM_IGNORED_BY: &[AuthenticatorApp] = &[
    AuthenticatorApp::GoogleAuthenticator,
    AuthenticatorApp::MicrosoftAuthenticator,
    AuthenticatorApp::Authy,
    AuthenticatorApp::DuoMobile,
];
/// Apps reported to ignore `digits`.
const DIGITS_IGNORED_BY: &[AuthenticatorApp] = &[
    AuthenticatorApp::GoogleAuthenticator,
    AuthenticatorApp::MicrosoftAuthenticator,
];
/// Apps reported to ignore `period`.
const PERIOD_IGNORED_BY: &[AuthenticatorApp] = &[
    AuthenticatorApp::GoogleAuthenticator,
    AuthenticatorApp::MicrosoftAuthenticator,
    AuthenticatorApp::Authy,
];

/// A non-default setting found in a config, with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// A hash function other than SHA-1.
    Algorithm(Algorithm),
    /// A digit count other than 6.
    Digits(u8),
    /// A TOTP period other than 30 seconds.
    Period(u64),
}

impl Setting {
    /// The `otpauth://` parameter name: `"algorithm"`, `"digits"` or `"period"`.
    #[must_use]
    pub const fn parameter(&self) -> &'static str {
        match self {
            Setting::Algorithm(_) => "algorithm",
            Setting::Digits(_) => "digits",
            Setting::Period(_) => "period",
        }
    }
}

/// `algorithm = SHA256`, `digits = 8`, `period = 60`, as in the URI.
impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Algorithm(a) => write!(f, "algorithm = {a}"),
            Setting::Digits(d) => write!(f, "digits = {d}"),
            Setting::Period(p) => write!(f, "period = {p}"),
        }
    }
}

/// One non-default setting and the apps reported to ignore it.
///
/// Displays as `digits = 8 may be ignored by Google Authenticator, Microsoft
/// Authenticator`. "May": some of these apps honour the setting in newer versions or
/// on one platform only (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CompatibilityWarning {
    setting: Setting,
    apps: &'static [AuthenticatorApp],
}

impl CompatibilityWarning {
    /// The setting, with the config's value.
    #[must_use]
    pub const fn setting(&self) -> Setting {
        self.setting
    }

    /// The apps reported to ignore it, never empty.
    #[must_use]
    pub const fn apps(&self) -> &'static [AuthenticatorApp] {
        self.apps
    }
}

impl fmt::Display for CompatibilityWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} may be ignored by ", self.setting)?;
        for (i, app) in self.apps.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(app.name())?;
        }
        Ok(())
    }
}

/// The most warnings a report holds: one each for algorithm, digits and period.
const MAX_WARNINGS: usize = 3;

/// Fills the unused slots of a report; never exposed.
const UNUSED: CompatibilityWarning = CompatibilityWarning {
    setting: Setting::Digits(6),
    apps: &[],
};

/// The [`CompatibilityWarning`]s for a config, one per non-default setting, in the
/// order algorithm, digits, period. Built without allocating.
///
/// ```
/// use mfa_core::otp::TotpConfig;
/// use mfa_core::compat::{AuthenticatorApp, CompatibilityReport, Setting};
///
/// let report = CompatibilityReport::for_totp(&TotpConfig::default().with_digits(8)?);
/// assert!(!report.is_empty());
/// assert!(report.affects(AuthenticatorApp::GoogleAuthenticator));
/// let warning = report.warnings().first().expect("one warning");
/// assert_eq!(warning.setting(), Setting::Digits(8));
/// assert_eq!(
///     warning.to_string(),
///     "digits = 8 may be ignored by Google Authenticator, Microsoft Authenticator"
/// );
///
/// assert!(CompatibilityReport::for_totp(&TotpConfig::default()).is_empty());
/// # Ok::<(), mfa_core::error::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompatibilityReport {
    warnings: [CompatibilityWarning; MAX_WARNINGS],
    len: usize,
}

impl CompatibilityReport {
    /// Checks a TOTP config's algorithm, digits and period.
    #[must_use]
    pub fn for_totp(config: &TotpConfig) -> Self {
        let mut report = Self::common(config.algorithm(), config.digits());
        let period = config.period();
        if period != 30 {
            report.push(Setting::Period(period), PERIOD_IGNORED_BY);
        }
        report
    }

    /// Checks an HOTP config's algorithm and digits (HOTP has no period).
    #[must_use]
    pub fn for_hotp(config: &HotpConfig) -> Self {
        Self::common(config.algorithm(), config.digits())
    }

    fn common(algorithm: Algorithm, digits: u8) -> Self {
        let mut report = Self::default();
        if algorithm != Algorithm::Sha1 {
            report.push(Setting::Algorithm(algorithm), ALGORITHM_IGNORED_BY);
        }
        if digits != 6 {
            report.push(Setting::Digits(digits), DIGITS_IGNORED_BY);
        }
        report
    }

    fn push(&mut self, setting: Setting, apps: &'static [AuthenticatorApp]) {
        if let Some(slot) = self.warnings.get_mut(self.len) {
            *slot = CompatibilityWarning { setting, apps };
            self.len += 1;
        }
    }

    /// The warnings, in the order algorithm, digits, period.
    #[must_use]
    pub fn warnings(&self) -> &[CompatibilityWarning] {
        self.warnings.get(..self.len).unwrap_or_default()
    }

    /// True when every setting is the default every app understands.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many warnings: 0 to 3.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// True when some warning names `app`: a user of that app would see wrong codes.
    #[must_use]
    pub fn affects(&self, app: AuthenticatorApp) -> bool {
        self.warnings().iter().any(|w| w.apps.contains(&app))
    }
}

impl Default for CompatibilityReport {
    /// An empty report.
    fn default() -> Self {
        CompatibilityReport {
            warnings: [UNUSED; MAX_WARNINGS],
            len: 0,
        }
    }
}

impl fmt::Debug for CompatibilityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompatibilityReport")
            .field("warnings", &self.warnings())
            .finish()
    }
}

impl<'a> IntoIterator for &'a CompatibilityReport {
    type Item = &'a CompatibilityWarning;
    type IntoIter = core::slice::Iter<'a, CompatibilityWarning>;

    fn into_iter(self) -> Self::IntoIter {
        self.warnings().iter()
    }
}
