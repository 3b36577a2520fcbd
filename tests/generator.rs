//! The benchmark's synthetic clusters (`examples/gen-cluster`) go through the normal input path:
//! a small one is written, audited by the real binary, and every verdict matches its plan.

#[path = "../examples/gen-cluster/cluster.rs"]
#[allow(dead_code)]
mod cluster;

use cluster::{Controller, Exposure, KubectlList, Plan, Policies};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const NAMESPACES: usize = 12;
const PODS: usize = 400;
const SEED: u64 = 11;

/// Writes the cluster as `gen-cluster` does (4-space indent, like kubectl).
fn write_cluster(plan: &Plan, dir: &Path) -> (Vec<PathBuf>, PathBuf) {
    let kubectl = dir.join("kubectl-get.json");
    let mut text = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    serde::Serialize::serialize(&KubectlList(plan), &mut serde_json::Serializer::with_formatter(&mut text, formatter))
        .unwrap();
    std::fs::write(&kubectl, text).unwrap();
    let az = cluster::az_documents(plan.nodes.len())
        .into_iter()
        .map(|(name, document)| {
            let path = dir.join(name);
            std::fs::write(&path, serde_json::to_string_pretty(&document).unwrap()).unwrap();
            path
        })
        .collect();
    (az, kubectl)
}

fn aksguard(args: &[String]) -> (String, String, Option<i32>) {
    let output = Command::new(env!("CARGO_BIN_EXE_aksguard")).args(args).output().expect("the binary runs");
    (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap(), output.status.code())
}

/// The generator writes no nodes, budgets, webhooks, constraints or diagnostic settings: they are
/// declared empty, so every rule runs on known data.
fn input_args(az: &[PathBuf], kubectl: &Path) -> Vec<String> {
    let mut args = vec!["--from-az".to_string()];
    args.extend(az.iter().map(|p| p.display().to_string()));
    args.extend(["--az-lists".to_string(), "diagnosticsettings".to_string()]);
    args.extend(["--from-kubectl".to_string(), kubectl.display().to_string()]);
    args.extend([
        "--kubectl-kinds".to_string(),
        "nodes,poddisruptionbudgets,validatingwebhookconfigurations,constraints".to_string(),
    ]);
    args
}

/// What the generator does not write: each pool's upgrade profile and the region's versions, and
/// the Defender, Azure Policy and Azure RBAC reads of issue 13.
const NOT_GENERATED: [&str; 10] = [
    "arm/agentPools/upgradeProfiles",
    "arm/kubernetesVersions",
    "arm/cluster/pricings/Containers",
    "arm/security/alerts",
    "arm/security/assessments",
    "arm/security/subAssessments",
    "arm/policyAssignments",
    "arm/policyStates",
    "arm/componentPolicyStates",
    "arm/roleAssignments",
];

/// The JSON report of the whole audit of the plan's cluster (every finding), which leaks no secret.
fn audit_json(plan: &Plan) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (az, kubectl) = write_cluster(plan, dir.path());
    let mut args = vec!["audit".to_string()];
    args.extend(input_args(&az, &kubectl));
    args.extend(["--format", "json", "--show", "all"].map(String::from));
    let (stdout, stderr, code) = aksguard(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains(cluster::CANARY) && !stdout.contains("Q0FOQVJZ"), "secrets leaked into the report");
    serde_json::from_str(&stdout).unwrap()
}

/// (status, severity) of each rule's finding per resource.
fn verdicts(report: &Value, rule: &str) -> BTreeMap<String, (String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap().to_string();
            (text("resource"), (text("status"), text("severity")))
        })
        .collect()
}

#[test]
fn a_generated_cluster_audits_as_planned() {
    let plan = Plan::new(NAMESPACES, PODS, SEED).unwrap();
    assert_eq!(plan.pod_count(), PODS, "the plan holds exactly the pods asked for");
    let report = audit_json(&plan);
    let unavailable: Vec<&str> =
        report["unavailable"].as_array().unwrap().iter().map(|u| u["source"].as_str().unwrap()).collect();
    assert_eq!(unavailable, NOT_GENERATED, "every source the generator writes is read");
    assert_eq!(report["target"]["cluster"], "aks-contoso-prod");

    let security = verdicts(&report, "pod-security-labels");
    let network = verdicts(&report, "network-policy-default-deny");
    // kube-system is a system namespace; "default" has no pods and no label.
    assert_eq!(security.len(), plan.namespaces.len(), "{security:?}");
    for ns in &plan.namespaces[1..] {
        let resource = format!("Namespace/{}", ns.name);
        let expected_security = match ns.enforce {
            Some("restricted") | Some("baseline") => ("pass", "medium"),
            Some("privileged") => ("fail", "high"),
            _ => ("fail", "medium"),
        };
        assert_eq!(as_str(&security[&resource]), expected_security, "{resource} {:?}", ns.enforce);
        let expected_network = match ns.policies {
            Policies::DenyAllWithDns | Policies::DenyIngressOnly => ("pass", "medium"),
            Policies::DenyAllUdpDnsOnly => ("fail", "medium"),
            Policies::SelectorsOnly | Policies::None => ("fail", "medium"),
        };
        assert_eq!(as_str(&network[&resource]), expected_network, "{resource} {:?}", ns.policies);
    }
    let engine: Vec<_> = network.iter().filter(|(resource, _)| resource.ends_with("/aks-contoso-prod")).collect();
    assert_eq!(engine.len(), 1, "{network:?}");
    assert_eq!(engine[0].1.0, "pass", "the hardened cluster enforces network policies");
}

