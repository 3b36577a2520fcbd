//! `--format json`: the report as JSON. The schema (documented in the README) is stable within a
//! `schema_version`: fields are only ever added.

use crate::audit::{Report, Show};
use crate::finding::Finding;
use serde::Serialize;
use std::io::{self, Write};

/// A finding with the Azure Policy definitions its rule answers (`azure_policy`, ids), so it can be
/// traced to the policy a user has assigned.
#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    azure_policy: &'static [&'static str],
}

pub fn render(report: &Report, show: Show) -> String {
    let mut bytes = Vec::new();
    write(report, show, &mut bytes).expect("a report always serialises");
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// Writes the report as [`render`] does, straight to `out`: the report of a 100,000-pod cluster
/// is about 150 MB, which is then never in memory as one string. The findings, nearly all of it,
/// are serialised on every core, a batch at a time, and written in order.
///
/// The text is byte for byte what `serde_json::to_writer_pretty` writes for the whole report
/// (tested): each field's value and each finding is serialised on its own, indented as deep as
/// it is in the report.
pub fn write(report: &Report, show: Show, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"{")?;
    field(out, FIRST, "schema_version", &report.schema_version)?;
    field(out, NEXT, "tool", &report.tool)?;
    field(out, NEXT, "target", &report.target)?;
    // Which findings are listed (`failed` or `all`); the summary counts all of them.
    field(out, NEXT, "shown", &show)?;
    field(out, NEXT, "summary", &report.summary)?;
    field(out, NEXT, "unavailable", &report.unavailable)?;
    key(out, NEXT, "findings")?;
    write_findings(report.findings.iter().filter(|f| show.keeps(f)), out)?;
    // The config file's waivers and their state (`active`, `expired`, `stale`, `rule-not-run`).
    field(out, NEXT, "waivers", &report.waivers)?;
    out.write_all(b"\n}\n")
}

/// What comes before a top-level field's name: the first, and the others.
const FIRST: &[u8] = b"\n  ";
const NEXT: &[u8] = b",\n  ";

fn key(out: &mut dyn Write, separator: &[u8], name: &str) -> io::Result<()> {
    out.write_all(separator)?;
    serde_json::to_writer(&mut *out, name)?;
    out.write_all(b": ")
}

fn field(out: &mut dyn Write, separator: &[u8], name: &str, value: &impl Serialize) -> io::Result<()> {
    key(out, separator, name)?;
    pretty_at(FIELD_LEVEL, value, out)
}

/// How deep a top-level field's value is, and a finding.
const FIELD_LEVEL: usize = 1;
const FINDING_LEVEL: usize = 2;

