//! Reading a whole small input file (the config, a baseline) as UTF-8 text, bounded: the size is
//! checked before reading, and the read itself stops past the limit, so a growing file or a FIFO
//! cannot get round it. Every error is one sentence that names the file and what to do.

use anyhow::{Result, anyhow, bail};
use std::io::{ErrorKind, Read};
use std::path::Path;

/// One kind of input file: what to call it in messages and how large it may be.
#[derive(Debug, Clone, Copy)]
pub struct FileKind {
    /// `config file`, `baseline`.
    pub what: &'static str,
    pub max_bytes: u64,
    /// What to do when the file is not what it should be.
    pub hint: &'static str,
}

/// The file's text, at most `kind.max_bytes` long.
pub fn read(path: &Path, kind: FileKind) -> Result<String> {
    let shown = path.display();
    let what = kind.what;
    let unreadable = |err: std::io::Error| anyhow!("cannot read {what} {shown}: {}; check the path", why(&err));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if metadata.is_dir() {
        bail!("cannot read {what} {shown}: it is a directory; check the path");
    }
    if metadata.len() > kind.max_bytes {
        return Err(too_large(path, kind));
    }
    let mut bytes = Vec::new();
    file.take(kind.max_bytes + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > kind.max_bytes {
        return Err(too_large(path, kind));
    }
    decode(bytes).map_err(|problem| anyhow!("{what} {shown} {problem}; {}", kind.hint))
}

fn too_large(path: &Path, kind: FileKind) -> anyhow::Error {
    anyhow!(
        "{} {} is larger than the {} aksguard reads; {}",
        kind.what,
        path.display(),
        size(kind.max_bytes),
        kind.hint
    )
}

/// `1 MiB`, `64 bytes`.
fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    match bytes >= MIB && bytes % MIB == 0 {
        true => format!("{} MiB", bytes / MIB),
        false => format!("{bytes} bytes"),
    }
}

fn why(err: &std::io::Error) -> String {
    match err.kind() {
        ErrorKind::NotFound => "the file does not exist".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => crate::redact::excerpt(&err.to_string(), crate::redact::EXCERPT_CHARS),
    }
}

/// UTF-8 text, or what the bytes are instead (completing "FILE …").
fn decode(bytes: Vec<u8>) -> Result<String, String> {
    const SAVE_AS_UTF8: &str = "save it as UTF-8 (PowerShell: `Out-File -Encoding utf8NoBOM`)";
    if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        return Err(format!(
            "starts with a UTF-8 byte-order mark (BOM), which JSON and TOML do not allow: {SAVE_AS_UTF8}"
        ));
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) || looks_like_utf16(&bytes) {
        return Err(format!("is UTF-16 text (as PowerShell's `>` writes it), not UTF-8: {SAVE_AS_UTF8}"));
    }
    // Neither JSON nor TOML has a raw zero byte: a binary file that happens to be valid UTF-8.
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(format!("is not text (a zero byte at offset {at})"));
    }
    String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        format!("is not UTF-8 text (an invalid byte at offset {at}): {SAVE_AS_UTF8}")
    })
}

/// UTF-16 without a byte-order mark: ASCII text with a zero byte beside every character.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64)];
    head.len() >= 4 && (head.iter().step_by(2).all(|b| *b == 0) || head.iter().skip(1).step_by(2).all(|b| *b == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: FileKind = FileKind { what: "baseline", max_bytes: 64, hint: "write one with aksguard" };

    fn error(bytes: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, bytes).unwrap();
        format!("{:#}", read(&path, KIND).unwrap_err())
    }

    #[test]
    fn text_within_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, "{\"a\": \"é\"}").unwrap();
        assert_eq!(read(&path, KIND).unwrap(), "{\"a\": \"é\"}");
    }

    #[test]
    fn what_is_not_utf8_text_is_named() {
        assert!(error(b"\xef\xbb\xbf{}").contains("starts with a UTF-8 byte-order mark (BOM)"));
        assert!(error(b"\xff\xfe{\0}\0").contains("is UTF-16 text"));
        assert!(error(b"{\0\"\0a\0\"\0").contains("is UTF-16 text"), "without a BOM");
        assert!(error(b"{\"a\": \"\xe9\"}").contains("is not UTF-8 text (an invalid byte at offset 7)"));
        assert!(error(b"\x7fELF\x02\x01\x01\0\0\0\xff").contains("is not text (a zero byte at offset 7)"));
        assert!(error(b"\x7fELF\x02\x01\x01\0\0\0").contains("is not text"), "valid UTF-8, still binary");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let message = error(&[b' '; 65]);
        assert!(message.contains("is larger than the 64 bytes aksguard reads"), "{message}");
    }

    #[test]
    fn a_fifo_cannot_bypass_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        if !made.is_ok_and(|status| status.success()) {
            return; // no mkfifo here: nothing to test
        }
        let writer_path = path.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let mut fifo = std::fs::OpenOptions::new().write(true).open(writer_path).unwrap();
            // The reader stops early; a broken pipe ends the writer.
            for _ in 0..1000 {
                if fifo.write_all(&[b' '; 1024]).is_err() {
                    break;
                }
            }
        });
        let message = format!("{:#}", read(&path, KIND).unwrap_err());
        assert!(message.contains("is larger than"), "{message}");
        drop(writer.join());
    }

    #[test]
    fn a_missing_file_and_a_directory_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let missing = format!("{:#}", read(&dir.path().join("nope"), KIND).unwrap_err());
        assert!(missing.starts_with("cannot read baseline ") && missing.contains("does not exist"), "{missing}");
        let directory = format!("{:#}", read(dir.path(), KIND).unwrap_err());
        assert!(directory.contains("it is a directory"), "{directory}");
    }
}
