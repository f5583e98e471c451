//! The layers of `src/`, and the test that holds them: every module's paths into the
//! crate (`crate::...`, `super::...` that leaves its own unit, `phib::...` in the binary)
//! may only name a unit of its own layer or of a layer below, and the units do not import
//! each other in a cycle. Comments, string literals and `#[cfg(test)]` items are not
//! imports and are skipped; a unit test may reach up to check a round trip.
//!
//! `docs/architecture.md` draws the same layers and says where each concern lives.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first, one line each: its name and the units (module paths under
/// `crate::`, longest match wins) that belong to it. `""` is the crate root (`lib.rs`,
/// which only declares modules and re-exports the error type).
#[rustfmt::skip]
const LAYERS: &[(&str, &[&str])] = &[
    ("apart", &["compact"]),
    ("ground", &["", "error", "secret", "term", "interrupt", "cleanup", "names", "out", "files", "runner"]),
    ("registry", &["registry"]),
    ("configuration", &["settings", "chart", "block"]),
    ("values", &["values", "pushsecret", "rotate"]),
    ("operations", &["flow", "pushsecret::deliver", "verify", "helm", "doctor"]),
    ("wizard", &["wizard"]),
    ("command line", &["cli", "commands", "main"]),
];

/// Units that must not import anything of phib at all, whatever their layer.
const STANDALONE: &[&str] = &["compact"];

/// Units whose submodules do not call each other: each command is wired on its own, and
/// what two commands share lives in a layer below (or in the unit's `mod.rs`).
const SIBLINGS_APART: &[&str] = &["commands"];

