//! Decoding every persisted state type from arbitrary JSON: never a panic, and what
//! loads writes out to JSON that loads back and writes out byte for byte the same.
//! An account record that loads must also stay loadable: whatever an operation on
//! it writes loads again (a record the decoder accepts but the state machine turns
//! into one it refuses would lock its user out), and the typed path
//! (`StoredAccount` → `Account::try_from`) agrees with `Deserialize for Account`.
//! The seed corpus holds records of both schemas; sealed ones are sealed under the
//! key used here, so mutating their hex reaches the tampered-value path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_core::account::{DisableScope, LoginStart, StoredAccount};
use mfa_core::backup::BackupCodeSet;
use mfa_core::oob::OobChallenge;
use mfa_core::{
    Secret, ServerKey,
    account::{Account, Method, MethodSetup, Mfa, MfaPolicy},
    otp::TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: Serialize + DeserializeOwned>(data: &[u8]) -> Option<T> {
    let value = serde_json::from_slice::<T>(data).ok()?;
    let first = serde_json::to_string(&value).expect("a loaded value serialises");
    let again: T = serde_json::from_str(&first).expect("written JSON loads back");
    let second = serde_json::to_string(&again).expect("a loaded value serialises");
    assert_eq!(first, second, "the stored form changed on a round trip");
    Some(value)
}

/// Whatever the library writes loads again.
fn reloads(account: &Account, after: &str) {
    let text = serde_json::to_string(account).expect("a record serialises");
    if let Err(e) = serde_json::from_str::<Account>(&text) {
        panic!("after {after} the record no longer loads: {e}\n{text}");
    }
}

/// A few operations at a time the record's own clock makes plausible.
fn operate(mut account: Account) {
    let key = ServerKey::new(1, &[0x42; 32]).expect("a 32-byte key");
    let mfa = Mfa::new(MfaPolicy::default(), key);
    let mut rng = StdRng::seed_from_u64(1);
    let now = 1_767_225_600;
    let start = mfa.begin_login(&mut account, &mut rng, now).in_memory();
    reloads(&account, "begin_login");
    if let Ok(LoginStart::Required(login)) = start.result {
        let _ = mfa
            .verify_login(&mut account, &login.token, "123456", now)
            .in_memory();
        reloads(&account, "verify_login");
        for method in Method::ALL {
            let _ = mfa
                .switch_method(&mut account, &login.token, method, &mut rng, now)
                .in_memory();
            reloads(&account, "switch_method");
        }
        let _ = mfa
            .resend(&mut account, &login.token, &mut rng, now + 60)
            .in_memory();
        reloads(&account, "resend");
    }
    let email = MethodSetup::Email {
        address: "fuzz@example.com",
    };
    let _ = mfa
        .begin_setup(&mut account, email, &mut rng, now)
        .in_memory();
    reloads(&account, "begin_setup");
    let _ = mfa
        .begin_disable(&mut account, DisableScope::Everything, &mut rng, now)
        .in_memory();
    reloads(&account, "begin_disable");
    let _ = mfa.unlock(&mut account, now).in_memory();
    reloads(&account, "unlock");
    let _ = mfa.reset_factors(&mut account, now + 86_400).in_memory();
    reloads(&account, "reset_factors");
}

fuzz_target!(|data: &[u8]| {
    let account = round_trip::<Account>(data);
    if let Ok(stored) = serde_json::from_slice::<StoredAccount>(data) {
        let typed = Account::try_from(stored);
        assert_eq!(
            typed.is_ok(),
            account.is_some(),
            "the two ways to load disagree"
        );
    }
    if let Some(account) = account {
        operate(account);
    }
    round_trip::<BackupCodeSet>(data);
    round_trip::<OobChallenge>(data);
    round_trip::<TotpConfig>(data);
    round_trip::<Secret>(data);
});
