//! What every stored record does, pinned: each record in `tests/data/records` goes
//! through a fixed script of operations (sign-in with wrong and right codes, method
//! switches, a resend, an enrolment with a step-up, regeneration, a disable, expiry),
//! with a seeded generator and fixed clocks, and the transcript (every result, every
//! event, every record written) must equal the one kept in `tests/data/transcripts`.
//!
//! Any change in behaviour or in the bytes stored, down to the order randomness is
//! drawn in, shows up here as a diff. To write the transcript of a new record file:
//! `MFA_WRITE_TRANSCRIPTS=1 cargo test --all-features --test stored transcripts`
//! (it never overwrites an existing transcript).
use std::fmt::{Debug, Write as _};
use std::path::PathBuf;

use mfa_core::account::{
    Change, DisableScope, LoginStart, Method, MethodSetup, SetupMaterial, SetupNext,
};
use mfa_core::{
    Secret, ServerKey,
    account::{Account, Mfa, MfaPolicy},
    otp::TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

const T0: u64 = 1_767_225_600;

fn data(folder: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(folder)
}

/// One script's running transcript.
struct Script {
    mfa: Mfa,
    account: Account,
    rng: StdRng,
    out: String,
}

impl Script {
    /// Runs `change`, writes the step's result, events and stored record, and
    /// returns the result.
    fn step<T: Debug>(
        &mut self,
        label: &str,
        op: impl for<'a> FnOnce(&'a Mfa, &'a mut Account, &'a mut StdRng) -> Change<'a, T>,
    ) -> Option<T> {
        let mut stored = None;
        let outcome = op(&self.mfa, &mut self.account, &mut self.rng)
            .persist(|record, expected| {
                stored = Some((expected, serde_json::to_string(record).unwrap()));
                Ok::<(), ()>(())
            })
            .unwrap();
        let _ = writeln!(self.out, "## {label}");
        let _ = writeln!(self.out, "result: {:?}", outcome.result);
        let _ = writeln!(self.out, "events: {:?}", outcome.events);
        match stored {
            Some((expected, json)) => {
                let _ = writeln!(self.out, "stored over version {expected}: {json}");
            }
            None => {
                let _ = writeln!(self.out, "nothing stored");
            }
        }
        outcome.result.ok()
    }
}

fn code(secret: &Secret, at: u64) -> String {
    TotpConfig::default()
        .generate(secret, at)
        .unwrap()
        .as_str()
        .to_owned()
}

/// The script for a record with MFA on: the user's app secret and backup codes.
fn enabled_script(s: &mut Script, secret: &Secret, backup: &[String]) {
    let now = T0 + 3_600;
    let login = s.step("begin login", |m, a, r| m.begin_login(a, r, now));
    let Some(LoginStart::Required(login)) = login else {
        panic!("MFA is on")
    };
    let token = login.token;
    s.step("wrong code", |m, a, _| {
        m.verify_login(a, &token, "000000", now)
    });
    s.step("malformed code", |m, a, _| {
        m.verify_login(a, &token, "12ab", now)
    });
    s.step("switch to email", |m, a, r| {
        m.switch_method(a, &token, Method::Email, r, now + 1)
    });
    s.step("resend too soon", |m, a, r| m.resend(a, &token, r, now + 2));
    s.step("resend", |m, a, r| m.resend(a, &token, r, now + 70));
    s.step("switch to the app", |m, a, r| {
        m.switch_method(a, &token, Method::Authenticator, r, now + 71)
    });
    let right = code(secret, now + 72);
    s.step("right code", |m, a, _| {
        m.verify_login(a, &token, &right, now + 72)
    });
    s.step("the same code again", |m, a, _| {
        m.verify_login(a, &token, &right, now + 73)
    });

    let now = now + 300;
    let sms = MethodSetup::Sms {
        number: "+15555550123",
    };
    let started = s.step("begin SMS setup", |m, a, r| m.begin_setup(a, sms, r, now));
    let started = started.unwrap();
    assert!(matches!(started.next, SetupNext::StepUp(_)));
    let setup = started.token;
    s.step("confirm before the step-up", |m, a, r| {
        m.confirm_setup(a, &setup, "123456", r, now)
    });
    let material = s.step("step up with a backup code", |m, a, r| {
        m.verify_step_up(a, &setup, &backup[1], r, now + 1)
    });
    let Some(SetupMaterial::Oob(delivery)) = material else {
        panic!("SMS sends a code")
    };
    let sent = delivery.code().as_str().to_owned();
    s.step("confirm with a backup code", |m, a, r| {
        m.confirm_setup(a, &setup, &backup[2], r, now + 2)
    });
    s.step("confirm with the sent code", |m, a, r| {
        m.confirm_setup(a, &setup, &sent, r, now + 3)
    });

    let now = now + 300;
    let regenerate = s.step("begin regenerate", |m, a, r| m.begin_regenerate(a, r, now));
    let regenerate = regenerate.unwrap().token;
    s.step("regenerate with a backup code", |m, a, r| {
        m.verify_regenerate(a, &regenerate, &backup[3], r, now + 1)
    });

    let now = now + 300;
    let scope = DisableScope::Method(Method::Sms);
    let disable = s.step("begin disable SMS", |m, a, r| {
        m.begin_disable(a, scope, r, now)
    });
    let disable = disable.unwrap().token;
    s.step("switch the disable to the app", |m, a, r| {
        m.switch_method(a, &disable, Method::Authenticator, r, now + 1)
    });
    let right = code(secret, now + 31);
    s.step("disable SMS", |m, a, _| {
        m.verify_disable(a, &disable, &right, now + 31)
    });

    let now = now + 300;
    let login = s.step("begin login to fail", |m, a, r| m.begin_login(a, r, now));
    let Some(LoginStart::Required(login)) = login else {
        panic!("MFA is on")
    };
    for (i, wrong) in (1..).zip(["111111", "222222", "333333", "444444", "555555", "666666"]) {
        s.step(&format!("wrong code {i}"), |m, a, _| {
            m.verify_login(a, &login.token, wrong, now + 20 * i)
        });
    }
    let later = now + 2 * 86_400;
    s.step("set default while expired", |m, a, _| {
        m.set_default_method(a, Method::Authenticator, later)
    });
    s.step("the expired login", |m, a, _| {
        m.verify_login(a, &login.token, "555555", later)
    });
    let everything = DisableScope::Everything;
    let disable = s.step("begin disable everything", |m, a, r| {
        m.begin_disable(a, everything, r, later)
    });
    let disable = disable.unwrap().token;
    let right = code(secret, later);
    s.step("disable everything", |m, a, _| {
        m.verify_disable(a, &disable, &right, later)
    });
}

