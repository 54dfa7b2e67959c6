//! The house rules of `src/`, checked on the source text so that a change
//! that breaks one fails here rather than in a later review: only the store
//! sees tables (their entities or SQL naming them), no file grows past 400
//! lines, the top-level modules import each other without a cycle, stored
//! status and kind names are written out only in `domain/` and `store/`, and
//! every GraphQL object type resolves its fields in order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file below `src/`, as (path relative to `src/`, text).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    walk(&src, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The lines of `text` that are code: comments (and doc comments) left out.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
}

/// The shipped code lines (before a file's test module) outside the folders
/// `allowed` for which `breaks` holds, as `src/file:line: code`.
fn lines_outside(
    files: &[(String, String)],
    allowed: &[&str],
    breaks: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, text) in files {
        if allowed.iter().any(|a| rel.starts_with(a)) {
            continue;
        }
        for (n, line) in shipped_code(text) {
            if breaks(line) {
                out.push(format!("src/{rel}:{n}: {}", line.trim()));
            }
        }
    }
    out
}

/// The code lines of `text` before its test module, if it has one.
fn shipped_code(text: &str) -> impl Iterator<Item = (usize, &str)> {
    code_lines(text).take_while(|(_, l)| l.trim() != "#[cfg(test)]")
}

/// The top-level module a file of `src/` belongs to (`graphql/types/x.rs`:
/// `graphql`; `db.rs`: `db`).
fn top_module(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The crate's top-level modules `line` names through `crate::`, including
/// those of a grouped `use crate::{a, b::c}`.
fn crate_paths(line: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for item in inner.split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                if modules.contains(name) {
                    out.insert(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&name) {
                out.insert(name);
            }
        }
    }
    out
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, path) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut done, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

/// The import graph of the top-level modules of `files`.
fn module_graph(files: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(rel, _)| top_module(rel).to_string())
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in files {
        let from = top_module(rel);
        for (_, line) in code_lines(text) {
            for to in crate_paths(line, &modules) {
                if to != from {
                    graph.entry(from.to_string()).or_default().insert(to);
                }
            }
        }
    }
    graph
}

#[test]
fn only_the_store_imports_entities() {
    let outside = lines_outside(&sources(), &["store/"], |line| {
        let l = line.trim_start();
        l.starts_with("use entity") || (l.contains("entity::") && !l.contains("_entity::"))
    });
    assert!(
        outside.is_empty(),
        "tables are the store's; these read them elsewhere:\n{}",
        outside.join("\n")
    );
}

/// The tables, by their entities' file names.
fn tables() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("entity/src");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            name.strip_suffix(".rs").map(str::to_string)
        })
        .filter(|n| n != "lib")
        .collect();
    out.sort();
    out
}

