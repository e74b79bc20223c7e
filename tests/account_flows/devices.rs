//! Remembered devices: remembered only by a sign-in that succeeded, recognised until
//! they expire, at most the policy's number, and forgotten on request and whenever
//! a factor changes under them.

use mfa_core::account::DisableScope::Method as One;
use mfa_core::account::Method::{Authenticator as Totp, Email};
use mfa_core::account::{
    DeviceToken, Event, LoginStart, MAX_DEVICE_LABEL_CHARS, MAX_REMEMBER_FOR,
    MAX_REMEMBERED_DEVICES, MfaPolicy, RememberedLogin, ThrottlePolicy,
};
use mfa_core::error::Error;

use crate::fixture::{APP, Fx, MAIL, Read, codes, off};

impl Fx {
    /// Signs in with the app's next code and remembers the device as `label`.
    fn remember(&mut self, label: &str) -> (RememberedLogin, Vec<Event>) {
        let login = self.login();
        let code = self.next_totp();
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        let out = self
            .mfa
            .verify_login_remembering(a, &login.token, &code, label, r, n)
            .in_memory();
        (out.result.unwrap(), out.events)
    }

    /// Begins a sign-in from `device`: whether it skipped the second factor.
    fn recognised(&mut self, device: &DeviceToken) -> bool {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        let out = self.mfa.begin_login_remembered(a, device, r, n).in_memory();
        match out.result.unwrap() {
            LoginStart::NotRequired => {
                assert_eq!(out.events, [Event::DeviceRecognized]);
                true
            }
            LoginStart::Required(_) => false,
        }
    }
}

#[test]
fn a_device_remembered_by_a_sign_in_skips_the_code_until_it_expires() {
    let mut fx = Fx::enabled(&[APP]);
    fx.now += 60;
    let (remembered, events) = fx.remember("Firefox on macOS");
    let expires_at = fx.now + 30 * 86_400;
    assert_eq!(events, [Event::DeviceRemembered { expires_at }]);
    assert_eq!(remembered.with, crate::fixture::by(Totp));
    let text = remembered.device.to_text();
    assert!(text.expose_secret().starts_with("device_"));
    assert_eq!(text.expose_secret().len(), "device_".len() + 64);

    let devices = fx.acct.devices();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].label, "Firefox on macOS");
    assert_eq!(
        (devices[0].created_at, devices[0].expires_at),
        (fx.now, expires_at)
    );
    assert_eq!(devices[0].key.len(), 32);
    assert!(
        !text.expose_secret().contains(&devices[0].key),
        "only its hash is kept"
    );

    // The cookie comes back as text.
    let device = DeviceToken::parse(text.expose_secret()).unwrap();
    fx.now += 86_400;
    assert!(fx.recognised(&device));
    assert_eq!(fx.acct.devices()[0].last_used_at, fx.now);

    // Another token, or none that parses, asks for the code.
    let stranger = DeviceToken::parse(&format!("device_{}", "ab".repeat(32))).unwrap();
    assert!(!fx.recognised(&stranger));
    assert!(DeviceToken::parse("device_xyz").is_none());
    assert!(DeviceToken::parse(&text.expose_secret().replace("device_", "login_")).is_none());

    // The last second of its life still counts; then it is gone.
    fx.now = expires_at - 1;
    assert!(fx.recognised(&device));
    fx.now = expires_at;
    assert!(!fx.recognised(&device));
    assert!(
        fx.acct.devices().is_empty(),
        "an expired device is forgotten"
    );
}

#[test]
fn a_failed_sign_in_remembers_nothing() {
    let mut fx = Fx::enabled(&[APP]);
    fx.now += 60;
    let login = fx.login();
    let wrong = fx.wrong_totp();
    let (a, r, n) = (&mut fx.acct, &mut fx.rng, fx.now);
    let out = fx
        .mfa
        .verify_login_remembering(a, &login.token, &wrong, "x", r, n)
        .in_memory();
    assert_eq!(out.result.unwrap_err(), Error::InvalidCode);
    assert!(fx.acct.devices().is_empty());
    assert_eq!(fx.acct.failures(), 1, "the failure counts as any other");
}

