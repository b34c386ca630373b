//! Bounds on what one request may send, checked before the document is parsed or run.
//!
//! async-graphql's parser recurses once per nested list or object value and bounds only
//! selection sets, so a 4 KB document of nested `[` overflowed a worker's stack and
//! aborted the process. The scan below is a hand-written single pass because no crate
//! measures GraphQL nesting without parsing, which is exactly what must not happen first.

use async_graphql::Name;
use async_graphql::parser::types::OperationDefinition;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql_value::Value;

use crate::error::Reason;

/// The largest GraphQL document (query text) accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// How deep `[` and `{` may nest in a document, selection sets and values together
/// (selections are further bounded to 12 levels by validation).
pub const MAX_DOCUMENT_NESTING: usize = 64;
/// How deep arrays and objects may nest in the JSON `variables`.
pub const MAX_VARIABLES_NESTING: usize = 16;
/// The operations that open a session: at most one per request, however written.
pub const SIGN_IN_FIELDS: &[&str] = &["login", "signUp", "wechatLogin", "refreshSession"];

/// Why a request is refused before it runs; always BAD_USER_INPUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: Reason,
    /// The input at fault, as the services name it (`title`, `locations.0.name`), or
    /// `query` or `variables`.
    pub field: String,
}

impl Refusal {
    fn new(field: impl Into<String>, reason: Reason) -> Self {
        Refusal {
            reason,
            field: field.into(),
        }
    }
}