/// Whether `line` names `table` after an SQL keyword that reads or writes it.
fn names_table(line: &str, table: &str) -> bool {
    ["FROM ", "INTO ", "UPDATE ", "JOIN ", "DELETE FROM "]
        .iter()
        .any(|kw| {
            line.match_indices(&format!("{kw}{table}")).any(|(at, m)| {
                let next = line[at + m.len()..].chars().next();
                !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
}

#[test]
fn only_the_store_writes_sql_on_tables() {
    let tables = tables();
    assert!(tables.contains(&"invoice_sale".to_string()), "{tables:?}");
    assert!(names_table("SELECT 1 FROM invoice WHERE", "invoice"));
    assert!(!names_table("SELECT 1 FROM invoice_sale", "invoice"));
    let outside = lines_outside(&sources(), &["store/"], |line| {
        tables.iter().any(|t| names_table(line, t))
    });
    assert!(
        outside.is_empty(),
        "tables are the store's; this SQL names them elsewhere:\n{}",
        outside.join("\n")
    );
}

#[test]
fn no_source_file_is_over_400_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > 400)
        .map(|(rel, text)| format!("src/{rel}: {} lines", text.lines().count()))
        .collect();
    assert!(
        long.is_empty(),
        "split these by use case:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let graph = module_graph(&sources());
    // The layers README's design notes name, in the direction they import.
    for (from, to) in [
        ("store", "domain"),
        ("services", "store"),
        ("graphql", "services"),
        ("http", "graphql"),
    ] {
        assert!(
            graph.get(from).is_some_and(|t| t.contains(to)),
            "{from} should import {to}: the graph is not what the check reads"
        );
    }
    assert_eq!(find_cycle(&graph), None, "the import graph: {graph:#?}");
}

#[test]
fn the_cycle_check_finds_a_cycle_and_reads_grouped_imports() {
    let files = vec![
        ("a.rs".to_string(), "use crate::{b::X, c};\n".to_string()),
        (
            "b/mod.rs".to_string(),
            "fn f() { crate::c::g() }\n".to_string(),
        ),
        (
            "c.rs".to_string(),
            "// crate::a in a comment is no import\nuse crate::b;\n".to_string(),
        ),
    ];
    let graph = module_graph(&files);
    assert_eq!(graph["a"], BTreeSet::from(["b".into(), "c".into()]));
    assert_eq!(find_cycle(&graph).map(|c| c.len()), Some(3), "{graph:?}");
    let mut acyclic = files;
    acyclic[1].1 = "fn f() {}\n".into();
    assert_eq!(find_cycle(&module_graph(&acyclic)), None);
}

#[test]
fn stored_names_are_written_only_in_the_domain_and_the_store() {
    let files = sources();
    // The stored forms `stored_enum!` declares in the domain: `Variant = "NAME"`.
    let mut stored = BTreeSet::new();
    for (rel, text) in &files {
        if !rel.starts_with("domain/") {
            continue;
        }
        for (_, line) in code_lines(text) {
            let l = line.trim();
            if let Some((variant, value)) = l.split_once(" = \"")
                && variant.chars().all(|c| c.is_alphanumeric())
                && let Some(value) = value.strip_suffix("\",")
                && value.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            {
                stored.insert(value.to_string());
            }
        }
    }
    assert!(
        stored.contains("PROCESS_SALE") && stored.contains("SPOT_CHECK"),
        "the check reads no stored names: {stored:?}"
    );
    // The API's error codes are names of their own; one shares its
    // spelling with a statement entry's kind (`INVOICE_SOLD`).
    for (rel, text) in &files {
        if rel == "client_error.rs" {
            for (_, line) in code_lines(text) {
                if let Some((_, code)) = line.trim().split_once("=> \"") {
                    stored.remove(code.trim_end_matches(['"', ',']));
                }
            }
        }
    }
    let outside = lines_outside(&files, &["domain/", "store/"], |line| {
        // In Rust ("NAME") or in SQL ('NAME').
        stored.iter().any(|name| {
            line.contains(&format!("\"{name}\"")) || line.contains(&format!("'{name}'"))
        })
    });
    assert!(
        outside.is_empty(),
        "stored names belong to the domain's enums:\n{}",
        outside.join("\n")
    );
}

/// Every object type of the API is serial, or its fields would come in the
/// order they finish (`order.rs` shows it for some; this keeps a new type
/// from forgetting).
#[test]
fn every_object_type_resolves_serially() {
    let mut parallel = Vec::new();
    for (rel, text) in sources() {
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            let object =
                line.starts_with("#[Object") || line.starts_with("#[async_graphql::Object");
            let simple = line.starts_with("#[derive(") && line.contains("SimpleObject");
            let serial = if object {
                line.contains("serial")
            } else if simple {
                lines
                    .get(i + 1)
                    .is_some_and(|l| l.starts_with("#[graphql(") && l.contains("serial"))
            } else {
                continue;
            };
            if !serial {
                parallel.push(format!("src/{rel}:{}", i + 1));
            }
        }
    }
    assert!(parallel.is_empty(), "not serial: {parallel:?}");
}
