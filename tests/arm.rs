//! Live collection from the AKS management (ARM) API, end to end: the real binary against a
//! real HTTPS server on 127.0.0.1 serving ARM-shaped JSON (bearer token and api-version checked),
//! trusted through `SSL_CERT_FILE`, with the token from a fake `az` first on PATH — the Azure CLI
//! credential path for real. Nothing contacts Entra ID or the metadata address: the environment
//! is cleared, so no other credential can be chosen.

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::apiserver::{ApiServer, Reply, Request};
use support::azure::{self, Azure, CLUSTER, GROUP, SUBSCRIPTION};
use support::cluster::Cluster;

/// Shaped like a JWT, so that `doctor` can say whose it is: {"upn":"tester@contoso.com"}.
const TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJ1cG4iOiJ0ZXN0ZXJAY29udG9zby5jb20ifQ.c2lnbmF0dXJlLXNlY3JldC0yOTQx";
const SIGNATURE: &str = "c2lnbmF0dXJlLXNlY3JldC0yOTQx";
const KUBE_TOKEN: &str = "kube-test-token-77c1d";

fn serve_arm(azure: Azure, fault: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static) -> ApiServer {
    let url = azure.url.clone();
    let server = ApiServer::start(move |request| fault(request).unwrap_or_else(|| azure.serve(request)));
    url.set(server.url.clone()).unwrap();
    server
}

fn no_fault(_: &Request) -> Option<Reply> {
    None
}

fn serve_kube(fault: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static) -> ApiServer {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inputs/contoso-hardened/kubectl-get.json");
    let list: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cluster = Cluster::from_list(&list, KUBE_TOKEN);
    ApiServer::start(move |request| fault(request).unwrap_or_else(|| cluster.serve(request)))
}

/// `reply` for every request whose path ends with `suffix`.
fn on(suffix: &'static str, reply: Reply) -> impl Fn(&Request) -> Option<Reply> + Send + Sync {
    move |request| request.path.to_ascii_lowercase().ends_with(suffix).then(|| reply.clone())
}

/// A temp dir (HOME) with the ARM server's CA, a fake `az` on PATH, and a kubeconfig.
struct Setup {
    dir: tempfile::TempDir,
    arm: ApiServer,
    kubeconfig: PathBuf,
}

/// The fake Azure CLI: logs its arguments, prints a token and the default subscription.
fn fake_az(log: &Path) -> String {
    let token = json!({"accessToken": TOKEN, "expiresOn": "2030-01-01 00:00:00.000000", "expires_on": 1893456000,
                       "subscription": SUBSCRIPTION, "tenant": "22222222-2222-2222-2222-222222222222", "tokenType": "Bearer"});
    format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\ncase \"$1 $2\" in\n  'account get-access-token') echo '{token}' ;;\n  'account show') echo {SUBSCRIPTION} ;;\n  *) echo \"unexpected: az $*\" >&2; exit 2 ;;\nesac\n",
        log.display()
    )
}

impl Setup {
    /// With a kubeconfig whose server is `server` (not contacted unless the run reads Kubernetes).
    fn new(arm: ApiServer, server: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let config = json!({"apiVersion": "v1", "kind": "Config", "current-context": "aks-contoso-prod",
            "clusters": [{"name": "c", "cluster": {"server": server}}],
            "users": [{"name": "u", "user": {"token": KUBE_TOKEN}}],
            "contexts": [{"name": "aks-contoso-prod", "context": {"cluster": "c", "user": "u"}}]});
        std::fs::write(&kubeconfig, config.to_string()).unwrap();
        let setup = Setup { dir, arm, kubeconfig };
        std::fs::write(setup.file("arm-ca.pem"), &setup.arm.ca_pem).unwrap();
        std::fs::create_dir(setup.file("bin")).unwrap();
        setup.az(&fake_az(&setup.file("az.log")));
        setup
    }

    /// With a kubeconfig for a live test API server.
    fn with_kube(arm: ApiServer, kube: &ApiServer) -> Setup {
        let mut setup = Setup::new(arm, &kube.url);
        setup.kubeconfig = kube.kubeconfig(setup.dir.path(), "aks-contoso-prod", json!({"token": KUBE_TOKEN}));
        setup
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn az(&self, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.file("bin/az");
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn az_calls(&self) -> String {
        std::fs::read_to_string(self.file("az.log")).unwrap_or_default()
    }

    /// The binary in a cleared environment: no Azure variables, no proxy, no metadata endpoint.
    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aksguard"));
        command
            .env_clear()
            .env("HOME", self.dir.path())
            .env("PATH", format!("{}:/usr/bin:/bin", self.file("bin").display()))
            .env("SSL_CERT_FILE", self.file("arm-ca.pem"))
            .env("KUBECONFIG", &self.kubeconfig);
        command
    }

    /// `args` against the local ARM server.
    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).args(["--arm-endpoint", &self.arm.url]).output().expect("the binary runs")
    }

    /// A snapshot, checking the run succeeded and leaked no token.
    fn snapshot(&self, extra: &[&str]) -> (Value, String) {
        let mut args = vec!["snapshot"];
        args.extend(extra);
        let output = self.run(&args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        assert_no_token(&output);
        (serde_json::from_slice(&output.stdout).expect("a snapshot"), text(&output.stderr))
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_token(output: &Output) {
    let all = text(&output.stdout) + &text(&output.stderr);
    for secret in [TOKEN, SIGNATURE, KUBE_TOKEN] {
        assert!(!all.contains(secret), "the output holds {secret}:\n{all}");
    }
}

/// A run that stopped with exit 2 and one line saying `expected`.
fn assert_stops(output: &Output, expected: &str) {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(expected), "expected {expected:?} in: {stderr}");
    assert_no_token(output);
}

fn status(snapshot: &Value, part: &str) -> String {
    snapshot["azure"][part]["status"].as_str().unwrap().to_string()
}

fn reason(snapshot: &Value, part: &str) -> String {
    snapshot["azure"][part]["reason"].as_str().unwrap_or("").to_string()
}

/// Every ARM part of the declaration (`snapshot::sources`).
fn arm_parts() -> impl Iterator<Item = &'static str> {
    aksguard::snapshot::sources::ARM_READS.iter().map(|read| read.field)
}

