//! A JSON source read in chunks: values are parsed by serde_json from a buffer of a few megabytes
//! that is refilled as it drains, so a 1 GB `kubectl get -o json` file is never in memory at once
//! (and its pages are never faulted in as fresh memory, a third of the time of reading it whole).
//!
//! The caller walks the structure around the values (`{`, `:`, `,`, `[`) with [`Chunks::peek`] and
//! [`Chunks::expect`], and parses each value, a list item for instance, with [`Chunks::value`].
//! Positions in error messages are those in the whole file, as if it had been parsed at once.
//!
//! Each chunk's indentation is taken out as it is read ([`super::indentation`]); the buffer
//! holds the text without it, and offsets, lines and columns are worked back to the file's.

use super::indentation;
use serde_json::de::SliceRead;
use serde_json::error::Category;
use std::io::{ErrorKind, Read, Seek, SeekFrom};

const CHUNK: usize = 4 << 20;

/// What went wrong while reading JSON from a source.
#[derive(Debug)]
pub enum ChunkError {
    Io(std::io::Error),
    /// Invalid JSON (`Syntax`, `Eof`), or JSON that is not what was expected (`Data`); the message
    /// ends with the position in the file.
    Json {
        category: Category,
        message: String,
    },
}

pub type Deserializer<'b> = serde_json::Deserializer<SliceRead<'b>>;

pub struct Chunks<R> {
    source: R,
    buf: Vec<u8>,
    /// Parsed up to here; `buf[pos..end]` is read but not parsed yet.
    pos: usize,
    end: usize,
    eof: bool,
    /// Where `buf[0]` is in the file.
    base: u64,
    /// 1-based line and column of `buf[pos]` in the file.
    line: usize,
    column: usize,
    /// For each newline in `buf[..end]`, how many spaces after it were taken out.
    removed: Vec<usize>,
    /// Of those, the newlines in `buf[..pos]`, and the spaces they lost.
    newlines_consumed: usize,
    removed_consumed: u64,
    /// The text read so far ends on a newline or the spaces after one.
    indented: bool,
}

/// A 1-based line and column in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// Where a text that starts here ends, when it ends at `within` counted from its own start
    /// (line 1, column 1).
    pub fn then(self, within: Position) -> Position {
        match within.line {
            1 => Position { line: self.line, column: self.column + within.column - 1 },
            line => Position { line: self.line + line - 1, column: within.column },
        }
    }
}

impl<R: Read> Chunks<R> {
    pub fn new(source: R) -> Self {
        Self::with_buffer(source, CHUNK)
    }

    /// Starts with a buffer of `size` bytes (it grows for a value that does not fit).
    pub fn with_buffer(source: R, size: usize) -> Self {
        Chunks {
            source,
            buf: vec![0; size.max(1)],
            pos: 0,
            end: 0,
            eof: false,
            base: 0,
            line: 1,
            column: 1,
            removed: Vec::new(),
            newlines_consumed: 0,
            removed_consumed: 0,
            indented: false,
        }
    }

    /// Reads `source` as the part of a file from `offset` on (the source is already there):
    /// offsets are the file's, positions counted from line 1, column 1 there.
    pub fn starting_at(source: R, offset: u64) -> Self {
        Chunks { base: offset, ..Self::new(source) }
    }

