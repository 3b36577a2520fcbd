//! `fleet -o junit`: the JUnit XML `audit -o junit` writes for each cluster, its suites named
//! after the cluster (`aks-prod: high`) and its test classes under it, in one `<testsuites>`,
//! streamed out as each cluster is judged. (The outer element carries no totals: they are known
//! only at the end, and JUnit readers add the suites' own.)

use super::cluster::FleetCluster;
use crate::audit::Report;
use anyhow::{Context as _, Result};
use std::io::Write;

pub struct JunitStream {
    out: Box<dyn Write>,
}

impl JunitStream {
    pub fn start(mut out: Box<dyn Write>) -> Result<JunitStream> {
        out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"aksguard fleet\">\n")
            .context("cannot write the report")?;
        Ok(JunitStream { out })
    }

    pub fn cluster(&mut self, cluster: &FleetCluster, report: &Report) -> Result<()> {
        let style = crate::report::Style { show: crate::audit::Show::All, ..Default::default() };
        let xml = crate::report::render(report, crate::report::Format::Junit, &style);
        let name = escape(&cluster.name);
        let mut suites = String::new();
        // The lines between `<testsuites ...>` and `</testsuites>`: the cluster's suites.
        for line in
            xml.lines().filter(|l| !l.starts_with("<?xml") && !l.starts_with("<testsuites") && *l != "</testsuites>")
        {
            let line = line.replacen("<testsuite name=\"", &format!("<testsuite name=\"{name}: "), 1).replacen(
                "classname=\"aksguard.",
                &format!("classname=\"aksguard.{name}."),
                1,
            );
            suites.push_str(&line);
            suites.push('\n');
        }
        self.out.write_all(suites.as_bytes()).context("cannot write the report")
    }

    pub fn finish(mut self) -> Result<()> {
        self.out.write_all(b"</testsuites>\n").and_then(|()| self.out.flush()).context("cannot write the report")
    }
}

/// XML attribute text: markup escaped, control characters dropped.
fn escape(text: &str) -> String {
    super::render::clean(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