const NAMED: [&str; 4] = ["-g", GROUP, "-n", CLUSTER];

/// The subscription's Defender plan, not the cluster's own (whose path ends the same way).
const SUBSCRIPTION_PLAN: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/providers/microsoft.security/pricings/containers";

/// The cluster's path, lowercase, for [`on`].
const CLUSTER_SUFFIX: &str = "/managedclusters/aks-contoso-prod";

#[test]
fn live_arm_reads_what_the_az_files_hold() {
    let arm = serve_arm(Azure::contoso(TOKEN), no_fault);
    let kube = serve_kube(no_fault);
    let setup = Setup::with_kube(arm, &kube);
    let mut args = vec!["-v", "--subscription", SUBSCRIPTION];
    args.extend(NAMED);
    let (live, stderr) = setup.snapshot(&args);
    assert!(stderr.contains("DEBUG"), "-v writes debug logs: {stderr}");
    assert!(stderr.contains("path=/api/v1/pods"), "the Kubernetes requests too: {stderr}");
    assert!(
        stderr.contains(&format!("note: the API server 127.0.0.1 of context 'aks-contoso-prod' is not an FQDN of ARM cluster {CLUSTER}; check that --context and -g/-n name the same cluster")),
        "{stderr}"
    );

    // One deserialisation path: ARM's answers give the snapshot the az files give.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inputs/contoso-hardened");
    let files: Vec<String> = [
        "aks-show.json",
        "maintenanceconfiguration-list.json",
        "get-upgrades.json",
        "security-pricing-containers.json",
        "diagnostic-settings-list.json",
        "nodepool-get-upgrades-nodepool1.json",
        "nodepool-get-upgrades-userpool1.json",
        "aks-get-versions.json",
    ]
    .iter()
    .chain(ISSUE13_AZ_FILES.iter())
    .map(|name| dir.join(name).display().to_string())
    .collect();
    let mut args = vec!["snapshot", "--az-lists", "componentpolicystates", "--from-az"];
    args.extend(files.iter().map(String::as_str));
    let from_files = setup.command().args(&args).output().unwrap();
    assert!(from_files.status.success(), "{}", text(&from_files.stderr));
    let from_files: Value = serde_json::from_slice(&from_files.stdout).unwrap();
    for part in arm_parts() {
        assert_eq!(live["azure"][part], from_files["azure"][part], "{part}");
    }
    assert_eq!(live["azure"], from_files["azure"]);
    // Every declared ARM source is collected live, and read alike from its az file.
    for part in arm_parts() {
        assert_eq!(status(&live, part), "collected", "{part}: {}", reason(&live, part));
    }
    assert_eq!(live["kubernetes"]["pods"]["status"], "collected");
    let source = live["source"].as_str().unwrap();
    assert!(
        source.ends_with(&format!("ARM: {CLUSTER} (resource group {GROUP}, subscription {SUBSCRIPTION})")),
        "{source}"
    );

    // Every request carried the token and the pinned api-version (the server refuses others),
    // the maintenance list's second page was followed, and only the Containers plan was read.
    let requests = setup.arm.requests();
    assert!(requests.iter().all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
    assert!(requests.iter().all(|r| r.query["api-version"] == azure::expected_api_version(&r.path)));
    let paths: Vec<String> = requests.iter().map(|r| r.path.to_ascii_lowercase()).collect();
    assert_eq!(paths.iter().filter(|p| p.ends_with("/maintenanceconfigurations")).count(), 2);
    assert!(paths.iter().any(|p| p.ends_with("/pricings/containers")));
    assert!(!paths.iter().any(|p| p.contains("kubernetesservice")));
    assert!(
        setup.az_calls().contains(&format!(
            "account get-access-token -o json --scope https://management.azure.com/.default --subscription {SUBSCRIPTION}"
        )),
        "{}",
        setup.az_calls()
    );
    assert!(!setup.az_calls().contains("account show"), "--subscription is used as given");
}

#[test]
fn the_reference_shapes_of_the_arm_api_are_read() {
    let arm = serve_arm(Azure::reference(TOKEN), no_fault);
    let setup = Setup::new(arm, "https://unused.example:443");
    let (snapshot, _) = setup.snapshot(&["--skip-kubernetes", "-g", "rg1", "-n", "clustername1"]);
    // Every declared ARM source is collected live, and read alike from its az file.
    for part in arm_parts() {
        assert_eq!(status(&snapshot, part), "collected", "{part}: {}", reason(&snapshot, part));
    }
    let azure = &snapshot["azure"];
    assert_eq!(azure["managed_cluster"]["data"]["properties"]["enableRBAC"], false);
    assert_eq!(azure["maintenance_configurations"]["data"].as_array().unwrap().len(), 2);
    assert_eq!(azure["defender_pricing"]["data"]["properties"]["pricingTier"], "Standard");
    assert_eq!(azure["diagnostic_settings"]["data"], json!([]));
}

/// Three clusters; the kubeconfig's server is `fqdn` of one of them (or none).
fn discovery_setup(server: &str, duplicate: bool) -> Setup {
    let mut azure = Azure::contoso(TOKEN);
    let other = |name: &str, fqdn: &str| {
        let mut cluster = azure.clusters[0].clone();
        cluster["id"] = json!(format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-other/providers/Microsoft.ContainerService/managedClusters/{name}"
        ));
        cluster["name"] = json!(name);
        cluster["properties"]["fqdn"] = json!(fqdn);
        cluster["properties"]["azurePortalFQDN"] = json!(format!("portal.{fqdn}"));
        cluster
    };
    let second = other("aks-staging", "aks-staging-dns-1.hcp.eastus.azmk8s.io");
    let third = match duplicate {
        true => other("aks-copy", "aks-contoso-prod-dns-4f2a9c1e.hcp.eastus.azmk8s.io"),
        false => other("aks-dev", "aks-dev-dns-2.hcp.westeurope.azmk8s.io"),
    };
    azure.clusters = vec![second, azure.clusters[0].clone(), third];
    Setup::new(serve_arm(azure, no_fault), server)
}

