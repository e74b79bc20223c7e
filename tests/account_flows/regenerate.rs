//! Backup-code regeneration.

use mfa_core::account::{Purpose, VerifiedWith};
use mfa_core::{account::Event, error::Error};

use crate::fixture::{APP, Fx, Read, codes};

#[test]
fn regenerating_backup_codes_retires_every_old_code() {
    let mut fx = Fx::enabled(&[APP]);
    let old = fx.backup.clone();
    let login = fx.login();
    assert!(fx.verify(&login.token, &old[0]).result.is_ok());
    let pending = fx.begin_regen().val();
    assert_eq!(pending.token.purpose(), Purpose::RegenerateBackupCodes);
    let code = fx.next_totp();
    let (a, r, n) = (&mut fx.acct, &mut fx.rng, fx.now);
    let change = fx.mfa.verify_regenerate(a, &pending.token, &code, r, n);
    let out = change.in_memory();
    assert_eq!(out.events, [Event::BackupCodesRegenerated { count: 10 }]);
    let fresh = codes(&out.val());
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !old.contains(c)));
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    for code in [&old[0], &old[1]] {
        let login = fx.login();
        assert_eq!(fx.verify(&login.token, code).fail(), Error::InvalidCode);
    }
    let login = fx.login();
    let out = fx.verify(&login.token, &fresh[0]);
    assert_eq!(out.val(), VerifiedWith::BackupCode { remaining: 9 });
}
