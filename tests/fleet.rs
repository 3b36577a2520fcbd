//! `aksguard fleet`, end to end: the real binary against the Resource Graph stand-in (HTTPS on
//! 127.0.0.1, real `$skipToken` paging, quota headers, 429s, lowercased ids) serving generated
//! estates, with the token from a fake `az` first on PATH and the environment cleared.

mod support;

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;
use support::apiserver::ApiServer;
use support::resource_graph::{Estate, ResourceGraph, Security, subscription};

const TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJ1cG4iOiJ0ZXN0ZXJAY29udG9zby5jb20ifQ.c2lnbmF0dXJlLWZsZWV0LTc3";

struct Setup {
    dir: tempfile::TempDir,
    server: ApiServer,
    graph: Arc<ResourceGraph>,
}

impl Setup {
    fn new(graph: ResourceGraph) -> Setup {
        let graph = Arc::new(graph);
        let served = graph.clone();
        let server = ApiServer::start(move |request| {
            served.serve(request).unwrap_or_else(|| support::azure::error(404, "NotFound", "no such path"))
        });
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), &server.ca_pem).unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        let token = json!({"accessToken": TOKEN, "expiresOn": "2030-01-01 00:00:00.000000", "expires_on": 1893456000,
                           "subscription": subscription(0), "tenant": "22222222-2222-2222-2222-222222222222", "tokenType": "Bearer"});
        let script = format!(
            "#!/bin/sh\ncase \"$1 $2\" in\n  'account get-access-token') echo '{token}' ;;\n  'account show') echo {} ;;\n  *) exit 2 ;;\nesac\n",
            subscription(0)
        );
        let az = dir.path().join("bin/az");
        std::fs::write(&az, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
        Setup { dir, server, graph }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aksguard"));
        command
            .env_clear()
            .env("HOME", self.dir.path())
            .env("PATH", format!("{}:/usr/bin:/bin", self.path("bin").display()))
            .env("SSL_CERT_FILE", self.path("ca.pem"))
            .current_dir(self.dir.path());
        command
    }

    /// `fleet ARGS --skip-kubernetes` against the stand-in.
    fn fleet(&self, args: &[&str]) -> Output {
        let mut command = self.command();
        command.arg("fleet").args(args).args(["--skip-kubernetes", "--arm-endpoint", &self.server.url]);
        command.output().expect("the binary runs")
    }

    /// The fleet JSON of a successful run.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["-o", "json"];
        all.extend(args);
        let output = self.fleet(&all);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{}", text(&output.stderr));
        assert!(!text(&output.stdout).contains("c2lnbmF0dXJl"), "the token leaked");
        serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("{err}: {}", text(&output.stdout)))
    }
}