/// Size and nesting of the query text, scanned as text: brackets inside strings, block
/// strings and comments do not count.
pub fn check_document(query: &str) -> Result<(), Refusal> {
    if query.len() > MAX_DOCUMENT_BYTES {
        return Err(Refusal::new(
            "query",
            Reason::QueryTooLarge {
                max_kib: MAX_DOCUMENT_BYTES / 1024,
            },
        ));
    }
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // \""" is an escaped triple quote inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DOCUMENT_NESTING {
                    return Err(Refusal::new(
                        "query",
                        Reason::TooDeep {
                            max: MAX_DOCUMENT_NESTING,
                        },
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// A document as the handler takes it: size and nesting checked before the parser sees
/// it, literals after. `Ok(None)`: it does not parse (the executor reports why, from text
/// that passed the same checks). The fuzz target `document` drives this function.
pub fn parse_checked(query: &str) -> Result<Option<ExecutableDocument>, Refusal> {
    check_document(query)?;
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return Ok(None);
    };
    check_literals(&doc)?;
    Ok(Some(doc))
}

/// Nesting and characters of the JSON variables.
pub fn check_variables(variables: &serde_json::Value) -> Result<(), Refusal> {
    fn walk(
        value: &serde_json::Value,
        path: &mut Vec<String>,
        depth: usize,
    ) -> Result<(), Refusal> {
        if depth > MAX_VARIABLES_NESTING {
            return Err(Refusal::new(
                "variables",
                Reason::TooDeep {
                    max: MAX_VARIABLES_NESTING,
                },
            ));
        }
        match value {
            serde_json::Value::String(text) => check_characters(text, &field_name(path)),
            serde_json::Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push(index.to_string());
                    walk(item, path, depth + 1)?;
                    path.pop();
                }
                Ok(())
            }
            serde_json::Value::Object(fields) => {
                for (name, item) in fields {
                    check_characters(name, &field_name(path))?;
                    path.push(name.clone());
                    walk(item, path, depth + 1)?;
                    path.pop();
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    match variables {
        serde_json::Value::Object(_) | serde_json::Value::Null => {
            walk(variables, &mut Vec::new(), 0)
        }
        _ => Err(Refusal::new("variables", Reason::NotGraphqlRequest)),
    }
}

pub use crate::domain::input::forbidden_character;

/// The field a value sits at, as the services name fields: without the variable or
/// argument that holds it (`input.title` → `title`), unless that is all there is.
fn field_name(path: &[String]) -> String {
    match path {
        [only] => only.clone(),
        [_, rest @ ..] => rest.join("."),
        [] => "variables".to_owned(),
    }
}

pub fn check_characters(text: &str, field: &str) -> Result<(), Refusal> {
    if text.chars().any(forbidden_character) {
        return Err(Refusal::new(field, Reason::ForbiddenCharacters));
    }
    Ok(())
}

/// The fields selected at the root of an operation, through inline fragments and
/// fragment spreads (each fragment followed once).
pub fn root_field_names<'a>(
    doc: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
) -> Vec<&'a str> {
    fn collect<'a>(
        doc: &'a ExecutableDocument,
        set: &'a SelectionSet,
        seen: &mut Vec<&'a Name>,
        out: &mut Vec<&'a str>,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => out.push(field.node.name.node.as_str()),
                Selection::InlineFragment(inline) => {
                    collect(doc, &inline.node.selection_set.node, seen, out)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if seen.contains(&name) {
                        continue;
                    }
                    seen.push(name);
                    if let Some(fragment) = doc.fragments.get(name) {
                        collect(doc, &fragment.node.selection_set.node, seen, out);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    collect(
        doc,
        &operation.selection_set.node,
        &mut Vec::new(),
        &mut out,
    );
    out
}

/// Sign-in fields among the root fields: a request may carry one at most, so one request
/// cannot run hundreds of password checks or open hundreds of accounts.
pub fn sign_in_count(root_fields: &[&str]) -> usize {
    root_fields
        .iter()
        .filter(|name| SIGN_IN_FIELDS.contains(name))
        .count()
}

/// Characters of every string written into the document itself (argument literals of any
/// field, in every operation and fragment), as [`check_variables`] checks variables.
pub fn check_literals(doc: &ExecutableDocument) -> Result<(), Refusal> {
    fn value(literal: &Value, path: &mut Vec<String>) -> Result<(), Refusal> {
        match literal {
            Value::String(text) => check_characters(text, &field_name(path)),
            Value::List(items) => items.iter().try_for_each(|item| value(item, path)),
            Value::Object(fields) => fields.iter().try_for_each(|(name, item)| {
                path.push(name.to_string());
                let checked = value(item, path);
                path.pop();
                checked
            }),
            _ => Ok(()),
        }
    }
    fn selections(set: &SelectionSet) -> Result<(), Refusal> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    for (name, argument) in &field.node.arguments {
                        value(&argument.node, &mut vec![name.node.to_string()])?;
                    }
                    selections(&field.node.selection_set.node)?;
                }
                Selection::InlineFragment(inline) => selections(&inline.node.selection_set.node)?,
                Selection::FragmentSpread(_) => {}
            }
        }
        Ok(())
    }
    match &doc.operations {
        DocumentOperations::Single(op) => selections(&op.node.selection_set.node)?,
        DocumentOperations::Multiple(ops) => ops
            .values()
            .try_for_each(|op| selections(&op.node.selection_set.node))?,
    }
    doc.fragments
        .values()
        .try_for_each(|fragment| selections(&fragment.node.selection_set.node))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_strings_block_strings_and_comments_do_not_count() {
        let deep = "[".repeat(MAX_DOCUMENT_NESTING + 1);
        assert!(check_document(&format!("{{ a(x: \"{deep}\") }}")).is_ok());
        assert!(check_document(&format!("{{ a(x: \"\"\"{deep}\\\"\"\"{deep}\"\"\") }}")).is_ok());
        assert!(check_document(&format!("# {deep}\n{{ a }}")).is_ok());
        assert!(check_document(&format!("{{ a(x: \"\\\"{deep}\") }}")).is_ok());
        assert!(check_document(&format!("{{ a(x: {deep}) }}")).is_err());
        assert!(check_document(&"{a:".repeat(MAX_DOCUMENT_NESTING + 1)).is_err());
    }

    /// Inputs the fuzzer (`fuzz/`, target `document`) or an attack found, kept: each must
    /// be answered without a panic, and the nested ones refused before parsing.
    #[test]
    fn the_fuzzers_findings_stay_fixed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/regressions/document");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("fuzz/regressions/document") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("readable");
            let text = String::from_utf8_lossy(&bytes);
            let answer = parse_checked(&text);
            if path.to_string_lossy().contains("nested") {
                assert!(answer.is_err(), "{} must be refused", path.display());
            }
            seen += 1;
        }
        assert!(seen >= 2, "the regressions are there");
    }

    #[test]
    fn an_unterminated_string_ends_at_the_line() {
        let deep = "[".repeat(MAX_DOCUMENT_NESTING + 1);
        assert!(check_document(&format!("{{ a(x: \"open\n{deep}) }}")).is_err());
    }

    #[test]
    fn variables_are_bounded_in_depth_and_characters() {
        let mut deep = serde_json::json!(1);
        for _ in 0..=MAX_VARIABLES_NESTING {
            deep = serde_json::json!([deep]);
        }
        assert!(check_variables(&serde_json::json!({ "a": deep })).is_err());
        let refused = check_variables(&serde_json::json!({ "input": { "title": "a\u{0}b" } }));
        assert_eq!(refused.unwrap_err().field, "title");
        assert!(check_variables(&serde_json::json!({ "t": "两行\n\t文字" })).is_ok());
        assert!(check_variables(&serde_json::json!({ "n": "\u{202e}abc" })).is_err());
        assert!(check_variables(&serde_json::json!([1])).is_err());
    }
}
