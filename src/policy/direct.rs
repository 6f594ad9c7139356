//! Assertions compiled for direct evaluation over the model
//! ([`crate::engine::direct`]): the part of CEL the policies are written in
//! (fields, optionals, comparisons, `in`, comprehensions, string functions
//! and the joins), as a tree that reads properties where they are instead of
//! converting every resource into CEL values first.
//!
//! An expression using anything else (arithmetic, map literals, `native`,
//! `+` outside a comprehension's accumulator, ...) has no direct form and
//! runs on the cel crate alone.

use super::hoist::Hoisted;
use cel::common::ast::{operators, CallExpr, EntryExpr, Expr, IdedExpr, LiteralValue};

/// An expression compiled for direct evaluation.
#[derive(Debug)]
pub struct Program {
    pub op: Op,
    /// How many comprehension variables it binds (their slots).
    pub slots: usize,
}

/// An assertion as it runs: whole, or its residual and the parts
/// evaluated once per unit, bound to the names the residual reads.
#[derive(Debug)]
pub struct Forms {
    pub assert: Program,
    pub parts: Vec<Program>,
}

impl Forms {
    /// The direct forms of `assert`, or of `per_unit` when it was split;
    /// `None` unless every part has one.
    pub fn of(assert: &IdedExpr, per_unit: Option<&(IdedExpr, Vec<Hoisted>)>) -> Option<Forms> {
        let Some((residual, hoisted)) = per_unit else {
            return Some(Forms {
                assert: compile(assert, &[])?,
                parts: Vec::new(),
            });
        };
        let names: Vec<String> = hoisted.iter().map(|h| h.name.clone()).collect();
        Some(Forms {
            assert: compile(residual, &names)?,
            parts: (hoisted.iter())
                .map(|h| compile(&h.expr, &[]))
                .collect::<Option<_>>()?,
        })
    }
}

