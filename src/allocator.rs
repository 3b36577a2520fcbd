//! The memory allocator: mimalloc (its v2 line), which the `aksguard` binary installs
//! (`src/main.rs`), told what suits a live run.
//!
//! An offline audit builds a snapshot of hundreds of megabytes and then the findings, millions
//! of small strings, on every core: mimalloc's per-thread pages took a tenth off the 100,000-pod
//! benchmark, in less memory. Its transparent huge pages are left out (`no_thp` in
//! `Cargo.toml`): on the development machine they made the kernel clear and compact memory until
//! the system time doubled. A live run frees each page of an API answer once it is read, while
//! the next one arrives. mimalloc by default keeps freed memory for 10 ms before giving it back;
//! there, that made the live 20,000-pod audit half a second slower than with the system
//! allocator (measured again and again, though its CPU time was the same), and given back at once
//! it is faster than with the system allocator and peaks lower (see the README's Live collection
//! section). For an offline audit, giving memory back at once cost time, so it keeps the default.

use libmimalloc_sys::{mi_option_set, mi_option_t};

/// `mi_option_purge_delay` in mimalloc v2's `include/mimalloc.h`: how many milliseconds freed
/// memory is kept before it is given back to the OS (10 by default; 0 at once). The `v2` feature
/// in `Cargo.toml` pins the header this number comes from; the tests below check it.
const PURGE_DELAY: mi_option_t = 15;

/// Makes mimalloc give freed memory back to the OS at once: for runs that read the network.
/// Harmless where mimalloc is not the allocator (the library's tests): it only sets an option.
pub fn give_back_freed_memory_at_once() {
    // SAFETY: `mi_option_set` stores a number in mimalloc's option table; it takes no pointers
    // and ignores options it does not know.
    unsafe { mi_option_set(PURGE_DELAY, 0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libmimalloc_sys::mi_option_get;

    /// The option numbered [`PURGE_DELAY`] has the purge delay's default (10 ms; 0 once a test
    /// of a live run in this process set it) and its neighbours theirs (`eager_commit_delay` 1,
    /// `use_numa_nodes` 0): an enum shifted by a mimalloc release would fail here. Setting it
    /// reads back.
    #[test]
    fn the_option_is_the_purge_delay() {
        let get = |option| {
            // SAFETY: reading an option touches only mimalloc's option table.
            unsafe { mi_option_get(option) }
        };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert!([10, 0].contains(&get(PURGE_DELAY)), "{}", get(PURGE_DELAY));
        }
        assert_eq!([get(PURGE_DELAY - 1), get(PURGE_DELAY + 1)], [1, 0]);
        give_back_freed_memory_at_once();
        assert_eq!(get(PURGE_DELAY), 0);
    }
}
