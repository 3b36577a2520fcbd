//! ARM's read budget per subscription: every answer carries
//! `x-ms-ratelimit-remaining-subscription-reads`, what is left of the caller's reads in that
//! subscription (a bucket that refills, 250 reads and 25 a second in the public cloud). A fleet
//! reads many clusters of one subscription side by side; rather than drain the bucket and be
//! answered 429, its reads slow down as the budget runs low: below [`LOW`] each read of the
//! subscription waits its turn, [`STEP`] longer for each read less, up to a second a read when
//! none are left. (A 429 that comes anyway is retried after its `Retry-After`, as always.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const HEADER: &str = "x-ms-ratelimit-remaining-subscription-reads";
/// At or above this many reads left, reads go out at once.
pub const LOW: u64 = 50;
/// The pause per read below [`LOW`]: 50 reads short is a second between reads.
pub const STEP: Duration = Duration::from_millis(20);

#[derive(Default)]
pub struct Budget {
    /// Subscription (lowercased) → reads left as last said, and when its next read may go.
    subscriptions: Mutex<HashMap<String, (u64, Instant)>>,
}

impl Budget {
    /// How long a read of `url` waits before it goes out (its turn is taken now).
    pub fn turn(&self, url: &str) -> Duration {
        let Some(subscription) = subscription_of(url) else { return Duration::ZERO };
        let mut subscriptions = self.subscriptions.lock().expect("no panic holds the lock");
        let Some((left, next)) = subscriptions.get_mut(&subscription) else { return Duration::ZERO };
        if *left >= LOW {
            return Duration::ZERO;
        }
        let now = Instant::now();
        let slot = (*next).max(now);
        *next = slot + pause(*left);
        slot - now
    }

    /// Notes what ARM said is left in `url`'s subscription.
    pub fn update(&self, url: &str, headers: &http::HeaderMap) {
        let left = headers.get(HEADER).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
        let (Some(subscription), Some(left)) = (subscription_of(url), left) else { return };
        let mut subscriptions = self.subscriptions.lock().expect("no panic holds the lock");
        let entry = subscriptions.entry(subscription).or_insert((left, Instant::now()));
        entry.0 = left;
    }
}

fn pause(left: u64) -> Duration {
    STEP * u32::try_from(LOW.saturating_sub(left)).unwrap_or(u32::MAX)
}

/// `…/subscriptions/{id}/…` of a URL, lowercased.
fn subscription_of(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let rest = lower.split_once("/subscriptions/")?.1;
    let id = rest.split(['/', '?']).next()?;
    (!id.is_empty()).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(left: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert(HEADER, left.parse().unwrap());
        headers
    }

    #[test]
    fn reads_slow_down_as_the_budget_runs_low() {
        let budget = Budget::default();
        let url = "https://management.azure.com/subscriptions/S1/resourceGroups/rg?api-version=1";
        assert_eq!(budget.turn(url), Duration::ZERO, "nothing said yet");
        budget.update(url, &said("249"));
        assert_eq!(budget.turn(url), Duration::ZERO);
        budget.update(url, &said("40"));
        // Ten short: 200 ms between reads, each taking the next turn.
        let turns: Vec<Duration> = (0..3).map(|_| budget.turn(url)).collect();
        assert!(turns[0] < Duration::from_millis(5), "{turns:?}");
        assert!(turns[1] > Duration::from_millis(190) && turns[2] > Duration::from_millis(390), "{turns:?}");
        // Another subscription is not slowed; a header that is not a count is ignored.
        assert_eq!(budget.turn("https://management.azure.com/subscriptions/s2/x"), Duration::ZERO);
        budget.update(url, &said("lots"));
        assert!(budget.turn(url) > Duration::from_millis(590));
        assert_eq!(pause(0), Duration::from_secs(1));
    }
}