#[test]
fn discovery_picks_the_cluster_whose_fqdn_is_the_kubeconfig_server() {
    let setup = discovery_setup("https://AKS-Contoso-Prod-dns-4f2a9c1e.hcp.eastus.azmk8s.io:443", false);
    let (snapshot, stderr) = setup.snapshot(&["--skip-kubernetes"]);
    assert_eq!(snapshot["azure"]["managed_cluster"]["data"]["name"], CLUSTER);
    assert_eq!(status(&snapshot, "defender_pricing"), "collected");
    assert!(
        stderr.contains(&format!(
            "note: auditing cluster {CLUSTER} in resource group {GROUP} of subscription {SUBSCRIPTION} (its API server is aks-contoso-prod-dns-4f2a9c1e.hcp.eastus.azmk8s.io, the server of context 'aks-contoso-prod')"
        )),
        "{stderr}"
    );
    // No --subscription and no AZURE_SUBSCRIPTION_ID: the Azure CLI's default.
    assert!(setup.az_calls().contains("account show --query id -o tsv"));
}

#[test]
fn discovery_without_a_match_names_the_candidates_and_the_flags() {
    let setup = discovery_setup("https://other-cluster.example.com:6443", false);
    let output = setup.run(&["snapshot", "--skip-kubernetes"]);
    assert_stops(
        &output,
        &format!(
            "no managed cluster in subscription {SUBSCRIPTION} has the API server other-cluster.example.com of context 'aks-contoso-prod' (the subscription has: aks-staging (resource group rg-other), {CLUSTER} (resource group {GROUP}), aks-dev (resource group rg-other)); pass -g RG -n NAME"
        ),
    );
}

#[test]
fn discovery_with_two_matches_asks_which_one() {
    let setup = discovery_setup("https://aks-contoso-prod-dns-4f2a9c1e.hcp.eastus.azmk8s.io:443", true);
    let output = setup.run(&["snapshot", "--skip-kubernetes"]);
    assert_stops(
        &output,
        &format!(
            "2 managed clusters in subscription {SUBSCRIPTION} have the API server aks-contoso-prod-dns-4f2a9c1e.hcp.eastus.azmk8s.io: {CLUSTER} (resource group {GROUP}), aks-copy (resource group rg-other); pass -g RG -n NAME to choose one"
        ),
    );
}

#[test]
fn a_forbidden_pricing_read_leaves_only_the_defender_plan_unknown() {
    let arm =
        serve_arm(Azure::contoso(TOKEN), on(SUBSCRIPTION_PLAN, azure::forbidden("Microsoft.Security/pricings/read")));
    let setup = Setup::new(arm, "https://unused.example:443");
    let (snapshot, _) = setup.snapshot(&[&["--skip-kubernetes"][..], &NAMED[..]].concat());
    for part in arm_parts().filter(|part| *part != "defender_pricing") {
        assert_eq!(status(&snapshot, part), "collected", "{part}: {}", reason(&snapshot, part));
    }
    assert_eq!(
        reason(&snapshot, "defender_pricing"),
        "forbidden: cannot read the subscription's Defender for Containers plan (AuthorizationFailed); grant Microsoft.Security/pricings/read, as deploy/aksguard-reader-role.json does"
    );
    let report =
        setup.run(&[&["audit", "--skip-kubernetes", "--format", "json", "--show", "all"][..], &NAMED[..]].concat());
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    let defender = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "defender-enabled").unwrap();
    assert_eq!(defender["status"], "unknown");
}

