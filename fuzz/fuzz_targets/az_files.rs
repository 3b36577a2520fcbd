//! `--from-az FILE`: the az document reader, through the public file path.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("aksguard-fuzz-az-{}.json", std::process::id()));
    std::fs::write(&path, data).expect("temp file");
    let _ = aksguard::collect::from_files(&[path], &[], &[], &[]);
});
