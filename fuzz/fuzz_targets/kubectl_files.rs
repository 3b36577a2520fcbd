//! `--from-kubectl FILE`: the streaming kubectl reader, through the public file path, then every
//! rule over what it read (an object of a wrong type leaves its kind unknown: rules must cope).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("aksguard-fuzz-kubectl-{}.json", std::process::id()));
    std::fs::write(&path, data).expect("temp file");
    if let Ok(collected) = aksguard::collect::from_files(&[], &[], &[path], &[]) {
        let settings = aksguard::rules::Settings::default();
        let _ = aksguard::audit::run(&collected.snapshot, aksguard::rules::ALL, &settings);
    }
});
