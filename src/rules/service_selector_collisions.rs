//! `service-selector-collisions`: no two Services of a namespace select pods with the same selector.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::kube::Service;
use crate::snapshot::source;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "service-selector-collisions",
    title: "Services of a namespace use unique selectors",
    severity: Severity::Low,
    area: Area::Operations,
    help_uri: "https://learn.microsoft.com/azure/aks/deployment-safeguards",
    reads: &[source::SERVICES],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Kubernetes cluster services should use unique selectors (b0fdedee-7b9e-4a17-9f5d-5e8e912d2f01)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
No two Services in one namespace have the same non-empty `spec.selector` (the Azure Policy
built-in b0fdedee, part of the AKS Deployment Safeguards). Services without a selector (endpoints
managed by hand or by a controller) are not judged; system namespaces are platform-managed.

## Why it matters
Two Services with one selector send their traffic to the same pods: a rename or a canary that
was meant to get its own pods silently shares the production ones, and a later label change to
one breaks the other.

## How to fix
Give each Service's pods a distinguishing label and select on it, or delete the duplicate:

    kubectl -n NAMESPACE delete service NAME
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let services = ctx.services()?;
    let mut groups: BTreeMap<(&str, String), Vec<&Service>> = BTreeMap::new();
    for service in services.iter().filter(|s| !s.spec.selector.is_empty()) {
        let selector: Vec<String> = service.spec.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        groups.entry((service.metadata.namespace(), selector.join(","))).or_default().push(service);
    }
    let mut findings: Vec<Finding> = Vec::new();
    for ((namespace, selector), same) in groups.iter().filter(|(_, same)| same.len() > 1) {
        let names: Vec<&str> = same.iter().map(|s| s.metadata.name.as_str()).collect();
        let platform = ctx.is_system_namespace(namespace);
        // The first Service keeps the selector; each later one is the duplicate to resolve.
        for duplicate in &same[1..] {
            let name = duplicate.metadata.name.as_str();
            let finding = RULE
                .fail(
                    Resource::namespaced("Service", namespace, name),
                    format!("Service {namespace}/{name} selects the same pods as {}", names[0]),
                )
                .with_evidence(Evidence::kubernetes(format!(
                    "Services {} in {namespace} all select {selector}",
                    names.join(", ")
                )))
                .platform_managed(platform);
            findings.push(match platform {
                true => finding,
                false => finding.with_remediation(format!(
                    "kubectl -n {namespace} delete service {name}  # or give its pods a label of their own and select on it"
                )),
            });
        }
    }
    if !findings.iter().any(|f| !f.platform_managed) {
        let message = format!("{} Service(s), selectors unique in each namespace", services.len());
        findings.push(
            RULE.pass(ctx.cluster_resource(), message).with_evidence(Evidence::kubernetes("checked every Service")),
        );
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_services};
    use crate::snapshot::Snapshot;
    use serde_json::{Value, json};

    fn service(namespace: &str, name: &str, selector: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": namespace}, "spec": {"selector": selector}})
    }

    #[test]
    fn the_same_selector_twice_in_a_namespace_fails_elsewhere_or_empty_passes() {
        let findings = run(
            &RULE,
            &with_services(json!([
                service("shop", "api", json!({"app": "api"})),
                service("shop", "api-v2", json!({"app": "api"})),
                service("other", "api", json!({"app": "api"})),
                service("shop", "manual", json!(null)),
                service("shop", "manual-2", json!({})),
            ])),
        );
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(
            (findings[0].status, findings[0].resource.to_string()),
            (Status::Fail, "Service/shop/api-v2".into())
        );
        assert_eq!(findings[0].evidence[0].as_str(), "Services api, api-v2 in shop all select app=api (Kubernetes)");
        let unique = with_services(json!([
            service("shop", "api", json!({"app": "api"})),
            service("shop", "web", json!({"app": "web"}))
        ]));
        assert_eq!(run(&RULE, &unique).iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
    }

    #[test]
    fn services_not_read_is_unknown() {
        assert_eq!(
            run(&RULE, &Snapshot::empty("test", "not provided")).iter().map(|f| f.status).collect::<Vec<_>>(),
            [Status::Unknown]
        );
    }
}
