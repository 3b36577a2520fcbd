//! What the Pod Security Standards `restricted` profile (which includes `baseline`) would reject
//! in a pod: a dry run of `pod-security.kubernetes.io/enforce=restricted`, so a namespace can be
//! labelled without the outage of pods that can no longer start. Covers the controls aksguard
//! models: host namespaces and ports, privileged, capabilities, hostPath and other volume types,
//! privilege escalation, running as root, seccomp. (AppArmor, SELinux, procMount and sysctls are
//! not modelled.)

use crate::snapshot::kube::{Container, Pod};

/// Volume types the restricted profile allows.
const RESTRICTED_VOLUME_TYPES: &[&str] =
    &["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

/// The only capability restricted lets a container add.
const RESTRICTED_ADDABLE_CAPABILITY: &str = "NET_BIND_SERVICE";

/// Every reason `restricted` would reject the pod, in a stable order; empty when it would admit it.
pub fn violations(pod: &Pod) -> Vec<String> {
    let mut found = Vec::new();
    let spec = &pod.spec;
    for (enabled, name) in [(spec.host_network, "hostNetwork"), (spec.host_pid, "hostPID"), (spec.host_ipc, "hostIPC")]
    {
        if enabled {
            found.push(format!("uses the host namespace ({name}: true)"));
        }
    }
    for volume in &spec.volumes {
        match &volume.host_path {
            Some(path) => found.push(format!("mounts hostPath {path} (volume \"{}\")", volume.name)),
            None if !RESTRICTED_VOLUME_TYPES.contains(&volume.source.as_str()) => {
                found.push(format!("uses volume type {} (volume \"{}\")", volume.source, volume.name))
            }
            None => {}
        }
    }
    for container in pod.all_containers() {
        container_violations(pod, container, &mut found);
    }
    found
}

fn container_violations(pod: &Pod, container: &Container, found: &mut Vec<String>) {
    let name = &container.name;
    // Borrowed, not cloned: this runs for every container of every pod, twice per audit.
    let context = container.security_context.as_ref();
    let pod_context = pod.spec.security_context.as_ref();
    if context.and_then(|c| c.privileged) == Some(true) {
        found.push(format!("container \"{name}\" is privileged"));
    }
    if container.ports.iter().any(|port| port.host_port.is_some_and(|p| p != 0)) {
        found.push(format!("container \"{name}\" uses a hostPort"));
    }
    if context.and_then(|c| c.allow_privilege_escalation) != Some(false) {
        found.push(format!("container \"{name}\" does not set allowPrivilegeEscalation: false"));
    }
    let run_as_non_root = context.and_then(|c| c.run_as_non_root).or(pod_context.and_then(|c| c.run_as_non_root));
    if run_as_non_root != Some(true) {
        found.push(format!("container \"{name}\" does not set runAsNonRoot: true"));
    }
    if context.and_then(|c| c.run_as_user).or(pod_context.and_then(|c| c.run_as_user)) == Some(0) {
        found.push(format!("container \"{name}\" runs as user 0 (root)"));
    }
    let capabilities = context.and_then(|c| c.capabilities.as_ref());
    let (add, drop) = capabilities.map_or((&[][..], &[][..]), |c| (&c.add[..], &c.drop[..]));
    if !drop.iter().any(|cap| cap == "ALL") {
        found.push(format!("container \"{name}\" does not drop ALL capabilities"));
    }
    let added: Vec<&str> = add.iter().map(String::as_str).filter(|cap| *cap != RESTRICTED_ADDABLE_CAPABILITY).collect();
    if !added.is_empty() {
        found.push(format!("container \"{name}\" adds capabilities {}", added.join(", ")));
    }
    let seccomp =
        context.and_then(|c| c.seccomp_profile.as_ref()).or(pod_context.and_then(|c| c.seccomp_profile.as_ref()));
    if !matches!(seccomp.map(|profile| profile.profile_type.as_str()), Some("RuntimeDefault") | Some("Localhost")) {
        found.push(format!("container \"{name}\" has no RuntimeDefault or Localhost seccomp profile"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::k8s;
    use serde_json::json;

    fn compliant_container() -> serde_json::Value {
        json!({"name": "app", "image": "acr.azurecr.io/app:1", "securityContext": {
            "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}})
    }

    #[test]
    fn a_compliant_pod_has_no_violations() {
        let pod: Pod = k8s(json!({"metadata": {"name": "p"}, "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [compliant_container()],
            "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "token", "projected": {"sources": []}}]}}));
        assert_eq!(violations(&pod), Vec::<String>::new());
    }

    #[test]
    fn reports_each_control() {
        let pod: Pod = k8s(json!({"metadata": {"name": "p"}, "spec": {
            "hostNetwork": true, "hostPID": true,
            "containers": [{"name": "c", "securityContext": {"privileged": true, "runAsUser": 0,
                "capabilities": {"add": ["SYS_ADMIN"]}}, "ports": [{"hostPort": 80}]}],
            "volumes": [{"name": "root", "hostPath": {"path": "/"}}, {"name": "nfs", "nfs": {"server": "x"}}]}}));
        let found = violations(&pod).join("\n");
        for expected in [
            "hostNetwork: true",
            "hostPID: true",
            "hostPath /",
            "volume type nfs",
            "is privileged",
            "hostPort",
            "allowPrivilegeEscalation",
            "runAsNonRoot",
            "user 0",
            "drop ALL",
            "adds capabilities SYS_ADMIN",
            "seccomp",
        ] {
            assert!(found.contains(expected), "missing {expected:?} in:\n{found}");
        }
    }

    #[test]
    fn container_settings_override_pod_settings() {
        let pod: Pod = k8s(json!({"metadata": {"name": "p"}, "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "c", "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": false,
                "seccompProfile": {"type": "Unconfined"}, "capabilities": {"drop": ["ALL"]}}}]}}));
        let found = violations(&pod).join("\n");
        assert!(found.contains("runAsNonRoot") && found.contains("seccomp"), "{found}");
    }

    #[test]
    fn init_containers_count_too() {
        let pod: Pod = k8s(json!({"metadata": {"name": "p"}, "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [{"name": "init", "securityContext": {"privileged": true}}],
            "containers": [compliant_container()]}}));
        assert!(violations(&pod).iter().any(|v| v.contains("\"init\" is privileged")));
    }
}
