//! The README's "Use in CI" examples: each parses as YAML, and every `aksguard` command in them
//! names a real subcommand, real flags and real formats (checked against `--help`); and the
//! README's samples are what the binary prints.

use serde_norway::Value;
use std::process::Command;

fn readme_section(heading: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find(&format!("\n## {heading}\n")).unwrap_or_else(|| panic!("README has no {heading} section"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |at| at + 3);
    rest[..end].to_string()
}

fn yaml_blocks(section: &str) -> Vec<String> {
    section.split("```yaml\n").skip(1).map(|block| block.split("\n```").next().unwrap().to_string()).collect()
}

/// Every string in the document (run steps, scripts, inline scripts).
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Sequence(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Mapping(map) => map.values().for_each(|item| strings(item, out)),
        _ => {}
    }
}

/// The `aksguard ...` command lines, with `\` continuations joined.
fn aksguard_commands(document: &Value) -> Vec<Vec<String>> {
    let mut texts = Vec::new();
    strings(document, &mut texts);
    texts
        .iter()
        .flat_map(|text| text.replace("\\\n", " ").lines().map(str::to_string).collect::<Vec<_>>())
        .filter_map(|line| {
            let at = line.find("aksguard ")?;
            let words: Vec<String> = line[at..].split_whitespace().map(str::to_string).collect();
            // `cargo install ... aksguard` names the crate, not a command.
            (words.len() > 1 && !line[..at].contains("cargo install")).then_some(words)
        })
        .collect()
}

fn help(subcommand: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_aksguard")).args([subcommand, "--help"]).output().unwrap();
    assert!(output.status.success(), "`aksguard {subcommand}` is a real subcommand");
    String::from_utf8(output.stdout).unwrap()
}

fn check_command(words: &[String]) {
    let subcommand = &words[1];
    let help = help(subcommand);
    for (i, word) in words.iter().enumerate().skip(2) {
        if word.starts_with('-') && word != "-" {
            let flag = word.split('=').next().unwrap();
            let known = help.contains(&format!("{flag} "))
                || help.contains(&format!("{flag}\n"))
                || help.contains(&format!("{flag},"));
            assert!(known, "`aksguard {subcommand}` has no flag {flag}: {}", words.join(" "));
        }
        if matches!(words[i - 1].as_str(), "-o" | "--output" | "--format") {
            assert!(help.contains(&format!("- {word}:")), "-o {word} is not a format");
        }
        if words[i - 1] == "--report" {
            let format = word.split('=').next().unwrap();
            assert!(word.contains('=') && help.contains(&format!("- {format}:")), "--report {word} is not FORMAT=PATH");
        }
    }
}

#[test]
fn ci_examples_parse_as_yaml_and_use_real_flags() {
    let section = readme_section("Use in CI");
    let blocks = yaml_blocks(&section);
    assert_eq!(blocks.len(), 2, "a GitHub Actions workflow and an Azure Pipelines example");

    let github: Value = serde_norway::from_str(&blocks[0]).expect("the GitHub workflow is YAML");
    assert!(github["jobs"]["aksguard"]["steps"].as_sequence().is_some_and(|s| !s.is_empty()));
    assert!(blocks[0].contains("github/codeql-action/upload-sarif") && blocks[0].contains("$GITHUB_STEP_SUMMARY"));
    let azure: Value = serde_norway::from_str(&blocks[1]).expect("the Azure pipeline is YAML");
    assert!(azure["steps"].as_sequence().is_some_and(|s| !s.is_empty()));
    assert!(blocks[1].contains("PublishTestResults@2"));

    let mut formats = Vec::new();
    for document in [&github, &azure] {
        let commands = aksguard_commands(document);
        assert!(commands.len() >= 2, "a snapshot and an audit: {commands:?}");
        for command in &commands {
            check_command(command);
            for (at, word) in command.iter().enumerate().skip(1) {
                match command[at - 1].as_str() {
                    "-o" | "--output" | "--format" => formats.push(word.clone()),
                    "--report" => formats.push(word.split('=').next().unwrap().to_string()),
                    _ => {}
                }
            }
        }
    }
    for format in ["sarif", "markdown", "junit", "html"] {
        assert!(formats.iter().any(|f| f == format), "the examples write {format}");
    }
}

