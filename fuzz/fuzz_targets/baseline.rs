//! `--baseline FILE`: the baseline (previous JSON report) reader and its error messages.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(err) = aksguard::baseline::Baseline::parse(text, std::path::Path::new("base.json")) {
        let message = format!("{err:#}");
        assert!(!message.contains('\n'), "a baseline error is one line: {message:?}");
    }
});
