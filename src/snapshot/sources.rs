//! **The one declaration of every source aksguard reads.** Each Kubernetes kind and each ARM read
//! is one entry in [`kubernetes_sources!`] or [`arm_sources!`]; everything else per source is
//! generated from that entry:
//!
//! - its snapshot part (a field of [`KubernetesState`](super::KubernetesState) /
//!   [`AzureState`](super::AzureState), in entry order, which is the snapshot's JSON order),
//! - its source name ([`source`](super::source)), [`Snapshot::empty`](super::Snapshot::empty) and
//!   [`Snapshot::sources`](super::Snapshot::sources) (the unavailable reasons reports list),
//! - its `Context` accessor (`src/rules/context.rs`),
//! - its live read (`collect/kube`: API group, version, scope; `collect/arm`: path, api-version),
//! - its file recognition (`--from-kubectl`: kind, `KindList`, plural, short names; `--from-az`:
//!   ARM `type`, `--az-lists` name), and the rights the reader roles in `deploy/` grant.
//!
//! The tables are macros that hand their entries to a callback macro, so each layer expands
//! the same entries into its own code without a second list to keep in step; typed code reaches
//! a source's part through its marker type ([`KubernetesSource`], [`ArmSource`]).

use super::{AzureState, KubernetesState, Part};

/// Every Kubernetes kind aksguard reads, in snapshot order. An entry:
///
/// ```text
/// Marker => field: Model, CONST = "plural", ("group", "version", Scope), short ["x"];
/// ```
///
/// `Marker` is the kind (`kind: Pod` in the JSON), `field` the snapshot part, `Model` the type in
/// `snapshot::kube` every input deserialises into (it needs `metadata: ObjectMeta`), `CONST` the
/// name in `snapshot::source` (`kubernetes/<plural>`), `Scope` `Namespaced`, `Cluster` or
/// `Discovered` (every resource of the group, found by API discovery). Never Secrets or ConfigMaps.
#[macro_export]
#[doc(hidden)]
macro_rules! kubernetes_sources {
    ($callback:ident) => {
        $callback! {
            Namespace => namespaces: Namespace, NAMESPACES = "namespaces", ("", "v1", Cluster), short ["ns"];
            Pod => pods: Pod, PODS = "pods", ("", "v1", Namespaced), short ["po"];
            NetworkPolicy => network_policies: NetworkPolicy, NETWORK_POLICIES = "networkpolicies",
                ("networking.k8s.io", "v1", Namespaced), short ["netpol"];
            DaemonSet => daemon_sets: DaemonSet, DAEMON_SETS = "daemonsets", ("apps", "v1", Namespaced), short ["ds"];
            ReplicaSet => replica_sets: OwnedObject, REPLICA_SETS = "replicasets", ("apps", "v1", Namespaced),
                short ["rs"];
            Job => jobs: OwnedObject, JOBS = "jobs", ("batch", "v1", Namespaced), short [];
            ClusterRoleBinding => cluster_role_bindings: ClusterRoleBinding, CLUSTER_ROLE_BINDINGS =
                "clusterrolebindings", ("rbac.authorization.k8s.io", "v1", Cluster), short [];
            ValidatingWebhookConfiguration => validating_webhook_configurations: OwnedObject, VALIDATING_WEBHOOKS =
                "validatingwebhookconfigurations", ("admissionregistration.k8s.io", "v1", Cluster), short [];
            Constraint => gatekeeper_constraints: Constraint, GATEKEEPER_CONSTRAINTS = "constraints",
                ("constraints.gatekeeper.sh", "v1beta1", Discovered), short [];
            Node => nodes: Node, NODES = "nodes", ("", "v1", Cluster), short ["no"];
            PodDisruptionBudget => pod_disruption_budgets: PodDisruptionBudget, POD_DISRUPTION_BUDGETS =
                "poddisruptionbudgets", ("policy", "v1", Namespaced), short ["pdb"];
            Service => services: Service, SERVICES = "services", ("", "v1", Namespaced), short ["svc"];
            Ingress => ingresses: Ingress, INGRESSES = "ingresses", ("networking.k8s.io", "v1", Namespaced),
                short ["ing"];
            ServiceAccount => service_accounts: ServiceAccount, SERVICE_ACCOUNTS = "serviceaccounts",
                ("", "v1", Namespaced), short ["sa"];
            Role => roles: Role, ROLES = "roles", ("rbac.authorization.k8s.io", "v1", Namespaced), short [];
            ClusterRole => cluster_roles: Role, CLUSTER_ROLES = "clusterroles",
                ("rbac.authorization.k8s.io", "v1", Cluster), short [];
            RoleBinding => role_bindings: RoleBinding, ROLE_BINDINGS = "rolebindings",
                ("rbac.authorization.k8s.io", "v1", Namespaced), short [];
            StorageClass => storage_classes: StorageClass, STORAGE_CLASSES = "storageclasses",
                ("storage.k8s.io", "v1", Cluster), short ["sc"];
        }
    };
}

