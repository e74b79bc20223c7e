//! Rotating the server key: a ring of keys by id, records under each still working.

use mfa_core::account::Method::{Authenticator as Totp, Email, Sms};
use mfa_core::error::ConfigError;
use mfa_core::{ServerKey, ServerKeys, error::Error};

use crate::fixture::{APP, Fx, MAIL, Read, TEXT, by, is};

/// Key `id` of the rotation (key 1 is the fixture's).
fn key(id: u32) -> ServerKey {
    let byte = if id == 1 { 0x42 } else { 0x40 + id as u8 };
    ServerKey::new(id, &[byte; 32]).unwrap()
}

#[test]
fn every_flow_works_through_three_keys_and_a_retired_key_is_never_a_wrong_code() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    fx.set_default(Email).val();
    assert_eq!(fx.acct.key_ids(), [1]);
    let mut login = fx.login();
    let under_1 = fx.answer(&mut login.prompt);

    // Key 2 becomes current; key 1 stays for what was hashed under it.
    fx.rotate(ServerKeys::new(key(2)).with_retired(key(1)).unwrap());
    assert_eq!(fx.verify(&login.token, &under_1).val(), by(Email));
    let login = fx.login();
    assert_eq!(
        fx.acct.key_ids(),
        [1, 2],
        "backup codes under 1, the code under 2"
    );
    let backup = fx.backup[0].clone();
    assert!(fx.verify(&login.token, &backup).result.is_ok());
    let mut login = fx.login();
    let under_2 = fx.answer(&mut login.prompt);

    // Key 3 becomes current, key 1 leaves the ring: the backup codes it hashed are
    // a server error, not a wrong code, and nothing is spent or counted.
    fx.rotate(ServerKeys::new(key(3)).with_retired(key(2)).unwrap());
    let (version, failures) = (fx.acct.version(), fx.acct.failures());
    let err = fx.verify(&login.token, &fx.backup[1].clone()).fail();
    let mismatch = Error::ServerKeyMismatch {
        stored: 1,
        given: 3,
    };
    is(err, mismatch, "server_key_mismatch");
    assert!(!err.is_user_error());
    assert_eq!((fx.acct.version(), fx.acct.failures()), (version, failures));
    assert_eq!(fx.acct.backup_codes_remaining(), Some(9));
    assert_eq!(fx.verify(&login.token, &under_2).val(), by(Email));

    // Regenerating moves the backup codes to key 3; every other flow runs on it.
    let mut regen = fx.begin_regen().val();
    let code = fx.answer(&mut regen.prompt);
    let (a, r, n) = (&mut fx.acct, &mut fx.rng, fx.now);
    let plain = fx
        .mfa
        .verify_regenerate(a, &regen.token, &code, r, n)
        .in_memory();
    fx.backup = crate::fixture::codes(&plain.val());
    assert!(fx.enable(TEXT).result.is_ok());
    let disable = fx
        .begin_disable(mfa_core::account::DisableScope::Method(Sms))
        .val();
    let code = fx.code_via(&disable.token, Totp);
    assert!(fx.disable(&disable.token, &code).result.is_ok());
    let login = fx.login();
    assert!(
        fx.verify(&login.token, &fx.backup[0].clone())
            .result
            .is_ok()
    );
    fx.now += 601;
    fx.set_default(Email).val();
    assert_eq!(fx.acct.key_ids(), [3], "nothing needs keys 1 or 2 any more");
}

#[test]
fn a_ring_refuses_two_keys_with_one_id() {
    let err = ServerKeys::new(key(2)).with_retired(key(2)).unwrap_err();
    assert_eq!(err, ConfigError::DuplicateKeyId { id: 2 });
    let ring = ServerKeys::new(key(3))
        .with_retired(key(2))
        .and_then(|r| r.with_retired(key(1)))
        .unwrap();
    assert_eq!(ring.ids().collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(ring.get(2).map(ServerKey::id), Some(2));
    assert!(ring.get(4).is_none());
}

/// A live email code names the key it was hashed under until it is used or
/// expires, even after everything else moved to a newer key.
#[test]
fn a_live_code_keeps_its_key_needed() {
    let mut fx = Fx::enabled(&[MAIL]);
    fx.rotate(ServerKeys::new(key(2)).with_retired(key(1)).unwrap());
    let login = fx.login();
    assert_eq!(
        fx.acct.key_ids(),
        [1, 2],
        "backup codes under 1, the rest under 2"
    );
    let ring = ServerKeys::new(key(3)).with_retired(key(2)).unwrap();
    fx.rotate(ring.with_retired(key(1)).unwrap());
    let mut regen = fx.begin_regen().val();
    let code = fx.answer(&mut regen.prompt);
    let (a, r, n) = (&mut fx.acct, &mut fx.rng, fx.now);
    let fresh = fx
        .mfa
        .verify_regenerate(a, &regen.token, &code, r, n)
        .in_memory();
    assert!(fresh.result.is_ok());
    assert_eq!(
        fx.acct.key_ids(),
        [2, 3],
        "only the sign-in's code still needs key 2"
    );
    let _ = login;
}

/// The keys a record's seals name count too: an enrolment in flight needs the key
/// its pending secret is sealed under, and a sign-in with the app re-seals the
/// record under the current key while the backup codes stay under the old one.
#[test]
fn sealed_values_keep_their_key_needed() {
    let mut fx = Fx::new();
    let _started = fx.setup(APP).val();
    assert_eq!(fx.acct.key_ids(), [1], "the pending secret, sealed under 1");
    let mut fx = Fx::enabled(&[APP]);
    fx.rotate(ServerKeys::new(key(2)).with_retired(key(1)).unwrap());
    let _login = fx.login();
    assert_eq!(
        fx.acct.key_ids(),
        [1, 2],
        "backup codes under 1, the secret under 2"
    );
}
