//! `aksguard doctor --fleet`: the fleet's own requests, each line ✓ or ✗ with the reason — the
//! credential, the Resource Graph query (how many clusters it sees, at which api-version), and the
//! per-cluster ARM reads on a sample cluster (the first by id), and that cluster's Kubernetes side
//! as the fleet reaches it: `listClusterUserCredential`, the Entra ID token, the API server.

use super::args::{ReadArgs, SelectArgs};
use super::live;
use crate::cli::LiveArgs;
use crate::snapshot::source;

/// The checklist, and whether everything was readable.
pub async fn check(args: &LiveArgs) -> (String, bool) {
    let select = SelectArgs { subscriptions: args.subscription.iter().cloned().collect(), ..SelectArgs::default() };
    let read = ReadArgs {
        skip_kubernetes: false,
        kubeconfig_contexts: false,
        kubeconfig: None,
        cluster_deadline: args.timeout,
        resource_graph_only: false,
        parallel: 1,
        auth: args.auth,
        cloud: args.cloud,
        arm_endpoint: args.arm_endpoint.clone(),
        timeout: args.timeout,
        verbose: args.verbose,
    };
    let mut lines = Vec::new();
    let clients = match live::connect(&select, &read).await {
        Ok(clients) => {
            lines.push("✓ Azure: a token for ARM and Resource Graph".to_string());
            clients
        }
        Err(err) => return finish(vec![format!("✗ Azure: {err:#}")]),
    };
    let fleet = match live::read(&clients.graph, &select).await {
        Ok(fleet) => fleet,
        Err(err) => {
            lines.push(format!("✗ Resource Graph: {err:#}"));
            return finish(lines);
        }
    };
    lines.push(format!(
        "✓ Resource Graph: {} clusters visible in {} request{} (api-version {})",
        fleet.clusters.len(),
        fleet.outcome.requests,
        if fleet.outcome.requests == 1 { "" } else { "s" },
        fleet.outcome.api_version
    ));
    lines.extend(fleet.warnings.iter().map(|w| format!("✗ Resource Graph: {}", super::render::clean(w))));
    let Some(sample) = fleet.clusters.first() else {
        lines.push("– per-cluster reads: not checked, no cluster is visible".to_string());
        return finish(lines);
    };
    let defender_seen = live::defender_plans(&clients, std::slice::from_ref(sample)).await;
    lines.push(match &defender_seen {
        Some(seen) if !seen.is_empty() => {
            "✓ Resource Graph, Defender plans: the sample's subscription's Containers plan".to_string()
        }
        Some(_) => "– Resource Graph, Defender plans: none for the sample's subscription; its plan and Defender rows are read from ARM".to_string(),
        None => "– Resource Graph, Defender plans: the query failed; the plans and Defender rows are read from ARM".to_string(),
    });
    let rows = super::joined::read(&clients.graph, std::slice::from_ref(sample), defender_seen, true).await;
    lines.extend(rows.outcomes.iter().map(query_line));
    let given = rows.given(sample);
    let from_graph = given.sources();
    lines.push(format!("  per-cluster reads on {} (resource group {}):", sample.name, sample.resource_group));
    match live::snapshot(clients.arm_reads(), sample, given).await {
        Ok(snapshot) => {
            for (name, reason) in snapshot.sources().into_iter().filter(|(s, _)| s.starts_with("arm/")) {
                let origin = match name == source::MANAGED_CLUSTER || from_graph.contains(&name) {
                    true => " (from Resource Graph)",
                    false => "",
                };
                let line = match reason {
                    None => format!("✓ {name}{origin}"),
                    Some(why) => format!("✗ {name}{origin}: {why}"),
                };
                lines.push(format!("  {line}"));
            }
        }
        Err(err) => lines.push(format!("  ✗ {err:#}")),
    }
    if let Some(super::kubernetes::KubernetesSide { access: super::kubernetes::Access::Own(own), .. }) =
        &clients.kubernetes
    {
        lines.push(format!("  the Kubernetes side of {}, with the fleet's own credentials:", sample.name));
        let checked = super::kubernetes::check(own, &clients.arm, sample, read.timeout).await;
        lines.extend(checked.into_iter().map(|line| format!("  {line}")));
    }
    finish(lines)
}

/// One Defender or Policy query's outcome: its rows, or why its source is read from ARM (not a
/// failure: the fleet still reads it, more slowly).
fn query_line(query: &super::joined::QueryOutcome) -> String {
    match &query.outcome {
        Ok(outcome) => format!(
            "✓ Resource Graph, {}: {} row{} in {} request{}",
            query.table,
            outcome.rows,
            if outcome.rows == 1 { "" } else { "s" },
            outcome.requests,
            if outcome.requests == 1 { "" } else { "s" }
        ),
        // The reason names Resource Graph and the table already.
        Err(why) => format!(
            "– {}; {} read from ARM instead",
            super::render::clean(why),
            super::joined::read_instead(query.table)
        ),
    }
}

fn finish(mut lines: Vec<String>) -> (String, bool) {
    let all = !lines.iter().any(|line| line.trim_start().starts_with('✗'));
    lines.push(String::new());
    lines.push(match all {
        true => "Everything `aksguard fleet` reads is readable (checked on the sample cluster).".to_string(),
        false => "Fix the ✗ lines: a fleet audit reports what they need as unknown.".to_string(),
    });
    (lines.join("\n") + "\n", all)
}
