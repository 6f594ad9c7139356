//! Every attribute a built-in policy reads has a declared type, so no
//! built-in policy can meet a value of a type it does not expect.

use super::{attributes, Ty, SERVICES};
use crate::policy::paths::{Path, Seg};
use crate::policy::{builtins, Policy};

fn fields(segs: &[Seg]) -> Vec<&str> {
    segs.iter()
        .filter_map(|s| match s {
            Seg::Field(f) => Some(f.as_str()),
            Seg::Each => None,
        })
        .collect()
}

/// Whether `path` (attribute names) of `canonical_type` is declared, or lies
/// inside a declared value whose contents need no type of their own.
fn declared(canonical_type: &str, path: &[&str]) -> bool {
    let joined = path.join(".");
    attributes(canonical_type).iter().any(|(a, _)| {
        a.path == joined
            || (matches!(a.ty, Ty::Document | Ty::Json | Ty::StrMap)
                && joined.starts_with(&format!("{}.", a.path)))
    })
}

/// The attribute paths a policy reads below its resource, each with the
/// text it was read as.
fn resource_reads(policy: &Policy) -> Vec<(Vec<String>, String)> {
    let compiled = policy.compiled().expect("built-in compiles");
    let mut out = Vec::new();
    let mut add = |p: &Path, prefix: &[&str]| {
        let mut path: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
        path.extend(fields(&p.segs).iter().map(|s| s.to_string()));
        if !path.is_empty() {
            out.push((path, p.to_string()));
        }
    };
    for p in compiled.reads.iter().chain(&compiled.at) {
        match p.root.as_str() {
            "resource" => add(p, &[]),
            "item" => {
                for each in &compiled.for_each {
                    add(p, &fields(&each.segs));
                }
            }
            _ => {}
        }
    }
    for each in &compiled.for_each {
        add(each, &[]);
    }
    out
}

/// Each attribute path a policy reads (its `for_each` paths combined with
/// what it reads of each item) is declared for one of its resource types.
#[test]
fn every_attribute_a_builtin_reads_has_a_declared_type() {
    let mut missing = Vec::new();
    for policy in builtins() {
        for (path, read) in resource_reads(&policy) {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            // A policy over several types reads some attributes of some of them only.
            let types = &policy.spec.resource_types;
            if !types.iter().any(|t| t == "*" || declared(t, &path)) {
                missing.push(format!("{}: {read} ({})", policy.spec.id, path.join(".")));
            }
        }
        // Joins read other resources' properties: some type must declare each.
        let compiled = policy.compiled().expect("built-in compiles");
        for p in compiled.reads.iter().filter(|p| p.root == "resources") {
            let f = fields(&p.segs);
            let Some(props) = f.iter().position(|s| *s == "props") else {
                continue;
            };
            let path = &f[props + 1..];
            let any = SERVICES
                .iter()
                .flat_map(|s| s.attributes.iter().copied().flatten())
                .flat_map(|a| a.types)
                .any(|t| declared(t, path));
            if !path.is_empty() && !any {
                missing.push(format!("{}: {p}", policy.spec.id));
            }
        }
    }
    assert!(missing.is_empty(), "undeclared:\n{}", missing.join("\n"));
}
