//! The properties a policy can see: the top-level keys of a resource's
//! properties its CEL selects by name (`resource.ingress`, `r.props.vpc_id`
//! in a join over `resources`), or all of them when a value holding them is
//! used any other way (`size(resource)`, `resource[k]`, `r.props` passed
//! whole, `resources.filter(...)`, which returns whole entries). The engine
//! builds CEL values of only these keys: no policy can tell the others apart
//! from missing ones.

use super::cost::{children, LOOP};
use cel::common::ast::{operators, Expr, IdedExpr, LiteralValue};
use std::collections::{BTreeSet, HashMap};

/// What a variable or subexpression holds, among the values that hold
/// properties.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// A resource's properties: `resource`, `r.props`.
    Props,
    /// An element of `resources`: `address`, `type`, ..., `props`.
    Entry,
    /// A list of elements: `resources`, `meta.referrers`, `referrers(a)`.
    Entries,
    /// `meta`: `address`, ..., `referrers`.
    Meta,
}

/// The keys `exprs` can read from resources' properties; `None` when they
/// can read any.
pub fn props_read(exprs: &[&IdedExpr]) -> Option<BTreeSet<String>> {
    let env = HashMap::from([
        ("resource".to_string(), Kind::Props),
        ("resources".to_string(), Kind::Entries),
        ("meta".to_string(), Kind::Meta),
    ]);
    let mut reads = Reads::default();
    for e in exprs {
        reads.used(e, &env);
    }
    (!reads.all).then_some(reads.keys)
}

#[derive(Default)]
struct Reads {
    keys: BTreeSet<String>,
    all: bool,
}

type Env = HashMap<String, Kind>;

impl Reads {
    /// `e`, whose value is used in any way: if it holds properties, all of
    /// them can be seen.
    fn used(&mut self, e: &IdedExpr, env: &Env) {
        if self.kind(e, env).is_some() {
            self.all = true;
        }
    }

    /// The kind of value `e` evaluates to (`None`: it holds no properties),
    /// noting what its parts read.
    fn kind(&mut self, e: &IdedExpr, env: &Env) -> Option<Kind> {
        match &e.expr {
            Expr::Ident(name) => env.get(name).copied(),
            Expr::Select(s) => {
                let of = self.kind(&s.operand, env)?;
                let kind = self.field(of, &s.field);
                // `has(x.f)` tells whether `f` is there, nothing of its value.
                kind.filter(|_| !s.test)
            }
            Expr::Call(c) if c.target.is_none() && c.args.len() == 2 && is_index(&c.func_name) => {
                let of = self.kind(&c.args[0], env);
                let key = match &c.args[1].expr {
                    Expr::Literal(LiteralValue::String(s)) => Some(s.to_string()),
                    _ => None,
                };
                match (of, key) {
                    (None, _) => {
                        self.used(&c.args[1], env);
                        None
                    }
                    (Some(of), Some(key)) if c.func_name == operators::INDEX => {
                        self.field(of, &key)
                    }
                    // `resource.?x`, `r.?type`: the value at the key, maybe.
                    (Some(of), Some(key)) => {
                        if self.field(of, &key).is_some() {
                            self.all = true;
                        }
                        None
                    }
                    (Some(Kind::Entries), _) if c.func_name == operators::INDEX => {
                        self.used(&c.args[1], env);
                        Some(Kind::Entry)
                    }
                    (Some(_), _) => {
                        self.all = true;
                        self.used(&c.args[1], env);
                        None
                    }
                }
            }
            Expr::Call(c) if c.target.is_none() && c.func_name == "referrers" => {
                c.args.iter().for_each(|a| self.used(a, env));
                Some(Kind::Entries)
            }
            Expr::Call(c) if c.target.is_none() && c.func_name == "target" => {
                c.args.iter().for_each(|a| self.used(a, env));
                Some(Kind::Entry)
            }
            // The metering wrapper of a comprehension's range returns it.
            Expr::Call(c) if c.target.is_none() && c.func_name == LOOP && c.args.len() == 2 => {
                self.used(&c.args[1], env);
                self.kind(&c.args[0], env)
            }
            // `[target(r)]`: a list of elements.
            Expr::List(l) if !l.elements.is_empty() => {
                let kinds: Vec<Option<Kind>> =
                    l.elements.iter().map(|x| self.kind(x, env)).collect();
                if kinds.iter().all(|k| *k == Some(Kind::Entry)) {
                    return Some(Kind::Entries);
                }
                if kinds.iter().any(Option::is_some) {
                    self.all = true;
                }
                None
            }
            Expr::Comprehension(c) => {
                let range = self.kind(&c.iter_range, env);
                self.used(&c.accu_init, env);
                let mut inner = env.clone();
                inner.remove(&c.accu_var);
                inner.remove(&c.iter_var);
                if let Some(second) = &c.iter_var2 {
                    inner.remove(second);
                }
                match range {
                    Some(Kind::Entries) if c.iter_var2.is_none() => {
                        inner.insert(c.iter_var.clone(), Kind::Entry);
                    }
                    // The keys of a map, or indexes with elements.
                    Some(_) => self.all = true,
                    None => {}
                }
                for part in [&c.loop_cond, &c.loop_step, &c.result] {
                    self.used(part, &inner);
                }
                None
            }
            _ => {
                // Any other call, literal, list or map: what it is made of is used.
                children(e).into_iter().for_each(|x| self.used(x, env));
                None
            }
        }
    }

