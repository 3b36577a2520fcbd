//! Entry point: parses arguments, runs the command, maps errors to exit codes (0 clean, 1 the
//! `--fail-on` gate tripped, 2 the run itself failed) and prints them as one line on stderr.

use aksguard::cli::Cli;
use clap::Parser;
use clap::error::ErrorKind;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    match aksguard::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// clap's multi-line errors folded into one sentence; help and version print as usual.
fn usage_error(err: clap::Error) -> ExitCode {
    if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = err.print();
        return ExitCode::from(2);
    }
    let rendered = err.render().to_string();
    let mut lines = rendered.lines().map(str::trim).filter(|line| !line.is_empty());
    let first = lines.next().unwrap_or("invalid arguments").trim_start_matches("error: ");
    let extra: Vec<&str> =
        lines.filter(|line| line.starts_with("[possible values") || line.starts_with("tip:")).collect();
    let extra = if extra.is_empty() { String::new() } else { format!(" {}", extra.join(" ")) };
    eprintln!("error: {first}{extra}; run `aksguard --help` for usage");
    ExitCode::from(2)
}
