//! `--from-az`: JSON printed by `az` (or returned by the ARM REST API), recognised by content.
//!
//! | command | recognised by `type` |
//! |---|---|
//! | `az aks show -o json` | `Microsoft.ContainerService/managedClusters` |
//! | `az aks maintenanceconfiguration list -o json` | `.../maintenanceConfigurations` (a list) |
//! | `az aks get-upgrades -o json` | `.../managedClusters/upgradeProfiles` |
//! | `az security pricing show -n Containers -o json` | `Microsoft.Security/pricings`, name `Containers` |
//! | `az monitor diagnostic-settings list --resource ID -o json` | `Microsoft.Insights/diagnosticSettings` (a list) |
//!
//! An empty list (`[]`) does not say what it lists, so the list kinds that were asked for are
//! named with `--az-lists`; a named kind with no documents counts as collected and empty.
//! | `az aks nodepool get-upgrades -o json` (one per pool) | `.../managedClusters/agentPools/upgradeProfiles` |
//! | `az aks get-versions -l REGION -o json` | no `type`: an object whose `values[]` have a `version` |

use super::input::invalid_json;
use crate::snapshot::arm::{ArmResource, id_segment};
use crate::snapshot::sources::{self, ARM_READS, ArmRead, ArmSource, ArmVisitor};
use crate::snapshot::{AzureState, Part, Snapshot, source};
use anyhow::{Result, bail};
use serde_json::Value;
use std::any::Any;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The list-shaped az outputs, which `--az-lists` names (declared in `snapshot::sources`).
pub use crate::snapshot::AzList;

fn what_it_reads() -> String {
    let commands: Vec<String> = ARM_READS.iter().map(|read| format!("`{}`", az_base(read.az_command))).collect();
    let (last, rest) = commands.split_last().expect("aksguard reads ARM sources");
    format!("it reads {} and {last} output (-o json)", rest.join(", "))
}

/// `az aks show` of `az aks show -g RG -n NAME -o json`: the command without its arguments.
fn az_base(command: &str) -> String {
    // `az security pricing show -n Containers`: the plan's name is part of what to run.
    let words: Vec<&str> = command.split_whitespace().take_while(|w| !w.starts_with('-') || *w == "-n").collect();
    words.join(" ")
}

/// The documents read so far: per source, a `Vec<(ARM id, S::Document)>` (typed, so held as
/// `Any`), and which file the managed cluster came from.
#[derive(Default)]
struct Found {
    documents: BTreeMap<&'static str, Box<dyn Any>>,
    cluster_file: Option<PathBuf>,
    /// Sources with a document not as ARM sends it (a wrong type): why the first is unreadable,
    /// how many more there were, and its ARM id. The whole source is unknown.
    unreadable: BTreeMap<&'static str, Unreadable>,
}

struct Unreadable {
    reason: String,
    more: usize,
    id: Option<String>,
}

type Documents<T> = Vec<(Option<String>, T)>;

/// Reads every `--from-az` file into the snapshot's ARM parts.
pub fn read_into(paths: &[PathBuf], lists: &[AzList], snapshot: &mut Snapshot, notes: &mut Vec<String>) -> Result<()> {
    let mut found = Found::default();
    for path in paths {
        if read_file(path, &mut found)? == Read::EmptyList && lists.is_empty() {
            notes.push(format!(
                "{} is an empty list, which does not say what it lists; name the lists you passed with --az-lists {}",
                path.display(),
                AzList::all().map(AzList::name).collect::<Vec<_>>().join(",")
            ));
        }
    }
    let mut finish = Finish { found, lists, azure: &mut snapshot.azure, cluster: None, owned: Vec::new() };
    sources::each_arm(&mut finish);
    let Finish { cluster, owned, found, .. } = finish;
    if let (Some(name), Some(path)) = (cluster, found.cluster_file.as_deref()) {
        check_same_cluster(&name, path, owned)?;
    }
    Ok(())
}

/// Fills every ARM part from the documents found: collected when a file held one (or
/// `--az-lists` names it), else unavailable with the command to run.
struct Finish<'a> {
    found: Found,
    lists: &'a [AzList],
    azure: &'a mut AzureState,
    /// The managed cluster's name, and what each other document is with its ARM id.
    cluster: Option<String>,
    owned: Vec<(String, Option<String>)>,
}

