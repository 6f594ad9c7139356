//! A CEL map shared, not copied. The cel crate copies a value each time a
//! comprehension binds it, and `resources.exists(r, ...)` binds every
//! resource of the unit: with whole property maps that made cross-resource
//! policies quadratic in the size of a unit (an 850-resource template took
//! 3 s). A [`SharedMap`] behaves as the map it holds; copying it is cheap.

use cel::common::traits::{Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{CelMap, CelMapKey, CelNull, Type};
use cel::common::value::{Builtin, BuiltinRef, Val};
use std::collections::HashMap;
use std::sync::Arc;

/// A map value whose copies share one set of entries.
#[derive(Clone, Debug)]
pub struct SharedMap(Arc<CelMap<'static>>);

/// `value` as the cel crate's own representation; a map is shared.
pub fn share(value: cel::Value) -> Box<dyn Val> {
    let boxed = to_val(value);
    if !matches!(boxed.as_builtin(), BuiltinRef::Map(_)) {
        return boxed;
    }
    match boxed.into_builtin() {
        Some(Builtin::Map(map)) => Box::new(SharedMap(Arc::new(map))),
        _ => Box::new(CelNull),
    }
}

/// The map `value` with one more entry, `key`, holding `extra`, shared.
pub fn with_entry(value: cel::Value, key: &str, extra: &(dyn Val + 'static)) -> Box<dyn Val> {
    let mut map = match to_val(value).into_builtin() {
        Some(Builtin::Map(map)) => map.into_inner(),
        _ => HashMap::new(),
    };
    map.insert(CelMapKey::from(key.to_string()), extra.clone_as_boxed());
    Box::new(SharedMap(Arc::new(CelMap::from(map))))
}

/// Our values always convert (only functions would not): `null` otherwise.
fn to_val(value: cel::Value) -> Box<dyn Val> {
    let converted: Result<Box<dyn Val>, _> = value.try_into();
    converted.unwrap_or_else(|_| Box::new(CelNull))
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
    use cel::Context;

    #[test]
    fn a_shared_map_behaves_as_the_map_it_holds() {
        let map = cel::Value::Map(cel::objects::Map {
            map: Arc::new(HashMap::from([
                ("a".to_string().into(), cel::Value::Int(1)),
                ("b".to_string().into(), cel::Value::from("x".to_string())),
            ])),
        });
        let mut ctx = Context::with_env(crate::policy::cel_env());
        ctx.add_variable_as_val("m", share(map.clone()));
        ctx.add_variable_as_val(
            "e",
            with_entry(map, "c", share(cel::Value::Int(2)).as_ref()),
        );
        for src in [
            "m.a == 1 && m['b'] == 'x' && m.?z.orValue(3) == 3",
            "type(m) == map && size(m) == 2 && 'a' in m && has(m.b) && !has(m.z)",
            "m == {'a': 1, 'b': 'x'} && {'a': 1, 'b': 'x'} == m && m != {'a': 1}",
            "m.exists(k, k == 'b') && m.all(k, m[k] != null) && [m, m].all(x, x.a == 1)",
            "e.c == 2 && e.a == 1 && size(e) == 3",
        ] {
            let expr = crate::policy::parse_cel(src).unwrap();
            assert_eq!(cel::Value::resolve(&expr, &ctx), Ok(true.into()), "{src}");
        }
    }
}