#[test]
fn a_cluster_that_does_not_exist_stops_the_run() {
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), no_fault), "https://unused.example:443");
    let output = setup.run(&["audit", "--skip-kubernetes", "-g", GROUP, "-n", "aks-missing"]);
    assert_stops(
        &output,
        &format!(
            "error: cluster aks-missing in resource group {GROUP} of subscription {SUBSCRIPTION} was not found at {} (404 ResourceNotFound); check -g, -n and --subscription",
            setup.arm.url
        ),
    );
}

#[test]
fn a_refused_token_stops_the_run_saying_to_log_in() {
    let setup = Setup::new(serve_arm(Azure::contoso("another-token"), no_fault), "https://unused.example:443");
    let output = setup.run(&[&["audit", "--skip-kubernetes"][..], &NAMED[..]].concat());
    assert_stops(
        &output,
        &format!(
            "ARM at {} refused the token of the Azure CLI login (401 Unauthorized InvalidAuthenticationToken); run `az login`",
            setup.arm.url
        ),
    );
    assert_eq!(setup.arm.requests().len(), 1, "stopped at the first request");
}

#[test]
fn an_azure_cli_without_a_login_stops_the_run_saying_to_log_in() {
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), no_fault), "https://unused.example:443");
    setup.az("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
    let named = [&["audit", "--skip-kubernetes"][..], &NAMED[..]].concat();
    let output = setup.run(&[&named[..], &["--subscription", SUBSCRIPTION][..]].concat());
    assert_stops(&output, "error: cannot get an Azure token from the Azure CLI login: ");
    assert!(text(&output.stderr).contains("run `az login`"));
    // Without --subscription, the Azure CLI's default is asked for first.
    assert_stops(
        &setup.run(&named),
        "error: no subscription given, and the Azure CLI has no default one (`az account show`: ERROR: Please run 'az login' to setup account.); run `az login`",
    );
    assert!(setup.arm.requests().is_empty());
}

#[test]
fn a_missing_service_principal_variable_is_named() {
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), no_fault), "https://unused.example:443");
    let output = setup
        .command()
        .args([&["audit", "--skip-kubernetes", "--auth", "env"][..], &NAMED[..]].concat())
        .env("AZURE_CLIENT_ID", "33333333-3333-3333-3333-333333333333")
        .env("AZURE_TENANT_ID", "22222222-2222-2222-2222-222222222222")
        .output()
        .unwrap();
    assert_stops(&output, "--auth env needs AZURE_CLIENT_SECRET set");
}

#[test]
fn throttling_is_retried_after_the_servers_delay() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let throttle = move |request: &Request| {
        let hit = request.path.ends_with("/upgradeProfiles/default") && !request.path.contains("agentPools");
        (hit && counter.fetch_add(1, Ordering::SeqCst) == 0)
            .then(|| azure::error(429, "TooManyRequests", "throttled").with_header("Retry-After", "1"))
    };
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), throttle), "https://unused.example:443");
    let started = Instant::now();
    let (snapshot, _) = setup.snapshot(&[&["--skip-kubernetes"][..], &NAMED[..]].concat());
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
    assert_eq!(status(&snapshot, "upgrade_profile"), "collected");
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[test]
fn skip_azure_reads_nothing_from_arm() {
    let kube = serve_kube(no_fault);
    let setup = Setup::with_kube(serve_arm(Azure::contoso(TOKEN), no_fault), &kube);
    let (snapshot, _) = setup.snapshot(&["--skip-azure"]);
    // Every declared ARM source is collected live, and read alike from its az file.
    for part in arm_parts() {
        assert_eq!(reason(&snapshot, part), "not requested: --skip-azure");
    }
    assert!(setup.arm.requests().is_empty());
    assert_eq!(setup.az_calls(), "", "no credential is asked for");
    assert_eq!(snapshot["kubernetes"]["pods"]["status"], "collected");
}