    /// Where the next byte to parse is in the file (after [`Chunks::peek`], the next value's start).
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64 + self.removed_consumed
    }

    pub fn position(&self) -> Position {
        Position { line: self.line, column: self.column }
    }

    /// The next byte that is not whitespace, without consuming it; `None` at the end of the file.
    pub fn peek(&mut self) -> Result<Option<u8>, ChunkError> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b' ' | b'\t' | b'\r' | b'\n' => self.advance(1),
                    byte => return Ok(Some(byte)),
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes the next non-whitespace byte, which must be one of `expected`.
    pub fn expect(&mut self, expected: &[u8], what: &str) -> Result<u8, ChunkError> {
        match self.peek()? {
            Some(byte) if expected.contains(&byte) => {
                self.advance(1);
                Ok(byte)
            }
            Some(_) => Err(self.error(Category::Syntax, &format!("expected {what}"))),
            None => Err(self.error(Category::Eof, &format!("EOF while parsing, expected {what}"))),
        }
    }

    /// Parses the next value with `parse`, reading more of the source while the value is cut off
    /// by the end of the buffer. `parse` runs again from the value's start after a refill, so it
    /// must only act once it has read the value whole (as serde's visitors do).
    pub fn value<T>(
        &mut self,
        mut parse: impl FnMut(&mut Deserializer) -> serde_json::Result<T>,
    ) -> Result<T, ChunkError> {
        let first = self.peek()?;
        loop {
            let available = self.end - self.pos;
            let mut deserializer = serde_json::Deserializer::from_slice(&self.buf[self.pos..self.end]);
            let parsed = parse(&mut deserializer);
            let used = deserializer.into_iter::<serde::de::IgnoredAny>().byte_offset();
            // A number that ends the buffer may go on in the next chunk.
            let number = matches!(first, Some(b'-' | b'0'..=b'9'));
            match parsed {
                Ok(value) if !(number && used == available && !self.eof) => {
                    self.advance(used);
                    return Ok(value);
                }
                Err(err) if !err.is_eof() || self.eof => return Err(self.relocate(&err)),
                _ => {
                    if !self.fill()? {
                        // Nothing more to read: parse once more to get the real error.
                        continue;
                    }
                }
            }
        }
    }

    /// Only whitespace may follow the document.
    pub fn end(&mut self) -> Result<(), ChunkError> {
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(self.error(Category::Syntax, "trailing characters")),
        }
    }

    /// Reads more of the source after what is left to parse; `false` at the end of the source.
    fn fill(&mut self) -> Result<bool, ChunkError> {
        if self.eof {
            return Ok(false);
        }
        self.base += self.pos as u64 + self.removed_consumed;
        self.buf.copy_within(self.pos..self.end, 0);
        self.removed.drain(..self.newlines_consumed);
        (self.newlines_consumed, self.removed_consumed) = (0, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.end == self.buf.len() {
            // One value is larger than the buffer: make room for it.
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.source.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(read) => {
                    self.strip_indentation(read);
                    return Ok(true);
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) => return Err(ChunkError::Io(err)),
            }
        }
    }

    /// Takes the indentation out of the `read` bytes just read after `end`.
    fn strip_indentation(&mut self, read: usize) {
        let earlier = self.removed.len();
        let stripped = indentation::strip(&mut self.buf[..self.end + read], self.end, self.indented, &mut self.removed);
        if stripped.carried > 0 {
            match earlier.checked_sub(1).filter(|last| *last >= self.newlines_consumed) {
                // The newline they follow is still to be parsed.
                Some(last) => self.removed[last] += stripped.carried,
                // It was parsed, with everything after it: they come before `buf[0]`.
                None => {
                    self.base += stripped.carried as u64;
                    self.column += stripped.carried;
                }
            }
        }
        self.end = stripped.len;
        self.indented = stripped.ends_indented;
    }

    fn advance(&mut self, count: usize) {
        let consumed = &self.buf[self.pos..self.pos + count];
        // Counted first: compact JSON has no newline, and looking for the last one byte by byte
        // through a whole item would cost as much as parsing it.
        let newlines = count_newlines(consumed);
        let last = if newlines > 0 { consumed.iter().rposition(|byte| *byte == b'\n') } else { None };
        match last {
            Some(last) => {
                let first = self.newlines_consumed;
                self.newlines_consumed += newlines;
                let lost = &self.removed[first..self.newlines_consumed];
                self.removed_consumed += lost.iter().sum::<usize>() as u64;
                self.line += newlines;
                self.column = count - last + lost.last().copied().unwrap_or(0);
            }
            None => self.column += count,
        }
        self.pos += count;
    }

    fn error(&self, category: Category, message: &str) -> ChunkError {
        ChunkError::Json { category, message: format!("{message} at line {} column {}", self.line, self.column) }
    }

    /// serde_json's error, with its position in the buffer turned into the position in the file.
    fn relocate(&self, err: &serde_json::Error) -> ChunkError {
        let text = err.to_string();
        let message = match (err.line(), text.rsplit_once(" at line ")) {
            (0, _) | (_, None) => text,
            (1, Some((message, _))) => {
                format!("{message} at line {} column {}", self.line, self.column + err.column().saturating_sub(1))
            }
            (line, Some((message, _))) => {
                // The spaces taken out after the newline that starts the error's line; none when
                // the error is that newline itself (a raw one in a string: column 0 as serde_json
                // counts), all of them when the file ends in them.
                let lost = match (err.column(), err.is_eof()) {
                    (0, false) => 0,
                    _ => self.removed.get(self.newlines_consumed + line - 2).copied().unwrap_or(0),
                };
                format!("{message} at line {} column {}", self.line + line - 1, err.column() + lost)
            }
        };
        ChunkError::Json { category: err.classify(), message }
    }
}

