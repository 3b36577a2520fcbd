//! Small text helpers the formats share.

/// Escapes text for XML and HTML element content and attribute values. Control characters other
/// than tab and newline are dropped: XML 1.0 cannot carry them at all.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Columns a string takes: one per character (the reports print no wide characters of their own).
pub fn columns(text: &str) -> usize {
    text.chars().count()
}

/// Words packed into lines of at most `width` columns; the first line starts after `first`
/// columns already used, the others after `indent` spaces. A word longer than a line is never
/// broken: it gets a line of its own.
pub fn wrap(text: &str, width: usize, first: usize, indent: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = first;
    for word in text.split_whitespace() {
        let needed = if line.is_empty() { columns(word) } else { columns(word) + 1 };
        // A word that does not fit after the first line's prefix starts the next line instead.
        let fresh_prefix = line.is_empty() && lines.is_empty() && used > indent;
        if (!line.is_empty() || fresh_prefix) && used + needed > width {
            lines.push(std::mem::take(&mut line));
            used = indent;
        }
        if !line.is_empty() {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += columns(word);
    }
    lines.push(line);
    lines
}

/// Plain text (a rule's documentation, a listing) wrapped to `width`. Indented lines (code,
/// tables, commands) and lines that fit are kept as they are; a list item's continuation lines
/// are indented under its text.
pub fn wrap_paragraphs(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if columns(line) <= width || line.starts_with('|') {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        // Code (a command in the docs) breaks only where the shell allows, keeping its indent.
        if in_code || line.starts_with(' ') {
            let indent = line.len() - line.trim_start().len();
            for piece in wrap_command(line.trim_start(), width, indent) {
                out.push_str(&line[..indent]);
                out.push_str(&piece);
                out.push('\n');
            }
            continue;
        }
        let hang = list_marker(line);
        let pad = " ".repeat(hang);
        for (i, piece) in wrap(line, width, 0, hang).iter().enumerate() {
            if i > 0 {
                out.push_str(&pad);
            }
            out.push_str(piece);
            out.push('\n');
        }
    }
    out
}

/// The width of a leading `- `, `* ` or `1. ` marker, so that wrapped items hang under the text.
fn list_marker(line: &str) -> usize {
    if line.starts_with("- ") || line.starts_with("* ") {
        return 2;
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with(". ") { digits + 2 } else { 0 }
}

/// One line of a shell command, wrapped for a terminal of `width` columns at `indent` spaces so
/// that it still runs when pasted: breaks only between words outside quotes, each broken line
/// ending in ` \`, and a trailing `# comment` moved to a line of its own above the command.
/// Words are never split; a single word longer than the line stays whole.
pub fn wrap_command(line: &str, width: usize, indent: usize) -> Vec<String> {
    if indent + columns(line) <= width {
        return vec![line.to_string()];
    }
    if let Some(text) = line.trim_start().strip_prefix('#') {
        return wrap(text.trim(), width, indent + 2, indent + 2)
            .into_iter()
            .map(|piece| format!("# {piece}"))
            .collect();
    }
    let (command, comment) = split_comment(line);
    let mut out = comment.map(|text| wrap_command(&format!("# {text}"), width, indent)).unwrap_or_default();
    out.extend(break_command(command, width, indent));
    out
}

/// A command broken between words: each broken line ends in ` \`, the next starts two spaces in.
fn break_command(command: &str, width: usize, indent: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut has_word = false;
    for word in shell_words(command) {
        // Room for the word and for the ` \` that ends a broken line.
        if has_word && indent + columns(&current) + 1 + columns(word) + 2 > width {
            lines.push(format!("{current} \\"));
            current = "  ".to_string();
            has_word = false;
        }
        if has_word {
            current.push(' ');
        }
        current.push_str(word);
        has_word = true;
    }
    lines.push(current);
    lines
}

/// The words of a command line: split at blanks outside quotes and backslash escapes.
fn shell_words(command: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut start: Option<usize> = None;
    for (at, c) in command.char_indices() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (None, '\\') | (Some('"'), '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (Some(open), c) if c == open => quote = None,
            (None, c) if c.is_whitespace() => {
                if let Some(from) = start.take() {
                    words.push(&command[from..at]);
                }
                continue;
            }
            _ => {}
        }
        start.get_or_insert(at);
    }
    if let Some(from) = start {
        words.push(&command[from..]);
    }
    words
}

/// A command and its trailing `# comment` (a `#` after a blank, outside quotes), apart.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(open), c) if c == open => quote = None,
            (None, '#') if previous.is_whitespace() && at > 0 => {
                return (line[..at].trim_end(), Some(line[at + 1..].trim()));
            }
            _ => {}
        }
        previous = c;
    }
    (line, None)
}

