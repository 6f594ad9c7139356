//! No built-in policy fails at run time on valid input: every fixture and
//! example, with each scalar written as a string, a number or a boolean (as
//! the formats allow), or omitted, is converted to the declared types and
//! checked by every built-in without a policy error.

use crate::engine::{self, Settings};
use crate::model::{Node, Unit, Value};
use crate::policy::{builtins, Policy};
use crate::source::{FileId, SourceFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How every scalar of a unit is rewritten.
#[derive(Clone, Copy, Debug)]
enum Variant {
    /// Numbers and booleans as strings (`"22"`, `"true"`).
    Strings,
    /// Strings holding numbers or booleans as such (`22`, `true`).
    Natives,
    /// Every scalar attribute omitted (`null`).
    Nulls,
}

fn rewrite(node: &mut Node, variant: Variant) {
    match (&mut node.value, variant) {
        (Value::List(items), _) => items.iter_mut().for_each(|i| rewrite(i, variant)),
        (Value::Map(map), Variant::Nulls) => {
            map.retain(|_, v| matches!(v.value, Value::List(_) | Value::Map(_)));
            map.values_mut().for_each(|v| rewrite(v, variant));
        }
        (Value::Map(map), _) => map.values_mut().for_each(|v| rewrite(v, variant)),
        (Value::Int(i), Variant::Strings) => node.value = Value::Str(i.to_string()),
        (Value::Bool(b), Variant::Strings) => node.value = Value::Str(b.to_string()),
        (Value::Str(s), Variant::Natives) => {
            if let Ok(i) = s.trim().parse::<i64>() {
                node.value = Value::Int(i);
            } else if let Ok(b) = s.parse::<bool>() {
                node.value = Value::Bool(b);
            }
        }
        _ => {}
    }
}

/// Files below `dir`, recursively, sorted.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The unit of one template's text, if it is one.
fn template(name: &str, text: String) -> Option<Unit> {
    let file = SourceFile::new(name.into(), name.into(), text);
    let doc = crate::cfn::parse_document(&file, FileId(0)).ok()?;
    crate::cfn::looks_like_template(&doc).then(|| crate::cfn::normalize_template(&doc).0)
}

/// The unit of a Terraform folder's files.
fn module(dir: &Path, files: Vec<(PathBuf, String)>) -> Unit {
    let parsed = files
        .into_iter()
        .enumerate()
        .filter_map(|(i, (p, text))| {
            let file = Arc::new(SourceFile::new(p.display().to_string(), p, text));
            crate::terraform::parse(file, FileId(i as u32)).ok()
        })
        .collect();
    crate::terraform::Project::single(parsed).normalize(dir).0
}

/// The units of every template and Terraform folder among the fixtures and
/// examples, and of every built-in policy's test cases.
fn units(policies: &[Policy]) -> Vec<(String, Unit)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for dir in ["tests/fixtures", "examples"] {
        files(&root.join(dir), &mut all);
    }
    let mut out = Vec::new();
    let mut folders: BTreeMap<PathBuf, Vec<(PathBuf, String)>> = BTreeMap::new();
    for path in all {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
            "tf" => {
                let dir = path.parent().unwrap_or(root).to_path_buf();
                folders.entry(dir).or_default().push((path, text));
            }
            "yaml" | "yml" | "json" | "template" => {
                let name = path.display().to_string();
                out.extend(template(&name, text).map(|u| (name, u)));
            }
            _ => {}
        }
    }
    for (dir, files) in folders {
        out.push((dir.display().to_string(), module(&dir, files)));
    }
    for p in policies {
        for case in &p.spec.tests {
            let name = format!("{} {}", p.spec.id, case.name);
            if let Some(text) = &case.cloudformation {
                out.extend(template(&name, text.clone()).map(|u| (name.clone(), u)));
            }
            if let Some(text) = &case.terraform {
                let unit = module(Path::new(""), vec![("main.tf".into(), text.clone())]);
                out.push((name, unit));
            }
        }
    }
    out
}

#[test]
fn no_builtin_fails_on_any_variant_of_the_fixtures() {
    let policies = builtins();
    let units = units(&policies);
    assert!(units.len() > 300, "only {} units found", units.len());
    let policies: Vec<&Policy> = policies.iter().collect();
    let selected = engine::Selected::new(&policies);
    let mut failures = Vec::new();
    for (name, unit) in &units {
        for variant in [Variant::Strings, Variant::Natives, Variant::Nulls] {
            let mut unit = unit.clone();
            for r in &mut unit.resources {
                rewrite(&mut r.props, variant);
            }
            let problems = super::finish(&mut unit);
            let eval = engine::evaluate(&unit, &selected, Settings::default());
            for p in problems.iter().chain(&eval.problems) {
                failures.push(format!("{name} ({variant:?}): {}", p.message));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
