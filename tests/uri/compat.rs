//! Authenticator-app compatibility reports: which settings each app ignores, and how
//! a report reads.

use mfa_core::compat::{AuthenticatorApp, CompatibilityReport, CompatibilityWarning, Setting};
use mfa_core::otp::{Algorithm, HotpConfig, TotpConfig};

use AuthenticatorApp::{Authy, DuoMobile, GoogleAuthenticator, MicrosoftAuthenticator};

const ALGORITHM_APPS: &[AuthenticatorApp] = &[
    GoogleAuthenticator,
    MicrosoftAuthenticator,
    Authy,
    DuoMobile,
];
const DIGITS_APPS: &[AuthenticatorApp] = &[GoogleAuthenticator, MicrosoftAuthenticator];
const PERIOD_APPS: &[AuthenticatorApp] = &[GoogleAuthenticator, MicrosoftAuthenticator, Authy];

fn only(report: &CompatibilityReport) -> CompatibilityWarning {
    assert_eq!(report.len(), 1, "{report:?}");
    report.warnings()[0]
}

fn settings(report: &CompatibilityReport) -> Vec<Setting> {
    report
        .warnings()
        .iter()
        .map(CompatibilityWarning::setting)
        .collect()
}

#[test]
fn defaults_are_empty() {
    for report in [
        CompatibilityReport::for_totp(&TotpConfig::default()),
        CompatibilityReport::for_hotp(&HotpConfig::default()),
        CompatibilityReport::default(),
    ] {
        assert!(report.is_empty());
        assert_eq!(report.len(), 0);
        assert!(report.warnings().is_empty());
        assert_eq!((&report).into_iter().count(), 0);
        assert!(!report.affects(GoogleAuthenticator));
    }
}

#[test]
fn settings_that_do_not_matter_are_ignored() {
    let totp = TotpConfig::default()
        .with_t0(1_000)
        .with_window(mfa_core::otp::Window::EXACT)
        .with_algorithm(Algorithm::Sha1)
        .with_digits(6)
        .unwrap()
        .with_period(30)
        .unwrap();
    assert!(CompatibilityReport::for_totp(&totp).is_empty());
    let hotp = HotpConfig::default().with_look_ahead(0).unwrap();
    assert!(CompatibilityReport::for_hotp(&hotp).is_empty());
}

#[test]
fn each_algorithm_warns() {
    for algorithm in [Algorithm::Sha256, Algorithm::Sha512] {
        let totp = CompatibilityReport::for_totp(&TotpConfig::default().with_algorithm(algorithm));
        let hotp = CompatibilityReport::for_hotp(&HotpConfig::default().with_algorithm(algorithm));
        for report in [totp, hotp] {
            let w = only(&report);
            assert_eq!(w.setting(), Setting::Algorithm(algorithm));
            assert_eq!(w.setting().parameter(), "algorithm");
            assert_eq!(w.apps(), ALGORITHM_APPS);
        }
    }
}

#[test]
fn each_digit_count_warns() {
    for digits in 7..=10 {
        let totp =
            CompatibilityReport::for_totp(&TotpConfig::default().with_digits(digits).unwrap());
        let hotp =
            CompatibilityReport::for_hotp(&HotpConfig::default().with_digits(digits).unwrap());
        for report in [totp, hotp] {
            let w = only(&report);
            assert_eq!(w.setting(), Setting::Digits(digits));
            assert_eq!(w.setting().parameter(), "digits");
            assert_eq!(w.apps(), DIGITS_APPS);
            assert!(report.affects(MicrosoftAuthenticator));
            assert!(!report.affects(Authy));
        }
    }
}

#[test]
fn each_period_warns() {
    for period in [1, 15, 29, 31, 60, 120, u64::MAX] {
        let report =
            CompatibilityReport::for_totp(&TotpConfig::default().with_period(period).unwrap());
        let w = only(&report);
        assert_eq!(w.setting(), Setting::Period(period));
        assert_eq!(w.setting().parameter(), "period");
        assert_eq!(w.apps(), PERIOD_APPS);
        assert!(!report.affects(DuoMobile));
    }
}

