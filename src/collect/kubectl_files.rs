//! `--from-kubectl`: JSON printed by `kubectl get <kinds> -A -o json` (a `List` of mixed kinds),
//! a typed list from the API (`PodList`), or a single object. Files are read a chunk at a time and
//! each item in one pass ([`super::kubectl_stream`]) by the same types live collection uses; kinds
//! aksguard does not read (Secrets, ConfigMaps, ...) are skipped without being parsed into
//! anything. Only the typed views stay in memory, never the file's text.
//!
//! A kind no file contains is *unavailable*, never empty, unless `--kubectl-kinds` says the files
//! were asked for it (kubectl prints nothing of a kind that has no objects).

use super::input::{invalid_json, open, unreadable};
use super::kubectl_parallel::{Parallel, Split};
use super::kubectl_stream::{self, KindName, RawFields, ReadError, Sink};
use crate::snapshot::kube::ObjectMeta;
use crate::snapshot::sources::{self, KubernetesSource, KubernetesVisitor};
use crate::snapshot::{KubernetesState, Part, Snapshot};
use crate::strict_json::Strict;
use anyhow::{Result, bail};
use serde::Deserialize;
use serde::de::MapAccess;
use serde::de::value::MapAccessDeserializer;
use serde_json::error::Category;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// The Kubernetes kinds aksguard reads (declared in `snapshot::sources`).
pub use crate::snapshot::Kind;

/// The command that collects every kind aksguard reads, for messages and the README.
pub fn kubectl_command() -> String {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
    format!("kubectl get {} -A -o json", kinds.join(","))
}

/// The objects read from every file, in the snapshot's parts (all collected while reading).
pub(super) struct Objects {
    state: KubernetesState,
    /// Kinds seen (or declared complete): only these stay collected.
    seen: BTreeSet<Kind>,
    /// In the file being read: its name, objects read, kinds skipped, items whose kind comes later.
    file: String,
    read: usize,
    skipped: BTreeSet<String>,
    untyped: Vec<RawFields>,
    /// Kinds with an object not as the API sends it: why the first is unreadable, and how many
    /// more there were. The whole kind is unknown: a kind missing one pod must never pass.
    unreadable: BTreeMap<Kind, (String, usize)>,
}

