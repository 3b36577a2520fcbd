//! Live collection end to end: the real binary against a real HTTPS server on 127.0.0.1 that
//! serves API-shaped JSON (generated CA and certificate, bearer token, kubeconfig in a temp dir).

mod support;

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::apiserver::{ApiServer, Reply, Request};
use support::cluster::Cluster;

const TOKEN: &str = "aksguard-test-token-5e1f0c2b9a";
const CONTEXT: &str = "aks-contoso-test";

fn fixture_list(cluster: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/inputs/{cluster}/kubectl-get.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The hardened Contoso cluster (every kind present), served with `fault` tried first.
fn serve(fault: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static) -> ApiServer {
    serve_cluster(Cluster::from_list(&fixture_list("contoso-hardened"), TOKEN), fault)
}

fn serve_cluster(cluster: Cluster, fault: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static) -> ApiServer {
    ApiServer::start(move |request| fault(request).unwrap_or_else(|| cluster.serve(request)))
}

fn no_fault(_: &Request) -> Option<Reply> {
    None
}

/// A temp dir holding a token kubeconfig for `server`; also the HOME of the runs.
struct Setup {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

fn setup(server: &ApiServer) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), CONTEXT, json!({"token": TOKEN}));
    Setup { dir, kubeconfig }
}

impl Setup {
    fn kubeconfig(&self) -> &str {
        self.kubeconfig.to_str().unwrap()
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// The binary, isolated from this machine's kubeconfig and pod environment.
    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aksguard"));
        command
            .env("HOME", self.dir.path())
            .env_remove("KUBECONFIG")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .env_remove("NO_COLOR");
        command
    }

    /// Runs the binary; live runs read the Kubernetes API only (tests/arm.rs covers ARM).
    fn run(&self, args: &[&str]) -> Output {
        let live = args.contains(&"--kubeconfig");
        self.command().args(args).args(live.then_some("--skip-azure")).output().expect("the binary runs")
    }

