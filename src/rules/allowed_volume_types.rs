//! `allowed-volume-types`: pods use only the volume types of the restricted pod security standard
//! (and no FlexVolume driver).

use super::workload_check::{PodFields, WorkloadCheck};
use super::{Area, Context, Missing, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::kube::Pod;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "allowed-volume-types",
    title: "Pods use only allowed volume types",
    severity: Severity::Medium,
    area: Area::WorkloadSecurity,
    help_uri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    reads: &[source::PODS, source::REPLICA_SETS, source::JOBS],
    docs: DOCS,
    cis: &["4.6.2"],
    references: &[
        "Azure Policy: Kubernetes cluster pods should only use allowed volume types (16697877-1118-4fb1-9b65-9898ec2509ec)",
        "Azure Policy: Kubernetes cluster pod FlexVolume volumes should only use allowed drivers (f4a8fce0-2dd5-4c21-9a36-8f0ec809d663)",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
Every volume of every running pod must be of a type in the restricted initiative's
`allowedVolumeTypes`: `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`,
`persistentVolumeClaim`, `projected`, `secret`. Anything else fails: `hostPath` (also reported by
`host-namespaces`), in-tree cloud volumes (`azureDisk`, `azureFile`), `nfs`, `iscsi`, and
`flexVolume`, whose driver is named in the evidence: the FlexVolume built-in (f4a8fce0) allows
only the drivers an organisation lists, and lists none by default. Pods are grouped by workload;
system namespaces go to the platform-managed group.

## Why it matters
Volume types outside this list reach the node or the network directly: a `hostPath` exposes the
node's files, an `nfs` or `iscsi` mount is set up by the kubelet with the node's privileges, and
a FlexVolume driver is a binary run as root on the node. PersistentVolumeClaims give the same
storage through a StorageClass the cluster's administrators control.

## How to fix
Replace such volumes in the pod template with a `persistentVolumeClaim` (Azure Disk or Files via
the CSI drivers), an `emptyDir`, a `configMap`, `secret` or `projected` volume.
";

/// The restricted initiative's `allowedVolumeTypes` (the restricted Pod Security Standard's list).
pub const ALLOWED_VOLUME_TYPES: &[&str] =
    &["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    WorkloadCheck {
        rule: &RULE,
        problem: "uses volume types outside the allowed list",
        problems,
        fix: "replace the volume with a persistentVolumeClaim, emptyDir, configMap, secret or projected volume",
        reads: PodFields::Template,
    }
    .run(ctx)
}

fn problems(_: &Context, pod: &Pod) -> Vec<String> {
    pod.spec
        .volumes
        .iter()
        .filter(|volume| !ALLOWED_VOLUME_TYPES.contains(&volume.source.as_str()))
        .map(|volume| match (&volume.flex_volume_driver, volume.source.as_str()) {
            (Some(driver), _) => format!("volume \"{}\" is a flexVolume (driver {driver:?})", volume.name),
            (None, "") => format!("volume \"{}\" has no recognised type", volume.name),
            (None, source) => format!("volume \"{}\" is of type {source}", volume.name),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_pods};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn pod(volumes: serde_json::Value) -> serde_json::Value {
        json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": {"containers": [{"name": "c"}], "volumes": volumes},
            "status": {"phase": "Running"}})
    }

    #[test]
    fn allowed_types_pass() {
        let volumes = json!([{"name": "a", "emptyDir": {}}, {"name": "b", "persistentVolumeClaim": {"claimName": "x"}},
            {"name": "c", "projected": {"sources": []}}, {"name": "d", "csi": {"driver": "secrets-store.csi.k8s.io"}}]);
        assert_eq!(run(&RULE, &with_pods(json!([pod(volumes)])))[0].status, Status::Pass);
    }

    #[test]
    fn host_paths_nfs_and_flex_volumes_fail() {
        let volumes = json!([{"name": "logs", "hostPath": {"path": "/var/log"}}, {"name": "share", "nfs": {"server": "s", "path": "/"}},
            {"name": "flex", "flexVolume": {"driver": "acme/lvm"}}]);
        let finding = &run(&RULE, &with_pods(json!([pod(volumes)])))[0];
        assert_eq!(finding.status, Status::Fail);
        for expected in [
            "volume \"logs\" is of type hostPath",
            "volume \"share\" is of type nfs",
            "volume \"flex\" is a flexVolume (driver \"acme/lvm\")",
        ] {
            assert!(finding.evidence.iter().any(|e| e.as_str() == expected), "{expected} in {:?}", finding.evidence);
        }
    }

    #[test]
    fn missing_pods_are_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("t", "forbidden"))[0].status, Status::Unknown);
    }
}
