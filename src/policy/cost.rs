//! A static bound on the work a CEL expression can do, checked when a policy
//! is loaded: CEL has no loops, but comprehensions (`all`, `exists`, `map`,
//! `filter`, ...) nest, and each multiplies the cost of its body by the length
//! of the list it walks. That length is known for a list literal and assumed
//! to be [`DATA_LIST_LEN`] for data. An expression above [`MAX_COST`] is
//! refused, so no policy can make a run take (almost) forever or exhaust memory.

use cel::common::ast::{EntryExpr, Expr, IdedExpr};

/// Assumed length of a list or map read from the model (the bound is meant to
/// catch nesting that explodes whatever the data, not to price joins).
const DATA_LIST_LEN: u64 = 10;

/// The highest estimated cost (evaluation steps for one resource) accepted.
pub const MAX_COST: u64 = 10_000_000;

/// The estimated number of evaluation steps of `e`, saturating.
pub fn estimate(e: &IdedExpr) -> u64 {
    let sum = |items: &mut dyn Iterator<Item = &IdedExpr>| {
        items.map(estimate).fold(1, u64::saturating_add)
    };
    match &e.expr {
        Expr::Call(c) => sum(&mut c.target.iter().map(|t| t.as_ref()).chain(&c.args)),
        Expr::Select(s) => estimate(&s.operand).saturating_add(1),
        Expr::List(l) => sum(&mut l.elements.iter()),
        Expr::Map(m) => sum(&mut m.entries.iter().flat_map(entry_parts)),
        Expr::Struct(s) => sum(&mut s.entries.iter().flat_map(entry_parts)),
        Expr::Comprehension(c) => {
            let len = match &c.iter_range.expr {
                Expr::List(l) => l.elements.len() as u64,
                Expr::Map(m) => m.entries.len() as u64,
                _ => DATA_LIST_LEN,
            };
            let body = estimate(&c.loop_cond).saturating_add(estimate(&c.loop_step));
            sum(&mut [&c.iter_range, &c.accu_init, &c.result].into_iter())
                .saturating_add(len.saturating_mul(body))
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => 1,
    }
}

fn entry_parts(entry: &cel::common::ast::IdedEntryExpr) -> Vec<&IdedExpr> {
    match &entry.expr {
        EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
        EntryExpr::StructField(f) => vec![&f.value],
    }
}

/// An error message if `expr` may cost more than [`MAX_COST`].
pub fn check(expr: &IdedExpr) -> Result<(), String> {
    let cost = estimate(expr);
    if cost > MAX_COST {
        return Err(format!(
            "expression too expensive: about {cost} evaluation steps per resource \
             (limit {MAX_COST}); nest fewer comprehensions over lists"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(src: &str) -> u64 {
        estimate(&crate::policy::parse_cel(src).unwrap())
    }

    #[test]
    fn comprehensions_multiply_by_list_length() {
        let flat = cost("[1, 2, 3].exists(x, x == 2)");
        assert!(flat < 50, "{flat}");
        let data = cost("resource.ingress.exists(r, r.from_port == 22)");
        assert!(data > DATA_LIST_LEN && data < 20 * DATA_LIST_LEN, "{data}");
        let nested = cost("resources.exists(r, resources.exists(s, s == r))");
        let square = DATA_LIST_LEN * DATA_LIST_LEN;
        assert!(nested > square && nested < MAX_COST, "{nested}");
    }

    #[test]
    fn exponential_nesting_is_refused() {
        let ten = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
        let mut src = "true".to_string();
        for v in 0..9 {
            src = format!("{ten}.all(x{v}, {src})");
        }
        let err = check(&crate::policy::parse_cel(&src).unwrap()).unwrap_err();
        assert!(err.contains("too expensive"), "{err}");
        let fine = crate::policy::parse_cel(
            "resource.ingress.all(i, i.cidr_blocks.all(c, c != '0.0.0.0/0'))",
        )
        .unwrap();
        assert_eq!(check(&fine), Ok(()));
    }
}