#[test]
fn doctor_marks_exactly_the_unreadable_sources() {
    let arm =
        serve_arm(Azure::contoso(TOKEN), on(SUBSCRIPTION_PLAN, azure::forbidden("Microsoft.Security/pricings/read")));
    let kube = serve_kube(|request: &Request| {
        request.path.ends_with("/networkpolicies").then(|| {
            Reply::status(403, "Forbidden", "networkpolicies.networking.k8s.io is forbidden: User cannot list resource")
        })
    });
    let setup = Setup::with_kube(arm, &kube);
    let output = setup.run(&[&["doctor"][..], &NAMED[..]].concat());
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_no_token(&output);
    let stdout = text(&output.stdout);
    let failed: Vec<&str> = stdout.lines().filter(|line| line.starts_with('✗')).collect();
    assert_eq!(
        failed,
        [
            "✗ arm/pricings/Containers: forbidden: cannot read the subscription's Defender for Containers plan (AuthorizationFailed); grant Microsoft.Security/pricings/read, as deploy/aksguard-reader-role.json does",
            "✗ kubernetes/networkpolicies: forbidden: cannot list networkpolicies at cluster scope; grant list on networking.k8s.io/networkpolicies",
        ],
        "{stdout}"
    );
    // Every declared source but the two failing ones, the Azure line and the Kubernetes line.
    let sources = arm_parts().count() + aksguard::snapshot::sources::kubernetes_kinds().count();
    assert_eq!(stdout.lines().filter(|line| line.starts_with('✓')).count(), sources - 2 + 2, "{stdout}");
    assert!(
        stdout.starts_with(&format!(
            "✓ Azure: the Azure CLI login as user tester@contoso.com; cluster {CLUSTER} in resource group {GROUP} of subscription {SUBSCRIPTION} at {}\n✓ Kubernetes: live: context aks-contoso-prod",
            setup.arm.url
        )),
        "{stdout}"
    );

    let healthy = Setup::with_kube(serve_arm(Azure::contoso(TOKEN), no_fault), &serve_kube(no_fault));
    let output = healthy.run(&[&["doctor"][..], &NAMED[..]].concat());
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
}

#[test]
fn doctor_checks_kubernetes_even_without_an_azure_login() {
    let kube = serve_kube(no_fault);
    let setup = Setup::with_kube(serve_arm(Azure::contoso(TOKEN), no_fault), &kube);
    setup.az("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
    let output = setup.run(&[&["doctor", "--subscription", SUBSCRIPTION][..], &NAMED[..]].concat());
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let failed: Vec<&str> = stdout.lines().filter(|line| line.starts_with('✗')).collect();
    assert_eq!(failed.len(), 1 + arm_parts().count(), "the Azure line and every ARM source: {stdout}");
    assert!(failed[0].starts_with("✗ Azure: cannot get an Azure token from the Azure CLI login: "), "{stdout}");
    assert!(failed[0].contains("run `az login`"), "{stdout}");
    assert!(
        failed[1..].iter().all(|line| line.starts_with("✗ arm/")
            && line.ends_with("not checked: the ARM API could not be used (see above)"))
    );
    assert_eq!(
        stdout.lines().filter(|line| line.starts_with("✓ kubernetes/")).count(),
        aksguard::snapshot::sources::kubernetes_kinds().count(),
        "{stdout}"
    );
}

#[test]
fn the_proxy_comes_from_https_proxy_and_no_proxy() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), no_fault), "https://unused.example:443");
    let args =
        [&["snapshot", "--skip-kubernetes", "--timeout", "5"][..], &NAMED[..], &["--arm-endpoint", &setup.arm.url][..]]
            .concat();
    let through_proxy = setup.command().args(&args).env("HTTPS_PROXY", &proxy).output().unwrap();
    assert_stops(&through_proxy, &format!("cannot reach ARM at {}: ", setup.arm.url));
    assert!(setup.arm.requests().is_empty(), "the request went to the proxy");
    let bypassed =
        setup.command().args(&args).env("HTTPS_PROXY", &proxy).env("NO_PROXY", "127.0.0.1").output().unwrap();
    assert_eq!(bypassed.status.code(), Some(0), "{}", text(&bypassed.stderr));
}

#[test]
fn an_untrusted_certificate_stops_the_run() {
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), no_fault), "https://unused.example:443");
    let args = [&["snapshot", "--skip-kubernetes"][..], &NAMED[..], &["--arm-endpoint", &setup.arm.url][..]].concat();
    // Without SSL_CERT_FILE, the test CA is not in the system store.
    let output = setup.command().args(&args).env_remove("SSL_CERT_FILE").output().unwrap();
    assert_stops(
        &output,
        &format!(
            "cannot connect to ARM at {}: the server's TLS certificate is not trusted: it is not signed by a trusted CA",
            setup.arm.url
        ),
    );
    assert!(text(&output.stderr).to_lowercase().contains("certificate"), "{}", text(&output.stderr));
}

#[test]
fn a_next_link_away_from_the_endpoint_is_not_followed() {
    let page = json!({"value": [], "nextLink": "https://collector.example/steal?api-version=2026-01-01"});
    let arm = serve_arm(Azure::contoso(TOKEN), on("/maintenanceconfigurations", Reply::json(200, page.to_string())));
    let setup = Setup::new(arm, "https://unused.example:443");
    let (snapshot, _) = setup.snapshot(&[&["--skip-kubernetes"][..], &NAMED[..]].concat());
    assert_eq!(
        reason(&snapshot, "maintenance_configurations"),
        format!(
            "the read of the maintenance configurations failed on the first attempt: a nextLink points away from {}",
            setup.arm.url
        )
    );
    assert_eq!(status(&snapshot, "upgrade_profile"), "collected");
}

const TENANT: &str = "22222222-2222-2222-2222-222222222222";
const CLIENT: &str = "33333333-3333-3333-3333-333333333333";

