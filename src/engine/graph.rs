//! The edges between the resources of a unit, indexed once so that joins
//! cost the references they follow, not a scan of the unit:
//! - `meta.referrers`: the resources that refer to this one;
//! - `referrers(address)`: the resources that refer to the one at `address`;
//! - `target(reference)`: the resource a reference names (`{}` when it is
//!   not in the unit).
//!
//! Each is given as the elements of `resources` are: `address`, `type`,
//! `native_type`, `format` and `props`.

use super::shared::SharedMap;
use crate::model::{Node, Unit, Value};
use cel::common::types::{CelList, CelMap};
use cel::common::value::{CowVal, Val};
use cel::extractors::IntoResolveResult;
use cel::ExecutionError;
use std::collections::HashMap;
use std::sync::Arc;

/// The resources of a unit as CEL values, and who refers to whom.
pub struct Graph {
    /// Every resource as an element of `resources`.
    pub entries: Vec<SharedMap>,
    /// Resource index by address.
    by_address: HashMap<String, usize>,
    /// Per address referred to (in the unit or not), the resources referring
    /// to it, each once, in unit order.
    referrers: HashMap<String, Vec<usize>>,
}

impl Graph {
    /// Indexes `unit`, whose resources are already the CEL `entries`.
    pub fn new(unit: &Unit, entries: Vec<SharedMap>) -> Graph {
        let by_address = unit
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.address.clone(), i))
            .collect();
        let mut referrers: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in unit.resources.iter().enumerate() {
            each_reference(&r.props, &mut |address| {
                let list = referrers.entry(address.to_string()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            });
        }
        Graph {
            entries,
            by_address,
            referrers,
        }
    }

    /// The resources referring to `address`.
    pub fn referrers(&self, address: &str) -> Listed {
        let found = self.referrers.get(address).map_or(&[][..], Vec::as_slice);
        Listed(found.iter().map(|&i| self.entries[i].clone()).collect())
    }

    /// The resource at `address`, if it is in the unit.
    pub fn at(&self, address: &str) -> Option<&SharedMap> {
        self.by_address.get(address).map(|&i| &self.entries[i])
    }
}

/// Calls `found` with the address of every reference inside `node`.
fn each_reference(node: &Node, found: &mut dyn FnMut(&str)) {
    match &node.value {
        Value::Ref(r) => found(&r.address),
        Value::List(items) => items.iter().for_each(|n| each_reference(n, found)),
        Value::Map(m) => m.values().for_each(|n| each_reference(n, found)),
        _ => {}
    }
}

/// Resources handed to a policy, as a CEL list.
pub struct Listed(Vec<SharedMap>);

impl Listed {
    pub fn into_val(self) -> Box<dyn Val> {
        let items: Vec<Box<dyn Val>> = self
            .0
            .into_iter()
            .map(|e| Box::new(e) as Box<dyn Val>)
            .collect();
        Box::new(CelList::from(items))
    }
}

impl<'c, 'v> IntoResolveResult<'c, 'v> for Listed {
    fn into_resolve_result(self) -> Result<CowVal<'c, 'v>, ExecutionError> {
        Ok(CowVal::Owned(self.into_val()))
    }
}

/// What `target(reference)` gives: the resource, or an empty map.
pub struct Target(Option<SharedMap>);

impl Target {
    /// The resource a reference (`{"ref": address, ...}`) or an address names.
    pub fn of(graph: &Graph, value: &cel::Value) -> Target {
        let address = match value {
            cel::Value::String(s) => Some(s.as_str()),
            cel::Value::Map(m) => match m.map.get(&super::key("ref")) {
                Some(cel::Value::String(s)) => Some(s.as_str()),
                _ => None,
            },
            _ => None,
        };
        Target(address.and_then(|a| graph.at(a)).cloned())
    }
}

impl<'c, 'v> IntoResolveResult<'c, 'v> for Target {
    fn into_resolve_result(self) -> Result<CowVal<'c, 'v>, ExecutionError> {
        Ok(CowVal::Owned(match self.0 {
            Some(entry) => Box::new(entry),
            None => Box::new(CelMap::from(super::Entries::new())),
        }))
    }
}

/// Registers `referrers` and `target` on `ctx`, answering from `graph`.
pub fn register(ctx: &mut cel::Context, graph: &Arc<Graph>) {
    let g = graph.clone();
    let _ = ctx.add_function("referrers", move |address: Arc<String>| {
        g.referrers(&address)
    });
    let g = graph.clone();
    let _ = ctx.add_function("target", move |value: cel::Value| Target::of(&g, &value));
}
