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

/// Why a part of an input file is unknown: an object in it is JSON, but not what the API sends.
/// `at` is where the object is in the file (`items[3]`, `[0]`, `kubernetes.pods.data`), `error`
/// the strict reader's message: `not readable: k.json: items[3].spec.containers: expected an
/// array, found null`.
pub fn unreadable_reason(file: &str, at: &str, error: &str) -> String {
    let (path, what) = crate::strict_json::describe(error);
    // Keys in the path are cut and escaped one by one, but a path may be a hundred levels deep.
    let path = crate::redact::excerpt(&crate::strict_json::join_path(at, &path), 200);
    let file = crate::redact::excerpt(file, 200);
    match path.is_empty() {
        true => format!("not readable: {file}: {what}"),
        false => format!("not readable: {file}: {path}: {what}"),
    }
}

/// The one line on stderr that says a source of an input file is unknown, and why; the run goes
/// on with the rest.
pub fn warn_unreadable(reason: &str, source: &str) {
    let why = reason.strip_prefix("not readable: ").unwrap_or(reason);
    eprintln!("warning: {why}; {source} is unknown (the rest is audited)");
}
