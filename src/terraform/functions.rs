//! Terraform's built-in functions over model nodes.
//!
//! Values picked from arguments keep their own spans (a CIDR taken from a list
//! still points where it was written); computed values take the call's span.
//! An argument that is unknown where the function needs it makes the result
//! unknown; functions not implemented here give unknown, never a guess.

use crate::budget::Budget;
use crate::model::{Map, Node, Value};
use crate::source::Span;
use foldhash::{HashSet, HashSetExt};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A definite error (wrong types, index out of range): what `try` catches.
#[derive(Debug)]
pub struct Failed;

type Outcome = Result<Node, Failed>;

/// Calls the function `name` with evaluated arguments; a result that would
/// go over `budget` is unknown (functions that repeat their arguments count
/// their result before building it; the caller counts the others).
pub fn call(name: &str, args: Vec<Node>, span: Span, budget: &Budget) -> Outcome {
    let unknown = Ok(Node::new(Value::Unknown, span));
    let shallow = |n: &Node| matches!(n.value, Value::Unknown | Value::Ref(_));
    // Functions that pass values through only need the outer structure known.
    let structural = matches!(
        name,
        "concat"
            | "merge"
            | "lookup"
            | "coalesce"
            | "coalescelist"
            | "flatten"
            | "tolist"
            | "toset"
            | "tomap"
            | "element"
            | "jsonencode"
            | "values"
            | "keys"
            | "length"
            | "slice"
            | "one"
            | "reverse"
            | "zipmap"
            | "compact"
            | "distinct"
            | "setproduct"
    );
    if structural {
        if args.iter().any(shallow) {
            return unknown;
        }
    } else if args.iter().any(deep_opaque) {
        return unknown;
    }
    let at = |value: Value| Ok(Node::new(value, span));
    match (name, args.as_slice()) {
        ("concat", _) => {
            let mut out = Vec::new();
            for arg in args {
                out.extend(list(arg)?);
            }
            at(Value::List(out))
        }
        ("merge", _) => {
            let mut out = Map::new();
            for arg in args {
                match arg.value {
                    Value::Map(m) => out.extend(m),
                    Value::Null => {}
                    _ => return Err(Failed),
                }
            }
            at(Value::Map(out))
        }
        ("lookup", [map, key, rest @ ..]) if rest.len() <= 1 => {
            let key = text(key)?;
            match (map.get(&key), rest.first()) {
                (Some(v), _) => Ok(v.clone().at(span)),
                (None, Some(default)) => Ok(default.clone().at(span)),
                (None, None) if matches!(map.value, Value::Map(_)) => Err(Failed),
                _ => Err(Failed),
            }
        }
        ("coalesce", _) => {
            for arg in &args {
                match &arg.value {
                    Value::Null => continue,
                    Value::Str(s) if s.is_empty() => continue,
                    _ => return Ok(arg.clone().at(span)),
                }
            }
            Err(Failed)
        }
        ("coalescelist", _) => {
            for arg in &args {
                if !list(arg.clone())?.is_empty() {
                    return Ok(arg.clone().at(span));
                }
            }
            Err(Failed)
        }
        ("flatten", [arg]) => {
            let mut out = Vec::new();
            if !flatten_into(arg.clone(), &mut out) {
                return unknown;
            }
            at(Value::List(out))
        }
        ("tolist" | "tomap" | "jsonencode", [arg]) => Ok(arg.clone().at(span)),
        ("toset" | "distinct", [arg]) => {
            let items = list(arg.clone())?;
            if items.iter().any(deep_opaque) {
                return unknown;
            }
            let mut seen = HashSet::new();
            let mut out: Vec<Node> = items
                .into_iter()
                .filter(|item| seen.insert(identity(&item.value)))
                .collect();
            if name == "toset" {
                out.sort_by_cached_key(|n| to_text(n).unwrap_or_default());
            }
            at(Value::List(out))
        }
        ("compact", [arg]) => {
            let items = list(arg.clone())?;
            if items.iter().any(shallow) {
                return unknown;
            }
            let keep = |n: &Node| !matches!(&n.value, Value::Null) && n.as_str() != Some("");
            at(Value::List(items.into_iter().filter(keep).collect()))
        }
        ("tostring", [arg]) => match &arg.value {
            Value::Null => at(Value::Null),
            Value::List(_) | Value::Map(_) => Err(Failed),
            _ => at(Value::Str(to_text(arg).ok_or(Failed)?)),
        },
        ("tonumber", [arg]) => match &arg.value {
            Value::Int(_) | Value::Float(_) | Value::Null => Ok(arg.clone().at(span)),
            Value::Str(s) => at(s.trim().parse::<f64>().map(number).map_err(|_| Failed)?),
            _ => Err(Failed),
        },
        ("tobool", [arg]) => match &arg.value {
            Value::Bool(_) | Value::Null => Ok(arg.clone().at(span)),
            Value::Str(s) if s == "true" || s == "false" => at(Value::Bool(s == "true")),
            _ => Err(Failed),
        },
        ("jsondecode" | "yamldecode", [arg]) => decode(name, arg, span),
        ("setproduct", [_, ..]) => {
            let lists: Vec<Vec<Node>> = args.into_iter().map(list).collect::<Result<_, _>>()?;
            let (steps, bytes) = product_cost(&lists);
            if !budget.charge(span, steps, bytes) {
                return unknown;
            }
            at(Value::List(product(&lists, span)))
        }
        ("format", [fmt, rest @ ..]) => at(Value::Str(format(&text(fmt)?, rest)?)),
        ("join", [sep, lists @ ..]) => {
            let sep = text(sep)?;
            let mut parts = Vec::new();
            for l in lists {
                for item in list(l.clone())? {
                    parts.push(text(&item)?);
                }
            }
            let length = parts.iter().map(|p| p.len() as u64).sum::<u64>()
                + sep.len() as u64 * parts.len().saturating_sub(1) as u64;
            if !budget.charge(span, 0, length) {
                return unknown;
            }
            at(Value::Str(parts.join(&sep)))
        }
        ("split", [sep, s]) => {
            let (sep, s) = (text(sep)?, text(s)?);
            let parts = s
                .split(sep.as_str())
                .map(|p| Node::new(Value::Str(p.to_string()), span))
                .collect();
            at(Value::List(parts))
        }
        ("length", [arg]) => match &arg.value {
            Value::List(l) => at(Value::Int(l.len() as i64)),
            Value::Map(m) => at(Value::Int(m.len() as i64)),
            Value::Str(s) => at(Value::Int(s.chars().count() as i64)),
            _ => Err(Failed),
        },
        ("contains", [l, v]) => at(Value::Bool(
            list(l.clone())?.iter().any(|i| same(&i.value, &v.value)),
        )),
        ("element", [l, i]) => {
            let items = list(l.clone())?;
            let Value::Int(i) = i.value else {
                return if shallow(i) { unknown } else { Err(Failed) };
            };
            if items.is_empty() || i < 0 {
                return Err(Failed);
            }
            Ok(items[i as usize % items.len()].clone().at(span))
        }
        (
            "keys",
            [Node {
                value: Value::Map(m),
                ..
            }],
        ) => at(Value::List(
            m.keys()
                .map(|k| Node::new(Value::Str(k.clone()), span))
                .collect(),
        )),
        (
            "values",
            [Node {
                value: Value::Map(m),
                ..
            }],
        ) => at(Value::List(m.values().cloned().collect())),
        ("zipmap", [k, v]) => {
            let (k, v) = (list(k.clone())?, list(v.clone())?);
            if k.len() != v.len() {
                return Err(Failed);
            }
            let mut map = Map::new();
            for (key, value) in k.iter().zip(v) {
                map.insert(text(key)?, value);
            }
            at(Value::Map(map))
        }
        ("slice", [l, from, to]) => {
            let items = list(l.clone())?;
            let (Value::Int(from), Value::Int(to)) = (&from.value, &to.value) else {
                return unknown;
            };
            let (from, to) = (*from as usize, *to as usize);
            if from > to || to > items.len() {
                return Err(Failed);
            }
            at(Value::List(items[from..to].to_vec()))
        }
        ("one", [l]) => match list(l.clone())?.as_slice() {
            [] => at(Value::Null),
            [only] => Ok(only.clone().at(span)),
            _ => Err(Failed),
        },
        ("reverse", [l]) => at(Value::List(list(l.clone())?.into_iter().rev().collect())),
        ("sort", [l]) => {
            let mut items: Vec<String> = list(l.clone())?
                .iter()
                .map(text)
                .collect::<Result<_, _>>()?;
            items.sort();
            let items = items.into_iter().map(|s| Node::new(Value::Str(s), span));
            at(Value::List(items.collect()))
        }
        ("range", _) => {
            let n: Vec<i64> = args.iter().map(int).collect::<Result<_, _>>()?;
            let (start, end, step) = match n.as_slice() {
                [end] => (0, *end, 1),
                [start, end] => (*start, *end, if start <= end { 1 } else { -1 }),
                [start, end, step] if *step != 0 => (*start, *end, *step),
                _ => return Err(Failed),
            };
            let mut out = Vec::new();
            let mut i = start;
            while (step > 0 && i < end) || (step < 0 && i > end) {
                if out.len() >= 1024 {
                    return Err(Failed);
                }
                out.push(Node::new(Value::Int(i), span));
                i = i.checked_add(step).ok_or(Failed)?;
            }
            at(Value::List(out))
        }
        ("lower", [s]) => at(Value::Str(text(s)?.to_lowercase())),
        ("base64encode", [s]) => at(Value::Str(crate::base64::encode(text(s)?.as_bytes()))),
        ("base64decode", [s]) => {
            let bytes = crate::base64::decode(&text(s)?).ok_or(Failed)?;
            at(Value::Str(String::from_utf8(bytes).map_err(|_| Failed)?))
        }
        ("upper", [s]) => at(Value::Str(text(s)?.to_uppercase())),
        ("trimspace", [s]) => at(Value::Str(text(s)?.trim().to_string())),
        ("startswith", [s, p]) => at(Value::Bool(text(s)?.starts_with(&text(p)?))),
        ("endswith", [s, p]) => at(Value::Bool(text(s)?.ends_with(&text(p)?))),
        ("replace", [s, from, to]) => {
            let (s, from, to) = (text(s)?, text(from)?, text(to)?);
            let pattern = match from.strip_prefix('/').and_then(|f| f.strip_suffix('/')) {
                Some(p) => Some(regex(p)?),
                None => None,
            };
            let length = match &pattern {
                Some(re) => regex_replaced_length(re, &s, &to),
                None => replaced_length(&s, &from, &to),
            };
            if !budget.charge(span, 0, length) {
                return unknown;
            }
            at(Value::Str(match pattern {
                Some(re) => re.replace_all(&s, to.as_str()).into_owned(),
                None => s.replace(&from, &to),
            }))
        }
        ("regex", [pattern, s]) => {
            let (re, s) = (regex(&text(pattern)?)?, text(s)?);
            let found = re.captures(&s).ok_or(Failed)?;
            Ok(captures(&re, &found, span))
        }
        ("regexall", [pattern, s]) => {
            let (re, s) = (regex(&text(pattern)?)?, text(s)?);
            let all = re.captures_iter(&s).map(|c| captures(&re, &c, span));
            at(Value::List(all.collect()))
        }
        ("substr", [s, offset, length]) => {
            let chars: Vec<char> = text(s)?.chars().collect();
            let offset = usize::try_from(int(offset)?).map_err(|_| Failed)?;
            let length = int(length)?;
            let end = if length < 0 {
                chars.len()
            } else {
                offset.saturating_add(length as usize).min(chars.len())
            };
            at(Value::Str(
                chars.get(offset..end).ok_or(Failed)?.iter().collect(),
            ))
        }
        ("min" | "max" | "sum", _) => {
            let values: Vec<f64> = args.iter().map(float).collect::<Result<_, _>>()?;
            let folded = match name {
                "min" => values.iter().copied().reduce(f64::min),
                "max" => values.iter().copied().reduce(f64::max),
                _ => Some(values.iter().sum()),
            };
            at(number(folded.ok_or(Failed)?))
        }
        ("abs", [n]) => at(number(float(n)?.abs())),
        ("ceil", [n]) => at(number(float(n)?.ceil())),
        ("floor", [n]) => at(number(float(n)?.floor())),
        ("alltrue" | "anytrue", [l]) => {
            let bools: Vec<bool> = list(l.clone())?
                .iter()
                .map(|b| match b.value {
                    Value::Bool(b) => Ok(b),
                    _ => Err(Failed),
                })
                .collect::<Result<_, _>>()?;
            at(Value::Bool(if name == "alltrue" {
                bools.iter().all(|b| *b)
            } else {
                bools.iter().any(|b| *b)
            }))
        }
        ("cidrsubnet", [prefix, bits, num]) => at(Value::Str(cidr_subnet(
            &text(prefix)?,
            int(bits)?,
            int(num)?,
        )?)),
        ("cidrhost", [prefix, num]) => at(Value::Str(cidr_host(&text(prefix)?, int(num)?)?)),
        _ => unknown,
    }
}

