//! One large `kubectl get -o json` file read on several cores. A 100,000-pod file is a gigabyte,
//! and parsing it is most of an offline audit's time; its items are independent, so the file is
//! cut into parts, each read by a thread of its own from an item's start, while the main reader
//! ([`super::kubectl_stream`]) goes through the file as it always does. When it reaches the
//! start of a part read ahead, it takes that part's objects whole and skips its text.
//!
//! Where a part starts is a guess: the first place after its share of the file that looks like
//! the gap between two items (`,`, the whitespace the list puts before its first item, `{`). The
//! guess needs no trust. A part is taken only when the main reader itself arrives at an item
//! starting exactly there, so every object of it was read from the bytes the main reader would
//! have read, from the same state, by the same code; anything unusual in a part (an error, an
//! item without a kind, an object of the wrong type) makes the main reader read it itself, with
//! its exact messages and positions. A kubectl file's items are indented deeper than their
//! contents' gaps never are, and a newline cannot be inside a JSON string, so there the guess
//! is always right; in compact JSON it may miss, which costs time, never a wrong snapshot.

use super::chunks::{ChunkError, Chunks};
use super::kubectl_files::Objects;
use super::kubectl_stream::{Ahead, KindName, SegmentEnd, Taken, read_segment};
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// How a file is cut: into at most `parts` (the main reader's included), none smaller than
/// `min_part` bytes.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    pub parts: usize,
    pub min_part: u64,
}

impl Split {
    /// As many parts as threads ([`crate::threads::available`]), of at least 16 MiB: a smaller
    /// file reads in a fraction of a second anyway.
    pub fn for_this_machine() -> Split {
        Split { parts: crate::threads::available(), min_part: 16 << 20 }
    }
}

/// The parts of one file read ahead, by their threads.
pub struct Parallel {
    path: PathBuf,
    len: u64,
    parts: usize,
    /// Ascending by start.
    workers: Vec<Worker>,
    /// Parts taken whole (for tests: a part never taken would test nothing).
    taken: usize,
}

struct Worker {
    start: u64,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Option<(Objects, SegmentEnd)>>>,
}

/// Longer whitespace before the first item than this is not kubectl's: no parts are read ahead.
const MAX_GAP: u64 = 64;
/// How far past a part's share of the file its start is looked for.
const SEARCH: u64 = 1 << 20;

impl Parallel {
    /// `None` when `file` is not a regular file worth cutting (a pipe cannot be read twice).
    pub fn for_file(path: &Path, file: &File, split: Split) -> Option<Parallel> {
        let len = file.metadata().ok().filter(|meta| meta.is_file())?.len();
        let parts = split.parts.min((len / split.min_part.max(1)) as usize);
        (parts > 1).then(|| Parallel { path: path.to_path_buf(), len, parts, workers: Vec::new(), taken: 0 })
    }

    /// The likely item starts: the first `,` + `gap` + `{` after each part's share of the file.
    fn starts(&self, file: &File, first: u64, gap: &[u8]) -> Vec<u64> {
        let pattern = [b",", gap, b"{"].concat();
        let mut starts: Vec<u64> = Vec::new();
        for part in 1..self.parts {
            let from = (self.len / self.parts as u64 * part as u64).max(first);
            let mut window = vec![0; SEARCH.min(self.len - from.min(self.len)) as usize];
            let Ok(read) = file.read_at(&mut window, from) else { continue };
            let found = window[..read].windows(pattern.len()).position(|bytes| bytes == pattern.as_slice());
            if let Some(at) = found.map(|at| from + (at + pattern.len() - 1) as u64) {
                if starts.last().is_none_or(|last| *last < at) {
                    starts.push(at);
                }
            }
        }
        starts
    }