/// Every ARM read, in snapshot order. An entry:
///
/// ```text
/// Marker => field: one|list Model, CONST = "arm/name", accessor name,
///     what "for sentences", api API_VERSION, action "RBAC action", live Path,
///     az "the az command", az_type "arm type" | none, az_list "name" | none;
/// ```
///
/// `Model` is the type in `snapshot::arm` (it implements `ArmResource`), `one` a single document
/// and `list` an ARM list (`value` + `nextLink`); `Path` where live collection reads it
/// ([`ArmPath`]); `az_type` the lower-case ARM `type` that recognises it in `--from-az` files;
/// `az_list` its `--az-lists` name (list-shaped az output, which says nothing when empty).
#[macro_export]
#[doc(hidden)]
macro_rules! arm_sources {
    ($callback:ident) => {
        $callback! {
            ManagedCluster => managed_cluster: one ManagedCluster, MANAGED_CLUSTER = "arm/managedCluster",
                accessor cluster, what "the managed cluster", api AKS_API,
                action "Microsoft.ContainerService/managedClusters/read", live Cluster(""),
                az "az aks show -g RG -n NAME -o json",
                az_type "microsoft.containerservice/managedclusters", az_list none;
            MaintenanceConfigurations => maintenance_configurations: list MaintenanceConfiguration,
                MAINTENANCE_CONFIGURATIONS = "arm/maintenanceConfigurations",
                accessor maintenance_configurations, what "the maintenance configurations", api AKS_API,
                action "Microsoft.ContainerService/managedClusters/maintenanceConfigurations/read",
                live Cluster("/maintenanceConfigurations"),
                az "az aks maintenanceconfiguration list -g RG --cluster-name NAME -o json",
                az_type "microsoft.containerservice/managedclusters/maintenanceconfigurations",
                az_list "maintenanceconfigurations";
            UpgradeProfile => upgrade_profile: one UpgradeProfile, UPGRADE_PROFILE = "arm/upgradeProfile",
                accessor upgrade_profile, what "the cluster's upgrade profile", api AKS_API,
                action "Microsoft.ContainerService/managedClusters/upgradeProfiles/read",
                live Cluster("/upgradeProfiles/default"), az "az aks get-upgrades -g RG -n NAME -o json",
                az_type "microsoft.containerservice/managedclusters/upgradeprofiles", az_list none;
            DefenderPricing => defender_pricing: one DefenderPricing, DEFENDER_PRICING = "arm/pricings/Containers",
                accessor defender_pricing, what "the subscription's Defender for Containers plan", api PRICINGS_API,
                action "Microsoft.Security/pricings/read",
                live Subscription("/providers/Microsoft.Security/pricings/Containers"),
                az "az security pricing show -n Containers -o json",
                az_type "microsoft.security/pricings", az_list none;
            DiagnosticSettings => diagnostic_settings: list DiagnosticSetting, DIAGNOSTIC_SETTINGS =
                "arm/diagnosticSettings", accessor diagnostic_settings, what "the cluster's diagnostic settings",
                api DIAGNOSTICS_API, action "Microsoft.Insights/diagnosticSettings/read",
                live Cluster("/providers/Microsoft.Insights/diagnosticSettings"),
                az "az monitor diagnostic-settings list --resource CLUSTER_ID -o json",
                az_type "microsoft.insights/diagnosticsettings", az_list "diagnosticsettings";
            AgentPoolUpgradeProfiles => agent_pool_upgrade_profiles: list AgentPoolUpgradeProfile,
                AGENT_POOL_UPGRADE_PROFILES = "arm/agentPools/upgradeProfiles",
                accessor agent_pool_upgrade_profiles, what "the agent pools' upgrade profiles", api AKS_API,
                action "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles/read",
                live EachAgentPool("/upgradeProfiles/default"),
                az "az aks nodepool get-upgrades -g RG --cluster-name NAME -n POOL -o json",
                az_type "microsoft.containerservice/managedclusters/agentpools/upgradeprofiles", az_list none;
            KubernetesVersions => kubernetes_versions: one KubernetesVersions, KUBERNETES_VERSIONS =
                "arm/kubernetesVersions", accessor kubernetes_versions, what "the region's Kubernetes versions",
                api AKS_API, action "Microsoft.ContainerService/locations/kubernetesVersions/read",
                live ClusterLocation("/kubernetesVersions"), az "az aks get-versions -l REGION -o json",
                az_type none, az_list none;
            // Defender, Azure Policy and Azure RBAC (issue 13).
            DefenderClusterPricing => defender_cluster_pricing: one ClusterPricing,
                DEFENDER_CLUSTER_PRICING = "arm/cluster/pricings/Containers", accessor defender_cluster_pricing,
                what "the cluster's own Defender for Containers plan", api PRICINGS_API,
                action "Microsoft.Security/pricings/read",
                live Cluster("/providers/Microsoft.Security/pricings/Containers"),
                az "az rest --method get --url https://management.azure.com/CLUSTER_ID/providers/Microsoft.Security/pricings/Containers?api-version=2024-01-01",
                az_type "microsoft.security/pricings", az_list none;
            DefenderAlerts => defender_alerts: list SecurityAlert, DEFENDER_ALERTS = "arm/security/alerts",
                accessor defender_alerts, what "the subscription's Defender alerts", api ALERTS_API,
                action "Microsoft.Security/locations/alerts/read",
                live Subscription("/providers/Microsoft.Security/alerts"), az "az security alert list -o json",
                az_type "microsoft.security/locations/alerts", az_list "alerts";
            DefenderAssessments => defender_assessments: list SecurityAssessment,
                DEFENDER_ASSESSMENTS = "arm/security/assessments", accessor defender_assessments,
                what "the Defender recommendations", api ASSESSMENTS_API, action "Microsoft.Security/assessments/read",
                live Subscription("/providers/Microsoft.Security/assessments?$expand=metadata"),
                az "az security assessment list -o json",
                az_type "microsoft.security/assessments", az_list "assessments";
            DefenderSubAssessments => defender_sub_assessments: list SubAssessment,
                DEFENDER_SUB_ASSESSMENTS = "arm/security/subAssessments", accessor defender_sub_assessments,
                what "Defender's registry image vulnerabilities", api SUB_ASSESSMENTS_API,
                action "Microsoft.Security/assessments/subAssessments/read",
                live Subscription("/providers/Microsoft.Security/assessments/c0b7cfc6-3172-465a-b378-53c7ff2cc0d5/subAssessments"),
                az "az security sub-assessment list -o json",
                az_type "microsoft.security/assessments/subassessments", az_list "subassessments";
            PolicyAssignments => policy_assignments: list PolicyAssignment, POLICY_ASSIGNMENTS = "arm/policyAssignments",
                accessor policy_assignments, what "the policy assignments that apply to the cluster",
                api POLICY_ASSIGNMENTS_API, action "Microsoft.Authorization/policyAssignments/read",
                live Cluster("/providers/Microsoft.Authorization/policyAssignments?$filter=atScope()"),
                az "az policy assignment list --scope CLUSTER_ID --disable-scope-strict-match -o json",
                az_type "microsoft.authorization/policyassignments", az_list "policyassignments";
            PolicyStates => policy_states: list PolicyState, POLICY_STATES = "arm/policyStates",
                accessor policy_states, what "the cluster's policy compliance states", api POLICY_STATES_API,
                action "Microsoft.PolicyInsights/policyStates/queryResults/read",
                live ClusterQuery("/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults"),
                az "az policy state list --resource CLUSTER_ID -o json", az_type none, az_list "policystates";
            ComponentPolicyStates => component_policy_states: list ComponentPolicyState,
                COMPONENT_POLICY_STATES = "arm/componentPolicyStates", accessor component_policy_states,
                what "the compliance states of the cluster's Kubernetes objects", api POLICY_STATES_API,
                action "Microsoft.PolicyInsights/componentPolicyStates/queryResults/read",
                live ClusterQuery("/providers/Microsoft.PolicyInsights/componentPolicyStates/latest/queryResults?$filter=complianceState%20eq%20%27NonCompliant%27"),
                az "az rest --method post --url https://management.azure.com/CLUSTER_ID/providers/Microsoft.PolicyInsights/componentPolicyStates/latest/queryResults?api-version=2022-04-01",
                az_type none, az_list "componentpolicystates";
            RoleAssignments => role_assignments: list RoleAssignment, ROLE_ASSIGNMENTS = "arm/roleAssignments",
                accessor role_assignments, what "the role assignments at the cluster's scope and above",
                api ROLE_ASSIGNMENTS_API, action "Microsoft.Authorization/roleAssignments/read",
                live Cluster("/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()"),
                az "az role assignment list --scope CLUSTER_ID --include-inherited -o json",
                az_type "microsoft.authorization/roleassignments", az_list "roleassignments";
        }
    };
}

