//! What every backup-code test uses: a server key, sets generated from a fixed
//! generator, and the codes as the user would type them.

use mfa_core::ServerKey;
use mfa_core::backup::{
    BackupCodePolicy, BackupCodeSet, MAX_BACKUP_CODE_COUNT, MAX_BACKUP_CODE_LENGTH,
    MIN_BACKUP_CODE_LENGTH, PlainBackupCodes,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub(crate) const NOW: u64 = 1_767_225_600;

pub(crate) fn key(id: u32) -> ServerKey {
    ServerKey::new(id, &[0x42; 32]).unwrap()
}

/// A set under `key(1)` and its codes as shown.
pub(crate) fn generate(policy: &BackupCodePolicy, seed: u64) -> (Vec<String>, BackupCodeSet) {
    let (plain, set) = generate_plain(policy, seed);
    (codes_of(&plain), set)
}

/// A set under `key(1)` and its plain codes, as the library hands them back.
pub(crate) fn generate_plain(
    policy: &BackupCodePolicy,
    seed: u64,
) -> (PlainBackupCodes, BackupCodeSet) {
    BackupCodeSet::generate(policy, &key(1), &mut StdRng::seed_from_u64(seed))
}

pub(crate) fn codes_of(plain: &PlainBackupCodes) -> Vec<String> {
    plain.expose_secret().map(String::from).collect()
}

/// Every spelling of a code the stored form must not contain.
pub(crate) fn spellings(code: &str) -> Vec<String> {
    let bare = code.replace('-', "");
    vec![
        code.to_owned(),
        code.to_lowercase(),
        bare.clone(),
        bare.to_lowercase(),
    ]
}

/// Policies at the edges of every range: one code, the most codes, the shortest and
/// longest codes, groups of one (a hyphen between every character) and of the whole
/// length (no hyphen at all).
pub(crate) fn edge_policies() -> Vec<BackupCodePolicy> {
    vec![
        BackupCodePolicy::default(),
        BackupCodePolicy::new(1, MIN_BACKUP_CODE_LENGTH, 4).unwrap(),
        BackupCodePolicy::new(MAX_BACKUP_CODE_COUNT, MAX_BACKUP_CODE_LENGTH, 1).unwrap(),
        BackupCodePolicy::new(3, MAX_BACKUP_CODE_LENGTH, MAX_BACKUP_CODE_LENGTH).unwrap(),
        BackupCodePolicy::new(7, MIN_BACKUP_CODE_LENGTH, MIN_BACKUP_CODE_LENGTH).unwrap(),
        BackupCodePolicy::new(5, 17, 5).unwrap(),
    ]
}
