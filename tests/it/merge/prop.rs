//! Property test: over generated values documents (nested mappings, sequences, scalars
//! of every style, comments, with or without a `customImage` block) and generated
//! blocks, the merge never changes another top-level key or any byte outside the block,
//! keeps the block's unmanaged keys, sets exactly the rendered managed keys, and is
//! idempotent.

use phib::values::merge::merge;
use phib::values::model::MANAGED_KEYS;
use proptest::prelude::*;
use serde_yaml::Value;

/// A generated YAML node, rendered below a key.
#[derive(Debug, Clone)]
enum Node {
    /// A one-line scalar, already written in its style (may be empty: null).
    Scalar(String),
    /// A literal block scalar's lines.
    Literal(Vec<String>),
    /// A plain scalar over several lines.
    PlainLines(Vec<String>),
    /// A double-quoted scalar over several lines.
    QuotedLines(Vec<String>),
    Map(Vec<(String, Node, Option<String>)>),
    Seq(Vec<String>),
    /// A comment line among a mapping's keys (the key is ignored).
    Comment(String),
}

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,6}"
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9 ./-]{0,10}[a-z0-9]".prop_map(|s| s),
        "[a-z0-9 #:,{}\\[\\]]{0,12}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        "[a-z0-9 #:'\\\\]{0,12}"
            .prop_map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))),
        any::<u16>().prop_map(|n| n.to_string()),
        Just("true".to_string()),
        Just("~".to_string()),
        Just(String::new()),
        Just("{}".to_string()),
        Just("[a, 'b, c']".to_string()),
    ]
}

fn comment() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[a-z :#'\"]{0,10}".prop_map(|s| format!("# {s}")))
}

fn literal_lines() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(
        prop_oneof![
            Just("print('x')".to_string()),
            Just("# not a comment".to_string()),
            Just("customImage: inside a string".to_string()),
            Just("  deeper: 1".to_string()),
            Just(String::new()),
            "[a-z]{1,8}".prop_map(|s| s),
        ],
        0..4,
    )
    .prop_map(|mut v| {
        v.insert(0, "first".into());
        v.push("last".into());
        v
    })
}

fn multi_line_scalar() -> impl Strategy<Value = Node> {
    prop_oneof![
        literal_lines().prop_map(Node::Literal),
        proptest::collection::vec("[a-z][a-z0-9]{0,6}", 2..4).prop_map(Node::PlainLines),
        proptest::collection::vec("[a-z0-9 #:]{0,6}", 2..4).prop_map(Node::QuotedLines),
    ]
}

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        4 => scalar().prop_map(Node::Scalar),
        1 => multi_line_scalar(),
        1 => proptest::collection::vec(scalar().prop_filter("item", |s| !s.is_empty()), 1..3)
            .prop_map(Node::Seq),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(3, 24, 5, |inner| {
        proptest::collection::vec(
            prop_oneof![
                5 => (prop_oneof![3 => word(), 1 => Just("customImage".to_string())], inner, comment()),
                1 => (Just(String::new()), "[a-z :]{0,10}".prop_map(Node::Comment), Just(None)),
            ],
            1..5,
        )
        .prop_map(|entries| Node::Map(unique(entries)))
    })
}

/// Makes keys unique (duplicate keys are invalid YAML) by numbering them.
fn unique(entries: Vec<(String, Node, Option<String>)>) -> Vec<(String, Node, Option<String>)> {
    entries
        .into_iter()
        .enumerate()
        .map(|(i, (k, n, c))| match n {
            Node::Comment(_) => (k, n, c),
            _ if k == "customImage" && i == 0 => (k, n, c),
            _ => (format!("{k}{i}"), n, c),
        })
        .collect()
}

fn render(
    out: &mut String,
    indent: usize,
    step: usize,
    key: &str,
    node: &Node,
    comment: &Option<String>,
) {
    let pad = " ".repeat(indent);
    let c = comment
        .as_ref()
        .map(|c| format!("  {c}"))
        .unwrap_or_default();
    let inner = " ".repeat(indent + step);
    match node {
        Node::Comment(text) => out.push_str(&format!("{pad}#{text}\n")),
        Node::Scalar(s) if s.is_empty() => out.push_str(&format!("{pad}{key}:{c}\n")),
        Node::Scalar(s) => out.push_str(&format!("{pad}{key}: {s}{c}\n")),
        Node::Literal(lines) => {
            out.push_str(&format!("{pad}{key}: |{c}\n"));
            for l in lines {
                if l.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str(&format!("{inner}{l}\n"));
                }
            }
        }
        Node::PlainLines(lines) => {
            out.push_str(&format!("{pad}{key}: {}\n", lines[0]));
            for l in &lines[1..] {
                out.push_str(&format!("{inner}{l}\n"));
            }
        }
        Node::QuotedLines(lines) => {
            let last = lines.len() - 1;
            for (i, l) in lines.iter().enumerate() {
                let head = if i == 0 {
                    format!("{pad}{key}: \"")
                } else {
                    inner.clone()
                };
                let tail = if i == last {
                    format!("\"{c}")
                } else {
                    String::new()
                };
                out.push_str(&format!("{head}{l}{tail}\n"));
            }
        }
        Node::Map(entries) => {
            out.push_str(&format!("{pad}{key}:{c}\n"));
            if entries
                .iter()
                .all(|(_, n, _)| matches!(n, Node::Comment(_)))
            {
                out.push_str(&format!("{inner}k: v\n"));
            }
            for (k, n, c) in entries {
                render(out, indent + step, step, k, n, c);
            }
        }
        Node::Seq(items) => {
            out.push_str(&format!("{pad}{key}:{c}\n"));
            for item in items {
                out.push_str(&format!("{inner}- {item}\n"));
            }
        }
    }
}

