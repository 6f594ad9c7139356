//! The edges between the resources of a unit, indexed once so that joins
//! cost the references they follow, not a scan of the unit:
//! - `meta.referrers`: the resources that refer to this one;
//! - `referrers(address)`: the resources that refer to the one at `address`,
//!   and `referrers(address, type)` those of one type, from the index;
//! - `target(reference)`: the resource a reference names (`{}` when it is
//!   not in the unit).
//!
//! Each is given as the elements of `resources` are: `address`, `type`,
//! `native_type`, `format` and `props`.

use super::shared::SharedMap;
use crate::model::{Node, Unit, Value};
use cel::common::types::{CelList, CelMap};
use cel::common::value::{CowVal, Val};
use cel::extractors::{Arguments, IntoResolveResult};
use cel::ExecutionError;
use foldhash::{HashMap, HashMapExt};
use std::cell::OnceCell;
use std::sync::Arc;

/// Who refers to whom in a unit, by resource index.
pub struct Links {
    /// Resource index by address.
    by_address: HashMap<String, usize>,
    /// Per address referred to (in the unit or not), the resources referring
    /// to it, each once, in unit order.
    referrers: HashMap<String, Vec<usize>>,
    /// The same per address and type of the referring resource.
    typed: HashMap<(String, String), Vec<usize>>,
}

impl Links {
    /// Indexes `unit`.
    pub fn new(unit: &Unit) -> Links {
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
        let mut typed: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (address, list) in &referrers {
            for &i in list {
                let ty = unit.resources[i].canonical_type.clone();
                typed.entry((address.clone(), ty)).or_default().push(i);
            }
        }
        Links {
            by_address,
            referrers,
            typed,
        }
    }

    /// The resource at `address`, if it is in the unit.
    pub fn at(&self, address: &str) -> Option<usize> {
        self.by_address.get(address).copied()
    }

    /// The resources referring to `address`.
    pub fn referrers(&self, address: &str) -> &[usize] {
        self.referrers.get(address).map_or(&[], Vec::as_slice)
    }

    /// The resources of type `ty` referring to `address`.
    pub fn typed(&self, address: &str, ty: &str) -> &[usize] {
        let key = (address.to_string(), ty.to_string());
        self.typed.get(&key).map_or(&[], Vec::as_slice)
    }
}

/// [`Links`] indexed on first use: most units are checked without a join.
pub struct LazyLinks<'u> {
    unit: &'u Unit,
    links: OnceCell<Arc<Links>>,
}

impl<'u> LazyLinks<'u> {
    pub fn new(unit: &'u Unit) -> LazyLinks<'u> {
        LazyLinks {
            unit,
            links: OnceCell::new(),
        }
    }

    pub fn get(&self) -> &Arc<Links> {
        self.links.get_or_init(|| Arc::new(Links::new(self.unit)))
    }
}

/// The resources of a unit as CEL values, and who refers to whom.
pub struct Graph {
    /// Every resource as an element of `resources`.
    pub entries: Vec<SharedMap>,
    links: Arc<Links>,
}

impl Graph {
    /// The unit whose resources are the CEL `entries`, linked by `links`.
    pub fn new(entries: Vec<SharedMap>, links: Arc<Links>) -> Graph {
        Graph { entries, links }
    }

    /// The resources referring to `address`.
    pub fn referrers(&self, address: &str) -> Listed {
        self.listed(self.links.referrers(address))
    }

    /// `referrers(address)` or `referrers(address, type)`, from CEL.
    fn referrers_of(&self, args: &[cel::Value]) -> Listed {
        self.try_referrers_of(args)
            .unwrap_or_else(|e| Listed(Err(e)))
    }

    fn try_referrers_of(&self, args: &[cel::Value]) -> Result<Listed, ExecutionError> {
        let misused = || {
            ExecutionError::function_error(
                "referrers",
                "expects an address and, optionally, a resource type",
            )
        };
        let text = |v: Option<&cel::Value>| match v {
            Some(cel::Value::String(s)) => Ok(s.clone()),
            _ => Err(misused()),
        };
        let address = text(args.first())?;
        match args.len() {
            1 => Ok(self.referrers(&address)),
            2 => Ok(self.listed(self.links.typed(&address, &text(args.get(1))?))),
            _ => Err(misused()),
        }
    }

    fn listed(&self, indexes: &[usize]) -> Listed {
        Listed(Ok(indexes
            .iter()
            .map(|&i| self.entries[i].clone())
            .collect()))
    }

    /// The resource at `address`, if it is in the unit.
    pub fn at(&self, address: &str) -> Option<&SharedMap> {
        self.links.at(address).map(|i| &self.entries[i])
    }
}

/// Calls `found` with the address of every reference inside `node`, the
/// alternatives of a condition included.
fn each_reference(node: &Node, found: &mut dyn FnMut(&str)) {
    if let Some(choice) = &node.branches {
        choice.when.iter().for_each(|n| each_reference(n, found));
    }
    match &node.value {
        Value::Ref(r) => found(&r.address),
        Value::List(items) => items.iter().for_each(|n| each_reference(n, found)),
        Value::Map(m) => m.values().for_each(|n| each_reference(n, found)),
        _ => {}
    }
}

/// Resources handed to a policy, as a CEL list (or why there are none).
pub struct Listed(Result<Vec<SharedMap>, ExecutionError>);

impl Listed {
    fn into_result(self) -> Result<Box<dyn Val>, ExecutionError> {
        let items: Vec<Box<dyn Val>> = self
            .0?
            .into_iter()
            .map(|e| Box::new(e) as Box<dyn Val>)
            .collect();
        Ok(Box::new(CelList::from(items)))
    }

    /// The list; empty if the question was not one.
    pub fn into_val(self) -> Box<dyn Val> {
        self.into_result()
            .unwrap_or_else(|_| Box::new(CelList::from(Vec::<Box<dyn Val>>::new())))
    }
}

impl<'c, 'v> IntoResolveResult<'c, 'v> for Listed {
    fn into_resolve_result(self) -> Result<CowVal<'c, 'v>, ExecutionError> {
        self.into_result().map(CowVal::Owned)
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
    let _ = ctx.add_function("referrers", move |Arguments(args): Arguments| {
        g.referrers_of(&args)
    });
    let g = graph.clone();
    let _ = ctx.add_function("target", move |value: cel::Value| Target::of(&g, &value));
}
