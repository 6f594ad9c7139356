//! The entries of a map value, in key order. A map of few entries (nearly
//! every map written) is one sorted vector: one allocation sized to it,
//! searched, cloned and dropped without tree nodes. Past [`FLAT`] entries
//! it becomes a B-tree, so that a map of many keys (a hostile file) is
//! still built in O(n log n).

use super::compare::{order, same};
use super::Node;
use std::collections::{btree_map, BTreeMap};
use std::{iter, slice, vec};

/// Entries a map holds in one sorted vector before it becomes a B-tree.
const FLAT: usize = 16;

/// A map from keys to nodes, iterated in key order.
#[derive(Clone)]
pub struct Map(Repr);

#[derive(Clone)]
enum Repr {
    /// Sorted by key, each key once.
    Flat(Vec<(String, Node)>),
    Tree(BTreeMap<String, Node>),
}

impl Default for Map {
    fn default() -> Map {
        Map::new()
    }
}

/// Written as a B-tree map is.
impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Where a key goes in a [`Map`].
enum Slot<'m> {
    /// The map is a B-tree.
    Tree(&'m mut BTreeMap<String, Node>),
    /// The flat map has the key: its value.
    Taken(&'m mut Node),
    /// The flat map lacks the key: where it is inserted.
    Free(&'m mut Vec<(String, Node)>, usize),
}

impl Map {
    pub const fn new() -> Map {
        Map(Repr::Flat(Vec::new()))
    }

    /// An empty map with room for `n` entries (while it is flat).
    pub fn with_capacity(n: usize) -> Map {
        Map(Repr::Flat(Vec::with_capacity(n.min(FLAT))))
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Flat(v) => v.len(),
            Repr::Tree(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where `key` is in a flat map, or where it would go.
    fn find(v: &[(String, Node)], key: &str) -> Result<usize, usize> {
        v.binary_search_by(|(k, _)| order(k, key))
    }

    /// Where `key` is in a flat map: scanned, since keys of another length
    /// are passed over without comparing their bytes (cheaper, for so few,
    /// than a binary search's comparisons).
    fn position(v: &[(String, Node)], key: &str) -> Option<usize> {
        v.iter().position(|(k, _)| same(k, key))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.0 {
            Repr::Flat(v) => Map::position(v, key).map(|i| &v[i].1),
            Repr::Tree(t) => t.get(key),
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.0 {
            Repr::Flat(v) => Map::position(v, key).map(|i| &mut v[i].1),
            Repr::Tree(t) => t.get_mut(key),
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Makes room for `key`: a full flat map without it becomes a B-tree.
    fn room_for(&mut self, key: &str) {
        let Repr::Flat(v) = &mut self.0 else { return };
        if v.len() >= FLAT && Map::find(v, key).is_err() {
            self.0 = Repr::Tree(std::mem::take(v).into_iter().collect());
        }
    }

    /// Where `key` goes, its room made first (see [`Map::room_for`]).
    fn slot(&mut self, key: &str) -> Slot<'_> {
        self.room_for(key);
        match &mut self.0 {
            Repr::Tree(t) => Slot::Tree(t),
            Repr::Flat(v) => {
                // Keys often come in order (from a sorted map, or as
                // written): one past the last is placed after one comparison.
                let at = match v.last() {
                    Some((last, _)) if order(last, key).is_ge() => Map::find(v, key),
                    _ => Err(v.len()),
                };
                match at {
                    Ok(i) => Slot::Taken(&mut v[i].1),
                    Err(i) => Slot::Free(v, i),
                }
            }
        }
    }

    /// Sets `key` to `value`, returning the value it replaces.
    pub fn insert(&mut self, key: String, value: Node) -> Option<Node> {
        match self.slot(&key) {
            Slot::Tree(t) => t.insert(key, value),
            Slot::Taken(old) => Some(std::mem::replace(old, value)),
            Slot::Free(v, i) => {
                v.insert(i, (key, value));
                None
            }
        }
    }

    /// Inserts `key` unless the map has it already; gives both back if so.
    pub fn insert_new(&mut self, key: String, value: Node) -> Result<(), (String, Node)> {
        match self.slot(&key) {
            Slot::Tree(t) if t.contains_key(&key) => Err((key, value)),
            Slot::Tree(t) => {
                t.insert(key, value);
                Ok(())
            }
            Slot::Taken(_) => Err((key, value)),
            Slot::Free(v, i) => {
                v.insert(i, (key, value));
                Ok(())
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Node> {
        match &mut self.0 {
            Repr::Flat(v) => Map::position(v, key).map(|i| v.remove(i).1),
            Repr::Tree(t) => t.remove(key),
        }
    }

    /// The node at `key`, inserted as `make()` first if there is none.
    pub fn get_or_insert_with(&mut self, key: String, make: impl FnOnce() -> Node) -> &mut Node {
        self.room_for(&key);
        match &mut self.0 {
            Repr::Tree(t) => t.entry(key).or_insert_with(make),
            Repr::Flat(v) => {
                let i = Map::find(v, &key).unwrap_or_else(|i| {
                    v.insert(i, (key, make()));
                    i
                });
                &mut v[i].1
            }
        }
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Node) -> bool) {
        match &mut self.0 {
            Repr::Flat(v) => v.retain_mut(|(k, n)| keep(k, n)),
            Repr::Tree(t) => t.retain(|k, n| keep(k, n)),
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(match &self.0 {
            Repr::Flat(v) => IterRepr::Flat(v.iter()),
            Repr::Tree(t) => IterRepr::Tree(t.iter()),
        })
    }

    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(match &mut self.0 {
            Repr::Flat(v) => IterMutRepr::Flat(v.iter_mut()),
            Repr::Tree(t) => IterMutRepr::Tree(t.iter_mut()),
        })
    }

    pub fn keys(&self) -> Keys<'_> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> Values<'_> {
        self.iter().map(|(_, n)| n)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Node> {
        self.iter_mut().map(|(_, n)| n)
    }
}

/// Keys in order.
pub type Keys<'a> = iter::Map<Iter<'a>, fn((&'a String, &'a Node)) -> &'a String>;

/// Nodes in key order.
pub type Values<'a> = iter::Map<Iter<'a>, fn((&'a String, &'a Node)) -> &'a Node>;

/// Entries in key order, by reference.
pub struct Iter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Flat(slice::Iter<'a, (String, Node)>),
    Tree(btree_map::Iter<'a, String, Node>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a Node);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Flat(i) => i.next().map(|(k, n)| (k, n)),
            IterRepr::Tree(i) => i.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len();
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Flat(i) => i.next_back().map(|(k, n)| (k, n)),
            IterRepr::Tree(i) => i.next_back(),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {
    fn len(&self) -> usize {
        match &self.0 {
            IterRepr::Flat(i) => i.len(),
            IterRepr::Tree(i) => i.len(),
        }
    }
}

/// Entries in key order, the nodes mutable.
pub struct IterMut<'a>(IterMutRepr<'a>);

enum IterMutRepr<'a> {
    Flat(slice::IterMut<'a, (String, Node)>),
    Tree(btree_map::IterMut<'a, String, Node>),
}

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a String, &'a mut Node);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterMutRepr::Flat(i) => i.next().map(|(k, n)| (&*k, n)),
            IterMutRepr::Tree(i) => i.next(),
        }
    }
}

impl DoubleEndedIterator for IterMut<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterMutRepr::Flat(i) => i.next_back().map(|(k, n)| (&*k, n)),
            IterMutRepr::Tree(i) => i.next_back(),
        }
    }
}

/// Entries in key order, by value.
pub struct IntoIter(IntoIterRepr);

enum IntoIterRepr {
    Flat(vec::IntoIter<(String, Node)>),
    Tree(btree_map::IntoIter<String, Node>),
}

impl Iterator for IntoIter {
    type Item = (String, Node);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IntoIterRepr::Flat(i) => i.next(),
            IntoIterRepr::Tree(i) => i.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IntoIterRepr::Flat(i) => i.size_hint(),
            IntoIterRepr::Tree(i) => i.size_hint(),
        }
    }
}

impl DoubleEndedIterator for IntoIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IntoIterRepr::Flat(i) => i.next_back(),
            IntoIterRepr::Tree(i) => i.next_back(),
        }
    }
}