    /// `audit --kubeconfig … --format json --show all` plus `extra`; the report.
    fn audit(&self, extra: &[&str]) -> Value {
        let mut args = vec!["audit", "--kubeconfig", self.kubeconfig(), "--format", "json", "--show", "all"];
        args.extend(extra);
        let output = self.run(&args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("a JSON report")
    }

    /// `snapshot --kubeconfig …` plus `extra`; the snapshot.
    fn snapshot(&self, extra: &[&str]) -> Value {
        let mut args = vec!["snapshot", "--kubeconfig", self.kubeconfig()];
        args.extend(extra);
        let output = self.run(&args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("a snapshot")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn finding<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).collect()
}

fn unavailable(report: &Value, source: &str) -> Option<String> {
    report["unavailable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["source"] == source)
        .map(|u| u["reason"].as_str().unwrap().to_string())
}

/// Requests for one resource, by the last path segment (`pods`).
fn requests_for(server: &ApiServer, plural: &str) -> Vec<Request> {
    server.requests().into_iter().filter(|r| r.path.ends_with(&format!("/{plural}"))).collect()
}

/// Fails the first `times` requests whose path ends with `/plural` with `reply`.
fn fail_first(plural: &'static str, times: usize, reply: Reply) -> impl Fn(&Request) -> Option<Reply> + Send + Sync {
    let seen = Arc::new(AtomicUsize::new(0));
    move |request| {
        let hit = request.path.ends_with(&format!("/{plural}"));
        (hit && seen.fetch_add(1, Ordering::SeqCst) < times).then(|| reply.clone())
    }
}

#[test]
fn live_collection_reads_what_the_kubectl_files_hold_and_a_saved_snapshot_audits_the_same() {
    let server = serve(no_fault);
    let setup = setup(&server);
    let written =
        setup.run(&["snapshot", "--kubeconfig", setup.kubeconfig(), "--output-file", &setup.path("live.json")]);
    assert!(written.status.success(), "{}", text(&written.stderr));
    assert_eq!(text(&written.stdout), "", "with -o, stdout stays empty");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(setup.path("live.json")).unwrap()).unwrap();

    // One deserialisation path: the API's lists give the snapshot kubectl's List gives.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inputs/contoso-hardened/kubectl-get.json");
    let from_files = setup.run(&[
        "snapshot",
        "--from-kubectl",
        fixture.to_str().unwrap(),
        "--kubectl-kinds",
        "namespaces,pods,networkpolicies,daemonsets,replicasets,jobs",
    ]);
    let from_files: Value = serde_json::from_slice(&from_files.stdout).unwrap();
    assert_eq!(saved["kubernetes"], from_files["kubernetes"]);
    assert_eq!(saved["kubernetes"]["pods"]["data"].as_array().unwrap().len(), 23);
    assert!(saved["source"].as_str().unwrap().starts_with(&format!("live: context {CONTEXT} ({}", server.url)));
    assert!(saved["source"].as_str().unwrap().ends_with("Kubernetes v1.33.2"), "{}", saved["source"]);
    assert_eq!(saved["azure"]["managed_cluster"]["status"], "unavailable");

    let live_report = setup.audit(&[]);
    let offline_report: Value = {
        let output = setup.run(&["audit", "--snapshot", &setup.path("live.json"), "--format", "json", "--show", "all"]);
        serde_json::from_slice(&output.stdout).unwrap()
    };
    assert_eq!(live_report["findings"], offline_report["findings"]);
    assert_eq!(live_report["unavailable"], offline_report["unavailable"]);
    let kubernetes_unavailable: Vec<&Value> = live_report["unavailable"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["source"].as_str().unwrap().starts_with("kubernetes/"))
        .collect();
    assert!(kubernetes_unavailable.is_empty(), "{kubernetes_unavailable:?}");
    assert_eq!(finding(&live_report, "pod-security-labels")[0]["status"], "pass");

    for request in server.requests() {
        assert!(!request.path.contains("secrets") && !request.path.contains("configmaps"), "{}", request.path);
        // Lists are paged; `/version` and the discovery of Gatekeeper's constraint kinds are not lists.
        if request.path != "/version" && request.path != "/apis/constraints.gatekeeper.sh/v1beta1" {
            assert_eq!(request.query.get("limit").map(String::as_str), Some("500"), "{}", request.path);
        }
    }
}

#[test]
fn pods_are_read_across_pages() {
    let mut cluster = Cluster::from_list(&fixture_list("contoso-hardened"), TOKEN);
    for i in 0..1201 {
        cluster.add(json!({"kind": "Pod", "metadata": {"name": format!("web-{i}"), "namespace": "contoso-web"},
                           "spec": {"containers": [{"name": "c", "image": "contoso.azurecr.io/web:1"}]},
                           "status": {"phase": "Running"}}));
    }
    let server = serve_cluster(cluster, no_fault);
    let setup = setup(&server);
    let snapshot = setup.snapshot(&["--quiet"]);
    assert_eq!(snapshot["kubernetes"]["pods"]["data"].as_array().unwrap().len(), 1224);
    let pages: Vec<Option<String>> =
        requests_for(&server, "pods").into_iter().map(|r| r.query.get("continue").cloned()).collect();
    assert_eq!(
        pages,
        [None, Some(support::cluster::encode_token(500)), Some(support::cluster::encode_token(1000))],
        "three pages, each continuing where the last stopped (tokens percent-encoded and decoded intact)"
    );
}

#[test]
fn an_expired_continue_token_restarts_the_list_once() {
    let mut cluster = Cluster::from_list(&fixture_list("contoso-hardened"), TOKEN);
    for i in 0..600 {
        cluster.add(json!({"kind": "Pod", "metadata": {"name": format!("p-{i}"), "namespace": "contoso-web"}}));
    }
    let expired = Arc::new(AtomicUsize::new(0));
    let server = serve_cluster(cluster, move |request| {
        let continues = request.path == "/api/v1/pods" && request.query.contains_key("continue");
        (continues && expired.fetch_add(1, Ordering::SeqCst) == 0)
            .then(|| Reply::status(410, "Expired", "The provided continue parameter is too old"))
    });
    let setup = setup(&server);
    let snapshot = setup.snapshot(&[]);
    assert_eq!(snapshot["kubernetes"]["pods"]["data"].as_array().unwrap().len(), 623, "no page counted twice");
    let continued: Vec<bool> = requests_for(&server, "pods").iter().map(|r| r.query.contains_key("continue")).collect();
    assert_eq!(continued, [false, true, false, true], "restarted from the first page");
}

#[test]
fn namespace_flags_read_namespaced_kinds_in_those_namespaces_only() {
    let server = serve(no_fault);
    let setup = setup(&server);
    let snapshot = setup.snapshot(&["--namespace", "contoso-web", "--namespace", "default"]);
    let mut paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    paths.sort();
    paths.dedup();
    // Namespaced kinds in the two namespaces; cluster-scoped kinds cluster-wide.
    let expected: Vec<String> = [
        "/api/v1/namespaces",
        "/api/v1/namespaces/contoso-web/pods",
        "/api/v1/namespaces/default/pods",
        "/api/v1/nodes",
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
        "/apis/apps/v1/namespaces/contoso-web/daemonsets",
        "/apis/apps/v1/namespaces/contoso-web/replicasets",
        "/apis/apps/v1/namespaces/default/daemonsets",
        "/apis/apps/v1/namespaces/default/replicasets",
        "/apis/batch/v1/namespaces/contoso-web/jobs",
        "/apis/batch/v1/namespaces/default/jobs",
        "/apis/constraints.gatekeeper.sh/v1beta1",
        "/apis/constraints.gatekeeper.sh/v1beta1/k8sazurev2containerallowedimages",
        "/apis/constraints.gatekeeper.sh/v1beta1/k8sazurev2noprivilege",
        "/apis/constraints.gatekeeper.sh/v1beta1/k8sazurev3hostfilesystem",
        "/apis/networking.k8s.io/v1/namespaces/contoso-web/networkpolicies",
        "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
        "/apis/policy/v1/namespaces/contoso-web/poddisruptionbudgets",
        "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        "/version",
    ]
    .map(String::from)
    .into();
    assert_eq!(paths, expected);
    let names = |part: &str| -> BTreeSet<String> {
        let items = snapshot["kubernetes"][part]["data"].as_array().unwrap();
        items
            .iter()
            .map(|i| i["metadata"]["namespace"].as_str().unwrap_or(i["metadata"]["name"].as_str().unwrap()).to_string())
            .collect()
    };
    assert_eq!(names("namespaces"), ["contoso-web", "default"].map(String::from).into());
    assert_eq!(names("pods"), ["contoso-web"].map(String::from).into());
    assert!(snapshot["source"].as_str().unwrap().ends_with("namespaces contoso-web, default"));
}

#[test]
fn a_namespace_reader_without_cluster_rights_gets_namespaced_kinds_and_a_reason_for_the_rest() {
    let server = serve(|request: &Request| {
        (request.path == "/api/v1/namespaces").then(|| {
            Reply::status(
                403,
                "Forbidden",
                "namespaces is forbidden: User \"trainee\" cannot list resource \"namespaces\"",
            )
        })
    });
    let setup = setup(&server);
    let report = setup.audit(&["--namespace", "contoso-web"]);
    assert_eq!(
        unavailable(&report, "kubernetes/namespaces").as_deref(),
        Some("forbidden: cannot list namespaces at cluster scope; grant list on namespaces")
    );
    assert_eq!(unavailable(&report, "kubernetes/pods"), None);
    let labels = finding(&report, "pod-security-labels");
    assert_eq!(labels[0]["status"], "unknown");
    assert!(labels[0]["message"].as_str().unwrap().contains("grant list on namespaces"), "{}", labels[0]);
}

#[test]
fn forbidden_network_policies_make_only_the_network_rule_unknown() {
    let baseline = {
        let server = serve(no_fault);
        setup(&server).audit(&[])
    };
    let server = serve(|request: &Request| {
        request.path.ends_with("/networkpolicies").then(|| {
            Reply::status(
                403,
                "Forbidden",
                "networkpolicies.networking.k8s.io is forbidden: User \"trainee\" cannot list",
            )
        })
    });
    let report = setup(&server).audit(&[]);
    let reason =
        "forbidden: cannot list networkpolicies at cluster scope; grant list on networking.k8s.io/networkpolicies";
    assert_eq!(unavailable(&report, "kubernetes/networkpolicies").as_deref(), Some(reason));
    // The engine is inferred from the pods that run; every per-namespace verdict needs the
    // policies, so none of those may pass or fail without them.
    let network = finding(&report, "network-policy-default-deny");
    let unknown: Vec<&&Value> = network.iter().filter(|f| f["status"] == "unknown").collect();
    assert!(!unknown.is_empty(), "{network:?}");
    assert!(unknown.iter().all(|f| f["message"].as_str().unwrap().contains(reason)), "{unknown:?}");
    for f in network.iter().filter(|f| f["status"] != "unknown") {
        assert_eq!(f["resource"], "cluster", "only the inferred engine finding is decided: {f}");
    }
    assert!(finding(&baseline, "network-policy-default-deny").iter().all(|f| f["status"] != "unknown"));
    let others = |report: &Value| -> Vec<Value> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] != "network-policy-default-deny")
            .cloned()
            .collect()
    };
    assert_eq!(others(&report), others(&baseline), "every other rule is unaffected");
    assert_eq!(requests_for(&server, "networkpolicies").len(), 1, "a 403 is not retried");
}

