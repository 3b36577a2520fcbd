//! The manifests in deploy/ match the declaration (`snapshot::sources`): the reader ClusterRole and
//! the Azure custom role grant exactly the requests live collection makes, and the CronJob runs with the account that role is
//! bound to.

use aksguard::collect::arm::reads;
use aksguard::snapshot::sources::kubernetes_kinds;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn documents(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join(name);
    serde_saphyr::from_multiple(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
}

fn strings(value: &Value) -> BTreeSet<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[test]
fn the_reader_role_grants_exactly_what_live_collection_lists() {
    let docs = documents("aksguard-reader.yaml");
    let role = find(&docs, "ClusterRole");
    let mut granted = BTreeSet::new();
    let mut non_resource = BTreeSet::new();
    for rule in role["rules"].as_array().unwrap() {
        let verbs = strings(&rule["verbs"]);
        if rule.get("nonResourceURLs").is_some() {
            for url in strings(&rule["nonResourceURLs"]) {
                non_resource.insert((url, verbs.clone()));
            }
            continue;
        }
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                assert!(granted.insert((group.clone(), resource, verbs.clone())), "granted twice");
            }
        }
    }
    // Every kind of the declaration (snapshot::sources), with the verbs it needs, and no more.
    let used: BTreeSet<(String, String, BTreeSet<String>)> = kubernetes_kinds()
        .map(|k| {
            let verbs = k.verbs().iter().map(|v| v.to_string()).collect();
            (k.group.to_string(), k.rbac_resource().to_string(), verbs)
        })
        .collect();
    assert_eq!(granted, used);
    assert_eq!(non_resource, BTreeSet::from([("/version".to_string(), BTreeSet::from(["get".to_string()]))]));

    let binding = find(&docs, "ClusterRoleBinding");
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
}

#[test]
fn the_cronjob_runs_as_the_bound_account_and_prints_json() {
    let reader = documents("aksguard-reader.yaml");
    let subject = &find(&reader, "ClusterRoleBinding")["subjects"][0];
    let docs = documents("cronjob.yaml");
    let cronjob = find(&docs, "CronJob");
    let pod = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], subject["name"]);
    assert_eq!(cronjob["metadata"]["namespace"], subject["namespace"]);
    let args: Vec<&str> =
        pod["containers"][0]["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(args, ["audit", "--format", "json", "--quiet", "--skip-azure"]);
    assert_eq!(find(&docs, "ServiceAccount")["metadata"]["name"], subject["name"]);
}

#[test]
fn the_azure_custom_role_grants_exactly_the_arm_reads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/aksguard-reader-role.json");
    let role: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let actions: Vec<&str> = role["Actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(actions, reads::actions());
    assert!(actions.iter().all(|action| action.ends_with("/read")), "read actions only");
    for none in ["NotActions", "DataActions", "NotDataActions"] {
        assert_eq!(role[none], serde_json::json!([]), "{none}");
    }
    assert_eq!(role["IsCustom"], true);
    assert!(role["AssignableScopes"][0].as_str().unwrap().starts_with("/subscriptions/"));
}