impl IntoIterator for Map {
    type Item = (String, Node);
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter(match self.0 {
            Repr::Flat(v) => IntoIterRepr::Flat(v.into_iter()),
            Repr::Tree(t) => IntoIterRepr::Tree(t.into_iter()),
        })
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Node);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Node);
    type IntoIter = IterMut<'a>;

    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl FromIterator<(String, Node)> for Map {
    /// As a B-tree map is collected: in key order, the last entry of a key
    /// written twice winning.
    fn from_iter<I: IntoIterator<Item = (String, Node)>>(entries: I) -> Map {
        let mut v: Vec<(String, Node)> = entries.into_iter().collect();
        if v.len() > FLAT {
            return Map(Repr::Tree(v.into_iter().collect()));
        }
        // Stable: of a key written twice, the last is the last of its run.
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(String, Node)> = Vec::with_capacity(v.len());
        for entry in v {
            match out.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => out.push(entry),
            }
        }
        Map(Repr::Flat(out))
    }
}

impl Extend<(String, Node)> for Map {
    fn extend<I: IntoIterator<Item = (String, Node)>>(&mut self, entries: I) {
        for (k, n) in entries {
            self.insert(k, n);
        }
    }
}

/// The node at a key; panics if there is none, as a B-tree map does.
impl std::ops::Index<&str> for Map {
    type Output = Node;

