//! `--format junit`: JUnit XML for CI test tabs (GitHub, Azure DevOps, GitLab). One test suite per
//! rule, one test case per rule and resource. Failures carry the message, the evidence and the
//! fix; unknown findings are skipped with the reason, waived and not-applicable ones skipped with
//! theirs. A test report counts passes, so every finding is listed whatever `--show` says.
//! Waivers that need attention form one more suite, so they show up where people look.

use super::text::{escape_xml, short_resource};
use crate::audit::Report;
use crate::finding::{Finding, Status};
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut suites = String::new();
    let mut totals = Counts::default();
    for rule in &report.rules {
        let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.rule == *rule).collect();
        let cases: Vec<Case> = findings.iter().map(|f| case(f)).collect();
        totals.add(&write_suite(&mut suites, rule, &cases));
    }
    let waivers: Vec<Case> = report
        .waivers
        .iter()
        .filter(|waiver| waiver.needs_attention())
        .map(|waiver| Case {
            name: format!("{} on {}", waiver.rule, waiver.resource),
            outcome: Outcome::Failure { message: waiver.describe(), details: format!("reason: {}", waiver.reason) },
        })
        .collect();
    if !waivers.is_empty() {
        totals.add(&write_suite(&mut suites, "waivers", &waivers));
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    writeln!(
        out,
        "<testsuites name=\"aksguard\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" errors=\"0\">",
        totals.tests, totals.failures, totals.skipped
    )
    .unwrap();
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

struct Case {
    name: String,
    outcome: Outcome,
}

enum Outcome {
    Passed,
    Failure { message: String, details: String },
    Skipped { message: String },
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    skipped: usize,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.skipped += other.skipped;
    }
}

fn case(finding: &Finding) -> Case {
    let outcome = match finding.status {
        Status::Pass => Outcome::Passed,
        // AKS reconciles its own components: reported, but not a failure of the user's test run.
        Status::Fail if finding.platform_managed => {
            Outcome::Skipped { message: format!("platform-managed (AKS component): {}", finding.message) }
        }
        Status::Fail => Outcome::Failure { message: finding.message.clone(), details: details(finding) },
        Status::Unknown => Outcome::Skipped { message: format!("not evaluated: {}", finding.message) },
        Status::NotApplicable => Outcome::Skipped { message: format!("not applicable: {}", finding.message) },
        Status::Waived => Outcome::Skipped {
            message: finding
                .evidence
                .last()
                .map(ToString::to_string)
                .unwrap_or_else(|| "waived in the config file".to_string()),
        },
    };
    Case { name: short_resource(&finding.resource).to_string(), outcome }
}

/// The failure body: severity, message, evidence, then the fix.
fn details(finding: &Finding) -> String {
    let mut text = format!("severity: {}\n{}\n", finding.severity, finding.message);
    if !finding.evidence.is_empty() {
        text.push_str("\nEvidence:\n");
        for line in &finding.evidence {
            writeln!(text, "- {line}").unwrap();
        }
    }
    if let Some(fix) = &finding.remediation {
        write!(text, "\nRemediation:\n{fix}\n").unwrap();
    }
    text
}

fn write_suite(out: &mut String, name: &str, cases: &[Case]) -> Counts {
    let counts = Counts {
        tests: cases.len(),
        failures: cases.iter().filter(|c| matches!(c.outcome, Outcome::Failure { .. })).count(),
        skipped: cases.iter().filter(|c| matches!(c.outcome, Outcome::Skipped { .. })).count(),
    };
    writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" errors=\"0\">",
        escape_xml(name),
        counts.tests,
        counts.failures,
        counts.skipped
    )
    .unwrap();
    for case in cases {
        let open =
            format!("    <testcase classname=\"aksguard.{}\" name=\"{}\"", escape_xml(name), escape_xml(&case.name));
        match &case.outcome {
            Outcome::Passed => writeln!(out, "{open}/>").unwrap(),
            Outcome::Failure { message, details } => writeln!(
                out,
                "{open}>\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                escape_xml(message),
                escape_xml(details)
            )
            .unwrap(),
            Outcome::Skipped { message } => {
                writeln!(out, "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>", escape_xml(message)).unwrap()
            }
        }
    }
    out.push_str("  </testsuite>\n");
    counts
}