/// The AKS API: the latest GA version (see ../shared/reference/arm/).
pub const AKS_API: &str = "2026-01-01";
/// Defender for Cloud pricings, GA.
pub const PRICINGS_API: &str = "2024-01-01";
/// Diagnostic settings: the GA 2016-09-01 has no category groups (`audit`, `allLogs`), which is
/// how most clusters send `kube-audit`; az uses this version too.
pub const DIAGNOSTICS_API: &str = "2021-05-01-preview";
/// Defender for Cloud alerts, GA.
pub const ALERTS_API: &str = "2022-01-01";
/// Defender for Cloud assessments (recommendations), GA.
pub const ASSESSMENTS_API: &str = "2021-06-01";
/// Defender for Cloud sub-assessments: the only version there is.
pub const SUB_ASSESSMENTS_API: &str = "2019-01-01-preview";
/// Policy assignments: GA and served by every cloud; 2025-03-01 has the same shape.
pub const POLICY_ASSIGNMENTS_API: &str = "2023-04-01";
/// Policy Insights: the first GA version with `componentPolicyStates`; 2024-10-01 has the same shape.
pub const POLICY_STATES_API: &str = "2022-04-01";
/// Role assignments, GA.
pub const ROLE_ASSIGNMENTS_API: &str = "2022-04-01";

