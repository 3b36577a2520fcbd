//! `running-image-vulnerabilities`: the images running pods use have no critical or high
//! vulnerability Defender knows of.

use super::workloads::WorkloadRef;
use super::{Area, Context, Missing, Rule, images};
use crate::finding::{Evidence, Finding, Resource, Severity, Source};
use crate::snapshot::kube::{ContainerStatus, Pod};
use crate::snapshot::security::SubAssessment;
use crate::snapshot::source;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub static RULE: Rule = Rule {
    id: "running-image-vulnerabilities",
    title: "Running images have no critical or high vulnerability known to Defender",
    severity: Severity::High,
    area: Area::SupplyChain,
    help_uri: "https://learn.microsoft.com/azure/defender-for-cloud/agentless-vulnerability-assessment-azure",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS, source::DEFENDER_SUB_ASSESSMENTS],
    docs: DOCS,
    cis: &["5.1.1"],
    references: &[
        "Defender for Cloud: Azure registry container images should have vulnerabilities resolved (c0b7cfc6-3172-465a-b378-53c7ff2cc0d5)",
        "Defender for Cloud: Azure running container images should have vulnerabilities resolved (c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5)",
        "Microsoft Learn: Vulnerability assessments for Azure with Microsoft Defender Vulnerability Management (https://learn.microsoft.com/azure/defender-for-cloud/agentless-vulnerability-assessment-azure)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Each running pod outside the system namespaces, grouped by workload: the image every container
runs, by the digest the kubelet reports (`status.containerStatuses[].imageID`), joined with
Defender's registry image vulnerability findings (the sub-assessments of recommendation
`c0b7cfc6-3172-465a-b378-53c7ff2cc0d5`, `az security sub-assessment list`) on
`additionalData.artifactDetails.digest`, with `registryHost` and `repositoryName` as extra keys.
A workload fails when one of its images has an open (`Unhealthy`) critical or high
vulnerability; the finding names the CVEs, the package and the version that fixes each, and the
image to rebuild. Medium and low vulnerabilities are counted in the evidence.
An image is `unknown`, never clean, when its registry is one Defender reports nothing for (it
does not scan Docker Hub or MCR; a registry in another subscription is not read), or when the
pod reports no digest (a pending container, a snapshot taken before aksguard kept digests).
aksguard joins on the registry findings only: the fields of Defender's running-image findings
are not documented, so they are not relied on.

## Why it matters
Registry scanning is only useful if someone acts on what runs. A critical CVE in an image that
runs in production, with a fixed package available, is the most common finding of container
security reviews.

## How to fix
Rebuild the image on a patched base (or with the fixed package versions the finding lists),
push it, and roll the workload onto it:

    kubectl set image deployment/NAME -n NAMESPACE CONTAINER=REGISTRY/REPOSITORY:NEW_TAG
";

/// What Defender says about one running image.
enum Known<'a> {
    /// Open vulnerabilities for this digest (possibly none: a scanned registry, a clean image).
    Scanned(Vec<&'a SubAssessment>),
    /// Why Defender's findings say nothing either way.
    Unknown(String),
}

/// An image a container runs: `registry/repository@digest`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RunningImage {
    registry: String,
    repository: String,
    digest: String,
}

impl RunningImage {
    /// From `imageID`: `contosoacr.azurecr.io/app@sha256:...` (containerd) or
    /// `docker-pullable://...@sha256:...` (dockershim). A bare `sha256:...` is a local image
    /// id, not a registry digest.
    fn from_status(status: &ContainerStatus) -> Option<RunningImage> {
        let id = status.image_id.as_deref()?.trim();
        let id = ["docker-pullable://", "docker://"].iter().find_map(|p| id.strip_prefix(p)).unwrap_or(id);
        let (name, digest) = id.split_once('@')?;
        if !digest.starts_with("sha256:") || name.is_empty() {
            return None;
        }
        let registry = images::parse(name).registry;
        let repository = match name.split_once('/') {
            Some((first, rest)) if first.eq_ignore_ascii_case(&registry) => rest.to_string(),
            Some(_) => name.to_string(),
            None => format!("library/{name}"),
        };
        Some(RunningImage { registry, repository, digest: digest.to_ascii_lowercase() })
    }

