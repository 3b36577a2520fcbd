//! One Resource Graph answer (`QueryResponse`), read strictly, and the paging state across the
//! answers of one request scope: follow `$skipToken` until it is absent, refuse a token that
//! repeats, stop at a page bound, and say when the rows do not add up to `totalRecords`.
//!
//! Each row is read strictly on its own, so a row that cannot be (a key twice) is that row's
//! problem, told to whoever reads it, and not the page's.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::HashSet;

/// One row of a page: the object, or why it cannot be read as meant.
pub type Row = Result<Value, BadRow>;

/// A row refused by the strict reader, with what a lenient read makes of it (for saying which
/// cluster it concerns, never for judging it).
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    pub why: String,
    pub lenient: Value,
}

/// Pages of one scope at most (a million clusters at 1000 a page): a server that never stops
/// paging cannot keep aksguard reading for ever.
pub const MAX_PAGES: usize = 1000;

/// A page, as read from the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub total_records: u64,
    pub count: u64,
    pub truncated: bool,
    pub skip_token: Option<String>,
    pub data: Vec<Row>,
}

impl Page {
    /// Reads a `QueryResponse` with `resultFormat: objectArray`; a `table`-shaped `data`, a
    /// missing required field or a value of the wrong type is an error naming the field.
    pub fn read(body: &[u8]) -> Result<Page, String> {
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(rename = "totalRecords")]
            total_records: u64,
            count: u64,
            #[serde(rename = "resultTruncated")]
            result_truncated: Value,
            #[serde(rename = "$skipToken", default)]
            skip_token: Option<String>,
            #[serde(borrow)]
            data: &'a RawValue,
        }
        // The envelope's fields are read once each (serde refuses a field twice); the rows are
        // kept as text and each read strictly below.
        let text = std::str::from_utf8(body).map_err(|_| "it is not UTF-8 text".to_string())?;
        // serde would read the struct from an array by position too.
        if !text.trim_start().starts_with('{') {
            return Err("it is not a query response (not a JSON object)".to_string());
        }
        let raw: Raw = serde_json::from_str(text)
            .map_err(|err| format!("it is not a query response ({})", crate::redact::excerpt(&err.to_string(), 200)))?;
        let truncated = match &raw.result_truncated {
            Value::String(text) if text == "true" => true,
            Value::String(text) if text == "false" => false,
            Value::Bool(flag) => *flag,
            other => {
                let shown = crate::redact::excerpt(&other.to_string(), 40);
                return Err(format!("resultTruncated is {shown}, not \"true\" or \"false\""));
            }
        };
        let Ok(rows) = serde_json::from_str::<Vec<&RawValue>>(raw.data.get()) else {
            return Err("data is not an array of objects (was resultFormat objectArray honoured?)".to_string());
        };
        let mut data = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            if !row.get().trim_start().starts_with('{') {
                return Err(format!("data[{i}] is not an object"));
            }
            // Strict like every other reader: a duplicate key (a row's `id` twice) is refused,
            // never read first- or last-key-wins.
            data.push(crate::strict_json::from_str::<Value>(row.get()).map_err(|err| BadRow {
                why: crate::redact::excerpt(&err.to_string(), 200),
                lenient: serde_json::from_str(row.get()).unwrap_or(Value::Null),
            }));
        }
        let skip_token = raw.skip_token.filter(|token| !token.is_empty());
        Ok(Page { total_records: raw.total_records, count: raw.count, truncated, skip_token, data })
    }
}

/// Where paging is, within one request scope.
#[derive(Debug, Default)]
pub struct Pager {
    token: Option<String>,
    seen: HashSet<String>,
    pages: usize,
    rows: u64,
    total: Option<u64>,
}

/// What one page gave.
#[derive(Debug)]
pub struct Step {
    pub rows: Vec<Row>,
    pub done: bool,
    pub warning: Option<String>,
    /// The rows of this scope are not all there (truncated, or fewer than `totalRecords`).
    pub incomplete: bool,
}

impl Pager {
    pub fn new() -> Pager {
        Pager::default()
    }