/// Where the API serves a Kubernetes kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Listed in each selected namespace (`--namespace`), else cluster-wide.
    Namespaced,
    /// Listed cluster-wide even with `--namespace`.
    Cluster,
    /// Every resource of the group (one per Gatekeeper constraint template), found by API
    /// discovery; the RBAC rule grants `*`.
    Discovered,
}

/// Where live collection reads an ARM source, relative to what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmPath {
    /// Under the managed cluster's id (`""` is the cluster itself).
    Cluster(&'static str),
    /// Under `/subscriptions/S`.
    Subscription(&'static str),
    /// Under each of the cluster's agent pools (`.../agentPools/POOL`), one document each.
    EachAgentPool(&'static str),
    /// Under the cluster's region (`/subscriptions/S/providers/Microsoft.ContainerService/locations/L`).
    ClusterLocation(&'static str),
    /// POSTed under the managed cluster's id: a Policy Insights `queryResults` query, whose pages
    /// follow `@odata.nextLink`.
    ClusterQuery(&'static str),
}

/// One Kubernetes kind, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KubernetesKind {
    /// Its part: the field of `KubernetesState` (and of the snapshot's `kubernetes` object).
    pub field: &'static str,
    /// As reports print it and rules declare it: `kubernetes/pods`.
    pub source: &'static str,
    /// The object's `kind` (`Pod`); for constraints, what messages call them.
    pub kind: &'static str,
    /// The resource name in URLs, RBAC rules and `kubectl get`.
    pub plural: &'static str,
    /// kubectl's short names (`po`).
    pub short: &'static [&'static str],
    /// The API group; `""` is the core group (`/api/v1`).
    pub group: &'static str,
    pub version: &'static str,
    pub scope: Scope,
}

impl KubernetesKind {
    /// The RBAC verbs the reader role grants on it.
    pub fn verbs(&self) -> &'static [&'static str] {
        &["list"]
    }

    /// The resource the RBAC rule names: the plural, or `*` for a discovered group.
    pub fn rbac_resource(&self) -> &'static str {
        match self.scope {
            Scope::Discovered => "*",
            _ => self.plural,
        }
    }
}