/// The Contoso hardened cluster's Kubernetes objects, as the Kubernetes stand-in serves them.
fn contoso_list() -> Value {
    support::azure::contoso("kubectl-get.json")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The requests of the cluster query (the Defender and Policy queries come after it).
fn cluster_pages(setup: &Setup) -> Vec<support::resource_graph::Logged> {
    setup.graph.log().into_iter().filter(|l| l.body["query"] == support::resource_graph::QUERY).collect()
}

fn ids(report: &Value) -> Vec<String> {
    report["clusters"].as_array().unwrap().iter().map(|c| c["cluster"]["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn paging_over_2500_clusters_loses_none_and_duplicates_none() {
    let estate = Estate::generate(40, 2500);
    let expected = estate.ids();
    let mut graph = ResourceGraph::new(TOKEN, estate);
    graph.quota = 1000;
    let setup = Setup::new(graph);
    let report = setup.json(&["--resource-graph-only"]);
    assert_eq!(ids(&report), expected, "every cluster once, in id order");
    assert_eq!(report["summary"]["clusters"], 2500);
    let log = cluster_pages(&setup);
    assert_eq!(log.len(), 3, "2500 rows at 1000 a page");
    assert!(log[0].body["options"].get("$skipToken").is_none());
    assert!(log[1].body["options"]["$skipToken"].is_string());
    assert!(
        log.iter().all(|l| l.body["options"]["$top"] == 1000 && l.body["options"]["resultFormat"] == "objectArray")
    );
    assert!(log.iter().all(|l| l.body.get("subscriptions").is_none()), "tenant scope without --subscription");
}

#[test]
fn more_than_300_subscriptions_are_split_into_requests_of_300() {
    let estate = Estate::generate(650, 700);
    let expected = estate.ids();
    let mut graph = ResourceGraph::new(TOKEN, estate);
    graph.quota = 1000;
    let setup = Setup::new(graph);
    let subs: Vec<String> = (0..650).map(subscription).collect();
    let flag = subs.join(",");
    let report = setup.json(&["--resource-graph-only", "--subscription", &flag]);
    assert_eq!(ids(&report), expected);
    let sizes: Vec<usize> =
        cluster_pages(&setup).iter().map(|l| l.body["subscriptions"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [300, 300, 50]);
    assert!(cluster_pages(&setup).iter().all(|l| l.status == 200), "the stand-in refuses more than 300");
    let subscription_lists = setup.graph.log().into_iter().filter_map(|l| l.body["subscriptions"].as_array().cloned());
    assert!(subscription_lists.into_iter().all(|ids| ids.len() <= 300), "every query: at most 300 subscriptions");
}

#[test]
fn a_throttled_page_is_retried_after_the_reset_time() {
    let estate = Estate::generate(3, 2100);
    let mut graph = ResourceGraph::new(TOKEN, estate);
    // Two queries a window: the third page must wait for the reset, or it draws a 429.
    graph.quota = 2;
    graph.window = Duration::from_millis(1500);
    let setup = Setup::new(graph);
    let report = setup.json(&["--resource-graph-only"]);
    assert_eq!(report["summary"]["clusters"], 2100);
    let log = setup.graph.log();
    let cluster_log = cluster_pages(&setup);
    let pages: Vec<&support::resource_graph::Logged> = cluster_log.iter().filter(|l| l.status == 200).collect();
    assert_eq!(pages.len(), 3);
    // The window opened with the first page; the third must come after it reset.
    let gap = pages[2].at.duration_since(pages[0].at);
    assert!(gap >= Duration::from_millis(1450), "the third page came {gap:?} after the first");
    // Paced on x-ms-user-quota-remaining: the spent quota is waited out, not hit.
    assert!(log.iter().all(|l| l.status != 429), "{:?}", log.iter().map(|l| l.status).collect::<Vec<_>>());
}

#[test]
fn a_429_is_retried_after_retry_after() {
    let estate = Estate::generate(3, 1500);
    let mut graph = ResourceGraph::new(TOKEN, estate);
    graph.quota = 1;
    // A window long enough that a slow first page (a loaded CI machine) cannot outlast it.
    graph.window = Duration::from_secs(10);
    graph.hide_quota = true;
    let setup = Setup::new(graph);
    let report = setup.json(&["--resource-graph-only"]);
    assert_eq!(report["summary"]["clusters"], 1500);
    let log = setup.graph.log();
    let statuses: Vec<u16> = log.iter().map(|l| l.status).collect();
    let throttled = statuses.iter().position(|s| *s == 429).expect("a 429 without quota headers to pace on");
    let retry = &log[throttled + 1];
    assert_eq!(retry.status, 200, "{statuses:?}");
    let waited = retry.at.duration_since(log[throttled].at);
    assert!(waited >= Duration::from_millis(900), "retried after {waited:?}");
}

#[test]
fn a_cloud_without_2024_04_01_is_asked_with_2022_10_01() {
    let mut graph = ResourceGraph::new(TOKEN, Estate::generate(2, 1200));
    graph.api_versions = vec!["2022-10-01"];
    let setup = Setup::new(graph);
    assert_eq!(setup.json(&["--resource-graph-only"])["summary"]["clusters"], 1200);
    let versions: Vec<String> = setup.graph.log().iter().map(|l| l.api_version.clone()).collect();
    assert_eq!(versions[..3], ["2024-04-01", "2022-10-01", "2022-10-01"], "fall back once, then stay");
    assert!(versions[3..].iter().all(|v| v == "2022-10-01"), "{versions:?}");
}

#[test]
fn a_truncated_answer_is_said_not_hidden() {
    let mut graph = ResourceGraph::new(TOKEN, Estate::generate(2, 1500));
    graph.truncate = true;
    let setup = Setup::new(graph);
    let output = setup.fleet(&["-o", "json", "--resource-graph-only"]);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("truncated its answer (resultTruncated) after 1000 of 1500 clusters"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["summary"]["warnings"][0].as_str().unwrap().contains("the fleet is incomplete"));
    // The Defender and Policy answers are truncated too: not used, and with no ARM to fall back
    // on (--resource-graph-only), those parts say why.
    assert!(stderr.contains("Resource Graph's answer from policyresources is not complete (truncated"), "{stderr}");
    let parts = report["clusters"][0]["report"]["unavailable"].as_array().unwrap();
    let states = parts.iter().find(|u| u["source"] == "arm/policyStates").unwrap();
    let reason = states["reason"].as_str().unwrap();
    assert!(reason.contains("not complete") && reason.contains("--resource-graph-only reads no ARM"), "{reason}");
}

/// A small estate with one row ARG could not give in the shape aksguard reads.
fn small_estate() -> Estate {
    let mut estate = Estate::generate(4, 60);
    let seventh = estate.rows.iter_mut().find(|row| row["name"] == "aks-00007").unwrap();
    seventh["properties"]["enableRBAC"] = json!("yes");
    estate
}

fn cell(report: &Value, name: &str, rule: &str) -> String {
    let cluster = report["clusters"].as_array().unwrap().iter().find(|c| c["cluster"]["name"] == name).unwrap();
    cluster["cluster"]["cells"][rule].as_str().unwrap_or("").to_string()
}

#[test]
fn an_arm_only_fleet_audit_judges_each_row_as_audit_does() {
    let mut graph = ResourceGraph::new(TOKEN, small_estate());
    graph.forbidden = vec!["aks-00002".to_string()];
    let setup = Setup::new(graph);
    let report = setup.json(&["--show", "all"]);
    assert_eq!(report["kind"], "aksguard-fleet-report");
    assert_eq!(report["summary"]["clusters"], 60);
    // Local accounts left on in every third cluster: the same verdict `audit` gives.
    assert_eq!(cell(&report, "aks-00003", "local-accounts"), "fail");
    assert_eq!(cell(&report, "aks-00001", "local-accounts"), "pass");
    // The Contoso document has no azureMonitorProfile: from ARG that is unknown, never "off".
    let cluster = &report["clusters"][0];
    assert_eq!(cell(&report, "aks-00001", "monitoring-enabled"), "unknown");
    let findings = cluster["report"]["findings"].as_array().unwrap();
    let monitoring = findings.iter().find(|f| f["rule"] == "monitoring-enabled").unwrap();
    assert!(
        monitoring["message"].as_str().unwrap().contains("Resource Graph's row has no properties.azureMonitorProfile"),
        "{monitoring}"
    );
    // Each cluster's report is the `audit` schema, with its target filled in.
    assert_eq!(cluster["report"]["schema_version"], 2);
    assert!(cluster["report"]["target"]["cluster"].is_string());
    // What Resource Graph lacks is read per cluster, with the same reads as `audit`.
    let unavailable = |name: &str| -> Vec<Value> {
        let entry = report["clusters"].as_array().unwrap().iter().find(|c| c["cluster"]["name"] == name).unwrap();
        let all = entry["report"]["unavailable"].as_array().unwrap();
        all.iter().filter(|u| u["source"].as_str().unwrap().starts_with("arm/")).cloned().collect()
    };
    // Everything is read but the registry image vulnerabilities, which only running images use.
    let parts = unavailable("aks-00001");
    assert_eq!(parts.len(), 1, "{parts:?}");
    assert_eq!(parts[0]["source"], "arm/security/subAssessments");
    assert!(parts[0]["reason"].as_str().unwrap().contains("with --skip-kubernetes no running image"), "{parts:?}");
    assert_eq!(cell(&report, "aks-00001", "maintenance-window"), "pass");
    // A cluster whose reads are forbidden: those parts say why, and the fleet completes.
    let forbidden: Vec<Value> =
        unavailable("aks-00002").into_iter().filter(|u| u["source"] != "arm/security/subAssessments").collect();
    assert_eq!(
        forbidden.len(),
        7,
        "the cluster's own reads: maintenance, two upgrade profiles, diagnostics, and issue 13's plan, \
         component states, role assignments (the subscription's are read; the policy assignments and \
         states come from Resource Graph): {forbidden:?}"
    );
    assert!(forbidden.iter().all(|u| u["reason"].as_str().unwrap().starts_with("forbidden")), "{forbidden:?}");
    assert_eq!(cell(&report, "aks-00002", "maintenance-window"), "unknown");
    // The malformed row is one "unknown: why" cluster, not a dropped one nor a stopped run.
    let not_read = report["summary"]["not_read"].as_array().unwrap();
    assert_eq!(not_read.len(), 1, "{not_read:?}");
    assert!(not_read[0]["reason"].as_str().unwrap().contains("cannot be read as a managed cluster"), "{not_read:?}");
    assert_eq!(report["summary"]["read"], 59);
}

#[test]
fn the_filters_narrow_the_rows() {
    let setup = Setup::new(ResourceGraph::new(TOKEN, small_estate()));
    let names = |args: &[&str]| -> Vec<String> {
        setup.json(args)["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["cluster"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let prod = names(&["--tag", "env=prod"]);
    assert_eq!(prod.len(), 30);
    assert!(prod.iter().all(|n| n[4..].parse::<usize>().unwrap() % 2 == 0));
    assert_eq!(names(&["-g", "RG-TEAM-1"]).len(), 30, "resource groups match in any case");
    assert_eq!(names(&["--cluster", "aks-0000?"]).len(), 10);
    assert_eq!(names(&["--cluster", "aks-0001*", "--tag", "env=dev"]).len(), 5);
    let even = names(&["--management-group", "mg-even"]);
    assert_eq!(even.len(), 30);
    let cluster_queries: Vec<Value> = setup
        .graph
        .log()
        .into_iter()
        .map(|l| l.body)
        .filter(|b| b["query"] == support::resource_graph::QUERY)
        .collect();
    assert_eq!(cluster_queries.last().unwrap()["managementGroups"], json!(["mg-even"]));
    let one = names(&["--subscription", &subscription(1)]);
    assert_eq!(one.len(), 15);
}

#[test]
fn the_gate_spans_the_fleet_and_bad_flags_exit_2() {
    let setup = Setup::new(ResourceGraph::new(TOKEN, small_estate()));
    assert_eq!(setup.fleet(&["--fail-on", "critical", "-o", "json"]).status.code(), Some(0));
    assert_eq!(setup.fleet(&["--fail-on", "high", "-o", "json"]).status.code(), Some(1));
    for bad in [&["--shard", "5/4"][..], &["--tag", "novalue"], &["--subscription", "not-a-guid"]] {
        let output = setup.fleet(bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        // One sentence saying what is wrong (clap adds its usage tip below it), never a panic.
        let stderr = text(&output.stderr);
        assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
        assert!(stderr.lines().count() <= 4, "{stderr}");
    }
    // Without the credential action, the Kubernetes side of every cluster is unknown with the
    // reason, and the gate says so with --fail-on-unknown.
    let mut command = setup.command();
    command.args([
        "fleet",
        "-o",
        "json",
        "--cluster",
        "aks-00001",
        "--cluster",
        "aks-00002",
        "--arm-endpoint",
        &setup.server.url,
    ]);
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let not_read = report["summary"]["not_read"].as_array().unwrap();
    assert_eq!(not_read.len(), 2, "{not_read:?}");
    assert!(not_read.iter().all(|n| n["reason"].as_str().unwrap().contains("listClusterUserCredential/action")));
    assert_eq!(command.arg("--fail-on-unknown").output().unwrap().status.code(), Some(1));
}

#[test]
fn the_table_and_markdown_show_summary_not_read_and_matrix() {
    let setup = Setup::new(ResourceGraph::new(TOKEN, small_estate()));
    let table = text(&setup.fleet(&["--cluster", "aks-0000*"]).stdout);
    println!("{table}");
    assert!(table.starts_with("Fleet: 10 clusters (9 read, 1 not read)"), "{table}");
    assert!(table.contains("Worst finding") && table.contains("Not read:\n  aks-00007 — unknown:"), "{table}");
    assert!(table.contains("Rule × cluster (✗ fail"), "{table}");
    let markdown = text(&setup.fleet(&["--cluster", "aks-0000*", "-o", "markdown"]).stdout);
    println!("{markdown}");
    assert!(markdown.contains("| Cluster | api-server-access |"), "{markdown}");
    assert!(markdown.contains("### Not read"), "{markdown}");
}

#[test]
fn shards_partition_the_estate_and_merge_equals_the_unsharded_run() {
    let setup = Setup::new(ResourceGraph::new(TOKEN, small_estate()));
    let whole = setup.fleet(&["-o", "json", "--show", "all"]);
    let mut shard_files = Vec::new();
    let mut seen = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let path = setup.path(&format!("shard-{i}.json"));
        let output =
            setup.fleet(&["-o", "json", "--show", "all", "--shard", &shard, "--output-file", path.to_str().unwrap()]);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{}", text(&output.stderr));
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(report["shard"], json!({"index": i, "count": 3}));
        seen.extend(ids(&report));
        shard_files.push(path);
    }
    let whole_report: Value = serde_json::from_slice(&whole.stdout).unwrap();
    let mut all = ids(&whole_report);
    seen.sort();
    all.sort();
    assert_eq!(seen, all, "every cluster in exactly one shard");

    let mut merge = setup.command();
    merge.args(["fleet", "merge", "-o", "json"]).args(&shard_files);
    let merged = merge.output().unwrap();
    assert_eq!(merged.status.code(), whole.status.code(), "{}", text(&merged.stderr));
    assert!(text(&merged.stdout) == text(&whole.stdout), "merge differs from the unsharded run");

    // A missing shard or a shard given twice is refused, not merged into a report that looks whole.
    let partial = setup.command().args(["fleet", "merge"]).args(&shard_files[..2]).output().unwrap();
    assert_eq!(partial.status.code(), Some(2));
    assert!(text(&partial.stderr).contains("3/3 is missing"), "{}", text(&partial.stderr));
    let twice = setup.command().args(["fleet", "merge"]).args([&shard_files[0], &shard_files[0]]).output().unwrap();
    assert_eq!(twice.status.code(), Some(2), "{}", text(&twice.stderr));
    // Merge streams the shards a cluster (a line) at a time: a shard reformatted is refused, not misread.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&shard_files[0]).unwrap()).unwrap();
    std::fs::write(&shard_files[0], serde_json::to_string_pretty(&report).unwrap()).unwrap();
    let reformatted = setup.command().args(["fleet", "merge"]).args(&shard_files).output().unwrap();
    assert_eq!(reformatted.status.code(), Some(2));
    assert!(text(&reformatted.stderr).contains("(one cluster a line)"), "{}", text(&reformatted.stderr));
    assert!(reformatted.stdout.is_empty(), "nothing is written before every shard is checked");
}

#[test]
fn snapshots_audited_offline_give_the_live_report() {
    let setup = Setup::new(ResourceGraph::new(TOKEN, small_estate()));
    let live = setup.fleet(&["-o", "json"]);
    let dir = setup.path("fleet-snapshots");
    let mut snapshot = setup.command();
    snapshot.args(["fleet", "snapshot", "--skip-kubernetes", "--arm-endpoint", &setup.server.url, "-o"]).arg(&dir);
    let written = snapshot.output().unwrap();
    assert_eq!(written.status.code(), Some(0), "{}", text(&written.stderr));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 61, "60 snapshots and the index");
    let offline = setup.command().args(["fleet", "audit", "-o", "json", "--snapshots"]).arg(&dir).output().unwrap();
    assert_eq!(offline.status.code(), live.status.code(), "{}", text(&offline.stderr));
    let (live, offline): (Value, Value) =
        (serde_json::from_slice(&live.stdout).unwrap(), serde_json::from_slice(&offline.stdout).unwrap());
    assert_eq!(offline["summary"], live["summary"]);
    let rows = |r: &Value| r["clusters"].as_array().unwrap().iter().map(|c| c["cluster"].clone()).collect::<Vec<_>>();
    assert_eq!(rows(&offline), rows(&live));
    // A second snapshot into the same directory is refused.
    let again = snapshot.output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("is not empty"), "{}", text(&again.stderr));
}

#[test]
fn sarif_has_one_run_per_cluster_and_the_cluster_in_every_location() {
    let setup = Setup::new(ResourceGraph::new(TOKEN, small_estate()));
    let output = setup.fleet(&["-o", "sarif", "--cluster", "aks-0001*"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let validator = support::sarif_schema::sarif_validator();
    support::sarif_schema::assert_valid_sarif(&validator, &sarif);
    // With a cluster that could not be read (aks-00007), and every finding shown.
    let output = setup.fleet(&["-o", "sarif", "--cluster", "aks-0000*", "--show", "all"]);
    support::sarif_schema::assert_valid_sarif(&validator, &serde_json::from_slice(&output.stdout).unwrap());
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 10);
    let mut categories: Vec<&str> = runs.iter().map(|r| r["automationDetails"]["id"].as_str().unwrap()).collect();
    categories.dedup();
    assert_eq!(categories.len(), 10, "one category per cluster");
    for run in runs {
        for result in run["results"].as_array().unwrap() {
            let cluster = result["properties"]["cluster"].as_str().unwrap();
            let location = &result["locations"][0];
            let uri = location["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
            let under = uri.to_ascii_lowercase().starts_with(&cluster.trim_start_matches('/').to_ascii_lowercase());
            assert!(under, "{uri} is not under {cluster}");
            let logical = location["logicalLocations"].as_array().unwrap();
            assert!(logical.iter().any(|l| l["fullyQualifiedName"] == cluster), "{logical:?}");
        }
    }
}

#[test]
fn doctor_fleet_checks_resource_graph_and_a_sample_cluster() {
    // The sample (the first cluster by id) is an Entra ID cluster the stand-in serves.
    let list = contoso_list();
    let entra = support::cluster::Cluster::from_list(&list, AKS_TOKEN);
    let entra = ApiServer::start(move |request| entra.serve(request));
    let mut graph = ResourceGraph::new(TOKEN, small_estate());
    graph.estate.rows[0]["properties"]["fqdn"] = json!("127.0.0.1");
    let first = graph.estate.rows[0]["name"].as_str().unwrap().to_string();
    graph.kubeconfigs.insert(first, user_kubeconfig(&entra.url, &entra.ca_pem, kubelogin()));
    let setup = Setup::new(graph);
    az_with_aks_token(&setup);
    let output = setup.command().args(["doctor", "--fleet", "--arm-endpoint", &setup.server.url]).output().unwrap();
    let stdout = text(&output.stdout);
    println!("{stdout}");
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("✓ Resource Graph: 60 clusters visible in 1 request (api-version 2024-04-01)"), "{stdout}");
    assert!(stdout.contains("  ✓ arm/maintenanceConfigurations"), "{stdout}");
    // The Defender and Policy queries, on the sample's subscription.
    assert!(stdout.contains("\n✓ Resource Graph, securityresources: 0 rows in 1 request\n"), "{stdout}");
    assert!(stdout.contains("\n✓ Resource Graph, policyresources: 0 rows in 1 request\n"), "{stdout}");
    assert!(stdout.contains("  ✓ arm/policyStates (from Resource Graph)\n"), "{stdout}");
    // No Defender plan in this estate's Resource Graph: its Defender rows are not believed.
    assert!(
        stdout.contains(
            "\n– Resource Graph, Defender plans: the query failed; the plans and Defender rows are read from ARM\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("  ✓ arm/security/alerts\n"), "{stdout}");
    assert!(
        stdout.contains("  ✓ listClusterUserCredential: a kubeconfig for 127.0.0.1 (an Entra ID token for the AKS server application), kept in memory"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  ✓ Entra ID: a token for the AKS server application from the Azure CLI login"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("  ✓ Kubernetes API: {} answers (Kubernetes v1.", entra.url)), "{stdout}");

    let mut graph = ResourceGraph::new(TOKEN, small_estate());
    let first = graph.estate.rows[0]["name"].as_str().unwrap().to_string();
    graph.forbidden = vec![first];
    graph.refused_tables = vec!["policyresources"];
    graph.plans_in_graph = true;
    let setup = Setup::new(graph);
    let output = setup.command().args(["doctor", "--fleet", "--arm-endpoint", &setup.server.url]).output().unwrap();
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("\n– Resource Graph's query of policyresources failed: Resource Graph refused the query (403 Forbidden AuthorizationFailed); grant Reader on the subscriptions (or the management group) to audit; the policy assignments and states were read from ARM instead\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  ✗ arm/policyAssignments: forbidden"), "read from ARM, which refuses: {stdout}");
    assert!(
        stdout.contains("\n✓ Resource Graph, Defender plans: the sample's subscription's Containers plan\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  ✓ arm/security/alerts (from Resource Graph)\n"), "{stdout}");
    assert!(stdout.contains("  ✗ arm/upgradeProfile: forbidden"), "{stdout}");
    assert!(
        stdout.contains("  ✗ listClusterUserCredential: forbidden: ARM refused listClusterUserCredential"),
        "{stdout}"
    );
}

#[test]
fn kubeconfig_contexts_read_each_cluster_and_one_down_is_unknown_not_fatal() {
    let mut graph = ResourceGraph::new(TOKEN, small_estate());
    graph.estate.rows.retain(|row| ["aks-00001", "aks-00002", "aks-00005"].contains(&row["name"].as_str().unwrap()));
    let setup = Setup::new(graph);
    let list = contoso_list();
    let cluster = support::cluster::Cluster::from_list(&list, "kube-token-fleet");
    let kube = ApiServer::start(move |request| cluster.serve(request));
    let ca = support::apiserver::base64_encode(kube.ca_pem.as_bytes());
    // aks-00001 reaches the stand-in; aks-00002's API server is down; aks-00005 has no context.
    let config = json!({"apiVersion": "v1", "kind": "Config", "current-context": "aks-00001",
        "clusters": [{"name": "up", "cluster": {"server": kube.url, "certificate-authority-data": ca}},
                     {"name": "down", "cluster": {"server": "https://127.0.0.1:9", "certificate-authority-data": ca}}],
        "users": [{"name": "u", "user": {"token": "kube-token-fleet"}}],
        "contexts": [{"name": "aks-00001", "context": {"cluster": "up", "user": "u"}},
                     {"name": "AKS-00002", "context": {"cluster": "down", "user": "u"}}]});
    let kubeconfig = setup.path("kubeconfig");
    std::fs::write(&kubeconfig, config.to_string()).unwrap();
    let mut command = setup.command();
    command.args(["fleet", "--kubeconfig-contexts", "--kubeconfig"]).arg(&kubeconfig);
    command.args(["-o", "json", "--timeout", "2", "--arm-endpoint", &setup.server.url]);
    let output = command.output().unwrap();
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["clusters"], 3);
    let reasons: Vec<String> = report["summary"]["not_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("{}: {}", n["name"], n["reason"]))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    let reason = |name: &str| reasons.iter().find(|r| r.contains(name)).cloned().unwrap_or_default();
    assert!(reason("aks-00002").contains("context 'AKS-00002' could not be read: cannot reach"), "{reasons:?}");
    assert!(reason("aks-00005").contains("no kubeconfig context"), "{reasons:?}");
    // The cluster that was read has its Kubernetes verdicts.
    assert_eq!(cell(&report, "aks-00001", "privileged-containers"), "pass");
    assert_eq!(cell(&report, "aks-00002", "privileged-containers"), "unknown");
}

#[test]
fn junit_is_well_formed_with_each_cluster_in_its_suites() {
    let setup = Setup::new(ResourceGraph::new(TOKEN, small_estate()));
    let output = setup.fleet(&["-o", "junit", "--cluster", "aks-0000[*", "--cluster", "aks-0000?"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let xml = text(&output.stdout);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut suites = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(tag)) if tag.name().as_ref() == b"testsuite" => {
                let name = tag.try_get_attribute("name").unwrap().unwrap();
                let name = name.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap().into_owned();
                suites.push(name);
            }
            Ok(_) => {}
            Err(err) => panic!("not well-formed at {}: {err}\n{xml}", reader.buffer_position()),
        }
    }
    for i in 0..10 {
        let cluster = format!("aks-{i:05}: ");
        assert!(suites.iter().any(|s| s.starts_with(&cluster)), "no suite of {cluster} in {suites:?}");
    }
    assert!(suites.iter().all(|s| s.starts_with("aks-0000")), "{suites:?}");
}

#[test]
fn html_is_a_heat_map_of_rules_by_cluster() {
    let setup = Setup::new(ResourceGraph::new(TOKEN, small_estate()));
    let output = setup.fleet(&["-o", "html", "--cluster", "aks-0000?"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let html = text(&output.stdout);
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert_eq!(html.matches("<tr><td>").count(), 10, "a row per cluster");
    assert!(html.contains("<td class=\"c fail\" title=\"local-accounts: fail\">✗</td>"), "{html}");
    assert!(html.contains("<h2>Not read</h2>") && html.contains("<code>aks-00007</code>"));
    assert!(!html.contains("<script"), "no script: one self-contained page");
}

// ---- The fleet's own cluster credentials (listClusterUserCredential) ----

const LOCAL_TOKEN: &str = "local-account-token-5f1e2d";
const AKS_TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJhdWQiOiI2ZGFlNDJmOCJ9.YWtzLXNlcnZlci1hcHAtdG9rZW4";
const AKS_SERVER_APP: &str = "6dae42f8-4368-4678-94ff-3960e28e3630";

/// A kubeconfig as `listClusterUserCredential` returns it (JSON is YAML): `server`, its CA, and
/// `user`.
fn user_kubeconfig(server: &str, ca_pem: &str, user: Value) -> String {
    json!({"apiVersion": "v1", "kind": "Config", "current-context": "aks",
        "clusters": [{"name": "aks", "cluster": {"server": server, "certificate-authority-data": support::apiserver::base64_encode(ca_pem.as_bytes())}}],
        "users": [{"name": "clusterUser_rg_aks", "user": user}],
        "contexts": [{"name": "aks", "context": {"cluster": "aks", "user": "clusterUser_rg_aks"}}]})
    .to_string()
}

/// kubelogin's exec entry, as AKS writes it for an Entra ID cluster.
fn kubelogin() -> Value {
    json!({"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "kubelogin",
        "args": ["get-token", "--environment", "AzurePublicCloud", "--server-id", AKS_SERVER_APP,
                 "--client-id", "80faf920-1908-4b52-b5ef-a8e7bedfc67a", "--tenant-id", "22222222-2222-2222-2222-222222222222", "--login", "devicecode"],
        "provideClusterInfo": false}})
}

/// A fake `az` that gives `aks_token` for the AKS server application's scope (and logs each such
/// call), the usual token for ARM.
fn az_with_aks_token(setup: &Setup) {
    let arm = json!({"accessToken": TOKEN, "expiresOn": "2030-01-01 00:00:00.000000", "expires_on": 1893456000,
                     "subscription": subscription(0), "tenant": "22222222-2222-2222-2222-222222222222", "tokenType": "Bearer"});
    let mut aks = arm.clone();
    aks["accessToken"] = json!(AKS_TOKEN);
    let log = setup.path("aks-token-calls");
    let script = format!(
        "#!/bin/sh\ncase \"$*\" in\n  *{AKS_SERVER_APP}*) echo call >> '{}'; echo '{aks}' ;;\n  *get-access-token*) echo '{arm}' ;;\n  'account show'*) echo {} ;;\n  *) exit 2 ;;\nesac\n",
        log.display(),
        subscription(0)
    );
    std::fs::write(setup.path("bin/az"), script).unwrap();
}

fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(files_under(&path)) } else { files.push(path) }
    }
    files.sort();
    files
}

#[test]
fn the_fleets_own_credentials_read_local_and_entra_id_clusters_and_keep_nothing() {
    let list = contoso_list();
    // Two API servers on 127.0.0.1: one takes the local account's token, one only the Entra ID
    // token for the AKS server application.
    let local = support::cluster::Cluster::from_list(&list, LOCAL_TOKEN);
    let local = ApiServer::start(move |request| local.serve(request));
    let entra = support::cluster::Cluster::from_list(&list, AKS_TOKEN);
    let entra = ApiServer::start(move |request| entra.serve(request));
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate =
        rcgen::CertificateParams::new(vec!["clusterUser".to_string()]).unwrap().self_signed(&key).unwrap();
    let (cert_data, key_pem) = (support::apiserver::base64_encode(certificate.pem().as_bytes()), key.serialize_pem());
    let key_data = support::apiserver::base64_encode(key_pem.as_bytes());
    let marker = tempfile::tempdir().unwrap();
    let ran = marker.path().join("plugin-ran");

    let mut graph = ResourceGraph::new(TOKEN, small_estate());
    let names = ["aks-00001", "aks-00002", "aks-00003", "aks-00004", "aks-00005", "aks-00006", "aks-00008"];
    graph.estate.rows.retain(|row| names.contains(&row["name"].as_str().unwrap()));
    // Every cluster's API server is 127.0.0.1 but aks-00006's, whose kubeconfig points elsewhere.
    for row in graph.estate.rows.iter_mut().filter(|row| row["name"] != "aks-00006") {
        row["properties"]["fqdn"] = json!("127.0.0.1");
    }
    let local_user = json!({"client-certificate-data": cert_data, "client-key-data": key_data, "token": LOCAL_TOKEN});
    let shell = json!({"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "/bin/sh",
                                "args": ["-c", format!("touch {}", ran.display())]}});
    let mut add = |name: &str, text: String| graph.kubeconfigs.insert(name.to_string(), text);
    // aks-00001: a local account; aks-00002 and aks-00008: Entra ID; aks-00003: no entry, so 403;
    // aks-00004: a plugin that is never run; aks-00005: its API server is down; aks-00006: its
    // kubeconfig points at a server that is not the cluster's.
    add("aks-00001", user_kubeconfig(&local.url, &local.ca_pem, local_user.clone()));
    add("aks-00002", user_kubeconfig(&entra.url, &entra.ca_pem, kubelogin()));
    add("aks-00008", user_kubeconfig(&entra.url, &entra.ca_pem, kubelogin()));
    add("aks-00004", user_kubeconfig(&local.url, &local.ca_pem, shell));
    add("aks-00005", user_kubeconfig("https://127.0.0.1:9", &local.ca_pem, local_user.clone()));
    add("aks-00006", user_kubeconfig(&local.url, &local.ca_pem, json!({"token": "sent-elsewhere-token"})));
    let kubeconfigs: Vec<String> = graph.kubeconfigs.values().cloned().collect();
    let setup = Setup::new(graph);
    az_with_aks_token(&setup);
    let before = files_under(setup.dir.path());

    let run = |verbose: bool| {
        let mut command = setup.command();
        command.args(["fleet", "-o", "json", "--timeout", "2", "--arm-endpoint", &setup.server.url]);
        if verbose {
            command.arg("-v");
        }
        command.output().unwrap()
    };
    let output = run(false);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["clusters"], 7);
    // The local-account and the Entra ID clusters were read, with no kubelogin anywhere.
    for name in ["aks-00001", "aks-00002", "aks-00008"] {
        assert_eq!(cell(&report, name, "privileged-containers"), "pass", "{name}: {}", report["summary"]["not_read"]);
    }
    // One token for the AKS server application, shared by both Entra ID clusters.
    let calls = std::fs::read_to_string(setup.path("aks-token-calls")).unwrap();
    assert_eq!(calls.lines().count(), 1, "{calls}");
    let reasons: Vec<String> = report["summary"]["not_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("{}: {}", n["name"].as_str().unwrap(), n["reason"].as_str().unwrap()))
        .collect();
    let reason = |name: &str| reasons.iter().find(|r| r.starts_with(name)).cloned().unwrap_or_default();
    println!("{reasons:#?}");
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert!(
        reason("aks-00003").contains("forbidden: ARM refused listClusterUserCredential (AuthorizationFailed); grant Microsoft.ContainerService/managedClusters/listClusterUserCredential/action"),
        "{reasons:#?}"
    );
    assert!(
        reason("aks-00004").contains("runs the credential plugin '/bin/sh', which aksguard never runs"),
        "{reasons:#?}"
    );
    assert!(!ran.exists(), "the kubeconfig's exec plugin ran");
    assert!(
        reason("aks-00005").contains("could not be read with the cluster's local account: cannot reach"),
        "{reasons:#?}"
    );
    assert!(reason("aks-00006").contains("is none of the cluster's FQDNs"), "{reasons:#?}");
    assert_eq!(cell(&report, "aks-00005", "privileged-containers"), "unknown");
    assert_eq!(cell(&report, "aks-00005", "local-accounts"), "pass", "its ARM verdicts stand");
    let sent_elsewhere =
        local.requests().iter().any(|r| r.authorization.as_deref().is_some_and(|a| a.contains("sent-elsewhere")));
    assert!(!sent_elsewhere, "a credential went to a server that is not the cluster's");

    // Nothing of the credentials in any output, debug logs included, nor on disk.
    let verbose = run(true);
    let secrets = [LOCAL_TOKEN, AKS_TOKEN, "c2lnbmF0dXJl", key_data.as_str(), &key_pem.lines().nth(1).unwrap()[..40]];
    for (what, bytes) in [
        ("stdout", &output.stdout),
        ("stderr", &output.stderr),
        ("-v stdout", &verbose.stdout),
        ("-v stderr", &verbose.stderr),
    ] {
        let shown = text(bytes);
        for secret in secrets.iter().chain(kubeconfigs.iter().map(|k| k.as_str()).collect::<Vec<_>>().iter()) {
            assert!(!shown.contains(secret), "{what} shows {secret}");
        }
        for kubeconfig in &kubeconfigs {
            assert!(!shown.contains(&support::apiserver::base64_encode(kubeconfig.as_bytes())[..60]), "{what}");
        }
    }
    assert!(text(&verbose.stderr).contains("DEBUG"), "-v gives debug logs");
    let after: Vec<PathBuf> =
        files_under(setup.dir.path()).into_iter().filter(|p| !p.ends_with("aks-token-calls")).collect();
    assert_eq!(after, before, "nothing written to disk");
}

#[test]
fn fleet_snapshot_takes_the_kubernetes_side_and_offline_gives_the_live_report() {
    let local = support::cluster::Cluster::from_list(&contoso_list(), LOCAL_TOKEN);
    let local = ApiServer::start(move |request| local.serve(request));
    let mut graph = ResourceGraph::new(TOKEN, small_estate());
    graph.estate.rows.retain(|row| ["aks-00001", "aks-00002"].contains(&row["name"].as_str().unwrap()));
    graph.estate.rows.iter_mut().for_each(|row| row["properties"]["fqdn"] = json!("127.0.0.1"));
    // aks-00001 is read with its local account; aks-00002's credential is forbidden.
    let kubeconfig = user_kubeconfig(&local.url, &local.ca_pem, json!({"token": LOCAL_TOKEN}));
    graph.kubeconfigs.insert("aks-00001".to_string(), kubeconfig);
    let setup = Setup::new(graph);
    let endpoint = ["--arm-endpoint", setup.server.url.as_str()];
    let live = setup.command().args(["fleet", "-o", "json"]).args(endpoint).output().unwrap();
    let dir = setup.path("fleet-snapshots");
    let written = setup.command().args(["fleet", "snapshot"]).args(endpoint).arg("-o").arg(&dir).output().unwrap();
    assert_eq!(written.status.code(), Some(0), "{}", text(&written.stderr));
    let index: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let entries = index["clusters"].as_array().unwrap();
    assert!(entries[0]["kubernetes_not_read"].is_null(), "{entries:?}");
    assert!(entries[1]["kubernetes_not_read"].as_str().unwrap().contains("listClusterUserCredential/action"));
    let first = std::fs::read_to_string(dir.join(entries[0]["file"].as_str().unwrap())).unwrap();
    assert!(first.contains("\"pods\"") && !first.contains(LOCAL_TOKEN), "the pods, never the credential");
    let offline = setup.command().args(["fleet", "audit", "-o", "json", "--snapshots"]).arg(&dir).output().unwrap();
    assert_eq!(offline.status.code(), live.status.code(), "{}", text(&offline.stderr));
    let (live, offline): (Value, Value) =
        (serde_json::from_slice(&live.stdout).unwrap(), serde_json::from_slice(&offline.stdout).unwrap());
    assert_eq!(offline["summary"], live["summary"]);
    assert_eq!(cell(&offline, "aks-00001", "privileged-containers"), "pass");
    assert_eq!(cell(&offline, "aks-00002", "privileged-containers"), "unknown");
}

#[test]
fn subscription_and_region_reads_are_made_once_for_all_their_clusters() {
    let setup = Setup::new(ResourceGraph::new(TOKEN, small_estate()));
    let report = setup.json(&["--parallel", "8"]);
    assert_eq!(report["summary"]["read"], 59);
    let paths: Vec<String> = setup.server.requests().iter().map(|r| r.path.to_ascii_lowercase()).collect();
    let count = |pred: &dyn Fn(&str) -> bool| paths.iter().filter(|p| pred(p)).count();
    // 4 subscriptions × 3 regions; every cluster's verdict on them stands.
    assert_eq!(count(&|p| p.ends_with("/kubernetesversions")), 12, "once per subscription and region");
    let subscription_level = |end: &'static str| move |p: &str| p.ends_with(end) && !p.contains("/managedclusters/");
    assert_eq!(count(&subscription_level("/providers/microsoft.security/pricings/containers")), 4);
    // No Defender plan in Resource Graph: its Defender rows are not believed, and ARM is read.
    assert_eq!(count(&subscription_level("/providers/microsoft.security/alerts")), 4);
    // Joined with running images only, so not read with --skip-kubernetes.
    assert_eq!(count(&subscription_level("/subassessments")), 0);
    // The policy assignments and states come from Resource Graph.
    assert_eq!(count(&|p| p.ends_with("/providers/microsoft.authorization/policyassignments")), 0);
    assert_eq!(count(&|p| p.ends_with("/policystates/latest/queryresults")), 0);
    // What is the cluster's own is still read per cluster.
    assert_eq!(count(&|p| p.ends_with("/maintenanceconfigurations")), 59);
    for name in ["aks-00001", "aks-00059"] {
        let verdict = cell(&report, name, "kubernetes-version-support");
        assert!(["pass", "fail"].contains(&verdict.as_str()), "{name}: {verdict}");
    }
}

#[test]
fn arm_reads_slow_down_when_the_subscription_budget_runs_low() {
    // Three clusters of one subscription, one at a time: the first's reads go out together,
    // before ARM has said anything; the others' are paced on what it said.
    let three = ["aks-00001", "aks-00005", "aks-00009"];
    let run = |left: Option<u32>| {
        let mut graph = ResourceGraph::new(TOKEN, small_estate());
        graph.estate.rows.retain(|row| three.contains(&row["name"].as_str().unwrap()));
        graph.reads_remaining = left;
        let setup = Setup::new(graph);
        let report = setup.json(&["--parallel", "1"]);
        for name in three {
            assert_eq!(cell(&report, name, "maintenance-window"), "pass", "every read still made");
        }
        let times = setup.graph.arm_log();
        (times.len(), times.last().unwrap().duration_since(times[0]))
    };
    let (reads, plenty) = run(Some(240));
    assert!(reads >= 30, "{reads} reads");
    assert!(plenty < Duration::from_millis(1500), "with reads to spare they go at once: {plenty:?}");
    // Ten reads short of 50: 200 ms between reads of the subscription once ARM said so.
    let (reads, low) = run(Some(40));
    let least = Duration::from_millis(200) * (reads as u32 - 16);
    assert!(low >= least, "{reads} reads in {low:?}, expected at least {least:?}");
}

#[test]
fn an_arm_answer_too_large_is_that_parts_reason_not_read_into_memory() {
    let mut graph = ResourceGraph::new(TOKEN, small_estate());
    graph.estate.rows.retain(|row| ["aks-00001", "aks-00002"].contains(&row["name"].as_str().unwrap()));
    graph.oversized = vec!["aks-00001".to_string()];
    let setup = Setup::new(graph);
    let report = setup.json(&["--show", "all"]);
    let first = &report["clusters"][0]["report"]["unavailable"];
    let diagnostics = first.as_array().unwrap().iter().find(|u| u["source"] == "arm/diagnosticSettings").unwrap();
    assert!(diagnostics["reason"].as_str().unwrap().contains("larger than 64 MiB"), "{diagnostics}");
    assert_eq!(cell(&report, "aks-00001", "audit-logs"), "unknown");
    assert_ne!(cell(&report, "aks-00002", "audit-logs"), "unknown", "the other cluster is read");
}

#[test]
fn defender_plans_come_from_resource_graph_and_read_as_arms_answer() {
    let run = |in_graph: bool| {
        let mut graph = ResourceGraph::new(TOKEN, small_estate());
        graph.plans_in_graph = in_graph;
        let setup = Setup::new(graph);
        let report = setup.json(&["--show", "all"]);
        let arm_plans = setup
            .server
            .requests()
            .iter()
            .filter(|r| {
                let path = r.path.to_ascii_lowercase();
                path.ends_with("/providers/microsoft.security/pricings/containers")
                    && !path.contains("/managedclusters/")
            })
            .count();
        let queries: Vec<String> =
            setup.graph.log().iter().map(|l| l.body["query"].as_str().unwrap_or_default().to_string()).collect();
        (report, arm_plans, queries)
    };
    let (from_graph, arm_plans, queries) = run(true);
    assert_eq!(arm_plans, 0, "no subscription's plan read from ARM");
    assert_eq!(queries.iter().filter(|q| q.contains("'microsoft.security/pricings'")).count(), 1, "{queries:?}");
    // Refused by Resource Graph: read from ARM, once per subscription, and the same verdicts.
    let (from_arm, arm_plans, _) = run(false);
    assert_eq!(arm_plans, 4);
    assert_eq!(from_graph["summary"], from_arm["summary"]);
    let rows = |r: &Value| r["clusters"].as_array().unwrap().iter().map(|c| c["cluster"].clone()).collect::<Vec<_>>();
    assert_eq!(rows(&from_graph), rows(&from_arm));
    let plan = |r: &Value| {
        let findings = r["clusters"][0]["report"]["findings"].as_array().unwrap().clone();
        let plan = |f: &Value| f["rule"] == "defender-enabled" && f["resource"].as_str().unwrap().starts_with('/');
        let mut finding = findings.into_iter().find(plan).unwrap();
        // Resource Graph lowercases ids, as it does the clusters'.
        finding["resource"] = json!(finding["resource"].as_str().unwrap().to_ascii_lowercase());
        finding
    };
    assert_eq!(plan(&from_graph), plan(&from_arm));
    // The first cluster's own plan (Free) in the same answer is not taken for its subscription's.
    assert_eq!(plan(&from_graph)["status"], "pass", "{}", plan(&from_graph));
}

/// Three subscriptions of Defender and Policy data (`Security::generate`), Defender plans in
/// Resource Graph too; `mg-even` holds subscriptions 0 and 2.
fn secured_estate() -> ResourceGraph {
    let mut estate = Estate::generate(3, 24);
    estate.security = Security::generate(&estate);
    // An alert on a cluster outside the estate: it concerns no cluster of the fleet.
    let ghost = format!(
        "/subscriptions/{}/resourceGroups/rg-team-0/providers/Microsoft.ContainerService/managedClusters/ghost",
        subscription(0)
    );
    estate.security.alerts.push(support::resource_graph::alert(&subscription(0), "alert-ghost", &ghost, "Active"));
    let mut graph = ResourceGraph::new(TOKEN, estate);
    graph.plans_in_graph = true;
    graph.quota = 1000;
    graph
}

/// The ARM reads Resource Graph now answers: (alerts, assessments, registry vulnerabilities,
/// policy assignments, policy states) requests.
fn defender_policy_arm_reads(setup: &Setup) -> [usize; 5] {
    let paths: Vec<String> = setup.server.requests().iter().map(|r| r.path.to_ascii_lowercase()).collect();
    let count = |end: &str| paths.iter().filter(|p| p.ends_with(end)).count();
    [
        count("/providers/microsoft.security/alerts"),
        count("/providers/microsoft.security/assessments"),
        count("/subassessments"),
        count("/providers/microsoft.authorization/policyassignments"),
        count("/providers/microsoft.policyinsights/policystates/latest/queryresults"),
    ]
}

/// Every finding of the Defender and Policy rules, by cluster, as (rule, status, severity,
/// resource lowercased, message): Resource Graph lowercases ids, and the evidence of
/// defender-alerts counts what was read (the subscription's alerts from ARM, the cluster's from
/// Resource Graph).
fn defender_policy_findings(report: &Value) -> Vec<(String, Vec<Value>)> {
    const RULES: [&str; 4] =
        ["defender-alerts", "defender-recommendations", "azure-policy-assignments", "azure-policy-compliance"];
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let findings = c["report"]["findings"].as_array().unwrap();
            let mut mine: Vec<Value> = findings
                .iter()
                .filter(|f| RULES.contains(&f["rule"].as_str().unwrap()))
                .map(|f| {
                    json!([
                        f["rule"],
                        f["status"],
                        f["severity"],
                        f["resource"].as_str().unwrap().to_ascii_lowercase(),
                        f["message"]
                    ])
                })
                .collect();
            mine.sort_by_key(|f| f.to_string());
            (c["cluster"]["name"].as_str().unwrap().to_string(), mine)
        })
        .collect()
}

fn finding_of<'a>(report: &'a Value, name: &str, rule: &str, resource_part: &str) -> Option<&'a Value> {
    let cluster = report["clusters"].as_array().unwrap().iter().find(|c| c["cluster"]["name"] == name).unwrap();
    cluster["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["resource"].as_str().unwrap().to_ascii_lowercase().contains(resource_part))
}

#[test]
fn defender_and_policy_rows_come_from_resource_graph_joined_to_their_clusters() {
    let run = |graph: ResourceGraph| {
        let setup = Setup::new(graph);
        let output = setup.fleet(&["-o", "json", "--show", "all"]);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{}", text(&output.stderr));
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let queries: Vec<Value> = setup.graph.log().iter().map(|l| l.body.clone()).collect();
        (report, defender_policy_arm_reads(&setup), queries, text(&output.stderr))
    };
    let (graph, reads, queries, stderr) = run(secured_estate());
    assert_eq!(reads, [0; 5], "no per-subscription or per-cluster ARM read of what Resource Graph gave");
    assert!(!stderr.contains("warning"), "{stderr}");
    let tables: Vec<&str> = queries.iter().map(|q| q["query"].as_str().unwrap().split(' ').next().unwrap()).collect();
    // One batch: the clusters, the plans, the Defender and Policy rows, the management groups.
    assert_eq!(
        tables,
        ["resources", "securityresources", "securityresources", "policyresources", "resourcecontainers"]
    );
    let policy = queries.iter().find(|q| q["query"].as_str().unwrap().starts_with("policyresources")).unwrap();
    assert_eq!(policy["options"]["authorizationScopeFilter"], "AtScopeAndAbove");
    assert!(queries[2]["options"].get("authorizationScopeFilter").is_none(), "only the policy query asks above");

    // The same data read from ARM (both tables refused): the same verdicts, and a warning each.
    let mut refused = secured_estate();
    refused.refused_tables = vec!["securityresources", "policyresources"];
    let (arm, reads, _, stderr) = run(refused);
    assert_eq!(reads, [3, 3, 0, 24, 24], "read from ARM per subscription and per cluster");
    assert!(stderr.contains("Resource Graph's query of securityresources failed: Resource Graph refused the query (403 Forbidden AuthorizationFailed)"), "{stderr}");
    assert!(
        stderr
            .contains("the Defender alerts, assessments and registry image vulnerabilities were read from ARM instead"),
        "{stderr}"
    );
    assert!(stderr.contains("the policy assignments and states were read from ARM instead"), "{stderr}");
    let same = |a: &Value, b: &Value| {
        let (a, b) = (defender_policy_findings(a), defender_policy_findings(b));
        assert_eq!(
            a.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            b.iter().map(|(name, _)| name).collect::<Vec<_>>()
        );
        for ((name, mine), (_, theirs)) in a.iter().zip(b.iter()) {
            assert_eq!(mine, theirs, "{name}");
        }
    };
    same(&graph, &arm);
    let rows =
        |r: &Value| r["clusters"].as_array().unwrap().iter().map(|c| c["cluster"]["cells"].clone()).collect::<Vec<_>>();
    assert_eq!(rows(&graph), rows(&arm));

    // What the data says, cluster by cluster. aks-00000 (subscription 0, in mg-even): its node
    // pool's alert; aks-00001 (subscription 1): none, the VM's and the ghost cluster's are not its.
    assert_eq!(cell(&graph, "aks-00000", "defender-alerts"), "fail");
    assert_eq!(cell(&graph, "aks-00001", "defender-alerts"), "pass");
    assert_eq!(cell(&graph, "aks-00001", "defender-recommendations"), "fail");
    assert_eq!(cell(&graph, "aks-00002", "defender-recommendations"), "pass");
    assert_eq!(cell(&graph, "aks-00003", "azure-policy-compliance"), "fail");
    assert_eq!(cell(&graph, "aks-00004", "azure-policy-compliance"), "pass");
    for name in ["aks-00000", "aks-00001"] {
        assert!(finding_of(&graph, name, "defender-recommendations", "virtualmachines").is_none(), "a VM's assessment");
    }
    // The management group's assignment applies under mg-even (subscriptions 0 and 2) only, and
    // its notScopes leaves out rg-team-1 of subscription 0 (aks-00003).
    assert!(finding_of(&graph, "aks-00000", "azure-policy-assignments", "policyassignments/restricted").is_some());
    assert!(finding_of(&graph, "aks-00002", "azure-policy-assignments", "policyassignments/restricted").is_some());
    assert!(finding_of(&graph, "aks-00001", "azure-policy-assignments", "policyassignments/restricted").is_none());
    assert!(finding_of(&graph, "aks-00003", "azure-policy-assignments", "policyassignments/restricted").is_none());
    assert!(finding_of(&graph, "aks-00003", "azure-policy-assignments", "policyassignments/baseline").is_some());
    assert!(finding_of(&graph, "aks-00000", "azure-policy-assignments", "policyassignments/vm-only").is_none());

    // ARG's PascalCase (alert properties, resourceDetails.Id) reads as camelCase does.
    let mut pascal = secured_estate();
    pascal.pascal_case = true;
    let (pascal, reads, _, _) = run(pascal);
    assert_eq!(reads, [0; 5]);
    same(&pascal, &graph);
}

#[test]
fn a_row_that_cannot_be_read_makes_its_source_unknown_for_its_cluster_only() {
    let mut graph = secured_estate();
    let id = |name: &str| {
        let row = graph.estate.rows.iter().find(|r| r["name"] == name).unwrap();
        support::resource_graph::arm_id(row).to_ascii_lowercase()
    };
    let (five, four) = (id("aks-00005"), id("aks-00004"));
    // An assessment whose status is text, not an object; a policy state with a key twice.
    let wrong = json!({"id": format!("{five}/providers/microsoft.security/assessments/bad"), "name": "bad",
        "type": "microsoft.security/assessments", "properties": {"resourceDetails": {"Id": five}, "status": "Unhealthy"}});
    graph.raw_rows.push(("securityresources | where (", wrong.to_string()));
    let twice = format!(
        r#"{{"id": "/subscriptions/x/providers/microsoft.policyinsights/policystates/dup", "type": "microsoft.policyinsights/policystates",
            "properties": {{"resourceId": "{four}", "complianceState": "Compliant", "complianceState": "NonCompliant", "policyAssignmentId": "/a"}}}}"#
    );
    graph.raw_rows.push(("policyresources | where (", twice));
    // An alert without a status: not taken for a closed one.
    let eight = id("aks-00008");
    let mut silent = support::resource_graph::alert(&subscription(2), "alert-silent", &eight, "Active");
    silent["properties"].as_object_mut().unwrap().remove("status");
    silent["id"] = json!(silent["id"].as_str().unwrap().to_ascii_lowercase());
    graph.raw_rows.push(("securityresources | where (", silent.to_string()));
    let setup = Setup::new(graph);
    let report = setup.json(&["--show", "all"]);
    assert_eq!(defender_policy_arm_reads(&setup), [0; 5], "the rest of the answer is used");
    let unavailable = |name: &str, source: &str| -> String {
        let cluster = report["clusters"].as_array().unwrap().iter().find(|c| c["cluster"]["name"] == name).unwrap();
        let parts = cluster["report"]["unavailable"].as_array().unwrap();
        parts
            .iter()
            .find(|u| u["source"] == source)
            .map(|u| u["reason"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let why = unavailable("aks-00005", "arm/security/assessments");
    assert!(why.contains("Resource Graph's row for the Defender recommendations cannot be read"), "{why}");
    assert!(why.contains("status"), "{why}");
    assert_eq!(cell(&report, "aks-00005", "defender-recommendations"), "unknown");
    let why = unavailable("aks-00004", "arm/policyStates");
    assert!(why.contains("duplicate field") && why.contains("complianceState"), "{why}");
    assert_eq!(cell(&report, "aks-00004", "azure-policy-compliance"), "unknown");
    let why = unavailable("aks-00008", "arm/security/alerts");
    assert!(why.contains("Resource Graph's row has no status"), "{why}");
    assert_eq!(cell(&report, "aks-00008", "defender-alerts"), "unknown");
    assert_eq!(cell(&report, "aks-00004", "defender-alerts"), "fail", "its own alert, read");
    // Every other cluster is judged on its rows.
    assert_eq!(unavailable("aks-00004", "arm/security/assessments"), "");
    assert_eq!(unavailable("aks-00005", "arm/policyStates"), "");
    assert_eq!(cell(&report, "aks-00003", "defender-recommendations"), "fail");
    assert_eq!(cell(&report, "aks-00003", "azure-policy-compliance"), "fail");
}

#[test]
fn without_a_defender_plan_in_resource_graph_its_empty_answer_is_not_believed() {
    // No plan rows: Resource Graph may be leaving the Defender rows out for want of rights, so
    // they are read from ARM (which says 403 when it is so); the Policy rows still come from it.
    let mut graph = secured_estate();
    graph.plans_in_graph = false;
    let setup = Setup::new(graph);
    let report = setup.json(&[]);
    assert_eq!(defender_policy_arm_reads(&setup), [3, 3, 0, 0, 0]);
    assert_eq!(cell(&report, "aks-00000", "defender-alerts"), "fail");
}