#[test]
fn a_server_error_is_retried_and_then_succeeds() {
    let server = serve(fail_first("pods", 1, Reply::status(500, "InternalError", "etcd leader changed")));
    let snapshot = setup(&server).snapshot(&[]);
    assert_eq!(snapshot["kubernetes"]["pods"]["status"], "collected");
    assert_eq!(requests_for(&server, "pods").len(), 2);
}

#[test]
fn a_dropped_connection_is_retried() {
    let server = serve(fail_first("networkpolicies", 1, Reply::hang_up()));
    let snapshot = setup(&server).snapshot(&[]);
    assert_eq!(snapshot["kubernetes"]["network_policies"]["status"], "collected");
    assert_eq!(snapshot["kubernetes"]["network_policies"]["data"].as_array().unwrap().len(), 9);
    assert_eq!(requests_for(&server, "networkpolicies").len(), 2);
}

#[test]
fn too_many_requests_waits_for_retry_after() {
    let reply = Reply::status(429, "TooManyRequests", "slow down").with_header("Retry-After", "1");
    let server = serve(fail_first("replicasets", 1, reply));
    let started = Instant::now();
    let snapshot = setup(&server).snapshot(&[]);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 was honoured");
    assert_eq!(snapshot["kubernetes"]["replica_sets"]["status"], "collected");
    assert_eq!(requests_for(&server, "replicasets").len(), 2);
}

