//! Resource Graph's per-user quota (about 15 queries per 5-second window): every answer says how
//! many queries are left (`x-ms-user-quota-remaining`) and when the window resets
//! (`x-ms-user-quota-resets-after`, `hh:mm:ss`). At zero, the next query waits for the reset
//! instead of drawing a 429.

use http::HeaderMap;
use std::time::Duration;

/// A reset further away than this is not believed: the window is seconds long.
pub const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// What the last answer said about the quota.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quota {
    pub remaining: Option<u64>,
    pub resets_after: Option<Duration>,
}

impl Quota {
    pub fn from_headers(headers: &HeaderMap) -> Quota {
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
        Quota {
            remaining: header("x-ms-user-quota-remaining").and_then(|text| text.parse().ok()),
            resets_after: header("x-ms-user-quota-resets-after").and_then(parse_hms),
        }
    }

    /// How long to wait before the next query: the reset time once the quota is spent (a spent
    /// quota without a reset time waits one second), else nothing.
    pub fn wait(&self) -> Duration {
        match self.remaining {
            Some(0) => self.resets_after.unwrap_or(Duration::from_secs(1)).min(LONGEST_WAIT),
            _ => Duration::ZERO,
        }
    }
}

/// `hh:mm:ss` (fractions of a second allowed, as `00:00:01.5`).
pub fn parse_hms(text: &str) -> Option<Duration> {
    let mut parts = text.split(':');
    let (hours, minutes, seconds) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let hours: u64 = hours.parse().ok()?;
    let minutes: u64 = minutes.parse().ok()?;
    let seconds: f64 = seconds.parse().ok()?;
    if minutes >= 60 || !(0.0..60.0).contains(&seconds) {
        return None;
    }
    Some(Duration::from_secs(hours * 3600 + minutes * 60) + Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn reset_times_are_read() {
        assert_eq!(parse_hms("00:00:03"), Some(Duration::from_secs(3)));
        assert_eq!(parse_hms("01:02:03.5"), Some(Duration::from_secs_f64(3723.5)));
        for bad in ["", "3", "00:03", "00:61:00", "00:00:60", "a:b:c", "00:00:01:00", "-1:00:00"] {
            assert_eq!(parse_hms(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_spent_quota_waits_for_the_reset_and_no_longer_than_a_minute() {
        let spent = Quota::from_headers(&headers(&[
            ("x-ms-user-quota-remaining", "0"),
            ("x-ms-user-quota-resets-after", "00:00:02"),
        ]));
        assert_eq!(spent.wait(), Duration::from_secs(2));
        let left = Quota::from_headers(&headers(&[
            ("x-ms-user-quota-remaining", "4"),
            ("x-ms-user-quota-resets-after", "00:00:02"),
        ]));
        assert_eq!(left.wait(), Duration::ZERO);
        let hostile = Quota::from_headers(&headers(&[
            ("x-ms-user-quota-remaining", "0"),
            ("x-ms-user-quota-resets-after", "99:00:00"),
        ]));
        assert_eq!(hostile.wait(), LONGEST_WAIT);
        assert_eq!(Quota::from_headers(&headers(&[("x-ms-user-quota-remaining", "0")])).wait(), Duration::from_secs(1));
        assert_eq!(Quota::from_headers(&HeaderMap::new()).wait(), Duration::ZERO);
    }
}
