//! `kubernetes-version-support`: the control plane, every node pool and every kubelet run a
//! Kubernetes version AKS still supports.

use super::aks_calendar::{self, TABLE_DATE};
use super::clock::{days_between, utc_date};
use super::kube_version::{Minor, control_plane_version, pool_version};
use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::arm::{KubernetesVersion, KubernetesVersions, ManagedCluster};
use crate::snapshot::kube::Node;
use crate::snapshot::source;
use jiff::civil::Date;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "kubernetes-version-support",
    title: "The cluster runs a supported Kubernetes version",
    severity: Severity::High,
    area: Area::UpgradesAndPatching,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER, source::KUBERNETES_VERSIONS, source::NODES],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Kubernetes Services should be upgraded to a non-vulnerable Kubernetes version (fb893a29-21bb-418c-a157-e99480ec364c)",
        "Microsoft Learn: Supported Kubernetes versions in AKS (release calendar, Long Term Support)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
The minor version of the control plane (`currentKubernetesVersion`), of every agent pool, and of
the kubelets on the nodes (`status.nodeInfo.kubeletVersion`). Each must be supported:
- With the region's version list from ARM (`az aks get-versions -l REGION -o json`): the minor
  is offered, not as a preview, with the `KubernetesOfficial` plan; a minor offered only with
  `AKSLongTermSupport` is supported only when the cluster's `supportPlan` is
  `AKSLongTermSupport`.
- Offline: an embedded, dated table of AKS minor versions and their end of community support
  (and of LTS); the evidence prints the table's date, so a stale table is visible. A minor newer
  than the table is unknown.
An unsupported version fails high. A supported one that leaves support within 60 days while a
newer minor is available fails medium. Kubernetes-only, the kubelet versions are judged and the
evidence says the control plane needs ARM access.

## Why it matters
Out of support, AKS ships no more patches for the version: Kubernetes CVEs stay open, add-ons
stop being updated, and the cluster eventually gets force-upgraded at a time you did not choose.
Upgrading across several minors at once, later, is far riskier than one at a time.

## How to fix
See what the cluster can move to, then upgrade one minor at a time:

    az aks get-upgrades -g RG -n NAME -o table
    az aks upgrade -g RG -n NAME --kubernetes-version <next minor>

A pool left on an older version follows the control plane:
`az aks nodepool upgrade -g RG --cluster-name NAME -n POOL --kubernetes-version VERSION`.

For a version that must stay longer, Long Term Support needs the Premium tier:
`az aks update -g RG -n NAME --tier premium --k8s-support-plan AKSLongTermSupport`.
";

/// A supported version leaving support within this many days fails medium.
const WARN_DAYS: i64 = 60;
const LTS_PLAN: &str = "AKSLongTermSupport";
const OFFICIAL_PLAN: &str = "KubernetesOfficial";

/// What decides support: the region's list from ARM, or the embedded calendar.
enum Authority<'a> {
    Region(&'a KubernetesVersions),
    Calendar,
}

/// Something that runs a Kubernetes version: the control plane, a pool, kubelets.
struct Component {
    resource: Resource,
    what: String,
    version: String,
    minor: Minor,
    evidence: Vec<Evidence>,
    /// The pool to upgrade, for pools and kubelets, and the control plane version to upgrade it
    /// to (a pool can never be newer than the control plane).
    pool: Option<String>,
    control_plane: Option<String>,
}

enum Verdict {
    Supported { until: Option<Date> },
    Unsupported(String),
    Unknown(String),
}

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    // Either source gives versions to judge; with neither, the rule cannot say anything.
    let (cluster, nodes) = match (ctx.cluster(), ctx.nodes()) {
        (Err(missing), Err(_)) => return Err(missing),
        (cluster, nodes) => (cluster.ok(), nodes.ok()),
    };
    let authority = match ctx.kubernetes_versions() {
        Ok(versions) => Authority::Region(versions),
        Err(_) => Authority::Calendar,
    };
    let lts =
        cluster.and_then(|c| c.properties.support_plan.as_deref()).is_some_and(|p| p.eq_ignore_ascii_case(LTS_PLAN));
    let today = utc_date(ctx.now());
    let (components, mut findings) = components(ctx, cluster, nodes.unwrap_or_default());
    if components.is_empty() && findings.is_empty() {
        return Ok(vec![RULE.unknown(
            ctx.cluster_resource(),
            "no Kubernetes version to judge: no control plane version and no kubelet versions",
        )]);
    }
    let context = context_evidence(cluster, &authority, lts, today);
    let mut supported = Vec::new();
    for component in components {
        match judge(ctx, &component, &authority, lts, today) {
            Some(finding) => findings.push(context.iter().cloned().fold(finding, Finding::with_evidence)),
            None => supported.extend(component.evidence),
        }
    }
    if findings.is_empty() {
        let pass = RULE.pass(ctx.cluster_resource(), "every Kubernetes version in the cluster is supported");
        return Ok(vec![supported.into_iter().chain(context).fold(pass, Finding::with_evidence)]);
    }
    Ok(findings)
}

