//! The template's `Conditions`, decided with the known parameter values:
//! `Some(true)`, `Some(false)`, or `None` when a value they need is unknown.

use super::intrinsics::Resolver;
use super::parameters::scalar_text;
use crate::model::{Map, Node, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Decides every condition of `doc`; cycles and malformed conditions are undecidable.
pub fn evaluate(doc: &Node, resolver: &Resolver) -> BTreeMap<String, Option<bool>> {
    let mut eval = Evaluator {
        resolver,
        decls: match doc.get("Conditions").map(|c| &c.value) {
            Some(Value::Map(m)) => Some(m),
            _ => None,
        },
        done: BTreeMap::new(),
        visiting: BTreeSet::new(),
    };
    if let Some(decls) = eval.decls {
        for name in decls.keys() {
            eval.named(name);
        }
    }
    eval.done
}

struct Evaluator<'a, 'r> {
    resolver: &'r Resolver<'a>,
    decls: Option<&'r Map>,
    done: BTreeMap<String, Option<bool>>,
    visiting: BTreeSet<String>,
}

impl Evaluator<'_, '_> {
    fn named(&mut self, name: &str) -> Option<bool> {
        if let Some(v) = self.done.get(name) {
            return *v;
        }
        let decl = self.decls?.get(name)?;
        if !self.visiting.insert(name.to_string()) {
            return None;
        }
        let value = self.condition(decl);
        self.visiting.remove(name);
        self.done.insert(name.to_string(), value);
        value
    }

    fn condition(&mut self, node: &Node) -> Option<bool> {
        let Value::Map(m) = &node.value else {
            return None;
        };
        let (name, arg) = m.iter().next().filter(|_| m.len() == 1)?;
        let args = arg.as_list().unwrap_or_default();
        match name.as_str() {
            "Condition" => self.named(arg.as_str()?),
            "Fn::Equals" => {
                let [a, b] = args else { return None };
                let a = self.resolver.resolve(a)?;
                let b = self.resolver.resolve(b)?;
                Some(scalar_text(&a)? == scalar_text(&b)?)
            }
            "Fn::Not" => self.condition(args.first()?).map(|b| !b),
            "Fn::And" | "Fn::Or" => {
                let want = name == "Fn::Or";
                let mut undecided = false;
                for a in args {
                    match self.condition(a) {
                        Some(b) if b == want => return Some(want),
                        Some(_) => {}
                        None => undecided = true,
                    }
                }
                (!undecided).then_some(!want)
            }
            _ => None,
        }
    }
}
