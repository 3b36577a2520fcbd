//! `fleet -o sarif`: one SARIF 2.1.0 log with one run per cluster (each with its own
//! `automationDetails` id, as `audit -o sarif` writes it), the cluster in every result's
//! location, streamed out as each cluster is judged.

use super::cluster::FleetCluster;
use crate::audit::{Report, Show};
use anyhow::{Context as _, Result};
use serde_json::{Value, json};
use std::io::Write;

pub struct SarifStream {
    out: Box<dyn Write>,
    first: bool,
}

impl SarifStream {
    pub fn start(mut out: Box<dyn Write>) -> Result<SarifStream> {
        out.write_all(br#"{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":["#)
            .context("cannot write the report")?;
        Ok(SarifStream { out, first: true })
    }

    pub fn run(&mut self, cluster: &FleetCluster, report: &Report, show: Show) -> Result<()> {
        let run = run_of(cluster, report, show);
        let separator = if self.first { "\n" } else { ",\n" };
        self.first = false;
        self.out.write_all(separator.as_bytes()).context("cannot write the report")?;
        serde_json::to_writer(&mut self.out, &run).context("cannot write the report")
    }

    pub fn finish(mut self) -> Result<()> {
        self.out.write_all(b"\n]}\n").and_then(|()| self.out.flush()).context("cannot write the report")
    }
}

/// The cluster's run, as `audit -o sarif` renders it, with the cluster added to each location:
/// a Kubernetes object (`Deployment/ns/name`) is placed under the cluster's id, so the same
/// object name in two clusters is two locations.
fn run_of(cluster: &FleetCluster, report: &Report, show: Show) -> Value {
    let style = crate::report::Style { show, ..Default::default() };
    let text = crate::report::render(report, crate::report::Format::Sarif, &style);
    let mut log: Value = serde_json::from_str(&text).expect("the SARIF renderer writes JSON");
    let mut run = log["runs"][0].take();
    // Unique per cluster, where the cluster's name alone is not (one name in two resource groups).
    run["automationDetails"]["id"] = json!(format!("aksguard{}/", cluster.key()));
    let id = cluster.id.trim_start_matches('/').to_string();
    if let Some(results) = run["results"].as_array_mut() {
        for result in results {
            result["properties"]["cluster"] = json!(cluster.id);
            for location in result["locations"].as_array_mut().into_iter().flatten() {
                let uri = location["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap_or("").to_string();
                if !uri.to_ascii_lowercase().starts_with(&id.to_ascii_lowercase()) {
                    location["physicalLocation"]["artifactLocation"]["uri"] = json!(format!("{id}/{uri}"));
                }
                let cluster_location =
                    json!({"name": cluster.name, "fullyQualifiedName": cluster.id, "kind": "managedClusters"});
                if let Some(logical) = location["logicalLocations"].as_array_mut() {
                    if !logical.iter().any(|l| l["fullyQualifiedName"] == cluster_location["fullyQualifiedName"]) {
                        logical.push(cluster_location);
                    }
                }
            }
        }
    }
    run
}
