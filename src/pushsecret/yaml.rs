//! A small YAML writer for the manifests phib hands to Kubernetes: a JSON value in,
//! block-style YAML out, keys in the order they were inserted, and every string
//! double-quoted with [`yaml_quote`], so that YAML 1.1 and 1.2 readers (kubectl's and
//! helm's Go parsers included) read back exactly the string that was meant (`on`, `1h`
//! and `0x1` stay strings). Deterministic: the same value gives the same bytes.

use serde_json::Value;

use crate::values::render::yaml_quote;

/// One YAML document (no `---`), ending in a newline.
pub fn document(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

/// Several documents, separated by `---`.
pub fn documents(values: &[Value]) -> String {
    values
        .iter()
        .map(document)
        .collect::<Vec<_>>()
        .join("---\n")
}

fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && k.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if plain {
        k.to_string()
    } else {
        yaml_quote(k)
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => yaml_quote(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Array(_) | Value::Object(_) => unreachable!("collections are written as blocks"),
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        _ => false,
    }
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (i, (k, v)) in map.iter().enumerate() {
        // The first key of a map that is a list item shares the line of its `- `.
        if !(i == 0 && out.ends_with("- ")) {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&key(k));
        out.push(':');
        write_value(out, v, indent);
    }
}

/// Writes what follows `key:`.
fn write_value(out: &mut String, v: &Value, indent: usize) {
    if !is_block(v) {
        out.push(' ');
        out.push_str(&scalar(v));
        out.push('\n');
        return;
    }
    out.push('\n');
    match v {
        Value::Object(m) => write_map(out, m, indent + 2),
        Value::Array(items) => {
            for item in items {
                out.push_str(&" ".repeat(indent + 2));
                out.push_str("- ");
                match item {
                    Value::Object(m) if !m.is_empty() => write_map(out, m, indent + 4),
                    Value::Array(a) if !a.is_empty() => {
                        unreachable!("phib writes no nested lists")
                    }
                    other => {
                        out.push_str(&scalar(other));
                        out.push('\n');
                    }
                }
            }
        }
        _ => unreachable!(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn golden_and_reads_back() {
        let v = json!({
            "apiVersion": "v1",
            "metadata": {"name": "on", "labels": {"app.kubernetes.io/managed-by": "phib"}, "annotations": {}},
            "spec": {
                "list": [{"a": "1h", "b": {"c": true}}, {"d": 2}],
                "words": ["x", "y\"z"],
                "none": null,
                "empty": []
            }
        });
        let text = document(&v);
        assert_eq!(
            text,
            "apiVersion: \"v1\"\nmetadata:\n  name: \"on\"\n  labels:\n    \"app.kubernetes.io/managed-by\": \"phib\"\n  annotations: {}\nspec:\n  list:\n    - a: \"1h\"\n      b:\n        c: true\n    - d: 2\n  words:\n    - \"x\"\n    - \"y\\\"z\"\n  none: null\n  empty: []\n"
        );
        let back: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn documents_are_separated() {
        let text = documents(&[json!({"a": "b"}), json!({"c": "d"})]);
        assert_eq!(text, "a: \"b\"\n---\nc: \"d\"\n");
    }
}
