//! What a rule sees: the snapshot, settings, and accessors that turn an unavailable source into
//! a [`Missing`] error, so that `?` makes the rule `unknown` instead of letting it pass.

use super::Rule;
use super::system::Settings;
use super::workloads::{WorkloadIndex, WorkloadRef, group_by_workload, pod_names};
use crate::finding::{Evidence, Finding, Resource};
use crate::snapshot::{Part, Snapshot, arm, kube, source};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

/// A source a rule needs could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub source: &'static str,
    pub reason: String,
}

impl Missing {
    /// "arm/managedCluster is unavailable (forbidden)": for messages that say what was not checked.
    pub fn what(&self) -> String {
        format!("{} is unavailable ({})", self.source, self.reason)
    }
}

/// The message of the `unknown` finding a missing source turns into.
impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "cannot evaluate: {}", self.what())?;
        // Kubernetes-only users (training participants) need to know no cluster data can help.
        if self.source.starts_with("arm/") { f.write_str("; needs ARM access") } else { Ok(()) }
    }
}

/// One accessor per source of the declaration (`snapshot::sources`): `Err(Missing)` when the
/// part is unavailable. Kubernetes parts are slices; ARM parts are the document or a slice.
macro_rules! kubernetes_accessors {
    ($( $marker:ident => $field:ident: $model:ident, $konst:ident = $plural:literal,
        ($group:literal, $version:literal, $scope:ident), short [$($short:literal),*]; )*) => {
        impl<'a> Context<'a> {
            $(
                pub fn $field(&self) -> Result<&'a [kube::$model], Missing> {
                    self.need(&self.snapshot.kubernetes.$field, source::$konst).map(Vec::as_slice)
                }
            )*
        }
    };
}

macro_rules! arm_accessors {
    ($( $marker:ident => $field:ident: $shape:ident $model:ident, $konst:ident = $name:literal,
        accessor $accessor:ident, what $what:literal, api $api:ident, action $action:literal,
        live $path:ident($at:literal), az $az:literal, az_type $az_type:tt, az_list $az_list:tt; )*) => {
        impl<'a> Context<'a> {
            $(
                pub fn $accessor(&self) -> Result<&'a arm_accessor_type!($shape $model), Missing> {
                    self.need(&self.snapshot.azure.$field, source::$konst).map(arm_accessor_view!($shape))
                }
            )*
        }
    };
}

macro_rules! arm_accessor_type {
    (one $model:ident) => {
        arm::$model
    };
    (list $model:ident) => {
        [arm::$model]
    };
}

macro_rules! arm_accessor_view {
    (one) => {
        |document| document
    };
    (list) => {
        Vec::as_slice
    };
}

crate::kubernetes_sources!(kubernetes_accessors);
crate::arm_sources!(arm_accessors);

/// The resource group and cluster name remediation commands are filled in with. Placeholders
/// when the ARM data is not available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNames {
    pub resource_group: String,
    pub name: String,
}

pub struct Context<'a> {
    pub snapshot: &'a Snapshot,
    pub settings: &'a Settings,
    workloads: OnceLock<WorkloadIndex<'a>>,
    /// Pods by namespace, built on first use: per-namespace rules stay linear in pods.
    pods_by_namespace: OnceLock<HashMap<&'a str, Vec<&'a kube::Pod>>>,
    /// Running pods by owning workload, built on first use: the two dozen pod-level rules share
    /// one grouping instead of each resolving every pod again.
    running_workloads: OnceLock<RunningWorkloads<'a>>,
    /// For each running workload, in the order of `running_workloads`, what every pod-level rule
    /// reads of it besides its pods (see [`WorkloadDetails`]).
    workload_details: OnceLock<Vec<WorkloadDetails<'a>>>,
    /// The sources handed out (see [`Context::touched`]).
    touched: Mutex<BTreeSet<&'static str>>,
    /// [`Context::workload_of`] was used: it reads ReplicaSets and Jobs. A flag, not the set, as
    /// it runs once per pod.
    resolved_workloads: AtomicBool,
}

/// One running workload with its pods, as pod-level rules judge it.
pub struct WorkloadPods<'c, 'a> {
    pub workload: &'c WorkloadRef<'a>,
    pub pods: &'c [&'a kube::Pod],
    /// `pods web-1, web-2 and 3 more`, shared by every finding about the workload.
    pub pods_line: &'c Evidence,
    /// The pods whose template no earlier pod of the workload has, in pod order.
    pub templates: &'c [&'a kube::Pod],
}

