//! Backup-code consumption with arbitrary input: never a panic; a code accepted once
//! is refused ever after, and the count of remaining codes only goes down.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_core::backup::{BackupCodePolicy, BackupCodeSet};
use mfa_core::{ServerKey, error::Error};
use rand::SeedableRng;
use rand::rngs::StdRng;

fuzz_target!(|data: &[u8]| {
    let key = ServerKey::new(1, &[0x42; 32]).expect("a valid key");
    let (plain, mut set) = BackupCodeSet::generate(
        &BackupCodePolicy::default(),
        &key,
        &mut StdRng::seed_from_u64(7),
    );
    let codes: Vec<String> = plain.expose_secret().map(String::from).collect();
    // The first byte picks a real code to mix in, so hits are reachable too.
    let (pick, rest) = data.split_first().unwrap_or((&0, &[]));
    let text = String::from_utf8_lossy(rest);
    let real = &codes[usize::from(*pick) % codes.len()];
    for input in [text.as_ref(), real.as_str(), &format!("{text}{real}")] {
        let before = set.remaining();
        match set.consume(input, &key, 1_767_225_600) {
            Ok(used) => {
                assert_eq!(used.remaining() + 1, before, "one hit uses one code");
                assert_eq!(
                    set.consume(input, &key, 1_767_225_601),
                    Err(Error::BackupCodeUsed),
                    "a used code was accepted again"
                );
            }
            Err(_) => assert_eq!(set.remaining(), before, "a refusal changed the set"),
        }
    }
});
