//! Decoding every persisted state type from arbitrary JSON: never a panic, and what
//! loads writes out to JSON that loads back and writes out byte for byte the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_core::backup::BackupCodeSet;
use mfa_core::oob::OobChallenge;
use mfa_core::{Account, Secret, TotpConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: Serialize + DeserializeOwned>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let first = serde_json::to_string(&value).expect("a loaded value serialises");
        let again: T = serde_json::from_str(&first).expect("written JSON loads back");
        let second = serde_json::to_string(&again).expect("a loaded value serialises");
        assert_eq!(first, second, "the stored form changed on a round trip");
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<Account>(data);
    round_trip::<BackupCodeSet>(data);
    round_trip::<OobChallenge>(data);
    round_trip::<TotpConfig>(data);
    round_trip::<Secret>(data);
});