/// `jsondecode` and `yamldecode`. A text that is a whole file as read (see
/// [`verbatim`]) decodes with spans into that file; any other text decodes
/// at the call. YAML is read like CloudFormation templates are (short tags
/// such as `!Ref` become their long form, where Terraform would fail).
fn decode(name: &str, arg: &Node, span: Span) -> Outcome {
    let (text, verbatim) = (text(arg)?, verbatim(arg));
    if name == "jsondecode" {
        let parsed: serde_json::Value = serde_json::from_str(&text).map_err(|_| Failed)?;
        if !verbatim {
            return Ok(from_json(&parsed, span));
        }
        return crate::json::parse(&text, arg.span.file).map_err(|_| Failed);
    }
    let file = if verbatim { arg.span.file } else { span.file };
    let mut node = crate::cfn::yaml::parse(&text, file).map_err(|_| Failed)?;
    if !verbatim {
        crate::json::shift_spans(&mut node, None, span);
    }
    Ok(node)
}

/// True for a string that spans a whole source of its own from its start:
/// the text of a file `file()` read (or of a `--var` value), so that
/// offsets into the text are offsets into that source.
pub fn verbatim(node: &Node) -> bool {
    match &node.value {
        Value::Str(s) => !s.is_empty() && node.span.start == 0 && node.span.end as usize == s.len(),
        _ => false,
    }
}