/// The script for a record without MFA: a first method, by app.
fn setup_script(s: &mut Script) {
    let now = T0 + 3_600;
    s.step("begin login", |m, a, r| m.begin_login(a, r, now));
    let app = MethodSetup::Authenticator {
        account_name: "jane@example.com",
    };
    let started = s.step("begin app setup", |m, a, r| m.begin_setup(a, app, r, now));
    let started = started.unwrap();
    let SetupNext::Confirm(SetupMaterial::Authenticator(enrolment)) = started.next else {
        panic!("a first method needs no step-up")
    };
    let secret = enrolment.secret().clone();
    let token = started.token;
    s.step("step up when none is needed", |m, a, r| {
        m.verify_step_up(a, &token, "123456", r, now)
    });
    s.step("confirm with a wrong code", |m, a, r| {
        m.confirm_setup(a, &token, "000000", r, now + 1)
    });
    let right = code(&secret, now + 2);
    s.step("confirm", |m, a, r| {
        m.confirm_setup(a, &token, &right, r, now + 2)
    });
    let login = s.step("begin login", |m, a, r| m.begin_login(a, r, now + 5));
    let Some(LoginStart::Required(login)) = login else {
        panic!("MFA is on")
    };
    s.step("the setup's code cannot sign in", |m, a, _| {
        m.verify_login(a, &login.token, &right, now + 5)
    });
    let next = code(&secret, now + 40);
    s.step("the next code signs in", |m, a, _| {
        m.verify_login(a, &login.token, &next, now + 40)
    });
}

fn transcript(record: &str, user: &Value) -> String {
    let mut script = Script {
        mfa: Mfa::new(
            MfaPolicy::default(),
            ServerKey::new(1, &[0x42; 32]).unwrap(),
        ),
        account: serde_json::from_str(record).unwrap(),
        rng: StdRng::seed_from_u64(29),
        out: String::new(),
    };
    if script.account.mfa_enabled() {
        let secret = Secret::from_base32(user["secret"].as_str().unwrap()).unwrap();
        let backup: Vec<String> = user["backup_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        enabled_script(&mut script, &secret, &backup);
    } else {
        setup_script(&mut script);
    }
    script.out
}

#[test]
fn every_stored_record_behaves_as_its_transcript_says() {
    let mut names: Vec<String> = std::fs::read_dir(data("records"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && !n.ends_with(".user.json"))
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
    let write = std::env::var_os("MFA_WRITE_TRANSCRIPTS").is_some();
    for name in names {
        let record = std::fs::read_to_string(data("records").join(&name)).unwrap();
        let user =
            std::fs::read_to_string(data("records").join(name.replace(".json", ".user.json")));
        let user: Value = serde_json::from_str(&user.unwrap()).unwrap();
        let got = transcript(&record, &user);
        let path = data("transcripts").join(name.replace(".json", ".txt"));
        if write && !path.exists() {
            std::fs::create_dir_all(data("transcripts")).unwrap();
            std::fs::write(&path, &got).unwrap();
        }
        let want =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if got != want {
            let (line, (g, w)) = (1..)
                .zip(got.lines().zip(want.lines()))
                .find(|(_, (g, w))| g != w)
                .unwrap_or((0, ("(length differs)", "")));
            panic!("{name}: transcript differs at line {line}:\n got: {g}\nwant: {w}");
        }
    }
}
