//! RFC 4226 Appendix D and RFC 6238 Appendix B, read from `tests/data/` as data.

use mfa_core::{
    Secret,
    otp::{Algorithm, HotpConfig, TotpConfig, Window},
};

const HOTP: &str = include_str!("../data/rfc4226_hotp.txt");
const TOTP: &str = include_str!("../data/rfc6238_totp.txt");

fn rows(data: &str) -> impl Iterator<Item = Vec<&str>> {
    data.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect())
}

/// RFC 6238's secret for `algorithm`: the ASCII digits, as many bytes as its output.
fn rfc6238_secret(algorithm: Algorithm) -> Secret {
    let digits = b"1234567890123456789012345678901234567890123456789012345678901234";
    Secret::from_bytes(&digits[..algorithm.output_len()]).unwrap()
}

#[test]
fn rfc4226_appendix_d_all_ten_counters() {
    let secret = Secret::from_bytes(b"12345678901234567890").unwrap();
    let mut seen = 0;
    for row in rows(HOTP) {
        let counter: u64 = row[0].parse().unwrap();
        let truncated: u64 = row[1].parse().unwrap();
        for digits in 6..=10u8 {
            let hotp = HotpConfig::default().with_digits(digits).unwrap();
            let expected = truncated % 10u64.pow(u32::from(digits));
            let code = hotp.generate(&secret, counter);
            assert_eq!(code.value(), expected, "counter {counter}, {digits} digits");
            assert_eq!(code.as_str().len(), usize::from(digits));
        }
        let hotp = HotpConfig::default();
        assert_eq!(hotp.generate(&secret, counter).as_str(), row[2]);
        let m = hotp.verify(&secret, row[2], counter).unwrap();
        assert_eq!(m.counter(), counter);
        seen += 1;
    }
    assert_eq!(seen, 10);
}

#[test]
fn rfc6238_appendix_b_all_eighteen_rows() {
    let mut seen = 0;
    for row in rows(TOTP) {
        let time: u64 = row[0].parse().unwrap();
        let step = u64::from_str_radix(row[1], 16).unwrap();
        let algorithm = Algorithm::from_name(row[3]).unwrap();
        let secret = rfc6238_secret(algorithm);
        let totp = TotpConfig::default()
            .with_algorithm(algorithm)
            .with_digits(8)
            .unwrap()
            .with_window(Window::EXACT);
        assert_eq!(totp.step_at(time).unwrap(), step);
        assert_eq!(totp.generate(&secret, time).unwrap().as_str(), row[2]);
        let m = totp.verify(&secret, row[2], time, None).unwrap();
        assert_eq!((m.step(), m.drift()), (step, 0));
        seen += 1;
    }
    assert_eq!(seen, 18);
}
