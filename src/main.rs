//! Entry point: parses arguments, runs the command, maps errors to exit codes (0 clean, 1 the
//! `--fail-on` gate tripped, 2 the run itself failed) and prints them on stderr.

use aksguard::cli::{self, Cli};
use clap::FromArgMatches;
use std::process::ExitCode;

/// mimalloc (its v2 line, without transparent huge pages): a large offline audit allocates
/// millions of small strings on every core, and took a tenth less time with it than with the
/// system allocator, in less memory, live runs too. Huge pages made the kernel clear and compact
/// memory on this machine until the system time doubled, so they are left out (`no_thp`).
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
