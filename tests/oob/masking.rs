//! Masked hints of an address or a phone number: what each shows, and that no
//! input panics or shows more than the first character or the last four digits.

use mfa_core::oob::{mask_email, mask_phone};
use proptest::prelude::*;

use crate::proptest_regressions::beside_source;

#[test]
fn masks() {
    let cases = [
        ("jane.doe@example.com", "j•••@example.com"),
        ("", "•••"),
        ("jane.doe", "•••"),
        ("@example.com", "•••@example.com"),
        ("ü@x.de", "ü•••@x.de"),
        ("😀smile@x.de", "😀•••@x.de"),
        ("\"a@b\"@example.com", "\"•••@example.com"),
        ("a@@", "a•••@"),
        ("@", "•••@"),
    ];
    for (input, masked) in cases {
        assert_eq!(mask_email(input), masked, "{input:?}");
    }
    let phones = [
        ("+1 415 555 0134", "•••• 0134"),
        ("+44 20 7946 0958", "•••• 0958"),
        ("12", "••••"),
        ("", "••••"),
        ("1234", "•••• 34"),
        ("123-4567", "•••• 67"),
        ("12345678", "•••• 5678"),
        ("٠١٢٣٤٥٦٧٨٩", "••••"),
        ("📞 555 0134 🙂", "•••• 34"),
    ];
    for (input, masked) in phones {
        assert_eq!(mask_phone(input), masked, "{input:?}");
    }
}

proptest! {
    #![proptest_config(beside_source(ProptestConfig::default()))]

    #[test]
    fn masking_never_panics_or_reveals_too_much(
        text in any::<String>(),
        local in "\\PC{2,12}",
        domain in "[a-z0-9.-]{0,20}",
    ) {
        let _ = mask_email(&text);
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let masked = mask_phone(&text);
        let shown: String = masked.chars().filter(char::is_ascii_digit).collect();
        prop_assert!(shown.len() <= 4 && digits.ends_with(&shown));
        prop_assert!(shown.len() < digits.len() || digits.is_empty());
        let local: String = local.chars().filter(|&c| c != '@').collect();
        prop_assume!(local.chars().count() >= 2);
        let masked = mask_email(&format!("{local}@{domain}"));
        let first = local.chars().next().unwrap();
        prop_assert_eq!(masked, format!("{first}•••@{domain}"));
    }
}