    fn spawn(&self, start: u64, stops: Vec<u64>, kind: Option<KindName>) -> Option<Worker> {
        let mut file = File::open(&self.path).ok()?;
        let part_len = stops.first().unwrap_or(&self.len).saturating_sub(start);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("kubectl-part".into())
            .spawn(move || {
                file.seek(SeekFrom::Start(start)).ok()?;
                let mut chunks = Chunks::starting_at(file, start);
                let mut objects = Objects::new();
                objects.expect_pods(part_len);
                let end = read_segment(&mut chunks, &mut objects, kind, &stops, || stopped.load(Ordering::Relaxed))?;
                Some((objects, end))
            })
            .ok()?;
        Some(Worker { start, stop, thread: Some(thread) })
    }
}

impl Ahead<File, Objects> for Parallel {
    fn opened(&mut self, open: u64, first: u64, kind: Option<&KindName>) {
        let Ok(file) = File::open(&self.path) else { return };
        let gap_len = first.saturating_sub(open + 1);
        if gap_len > MAX_GAP {
            return;
        }
        let mut gap = vec![0; gap_len as usize];
        if file.read_exact_at(&mut gap, open + 1).is_err() || !gap.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let starts = self.starts(&file, first, &gap);
        for (i, start) in starts.iter().enumerate() {
            if let Some(worker) = self.spawn(*start, starts[i + 1..].to_vec(), kind.cloned()) {
                self.workers.push(worker);
            }
        }
    }

    fn take(&mut self, chunks: &mut Chunks<File>, sink: &mut Objects) -> Result<Option<Taken>, ChunkError> {
        let at = chunks.offset();
        // Parts that start before here were not item starts (the reader never landed on them).
        while self.workers.first().is_some_and(|worker| worker.start < at) {
            self.workers.remove(0).stop();
        }
        if self.workers.first().is_none_or(|worker| worker.start != at) {
            return Ok(None);
        }
        let Some((objects, end)) = self.workers.remove(0).finish() else { return Ok(None) };
        if !sink.absorb(objects) {
            return Ok(None);
        }
        chunks.skip_to(end.end, chunks.position().then(end.position))?;
        self.taken += 1;
        Ok(Some(Taken { items: end.items, closes: end.closes }))
    }
}

impl Worker {
    /// Its part, once read; `None` when it found anything unusual.
    fn finish(mut self) -> Option<(Objects, SegmentEnd)> {
        self.thread.take()?.join().ok().flatten()
    }

