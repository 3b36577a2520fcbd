//! CI formats end to end, from the same findings: SARIF validated against the vendored SARIF
//! 2.1.0 schema, JUnit parsed as XML, Markdown, and HTML rendered in headless Chromium.

use quick_xml::events::Event;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn aksguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aksguard"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn render(args: &[&str], format: &str) -> String {
    let mut all = args.to_vec();
    all.extend(["--format", format]);
    let output = aksguard(&all);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(path).display().to_string()
}

/// Kubernetes data only: every ARM rule is unknown, so each format must show unknowns.
fn kubectl_only() -> Vec<String> {
    vec!["audit".into(), "--from-kubectl".into(), fixture("inputs/contoso-insecure/kubectl-get.json")]
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// How many rules aksguard has (each runs on the demos).
fn rule_count() -> usize {
    let rules: Value = serde_json::from_str(&render(&["rules"], "json")).unwrap();
    rules.as_array().unwrap().len()
}

/// The JSON report's summary.
fn json_summary(args: &[&str]) -> Value {
    let report: Value = serde_json::from_str(&render(args, "json")).unwrap();
    report["summary"].clone()
}

/// A failure the cluster's owners must act on (not about an AKS-managed component).
fn needs_action(finding: &Value) -> bool {
    finding["status"] == "fail" && finding.get("platform_managed").is_none()
}

fn json_findings(args: &[&str]) -> Vec<Value> {
    let mut all = args.to_vec();
    all.extend(["--show", "all"]);
    let report: Value = serde_json::from_str(&render(&all, "json")).unwrap();
    report["findings"].as_array().unwrap().clone()
}

// ---------------------------------------------------------------- SARIF

// The vendored SARIF 2.1.0 schema and its validator, shared with the fleet's SARIF test.
#[path = "support/sarif_schema.rs"]
mod sarif_schema;
use sarif_schema::{assert_valid_sarif, sarif_validator};

#[test]
fn sarif_validates_and_carries_what_github_code_scanning_needs() {
    let validator = sarif_validator();
    let insecure: Value = serde_json::from_str(&render(&["audit", "--demo", "insecure"], "sarif")).unwrap();
    assert_valid_sarif(&validator, &insecure);
    assert_eq!(insecure["version"], "2.1.0");
    let run = &insecure["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), rule_count(), "one reportingDescriptor per rule that ran");
    for rule in rules {
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{rule}");
        // The descriptor links the rule's own page, and that page is a documentation link.
        let declared = aksguard::rules::find(rule["id"].as_str().unwrap()).unwrap().help_uri;
        assert_eq!(rule["helpUri"], declared, "{rule}");
        assert_eq!(aksguard::rules::meta::help_uri_problem(declared), None);
        assert!(!rule["shortDescription"]["text"].as_str().unwrap().is_empty());
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        let score: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
        assert!(score > 0.0 && score <= 10.0);
    }
    let results = run["results"].as_array().unwrap();
    let open = json_findings(&["audit", "--demo", "insecure"])
        .iter()
        .filter(|f| f["status"] == "fail" || f["status"] == "unknown")
        .count();
    assert_eq!(results.len(), open, "one result per failing or unknown finding");
    let local = results.iter().find(|r| r["ruleId"] == "local-accounts").unwrap();
    assert_eq!(local["level"], "error", "high → error");
    let maintenance = results.iter().find(|r| r["ruleId"] == "maintenance-window").unwrap();
    assert_eq!(maintenance["level"], "note", "low → note");
    let location = &local["locations"][0];
    assert_eq!(location["logicalLocations"][0]["name"], "aks-contoso-prod");
    assert!(
        location["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("managedClusters/aks-contoso-prod")
    );
    let rule_index = local["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[rule_index]["id"], "local-accounts");

    // The validation has teeth: a level SARIF does not define is refused.
    let mut broken = insecure.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_fingerprints_are_stable_and_unique() {
    let fingerprints = |args: &[&str]| -> BTreeMap<String, String> {
        let sarif: Value = serde_json::from_str(&render(args, "sarif")).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let id = r["partialFingerprints"]["aksguardFindingId/v1"].as_str().unwrap().to_string();
                (id, r["partialFingerprints"]["primaryLocationLineHash"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let first = fingerprints(&["audit", "--demo", "insecure"]);
    assert_eq!(first, fingerprints(&["audit", "--demo", "insecure"]), "same run, same fingerprints");
    let hashes: std::collections::BTreeSet<&String> = first.values().collect();
    assert_eq!(hashes.len(), first.len(), "no two findings share a fingerprint");
    // The same finding keeps its fingerprint when the cluster is fixed: passes carry it too.
    let all = fingerprints(&["audit", "--demo", "hardened", "--show", "all"]);
    let key = first.keys().find(|id| id.starts_with("local-accounts|")).unwrap();
    assert_eq!(all.get(key), first.get(key));
}

#[test]
fn sarif_reports_unknown_results_as_notes_and_unreadable_sources() {
    let validator = sarif_validator();
    let sarif: Value = serde_json::from_str(&render(&strs(&kubectl_only()), "sarif")).unwrap();
    assert_valid_sarif(&validator, &sarif);
    let run = &sarif["runs"][0];
    let unknown: Vec<&Value> =
        run["results"].as_array().unwrap().iter().filter(|r| r["properties"]["status"] == "unknown").collect();
    let expected = json_findings(&strs(&kubectl_only())).iter().filter(|f| f["status"] == "unknown").count();
    assert!(expected > 0);
    assert_eq!(unknown.len(), expected, "no unknown result is dropped");
    for result in unknown {
        assert_eq!(result["level"], "note");
        assert!(result["message"]["text"].as_str().unwrap().starts_with("Not evaluated: "), "{result}");
    }
    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["message"]["text"].as_str().unwrap().contains("arm/managedCluster could not be read"))
    );
}

/// A verdict inferred from pods says so in SARIF: its precision is not the rule's `very-high`.
#[test]
fn sarif_results_carry_the_confidence_of_their_evidence() {
    let sarif: Value = serde_json::from_str(&render(&strs(&kubectl_only()), "sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let findings = json_findings(&strs(&kubectl_only()));
    let inferred: Vec<&Value> = findings.iter().filter(|f| f["confidence"] == "medium").collect();
    assert!(!inferred.is_empty(), "the Kubernetes-only demo infers add-ons from their pods");
    for finding in &inferred {
        assert!(finding["evidence"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().starts_with("inferred")));
    }
    let medium: Vec<&Value> = results.iter().filter(|r| r["properties"]["precision"] == "medium").collect();
    assert_eq!(medium.len(), inferred.iter().filter(|f| f["status"] == "fail" || f["status"] == "unknown").count());
    assert!(medium.iter().all(|r| r["properties"]["confidence"] == "medium"));
    let direct = results.iter().find(|r| r["properties"]["confidence"] == "high").expect("some verdicts are direct");
    assert_eq!(direct["properties"]["precision"], "very-high");
}

#[test]
fn sarif_with_show_all_validates_with_pass_kinds() {
    let validator = sarif_validator();
    let sarif: Value =
        serde_json::from_str(&render(&["audit", "--demo", "hardened", "--show", "all"], "sarif")).unwrap();
    assert_valid_sarif(&validator, &sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let (platform, own): (Vec<&Value>, Vec<&Value>) =
        results.iter().partition(|r| r["properties"]["platform-managed"] == true);
    assert!(!own.is_empty() && !platform.is_empty(), "the hardened demo has both: the checks below are not vacuous");
    assert!(
        own.iter().all(|r| (r["kind"] == "pass" || r["kind"] == "notApplicable") && r["level"] == "none"),
        "passes are not alerts"
    );
    assert!(platform.iter().all(|r| r["level"] == "note"), "AKS's own components are notes, not alerts");
}

// ---------------------------------------------------------------- JUnit

#[derive(Debug, Default)]
struct Suite {
    attributes: BTreeMap<String, String>,
    cases: Vec<Case>,
}

#[derive(Debug, Default)]
struct Case {
    name: String,
    /// `failure` or `skipped`, with its message attribute and text.
    outcome: Option<(String, String, String)>,
}

fn attributes(element: &quick_xml::events::BytesStart) -> BTreeMap<String, String> {
    element
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            (
                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap().into_owned(),
            )
        })
        .collect()
}

/// Parses JUnit XML strictly: any malformed XML fails the test.
fn parse_junit(xml: &str) -> (BTreeMap<String, String>, Vec<Suite>) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut root, mut suites, mut text) = (BTreeMap::new(), Vec::<Suite>::new(), String::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let attrs = attributes(&e);
                match e.name().as_ref() {
                    b"testsuites" => root = attrs,
                    b"testsuite" => suites.push(Suite { attributes: attrs, cases: Vec::new() }),
                    b"testcase" => {
                        suites.last_mut().unwrap().cases.push(Case { name: attrs["name"].clone(), outcome: None })
                    }
                    kind @ (b"failure" | b"skipped") => {
                        let kind = String::from_utf8(kind.to_vec()).unwrap();
                        let case = suites.last_mut().unwrap().cases.last_mut().unwrap();
                        case.outcome = Some((kind, attrs.get("message").cloned().unwrap_or_default(), String::new()));
                        text.clear();
                    }
                    other => panic!("unexpected element {}", String::from_utf8_lossy(other)),
                }
            }
            Event::Text(t) => text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                text.push_str(&quick_xml::escape::unescape(&format!("&{};", r.decode().unwrap())).unwrap())
            }
            Event::End(e) if e.name().as_ref() == b"failure" => {
                let case = suites.last_mut().unwrap().cases.last_mut().unwrap();
                case.outcome.as_mut().unwrap().2 = text.clone();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (root, suites)
}

#[test]
fn junit_has_a_suite_per_rule_and_a_case_per_finding() {
    let (root, suites) = parse_junit(&render(&["audit", "--demo", "insecure"], "junit"));
    assert_eq!(suites.len(), rule_count(), "one suite per rule");
    let findings = json_findings(&["audit", "--demo", "insecure"]);
    let cases: usize = suites.iter().map(|s| s.cases.len()).sum();
    assert_eq!(cases, findings.len());
    assert_eq!(root["tests"], cases.to_string());
    assert_eq!(root["failures"], findings.iter().filter(|f| needs_action(f)).count().to_string());
    let local = suites.iter().find(|s| s.attributes["name"] == "local-accounts").unwrap();
    assert_eq!(local.attributes["failures"], "1");
    let (kind, message, body) = local.cases[0].outcome.clone().unwrap();
    assert_eq!(kind, "failure");
    assert!(message.contains("local accounts are enabled"));
    assert!(body.contains("Evidence:\n- properties.disableLocalAccounts = false (ARM)"), "{body}");
    assert!(body.contains("Remediation:\naz aks update -g rg-contoso-containers -n aks-contoso-prod"), "{body}");
    let namespaces = suites.iter().find(|s| s.attributes["name"] == "pod-security-labels").unwrap();
    assert!(namespaces.cases.iter().any(|c| c.name == "Namespace/contoso-web"), "cases name the resource");
}

#[test]
fn junit_skips_unknown_findings_with_the_reason_and_lists_passes() {
    let (_, suites) = parse_junit(&render(&strs(&kubectl_only()), "junit"));
    let local = suites.iter().find(|s| s.attributes["name"] == "local-accounts").unwrap();
    let (kind, message, _) = local.cases[0].outcome.clone().unwrap();
    assert_eq!(kind, "skipped");
    assert!(message.starts_with("not evaluated: ") && message.contains("arm/managedCluster"), "{message}");
    assert_eq!(local.attributes["skipped"], "1");

    let (root, suites) = parse_junit(&render(&["audit", "--demo", "hardened"], "junit"));
    assert_eq!(root["failures"], "0");
    let skipped_for_a_reason = |c: &&Case| {
        c.outcome.as_ref().is_some_and(|(kind, message, _)| {
            kind == "skipped" && (message.starts_with("platform-managed") || message.starts_with("not applicable"))
        })
    };
    let cases: Vec<&Case> = suites.iter().flat_map(|s| &s.cases).collect();
    assert!(cases.iter().any(|c| c.outcome.is_none()), "some cases pass: the check below is not vacuous");
    assert!(
        cases.iter().all(|c| c.outcome.is_none() || skipped_for_a_reason(c)),
        "every case passes, but for AKS's own components and what does not apply, which are skipped"
    );
}

// ---------------------------------------------------------------- Markdown

#[test]
fn markdown_summarises_by_severity_then_failing_findings_with_their_fix() {
    let markdown = render(&["audit", "--demo", "insecure"], "markdown");
    assert!(markdown.starts_with("## aksguard: cluster aks-contoso-prod\n"), "{markdown}");
    assert!(markdown.contains("| Severity | Failing | Unknown |"));
    let summary = json_summary(&["audit", "--demo", "insecure"]);
    let (high, unknown) = (&summary["failing_by_severity"]["high"], &summary["unknown_by_severity"]["high"]);
    assert!(markdown.contains(&format!("| high | {high} | {unknown} |")), "{markdown}");
    // The whole insecure demo is over a PR comment's 65,536 characters, so it folds to per-rule
    // counts (tests/output.rs checks the folding); the fix blocks are shown for a report that fits.
    let fitting = render(&["audit", "--demo", "insecure", "--rules", "local-accounts,api-server-access"], "markdown");
    let failing = fitting.find("### Failing findings").expect("failing section");
    let local = fitting.find("`local-accounts`").unwrap();
    assert!(failing < local);
    assert!(fitting.contains(
        "```sh\naz aks update -g rg-contoso-containers -n aks-contoso-prod --enable-aad --disable-local-accounts\n```"
    ), "{fitting}");

    let hardened = render(&["audit", "--demo", "hardened"], "markdown");
    assert!(!hardened.contains("### Failing findings"));
    let rest = json_findings(&["audit", "--demo", "hardened"])
        .iter()
        .filter(|f| f["platform_managed"] != true && f["status"] != "fail" && f["status"] != "unknown")
        .count();
    assert!(
        hardened.contains(&format!("<details><summary>{rest} passing, waived and not-applicable findings</summary>")),
        "{hardened}"
    );

    let unknown = render(&strs(&kubectl_only()), "markdown");
    assert!(unknown.contains("### Could not be evaluated") && unknown.contains("- **unknown** `local-accounts`"));
    assert!(unknown.contains("- not read: `arm/managedCluster`"));
}

// ---------------------------------------------------------------- HTML in a browser

/// Debian's Chromium, installed by `.ci/run`.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The DOM Chromium builds from the page, or `None` when Chromium is not installed.
fn browser_dom(page: &Path) -> Option<String> {
    browser_dom_at(page, "1280,900")
}

/// The same, in a window of `window` ("WIDTH,HEIGHT") pixels.
fn browser_dom_at(page: &Path, window: &str) -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("SKIPPED html_renders_in_a_browser: {CHROMIUM} is not installed (apt-get install chromium)");
        return None;
    }
    let profile = tempfile::tempdir().unwrap();
    // The DOM goes to a file: a pipe that nobody reads until the end would fill (64 KiB) and
    // leave Chromium blocked on writing it.
    let dom = profile.path().join("dom.html");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--window-size={window}"),
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .stdout(std::fs::File::create(&dom).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            child.kill().unwrap();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(std::fs::read_to_string(&dom).unwrap())
}

fn html_page(dir: &tempfile::TempDir, name: &str, args: &[String]) -> PathBuf {
    let path = dir.path().join(name);
    let mut all = args.to_vec();
    all.extend(["--format".into(), "html".into(), "--output-file".into(), path.display().to_string()]);
    let output = aksguard(&strs(&all));
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    path
}

#[test]
fn html_renders_in_a_browser_with_its_sections() {
    let dir = tempfile::tempdir().unwrap();
    let insecure = html_page(&dir, "insecure.html", &["audit".into(), "--demo".into(), "insecure".into()]);
    let partial = html_page(&dir, "partial.html", &kubectl_only());
    let page = std::fs::read_to_string(&insecure).unwrap();
    assert!(!page.contains("<script") && !page.contains(" src="), "self-contained");
    for link in page.split("href=\"").skip(1) {
        assert!(link.starts_with('#') || link.starts_with("https://"), "only anchors and documentation links: {link}");
    }

    let Some(dom) = browser_dom(&insecure) else { return };
    for section in
        ["id=\"overview\"", "id=\"severity-chart\"", "id=\"findings\"", "id=\"not-evaluated\"", "id=\"passing\""]
    {
        assert!(dom.contains(section), "the rendered page lacks {section}");
    }
    assert!(dom.contains("<h1>AKS security posture: aks-contoso-prod</h1>"));
    for area in ["Access control", "Network", "Threat protection", "Upgrades and patching", "Workload security"] {
        assert!(dom.contains(&format!("<h3>{area} (")), "findings grouped by area: {area}");
    }
    // Bars are proportional to the most failing severity: it is the full 380 px.
    let summary = json_summary(&["audit", "--demo", "insecure"]);
    let failing = |severity: &str| summary["failing_by_severity"][severity].as_u64().unwrap() as f64;
    let widest = ["critical", "high", "medium", "low", "info"].map(failing).into_iter().fold(0.0, f64::max);
    for (severity, y) in [("high", 35), ("medium", 65)] {
        let width = 380.0 * failing(severity) / widest;
        let bar = format!("class=\"failing\" x=\"90\" y=\"{y}\" width=\"{width:.1}\"");
        assert!(dom.contains(&bar), "{severity}: {bar} in {dom}");
    }
    let text = dom.replace("<span class=\"w\">", "").replace("</span>", "");
    assert!(text.contains("--enable-aad --disable-local-accounts"), "remediation shown");

    let dom = browser_dom(&partial).unwrap();
    let not_evaluated = &dom[dom.find("id=\"not-evaluated\"").unwrap()..];
    assert!(
        not_evaluated.contains("local-accounts") && not_evaluated.contains("arm/managedCluster"),
        "why it was not evaluated"
    );
}

/// Appended to the copy: results land as attributes on <body>, which `--dump-dom` prints.
const MEASURE: &str = r##"<script>
var b = document.body;
b.setAttribute("data-height", document.documentElement.scrollHeight);
var missing = [];
document.querySelectorAll('a[href^="#"]').forEach(function (a) {
  if (!document.getElementById(a.getAttribute("href").slice(1))) missing.push(a.getAttribute("href"));
});
b.setAttribute("data-missing", missing.join(" ") || "none");
function closedAround(node) {
  for (var d = node.closest("details"); d; d = d.parentElement.closest("details")) if (!d.open) return true;
  return false;
}
var opened = 0, shut = [];
document.querySelectorAll('a[href^="#"]').forEach(function (a) {
  var id = a.getAttribute("href").slice(1), target = document.getElementById(id);
  if (!target) return;
  if (closedAround(target)) opened++;
  location.hash = "#" + id;
  if (closedAround(target)) shut.push(id);
});
b.setAttribute("data-opened", opened);
b.setAttribute("data-shut", shut.join(" ") || "none");
document.querySelectorAll("details").forEach(function (d) { d.open = true; });
var wide = [];
document.querySelectorAll("pre").forEach(function (p) {
  if (p.scrollWidth > p.clientWidth + 1) wide.push(p.textContent.slice(0, 60));
});
b.setAttribute("data-overflow", wide.join(" | ") || "none");
b.setAttribute("data-links", document.querySelectorAll('nav#toc a').length);
</script></body>"##;

/// The page's DOM after a measuring script ran in it: a copy without the page's
/// Content-Security-Policy (which forbids scripts) and with [`MEASURE`] appended.
fn measured(page: &Path, window: &str) -> Option<String> {
    let html = std::fs::read_to_string(page).unwrap();
    let start = html.find("<meta http-equiv=\"Content-Security-Policy\"").expect("the page has a CSP");
    let end = start + html[start..].find('>').unwrap() + 1;
    let copy = page.with_extension("measure.html");
    std::fs::write(&copy, format!("{}{}", &html[..start], &html[end..]).replace("</body>", MEASURE)).unwrap();
    browser_dom_at(&copy, window)
}

fn attribute<'a>(dom: &'a str, name: &str) -> &'a str {
    let key = format!("{name}=\"");
    let at = dom.find(&key).unwrap_or_else(|| panic!("no {name} in the DOM: the script did not run")) + key.len();
    &dom[at..at + dom[at..].find('"').unwrap()]
}

#[test]
fn html_anchors_resolve_fixes_wrap_and_the_page_is_short() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("insecure.html");
    let output = Command::new(env!("CARGO_BIN_EXE_aksguard"))
        .args(["audit", "--demo", "insecure", "-o", "html", "--output-file", page.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("href=\"https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges\""),
        "rule docs"
    );
    assert!(html.contains("<section id=\"namespaces\">") && html.contains("<section id=\"platform\">"));

    for window in ["1280,900", "700,900"] {
        let Some(dom) = measured(&page, window) else { return };
        assert_eq!(attribute(&dom, "data-missing"), "none", "{window}: links without an anchor");
        assert_eq!(attribute(&dom, "data-overflow"), "none", "{window}: fix commands overflow their box");
        assert!(attribute(&dom, "data-links").parse::<usize>().unwrap() >= 10, "a table of contents");
        // The rules below high severity are folded; a link to one (from the per-namespace view)
        // opens it.
        assert!(attribute(&dom, "data-opened").parse::<usize>().unwrap() >= 10, "links into folded rules");
        assert_eq!(attribute(&dom, "data-shut"), "none", "{window}: followed links left their target folded");
        if window == "1280,900" {
            // The issue's target: a third of the 19,525 px that boxed cards with every evidence
            // line open made (6,040 px today, with 63 rules' worth of findings).
            let height: usize = attribute(&dom, "data-height").parse().unwrap();
            assert!(height <= 19_525 / 3, "the page is {height} px high");
        }
    }
}

#[test]
fn secrets_in_the_input_reach_no_ci_format() {
    let inputs = fixture("inputs/contoso-insecure");
    let raw = std::fs::read_to_string(format!("{inputs}/kubectl-get.json")).unwrap();
    assert!(raw.contains("CANARY-ENV-VALUE"), "the fixture carries the canaries");
    let args: Vec<String> = [
        "audit",
        "--from-az",
        &format!("{inputs}/aks-show.json"),
        &format!("{inputs}/security-pricing-containers.json"),
        "--from-kubectl",
        &format!("{inputs}/kubectl-get.json"),
        "--show",
        "all",
    ]
    .map(String::from)
    .to_vec();
    for format in ["sarif", "junit", "markdown", "html"] {
        let text = render(&strs(&args), format);
        for canary in ["CANARY", "Q0FOQVJZ", "DB_PASSWORD", "last-applied-configuration"] {
            assert!(!text.contains(canary), "--format {format} leaked {canary}");
        }
    }
}
