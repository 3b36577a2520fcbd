//! The one place text from outside (names, images and labels from the cluster, server messages,
//! excerpts of bad input) is made safe to print. A terminal acts on control characters (`ESC ]0;…
//! BEL` retitles it, `ESC [2J` clears it, `CR` overwrites a line) and Unicode's reordering
//! characters make text read differently than it is, so both are shown as visible escapes
//! (`\u{1b}`). One function per output context:
//!
//! - [`terminal`]: multi-line text for people (the table, Markdown, `diff`, `plan`): line breaks
//!   and tabs are kept, everything else hidden is escaped;
//! - [`one_line`]: a quoted value or a server's message inside a sentence (an error, a reason):
//!   line breaks and tabs are escaped too (`\n`), so the sentence stays one line;
//! - [`markdown`]: one line of Markdown text, its markup characters escaped as well.
//!
//! JSON, SARIF, JUnit and HTML escape through their writers.

/// Multi-line text for a terminal: `\n` and `\t` kept, every other hidden character as `\u{…}`.
pub fn terminal(text: &str) -> String {
    escape(text, |c| match c {
        '\n' | '\t' => Some(c.to_string()),
        c => hidden(c),
    })
}

/// Text inside a one-line sentence: `\n`, `\r` and `\t` as those escapes, every other hidden
/// character as `\u{…}`.
pub fn one_line(text: &str) -> String {
    escape(text, |c| match c {
        '\n' => Some("\\n".into()),
        '\r' => Some("\\r".into()),
        '\t' => Some("\\t".into()),
        c => hidden(c),
    })
}

/// One line of Markdown text: hidden characters escaped as for [`terminal`] (a Markdown file is
/// read in terminals too: `cat`, CI logs), its markup characters escaped, line breaks as spaces.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in terminal(text).chars() {
        match c {
            '\n' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` with each character `replace` has a replacement for replaced; the others kept.
fn escape(text: &str, replace: impl Fn(char) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match replace(c) {
            Some(replacement) => out.push_str(&replacement),
            None => out.push(c),
        }
    }
    out
}

/// `\u{…}` for a character that acts on a terminal or hides how text reads: C0 and C1 controls,
/// DEL, bidirectional marks, overrides and isolates, zero-width characters, line and paragraph
/// separators, the byte-order mark. `None` for every other character.
fn hidden(c: char) -> Option<String> {
    let is_hidden = c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}');
    is_hidden.then(|| format!("\\u{{{:x}}}", u32::from(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_keeps_line_breaks_and_escapes_the_rest() {
        assert_eq!(terminal("a\u{1b}[31mb\rc\nd\te"), "a\\u{1b}[31mb\\u{d}c\nd\te");
        assert_eq!(
            terminal("evil\u{202e}txt \u{9b}31m \u{2028}\u{feff}\u{7f}"),
            "evil\\u{202e}txt \\u{9b}31m \\u{2028}\\u{feff}\\u{7f}"
        );
        assert_eq!(terminal("naïve — ✓ 日本"), "naïve — ✓ 日本");
    }

    #[test]
    fn one_line_escapes_line_breaks_too() {
        assert_eq!(one_line("a\u{1b}]0;owned\u{7}b"), "a\\u{1b}]0;owned\\u{7}b");
        assert_eq!(one_line("l1\nl2\r\tx"), "l1\\nl2\\r\\tx");
        assert_eq!(one_line("evil\u{202e}txt.exe \u{9b}31m"), "evil\\u{202e}txt.exe \\u{9b}31m");
        assert!(!one_line("a\nb\u{2029}c").contains(['\n', '\u{2029}']));
    }

    #[test]
    fn markdown_escapes_markup_and_keeps_one_line() {
        assert_eq!(markdown("Pod/x|y\n<b>`z`"), "Pod/x\\|y \\<b\\>\\`z\\`");
        assert_eq!(markdown("a\u{1b}[2Jb"), "a\\\\u{1b}\\[2Jb");
    }
}