    fn reference(&self) -> String {
        format!("{}/{}@{}", self.registry, self.repository, self.digest)
    }
}

/// Defender's open registry findings by digest, and the registries it reports on at all.
struct Findings<'a> {
    by_digest: HashMap<String, Vec<&'a SubAssessment>>,
    registries: HashSet<String>,
}

impl<'a> Findings<'a> {
    fn new(subs: &'a [SubAssessment]) -> Self {
        let mut by_digest: HashMap<String, Vec<&SubAssessment>> = HashMap::new();
        let mut registries = HashSet::new();
        for sub in subs {
            let Some(artifact) = sub.artifact() else { continue };
            if let Some(host) = &artifact.registry_host {
                registries.insert(host.to_ascii_lowercase());
            }
            if let (true, Some(digest)) = (sub.is_open(), &artifact.digest) {
                by_digest.entry(digest.to_ascii_lowercase()).or_default().push(sub);
            }
        }
        Findings { by_digest, registries }
    }

    fn about(&self, image: &RunningImage) -> Known<'a> {
        if !self.registries.contains(&image.registry) {
            return Known::Unknown(format!(
                "Defender reports nothing for registry {}: it does not scan it, or it is in a subscription not read",
                image.registry
            ));
        }
        let open = self.by_digest.get(&image.digest).map(Vec::as_slice).unwrap_or_default();
        let mine =
            open.iter().copied().filter(|s| s.matches(Some(&image.registry), Some(&image.repository), &image.digest));
        Known::Scanned(mine.collect())
    }
}

/// What one workload runs.
#[derive(Default)]
struct Workload<'a> {
    /// Container name → image, for the fix command.
    containers: BTreeMap<String, RunningImage>,
    vulnerabilities: BTreeMap<RunningImage, Vec<&'a SubAssessment>>,
    unknown: BTreeSet<String>,
}

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let pods: Vec<&Pod> = ctx.user_pods()?.collect();
    let findings = Findings::new(ctx.defender_sub_assessments()?);
    if pods.is_empty() {
        return Ok(vec![RULE.not_applicable(ctx.cluster_resource(), "no workload runs outside the system namespaces")]);
    }
    let mut workloads: BTreeMap<WorkloadRef, Workload> = BTreeMap::new();
    for pod in pods {
        let workload = workloads.entry(ctx.workload_of(pod)).or_default();
        if pod.status.container_statuses.is_empty() {
            workload
                .unknown
                .insert(format!("pod {} reports no container statuses (no image digests)", pod.metadata.name));
        }
        for status in &pod.status.container_statuses {
            let Some(image) = RunningImage::from_status(status) else {
                workload.unknown.insert(format!(
                    "container {} reports no registry digest (imageID {:?})",
                    status.name,
                    status.image_id.as_deref().unwrap_or("")
                ));
                continue;
            };
            match findings.about(&image) {
                Known::Unknown(why) => {
                    workload.unknown.insert(format!("{}: {why}", image.reference()));
                }
                Known::Scanned(open) => {
                    let list = workload.vulnerabilities.entry(image.clone()).or_default();
                    for sub in open {
                        if !list.iter().any(|known| known.cve() == sub.cve()) {
                            list.push(sub);
                        }
                    }
                }
            }
            workload.containers.insert(status.name.clone(), image);
        }
    }
    Ok(workloads.iter().map(|(workload, seen)| judge(workload, seen)).collect())
}

fn is(sub: &SubAssessment, severity: &str) -> bool {
    sub.severity().is_some_and(|s| s.eq_ignore_ascii_case(severity))
}

/// Critical or high: what fails the rule.
fn serious(sub: &SubAssessment) -> bool {
    is(sub, "Critical") || is(sub, "High")
}

