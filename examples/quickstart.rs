//! The mfa-core walkthrough: enrol an authenticator app and verify its codes, on a
//! simulated clock. Run with `cargo run --example quickstart`.
//!
//! The library never reads a clock or an entropy source: this example owns both, as
//! your server will (`now` from your clock, the CSPRNG from `rand`/`getrandom`).
#![allow(clippy::print_stdout)]

use mfa_core::{
    BackupCodePolicy, BackupCodeSet, CompatibilityReport, Error, KeyUri, Secret, ServerKey,
    TotpConfig,
};
use rand::RngExt as _;

fn main() -> Result<(), Error> {
    // Your server's CSPRNG; the library only borrows it.
    let mut rng = rand::rng();
    // A simulated clock: Unix seconds that we advance by hand.
    let mut now: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    println!("1. Enrolment: a fresh 160-bit secret and the URI for the QR code");
    let secret = Secret::generate(&mut rng);
    let totp = TotpConfig::default(); // SHA-1, 6 digits, 30 s, ±1 step
    let report = CompatibilityReport::for_totp(&totp);
    println!("   app compatibility warnings: {}", report.len());
    let key = KeyUri::totp(Some("Example Co"), "jane@example.com", secret.clone(), totp)?;
    // The URI contains the secret: show it to the user once (as a QR code), never log it.
    println!("   {}", key.to_uri().expose_secret());
    println!("   Debug never shows it: {:?}", secret);

    println!("\n2. The user's app shows a code (we play the app with the same secret)");
    let code = totp.generate(&secret, now)?;
    println!("   app shows {code} at t={now}");

    println!("\n3. The server verifies it and stores the step it matched");
    now += 12; // the user takes 12 s to type it
    let accepted = totp.verify(&secret, code.as_str(), now, None)?;
    let mut last_accepted = Some(accepted.step()); // persist this with the account
    println!(
        "   accepted: step {}, drift {} (persist the step!)",
        accepted.step(),
        accepted.drift()
    );

    println!("\n4. Someone replays the same code (a phished or shoulder-surfed code)");
    match totp.verify(&secret, code.as_str(), now + 5, last_accepted) {
        Err(e @ Error::CodeReused { .. }) => println!("   refused: {} ({e})", e.code()),
        other => println!("   unexpected: {other:?}"),
    }

    println!("\n5. A code from two steps ago is outside the default ±1 window");
    now += 60;
    let old = totp.generate(&secret, now - 60)?;
    match totp.verify(&secret, old.as_str(), now, last_accepted) {
        Err(e) => println!("   refused: {} ({e})", e.code()),
        Ok(m) => println!("   unexpected accept at step {}", m.step()),
    }

    println!("\n6. The next code works, once");
    let next = totp.generate(&secret, now)?;
    let m = totp.verify(&secret, next.as_str(), now, last_accepted)?;
    last_accepted = Some(m.step());
    println!(
        "   accepted step {}; stored last step {:?}",
        m.step(),
        last_accepted
    );

    println!("\n7. Typing mistakes are typed errors, not panics");
    for typed in ["12 34 5", "abcdef", ""] {
        if let Err(e) = totp.verify(&secret, typed, now, last_accepted) {
            println!("   {typed:?} -> {}", e.code());
        }
    }

    println!("\n8. Backup codes: shown once, stored only as keyed hashes");
    // In production the server key comes from configuration or a secret manager,
    // never from the database that stores the hashes.
    let server_key = ServerKey::new(1, &rng.random::<[u8; 32]>())?;
    let (plain, mut stored) =
        BackupCodeSet::generate(&BackupCodePolicy::default(), &server_key, &mut rng);
    for code in plain.expose_secret() {
        println!("   {code}");
    }
    let first = plain
        .expose_secret()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    drop(plain); // zeroed; from here on only the hashes exist
    println!("   stored: {stored:?}");

    println!("\n9. The user signs in with one (typed in lower case: normalised)");
    let used = stored.consume(&first, &server_key, now)?;
    println!(
        "   accepted; {} codes left (persist the set!)",
        used.remaining()
    );

    println!("\n10. The same backup code again is refused forever");
    match stored.consume(&first, &server_key, now + 1) {
        Err(e) => println!("   refused: {} ({e})", e.code()),
        Ok(_) => println!("   unexpected accept"),
    }
    Ok(())
}