    fn index(&self, key: &str) -> &Node {
        self.get(key).expect("no entry for the key")
    }
}

impl<const N: usize> From<[(String, Node); N]> for Map {
    fn from(entries: [(String, Node); N]) -> Map {
        entries.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;
    use crate::source::Span;

    fn n(i: i64) -> Node {
        Node::new(Value::Int(i), Span::default())
    }

    /// Keys from a small generator, many repeated, in scrambled order.
    fn keys(seed: u64, count: usize) -> Vec<String> {
        let mut x = seed;
        (0..count)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                format!("k{}", (x >> 33) % (count as u64 / 2 + 1))
            })
            .collect()
    }

    #[test]
    fn behaves_as_a_b_tree_map_small_and_large() {
        for count in [0, 1, 3, FLAT - 1, FLAT, FLAT + 1, 40, 300] {
            for seed in 0..8 {
                let ks = keys(seed, count);
                let (mut ours, mut theirs) = (Map::new(), BTreeMap::new());
                for (i, k) in ks.iter().enumerate() {
                    let i = i as i64;
                    assert_eq!(ours.insert(k.clone(), n(i)), theirs.insert(k.clone(), n(i)));
                }
                let same = |ours: &Map, theirs: &BTreeMap<String, Node>| {
                    assert_eq!(ours.len(), theirs.len());
                    assert!(ours.iter().eq(theirs.iter()), "{count} {seed}");
                    assert!(ours.iter().rev().eq(theirs.iter().rev()));
                };
                same(&ours, &theirs);
                let collected: Map = ks
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (k.clone(), n(i as i64)))
                    .collect();
                assert_eq!(collected, ours);
                for k in ks.iter().step_by(3) {
                    assert_eq!(ours.get(k), theirs.get(k));
                    assert_eq!(ours.remove(k), theirs.remove(k));
                    assert_eq!(ours.get(k), None);
                }
                same(&ours, &theirs);
                ours.retain(|_, v| !matches!(v.value, Value::Int(i) if i % 2 == 0));
                theirs.retain(|_, v| !matches!(v.value, Value::Int(i) if i % 2 == 0));
                same(&ours, &theirs);
                assert!(ours.clone().into_iter().eq(theirs.clone().into_iter()));
                // `insert_new` keeps what is there, in a map made with room.
                let (mut first, mut firsts) = (Map::with_capacity(count), BTreeMap::new());
                for (i, k) in ks.iter().enumerate() {
                    let had = firsts.contains_key(k);
                    firsts.entry(k.clone()).or_insert_with(|| n(i as i64));
                    let given_back = first.insert_new(k.clone(), n(i as i64)).err();
                    assert_eq!(given_back, had.then(|| (k.clone(), n(i as i64))));
                }
                same(&first, &firsts);
            }
        }
    }
}
