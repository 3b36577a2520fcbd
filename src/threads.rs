//! How many threads aksguard's parallel work uses: the parts of a large kubectl file read
//! ahead, the rules, the workload details they share, and the JSON findings.

/// At most this many: a handful of pod-level rules dominate the rules' time, so more threads
/// would mostly idle, and each part of a file read ahead holds its objects until it is taken.
pub const MOST: usize = 4;

/// The cores this process may use, at most [`MOST`]; 1 when that cannot be told.
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(MOST)
}
