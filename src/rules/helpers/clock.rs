//! Time helpers for rules that judge ages and deadlines against the audit's "now"
//! (`Context::now`): Kubernetes timestamps, whole days, and ages in words.

use jiff::civil::Date;
use jiff::{Timestamp, tz::TimeZone};

/// A Kubernetes or ARM timestamp (RFC 3339, `2026-11-02T03:14:00Z`).
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    text.trim().parse().ok()
}

/// The UTC calendar date of a moment.
pub fn utc_date(moment: Timestamp) -> Date {
    moment.to_zoned(TimeZone::UTC).date()
}

/// Whole days from `earlier` to `later` (negative when `earlier` is after `later`).
pub fn days_between(earlier: Date, later: Date) -> i64 {
    later.duration_since(earlier).as_secs() / 86_400
}

/// A duration in words: "3 days", "5 hours", "12 minutes".
pub fn describe_age(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match seconds {
        s if s >= 86_400 => plural(s / 86_400, "day"),
        s if s >= 3_600 => plural(s / 3_600, "hour"),
        s => plural(s.max(0) / 60, "minute"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn ages_and_days() {
        assert_eq!(describe_age(3 * 86_400 + 5), "3 days");
        assert_eq!(describe_age(86_400), "1 day");
        assert_eq!(describe_age(7_300), "2 hours");
        assert_eq!(describe_age(59), "0 minutes");
        assert_eq!(days_between(date(2026, 10, 1), date(2026, 11, 1)), 31);
        assert_eq!(days_between(date(2026, 11, 1), date(2026, 10, 31)), -1);
        let moment = parse_timestamp("2026-11-02T23:30:00Z").unwrap();
        assert_eq!(utc_date(moment), date(2026, 11, 2));
        assert!(parse_timestamp("yesterday").is_none());
    }
}
