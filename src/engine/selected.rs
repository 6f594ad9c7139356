//! The policies of a run, with those checking each resource type found once.

use crate::policy::Policy;
use foldhash::HashMap;

/// The policies a run selected, by the resource types they check.
pub struct Selected<'p> {
    pub list: &'p [&'p Policy],
    /// For each type a policy names: the positions in `list` of the
    /// policies checking it, in order.
    by_type: HashMap<&'p str, Vec<usize>>,
    /// The positions of the policies checking every type (`*`), which are
    /// all that check a type no policy names.
    any: Vec<usize>,
}

impl<'p> Selected<'p> {
    pub fn new(list: &'p [&'p Policy]) -> Selected<'p> {
        let positions = |ty: &str| -> Vec<usize> {
            (list.iter().enumerate())
                .filter(|(_, p)| p.applies_to(ty))
                .map(|(i, _)| i)
                .collect()
        };
        let named = list.iter().flat_map(|p| &p.spec.resource_types);
        let by_type = (named.filter(|t| *t != "*"))
            .map(|t| (t.as_str(), positions(t)))
            .collect();
        let any = (list.iter().enumerate())
            .filter(|(_, p)| p.spec.resource_types.iter().any(|t| t == "*"))
            .map(|(i, _)| i)
            .collect();
        Selected { list, by_type, any }
    }

    /// The positions in `list` of the policies checking `canonical_type`,
    /// as [`Policy::applies_to`] tells, in order.
    pub fn of(&self, canonical_type: &str) -> &[usize] {
        self.by_type.get(canonical_type).unwrap_or(&self.any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policies_of_a_type_are_those_that_apply_to_it() {
        let mut sources = crate::source::SourceMap::default();
        let mut policies: Vec<Policy> = (crate::policy::builtin_sources(&mut sources).into_iter())
            .map(|id| {
                crate::policy::load(sources.get(id), id, true, crate::policy::Cases::Skipped)
                    .unwrap()
            })
            .collect();
        // One checking every type, between the others.
        policies[3].spec.resource_types = vec!["*".into()];
        let list: Vec<&Policy> = policies.iter().collect();
        let selected = Selected::new(&list);
        let types = (list.iter().flat_map(|p| &p.spec.resource_types))
            .map(String::as_str)
            .chain(["aws_unknown_thing"]);
        let mut seen = 0;
        for ty in types {
            let expected: Vec<usize> = (0..list.len())
                .filter(|&i| list[i].applies_to(ty))
                .collect();
            assert!(expected.contains(&3), "{ty}");
            assert_eq!(selected.of(ty), expected, "{ty}");
            seen += expected.len();
        }
        assert!(seen > 2 * list.len(), "{seen}");
    }
}
