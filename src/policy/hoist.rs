//! The parts of an assertion that read `resources` and nothing of the
//! resource being checked (`resources.exists(r, r.type == "aws_cloudtrail")`)
//! have one value per unit. They are taken out of the assertion, evaluated
//! once per unit and bound to a name, so a check costs the same whether the
//! unit holds ten resources or ten thousand.

use super::cost::{children, children_mut};
use cel::common::ast::{Expr, IdedExpr};
use std::collections::{BTreeSet, HashSet};

/// The only variable a hoisted part may read.
const UNIT: &str = "resources";

/// A part of an assertion evaluated once per unit, bound to `name`.
#[derive(Debug)]
pub struct Hoisted {
    pub name: String,
    pub expr: IdedExpr,
}

/// Replaces the largest parts of `expr` that read `resources` and no other
/// variable by names (`@unit0`, ...) and returns them.
pub fn hoist(expr: &mut IdedExpr) -> Vec<Hoisted> {
    let mut worth = HashSet::new();
    free_variables(expr, &mut worth);
    let mut out = Vec::new();
    take(expr, &worth, &mut out);
    out
}

fn take(e: &mut IdedExpr, worth: &HashSet<*const IdedExpr>, out: &mut Vec<Hoisted>) {
    if worth.contains(&(e as *const IdedExpr)) {
        let name = format!("@unit{}", out.len());
        let id = e.id;
        let part = std::mem::replace(
            e,
            IdedExpr {
                id,
                expr: Expr::Ident(name.clone()),
            },
        );
        out.push(Hoisted { name, expr: part });
        return;
    }
    for child in children_mut(e) {
        take(child, worth, out);
    }
}

/// The variables `e` reads that it does not bind itself; the parts worth
/// hoisting (a call or comprehension reading `resources` alone) are added
/// to `worth`.
fn free_variables<'e>(e: &'e IdedExpr, worth: &mut HashSet<*const IdedExpr>) -> BTreeSet<&'e str> {
    let free = match &e.expr {
        Expr::Ident(name) => BTreeSet::from([name.as_str()]),
        Expr::Comprehension(c) => {
            let mut inner = free_variables(&c.loop_cond, worth);
            inner.extend(free_variables(&c.loop_step, worth));
            inner.extend(free_variables(&c.result, worth));
            inner.remove(c.iter_var.as_str());
            inner.remove(c.accu_var.as_str());
            inner.extend(free_variables(&c.iter_range, worth));
            inner.extend(free_variables(&c.accu_init, worth));
            inner
        }
        _ => {
            let mut all = BTreeSet::new();
            for child in children(e) {
                all.extend(free_variables(child, worth));
            }
            all
        }
    };
    let call = matches!(e.expr, Expr::Comprehension(_) | Expr::Call(_));
    if call && free.len() == 1 && free.contains(UNIT) {
        worth.insert(e);
    }
    free
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_cel;

    fn names(src: &str) -> usize {
        hoist(&mut parse_cel(src).unwrap()).len()
    }

    #[test]
    fn only_parts_reading_nothing_but_resources_are_hoisted() {
        assert_eq!(
            names(r#"resources.exists(r, r.type == "aws_cloudtrail")"#),
            1
        );
        let two = r#"resources[0].address != meta.address
            || (resources.exists(r, r.type == "a") && resources.exists(r, r.type == "b"))"#;
        // `resources[0].address` is one part, the `&&` of both scans another.
        assert_eq!(names(two), 2);
        assert_eq!(
            names(r#"resources.exists(r, refers_to(r.props.x, meta.address))"#),
            0
        );
        assert_eq!(
            names(r#"resource.x.exists(v, v == resources[0].address)"#),
            1
        );
        assert_eq!(names("resource.x == 1"), 0);
    }

    #[test]
    fn hoisted_parts_evaluate_like_the_whole() {
        let src = r#"has(resource.b) || !resources.exists(r, has(r.b))"#;
        let mut residual = parse_cel(src).unwrap();
        let parts = hoist(&mut residual);
        assert_eq!(parts.len(), 1);
        let mut ctx = cel::Context::with_env(crate::policy::cel_env());
        ctx.add_variable("resource", std::collections::HashMap::from([("a", 1)]))
            .unwrap();
        let list = vec![std::collections::HashMap::from([("b", 1)])];
        ctx.add_variable("resources", list).unwrap();
        let whole = cel::Value::resolve(&parse_cel(src).unwrap(), &ctx).unwrap();
        let value = cel::Value::resolve(&parts[0].expr, &ctx).unwrap();
        ctx.add_variable(parts[0].name.as_str(), value).unwrap();
        assert_eq!(cel::Value::resolve(&residual, &ctx).unwrap(), whole);
    }
}
