//! Which Azure Policy built-in definitions each rule answers, and why the others have no rule.
//!
//! Azure Policy judges Kubernetes objects at admission, and only where the add-on is on and the
//! definition assigned; aksguard judges the same settings on the cluster as it is. The index of
//! every built-in Kubernetes definition (`fixtures/azure-policy/`, copied from Azure/azure-policy)
//! is embedded: `aksguard rules --framework azure-policy` lists each definition with the rule
//! that answers it or the reason none does, JSON and SARIF findings carry the ids of the
//! definitions their rule answers, and a test keeps this mapping complete against the index.

/// The index of the built-in Kubernetes definitions: id, display name, version, preview, description.
pub const INDEX_TSV: &str = include_str!("../../fixtures/azure-policy/kubernetes-policy-definitions.tsv");

/// The initiatives `--framework azure-policy:<name>` lists, as Azure publishes them.
pub const INITIATIVES: &[Initiative] = &[
    Initiative {
        name: "baseline",
        title: "Kubernetes cluster pod security baseline standards for Linux-based workloads",
        document: include_str!("../../fixtures/azure-policy/PSPBaselineStandard.json"),
    },
    Initiative {
        name: "restricted",
        title: "Kubernetes cluster pod security restricted standards for Linux-based workloads",
        document: include_str!("../../fixtures/azure-policy/PSPRestrictedStandard.json"),
    },
    Initiative {
        name: "safeguards",
        title: "AKS Deployment Safeguards",
        document: include_str!("../../fixtures/azure-policy/AKS_Safeguards.json"),
    },
    Initiative {
        name: "cis",
        title: "Kubernetes cluster should follow the CIS Kubernetes benchmark (preview)",
        document: include_str!("../../fixtures/azure-policy/AKS_CISBenchmark.json"),
    },
];

pub struct Initiative {
    pub name: &'static str,
    pub title: &'static str,
    /// The policy set definition (JSON) as Azure publishes it.
    pub document: &'static str,
}

