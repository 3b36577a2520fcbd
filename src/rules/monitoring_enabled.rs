//! `monitoring-enabled`: Container Insights or Azure Monitor collects the cluster's logs and metrics.

use super::inference::AddonPods;
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "monitoring-enabled",
    title: "Azure Monitor / Container Insights is enabled",
    severity: Severity::Medium,
    area: Area::Operations,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER, source::PODS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Azure Kubernetes Service clusters should have Azure Monitor Container Insights enabled",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The managed cluster sends logs or metrics to Azure Monitor: the `omsagent` add-on (Container
Insights), `azureMonitorProfile.containerInsights.enabled`, or `azureMonitorProfile.metrics.enabled`
(managed Prometheus). With only Kubernetes access, it is inferred from the `ama-logs` /
`ama-metrics` pods in kube-system.

## Why it matters
Without container logs and metrics, an incident leaves no trail: no record of the crashing pod,
the suspicious process, or the node that ran out of memory. Alerts need data to fire on.

## How to fix

    az aks enable-addons -g RG -n NAME --addons monitoring
";

const AGENT: AddonPods = AddonPods {
    what: "the Azure Monitor agent",
    namespace: "kube-system",
    prefixes: &["ama-logs", "ama-metrics", "omsagent"],
};

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let names = ctx.names();
    let enable = format!("az aks enable-addons -g {} -n {} --addons monitoring", names.resource_group, names.name);
    let cluster = match ctx.cluster() {
        Ok(cluster) => cluster,
        Err(missing) => return AGENT.infer(&RULE, ctx, missing, enable).map(|f| vec![f]),
    };
    let profile = cluster.properties.azure_monitor_profile.clone().unwrap_or_default();
    let on = |enabled: Option<&crate::snapshot::arm::Enabled>| enabled.and_then(|e| e.enabled) == Some(true);
    let sources = [
        ("addonProfiles.omsagent", cluster.addon("omsagent").and_then(|a| a.enabled) == Some(true)),
        ("azureMonitorProfile.containerInsights", on(profile.container_insights.as_ref())),
        ("azureMonitorProfile.metrics", on(profile.metrics.as_ref())),
    ];
    let enabled: Vec<&str> = sources.iter().filter(|(_, on)| *on).map(|(name, _)| *name).collect();
    let resource = ctx.cluster_resource();
    Ok(vec![match enabled.is_empty() {
        false => RULE
            .pass(resource, "Azure Monitor collects the cluster's data")
            .with_evidence(Evidence::arm(format!("enabled: {}", enabled.join(", ")))),
        true => RULE
            .fail(resource, "no Container Insights or Azure Monitor: incidents leave no logs or metrics")
            .with_evidence(Evidence::arm(
                "addonProfiles.omsagent, azureMonitorProfile.containerInsights and .metrics are all off",
            ))
            .with_remediation(enable),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{only, pod_in, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    #[test]
    fn any_monitoring_source_passes() {
        for properties in [
            json!({"addonProfiles": {"omsAgent": {"enabled": true}}}),
            json!({"azureMonitorProfile": {"containerInsights": {"enabled": true}}}),
            json!({"azureMonitorProfile": {"metrics": {"enabled": true}}}),
        ] {
            assert_eq!(only(&RULE, &with_cluster(json!({"properties": properties}))).status, Status::Pass);
        }
        assert_eq!(
            only(&RULE, &with_cluster(json!({"properties": {"addonProfiles": {"omsagent": {"enabled": false}}}})))
                .status,
            Status::Fail
        );
    }

    #[test]
    fn kubernetes_only_infers_from_agent_pods() {
        let mut snapshot = Snapshot::empty("t", "not provided");
        snapshot.kubernetes.pods = Part::Collected(vec![pod_in("kube-system", "coredns-x")]);
        assert_eq!(only(&RULE, &snapshot).status, Status::Fail);
        snapshot.kubernetes.pods = Part::Collected(vec![pod_in("kube-system", "ama-logs-7xk2p")]);
        assert_eq!(only(&RULE, &snapshot).status, Status::Pass);
    }

    #[test]
    fn no_data_is_unknown() {
        assert_eq!(only(&RULE, &Snapshot::empty("t", "forbidden")).status, Status::Unknown);
    }
}
