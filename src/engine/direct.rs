//! Direct evaluation of compiled assertions ([`crate::policy::direct`]):
//! values are read from the model where they are, with the cel crate's
//! semantics for every outcome it gives. Whatever it cannot tell for sure
//! (an error, or a value it does not model) is a [`Bail`], and the check
//! then runs on the cel crate, which gives the outcome and its error.

use super::graph::LazyLinks;
use crate::model::{Map, Node, Reference, Unit, Value};
use crate::policy::cost;
use crate::policy::direct::{Cmp, Fold, Func, Op, Program, Var};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::rc::Rc;

/// The cel crate is to decide: an error there, or a value not modelled here.
#[derive(Debug)]
pub struct Bail;

type Result<T> = std::result::Result<T, Bail>;

/// The values of a comprehension's variables, by slot.
type Locals<'a> = [Option<V<'a>>];

/// Slots held on the stack: a program with more has them allocated.
const STACK_SLOTS: usize = 4;

/// A value during direct evaluation; model values are borrowed.
#[derive(Clone, Debug)]
pub enum V<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(Cow<'a, str>),
    Type(&'static str),
    List(&'a [Node]),
    Map(&'a Map),
    /// `{"ref": address, "attribute": name}`.
    Ref(&'a Reference),
    /// An element of `resources`: `address`, `type`, `native_type`, `format`, `props`.
    Entry(usize),
    /// `meta`: `address`, `type`, `native_type`, `format`, `referrers`.
    Meta(usize),
    /// A list of elements of `resources`.
    Entries(&'a [usize]),
    /// A list built by the expression.
    Items(Rc<Vec<V<'a>>>),
    /// A list of scalar literals written in the expression (see [`scalar`]).
    Literals(&'a [Op]),
    /// A map built by the expression (distinct keys).
    Obj(Rc<Vec<(&'a str, V<'a>)>>),
    /// `{}`: what `target` gives for a resource not in the unit.
    EmptyMap,
    Opt(Option<Rc<V<'a>>>),
}

/// A field looked up in a value.
enum Got<'a> {
    Found(V<'a>),
    Missing,
    NotMap,
}

impl<'a> Got<'a> {
    fn found(self) -> Option<V<'a>> {
        match self {
            Got::Found(v) => Some(v),
            _ => None,
        }
    }
}

/// A model node as a value: unknowns are `null`, as for the cel crate.
fn node(n: &Node) -> V<'_> {
    match &n.value {
        Value::Null | Value::Unknown => V::Null,
        Value::Bool(b) => V::Bool(*b),
        Value::Int(i) => V::Int(*i),
        Value::Float(f) => V::Double(*f),
        Value::Str(s) => V::Str(Cow::Borrowed(s)),
        Value::List(l) => V::List(l),
        Value::Map(m) => V::Map(m),
        Value::Ref(r) => V::Ref(r),
    }
}

/// What a check reads: the unit, the resource and the element checked, and
/// the values of the parts evaluated once per unit.
pub struct Scope<'a> {
    pub unit: &'a Unit,
    pub links: &'a LazyLinks<'a>,
    /// `0..n`, the indexes of `resources`.
    pub all: &'a [usize],
    pub resource: usize,
    /// Its properties as checked (those of one combination of its unknown
    /// values, when they are tried).
    pub props: &'a Node,
    pub item: Option<&'a Node>,
    pub bound: &'a [V<'a>],
}

impl<'a> Scope<'a> {
    /// The value of `program`.
    pub fn eval(&self, program: &'a Program) -> Result<V<'a>> {
        if program.slots <= STACK_SLOTS {
            let mut locals: [Option<V<'a>>; STACK_SLOTS] = [const { None }; STACK_SLOTS];
            return self.op(&program.op, &mut locals);
        }
        self.op(&program.op, &mut vec![None; program.slots])
    }

    /// The outcome of an assertion.
    pub fn decide(&self, program: &'a Program) -> Result<bool> {
        truth(self.eval(program)?)
    }

    /// Appends a message's expression as text, as the cel crate's value
    /// would be shown: a list's elements joined by `, `.
    pub fn write_text(&self, program: &'a Program, out: &mut String) -> Result<()> {
        let v = self.eval(program)?;
        match elements(&v, false) {
            Some(items) => {
                for (i, item) in items.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    shown(&item, false, out);
                }
            }
            None => shown(&v, true, out),
        }
        Ok(())
    }

    fn op(&self, op: &'a Op, locals: &mut Locals<'a>) -> Result<V<'a>> {
        Ok(match op {
            Op::Null | Op::Bool(_) | Op::Int(_) | Op::UInt(_) | Op::Double(_) | Op::Str(_) => {
                scalar(op)
            }
            Op::Var(v) => self.var(*v)?,
            Op::Local(slot) => locals[*slot].clone().ok_or(Bail)?,
            Op::Literals(items) => V::Literals(items),
            Op::Select { of, field, test } => {
                let of = self.operand(of, locals)?;
                self.select(of, field, *test)?
            }
            Op::FieldOr(f) => {
                let (of, field, or) = &**f;
                match self.field_or(self.operand(of, locals)?, field)? {
                    Some(v) => v,
                    None => self.operand(or, locals)?,
                }
            }
            Op::Not(a) => V::Bool(!self.bool(a, locals)?),
            Op::And(ab) => V::Bool(self.bool(&ab.0, locals)? && self.bool(&ab.1, locals)?),
            Op::Or(ab) => V::Bool(self.bool(&ab.0, locals)? || self.bool(&ab.1, locals)?),
            Op::NotStrictlyFalse(a) => V::Bool(!matches!(self.operand(a, locals)?, V::Bool(false))),
            Op::Compare(cmp, ab) => {
                let a = self.operand(&ab.0, locals)?;
                let b = self.operand(&ab.1, locals)?;
                let outcome = compare(*cmp, &a, &b);
                release(a);
                release(b);
                V::Bool(outcome?)
            }
            Op::In(ab) => {
                let a = self.operand(&ab.0, locals)?;
                let b = self.operand(&ab.1, locals)?;
                let outcome = self.contains(&b, &a);
                release(a);
                release(b);
                V::Bool(outcome?)
            }
            Op::Type(t) => V::Type(t),
            Op::OptSelect(of, field) => match self.op(of, locals)? {
                V::Opt(None) => V::Opt(None),
                V::Opt(Some(v)) => self.opt_field(&v, field)?,
                v => self.opt_field(&v, field)?,
            },
            Op::Index { of, at, optional } => {
                let (of, optional) = match self.op(of, locals)? {
                    V::Opt(None) => return Ok(V::Opt(None)),
                    V::Opt(Some(v)) => ((*v).clone(), true),
                    v => (v, *optional),
                };
                let at = self.op(at, locals)?;
                match (self.index(&of, &at)?, optional) {
                    (found, true) => V::Opt(found.map(Rc::new)),
                    (Some(v), false) => v,
                    (None, false) => return Err(Bail),
                }
            }
            Op::List(items) => V::Items(Rc::new(
                items
                    .iter()
                    .map(|i| self.op(i, locals))
                    .collect::<Result<_>>()?,
            )),
            Op::Map(entries) => V::Obj(Rc::new(
                (entries.iter())
                    .map(|(k, v)| Ok((k.as_str(), self.op(v, locals)?)))
                    .collect::<Result<_>>()?,
            )),
            Op::Cond(abc) => match self.bool(&abc.0, locals)? {
                true => self.op(&abc.1, locals)?,
                false => self.op(&abc.2, locals)?,
            },
            Op::Accumulate(ab) => {
                let add = self.op(&ab.1, locals)?;
                let sum = match &ab.0 {
                    Op::Local(slot) => locals[*slot].take().ok_or(Bail)?,
                    other => self.op(other, locals)?,
                };
                accumulate(sum, add)?
            }
            Op::Concat(ab) => {
                let (a, b) = (self.op(&ab.0, locals)?, self.op(&ab.1, locals)?);
                let (V::Str(a), V::Str(b)) = (a, b) else {
                    return Err(Bail);
                };
                let joined = a.into_owned() + &b;
                cost::charge(1 + joined.len() as u64).map_err(|_| Bail)?;
                V::Str(Cow::Owned(joined))
            }
            Op::Call(func, args) => match args.as_slice() {
                [a] => self.call(*func, &[self.operand(a, locals)?])?,
                [a, b] => {
                    let a = self.operand(a, locals)?;
                    self.call(*func, &[a, self.operand(b, locals)?])?
                }
                _ => return Err(Bail),
            },
            Op::Loop(range, body) => {
                let range = self.operand(range, locals)?;
                let len = self.size(&range).unwrap_or(0).max(0) as u64;
                cost::charge(len.saturating_mul(*body)).map_err(|_| Bail)?;
                range
            }
            Op::Fold(fold) => self.fold(fold, locals)?,
        })
    }

    /// The value of an operand: a literal or a variable is read here, with
    /// no call of [`Scope::op`] (which recurses).
    #[inline(always)]
    fn operand(&self, op: &'a Op, locals: &mut Locals<'a>) -> Result<V<'a>> {
        match op {
            Op::Bool(b) => Ok(V::Bool(*b)),
            Op::Str(s) => Ok(V::Str(Cow::Borrowed(s))),
            Op::Literals(items) => Ok(V::Literals(items)),
            Op::Var(Var::Resource) => Ok(node(self.props)),
            Op::Local(slot) => locals[*slot].clone().ok_or(Bail),
            _ => self.op(op, locals),
        }
    }

    /// `v.?field.orValue(..)`'s field, `None` when it has no value.
    fn field_or(&self, v: V<'a>, field: &str) -> Result<Option<V<'a>>> {
        Ok(match v {
            V::Opt(None) => None,
            V::Opt(Some(v)) if matches!(*v, V::Opt(_)) => return Err(Bail),
            V::Opt(Some(v)) => self.field(&v, field).found(),
            v => self.field(&v, field).found(),
        })
    }

    fn bool(&self, op: &'a Op, locals: &mut Locals<'a>) -> Result<bool> {
        truth(self.op(op, locals)?)
    }

    fn var(&self, var: Var) -> Result<V<'a>> {
        Ok(match var {
            Var::Resource => node(self.props),
            Var::Item => node(self.item.ok_or(Bail)?),
            Var::Meta => V::Meta(self.resource),
            Var::Resources => V::Entries(self.all),
            Var::Bound(i) => self.bound.get(i).cloned().ok_or(Bail)?,
        })
    }

    fn fold(&self, fold: &'a Fold, locals: &mut Locals<'a>) -> Result<V<'a>> {
        let range = self.op(&fold.range, locals)?;
        locals[fold.accu] = Some(self.op(&fold.init, locals)?);
        let each = |item: V<'a>, locals: &mut Locals<'a>| -> Result<bool> {
            if !self.bool(&fold.cond, locals)? {
                return Ok(false);
            }
            locals[fold.iter] = Some(item);
            locals[fold.accu] = Some(self.op(&fold.step, locals)?);
            Ok(true)
        };
        let items = elements(&range, true).ok_or(Bail)?;
        // The resources of other types leave the accumulator as it is.
        let typed = |item: &V| match (item, &fold.types) {
            (V::Entry(i), Some(types)) => types.contains(&self.unit.resources[*i].canonical_type),
            _ => true,
        };
        for item in items.filter(typed) {
            if !each(item, locals)? {
                break;
            }
        }
        self.op(&fold.result, locals)
    }

    /// `field` of `v`, as a map's entry.
    fn field(&self, v: &V<'a>, field: &str) -> Got<'a> {
        let text = |s: &'a str| Got::Found(V::Str(Cow::Borrowed(s)));
        match v {
            V::Map(m) => m.get(field).map_or(Got::Missing, |n| Got::Found(node(n))),
            V::Ref(r) => match field {
                "ref" => text(&r.address),
                "attribute" => text(&r.attribute),
                _ => Got::Missing,
            },
            V::Entry(i) | V::Meta(i) => {
                let r = &self.unit.resources[*i];
                match field {
                    "address" => text(&r.address),
                    "type" => text(&r.canonical_type),
                    "native_type" => text(&r.native_type),
                    "format" => text(r.format.as_str()),
                    "props" if matches!(v, V::Entry(_)) => Got::Found(node(&r.props)),
                    "referrers" if matches!(v, V::Meta(_)) => {
                        Got::Found(V::Entries(self.links.get().referrers(&r.address)))
                    }
                    _ => Got::Missing,
                }
            }
            V::Obj(entries) => (entries.iter())
                .find(|(k, _)| *k == field)
                .map_or(Got::Missing, |(_, v)| Got::Found(v.clone())),
            V::EmptyMap => Got::Missing,
            _ => Got::NotMap,
        }
    }

    /// `v.field`, or `has(v.field)` when `test`.
    fn select(&self, v: V<'a>, field: &str, test: bool) -> Result<V<'a>> {
        let (v, optional) = match v {
            V::Opt(None) if test => return Ok(V::Bool(false)),
            V::Opt(None) => return Ok(V::Opt(None)),
            V::Opt(Some(v)) => ((*v).clone(), true),
            v => (v, false),
        };
        Ok(match (self.field(&v, field), test, optional) {
            (Got::NotMap, _, _) => return Err(Bail),
            (got, true, _) => V::Bool(matches!(got, Got::Found(_))),
            (Got::Found(v), false, false) => v,
            (Got::Missing, false, false) => return Err(Bail),
            (Got::Found(v), false, true) => V::Opt(Some(Rc::new(v))),
            (Got::Missing, false, true) => V::Opt(None),
        })
    }

    /// `v.?field`: any failure to select is no value.
    fn opt_field(&self, v: &V<'a>, field: &str) -> Result<V<'a>> {
        Ok(match (v, self.field(v, field)) {
            (V::Opt(_), _) => return Err(Bail),
            (_, Got::Found(v)) => V::Opt(Some(Rc::new(v))),
            _ => V::Opt(None),
        })
    }

    /// `v[at]`: `None` when the cel crate fails to index (the key is
    /// missing, the index out of range, the value not a container).
    fn index(&self, v: &V<'a>, at: &V<'a>) -> Result<Option<V<'a>>> {
        let position = |len: usize| match at {
            V::Int(i) => Ok(usize::try_from(*i).ok().filter(|&i| i < len)),
            V::UInt(u) => Ok(usize::try_from(*u).ok().filter(|&i| i < len)),
            _ => Err(Bail),
        };
        Ok(match v {
            V::List(l) => position(l.len())?.map(|i| node(&l[i])),
            V::Items(items) => position(items.len())?.map(|i| items[i].clone()),
            V::Literals(l) => position(l.len())?.map(|i| scalar(&l[i])),
            V::Entries(e) => position(e.len())?.map(|i| V::Entry(e[i])),
            V::Map(_) | V::Ref(_) | V::Entry(_) | V::Meta(_) | V::Obj(_) | V::EmptyMap => {
                match at {
                    V::Str(key) => match self.field(v, key) {
                        Got::Found(v) => Some(v),
                        _ => None,
                    },
                    V::Int(_) | V::UInt(_) | V::Bool(_) => None,
                    _ => return Err(Bail),
                }
            }
            V::Null | V::Bool(_) | V::Int(_) | V::UInt(_) | V::Double(_) => None,
            _ => return Err(Bail),
        })
    }

    /// `needle in haystack`.
    fn contains(&self, haystack: &V<'a>, needle: &V<'a>) -> Result<bool> {
        if let Some(items) = elements(haystack, false) {
            for v in items {
                if equal(&v, needle)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        match haystack {
            V::Map(_) | V::Ref(_) | V::Entry(_) | V::Meta(_) | V::Obj(_) | V::EmptyMap => {
                match needle {
                    V::Str(key) => Ok(matches!(self.field(haystack, key), Got::Found(_))),
                    V::Int(_) | V::UInt(_) | V::Bool(_) => Ok(false),
                    _ => Err(Bail),
                }
            }
            _ => Err(Bail),
        }
    }

    /// `size(v)`: code points of a string, elements of a list or map.
    fn size(&self, v: &V<'a>) -> Result<i64> {
        let len = match v {
            V::Str(s) => s.chars().count(),
            V::List(l) => l.len(),
            V::Items(items) => items.len(),
            V::Literals(l) => l.len(),
            V::Entries(e) => e.len(),
            V::Map(m) => m.len(),
            V::Ref(_) => 2,
            V::Entry(_) | V::Meta(_) => 5,
            V::Obj(entries) => entries.len(),
            V::EmptyMap => 0,
            _ => return Err(Bail),
        };
        i64::try_from(len).map_err(|_| Bail)
    }

    fn call(&self, func: Func, args: &[V<'a>]) -> Result<V<'a>> {
        let text = |v: &V<'a>| match v {
            V::Str(s) => Ok(s.clone()),
            _ => Err(Bail),
        };
        Ok(match (func, args) {
            (Func::Size, [v]) => V::Int(self.size(v)?),
            (Func::Type, [v]) => V::Type(type_name(v)?),
            (Func::String, [v]) => V::Str(match v {
                V::Str(s) => s.clone(),
                V::Int(i) => Cow::Owned(i.to_string()),
                V::UInt(u) => Cow::Owned(u.to_string()),
                V::Bool(b) => Cow::Owned(b.to_string()),
                _ => return Err(Bail),
            }),
            (Func::Int, [v]) => V::Int(match v {
                V::Int(i) => *i,
                V::UInt(u) => i64::try_from(*u).map_err(|_| Bail)?,
                V::Str(s) => s.parse().map_err(|_| Bail)?,
                _ => return Err(Bail),
            }),
            (Func::StartsWith, [s, p]) => V::Bool(text(s)?.starts_with(&*text(p)?)),
            (Func::EndsWith, [s, p]) => V::Bool(text(s)?.ends_with(&*text(p)?)),
            (Func::Contains, [s, p]) => V::Bool(text(s)?.contains(&*text(p)?)),
            (Func::Matches, [s, p]) => {
                V::Bool(crate::policy::matches_text(&text(s)?, &text(p)?).map_err(|_| Bail)?)
            }
            (Func::OrValue, [V::Opt(o), or]) => match o {
                Some(v) => (**v).clone(),
                None => or.clone(),
            },
            (Func::HasValue, [V::Opt(o)]) => V::Bool(o.is_some()),
            (Func::Value, [V::Opt(Some(v))]) => (**v).clone(),
            (Func::RefersTo, [v, address]) => {
                let address = text(address)?;
                V::Bool(self.reference(v)? == Some(&*address))
            }
            (Func::IsDynamicReference, [s]) => V::Bool(crate::cfn::is_dynamic_reference(&text(s)?)),
            (Func::Base64Decoded, [s]) => {
                let s = text(s)?;
                cost::charge(s.len() as u64).map_err(|_| Bail)?;
                let bytes = crate::base64::decode(&s).unwrap_or_default();
                V::Str(Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()))
            }
            (Func::Target, [v]) => {
                let address = match v {
                    V::Str(s) => Some(&**s),
                    v => self.reference(v)?,
                };
                address
                    .and_then(|a| self.links.get().at(a))
                    .map_or(V::EmptyMap, V::Entry)
            }
            (Func::Referrers, [address]) => V::Entries(self.links.get().referrers(&text(address)?)),
            (Func::Referrers, [address, ty]) => {
                V::Entries(self.links.get().typed(&text(address)?, &text(ty)?))
            }
            _ => return Err(Bail),
        })
    }

    /// The address a reference value (`{"ref": address, ...}`) names.
    fn reference<'v>(&self, v: &'v V<'a>) -> Result<Option<&'v str>> {
        Ok(match v {
            V::Ref(r) => Some(&r.address),
            V::Map(m) => m.get("ref").and_then(|n| n.as_str()),
            V::Obj(entries) => entries.iter().find_map(|(k, v)| match (*k, v) {
                ("ref", V::Str(s)) => Some(&**s),
                _ => None,
            }),
            V::Opt(_) => return Err(Bail),
            _ => None,
        })
    }
}

/// The elements of a list value, one after another (and a comprehension's
/// range: a map's keys too).
enum Elements<'v, 'a> {
    List(std::slice::Iter<'a, Node>),
    Items(std::slice::Iter<'v, V<'a>>),
    Literals(std::slice::Iter<'a, Op>),
    Entries(std::slice::Iter<'a, usize>),
    Keys(crate::model::map::Keys<'a>),
    Names(std::slice::Iter<'v, (&'a str, V<'a>)>),
}

impl<'a> Iterator for Elements<'_, 'a> {
    type Item = V<'a>;

    fn next(&mut self) -> Option<V<'a>> {
        Some(match self {
            Elements::List(i) => node(i.next()?),
            Elements::Items(i) => i.next()?.clone(),
            Elements::Literals(i) => scalar(i.next()?),
            Elements::Entries(i) => V::Entry(*i.next()?),
            Elements::Keys(i) => V::Str(Cow::Borrowed(i.next()?)),
            Elements::Names(i) => V::Str(Cow::Borrowed(i.next()?.0)),
        })
    }
}

/// The elements of `v` when it is a list; with `keys`, the keys of a map
/// built by the expression or read from the model too.
fn elements<'v, 'a>(v: &'v V<'a>, keys: bool) -> Option<Elements<'v, 'a>> {
    Some(match v {
        V::List(l) => Elements::List(l.iter()),
        V::Items(items) => Elements::Items(items.iter()),
        V::Literals(l) => Elements::Literals(l.iter()),
        V::Entries(e) => Elements::Entries(e.iter()),
        V::Map(m) if keys => Elements::Keys(m.keys()),
        V::Obj(entries) if keys => Elements::Names(entries.iter()),
        V::EmptyMap if keys => Elements::Names([].iter()),
        _ => return None,
    })
}

/// Drops `v` with no call when it holds nothing to drop, as most values,
/// which borrow from the model, do: the drop of a value, too large to be
/// inlined, is a call.
#[inline(always)]
fn release(v: V<'_>) {
    match v {
        V::Str(Cow::Owned(_)) | V::Items(_) | V::Obj(_) | V::Opt(Some(_)) => drop(v),
        _ => std::mem::forget(v),
    }
}

/// `v` as a boolean.
fn truth(v: V<'_>) -> Result<bool> {
    let b = match v {
        V::Bool(b) => Some(b),
        _ => None,
    };
    release(v);
    b.ok_or(Bail)
}

/// The value of a scalar literal (`Null` for any other operation, which
/// [`Op::Literals`] never holds).
fn scalar(op: &Op) -> V<'_> {
    match op {
        Op::Bool(b) => V::Bool(*b),
        Op::Int(i) => V::Int(*i),
        Op::UInt(u) => V::UInt(*u),
        Op::Double(d) => V::Double(*d),
        Op::Str(s) => V::Str(Cow::Borrowed(s)),
        _ => V::Null,
    }
}

/// `a <cmp> b`.
fn compare(cmp: Cmp, a: &V, b: &V) -> Result<bool> {
    Ok(match cmp {
        Cmp::Eq => equal(a, b)?,
        Cmp::Ne => !equal(a, b)?,
        Cmp::Lt => order(a, b)? == Ordering::Less,
        Cmp::Le => order(a, b)? != Ordering::Greater,
        Cmp::Gt => order(a, b)? == Ordering::Greater,
        Cmp::Ge => order(a, b)? != Ordering::Less,
    })
}

/// `a == b`, as the cel crate compares values.
fn equal(a: &V, b: &V) -> Result<bool> {
    if let Some(order) = numbers(a, b) {
        return Ok(order == Some(Ordering::Equal));
    }
    Ok(match (a, b) {
        (V::Str(x), V::Str(y)) => x == y,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Null, V::Null) => true,
        (V::Type(x), V::Type(y)) => x == y,
        (V::Opt(x), V::Opt(y)) => match (x, y) {
            (None, None) => true,
            (Some(x), Some(y)) => equal(x, y)?,
            _ => false,
        },
        _ if composite(a) && composite(b) => return Err(Bail),
        _ => false,
    })
}

/// `a < b` and the like: numbers with numbers, strings with strings.
fn order(a: &V, b: &V) -> Result<Ordering> {
    match (a, b) {
        (V::Str(x), V::Str(y)) => Ok(x.cmp(y)),
        _ => numbers(a, b).flatten().ok_or(Bail),
    }
}

/// The order of two numbers of any kinds (`Some(None)` when one is NaN);
/// `None` when either is not a number.
fn numbers(a: &V, b: &V) -> Option<Option<Ordering>> {
    Some(match (a, b) {
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        (V::UInt(x), V::UInt(y)) => Some(x.cmp(y)),
        (V::Int(x), V::UInt(y)) => Some(u64::try_from(*x).map_or(Ordering::Less, |x| x.cmp(y))),
        (V::UInt(x), V::Int(y)) => Some(i64::try_from(*x).map_or(Ordering::Greater, |x| x.cmp(y))),
        (V::Double(x), V::Double(y)) => x.partial_cmp(y),
        (V::Int(x), V::Double(y)) => (*x as f64).partial_cmp(y),
        (V::UInt(x), V::Double(y)) => (*x as f64).partial_cmp(y),
        (V::Double(x), V::Int(y)) => x.partial_cmp(&(*y as f64)),
        (V::Double(x), V::UInt(y)) => x.partial_cmp(&(*y as f64)),
        _ => return None,
    })
}

/// Lists and maps, whose equality the cel crate decides by their kinds.
fn composite(v: &V) -> bool {
    matches!(
        v,
        V::List(_)
            | V::Map(_)
            | V::Ref(_)
            | V::Entry(_)
            | V::Meta(_)
            | V::Entries(_)
            | V::Items(_)
            | V::Literals(_)
            | V::Obj(_)
            | V::EmptyMap
    )
}

/// `type(v)`'s name.
fn type_name(v: &V) -> Result<&'static str> {
    Ok(match v {
        V::Null => "null_type",
        V::Bool(_) => "bool",
        V::Int(_) => "int",
        V::UInt(_) => "uint",
        V::Double(_) => "double",
        V::Str(_) => "string",
        V::Type(_) => "type",
        V::List(_) | V::Items(_) | V::Literals(_) | V::Entries(_) => "list",
        V::Map(_) | V::Ref(_) | V::Entry(_) | V::Meta(_) | V::Obj(_) | V::EmptyMap => "map",
        V::Opt(_) => return Err(Bail),
    })
}

/// `@result + x`: a list grown by a comprehension's step, or a count.
fn accumulate<'a>(sum: V<'a>, add: V<'a>) -> Result<V<'a>> {
    let built = |v: &V| matches!(v, V::Items(_) | V::Literals(_));
    match (sum, add) {
        (V::Int(a), V::Int(b)) => a.checked_add(b).map(V::Int).ok_or(Bail),
        (sum, add) if built(&sum) && built(&add) => {
            let mut items = match sum {
                V::Items(items) => items,
                other => Rc::new(elements(&other, false).ok_or(Bail)?.collect()),
            };
            Rc::make_mut(&mut items).extend(elements(&add, false).ok_or(Bail)?);
            Ok(V::Items(items))
        }
        _ => Err(Bail),
    }
}

/// Appends a scalar as the cel crate shows it (an unsigned number only on
/// its own, not in a list), `?` for anything else.
fn shown(v: &V, alone: bool, out: &mut String) {
    use std::fmt::Write;
    // Writing into a string does not fail.
    let _ = match v {
        V::Str(s) => out.write_str(s),
        V::Int(i) => write!(out, "{i}"),
        V::UInt(u) if alone => write!(out, "{u}"),
        V::Double(f) => write!(out, "{f}"),
        V::Bool(b) => write!(out, "{b}"),
        _ => out.write_char('?'),
    };
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate, Selected, Settings};
    use super::*;
    use crate::model::{Format, Resource};
    use crate::policy::{load, Cases, Policy};
    use crate::source::{FileId, SourceFile, Span};
    use std::sync::Arc;

    fn node(v: serde_json::Value) -> Node {
        use serde_json::Value as J;
        let value = match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(b),
            J::Number(n) => n
                .as_i64()
                .map_or(Value::Float(n.as_f64().unwrap()), Value::Int),
            J::String(s) if s == "(unknown)" => Value::Unknown,
            J::String(s) => match s.strip_prefix("ref:") {
                Some(address) => Value::reference(address.to_string(), "id".to_string()),
                None => Value::Str(s),
            },
            J::Array(items) => Value::List(items.into_iter().map(node).collect()),
            J::Object(m) => Value::Map(m.into_iter().map(|(k, v)| (k, node(v))).collect()),
        };
        Node::new(value, Span::new(FileId(0), 0, 0))
    }

    fn resource(address: &str, ty: &str, props: serde_json::Value) -> Resource {
        Resource {
            address: address.to_string(),
            native_type: ty.to_string(),
            canonical_type: ty.to_string(),
            format: Format::Terraform,
            span: Span::new(FileId(0), 0, 0),
            props: node(props),
            native: node(serde_json::json!({})),
            metadata: None,
        }
    }

    fn unit() -> Unit {
        let bucket = serde_json::json!({
            "name": "x", "count": 2, "ratio": 0.5, "flag": true, "numstr": "42",
            "nothing": null, "later": "(unknown)", "tags": ["a", "b", "c"],
            "nested": {"inner": "deep"}, "items": [{"port": 22, "cidr": "0.0.0.0/0"}],
        });
        Unit {
            resources: vec![
                resource("aws_s3_bucket.b", "aws_s3_bucket", bucket),
                resource(
                    "aws_s3_bucket_policy.p",
                    "aws_s3_bucket_policy",
                    serde_json::json!({"bucket": "ref:aws_s3_bucket.b"}),
                ),
            ],
            notes: Vec::new(),
        }
    }

    fn policy(assert: &str) -> Policy {
        let text = format!(
            "id: T\ntitle: t\nseverity: low\nchecklist: c\nrationale: r\nremediation: r\n\
             resource_types: [aws_s3_bucket]\nfor_each: resource.items\n\
             assert: {}\nmessage: \"m {{item.port}} {{resource.tags}}\"\n",
            serde_json::to_string(assert).unwrap()
        );
        let source = Arc::new(SourceFile::new("t.yaml".into(), "t.yaml".into(), text));
        load(&source, FileId(1), false, Cases::Read).unwrap()
    }

    /// Decides `assert` directly on the bucket and its first item.
    fn direct(unit: &Unit, policy: &Policy) -> std::result::Result<bool, Bail> {
        let forms = policy
            .compiled()
            .unwrap()
            .direct
            .as_ref()
            .expect("a direct form");
        let links = LazyLinks::new(unit);
        let all = [0, 1];
        let props = &unit.resources[0].props.value;
        let Value::Map(m) = props else { unreachable!() };
        let item = &m.get("items").unwrap().as_list().unwrap()[0];
        let mut scope = Scope {
            unit,
            links: &links,
            all: &all,
            resource: 0,
            props: &unit.resources[0].props,
            item: Some(item),
            bound: &[],
        };
        let bound = (forms.parts.iter())
            .map(|p| scope.eval(p))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        scope.bound = &bound;
        scope.decide(&forms.assert)
    }

    /// The outcome of checking `assert` in the engine: `None` for an error.
    fn outcome(unit: &Unit, policy: &Policy) -> Option<bool> {
        let out = evaluate(unit, &Selected::new(&[policy]), Settings::default());
        match (out.findings.as_slice(), out.problems.as_slice()) {
            ([], []) => Some(true),
            ([f], []) => {
                assert_eq!(f.message, "m 22 a, b, c");
                Some(false)
            }
            ([], [_]) => None,
            _ => panic!("{:?} {:?}", out.findings, out.problems),
        }
    }

    /// Each assertion is decided directly (`Some`) or left to the cel crate
    /// (`None`, where the cel crate errs); the engine, which in tests decides
    /// both ways and compares, agrees.
    #[test]
    fn direct_outcomes_are_the_cel_crates() {
        let unit = unit();
        for (assert, expected) in [
            ("resource.name == 'x' && resource.count == 2", Some(true)),
            (
                "resource.count == 2.0 && resource.count == 2u && 2u == resource.count",
                Some(true),
            ),
            (
                "resource.count < 2.5 && resource.count > 1u && resource.ratio < 1",
                Some(true),
            ),
            (
                "resource.count == '2' || resource.name == 1 || resource.nothing == 0",
                Some(false),
            ),
            ("resource.name < 'y' && resource.later == null", Some(true)),
            ("resource.name < 1", None),
            ("resource.missing == 1", None),
            ("resource.?missing.orValue(3) == 3", Some(true)),
            ("resource.?nested.?inner.orValue('') == 'deep'", Some(true)),
            ("resource.?nested.inner.orValue('') == 'deep'", Some(true)),
            ("resource.?nope.inner.orValue('d') == 'd'", Some(true)),
            (
                "resource.nested.?inner.hasValue() && !resource.nested.?nope.hasValue()",
                Some(true),
            ),
            (
                "has(resource.nested.inner) && !has(resource.nested.nope)",
                Some(true),
            ),
            ("has(resource.name.x)", None),
            ("resource.?name.?x.orValue(1) == 1", Some(true)),
            (
                "resource.tags.exists(t, t == 'a') && resource.tags.all(t, size(t) == 1)",
                Some(true),
            ),
            ("resource.tags.exists_one(t, t == 'b')", Some(true)),
            // More comprehension variables than the slots held on the stack.
            (
                "resource.tags.exists(a, resource.tags.exists(b, resource.tags.exists(c, a + b + c == 'cab')))",
                Some(true),
            ),
            (
                "resource.tags.all(a, resource.tags.all(b, resource.tags.exists(c, a + b + c == 'aaa')))",
                Some(false),
            ),
            ("resource.tags.map(t, t + '!')[0] == 'a!'", Some(true)),
            ("size(resource.tags.filter(t, t != 'a')) == 2", Some(true)),
            (
                "'a' in resource.tags && !('z' in resource.tags) && !(1 in resource.tags)",
                Some(true),
            ),
            (
                "'inner' in resource.nested && !(1 in resource.nested)",
                Some(true),
            ),
            ("null in resource.nested", None),
            (
                "resource.nested['inner'] == 'deep' && resource.tags[1] == 'b'",
                Some(true),
            ),
            ("resource.nested[?'nope'].orValue(1) == 1", Some(true)),
            ("resource.tags[?5].orValue('n') == 'n'", Some(true)),
            ("resource.tags[5] == 'x'", None),
            (
                "type(resource.nested) == map && type(resource.tags) == list \
                 && type(resource.name) == string && type(resource.count) == int \
                 && type(resource.ratio) == double && type(resource.flag) == bool \
                 && type(resource.nothing) == null_type",
                Some(true),
            ),
            (
                "string(resource.count) == '2' && string(resource.flag) == 'true'",
                Some(true),
            ),
            ("int(resource.numstr) == 42", Some(true)),
            ("int(resource.name) == 1", None),
            (
                "resource.name.startsWith('x') && resource.name.endsWith('x')",
                Some(true),
            ),
            (
                "resource.name.contains('y') || resource.name.matches('^y')",
                Some(false),
            ),
            ("resource.name.matches('(')", None),
            (
                "size('héllo') == 5 && size(resource.nested) == 1",
                Some(true),
            ),
            ("resource.flag ? resource.count > 1 : false", Some(true)),
            ("resource.name && true", None),
            ("!resource.flag || resource.count > 1", Some(true)),
            ("{'a': 1}['a'] == 1 && 'a' in {'a': 1}", Some(true)),
            ("{'tcp': '6'}[?'udp'].orValue('x') == 'x'", Some(true)),
            ("[1, 2].exists(x, x == 2u) && [1, 2] != 3", Some(true)),
            (
                "resource.flag in [true, 'true'] && !(resource.name in ['a', 'b']) \
                 && size([1, 'x', null]) == 3 && [1, 2][1] == 2 && type([]) == list",
                Some(true),
            ),
            (
                "resource.tags.map(t, 7)[2] == 7 && size([].map(t, 1)) == 0",
                Some(true),
            ),
            ("[1, 2][2] == 1", None),
            ("item.port == 22 && item.cidr == '0.0.0.0/0'", Some(true)),
            ("'x' + resource.name == 'xx'", Some(true)),
            (
                "refers_to(resources[1].props.bucket, meta.address)",
                Some(true),
            ),
            (
                "meta.referrers.exists(r, r.type == 'aws_s3_bucket_policy')",
                Some(true),
            ),
            (
                "size(meta.referrers) == 1 && meta.format == 'terraform'",
                Some(true),
            ),
            (
                "target(resources[1].props.bucket).address == 'aws_s3_bucket.b'",
                Some(true),
            ),
            ("size(target('nowhere')) == 0", Some(true)),
            (
                "referrers(meta.address, 'aws_s3_bucket_policy')[0].address \
                 == 'aws_s3_bucket_policy.p'",
                Some(true),
            ),
            (
                "resources.exists(r, r.type == 'aws_s3_bucket_policy')",
                Some(true),
            ),
            ("base64_decoded('aGVsbG8=') == 'hello'", Some(true)),
            ("is_dynamic_reference('{{resolve:ssm:x}}')", Some(true)),
            ("resource.count", None),
        ] {
            let policy = policy(assert);
            assert_eq!(direct(&unit, &policy).ok(), expected, "{assert}");
            assert_eq!(outcome(&unit, &policy), expected, "{assert}");
        }
    }

    /// What is not modelled here (comparing lists, maps) is left to the
    /// cel crate, which decides it.
    #[test]
    fn what_is_not_modelled_is_left_to_the_cel_crate() {
        let unit = unit();
        for (assert, expected) in [
            ("resource.tags == ['a', 'b', 'c']", true),
            ("resource.nested != {'inner': 'deep'}", false),
        ] {
            let policy = policy(assert);
            assert!(direct(&unit, &policy).is_err(), "{assert}");
            assert_eq!(outcome(&unit, &policy), Some(expected), "{assert}");
        }
    }
}
