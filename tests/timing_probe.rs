//! The hidden `timing-probe` hooks report the same outcome as the public calls they
//! stop short of, so the dudect example's verdict-stage measurements time the real
//! decision. Only built with `--features timing-probe`.
#![cfg(feature = "timing-probe")]
#![allow(clippy::unwrap_used, missing_docs)]

use mfa_core::timing_probe::totp_verdict;
use mfa_core::{Secret, TotpConfig};

#[test]
fn the_totp_probe_reports_accepted_refused_and_no_match() {
    let secret = Secret::from_bytes(&[4; 20]).unwrap();
    let totp = TotpConfig::default();
    let now = 1_000_000 * 30;
    let code = totp.generate(&secret, now).unwrap();
    let wrong = format!("{:06}", (code.value() + 1) % 1_000_000);
    let step = totp.step_at(now).unwrap();
    assert_eq!(
        totp_verdict(&totp, &secret, code.as_str(), now, None).unwrap(),
        (0, step, 0)
    );
    assert_eq!(
        totp_verdict(&totp, &secret, code.as_str(), now, Some(step))
            .unwrap()
            .0,
        1
    );
    assert_eq!(
        totp_verdict(&totp, &secret, &wrong, now, None).unwrap().0,
        2
    );
}