/// The definitions each rule answers: a failing finding of the rule is what the definition would
/// have denied or audited. Mutations (`Sets ...`, `Mutate ...`) are listed with the rule that
/// judges the state they produce, so a finding shows where the mutation did not (yet) apply.
pub const BY_RULE: &[(&str, &[&str])] = &[
    ("api-server-access", &["040732e8-d947-40b8-95d6-854c95024bf8"]),
    ("local-accounts", &["993c2fcd-2b29-49d2-9eb0-df2c3a730c32"]),
    ("defender-enabled", &["a1840de2-8088-4ea8-b153-b4c723e9cb01"]),
    ("auto-upgrade-channel", &["5c345cdf-2049-47e0-b8fe-b0e96bc2df35"]),
    ("node-os-upgrade-channel", &["04408ca5-aa10-42ce-8536-98955cdddd4c"]),
    (
        "privileged-containers",
        &[
            "95edb821-ddaf-4404-9732-666045e056b4",
            "d2e7ea85-6b44-4317-a0be-1b951587f626",
            "077f0ce1-86d6-4058-bc60-de05067e8622",
        ],
    ),
    (
        "host-namespaces",
        &[
            "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8",
            "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
            "098fc59e-46c7-4d99-9b16-64990e543d75",
        ],
    ),
    (
        "privilege-escalation",
        &[
            "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99",
            "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
            "4ee3ee6a-96ea-4d25-9c00-17f11d2e02c8",
            "d77df159-718b-4aca-b94b-8e8890a98231",
        ],
    ),
    (
        "seccomp-profile",
        &[
            "975ce327-682c-4f2e-aa46-b9598289b86c",
            "6f87d474-38a9-46c9-bdfe-d7fa3b9836bf",
            "6bcd4321-fb89-4e3e-bf6c-999c13d47f43",
        ],
    ),
    ("trusted-registries", &["febd0533-8e55-448f-b837-bd0e06f16469"]),
    ("image-tag-pinning", &["021f8078-41a0-40e6-81b6-c6597da9f3ee"]),
    ("default-namespace-workloads", &["9f061a12-e40d-4183-a00e-171812443373"]),
    ("entra-rbac", &["450d2877-ebea-41e8-b00c-e286317d21bf"]),
    ("cluster-admin-bindings", &["a3dc4946-dba6-43e6-950d-f96532848c9f"]),
    ("workload-identity", &["2cc2e023-0dac-4046-875b-178f683929d5", "da6e2401-19da-4532-9141-fb8fbde08431"]),
    ("image-integrity", &["cf426bb8-b320-4321-8545-1b784a5df3a4"]),
    ("azure-policy-addon", &["0a15ec92-a229-4763-bb14-0ea34a568f8d"]),
    ("audit-logs", &["245fc9df-fa96-4414-9a0b-3738c2f7341c"]),
    ("pdb-blocks-drain", &["d9e8f2c1-4c5a-4f5c-8b5a-2abf1e9f7b4d", "d77f191e-2338-45d0-b6d4-4ee1c586a192"]),
    ("node-ssh-access", &["28257686-e9db-403e-b9e2-a5eecbe03da9"]),
    // Workload rules added for the built-ins.
    (
        "resource-limits",
        &[
            "03a4ecdb-0684-4039-be91-2762979e1bc8",
            "e345eecc-fa47-480f-9e88-67dcc122b164",
            "a2abc456-f0ae-464b-bd3a-07a3cdbd7fb1",
            "42ba1d72-e90f-42f8-bf99-5a1351eed2b1",
            "5f86d473-38a8-46c9-bdfe-d7fa3b9836bf",
        ],
    ),
    ("health-probes", &["b1a9997f-2883-4f12-bdff-2280f99b5915"]),
    ("pod-anti-affinity", &["34c88cd4-5d72-4dbb-bf77-12c3cafe8791"]),
    (
        "read-only-root-filesystem",
        &[
            "df49d893-a74c-421d-bc95-c663042e5b80",
            "2ae2f266-ecc3-4d26-82c5-8c3cb7774f45",
            "8e875f96-2c56-40ca-86db-b9f6a0be7347",
        ],
    ),
    (
        "allowed-capabilities",
        &[
            "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
            "a27c700f-8a22-44ec-961c-41625264370b",
            "c873b3ba-c605-42e4-a64b-a142a93826fc",
            "c812272d-7488-495f-a505-047d34b83f58",
        ],
    ),
    ("allowed-volume-types", &["16697877-1118-4fb1-9b65-9898ec2509ec", "f4a8fce0-2dd5-4c21-9a36-8f0ec809d663"]),
    ("host-ports", &["82985f06-dc18-4a48-bc1c-b9f4f0098cfe"]),
    (
        "approved-user-group-ids",
        &[
            "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
            "2fe7ba7d-f670-41f5-8b70-b61dc7dfbe18",
            "fed6510d-00b9-40db-a347-933125a6a327",
            "fe74a23d-79e4-401c-bd0d-fd7a5b35af32",
            "a8e3ce3c-cac3-4402-a28a-03ee3ede9790",
            "97de439f-fd35-4d43-a693-3644f51a51fd",
        ],
    ),
    ("allowed-sysctls", &["56d0a13f-712f-466b-8416-56fb354fb823", "5e5a0673-649e-4d50-bf9d-5a387a4e2081"]),
    ("apparmor-profile", &["511f5417-5d12-434d-ab2e-816901e72a5e"]),
    ("selinux-options", &["e1e6c427-07d9-46ab-9689-bfa85431e636"]),
    ("proc-mount", &["f85eb0dd-92ee-40e9-8a76-db25a507d6d3"]),
    ("windows-container-privileges", &["5485eac0-7e8f-4964-998b-a44f4f0c1e75", "077f0ce1-86d6-4058-bc60-de05067e8622"]),
    (
        "automount-service-account-token",
        &["423dd1ba-798e-40e4-9c4d-b6902674b423", "57f274ef-580a-4ed2-bcf8-5c6fa3775253"],
    ),
    ("bare-pods", &["65280eef-c8b4-425e-9aec-af55e55bf581"]),
    // Cluster-side built-ins.
    ("kms-etcd-encryption", &["dbbdc317-9734-4dd8-9074-993b29c69008"]),
    ("image-cleaner", &["af3c26b2-6fad-493e-9236-9c68928516ab"]),
    ("csi-drivers", &["c5110b6e-5272-4989-9935-59ad06fdf341"]),
    ("azure-cni", &["46238e2f-3f6f-4589-9f3f-77bed4116e67"]),
    // Services, Ingresses, RBAC roles and StorageClasses.
    ("public-load-balancers", &["3fc4dc25-5baf-40d8-9b05-7fe74c1bc64e"]),
    ("ingress-https", &["1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d", "d8c942c6-16a3-400b-8f2e-785f44030036"]),
    ("rbac-wildcards", &["ca8d5704-aa2b-40cf-b110-dc19052825ad"]),
    ("storage-class-csi", &["4f3823b6-6dac-4b5a-9c61-ce1afb829f17"]),
    ("aggregate-to-edit-endpoints", &["1ddac26b-ed48-4c30-8cc5-3a68c79b8001"]),
    ("service-selector-collisions", &["b0fdedee-7b9e-4a17-9f5d-5e8e912d2f01"]),
    ("service-exposure", &["d46c275d-1680-448d-b2ec-e495a3b6cc89", "233a2a17-77ca-4fb1-9b6b-69223d272a44"]),
];

