//! The mfa-core walkthrough, on a simulated clock: enrol an authenticator app, sign
//! in, see a replay refused, add email, sign in by email, use a backup code, watch a
//! brute force hit the lockout, and turn MFA off. Run with
//! `cargo run --example quickstart`.
//!
//! The library never reads a clock or an entropy source and never sends anything:
//! this example owns the clock, the CSPRNG and the "mailbox", as your server will.
#![allow(clippy::print_stdout)]

use mfa_core::account::{
    DisableScope, Login, LoginStart, Method, MethodSetup, Mfa, MfaPolicy, PendingChallenge,
    SetupMaterial, SetupNext,
};
use mfa_core::{Secret, ServerKey, account::Account, error::Error, otp::TotpConfig};

/// Plays the user's authenticator app: the code it shows at `now`.
fn app_code(secret: &Secret, now: u64) -> Result<String, Error> {
    Ok(TotpConfig::default()
        .generate(secret, now)?
        .as_str()
        .to_owned())
}

/// Starts the second step of a sign-in for an account that has MFA on.
fn begin_login(
    mfa: &Mfa,
    account: &mut Account,
    now: u64,
) -> Result<PendingChallenge<Login>, Error> {
    match mfa
        .begin_login(account, &mut rand::rng(), now)
        .in_memory()
        .result?
    {
        LoginStart::Required(login) => Ok(login),
        LoginStart::NotRequired => unreachable!("MFA is on"),
    }
}

