//! `aksguard.toml`: what a team decided. Waivers (accepted risks with a reason and an expiry),
//! severity overrides, disabled rules, the `--fail-on` default, allowed registries, extra system
//! namespaces and the namespaces to audit. This file parses and validates it; the audit step
//! (`audit::apply_config`) applies it to the findings, so rules never see it.

use crate::audit::Report;
use crate::finding::{Finding, Severity};
use crate::redact::{EXCERPT_CHARS, excerpt};
use crate::rules::{self, Settings};
use crate::snapshot::{Snapshot, UnavailableSource};
use crate::text_file::{self, FileKind};
use anyhow::{Result, anyhow};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Read from the working directory when `--config` is not given.
pub const FILE_NAME: &str = "aksguard.toml";

/// How reports name a `namespaces` filter that matched nothing.
pub const NAMESPACES_FILTER: &str = "config/namespaces";

/// A config of waivers and lists is a few kilobytes; a megabyte is far past any real one.
const FILE: FileKind = FileKind {
    what: "config file",
    max_bytes: 1024 * 1024,
    hint: "check it is your aksguard.toml (see the README's \"Config file\" section), or drop --config",
};

/// The parsed file. Every key is optional; an absent file is the same as an empty one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where it was read from (`None`: no config file).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// The `--fail-on` default; the flag wins.
    pub fail_on: Option<Severity>,
    /// The `--fail-on-unknown` default.
    #[serde(default)]
    pub fail_on_unknown: bool,
    #[serde(default)]
    pub disabled_rules: Vec<Spanned<String>>,
    /// Rule id → the severity all its findings get.
    #[serde(default)]
    pub severity: BTreeMap<Spanned<String>, Severity>,
    /// Replaces the trusted-registries default when given.
    pub allowed_registries: Option<Vec<String>>,
    /// The ports Services may listen on (service-exposure); not judged when absent.
    pub allowed_service_ports: Option<Vec<Spanned<u16>>>,
    /// The external IPs Services may use (service-exposure); none when absent.
    #[serde(default)]
    pub allowed_external_ips: Vec<std::net::IpAddr>,
    /// Added to the built-in system namespaces.
    #[serde(default)]
    pub system_namespaces: Vec<String>,
    /// When given, findings on other user namespaces are left out of the report.
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default, rename = "waiver")]
    pub waivers: Vec<Spanned<Waiver>>,
}

/// An accepted risk: findings of `rule` on resources matching `resource` are `waived` until
/// `expires` (inclusive, UTC).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub rule: Spanned<String>,
    pub resource: String,
    pub reason: String,
    /// A TOML date (`2026-12-31`) or the same as a string.
    expires: Spanned<toml::Value>,
    #[serde(skip)]
    pub expires_on: Option<Date>,
    /// The line of its `[[waiver]]` header, so reports can point at it.
    #[serde(skip)]
    pub line: usize,
}

/// What became of a waiver in this run; every format reports expired and stale ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaiverState {
    /// It matched findings and waived the failing ones.
    Active,
    /// Past its expiry date: it no longer applies, its findings count again.
    Expired,
    /// It matches no finding: the risk is gone or the pattern is wrong; remove or fix it.
    Stale,
    /// Its rule did not run (`--rules`, `--skip-rules`, `disabled_rules`), so it was not judged.
    RuleNotRun,
}

/// One waiver as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct WaiverOutcome {
    pub rule: String,
    pub resource: String,
    pub reason: String,
    pub expires: String,
    pub state: WaiverState,
    /// How many findings it matched (waived ones, or those it would waive if not expired).
    pub matched: usize,
    pub file: String,
    pub line: usize,
}

impl WaiverOutcome {
    pub fn needs_attention(&self) -> bool {
        matches!(self.state, WaiverState::Expired | WaiverState::Stale)
    }

    /// One sentence for people: what is wrong and what to do.
    pub fn describe(&self) -> String {
        let at = format!("{} line {}", self.file, self.line);
        match self.state {
            WaiverState::Active => {
                format!(
                    "waiver for {} on {} applies to {} finding(s) until {} ({at})",
                    self.rule, self.resource, self.matched, self.expires
                )
            }
            WaiverState::Expired => format!(
                "waiver for {} on {} expired on {}: it no longer applies to its {} finding(s); fix them or renew it ({at})",
                self.rule, self.resource, self.expires, self.matched
            ),
            WaiverState::Stale => format!(
                "waiver for {} on {} matches no finding: remove it, or fix its resource pattern ({at})",
                self.rule, self.resource
            ),
            WaiverState::RuleNotRun => {
                format!("waiver for {} on {} was not judged: its rule did not run ({at})", self.rule, self.resource)
            }
        }
    }
}

