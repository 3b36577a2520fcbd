//! `--snapshot FILE`: the snapshot reader, then every rule over what it read.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(snapshot) = aksguard::collect::snapshot_file::parse(std::path::Path::new("s.json"), text) {
        let settings = aksguard::rules::Settings::default();
        let _ = aksguard::audit::run(&snapshot, aksguard::rules::ALL, &settings);
    }
});