/// A managed key's value as the template writes it.
fn block_value(key: &str) -> BoxedStrategy<String> {
    if key == "enabled" || key == "insecureSkipVerify" {
        any::<bool>().prop_map(|b| b.to_string()).boxed()
    } else {
        "[a-z0-9./:$+-]{1,16}"
            .prop_map(|s| format!("\"{s}\""))
            .boxed()
    }
}

fn block() -> impl Strategy<Value = String> {
    let keys: Vec<BoxedStrategy<Option<(String, String)>>> = MANAGED_KEYS
        .iter()
        .map(|k| {
            let k = k.to_string();
            proptest::option::of(block_value(&k).prop_map(move |v| (k.clone(), v))).boxed()
        })
        .collect();
    keys.prop_map(|kv| {
        let mut b = String::from("customImage:\n");
        for (k, v) in kv.into_iter().flatten() {
            b.push_str(&format!("  {k}: {v}\n"));
        }
        b
    })
}

/// The old `customImage` block: managed keys in any style and order, unmanaged keys.
fn old_block() -> impl Strategy<Value = Option<(Node, usize)>> {
    let managed = proptest::sample::subsequence(MANAGED_KEYS.to_vec(), 0..=MANAGED_KEYS.len())
        .prop_shuffle()
        .prop_flat_map(|keys| {
            let n = keys.len();
            (
                Just(keys),
                proptest::collection::vec(
                    prop_oneof![3 => scalar().prop_map(Node::Scalar), 1 => multi_line_scalar()],
                    n,
                ),
                proptest::collection::vec(comment(), n),
            )
        });
    let unmanaged = proptest::collection::vec(
        (
            prop_oneof![Just("buildJob".to_string()), word()],
            node(),
            comment(),
        ),
        0..3,
    );
    proptest::option::of(
        (
            managed,
            unmanaged,
            any::<prop::sample::Index>(),
            prop_oneof![Just(2usize), Just(4)],
            any::<bool>(),
        )
            .prop_map(
                |((keys, values, comments), unmanaged, at, step, with_note)| {
                    let mut entries: Vec<(String, Node, Option<String>)> = keys
                        .into_iter()
                        .zip(values)
                        .zip(comments)
                        .map(|((k, v), c)| (k.to_string(), v, c))
                        .collect();
                    let unmanaged = unmanaged.into_iter().enumerate().map(|(i, (k, n, c))| {
                        let k = if i == 0 && k == "buildJob" {
                            k
                        } else {
                            format!("{k}X{i}")
                        };
                        (k, n, c)
                    });
                    let pos = at.index(entries.len() + 1);
                    for (j, e) in unmanaged.enumerate() {
                        entries.insert((pos + j).min(entries.len()), e);
                    }
                    if with_note {
                        entries.insert(0, (String::new(), Node::Comment(" note".into()), None));
                    }
                    (Node::Map(entries), step)
                },
            ),
    )
}

fn document() -> impl Strategy<Value = (String, String, String, bool)> {
    let top = proptest::collection::vec(
        prop_oneof![
            5 => (word(), node(), comment()),
            1 => (Just(String::new()), "[a-z :]{0,10}".prop_map(Node::Comment), Just(None)),
            1 => (Just(String::new()), Just(Node::Comment("customImage:".into())), Just(None)),
        ],
        0..6,
    );
    (
        top,
        old_block(),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(top, block, at, final_newline)| {
            let entries = unique(
                top.into_iter()
                    .map(|(k, n, c)| (format!("t{k}"), n, c))
                    .collect(),
            );
            let split = at.index(entries.len() + 1);
            let (mut before, mut after) = (String::new(), String::new());
            for (i, (k, n, c)) in entries.iter().enumerate() {
                render(
                    if i < split { &mut before } else { &mut after },
                    0,
                    2,
                    k,
                    n,
                    c,
                );
            }
            let has_block = block.is_some();
            let mut middle = String::new();
            if let Some((node, step)) = block {
                match &node {
                    Node::Map(e) if e.iter().all(|(_, n, _)| matches!(n, Node::Comment(_))) => {
                        middle.push_str("customImage:\n");
                        for (k, n, c) in e {
                            render(&mut middle, step, step, k, n, c);
                        }
                    }
                    _ => render(&mut middle, 0, step, "customImage", &node, &None),
                }
            }
            if !final_newline && !has_block && after.ends_with('\n') {
                after.pop();
            }
            (before, middle, after, has_block)
        })
}