    /// The kind of `of.field`, noting a property it reads.
    fn field(&mut self, of: Kind, field: &str) -> Option<Kind> {
        match (of, field) {
            (Kind::Props, key) => {
                self.keys.insert(key.to_string());
                None
            }
            (Kind::Entry, "props") => Some(Kind::Props),
            (Kind::Meta, "referrers") => Some(Kind::Entries),
            (Kind::Entry | Kind::Meta, _) => None,
            // A field of a list is an error, whatever the list holds; be safe.
            (Kind::Entries, _) => {
                self.all = true;
                None
            }
        }
    }
}

fn is_index(function: &str) -> bool {
    [
        operators::INDEX,
        operators::OPT_INDEX,
        operators::OPT_SELECT,
    ]
    .contains(&function)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str) -> Option<Vec<String>> {
        let mut expr = crate::policy::parse_cel(src).unwrap();
        let plain = props_read(&[&expr]);
        // What the engine runs is metered: the same keys are read.
        super::super::cost::instrument(&mut expr);
        assert_eq!(props_read(&[&expr]), plain, "{src}");
        plain.map(|keys| keys.into_iter().collect())
    }

    #[test]
    fn keys_selected_by_name_are_read() {
        let keys = |k: &[&str]| Some(k.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            read("resource.ingress.exists(r, r.from_port <= 22) && has(resource.name)"),
            keys(&["ingress", "name"])
        );
        assert_eq!(
            read(
                r#"resources.exists(r, r.type == "aws_flow_log" && r.props.?vpc_id.orValue("") == resource["id"])"#
            ),
            keys(&["id", "vpc_id"])
        );
        assert_eq!(
            read("meta.referrers.exists(r, refers_to(r.props.arn, meta.address)) || [target(resource.x)].all(t, t.props.y)"),
            keys(&["arn", "x", "y"])
        );
        assert_eq!(
            read("[target(resource.x)].all(t, !has(t.props) || t.?type.orValue('') == 'y')"),
            keys(&["x"])
        );
        assert_eq!(
            read("resources.map(r, r.props.a).size() > 0 && meta.type == 'x'"),
            keys(&["a"])
        );
        // A variable of the same name bound by a comprehension hides it.
        assert_eq!(read("[{'a': 1}].all(resource, resource.b == 1)"), keys(&[]));
    }

    #[test]
    fn properties_used_whole_are_all_read() {
        for src in [
            "size(resource) > 0",
            "resource.exists(k, k == 'a')",
            "resource[resource.k] == 1",
            "resources.filter(r, r.type == 'x').exists(r, r.props.a)",
            "resources.exists(r, refers_to(r.props, 'a'))",
            "resources.exists(r, r == resource)",
            "meta.referrers[0].props == {}",
            "resources.all(i, v, v.props.a)",
            "target(resource.x).?props.orValue({}).a",
            "meta != {}",
        ] {
            assert_eq!(read(src), None, "{src}");
        }
    }
}
