//! Reads many clusters of one fleet share: those of a subscription (its Defender plan, alerts,
//! assessments) and of a region (its Kubernetes versions). Each is made once per run and handed
//! to every cluster that needs it, instead of once per cluster. The fleet reads clusters in id
//! order, so a subscription's clusters come together: only the reads of the last few
//! subscriptions are kept, which bounds memory however large the tenant.

use super::client::{Failure, Unauthorized};
use serde_json::Value;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// One read's outcome: the documents (every page), or why not.
pub type Outcome = Result<Result<Vec<Value>, Failure>, Unauthorized>;

/// A read, made by whichever cluster asks first.
type Cell = Arc<OnceCell<Outcome>>;

/// Subscriptions whose reads are kept: room for the clusters in flight to straddle a boundary.
const SUBSCRIPTIONS_KEPT: usize = 4;

#[derive(Default)]
pub struct Shared {
    /// (subscription, path with its api-version) → the read, oldest subscription first.
    reads: Mutex<Vec<(String, String, Cell)>>,
    /// Lowercased path with its api-version → what Resource Graph gave for it, for the whole
    /// run (small documents only: a subscription's Defender plan).
    seeded: Mutex<std::collections::HashMap<String, Vec<Value>>>,
}

impl Shared {
    /// The outcome of `read` for `path` in `subscription`: what Resource Graph gave for it, else
    /// made by the first cluster that asks, awaited by the others that ask meanwhile, copied to
    /// those that ask later.
    pub async fn get<F: Future<Output = Outcome>>(&self, subscription: &str, path: &str, read: F) -> Outcome {
        let path = path.to_ascii_lowercase();
        if let Some(documents) = self.seeded.lock().expect("no panic holds the lock").get(&path) {
            return Ok(Ok(documents.clone()));
        }
        let cell = self.cell(&subscription.to_ascii_lowercase(), &path);
        cell.get_or_init(|| read).await.clone()
    }

    /// Gives `path` (with its api-version) the documents Resource Graph returned for it.
    pub fn seed(&self, path: &str, documents: Vec<Value>) {
        self.seeded.lock().expect("no panic holds the lock").insert(path.to_ascii_lowercase(), documents);
    }

    fn cell(&self, subscription: &str, path: &str) -> Cell {
        let mut reads = self.reads.lock().expect("no panic holds the lock");
        if let Some((_, _, cell)) = reads.iter().find(|(s, p, _)| s == subscription && p == path) {
            return cell.clone();
        }
        let mut subscriptions: Vec<&str> = Vec::new();
        for (s, _, _) in reads.iter() {
            if !subscriptions.contains(&s.as_str()) {
                subscriptions.push(s);
            }
        }
        if !subscriptions.contains(&subscription) && subscriptions.len() >= SUBSCRIPTIONS_KEPT {
            let oldest = subscriptions[0].to_string();
            reads.retain(|(s, _, _)| *s != oldest);
        }
        let cell = Arc::new(OnceCell::new());
        reads.push((subscription.to_string(), path.to_string(), cell.clone()));
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_read_is_made_once_and_old_subscriptions_are_let_go() {
        let shared = Shared::default();
        let made = AtomicUsize::new(0);
        let read = |n: u64| {
            let made = &made;
            async move {
                made.fetch_add(1, Ordering::SeqCst);
                Ok(Ok(vec![Value::from(n)]))
            }
        };
        let (a, b) = tokio::join!(shared.get("S1", "/p", read(1)), shared.get("s1", "/p", read(2)));
        assert_eq!((a.unwrap().unwrap(), b.unwrap().unwrap()), (vec![Value::from(1)], vec![Value::from(1)]));
        assert_eq!(made.load(Ordering::SeqCst), 1, "asked twice at once, made once");
        for s in ["s2", "s3", "s4", "s5"] {
            shared.get(s, "/p", read(3)).await.unwrap().unwrap();
        }
        assert_eq!(made.load(Ordering::SeqCst), 5);
        // s1 was the oldest of five: let go, so read again.
        shared.get("s1", "/p", read(4)).await.unwrap().unwrap();
        assert_eq!(made.load(Ordering::SeqCst), 6);
        assert_eq!(shared.reads.lock().unwrap().len(), SUBSCRIPTIONS_KEPT);
    }
}