/// `setproduct`: every combination of one element of each list, in order.
fn product(lists: &[Vec<Node>], span: Span) -> Vec<Node> {
    let mut combinations: Vec<Vec<Node>> = vec![Vec::new()];
    for list in lists {
        combinations = combinations
            .into_iter()
            .flat_map(|prefix| {
                list.iter().map(move |item| {
                    let mut next = prefix.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect();
    }
    combinations
        .into_iter()
        .map(|c| Node::new(Value::List(c), span))
        .collect()
}

/// What `setproduct` builds: steps (one list per combination, and the
/// nodes of its elements) and bytes of text copied, saturating.
fn product_cost(lists: &[Vec<Node>]) -> (u64, u64) {
    let total = lists
        .iter()
        .fold(1u64, |n, l| n.saturating_mul(l.len() as u64));
    lists.iter().fold((total, 0), |(steps, bytes), list| {
        // Each element of this list appears in `total / len` combinations.
        let times = total.checked_div(list.len() as u64).unwrap_or(0);
        let sizes = list.iter().map(crate::budget::size);
        let (nodes, text) = sizes.fold((0u64, 0u64), |(n, t), s| (n + s.nodes, t + s.bytes));
        (
            steps.saturating_add(nodes.saturating_mul(times)),
            bytes.saturating_add(text.saturating_mul(times)),
        )
    })
}

/// The length of `s` with every `from` replaced by `to`.
fn replaced_length(s: &str, from: &str, to: &str) -> u64 {
    let count = if from.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(from).count()
    } as u64;
    (s.len() as u64 + count * to.len() as u64).saturating_sub(count * from.len() as u64)
}

/// A bound on the length of `s` with every match of `re` replaced by `to`
/// (each `$` group counted as long as the whole match).
fn regex_replaced_length(re: &regex::Regex, s: &str, to: &str) -> u64 {
    let groups = to.matches('$').count() as u64;
    re.find_iter(s).fold(s.len() as u64, |length, m| {
        let matched = m.len() as u64;
        length + to.len() as u64 + groups * matched - matched
    })
}

fn regex(pattern: &str) -> Result<regex::Regex, Failed> {
    regex::Regex::new(pattern).map_err(|_| Failed)
}

/// A match like Terraform's `regex`: the matched text without capture
/// groups, a map with named groups, else the list of groups.
fn captures(re: &regex::Regex, c: &regex::Captures, span: Span) -> Node {
    let text =
        |m: Option<regex::Match>| m.map_or(Value::Null, |m| Value::Str(m.as_str().to_string()));
    let value = if re.captures_len() == 1 {
        text(c.get(0))
    } else if re.capture_names().flatten().next().is_some() {
        Value::Map(
            re.capture_names()
                .flatten()
                .map(|n| (n.to_string(), Node::new(text(c.name(n)), span)))
                .collect(),
        )
    } else {
        Value::List(
            (1..re.captures_len())
                .map(|i| Node::new(text(c.get(i)), span))
                .collect(),
        )
    };
    Node::new(value, span)
}

/// True if the value is unknown or a reference, or holds one.
fn deep_opaque(n: &Node) -> bool {
    match &n.value {
        Value::Unknown | Value::Ref(_) => true,
        Value::List(l) => l.iter().any(deep_opaque),
        Value::Map(m) => m.values().any(deep_opaque),
        _ => false,
    }
}

fn list(n: Node) -> Result<Vec<Node>, Failed> {
    match n.value {
        Value::List(l) => Ok(l),
        _ => Err(Failed),
    }
}

fn text(n: &Node) -> Result<String, Failed> {
    match &n.value {
        Value::List(_) | Value::Map(_) | Value::Null => Err(Failed),
        _ => to_text(n).ok_or(Failed),
    }
}

fn int(n: &Node) -> Result<i64, Failed> {
    match &n.value {
        Value::Int(i) => Ok(*i),
        Value::Float(f) if f.fract() == 0.0 => Ok(*f as i64),
        Value::Str(s) => s.parse().map_err(|_| Failed),
        _ => Err(Failed),
    }
}

fn float(n: &Node) -> Result<f64, Failed> {
    match &n.value {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Str(s) => s.parse().map_err(|_| Failed),
        _ => Err(Failed),
    }
}

/// A number as an integer when it is whole; unknown when it is not finite
/// (beyond what a 64-bit float holds).
pub fn number(f: f64) -> Value {
    if !f.is_finite() {
        Value::Unknown
    } else if f.fract() == 0.0 && f.abs() < 9e15 {
        Value::Int(f as i64)
    } else {
        Value::Float(f)
    }
}

fn flatten_into(n: Node, out: &mut Vec<Node>) -> bool {
    match n.value {
        Value::List(items) => items.into_iter().all(|i| flatten_into(i, out)),
        Value::Unknown | Value::Ref(_) => false,
        _ => {
            out.push(n);
            true
        }
    }
}

/// The text of a value inside a string template; collections as JSON (what
/// `jsonencode` yields). `None` when unknown.
pub fn to_text(n: &Node) -> Option<String> {
    match &n.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::List(_) | Value::Map(_) => n.to_json().map(|j| j.to_string()),
        Value::Null | Value::Unknown | Value::Ref(_) => None,
    }
}

/// A text that two values share exactly when they are [`same`], to find
/// duplicates by hashing.
fn identity(v: &Value) -> String {
    let mut out = String::new();
    write_identity(v, &mut out);
    out
}

fn write_identity(v: &Value, out: &mut String) {
    use std::fmt::Write;
    let _ = match v {
        Value::Float(f) => match number(*f) {
            Value::Int(i) => write!(out, "i{i};"),
            _ => write!(out, "f{};", f.to_bits()),
        },
        Value::Int(i) => write!(out, "i{i};"),
        Value::Str(s) => write!(out, "s{}:{s}", s.len()),
        Value::List(items) => {
            out.push('[');
            items.iter().for_each(|i| write_identity(&i.value, out));
            write!(out, "]")
        }
        Value::Map(m) => {
            out.push('{');
            for (k, i) in m {
                let _ = write!(out, "{}:{k}", k.len());
                write_identity(&i.value, out);
            }
            write!(out, "}}")
        }
        other => write!(out, "{other:?};"),
    };
}

/// Equality of values, ignoring where they were written.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(&x.value, &y.value))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, x), (ky, y))| kx == ky && same(&x.value, &y.value))
        }
        (Value::Int(i), Value::Float(f)) | (Value::Float(f), Value::Int(i)) => *i as f64 == *f,
        _ => a == b,
    }
}