#[test]
fn errors_that_outlast_the_retries_say_what_happened() {
    let server =
        serve(fail_first("daemonsets", 10, Reply::status(503, "ServiceUnavailable", "apiserver is shutting down")));
    let report = setup(&server).audit(&[]);
    assert_eq!(
        unavailable(&report, "kubernetes/daemonsets").as_deref(),
        Some(
            "the API server answered 503 Service Unavailable to the daemonsets list after 3 attempts: apiserver is shutting down"
        )
    );
    assert_eq!(requests_for(&server, "daemonsets").len(), 3, "at most 3 attempts");
}

#[test]
fn a_response_slower_than_the_timeout_makes_the_source_unavailable() {
    let server = serve(|request: &Request| {
        request
            .path
            .ends_with("/jobs")
            .then(|| Reply::json(200, r#"{"kind":"JobList","items":[]}"#).after(Duration::from_secs(6)))
    });
    let started = Instant::now();
    let report = setup(&server).audit(&["--timeout", "1"]);
    assert!(started.elapsed() < Duration::from_secs(6), "gave up before the server answered: {:?}", started.elapsed());
    assert_eq!(
        unavailable(&report, "kubernetes/jobs").as_deref(),
        Some("timeout: the jobs list took longer than 1s; raise --timeout")
    );
    assert_eq!(unavailable(&report, "kubernetes/pods"), None);
}

#[test]
fn garbage_json_makes_the_source_unavailable_with_a_clear_reason() {
    let server = serve(|request: &Request| {
        request.path.ends_with("/daemonsets").then(|| Reply::json(200, "<html>proxy error</html>"))
    });
    let report = setup(&server).audit(&[]);
    let reason = unavailable(&report, "kubernetes/daemonsets").unwrap();
    assert!(
        reason.starts_with("the API server's answer to GET /apis/apps/v1/daemonsets?limit=500 is not a valid daemonsets list (expected value at line 1 column 1)"),
        "{reason}"
    );
    assert_eq!(unavailable(&report, "kubernetes/pods"), None, "other sources are unaffected");
}

#[test]
fn an_api_the_server_does_not_serve_says_so() {
    let server = serve(|request: &Request| {
        request
            .path
            .ends_with("/networkpolicies")
            .then(|| Reply::status(404, "NotFound", "the server could not find the requested resource"))
    });
    let report = setup(&server).audit(&[]);
    assert_eq!(
        unavailable(&report, "kubernetes/networkpolicies").as_deref(),
        Some("API not served: the API server has no networking.k8s.io/v1 networkpolicies (404 Not Found)")
    );
}

/// Exit 2 and one line on stderr containing `expected`; nothing on stdout.
fn assert_stops(output: &Output, expected: &str) {
    let message = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert_eq!(message.trim_end().lines().count(), 1, "one line: {message}");
    assert!(message.starts_with("error: ") && message.contains(expected), "expected {expected:?} in {message}");
    assert!(!message.contains(TOKEN));
    assert_eq!(text(&output.stdout), "");
}

#[test]
fn refused_credentials_stop_the_run_naming_the_context() {
    let server = serve(no_fault);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), CONTEXT, json!({"token": "expired-token"}));
    let setup = Setup { dir, kubeconfig };
    let output = setup.run(&["audit", "--kubeconfig", setup.kubeconfig()]);
    assert_stops(
        &output,
        &format!("the API server of context '{CONTEXT}' ({}) refused the credentials (401 Unauthorized)", server.url),
    );
    assert_eq!(server.requests().len(), 1, "stopped at the first request");
}