#[test]
fn commands_do_not_call_each_other() {
    let graph = Graph::read(&crate::util::root().join("src"));
    let mut problems = Vec::new();
    for (module, target, file, path) in &graph.inner {
        for unit in SIBLINGS_APART {
            let child = |m: &str| {
                m.strip_prefix(&format!("{unit}::"))
                    .map(|r| r.split("::").next().unwrap_or(r).to_string())
            };
            if let (Some(a), Some(b)) = (child(module), child(target)) {
                if a != b {
                    problems.push(format!("{file}: `{path}` ({module} calls {target})"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "siblings that call each other:\n{}",
        problems.join("\n")
    );
}

#[test]
fn modules_import_only_from_their_own_layer_or_below() {
    let graph = Graph::read(&crate::util::root().join("src"));
    let mut problems = Vec::new();
    for edge in &graph.edges {
        let from = layer_of(&edge.from_unit);
        let to = layer_of(&edge.to_unit);
        if from < LAYERS.len() && to < LAYERS.len() && to > from {
            problems.push(format!(
                "{}: `{}`: `{}` (layer {}) imports `{}` (layer {})",
                edge.file,
                edge.path,
                shown(&edge.from_unit),
                LAYERS[from].0,
                shown(&edge.to_unit),
                LAYERS[to].0
            ));
        }
        if STANDALONE.contains(&edge.from_unit.as_str()) && edge.to_unit != edge.from_unit {
            problems.push(format!(
                "{}: `{}` makes `{}` depend on `{}`; it stands apart",
                edge.file, edge.path, edge.from_unit, edge.to_unit
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "imports that go up a layer:\n{}",
        problems.join("\n")
    );
}

#[test]
fn units_import_each_other_without_a_cycle() {
    let graph = Graph::read(&crate::util::root().join("src"));
    let cycles = graph.cycles();
    assert!(
        cycles.is_empty(),
        "import cycles between units:\n{}",
        cycles
            .iter()
            .map(|c| format!("units that import each other: {}", c.join(", ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every file is in a layer, so a new module cannot slip past the rule.
#[test]
fn every_module_has_a_layer() {
    let graph = Graph::read(&crate::util::root().join("src"));
    assert!(graph.modules.len() > 20, "{:?}", graph.modules);
    for (layer, units) in LAYERS {
        for unit in *units {
            assert!(
                graph.modules.contains(*unit),
                "`{unit}` of layer {layer} is no module: remove it from `LAYERS`"
            );
        }
    }
    for module in &graph.modules {
        assert!(
            LAYERS
                .iter()
                .any(|(_, units)| units.iter().any(|u| in_unit(module, u))),
            "`{module}` is in no layer: add it to `LAYERS`"
        );
    }
}

/// `docs/architecture.md` names every file of `src/`, so that "where is …?" is answered
/// there for every file, and a new file is placed on the map.
#[test]
fn every_file_of_src_is_on_the_architecture_page() {
    let page = std::fs::read_to_string(crate::util::root().join("docs/architecture.md")).unwrap();
    let src = crate::util::root().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let missing: Vec<String> = files
        .iter()
        .map(|f| format!("src/{}", f.strip_prefix(&src).unwrap().display()))
        .filter(|f| !page.contains(f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "files of src/ the architecture page does not name:\n{}",
        missing.join("\n")
    );
}

/// The most lines of code a file of `src/` holds (its lines without its `#[cfg(test)]`
/// items; a test-only module does not count), and the most lines a function spans.
const MAX_FILE_LINES: usize = 500;
const MAX_FUNCTION_LINES: usize = 100;

/// A file stays readable in one sitting and a function on one screen or two: past these
/// sizes a file holds more than one concern, and a function more than one step.
#[test]
fn no_file_over_500_lines_of_code_and_no_function_over_100() {
    let files = code_files();
    assert!(files.len() > 40, "{}", files.len());
    let mut problems = Vec::new();
    for (file, code) in &files {
        let lines = code.lines().count();
        if lines > MAX_FILE_LINES {
            problems.push(format!(
                "{file}: {lines} lines of code (at most {MAX_FILE_LINES}): split it along its concerns"
            ));
        }
        for (name, line, len) in functions(code) {
            if len > MAX_FUNCTION_LINES {
                problems.push(format!(
                    "{file}:{line}: fn {name} spans {len} lines (at most {MAX_FUNCTION_LINES}): split it into its steps"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "files or functions too long:\n{}",
        problems.join("\n")
    );
}

/// The size reader counts code lines without tests, and spans functions by their braces,
/// not by braces in strings or comments.
#[test]
fn the_size_reader_counts_code_and_spans_functions() {
    let text = "fn a() {\n    let s = \"}\n}\";\n    // }\n}\n\nfn b<T>(x: fn(u8) -> T) -> T where T: Copy {\n    x(1)\n}\ntrait C { fn d(&self); }\n#[cfg(test)]\nmod tests {\n    fn e() {}\n}\n";
    let code = code_of(text);
    assert_eq!(code.lines().count(), 11, "{code}");
    assert_eq!(
        functions(&code),
        [("a".to_string(), 1, 5), ("b".to_string(), 7, 3),]
    );
}

/// The functions with a body in `code` (as [`code_of`] leaves it): name, first line
/// (from 1) and the lines from `fn` to its closing brace.
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let b = code.as_bytes();
    let line_at = |at: usize| code[..at].matches('\n').count() + 1;
    let mut out = Vec::new();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while let Some(at) = code[i..].find("fn ") {
        let start = i + at;
        i = start + 3;
        if start > 0 && word(b[start - 1]) {
            continue;
        }
        let name: String = code[i..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        // The body: the first `{` outside the parameters, unless a `;` ends a declaration.
        let mut j = i;
        let mut parens = 0;
        while j < b.len() {
            match b[j] {
                b'(' => parens += 1,
                b')' => parens -= 1,
                b';' | b'{' if parens == 0 => break,
                _ => {}
            }
            j += 1;
        }
        if j >= b.len() || b[j] == b';' {
            continue;
        }
        let mut depth = 0;
        let mut k = j;
        while k < b.len() {
            match b[k] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            k += 1;
        }
        let first = line_at(start);
        out.push((name, first, line_at(k.min(b.len())) - first + 1));
    }
    out
}

/// The parser finds grouped, nested and relative imports, and skips what is not code.
#[test]
fn the_import_reader_sees_through_groups_and_skips_comments_and_tests() {
    let text = r##"
        use crate::{a::b, c::{d, e::f}};
        use super::g;
        // use crate::comment;
        /* use crate::block /* nested */ */
        let s = "crate::string"; let r = r#"crate::raw"#; let c = '"';
        fn x<'a>() { crate::h::i(); }
        #[cfg(test)]
        mod tests { use crate::tested; }
        #[cfg(test)]
        fn only_in_tests() { crate::j(); }
    "##;
    let (paths, test_mods) = imports(text);
    let got: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        got,
        [
            "crate::a::b",
            "crate::c::d",
            "crate::c::e::f",
            "super::g",
            "crate::h::i"
        ]
    );
    assert!(test_mods.is_empty());
    let (_, test_mods) = imports("#[cfg(test)]\nmod tests;\n");
    assert_eq!(test_mods, ["tests"]);
}

/// A unit as messages name it.
fn shown(unit: &str) -> &str {
    if unit.is_empty() {
        "the crate root"
    } else {
        unit
    }
}

fn in_unit(module: &str, unit: &str) -> bool {
    module == unit || (!unit.is_empty() && module.starts_with(&format!("{unit}::")))
}

/// The unit a module belongs to: the longest unit of [`LAYERS`] it is in.
fn unit_of(module: &str) -> String {
    LAYERS
        .iter()
        .flat_map(|(_, units)| units.iter())
        .filter(|u| in_unit(module, u))
        .max_by_key(|u| u.len())
        .map(|u| u.to_string())
        .unwrap_or_else(|| module.to_string())
}

fn layer_of(unit: &str) -> usize {
    LAYERS
        .iter()
        .position(|(_, units)| units.contains(&unit))
        .unwrap_or(usize::MAX)
}

#[derive(Debug)]
struct Edge {
    file: String,
    path: String,
    from_unit: String,
    to_unit: String,
}

struct Graph {
    modules: BTreeSet<String>,
    edges: Vec<Edge>,
    /// Imports inside one unit: (module, imported module, file, path).
    inner: Vec<(String, String, String, String)>,
}

impl Graph {
    fn read(src: &Path) -> Graph {
        let mut files = Vec::new();
        walk(src, &mut files);
        let mut sources: BTreeMap<String, (String, String)> = BTreeMap::new();
        for file in &files {
            let rel = file
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let module = module_of(&rel);
            let text = std::fs::read_to_string(file).unwrap();
            sources.insert(module, (rel, text));
        }
        // Modules declared `#[cfg(test)] mod NAME;` are test code as a whole.
        let mut test_only = BTreeSet::new();
        for (module, (_, text)) in &sources {
            for name in imports(text).1 {
                test_only.insert(join(module, &name));
            }
        }
        let modules: BTreeSet<String> = sources
            .keys()
            .filter(|m| !test_only.iter().any(|t| in_unit(m, t)))
            .cloned()
            .collect();
        let mut edges = Vec::new();
        let mut inner = Vec::new();
        for module in &modules {
            let (rel, text) = &sources[module];
            let from_unit = unit_of(module);
            for path in imports(text).0 {
                let Some(target) = resolve(module, rel, &path, &modules) else {
                    continue;
                };
                let to_unit = unit_of(&target);
                if to_unit != from_unit {
                    edges.push(Edge {
                        file: format!("src/{rel}"),
                        path: path.join("::"),
                        from_unit: from_unit.clone(),
                        to_unit,
                    });
                } else {
                    inner.push((
                        module.clone(),
                        target,
                        format!("src/{rel}"),
                        path.join("::"),
                    ));
                }
            }
        }
        Graph {
            modules,
            edges,
            inner,
        }
    }

    /// The strongly connected components of more than one unit.
    fn cycles(&self) -> Vec<Vec<String>> {
        let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for e in &self.edges {
            next.entry(&e.from_unit).or_default().insert(&e.to_unit);
        }
        let nodes: BTreeSet<&str> = next
            .iter()
            .flat_map(|(k, v)| std::iter::once(*k).chain(v.iter().copied()))
            .collect();
        let reach = |from: &str| {
            let mut seen = BTreeSet::new();
            let mut todo = vec![from];
            while let Some(n) = todo.pop() {
                for m in next.get(n).into_iter().flatten() {
                    if seen.insert(*m) {
                        todo.push(m);
                    }
                }
            }
            seen
        };
        let reachable: BTreeMap<&str, BTreeSet<&str>> =
            nodes.iter().map(|n| (*n, reach(n))).collect();
        let mut done = BTreeSet::new();
        let mut out = Vec::new();
        for n in &nodes {
            if done.contains(*n) {
                continue;
            }
            let scc: Vec<String> = nodes
                .iter()
                .filter(|m| reachable[n].contains(*m) && reachable[*m].contains(n))
                .map(|m| m.to_string())
                .collect();
            for m in &scc {
                done.insert(m.clone());
            }
            if scc.len() > 1 {
                out.push(scc);
            }
        }
        out.retain(|c| !c.is_empty());
        out
    }
}

/// Every module of `src/` that is not test code: its file (`src/…`) and its code with
/// comments, string literals and `#[cfg(test)]` items blanked out.
pub(crate) fn code_files() -> Vec<(String, String)> {
    let src = crate::util::root().join("src");
    let graph = Graph::read(&src);
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let rel = file
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            graph.modules.contains(&module_of(&rel)).then(|| {
                let text = std::fs::read_to_string(&file).unwrap();
                (format!("src/{rel}"), code_of(&text))
            })
        })
        .collect()
}

/// `text`'s code: comments, string literals and `#[cfg(test)]` items blanked out.
pub(crate) fn code_of(text: &str) -> String {
    skip_test_items(&strip(text)).0
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `registry/ecr.rs` is `registry::ecr`, `values/mod.rs` is `values`, `lib.rs` is the
/// root `""`, `main.rs` (the binary) is `main`.
fn module_of(rel: &str) -> String {
    let rel = rel.trim_end_matches(".rs");
    match rel {
        "lib" => String::new(),
        other => other.trim_end_matches("/mod").replace('/', "::"),
    }
}

fn join(module: &str, name: &str) -> String {
    if module.is_empty() {
        name.to_string()
    } else {
        format!("{module}::{name}")
    }
}

/// The module a path names: the longest known module it starts with. `super::` is taken
/// from the importing module (from a `mod.rs`, `super` is the directory's parent).
fn resolve(module: &str, rel: &str, path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    let mut base: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_string).collect()
    };
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") | Some("phib") => {
            base.clear();
            rest = &path[1..];
        }
        Some("super") => {
            let _ = rel;
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    let mut full = base;
    full.extend(rest.iter().cloned());
    (0..=full.len())
        .rev()
        .map(|n| full[..n].join("::"))
        .find(|m| modules.contains(m))
}

/// The paths into the crate that `text` uses (each group expanded), and the names of
/// the modules it declares as `#[cfg(test)] mod NAME;`.
fn imports(text: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let code = strip(text);
    let code = skip_test_items(&code);
    let mut test_mods = Vec::new();
    for name in code.1 {
        test_mods.push(name);
    }
    let b = code.0.as_bytes();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let ident_before =
            i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b':');
        let rest = &code.0[i..];
        let root = ["crate::", "super::", "phib::"]
            .into_iter()
            .find(|r| rest.starts_with(r));
        match root {
            Some(r) if !ident_before => {
                let start = vec![r.trim_end_matches("::").to_string()];
                i = parse_tree(b, i + r.len(), start, &mut paths);
            }
            _ => i += 1,
        }
    }
    (paths, test_mods)
}

/// Reads `a::b::{c, d::e}` from `i` on, appending every full path to `out` with the
/// segments in `prefix` first. Returns where it stopped.
fn parse_tree(
    b: &[u8],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'{' {
            i += 1;
            loop {
                while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    return i + 1;
                }
                i = parse_tree(b, i, prefix.clone(), out);
            }
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'*') {
            i += 1;
        }
        let segment = String::from_utf8_lossy(&b[start..i]).to_string();
        if segment == "self" {
            // `a::{self, b}`: the module `a` itself.
        } else if !segment.is_empty() {
            prefix.push(segment);
        }
        if b[i..].starts_with(b"::") {
            i += 2;
            continue;
        }
        out.push(prefix);
        return i;
    }
}

/// `text` with comments, string and character literals blanked out. The line breaks
/// inside them are kept, so that a line of the result is that line of `text`.
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    // The line breaks of `b[from..to]`, kept in `out`.
    let breaks = |out: &mut Vec<u8>, from: usize, to: usize| {
        let n = b[from..to.min(b.len())]
            .iter()
            .filter(|c| **c == b'\n')
            .count();
        out.extend(std::iter::repeat_n(b'\n', n));
    };
    while i < b.len() {
        let ident_before = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let from = i;
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            breaks(&mut out, from, i);
        } else if !ident_before
            && (b[i] == b'r' || b[i..].starts_with(b"br"))
            && raw_start(&b[i..]).is_some()
        {
            let (skip, hashes) = raw_start(&b[i..]).unwrap();
            i += skip;
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.extend_from_slice(b"\"\"");
            breaks(&mut out, from, i);
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.extend_from_slice(b"\"\"");
            breaks(&mut out, from, i);
        } else if b[i] == b'\'' {
            // A character literal, or a lifetime.
            if b.get(i + 1) == Some(&b'\\') {
                i += 2;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            } else if let Some(len) = text[i + 1..].chars().next().map(char::len_utf8) {
                if b.get(i + 1 + len) == Some(&b'\'') {
                    i += len + 2;
                } else {
                    out.push(b'\'');
                    i += 1;
                }
            } else {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).to_string()
}

/// How many bytes open a raw string (`r#"`, `br"`...), and its number of `#`.
fn raw_start(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = if b.starts_with(b"br") { 2 } else { 1 };
    let mut hashes = 0;
    while b.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    (b.get(i) == Some(&b'"')).then_some((i + 1, hashes))
}

/// `code` without the items under `#[cfg(test)]`, and the names of the test modules
/// declared in other files.
fn skip_test_items(code: &str) -> (String, Vec<String>) {
    let b = code.as_bytes();
    let mut out = String::new();
    let mut names = Vec::new();
    let mut i = 0;
    const MARK: &str = "#[cfg(test)]";
    while let Some(at) = code[i..].find(MARK) {
        out.push_str(&code[i..i + at]);
        let mut j = i + at + MARK.len();
        // Further attributes of the same item.
        loop {
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if b[j..].starts_with(b"#[") {
                let mut depth = 0;
                while j < b.len() {
                    match b[j] {
                        b'[' => depth += 1,
                        b']' => {
                            depth -= 1;
                            if depth == 0 {
                                j += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            } else {
                break;
            }
        }
        let item_start = j;
        while j < b.len() && b[j] != b';' && b[j] != b'{' {
            j += 1;
        }
        if j < b.len() && b[j] == b';' {
            let words: Vec<&str> = code[item_start..j].split_whitespace().collect();
            if let Some(pos) = words.iter().position(|w| *w == "mod") {
                if let Some(name) = words.get(pos + 1) {
                    names.push(name.to_string());
                }
            }
            j += 1;
        } else {
            let mut depth = 0;
            while j < b.len() {
                match b[j] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            j += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        i = j;
    }
    out.push_str(&code[i..]);
    (out, names)
}