#[test]
fn remembering_more_than_the_policy_allows_forgets_the_oldest() {
    let policy = MfaPolicy::default()
        .with_remembered_devices(7 * 86_400, 2)
        .unwrap();
    let mut fx = Fx::with(policy);
    assert!(fx.enable(APP).result.is_ok());
    let mut devices = Vec::new();
    for label in ["first", "second", "third"] {
        fx.now += 60;
        let (remembered, events) = fx.remember(label);
        let evicted = usize::from(label == "third");
        let forgotten = Event::DevicesForgotten { count: evicted };
        assert_eq!(events.contains(&forgotten), evicted == 1, "{events:?}");
        devices.push(remembered.device);
    }
    let labels: Vec<String> = fx.acct.devices().into_iter().map(|d| d.label).collect();
    assert_eq!(labels, ["second", "third"]);
    assert!(!fx.recognised(&devices[0]));
    assert!(fx.recognised(&devices[1]) && fx.recognised(&devices[2]));
    let kept = &fx.acct.devices()[0];
    assert_eq!(kept.expires_at, kept.created_at + 7 * 86_400);
}

#[test]
fn labels_are_kept_as_text_to_show_and_cut_at_the_limit() {
    let mut fx = Fx::enabled(&[APP]);
    fx.now += 60;
    let long = "é".repeat(MAX_DEVICE_LABEL_CHARS + 5);
    let _ = fx.remember(&format!("  {long}  "));
    fx.now += 60;
    let _ = fx.remember("tab\there\u{7}");
    let devices = fx.acct.devices();
    assert_eq!(devices[0].label.chars().count(), MAX_DEVICE_LABEL_CHARS);
    assert_eq!(devices[1].label, "tab here");
}

/// Whatever the label, the record that remembers it loads again unchanged: the
/// label is stored in the one form the check on loading accepts.
#[cfg(feature = "serde")]
#[test]
fn every_label_is_stored_in_a_form_that_loads() {
    let mut fx = Fx::enabled(&[APP]);
    let cut_at_a_space = format!("{} tail", "x".repeat(MAX_DEVICE_LABEL_CHARS - 1));
    let labels = [
        "\u{1}leading control",
        "trailing control\u{7}",
        " \u{85}next line\u{85} ",
        cut_at_a_space.as_str(),
        "\t\n",
        "",
    ];
    for label in labels {
        fx.now += 60;
        let _ = fx.remember(label);
        let stored = serde_json::to_string(&fx.acct).unwrap();
        let loaded: mfa_core::account::Account = serde_json::from_str(&stored)
            .unwrap_or_else(|e| panic!("{label:?} stored as a record that does not load: {e}"));
        assert_eq!(loaded, fx.acct);
        let shown = fx.acct.devices().pop().unwrap().label;
        assert_eq!(shown.trim(), shown.as_str(), "{label:?}");
    }
}

#[cfg(feature = "serde")]
proptest::proptest! {
    #[test]
    fn any_label_loads_again(label in "\\PC{0,80}|[\\s\\x00-\\x1f\\x7f-\\u{9f}a]{0,80}") {
        let mut fx = Fx::enabled(&[APP]);
        fx.now += 60;
        let _ = fx.remember(&label);
        let stored = serde_json::to_string(&fx.acct).unwrap();
        let loaded: Result<mfa_core::account::Account, _> = serde_json::from_str(&stored);
        proptest::prop_assert!(loaded.is_ok(), "{:?}: {:?}", label, loaded.err());
    }
}

#[test]
fn devices_are_forgotten_on_request_one_or_all() {
    let mut fx = Fx::enabled(&[APP]);
    fx.now += 60;
    let (first, _) = fx.remember("first");
    fx.now += 60;
    let (second, _) = fx.remember("second");
    let key = fx.acct.devices()[0].key.clone();

    let out = fx
        .mfa
        .forget_device(&mut fx.acct, "not a key", fx.now)
        .in_memory();
    assert!(!out.val());
    let out = fx.mfa.forget_device(&mut fx.acct, &key, fx.now).in_memory();
    assert_eq!(out.events, [Event::DevicesForgotten { count: 1 }]);
    assert!(out.val());
    assert!(!fx.recognised(&first.device));
    assert!(fx.recognised(&second.device));

    let out = fx.mfa.forget_devices(&mut fx.acct, fx.now).in_memory();
    assert_eq!(out.events, [Event::DevicesForgotten { count: 1 }]);
    assert_eq!(out.val(), 1);
    assert!(!fx.recognised(&second.device));
    let version = fx.acct.version();
    let out = fx.mfa.forget_devices(&mut fx.acct, fx.now).in_memory();
    assert!(out.events.is_empty());
    assert_eq!(
        (out.val(), fx.acct.version()),
        (0, version),
        "nothing changes"
    );
}