#[test]
fn credentials_refused_in_the_middle_of_the_run_also_stop_it() {
    let server = serve(|request: &Request| {
        request.path.ends_with("/pods").then(|| Reply::status(401, "Unauthorized", "Unauthorized"))
    });
    let setup = setup(&server);
    let output = setup.run(&["snapshot", "--kubeconfig", setup.kubeconfig()]);
    assert_stops(&output, &format!("context '{CONTEXT}'"));
    assert!(text(&output.stderr).contains("refused the credentials (401 Unauthorized)"));
}

#[test]
fn a_failing_credential_plugin_stops_the_run_without_repeating_its_output() {
    let server = serve(no_fault);
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("failing-login");
    std::fs::write(
        &plugin,
        format!("#!/bin/sh\necho 'partial {TOKEN}'\necho 'AADSTS70043: refresh token expired' >&2\nexit 1\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let exec = json!({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": plugin, "interactiveMode": "Never"}});
    let kubeconfig = server.kubeconfig(dir.path(), CONTEXT, exec);
    let setup = Setup { dir, kubeconfig };
    let output = setup.run(&["audit", "--kubeconfig", setup.kubeconfig()]);
    assert_stops(
        &output,
        &format!(
            "cannot get credentials for context '{CONTEXT}': the credential plugin (exec) failed with exit status: 1 (run it yourself to see why)"
        ),
    );
    assert!(!text(&output.stderr).contains("AADSTS"), "the plugin's output is not repeated");
    assert!(server.requests().is_empty(), "nothing is sent without credentials");
}

#[test]
fn an_unreachable_server_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        json!({"apiVersion": "v1", "kind": "Config", "current-context": "gone",
        "clusters": [{"name": "c", "cluster": {"server": format!("https://127.0.0.1:{port}")}}],
        "users": [{"name": "u", "user": {"token": TOKEN}}],
        "contexts": [{"name": "gone", "context": {"cluster": "c", "user": "u"}}]})
        .to_string(),
    )
    .unwrap();
    let setup = Setup { dir, kubeconfig };
    let output = setup.run(&["audit", "--kubeconfig", setup.kubeconfig()]);
    assert_stops(&output, &format!("cannot reach the API server of context 'gone' at https://127.0.0.1:{port}: "));
}

#[test]
fn no_kubeconfig_and_no_pod_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup { kubeconfig: dir.path().join("unused"), dir };
    assert_stops(&setup.run(&["audit"]), "no kubeconfig found");
    assert_stops(&setup.run(&["audit", "--kubeconfig", &setup.path("missing")]), "cannot read ");
}

#[test]
fn an_exec_credential_plugin_on_path_provides_the_token() {
    let server = serve(no_fault);
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let plugin = bin.join("aksguard-test-login");
    let credential = json!({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                            "status": {"token": TOKEN}});
    std::fs::write(&plugin, format!("#!/bin/sh\ncat <<'EOF'\n{credential}\nEOF\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let exec = json!({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "aksguard-test-login",
                               "args": ["get-token"], "interactiveMode": "Never"}});
    let kubeconfig = server.kubeconfig(dir.path(), CONTEXT, exec);
    let setup = Setup { dir, kubeconfig };
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    // Found through KUBECONFIG, as kubectl finds it.
    let output = setup
        .command()
        .args(["snapshot", "--quiet", "--skip-azure"])
        .env("KUBECONFIG", &setup.kubeconfig)
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let snapshot: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(snapshot["kubernetes"]["pods"]["status"], "collected");
    assert!(server.requests().iter().all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
    assert!(!text(&output.stdout).contains(TOKEN) && !text(&output.stderr).contains(TOKEN));
}