/// `value` as pretty JSON that starts `level` levels deep (its first line is not indented).
fn pretty_at(level: usize, value: &impl Serialize, out: impl Write) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, Pretty { level, has_value: false });
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// serde_json's `PrettyFormatter` (two spaces a level), which always starts at level 0: this one
/// starts where it is told, so a value can be serialised on its own at its depth in the report.
struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    fn open(&mut self, out: &mut (impl Write + ?Sized), bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close(&mut self, out: &mut (impl Write + ?Sized), bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(out)?;
        }
        out.write_all(bracket)
    }

    fn next(&mut self, out: &mut (impl Write + ?Sized), first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.newline(out)
    }

    fn newline(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        out.write_all(b"\n")?;
        for _ in 0..self.level {
            out.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.next(out, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.next(out, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Findings serialised per batch: enough to keep the threads busy, little enough that the
/// batches in flight stay a few megabytes.
const BATCH: usize = 2048;

/// The findings array, as pretty JSON two levels deep.
fn write_findings<'a>(findings: impl Iterator<Item = &'a Finding>, out: &mut dyn Write) -> io::Result<()> {
    let threads = crate::threads::available();
    let mut findings = findings.peekable();
    if findings.peek().is_none() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    let mut first = true;
    loop {
        let round: Vec<Vec<&Finding>> =
            (0..threads).map(|_| findings.by_ref().take(BATCH).collect()).filter(|b: &Vec<_>| !b.is_empty()).collect();
        if round.is_empty() {
            break;
        }
        for text in serialise_round(&round)? {
            if std::mem::take(&mut first) {
                out.write_all(&text[1..])?;
            } else {
                out.write_all(&text)?;
            }
        }
    }
    out.write_all(b"\n  ]")
}

/// Each batch of the round on a thread of its own (the first on this one): `,\n    ` and the
/// finding, for each finding.
fn serialise_round(round: &[Vec<&Finding>]) -> io::Result<Vec<Vec<u8>>> {
    let (first, rest) = round.split_first().expect("a round has a batch");
    std::thread::scope(|scope| {
        let others: Vec<_> = rest.iter().map(|batch| scope.spawn(|| serialise_batch(batch))).collect();
        let mut texts = vec![serialise_batch(first)?];
        for other in others {
            texts.push(other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?);
        }
        Ok(texts)
    })
}

fn serialise_batch(batch: &[&Finding]) -> io::Result<Vec<u8>> {
    // Findings come grouped by rule: each rule's definitions are looked up once per run of it.
    let mut last: (&str, &'static [&'static str]) = ("", &[]);
    let mut text = Vec::with_capacity(batch.len() * 1024);
    for finding in batch {
        if last.0 != finding.rule {
            last = (&finding.rule, crate::rules::azure_policy_map::definitions_of(&finding.rule));
        }
        text.extend_from_slice(b",\n    ");
        pretty_at(FINDING_LEVEL, &JsonFinding { finding, azure_policy: last.1 }, &mut text)?;
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Summary, Target, Tool};
    use crate::config::WaiverOutcome;
    use crate::snapshot::UnavailableSource;

    /// The report as one serde value: what [`write`] must write byte for byte.
    #[derive(Serialize)]
    struct JsonReport<'a> {
        schema_version: u32,
        tool: &'a Tool,
        target: &'a Target,
        /// Which findings are listed (`failed` or `all`); the summary always counts all of them.
        shown: Show,
        summary: &'a Summary,
        unavailable: &'a [UnavailableSource],
        findings: Findings<'a>,
        /// The config file's waivers and their state (`active`, `expired`, `stale`, `rule-not-run`).
        waivers: &'a [WaiverOutcome],
    }

    struct Findings<'a> {
        all: &'a [Finding],
        show: Show,
    }

    impl Serialize for Findings<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.all.iter().filter(|f| self.show.keeps(f)).map(|finding| JsonFinding {
                finding,
                azure_policy: crate::rules::azure_policy_map::definitions_of(&finding.rule),
            }))
        }
    }

    fn pretty(report: &Report, show: Show) -> String {
        let json = JsonReport {
            schema_version: report.schema_version,
            tool: &report.tool,
            target: &report.target,
            shown: show,
            summary: &report.summary,
            unavailable: &report.unavailable,
            findings: Findings { all: &report.findings, show },
            waivers: &report.waivers,
        };
        serde_json::to_string_pretty(&json).unwrap() + "\n"
    }

    /// Every demo, shown whole and failed only, with no findings, and with more findings than
    /// one round of batches holds: the text is serde_json's for the whole report.
    #[test]
    fn the_report_written_in_batches_is_serde_jsons_pretty_text() {
        let settings = crate::rules::Settings::default();
        for name in crate::collect::demo::names() {
            let snapshot = crate::collect::demo::load(name).unwrap();
            let mut report = crate::audit::run(&snapshot, crate::rules::ALL, &settings);
            for show in [Show::All, Show::Failed] {
                assert_eq!(render(&report, show), pretty(&report, show), "{name}");
            }
            let many = report.findings.iter().cycle().take(BATCH * crate::threads::MOST * 2 + 7).cloned().collect();
            report.findings = many;
            assert_eq!(render(&report, Show::All), pretty(&report, Show::All), "{name}, many");
            report.findings.clear();
            assert_eq!(render(&report, Show::All), pretty(&report, Show::All), "{name}, none");
        }
    }

    #[test]
    fn a_value_serialised_deeper_is_indented_as_serde_json_indents_it_there() {
        let value = serde_json::json!({"a": [1, {"b": []}, {}], "c": {"d": "e\nf"}});
        let mut deep = Vec::new();
        pretty_at(1, &value, &mut deep).unwrap();
        let whole = serde_json::to_string_pretty(&serde_json::json!({"x": value})).unwrap();
        assert_eq!(format!("{{\n  \"x\": {}\n}}", String::from_utf8(deep).unwrap()), whole);
    }
}