/// Why a definition has no rule today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// A rule is planned; it needs a Kubernetes kind aksguard does not read yet.
    Planned { rule: &'static str, needs: &'static str },
    /// No rule can answer it (admission-only, or it needs the organisation's own values).
    NoRule(&'static str),
    /// Not about an AKS cluster's posture: Arc-enabled clusters, Flux/GitOps configuration, or a
    /// configure-only (deployIfNotExists) definition that changes settings rather than judging them.
    SetAside(&'static str),
}

const ARC: Gap = Gap::SetAside("Arc-enabled clusters only, not AKS");
const FLUX: Gap = Gap::SetAside("Flux/GitOps configuration (deployIfNotExists): deploys configuration, judges nothing");

/// Every definition of the index that no rule answers, with the reason.
pub const GAPS: &[(&str, Gap)] = &[
    ("6b2122c1-8120-4ff5-801b-17625a355590", ARC),
    ("73868911-4f4a-444f-adbd-5382bf70208a", ARC),
    ("a8e653d9-b5d4-48a0-afe6-14d881f9ee9a", ARC),
    ("0adc5395-9169-4b9b-8687-af838d69410a", ARC),
    ("8dfab9c4-fe7b-49ad-85e4-1e9be085358f", ARC),
    ("708b60a6-d253-4fe0-9114-4be4c00f012c", ARC),
    ("5174c1db-ca42-e0d4-b320-4f1cf6a1fa93", FLUX),
    ("2630c91f-8a20-8f43-14a2-2485b648e2a9", FLUX),
    ("bf1a31be-3b79-5ba8-c9e0-9a8c9ad9f749", FLUX),
    ("9e980dca-f3e1-8da3-6717-ad37b1ca6b27", FLUX),
    ("b6c7fd52-4723-5f4d-a157-3d39bd16a1d7", FLUX),
    ("83ea2fd1-9eaf-2f6d-f672-cd7b2ac798f6", FLUX),
    ("b8c1d6c1-6137-97c6-9c34-d4627e54ca26", FLUX),
    ("a6f560f4-f582-4b67-b123-a37dcd1bf7ea", FLUX),
    ("c050047b-b21b-4822-8a2d-c1e37c3c0c6a", FLUX),
    ("1d61c4d2-aef2-432b-87fc-7f96b019b7e1", FLUX),
    ("f9175d5f-abc8-1dc3-bd3c-5d7476ada3d1", FLUX),
    (
        "cadd9445-aeb8-4ee4-b505-c279db2f737f",
        Gap::SetAside("configure-only (deployIfNotExists): joins a Fleet Manager"),
    ),
    (
        "64def556-fbad-4622-930e-72d1d5589bf5",
        Gap::SetAside("configure-only (deployIfNotExists); defender-enabled judges the outcome"),
    ),
    (
        "36a27de4-199b-40fb-b336-945a8475d6c5",
        Gap::SetAside("configure-only (deployIfNotExists); entra-rbac judges the outcome"),
    ),
    (
        "40f1aee2-4db4-4b74-acb1-c6972e24cca8",
        Gap::SetAside("configure-only (deployIfNotExists); node-os-upgrade-channel judges the outcome"),
    ),
    (
        "6c66c325-74c8-42fd-a286-a74b0e2939d8",
        Gap::SetAside("configure-only (deployIfNotExists); audit-logs judges the outcome"),
    ),
    (
        "a8eff44f-8c92-45c3-a3fb-9880802d67a7",
        Gap::SetAside("configure-only (deployIfNotExists); azure-policy-addon judges the outcome"),
    ),
    (
        "7e49285c-4bed-4564-b26a-5225ccc311f3",
        Gap::SetAside("configure-only (deployIfNotExists); image-cleaner judges the outcome"),
    ),
    (
        "e1352e44-d34d-4e4d-a22e-451a15f759a1",
        Gap::SetAside("configure-only (deployIfNotExists); maintenance-window judges the outcome"),
    ),
    (
        "1b708b0a-3380-40e9-8b79-821f9fa224cc",
        Gap::SetAside("configure-only (deployIfNotExists): turns Command Invoke off"),
    ),
    (
        "5dc99dae-cfb2-42cc-8762-9aae02b74e27",
        Gap::SetAside("configure-only (deployIfNotExists); image-integrity judges the outcome"),
    ),
    ("53a4a537-990c-495a-92e0-7c21a465442c", Gap::NoRule("admission-only: judges edits, not state")),
    ("a22123bd-b9da-4c86-9424-24903e91fd55", Gap::NoRule("admission-only: judges who edits AKS labels, not state")),
    (
        "48940d92-ff05-449e-9111-e742d9280451",
        Gap::NoRule("admission-only: judges who adds reserved taints to nodes, not state"),
    ),
    (
        "e16d171b-bfe5-4d79-a525-19736b396e92",
        Gap::NoRule("admission-only: a mutation of node taints, nothing to judge afterwards"),
    ),
    ("e24df237-32cb-4a6c-a2f6-85b499cda9f2", Gap::NoRule("admission-only: prints a message when a mutation applies")),
    (
        "b81f454c-eebb-4e4f-9dfe-dca060e8a8fd",
        Gap::NoRule("admission-only, and needs the organisation's list of forbidden kinds"),
    ),
    (
        "46592696-4c7b-4bf3-9e45-6c2763bdc0a6",
        Gap::NoRule("needs the organisation's required labels (the definition has no default)"),
    ),
    (
        "9a5f4e39-e427-4d5d-ae73-93db00328bec",
        Gap::NoRule("needs the organisation's required annotations (the definition has no default)"),
    ),
    (
        "50c83470-d2f0-4dda-a716-1938a4825f62",
        Gap::NoRule("needs the organisation's allowed pull policies (the definition has no default)"),
    ),
    (
        "57dde185-5c62-4063-b965-afbb201e9c1c",
        Gap::NoRule(
            "needs the organisation's approved Windows users and groups (no default); windows-container-privileges judges ContainerAdministrator",
        ),
    ),
    (
        "12db3749-7e03-4b9f-b443-d37d3fb9f8d9",
        Gap::NoRule("a pull secret says nothing about an image's origin; trusted-registries judges the registry"),
    ),
    (
        "1a3b9003-eac6-4d39-a184-4a567ace7645",
        Gap::NoRule("not judged: graceful shutdown (preStop hooks) is availability, not security posture"),
    ),
    (
        "5c58d54b-87f0-4dcd-83ea-e855fc988997",
        Gap::NoRule("not judged yet: PodDisruptionBudgets' unhealthyPodEvictionPolicy is not read"),
    ),
    (
        "89f2d532-c53c-4f8f-9afa-4927b1114a0d",
        Gap::NoRule("not judged yet: apiServerAccessProfile.disableRunCommand is not read"),
    ),
    (
        "7d7be79c-23ba-4033-84dd-45e2a5ccdd67",
        Gap::NoRule("not judged yet: the disk encryption set (diskEncryptionSetID) is not read"),
    ),
    (
        "41425d9f-d1a5-499a-9932-f8ed8453932c",
        Gap::NoRule("not judged yet: agent pools' enableEncryptionAtHost is not read"),
    ),
    (
        "c7f49635-e3f0-4986-b072-90d0c7c3d4cd",
        Gap::NoRule("fleet membership is an operations choice; needs Fleet Manager data"),
    ),
    ("b2fd3e59-6390-4f2b-8247-ea676bd03e2d", Gap::NoRule("deprecated by Azure")),
    ("440b515e-a580-421e-abeb-b159a61ddcbc", Gap::NoRule("deprecated by Azure; host-ports judges host ports")),
    (
        "13cd7ae3-5bc0-4ac4-a62d-4f7c120b9759",
        Gap::NoRule("deprecated by Azure; Defender for Containers scans images (defender-enabled)"),
    ),
];

/// The definitions a rule answers (empty for rules no built-in matches).
pub fn definitions_of(rule: &str) -> &'static [&'static str] {
    BY_RULE.iter().find(|(id, _)| *id == rule).map_or(&[], |(_, ids)| ids)
}