/// The failing findings of a rule, as (resource, severity), outside system namespaces.
fn failing(report: &Value, rule: &str) -> BTreeMap<String, String> {
    verdicts(report, rule)
        .into_iter()
        .filter(|(resource, (status, _))| status == "fail" && !resource.contains("/kube-system/"))
        .map(|(resource, (_, severity))| (resource, severity))
        .collect()
}

#[test]
fn a_generated_clusters_services_rbac_and_storage_audit_as_planned() {
    let plan = Plan::new(NAMESPACES * 3, PODS * 2, SEED).unwrap();
    let report = audit_json(&plan);

    let (mut exposed, mut public) = (BTreeMap::new(), BTreeMap::new());
    for ns in &plan.namespaces {
        for workload in &ns.workloads {
            let resource = format!("Service/{}/{}", ns.name, workload.name);
            match cluster::exposure(ns, workload) {
                Some(Exposure::NodePort) => exposed.insert(resource, "medium".to_string()),
                Some(Exposure::ExternalIp) => exposed.insert(resource, "high".to_string()),
                Some(Exposure::PublicLoadBalancer) => public.insert(resource, "medium".to_string()),
                _ => None,
            };
        }
    }
    assert!(!exposed.is_empty() && !public.is_empty(), "the plan exposes some Services");
    assert_eq!(failing(&report, "service-exposure"), exposed);
    assert_eq!(failing(&report, "public-load-balancers"), public);

    let plain_http: BTreeMap<String, String> = plan
        .user_namespaces()
        .filter(|(index, _)| cluster::ingress_tls(*index) == Some(false))
        .filter_map(|(_, ns)| ns.workloads.iter().find(|w| w.controller == Controller::Deployment).map(|w| (ns, w)))
        .map(|(ns, w)| (format!("Ingress/{}/{}", ns.name, w.name), "medium".to_string()))
        .collect();
    assert!(!plain_http.is_empty());
    assert_eq!(failing(&report, "ingress-https"), plain_http);

    let wildcard_roles: BTreeMap<String, String> = plan
        .user_namespaces()
        .filter(|(index, _)| cluster::has_wildcard_role(*index))
        .map(|(_, ns)| (format!("Role/{}/ops-all", ns.name), "medium".to_string()))
        .collect();
    assert!(!wildcard_roles.is_empty());
    assert_eq!(failing(&report, "rbac-wildcards"), wildcard_roles);
    let admins: Vec<String> = failing(&report, "cluster-admin-bindings").into_keys().collect();
    let expected: Vec<String> = plan
        .user_namespaces()
        .filter(|(index, _)| cluster::has_cluster_admin_binding(*index))
        .map(|(_, ns)| format!("RoleBinding/{}/oncall-admin", ns.name))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(admins, expected);

    // Restricted namespaces turn automounting off on their ServiceAccount: their workloads pass
    // through the ServiceAccount, every other running user workload mounts a token.
    let automount = failing(&report, "automount-service-account-token");
    for ns in &plan.namespaces[1..] {
        let prefix = format!("/{}/", ns.name);
        let fails = automount.keys().any(|resource| resource.contains(&prefix));
        let runs = ns.workloads.iter().any(|w| w.controller != Controller::CronJob);
        assert_eq!(fails, runs && !ns.service_account_opts_out(), "{} {:?}", ns.name, ns.enforce);
    }
    for rule in ["storage-class-csi", "aggregate-to-edit-endpoints", "service-selector-collisions"] {
        let statuses: Vec<String> = verdicts(&report, rule).into_values().map(|(status, _)| status).collect();
        assert_eq!(statuses, ["pass"], "{rule}");
    }
}

fn as_str(verdict: &(String, String)) -> (&str, &str) {
    (verdict.0.as_str(), verdict.1.as_str())
}

#[test]
fn a_generated_cluster_reads_into_a_snapshot_with_every_pod() {
    let plan = Plan::new(NAMESPACES, PODS, SEED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (az, kubectl) = write_cluster(&plan, dir.path());
    let mut args = vec!["snapshot".to_string()];
    args.extend(input_args(&az, &kubectl));
    let (stdout, stderr, code) = aksguard(&args);
    assert_eq!(code, Some(0), "{stderr}");
    let snapshot: Value = serde_json::from_str(&stdout).unwrap();
    let k8s = &snapshot["kubernetes"];
    assert_eq!(k8s["pods"]["data"].as_array().unwrap().len(), PODS);
    // System namespaces, "default", the log collector's and the user namespaces.
    assert_eq!(k8s["namespaces"]["data"].as_array().unwrap().len(), 5 + plan.namespaces.len() - 1);
    assert!(
        k8s["daemon_sets"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|ds| ds["metadata"]["name"] == "microsoft-defender-collector-ds"
                && ds["status"]["numberReady"] == plan.nodes.len())
    );
    let services = plan.namespaces.iter().flat_map(|ns| ns.workloads.iter().filter_map(|w| cluster::exposure(ns, w)));
    assert_eq!(k8s["services"]["data"].as_array().unwrap().len(), services.count());
    // A ServiceAccount per namespace (and CoreDNS's), two Roles and RoleBindings per namespace
    // outside the system ones, a handful of cluster-scoped objects.
    let count = |kind: &str| k8s[kind]["data"].as_array().unwrap().len();
    assert_eq!(count("service_accounts"), 5 + plan.namespaces.len());
    assert!(count("roles") >= 2 * (plan.namespaces.len() - 1), "{}", count("roles"));
    assert!(count("role_bindings") >= 2 * (plan.namespaces.len() - 1));
    assert_eq!((count("cluster_roles"), count("cluster_role_bindings"), count("storage_classes")), (7, 3, 4));
    assert!(count("ingresses") > 0);
    assert!(!stdout.contains(cluster::CANARY), "secrets leaked into the snapshot");
}