/// The control plane, the pools on another minor, and kubelets on a minor not judged yet.
/// Unreadable versions become unknown findings.
fn components(ctx: &Context, cluster: Option<&ManagedCluster>, nodes: &[Node]) -> (Vec<Component>, Vec<Finding>) {
    let mut components = Vec::new();
    let mut unknown = Vec::new();
    if let Some(cluster) = cluster {
        let resource = ctx.cluster_resource();
        match control_plane_version(cluster).map(|v| (v, Minor::parse(v))) {
            Some((version, Some(minor))) => components.push(Component {
                resource,
                what: "control plane".into(),
                version: version.into(),
                minor,
                evidence: vec![Evidence::arm(format!("properties.currentKubernetesVersion = {version}"))],
                pool: None,
                control_plane: None,
            }),
            _ => unknown.push(RULE.unknown(resource, "the managed cluster reports no readable Kubernetes version")),
        }
        for pool in &cluster.properties.agent_pool_profiles {
            let name = pool.name.clone().unwrap_or_default();
            match pool_version(pool).map(|v| (v, Minor::parse(v))) {
                // A pool on the control plane's minor shares its verdict: one finding, not two.
                Some((version, Some(minor))) if components.first().is_some_and(|cp| cp.minor == minor) => {
                    components[0].evidence.push(Evidence::arm(format!("agent pool {name} runs {version}")));
                }
                Some((version, Some(minor))) => components.push(Component {
                    resource: ctx.pool_resource(&name),
                    what: format!("agent pool {name}"),
                    version: version.into(),
                    minor,
                    evidence: vec![Evidence::arm(format!(
                        "agentPoolProfiles[{name}].currentOrchestratorVersion = {version}"
                    ))],
                    pool: Some(name),
                    control_plane: control_plane_version(cluster).map(str::to_string),
                }),
                _ => {
                    unknown.push(RULE.unknown(
                        ctx.pool_resource(&name),
                        format!("agent pool {name}: no readable Kubernetes version"),
                    ))
                }
            }
        }
    }
    let mut kubelets: BTreeMap<Minor, Vec<&Node>> = BTreeMap::new();
    for node in nodes {
        if let Some(minor) = node.status.node_info.kubelet_version.as_deref().and_then(Minor::parse) {
            kubelets.entry(minor).or_default().push(node);
        }
    }
    let inferred = cluster.is_none();
    for (minor, nodes) in kubelets {
        let names: Vec<&str> = nodes.iter().map(|n| n.metadata.name.as_str()).collect();
        let version = nodes[0].status.node_info.kubelet_version.clone().unwrap_or_default();
        let line = Evidence::kubernetes(format!("status.nodeInfo.kubeletVersion = {version} on {}", names.join(", ")));
        // Kubelets on a minor already judged share that verdict.
        if let Some(same) = components.iter_mut().find(|c| c.minor == minor) {
            same.evidence.push(line);
            continue;
        }
        let mut evidence = vec![line];
        if inferred {
            evidence.push(Evidence::detail(
                Source::InferredFromKubernetes,
                "inferred from the kubelets: the control plane version needs ARM access",
            ));
        }
        components.push(Component {
            resource: if names.len() == 1 {
                Resource::cluster_scoped("Node", names[0])
            } else {
                ctx.cluster_resource()
            },
            what: format!("kubelet on {} node(s)", names.len()),
            version,
            minor,
            evidence,
            pool: nodes[0].agent_pool().map(str::to_string),
            control_plane: cluster.and_then(control_plane_version).map(str::to_string),
        });
    }
    (components, unknown)
}