fn judge(workload: &WorkloadRef, seen: &Workload) -> Finding {
    let resource = Resource::namespaced(workload.kind, workload.namespace, workload.name);
    let all: Vec<&SubAssessment> = seen.vulnerabilities.values().flatten().copied().collect();
    let critical = all.iter().filter(|s| is(s, "Critical")).count();
    let high = all.iter().filter(|s| is(s, "High")).count();
    let lesser = all.len() - critical - high;
    let mut evidence: Vec<Evidence> = seen
        .vulnerabilities
        .iter()
        .filter(|(_, subs)| subs.iter().any(|s| serious(s)))
        .map(|(image, subs)| describe(image, subs.iter().filter(|s| serious(s)).copied().collect()))
        .collect();
    if lesser > 0 {
        evidence.push(Evidence::detail(
            Source::Arm,
            format!("{lesser} medium or low vulnerabilities besides (Defender sub-assessments)"),
        ));
    }
    evidence.extend(seen.unknown.iter().map(|why| Evidence::note(why.clone())));
    let finding = if critical + high > 0 {
        let fixable = all.iter().filter(|s| serious(s) && s.has_fix()).count();
        let images: Vec<&RunningImage> = seen
            .vulnerabilities
            .iter()
            .filter(|(_, subs)| subs.iter().any(|s| serious(s)))
            .map(|(image, _)| image)
            .collect();
        let rebuild: Vec<String> = images.iter().map(|i| format!("{}/{}", i.registry, i.repository)).collect();
        RULE.fail(
            resource,
            format!(
                "runs images with {critical} critical and {high} high vulnerabilities ({fixable} fixable): rebuild {}",
                rebuild.join(", ")
            ),
        )
        .with_severity(if critical > 0 { Severity::Critical } else { Severity::High })
        .with_remediation(remediation(workload, seen, &images, &all))
    } else if !seen.unknown.is_empty() {
        RULE.unknown(resource, "Defender's findings cannot vouch for every image this workload runs")
    } else {
        RULE.pass(resource, "no critical or high vulnerability reported for the images it runs")
    };
    evidence.into_iter().fold(finding, Finding::with_evidence)
}

/// `image: CVE (Critical, openssl 3.0.1, fixed in 3.0.13), ...`, at most eight CVEs.
fn describe(image: &RunningImage, subs: Vec<&SubAssessment>) -> Evidence {
    let mut listed: Vec<String> = subs
        .iter()
        .take(8)
        .map(|sub| {
            let software = sub.software();
            let package = software
                .and_then(|s| s.package_name.as_deref())
                .map(|p| {
                    format!(", {p} {}", software.and_then(|s| s.version.as_deref()).unwrap_or(""))
                        .trim_end()
                        .to_string()
                })
                .unwrap_or_default();
            let fix = match software.and_then(|s| s.fixed_version.as_deref()).filter(|v| !v.is_empty()) {
                Some(version) if sub.has_fix() => format!(", fixed in {version}"),
                _ if sub.has_fix() => ", fix available".to_string(),
                _ => ", no fix yet".to_string(),
            };
            format!("{} ({}{package}{fix})", sub.cve(), sub.severity().unwrap_or("?"))
        })
        .collect();
    if subs.len() > 8 {
        listed.push(format!("and {} more", subs.len() - 8));
    }
    // The line names its source in words of its own: the ARM document Defender's findings are in.
    Evidence::detail(Source::Arm, format!("{}: {} (Defender sub-assessments)", image.reference(), listed.join(", ")))
}

