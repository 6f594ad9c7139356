//! A CEL map shared, not copied. The cel crate copies a value each time a
//! comprehension binds it, and `resources.exists(r, ...)` binds every
//! resource of the unit: with whole property maps that made cross-resource
//! policies quadratic in the size of a unit (an 850-resource template took
//! 3 s). A [`SharedMap`] behaves as the map it holds; copying it is cheap.

use cel::common::traits::{Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{CelMap, Type};
use cel::common::value::{Builtin, BuiltinRef, Val};
use std::sync::Arc;

/// A map value whose copies share one set of entries.
#[derive(Clone, Debug)]
pub struct SharedMap(Arc<CelMap<'static>>);

impl SharedMap {
    /// Shares `map`.
    pub fn new(map: CelMap<'static>) -> SharedMap {
        SharedMap(Arc::new(map))
    }
}

impl Val for SharedMap {
    fn get_type(&self) -> &Type {
        self.0.get_type()
    }

    fn cel_type() -> &'static Type {
        CelMap::cel_type()
    }

    fn as_container(&self) -> Option<&dyn Container> {
        self.0.as_container()
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        self.0.as_indexer()
    }

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Box::new((*self.0).clone()).into_indexer()
    }

    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        self.0.as_iterable()
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        self.0.as_sizer()
    }

    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        self.0.as_zeroer()
    }

    fn equals(&self, other: &dyn Val) -> bool {
        self.0.equals(other)
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(self.clone())
    }

    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        BuiltinRef::Map(&self.0)
    }

    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        Some(Builtin::Map((*self.0).clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cel::common::types::CelList;
    use cel::Context;
    use std::collections::HashMap;

    #[test]
    fn a_shared_map_behaves_as_the_map_it_holds() {
        let map = || {
            let value = cel::Value::Map(cel::objects::Map {
                map: Arc::new(HashMap::from([
                    ("a".to_string().into(), cel::Value::Int(1)),
                    ("b".to_string().into(), cel::Value::from("x".to_string())),
                ])),
            });
            let boxed: Box<dyn Val> = value.try_into().unwrap();
            match boxed.into_builtin() {
                Some(Builtin::Map(m)) => Box::new(SharedMap::new(m)) as Box<dyn Val>,
                _ => panic!("a map"),
            }
        };
        let mut ctx = Context::with_env(crate::policy::cel_env());
        ctx.add_variable_as_val("m", map());
        ctx.add_variable_as_val("l", Box::new(CelList::from(vec![map(), map()])));
        for src in [
            "m.a == 1 && m['b'] == 'x' && m.?z.orValue(3) == 3",
            "type(m) == map && size(m) == 2 && 'a' in m && has(m.b) && !has(m.z)",
            "m == {'a': 1, 'b': 'x'} && {'a': 1, 'b': 'x'} == m && m != {'a': 1}",
            "m.exists(k, k == 'b') && m.all(k, m[k] != null) && l.all(x, x.a == 1)",
            "l[0] == l[1] && l.exists(x, x == m) && size(l.filter(x, x.b == 'x')) == 2",
        ] {
            let expr = crate::policy::parse_cel(src).unwrap();
            assert_eq!(cel::Value::resolve(&expr, &ctx), Ok(true.into()), "{src}");
        }
    }
}