impl<R: Read + Seek> Chunks<R> {
    /// Goes on at `offset`, further on in the file, which is at `position`: what lies between
    /// was read elsewhere (by another thread) and is not parsed here.
    pub fn skip_to(&mut self, offset: u64, position: Position) -> Result<(), ChunkError> {
        self.source.seek(SeekFrom::Start(offset)).map_err(ChunkError::Io)?;
        (self.base, self.pos, self.end, self.eof) = (offset, 0, 0, false);
        self.removed.clear();
        (self.newlines_consumed, self.removed_consumed, self.indented) = (0, 0, false);
        (self.line, self.column) = (position.line, position.column);
        Ok(())
    }
}

/// Newlines in `bytes`, counted 255 bytes at a time in a `u8` so that the compiler can compare
/// and add 16 or 32 bytes at once: this runs over every byte of the file.
fn count_newlines(bytes: &[u8]) -> usize {
    bytes.chunks(255).map(|block| block.iter().fold(0u8, |n, byte| n + u8::from(*byte == b'\n')) as usize).sum()
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use serde::Deserialize;

    /// A reader that hands out a few bytes at a time, to cut values at every place.
    pub struct Trickle<'a>(pub &'a [u8], pub usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(self.0.len()).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn small(text: &str, step: usize) -> Chunks<Trickle<'_>> {
        Chunks::with_buffer(Trickle(text.as_bytes(), step), 4)
    }

    #[test]
    fn newlines_are_counted_in_any_length() {
        let text: Vec<u8> = (0..1000).map(|i| if i % 7 == 0 { b'\n' } else { b'x' }).collect();
        assert_eq!(count_newlines(&text), 143);
        assert_eq!(count_newlines(b""), 0);
    }

    #[test]
    fn values_cut_by_the_buffer_are_read_whole() {
        for step in [1, 2, 3, 7, 100] {
            let mut chunks = small("[ {\"a\": [1, 2, 3]} , 12345 ,\"text\" ]", step);
            chunks.expect(b"[", "`[`").unwrap();
            let object = chunks.value(|d| serde_json::Value::deserialize(d)).unwrap();
            assert_eq!(object, serde_json::json!({"a": [1, 2, 3]}), "step {step}");
            chunks.expect(b",", "`,`").unwrap();
            assert_eq!(chunks.value(|d| u64::deserialize(d)).unwrap(), 12345, "step {step}: numbers are not cut");
            chunks.expect(b",", "`,`").unwrap();
            assert_eq!(chunks.value(|d| String::deserialize(d)).unwrap(), "text");
            chunks.expect(b"]", "`]`").unwrap();
            chunks.end().unwrap();
        }
    }

    /// A document cut into chunks at every size, its indentation taken out, reads as serde_json
    /// reads it whole: the same value, or the same error at the same line and column. Tried on a
    /// kubectl-like document with each byte replaced by something that breaks it (a raw newline
    /// in a string, a stray quote or bracket, a space inside a literal).
    #[test]
    fn without_its_indentation_a_document_reads_as_serde_json_reads_it_whole() {
        let doc = serde_json::to_string_pretty(&serde_json::json!({"kind": "List", "items": [
            {"a": [1, 23, {"b": "x  y"}], "c": null, "d": {}}, {"e": [true, false], "f": "\n"}
        ]}))
        .unwrap()
        .replace("  ", "    ");
        let mut texts = vec![doc.clone(), format!("{doc}\n   "), format!("\n\n   {doc}  x")];
        for at in 0..doc.len() {
            for byte in [b'"', b'\n', b'x', b'}', b' ', b','] {
                let mut text = doc.clone().into_bytes();
                text[at] = byte;
                texts.push(String::from_utf8(text).unwrap());
            }
        }
        for text in &texts {
            let whole = serde_json::from_str::<serde_json::Value>(text).map_err(|err| err.to_string());
            for (step, buffer) in [(1, 1), (3, 8), (5, 16), (64, 64), (4096, 1 << 20)] {
                let mut chunks = small(text, step);
                chunks.buf = vec![0; buffer];
                let read = chunks.value(|d| serde_json::Value::deserialize(d)).and_then(|v| chunks.end().map(|()| v));
                let read = read.map_err(|err| match err {
                    ChunkError::Json { message, .. } => message,
                    ChunkError::Io(err) => err.to_string(),
                });
                assert_eq!(read, whole, "step {step}, buffer {buffer}: {text:?}");
            }
        }
    }

    /// Offsets are the file's, with the indentation counted.
    #[test]
    fn offsets_and_positions_count_the_indentation_taken_out() {
        let text = "[\n    1,\n        {\"a\": 2},\n  \"b\"\n]";
        for step in [1, 2, 3, 7, 100] {
            let mut chunks = small(text, step);
            chunks.expect(b"[", "`[`").unwrap();
            let mut starts = Vec::new();
            loop {
                chunks.peek().unwrap();
                starts.push((chunks.offset(), chunks.position()));
                chunks.value(|d| serde_json::Value::deserialize(d)).unwrap();
                if chunks.expect(b",]", "`,` or `]`").unwrap() == b']' {
                    break;
                }
            }
            let expected: Vec<(u64, Position)> = ["1", "{", "\"b\""]
                .iter()
                .map(|token| {
                    let at = text.find(token).unwrap();
                    let line = text[..at].matches('\n').count() + 1;
                    let column = at - text[..at].rfind('\n').map_or(0, |nl| nl + 1) + 1;
                    (at as u64, Position { line, column })
                })
                .collect();
            assert_eq!(starts, expected, "step {step}");
        }
    }

    #[test]
    fn errors_give_the_position_in_the_file() {
        let mut chunks = small("{\n  \"kind\": \"List\",\n  \"items\": [,]\n}", 3);
        chunks.expect(b"{", "`{`").unwrap();
        chunks.value(|d| String::deserialize(d)).unwrap();
        chunks.expect(b":", "`:`").unwrap();
        chunks.value(|d| String::deserialize(d)).unwrap();
        chunks.expect(b",", "`,`").unwrap();
        chunks.value(|d| String::deserialize(d)).unwrap();
        chunks.expect(b":", "`:`").unwrap();
        chunks.expect(b"[", "`[`").unwrap();
        let Err(ChunkError::Json { category, message }) = chunks.value(|d| serde_json::Value::deserialize(d)) else {
            panic!("a comma is not a value")
        };
        assert_eq!((category, message.as_str()), (Category::Syntax, "expected value at line 3 column 13"));
        let mut cut = small("{\"a\": [1, 2", 2);
        let Err(ChunkError::Json { category, .. }) = cut.value(|d| serde_json::Value::deserialize(d)) else {
            panic!("the value is cut off")
        };
        assert_eq!(category, Category::Eof);
    }
}
