//! `storage-class-csi`: StorageClasses use the Azure CSI drivers, not the retired in-tree ones.

use super::{Area, Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Resource, Severity};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "storage-class-csi",
    title: "StorageClasses use CSI provisioners",
    severity: Severity::Low,
    area: Area::Operations,
    help_uri: "https://learn.microsoft.com/azure/aks/csi-migrate-in-tree-volumes",
    reads: &[source::STORAGE_CLASSES],
    docs: DOCS,
    cis: &[],
    references: &[
        "Azure Policy: Kubernetes clusters should use Container Storage Interface(CSI) driver StorageClass (4f3823b6-6dac-4b5a-9c61-ce1afb829f17)",
        "Microsoft Learn: Migrate from in-tree storage class to CSI drivers on AKS",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
No StorageClass uses an in-tree provisioner: `kubernetes.io/azure-disk` or
`kubernetes.io/azure-file` (the Azure Policy built-in 4f3823b6). The CSI provisioners are
`disk.csi.azure.com` and `file.csi.azure.com`.

## Why it matters
The in-tree Azure volume plugins are removed from Kubernetes; on AKS 1.26 and later their
classes are redirected to CSI, and new features (ZRS disks, snapshots, expansion without
restart, encryption with your own key) exist only on the CSI drivers.

## How to fix
Create a CSI class and move workloads to it, then delete the in-tree one:

    kubectl delete storageclass NAME
    # recreate it with provisioner: disk.csi.azure.com (or file.csi.azure.com)
";

const IN_TREE: [(&str, &str); 2] =
    [("kubernetes.io/azure-disk", "disk.csi.azure.com"), ("kubernetes.io/azure-file", "file.csi.azure.com")];

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let classes = ctx.storage_classes()?;
    let mut findings = Vec::new();
    for class in classes {
        let Some((_, csi)) = IN_TREE.iter().find(|(in_tree, _)| *in_tree == class.provisioner) else { continue };
        let name = &class.metadata.name;
        findings.push(
            RULE.fail(
                Resource::cluster_scoped("StorageClass", name),
                format!("StorageClass {name} uses the in-tree provisioner {}", class.provisioner),
            )
            .with_evidence(Evidence::kubernetes(format!("StorageClass {name}: provisioner {}", class.provisioner)))
            .with_remediation(format!(
                "kubectl get storageclass {name} -o yaml > {name}.yaml  # set provisioner: {csi}\nkubectl delete storageclass {name}\nkubectl apply -f {name}.yaml"
            )),
        );
    }
    if findings.is_empty() {
        let message = format!("{} StorageClass(es), none with an in-tree provisioner", classes.len());
        findings.push(
            RULE.pass(ctx.cluster_resource(), message)
                .with_evidence(Evidence::kubernetes("checked every StorageClass")),
        );
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{k8s, run};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::json;

    fn with_classes(classes: serde_json::Value) -> Snapshot {
        let mut snapshot = Snapshot::empty("test", "not provided");
        snapshot.kubernetes.storage_classes = Part::Collected(k8s(classes));
        snapshot
    }

    #[test]
    fn an_in_tree_class_fails_csi_classes_pass() {
        let findings = run(
            &RULE,
            &with_classes(json!([
                {"metadata": {"name": "azurefile"}, "provisioner": "kubernetes.io/azure-file"},
                {"metadata": {"name": "managed-csi"}, "provisioner": "disk.csi.azure.com"},
            ])),
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(
            (findings[0].status, findings[0].resource.to_string()),
            (Status::Fail, "StorageClass/azurefile".into())
        );
        assert!(findings[0].remediation.as_ref().unwrap().to_string().contains("provisioner: file.csi.azure.com"));
        let passing = run(
            &RULE,
            &with_classes(json!([{"metadata": {"name": "managed-csi"}, "provisioner": "disk.csi.azure.com"}])),
        );
        assert_eq!(passing.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass]);
    }

    #[test]
    fn storage_classes_not_read_is_unknown() {
        let findings = run(&RULE, &Snapshot::empty("test", "not provided"));
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Unknown]);
    }
}
