//! `--config FILE`: the aksguard.toml reader and its error messages.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(err) = aksguard::config::Config::parse(text, std::path::Path::new("aksguard.toml")) {
        let message = format!("{err:#}");
        assert!(!message.contains('\n'), "a config error is one line: {message:?}");
    }
});