impl Config {
    /// `--config FILE`, else `aksguard.toml` in the working directory, else an empty config.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None if Path::new(FILE_NAME).is_file() => PathBuf::from(FILE_NAME),
            None => return Ok(Config::default()),
        };
        let text = text_file::read(&path, FILE)?;
        Config::parse(&text, &path)
    }

    /// Parses and validates; any error names the file, the line and the offending key.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let located = Locator { text, file: path.display().to_string() };
        let mut config: Config = toml::from_str(text).map_err(|err| {
            // The parser's message may quote the bad value: print only an excerpt of it.
            let message = excerpt(err.message().trim_end_matches('\n'), EXCERPT_CHARS * 2);
            located.error(err.span(), &format!("{message}; see the README's \"Config file\" section"))
        })?;
        config.path = Some(path.to_path_buf());
        config.validate(&located)?;
        Ok(config)
    }

    fn validate(&mut self, located: &Locator) -> Result<()> {
        for id in self.disabled_rules.iter().chain(self.severity.keys()) {
            known_rule(id, located)?;
        }
        for waiver in &mut self.waivers {
            let span = waiver.span();
            let waiver = waiver.get_mut();
            known_rule(&waiver.rule, located)?;
            let header = Some(span.start..span.start);
            if waiver.resource.trim().is_empty() {
                return Err(
                    located.error(header, "waiver `resource` is empty; use \"*\" for every resource of the rule")
                );
            }
            if waiver.reason.trim().is_empty() {
                return Err(located.error(header, "waiver `reason` is empty; say why the risk is accepted"));
            }
            waiver.expires_on = Some(parse_date(&waiver.expires, located)?);
            waiver.line = located.line(span.start);
        }
        for port in self.allowed_service_ports.iter().flatten() {
            if *port.get_ref() == 0 {
                return Err(located.error(Some(port.span()), "`allowed_service_ports` holds port 0; ports are 1-65535"));
            }
        }
        let lists = [
            ("allowed_registries", self.allowed_registries.as_deref().unwrap_or_default()),
            ("system_namespaces", &self.system_namespaces),
            ("namespaces", &self.namespaces),
        ];
        for (key, values) in lists {
            if values.iter().any(|value| value.trim().is_empty()) {
                return Err(located.error(located.key_span(key), &format!("`{key}` holds an empty string; remove it")));
            }
        }
        Ok(())
    }

    /// The settings rules read: system namespaces extended, allowed registries replaced.
    pub fn settings(&self) -> Settings {
        let mut settings = Settings::default();
        for namespace in &self.system_namespaces {
            if !settings.system_namespaces.contains(namespace) {
                settings.system_namespaces.push(namespace.clone());
            }
        }
        if let Some(registries) = &self.allowed_registries {
            settings.allowed_registries = registries.clone();
        }
        if let Some(ports) = &self.allowed_service_ports {
            settings.allowed_service_ports = Some(ports.iter().map(|port| *port.get_ref()).collect());
        }
        settings.allowed_external_ips = self.allowed_external_ips.clone();
        settings
    }

    pub fn is_disabled(&self, rule: &str) -> bool {
        self.disabled_rules.iter().any(|id| id.get_ref() == rule)
    }

    pub fn severity_override(&self, rule: &str) -> Option<Severity> {
        self.severity.iter().find(|(id, _)| id.get_ref() == rule).map(|(_, severity)| *severity)
    }

    /// `namespaces` names the input does not hold. `None` when nothing in the input lists
    /// namespaces (no namespaces and no pods read), so there is nothing to compare with.
    pub fn unmatched_namespaces(&self, snapshot: &Snapshot) -> Option<Vec<&str>> {
        // With no filter nothing can be unmatched: 100,000 pods' namespaces go unread.
        if self.namespaces.is_empty() {
            return None;
        }
        let kube = &snapshot.kubernetes;
        let listed = kube.namespaces.collected().into_iter().flatten().map(|ns| ns.metadata.name.as_str());
        let with_pods = kube.pods.collected().into_iter().flatten().filter_map(|pod| pod.metadata.namespace.as_deref());
        let present: BTreeSet<&str> = listed.chain(with_pods).collect();
        if kube.namespaces.collected().is_none() && kube.pods.collected().is_none() {
            return None;
        }
        let unmatched: Vec<&str> =
            self.namespaces.iter().map(String::as_str).filter(|name| !present.contains(name)).collect();
        (!unmatched.is_empty()).then_some(unmatched)
    }

    /// A `namespaces` filter that matches nothing silently drops findings: say so on stderr and
    /// in the report (with the sources that could not be read, which every format lists).
    pub fn announce_unmatched_namespaces(&self, snapshot: &Snapshot, report: &mut Report) {
        let Some(unmatched) = self.unmatched_namespaces(snapshot) else { return };
        let names: Vec<String> = unmatched.iter().take(10).map(|name| excerpt(name, 63)).collect();
        let reason = format!(
            "`namespaces` in {} names {} that the input does not hold ({}), so no finding of {} is in the report; fix the name or remove it",
            self.file_name(),
            if names.len() == 1 { "a namespace" } else { "namespaces" },
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" },
        );
        eprintln!("warning: {reason}");
        report.unavailable.push(UnavailableSource { source: NAMESPACES_FILTER, reason });
    }

    /// The file name reports use to point at a waiver.
    pub fn file_name(&self) -> String {
        self.path.as_deref().map_or_else(|| FILE_NAME.to_string(), |path| path.display().to_string())
    }
}

