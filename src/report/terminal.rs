//! What the terminal allows: its width and whether to colour. Read once per run, from the
//! terminal and the environment, so the renderers stay pure functions of their input.

/// Width used when no terminal reports one and `COLUMNS` is not set: wide enough for one finding
/// per line, narrow enough for a laptop's half screen.
pub const DEFAULT_WIDTH: usize = 100;

/// Narrower than this, nothing is readable; a terminal that reports less is treated as unknown.
const MIN_WIDTH: usize = 40;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal (not with NO_COLOR or TERM=dumb); CLICOLOR_FORCE or FORCE_COLOR force it
    #[default]
    Auto,
    /// Always colour (NO_COLOR still wins)
    Always,
    /// Never colour
    Never,
}

/// The width to render to: the terminal's (when stdout is one and it reports a size), else
/// `COLUMNS`, else [`DEFAULT_WIDTH`]. A size of 0 (`script`, some CI runners) counts as unknown.
pub fn width(stdout_is_terminal: bool) -> usize {
    let reported = match stdout_is_terminal {
        true => comfy_table::Table::new().width().map(usize::from),
        false => None,
    };
    width_from(reported, std::env::var("COLUMNS").ok().as_deref())
}

fn width_from(reported: Option<usize>, columns: Option<&str>) -> usize {
    let usable = |width: &usize| *width >= MIN_WIDTH;
    reported
        .filter(usable)
        .or_else(|| columns.and_then(|text| text.trim().parse().ok()).filter(usable))
        .unwrap_or(DEFAULT_WIDTH)
}

/// Whether to colour: `NO_COLOR` (non-empty) wins over everything, then `--color always|never`,
/// then `CLICOLOR_FORCE`/`FORCE_COLOR` (non-empty, not `0`) for CI logs, then `TERM=dumb`, then
/// whether stdout is a terminal.
pub fn colour(choice: ColorChoice, stdout_is_terminal: bool) -> bool {
    colour_from(choice, stdout_is_terminal, |name| std::env::var(name).ok())
}

fn colour_from(choice: ColorChoice, stdout_is_terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| env(name).is_some_and(|value| !value.is_empty());
    let forced = |name: &str| env(name).is_some_and(|value| !value.is_empty() && value != "0");
    if set("NO_COLOR") {
        return false;
    }
    match choice {
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto if forced("CLICOLOR_FORCE") || forced("FORCE_COLOR") => true,
        ColorChoice::Auto => stdout_is_terminal && env("TERM").is_none_or(|term| term != "dumb"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_falls_back_from_terminal_to_columns_to_default() {
        assert_eq!(width_from(Some(80), Some("200")), 80);
        assert_eq!(width_from(Some(0), Some("132")), 132, "a 0-column terminal is unknown");
        assert_eq!(width_from(None, Some(" 90 ")), 90);
        assert_eq!(width_from(None, Some("0")), DEFAULT_WIDTH);
        assert_eq!(width_from(None, Some("wide")), DEFAULT_WIDTH);
        assert_eq!(width_from(None, None), DEFAULT_WIDTH);
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
    }

    #[test]
    fn no_color_wins_and_force_colours_ci_logs() {
        use ColorChoice::*;
        assert!(colour_from(Auto, true, env(&[])));
        assert!(!colour_from(Auto, false, env(&[])));
        assert!(!colour_from(Always, true, env(&[("NO_COLOR", "1")])));
        assert!(colour_from(Auto, true, env(&[("NO_COLOR", "")])), "an empty NO_COLOR is unset");
        assert!(colour_from(Auto, false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(colour_from(Auto, false, env(&[("FORCE_COLOR", "true"), ("TERM", "dumb")])));
        assert!(!colour_from(Auto, false, env(&[("FORCE_COLOR", "0")])));
        assert!(!colour_from(Auto, true, env(&[("TERM", "dumb")])));
        assert!(!colour_from(Never, true, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(colour_from(Always, false, env(&[("TERM", "dumb")])));
    }
}
