//! The OASIS SARIF 2.1.0 schema, vendored in tests/, as a validator: `audit` SARIF
//! (tests/ci_formats.rs) and `fleet` SARIF (tests/fleet.rs) are checked against the same one.

#![allow(dead_code)] // each test binary uses a different part

use serde_json::Value;
use std::path::Path;

// tests/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 schema (`$id` .../Schemata/sarif-schema-2.1.0.json)
// exactly as the `serde-sarif` 0.8.0 crate on crates.io ships it (src/schema.json, MIT), unchanged:
// sha256 af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea.

/// The official schema's `language` pattern has a stray `]` (a known erratum) that strict regex
/// checkers refuse. aksguard never writes `language`; the file stays as published, and the
/// pattern is corrected in memory only, to what it means (`en` or `en-US`).
const BROKEN_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$";

pub fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif-schema-2.1.0.json");
    let published = std::fs::read_to_string(path).unwrap();
    let escaped = serde_json::to_string(BROKEN_LANGUAGE_PATTERN).unwrap();
    assert_eq!(published.matches(&escaped).count(), 2, "the vendored schema is the published one");
    let corrected = published.replace(&escaped, &serde_json::to_string(LANGUAGE_PATTERN).unwrap());
    let schema: Value = serde_json::from_str(&corrected).unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles")
}

pub fn assert_valid_sarif(validator: &jsonschema::Validator, sarif: &Value) {
    let errors: Vec<String> = validator.iter_errors(sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF schema violations: {errors:#?}");
}