fn top_level_without_block(text: &str) -> serde_yaml::Mapping {
    let mut m = match serde_yaml::from_str::<Value>(text).unwrap() {
        Value::Mapping(m) => m,
        Value::Null => Default::default(),
        other => panic!("not a mapping: {other:?}"),
    };
    m.remove("customImage");
    m
}

fn block_map(text: &str) -> serde_yaml::Mapping {
    let doc: Value = serde_yaml::from_str(text).unwrap();
    doc.get("customImage")
        .and_then(|v| v.as_mapping())
        .cloned()
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn merge_changes_only_managed_keys_and_is_idempotent(
        (before, middle, after, has_block) in document(),
        block in block(),
    ) {
        let old = format!("{before}{middle}{after}");
        serde_yaml::from_str::<Value>(&old).map_err(|e| TestCaseError::fail(format!("generator made bad YAML: {e}\n{old}")))?;
        let adds_newline = !old.is_empty() && !old.ends_with('\n');
        if adds_newline && serde_yaml::from_str::<Value>(&format!("{old}\n")).ok() != serde_yaml::from_str::<Value>(&old).ok() {
            // The file ends inside a multi-line value: appending would change it.
            let err = merge(&old, &block).err().map(|e| e.exit_code());
            prop_assert_eq!(err, Some(2));
            return Ok(());
        }
        let new = merge(&old, &block).map_err(|e| TestCaseError::fail(format!("{}\n{old}", e.message)))?;

        // Other top-level keys: same values.
        prop_assert_eq!(top_level_without_block(&old), top_level_without_block(&new));
        // The exact text outside the block.
        if has_block {
            prop_assert!(new.starts_with(&before), "prefix changed:\n{}\n---\n{}", old, new);
            prop_assert!(new.ends_with(&after), "suffix changed:\n{}\n---\n{}", old, new);
        } else {
            let sep = if old.is_empty() || old.ends_with('\n') { "" } else { "\n" };
            prop_assert_eq!(&new, &format!("{old}{sep}{block}"));
        }
        // Unmanaged keys kept, managed keys exactly the block's.
        let (old_ci, new_ci, want) = (block_map(&old), block_map(&new), block_map(&block));
        let managed = |k: &Value| k.as_str().is_some_and(|k| MANAGED_KEYS.contains(&k));
        let unmanaged = |m: &serde_yaml::Mapping| -> Vec<(Value, Value)> {
            m.iter().filter(|(k, _)| !managed(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        prop_assert_eq!(unmanaged(&old_ci), unmanaged(&new_ci));
        for k in MANAGED_KEYS {
            prop_assert_eq!(new_ci.get(k), want.get(k), "{}", k);
        }
        // Idempotent.
        let again = merge(&new, &block).map_err(|e| TestCaseError::fail(e.message))?;
        prop_assert_eq!(again, new);
    }
}

/// Text that is often not YAML at all, from the characters that matter to YAML.
fn yamlish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("customImage:".to_string()),
            Just("registryPassword:".to_string()),
            Just("buildJob:".to_string()),
            Just("\n".to_string()),
            Just("\n  ".to_string()),
            Just("\n    ".to_string()),
            Just("- ".to_string()),
            Just("\r\n".to_string()),
            Just("\n---\n".to_string()),
            Just("\n...\n".to_string()),
            Just("<<: ".to_string()),
            Just("\n  pushRepo: x".to_string()),
            Just("\n    registryEndpoint: 'y'".to_string()),
            Just("\u{feff}".to_string()),
            "[a-z:#'\"{}\\[\\]|>&*!%., \t\r-]{1,4}".prop_map(|s| s),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn merge_never_panics_never_trips_the_guard_and_is_stable(text in yamlish(), block in block()) {
        let merged = merge(&text, &block);
        if let Err(e) = &merged {
            // Refused as bad input, never caught by the guard as a wrong edit.
            prop_assert_eq!(e.exit_code(), 2, "{}\n{:?}", e.message, text);
        }
        if let Ok(new) = merged {
            let again = merge(&new, &block).map_err(|e| TestCaseError::fail(format!("{}\n{new:?}", e.message)))?;
            prop_assert_eq!(again, new);
        }
    }
}