/// `text` without SGR colour codes (what the terminal report adds).
pub fn strip_colour(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match (in_code, c) {
            (false, '\x1b') => in_code = true,
            (true, 'm') => in_code = false,
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out
}

/// ARM ids shortened to what follows the provider namespace:
/// `/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/aks`
/// → `managedClusters/aks`. Machine formats keep the full id.
pub fn short_resource(resource: &str) -> &str {
    if !resource.starts_with("/subscriptions/") {
        return resource;
    }
    let lower = resource.to_ascii_lowercase();
    match lower.rfind("/providers/") {
        Some(at) => {
            let after = &resource[at + "/providers/".len()..];
            after.split_once('/').map_or(after, |(_, rest)| rest)
        }
        None => resource,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape_xml("<script>a & 'b' \"c\"</script>\u{1b}[0m"),
            "&lt;script&gt;a &amp; &#39;b&#39; &quot;c&quot;&lt;/script&gt;[0m"
        );
    }

    #[test]
    fn words_wrap_without_breaking_and_long_words_stay_whole() {
        assert_eq!(wrap("aa bb cc dd", 5, 0, 0), ["aa bb", "cc dd"]);
        assert_eq!(wrap("a --very-long-flag-name b", 6, 0, 2), ["a", "--very-long-flag-name", "b"]);
        assert_eq!(wrap("aa bb cc", 8, 3, 2), ["aa bb", "cc"]);
        assert_eq!(wrap("long-word", 10, 6, 2), ["", "long-word"], "a first word that does not fit moves down");
    }

    #[test]
    fn a_long_command_breaks_between_words_with_continuations() {
        let command = "az aks update -g rg -n aks --api-server-authorized-ip-ranges '1.2.3.4/32, 5.6.7.8/32'";
        let lines = wrap_command(command, 40, 4);
        let one_word = |line: &str| !line.trim().trim_end_matches(" \\").contains(' ');
        assert!(lines.iter().all(|line| 4 + columns(line) <= 40 || one_word(line)), "{lines:?}");
        let joined = lines.join("\n").replace(" \\\n  ", " ");
        assert_eq!(joined, command, "{lines:?}");
        assert!(
            lines.iter().any(|line| line.contains("'1.2.3.4/32, 5.6.7.8/32'")),
            "quotes are never split: {lines:?}"
        );
    }

    #[test]
    fn a_trailing_comment_moves_above_its_command() {
        let lines = wrap_command("kubectl -n web edit deployment/frontend  # remove securityContext.privileged", 50, 2);
        assert_eq!(lines, ["# remove securityContext.privileged", "kubectl -n web edit deployment/frontend"]);
        assert_eq!(wrap_command("echo 'a # b'", 8, 0), ["echo \\", "  'a # b'"]);
    }

    #[test]
    fn paragraphs_wrap_and_code_stays() {
        let text = "- one two three four five\n    code code code\n";
        assert_eq!(
            wrap_paragraphs(text, 12),
            "- one two\n  three four\n  five\n    code \\\n      code \\\n      code\n"
        );
    }

    #[test]
    fn arm_ids_are_shortened() {
        assert_eq!(
            short_resource(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks/maintenanceConfigurations/x"
            ),
            "managedClusters/aks/maintenanceConfigurations/x"
        );
        assert_eq!(
            short_resource("/subscriptions/s/providers/Microsoft.Security/pricings/Containers"),
            "pricings/Containers"
        );
        assert_eq!(short_resource("Namespace/shop"), "Namespace/shop");
    }
}
