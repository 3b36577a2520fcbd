//! Time helpers for rules that judge ages and deadlines against the audit's "now"
//! (`Context::now`): Kubernetes timestamps, whole days, and ages in words.

use jiff::Timestamp;

/// A Kubernetes or ARM timestamp (RFC 3339, `2026-11-02T03:14:00Z`).
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    text.trim().parse().ok()
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

    #[test]
    fn ages_and_days() {
        assert_eq!(describe_age(3 * 86_400 + 5), "3 days");
        assert_eq!(describe_age(86_400), "1 day");
        assert_eq!(describe_age(7_300), "2 hours");
        assert_eq!(describe_age(59), "0 minutes");
        assert!(parse_timestamp("yesterday").is_none());
    }
}