/// `None` when the component is supported and not about to leave support.
fn judge(ctx: &Context, component: &Component, authority: &Authority, lts: bool, today: Date) -> Option<Finding> {
    let (verdict, newer) = match authority {
        Authority::Region(versions) => {
            (region_verdict(versions, component.minor, lts), region_next(versions, component.minor))
        }
        Authority::Calendar => (calendar_verdict(component.minor, lts, today), calendar_next(component.minor, today)),
    };
    let Component { resource, what, version, .. } = component;
    let finding = match verdict {
        Verdict::Supported { until: Some(until) } if days_between(today, until) <= WARN_DAYS && newer.is_some() => RULE
            .fail(
                resource.clone(),
                format!("{what} runs {version}, which leaves support on {until} ({} days)", days_between(today, until)),
            )
            .with_severity(Severity::Medium)
            .with_remediation(fix(ctx, component, newer)),
        Verdict::Supported { .. } => return None,
        Verdict::Unsupported(why) => RULE
            .fail(resource.clone(), format!("{what} runs {version}: {why}"))
            .with_remediation(fix(ctx, component, newer)),
        Verdict::Unknown(why) => RULE.unknown(resource.clone(), format!("{what} runs {version}: {why}")),
    };
    Some(component.evidence.iter().cloned().fold(finding, Finding::with_evidence))
}

fn region_entry(versions: &KubernetesVersions, minor: Minor) -> Option<&KubernetesVersion> {
    versions.values.iter().find(|v| Minor::parse(&v.version) == Some(minor))
}

/// Community support: the plan list names `KubernetesOfficial`, or (older APIs) names nothing.
fn community(entry: &KubernetesVersion) -> bool {
    entry.support_plans().is_empty() || entry.support_plans().iter().any(|p| p.eq_ignore_ascii_case(OFFICIAL_PLAN))
}

fn region_verdict(versions: &KubernetesVersions, minor: Minor, lts: bool) -> Verdict {
    let release = aks_calendar::find(minor);
    let Some(entry) = region_entry(versions, minor) else {
        return Verdict::Unsupported(format!("{minor} is no longer offered in the region"));
    };
    if entry.is_preview == Some(true) {
        return Verdict::Unsupported(format!("{minor} is a preview version in the region, without support"));
    }
    let offers_lts = entry.support_plans().iter().any(|p| p.eq_ignore_ascii_case(LTS_PLAN));
    match (community(entry), lts && offers_lts) {
        (_, true) => Verdict::Supported { until: release.and_then(|r| r.lts_end_of_life) },
        (true, false) => Verdict::Supported { until: release.map(|r| r.end_of_life) },
        (false, false) => Verdict::Unsupported(format!(
            "{minor} is offered only with Long Term Support, and the cluster's supportPlan is not {LTS_PLAN}"
        )),
    }
}

fn calendar_verdict(minor: Minor, lts: bool, today: Date) -> Verdict {
    let Some(release) = aks_calendar::find(minor) else {
        return if minor < aks_calendar::oldest().minor {
            Verdict::Unsupported(format!("{minor} is older than every version AKS still supports"))
        } else {
            Verdict::Unknown(format!(
                "{minor} is newer than the embedded calendar (dated {TABLE_DATE}); pass `az aks get-versions`"
            ))
        };
    };
    if today <= release.end_of_life {
        return Verdict::Supported { until: Some(release.end_of_life) };
    }
    match (lts, release.lts_end_of_life) {
        (true, Some(end)) if today <= end => Verdict::Supported { until: Some(end) },
        (true, Some(end)) => Verdict::Unsupported(format!("its Long Term Support ended on {end}")),
        (true, None) => Verdict::Unknown(format!(
            "community support ended on {}, and the embedded calendar has no LTS end date for it",
            release.end_of_life
        )),
        (false, _) => Verdict::Unsupported(format!("its support ended on {}", release.end_of_life)),
    }
}

/// The next generally available minor with community support in the region.
fn region_next(versions: &KubernetesVersions, minor: Minor) -> Option<Minor> {
    versions
        .values
        .iter()
        .filter(|v| v.is_preview != Some(true) && community(v))
        .filter_map(|v| Minor::parse(&v.version))
        .filter(|m| *m > minor)
        .min()
}

fn calendar_next(minor: Minor, today: Date) -> Option<Minor> {
    aks_calendar::RELEASES.iter().find(|r| r.minor > minor && r.ga <= today && today <= r.end_of_life).map(|r| r.minor)
}