#[test]
fn the_flag_check_catches_a_made_up_flag() {
    let words: Vec<String> = "aksguard audit --fail-on-everything".split(' ').map(String::from).collect();
    assert!(std::panic::catch_unwind(|| check_command(&words)).is_err());
}

#[test]
fn the_config_example_is_valid() {
    let section = readme_section("Config file (`aksguard.toml`)");
    let toml = section.split("```toml\n").nth(1).unwrap().split("\n```").next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aksguard.toml"), toml).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_aksguard"))
        .args(["audit", "--demo", "insecure", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Each setting of the example takes effect, so the example cannot silently stop parsing.
    assert_eq!(output.status.code(), Some(1), "fail_on = \"high\" trips on the insecure demo: {stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["rule"] != "maintenance-window"), "disabled_rules");
    let local: Vec<&serde_json::Value> = findings.iter().filter(|f| f["rule"] == "local-accounts").collect();
    assert!(!local.is_empty() && local.iter().all(|f| f["severity"] == "critical"), "[severity]");
    assert_eq!(report["waivers"][0]["rule"], "pod-security-labels", "[[waiver]]");
    assert_eq!(report["waivers"][0]["resource"], "Namespace/legacy-*");
    let outside = |f: &&serde_json::Value| f["resource"].as_str().unwrap().starts_with("Namespace/contoso-");
    assert!(!findings.iter().any(|f| outside(&f)), "namespaces = [\"shop\", \"payments\"] drops the others");
}

/// Every README sample marked `<!-- sample: COLUMNS=100 aksguard ARGS [| head -n N] -->` above a
/// ```text block is what the binary prints with those arguments, so no sample can drift.
/// `AKSGUARD_BLESS=1 cargo test --test readme_ci` rewrites the samples after a deliberate change.
#[test]
fn the_readme_samples_are_what_the_binary_prints() {
    const MARKER: &str = "<!-- sample: COLUMNS=100 aksguard ";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let mut readme = std::fs::read_to_string(path).unwrap();
    let (mut checked, mut stale) = (0, Vec::new());
    let mut from = 0;
    while let Some(found) = readme[from..].find(MARKER) {
        let marker_start = from + found;
        let marker_end =
            marker_start + readme[marker_start..].find(" -->\n```text\n").expect("a sample marker ends with -->");
        let command = readme[marker_start + MARKER.len()..marker_end].to_string();
        let start = marker_end + " -->\n```text\n".len();
        let end = start + readme[start..].find("\n```").unwrap();
        let expected = sample_output(&command);
        if readme[start..end] != expected {
            stale.push(command.clone());
            readme.replace_range(start..end, &expected);
        }
        checked += 1;
        from = start;
    }
    assert!(checked >= 2, "the README's samples are marked (the first screen, the Defender rules)");
    if stale.is_empty() {
        return;
    }
    if std::env::var_os("AKSGUARD_BLESS").is_some() {
        std::fs::write(path, readme).unwrap();
        return;
    }
    panic!("README samples out of date, run AKSGUARD_BLESS=1 cargo test --test readme_ci: {stale:?}");
}

/// What `COLUMNS=100 aksguard ARGS [| head -n N]` prints, colourless.
fn sample_output(command: &str) -> String {
    let (arguments, head) = match command.split_once(" | head -n ") {
        Some((arguments, lines)) => (arguments, Some(lines.parse::<usize>().expect("head -n N"))),
        None => (command, None),
    };
    let output = Command::new(env!("CARGO_BIN_EXE_aksguard"))
        .args(arguments.split_whitespace())
        .env("COLUMNS", "100")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let printed = String::from_utf8(output.stdout).unwrap();
    let lines = printed.lines().take(head.unwrap_or(usize::MAX));
    lines.collect::<Vec<_>>().join("\n")
}
