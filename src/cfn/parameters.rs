//! Parameter values: the template's `Default`s, values supplied on the command
//! line or in a parameters file (or by a parent stack), their constraints
//! (`AllowedValues`, `AllowedPattern`, `MinLength`/`MaxLength`,
//! `MinValue`/`MaxValue`, each member of a list), and the pseudo parameters.
//!
//! Pseudo parameters resolve to these documented values unless supplied with
//! `--parameter AWS::Region=eu-west-1` and the like:
//! `AWS::Partition` → `aws`, `AWS::URLSuffix` → `amazonaws.com`;
//! `AWS::Region`, `AWS::AccountId`, `AWS::StackName`, `AWS::StackId` and
//! `AWS::NotificationARNs` are unknown; `AWS::NoValue` removes the property.
//!
//! A parameter of an SSM type (`AWS::SSM::Parameter::Value<...>`) is unknown:
//! its default or supplied value is the name of an SSM parameter, whose value
//! is read at deploy time.

use crate::choices::Input;
use crate::diag::Problem;
use crate::model::{Map, Node, Origin, Value};
use crate::source::{FileId, SourceFile, Span};
use std::sync::{Arc, OnceLock};

/// Pseudo parameters with a documented placeholder value.
const PSEUDO_PLACEHOLDERS: &[(&str, &str)] = &[
    ("AWS::Partition", "aws"),
    ("AWS::URLSuffix", "amazonaws.com"),
];

/// Pseudo parameters only the deployment knows.
const PSEUDO_UNKNOWN: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
];

/// Values supplied for parameters, by name. A value with an origin carries
/// where it was written; one without came from `--parameter`.
pub type Overrides = Map;

/// Parses one `Name=Value` entry of a parameters file.
fn parse_argument(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected Key=Value, got '{arg}'")),
    }
}

/// Values given as `--parameter Key=Value` arguments.
pub fn from_arguments(args: &[(String, String)]) -> Overrides {
    args.iter()
        .map(|(k, v)| (k.clone(), Node::new(Value::Str(v.clone()), Span::default())))
        .collect()
}

/// Reads a parameters file (JSON or YAML) in any of the forms the AWS CLI and
/// CodePipeline accept: `[{"ParameterKey": k, "ParameterValue": v}]`,
/// `["Key=Value"]`, `{"Parameters": {k: v}}` or `{k: v}`.
pub fn from_file(file: &SourceFile, id: FileId) -> Result<Overrides, Problem> {
    let doc = super::parse_document(file, id)?;
    let label = |key: &str| format!("parameter {key} from {}", file.name);
    let mut out = Overrides::new();
    let mut add = |key: &str, mut value: Node| {
        value.origin = Some(Arc::new(Origin::new(value.span, label(key))));
        value.key_span = None;
        out.insert(key.to_string(), value);
    };
    let expected = "expected [{\"ParameterKey\": .., \"ParameterValue\": ..}], [\"Key=Value\"] or {\"Key\": \"Value\"}";
    match &doc.value {
        Value::List(items) => {
            for item in items {
                match (
                    &item.value,
                    item.get("ParameterKey"),
                    item.get("ParameterValue"),
                ) {
                    (Value::Str(s), _, _) => {
                        let (k, v) = parse_argument(s).map_err(|e| Problem::new(item.span, e))?;
                        let start = item.span.start as usize + 1 + s.find('=').unwrap_or(0) + 1;
                        let span =
                            Span::new(id, start, (start + v.len()).min(item.span.end as usize));
                        add(&k, Node::new(Value::Str(v), span));
                    }
                    (_, Some(k), Some(v)) => match k.as_str() {
                        Some(k) => add(k, v.clone()),
                        None => return Err(Problem::new(k.span, "ParameterKey must be a string")),
                    },
                    _ => return Err(Problem::new(item.span, expected)),
                }
            }
        }
        Value::Map(m) => {
            let entries = match doc.get("Parameters").map(|p| &p.value) {
                Some(Value::Map(p)) => p,
                _ => m,
            };
            for (k, v) in entries {
                if matches!(v.value, Value::Map(_)) {
                    return Err(Problem::new(
                        v.span,
                        format!("the value of parameter {k} must be a string, number or list"),
                    ));
                }
                add(k, v.clone());
            }
        }
        _ => return Err(Problem::new(doc.span, expected)),
    }
    Ok(out)
}