impl ArmVisitor for Finish<'_> {
    fn visit<S: ArmSource>(&mut self) {
        let read = &S::READ;
        if let Some(bad) = self.found.unreadable.get(read.source) {
            if read.source == source::MANAGED_CLUSTER {
                self.cluster = cluster_name(bad.id.as_deref());
            }
            let reason = match bad.more {
                0 => bad.reason.clone(),
                more => format!("{} (and {more} more)", bad.reason),
            };
            super::input::warn_unreadable(&reason, read.source);
            *S::part_mut(self.azure) = Part::unavailable(reason);
            return;
        }
        let documents =
            self.found.documents.remove(read.source).and_then(|d| d.downcast::<Documents<S::Document>>().ok());
        let named = self.lists.iter().any(|list| list.read().source == read.source);
        let documents = match (documents, named) {
            (Some(documents), _) => *documents,
            (None, true) => Vec::new(),
            (None, false) => {
                *S::part_mut(self.azure) = missing(read.az_command);
                return;
            }
        };
        for (id, document) in &documents {
            match (read.source == source::MANAGED_CLUSTER, document.describe()) {
                (true, _) => self.cluster = cluster_name(id.as_deref()),
                (false, Some(what)) => self.owned.push((what, id.clone())),
                (false, None) => {}
            }
        }
        *S::part_mut(self.azure) = match S::from_documents(documents.into_iter().map(|(_, d)| d).collect()) {
            Some(data) => Part::Collected(data),
            None => missing(read.az_command),
        };
    }
}

/// The name of the cluster an id is, for the other documents' check.
fn cluster_name(id: Option<&str>) -> Option<String> {
    id.and_then(|id| id_segment(id, "managedclusters")).map(str::to_string)
}

fn missing<T>(command: &str) -> Part<T> {
    Part::unavailable(format!("not provided: pass the output of `{command}` with --from-az"))
}

/// Documents of another cluster (maintenance configurations, pool upgrade profiles) would make
/// the audit wrong, not just incomplete. `owned`: what each document is, and its ARM id.
fn check_same_cluster(name: &str, path: &Path, owned: Vec<(String, Option<String>)>) -> Result<()> {
    for (what, id) in owned {
        let owner = id.as_deref().and_then(|id| id_segment(id, "managedclusters"));
        if let Some(owner) = owner.filter(|owner| !owner.eq_ignore_ascii_case(name)) {
            bail!(
                "{what} belongs to cluster {owner}, but {} is cluster {name}; pass the files of one cluster",
                path.display()
            );
        }
    }
    Ok(())
}

/// What a file held.
#[derive(PartialEq, Eq)]
enum Read {
    Documents,
    /// `[]`: a list of nothing, of a kind it does not say.
    EmptyList,
}

/// az documents are a few kilobytes each; a list of every maintenance configuration is far below.
const AZ_FILE: crate::text_file::FileKind = crate::text_file::FileKind {
    what: "--from-az file",
    max_bytes: 64 * 1024 * 1024,
    hint: "pass the unmodified output of an az command run with -o json",
};

fn read_file(path: &Path, found: &mut Found) -> Result<Read> {
    let text = crate::text_file::read(path, AZ_FILE)?;
    let value: Value = crate::strict_json::from_str(&text)
        .map_err(|err| invalid_json(path, &err, "pass the unmodified output of an az command run with -o json"))?;
    match &value {
        // `az ... list` prints an array; the ARM REST list body wraps it in `value`.
        Value::Array(items) => read_list(path, items, "", found),
        Value::Object(map) if map.get("value").is_some_and(Value::is_array) => {
            read_list(path, map["value"].as_array().expect("checked above"), "value", found)
        }
        Value::Object(_) => {
            add(path, &value, None, found)?;
            Ok(Read::Documents)
        }
        _ => bail!("{} holds a JSON {}, not az output; {}", path.display(), json_kind(&value), what_it_reads()),
    }
}