#[test]
fn combinations_give_one_warning_per_setting_in_order() {
    let all = TotpConfig::default()
        .with_algorithm(Algorithm::Sha512)
        .with_digits(8)
        .unwrap()
        .with_period(60)
        .unwrap();
    let report = CompatibilityReport::for_totp(&all);
    assert_eq!(report.len(), 3);
    assert_eq!(
        settings(&report),
        [
            Setting::Algorithm(Algorithm::Sha512),
            Setting::Digits(8),
            Setting::Period(60)
        ]
    );
    let apps: Vec<_> = report
        .warnings()
        .iter()
        .map(CompatibilityWarning::apps)
        .collect();
    assert_eq!(apps, [ALGORITHM_APPS, DIGITS_APPS, PERIOD_APPS]);
    assert_eq!((&report).into_iter().count(), 3);

    let two = TotpConfig::default()
        .with_digits(8)
        .unwrap()
        .with_period(60)
        .unwrap();
    let report = CompatibilityReport::for_totp(&two);
    assert_eq!(settings(&report), [Setting::Digits(8), Setting::Period(60)]);

    let two = TotpConfig::default()
        .with_algorithm(Algorithm::Sha256)
        .with_period(45)
        .unwrap();
    let report = CompatibilityReport::for_totp(&two);
    assert_eq!(
        settings(&report),
        [Setting::Algorithm(Algorithm::Sha256), Setting::Period(45)]
    );
    assert!(report.affects(DuoMobile));
}

#[test]
fn hotp_never_warns_about_period() {
    let hotp = HotpConfig::default()
        .with_algorithm(Algorithm::Sha256)
        .with_digits(8)
        .unwrap();
    let report = CompatibilityReport::for_hotp(&hotp);
    assert_eq!(
        settings(&report),
        [Setting::Algorithm(Algorithm::Sha256), Setting::Digits(8)]
    );
    assert!(
        report
            .warnings()
            .iter()
            .all(|w| !matches!(w.setting(), Setting::Period(_)))
    );
}

#[test]
fn display_names_the_setting_and_every_app() {
    let report = CompatibilityReport::for_totp(&TotpConfig::default().with_digits(8).unwrap());
    assert_eq!(
        only(&report).to_string(),
        "digits = 8 may be ignored by Google Authenticator, Microsoft Authenticator"
    );

    let all = TotpConfig::default()
        .with_algorithm(Algorithm::Sha256)
        .with_digits(8)
        .unwrap()
        .with_period(60)
        .unwrap();
    let report = CompatibilityReport::for_totp(&all);
    let texts: Vec<String> = report.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        [
            "algorithm = SHA256 may be ignored by Google Authenticator, Microsoft Authenticator, Authy, Duo Mobile",
            "digits = 8 may be ignored by Google Authenticator, Microsoft Authenticator",
            "period = 60 may be ignored by Google Authenticator, Microsoft Authenticator, Authy",
        ]
    );
    for w in report.warnings() {
        let text = w.to_string();
        assert!(text.starts_with(&w.setting().to_string()));
        for app in w.apps() {
            assert!(text.contains(app.name()), "{text} lacks {app}");
        }
    }
}

#[test]
fn app_names() {
    assert_eq!(GoogleAuthenticator.name(), "Google Authenticator");
    assert_eq!(MicrosoftAuthenticator.name(), "Microsoft Authenticator");
    assert_eq!(Authy.name(), "Authy");
    assert_eq!(DuoMobile.name(), "Duo Mobile");
    assert_eq!(DuoMobile.to_string(), DuoMobile.name());
}

#[test]
fn debug_shows_only_real_warnings() {
    let empty = format!("{:?}", CompatibilityReport::default());
    assert_eq!(empty, "CompatibilityReport { warnings: [] }");
    let report = CompatibilityReport::for_totp(&TotpConfig::default().with_period(60).unwrap());
    let debug = format!("{report:?}");
    assert!(debug.contains("Period(60)"), "{debug}");
    assert!(!debug.contains("Digits"), "{debug}");
}

/// `is_empty` says whether there is anything to warn about: false for a setting apps
/// ignore, true for the defaults, so a caller can skip showing an empty report.
#[test]
fn a_report_on_settings_apps_ignore_is_not_empty() {
    let report = CompatibilityReport::for_totp(&TotpConfig::default().with_digits(8).unwrap());
    assert!(!report.is_empty());
    assert!(CompatibilityReport::for_totp(&TotpConfig::default()).is_empty());
}
