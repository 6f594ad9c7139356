//! A parsed template into the model's resources.

use super::conditions;
use super::foreach;
use super::intrinsics::Resolver;
use super::nested::{Loader, STACK};
use super::parameters::{self, Overrides};
use super::sam;
use crate::canonical;
use crate::diag::Problem;
use crate::model::{Format, Map, Node, Resource, Unit, Value};
use std::borrow::Cow;

/// A CloudFormation template has `AWSTemplateFormatVersion`, or `Resources`
/// whose entries have a `Type` starting with `AWS::`.
pub fn looks_like_template(doc: &Node) -> bool {
    if doc.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    let Some(Value::Map(resources)) = doc.get("Resources").map(|r| &r.value) else {
        return false;
    };
    resources.values().any(|r| {
        r.get("Type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.starts_with("AWS::"))
    })
}

/// The template's resources with default parameter values, resolved as far
/// as can be known before deployment (nested stacks are not followed).
pub fn normalize_template(doc: &Node) -> (Unit, Vec<Problem>) {
    normalize(doc, &Overrides::new(), &mut Loader::none())
}

/// The template's resources with `supplied` parameter values; nested stacks
/// are followed through `loader`.
pub(super) fn normalize(
    doc: &Node,
    supplied: &Overrides,
    loader: &mut Loader,
) -> (Unit, Vec<Problem>) {
    let mut unit = Unit::default();
    let mut problems = Vec::new();
    add_resources(doc, supplied, loader, "", &mut unit, &mut problems);
    problems.extend(loader.budget.problem());
    problems.extend(canonical::finish(&mut unit));
    (unit, problems)
}

/// The native type given to template parameters, which are linted as
/// resources of the canonical type `cloudformation_parameter` (so a policy can
/// ask, e.g., that a password parameter is `NoEcho`).
pub const PARAMETER_TYPE: &str = "AWS::CloudFormation::Parameter";

/// Adds the declarations of `Parameters` to `unit` as resources.
fn add_parameters(doc: &Node, prefix: &str, keep_native: bool, unit: &mut Unit) {
    let Some(Value::Map(decls)) = doc.get("Parameters").map(|p| &p.value) else {
        return;
    };
    for (name, decl) in decls {
        let (props, native) = decl.clone().and_native(keep_native);
        let props = canonical::from_cloudformation(PARAMETER_TYPE, props);
        unit.resources.push(Resource {
            address: [prefix, name].concat(),
            native_type: PARAMETER_TYPE.to_string(),
            canonical_type: "cloudformation_parameter".to_string(),
            format: Format::CloudFormation,
            span: decl.key_span.unwrap_or(decl.span),
            props,
            native,
            metadata: None,
        });
    }
}

/// Adds the resources of `doc` to `unit`, their addresses prefixed with
/// `prefix`; returns the resolved `Outputs` when `prefix` is not empty (a nested stack).
pub(super) fn add_resources(
    doc: &Node,
    supplied: &Overrides,
    loader: &mut Loader,
    prefix: &str,
    unit: &mut Unit,
    problems: &mut Vec<Problem>,
) -> Map {
    let expanded = sam::expand(doc);
    let doc = expanded.as_ref().unwrap_or(doc);
    let empty = Map::new();
    let mut resources = match doc.get("Resources").map(|r| &r.value) {
        Some(Value::Map(m)) => Cow::Borrowed(m),
        _ => Cow::Borrowed(&empty),
    };
    let params = parameters::values(doc, supplied, problems);
    add_parameters(doc, prefix, !loader.skip_native, unit);
    let budget = &loader.budget;
    if foreach::has_loops(&resources) {
        let resolver = Resolver::new(doc, params.clone(), &empty, prefix, budget.clone());
        resources = Cow::Owned(foreach::expand(&resources, &resolver));
    }
    let mut resolver = Resolver::new(doc, params, &resources, prefix, budget.clone());
    resolver.conditions = conditions::evaluate(doc, &resolver);
    resolver.sources = loader.sources();
    // Nested stacks first: other resources may use their outputs.
    let (stacks, others): (Vec<_>, Vec<_>) = resources
        .iter()
        .partition(|(_, d)| d.get("Type").and_then(Node::as_str) == Some(STACK));
    unit.resources.reserve(resources.len());
    for (logical_id, decl) in stacks.into_iter().chain(others) {
        let header = decl.key_span.unwrap_or(decl.span);
        let native_type = match decl.get("Type") {
            Some(t) => match t.as_str() {
                Some(t) => t,
                None => {
                    problems.push(Problem::new(t.span, not_a_type(logical_id, t)));
                    continue;
                }
            },
            None => {
                problems.push(Problem::new(
                    header,
                    format!("resource '{logical_id}' has no Type"),
                ));
                continue;
            }
        };
        if resolver.excluded(decl) {
            let condition = decl.get("Condition").and_then(Node::as_str).unwrap_or("");
            unit.notes.push(Problem::new(
                header,
                format!(
                    "{prefix}{logical_id}: not created, its condition {condition} is false \
                     under the values given; not checked"
                ),
            ));
            continue;
        }
        let native = match decl.get("Properties") {
            Some(p) => match resolver.resolve(p) {
                // `Properties:` written with nothing after it sets nothing.
                None
                | Some(Node {
                    value: Value::Null, ..
                }) => empty_map(p),
                Some(n)
                    if matches!(
                        n.value,
                        Value::List(_)
                            | Value::Str(_)
                            | Value::Int(_)
                            | Value::Float(_)
                            | Value::Bool(_)
                    ) =>
                {
                    problems.push(Problem::new(
                        n.span,
                        format!("{prefix}{logical_id}: `Properties` must be a mapping"),
                    ));
                    empty_map(p)
                }
                Some(n) => n,
            },
            None => empty_map(decl),
        };
        let address = [prefix, logical_id].concat();
        if native_type == STACK {
            let outputs = loader.follow(&address, &native, unit, problems);
            resolver.stack_outputs.insert(logical_id.clone(), outputs);
        }
        let (props, native) = native.and_native(!loader.skip_native);
        let props = canonical::from_cloudformation(native_type, props);
        unit.resources.push(Resource {
            address,
            native_type: native_type.to_string(),
            canonical_type: canonical::canonical_type(native_type),
            format: Format::CloudFormation,
            span: header,
            props,
            native,
            metadata: decl.get("Metadata").cloned(),
        });
    }
    if prefix.is_empty() {
        return Map::new();
    }
    outputs(doc, &resolver)
}

/// The resolved `Value` of every output whose condition is not false.
fn outputs(doc: &Node, resolver: &Resolver) -> Map {
    let Some(Value::Map(outputs)) = doc.get("Outputs").map(|o| &o.value) else {
        return Map::new();
    };
    outputs
        .iter()
        .filter(|(_, o)| !resolver.excluded(o))
        .filter_map(|(name, o)| Some((name.clone(), resolver.resolve(o.get("Value")?)?)))
        .collect()
}

/// The error for a `Type` that is not a string; a Rain module (`!Rain::Module`)
/// means the template must be packaged (`rain pkg`) before it is deployed or linted.
fn not_a_type(logical_id: &str, t: &Node) -> String {
    let rain = t
        .get("Fn::Rain::Module")
        .or_else(|| t.get("Rain::Module"))
        .is_some();
    let hint = if rain {
        ": it is a Rain module; lint the output of `rain pkg`"
    } else {
        ""
    };
    format!("the Type of resource '{logical_id}' is not a string{hint}")
}

fn empty_map(at: &Node) -> Node {
    let mut n = Node::new(Value::Map(Map::new()), at.span);
    n.key_span = at.key_span;
    n
}
