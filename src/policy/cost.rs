//! Bounds on the work of a policy's CEL, whoever wrote it.
//!
//! At load, an expression longer than [`MAX_SOURCE_BYTES`] or nested deeper
//! than [`MAX_DEPTH`] is refused, so neither the parser nor the evaluator
//! (both recursive) can exhaust the stack; so is one whose [`estimate`], with
//! short data lists, is above [`MAX_COST`]: it would run out of budget anyway.
//!
//! At run time, each check (one policy on one resource) has a budget of
//! [`MAX_STEPS`] evaluation steps. [`instrument`] rewrites an expression so
//! that it pays as it goes, through functions of [`register`]:
//! - a comprehension (`all`, `exists`, `map`, `filter`, ...) pays, before it
//!   starts, the length of its range times the size of its body;
//! - `+` pays the size of what it builds (bytes, elements), so values that
//!   double at every step stop early;
//! - `matches` pays the length of its text and pattern.
//!
//! A check that runs out fails with [`OverBudget`]. The count depends only on
//! the expression and the data, never on timing or threads.

use cel::common::ast::{
    operators, CallExpr, EntryExpr, Expr, IdedEntryExpr, IdedExpr, LiteralValue,
};
use cel::common::types::{CelInt, CelString, Kind, DYN_TYPE};
use cel::common::value::{CowVal, Val};
use cel::ExecutionError;
use std::cell::Cell;

/// The longest CEL expression accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 8 * 1024;

/// The deepest CEL expression tree accepted (macros count their expansion;
/// the deepest built-in assertion has 25 levels). The evaluator recurses
/// once or twice per level: at this depth it fits a 2 MiB thread stack even
/// unoptimised.
pub const MAX_DEPTH: usize = 48;

/// Evaluation steps one check may take.
pub const MAX_STEPS: u64 = 4_000_000;

/// Evaluation steps one policy may take over all the resources of one
/// template or module tree, so that many checks each just under
/// [`MAX_STEPS`] cannot add up to minutes.
pub const MAX_UNIT_STEPS: u64 = 40_000_000;

/// Assumed length of a list or map read from the model by [`estimate`].
const DATA_LIST_LEN: u64 = 10;

/// The highest [`estimate`] accepted at load.
pub const MAX_COST: u64 = 10_000_000;

/// The function a comprehension's range goes through: `@loop(range, body size)`.
pub(super) const LOOP: &str = "@loop";
/// The function a `+` goes through: `@grow(a + b)`.
pub(super) const GROW: &str = "@grow";

/// An error message if `source` is too long to be parsed safely.
pub fn check_source(source: &str) -> Result<(), String> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(format!(
            "expression too long: {} bytes (limit {MAX_SOURCE_BYTES})",
            source.len()
        ));
    }
    Ok(())
}

/// An error message if `expr` is nested deeper than [`MAX_DEPTH`].
pub fn check_depth(expr: &IdedExpr) -> Result<(), String> {
    if exceeds_depth(expr, MAX_DEPTH) {
        return Err(format!(
            "expression nested too deeply (limit {MAX_DEPTH} levels); split it up"
        ));
    }
    Ok(())
}

/// Whether `e` is deeper than `left` levels (recursing at most that deep).
fn exceeds_depth(e: &IdedExpr, left: usize) -> bool {
    match left.checked_sub(1) {
        None => true,
        Some(left) => children(e).into_iter().any(|c| exceeds_depth(c, left)),
    }
}

/// The literals in `e` (strings, integers, booleans), each once, in a
/// fixed order.
pub fn literals(e: &IdedExpr) -> Vec<crate::model::Value> {
    use crate::model::Value;
    let mut out: Vec<Value> = Vec::new();
    let mut work = vec![e];
    while let Some(e) = work.pop() {
        let value = match &e.expr {
            Expr::Literal(LiteralValue::String(s)) => Some(Value::Str(s.to_string())),
            Expr::Literal(LiteralValue::Int(i)) => Some(Value::Int(*i.inner())),
            Expr::Literal(LiteralValue::Boolean(b)) => Some(Value::Bool(*b.inner())),
            _ => None,
        };
        if let Some(v) = value.filter(|v| !out.contains(v)) {
            out.push(v);
        }
        work.extend(children(e));
    }
    out
}