/// The documents of a list, `list` being where it is in the file (`value` for an ARM REST body).
fn read_list(path: &Path, items: &[Value], list: &str, found: &mut Found) -> Result<Read> {
    if items.is_empty() {
        return Ok(Read::EmptyList);
    }
    let clusters =
        items.iter().filter(|item| recognise(item).is_some_and(|r| r.source == source::MANAGED_CLUSTER)).count();
    if clusters > 1 {
        bail!(
            "{} lists {clusters} managed clusters; pass `az aks show -g RG -n NAME -o json` for the one to audit",
            path.display()
        );
    }
    let mut added = 0;
    for (index, item) in items.iter().enumerate() {
        added += usize::from(add(path, item, Some(format!("{list}[{index}]")), found)?);
    }
    if added == 0 {
        bail!(
            "{} lists no document aksguard reads (for example, a pricing list without the Containers plan); {}",
            path.display(),
            what_it_reads()
        );
    }
    Ok(Read::Documents)
}

/// The source a document is: by its ARM `type`, else by the type its `id` path names (older az
/// builds print `"type": null` for maintenance configurations), else by its shape.
fn recognise(doc: &Value) -> Option<&'static ArmRead> {
    let named = doc.get("type").and_then(Value::as_str).map(str::to_ascii_lowercase);
    match named.or_else(|| doc.get("id").and_then(Value::as_str).and_then(type_from_id)) {
        Some(lower) => {
            let mut typed = ARM_READS.iter().filter(|read| read.az_type == Some(lower.as_str()));
            let first = typed.next()?;
            // Reads that share a type (the subscription's Defender plan and the cluster's own) are
            // told apart by the one that recognises the document; the first is the default.
            Some(typed.find(|read| recognised_as(read, doc)).unwrap_or(first))
        }
        None => {
            struct Shape<'d>(&'d Value, Option<&'static ArmRead>);
            impl ArmVisitor for Shape<'_> {
                fn visit<S: ArmSource>(&mut self) {
                    if self.1.is_none() && S::READ.az_type.is_none() && S::Document::recognises(self.0) {
                        self.1 = Some(&S::READ);
                    }
                }
            }
            let mut shape = Shape(doc, None);
            sources::each_arm(&mut shape);
            shape.1
        }
    }
}

/// The lower-case ARM type an id names: after its last `/providers/`, the namespace and every
/// other segment (`…/providers/Microsoft.ContainerService/managedClusters/c/maintenanceConfigurations/d`
/// is `microsoft.containerservice/managedclusters/maintenanceconfigurations`).
fn type_from_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let (_, after) = lower.rsplit_once("/providers/")?;
    let segments: Vec<&str> = after.split('/').collect();
    let (namespace, rest) = segments.split_first()?;
    if namespace.is_empty() || rest.len() < 2 || rest.len() % 2 != 0 || rest.iter().any(|s| s.is_empty()) {
        return None;
    }
    let types: Vec<&str> = rest.iter().step_by(2).copied().collect();
    Some(format!("{namespace}/{}", types.join("/")))
}

/// Reads one document into its source's model and keeps it; `false` when a list holds a
/// document of the right type that is not the source (another Defender plan), which is skipped.
/// Whether `read`'s document type recognises `doc` (its `ArmResource::recognises`).
fn recognised_as(read: &'static ArmRead, doc: &Value) -> bool {
    struct Ask<'d>(&'static ArmRead, &'d Value, bool);
    impl ArmVisitor for Ask<'_> {
        fn visit<S: ArmSource>(&mut self) {
            if S::READ.source == self.0.source {
                self.2 = S::Document::recognises(self.1);
            }
        }
    }
    let mut ask = Ask(read, doc, false);
    sources::each_arm(&mut ask);
    ask.2
}