/// A node of a compiled expression.
#[derive(Debug)]
pub enum Op {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(String),
    /// A type name (`map`, `list`, ...), to compare with `type(x)`.
    Type(&'static str),
    Var(Var),
    /// A comprehension's variable, by slot.
    Local(usize),
    /// `a.f`, or `has(a.f)` when `test`.
    Select {
        of: Box<Op>,
        field: String,
        test: bool,
    },
    /// `a.?f`.
    OptSelect(Box<Op>, String),
    /// `a.?f.orValue(x)` with `x` a literal: the value of `f`, else `x`,
    /// with no optional built on the way.
    FieldOr(Box<(Op, String, Op)>),
    /// `a[i]`, or `a[?i]` when `optional`.
    Index {
        of: Box<Op>,
        at: Box<Op>,
        optional: bool,
    },
    List(Vec<Op>),
    /// A list of scalar literals (`[true, "true"]`), a value of its own
    /// that no evaluation builds.
    Literals(Vec<Op>),
    /// A map literal with distinct string keys.
    Map(Vec<(String, Op)>),
    Not(Box<Op>),
    And(Box<(Op, Op)>),
    Or(Box<(Op, Op)>),
    Cond(Box<(Op, Op, Op)>),
    /// `@not_strictly_false(x)`: false only when `x` is `false`.
    NotStrictlyFalse(Box<Op>),
    Compare(Cmp, Box<(Op, Op)>),
    In(Box<(Op, Op)>),
    /// `@result + x` in a comprehension's step (`map`, `filter`, `exists_one`).
    Accumulate(Box<(Op, Op)>),
    /// `@grow(a + b)`: strings joined, paying their size (see [`super::cost`]).
    Concat(Box<(Op, Op)>),
    /// A function; a member function's target is its first argument.
    Call(Func, Vec<Op>),
    /// `@loop(range, body)`: pays for a comprehension (see [`super::cost`]).
    Loop(Box<Op>, u64),
    Fold(Box<Fold>),
}

/// The variables of a check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Var {
    Resource,
    Item,
    Meta,
    Resources,
    /// A part of the assertion evaluated once per unit (see [`super::hoist`]).
    Bound(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Func {
    Size,
    Type,
    String,
    Int,
    StartsWith,
    EndsWith,
    Contains,
    Matches,
    OrValue,
    HasValue,
    Value,
    RefersTo,
    IsDynamicReference,
    Base64Decoded,
    Target,
    Referrers,
}

/// A comprehension (the macros `all`, `exists`, `map`, ... expand to one).
#[derive(Debug)]
pub struct Fold {
    pub range: Op,
    pub iter: usize,
    pub accu: usize,
    pub init: Op,
    pub cond: Op,
    pub step: Op,
    pub result: Op,
    /// For `resources.exists(r, r.type == "t" && ...)` (or `r.type in
    /// [...]`, first in the predicate): the types an element must have for
    /// its step to be anything but `false`, which leaves the accumulator as
    /// it is; elements of other types are skipped.
    pub types: Option<Vec<String>>,
}

/// The direct form of `expr`, whose free names are the check's variables
/// and `bound` (the names of the parts evaluated once per unit); `None` when
/// it uses anything without one.
pub fn compile(expr: &IdedExpr, bound: &[String]) -> Option<Program> {
    let mut c = Compiler {
        bound,
        scope: Vec::new(),
        slots: 0,
    };
    let op = c.expr(expr)?;
    Some(Program { op, slots: c.slots })
}

/// The types [`Fold::types`] names, when the comprehension is an `exists`
/// over `resources` (`false`, then `@result || p`) whose predicate `p`
/// starts with `r.type == "t"` or `r.type in ["t", ...]`.
fn exists_of_types(
    range: &Op,
    init: &Op,
    step: &Op,
    result: &Op,
    iter: usize,
    accu: usize,
) -> Option<Vec<String>> {
    let over_resources =
        matches!(range, Op::Loop(of, _) if matches!(**of, Op::Var(Var::Resources)));
    let exists = matches!(init, Op::Bool(false)) && matches!(result, Op::Local(a) if *a == accu);
    let Op::Or(or) = step else { return None };
    let (Op::Local(a), mut first) = (&or.0, &or.1) else {
        return None;
    };
    if !over_resources || !exists || *a != accu {
        return None;
    }
    while let Op::And(ab) = first {
        first = &ab.0;
    }
    let is_type = |op: &Op| {
        matches!(op, Op::Select { of, field, test: false }
            if matches!(**of, Op::Local(i) if i == iter) && field == "type")
    };
    match first {
        Op::Compare(Cmp::Eq, ab) => match &**ab {
            (t, Op::Str(s)) | (Op::Str(s), t) if is_type(t) => Some(vec![s.clone()]),
            _ => None,
        },
        Op::In(ab) => match &**ab {
            (t, Op::Literals(items)) if is_type(t) => (items.iter())
                .map(|i| match i {
                    Op::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => None,
        },
        _ => None,
    }
}

struct Compiler<'a> {
    bound: &'a [String],
    /// Comprehension variables in scope, innermost last.
    scope: Vec<(&'a str, usize)>,
    slots: usize,
}

impl<'a> Compiler<'a> {
    fn expr(&mut self, e: &'a IdedExpr) -> Option<Op> {
        Some(match &e.expr {
            Expr::Literal(l) => match l {
                LiteralValue::Boolean(b) => Op::Bool(*b.inner()),
                LiteralValue::Int(i) => Op::Int(*i.inner()),
                LiteralValue::UInt(u) => Op::UInt(*u.inner()),
                LiteralValue::Double(d) => Op::Double(*d.inner()),
                LiteralValue::String(s) => Op::Str(s.inner().to_string()),
                LiteralValue::Null => Op::Null,
                LiteralValue::Bytes(_) => return None,
            },
            Expr::Ident(name) => self.ident(name)?,
            Expr::Select(s) => Op::Select {
                of: Box::new(self.expr(&s.operand)?),
                field: s.field.clone(),
                test: s.test,
            },
            Expr::List(l) if l.optional_indices.is_empty() => {
                let items: Vec<Op> = self.list(&l.elements)?;
                match items.iter().all(scalar) {
                    true => Op::Literals(items),
                    false => Op::List(items),
                }
            }
            Expr::Map(m) => {
                let mut entries: Vec<(String, Op)> = Vec::new();
                for entry in &m.entries {
                    let EntryExpr::MapEntry(e) = &entry.expr else {
                        return None;
                    };
                    let Expr::Literal(LiteralValue::String(key)) = &e.key.expr else {
                        return None;
                    };
                    let key = key.inner();
                    if e.optional || entries.iter().any(|(k, _)| k == key) {
                        return None;
                    }
                    entries.push((key.to_string(), self.expr(&e.value)?));
                }
                Op::Map(entries)
            }
            Expr::Call(c) => self.call(c)?,
            Expr::Comprehension(c) if c.iter_var2.is_none() => {
                let range = self.expr(&c.iter_range)?;
                let init = self.expr(&c.accu_init)?;
                let accu = self.bind(&c.accu_var);
                let cond = self.expr(&c.loop_cond);
                let iter = self.bind(&c.iter_var);
                let step = self.expr(&c.loop_step);
                let result = self.expr(&c.result);
                self.scope.truncate(self.scope.len() - 2);
                let (cond, step, result) = (cond?, step?, result?);
                let types = exists_of_types(&range, &init, &step, &result, iter, accu);
                Op::Fold(Box::new(Fold {
                    range,
                    iter,
                    accu,
                    init,
                    cond,
                    step,
                    result,
                    types,
                }))
            }
            _ => return None,
        })
    }

    fn bind(&mut self, name: &'a str) -> usize {
        let slot = self.slots;
        self.slots += 1;
        self.scope.push((name, slot));
        slot
    }

    fn ident(&self, name: &str) -> Option<Op> {
        if let Some((_, slot)) = self.scope.iter().rev().find(|(n, _)| *n == name) {
            return Some(Op::Local(*slot));
        }
        if let Some(i) = self.bound.iter().position(|b| b == name) {
            return Some(Op::Var(Var::Bound(i)));
        }
        Some(match name {
            "resource" => Op::Var(Var::Resource),
            "item" => Op::Var(Var::Item),
            "meta" => Op::Var(Var::Meta),
            "resources" => Op::Var(Var::Resources),
            "map" => Op::Type("map"),
            "list" => Op::Type("list"),
            "string" => Op::Type("string"),
            "int" => Op::Type("int"),
            "uint" => Op::Type("uint"),
            "double" => Op::Type("double"),
            "bool" => Op::Type("bool"),
            "null_type" => Op::Type("null_type"),
            _ => return None,
        })
    }

    fn pair(&mut self, a: &'a IdedExpr, b: &'a IdedExpr) -> Option<Box<(Op, Op)>> {
        Some(Box::new((self.expr(a)?, self.expr(b)?)))
    }

    fn call(&mut self, c: &'a CallExpr) -> Option<Op> {
        let args = c.args.as_slice();
        let name = c.func_name.as_str();
        let Some(target) = &c.target else {
            return Some(match (name, args) {
                (operators::LOGICAL_AND, [a, b]) => Op::And(self.pair(a, b)?),
                (operators::LOGICAL_OR, [a, b]) => Op::Or(self.pair(a, b)?),
                (operators::LOGICAL_NOT, [a]) => Op::Not(Box::new(self.expr(a)?)),
                (operators::CONDITIONAL, [a, b, c]) => {
                    Op::Cond(Box::new((self.expr(a)?, self.expr(b)?, self.expr(c)?)))
                }
                (operators::NOT_STRICTLY_FALSE, [a]) => {
                    Op::NotStrictlyFalse(Box::new(self.expr(a)?))
                }
                (operators::IN, [a, b]) => Op::In(self.pair(a, b)?),
                (operators::INDEX | operators::OPT_INDEX, [a, b]) => Op::Index {
                    of: Box::new(self.expr(a)?),
                    at: Box::new(self.expr(b)?),
                    optional: name == operators::OPT_INDEX,
                },
                (operators::OPT_SELECT, [a, b]) => match &b.expr {
                    Expr::Literal(LiteralValue::String(field)) => {
                        Op::OptSelect(Box::new(self.expr(a)?), field.inner().to_string())
                    }
                    _ => return None,
                },
                (
                    operators::ADD,
                    [a @ IdedExpr {
                        expr: Expr::Ident(n),
                        ..
                    }, b],
                ) if n == "@result" => Op::Accumulate(self.pair(a, b)?),
                (
                    super::cost::GROW,
                    [IdedExpr {
                        expr: Expr::Call(sum),
                        ..
                    }],
                ) if sum.func_name == operators::ADD && sum.target.is_none() => {
                    match sum.args.as_slice() {
                        [a, b] => Op::Concat(self.pair(a, b)?),
                        _ => return None,
                    }
                }
                (super::cost::LOOP, [range, body]) => match &body.expr {
                    Expr::Literal(LiteralValue::Int(n)) => {
                        Op::Loop(Box::new(self.expr(range)?), (*n.inner()).max(1) as u64)
                    }
                    _ => return None,
                },
                _ => {
                    let cmp = match name {
                        operators::EQUALS => Some(Cmp::Eq),
                        operators::NOT_EQUALS => Some(Cmp::Ne),
                        operators::LESS => Some(Cmp::Lt),
                        operators::LESS_EQUALS => Some(Cmp::Le),
                        operators::GREATER => Some(Cmp::Gt),
                        operators::GREATER_EQUALS => Some(Cmp::Ge),
                        _ => None,
                    };
                    if let (Some(cmp), [a, b]) = (cmp, args) {
                        return Some(Op::Compare(cmp, self.pair(a, b)?));
                    }
                    let func = match (name, args.len()) {
                        ("size", 1) => Func::Size,
                        ("type", 1) => Func::Type,
                        ("string", 1) => Func::String,
                        ("int", 1) => Func::Int,
                        ("matches", 2) => Func::Matches,
                        ("refers_to", 2) => Func::RefersTo,
                        ("is_dynamic_reference", 1) => Func::IsDynamicReference,
                        ("base64_decoded", 1) => Func::Base64Decoded,
                        ("target", 1) => Func::Target,
                        ("referrers", 1 | 2) => Func::Referrers,
                        _ => return None,
                    };
                    Op::Call(func, self.list(args)?)
                }
            });
        };
        let func = match (name, args.len()) {
            ("size", 0) => Func::Size,
            ("startsWith", 1) => Func::StartsWith,
            ("endsWith", 1) => Func::EndsWith,
            ("contains", 1) => Func::Contains,
            ("matches", 1) => Func::Matches,
            ("orValue", 1) => Func::OrValue,
            ("hasValue", 0) => Func::HasValue,
            ("value", 0) => Func::Value,
            _ => return None,
        };
        let mut all = vec![self.expr(target)?];
        all.extend(self.list(args)?);
        if let (Func::OrValue, [Op::OptSelect(..), or]) = (func, all.as_slice()) {
            if literal(or) {
                let or = all.pop()?;
                let Some(Op::OptSelect(of, field)) = all.pop() else {
                    return None;
                };
                return Some(Op::FieldOr(Box::new((*of, field, or))));
            }
        }
        Some(Op::Call(func, all))
    }

    fn list(&mut self, args: &'a [IdedExpr]) -> Option<Vec<Op>> {
        args.iter().map(|a| self.expr(a)).collect()
    }
}

/// Whether `op` is a literal (which cannot fail, nor cost anything).
fn literal(op: &Op) -> bool {
    match op {
        Op::List(items) => items.iter().all(literal),
        Op::Literals(_) => true,
        Op::Map(entries) => entries.iter().all(|(_, v)| literal(v)),
        op => scalar(op),
    }
}

/// Whether `op` is a literal null, bool, number or string.
fn scalar(op: &Op) -> bool {
    matches!(
        op,
        Op::Null | Op::Bool(_) | Op::Int(_) | Op::UInt(_) | Op::Double(_) | Op::Str(_)
    )
}

#[cfg(test)]
mod tests {
    use crate::source::SourceMap;

    #[test]
    fn builtin_policies_have_a_direct_form() {
        let mut sources = SourceMap::default();
        let mut without = Vec::new();
        for id in super::super::builtin_sources(&mut sources) {
            let policy =
                super::super::load(sources.get(id), id, true, super::super::Cases::Skipped)
                    .unwrap();
            let compiled = policy.compiled().unwrap();
            if compiled.direct.is_none() || compiled.message_direct.is_none() {
                without.push(policy.spec.id.clone());
            }
        }
        assert_eq!(without, Vec::<String>::new());
    }

    /// The types a comprehension's elements must have, as compiled.
    fn types(assert: &str) -> Option<Vec<String>> {
        let mut expr = crate::policy::parse_cel(assert).unwrap();
        crate::policy::cost::instrument(&mut expr);
        crate::policy::negate::rewrite(&mut expr);
        let program = super::compile(&expr, &[]).expect("a direct form");
        match program.op {
            super::Op::Fold(fold) => fold.types,
            other => panic!("not a comprehension: {other:?}"),
        }
    }

    /// Only an `exists` over `resources` whose predicate starts with the
    /// element's type skips the elements of other types.
    #[test]
    fn exists_over_resources_names_the_types_it_looks_at() {
        let some = |t: &[&str]| Some(t.iter().map(|s| s.to_string()).collect());
        for (assert, expected) in [
            ("resources.exists(r, r.type == 'aws_a')", some(&["aws_a"])),
            (
                "resources.exists(r, 'aws_a' == r.type && has(r.props.x) && r.props.y)",
                some(&["aws_a"]),
            ),
            (
                "resources.exists(r, r.type in ['aws_a', 'aws_b'] && has(r.props.x))",
                some(&["aws_a", "aws_b"]),
            ),
            (
                "resources.exists(r, has(r.props.x) && r.type == 'aws_a')",
                None,
            ),
            (
                "resources.exists(r, r.type == 'aws_a' || has(r.props.x))",
                None,
            ),
            ("resources.exists(r, r.type != 'aws_a')", None),
            ("resources.exists(r, r.type in ['aws_a', 1])", None),
            ("resources.all(r, r.type == 'aws_a')", None),
            ("resources.exists_one(r, r.type == 'aws_a')", None),
            ("[resource].exists(r, r.type == 'aws_a')", None),
        ] {
            assert_eq!(types(assert), expected, "{assert}");
        }
    }
}