/// A run with `variables` set and Entra ID served by the ARM test server (AZURE_AUTHORITY_HOST).
fn run_with_entra(proof: &'static str, value: &'static str, variables: &[(&str, &str)]) -> (Setup, Output) {
    let arm = serve_arm(Azure::contoso(TOKEN), move |request| azure::entra(request, TENANT, proof, value, TOKEN));
    let setup = Setup::new(arm, "https://unused.example:443");
    let mut command = setup.command();
    command
        .args([&["snapshot", "--skip-kubernetes", "--arm-endpoint", &setup.arm.url][..], &NAMED[..]].concat())
        .env("AZURE_AUTHORITY_HOST", &setup.arm.url)
        .env("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", CLIENT);
    for (name, value) in variables {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    (setup, output)
}

#[test]
fn a_service_principal_in_the_environment_is_used_first() {
    const SECRET: &str = "sp-secret-value-8d1e";
    let (setup, output) = run_with_entra("client_secret", SECRET, &[("AZURE_CLIENT_SECRET", SECRET)]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_no_token(&output);
    assert!(!text(&output.stdout).contains(SECRET) && !text(&output.stderr).contains(SECRET));
    let snapshot: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status(&snapshot, "managed_cluster"), "collected");
    assert_eq!(setup.az_calls(), "", "the Azure CLI is not asked");
    let token_requests = setup.arm.requests().iter().filter(|r| r.path.ends_with("/oauth2/v2.0/token")).count();
    assert_eq!(token_requests, 1);
}

#[test]
fn workload_identity_exchanges_the_federated_token() {
    const ASSERTION: &str = "federated-assertion-from-the-pod";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("azure-identity-token");
    std::fs::write(&file, ASSERTION).unwrap();
    let (setup, output) =
        run_with_entra("client_assertion", ASSERTION, &[("AZURE_FEDERATED_TOKEN_FILE", file.to_str().unwrap())]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_no_token(&output);
    let snapshot: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status(&snapshot, "defender_pricing"), "collected");
    assert_eq!(setup.az_calls(), "");
}

#[test]
fn a_refused_client_secret_stops_the_run_naming_the_variables() {
    let (_, output) = run_with_entra("client_secret", "the-right-secret", &[("AZURE_CLIENT_SECRET", "a-wrong-secret")]);
    assert_stops(&output, "error: cannot get an Azure token from the service principal in AZURE_CLIENT_ID: ");
    assert!(text(&output.stderr).contains("check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"));
    assert!(!text(&output.stderr).contains("a-wrong-secret"));
}

#[test]
fn a_forbidden_cluster_read_leaves_what_needs_the_cluster_unknown_and_reads_the_rest() {
    let forbidden = azure::forbidden("Microsoft.ContainerService/managedClusters/read");
    let arm = serve_arm(Azure::contoso(TOKEN), on(CLUSTER_SUFFIX, forbidden));
    let setup = Setup::new(arm, "https://unused.example:443");
    let (snapshot, _) = setup.snapshot(&[&["--skip-kubernetes"][..], &NAMED[..]].concat());
    assert_eq!(
        reason(&snapshot, "managed_cluster"),
        "forbidden: cannot read the managed cluster (AuthorizationFailed); grant Microsoft.ContainerService/managedClusters/read, as deploy/aksguard-reader-role.json does"
    );
    assert_eq!(
        reason(&snapshot, "agent_pool_upgrade_profiles"),
        "cannot read the agent pools' upgrade profiles: it needs the managed cluster, which could not be read"
    );
    assert!(
        reason(&snapshot, "kubernetes_versions").ends_with("it needs the managed cluster, which could not be read")
    );
    for part in ["maintenance_configurations", "upgrade_profile", "defender_pricing", "diagnostic_settings"] {
        assert_eq!(status(&snapshot, part), "collected", "{part}");
    }
}

#[test]
fn a_sovereign_cloud_asks_for_its_own_token_audience() {
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), no_fault), "https://unused.example:443");
    let (snapshot, _) =
        setup.snapshot(&[&["--skip-kubernetes", "--cloud", "AzureUSGovernment"][..], &NAMED[..]].concat());
    assert_eq!(status(&snapshot, "managed_cluster"), "collected");
    assert!(setup.az_calls().contains("--scope https://management.usgovcloudapi.net/.default"), "{}", setup.az_calls());
}

#[test]
fn the_arm_flags_are_for_live_runs_only() {
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), no_fault), "https://unused.example:443");
    for args in [
        vec!["audit", "--demo", "insecure", "-g", GROUP, "-n", CLUSTER],
        vec!["audit", "--demo", "insecure", "--skip-azure"],
        vec!["doctor", "--demo", "insecure"],
        vec!["audit", "-g", GROUP],
    ] {
        let output = setup.command().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output.stderr));
        assert!(text(&output.stderr).starts_with("error: ") && text(&output.stderr).contains("Usage: "), "{args:?}");
    }
    assert!(setup.arm.requests().is_empty() && setup.az_calls().is_empty());
}

