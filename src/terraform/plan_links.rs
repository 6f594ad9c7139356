//! References between the resources of a plan. A plan's values hold what
//! is known before apply, so an attribute set from another resource
//! (`vpc_id = aws_vpc.main.id`) is usually unknown there. The plan's
//! `configuration` still says what each expression referred to, and known
//! ids and ARNs in `planned_values` name their resource: both become
//! references to the instance, as the same configuration in HCL gives.

use crate::model::{Node, Reference, Resource, Value};
use foldhash::{HashMap, HashMapExt};

/// Names in a reference that are not resources.
const NOT_RESOURCES: &[&str] = &[
    "var",
    "local",
    "module",
    "data",
    "each",
    "count",
    "path",
    "terraform",
    "self",
];

/// Attributes whose known values name a resource.
const IDENTIFIERS: &[&str] = &["id", "arn"];

/// A planned resource: its configuration's module path (without instance
/// keys, `module.vpc.`), the module instance it is in (`module.vpc["a"].`),
/// its configuration address (`aws_vpc.main`) and instance key (`[0]`).
pub struct Planned {
    pub config_module: String,
    pub module: String,
    pub config_address: String,
    pub key: String,
}

/// Replaces the values that refer to another resource of `resources` with
/// references to its instance; `planned[i]` describes `resources[i]`.
pub fn link(resources: &mut [Resource], planned: &[Planned], configuration: Option<&Node>) {
    let instances: HashMap<&str, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.address.as_str(), i))
        .collect();
    let mut links: Vec<(usize, Vec<String>, Reference)> = Vec::new();
    if let Some(config) = configuration.and_then(|c| c.get("root_module")) {
        let mut modules = HashMap::new();
        config_resources(config, "", &mut modules);
        for (i, p) in planned.iter().enumerate() {
            let Some(expressions) =
                modules.get(&(p.config_module.clone(), p.config_address.clone()))
            else {
                continue;
            };
            let target = |r: &[&str]| resolve(r, p, &instances, expressions);
            expression_links(
                expressions.get("expressions"),
                &mut Vec::new(),
                &target,
                &mut |path, to| links.push((i, path, to)),
            );
        }
    }
    links.extend(identifier_links(resources));
    for (i, path, to) in links {
        if let Some(node) = at_path(&mut resources[i].props, &path) {
            node.value = Value::Ref(Box::new(to));
        }
    }
}

/// The configuration's resources by (module path, address).
fn config_resources<'a>(m: &'a Node, path: &str, out: &mut HashMap<(String, String), &'a Node>) {
    for r in m
        .get("resources")
        .and_then(Node::as_list)
        .unwrap_or_default()
    {
        if let Some(address) = r.get("address").and_then(Node::as_str) {
            out.insert((path.to_string(), address.to_string()), r);
        }
    }
    if let Some(Value::Map(calls)) = m.get("module_calls").map(|c| &c.value) {
        for (name, call) in calls {
            if let Some(module) = call.get("module") {
                config_resources(module, &format!("{path}module.{name}."), out);
            }
        }
    }
}

/// Walks an `expressions` object beside the values it describes, calling
/// `found` with the path of every attribute whose references name one instance.
fn expression_links(
    expressions: Option<&Node>,
    path: &mut Vec<String>,
    target: &dyn Fn(&[&str]) -> Option<Reference>,
    found: &mut dyn FnMut(Vec<String>, Reference),
) {
    let Some(Value::Map(attrs)) = expressions.map(|e| &e.value) else {
        return;
    };
    for (name, expr) in attrs {
        path.push(name.clone());
        match &expr.value {
            Value::Map(_) => {
                let refs: Vec<&str> = expr
                    .get("references")
                    .and_then(Node::as_list)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_str)
                    .collect();
                if let Some(to) = target(&refs) {
                    found(path.clone(), to);
                }
            }
            Value::List(blocks) => {
                for (i, block) in blocks.iter().enumerate() {
                    path.push(i.to_string());
                    expression_links(Some(block), path, target, found);
                    path.pop();
                }
            }
            _ => {}
        }
        path.pop();
    }
}

/// The one instance the references of an expression name, from the most
/// specific reference (`aws_vpc.x[0].id`) to the least (`aws_vpc.x`); a
/// resource with many instances is taken at the referrer's own key (as with
/// `count.index`, `each.key`), and `each.value` at the key of the resource
/// its `for_each` iterates.
fn resolve(
    refs: &[&str],
    referrer: &Planned,
    instances: &HashMap<&str, usize>,
    config: &Node,
) -> Option<Reference> {
    let by_each = refs.iter().any(|r| r.starts_with("each."));
    let mut candidates: Vec<(String, String)> = refs.iter().filter_map(|r| parse(r)).collect();
    if by_each {
        let over = config
            .get("for_each_expression")
            .and_then(|e| e.get("references"))
            .and_then(Node::as_list)
            .unwrap_or_default();
        let attribute = refs
            .iter()
            .find_map(|r| r.strip_prefix("each.value."))
            .unwrap_or("id");
        candidates.extend(
            over.iter()
                .filter_map(Node::as_str)
                .filter_map(parse)
                .map(|(address, _)| (address, attribute.to_string())),
        );
    }
    candidates
        .sort_by_key(|(address, attribute)| std::cmp::Reverse((address.len(), attribute.len())));
    candidates.into_iter().find_map(|(address, attribute)| {
        let exact = format!("{}{address}", referrer.module);
        let keyed = format!("{exact}{}", referrer.key);
        [exact, keyed]
            .into_iter()
            .find(|a| instances.contains_key(a.as_str()))
            .map(|address| Reference { address, attribute })
    })
}