impl Objects {
    pub(super) fn new() -> Self {
        struct Empty<'s>(&'s mut KubernetesState);
        impl KubernetesVisitor for Empty<'_> {
            fn visit<S: KubernetesSource>(&mut self) {
                *S::part_mut(self.0) = Part::Collected(Vec::new());
            }
        }
        let mut state = KubernetesState::unavailable("not read yet");
        sources::each_kubernetes(&mut Empty(&mut state));
        Objects {
            state,
            seen: BTreeSet::new(),
            file: String::new(),
            read: 0,
            skipped: BTreeSet::new(),
            untyped: Vec::new(),
            unreadable: BTreeMap::new(),
        }
    }

    /// Makes room for the pods `bytes` of kubectl JSON can hold, judged generously: a pod is
    /// several kilobytes of JSON, so a 100,000-pod file fits without the list of pods (half a
    /// kilobyte each) being moved to a larger allocation again and again as it grows, which was
    /// a tenth of the time of reading it. The room is only reserved: memory no pod is written to
    /// is never touched. A file of smaller pods than judged just grows the list as before.
    pub(super) fn expect_pods(&mut self, bytes: u64) {
        const BYTES_PER_POD: u64 = 2048;
        const MOST_PODS: u64 = 1 << 21;
        if let Part::Collected(pods) = &mut self.state.pods {
            // A failed reservation (address space refused) only loses the head start.
            let _ = pods.try_reserve((bytes / BYTES_PER_POD).min(MOST_PODS) as usize);
        }
    }

    /// Adds what another reader read from the part of the file that follows what this one read
    /// so far; `false`, adding nothing, when that part held anything this reader must see itself
    /// (an item without a kind, an object of the wrong type).
    pub(super) fn absorb(&mut self, part: Objects) -> bool {
        struct Append<'s>(&'s mut KubernetesState, KubernetesState);
        impl KubernetesVisitor for Append<'_> {
            fn visit<S: KubernetesSource>(&mut self) {
                if let (Part::Collected(objects), Part::Collected(more)) =
                    (S::part_mut(self.0), std::mem::replace(S::part_mut(&mut self.1), Part::Collected(Vec::new())))
                {
                    objects.extend(more);
                }
            }
        }
        if !part.untyped.is_empty() || !part.unreadable.is_empty() {
            return false;
        }
        sources::each_kubernetes(&mut Append(&mut self.state, part.state));
        self.seen.extend(part.seen);
        self.skipped.extend(part.skipped);
        self.read += part.read;
        true
    }

    /// Every kind: duplicates dropped, unknown when an object of it was unreadable, and
    /// unavailable when no file held it.
    fn finish(mut self) -> KubernetesState {
        struct Finish<'s>(&'s mut KubernetesState, &'s BTreeSet<Kind>, &'s BTreeMap<Kind, (String, usize)>);
        impl KubernetesVisitor for Finish<'_> {
            fn visit<S: KubernetesSource>(&mut self) {
                let part = S::part_mut(self.0);
                if let Some((reason, more)) = self.2.get(&S::KIND) {
                    *part = Part::unavailable(with_more(reason, *more, S::KIND));
                    return;
                }
                match (self.1.contains(&S::KIND), part) {
                    (true, Part::Collected(objects)) => dedupe(objects, S::metadata),
                    (_, part) => *part = Part::unavailable(not_provided(S::KIND)),
                }
            }
        }
        sources::each_kubernetes(&mut Finish(&mut self.state, &self.seen, &self.unreadable));
        for (kind, (reason, more)) in &self.unreadable {
            super::input::warn_unreadable(&with_more(reason, *more, *kind), kind.source());
        }
        self.state
    }
}

/// The first unreadable object's reason, and how many more of its kind there were.
fn with_more(reason: &str, more: usize, kind: Kind) -> String {
    match more {
        0 => reason.to_string(),
        more => format!("{reason} (and {more} more {})", kind.name()),
    }
}

impl Sink for Objects {
    fn object<'de, A: MapAccess<'de>>(&mut self, kind: Kind, fields: A) -> Result<(), A::Error> {
        /// Reads the object into its kind's type and adds it to its part.
        struct Add<'s, 'de, A: MapAccess<'de>> {
            state: &'s mut KubernetesState,
            fields: Option<A>,
            result: Result<(), A::Error>,
            de: PhantomData<&'de ()>,
        }
        impl<'de, A: MapAccess<'de>> KubernetesVisitor for Add<'_, 'de, A> {
            fn visit<S: KubernetesSource>(&mut self) {
                let Some(fields) = self.fields.take() else { return };
                self.result = S::Object::deserialize(Strict::new(MapAccessDeserializer::new(fields))).map(|object| {
                    if let Part::Collected(objects) = S::part_mut(self.state) {
                        objects.push(object);
                    }
                });
            }
        }
        let mut add = Add { state: &mut self.state, fields: Some(fields), result: Ok(()), de: PhantomData };
        kind.visit(&mut add);
        add.result?;
        self.seen.insert(kind);
        self.read += 1;
        Ok(())
    }

    fn skipped(&mut self, kind: String) {
        self.skipped.insert(kind);
    }

    fn untyped(&mut self, fields: RawFields) {
        self.untyped.push(fields);
    }

    fn unreadable(&mut self, kind: Kind, at: &str, error: &str) {
        self.read += 1;
        match self.unreadable.get_mut(&kind) {
            Some((_, more)) => *more += 1,
            None => {
                let reason = super::input::unreadable_reason(&self.file, at, error);
                self.unreadable.insert(kind, (reason, 0));
            }
        }
    }
}