/// A JSON value as a node written at `span`.
pub fn from_json(j: &serde_json::Value, span: Span) -> Node {
    use serde_json::Value as J;
    let value = match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_f64().map(Value::Float))
            .unwrap_or(Value::Unknown),
        J::String(s) => Value::Str(s.clone()),
        J::Array(a) => Value::List(a.iter().map(|v| from_json(v, span)).collect()),
        J::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| (k.clone(), from_json(v, span)))
                .collect(),
        ),
    };
    Node::new(value, span)
}

/// The (key, value) pairs a `for` expression iterates: list indexes or map keys.
pub fn entries(n: &Node) -> Option<Vec<(Node, Node)>> {
    match &n.value {
        Value::List(l) => Some(
            l.iter()
                .enumerate()
                .map(|(i, v)| (Node::new(Value::Int(i as i64), v.span), v.clone()))
                .collect(),
        ),
        Value::Map(m) => Some(
            m.iter()
                .map(|(k, v)| (Node::new(Value::Str(k.clone()), v.span), v.clone()))
                .collect(),
        ),
        _ => None,
    }
}

/// `format`: `%s`, `%d`, `%v`, `%q`, `%f`, `%t` and `%%` (flags other than
/// width are not supported and fail).
fn format(fmt: &str, args: &[Node]) -> Result<String, Failed> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'v' | 'd' | 't') => out.push_str(&text(args.next().ok_or(Failed)?)?),
            Some('q') => out.push_str(&format!("{:?}", text(args.next().ok_or(Failed)?)?)),
            Some('f') => out.push_str(&format!("{:.6}", float(args.next().ok_or(Failed)?)?)),
            _ => return Err(Failed),
        }
    }
    Ok(out)
}