/// `aws_vpc.x[0].id` → (`aws_vpc.x[0]`, `id`); `None` for what is not a
/// managed resource (`var.x`, `data.y.z`, `module.m.out`).
fn parse(reference: &str) -> Option<(String, String)> {
    let (ty, rest) = reference.split_once('.')?;
    if NOT_RESOURCES.contains(&ty) || !ty.contains('_') {
        return None;
    }
    let (name, attribute) = match rest.find(['.', '[']) {
        Some(end) if rest[end..].starts_with('[') => {
            let close = rest[end..].find(']')? + end + 1;
            let attribute = rest[close..].strip_prefix('.').unwrap_or("");
            (&rest[..close], attribute)
        }
        Some(end) => (&rest[..end], &rest[end + 1..]),
        None => (rest, ""),
    };
    let attribute = attribute.split('.').next().unwrap_or("");
    let attribute = if attribute.is_empty() {
        "id"
    } else {
        attribute
    };
    Some((format!("{ty}.{name}"), attribute.to_string()))
}

/// Values equal to another resource's known `id` or `arn` refer to it
/// (tags excepted: a name there is a label, not a link).
fn identifier_links(resources: &[Resource]) -> Vec<(usize, Vec<String>, Reference)> {
    // An id or ARN two resources share (a bucket and its split settings
    // have the bucket's name as id) names neither.
    let mut seen: HashMap<&str, Option<Reference>> = HashMap::new();
    for r in resources {
        for attribute in IDENTIFIERS {
            if let Some(value) = r.props.get(attribute).and_then(Node::as_str) {
                let to = Reference {
                    address: r.address.clone(),
                    attribute: attribute.to_string(),
                };
                seen.entry(value)
                    .and_modify(|known| {
                        if known.as_ref().is_some_and(|k| k.address != to.address) {
                            *known = None;
                        }
                    })
                    .or_insert(Some(to));
            }
        }
    }
    let known: HashMap<&str, Reference> = seen
        .into_iter()
        .filter_map(|(v, to)| Some((v, to?)))
        .collect();
    let mut out = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        strings(&r.props, &mut Vec::new(), &mut |path, value| {
            let tag = path.first().is_some_and(|k| k.starts_with("tags"));
            match known.get(value) {
                Some(to) if to.address != r.address && !tag => {
                    out.push((i, path.to_vec(), to.clone()));
                }
                _ => {}
            }
        });
    }
    out
}

/// Calls `found` with the path and text of every string inside `node`.
fn strings(node: &Node, path: &mut Vec<String>, found: &mut dyn FnMut(&[String], &str)) {
    match &node.value {
        Value::Str(s) => found(path, s),
        Value::Map(m) => {
            for (k, v) in m {
                path.push(k.clone());
                strings(v, path, found);
                path.pop();
            }
        }
        Value::List(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(i.to_string());
                strings(v, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The node at `path` (map keys and list indexes).
fn at_path<'a>(node: &'a mut Node, path: &[String]) -> Option<&'a mut Node> {
    let Some((first, rest)) = path.split_first() else {
        return Some(node);
    };
    let next = match &mut node.value {
        Value::Map(m) => m.get_mut(first)?,
        Value::List(items) => items.get_mut(first.parse::<usize>().ok()?)?,
        _ => return None,
    };
    at_path(next, rest)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn references_name_resources_and_attributes() {
        let p = |r: &str| parse(r).map(|(a, b)| format!("{a} {b}"));
        assert_eq!(p("aws_vpc.main.id").as_deref(), Some("aws_vpc.main id"));
        assert_eq!(p("aws_vpc.main").as_deref(), Some("aws_vpc.main id"));
        assert_eq!(p("aws_vpc.x[0].arn").as_deref(), Some("aws_vpc.x[0] arn"));
        assert_eq!(
            p(r#"aws_vpc.x["a.b"].id"#).as_deref(),
            Some(r#"aws_vpc.x["a.b"] id"#)
        );
        assert_eq!(p("var.vpc_id"), None);
        assert_eq!(p("data.aws_vpc.x.id"), None);
        assert_eq!(p("module.vpc.vpc_id"), None);
    }
}
