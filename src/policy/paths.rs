//! Attribute paths: `resource.ingress[].cidr_blocks`. Used for `for_each` and
//! `at` in policy files, and collected from a compiled CEL assertion to know
//! which values it reads (to tell undecided from failed, and where to point).

use crate::model::{Node, Value};
use cel::common::ast::{operators, Expr, IdedExpr};
use std::collections::HashMap;
use std::fmt;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    Field(String),
    /// Every element of a list (or every value of a map).
    Each,
}

/// A root variable (`resource`, `item`, `resources`, `meta`) and steps below it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Path {
    pub root: String,
    pub segs: Vec<Seg>,
}

impl Path {
    /// Parses `root.a[].b`.
    pub fn parse(s: &str) -> Result<Path, String> {
        let mut parts = s.trim().split('.');
        let root = parts.next().unwrap_or_default();
        let valid =
            |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid(root) {
            return Err(format!("invalid path '{s}'"));
        }
        let mut segs = Vec::new();
        for part in parts {
            let (name, each) = match part.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (part, false),
            };
            if !valid(name) {
                return Err(format!(
                    "invalid path '{s}': expected `name` or `name[]` after '.'"
                ));
            }
            segs.push(Seg::Field(name.to_string()));
            if each {
                segs.push(Seg::Each);
            }
        }
        let (root, each) = match root.strip_suffix("[]") {
            Some(r) => (r, true),
            None => (root, false),
        };
        if each {
            segs.insert(0, Seg::Each);
        }
        Ok(Path {
            root: root.to_string(),
            segs,
        })
    }

    /// All nodes the path reaches from `node`; a missing step reaches nothing.
    /// A single value where a list is expected counts as a list of one.
    pub fn resolve<'a>(&self, node: &'a Node, out: &mut Vec<&'a Node>) {
        resolve(&self.segs, node, out);
    }

    /// True if any step of the path, from `node`, meets an unknown value.
    pub fn meets_unknown(&self, node: &Node) -> bool {
        meets_unknown(&self.segs, node)
    }

    /// Calls `f` on every unknown value this path meets in `node` (the
    /// same ones [`Path::meets_unknown`] looks for), letting it replace them.
    pub fn each_unknown(&self, node: &mut Node, f: &mut dyn FnMut(&mut Node)) {
        each_unknown(&self.segs, node, f);
    }
}

fn each_unknown(segs: &[Seg], node: &mut Node, f: &mut dyn FnMut(&mut Node)) {
    if node.is_unknown() {
        return f(node);
    }
    let Some((first, rest)) = segs.split_first() else {
        return match &mut node.value {
            Value::List(items) => items.iter_mut().for_each(|i| each_unknown(&[], i, f)),
            Value::Map(m) => m.values_mut().for_each(|i| each_unknown(&[], i, f)),
            _ => {}
        };
    };
    match (first, &mut node.value) {
        (Seg::Field(name), Value::Map(m)) => {
            if let Some(n) = m.get_mut(name) {
                each_unknown(rest, n, f);
            }
        }
        (Seg::Each, Value::List(items)) => items.iter_mut().for_each(|i| each_unknown(rest, i, f)),
        (Seg::Each, Value::Map(m)) => m.values_mut().for_each(|i| each_unknown(rest, i, f)),
        _ => {}
    }
}

fn resolve<'a>(segs: &[Seg], node: &'a Node, out: &mut Vec<&'a Node>) {
    let Some((first, rest)) = segs.split_first() else {
        out.push(node);
        return;
    };
    match (first, &node.value) {
        // An unknown value stands for whatever the rest of the path would reach.
        (_, Value::Unknown) => out.push(node),
        (Seg::Field(f), Value::Map(m)) => {
            if let Some(n) = m.get(f) {
                resolve(rest, n, out);
            }
        }
        (Seg::Each, Value::List(items)) => items.iter().for_each(|i| resolve(rest, i, out)),
        (Seg::Each, Value::Map(m)) => m.values().for_each(|i| resolve(rest, i, out)),
        (Seg::Each, Value::Null) => {}
        (Seg::Each, _) => resolve(rest, node, out),
        _ => {}
    }
}

/// True if following `segs` in `node` meets an unknown value (see
/// [`Path::meets_unknown`]).
pub fn meets_unknown(segs: &[Seg], node: &Node) -> bool {
    if node.is_unknown() {
        return true;
    }
    let Some((first, rest)) = segs.split_first() else {
        return node.contains_unknown();
    };
    match (first, &node.value) {
        (Seg::Field(f), Value::Map(m)) => m.get(f).is_some_and(|n| meets_unknown(rest, n)),
        (Seg::Each, Value::List(items)) => items.iter().any(|i| meets_unknown(rest, i)),
        (Seg::Each, Value::Map(m)) => m.values().any(|i| meets_unknown(rest, i)),
        _ => false,
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for s in &self.segs {
            match s {
                Seg::Field(n) => write!(f, ".{n}")?,
                Seg::Each => f.write_str("[]")?,
            }
        }
        Ok(())
    }
}