/// What pod-level rules read of a running workload, made once per audit.
struct WorkloadDetails<'a> {
    /// The evidence line naming its pods: every pod-level rule that fails the workload repeats it.
    pods_line: Evidence,
    /// Its pods of distinct templates (all but the name and status; see [`distinct`]): replicas
    /// of one template have the same problems, so template checks judge each template once.
    templates: Vec<&'a kube::Pod>,
}

impl<'a> WorkloadDetails<'a> {
    fn of(pods: &[&'a kube::Pod]) -> Self {
        WorkloadDetails {
            pods_line: Evidence::kubernetes(format!("pods {}", pod_names(pods))),
            templates: distinct(pods),
        }
    }
}

/// `each` of every item, in order, worked out on every core when there are many: the rules'
/// threads wait for the workload details (about 60 ms of one core at 100,000 pods) otherwise.
fn on_every_core<T: Sync, U: Send>(items: &[T], each: impl Fn(&T) -> U + Sync) -> Vec<U> {
    const WORTH_A_THREAD: usize = 1024;
    let threads = crate::threads::available().min(items.len() / WORTH_A_THREAD);
    if threads <= 1 {
        return items.iter().map(each).collect();
    }
    let each = &each;
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|part| scope.spawn(move || part.iter().map(each).collect::<Vec<U>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// The pods of `pods` whose template differs from the last few distinct ones': one per
/// Deployment, two during a rollout. Only the last [`TEMPLATES_COMPARED`] are compared, so that a
/// DaemonSet of 2,000 pods that all differ costs 2,000 comparisons, not two million; a template
/// seen again later is judged again, which changes nothing but the time.
fn distinct<'a>(pods: &[&'a kube::Pod]) -> Vec<&'a kube::Pod> {
    let mut templates: Vec<&kube::Pod> = Vec::new();
    for pod in pods {
        let recent = &templates[templates.len().saturating_sub(TEMPLATES_COMPARED)..];
        if !recent.iter().any(|seen| seen.same_template(pod)) {
            templates.push(pod);
        }
    }
    templates
}

const TEMPLATES_COMPARED: usize = 4;

/// Running pods grouped by the workload that owns them, in a stable order.
pub type RunningWorkloads<'a> = BTreeMap<WorkloadRef<'a>, Vec<&'a kube::Pod>>;

impl<'a> Context<'a> {
    pub fn new(snapshot: &'a Snapshot, settings: &'a Settings) -> Self {
        Context {
            snapshot,
            settings,
            workloads: OnceLock::new(),
            pods_by_namespace: OnceLock::new(),
            running_workloads: OnceLock::new(),
            workload_details: OnceLock::new(),
            touched: Mutex::new(BTreeSet::new()),
            resolved_workloads: AtomicBool::new(false),
        }
    }