fn remediation(workload: &WorkloadRef, seen: &Workload, images: &[&RunningImage], all: &[&SubAssessment]) -> String {
    let fixed: BTreeSet<String> = all
        .iter()
        .filter(|s| s.has_fix())
        .filter_map(|s| {
            let software = s.software()?;
            let version = software.fixed_version.as_deref().filter(|v| !v.is_empty())?;
            Some(format!("{} {version}", software.package_name.as_deref()?))
        })
        .collect();
    let packages = if fixed.is_empty() {
        String::new()
    } else {
        format!(" with {}", fixed.into_iter().collect::<Vec<_>>().join(", "))
    };
    let mut lines = vec![format!(
        "# rebuild and push {}{packages}, then roll the workload onto the new image:",
        images.iter().map(|i| format!("{}/{}", i.registry, i.repository)).collect::<Vec<_>>().join(", ")
    )];
    for (container, image) in &seen.containers {
        if images.contains(&image) {
            lines.push(format!(
                "kubectl set image {}/{} -n {} {container}={}/{}:NEW_TAG",
                workload.kind.to_ascii_lowercase(),
                workload.name,
                workload.namespace,
                image.registry,
                image.repository
            ));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{deployment_pod, k8s, run};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    const DIGEST: &str = "sha256:4af8e6f002401a965bbe753a381af308b40d8947fad2b9e1f6a369aa81abee59";

    /// The MDVM reference row, made open (`Unhealthy`) and given `cve`/`severity`/`fix`.
    fn vulnerability(
        registry: &str,
        repository: &str,
        digest: &str,
        cve: &str,
        severity: &str,
        fix: bool,
    ) -> SubAssessment {
        let rows = crate::rules::testing::arm_fixture("defender-subassessment-registry-image-mdvm.arg-row.json");
        let mut row = rows[0].clone();
        let data = &mut row["properties"]["additionalData"];
        data["artifactDetails"]["registryHost"] = json!(registry);
        data["artifactDetails"]["repositoryName"] = json!(repository);
        data["artifactDetails"]["digest"] = json!(digest);
        data["vulnerabilityDetails"]["cveId"] = json!(cve);
        data["vulnerabilityDetails"]["severity"] = json!(severity);
        data["softwareDetails"]["fixStatus"] = json!(if fix { "FixAvailable" } else { "NoFixAvailable" });
        data["softwareDetails"]["fixedVersion"] = json!(if fix { "1.11.1" } else { "" });
        row["properties"]["status"]["code"] = json!("Unhealthy");
        SubAssessment::from_document(&row).unwrap()
    }

    fn pod(namespace: &str, deployment: &str, image_id: Option<&str>) -> Value {
        let mut pod = deployment_pod(
            namespace,
            deployment,
            json!({"name": "app", "image": "contosoacr.azurecr.io/shop/web:1.4"}),
        );
        if let Some(id) = image_id {
            pod["status"]["containerStatuses"] =
                json!([{"name": "app", "image": "contosoacr.azurecr.io/shop/web:1.4", "imageID": id, "ready": true}]);
        }
        pod
    }

    fn snapshot(pods: Vec<Value>, subs: Vec<SubAssessment>) -> Snapshot {
        let mut snapshot = Snapshot::empty("t", "not provided");
        snapshot.kubernetes.pods = Part::Collected(k8s(Value::Array(pods)));
        snapshot.azure.defender_sub_assessments = Part::Collected(subs);
        snapshot
    }

    #[test]
    fn pod_digests_join_with_registry_findings() {
        let findings = run(
            &RULE,
            &snapshot(
                vec![
                    pod("shop", "web", Some(&format!("contosoacr.azurecr.io/shop/web@{DIGEST}"))),
                    pod(
                        "shop",
                        "api",
                        Some(
                            "contosoacr.azurecr.io/shop/api@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                        ),
                    ),
                ],
                vec![
                    vulnerability("contosoacr.azurecr.io", "shop/web", DIGEST, "CVE-2024-0001", "Critical", true),
                    vulnerability("contosoacr.azurecr.io", "shop/web", DIGEST, "CVE-2024-0002", "High", false),
                    vulnerability("contosoacr.azurecr.io", "shop/web", DIGEST, "CVE-2024-0003", "Low", true),
                    vulnerability("contosoacr.azurecr.io", "other/repo", DIGEST, "CVE-2024-0009", "Critical", true),
                ],
            ),
        );
        let verdicts: Vec<(&str, Status, Severity)> =
            findings.iter().map(|f| (f.resource.as_str(), f.status, f.severity)).collect();
        assert_eq!(
            verdicts,
            [
                ("Deployment/shop/api", Status::Pass, Severity::High),
                ("Deployment/shop/web", Status::Fail, Severity::Critical)
            ]
        );
        let web = &findings[1];
        assert_eq!(
            web.message,
            "runs images with 1 critical and 1 high vulnerabilities (1 fixable): rebuild contosoacr.azurecr.io/shop/web"
        );
        assert_eq!(
            web.evidence[0].to_string(),
            format!(
                "contosoacr.azurecr.io/shop/web@{DIGEST}: CVE-2024-0001 (Critical, py 1.11.0.0, fixed in 1.11.1), CVE-2024-0002 (High, py 1.11.0.0, no fix yet) (Defender sub-assessments)"
            )
        );
        assert!(web.evidence[1].starts_with("1 medium or low"));
        assert!(
            !web.evidence.iter().any(|e| e.contains("CVE-2024-0009")),
            "another repository's image with the same digest"
        );
        assert_eq!(
            web.remediation.as_deref(),
            Some(
                "# rebuild and push contosoacr.azurecr.io/shop/web with py 1.11.1, then roll the workload onto the new image:\nkubectl set image deployment/web -n shop app=contosoacr.azurecr.io/shop/web:NEW_TAG"
            )
        );
    }

    #[test]
    fn exempt_findings_do_not_count() {
        let mut exempt = vulnerability("contosoacr.azurecr.io", "shop/web", DIGEST, "CVE-2024-0001", "Critical", true);
        exempt.properties.status.as_mut().unwrap().code = Some("NotApplicable".into());
        let findings = run(
            &RULE,
            &snapshot(
                vec![pod("shop", "web", Some(&format!("docker-pullable://contosoacr.azurecr.io/shop/web@{DIGEST}")))],
                vec![exempt],
            ),
        );
        assert_eq!(findings[0].status, Status::Pass);
    }

    #[test]
    fn unscanned_registries_and_missing_digests_are_unknown_never_clean() {
        let known = vulnerability("contosoacr.azurecr.io", "shop/web", DIGEST, "CVE-2024-0001", "Low", true);
        let findings = run(
            &RULE,
            &snapshot(
                vec![
                    pod("shop", "hub", Some(&format!("docker.io/library/nginx@{DIGEST}"))),
                    pod(
                        "shop",
                        "local",
                        Some("sha256:4af8e6f002401a965bbe753a381af308b40d8947fad2b9e1f6a369aa81abee59"),
                    ),
                    pod("shop", "old", None),
                ],
                vec![known],
            ),
        );
        assert!(findings.iter().all(|f| f.status == Status::Unknown), "{findings:#?}");
        assert!(findings[0].evidence[0].contains("registry docker.io"));
        assert!(findings[1].evidence[0].contains("no registry digest"));
        assert!(findings[2].evidence[0].contains("no container statuses"));
    }

    #[test]
    fn a_known_failure_is_reported_even_when_another_image_is_unknown() {
        let mut sidecar = pod("shop", "web", Some(&format!("contosoacr.azurecr.io/shop/web@{DIGEST}")));
        sidecar["status"]["containerStatuses"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "proxy", "imageID": "docker.io/envoyproxy/envoy@sha256:11"}));
        let findings = run(
            &RULE,
            &snapshot(
                vec![sidecar],
                vec![vulnerability("contosoacr.azurecr.io", "shop/web", DIGEST, "CVE-1", "High", true)],
            ),
        );
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].evidence.iter().any(|e| e.contains("registry docker.io")));
    }

    #[test]
    fn reads_image_ids_in_every_runtime_shape() {
        let status = |id: &str| ContainerStatus { name: "c".into(), image: None, image_id: Some(id.into()) };
        let image = RunningImage::from_status(&status("docker-pullable://nginx@sha256:AB")).unwrap();
        assert_eq!(
            (image.registry.as_str(), image.repository.as_str(), image.digest.as_str()),
            ("docker.io", "library/nginx", "sha256:ab")
        );
        let image = RunningImage::from_status(&status("contosoacr.azurecr.io/shop/web@sha256:ab")).unwrap();
        assert_eq!((image.registry.as_str(), image.repository.as_str()), ("contosoacr.azurecr.io", "shop/web"));
        assert!(RunningImage::from_status(&status("sha256:ab")).is_none());
        assert!(RunningImage::from_status(&status("")).is_none());
    }

    #[test]
    fn missing_sources_are_unknown() {
        let mut snapshot =
            snapshot(vec![pod("shop", "web", Some(&format!("contosoacr.azurecr.io/shop/web@{DIGEST}")))], vec![]);
        snapshot.azure.defender_sub_assessments = Part::unavailable("forbidden");
        assert_eq!(run(&RULE, &snapshot)[0].status, Status::Unknown);
        assert_eq!(run(&RULE, &Snapshot::empty("t", "not provided"))[0].status, Status::Unknown);
    }
}