    /// The token to send for the next page (`None` for the first).
    pub fn skip_token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn advance(&mut self, page: Page) -> Result<Step, String> {
        self.pages += 1;
        if self.pages > MAX_PAGES {
            return Err(format!("it kept paging past {MAX_PAGES} pages"));
        }
        if page.count != page.data.len() as u64 {
            return Err(format!("a page says count {} but holds {} rows", page.count, page.data.len()));
        }
        let total = *self.total.get_or_insert(page.total_records);
        self.rows += page.count;
        if page.truncated {
            let warning = format!(
                "Resource Graph truncated its answer (resultTruncated) after {} of {total} clusters: the fleet is incomplete",
                self.rows
            );
            return Ok(Step { rows: page.data, done: true, warning: Some(warning), incomplete: true });
        }
        match page.skip_token {
            Some(token) => {
                if !self.seen.insert(token.clone()) {
                    return Err("it sent the same $skipToken twice".to_string());
                }
                self.token = Some(token);
                Ok(Step { rows: page.data, done: false, warning: None, incomplete: false })
            }
            None => {
                let warning = (self.rows != total).then(|| {
                    format!(
                        "Resource Graph counted {total} clusters but returned {} (clusters created or deleted during the scan?)",
                        self.rows
                    )
                });
                Ok(Step { rows: page.data, done: true, incomplete: self.rows < total, warning })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(total: u64, rows: usize, token: Option<&str>) -> Page {
        let data = (0..rows).map(|i| Ok(json!({"id": i}))).collect();
        Page { total_records: total, count: rows as u64, truncated: false, skip_token: token.map(String::from), data }
    }

    #[test]
    fn the_reference_first_page_is_read() {
        let text = include_str!("../../../../fixtures/arm/arg-resources-first-page.2024-04-01.json");
        let example: Value = serde_json::from_str(text).unwrap();
        let body = example["responses"]["200"]["body"].to_string();
        let page = Page::read(body.as_bytes()).unwrap();
        assert_eq!((page.total_records, page.count, page.truncated, page.data.len()), (386, 3, false, 3));
        assert!(page.skip_token.is_some());
    }

    #[test]
    fn wrong_shapes_are_refused_with_the_field() {
        let read = |body: Value| Page::read(body.to_string().as_bytes()).unwrap_err();
        let ok = json!({"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": [{}]});
        assert!(Page::read(ok.to_string().as_bytes()).is_ok());
        assert!(
            read(json!({"totalRecords": 1, "count": 1, "resultTruncated": "maybe", "data": []}))
                .contains("resultTruncated")
        );
        assert!(
            read(
                json!({"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": {"columns": [], "rows": []}})
            )
            .contains("objectArray")
        );
        assert!(
            read(json!({"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": [1]})).contains("data[0]")
        );
        assert!(
            read(json!({"totalRecords": "1", "count": 1, "resultTruncated": "false", "data": []}))
                .contains("not a query response")
        );
        assert!(read(json!({"count": 1, "resultTruncated": "false", "data": []})).contains("totalRecords"));
        // A key twice in a row is that row's problem; twice in the envelope, the page's.
        let twice = r#"{"totalRecords": 2, "count": 2, "resultTruncated": "false", "data": [{"id": "a", "id": "b"}, {"id": "c"}]}"#;
        let page = Page::read(twice.as_bytes()).unwrap();
        let bad = page.data[0].clone().unwrap_err();
        assert!(bad.why.contains("duplicate") && bad.why.contains("id"), "{bad:?}");
        assert_eq!(bad.lenient["id"], "b");
        assert_eq!(page.data[1], Ok(json!({"id": "c"})));
        let twice = r#"{"totalRecords": 1, "count": 1, "count": 1, "resultTruncated": "false", "data": []}"#;
        assert!(Page::read(twice.as_bytes()).unwrap_err().contains("duplicate field"));
        assert!(Page::read(br#"[1, 1, "false", null, []]"#).unwrap_err().contains("not a JSON object"));
        let hostile = json!({"totalRecords": 1, "count": 1, "resultTruncated": "\u{1b}]0;x\u{7}Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "data": []});
        let err = read(hostile);
        assert!(!err.contains('\u{1b}') && !err.contains("eyJzdWIiOiIxIn0"), "{err}");
    }

    #[test]
    fn paging_follows_tokens_until_the_last_page() {
        let mut pager = Pager::new();
        assert_eq!(pager.skip_token(), None);
        let step = pager.advance(page(3, 2, Some("t1"))).unwrap();
        assert!(!step.done && step.warning.is_none());
        assert_eq!(pager.skip_token(), Some("t1"));
        let step = pager.advance(page(3, 1, None)).unwrap();
        assert!(step.done && step.warning.is_none());
    }

    #[test]
    fn a_repeated_token_a_wrong_count_and_missing_rows_are_caught() {
        let mut pager = Pager::new();
        pager.advance(page(9, 1, Some("t"))).unwrap();
        assert!(pager.advance(page(9, 1, Some("t"))).unwrap_err().contains("same $skipToken"));
        let mut bad = page(1, 1, None);
        bad.count = 2;
        assert!(Pager::new().advance(bad).unwrap_err().contains("count 2"));
        let step = Pager::new().advance(page(5, 3, None)).unwrap();
        assert!(step.warning.unwrap().contains("counted 5 clusters but returned 3"));
    }

    #[test]
    fn truncation_ends_the_scope_with_a_warning() {
        let mut truncated = page(5000, 2, None);
        truncated.truncated = true;
        let step = Pager::new().advance(truncated).unwrap();
        assert!(step.done);
        assert!(step.warning.unwrap().contains("truncated"));
    }

    #[test]
    fn paging_is_bounded() {
        let mut pager = Pager::new();
        for i in 0..MAX_PAGES {
            pager.advance(page(u64::MAX, 0, Some(&format!("t{i}")))).unwrap();
        }
        assert!(pager.advance(page(u64::MAX, 0, Some("last"))).unwrap_err().contains("kept paging"));
    }
}
