//! The store's modules import each other without cycles (issue 11): a module is a file
//! `src/<area>/<module>.rs` or a folder `src/<area>/<module>/`, and an edge is any
//! `crate::…` or `super::…` path in its code (comments aside). A cycle makes two
//! modules one tangle a reader cannot take apart; this test names every one it finds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module of the store: `area::module`, or `area` for the code of an area's `mod.rs`.
type Node = String;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file belongs to, from its path below `src/`.
fn node_of(rel: &Path) -> Option<Node> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.as_slice() {
        [root] if root == "lib" => None,
        [area, m] if m == "mod" => Some(area.clone()),
        [area, m, ..] => Some(format!("{area}::{m}")),
        [other] => Some(other.clone()),
        [] => None,
    }
}

/// The identifiers of a path following `crate::` or `super::` at `rest`: one name, or
/// the names of a `{…}` group (only their first segment).
fn path_heads(rest: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    if let Some(group) = rest.strip_prefix('{') {
        let end = group.find('}').unwrap_or(group.len());
        return group[..end]
            .split(',')
            .map(|s| {
                s.trim()
                    .split("::")
                    .map(ident)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .collect();
    }
    let mut segs = Vec::new();
    let mut s = rest;
    loop {
        let id = ident(s);
        if id.is_empty() {
            break;
        }
        s = &s[id.len()..];
        segs.push(id);
        match s.strip_prefix("::") {
            Some(r) if !r.starts_with('{') => s = r,
            _ => break,
        }
    }
    vec![segs]
}

#[test]
fn store_modules_have_no_import_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);

    // The areas and their modules, and each module's name for re-exported paths
    // (`crate::cases` is `center::cases`).
    let mut areas: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("below src");
        if let Some(node) = node_of(rel) {
            match node.split_once("::") {
                Some((a, m)) => areas.entry(a.into()).or_default().insert(m.into()),
                None => areas.entry(node).or_default().insert(String::new()),
            };
        }
    }
    let mut alias: BTreeMap<String, Node> = BTreeMap::new();
    for (area, mods) in &areas {
        for m in mods.iter().filter(|m| !m.is_empty()) {
            assert!(
                alias.insert(m.clone(), format!("{area}::{m}")).is_none(),
                "two areas hold a module named {m}"
            );
        }
    }
    let resolve = |segs: &[String], from_area: Option<&str>, is_super: bool| -> Option<Node> {
        let first = segs.first()?;
        if is_super {
            let area = from_area?;
            return if areas[area].contains(first.as_str()) {
                Some(format!("{area}::{first}"))
            } else {
                Some(area.to_string())
            };
        }
        if let Some(mods) = areas.get(first.as_str()) {
            return match segs.get(1) {
                Some(m) if mods.contains(m.as_str()) => Some(format!("{first}::{m}")),
                _ => Some(first.clone()),
            };
        }
        alias.get(first.as_str()).cloned()
    };

    let mut edges: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("below src");
        let Some(node) = node_of(rel) else { continue };
        let depth = rel.iter().count();
        let area = node.split("::").next().map(str::to_string);
        let text = std::fs::read_to_string(f).expect("read");
        let is_area_root = depth == 2 && rel.ends_with("mod.rs");
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            // An area's `mod.rs` re-exporting its modules (`pub use orders::*;`)
            // stands for them.
            if is_area_root
                && let Some(path) = code.trim().strip_prefix("pub use ")
                && let Some((child, _)) = path.split_once("::")
                && let Some(area) = &area
                && areas[area.as_str()].contains(child)
            {
                edges
                    .entry(node.clone())
                    .or_default()
                    .insert(format!("{area}::{child}"));
            }
            for (marker, is_super) in [("crate::", false), ("super::", true)] {
                // `super::` below a module's own folder stays inside the module.
                if is_super && depth != 2 {
                    continue;
                }
                for (i, _) in code.match_indices(marker) {
                    if is_super && code[..i].ends_with("super::") {
                        continue;
                    }
                    for segs in path_heads(&code[i + marker.len()..]) {
                        if let Some(to) = resolve(&segs, area.as_deref(), is_super)
                            && to != node
                        {
                            edges.entry(node.clone()).or_default().insert(to);
                        }
                    }
                }
            }
        }
    }

    // Modules that reach each other form a cycle.
    let nodes: Vec<Node> = edges
        .keys()
        .chain(edges.values().flatten())
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let reach = |from: &Node| -> BTreeSet<Node> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for m in edges.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&Node, BTreeSet<Node>> = nodes.iter().map(|n| (n, reach(n))).collect();
    let mut tangles: BTreeSet<Vec<Node>> = BTreeSet::new();
    for n in &nodes {
        if reached[n].contains(n) {
            let tangle: Vec<Node> = nodes
                .iter()
                .filter(|m| reached[n].contains(*m) && reached[*m].contains(n))
                .cloned()
                .collect();
            tangles.insert(tangle);
        }
    }
    let report: Vec<String> = tangles
        .iter()
        .map(|t| {
            let inner: Vec<String> = t
                .iter()
                .flat_map(|a| {
                    edges[a]
                        .iter()
                        .filter(|b| t.contains(b))
                        .map(move |b| format!("{a} → {b}"))
                })
                .collect();
            format!("{{{}}}: {}", t.join(", "), inner.join("; "))
        })
        .collect();
    assert!(
        report.is_empty(),
        "store modules import each other in a cycle:\n{}",
        report.join("\n")
    );
}
