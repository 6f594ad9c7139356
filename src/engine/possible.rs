//! The values an unknown could take, for a check whose assertion reads one.
//! A value a condition chooses (`!If`, `cond ? a : b`) is one of its two
//! alternatives: every combination of the conditions read is tried, and
//! the check is decided when they all agree. A plain unknown is never
//! guessed: it is tried as each literal of the assertion only to find out
//! whether a pass could turn into a failure, and then the check is undecided.

use super::Possibility;
use crate::model::{Node, Value};
use crate::policy::paths::Path;
use std::collections::BTreeSet;

/// Most conditions enumerated for one check (2^6 = 64 evaluations, the
/// bound on combinations of inputs, see [`crate::choices`]).
const MAX_CONDITIONS: usize = 6;

/// A resource's properties and element as one combination of conditions gives them.
pub struct Variant {
    pub props: Node,
    pub item: Option<Node>,
    /// The value of each condition in this combination that makes it fail
    /// (set once the outcomes of all combinations are known).
    pub when: Vec<Possibility>,
}

impl Variant {
    /// The variant with only the top-level properties in `keys` (all of
    /// them when `None`): a check that can read only those (see
    /// [`crate::policy::keys`]) has the same outcome on it, and it is
    /// cheaper to copy.
    pub fn keeping(&self, keys: Option<&BTreeSet<String>>) -> Variant {
        let props = match (&self.props.value, keys) {
            (Value::Map(m), Some(keys)) => self.props.with_value(Value::Map(
                (m.iter())
                    .filter(|(k, _)| keys.contains(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )),
            _ => self.props.clone(),
        };
        Variant {
            props,
            item: self.item.clone(),
            when: Vec::new(),
        }
    }
}

/// The unknowns an assertion reads in a resource and its element.
pub struct Unknowns {
    /// The conditions choosing some of them, each once, in reading order.
    conditions: Vec<String>,
    /// Whether some of them are plain unknowns (no alternatives).
    pub plain: bool,
}

impl Unknowns {
    /// What `reads` meet in `props` (root `resource`) and `item`.
    pub fn of(reads: &[Path], props: &Node, item: Option<&Node>) -> Unknowns {
        let mut found = Unknowns {
            conditions: Vec::new(),
            plain: false,
        };
        let (mut props, mut item) = (props.clone(), item.cloned());
        visit(
            reads,
            &mut props,
            item.as_mut(),
            &mut |n| match &n.branches {
                Some(c) if !found.conditions.contains(&c.on) => found.conditions.push(c.on.clone()),
                Some(_) => {}
                None => found.plain = true,
            },
        );
        found
    }

    /// Whether some of them are chosen by a condition.
    pub fn chooses(&self) -> bool {
        !self.conditions.is_empty()
    }

    /// Every combination of the conditions, or `None` when there are too many.
    pub fn variants(
        &self,
        reads: &[Path],
        props: &Node,
        item: Option<&Node>,
    ) -> Option<Vec<Variant>> {
        if self.conditions.len() > MAX_CONDITIONS {
            return None;
        }
        let combinations = 1usize << self.conditions.len();
        Some(
            (0..combinations)
                .map(|k| {
                    let (mut props, mut item) = (props.clone(), item.cloned());
                    visit(reads, &mut props, item.as_mut(), &mut |n| {
                        // A condition met only inside an alternative was not
                        // enumerated: it stays unknown, and the check undecided.
                        let Some(c) = n.branches.clone() else { return };
                        if let Some(bit) = self.conditions.iter().position(|o| *o == c.on) {
                            *n = c.when[(k >> bit) & 1].clone();
                        }
                    });
                    Variant {
                        props,
                        item,
                        when: Vec::new(),
                    }
                })
                .collect(),
        )
    }

    /// The conditions that make combination `k` fail, given which
    /// combinations passed: each condition whose other value passes; none
    /// when every combination fails; all when no single change passes.
    pub fn deciding(&self, k: usize, passed: &[bool]) -> Vec<Possibility> {
        if !passed.contains(&true) {
            return Vec::new();
        }
        let value = |bit: usize| if (k >> bit) & 1 == 0 { "true" } else { "false" };
        let all: Vec<usize> = (0..self.conditions.len()).collect();
        let flips: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&bit| passed.get(k ^ (1 << bit)) == Some(&true))
            .collect();
        let bits = if flips.is_empty() { all } else { flips };
        bits.into_iter()
            .map(|bit| Possibility {
                name: self.conditions[bit].clone(),
                value: value(bit).to_string(),
                span: None,
            })
            .collect()
    }
}

/// `variant` with its plain unknowns set to `value`.
pub fn probe(reads: &[Path], variant: &Variant, value: &Value) -> Variant {
    let (mut props, mut item) = (variant.props.clone(), variant.item.clone());
    visit(reads, &mut props, item.as_mut(), &mut |n| {
        if n.branches.is_none() {
            n.value = value.clone();
        }
    });
    Variant {
        props,
        item,
        when: Vec::new(),
    }
}

fn visit(
    reads: &[Path],
    props: &mut Node,
    mut item: Option<&mut Node>,
    f: &mut dyn FnMut(&mut Node),
) {
    for path in reads {
        match (path.root.as_str(), item.as_deref_mut()) {
            ("resource", _) => path.each_unknown(props, f),
            ("item", Some(item)) => path.each_unknown(item, f),
            _ => {}
        }
    }
}
