//! Inputs nobody chose a value for that can take only a few values (a
//! CloudFormation parameter's `AllowedValues`, a Terraform `bool` variable
//! or one validated with `contains([...], var.x)`): the unit is linted under
//! every combination of their values, a check passes when it passes in all,
//! and a check that fails in some names the values it fails with.

use crate::cfn::parameters::scalar_text;
use crate::diag::Problem;
use crate::engine::{Checked, Evaluation, Finding, Possibility};
use crate::model::Node;
use crate::source::Span;
use std::collections::{HashMap, HashSet};

/// Most combinations linted for one unit; beyond, the inputs stay unknown.
pub const MAX_COMBINATIONS: usize = 64;

/// Most resources linted over all the combinations of one unit: a large
/// unit is linted once, with its inputs unknown, so trying values never
/// costs more than this many resource evaluations.
pub const MAX_RESOURCE_RUNS: usize = 5_000;

/// An input and the values it can take.
#[derive(Clone, Debug)]
pub struct Input {
    /// `Environment`, `var.public`.
    pub name: String,
    pub values: Vec<Node>,
    /// Where it is declared.
    pub span: Span,
}

impl Input {
    /// The `i`th value as text.
    fn text(&self, i: usize) -> String {
        scalar_text(&self.values[i]).unwrap_or_else(|| "?".into())
    }
}

/// Every combination of the inputs' values, as one value index per input,
/// in order; `Err` with their number when there are more than
/// [`MAX_COMBINATIONS`]. An input without values takes part in none (it is
/// left out by whoever builds the inputs), so there is always one.
pub fn combinations(inputs: &[Input]) -> Result<Vec<Vec<usize>>, usize> {
    if inputs.iter().any(|i| i.values.is_empty()) {
        return Ok(vec![Vec::new()]);
    }
    let count = inputs
        .iter()
        .fold(1usize, |n, i| n.saturating_mul(i.values.len()));
    if count > MAX_COMBINATIONS {
        return Err(count);
    }
    let mut out = vec![Vec::new()];
    for input in inputs {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..input.values.len()).map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v);
                    next
                })
            })
            .collect();
    }
    Ok(out)
}

/// The note for inputs whose values give too many combinations.
pub fn too_many(inputs: &[Input], count: usize) -> Problem {
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    Problem::new(
        inputs[0].span,
        format!(
            "{} ({}) can take {count} combinations of values, more than {MAX_COMBINATIONS}: \
             they are not tried one by one and stay unknown",
            if names.len() == 1 {
                "this input"
            } else {
                "these inputs"
            },
            names.join(", ")
        ),
    )
}

/// The note for a unit too large to lint once per combination.
pub fn too_large(inputs: &[Input], count: usize, resources: usize) -> Problem {
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    Problem::new(
        inputs[0].span,
        format!(
            "{} ({}) can take {count} combinations of values, and {resources} resources \
             linted for each are more than {MAX_RESOURCE_RUNS}: they are not tried one by one \
             and stay unknown",
            if names.len() == 1 {
                "this input"
            } else {
                "these inputs"
            },
            names.join(", ")
        ),
    )
}

/// The evaluations of one unit under each combination, merged: a finding
/// found in every combination as it is, one found in some with the values of
/// the inputs that make it fail; problems and checks once.
pub fn merge(inputs: &[Input], runs: Vec<(Vec<usize>, Evaluation)>) -> Evaluation {
    type Key = (String, String, Span, bool);
    let total = runs.len();
    let mut order: Vec<Key> = Vec::new();
    let mut found: HashMap<Key, (Finding, Vec<usize>)> = HashMap::new();
    let mut out = Evaluation::default();
    let mut problems = HashSet::new();
    let mut checked: HashSet<(String, String, Span)> = HashSet::new();
    let mut combos = Vec::with_capacity(total);
    for (r, (combo, eval)) in runs.into_iter().enumerate() {
        combos.push(combo);
        for f in eval.findings {
            let key = (f.rule_id.clone(), f.resource.clone(), f.span, f.undecided);
            match found.get_mut(&key) {
                Some((_, present)) => present.push(r),
                None => {
                    order.push(key.clone());
                    found.insert(key, (f, vec![r]));
                }
            }
        }
        for p in eval.problems {
            if problems.insert((p.span, p.message.clone())) {
                out.problems.push(p);
            }
        }
        out.checked.extend(
            (eval.checked.into_iter()).filter(|c: &Checked| {
                checked.insert((c.rule_id.clone(), c.resource.clone(), c.span))
            }),
        );
    }
    for key in order {
        let Some((mut finding, present)) = found.remove(&key) else {
            continue;
        };
        // An undecided check names nothing: `when` says what fails.
        if present.len() < total && !finding.undecided {
            finding.failing_when(deciding(inputs, &combos, &present));
        }
        out.findings.push(finding);
    }
    out
}

/// The values of the inputs that make a finding appear in the first
/// combination it appears in: each input whose change (the others kept)
/// makes it disappear; all of them when no single change does.
fn deciding(inputs: &[Input], combos: &[Vec<usize>], present: &[usize]) -> Vec<Possibility> {
    let first = &combos[present[0]];
    let only_at = |c: &[usize], i: usize| (0..c.len()).all(|j| j == i || c[j] == first[j]);
    let mut which: Vec<usize> = (0..inputs.len())
        .filter(|&i| {
            (combos.iter().enumerate())
                .any(|(r, c)| c[i] != first[i] && only_at(c, i) && !present.contains(&r))
        })
        .collect();
    if which.is_empty() {
        which = (0..inputs.len()).collect();
    }
    which
        .into_iter()
        .map(|i| Possibility {
            name: inputs[i].name.clone(),
            value: inputs[i].text(first[i]),
            span: Some(inputs[i].span),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    fn input(name: &str, values: &[&str]) -> Input {
        Input {
            name: name.into(),
            values: values
                .iter()
                .map(|v| Node::new(Value::Str(v.to_string()), Span::default()))
                .collect(),
            span: Span::default(),
        }
    }

    #[test]
    fn combinations_are_bounded() {
        let two = [input("A", &["a", "b"]), input("B", &["x", "y", "z"])];
        let all = combinations(&two).unwrap();
        assert_eq!(all.len(), 6);
        assert_eq!(all[0], [0, 0]);
        assert_eq!(all[5], [1, 2]);
        let many: Vec<Input> = (0..7)
            .map(|i| input(&format!("P{i}"), &["a", "b"]))
            .collect();
        assert_eq!(combinations(&many).unwrap_err(), 128);
        assert!(combinations(&many[..6]).is_ok());
        let empty = [input("A", &["a"]), input("None", &[])];
        assert_eq!(combinations(&empty).unwrap(), [Vec::<usize>::new()]);
    }

    #[test]
    fn only_the_inputs_that_matter_are_named() {
        let inputs = [input("Env", &["dev", "prod"]), input("Size", &["s", "l"])];
        let combos = combinations(&inputs).unwrap();
        // Present when Env = dev, whatever Size is: combinations 0 and 1.
        let when = deciding(&inputs, &combos, &[0, 1]);
        assert_eq!(when.len(), 1);
        assert_eq!(
            (when[0].name.as_str(), when[0].value.as_str()),
            ("Env", "dev")
        );
        // Present in one combination only: both matter.
        let when = deciding(&inputs, &combos, &[3]);
        let named: Vec<_> = when
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(named, [("Env", "prod"), ("Size", "l")]);
    }
}