/// The attribute paths an expression reads, in source order, deepest first
/// for each chain of selections. Comprehension variables are followed back
/// to the collection they range over.
pub fn read_paths(expr: &IdedExpr, roots: &[&str]) -> Vec<Path> {
    let mut out = Vec::new();
    let bindings = roots
        .iter()
        .map(|r| {
            (
                r.to_string(),
                Path {
                    root: r.to_string(),
                    segs: Vec::new(),
                },
            )
        })
        .collect();
    collect(expr, &bindings, &mut out);
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

/// Functions whose result is resources of the unit, read like `resources`
/// (`referrers(a)` a list of them, `target(r)` one of them).
const GRAPH_FUNCTIONS: &[(&str, bool)] = &[("referrers", false), ("target", true)];

fn path_of(e: &IdedExpr, bindings: &HashMap<String, Path>) -> Option<Path> {
    let resources = |one: bool| Path {
        root: "resources".into(),
        segs: if one { vec![Seg::Each] } else { Vec::new() },
    };
    match &e.expr {
        Expr::Ident(name) => bindings.get(name).cloned(),
        Expr::Select(s) => {
            let mut p = path_of(&s.operand, bindings)?;
            if p.root == "meta" && p.segs.is_empty() && s.field == "referrers" {
                return Some(resources(false));
            }
            p.segs.push(Seg::Field(s.field.clone()));
            Some(p)
        }
        Expr::Call(c)
            if c.target.is_none() && GRAPH_FUNCTIONS.iter().any(|(f, _)| *f == c.func_name) =>
        {
            let one = GRAPH_FUNCTIONS
                .iter()
                .any(|&(f, one)| f == c.func_name && one);
            Some(resources(one))
        }
        // `[target(r)]`: a list of the one resource.
        Expr::List(l) if l.elements.len() == 1 => {
            let mut p = path_of(&l.elements[0], bindings)?;
            (p.segs.pop() == Some(Seg::Each)).then_some(p)
        }
        Expr::Call(c)
            if matches!(
                c.func_name.as_str(),
                operators::INDEX | operators::OPT_INDEX | operators::OPT_SELECT
            ) && c.args.len() == 2 =>
        {
            let mut p = path_of(&c.args[0], bindings)?;
            p.segs.push(match &c.args[1].expr {
                Expr::Literal(cel::common::ast::LiteralValue::String(s)) => {
                    Seg::Field(s.to_string())
                }
                _ => Seg::Each,
            });
            Some(p)
        }
        _ => None,
    }
}

fn collect(e: &IdedExpr, bindings: &HashMap<String, Path>, out: &mut Vec<Path>) {
    if let Some(p) = path_of(e, bindings) {
        if !p.segs.is_empty() || matches!(e.expr, Expr::Ident(_)) {
            out.push(p);
        }
        // Index expressions may themselves read paths.
        match &e.expr {
            // The arguments of a graph function are read whole.
            Expr::Call(c) if GRAPH_FUNCTIONS.iter().any(|(f, _)| *f == c.func_name) => {
                c.args.iter().for_each(|a| collect(a, bindings, out));
            }
            Expr::Call(c) => c
                .args
                .iter()
                .skip(1)
                .for_each(|a| collect(a, bindings, out)),
            Expr::List(l) => l.elements.iter().for_each(|a| collect(a, bindings, out)),
            _ => {}
        }
        return;
    }
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                collect(t, bindings, out);
            }
            c.args.iter().for_each(|a| collect(a, bindings, out));
        }
        Expr::Select(s) => collect(&s.operand, bindings, out),
        Expr::List(l) => l.elements.iter().for_each(|a| collect(a, bindings, out)),
        Expr::Map(m) => m.entries.iter().for_each(|entry| {
            if let cel::common::ast::EntryExpr::MapEntry(me) = &entry.expr {
                collect(&me.key, bindings, out);
                collect(&me.value, bindings, out);
            }
        }),
        Expr::Comprehension(c) => {
            collect(&c.iter_range, bindings, out);
            let mut inner = bindings.clone();
            inner.remove(&c.accu_var);
            match path_of(&c.iter_range, bindings) {
                Some(mut p) => {
                    p.segs.push(Seg::Each);
                    inner.insert(c.iter_var.clone(), p);
                }
                None => {
                    inner.remove(&c.iter_var);
                }
            }
            for part in [&c.accu_init, &c.loop_cond, &c.loop_step, &c.result] {
                collect(part, &inner, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(src: &str) -> Vec<String> {
        let expr = crate::policy::parse_cel(src).unwrap();
        read_paths(&expr, &["resource", "item"])
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn collects_paths_through_comprehensions() {
        assert_eq!(
            paths("resource.ingress.exists(r, '0.0.0.0/0' in r.cidr_blocks && r.from_port <= 22)"),
            [
                "resource.ingress",
                "resource.ingress[].cidr_blocks",
                "resource.ingress[].from_port"
            ]
        );
        assert_eq!(
            paths("has(item.a.b) && item['c'] == 1"),
            ["item.a.b", "item.c"]
        );
    }

    #[test]
    fn parses_and_prints() {
        let p = Path::parse("resource.inline_policy[].policy.Statement").unwrap();
        assert_eq!(p.to_string(), "resource.inline_policy[].policy.Statement");
        assert!(Path::parse("resource..x").is_err());
    }
}