impl Waiver {
    pub fn expires_on(&self) -> Date {
        self.expires_on.expect("validated when the config was parsed")
    }

    /// Expires at the end of its date (UTC): a waiver until 2026-12-31 still applies that day.
    pub fn is_expired(&self, today: Date) -> bool {
        today > self.expires_on()
    }

    pub fn matches(&self, finding: &Finding) -> bool {
        finding.rule == *self.rule.get_ref() && resource_matches(&self.resource, &finding.resource)
    }
}

/// A waiver pattern matches a resource when it matches the whole resource or any trailing part of
/// it: `Deployment/shop/web` is tried as `Deployment/shop/web`, `shop/web` and `web`, so `shop/*`
/// waives everything in namespace `shop` and `web` waives that workload in every namespace.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    let resource = resource.trim_start_matches('/');
    let suffixes = std::iter::once(resource).chain(resource.match_indices('/').map(|(at, _)| &resource[at + 1..]));
    let pattern: Vec<char> = pattern.trim_start_matches('/').chars().collect();
    suffixes.into_iter().any(|candidate| glob(&pattern, &candidate.chars().collect::<Vec<_>>()))
}

/// `*` matches within one `/`-separated part, `**` across parts, `?` one character.
fn glob(pattern: &[char], text: &[char]) -> bool {
    match pattern {
        [] => text.is_empty(),
        ['*', '*', rest @ ..] => (0..=text.len()).any(|skip| glob(rest, &text[skip..])),
        ['*', rest @ ..] => {
            let part = text.iter().position(|c| *c == '/').unwrap_or(text.len());
            (0..=part).any(|skip| glob(rest, &text[skip..]))
        }
        ['?', rest @ ..] => matches!(text, [c, ..] if *c != '/') && glob(rest, &text[1..]),
        [p, rest @ ..] => matches!(text, [c, ..] if c == p) && glob(rest, &text[1..]),
    }
}

fn known_rule(id: &Spanned<String>, located: &Locator) -> Result<()> {
    if rules::find(id.get_ref()).is_some() {
        return Ok(());
    }
    // A suggestion compares the id with every rule's: not worth it for a kilobyte of garbage.
    let hint = if id.get_ref().len() <= 64 { rules::did_you_mean(id.get_ref()) } else { String::new() };
    Err(located.error(
        Some(id.span()),
        &format!("unknown rule id '{}'{hint}; run `aksguard rules` to list them", excerpt(id.get_ref(), EXCERPT_CHARS)),
    ))
}

fn parse_date(value: &Spanned<toml::Value>, located: &Locator) -> Result<Date> {
    let text = match value.get_ref() {
        toml::Value::String(text) => text.clone(),
        toml::Value::Datetime(datetime) => datetime.to_string(),
        _ => String::new(),
    };
    text.parse::<Date>().map_err(|_| {
        located.error(Some(value.span()), "waiver `expires` must be a date such as 2026-12-31 (YYYY-MM-DD)")
    })
}

/// Turns byte spans into `FILE line N (the line's text)` so errors point at the key.
struct Locator<'a> {
    text: &'a str,
    file: String,
}