/// The value of every parameter a template declares, and of the pseudo
/// parameters supplied (the others are [`pseudo`]).
/// A value that breaks a constraint is an error at the value; the parameter is
/// then unknown.
pub fn values(doc: &Node, supplied: &Overrides, problems: &mut Vec<Problem>) -> Map {
    let mut out = Map::new();
    for name in PSEUDO_PLACEHOLDERS
        .iter()
        .map(|p| p.0)
        .chain(PSEUDO_UNKNOWN.iter().copied())
    {
        if let Some(v) = supplied.get(name) {
            out.insert(name.to_string(), v.clone());
        }
    }
    let Some(Value::Map(declared)) = doc.get("Parameters").map(|p| &p.value) else {
        return out;
    };
    for (name, decl) in declared {
        let header = decl.key_span.unwrap_or(decl.span);
        if is_ssm_type(decl) {
            out.insert(name.clone(), Node::new(Value::Unknown, header));
            continue;
        }
        let value = match (supplied.get(name), decl.get("Default")) {
            (Some(v), _) => {
                let mut v = v.clone();
                if v.origin.is_none() {
                    v.origin = Some(Arc::new(Origin::new(
                        header,
                        format!("value from --parameter {name}"),
                    )));
                }
                v
            }
            (None, Some(default)) => {
                let mut v = default.clone();
                v.key_span = None;
                v.origin = Some(Arc::new(Origin::new(
                    default.span,
                    format!("default of parameter {name}"),
                )));
                v
            }
            (None, None) => Node::new(Value::Unknown, header),
        };
        let value = if no_echo(decl) { masked(value) } else { value };
        let problem =
            check_allowed(name, decl, &value).or_else(|| check_number(name, decl, &value));
        let value = typed(decl, value);
        if let Some(problem) = problem.or_else(|| check_constraints(name, decl, &value)) {
            problems.push(problem);
            out.insert(name.clone(), Node::new(Value::Unknown, header));
            continue;
        }
        out.insert(name.clone(), value);
    }
    out
}

/// The parameters nobody gave a value that can take only the values their
/// `AllowedValues` list (with a `Default` too, only when `all_values`): each
/// value with an origin saying so. Lists and SSM types are left unknown.
pub fn open_inputs(doc: &Node, supplied: &Overrides, all_values: bool) -> Vec<Input> {
    let Some(Value::Map(declared)) = doc.get("Parameters").map(|p| &p.value) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, decl) in declared {
        let listed = decl.get("Type").and_then(Node::as_str).unwrap_or("String");
        let scalar = !listed.contains("List") && !is_ssm_type(decl);
        let chosen = supplied.contains_key(name) || (decl.get("Default").is_some() && !all_values);
        let Some(allowed) = decl.get("AllowedValues").and_then(Node::as_list) else {
            continue;
        };
        if !scalar || chosen || allowed.is_empty() {
            continue;
        }
        let header = decl.key_span.unwrap_or(decl.span);
        let values = allowed
            .iter()
            .filter_map(|v| {
                let text = scalar_text(v)?;
                let mut node = Node::new(Value::Str(text.clone()), v.span);
                let label = format!("{name} = {text}, one of its AllowedValues");
                node.origin = Some(Arc::new(Origin::new(header, label)));
                Some(node)
            })
            .collect::<Vec<_>>();
        if !values.is_empty() {
            out.push(Input {
                name: name.clone(),
                values,
                span: header,
            });
        }
    }
    out
}

