//! TOTP and HOTP verification with arbitrary configurations, secrets, times and
//! code strings: never a panic, and a TOTP code once accepted is refused when
//! presented again at the same time with its step stored as the last accepted one
//! (even if it matches two steps of the window).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_core::{
    Secret,
    error::Error,
    otp::{Algorithm, HotpConfig, TotpConfig, Window},
};

/// Splits the input into fixed fields, then the rest as the code text.
fn take<const N: usize>(data: &mut &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = N.min(data.len());
    out[..n].copy_from_slice(&data[..n]);
    *data = &data[n..];
    out
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let [alg, digits, past, future, secret_len] = take::<5>(&mut data);
    let period = u64::from_le_bytes(take::<8>(&mut data));
    let t0 = u64::from_le_bytes(take::<8>(&mut data));
    let now = u64::from_le_bytes(take::<8>(&mut data));
    let last = u64::from_le_bytes(take::<8>(&mut data));
    let secret_bytes = take::<64>(&mut data);
    let code = String::from_utf8_lossy(data);

    let algorithm = Algorithm::ALL[usize::from(alg) % Algorithm::ALL.len()];
    let Ok(secret) = Secret::from_legacy_bytes(&secret_bytes[..usize::from(secret_len % 65)])
    else {
        return;
    };
    let Ok(window) = Window::new(past % 12, future % 12) else {
        return;
    };
    let totp = TotpConfig::default()
        .with_algorithm(algorithm)
        .with_digits(digits % 12)
        .and_then(|c| c.with_period(period))
        .map(|c| c.with_t0(t0).with_window(window));
    if let Ok(totp) = totp {
        let last = (last % 2 == 0).then_some(last / 2);
        if let Ok(accepted) = totp.verify(&secret, &code, now, last) {
            let again = totp.verify(&secret, &code, now, Some(accepted.step()));
            assert!(again.is_err(), "an accepted code was accepted again");
        }
        if let Ok(generated) = totp.generate(&secret, now) {
            match totp.verify(&secret, generated.as_str(), now, None) {
                Ok(_) => {}
                Err(Error::TimeBeforeEpoch { .. }) => {}
                Err(e) => panic!("a generated code was refused: {e:?}"),
            }
        }
    }
    let hotp = HotpConfig::default()
        .with_algorithm(algorithm)
        .with_digits(digits % 12)
        .and_then(|c| c.with_look_ahead(u32::from(past)));
    if let Ok(hotp) = hotp {
        let _ = hotp.verify(&secret, &code, last);
        if let Some((first, second)) = code.split_at_checked(code.len() / 2) {
            let _ = hotp.resync(&secret, first, second, now);
        }
    }
});
