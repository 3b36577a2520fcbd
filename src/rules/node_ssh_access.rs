//! `node-ssh-access`: no node pool exposes its nodes on public IPs or accepts SSH with a local key.

use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::arm::AgentPoolProfile;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "node-ssh-access",
    title: "Nodes have no public IPs and no local SSH access",
    severity: Severity::Low,
    area: Area::AccessControl,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &["5.4.3"],
    references: &["Microsoft Learn: Manage SSH for secure access to AKS nodes (securityProfile.sshAccess)"],
    check,
};

const DOCS: &str = "\
## What it checks
Every agent pool of the managed cluster, each on its own:
- `enableNodePublicIP: true` fails **high**: each node has its own public IP.
- `securityProfile.sshAccess` `Disabled` passes, and so does `EntraId` (SSH with Entra ID
  identities, audited per user). `LocalUser` or unset (the AKS default is `LocalUser`) fails:
  the nodes accept SSH with the cluster's local key.
One pool with public node IPs fails the cluster, whatever the other pools do.

## Why it matters
A node with a public IP is reachable from the internet beside the load balancer: SSH, the
kubelet port and anything bound to the host network. A shared local SSH key lets whoever holds
it onto every node as root, unaudited, and bypasses Kubernetes RBAC entirely.

## How to fix
Disable SSH on each pool (this reimages the nodes):

    az aks nodepool update -g RG --cluster-name NAME -n POOL --ssh-access disabled

Public node IPs cannot be turned off in place: add a pool without `--enable-node-public-ip`
(`az aks nodepool add -g RG --cluster-name NAME -n NEWPOOL --mode User --ssh-access disabled`),
move the workloads, and delete the old pool (`az aks nodepool delete`).
";

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    ctx.each_agent_pool(&RULE, |pool| judge(ctx, pool))
}

fn judge(ctx: &Context, pool: &AgentPoolProfile) -> Finding {
    let name = pool.name.as_deref().unwrap_or("<pool>");
    let resource = ctx.pool_resource(name);
    if pool.enable_node_public_ip == Some(true) {
        return RULE
            .fail(resource, format!("agent pool {name} gives every node a public IP"))
            .with_severity(Severity::High)
            .with_evidence(Evidence::arm(format!("agentPoolProfiles[{name}].enableNodePublicIP = true")))
            .with_remediation(format!(
                "{}\n# move the workloads: kubectl drain each node of {name}, then\n{}",
                ctx.az_aks_nodepool(
                    "add",
                    "newpool",
                    &format!("--mode {} --ssh-access disabled", pool.mode.as_deref().unwrap_or("User"))
                ),
                ctx.az_aks_nodepool("delete", name, "").trim_end()
            ));
    }
    let ssh = pool.security_profile.as_ref().and_then(|p| p.ssh_access.clone());
    let evidence = match &ssh {
        Some(value) => Evidence::arm(format!("agentPoolProfiles[{name}].securityProfile.sshAccess = \"{value}\"")),
        None => Evidence::arm(format!(
            "agentPoolProfiles[{name}].securityProfile.sshAccess is absent: the AKS default, LocalUser"
        )),
    };
    let finding = match ssh.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("disabled") => RULE.pass(resource, format!("agent pool {name}: SSH is disabled, no public node IPs")),
        Some("entraid") => RULE.pass(resource, format!("agent pool {name}: SSH only with Entra ID identities")),
        None | Some("localuser") => RULE
            .fail(resource, format!("agent pool {name} accepts SSH with the cluster's local key"))
            .with_remediation(ctx.az_aks_nodepool("update", name, "--ssh-access disabled")),
        Some(_) => RULE.unknown(resource, format!("agent pool {name}: unrecognised sshAccess value")),
    };
    finding.with_evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_cluster};
    use crate::snapshot::Snapshot;
    use serde_json::json;

    fn pools(pools: serde_json::Value) -> Snapshot {
        with_cluster(json!({"properties": {"agentPoolProfiles": pools}}))
    }

    #[test]
    fn every_pool_counts_one_with_public_ips_fails_high() {
        let snapshot = pools(json!([
            {"name": "system", "securityProfile": {"sshAccess": "Disabled"}},
            {"name": "user", "enableNodePublicIP": true, "securityProfile": {"sshAccess": "Disabled"}}
        ]));
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings.len(), 2);
        assert_eq!((findings[0].status, findings[0].severity), (Status::Pass, Severity::Low));
        assert_eq!((findings[1].status, findings[1].severity), (Status::Fail, Severity::High));
        assert!(findings[1].resource.ends_with("/agentPools/user"));
    }

    #[test]
    fn local_user_or_unset_ssh_fails_low_with_the_pool_named() {
        let findings =
            run(&RULE, &pools(json!([{"name": "a"}, {"name": "b", "securityProfile": {"sshAccess": "LocalUser"}}])));
        assert!(findings.iter().all(|f| (f.status, f.severity) == (Status::Fail, Severity::Low)));
        assert_eq!(
            findings[0].remediation.as_deref(),
            Some("az aks nodepool update -g rg1 --cluster-name aks1 -n a --ssh-access disabled")
        );
    }

    #[test]
    fn az_casing_and_entra_id_ssh() {
        let snapshot = with_cluster(json!({"agentPoolProfiles": [
            {"name": "a", "enableNodePublicIp": false, "securityProfile": {"sshAccess": "EntraId"}},
            {"name": "b", "enableNodePublicIp": true}
        ]}));
        let statuses: Vec<Status> = run(&RULE, &snapshot).iter().map(|f| f.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Fail]);
    }

    #[test]
    fn no_pools_or_no_arm_is_unknown() {
        assert_eq!(run(&RULE, &pools(json!([])))[0].status, Status::Unknown);
        let finding = &run(&RULE, &Snapshot::empty("test", "not provided"))[0];
        assert_eq!(finding.status, Status::Unknown);
        assert!(finding.message.contains("needs ARM access"), "{}", finding.message);
    }
}