/// One ARM read, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmRead {
    /// Its part: the field of `AzureState` (and of the snapshot's `azure` object).
    pub field: &'static str,
    pub source: &'static str,
    /// For sentences: "the managed cluster".
    pub what: &'static str,
    pub api_version: &'static str,
    /// The Azure RBAC action the read needs (`deploy/aksguard-reader-role.json` grants it).
    pub action: &'static str,
    pub path: ArmPath,
    /// An ARM list (`value` + `nextLink`) rather than one document.
    pub list: bool,
    /// The az command whose output `--from-az` reads for it.
    pub az_command: &'static str,
    /// The lower-case ARM `type` that recognises it in `--from-az` files.
    pub az_type: Option<&'static str>,
    /// Its `--az-lists` name, for list-shaped az output.
    pub az_list: Option<&'static str>,
}

/// A Kubernetes source as a type: its data, its model, and its part of the snapshot.
pub trait KubernetesSource: 'static {
    type Object: serde::de::DeserializeOwned + serde::Serialize + Send + Sync + 'static;
    const KIND: Kind;
    fn part(state: &KubernetesState) -> &Part<Vec<Self::Object>>;
    fn part_mut(state: &mut KubernetesState) -> &mut Part<Vec<Self::Object>>;
    fn metadata(object: &Self::Object) -> &super::kube::ObjectMeta;
}

/// An ARM source as a type.
pub trait ArmSource: 'static {
    /// One document's model.
    type Document: super::arm::ArmResource + serde::Serialize + Send + Sync + 'static;
    /// The part's data: the document, or a list of them.
    type Data: Default + Send + Sync + 'static;
    const READ: ArmRead;
    fn part(state: &AzureState) -> &Part<Self::Data>;
    fn part_mut(state: &mut AzureState) -> &mut Part<Self::Data>;
    /// The part's data from the documents read (one, or a list).
    fn from_documents(documents: Vec<Self::Document>) -> Option<Self::Data>;
}

/// Code run once per Kubernetes source, with its type.
pub trait KubernetesVisitor {
    fn visit<S: KubernetesSource>(&mut self);
}

/// Code run once per ARM source, with its type.
pub trait ArmVisitor {
    fn visit<S: ArmSource>(&mut self);
}