/// The direct subexpressions of `e`, to change them.
pub(super) fn children_mut(e: &mut IdedExpr) -> Vec<&mut IdedExpr> {
    match &mut e.expr {
        Expr::Call(c) => c
            .target
            .iter_mut()
            .map(|t| t.as_mut())
            .chain(c.args.iter_mut())
            .collect(),
        Expr::Select(s) => vec![s.operand.as_mut()],
        Expr::List(l) => l.elements.iter_mut().collect(),
        Expr::Map(m) => m.entries.iter_mut().flat_map(entry_parts_mut).collect(),
        Expr::Struct(s) => s.entries.iter_mut().flat_map(entry_parts_mut).collect(),
        Expr::Comprehension(c) => vec![
            &mut c.iter_range,
            &mut c.accu_init,
            &mut c.loop_cond,
            &mut c.loop_step,
            &mut c.result,
        ],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

fn entry_parts_mut(entry: &mut IdedEntryExpr) -> Vec<&mut IdedExpr> {
    match &mut entry.expr {
        EntryExpr::MapEntry(m) => vec![&mut m.key, &mut m.value],
        EntryExpr::StructField(f) => vec![&mut f.value],
    }
}

/// The direct subexpressions of `e`.
pub(super) fn children(e: &IdedExpr) -> Vec<&IdedExpr> {
    match &e.expr {
        Expr::Call(c) => c.target.iter().map(|t| t.as_ref()).chain(&c.args).collect(),
        Expr::Select(s) => vec![&s.operand],
        Expr::List(l) => l.elements.iter().collect(),
        Expr::Map(m) => m
            .entries
            .iter()
            .flat_map(|e| entry_parts(&e.expr))
            .collect(),
        Expr::Struct(s) => s
            .entries
            .iter()
            .flat_map(|e| entry_parts(&e.expr))
            .collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

fn entry_parts(entry: &EntryExpr) -> Vec<&IdedExpr> {
    match entry {
        EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
        EntryExpr::StructField(f) => vec![&f.value],
    }
}

/// The estimated number of evaluation steps of `e` for one resource,
/// saturating: each comprehension multiplies its body by the length of its
/// range, known for a literal and assumed [`DATA_LIST_LEN`] for data.
pub fn estimate(e: &IdedExpr) -> u64 {
    match &e.expr {
        Expr::Comprehension(c) => {
            let len = match &c.iter_range.expr {
                Expr::List(l) => l.elements.len() as u64,
                Expr::Map(m) => m.entries.len() as u64,
                _ => DATA_LIST_LEN,
            };
            let body = estimate(&c.loop_cond).saturating_add(estimate(&c.loop_step));
            [&c.iter_range, &c.accu_init, &c.result]
                .into_iter()
                .map(estimate)
                .fold(1, u64::saturating_add)
                .saturating_add(len.saturating_mul(body))
        }
        _ => children(e)
            .into_iter()
            .map(estimate)
            .fold(1, u64::saturating_add),
    }
}

/// An error message if `expr` may cost more than [`MAX_COST`] (see [`estimate`]).
pub fn check_cost(expr: &IdedExpr) -> Result<(), String> {
    let cost = estimate(expr);
    if cost > MAX_COST {
        return Err(format!(
            "expression too expensive: about {cost} evaluation steps per resource \
             (limit {MAX_COST}); nest fewer comprehensions over lists"
        ));
    }
    Ok(())
}

/// The number of nodes of `e`.
fn nodes(e: &IdedExpr) -> u64 {
    children(e)
        .into_iter()
        .map(nodes)
        .fold(1, u64::saturating_add)
}

/// Makes `expr` pay for its work when evaluated (see the module doc); call
/// it after [`check_depth`].
pub fn instrument(expr: &mut IdedExpr) {
    // The size of a loop's body as written, before it is instrumented too.
    let body = match &expr.expr {
        Expr::Comprehension(c) => nodes(&c.loop_cond).saturating_add(nodes(&c.loop_step)),
        _ => 0,
    };
    children_mut(expr).into_iter().for_each(instrument);
    match &mut expr.expr {
        Expr::Comprehension(c) => {
            let range = std::mem::take(&mut c.iter_range);
            let body = IdedExpr {
                id: 0,
                expr: Expr::Literal(LiteralValue::Int(CelInt::from(body as i64))),
            };
            c.iter_range = call(LOOP, vec![range, body]);
        }
        Expr::Call(c) => {
            // `@result + [x]`, a `map` or `filter` step, pays through its loop.
            let accumulates = matches!(c.args.first(), Some(IdedExpr { expr: Expr::Ident(n), .. }) if n == "@result");
            if c.func_name == operators::ADD && c.target.is_none() && !accumulates {
                let sum = std::mem::take(expr);
                *expr = call(GROW, vec![sum]);
            }
        }
        _ => {}
    }
}

fn call(func_name: &str, args: Vec<IdedExpr>) -> IdedExpr {
    IdedExpr {
        id: 0,
        expr: Expr::Call(CallExpr {
            func_name: func_name.to_string(),
            target: None,
            args,
        }),
    }
}

/// Adds the functions [`instrument`] calls to `env`.
pub fn register(env: &mut cel::Env) -> Result<(), cel::DeclarationError> {
    env.add_overload(LOOP, LOOP, vec![DYN_TYPE, DYN_TYPE], pay_loop)?;
    env.add_overload(GROW, GROW, vec![DYN_TYPE], pay_growth)
}

/// `@loop(range, body)`: pays `size(range) * body`, gives `range` back.
fn pay_loop<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let body = args
        .get(1)
        .and_then(|b| b.downcast_ref::<CelInt>())
        .map_or(1, |b| (*b.inner()).max(1) as u64);
    let len = args
        .first()
        .and_then(|r| r.as_sizer())
        .map_or(0, |s| (*s.size().inner()).max(0) as u64);
    charge(len.saturating_mul(body))?;
    args.truncate(1);
    args.pop()
        .ok_or_else(|| ExecutionError::function_error(LOOP, "no range"))
}

/// `@grow(value)`: pays the size of `value`, gives it back.
fn pay_growth<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = args
        .pop()
        .ok_or_else(|| ExecutionError::function_error(GROW, "no value"))?;
    charge(weight(value.as_ref(), left()))?;
    Ok(value)
}

/// The size of `v`: bytes of strings, one per element, entry and scalar,
/// counted up to `cap` (so weighing costs no more than the budget left).
fn weight(v: &dyn Val, cap: u64) -> u64 {
    if let Some(s) = v.downcast_ref::<CelString>() {
        return 1 + s.inner().len() as u64;
    }
    let mut total = 1u64;
    let Some(items) = v.as_iterable() else {
        return total;
    };
    let map = v.as_indexer().filter(|_| v.get_type().kind() == Kind::Map);
    let mut items = items.iter();
    while let Some(item) = items.next() {
        if total > cap {
            break;
        }
        total = total.saturating_add(weight(item, cap - total));
        if let Some(value) = map.and_then(|m| m.get(item).ok()) {
            total = total.saturating_add(weight(value.as_ref(), cap.saturating_sub(total)));
        }
    }
    total
}

/// The budget of the check running on this thread, if any.
#[derive(Clone, Copy)]
struct Meter {
    left: u64,
    over: bool,
}

thread_local! {
    static METER: Cell<Option<Meter>> = const { Cell::new(None) };
}

/// A check that ran out of evaluation steps.
#[derive(Debug, PartialEq)]
pub struct OverBudget;

/// Runs `f`, one check, with a budget of `limit` steps (at most
/// [`MAX_STEPS`]); also gives the steps it took. Outside of it, evaluation
/// is not metered.
pub fn metered<T>(limit: u64, f: impl FnOnce() -> T) -> (Result<T, OverBudget>, u64) {
    let limit = limit.min(MAX_STEPS);
    let outer = METER.replace(Some(Meter {
        left: limit,
        over: false,
    }));
    let out = f();
    let meter = METER.replace(outer);
    match meter {
        Some(Meter { over: true, .. }) => (Err(OverBudget), limit),
        Some(m) => (Ok(out), limit - m.left),
        None => (Ok(out), 0),
    }
}

/// Runs `f` on what is left of the running check's budget, and pays for
/// it only when it gives a value: an evaluation that gives up leaves the
/// budget as it was, for another to take its place.
pub fn tentatively<T, E>(f: impl FnOnce() -> Result<T, E>) -> Option<T> {
    let (result, used) = metered(left(), f);
    let value = result.ok()?.ok()?;
    // Within what was left: it cannot fail.
    let _ = charge(used);
    Some(value)
}

/// Steps left in the running check.
fn left() -> u64 {
    METER.get().map_or(u64::MAX, |m| m.left)
}

/// Takes `steps` from the running check's budget; once it runs out, every
/// further payment fails too, so the evaluation ends soon after.
pub fn charge(steps: u64) -> Result<(), ExecutionError> {
    METER.with(|cell| match cell.get() {
        None => Ok(()),
        Some(m) if m.over || steps > m.left => {
            cell.set(Some(Meter {
                left: 0,
                over: true,
            }));
            Err(ExecutionError::function_error(
                "budget",
                format!("evaluation budget of {MAX_STEPS} steps exhausted"),
            ))
        }
        Some(m) => {
            cell.set(Some(Meter {
                left: m.left - steps,
                over: false,
            }));
            Ok(())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{cel_env, parse_cel};

    /// Parses, checks and instruments `src`, then evaluates it metered.
    fn run(src: &str) -> Result<Result<cel::Value, ExecutionError>, OverBudget> {
        let mut expr = parse_cel(src).unwrap();
        check_depth(&expr).unwrap();
        instrument(&mut expr);
        let mut ctx = cel::Context::with_env(cel_env());
        let list: Vec<i64> = (0..200).collect();
        ctx.add_variable("l", list).unwrap();
        metered(MAX_STEPS, || cel::Value::resolve(&expr, &ctx)).0
    }

    #[test]
    fn instrumented_expressions_keep_their_meaning() {
        for src in [
            "l.all(x, x < 200) && l.exists(y, y == 199) && l.exists_one(z, z == 3)",
            "l.map(x, x * 2)[199] == 398 && size(l.filter(x, x % 2 == 0)) == 100",
            "l.map(x, x % 2 == 0, x)[1] == 2 && 'ab' + 'c' == 'abc' && [1] + [2] == [1, 2]",
            "{'a': 1}.all(k, k == 'a') && 1 + 2 == 3 && !l.all(x, x < 10)",
        ] {
            assert_eq!(run(src), Ok(Ok(true.into())), "{src}");
        }
    }

    #[test]
    fn estimates_multiply_by_list_length_and_refuse_explosions() {
        let cost = |src: &str| estimate(&parse_cel(src).unwrap());
        assert!(cost("[1, 2, 3].exists(x, x == 2)") < 50);
        let data = cost("resource.ingress.exists(r, r.from_port == 22)");
        assert!(data > DATA_LIST_LEN && data < 20 * DATA_LIST_LEN, "{data}");
        let ten = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
        let mut src = "true".to_string();
        for v in 0..9 {
            src = format!("{ten}.all(x{v}, {src})");
        }
        let err = check_cost(&parse_cel(&src).unwrap()).unwrap_err();
        assert!(err.contains("too expensive"), "{err}");
    }

    #[test]
    fn nested_comprehensions_run_out_of_budget() {
        // 200³ = 8 million iterations.
        let three = "l.all(a, l.all(b, l.all(c, a != c || b == b)))";
        assert_eq!(run(three), Err(OverBudget));
        // 200² = 40,000 iterations fit.
        assert_eq!(run("l.all(a, l.all(b, a + b >= 0))"), Ok(Ok(true.into())));
        // Catching the error (`||`, `exists`) does not escape the budget.
        let caught = "l.exists(a, l.all(b, l.all(c, l.all(d, true))) || true)";
        assert_eq!(run(caught), Err(OverBudget));
    }

    #[test]
    fn values_that_double_stop_early() {
        // Each step makes values 4 times as large: 2 × 4¹² bytes or elements.
        let mut strings = "['ab']".to_string();
        let mut lists = "[[1, 2]]".to_string();
        for _ in 0..12 {
            strings = format!("{strings}.map(x, x + x + x + x)");
            lists = format!("{lists}.map(x, x + x + x + x)");
        }
        assert_eq!(run(&format!("size({strings}[0]) > 0")), Err(OverBudget));
        assert_eq!(run(&format!("size({lists}[0]) > 0")), Err(OverBudget));
    }

    #[test]
    fn evaluation_outside_a_check_is_not_metered() {
        assert_eq!(charge(u64::MAX), Ok(()));
        assert_eq!(
            metered(MAX_STEPS, || charge(MAX_STEPS)),
            (Ok(Ok(())), MAX_STEPS)
        );
        assert!(metered(MAX_STEPS, || charge(MAX_STEPS + 1)).0.is_err());
        assert!(metered(10, || charge(11)).0.is_err());
        assert_eq!(metered(10, || charge(4)), (Ok(Ok(())), 4));
    }

    #[test]
    fn long_or_deep_expressions_are_refused_without_overflowing() {
        let long = "a + ".repeat(MAX_SOURCE_BYTES / 4) + "a";
        assert!(check_source(&long).unwrap_err().contains("too long"));
        // Every shape at the longest length accepted: parsing and refusing
        // them must not overflow a test thread's stack.
        let n = MAX_SOURCE_BYTES / 4 - 1;
        for src in [
            format!("a{}", " + a".repeat(n)),
            format!("a{}", ".b".repeat(n * 2)),
            format!("a{}", "[0]".repeat(n)),
            format!("{}a", "!-".repeat(n * 2)),
            format!("{}a", "a ? a : ".repeat(n / 2)),
            format!("{}a{}", "[".repeat(n * 2), "]".repeat(n * 2)),
            format!("{}true{}", "[0].all(x, ".repeat(n / 3), ")".repeat(n / 3)),
        ] {
            assert!(check_source(&src).is_ok(), "{}", src.len());
            if let Ok(expr) = parse_cel(&src) {
                let err = check_depth(&expr).unwrap_err();
                assert!(err.contains("nested too deeply"), "{err}");
            }
        }
    }

    #[test]
    fn parentheses_add_no_depth() {
        let n = MAX_SOURCE_BYTES / 2 - 2;
        let src = format!("{}true{}", "(".repeat(n), ")".repeat(n));
        assert!(check_source(&src).is_ok());
        assert_eq!(run(&src), Ok(Ok(true.into())));
    }

    #[test]
    fn builtin_policies_are_well_within_the_limits() {
        for (name, json, _) in crate::policy::BUILTIN_SPECS {
            let spec: crate::policy::PolicySpec = serde_json::from_str(json).unwrap();
            assert!(spec.assert.value.len() < MAX_SOURCE_BYTES / 4, "{name}");
            let expr = parse_cel(&spec.assert.value).unwrap();
            assert!(!exceeds_depth(&expr, MAX_DEPTH * 2 / 3), "{name}");
        }
    }
}