/// True for a parameter whose value CloudFormation reads from SSM at deploy time.
fn is_ssm_type(decl: &Node) -> bool {
    decl.get("Type")
        .and_then(Node::as_str)
        .is_some_and(|t| t.trim().starts_with("AWS::SSM::Parameter::Value<"))
}

/// True for a parameter declared `NoEcho: true`.
fn no_echo(decl: &Node) -> bool {
    decl.get("NoEcho")
        .and_then(scalar_text)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The value of a `NoEcho` parameter: its origin is secret, so reports mask it.
fn masked(mut value: Node) -> Node {
    if let Some(o) = &value.origin {
        value.origin = Some(Arc::new(Origin::secret(o.span, &o.label)));
    }
    value
}

/// The text of a value for an error message: `****` for a `NoEcho` parameter.
fn shown(decl: &Node, text: String) -> String {
    if no_echo(decl) {
        "****".to_string()
    } else {
        text
    }
}

/// An error when a known value is not one of the parameter's `AllowedValues`.
fn check_allowed(name: &str, decl: &Node, value: &Node) -> Option<Problem> {
    let allowed = decl.get("AllowedValues")?.as_list()?;
    let text = scalar_text(value)?;
    if allowed
        .iter()
        .any(|a| scalar_text(a).as_deref() == Some(text.as_str()))
    {
        return None;
    }
    let list: Vec<String> = allowed.iter().filter_map(scalar_text).collect();
    let text = shown(decl, text);
    let (span, from) = source_of(decl, value);
    Some(Problem::new(
        span,
        format!(
            "'{text}' ({from}) is not one of the AllowedValues of parameter {name}: {}",
            list.join(", ")
        ),
    ))
}

/// An error when a known value of a `Number` parameter is not a number
/// (CloudFormation refuses the stack; policies would compare text with numbers).
fn check_number(name: &str, decl: &Node, value: &Node) -> Option<Problem> {
    if decl.get("Type").and_then(Node::as_str) != Some("Number") {
        return None;
    }
    let text = match &value.value {
        Value::Int(_) | Value::Float(_) | Value::Unknown => return None,
        Value::Str(s) if s.trim().parse::<f64>().is_ok() => return None,
        _ => scalar_text(value).map_or_else(|| "a list or map".into(), |t| shown(decl, t)),
    };
    let (span, from) = source_of(decl, value);
    Some(Problem::new(
        span,
        format!("'{text}' ({from}) is not a number, which parameter {name} of Type Number needs"),
    ))
}

/// An error when a known value, or a member of a list, does not match the
/// parameter's `AllowedPattern` (the whole text), is shorter or longer than
/// `MinLength`/`MaxLength` characters, or is outside `MinValue`/`MaxValue`.
/// A pattern this linter cannot compile is not checked.
fn check_constraints(name: &str, decl: &Node, value: &Node) -> Option<Problem> {
    let members = match &value.value {
        Value::List(items) => items.iter().collect(),
        _ => vec![value],
    };
    let bound = |key: &str| {
        decl.get(key)
            .and_then(scalar_text)?
            .trim()
            .parse::<f64>()
            .ok()
    };
    let pattern = decl.get("AllowedPattern").and_then(Node::as_str);
    let compiled = pattern.and_then(|p| {
        regex::RegexBuilder::new(&format!("^(?:{p})$"))
            .size_limit(1 << 20)
            .build()
            .ok()
    });
    for member in members {
        let Some(text) = scalar_text(member) else {
            continue;
        };
        let length = text.chars().count() as f64;
        let number = text.trim().parse::<f64>().ok();
        let broken = if compiled.as_ref().is_some_and(|re| !re.is_match(&text)) {
            format!(
                "does not match the AllowedPattern {}",
                pattern.unwrap_or("")
            )
        } else if let Some(min) = bound("MinLength").filter(|&m| length < m) {
            format!("is shorter than the MinLength {min}")
        } else if let Some(max) = bound("MaxLength").filter(|&m| length > m) {
            format!("is longer than the MaxLength {max}")
        } else if let Some(min) = bound("MinValue").filter(|&m| number.is_some_and(|n| n < m)) {
            format!("is less than the MinValue {min}")
        } else if let Some(max) = bound("MaxValue").filter(|&m| number.is_some_and(|n| n > m)) {
            format!("is greater than the MaxValue {max}")
        } else {
            continue;
        };
        let text = shown(decl, text);
        let (span, from) = source_of(decl, member);
        let why = decl
            .get("ConstraintDescription")
            .and_then(Node::as_str)
            .map_or_else(String::new, |d| format!(" ({d})"));
        return Some(Problem::new(
            span,
            format!("'{text}' ({from}) {broken} of parameter {name}{why}"),
        ));
    }
    None
}

/// Where a parameter's value comes from, and how to say it.
fn source_of<'a>(decl: &Node, value: &'a Node) -> (Span, &'a str) {
    match &value.origin {
        Some(o) => (o.span, o.label.as_str()),
        None => (decl.key_span.unwrap_or(decl.span), "the value"),
    }
}