/// Every change of the factors under a remembered device forgets it: turning a
/// method off, replacing the backup codes, an unlock and a reset.
#[test]
fn devices_are_forgotten_whenever_a_factor_changes() {
    let forgotten = Event::DevicesForgotten { count: 1 };

    // A method turned off (not the last).
    let mut fx = Fx::enabled(&[APP, MAIL]);
    fx.now += 60;
    let (kept, _) = fx.remember("laptop");
    let begun = fx.begin_disable(One(Email)).val();
    let code = fx.code_via(&begun.token, Totp);
    let out = fx.disable(&begun.token, &code);
    assert_eq!(out.events, [off(Email), forgotten]);
    assert!(!fx.recognised(&kept.device));

    // The backup codes replaced.
    let mut fx = Fx::enabled(&[APP]);
    fx.now += 60;
    let (kept, _) = fx.remember("laptop");
    let begun = fx.begin_regen().val();
    let code = fx.next_totp();
    let (a, r, n) = (&mut fx.acct, &mut fx.rng, fx.now);
    let out = fx
        .mfa
        .verify_regenerate(a, &begun.token, &code, r, n)
        .in_memory();
    assert!(out.events.contains(&forgotten), "{:?}", out.events);
    assert_eq!(codes(&out.val()).len(), 10);
    assert!(!fx.recognised(&kept.device));

    // A reset.
    let mut fx = Fx::enabled(&[APP]);
    fx.now += 60;
    let _ = fx.remember("laptop");
    let out = fx.reset();
    assert!(out.events.contains(&forgotten), "{:?}", out.events);
    assert!(fx.acct.devices().is_empty());
}

/// A hard-locked account honours no device, and an unlock forgets them all:
/// someone was guessing codes.
#[test]
fn a_locked_account_honours_no_device_and_an_unlock_forgets_them() {
    let policy = ThrottlePolicy::DEFAULT.with_max_failures(3).unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_throttle(policy));
    assert!(fx.enable(APP).result.is_ok());
    fx.now += 60;
    let (remembered, _) = fx.remember("laptop");
    let login = fx.login();
    for _ in 0..3 {
        let wrong = fx.wrong_totp();
        assert_eq!(fx.verify(&login.token, &wrong).fail(), Error::InvalidCode);
    }
    let (a, r, n) = (&mut fx.acct, &mut fx.rng, fx.now);
    let out = fx
        .mfa
        .begin_login_remembered(a, &remembered.device, r, n)
        .in_memory();
    assert_eq!(out.result.unwrap_err(), Error::MfaLocked);

    let out = fx.unlock();
    assert!(out.events.contains(&Event::DevicesForgotten { count: 1 }));
    assert!(!fx.recognised(&remembered.device));
}

#[test]
fn the_policy_bounds_how_long_and_how_many() {
    let policy = MfaPolicy::default();
    assert_eq!(
        (policy.remember_for(), policy.max_devices()),
        (30 * 86_400, 5)
    );
    for (lifetime, max) in [
        (0, 5),
        (MAX_REMEMBER_FOR + 1, 5),
        (86_400, 0),
        (86_400, MAX_REMEMBERED_DEVICES + 1),
    ] {
        assert!(
            policy
                .clone()
                .with_remembered_devices(lifetime, max)
                .is_err()
        );
    }
    let most = policy
        .with_remembered_devices(MAX_REMEMBER_FOR, MAX_REMEMBERED_DEVICES)
        .unwrap();
    assert_eq!(
        (most.remember_for(), most.max_devices()),
        (MAX_REMEMBER_FOR, MAX_REMEMBERED_DEVICES)
    );
}

#[test]
fn a_device_token_never_shows_in_debug() {
    let mut fx = Fx::enabled(&[APP]);
    fx.now += 60;
    let (remembered, _) = fx.remember("laptop");
    let shown = format!("{remembered:?}");
    assert!(shown.contains("DeviceToken([redacted])"), "{shown}");
    let text = remembered.device.to_text();
    assert!(!shown.contains(&text.expose_secret()["device_".len()..]));
}