fn fix(ctx: &Context, component: &Component, next: Option<Minor>) -> String {
    let target = next.map_or("<next supported minor, from az aks get-upgrades>".to_string(), |m| m.to_string());
    match &component.pool {
        // To the control plane's version; `az aks upgrade` (the control plane's fix) moves both.
        Some(pool) => {
            let target = component.control_plane.as_deref().unwrap_or(&target);
            ctx.az_aks_nodepool("upgrade", pool, &format!("--kubernetes-version {target}"))
        }
        None => {
            let names = ctx.names();
            format!("az aks upgrade -g {} -n {} --kubernetes-version {target}", names.resource_group, names.name)
        }
    }
}

/// What every verdict rests on: the support plan and the authority.
fn context_evidence(cluster: Option<&ManagedCluster>, authority: &Authority, lts: bool, today: Date) -> Vec<Evidence> {
    let mut evidence = Vec::new();
    match cluster.map(|c| c.properties.support_plan.as_deref()) {
        Some(Some(plan)) => evidence.push(Evidence::arm(format!("properties.supportPlan = {plan}"))),
        Some(None) => {
            evidence.push(Evidence::arm(format!("properties.supportPlan is absent: the default, {OFFICIAL_PLAN}")))
        }
        None => {
            evidence.push(Evidence::note(format!("support plan unknown without ARM access; judged as {OFFICIAL_PLAN}")))
        }
    }
    match authority {
        Authority::Region(versions) => {
            let offered: Vec<String> = versions.values.iter().map(describe_offer).collect();
            evidence.push(Evidence::arm_document("kubernetesVersions", format!("the region offers {}", offered.join(", "))));
            evidence.push(Evidence::calendar(format!("end-of-support dates from the embedded AKS calendar dated {TABLE_DATE}")));
        }
        Authority::Calendar => evidence.push(Evidence::calendar(format!(
            "offline: embedded AKS release calendar dated {TABLE_DATE}, {} days before this audit ({}{}); pass `az aks get-versions -l REGION -o json` for the region's own list",
            days_between(TABLE_DATE, today),
            calendar_summary(),
            if lts { ", LTS end dates used" } else { "" }
        ))),
    }
    evidence
}

fn describe_offer(version: &KubernetesVersion) -> String {
    if version.is_preview == Some(true) {
        format!("{} (preview)", version.version)
    } else if community(version) {
        version.version.clone()
    } else {
        format!("{} (LTS only)", version.version)
    }
}