fn parse_cidr(prefix: &str) -> Result<(IpAddr, u32), Failed> {
    let (addr, len) = prefix.split_once('/').ok_or(Failed)?;
    Ok((
        addr.parse().map_err(|_| Failed)?,
        len.parse().map_err(|_| Failed)?,
    ))
}

/// `cidrsubnet(prefix, newbits, netnum)` for IPv4 and IPv6.
fn cidr_subnet(prefix: &str, newbits: i64, netnum: i64) -> Result<String, Failed> {
    let (addr, len) = parse_cidr(prefix)?;
    let width = if addr.is_ipv4() { 32 } else { 128 };
    let new_len = u32::try_from(newbits)
        .ok()
        .and_then(|n| n.checked_add(len))
        .ok_or(Failed)?;
    let netnum = u128::try_from(netnum).map_err(|_| Failed)?;
    if new_len > width || (newbits < 128 && netnum >> newbits != 0) {
        return Err(Failed);
    }
    let base = bits(addr) & mask(len, width);
    let network = base | netnum.checked_shl(width - new_len).unwrap_or(0);
    Ok(format!("{}/{new_len}", to_addr(network, addr.is_ipv4())))
}

/// `cidrhost(prefix, hostnum)` (non-negative host numbers).
fn cidr_host(prefix: &str, hostnum: i64) -> Result<String, Failed> {
    let (addr, len) = parse_cidr(prefix)?;
    let width = if addr.is_ipv4() { 32 } else { 128 };
    let hostnum = u128::try_from(hostnum).map_err(|_| Failed)?;
    if len > width || (width - len < 128 && hostnum >> (width - len) != 0) {
        return Err(Failed);
    }
    let host = (bits(addr) & mask(len, width)) | hostnum;
    Ok(to_addr(host, addr.is_ipv4()))
}

