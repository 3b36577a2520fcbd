//! The embedded demo clusters (`--demo NAME`), modelled on the Contoso AKS hardening challenge:
//! `insecure` is the cluster as found, `hardened` the same cluster after the hardening steps, and
//! the Break & Fix demos are `hardened` with the one mistake each scenario of the challenge makes.

use super::snapshot_file;
use crate::snapshot::Snapshot;
use anyhow::{Result, bail};
use std::path::Path;

/// A demo cluster: its name, the story `aksguard demos` tells, and its snapshot.
pub struct Demo {
    pub name: &'static str,
    pub story: &'static str,
    json: &'static str,
}

pub const DEMOS: &[Demo] = &[
    Demo {
        name: "insecure",
        story: "The Contoso production cluster as the platform team deployed it: public API server, local \
                accounts, no Defender, no network policy engine, privileged and root workloads, old node \
                images and nothing that upgrades them. Nearly every rule fails; `aksguard plan --demo insecure` \
                orders the fixes.",
        json: include_str!("../../fixtures/demo/insecure.json"),
    },
    Demo {
        name: "hardened",
        story: "The same cluster after the hardening steps of the challenge: the target state. Every rule \
                passes, and each Break & Fix demo below is this cluster with one mistake.",
        json: include_str!("../../fixtures/demo/hardened.json"),
    },
    Demo {
        name: "pss-outage",
        story: "Break & Fix 1: `pod-security.kubernetes.io/enforce=restricted` is on contoso-production, but the \
                backend-api Deployment runs as root, with no seccomp profile and no dropped capabilities. Its \
                running pods predate the label; every new one (rollout, restart, scale-up, node drain) is \
                rejected. aksguard names the workload, each violation, and the fix: the compliant \
                securityContext as a patch, or enforce=baseline with warn=restricted until then.",
        json: include_str!("../../fixtures/demo/pss-outage.json"),
    },
    Demo {
        name: "defender-silent",
        story: "Break & Fix 2: the Defender for Containers plan is Standard and the cluster's Defender profile \
                is enabled, but the sensor DaemonSet is ready on one node of three. Azure says \"enabled\"; \
                the nodes without a sensor raise no alert. aksguard cross-checks ARM against what runs in \
                kube-system.",
        json: include_str!("../../fixtures/demo/defender-silent.json"),
    },
    Demo {
        name: "dns-blocked",
        story: "Break & Fix 3: contoso-production has a default-deny egress policy and no DNS allow policy, so \
                every name lookup in the namespace times out and the services cannot reach each other. \
                aksguard gives the DNS allow policy to apply.",
        json: include_str!("../../fixtures/demo/dns-blocked.json"),
    },
];

pub fn names() -> Vec<&'static str> {
    DEMOS.iter().map(|demo| demo.name).collect()
}

pub fn load(name: &str) -> Result<Snapshot> {
    let Some(demo) = DEMOS.iter().find(|demo| demo.name == name) else {
        bail!("unknown demo '{name}': choose one of {} (`aksguard demos` tells their stories)", names().join(", "));
    };
    snapshot_file::parse(Path::new(&format!("fixtures/demo/{name}.json")), demo.json)
}

/// `aksguard demos`: each demo's name and story.
pub fn listing() -> String {
    let stories: Vec<String> = DEMOS.iter().map(|demo| format!("{}\n{}", demo.name, wrap(demo.story, 96))).collect();
    format!(
        "{}\nRun one: aksguard audit --demo NAME · aksguard plan --demo NAME · aksguard diff demo:NAME demo:hardened\n",
        stories.join("\n")
    )
}

/// The words of `text` in lines of at most `width` characters, each indented by two spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&format!("  {line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out + &format!("  {line}\n")
}
