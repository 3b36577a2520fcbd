//! The indentation of pretty-printed JSON taken out before it is parsed. `kubectl get -o json`
//! indents by 4 spaces a level, and a pod sits six levels deep: over half of a kubectl file is
//! the spaces after its newlines, and serde_json steps over whitespace a byte at a time, which
//! was a third of the time of reading a file.
//!
//! Only spaces right after a newline are taken out, and never the newline. A newline can only be
//! whitespace between tokens in JSON (a string may not hold one raw; it must be escaped as `\n`),
//! so what follows it up to the next token is whitespace too, and the JSON means the same
//! without it. A file that does hold a raw newline in a string is invalid either way, and is
//! refused at that newline as before. The reader keeps, for each newline, how many spaces went,
//! so that offsets and the line and column in error messages are those of the file.

/// Takes the spaces after each newline out of `buf[from..]`, in place; returns the new length of
/// `buf` and pushes onto `removed` how many spaces went after each newline, in order. With
/// `continuing`, the region starts inside the spaces after a newline before it: those are taken
/// out too and returned apart (they belong to that newline). `ends_indented` says whether the
/// region ended on a newline or its spaces, whose spaces may go on in the next region.
pub fn strip(buf: &mut [u8], from: usize, continuing: bool, removed: &mut Vec<usize>) -> Stripped {
    let end = buf.len();
    let mut read = from;
    let mut carried = 0;
    if continuing {
        carried = spaces(&buf[read..]);
        read += carried;
    }
    let mut write = from;
    let mut ends_indented = continuing && read == end;
    while read < end {
        let Some(newline) = next_newline(buf, &mut read, &mut write) else { break };
        let indent = spaces(&buf[newline + 1..end]);
        removed.push(indent);
        read = newline + 1 + indent;
        ends_indented = read == end;
    }
    Stripped { len: write, carried, ends_indented }
}

/// Moves the bytes from `read` on to `write`, up to and with the next newline, and returns where
/// that newline was; `None` when there is none (all of it moved). Eight bytes at a time: a text
/// line is a few dozen bytes, too short for a `memchr` call per line to pay.
fn next_newline(buf: &mut [u8], read: &mut usize, write: &mut usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let end = buf.len();
    while *read + 8 <= end {
        let word = u64::from_le_bytes(buf[*read..*read + 8].try_into().expect("eight bytes"));
        let x = word ^ NEWLINES;
        // The high bit of each byte that was a newline (and maybe of bytes after the first one).
        let found = x.wrapping_sub(ONES) & !x & HIGH;
        // All eight bytes are stored, and those after a newline then written over by what
        // follows: that is safe where they land on bytes already read (eight or more behind
        // `read`), or on themselves (nothing taken out yet).
        let gap = *read - *write;
        if found != 0 {
            let length = (found.trailing_zeros() / 8) as usize + 1;
            match gap {
                0 => {}
                8.. => buf[*write..*write + 8].copy_from_slice(&word.to_le_bytes()),
                _ => buf.copy_within(*read..*read + length, *write),
            }
            let newline = *read + length - 1;
            (*read, *write) = (*read + length, *write + length);
            return Some(newline);
        }
        if gap > 0 {
            buf[*write..*write + 8].copy_from_slice(&word.to_le_bytes());
        }
        (*read, *write) = (*read + 8, *write + 8);
    }
    while *read < end {
        let byte = buf[*read];
        buf[*write] = byte;
        (*read, *write) = (*read + 1, *write + 1);
        if byte == b'\n' {
            return Some(*read - 1);
        }
    }
    None
}

/// What [`strip`] did to a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stripped {
    pub len: usize,
    /// Spaces taken from the region's start, after a newline before it.
    pub carried: usize,
    pub ends_indented: bool,
}

/// How many spaces `bytes` starts with, eight at a time.
fn spaces(bytes: &[u8]) -> usize {
    const EIGHT: u64 = u64::from_ne_bytes([b' '; 8]);
    let mut count = 0;
    for word in bytes.chunks_exact(8) {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if word != EIGHT {
            return count + ((word ^ EIGHT).trailing_zeros() / 8) as usize;
        }
        count += 8;
    }
    count + bytes[count..].iter().take_while(|byte| **byte == b' ').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripped(text: &str, continuing: bool) -> (String, Vec<usize>, Stripped) {
        let mut buf = text.as_bytes().to_vec();
        let mut removed = Vec::new();
        let result = strip(&mut buf, 0, continuing, &mut removed);
        buf.truncate(result.len);
        (String::from_utf8(buf).unwrap(), removed, result)
    }

    #[test]
    fn spaces_after_newlines_go_and_everything_else_stays() {
        let (text, removed, result) = stripped("{\n    \"a\": \"x  y\",\n  \"b\": [\n\n1 ]\n}", false);
        assert_eq!(text, "{\n\"a\": \"x  y\",\n\"b\": [\n\n1 ]\n}");
        assert_eq!(removed, [4, 2, 0, 0, 0]);
        assert_eq!(result, Stripped { len: text.len(), carried: 0, ends_indented: false });
    }

    #[test]
    fn a_region_may_start_and_end_inside_an_indentation() {
        let (text, removed, result) = stripped("   x\n  ", true);
        assert_eq!((text.as_str(), removed, result.carried, result.ends_indented), ("x\n", vec![2], 3, true));
        let (text, _, result) = stripped("     ", true);
        assert_eq!((text.as_str(), result.carried, result.ends_indented), ("", 5, true));
        let (_, _, result) = stripped("   ", false);
        assert!(!result.ends_indented);
    }

    /// Newlines found in every place of a word, and texts that are not a multiple of eight long.
    #[test]
    fn every_newline_is_found_wherever_it_falls_in_a_word() {
        for length in 0..40 {
            for at in 0..length {
                let mut text = "ab".repeat(length).into_bytes();
                text.truncate(length);
                text[at] = b'\n';
                let expected: String = String::from_utf8(text.clone()).unwrap();
                let (stripped, removed, _) = stripped(&expected, false);
                assert_eq!((stripped, removed.len()), (expected, 1), "length {length}, newline at {at}");
            }
        }
        let (text, removed, _) = stripped("\n\n        \n12345678\n  ab\ncdefghijklmnop\n", false);
        assert_eq!(text, "\n\n\n12345678\nab\ncdefghijklmnop\n");
        assert_eq!(removed, [0, 8, 0, 2, 0, 0]);
    }

    #[test]
    fn spaces_are_counted_across_words() {
        for n in 0..40 {
            let text = format!("{}x{}", " ".repeat(n), " ".repeat(3));
            assert_eq!(spaces(text.as_bytes()), n);
            assert_eq!(spaces(" ".repeat(n).as_bytes()), n);
        }
    }
}