/// The data of a part's type: `one` is the document, `list` a `Vec` of them.
#[macro_export]
#[doc(hidden)]
macro_rules! __source_data {
    (one $model:ty) => { $model };
    (list $model:ty) => { Vec<$model> };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __option_literal {
    (none) => {
        None
    };
    ($text:literal) => {
        Some($text)
    };
}

macro_rules! declare_kubernetes {
    ($( $marker:ident => $field:ident: $model:ident, $konst:ident = $plural:literal,
        ($group:literal, $version:literal, $scope:ident), short [$($short:literal),*]; )*) => {
        /// A Kubernetes kind aksguard reads.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind { $( $marker, )* }

        impl Kind {
            /// Every kind, in snapshot order.
            pub const ALL: &[Kind] = &[$( Kind::$marker, )*];

            /// Its declaration.
            pub fn info(self) -> &'static KubernetesKind {
                match self { $( Kind::$marker => &kubernetes::$marker::INFO, )* }
            }

            /// Runs `visitor` with this kind's type.
            pub fn visit(self, visitor: &mut impl KubernetesVisitor) {
                match self { $( Kind::$marker => visitor.visit::<kubernetes::$marker>(), )* }
            }
        }

        /// Runs `visitor` once for every Kubernetes source, in snapshot order.
        pub fn each_kubernetes(visitor: &mut impl KubernetesVisitor) {
            $( visitor.visit::<kubernetes::$marker>(); )*
        }

        /// The marker type of each Kubernetes source.
        pub mod kubernetes {
            use super::*;
            $(
                pub struct $marker;
                impl $marker {
                    pub const INFO: KubernetesKind = KubernetesKind {
                        field: stringify!($field),
                        source: concat!("kubernetes/", $plural),
                        kind: kind_label(stringify!($marker)),
                        plural: $plural,
                        short: &[$($short),*],
                        group: $group,
                        version: $version,
                        scope: Scope::$scope,
                    };
                }
                impl KubernetesSource for $marker {
                    type Object = crate::snapshot::kube::$model;
                    const KIND: Kind = Kind::$marker;
                    fn part(state: &KubernetesState) -> &Part<Vec<Self::Object>> {
                        &state.$field
                    }
                    fn part_mut(state: &mut KubernetesState) -> &mut Part<Vec<Self::Object>> {
                        &mut state.$field
                    }
                    fn metadata(object: &Self::Object) -> &crate::snapshot::kube::ObjectMeta {
                        &object.metadata
                    }
                }
            )*
        }
    };
}

macro_rules! declare_arm {
    ($( $marker:ident => $field:ident: $shape:ident $model:ident, $konst:ident = $name:literal,
        accessor $accessor:ident, what $what:literal, api $api:ident, action $action:literal,
        live $path:ident($at:literal), az $az:literal, az_type $az_type:tt, az_list $az_list:tt; )*) => {
        /// Every ARM read, in snapshot order.
        pub const ARM_READS: &[ArmRead] = &[$( arm::$marker::READ, )*];

        /// Runs `visitor` once for every ARM source, in snapshot order.
        pub fn each_arm(visitor: &mut impl ArmVisitor) {
            $( visitor.visit::<arm::$marker>(); )*
        }

        $(
            impl crate::snapshot::arm::$model {
                /// Reads the document from either shape (ARM REST or az; see `ArmResource`).
                pub fn from_document(doc: &serde_json::Value) -> Result<Self, serde_json::Error> {
                    <Self as crate::snapshot::arm::ArmResource>::from_document(doc)
                }
            }
        )*

        /// The marker type of each ARM source.
        pub mod arm {
            use super::*;
            $(
                pub struct $marker;
                impl ArmSource for $marker {
                    type Document = crate::snapshot::arm::$model;
                    type Data = $crate::__source_data!($shape crate::snapshot::arm::$model);
                    const READ: ArmRead = ArmRead {
                        field: stringify!($field),
                        source: $name,
                        what: $what,
                        api_version: $api,
                        action: $action,
                        path: ArmPath::$path($at),
                        list: is_list(stringify!($shape)),
                        az_command: $az,
                        az_type: $crate::__option_literal!($az_type),
                        az_list: $crate::__option_literal!($az_list),
                    };
                    fn part(state: &AzureState) -> &Part<Self::Data> {
                        &state.$field
                    }
                    fn part_mut(state: &mut AzureState) -> &mut Part<Self::Data> {
                        &mut state.$field
                    }
                    fn from_documents(documents: Vec<Self::Document>) -> Option<Self::Data> {
                        $crate::__from_documents!($shape documents)
                    }
                }
            )*
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __from_documents {
    (one $documents:ident) => {
        $documents.into_iter().last()
    };
    (list $documents:ident) => {
        Some($documents)
    };
}

/// What messages call a kind: its name, except constraints, which are a group of kinds.
const fn kind_label(marker: &'static str) -> &'static str {
    match marker.as_bytes() {
        b"Constraint" => "Gatekeeper constraint",
        _ => marker,
    }
}

const fn is_list(shape: &str) -> bool {
    shape.len() == 4
}

crate::kubernetes_sources!(declare_kubernetes);
crate::arm_sources!(declare_arm);

/// Every Kubernetes kind's declaration, in snapshot order.
pub fn kubernetes_kinds() -> impl Iterator<Item = &'static KubernetesKind> {
    Kind::ALL.iter().map(|kind| kind.info())
}

impl Kind {
    pub fn name(self) -> &'static str {
        self.info().kind
    }

    pub fn plural(self) -> &'static str {
        self.info().plural
    }

    pub fn source(self) -> &'static str {
        self.info().source
    }

    /// The kind an object's `kind` names; constraints are recognised by their API group instead.
    pub fn from_kind(kind: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.info().scope != Scope::Discovered && k.info().kind == kind)
    }

    /// The kind an object's `apiVersion` puts it in by group (`constraints.gatekeeper.sh/v1beta1`).
    pub fn from_group(api_version: &str) -> Option<Kind> {
        let group = api_version.split_once('/').map(|(group, _)| group)?;
        Kind::ALL.iter().copied().find(|k| k.info().scope == Scope::Discovered && k.info().group == group)
    }

    /// Parses what kubectl accepts: plural, singular or short name, any case.
    pub fn parse(text: &str) -> Result<Kind, String> {
        let lower = text.trim().to_ascii_lowercase();
        Kind::ALL
            .iter()
            .copied()
            .find(|k| {
                let info = k.info();
                info.plural == lower || info.kind.to_ascii_lowercase() == lower || info.short.contains(&lower.as_str())
            })
            .ok_or_else(|| {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
                format!("'{text}' is not a kind aksguard reads ({})", known.join(", "))
            })
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The ARM read of a source name.
pub fn arm_read(source: &str) -> Option<&'static ArmRead> {
    ARM_READS.iter().find(|read| read.source == source)
}