fn main() -> Result<(), Error> {
    let mut rng = rand::rng(); // your CSPRNG; the library only borrows it
    let mut now: u64 = 1_767_225_600; // a simulated clock: 2026-01-01T00:00:00Z
    // The server key comes from configuration (a secret manager), never the database.
    let key = ServerKey::new(1, &[0x42; 32])?;
    let mfa = Mfa::new(MfaPolicy::default().with_issuer("Example Co"), key);
    // One record per user; in a server it lives in a database row beside `version`.
    let mut account = Account::new();

    println!("1. Jane enrols an authenticator app");
    let started = mfa
        .begin_setup(
            &mut account,
            MethodSetup::Authenticator {
                account_name: "jane@example.com",
            },
            &mut rng,
            now,
        )
        .in_memory() // a server calls .persist(|record, expected| db.save(...)) instead
        .result?;
    let SetupNext::Confirm(SetupMaterial::Authenticator(enrollment)) = started.next else {
        unreachable!("no method is enabled yet, so no step-up");
    };
    // The URI holds the secret: show it once, as a QR code; never log it.
    println!("   QR code for: {}", enrollment.uri().expose_secret());
    println!("   (Debug never shows it: {:?})", enrollment.secret());
    let phone = enrollment.secret().clone(); // the secret now lives in Jane's app

    now += 20;
    let code = app_code(&phone, now)?;
    let confirmed = mfa
        .confirm_setup(&mut account, &started.token, &code, &mut rng, now)
        .in_memory()
        .result?;
    println!("   confirmed with {code}: methods {:?}", confirmed.methods);
    if let Some(codes) = &confirmed.backup_codes {
        println!("   backup codes, shown once:");
        for c in codes.expose_secret() {
            println!("     {c}");
        }
    }
    let backup_code = confirmed
        .backup_codes
        .as_ref()
        .and_then(|c| c.expose_secret().next().map(str::to_owned))
        .unwrap_or_default();

    println!("\n2. Jane signs in: password first (yours), then the app");
    now += 60;
    let login = begin_login(&mfa, &mut account, now)?;
    println!(
        "   the server asks for: {} (token {:?})",
        login.prompt.method(),
        login.token
    );
    let code = app_code(&phone, now)?;
    let verified = mfa
        .verify_login(&mut account, &login.token, &code, now)
        .in_memory()
        .result?;
    println!(
        "   {code} accepted: {:?}; record version {}",
        verified.with,
        account.version()
    );

    println!("\n3. Someone replays that code within its 30 s");
    let again = begin_login(&mfa, &mut account, now + 5)?;
    let replay = mfa
        .verify_login(&mut account, &again.token, &code, now + 5)
        .in_memory();
    println!(
        "   refused: {:?}, events {:?}",
        replay.result.map(|_| ()),
        replay.events
    );

    println!(
        "\n4. Jane adds email: she proves the app first (a stolen session cannot add a method)"
    );
    now += 60;
    let started = mfa
        .begin_setup(
            &mut account,
            MethodSetup::Email {
                address: "jane@example.com",
            },
            &mut rng,
            now,
        )
        .in_memory()
        .result?;
    println!(
        "   step-up with: {}",
        match &started.next {
            SetupNext::StepUp(p) => p.method().name(),
            SetupNext::Confirm(_) => "none",
        }
    );
    let material = mfa
        .verify_step_up(
            &mut account,
            &started.token,
            &app_code(&phone, now)?,
            &mut rng,
            now,
        )
        .in_memory()
        .result?;
    let SetupMaterial::Oob(mail) = material else {
        unreachable!("email sends a code")
    };
    println!(
        "   mail to {}: your code is {}",
        mail.destination(),
        mail.code()
    );
    let confirmed = mfa
        .confirm_setup(
            &mut account,
            &started.token,
            mail.code().as_str(),
            &mut rng,
            now + 40,
        )
        .in_memory()
        .result?;
    println!(
        "   enabled: {:?} (no new backup codes: {})",
        confirmed.methods,
        confirmed.backup_codes.is_none()
    );

    println!("\n5. Jane left her phone at home: she signs in by email instead");
    now += 300;
    let login = begin_login(&mfa, &mut account, now)?;
    let mut prompt = mfa
        .switch_method(&mut account, &login.token, Method::Email, &mut rng, now)
        .in_memory()
        .result?;
    println!(
        "   switched to {}, code sent to {}",
        prompt.method(),
        prompt.hint().unwrap_or("?")
    );
    let mail = prompt
        .take_delivery()
        .map(|d| d.code().as_str().to_owned())
        .unwrap_or_default();
    let verified = mfa
        .verify_login(&mut account, &login.token, &mail, now + 30)
        .in_memory()
        .result?;
    println!("   accepted: {:?}", verified.with);

    println!("\n6. Both lost: a backup code from the printed list");
    now += 300;
    let login = begin_login(&mfa, &mut account, now)?;
    let used = mfa
        .verify_login(&mut account, &login.token, &backup_code, now)
        .in_memory();
    println!(
        "   accepted: {:?}, events {:?}",
        used.result?.with, used.events
    );

    println!("\n7. An attacker with Jane's password guesses codes");
    now += 300;
    let attack_start = now;
    let mut guesses = 0;
    'attack: loop {
        let login = begin_login(&mfa, &mut account, now)?;
        loop {
            let attempt = mfa
                .verify_login(&mut account, &login.token, "000000", now)
                .in_memory();
            for event in &attempt.events {
                println!("   after {} wrong codes: {event:?}", guesses + 1);
            }
            match attempt.result {
                Err(Error::InvalidCode) => guesses += 1,
                Err(Error::TooManyAttempts { retry_at: at }) if account.failures() >= 10 => {
                    println!(
                        "   every code is now refused unheard until t={at} ({} s)",
                        at - now
                    );
                    break 'attack;
                }
                Err(Error::TooManyAttempts { retry_at: at }) => {
                    now = at; // wait out the growing delay, then start again
                    break;
                }
                Err(_) => break, // this challenge is spent or expired: start another
                Ok(_) => unreachable!("000000 is not the code"),
            }
        }
    }
    println!(
        "   {guesses} guesses in {} s of simulated time; lock state: {:?}",
        now - attack_start,
        mfa.lock_state(&account, now)
    );
    println!(
        "   (however long they wait, at most {} wrong codes in a row are ever looked at;",
        mfa.policy().throttle().max_failures()
    );
    println!("    then only your support desk's Mfa::unlock or Mfa::reset_factors helps)");

    println!("\n8. After the lockout, Jane turns MFA off with her app");
    now = account.retry_at(now).unwrap_or(now) + 1;
    let disable = mfa
        .begin_disable(&mut account, DisableScope::Everything, &mut rng, now)
        .in_memory()
        .result?;
    let outcome = mfa
        .verify_disable(&mut account, &disable.token, &app_code(&phone, now)?, now)
        .in_memory();
    println!(
        "   disabled {:?}; events {:?}",
        outcome.result?.disabled, outcome.events
    );
    println!(
        "   MFA on: {}; sign-in now: {:?}",
        account.mfa_enabled(),
        mfa.begin_login(&mut account, &mut rng, now)
            .in_memory()
            .result?
    );
    Ok(())
}
