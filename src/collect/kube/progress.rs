//! The spinner on stderr while collecting: which kinds are still being read and how many objects
//! so far. Drawn only when stderr is a terminal and `--quiet` is not given; otherwise every call
//! is a cheap no-op on a hidden bar.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

pub struct Progress {
    bar: ProgressBar,
    /// Objects read per source, and whether the source is still being read.
    counts: Mutex<BTreeMap<&'static str, (usize, bool)>>,
}

impl Progress {
    pub fn new(visible: bool) -> Self {
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("a valid template"));
        if visible {
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        Progress { bar, counts: Mutex::new(BTreeMap::new()) }
    }

    pub fn say(&self, message: impl Into<String>) {
        self.bar.set_message(message.into());
    }

    pub fn start(&self, source: &'static str) {
        self.update(|counts| {
            counts.insert(source, (0, true));
        });
    }

    pub fn add(&self, source: &'static str, objects: usize) {
        self.update(|counts| counts.entry(source).or_insert((0, true)).0 += objects);
    }

    /// A list restarted from its first page: what it had read no longer counts.
    pub fn forget(&self, source: &'static str, objects: usize) {
        self.update(|counts| {
            let count = &mut counts.entry(source).or_insert((0, true)).0;
            *count = count.saturating_sub(objects);
        });
    }

    pub fn finish(&self, source: &'static str) {
        self.update(|counts| counts.entry(source).or_insert((0, false)).1 = false);
    }

    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }

    fn update(&self, change: impl FnOnce(&mut BTreeMap<&'static str, (usize, bool)>)) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        change(&mut counts);
        self.bar.set_message(message(&counts));
    }
}

/// "reading pods, replicasets · 12,345 objects so far".
fn message(counts: &BTreeMap<&'static str, (usize, bool)>) -> String {
    let reading: Vec<&str> = counts
        .iter()
        .filter(|(_, (_, active))| *active)
        .map(|(source, _)| source.trim_start_matches("kubernetes/"))
        .collect();
    let total: usize = counts.values().map(|(count, _)| count).sum();
    let what = if reading.is_empty() { "finishing".to_string() } else { format!("reading {}", reading.join(", ")) };
    format!("{what} · {} objects so far", thousands(total))
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_what_is_still_read_and_counts_everything() {
        let progress = Progress::new(false);
        progress.start("kubernetes/pods");
        progress.start("kubernetes/jobs");
        progress.add("kubernetes/pods", 1500);
        progress.add("kubernetes/jobs", 2);
        progress.finish("kubernetes/jobs");
        let counts = progress.counts.lock().unwrap();
        assert_eq!(message(&counts), "reading pods · 1,502 objects so far");
        assert_eq!(thousands(20_000_000), "20,000,000");
        assert_eq!(thousands(999), "999");
    }
}