impl Locator<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())].matches('\n').count() + 1
    }

    /// Where a top-level key is set (values parsed without spans are found by their key).
    fn key_span(&self, key: &str) -> Option<Range<usize>> {
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let rest = line.trim_start().strip_prefix(key).unwrap_or("");
            if rest.trim_start().starts_with('=') {
                return Some(offset..offset);
            }
            offset += line.len();
        }
        None
    }

    fn error(&self, span: Option<Range<usize>>, message: &str) -> anyhow::Error {
        let Some(span) = span else {
            return anyhow!("{}: {message}", self.file);
        };
        let line = self.line(span.start);
        // The line as written, but short, escaped and without a credential someone put there.
        let source = excerpt(self.text.lines().nth(line - 1).unwrap_or("").trim(), EXCERPT_CHARS);
        anyhow!("{} line {line} (`{source}`): {message}", self.file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("aksguard.toml"))
    }

    fn error(text: &str) -> String {
        format!("{:#}", parse(text).expect_err("should be rejected"))
    }

    #[test]
    fn a_full_config_parses() {
        let config = parse(
            r#"
fail_on = "high"
fail_on_unknown = true
disabled_rules = ["maintenance-window"]
allowed_registries = ["contoso.azurecr.io"]
system_namespaces = ["monitoring"]
namespaces = ["shop"]

[severity]
local-accounts = "critical"

[[waiver]]
rule = "pod-security-labels"
resource = "Namespace/legacy-*"
reason = "legacy app, migration tracked in JIRA-123"
expires = 2026-12-31

[[waiver]]
rule = "local-accounts"
resource = "*"
reason = "break-glass account"
expires = "2027-01-15"
"#,
        )
        .unwrap();
        assert_eq!(config.fail_on, Some(Severity::High));
        assert!(config.fail_on_unknown && config.is_disabled("maintenance-window"));
        assert_eq!(config.severity_override("local-accounts"), Some(Severity::Critical));
        assert_eq!(config.waivers[0].get_ref().expires_on(), jiff::civil::date(2026, 12, 31));
        assert_eq!(config.waivers[0].get_ref().line, 12);
        assert_eq!(config.waivers[1].get_ref().expires_on(), jiff::civil::date(2027, 1, 15));
        let settings = config.settings();
        assert!(settings.system_namespaces.contains(&"monitoring".to_string()));
        assert!(settings.system_namespaces.contains(&"kube-system".to_string()), "extends, not replaces");
        assert_eq!(settings.allowed_registries, ["contoso.azurecr.io"]);
    }

    #[test]
    fn service_exposure_lists_are_read_and_checked() {
        let config =
            parse("allowed_service_ports = [443, 80]\nallowed_external_ips = [\"203.0.113.10\", \"2001:db8::1\"]\n")
                .unwrap();
        let settings = config.settings();
        assert_eq!(settings.allowed_service_ports, Some(vec![443, 80]));
        assert_eq!(settings.allowed_external_ips.len(), 2);
        assert_eq!(Config::default().settings().allowed_service_ports, None, "absent: ports are not judged");

        let zero = error("allowed_service_ports = [443, 0]\n");
        assert!(zero.contains("aksguard.toml line 1") && zero.contains("port 0"), "{zero}");
        let too_big = error("allowed_service_ports = [70000]\n");
        assert!(too_big.contains("aksguard.toml line 1"), "{too_big}");
        let not_an_ip = error("allowed_external_ips = [\"10.0.0.0/8\"]\n");
        assert!(not_an_ip.contains("aksguard.toml line 1") && not_an_ip.contains("address"), "{not_an_ip}");
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let unknown_key = error("fail_on = \"high\"\nfial_on_unknown = true\n");
        assert!(
            unknown_key.starts_with("aksguard.toml line 2 (`fial_on_unknown = true`): unknown field `fial_on_unknown`"),
            "{unknown_key}"
        );
        let bad_severity = error("\n[severity]\nlocal-accounts = \"hgh\"\n");
        assert!(
            bad_severity.contains("line 3 (`local-accounts = \"hgh\"`)") && bad_severity.contains("hgh"),
            "{bad_severity}"
        );
        let bad_rule = error("disabled_rules = [\"local-acounts\"]");
        assert!(bad_rule.contains("line 1") && bad_rule.contains("did you mean 'local-accounts'"), "{bad_rule}");
        let bad_date =
            error("[[waiver]]\nrule = \"local-accounts\"\nresource = \"*\"\nreason = \"r\"\nexpires = \"next year\"\n");
        assert!(
            bad_date.contains("line 5 (`expires = \"next year\"`)") && bad_date.contains("YYYY-MM-DD"),
            "{bad_date}"
        );
        let missing_reason = error("[[waiver]]\nrule = \"local-accounts\"\nresource = \"*\"\nexpires = 2030-01-01\n");
        assert!(missing_reason.contains("missing field `reason`"), "{missing_reason}");
        let unknown_waiver_key = error(
            "[[waiver]]\nrule = \"local-accounts\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2030-01-01\nowner = \"me\"\n",
        );
        assert!(
            unknown_waiver_key.contains("line 6") && unknown_waiver_key.contains("unknown field `owner`"),
            "{unknown_waiver_key}"
        );
        assert!(!error("fail_on = [").contains('\n'), "one line");
        let empty = error("fail_on = \"low\"\nnamespaces = [\"shop\", \"\"]\n");
        assert!(
            empty.starts_with(
                "aksguard.toml line 2 (`namespaces = [\"shop\", \"\"]`): `namespaces` holds an empty string"
            ),
            "{empty}"
        );
    }

    #[test]
    fn bad_input_is_quoted_short_escaped_and_redacted() {
        let long = error(&format!("fail_on = \"{}\"\n", "h".repeat(5_000_000)));
        assert!(long.len() < 600 && long.contains("line 1 (`fail_on = \"hhhh") && long.contains('…'), "{long}");
        let secret = error("password = \"CANARY-hunter2\"\n");
        assert!(secret.contains("unknown field `password`") && !secret.contains("CANARY"), "{secret}");
        let control = error("fail_on = \"\u{1b}]0;owned\u{7}\"\n");
        assert!(!control.contains('\u{1b}') && control.contains("\\u{1b}]0;owned"), "{control}");
        let rule = error(&format!("disabled_rules = [\"{}\"]", "r".repeat(100_000)));
        assert!(rule.len() < 600 && rule.contains("unknown rule id"), "{rule}");
    }

    fn snapshot_with(namespaces: &[&str]) -> Snapshot {
        let mut snapshot = Snapshot::empty("t", "not provided");
        let list = namespaces
            .iter()
            .map(|name| serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).unwrap())
            .collect();
        snapshot.kubernetes.namespaces = crate::snapshot::Part::Collected(list);
        snapshot
    }

    #[test]
    fn a_namespaces_filter_that_matches_nothing_is_announced() {
        let config = parse("namespaces = [\"shop\", \"shpo\"]\n").unwrap();
        assert_eq!(config.unmatched_namespaces(&snapshot_with(&["default", "shop"])), Some(vec!["shpo"]));
        assert_eq!(config.unmatched_namespaces(&snapshot_with(&["shop", "shpo"])), None);
        assert_eq!(config.unmatched_namespaces(&Snapshot::empty("t", "x")), None, "nothing to compare with");
        let mut report = crate::audit::run(&snapshot_with(&["default"]), &[], &Settings::default());
        config.announce_unmatched_namespaces(&snapshot_with(&["default"]), &mut report);
        let warning = report.unavailable.iter().find(|source| source.source == NAMESPACES_FILTER).unwrap();
        assert!(
            warning.reason.contains("names namespaces that the input does not hold (shop, shpo)"),
            "{}",
            warning.reason
        );
    }

    #[test]
    fn expiry_is_inclusive() {
        let config =
            parse("[[waiver]]\nrule = \"local-accounts\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2026-06-30\n")
                .unwrap();
        let waiver = config.waivers[0].get_ref();
        assert!(!waiver.is_expired(jiff::civil::date(2026, 6, 30)));
        assert!(waiver.is_expired(jiff::civil::date(2026, 7, 1)));
    }

    #[test]
    fn resource_patterns_match_trailing_parts() {
        assert!(resource_matches("*", "Namespace/shop"));
        assert!(resource_matches("shop", "Namespace/shop"));
        assert!(resource_matches("Namespace/sh?p", "Namespace/shop"));
        assert!(resource_matches("shop/*", "Deployment/shop/web"));
        assert!(resource_matches("web", "Deployment/shop/web"));
        assert!(!resource_matches("shop/*", "Deployment/shopping/web"));
        assert!(!resource_matches("Deployment/*", "Deployment/shop/web"), "* stays within one part");
        assert!(resource_matches("Deployment/**", "Deployment/shop/web"));
        assert!(resource_matches(
            "aks-*",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod"
        ));
        assert!(!resource_matches("legacy-*", "Namespace/shop"));
    }
}