#[test]
fn an_azure_cli_that_hangs_is_given_up_after_the_timeout() {
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), no_fault), "https://unused.example:443");
    setup.az("#!/bin/sh\nexec sleep 30\n");
    let started = Instant::now();
    let args =
        [&["audit", "--skip-kubernetes", "--timeout", "1", "--subscription", SUBSCRIPTION][..], &NAMED[..]].concat();
    let output = setup.run(&args);
    assert_stops(
        &output,
        "error: cannot get an Azure token from the Azure CLI login: no answer within 1s; run `az login`",
    );
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let without_subscription = setup.run(&[&["audit", "--skip-kubernetes", "--timeout", "1"][..], &NAMED[..]].concat());
    assert_stops(&without_subscription, "the Azure CLI did not say its default within 1s (`az account show`)");
}

// ---- Defender, Azure Policy and Azure RBAC (issue 13) ----

/// The az outputs of the new sources in `fixtures/inputs/contoso-*/`.
const ISSUE13_AZ_FILES: [&str; 8] = [
    "security-pricing-containers-cluster.json",
    "security-alert-list.json",
    "security-assessment-list.json",
    "security-sub-assessment-list.json",
    "policy-assignment-list.json",
    "policy-state-list.json",
    "component-policy-states.json",
    "role-assignment-list.json",
];

fn audit_json(setup: &Setup, extra: &[&str]) -> Value {
    let args = [&["audit", "--format", "json", "--show", "all"][..], extra, &NAMED[..]].concat();
    let output = setup.run(&args);
    assert!(output.status.code().is_some_and(|code| code < 2), "{}", text(&output.stderr));
    assert_no_token(&output);
    serde_json::from_slice(&output.stdout).unwrap()
}

fn findings_of<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).collect()
}

#[test]
fn the_new_reads_send_their_queries_and_follow_every_page() {
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), no_fault), "https://unused.example:443");
    let (snapshot, _) = setup.snapshot(&[&["--skip-kubernetes"][..], &NAMED[..]].concat());
    let requests = setup.arm.requests();
    let sent = |suffix: &str| -> Vec<&Request> {
        requests.iter().filter(|r| r.path.to_ascii_lowercase().ends_with(suffix)).collect()
    };
    for suffix in ["/policyassignments", "/roleassignments"] {
        let asked = sent(suffix);
        let first = asked.iter().find(|r| !r.query.contains_key("page")).expect("asked");
        assert_eq!(first.query["$filter"], "atScope()", "{suffix}");
    }
    assert_eq!(sent("/microsoft.security/assessments")[0].query["$expand"], "metadata");
    let queries = sent("/queryresults");
    assert!(queries.iter().all(|r| r.method == "POST"), "{queries:?}");
    assert_eq!(queries.iter().filter(|r| r.path.contains("/policyStates/")).count(), 2, "both pages of the states");
    let components = queries.iter().find(|r| r.path.contains("/componentPolicyStates/")).unwrap();
    assert_eq!(components.query["$filter"], "complianceState eq 'NonCompliant'");
    assert_eq!(sent("/roleassignments").len(), 2, "both pages of the role assignments");
    let azure = &snapshot["azure"];
    assert_eq!(azure["role_assignments"]["data"].as_array().unwrap().len(), 3);
    assert_eq!(azure["policy_states"]["data"].as_array().unwrap().len(), 5);
    assert!(!snapshot.to_string().contains("CANARY-PRINCIPAL-NAME"), "az's principalName is never kept");
}

#[test]
fn a_forbidden_missing_or_throttled_new_read_is_unknown_or_retried_never_a_pass() {
    let throttled = Arc::new(AtomicUsize::new(0));
    let counter = throttled.clone();
    let faults = move |request: &Request| {
        let path = request.path.to_ascii_lowercase();
        if path.ends_with("/providers/microsoft.security/alerts") {
            return Some(azure::forbidden("Microsoft.Security/locations/alerts/read"));
        }
        if path.ends_with("/roleassignments") {
            return Some(azure::error(404, "ResourceNotFound", "The resource was not found."));
        }
        let first = path.contains("/policystates/") && counter.fetch_add(1, Ordering::SeqCst) == 0;
        first.then(|| azure::error(429, "TooManyRequests", "throttled").with_header("Retry-After", "1"))
    };
    let setup = Setup::new(serve_arm(Azure::contoso(TOKEN), faults), "https://unused.example:443");
    let (snapshot, _) = setup.snapshot(&[&["--skip-kubernetes"][..], &NAMED[..]].concat());
    assert_eq!(
        reason(&snapshot, "defender_alerts"),
        "forbidden: cannot read the subscription's Defender alerts (AuthorizationFailed); grant Microsoft.Security/locations/alerts/read, as deploy/aksguard-reader-role.json does"
    );
    assert!(
        reason(&snapshot, "role_assignments")
            .starts_with("ARM answered 404 Not Found to the read of the role assignments")
    );
    assert_eq!(status(&snapshot, "policy_states"), "collected", "the 429 was retried after Retry-After");
    assert!(throttled.load(Ordering::SeqCst) >= 2);

    let report = audit_json(&setup, &["--skip-kubernetes"]);
    for rule in ["defender-alerts", "azure-rbac-admins"] {
        let found = findings_of(&report, rule);
        assert_eq!(found.len(), 1, "{rule}: {found:?}");
        assert_eq!(found[0]["status"], "unknown", "{rule}");
    }
}

