//! Unix seconds as `2026-01-01T00:00:00.000Z`: ISO 8601 in UTC with milliseconds,
//! the API's timestamp format (`enabledAt`). Every time in an answer,
//! a message included, is written this way.

/// `secs` as an ISO 8601 UTC timestamp with milliseconds.
#[must_use]
pub fn format(secs: u64) -> String {
    let days = secs / 86_400;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Howard Hinnant's `civil_from_days`, for days since 1970-01-01 (no negatives).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_instants() {
        assert_eq!(super::format(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::format(1_767_225_600), "2026-01-01T00:00:00.000Z");
        assert_eq!(super::format(951_782_400), "2000-02-29T00:00:00.000Z");
        assert_eq!(super::format(1_566_656_122), "2019-08-24T14:15:22.000Z");
    }
}