fn calendar_summary() -> String {
    let newest = aks_calendar::newest();
    format!("{} to {}, {} end of life {}", aks_calendar::oldest().minor, newest.minor, newest.minor, newest.end_of_life)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run_at, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    const NOW: &str = "2026-11-24T08:00:00Z";

    fn cluster(version: &str, plan: Option<&str>, pools: Value) -> Snapshot {
        let mut properties = json!({"currentKubernetesVersion": version, "agentPoolProfiles": pools});
        if let Some(plan) = plan {
            properties["supportPlan"] = json!(plan);
        }
        with_cluster(json!({"properties": properties}))
    }

    fn region(snapshot: &mut Snapshot) {
        let versions = json!({"values": [
            {"version": "1.33", "capabilities": {"supportPlan": ["AKSLongTermSupport"]}},
            {"version": "1.35", "capabilities": {"supportPlan": ["KubernetesOfficial", "AKSLongTermSupport"]}},
            {"version": "1.36", "capabilities": {"supportPlan": ["KubernetesOfficial", "AKSLongTermSupport"]}},
            {"version": "1.37", "capabilities": {"supportPlan": ["KubernetesOfficial", "AKSLongTermSupport"]}},
            {"version": "1.38", "isPreview": true, "capabilities": {"supportPlan": ["KubernetesOfficial"]}}
        ]});
        snapshot.azure.kubernetes_versions = Part::Collected(serde_json::from_value(versions).unwrap());
    }

    fn statuses(findings: &[Finding]) -> Vec<(Status, Severity)> {
        findings.iter().map(|f| (f.status, f.severity)).collect()
    }

    #[test]
    fn region_list_supported_versions_pass() {
        let mut snapshot = cluster("1.36.4", None, json!([{"name": "p1", "currentOrchestratorVersion": "1.36.4"}]));
        region(&mut snapshot);
        let findings = run_at(&RULE, &snapshot, NOW);
        assert_eq!(statuses(&findings), [(Status::Pass, Severity::High)]);
        assert!(findings[0].evidence.iter().any(|e| e.contains("1.33 (LTS only)")), "{:?}", findings[0].evidence);
    }

    #[test]
    fn region_list_missing_minor_fails_high_with_the_next_minor() {
        let mut snapshot = cluster("1.29.9", Some("KubernetesOfficial"), json!([]));
        region(&mut snapshot);
        let finding = &run_at(&RULE, &snapshot, NOW)[0];
        assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::High));
        assert_eq!(finding.remediation.as_deref(), Some("az aks upgrade -g rg1 -n aks1 --kubernetes-version 1.35"));
    }

    #[test]
    fn lts_only_minor_needs_the_lts_plan() {
        let mut official = cluster("1.33.5", Some("KubernetesOfficial"), json!([]));
        region(&mut official);
        assert_eq!(statuses(&run_at(&RULE, &official, NOW)), [(Status::Fail, Severity::High)]);
        let mut lts = cluster("1.33.5", Some("AKSLongTermSupport"), json!([]));
        region(&mut lts);
        assert_eq!(run_at(&RULE, &lts, NOW)[0].status, Status::Pass);
    }

    #[test]
    fn preview_minor_fails() {
        let mut snapshot = cluster("1.38.0", None, json!([]));
        region(&mut snapshot);
        assert!(run_at(&RULE, &snapshot, NOW)[0].message.contains("preview"));
    }

    #[test]
    fn every_pool_and_kubelet_counts() {
        let mut snapshot = cluster(
            "1.36.4",
            None,
            json!([
                {"name": "p1", "currentOrchestratorVersion": "1.36.4"},
                {"name": "old", "currentOrchestratorVersion": "1.31.3"}
            ]),
        );
        region(&mut snapshot);
        snapshot.kubernetes.nodes = Part::Collected(vec![k8s(
            json!({"metadata": {"name": "n1", "labels": {"kubernetes.azure.com/agentpool": "x"}}, "status": {"nodeInfo": {"kubeletVersion": "v1.30.2"}}}),
        )]);
        let findings = run_at(&RULE, &snapshot, NOW);
        let failing: Vec<&str> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.as_str()).collect();
        assert_eq!(failing.len(), 2, "{findings:#?}");
        assert!(failing[0].ends_with("/agentPools/old"));
        assert_eq!(failing[1], "Node/n1");
        assert_eq!(
            findings[0].remediation.as_deref(),
            Some("az aks nodepool upgrade -g rg1 --cluster-name aks1 -n old --kubernetes-version 1.36.4"),
            "a pool goes to the control plane's version"
        );
    }

    #[test]
    fn offline_the_dated_calendar_decides_and_is_printed() {
        let snapshot = cluster("1.31.3", None, json!([]));
        let finding = &run_at(&RULE, &snapshot, NOW)[0];
        assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::High));
        assert!(finding.message.contains("ended on 2025-11-01"), "{}", finding.message);
        assert!(
            finding.evidence.iter().any(|e| e.contains("dated 2026-11-24, 0 days before")),
            "{:?}",
            finding.evidence
        );
        // With LTS, 1.31 is supported until 2026-11-30: inside 60 days, with newer minors out.
        let lts = cluster("1.31.3", Some("AKSLongTermSupport"), json!([]));
        let finding = &run_at(&RULE, &lts, NOW)[0];
        assert_eq!((finding.status, finding.severity), (Status::Fail, Severity::Medium));
        assert!(finding.message.contains("leaves support on 2026-11-30 (6 days)"), "{}", finding.message);
        assert_eq!(run_at(&RULE, &cluster("1.36.4", None, json!([])), NOW)[0].status, Status::Pass);
        assert_eq!(run_at(&RULE, &cluster("1.24.9", None, json!([])), NOW)[0].status, Status::Fail);
        assert_eq!(run_at(&RULE, &cluster("1.45.0", None, json!([])), NOW)[0].status, Status::Unknown);
    }

    #[test]
    fn kubernetes_only_judges_the_kubelets_and_says_so() {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.nodes = Part::Collected(vec![k8s(
            json!({"metadata": {"name": "n1"}, "status": {"nodeInfo": {"kubeletVersion": "v1.29.9"}}}),
        )]);
        let finding = &run_at(&RULE, &snapshot, NOW)[0];
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.evidence.iter().any(|e| e.contains("needs ARM access")), "{:?}", finding.evidence);
    }

    #[test]
    fn no_data_is_unknown() {
        let finding = &run_at(&RULE, &Snapshot::empty("test", "not provided"), NOW)[0];
        assert_eq!(finding.status, Status::Unknown);
    }
}
