//! `aksguard plan`: the remediations of the failing findings as an ordered plan, a commented shell
//! script or Markdown. aksguard never runs it. Every command in it is a command of a finding's
//! remediation, verbatim (the one `audit` prints), so the plan and the audit never disagree; the
//! plan only splits remediations into commands, merges identical ones and orders them so that
//! nothing breaks:
//! 1. warnings, dry runs and allow rules (the `warn` label, the DNS allow policy): nothing blocks;
//! 2. switches that roll nothing (Azure settings and add-ons);
//! 3. workload and object fixes;
//! 4. enforcement (the `enforce=restricted` label, default-deny policies), once 1–3 are done;
//! 5. disruptive changes, last, each with its cost (reimaged or rolled nodes, one-way switches).
//!
//! Within a remediation the order of its commands is kept. A command aksguard does not recognise
//! goes with the disruptive ones: unclassified is never presented as safe.

use crate::cli::PlanArgs;
use crate::commands;
use crate::escape;
use crate::finding::{Severity, Status};
use crate::report_file::{Findings, Item};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A commented shell script, one step per command
    Shell,
    Markdown,
}

/// `aksguard plan`: from a report, a snapshot, or the input `audit` takes (audited first).
pub fn command(args: PlanArgs) -> anyhow::Result<u8> {
    let findings = match (&args.report, &args.snapshot) {
        (Some(report), _) => Findings::load(&report.display().to_string(), "--report")?,
        (None, Some(snapshot)) => Findings::audit(&crate::collect::snapshot_file::read(snapshot)?),
        (None, None) => {
            let collected = commands::load(&args.input)?;
            commands::print_notes(&collected.notes);
            Findings::audit(&collected.snapshot)
        }
    };
    let plan = build(&findings);
    let text = match args.format {
        Format::Shell => plan.to_shell(),
        Format::Markdown => plan.to_markdown(),
    };
    commands::write_output(args.output_file.as_deref(), &text)?;
    Ok(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Prepare,
    Switches,
    Workloads,
    Enforce,
    Disruptive,
}

impl Phase {
    pub const ALL: [Phase; 5] = [Phase::Prepare, Phase::Switches, Phase::Workloads, Phase::Enforce, Phase::Disruptive];

    pub fn title(self) -> &'static str {
        match self {
            Phase::Prepare => "Warnings, dry runs and allow rules (nothing is blocked yet)",
            Phase::Switches => "Settings that roll nothing",
            Phase::Workloads => "Workloads and cluster objects",
            Phase::Enforce => "Enforcement (once the steps above are done)",
            Phase::Disruptive => "Disruptive changes, last (each with its cost)",
        }
    }
}

/// One command of a remediation: its comment lines and the command itself (several lines for a
/// heredoc or a continued line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub comments: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub phase: Phase,
    pub command: Command,
    /// What running it costs, for disruptive steps; a caution for others.
    pub cost: Option<&'static str>,
    /// The findings it fixes: (severity, rule, resource).
    pub fixes: Vec<(Severity, String, String)>,
    /// Dry-run lines of the findings it fixes (which workloads `restricted` would reject).
    pub dry_run: Vec<String>,
    /// Why it is written commented out: a placeholder to fill in, or names unsafe in a shell.
    pub held: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub cluster: String,
    pub source: String,
    pub steps: Vec<Step>,
    /// Unknown findings: what the plan cannot cover, since aksguard could not check it.
    pub unknown: Vec<(Severity, String, String, String)>,
}

/// Splits a remediation into its commands; comments attach to the command that follows them.
pub fn commands(remediation: &str) -> Vec<Command> {
    let mut commands = Vec::new();
    let mut comments = Vec::new();
    let mut lines = remediation.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            comments.push(line.trim_start_matches(['#', ' ']).to_string());
            continue;
        }
        let mut text = line.to_string();
        if let Some(marker) = heredoc_marker(line) {
            for body in lines.by_ref() {
                text.push('\n');
                text.push_str(body);
                if body == marker {
                    break;
                }
            }
        }
        while text.ends_with('\\') {
            let Some(next) = lines.next() else { break };
            text.push('\n');
            text.push_str(next);
        }
        commands.push(Command { comments: std::mem::take(&mut comments), text });
    }
    if !comments.is_empty() {
        match commands.last_mut() {
            Some(last) => last.comments.extend(comments),
            None => commands.push(Command { comments, text: String::new() }),
        }
    }
    commands
}