fn bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u32::from(a) as u128,
        IpAddr::V6(a) => u128::from(a),
    }
}

fn mask(len: u32, width: u32) -> u128 {
    let all = if width == 32 {
        u32::MAX as u128
    } else {
        u128::MAX
    };
    all & !all.checked_shr(len).unwrap_or(0)
}

fn to_addr(bits: u128, v4: bool) -> String {
    if v4 {
        Ipv4Addr::from(bits as u32).to_string()
    } else {
        Ipv6Addr::from(bits).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Node {
        Node::new(Value::Str(v.into()), Span::default())
    }
    fn i(v: i64) -> Node {
        Node::new(Value::Int(v), Span::default())
    }

    #[test]
    fn cidrsubnet_matches_terraform() {
        let at = Span::default();
        let r = call(
            "cidrsubnet",
            vec![s("10.0.0.0/16"), i(8), i(2)],
            at,
            &Budget::default(),
        )
        .unwrap();
        assert_eq!(r.as_str(), Some("10.0.2.0/24"));
        let r = call(
            "cidrsubnet",
            vec![s("fd00:fd12:3456:7890::/56"), i(16), i(162)],
            at,
            &Budget::default(),
        );
        assert_eq!(r.unwrap().as_str(), Some("fd00:fd12:3456:7800:a200::/72"));
        assert!(call(
            "cidrsubnet",
            vec![s("10.0.0.0/16"), i(2), i(4)],
            at,
            &Budget::default()
        )
        .is_err());
        let r = call(
            "cidrhost",
            vec![s("10.12.112.0/20"), i(16)],
            at,
            &Budget::default(),
        )
        .unwrap();
        assert_eq!(r.as_str(), Some("10.12.112.16"));
        // Edge widths neither overflow nor panic.
        let r = call(
            "cidrsubnet",
            vec![s("::/0"), i(0), i(0)],
            at,
            &Budget::default(),
        )
        .unwrap();
        assert_eq!(r.as_str(), Some("::/0"));
        let r = call("cidrhost", vec![s("::1/128"), i(0)], at, &Budget::default()).unwrap();
        assert_eq!(r.as_str(), Some("::1"));
        assert!(call(
            "cidrsubnet",
            vec![s("10.0.0.0/4294967295"), i(1), i(0)],
            at,
            &Budget::default()
        )
        .is_err());
    }

    #[test]
    fn format_join_and_unknowns() {
        let at = Span::default();
        let r = call(
            "format",
            vec![s("%s-%d%%"), s("a"), i(3)],
            at,
            &Budget::default(),
        )
        .unwrap();
        assert_eq!(r.as_str(), Some("a-3%"));
        let l = Node::new(Value::List(vec![s("a"), s("b")]), at);
        let r = call("join", vec![s(","), l], at, &Budget::default()).unwrap();
        assert_eq!(r.as_str(), Some("a,b"));
        let unknown = Node::new(Value::Unknown, at);
        assert!(call("upper", vec![unknown], at, &Budget::default())
            .unwrap()
            .is_unknown());
        let r = call(
            "regexall",
            vec![s("^[a-z]{2}-"), s("eu-west-1a")],
            at,
            &Budget::default(),
        )
        .unwrap();
        assert_eq!(r.as_list().map(|l| l.len()), Some(1));
        let r = call(
            "regex",
            vec![s("(?P<az>[a-z])$"), s("eu-west-1a")],
            at,
            &Budget::default(),
        )
        .unwrap();
        assert_eq!(r.get("az").and_then(Node::as_str), Some("a"));
        let r = call(
            "replace",
            vec![s("a-b-c"), s("/-([a-z])/"), s("_$1")],
            at,
            &Budget::default(),
        )
        .unwrap();
        assert_eq!(r.as_str(), Some("a_b_c"));
        assert!(call("regex", vec![s("x"), s("y")], at, &Budget::default()).is_err());
    }
}
