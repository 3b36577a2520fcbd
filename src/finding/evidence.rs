//! One observed value behind a verdict, with where it came from as a value ([`Source`]) and the
//! line reports print, `properties.x = "y" (ARM)`, whose suffix is written from that value.
//!
//! The line is rendered once, when the evidence is made: a report prints it several times (table,
//! JSON, SARIF), and one string per item is what the plain text cost before the source was typed.
//! It is shared (`Arc<str>`): the line naming a workload's pods is the same in every pod-level
//! rule that fails the workload, and a clone of it copies no text.

use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// Where a piece of evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Read from the AKS management (ARM) API: `(ARM)`.
    Arm,
    /// Read from the Kubernetes API: `(Kubernetes)`.
    Kubernetes,
    /// Judged from Kubernetes objects in place of the ARM setting that says it directly (an
    /// add-on from its pods, the control plane from the kubelets): `inferred: ... (Kubernetes)`.
    InferredFromKubernetes,
    /// The config file (`aksguard.toml`): the line names the file and the line number.
    Configuration,
    /// The AKS release calendar embedded in aksguard: the line gives the calendar's date.
    EmbeddedCalendar,
    /// aksguard's own account of what it could not check or assumed, read from no source.
    Note,
}

impl Source {
    /// How far a finding can be trusted that rests on this evidence.
    pub fn confidence(self) -> Confidence {
        match self {
            Source::InferredFromKubernetes => Confidence::Medium,
            _ => Confidence::High,
        }
    }

    /// The suffix naming the source: ` (ARM)`, ` (Kubernetes)`; empty where the line says it.
    fn suffix(self) -> &'static str {
        match self {
            Source::Arm => " (ARM)",
            Source::Kubernetes | Source::InferredFromKubernetes => " (Kubernetes)",
            Source::Configuration | Source::EmbeddedCalendar | Source::Note => "",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Source::InferredFromKubernetes => "inferred: ",
            _ => "",
        }
    }
}

/// How directly a finding's verdict was read. Ordered from least to most confident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Part of the evidence was inferred (see [`Source::InferredFromKubernetes`]).
    Medium,
    /// Every piece of evidence was read directly from where the setting lives.
    High,
}

impl Confidence {
    /// The lowest confidence of the evidence; `high` when there is none.
    pub fn of(evidence: &[Evidence]) -> Confidence {
        evidence.iter().map(|e| e.source.confidence()).min().unwrap_or(Confidence::High)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of evidence. Derefs to the line as reports print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub source: Source,
    line: Arc<str>,
}

impl Evidence {
    /// Evidence whose line names its source: `text (ARM)`, `inferred: text (Kubernetes)`.
    pub fn new(source: Source, text: impl Into<String>) -> Self {
        let (prefix, suffix) = (source.prefix(), source.suffix());
        let mut text = text.into();
        // No doubling of the buffer on the way: the shared line is then made at its exact size.
        text.reserve_exact(prefix.len() + suffix.len());
        if !prefix.is_empty() {
            text.insert_str(0, prefix);
        }
        text.push_str(suffix);
        Evidence { source, line: text.into() }
    }

    /// Evidence whose line does not repeat its source: a further detail of the object the line
    /// before names (the problems of a workload after its pods), or a line that already says
    /// where it comes from in words of its own.
    pub fn detail(source: Source, text: impl Into<String>) -> Self {
        Evidence { source, line: text.into().into() }
    }

    /// `text (ARM)`.
    pub fn arm(text: impl Into<String>) -> Self {
        Evidence::new(Source::Arm, text)
    }

    /// `text (ARM document)`: read from a named ARM document other than the managed cluster.
    pub fn arm_document(document: &str, text: impl Into<String>) -> Self {
        let mut line = text.into();
        line.push_str(" (ARM ");
        line.push_str(document);
        line.push(')');
        Evidence { source: Source::Arm, line: line.into() }
    }

    /// `text (Kubernetes)`.
    pub fn kubernetes(text: impl Into<String>) -> Self {
        Evidence::new(Source::Kubernetes, text)
    }

    /// `inferred: text (Kubernetes)`.
    pub fn inferred(text: impl Into<String>) -> Self {
        Evidence::new(Source::InferredFromKubernetes, text)
    }

    /// A line about the config file, which names the file and line itself.
    pub fn configuration(text: impl Into<String>) -> Self {
        Evidence::new(Source::Configuration, text)
    }

    /// A line from the embedded AKS calendar, which gives the calendar's date itself.
    pub fn calendar(text: impl Into<String>) -> Self {
        Evidence::new(Source::EmbeddedCalendar, text)
    }

    /// What aksguard could not check or assumed.
    pub fn note(text: impl Into<String>) -> Self {
        Evidence::new(Source::Note, text)
    }

    /// The same observation, now standing in for the ARM setting it was inferred for.
    pub fn into_inferred(self) -> Self {
        let line = [Source::InferredFromKubernetes.prefix(), &self.line].concat();
        Evidence { source: Source::InferredFromKubernetes, line: line.into() }
    }

    pub fn as_str(&self) -> &str {
        &self.line
    }
}

impl Deref for Evidence {
    type Target = str;

    fn deref(&self) -> &str {
        &self.line
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// As the line: the JSON report's `evidence` stays a list of strings.
impl Serialize for Evidence {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_the_suffix_of_their_source() {
        assert_eq!(Evidence::arm("properties.x = \"y\"").to_string(), "properties.x = \"y\" (ARM)");
        assert_eq!(Evidence::kubernetes("pods a, b").to_string(), "pods a, b (Kubernetes)");
        assert_eq!(
            Evidence::inferred("pod kube-system/ama-logs-1 runs").to_string(),
            "inferred: pod kube-system/ama-logs-1 runs (Kubernetes)"
        );
        assert_eq!(
            Evidence::arm_document("diagnostic settings", "a: kube-audit").to_string(),
            "a: kube-audit (ARM diagnostic settings)"
        );
        assert_eq!(Evidence::kubernetes("no ds").into_inferred().to_string(), "inferred: no ds (Kubernetes)");
        assert_eq!(Evidence::note("ARM was not checked").to_string(), "ARM was not checked");
        assert_eq!(Evidence::detail(Source::Kubernetes, "container \"web\" is privileged").source, Source::Kubernetes);
        assert_eq!(serde_json::to_value(Evidence::arm("a")).unwrap(), serde_json::json!("a (ARM)"));
    }

    #[test]
    fn inferred_evidence_lowers_confidence() {
        assert_eq!(Confidence::of(&[]), Confidence::High);
        assert_eq!(Confidence::of(&[Evidence::arm("a"), Evidence::note("n")]), Confidence::High);
        assert_eq!(Confidence::of(&[Evidence::arm("a"), Evidence::inferred("b")]), Confidence::Medium);
        assert_eq!(Confidence::of(&[Evidence::detail(Source::InferredFromKubernetes, "c")]), Confidence::Medium);
    }
}