/// Keeps the first object of each (namespace, name). Done once all files are read, with keys
/// borrowed from the objects: no string is copied per object.
fn dedupe<T>(objects: &mut Vec<T>, metadata: impl Fn(&T) -> &ObjectMeta) {
    let mut seen = HashSet::with_capacity(objects.len());
    let keep: Vec<bool> = objects
        .iter()
        .map(|object| {
            let meta = metadata(object);
            seen.insert((meta.namespace(), meta.name.as_str()))
        })
        .collect();
    drop(seen);
    if keep.iter().all(|kept| *kept) {
        return;
    }
    let mut keep = keep.into_iter();
    objects.retain(|_| keep.next().unwrap_or(true));
}

pub fn read_into(paths: &[PathBuf], complete: &[Kind], snapshot: &mut Snapshot, notes: &mut Vec<String>) -> Result<()> {
    read_split(paths, complete, snapshot, notes, Split::for_this_machine())
}

/// Reads as [`read_into`] does, a large file in parts as `split` says.
pub(super) fn read_split(
    paths: &[PathBuf],
    complete: &[Kind],
    snapshot: &mut Snapshot,
    notes: &mut Vec<String>,
    split: Split,
) -> Result<()> {
    let mut objects = Objects::new();
    for path in paths {
        read_file(path, &mut objects, notes, split)?;
    }
    objects.seen.extend(complete.iter().copied());
    snapshot.kubernetes = objects.finish();
    Ok(())
}

fn not_provided(kind: Kind) -> String {
    format!(
        "not provided: no {} in the --from-kubectl files (pass `kubectl get {} -A -o json`, or --kubectl-kinds {} if there are none)",
        kind.name(),
        kind.plural(),
        kind.plural()
    )
}

fn read_file(path: &Path, objects: &mut Objects, notes: &mut Vec<String>, split: Split) -> Result<()> {
    let file = open(path, "--from-kubectl")?;
    let hint = format!("pass the unmodified output of `{}`", kubectl_command());
    (objects.read, objects.skipped, objects.untyped) = (0, BTreeSet::new(), Vec::new());
    objects.file = path.display().to_string();
    if let Ok(meta) = file.metadata() {
        objects.expect_pods(meta.len());
    }
    let document = match Parallel::for_file(path, &file, split) {
        Some(mut parallel) => kubectl_stream::read_with(file, objects, &mut parallel),
        None => kubectl_stream::read(file, objects),
    }
    .map_err(|err| read_error(path, err, &hint))?;
    if document.resource_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("microsoft.")) {
        bail!("{} is not Kubernetes JSON; it looks like az output: pass it with --from-az", path.display());
    }
    match (document.items, &document.kind) {
        (Some(count), list_kind) => {
            // A typed list (`PodList`) names its items' kind once; a `List` names it on each item.
            let item_kind = list_kind.as_ref().and_then(KindName::item_kind);
            match &item_kind {
                Some(KindName::Known(kind)) => {
                    objects.seen.insert(*kind);
                }
                Some(KindName::Other(other)) => {
                    objects.skipped.insert(other.clone());
                }
                None => {}
            }
            add_untyped(path, item_kind.as_ref(), objects)?;
            if count == 0 && item_kind.is_none() {
                notes.push(format!(
                    "{} is an empty List, which does not say which kinds were asked for; use --kubectl-kinds to say they have no objects",
                    path.display()
                ));
                return Ok(());
            }
        }
        (None, Some(_)) => {}
        (None, None) => bail!("{} is not Kubernetes JSON (no `kind`); {hint}", path.display()),
    }
    if objects.read == 0 && !objects.skipped.is_empty() {
        let found: Vec<String> = std::mem::take(&mut objects.skipped).into_iter().collect();
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
        bail!(
            "{} holds no kind aksguard reads (found {}); it reads {}",
            path.display(),
            found.join(", "),
            known.join(", ")
        );
    }
    Ok(())
}