/// The rules that answer a definition, in [`BY_RULE`] order.
pub fn rules_for(definition: &str) -> Vec<&'static str> {
    BY_RULE.iter().filter(|(_, ids)| ids.contains(&definition)).map(|(rule, _)| *rule).collect()
}

pub fn gap(definition: &str) -> Option<Gap> {
    GAPS.iter().find(|(id, _)| *id == definition).map(|(_, gap)| *gap)
}

/// One definition of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub id: &'static str,
    pub name: &'static str,
    pub preview: bool,
}

/// The definitions of the embedded index, in its order.
pub fn index() -> Vec<Definition> {
    INDEX_TSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (id, name, _version, preview) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
            Some(Definition { id, name, preview: preview.eq_ignore_ascii_case("true") })
        })
        .collect()
}

impl Initiative {
    /// The initiative's id and the definition ids it references, in its order.
    pub fn read(&self) -> (String, Vec<String>) {
        let document: serde_json::Value = serde_json::from_str(self.document).expect("embedded initiative is JSON");
        let id = document["name"].as_str().unwrap_or_default().to_string();
        let definitions = document["properties"]["policyDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|reference| reference["policyDefinitionId"].as_str())
            .map(|path| path.rsplit('/').next().unwrap_or(path).to_string())
            .collect();
        (id, definitions)
    }
}

pub fn initiative(name: &str) -> Option<&'static Initiative> {
    INITIATIVES.iter().find(|initiative| initiative.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ALL;
    use std::collections::HashSet;

    #[test]
    fn every_definition_of_the_index_has_a_rule_or_a_reason_and_never_both() {
        let index = index();
        assert_eq!(index.len(), 121, "the reference index lists 121 Kubernetes built-ins");
        for definition in &index {
            let (rules, gap) = (rules_for(definition.id), gap(definition.id));
            assert!(
                rules.is_empty() != gap.is_none(),
                "{} ({}) needs exactly one of a rule or a reason, has {rules:?} and {gap:?}",
                definition.id,
                definition.name
            );
        }
    }

    #[test]
    fn the_mapping_names_only_real_definitions_and_real_rules() {
        let ids: HashSet<&str> = index().iter().map(|d| d.id).collect();
        let rules: HashSet<&str> = ALL.iter().map(|rule| rule.id).collect();
        let mut seen_rules = HashSet::new();
        for (rule, definitions) in BY_RULE {
            assert!(rules.contains(rule), "BY_RULE names unknown rule {rule}");
            assert!(seen_rules.insert(rule), "{rule} listed twice");
            for id in *definitions {
                assert!(ids.contains(id), "{rule} names {id}, which is not in the index");
            }
        }
        let mut seen_gaps = HashSet::new();
        for (id, gap) in GAPS {
            assert!(ids.contains(id), "GAPS names {id}, which is not in the index");
            assert!(seen_gaps.insert(id), "{id} listed twice in GAPS");
            if let Gap::Planned { rule, .. } = gap {
                assert!(!rules.contains(rule), "{rule} exists: map {id} to it instead of planning it");
            }
        }
    }

    #[test]
    fn every_initiative_definition_is_in_the_index() {
        let ids: HashSet<&str> = index().iter().map(|d| d.id).collect();
        let expected = [("baseline", 5), ("restricted", 8), ("safeguards", 27), ("cis", 7)];
        for (name, count) in expected {
            let (_, definitions) = initiative(name).unwrap().read();
            assert_eq!(definitions.len(), count, "{name}");
            for id in &definitions {
                assert!(ids.contains(id.as_str()), "{name} references {id}, not in the index");
            }
        }
        assert_eq!(initiative("baseline").unwrap().read().0, "a8640138-9b0a-4a28-b8cb-1666c838647d");
    }

    #[test]
    fn a_rules_references_name_the_definitions_it_answers() {
        for rule in ALL {
            for id in definitions_of(rule.id) {
                let named = rule.references.iter().any(|r| r.contains(id));
                assert!(named, "{} answers {id} but its references do not name it", rule.id);
            }
        }
    }
}
