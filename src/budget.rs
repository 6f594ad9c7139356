//! What evaluating one unit may cost: a Terraform root module with the
//! modules it calls, a CloudFormation template with its nested stacks, or
//! one YAML document. Steps taken, bytes of text produced (copies included)
//! and nesting depth are counted; a unit is evaluated on one thread in a
//! fixed order, so where its budget runs out never depends on scheduling.

use crate::diag::Problem;
use crate::model::{Node, Value};
use crate::source::{FileId, Span};
use std::cell::{Cell, RefCell};
use std::fmt;

/// Steps one unit may take: nodes built or copied, loop iterations, and
/// instances of resources and modules (each counts [`INSTANCE_STEPS`]).
pub const MAX_STEPS: u64 = 1_000_000;
/// Bytes of text one unit may produce, copies included.
pub const MAX_BYTES: u64 = 64 << 20;
/// Nesting depth of values, and of evaluation through locals and outputs.
pub const MAX_DEPTH: usize = 256;
/// Steps a resource or module instance costs besides its evaluation, which
/// bounds instances to 50,000 per unit.
pub const INSTANCE_STEPS: u64 = 20;

/// The limit that was reached.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Exceeded {
    Steps,
    Bytes,
    Depth,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Exceeded::Steps => write!(f, "evaluation takes more than {MAX_STEPS} steps"),
            Exceeded::Bytes => write!(
                f,
                "evaluation produces more than {} MiB of text",
                MAX_BYTES >> 20
            ),
            Exceeded::Depth => write!(f, "evaluation nests deeper than {MAX_DEPTH} levels"),
        }
    }
}

/// The budget of one unit.
#[derive(Debug, Default)]
pub struct Budget {
    steps: Cell<u64>,
    bytes: Cell<u64>,
    depth: Cell<usize>,
    /// The error at the first place evaluation went over budget.
    problem: RefCell<Option<Problem>>,
}

impl Budget {
    /// Spends `steps` and `bytes`; once either is exhausted, every later
    /// spending fails too.
    pub fn spend(&self, steps: u64, bytes: u64) -> Result<(), Exceeded> {
        let steps = self.steps.get().saturating_add(steps);
        let bytes = self.bytes.get().saturating_add(bytes);
        self.steps.set(steps);
        self.bytes.set(bytes);
        if steps > MAX_STEPS {
            Err(Exceeded::Steps)
        } else if bytes > MAX_BYTES {
            Err(Exceeded::Bytes)
        } else {
            Ok(())
        }
    }

    /// Spends for a value evaluated at `at`; false when over budget (the
    /// first time, the error is recorded at `at`).
    pub fn charge(&self, at: Span, steps: u64, bytes: u64) -> bool {
        match self.spend(steps, bytes) {
            Ok(()) => true,
            Err(e) => self.refuse(at, e),
        }
    }

    /// Spends for a copy of `node` made at `at`: one step per node, and its
    /// text. A value nested deeper than [`MAX_DEPTH`] is refused, so that
    /// copies cannot nest values ever deeper.
    pub fn charge_copy(&self, at: Span, node: &Node) -> bool {
        let size = size(node);
        if size.height > MAX_DEPTH {
            return self.refuse(at, Exceeded::Depth);
        }
        self.charge(at, size.nodes, size.bytes)
    }

    /// Enters one level of evaluation at `at`; false (recorded) when too
    /// deep. Each `true` must be followed by [`Budget::leave`].
    pub fn enter(&self, at: Span) -> bool {
        if self.depth.get() >= MAX_DEPTH {
            return self.refuse(at, Exceeded::Depth);
        }
        self.depth.set(self.depth.get() + 1);
        true
    }

    pub fn leave(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    fn refuse(&self, at: Span, e: Exceeded) -> bool {
        let consequence = match e {
            Exceeded::Depth => "the value is unknown",
            _ => "this value and those evaluated after it are unknown",
        };
        self.problem
            .borrow_mut()
            .get_or_insert_with(|| Problem::new(at, format!("{e}; {consequence}")));
        false
    }

    /// Moves a recorded error that is in file `from` to `to`.
    pub fn relocate(&self, from: FileId, to: Span) {
        if let Some(p) = self.problem.borrow_mut().as_mut() {
            if p.span.file == from {
                p.span = to;
            }
        }
    }

    /// The error recorded when evaluation went over budget.
    pub fn problem(&self) -> Option<Problem> {
        self.problem.borrow().clone()
    }
}

/// How big a value is.
#[derive(Debug, PartialEq)]
pub struct Size {
    pub nodes: u64,
    /// Bytes of text, map keys included.
    pub bytes: u64,
    /// Levels of nesting: 0 for a scalar.
    pub height: usize,
}

/// The size of a value.
pub fn size(node: &Node) -> Size {
    let mut total = Size {
        nodes: 1,
        bytes: 0,
        height: 0,
    };
    let children: Box<dyn Iterator<Item = (&str, &Node)>> = match &node.value {
        Value::Str(s) => {
            total.bytes = s.len() as u64;
            return total;
        }
        Value::List(items) => Box::new(items.iter().map(|i| ("", i))),
        Value::Map(m) => Box::new(m.iter().map(|(k, v)| (k.as_str(), v))),
        _ => return total,
    };
    for (key, child) in children {
        let s = size(child);
        total.nodes += s.nodes;
        total.bytes += s.bytes + key.len() as u64;
        total.height = total.height.max(s.height + 1);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_place_over_budget_is_reported_and_the_budget_stays_spent() {
        let budget = Budget::default();
        let at = |i| Span::new(crate::source::FileId(0), i, i);
        assert!(budget.charge(at(1), MAX_STEPS, 0));
        assert!(!budget.charge(at(2), 1, 0));
        assert!(!budget.charge(at(3), 0, 0));
        let problem = budget.problem().unwrap();
        assert_eq!(problem.span, at(2));
        assert!(problem.message.contains("more than 1000000 steps"));
        let bytes = Budget::default();
        assert_eq!(bytes.spend(0, MAX_BYTES + 1), Err(Exceeded::Bytes));
    }

    #[test]
    fn depth_is_refused_then_allowed_again() {
        let budget = Budget::default();
        let at = Span::default();
        assert!((0..MAX_DEPTH).all(|_| budget.enter(at)));
        assert!(!budget.enter(at));
        budget.leave();
        assert!(budget.enter(at));
        assert!(budget
            .problem()
            .unwrap()
            .message
            .contains("deeper than 256"));
    }

    #[test]
    fn sizes_count_nodes_and_text() {
        let s = |t: &str| Node::new(Value::Str(t.into()), Span::default());
        let map = Node::new(
            Value::Map([("key".to_string(), s("abcd"))].into()),
            Span::default(),
        );
        let list = Node::new(Value::List(vec![map, s("xy")]), Span::default());
        let expected = Size {
            nodes: 4,
            bytes: 9,
            height: 2,
        };
        assert_eq!(size(&list), expected);
    }
}