    /// Tells the thread its part is not needed, and waits for it to end.
    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Parallel {
    /// A read that failed, or ended before some part, leaves no thread behind.
    fn drop(&mut self) {
        for worker in self.workers.drain(..) {
            worker.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::kubectl_files::read_split;
    use super::*;
    use crate::snapshot::Snapshot;
    use serde_json::{Value, json};

    fn pod(i: usize) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-{i}"), "namespace": format!("ns-{}", i % 7),
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "controller": true},
                                             {"apiVersion": "v1", "kind": "Pod", "name": "x"}]},
            "spec": {"containers": [{"name": "a", "image": format!("nginx:{i}")}, {"name": "b", "image": "busybox"}],
                     "volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "configMap": {"name": "c"}}]},
            "status": {"phase": "Running"}})
    }

    fn list(items: Vec<Value>) -> Value {
        json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
    }

    /// The snapshot read from the file in `parts` parts, as JSON (or the error), and how many
    /// parts were taken whole.
    fn read(path: &Path, parts: usize) -> (Result<String, String>, usize) {
        let mut snapshot = Snapshot::empty("test", "not provided");
        let split = Split { parts, min_part: 1 };
        let read = read_split(&[path.to_path_buf()], &[], &mut snapshot, &mut Vec::new(), split);
        let result = read.map(|()| super::super::snapshot_file::to_json(&snapshot)).map_err(|err| format!("{err:#}"));
        (result, taken(path, split))
    }

    /// How many parts of the file a read takes whole.
    fn taken(path: &Path, split: Split) -> usize {
        let file = File::open(path).unwrap();
        let Some(mut parallel) = Parallel::for_file(path, &file, split) else { return 0 };
        let _ = super::super::kubectl_stream::read_with(file, &mut Objects::new(), &mut parallel);
        parallel.taken
    }

    /// `text` read whole: the snapshot as JSON, or the error.
    fn whole(text: &str) -> Result<String, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        std::fs::write(&path, text).unwrap();
        read(&path, 1).0
    }

    /// Read in 1 to 5 parts, the snapshot (or the error) is the one reading it whole gives; the
    /// most parts taken whole in any of the reads.
    fn same_in_parts(text: &str) -> usize {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        std::fs::write(&path, text).unwrap();
        let (whole, _) = read(&path, 1);
        let mut most = 0;
        for parts in 2..=5 {
            let (split, taken) = read(&path, parts);
            assert_eq!(split, whole, "in {parts} parts");
            most = most.max(taken);
        }
        most
    }

    #[test]
    fn kubectl_output_read_in_parts_is_the_same_snapshot_and_parts_are_taken() {
        let text = serde_json::to_string_pretty(&list((0..400).map(pod).collect())).unwrap();
        assert_eq!(same_in_parts(&text), 4, "every part after the first is taken");
    }

    /// In compact JSON `,{` is also the gap between containers or owner references: a part that
    /// starts there is never taken, and the snapshot is the same.
    #[test]
    fn compact_json_whose_gaps_look_like_items_is_the_same_snapshot() {
        let text = serde_json::to_string(&list((0..400).map(pod).collect())).unwrap();
        same_in_parts(&text);
    }

    #[test]
    fn errors_and_unreadable_objects_in_a_later_part_are_reported_as_when_read_whole() {
        let items = |bad: Value| {
            let mut items: Vec<Value> = (0..300).map(pod).collect();
            items[250] = bad;
            serde_json::to_string_pretty(&list(items)).unwrap()
        };
        let wrong_type = items(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad"}, "spec": {"containers": null}}),
        );
        let read = whole(&wrong_type);
        assert!(read.as_ref().unwrap().contains("items[250].spec.containers"), "{read:?}");
        same_in_parts(&wrong_type);
        let untyped = items(json!({"metadata": {"name": "no-kind"}}));
        assert!(whole(&untyped).unwrap_err().contains("without `kind`"));
        same_in_parts(&untyped);
        let duplicate = items(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}})).replacen(
            r#""name": "a""#,
            r#""name": "a", "name": "b""#,
            1,
        );
        assert!(whole(&duplicate).unwrap_err().contains("duplicate field `name`"));
        same_in_parts(&duplicate);
        let cut = items(pod(250));
        let cut = &cut[..cut.len() * 9 / 10];
        assert!(whole(cut).unwrap_err().contains("EOF while parsing"));
        same_in_parts(cut);
    }

    /// Kinds named once by a typed list, before or after its items, and items of kinds aksguard
    /// does not read.
    #[test]
    fn typed_lists_and_skipped_kinds_read_in_parts_are_the_same_snapshot() {
        let bare = |i| {
            let mut pod = pod(i);
            pod.as_object_mut().unwrap().remove("kind");
            pod
        };
        let items = serde_json::to_string_pretty(&(0..300).map(bare).collect::<Vec<_>>()).unwrap();
        let kind_first = format!(r#"{{"kind": "PodList", "apiVersion": "v1", "items": {items}}}"#);
        assert!(same_in_parts(&kind_first) > 0, "the list's kind is known before its items");
        let kind_last = json!({"apiVersion": "v1", "items": (0..300).map(bare).collect::<Vec<_>>(), "kind": "PodList"});
        same_in_parts(&serde_json::to_string_pretty(&kind_last).unwrap());
        let secrets = (0..300).map(|i| match i % 3 {
            0 => json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": format!("s{i}")}, "data": {"k": "Q0FOQVJZ"}}),
            _ => pod(i),
        });
        same_in_parts(&serde_json::to_string_pretty(&list(secrets.collect())).unwrap());
    }

    #[test]
    fn a_pipe_or_a_small_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        std::fs::write(&path, "{}").unwrap();
        let small = File::open(&path).unwrap();
        assert!(Parallel::for_file(&path, &small, Split { parts: 4, min_part: 16 }).is_none());
        let directory = File::open(dir.path()).unwrap();
        assert!(Parallel::for_file(dir.path(), &directory, Split { parts: 4, min_part: 1 }).is_none());
    }
}