    /// Every source this context handed to a rule (or refused it, as [`Missing`]) since it was
    /// made: what the rules it ran actually read, which their `reads` must declare.
    pub fn touched(&self) -> BTreeSet<&'static str> {
        let mut touched = self.touched.lock().map(|touched| touched.clone()).unwrap_or_default();
        if self.resolved_workloads.load(Ordering::Relaxed) {
            touched.extend([source::REPLICA_SETS, source::JOBS]);
        }
        touched
    }

    /// A part, or the reason it is missing; recorded as touched either way.
    fn need<T>(&self, part: &'a Part<T>, source: &'static str) -> Result<&'a T, Missing> {
        if let Ok(mut touched) = self.touched.lock() {
            touched.insert(source);
        }
        part.get().map_err(|reason| Missing { source, reason: reason.to_string() })
    }

    /// The time the audit judges ages and deadlines against (the system clock, or a test's).
    pub fn now(&self) -> jiff::Timestamp {
        self.settings.now
    }

    /// The resource findings about one agent pool are about.
    pub fn pool_resource(&self, pool: &str) -> Resource {
        self.cluster_resource().child("agentPools", pool)
    }

    /// One finding per agent pool of the managed cluster, or one unknown when it lists none.
    pub fn each_agent_pool(
        &self,
        rule: &Rule,
        judge: impl Fn(&'a arm::AgentPoolProfile) -> Finding,
    ) -> Result<Vec<Finding>, Missing> {
        let pools = &self.cluster()?.properties.agent_pool_profiles;
        if pools.is_empty() {
            return Ok(vec![
                rule.unknown(self.cluster_resource(), "the managed cluster lists no agent pools to judge"),
            ]);
        }
        Ok(pools.iter().map(judge).collect())
    }

    /// `az aks nodepool <command> -g RG --cluster-name NAME -n POOL <flags>` for this cluster.
    pub fn az_aks_nodepool(&self, command: &str, pool: &str, flags: &str) -> String {
        let names = self.names();
        format!("az aks nodepool {command} -g {} --cluster-name {} -n {pool} {flags}", names.resource_group, names.name)
    }

    pub fn is_system_namespace(&self, namespace: &str) -> bool {
        self.settings.system_namespaces.iter().any(|system| system == namespace)
    }

    /// The running pods outside system namespaces.
    pub fn user_pods(&self) -> Result<impl Iterator<Item = &'a kube::Pod> + '_, Missing> {
        Ok(self.pods()?.iter().filter(|pod| pod.is_running() && !self.is_system_namespace(pod.metadata.namespace())))
    }

    /// Running pods in `namespace` whose names start with one of `prefixes`: how add-ons are
    /// recognised from inside the cluster.
    pub fn pods_named(&self, namespace: &str, prefixes: &[&str]) -> Result<Vec<&'a kube::Pod>, Missing> {
        Ok(self
            .pods()?
            .iter()
            .filter(|pod| pod.is_running() && pod.metadata.namespace() == namespace)
            .filter(|pod| prefixes.iter().any(|prefix| pod.metadata.name.starts_with(prefix)))
            .collect())
    }

    /// The pods of one namespace, in snapshot order.
    pub fn pods_in(&self, namespace: &str) -> Result<&[&'a kube::Pod], Missing> {
        let pods = self.pods()?;
        let index = self.pods_by_namespace.get_or_init(|| {
            let mut index: HashMap<&str, Vec<&kube::Pod>> = HashMap::new();
            for pod in pods {
                index.entry(pod.metadata.namespace()).or_default().push(pod);
            }
            index
        });
        Ok(index.get(namespace).map_or(&[], Vec::as_slice))
    }

    /// The running pods, grouped by the workload that owns them.
    pub fn running_workloads(&self) -> Result<&RunningWorkloads<'a>, Missing> {
        let pods = self.pods()?;
        Ok(self
            .running_workloads
            .get_or_init(|| group_by_workload(pods.iter().filter(|pod| pod.is_running()), |pod| self.workload_of(pod))))
    }

    /// The running workloads as [`Context::running_workloads`] gives them, each with the line
    /// `pods web-1, web-2, web-3 and 4 more (Kubernetes)`, made once per audit, and its pods of
    /// distinct templates (see [`kube::Pod::same_template`]), found once per audit.
    pub fn running_workloads_with_pods_line(&self) -> Result<impl Iterator<Item = WorkloadPods<'_, 'a>>, Missing> {
        let groups = self.running_workloads()?;
        let details = self.workload_details.get_or_init(|| {
            let pods: Vec<&Vec<&kube::Pod>> = groups.values().collect();
            on_every_core(&pods, |pods| WorkloadDetails::of(pods))
        });
        Ok(groups.iter().zip(details).map(|((workload, pods), details)| WorkloadPods {
            workload,
            pods,
            pods_line: &details.pods_line,
            templates: &details.templates,
        }))
    }

    /// The Deployment, StatefulSet, DaemonSet, CronJob, ... that owns a pod.
    /// Reads ReplicaSets and Jobs (when collected) to resolve owners.
    pub fn workload_of(&self, pod: &'a kube::Pod) -> WorkloadRef<'a> {
        self.resolved_workloads.store(true, Ordering::Relaxed);
        self.workloads.get_or_init(|| WorkloadIndex::new(&self.snapshot.kubernetes)).resolve(pod)
    }

    /// The cluster's ARM id when known: the resource cluster-wide findings are about.
    pub fn cluster_resource(&self) -> Resource {
        let cluster = self.snapshot.azure.managed_cluster.collected();
        match cluster.and_then(|c| c.id.clone()) {
            Some(id) => Resource::arm(id),
            None => Resource::cluster_without_id(cluster.and_then(|c| c.name.as_deref())),
        }
    }

    pub fn names(&self) -> ClusterNames {
        let cluster = self.snapshot.azure.managed_cluster.collected();
        ClusterNames {
            resource_group: cluster.and_then(|c| c.resource_group()).unwrap_or("<resource-group>").to_string(),
            name: cluster.and_then(|c| c.name.as_deref()).unwrap_or("<cluster-name>").to_string(),
        }
    }

    /// `az aks update -g RG -n NAME <flags>` for this cluster.
    pub fn az_aks_update(&self, flags: &str) -> String {
        let names = self.names();
        format!("az aks update -g {} -n {} {flags}", names.resource_group, names.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::demo;

    /// Many items are cut into one part per core and put back in order; a few stay on this thread.
    #[test]
    fn every_core_gives_each_item_in_order() {
        for count in [0, 1, 1023, 4096, 10_001] {
            let items: Vec<usize> = (0..count).collect();
            let doubled = on_every_core(&items, |item| (*item * 2, std::thread::current().id()));
            assert_eq!(
                doubled.iter().map(|(value, _)| *value).collect::<Vec<_>>(),
                (0..count).map(|i| i * 2).collect::<Vec<_>>()
            );
            let threads: BTreeSet<_> = doubled.iter().map(|(_, thread)| format!("{thread:?}")).collect();
            if count > 0 {
                assert_eq!(threads.len(), crate::threads::available().min(count / 1024).max(1), "{count} items");
            }
        }
    }

    /// One pod per template, the first of its replicas; a template that comes back after four
    /// others is judged again (see [`TEMPLATES_COMPARED`]).
    #[test]
    fn each_template_is_judged_once_in_pod_order() {
        let pod = |name: &str, image: &str| -> kube::Pod {
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": name, "namespace": "shop"},
                "spec": {"containers": [{"name": "c", "image": image}]}
            }))
            .unwrap()
        };
        let pods = [pod("a", "v1"), pod("b", "v2"), pod("c", "v1"), pod("d", "v2"), pod("e", "v1")];
        let refs: Vec<&kube::Pod> = pods.iter().collect();
        let names = |pods: Vec<&kube::Pod>| pods.iter().map(|p| p.metadata.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(distinct(&refs)), ["a", "b"]);
        let many: Vec<kube::Pod> = (0..6).map(|i| pod(&format!("p{i}"), &format!("v{}", i % 6))).collect();
        let mut refs: Vec<&kube::Pod> = many.iter().collect();
        refs.push(&many[0]);
        assert_eq!(distinct(&refs).len(), 7, "v0 is five templates back: judged again, never skipped");
    }

    /// Every rule, over snapshots where everything was collected, touches only sources its
    /// `reads` declare (so `explain`'s "Reads" line is true). Missing parts are touched too, so
    /// a rule that stops early on one still declares it.
    #[test]
    fn every_rule_declares_every_source_it_touches() {
        let mut snapshots: Vec<Snapshot> =
            demo::names().into_iter().map(|name| complete(demo::load(name).unwrap())).collect();
        // And with nothing collected, which takes each rule's other branches.
        snapshots.push(Snapshot::empty("test", "not collected"));
        let settings = Settings::default();
        let mut undeclared = BTreeSet::new();
        for snapshot in &snapshots {
            for rule in super::super::ALL {
                let context = Context::new(snapshot, &settings);
                let _ = (rule.check)(&context);
                let touched = context.touched().into_iter().filter(|source| !rule.reads.contains(source));
                undeclared.extend(touched.map(|source| (rule.id, source)));
            }
        }
        assert!(undeclared.is_empty(), "(rule, source) read without being declared: {undeclared:?}");
    }

    /// The snapshot with every part it lacks (a source newer than the demo) collected and empty.
    fn complete(mut snapshot: Snapshot) -> Snapshot {
        use crate::snapshot::sources::{self, ArmSource, ArmVisitor, KubernetesSource, KubernetesVisitor};
        struct Fill<'s>(&'s mut Snapshot);
        impl KubernetesVisitor for Fill<'_> {
            fn visit<S: KubernetesSource>(&mut self) {
                if let Part::Unavailable(_) = S::part(&self.0.kubernetes) {
                    *S::part_mut(&mut self.0.kubernetes) = Part::Collected(Vec::new());
                }
            }
        }
        impl ArmVisitor for Fill<'_> {
            fn visit<S: ArmSource>(&mut self) {
                if let Part::Unavailable(_) = S::part(&self.0.azure) {
                    *S::part_mut(&mut self.0.azure) = Part::Collected(Default::default());
                }
            }
        }
        sources::each_kubernetes(&mut Fill(&mut snapshot));
        sources::each_arm(&mut Fill(&mut snapshot));
        assert!(snapshot.unavailable_sources().is_empty());
        snapshot
    }

    #[test]
    fn touched_sources_are_recorded_even_when_missing() {
        let snapshot = Snapshot::empty("test", "forbidden");
        let settings = Settings::default();
        let context = Context::new(&snapshot, &settings);
        assert!(context.pods().is_err() && context.cluster().is_err());
        assert_eq!(context.touched(), BTreeSet::from([source::MANAGED_CLUSTER, source::PODS]));
    }
}