/// The list-shaped az outputs, which `--az-lists` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AzList(&'static ArmRead);

impl AzList {
    pub fn all() -> impl Iterator<Item = AzList> {
        ARM_READS.iter().filter(|read| read.az_list.is_some()).map(AzList)
    }

    pub fn name(self) -> &'static str {
        self.0.az_list.unwrap_or_default()
    }

    pub fn read(self) -> &'static ArmRead {
        self.0
    }

    /// `maintenanceconfigurations`, any case, dashes ignored.
    pub fn parse(text: &str) -> Result<AzList, String> {
        let lower = text.trim().to_ascii_lowercase().replace('-', "");
        AzList::all().find(|list| list.name() == lower).ok_or_else(|| {
            let known: Vec<&str> = AzList::all().map(AzList::name).collect();
            format!("'{text}' is not an az list aksguard reads ({})", known.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_like_kubectl() {
        assert_eq!(Kind::parse("netpol"), Ok(Kind::NetworkPolicy));
        assert_eq!(Kind::parse("NetworkPolicies"), Ok(Kind::NetworkPolicy));
        assert_eq!(Kind::parse("pod"), Ok(Kind::Pod));
        assert_eq!(Kind::parse("PDB"), Ok(Kind::PodDisruptionBudget));
        assert!(Kind::parse("secrets").unwrap_err().contains("not a kind aksguard reads"));
        assert_eq!(Kind::from_group("constraints.gatekeeper.sh/v1beta1"), Some(Kind::Constraint));
        assert_eq!(Kind::from_kind("Constraint"), None, "constraints are known by their group");
        assert_eq!(Kind::Constraint.name(), "Gatekeeper constraint");
    }

    #[test]
    fn names_are_unique_and_none_is_secret() {
        let mut names: Vec<&str> =
            kubernetes_kinds().map(|k| k.source).chain(ARM_READS.iter().map(|r| r.source)).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a source name is declared twice");
        assert!(kubernetes_kinds().all(|k| !["secrets", "configmaps"].contains(&k.plural)));
    }

    #[test]
    fn az_lists_are_the_list_sources() {
        assert!(AzList::all().any(|list| list.name() == "maintenanceconfigurations"));
        assert_eq!(AzList::parse("Diagnostic-Settings").map(AzList::name), Ok("diagnosticsettings"));
        assert!(AzList::all().all(|list| list.read().list));
    }
}