/// Items without a `kind` of their own, read once the typed list's `kind` (after them) is known.
fn add_untyped(path: &Path, kind: Option<&KindName>, objects: &mut Objects) -> Result<()> {
    let untyped = std::mem::take(&mut objects.untyped);
    if untyped.is_empty() {
        return Ok(());
    }
    let kind = match kind {
        Some(KindName::Known(kind)) => *kind,
        Some(KindName::Other(_)) => return Ok(()),
        None => bail!("{} holds a List item without `kind`; pass the output of kubectl get -o json", path.display()),
    };
    for fields in untyped {
        fields
            .into_object(kind, objects)
            .map_err(|err| anyhow::anyhow!("{} holds a {} that cannot be read ({err})", path.display(), kind.name()))?;
    }
    Ok(())
}

/// The file failed, its JSON is invalid, or valid JSON is not the object it claims to be.
fn read_error(path: &Path, err: ReadError, hint: &str) -> anyhow::Error {
    match err {
        ReadError::Io(err) => unreadable(path, "--from-kubectl", &err),
        ReadError::Json { category: Category::Data, message, kind: Some(kind) } => {
            anyhow::anyhow!("{} holds a {} that cannot be read ({message})", path.display(), kind.name())
        }
        // Valid JSON, but not Kubernetes JSON where aksguard finds its way (an object's `kind`
        // or `apiVersion` that is not a string, a list item that is not an object).
        ReadError::Json { category: Category::Data, message, kind: None } => anyhow::anyhow!(
            "{} is JSON, but not Kubernetes JSON ({}); {hint}",
            path.display(),
            crate::strict_json::describe_at(&message)
        ),
        ReadError::Json { message, .. } => invalid_json(path, &message, hint),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Room for the pods a file can hold is reserved up front, within bounds: a file claiming
    /// an absurd size (a sparse file, a device) cannot make the reservation abort the run.
    #[test]
    fn pods_are_expected_from_the_file_size() {
        let capacity = |objects: &Objects| match &objects.state.pods {
            Part::Collected(pods) => pods.capacity(),
            _ => 0,
        };
        let mut objects = Objects::new();
        objects.expect_pods(1 << 20);
        assert!(capacity(&objects) >= 512, "{}", capacity(&objects));
        let mut huge = Objects::new();
        huge.expect_pods(u64::MAX);
        assert!(capacity(&huge) <= (1 << 21) + 8, "{}", capacity(&huge));
    }

    fn read(documents: &[&str]) -> Result<Snapshot> {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = documents
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let path = dir.path().join(format!("{i}.json"));
                std::fs::write(&path, text).unwrap();
                path
            })
            .collect();
        let mut snapshot = Snapshot::empty("test", "not provided");
        read_into(&paths, &[], &mut snapshot, &mut Vec::new())?;
        Ok(snapshot)
    }

    const POD_KIND_FIRST: &str = r#"{"kind": "Pod", "apiVersion": "v1",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}, "annotations": {"a": "CANARY"}},
        "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "nginx", "env": [{"name": "P", "value": "CANARY"}]}]},
        "status": {"phase": "Running"}}"#;
    /// The same pod with `kind` last: the fields before it are read once it is known.
    const POD_KIND_LAST: &str = r#"{"status": {"phase": "Running"},
        "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "nginx", "env": [{"name": "P", "value": "CANARY"}]}]},
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}, "annotations": {"a": "CANARY"}},
        "apiVersion": "v1", "kind": "Pod"}"#;

    fn pods(snapshot: &Snapshot) -> &[crate::snapshot::kube::Pod] {
        snapshot.kubernetes.pods.collected().unwrap()
    }

    #[test]
    fn key_order_does_not_matter() {
        let first = read(&[&format!(r#"{{"kind": "List", "items": [{POD_KIND_FIRST}]}}"#)]).unwrap();
        let last = read(&[&format!(r#"{{"items": [{POD_KIND_LAST}], "kind": "List"}}"#)]).unwrap();
        assert_eq!(pods(&first).len(), 1);
        assert!(pods(&first)[0].spec.host_network);
        assert_eq!(pods(&first), pods(&last));
        let single = read(&[POD_KIND_LAST]).unwrap();
        assert_eq!(pods(&single), pods(&first));
    }

    #[test]
    fn a_typed_list_names_its_items_kind_before_or_after_them() {
        let item = r#"{"metadata": {"name": "web", "namespace": "shop"}, "spec": {"containers": [{"name": "c"}]}}"#;
        for text in [
            format!(r#"{{"kind": "PodList", "apiVersion": "v1", "items": [{item}]}}"#),
            format!(r#"{{"apiVersion": "v1", "items": [{item}], "kind": "PodList"}}"#),
        ] {
            let snapshot = read(&[&text]).unwrap();
            assert_eq!(pods(&snapshot).len(), 1, "{text}");
            assert_eq!(pods(&snapshot)[0].spec.containers[0].name, "c");
        }
        let untyped = read(&[&format!(r#"{{"kind": "List", "items": [{item}]}}"#)]).unwrap_err().to_string();
        assert!(untyped.contains("holds a List item without `kind`"), "{untyped}");
    }

    #[test]
    fn an_object_read_twice_counts_once() {
        let list = format!(r#"{{"kind": "List", "items": [{POD_KIND_FIRST}, {POD_KIND_LAST}]}}"#);
        let snapshot = read(&[&list, POD_KIND_FIRST]).unwrap();
        assert_eq!(pods(&snapshot).len(), 1);
    }

    #[test]
    fn an_object_that_does_not_fit_its_kind_makes_its_kind_unknown() {
        let bad = r#"{"kind": "List", "items": [{"kind": "Namespace", "metadata": {"name": "shop"}},
            {"kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": "nginx"}},
            {"kind": "Pod", "metadata": {"name": "db"}, "spec": {"containers": [{"name": "c", "image": null}]}},
            {"kind": "Pod", "metadata": {"name": "ok"}, "spec": {"containers": []}}]}"#;
        let snapshot = read(&[bad]).unwrap();
        let reason = snapshot.kubernetes.pods.unavailable_reason().expect("no pod is audited");
        assert!(reason.starts_with("not readable: "), "{reason}");
        assert!(
            reason.ends_with("0.json: items[1].spec.containers: expected an array, found a string (and 1 more Pod)"),
            "{reason}"
        );
        assert_eq!(snapshot.kubernetes.namespaces.collected().unwrap().len(), 1, "the other kinds are read");
        let single = read(&[r#"{"kind": "Pod", "metadata": {"name": "web"}, "spec": []}"#]).unwrap();
        let reason = single.kubernetes.pods.unavailable_reason().unwrap();
        assert!(reason.ends_with("0.json: spec: expected an object, found an array"), "{reason}");
        let not_json = read(&[r#"{"kind": "List", "items": [{"kind": "Pod",}]}"#]).unwrap_err().to_string();
        assert!(not_json.contains("is not valid JSON"), "{not_json}");
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_where_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.json");
        std::fs::write(&path, b"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"caf\xe9\"}}").unwrap();
        let mut snapshot = Snapshot::empty("test", "not provided");
        let err = read_into(&[path], &[], &mut snapshot, &mut Vec::new()).unwrap_err().to_string();
        assert!(err.contains("is not valid JSON (invalid unicode code point at line 1 column"), "{err}");
    }

    #[test]
    fn constraints_are_recognised_by_their_api_group_and_keep_their_kind() {
        let list = r#"{"kind": "List", "items": [
            {"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sAzureV2NoPrivilege",
             "metadata": {"name": "no-privilege"}, "spec": {"enforcementAction": "dryrun"}},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "dev"},
             "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "dev@x"}]}]}"#;
        let snapshot = read(&[list]).unwrap();
        let constraints = snapshot.kubernetes.gatekeeper_constraints.collected().unwrap();
        assert_eq!(constraints[0].kind, "K8sAzureV2NoPrivilege");
        assert_eq!(constraints[0].enforcement_action(), "dryrun");
        let bindings = snapshot.kubernetes.cluster_role_bindings.collected().unwrap();
        assert_eq!(
            (bindings[0].role_ref.name.as_str(), bindings[0].subjects[0].name.as_str()),
            ("cluster-admin", "dev@x")
        );
    }
}