/// `EOF` of `<<'EOF'` / `<<EOF`.
fn heredoc_marker(line: &str) -> Option<String> {
    let after = &line[line.find("<<")? + 2..];
    let word: String = after.trim_start_matches('-').trim().trim_matches(['\'', '"']).to_string();
    (!word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(word)
}

/// The phase of a command and its cost, from what it does: for `a; b` or `a | b`, the latest
/// phase of its parts.
pub fn classify(command: &str) -> (Phase, Option<&'static str>) {
    let first = command.lines().next().unwrap_or_default();
    let (simple, _) = first.split_once("<<").unwrap_or((first, ""));
    simple
        .split([';', '|', '&'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| classify_simple(part, command))
        .max_by_key(|(phase, _)| *phase)
        .unwrap_or((Phase::Disruptive, Some(UNCLASSIFIED)))
}

const UNCLASSIFIED: &str = "not classified by aksguard: review what it changes before running it";

/// One simple command (`first`), with the whole text for a heredoc's body.
fn classify_simple(first: &str, command: &str) -> (Phase, Option<&'static str>) {
    let filters = ["grep", "head", "tail", "sort", "wc", "jq"];
    if filters.iter().any(|filter| first.split_whitespace().next() == Some(filter)) {
        return (Phase::Prepare, None);
    }
    let has = |flag: &str| first.split_whitespace().any(|word| word == flag);
    if first.starts_with("kubectl label namespace") {
        return match first.contains("pod-security.kubernetes.io/enforce=restricted") {
            true => (
                Phase::Enforce,
                Some("rejects every new pod that violates restricted: apply once the dry run lists no workload"),
            ),
            false => (Phase::Prepare, None),
        };
    }
    if first.starts_with("kubectl apply") {
        return match (command.contains("name: default-deny"), command.contains("name: allow-")) {
            (true, _) => (
                Phase::Enforce,
                Some("blocks all traffic no policy allows: apply once the allow policies are in place"),
            ),
            (false, true) => (Phase::Prepare, None),
            (false, false) => (Phase::Workloads, None),
        };
    }
    if first.starts_with("kubectl describe") || first.starts_with("kubectl get") {
        return (Phase::Prepare, None);
    }
    if first.contains(" replace --force") {
        return (Phase::Workloads, Some("deletes and recreates the pod: it is down in between"));
    }
    if first.starts_with("kubectl ") {
        return (Phase::Workloads, None);
    }
    if first.starts_with("az aks upgrade")
        || (first.starts_with("az aks nodepool upgrade") && has("--kubernetes-version"))
    {
        return (
            Phase::Disruptive,
            Some("upgrades Kubernetes: every node is drained and replaced, one surge batch at a time"),
        );
    }
    if first.starts_with("az aks nodepool upgrade") && has("--node-image-only") {
        return (Phase::Disruptive, Some("reimages every node of the pool: its pods are drained and rescheduled"));
    }
    if first.starts_with("az aks nodepool delete-machines") {
        return (Phase::Disruptive, Some("deletes the node: its pods are evicted and rescheduled"));
    }
    if first.starts_with("az aks nodepool delete") {
        return (Phase::Disruptive, Some("deletes the pool: all its pods are evicted, so move them first"));
    }
    if first.starts_with("az aks nodepool update") && has("--ssh-access") {
        return (Phase::Disruptive, Some("reimages the pool's nodes: their pods are drained and rescheduled"));
    }
    if first.starts_with("az aks nodepool add") {
        return (Phase::Switches, Some("adds virtual machines, billed until the old pool is deleted"));
    }
    if first.starts_with("az aks update") {
        return update_cost(&has);
    }
    let non_disruptive = [
        "az security pricing",
        "az aks enable-addons",
        "az aks addon update",
        "az aks maintenanceconfiguration",
        "az monitor diagnostic-settings",
        "az aks nodepool update",
    ];
    if non_disruptive.iter().any(|prefix| first.starts_with(prefix)) {
        return (Phase::Switches, None);
    }
    (Phase::Disruptive, Some(UNCLASSIFIED))
}

/// `az aks update` flags: most switch a setting; some roll nodes or cannot be undone.
fn update_cost(has: &dyn Fn(&str) -> bool) -> (Phase, Option<&'static str>) {
    let costs: [(&str, &'static str); 6] = [
        (
            "--disable-local-accounts",
            "breaks every static admin kubeconfig (az aks get-credentials --admin): sign in with Entra ID first",
        ),
        ("--enable-aad", "Entra ID integration cannot be turned off again"),
        ("--network-policy", "changing the network policy engine reimages every node"),
        ("--node-os-upgrade-channel", "node OS updates from this channel reimage nodes, within the maintenance window"),
        ("--enable-private-cluster", "a private API server needs a new cluster, or API server VNet integration"),
        ("--enable-apiserver-vnet-integration", "moves the API server into the cluster's VNet: nodes are reimaged"),
    ];
    if let Some((_, cost)) = costs.iter().find(|(flag, _)| has(flag)) {
        return (Phase::Disruptive, Some(cost));
    }
    if has("--api-server-authorized-ip-ranges") {
        return (
            Phase::Switches,
            Some("include every address that runs kubectl (you, CI, agents), or they are locked out"),
        );
    }
    (Phase::Switches, None)
}

/// Characters a shell would act on, in a resource name from the cluster.
fn shell_safe(name: &str) -> bool {
    // `*` is aksguard's own, in `DaemonSet/kube-system/microsoft-defender-*`.
    name.chars().all(|c| c.is_ascii_alphanumeric() || "-._/:*".contains(c))
}

/// `<your CIDRs>`: a value the user fills in, which a shell would read as a redirection.
fn has_placeholder(command: &str) -> bool {
    let first = command.lines().next().unwrap_or_default();
    let mut rest = first;
    while let Some(at) = rest.find('<') {
        let after = &rest[at + 1..];
        if after.starts_with(|c: char| c.is_ascii_alphabetic()) && after.contains('>') {
            return true;
        }
        rest = after.trim_start_matches('<');
    }
    false
}

/// The plan for the failing findings (AKS-managed ones left out: AKS reconciles them).
pub fn build(findings: &Findings) -> Plan {
    let mut steps: Vec<Step> = Vec::new();
    for item in findings.items.iter().filter(|item| item.status == Status::Fail && !item.platform_managed) {
        let Some(remediation) = &item.remediation else { continue };
        for command in commands(remediation).into_iter().filter(|command| !command.text.is_empty()) {
            add(&mut steps, item, command);
        }
    }
    // A stable sort: the order of the findings (most severe first) and of each remediation stays.
    steps.sort_by_key(|step| step.phase);
    let unknown = findings
        .items
        .iter()
        .filter(|item| item.status == Status::Unknown && !item.platform_managed)
        .map(|item| (item.severity, item.rule.clone(), item.resource.clone(), item.message.clone()))
        .collect();
    Plan { cluster: findings.target.describe(), source: findings.target.source.clone(), steps, unknown }
}

fn add(steps: &mut Vec<Step>, item: &Item, command: Command) {
    let fix = (item.severity, item.rule.clone(), item.resource.clone());
    let dry_run: Vec<String> =
        item.evidence.iter().filter(|line| line.starts_with("restricted would reject")).cloned().collect();
    if let Some(step) = steps.iter_mut().find(|step| step.command.text == command.text) {
        step.fixes.push(fix);
        for line in command.comments {
            if !step.command.comments.contains(&line) {
                step.command.comments.push(line);
            }
        }
        for line in dry_run {
            if !step.dry_run.contains(&line) {
                step.dry_run.push(line);
            }
        }
        return;
    }
    let (phase, cost) = classify(&command.text);
    let control = command.text.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    let held = if !shell_safe(&item.resource) || control {
        Some("the resource name has characters a shell would act on: check the command before you run it")
    } else if has_placeholder(&command.text) {
        Some("fill in the <placeholder> first")
    } else {
        None
    };
    steps.push(Step { phase, command, cost, fixes: vec![fix], dry_run, held });
}

impl Plan {
    pub fn to_shell(&self) -> String {
        let mut out = format!(
            "#!/bin/sh\n# aksguard remediation plan for {}\n# source: {}\n#\n\
             # aksguard never runs this plan. Read each step and run it yourself, in order: the order\n\
             # keeps the cluster working (dry runs and allow rules before enforcement, disruptive\n\
             # changes last). Steps written commented out need a value or a check first.\n",
            comment(&self.cluster),
            comment(&self.source)
        );
        out.push_str(&self.unknown_note("# "));
        out.push_str("set -eu\n");
        if self.steps.is_empty() {
            out.push_str("\n# nothing to do: no finding fails\n");
        }
        let mut number = 0;
        for phase in Phase::ALL {
            let steps: Vec<&Step> = self.steps.iter().filter(|step| step.phase == phase).collect();
            if steps.is_empty() {
                continue;
            }
            out.push_str(&format!("\n# ==== {} ====\n", phase.title()));
            for step in steps {
                number += 1;
                out.push_str(&format!("\n# Step {number}: fixes {}\n", comment(&fixes(step))));
                for line in step.comments_shown() {
                    out.push_str(&format!("# {}\n", comment(&line)));
                }
                match step.held {
                    Some(why) => {
                        out.push_str(&format!("# HELD: {why}\n"));
                        for line in step.command.text.lines() {
                            out.push_str(&format!("# {}\n", escape::terminal(line)));
                        }
                    }
                    None => out.push_str(&format!("{}\n", step.command.text)),
                }
            }
        }
        out
    }

    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "# Remediation plan: {}\n\nSource: {}\n\n> aksguard never runs this plan. Run each step yourself, in order: dry runs and \
             allow rules come before enforcement, disruptive changes last with their cost.\n",
            escape::markdown(&self.cluster),
            escape::markdown(&self.source)
        );
        let unknown = self.unknown_note("");
        if !unknown.is_empty() {
            out.push_str(&format!("\n{}", escape::markdown(&unknown).replace("\\- ", "\n- ")));
            out.push('\n');
        }
        if self.steps.is_empty() {
            out.push_str("\nNothing to do: no finding fails.\n");
        }
        let mut number = 0;
        for (index, phase) in Phase::ALL.into_iter().enumerate() {
            let steps: Vec<&Step> = self.steps.iter().filter(|step| step.phase == phase).collect();
            if steps.is_empty() {
                continue;
            }
            out.push_str(&format!("\n## {}. {}\n", index + 1, phase.title()));
            for step in steps {
                number += 1;
                out.push_str(&format!("\n**Step {number}** fixes {}\n", escape::markdown(&fixes(step))));
                let notes = step.comments_shown();
                if !notes.is_empty() || step.held.is_some() {
                    out.push('\n');
                }
                for line in notes {
                    out.push_str(&format!("- {}\n", escape::markdown(&line)));
                }
                if let Some(why) = step.held {
                    out.push_str(&format!("- **Held:** {}\n", escape::markdown(why)));
                }
                let fence = "`".repeat(longest_backtick_run(&step.command.text).max(2) + 1);
                out.push_str(&format!("\n{fence}sh\n{}\n{fence}\n", escape::terminal(&step.command.text)));
            }
        }
        out
    }

    fn unknown_note(&self, prefix: &str) -> String {
        if self.unknown.is_empty() {
            return String::new();
        }
        let mut out = format!(
            "{prefix}{} findings could not be checked (unknown), so this plan may be incomplete:\n",
            self.unknown.len()
        );
        for (severity, rule, resource, message) in &self.unknown {
            out.push_str(&format!("{prefix}- {rule} ({severity}) on {}: {}\n", comment(resource), comment(message)));
        }
        out
    }
}

impl Step {
    /// The remediation's comments, the cost, and the dry run.
    fn comments_shown(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.command.comments.iter().filter(|line| !line.is_empty()).cloned().collect();
        if let Some(cost) = self.cost {
            let label =
                if self.phase == Phase::Disruptive || self.phase == Phase::Enforce { "cost" } else { "caution" };
            lines.push(format!("{label}: {cost}"));
        }
        lines.extend(self.dry_run.iter().map(|line| format!("dry run: {line}")));
        lines
    }
}

/// `rule on resource (severity)`, joined.
fn fixes(step: &Step) -> String {
    let names: Vec<String> = step
        .fixes
        .iter()
        .map(|(severity, rule, resource)| {
            format!("{rule} on {} ({severity})", crate::report::text::short_resource(resource))
        })
        .collect();
    names.join(", ")
}

/// One comment line: no line break can end the comment and start a command.
fn comment(text: &str) -> String {
    escape::terminal(text).replace(['\n', '\r'], " ")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remediation_splits_into_commands_with_their_comments() {
        let text = "# first\nkubectl apply -f - <<'EOF'\na: 1\n# not a comment\nEOF\n# then\naz aks update \\\n  --x\n# trailing";
        let got = commands(text);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].comments, ["first"]);
        assert_eq!(got[0].text, "kubectl apply -f - <<'EOF'\na: 1\n# not a comment\nEOF");
        assert_eq!(got[1].text, "az aks update \\\n  --x");
        assert_eq!(got[1].comments, ["then", "trailing"]);
    }

    #[test]
    fn commands_are_classified_by_what_they_do() {
        let phase = |command: &str| classify(command).0;
        assert_eq!(
            phase(
                "kubectl label namespace a pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/warn=restricted"
            ),
            Phase::Prepare
        );
        assert_eq!(phase("kubectl label namespace a pod-security.kubernetes.io/enforce=restricted"), Phase::Enforce);
        assert_eq!(phase("az aks update -g rg -n aks --enable-defender"), Phase::Switches);
        assert_eq!(phase("az aks update -g rg -n aks --network-policy azure"), Phase::Disruptive);
        assert_eq!(phase("az aks nodepool upgrade -g rg --cluster-name aks -n p --node-image-only"), Phase::Disruptive);
        assert_eq!(phase("helm install something"), Phase::Disruptive, "unclassified is never presented as safe");
        assert!(
            classify("az aks update -g rg -n aks --enable-aad --disable-local-accounts")
                .1
                .unwrap()
                .contains("kubeconfig")
        );
    }

    fn item(rule: &str, resource: &str, status: Status, remediation: &str) -> Item {
        Item {
            rule: rule.into(),
            severity: Severity::High,
            status,
            resource: resource.into(),
            message: "m".into(),
            evidence: Vec::new(),
            remediation: Some(remediation.into()),
            platform_managed: false,
        }
    }

    #[test]
    fn unknown_findings_are_listed_and_hostile_names_never_run() {
        let findings = Findings {
            target: Default::default(),
            items: vec![
                item("a", "Pod/ns/x$(reboot)", Status::Fail, "kubectl -n ns edit pod/x$(reboot)"),
                item("b", "Pod/ns/y", Status::Fail, "kubectl -n ns edit pod/y\u{1b}[2J"),
                item("c", "cluster", Status::Unknown, "az aks update --enable-defender"),
            ],
        };
        let shell = build(&findings).to_shell();
        assert!(
            shell.contains("# 1 findings could not be checked (unknown)")
                && shell.contains("# - c (high) on cluster: m")
        );
        assert!(shell.contains("# kubectl -n ns edit pod/x$(reboot)\n"), "{shell}");
        assert!(shell.contains("# kubectl -n ns edit pod/y\\u{1b}[2J\n"), "{shell}");
        assert!(!shell.lines().any(|line| line.starts_with("kubectl") || line.starts_with("az ")), "{shell}");
    }

    #[test]
    fn placeholders_and_unsafe_names_are_held() {
        assert!(has_placeholder("az aks update --api-server-authorized-ip-ranges <your CIDRs>"));
        assert!(!has_placeholder("kubectl apply -f - <<'EOF'\nx\nEOF"));
        assert!(!has_placeholder("kubectl -n a get pod p -o yaml > p.yaml"));
        assert!(!shell_safe("Pod/ns/$(reboot)") && shell_safe("Deployment/contoso-production/backend-api"));
    }
}
