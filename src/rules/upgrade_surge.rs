//! `upgrade-surge`: user pools add surge nodes during upgrades instead of losing capacity.

use super::{Area, meta};
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::arm::AgentPoolProfile;
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "upgrade-surge",
    title: "User node pools upgrade with surge capacity",
    severity: Severity::Low,
    area: Area::UpgradesAndPatching,
    help_uri: meta::BEST_PRACTICES,
    reads: &[source::MANAGED_CLUSTER],
    docs: DOCS,
    cis: &[],
    references: &["Microsoft Learn: Upgrade options for AKS clusters: max surge"],
    check,
};

const DOCS: &str = "\
## What it checks
`upgradeSettings.maxSurge` of every user pool (`mode: User`) of the managed cluster: unset,
empty, `0` or `0%` fails; a node count (`1`) or a percentage (`33%`) above zero passes. System
pools are listed as not applicable (they carry AKS's own components, and the rule is about the
capacity your workloads lose).

## Why it matters
Without surge, an upgrade or node image rollout cordons and drains existing nodes before any
new node exists: the pool runs short of capacity, pods go Pending, and PodDisruptionBudgets
stall the drain. Teams that get an outage from a routine upgrade stop patching. A surge node is
added first, so workloads move onto fresh, patched capacity.

## How to fix

    az aks nodepool update -g RG --cluster-name NAME -n POOL --max-surge 33%

(`1` for small pools; larger percentages upgrade faster at a higher transient cost.)
";

/// What `maxSurge` says.
#[derive(Debug, PartialEq)]
enum Surge {
    None,
    Some,
    Unreadable,
}

fn parse_surge(value: Option<&str>) -> Surge {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else { return Surge::None };
    let number = text.strip_suffix('%').unwrap_or(text);
    match number.parse::<u32>() {
        Ok(0) => Surge::None,
        Ok(_) => Surge::Some,
        Err(_) => Surge::Unreadable,
    }
}

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    ctx.each_agent_pool(&RULE, |pool| judge(ctx, pool))
}

fn judge(ctx: &Context, pool: &AgentPoolProfile) -> Finding {
    let name = pool.name.as_deref().unwrap_or("<pool>");
    let resource = ctx.pool_resource(name);
    let surge = pool.upgrade_settings.as_ref().and_then(|s| s.max_surge.as_deref());
    let evidence = match surge {
        Some(value) => Evidence::arm(format!("agentPoolProfiles[{name}].upgradeSettings.maxSurge = \"{value}\"")),
        None => Evidence::arm(format!("agentPoolProfiles[{name}].upgradeSettings.maxSurge is absent")),
    };
    let mode = pool.mode.as_deref().unwrap_or("User");
    if mode.eq_ignore_ascii_case("system") {
        return RULE
            .not_applicable(resource, format!("agent pool {name} is a System pool: the rule judges user pools"))
            .with_evidence(evidence);
    }
    let finding = match parse_surge(surge) {
        Surge::Some => RULE.pass(resource, format!("user pool {name} adds surge nodes during upgrades")),
        Surge::None => RULE
            .fail(
                resource,
                format!("user pool {name} has no upgrade surge: upgrades drain nodes before replacements exist"),
            )
            .with_remediation(ctx.az_aks_nodepool("update", name, "--max-surge 33%")),
        Surge::Unreadable => {
            RULE.unknown(resource, format!("user pool {name}: maxSurge is neither a number nor a percentage"))
        }
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

    fn pool(mode: &str, surge: serde_json::Value) -> Snapshot {
        with_cluster(
            json!({"properties": {"agentPoolProfiles": [{"name": "p1", "mode": mode, "upgradeSettings": {"maxSurge": surge}}]}}),
        )
    }

    #[test]
    fn surge_values_are_parsed() {
        assert_eq!(parse_surge(Some("33%")), Surge::Some);
        assert_eq!(parse_surge(Some("1")), Surge::Some);
        assert_eq!(parse_surge(Some("0")), Surge::None);
        assert_eq!(parse_surge(Some("0%")), Surge::None);
        assert_eq!(parse_surge(Some("")), Surge::None);
        assert_eq!(parse_surge(None), Surge::None);
        assert_eq!(parse_surge(Some("lots")), Surge::Unreadable);
    }

    #[test]
    fn user_pool_without_surge_fails_with_the_fix() {
        for surge in [json!(null), json!("0"), json!("0%")] {
            let finding = &run(&RULE, &pool("User", surge.clone()))[0];
            assert_eq!(finding.status, Status::Fail, "{surge}");
            assert_eq!(
                finding.remediation.as_deref(),
                Some("az aks nodepool update -g rg1 --cluster-name aks1 -n p1 --max-surge 33%")
            );
        }
        let no_settings = with_cluster(json!({"properties": {"agentPoolProfiles": [{"name": "p1", "mode": "User"}]}}));
        assert_eq!(run(&RULE, &no_settings)[0].status, Status::Fail);
    }

    #[test]
    fn user_pool_with_surge_passes_and_system_pools_are_not_judged() {
        assert_eq!(run(&RULE, &pool("User", json!("33%")))[0].status, Status::Pass);
        assert_eq!(run(&RULE, &pool("System", json!(null)))[0].status, Status::NotApplicable);
        assert_eq!(run(&RULE, &pool("User", json!("many")))[0].status, Status::Unknown);
    }

    #[test]
    fn missing_arm_is_unknown() {
        assert_eq!(run(&RULE, &Snapshot::empty("test", "not provided"))[0].status, Status::Unknown);
    }
}
