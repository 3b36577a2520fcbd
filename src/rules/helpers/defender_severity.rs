//! Defender for Cloud's severities (`High`, `Medium`, `Low`, `Informational`, and `Critical` for
//! vulnerabilities) in aksguard's terms.

use crate::finding::Severity;

/// `None` for a value Defender does not document: the caller keeps its rule's default and says so.
pub fn from_defender(severity: &str) -> Option<Severity> {
    match severity.to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" => Some(Severity::High),
        "medium" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        "informational" | "info" => Some(Severity::Info),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_documented_severity() {
        assert_eq!(from_defender("High"), Some(Severity::High));
        assert_eq!(from_defender("informational"), Some(Severity::Info));
        assert_eq!(from_defender("CRITICAL"), Some(Severity::Critical));
        assert_eq!(from_defender("Severe"), None);
    }
}