#[test]
fn a_query_whose_pages_never_end_is_unavailable_not_endless() {
    // The second page of the policy states links to itself.
    let mut azure = Azure::contoso(TOKEN);
    let base = azure::cluster_path().to_ascii_lowercase();
    let key = format!("{base}/providers/microsoft.policyinsights/policystates/latest/queryresults");
    azure.resources.insert(format!("{key}?page=2"), json!({"value": [], "@odata.nextLink": "SELF"}));
    let url = azure.url.clone();
    let inside = url.clone();
    let server = ApiServer::start(move |request| {
        let mut reply = azure.serve(request);
        if request.query.contains_key("page") {
            let own = format!("{}{}?api-version=2022-04-01&page=2", inside.get().unwrap(), request.path);
            reply.body = reply.body.replace("SELF", &own);
        }
        reply
    });
    url.set(server.url.clone()).unwrap();
    let setup = Setup::new(server, "https://unused.example:443");
    let (snapshot, _) = setup.snapshot(&[&["--skip-kubernetes"][..], &NAMED[..]].concat());
    assert!(reason(&snapshot, "policy_states").contains("pages do not end"), "{}", reason(&snapshot, "policy_states"));
}

#[test]
fn another_clusters_alert_and_an_excluded_management_group_assignment_are_not_counted() {
    let mut azure = Azure::contoso(TOKEN);
    let subscription = format!("/subscriptions/{SUBSCRIPTION}");
    let other = format!(
        "{subscription}/resourceGroups/rg-other/providers/Microsoft.ContainerService/managedClusters/aks-staging"
    );
    let alerts = format!("{subscription}/providers/microsoft.security/alerts");
    let mut list = azure.resources[&alerts].clone();
    list["value"].as_array_mut().unwrap().push(json!({
        "id": format!("{subscription}/resourceGroups/rg-other/providers/Microsoft.Security/locations/eastus/alerts/staging-miner"),
        "name": "staging-miner", "type": "Microsoft.Security/Locations/alerts",
        "properties": {"alertType": "K8S.NODE_CryptoCoinMiner", "alertDisplayName": "Possible crypto coin miner execution",
            "severity": "High", "status": "Active", "resourceIdentifiers": [{"type": "AzureResource", "azureResourceId": other}]}}));
    azure.resources.insert(alerts, list);
    let assignments =
        format!("{}/providers/microsoft.authorization/policyassignments", azure::cluster_path().to_ascii_lowercase());
    let mg = "/providers/Microsoft.Management/managementGroups/contoso";
    azure.resources.insert(assignments, json!({"value": [{
        "id": format!("{mg}/providers/Microsoft.Authorization/policyAssignments/mg-restricted"), "name": "mg-restricted",
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": {"displayName": "Restricted pod security", "scope": mg, "enforcementMode": "Default",
            "notScopes": [format!("{subscription}/resourceGroups/{GROUP}")],
            "policyDefinitionId": "/providers/Microsoft.Authorization/policySetDefinitions/42b8ef37-b724-4e24-bbc8-7a7708edfe00",
            "parameters": {"effect": {"value": "deny"}}}}]}));
    let setup = Setup::new(serve_arm(azure, no_fault), "https://unused.example:443");
    let report = audit_json(&setup, &["--skip-kubernetes"]);
    let alerts = findings_of(&report, "defender-alerts");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["status"], "pass", "the active alert is about aks-staging: {alerts:?}");
    let policy = findings_of(&report, "azure-policy-assignments");
    assert_eq!(policy.len(), 1, "the excluded assignment is not judged: {policy:?}");
    assert_eq!(policy[0]["status"], "fail");
    assert_eq!(policy[0]["message"], "no Kubernetes pod security initiative applies to the cluster");
}

#[test]
fn live_pods_digests_join_with_defenders_registry_findings() {
    let mut azure = Azure::contoso(TOKEN);
    let key = format!(
        "/subscriptions/{SUBSCRIPTION}/providers/microsoft.security/assessments/c0b7cfc6-3172-465a-b378-53c7ff2cc0d5/subassessments"
    );
    let mut list = azure.resources[&key].clone();
    // Raise the backend image's low finding to critical: the running pods carry that digest.
    let backend = list["value"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["additionalData"]["artifactDetails"]["repositoryName"] == "backend-api")
        .unwrap();
    backend["additionalData"]["vulnerabilityDetails"]["severity"] = json!("Critical");
    azure.resources.insert(key, list);
    let kube = serve_kube(no_fault);
    let setup = Setup::with_kube(serve_arm(azure, no_fault), &kube);
    let report = audit_json(&setup, &[]);
    let verdicts: Vec<(String, String)> = findings_of(&report, "running-image-vulnerabilities")
        .iter()
        .map(|f| (f["resource"].as_str().unwrap().to_string(), f["status"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("Deployment/contoso-production/backend-api".to_string(), "fail".to_string()),
            ("Deployment/contoso-web/frontend".to_string(), "pass".to_string()),
            ("StatefulSet/contoso-production/database".to_string(), "pass".to_string()),
        ]
    );
}
