//! Text from the cluster made safe for the `diff` and `plan` outputs: control characters shown as
//! escapes on a terminal, Markdown's own characters escaped in a table cell.

/// Control characters (a terminal would act on them) written as `\u{1b}`-style escapes.
pub fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// One line of Markdown text: its markup characters escaped, line breaks as spaces.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_markup_are_escaped() {
        assert_eq!(terminal("a\u{1b}[31mb\nc"), "a\\u{1b}[31mb\nc");
        assert_eq!(markdown("Pod/x|y\n<b>`z`"), "Pod/x\\|y \\<b\\>\\`z\\`");
    }
}
