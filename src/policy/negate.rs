//! The cel crate builds, and drops, a "no such overload" error on every
//! `!x` it evaluates, in case `x` is not a bool: once per element in the
//! loop condition of each `exists` (`!@result`). Where `x` can only give a
//! bool or an error, `x ? false : true` gives the same and builds none.

use super::cost::children_mut;
use cel::common::ast::operators::{
    CONDITIONAL, EQUALS, GREATER, GREATER_EQUALS, IN, LESS, LESS_EQUALS, LOGICAL_AND, LOGICAL_NOT,
    LOGICAL_OR, NOT_EQUALS, NOT_STRICTLY_FALSE,
};
use cel::common::ast::{CallExpr, ComprehensionExpr, Expr, IdedExpr, LiteralValue};

/// Operators that give a bool or an error, whatever their operands.
const BOOLEAN: [&str; 11] = [
    EQUALS,
    NOT_EQUALS,
    LESS,
    LESS_EQUALS,
    GREATER,
    GREATER_EQUALS,
    LOGICAL_AND,
    LOGICAL_OR,
    LOGICAL_NOT,
    IN,
    NOT_STRICTLY_FALSE,
];

/// Rewrites each `!x` of `e` whose `x` gives a bool or an error.
pub fn rewrite(e: &mut IdedExpr) {
    rewrite_in(e, None);
}

/// `accu`: a variable in scope known to hold a bool.
fn rewrite_in(e: &mut IdedExpr, accu: Option<&str>) {
    if let Expr::Comprehension(c) = &mut e.expr {
        let inner = boolean_accu(c, accu).then(|| c.accu_var.clone());
        let shadows =
            |v: &str| v == c.accu_var || v == c.iter_var || c.iter_var2.as_deref() == Some(v);
        let body = inner.as_deref().or(accu.filter(|v| !shadows(v)));
        rewrite_in(&mut c.iter_range, accu);
        rewrite_in(&mut c.accu_init, accu);
        for part in [&mut c.loop_cond, &mut c.loop_step, &mut c.result] {
            rewrite_in(part, body);
        }
        return;
    }
    children_mut(e)
        .into_iter()
        .for_each(|c| rewrite_in(c, accu));
    let Expr::Call(call) = &mut e.expr else {
        return;
    };
    if call.func_name != LOGICAL_NOT || call.target.is_some() || call.args.len() != 1 {
        return;
    }
    if !boolean(&call.args[0], accu) {
        return;
    }
    let operand = call.args.remove(0);
    let literal = |b: bool| IdedExpr {
        id: e.id,
        expr: Expr::Literal(LiteralValue::Boolean(b.into())),
    };
    e.expr = Expr::Call(CallExpr {
        func_name: CONDITIONAL.to_string(),
        target: None,
        args: vec![operand, literal(false), literal(true)],
    });
}

/// True if `e` gives a bool or an error, whatever the values it reads;
/// `accu` holds a bool.
fn boolean(e: &IdedExpr, accu: Option<&str>) -> bool {
    match &e.expr {
        Expr::Literal(LiteralValue::Boolean(_)) => true,
        Expr::Ident(name) => accu == Some(name.as_str()),
        Expr::Select(s) => s.test,
        Expr::Call(c) if c.target.is_none() && c.func_name == CONDITIONAL => {
            c.args.len() == 3 && boolean(&c.args[1], accu) && boolean(&c.args[2], accu)
        }
        Expr::Call(c) => c.target.is_none() && BOOLEAN.contains(&c.func_name.as_str()),
        Expr::Comprehension(c) => {
            let inner = boolean_accu(c, accu).then_some(c.accu_var.as_str());
            boolean(&c.result, inner)
        }
        _ => false,
    }
}

/// True if the accumulator of `c` holds a bool throughout: it starts as
/// one and each step gives a bool, or an error (which ends the loop or
/// leaves the accumulator as it was).
fn boolean_accu(c: &ComprehensionExpr, accu: Option<&str>) -> bool {
    let own = c.accu_var.as_str();
    c.iter_var != own
        && c.iter_var2.as_deref() != Some(own)
        && boolean(&c.accu_init, accu)
        && boolean(&c.loop_step, Some(own))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_cel;
    use std::collections::HashMap;

    fn negations(e: &IdedExpr) -> usize {
        let own = matches!(&e.expr, Expr::Call(c) if c.func_name == LOGICAL_NOT) as usize;
        own + super::super::cost::children(e)
            .into_iter()
            .map(negations)
            .sum::<usize>()
    }

    #[test]
    fn only_negations_of_bools_are_rewritten() {
        for (src, left) in [
            ("!has(resource.a) && !(resource.b == 1)", 0),
            ("resource.x.exists(v, v > 1)", 0),
            ("!resource.x.all(v, !(v in [1, 2]))", 0),
            // A value that may be anything keeps its `!`.
            ("!resource.a", 1),
            ("!resource.x.map(v, v)[0]", 1),
            ("!resource.x.exists_one(v, v == 1) || !resource.b", 1),
        ] {
            let mut e = parse_cel(src).unwrap();
            rewrite(&mut e);
            assert_eq!(negations(&e), left, "{src}");
        }
    }

    #[test]
    fn rewritten_negations_give_the_same_values_and_errors() {
        let mut ctx = cel::Context::with_env(crate::policy::cel_env());
        let resource = HashMap::from([("a", vec![1, 2]), ("b", vec![])]);
        ctx.add_variable("resource", resource).unwrap();
        for src in [
            "!has(resource.a)",
            "!has(resource.z)",
            "!resource.a.exists(v, v == 2)",
            "!resource.b.all(v, v == 2)",
            "!(resource.a[0] < 'x')",
            "!resource.a.exists(v, v / 0 == 1)",
            "resource.a.exists(v, !(v == 1) && !(v in resource.b))",
            "!(resource.a[5] == 1) || true",
            "!resource.a",
        ] {
            let plain = parse_cel(src).unwrap();
            let mut rewritten = plain.clone();
            rewrite(&mut rewritten);
            assert_eq!(
                cel::Value::resolve(&rewritten, &ctx),
                cel::Value::resolve(&plain, &ctx),
                "{src}"
            );
        }
    }
}
