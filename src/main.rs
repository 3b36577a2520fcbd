//! Entry point: parses arguments, runs the command, maps errors to exit codes (0 clean, 1 the
//! `--fail-on` gate tripped, 2 the run itself failed) and prints them on stderr.

use aksguard::cli::{self, Cli};
use clap::FromArgMatches;
use std::process::ExitCode;

/// mimalloc: faster on the millions of small strings of a large audit (see `aksguard::allocator`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let bin_name = cli::bin_name(std::env::args_os().next().as_deref());
    // clap's whole message (what is wrong, the tip, the usage line); `--help` and `--version`
    // exit 0, usage errors 2.
    let cli = match cli::command(bin_name).try_get_matches().and_then(|matches| Cli::from_arg_matches(&matches)) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match aksguard::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
