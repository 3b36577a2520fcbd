//! Reading input files, with errors a user can act on.

use anyhow::Result;
use std::io::ErrorKind;
use std::path::Path;

/// The file's text. `flag` names where it came from (`--from-az`), for the message.
pub fn read_text(path: &Path, flag: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|err| unreadable(path, flag, &err))
}

/// The file, opened for reading in chunks.
pub fn open(path: &Path, flag: &str) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|err| unreadable(path, flag, &err))
}

/// Why a file cannot be read, with what to do.
pub fn unreadable(path: &Path, flag: &str, err: &std::io::Error) -> anyhow::Error {
    let why = match err.kind() {
        ErrorKind::NotFound => "the file does not exist".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
        ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => err.to_string(),
    };
    anyhow::anyhow!("cannot read {flag} file {}: {why}; check the path", path.display())
}

/// Says which file is not JSON and where, with what to do.
pub fn invalid_json(path: &Path, err: &dyn std::fmt::Display, hint: &str) -> anyhow::Error {
    anyhow::anyhow!("{} is not valid JSON ({err}); {hint}", path.display())
}