/// `at`: where the document is in a list file (`[2]`), `None` when it is the file.
fn add(path: &Path, doc: &Value, at: Option<String>, found: &mut Found) -> Result<bool> {
    let Some(read) = recognise(doc) else {
        return Err(unrecognised(path, doc));
    };
    struct Add<'a> {
        read: &'static ArmRead,
        path: &'a Path,
        doc: &'a Value,
        at: Option<String>,
        found: &'a mut Found,
        result: Result<bool>,
    }
    impl ArmVisitor for Add<'_> {
        fn visit<S: ArmSource>(&mut self) {
            if S::READ.source == self.read.source {
                self.result = add_as::<S>(self.path, self.doc, self.at.take(), self.found);
            }
        }
    }
    let mut add = Add { read, path, doc, at, found, result: Ok(false) };
    sources::each_arm(&mut add);
    add.result
}

fn add_as<S: ArmSource>(path: &Path, doc: &Value, at: Option<String>, found: &mut Found) -> Result<bool> {
    let read = &S::READ;
    let id = doc.get("id").and_then(Value::as_str).map(str::to_string);
    let document = match S::Document::from_document(doc) {
        Ok(document) => document,
        // Valid JSON without a duplicate key (checked when the file was read), recognised by its
        // type, but not as ARM sends it: the source is unknown, the run goes on.
        Err(err) => {
            note_cluster_file(read, path, found)?;
            let reason = super::input::unreadable_reason(
                &path.display().to_string(),
                at.as_deref().unwrap_or(""),
                &err.to_string(),
            );
            match found.unreadable.get_mut(read.source) {
                Some(bad) => bad.more += 1,
                None => drop(found.unreadable.insert(read.source, Unreadable { reason, more: 0, id })),
            }
            return Ok(true);
        }
    };
    if let Some(why) = document.refuse() {
        if at.is_some() {
            return Ok(false);
        }
        bail!("{} is {why}; pass `{}`", path.display(), read.az_command);
    }
    note_cluster_file(read, path, found)?;
    let documents = found
        .documents
        .entry(read.source)
        .or_insert_with(|| Box::new(Documents::<S::Document>::new()))
        .downcast_mut::<Documents<S::Document>>()
        .expect("each source holds its own documents");
    // The same document given twice (same ARM id) counts once: the last one read.
    if let Some(id) = &id {
        documents.retain(|(known, _)| !known.as_ref().is_some_and(|known| known.eq_ignore_ascii_case(id)));
    }
    documents.push((id, document));
    Ok(true)
}

/// Remembers the file of the managed cluster: a second one is refused.
fn note_cluster_file(read: &ArmRead, path: &Path, found: &mut Found) -> Result<()> {
    if read.source != source::MANAGED_CLUSTER {
        return Ok(());
    }
    if let Some(first) = &found.cluster_file {
        bail!("{} and {} both hold a managed cluster; audit one cluster at a time", first.display(), path.display());
    }
    found.cluster_file = Some(path.to_path_buf());
    Ok(())
}

fn unrecognised(path: &Path, doc: &Value) -> anyhow::Error {
    match doc.get("type").and_then(Value::as_str) {
        Some(resource_type) => anyhow::anyhow!(
            "{} is a {resource_type} document, which aksguard does not read; {}",
            path.display(),
            what_it_reads()
        ),
        None if doc.get("apiVersion").is_some() && doc.get("kind").is_some() => {
            anyhow::anyhow!("{} looks like kubectl output; pass it with --from-kubectl", path.display())
        }
        None => anyhow::anyhow!(
            "{} is not a document aksguard reads (it has no ARM `type`); {}",
            path.display(),
            what_it_reads()
        ),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_read_from_the_id_when_it_is_null() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/maintenanceConfigurations/default";
        assert_eq!(
            type_from_id(id).as_deref(),
            Some("microsoft.containerservice/managedclusters/maintenanceconfigurations")
        );
        let setting = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/providers/Microsoft.Insights/diagnosticSettings/x";
        assert_eq!(type_from_id(setting).as_deref(), Some("microsoft.insights/diagnosticsettings"));
        assert_eq!(type_from_id("/subscriptions/s/resourceGroups/rg"), None);
        assert_eq!(type_from_id("/subscriptions/s/providers/Microsoft.Security/pricings"), None);
        let doc = serde_json::json!({"id": id, "name": "default", "type": null, "properties": {}});
        assert_eq!(recognise(&doc).map(|read| read.source), Some(source::MAINTENANCE_CONFIGURATIONS));
    }
}