/// The value of the pseudo parameter `name` when no one supplied it.
pub fn pseudo(name: &str) -> Option<&'static Node> {
    if !name.starts_with("AWS::") {
        return None;
    }
    let nodes = pseudo_values();
    nodes.iter().find(|(n, _)| *n == name).map(|(_, node)| node)
}

/// Makes the pseudo parameters' values now rather than on first use.
pub fn prepare() {
    pseudo_values();
}

/// Each pseudo parameter and its value when no one supplied it.
fn pseudo_values() -> &'static [(&'static str, Node)] {
    static NODES: OnceLock<Vec<(&str, Node)>> = OnceLock::new();
    NODES.get_or_init(|| {
        let known = PSEUDO_PLACEHOLDERS
            .iter()
            .map(|(name, value)| (*name, Value::Str(value.to_string())));
        let unknown = PSEUDO_UNKNOWN.iter().map(|name| (*name, Value::Unknown));
        let node = |(name, value)| (name, Node::new(value, Span::default()));
        known.chain(unknown).map(node).collect()
    })
}

/// List-typed parameters (`CommaDelimitedList`, `List<...>`) become lists;
/// numeric text for a `Number` becomes a number.
fn typed(decl: &Node, value: Node) -> Node {
    let kind = decl.get("Type").and_then(Node::as_str).unwrap_or("String");
    let Value::Str(s) = &value.value else {
        return value;
    };
    let new = if kind == "CommaDelimitedList" || kind.starts_with("List<") {
        Value::List(
            s.split(',')
                .map(|p| Node {
                    value: Value::Str(p.trim().to_string()),
                    key_span: None,
                    ..value.clone()
                })
                .collect(),
        )
    } else if kind == "Number" {
        match (s.trim().parse::<i64>(), s.trim().parse::<f64>()) {
            (Ok(i), _) => Value::Int(i),
            (_, Ok(f)) => Value::Float(f),
            _ => return value,
        }
    } else {
        return value;
    };
    Node {
        value: new,
        ..value
    }
}

/// The text of a scalar as CloudFormation sees it (`22`, `true`, `abc`).
pub fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_parameters_supplied_are_values_the_others_are_pseudo() {
        assert_eq!(pseudo("AWS::Partition").and_then(Node::as_str), Some("aws"));
        assert!(pseudo("AWS::Region").is_some_and(Node::is_unknown));
        assert!(pseudo("AWS::NoSuchThing").is_none());
        assert!(pseudo("Partition").is_none());
        let doc = super::super::yaml::parse("Parameters: {Env: {Type: String}}\n", FileId(0));
        let supplied = from_arguments(&[("AWS::Region".into(), "eu-west-1".into())]);
        let out = values(&doc.unwrap(), &supplied, &mut Vec::new());
        let names: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(names, ["AWS::Region", "Env"]);
        assert_eq!(
            out.get("AWS::Region").and_then(Node::as_str),
            Some("eu-west-1")
        );
    }
}