#[test]
fn skip_kubernetes_reads_nothing_from_the_cluster() {
    let server = serve(no_fault);
    let setup = setup(&server);
    let report = setup.audit(&["--skip-kubernetes"]);
    assert!(server.requests().is_empty(), "{:?}", server.paths());
    for source in ["namespaces", "pods", "networkpolicies", "daemonsets", "replicasets", "jobs"] {
        assert_eq!(
            unavailable(&report, &format!("kubernetes/{source}")).as_deref(),
            Some("not requested: --skip-kubernetes")
        );
    }
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["status"] == "unknown"));
}

#[test]
fn the_token_and_secret_values_never_reach_the_output() {
    let server = serve_cluster(Cluster::from_list(&fixture_list("contoso-insecure"), TOKEN), no_fault);
    let setup = setup(&server);
    for args in [vec!["audit", "--show", "all"], vec!["audit", "--format", "json", "--show", "all"], vec!["snapshot"]] {
        let mut args = args;
        args.extend(["--kubeconfig", setup.kubeconfig()]);
        let output = setup.run(&args);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let all = text(&output.stdout) + &text(&output.stderr);
        for secret in [TOKEN, "CANARY", "Q0FOQVJZ", "last-applied-configuration"] {
            assert!(!all.contains(secret), "{args:?} leaked {secret}");
        }
    }
}

/// One object of every kind of the declaration (`snapshot::sources`), as `kubectl get -o json`
/// prints it; a Gatekeeper constraint for the discovered group.
fn one_of_every_kind() -> Value {
    use aksguard::snapshot::sources::{Scope, kubernetes_kinds};
    let items: Vec<Value> = kubernetes_kinds()
        .map(|kind| {
            let (api_version, kind_name) = match (kind.scope, kind.group) {
                (Scope::Discovered, group) => (format!("{group}/{}", kind.version), "K8sAzureV2NoPrivilege"),
                (_, "") => (kind.version.to_string(), kind.kind),
                (_, group) => (format!("{group}/{}", kind.version), kind.kind),
            };
            let mut metadata = json!({"name": format!("one-{}", kind.plural)});
            if kind.scope == Scope::Namespaced {
                metadata["namespace"] = json!("shop");
            }
            json!({"apiVersion": api_version, "kind": kind_name, "metadata": metadata})
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "List", "items": items})
}

/// Adding a kind is one entry in the declaration plus its model: this lists every declared
/// kind and checks each is listed live, read from a kubectl file alike, and written to and read
/// back from a snapshot unchanged. (tests/deploy.rs checks the reader role grants each.)
#[test]
fn every_declared_kind_is_collected_live_read_from_files_and_kept_in_snapshots() {
    let list = one_of_every_kind();
    let server = serve_cluster(Cluster::from_list(&list, TOKEN), no_fault);
    let setup = setup(&server);
    let live = setup.snapshot(&[]);
    let file = setup.path("every-kind.json");
    std::fs::write(&file, serde_json::to_string_pretty(&list).unwrap()).unwrap();
    let from_file = setup.run(&["snapshot", "--from-kubectl", &file]);
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    let from_file: Value = serde_json::from_slice(&from_file.stdout).unwrap();
    for kind in aksguard::snapshot::sources::kubernetes_kinds() {
        for (input, snapshot) in [("live", &live), ("--from-kubectl", &from_file)] {
            let part = &snapshot["kubernetes"][kind.field];
            assert_eq!(part["status"], "collected", "{} {input}: {part}", kind.source);
            let names: Vec<&Value> = part["data"].as_array().unwrap().iter().map(|o| &o["metadata"]["name"]).collect();
            assert_eq!(names, [&json!(format!("one-{}", kind.plural))], "{} {input}", kind.source);
        }
    }
    assert_eq!(live["kubernetes"], from_file["kubernetes"], "one deserialisation path");

    let saved = setup.path("every-kind-snapshot.json");
    let written = setup.run(&["snapshot", "--kubeconfig", setup.kubeconfig(), "--output-file", &saved]);
    assert!(written.status.success(), "{}", text(&written.stderr));
    let text_saved = std::fs::read_to_string(&saved).unwrap();
    let read_back = aksguard::collect::snapshot_file::read(Path::new(&saved)).unwrap();
    assert_eq!(aksguard::collect::snapshot_file::to_json(&read_back), text_saved, "read back, written alike");
    assert!(read_back.kubernetes.sources().iter().all(|(_, reason)| reason.is_none()));
}
