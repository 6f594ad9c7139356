//! Evaluation: every resource of a unit against the policies for its type.
//! Each resource becomes a CEL value once and every policy runs against it.

mod graph;
mod possible;
mod shared;

use crate::diag::Problem;
use crate::model::{mask, Node, Resource, Secret, Unit, Value};
use crate::policy::cost::{self, OverBudget};
use crate::policy::{self, paths::Path, paths::Seg, Compiled, MessagePart, Policy, Severity};
use crate::source::Span;
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::common::value::Val;
use cel::objects::Key;
use cel::Context;
use graph::Graph;
use possible::{Unknowns, Variant};
use rayon::prelude::*;
use shared::SharedMap;
use std::borrow::Borrow;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// A value that an input nobody chose, or a condition not known before
/// deployment, takes for a finding: `Environment` = `dev`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Possibility {
    /// The parameter (`Environment`), variable (`var.public`) or condition.
    pub name: String,
    pub value: String,
    /// Where the parameter or variable is declared.
    pub span: Option<Span>,
}

impl Possibility {
    /// `Environment = dev and var.public = true`.
    pub fn describe(when: &[Possibility]) -> String {
        let parts: Vec<String> = when
            .iter()
            .map(|p| format!("{} = {}", p.name, p.value))
            .collect();
        parts.join(" and ")
    }
}

/// A failed assertion on one resource (or one element of it).
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub resource: String,
    /// The native type (`AWS::EC2::SecurityGroup` or `aws_security_group`).
    pub resource_type: String,
    /// The offending value.
    pub span: Span,
    /// Where the offending value came from (a variable, parameter, ...).
    pub related: Vec<(Span, String)>,
    /// True when the check could not be decided because a value is unknown (`--strict`).
    pub undecided: bool,
    /// Values no report may show (already masked in `message`); anything
    /// that prints values of the finding masks these.
    pub secrets: Vec<Secret>,
    /// The possibility in which the check fails, when it passes in others
    /// (empty when it fails whatever the unknown inputs are).
    pub when: Vec<Possibility>,
}

impl Finding {
    /// Names the possibility in which the check fails, in the message and
    /// with a label at each input's declaration.
    pub fn failing_when(&mut self, when: Vec<Possibility>) {
        if when.is_empty() {
            return;
        }
        if !self.when.is_empty() {
            let suffix = format!(" (when {})", Possibility::describe(&self.when));
            if let Some(base) = self.message.strip_suffix(&suffix) {
                self.message = base.to_string();
            }
        }
        for p in &when {
            let Some(span) = p.span else { continue };
            if self.related.iter().all(|(s, _)| *s != span) {
                let label = format!("fails when {} = {}", p.name, p.value);
                self.related.push((span, label));
            }
        }
        self.when.extend(when);
        let when = Possibility::describe(&self.when);
        self.message = format!("{} (when {when})", self.message);
    }
}

/// One policy evaluated on one resource (passed or not), for reports that
/// list passes too (JUnit).
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub rule_id: String,
    pub resource: String,
    /// The resource header.
    pub span: Span,
}

/// How to evaluate.
#[derive(Clone, Copy, Debug, Default)]
pub struct Settings {
    /// Report undecided checks (a needed value is unknown) as `info` findings.
    pub strict: bool,
    /// Keep every policy × resource evaluated ([`Evaluation::checked`]).
    pub record_checks: bool,
    /// Lint under every allowed value of inputs that have a default too
    /// (see [`crate::choices`]).
    pub all_values: bool,
    /// Plan the fixes of findings whose policy declares one.
    pub fixes: bool,
}

/// Results of evaluating one unit.
#[derive(Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    pub checked: Vec<Checked>,
}

/// Evaluates `policies` on every resource of `unit`; the policies its
/// resources meet are compiled first (those not compiled yet, in parallel).
pub fn evaluate(unit: &Unit, policies: &[&Policy], settings: Settings) -> Evaluation {
    let mut out = Evaluation::default();
    let types: HashSet<&str> = unit
        .resources
        .iter()
        .map(|r| r.canonical_type.as_str())
        .collect();
    let met: Vec<&Policy> = policies
        .iter()
        .copied()
        .filter(|p| types.iter().any(|t| p.applies_to(t)))
        .collect();
    let compiled: Vec<_> = met.par_iter().map(|p| p.compiled()).collect();
    let mut ready: Vec<(&Policy, &Compiled)> = Vec::new();
    for (policy, result) in met.into_iter().zip(compiled) {
        match result {
            Ok(c) => ready.push((policy, c)),
            Err(problem) => out.problems.push(problem.clone()),
        }
    }
    let mut root = Context::with_env(policy::cel_env());
    let _ = root.add_function("refers_to", refers_to);
    let _ = root.add_function("is_dynamic_reference", is_dynamic_reference);
    let _ = root.add_function("base64_decoded", base64_decoded);
    // Each resource's properties are converted once and shared by
    // `resource`, `resources` and the graph's answers (see `shared`); only
    // those a policy of the unit can read, when they are known.
    let read: Option<BTreeSet<&str>> =
        ready.iter().try_fold(BTreeSet::new(), |mut keys, (_, c)| {
            keys.extend(c.props_read.as_ref()?.iter().map(String::as_str));
            Some(keys)
        });
    let values: Vec<Box<dyn Val>> = unit
        .resources
        .iter()
        .map(|r| match &r.props.value {
            Value::Map(m) => Box::new(SharedMap::new(props_map(m, read.as_ref()))),
            _ => to_val(&r.props),
        })
        .collect();
    let entries: Vec<SharedMap> = unit
        .resources
        .iter()
        .zip(&values)
        .map(|(r, props)| {
            let mut entries = meta(r);
            entries.insert(CelMapKey::from("props"), props.clone_as_boxed());
            SharedMap::new(CelMap::from(entries))
        })
        .collect();
    let graph = Arc::new(Graph::new(unit, entries));
    graph::register(&mut root, &graph);
    let list: Vec<Box<dyn Val>> = graph.entries.iter().map(|e| e.clone_as_boxed()).collect();
    root.add_variable_as_val("resources", Box::new(CelList::from(list)));
    // Whether each resource's properties hold an unknown value: the paths
    // of the others need no walk to tell they meet none.
    let unknown: Vec<bool> = (unit.resources.iter())
        .map(|r| r.props.contains_unknown())
        .collect();
    // Policies that ran out of budget on a resource skip the rest of the unit.
    let mut over_budget = vec![false; ready.len()];
    let mut left = vec![cost::MAX_UNIT_STEPS; ready.len()];
    let prepared: Vec<PerUnit> = ready
        .iter()
        .zip(&mut left)
        .map(|((_, c), left)| PerUnit::new(c, unit, &unknown, &root, left))
        .collect();
    for ((resource, value), &props_unknown) in unit.resources.iter().zip(values).zip(&unknown) {
        let applicable: Vec<(usize, &(&Policy, &Compiled))> = ready
            .iter()
            .enumerate()
            .filter(|(i, (p, _))| !over_budget[*i] && p.applies_to(&resource.canonical_type))
            .collect();
        if applicable.is_empty() {
            continue;
        }
        let mut scope = root.new_inner_scope();
        scope.add_variable_as_val("resource", value);
        if applicable.iter().any(|(_, (_, c))| c.uses_meta) {
            let mut about = meta(resource);
            about.insert(
                CelMapKey::from("referrers"),
                graph.referrers(&resource.address).into_val(),
            );
            scope.add_variable_as_val("meta", Box::new(CelMap::from(about)));
        }
        if applicable.iter().any(|(_, (_, c))| c.uses_native) {
            scope.add_variable_as_val("native", to_val(&resource.native));
        }
        let items = ItemValues::default();
        let secrets = OnceCell::new();
        for &(i, &(policy, compiled)) in &applicable {
            if settings.record_checks {
                out.checked.push(Checked {
                    rule_id: policy.spec.id.clone(),
                    resource: resource.address.clone(),
                    span: resource.span,
                });
            }
            let check = Check {
                per_unit: &prepared[i],
                resource,
                props_unknown,
                items: &items,
                secrets: &secrets,
                policy,
                compiled,
            };
            over_budget[i] = !check.run(&scope, settings.strict, &mut out, &mut left[i]);
        }
    }
    out
}

struct Check<'a> {
    per_unit: &'a PerUnit<'a>,
    resource: &'a Resource,
    /// Whether the resource's properties hold an unknown value.
    props_unknown: bool,
    items: &'a ItemValues,
    /// The values of the resource no report may show, found once.
    secrets: &'a OnceCell<Vec<Secret>>,
    policy: &'a Policy,
    compiled: &'a Compiled,
}

impl Check<'_> {
    /// Evaluates the check within its budget; false if it ran out (its
    /// findings are then dropped for an error at the policy).
    fn run(&self, scope: &Context, strict: bool, out: &mut Evaluation, left: &mut u64) -> bool {
        let mut own = Evaluation::default();
        let (result, used) = cost::metered(*left, || self.evaluate(scope, strict, &mut own));
        *left -= used;
        match result {
            Ok(()) => {
                out.findings.append(&mut own.findings);
                out.problems.append(&mut own.problems);
                true
            }
            Err(OverBudget) => {
                out.problems.push(Problem::new(
                    self.compiled.assert_at,
                    format!(
                        "policy {} ran out of its budget of evaluation steps ({} per resource, \
                         {} per file) on {} ({}): nest fewer comprehensions over `resources` \
                         or lists, or build smaller values; the policy is skipped for the other \
                         resources of this file",
                        self.policy.spec.id,
                        cost::MAX_STEPS,
                        cost::MAX_UNIT_STEPS,
                        self.resource.address,
                        self.resource.native_type
                    ),
                ));
                false
            }
        }
    }

    fn evaluate(&self, scope: &Context, strict: bool, out: &mut Evaluation) {
        let items: Vec<Option<&Node>> = if self.compiled.for_each.is_empty() {
            vec![None]
        } else {
            let mut nodes = Vec::new();
            for path in &self.compiled.for_each {
                if path.root == "resource" {
                    path.resolve(&self.resource.props, &mut nodes);
                }
            }
            nodes
                .into_iter()
                .flat_map(|n| match &n.value {
                    Value::List(items) => items.iter().collect(),
                    _ => vec![n],
                })
                .map(Some)
                .collect()
        };
        for item in items {
            let mut ctx = scope.new_inner_scope();
            for (name, value) in &self.per_unit.bound {
                ctx.add_variable_from_value(name.as_str(), value.clone());
            }
            if let Some(item) = item {
                if item.is_unknown() {
                    self.undecided(item, strict, out);
                    continue;
                }
                ctx.add_variable_as_val("item", self.items.get(item));
            }
            let result = cel::Value::resolve(self.per_unit.assert, &ctx);
            if !self.reads_unknown(item) {
                match result {
                    Ok(cel::Value::Bool(true)) => {}
                    Ok(cel::Value::Bool(false)) => {
                        let finding = self.finding(&self.resource.props, item, &ctx, false);
                        out.findings.push(finding);
                    }
                    Ok(other) => out
                        .problems
                        .push(self.problem(format!("`assert` must return a bool, got {other:?}"))),
                    Err(e) => out.problems.push(self.problem(e.to_string())),
                }
                continue;
            }
            let first = match result {
                Ok(cel::Value::Bool(b)) => Some(b),
                _ => None,
            };
            match self.over_possibilities(scope, item, first) {
                Some(None) => {}
                Some(Some(variant)) => {
                    let ctx = self.variant_scope(scope, &variant);
                    let mut finding =
                        self.finding(&variant.props, variant.item.as_ref(), &ctx, false);
                    finding.failing_when(variant.when);
                    out.findings.push(finding);
                }
                None => self.undecided(item.unwrap_or(&self.resource.props), strict, out),
            }
        }
    }

    /// The outcome of a check that reads unknown values, over the values
    /// they could take (see [`possible`]): `Some(None)` passes in every
    /// combination of the conditions, `Some(Some(variant))` fails in
    /// `variant` (the first that fails; its `when` names the conditions that
    /// make it fail, none when it fails in all), `None` is undecided.
    /// `first` is the outcome with every unknown as `null`.
    fn over_possibilities(
        &self,
        scope: &Context,
        item: Option<&Node>,
        first: Option<bool>,
    ) -> Option<Option<Variant>> {
        let reads = &self.compiled.reads;
        let props = &self.resource.props;
        let unknowns = Unknowns::of(reads, props, item);
        let joins = self.per_unit.joins_unknown();
        let variants = unknowns.variants(reads, props, item)?;
        let only = variants.len() == 1;
        let mut passed = Vec::with_capacity(variants.len());
        let mut failed = None;
        for (k, variant) in variants.into_iter().enumerate() {
            let left = Unknowns::of(reads, &variant.props, variant.item.as_ref());
            if left.chooses() {
                return None;
            }
            let outcome = match only {
                true => first,
                false => self.eval_variant(scope, &variant),
            };
            match outcome {
                // A pass holds unless a plain unknown, tried as each literal
                // of the assertion, could make it fail.
                Some(true) => {
                    if left.plain && !self.holds_for_any(scope, &variant) {
                        return None;
                    }
                    passed.push(true);
                }
                Some(false) if !left.plain && !joins => {
                    passed.push(false);
                    failed.get_or_insert((k, variant));
                }
                _ => return None,
            }
        }
        Some(failed.map(|(k, mut variant)| {
            variant.when = unknowns.deciding(k, &passed);
            variant
        }))
    }

    /// Whether a pass with plain unknowns holds whatever they are, as far as
    /// trying each as every literal of the assertion (and `true`, `false`)
    /// tells: none of them fails it, and at least one gives an outcome (a
    /// wholly unknown document, which no literal stands for, is undecided).
    fn holds_for_any(&self, scope: &Context, variant: &Variant) -> bool {
        let reads = &self.compiled.reads;
        let booleans = [Value::Bool(true), Value::Bool(false)];
        let mut decided = false;
        for value in self.compiled.literals.iter().chain(&booleans) {
            let tried = possible::probe(reads, variant, value);
            match self.eval_variant(scope, &tried) {
                Some(false) => return false,
                Some(true) => decided = true,
                None => {}
            }
        }
        decided
    }

    /// The outcome of the assertion on a variant; `None` if it is not a bool.
    fn eval_variant(&self, scope: &Context, variant: &Variant) -> Option<bool> {
        let ctx = self.variant_scope(scope, variant);
        match cel::Value::resolve(self.per_unit.assert, &ctx) {
            Ok(cel::Value::Bool(b)) => Some(b),
            _ => None,
        }
    }

    /// A scope where `resource` and `item` are those of `variant`.
    fn variant_scope<'s>(&self, scope: &'s Context, variant: &Variant) -> Context<'s, 's> {
        let mut ctx = scope.new_inner_scope();
        for (name, value) in &self.per_unit.bound {
            ctx.add_variable_from_value(name.as_str(), value.clone());
        }
        let props = match &variant.props.value {
            Value::Map(m) => Box::new(props_map(m, self.compiled.props_read.as_ref())),
            _ => to_val(&variant.props),
        };
        ctx.add_variable_as_val("resource", props);
        if let Some(item) = &variant.item {
            ctx.add_variable_as_val("item", to_val(item));
        }
        ctx
    }

    fn undecided(&self, at: &Node, strict: bool, out: &mut Evaluation) {
        if strict {
            let mut f = self.finding(&self.resource.props, Some(at), &Context::default(), true);
            f.severity = Severity::Info;
            f.message = format!(
                "{}: undecided, a value it needs is unknown before deployment",
                f.title
            );
            f.span = at.label_span();
            out.findings.push(f);
        }
    }

    /// A policy that fails to evaluate, at the resource that made it fail.
    fn problem(&self, message: String) -> Problem {
        Problem::new(
            self.resource.span,
            format!(
                "policy {} failed on {} ({}): {message}",
                self.policy.spec.id, self.resource.address, self.resource.native_type
            ),
        )
    }

    /// True if a value the assertion reads is unknown: in the resource's
    /// properties, the element (one of them), or, for a join, in a resource
    /// of a type it looks at.
    fn reads_unknown(&self, item: Option<&Node>) -> bool {
        let local = self
            .compiled
            .reads
            .iter()
            .any(|path| match path.root.as_str() {
                "resource" => self.props_unknown && path.meets_unknown(&self.resource.props),
                "item" => self.props_unknown && item.is_some_and(|i| path.meets_unknown(i)),
                "native" => path.meets_unknown(&self.resource.native),
                _ => false,
            });
        local || self.per_unit.joins_unknown()
    }

    /// The node to point at: the first `at` path that exists (when the policy
    /// has `at`), else the first value the assertion reads, else the item,
    /// else the resource header.
    fn target<'n>(&'n self, props: &'n Node, item: Option<&'n Node>) -> Option<&'n Node> {
        let base = |p: &Path| match p.root.as_str() {
            "item" => item,
            "resource" => Some(props),
            "native" => Some(&self.resource.native),
            _ => None,
        };
        // With `at`, the policy says where to point: when none of its paths
        // exists, the element or the resource itself is the place.
        let paths = if self.compiled.at.is_empty() {
            &self.compiled.reads
        } else {
            &self.compiled.at
        };
        for path in paths {
            let Some(node) = base(path) else { continue };
            let mut found = Vec::new();
            path.resolve(node, &mut found);
            if let Some(n) = found.first() {
                if path.segs.is_empty() && path.root == "resource" {
                    continue;
                }
                return Some(n);
            }
        }
        item
    }

    fn finding(
        &self,
        props: &Node,
        item: Option<&Node>,
        ctx: &Context,
        undecided: bool,
    ) -> Finding {
        let target = self.target(props, item);
        let span = target.map_or(self.resource.span, Node::label_span);
        let mut related = Vec::new();
        if let Some(t) = target {
            origins(t, &mut related);
        }
        let spec = &self.policy.spec;
        let mut secrets = Vec::new();
        // What a secret policy points at, and whatever came from a secret origin.
        if let Some(t) = target.filter(|_| spec.secret) {
            t.secrets(true, &mut secrets);
        }
        secrets.extend_from_slice(self.secrets.get_or_init(|| {
            let mut own = Vec::new();
            self.resource.props.secrets(false, &mut own);
            own
        }));
        Finding {
            rule_id: spec.id.clone(),
            severity: spec.severity,
            title: spec.title.clone(),
            message: if undecided {
                String::new()
            } else {
                mask(&render_message(&self.compiled.message, ctx), &secrets)
            },
            resource: self.resource.address.clone(),
            resource_type: self.resource.native_type.clone(),
            span,
            related,
            undecided,
            secrets,
            when: Vec::new(),
        }
    }
}

/// The elements of one resource bound as `item`, each map converted once
/// and shared by the policies checking it (`ingress` has several).
#[derive(Default)]
struct ItemValues(RefCell<HashMap<*const Node, SharedMap>>);

impl ItemValues {
    /// `item` as a CEL value.
    fn get(&self, item: &Node) -> Box<dyn Val> {
        let Value::Map(m) = &item.value else {
            return to_val(item);
        };
        let mut known = self.0.borrow_mut();
        let value =
            (known.entry(item as *const Node)).or_insert_with(|| SharedMap::new(to_map(m.iter())));
        Box::new(value.clone())
    }
}

/// Most places a finding's value is said to come from.
const MAX_ORIGINS: usize = 4;

/// Where a value came from: its own origin, else those of the values
/// inside it (`[var.cidrs[0]]`: the variable's), each place once.
fn origins(node: &Node, out: &mut Vec<(Span, String)>) {
    if out.len() >= MAX_ORIGINS {
        return;
    }
    if let Some(o) = &node.origin {
        if out.iter().all(|(s, _)| *s != o.span) {
            out.push((o.span, o.label.clone()));
        }
        return;
    }
    match &node.value {
        Value::List(items) => items.iter().for_each(|i| origins(i, out)),
        Value::Map(m) => m.values().for_each(|v| origins(v, out)),
        _ => {}
    }
}

/// The assertion a policy runs with in a unit: with its parts that read
/// only `resources` evaluated once, or whole when one of them fails (an
/// error there may be one the whole assertion never meets).
struct PerUnit<'a> {
    assert: &'a cel::parser::Expression,
    bound: Vec<(String, cel::Value)>,
    compiled: &'a Compiled,
    unit: &'a Unit,
    /// Whether each resource of the unit holds an unknown value.
    unknown: &'a [bool],
    /// Whether a join of the assertion meets an unknown value (found once).
    joins_unknown: OnceCell<bool>,
}

impl<'a> PerUnit<'a> {
    /// Evaluates the parts of `compiled` read once per unit, paying from
    /// the policy's budget for the unit, `left`.
    fn new(
        compiled: &'a Compiled,
        unit: &'a Unit,
        unknown: &'a [bool],
        root: &Context,
        left: &mut u64,
    ) -> PerUnit<'a> {
        let whole = PerUnit {
            assert: &compiled.assert,
            bound: Vec::new(),
            compiled,
            unit,
            unknown,
            joins_unknown: OnceCell::new(),
        };
        let Some((residual, parts)) = &compiled.per_unit else {
            return whole;
        };
        let mut bound = Vec::new();
        for part in parts {
            let (result, used) = cost::metered(*left, || cel::Value::resolve(&part.expr, root));
            *left -= used;
            match result {
                Ok(Ok(value)) => bound.push((part.name.clone(), value)),
                _ => return whole,
            }
        }
        PerUnit {
            assert: residual,
            bound,
            ..whole
        }
    }

    /// True if a join of the assertion meets an unknown value: a join is
    /// undecided only through a resource of a type it names (or of any
    /// type, when it names none); found once per unit.
    fn joins_unknown(&self) -> bool {
        *self.joins_unknown.get_or_init(|| {
            let named: HashSet<&str> = (self.compiled.literals.iter())
                .filter_map(|v| match v {
                    Value::Str(s) if is_type_name(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect();
            let looked_at: Vec<&Resource> = (self.unit.resources.iter().zip(self.unknown))
                .filter(|(_, &unknown)| unknown)
                .map(|(r, _)| r)
                .filter(|r| named.is_empty() || named.contains(r.canonical_type.as_str()))
                .collect();
            self.compiled
                .reads
                .iter()
                .any(|path| match path.segs.as_slice() {
                    [Seg::Each, Seg::Field(f), rest @ ..]
                        if path.root == "resources" && f == "props" =>
                    {
                        let path = Path {
                            root: String::new(),
                            segs: rest.to_vec(),
                        };
                        looked_at.iter().any(|r| path.meets_unknown(&r.props))
                    }
                    _ => false,
                })
        })
    }
}

/// `aws_flow_log`: a canonical (Terraform AWS provider) type name.
fn is_type_name(s: &str) -> bool {
    s.strip_prefix("aws_").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}

fn render_message(parts: &[MessagePart], ctx: &Context) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            MessagePart::Text(t) => out.push_str(t),
            MessagePart::Expr(e) => match cel::Value::resolve(e, ctx) {
                Ok(cel::Value::String(s)) => out.push_str(&s),
                Ok(cel::Value::Int(i)) => out.push_str(&i.to_string()),
                Ok(cel::Value::UInt(i)) => out.push_str(&i.to_string()),
                Ok(cel::Value::Float(f)) => out.push_str(&f.to_string()),
                Ok(cel::Value::Bool(b)) => out.push_str(&b.to_string()),
                Ok(cel::Value::List(l)) => {
                    let items: Vec<String> = l.iter().map(scalar_text).collect();
                    out.push_str(&items.join(", "));
                }
                _ => out.push('?'),
            },
        }
    }
    out
}

fn scalar_text(v: &cel::Value) -> String {
    match v {
        cel::Value::String(s) => s.to_string(),
        cel::Value::Int(i) => i.to_string(),
        cel::Value::Float(f) => f.to_string(),
        cel::Value::Bool(b) => b.to_string(),
        _ => "?".to_string(),
    }
}

fn key(s: &str) -> Key {
    Key::String(Arc::new(s.to_string()))
}

type Entries = HashMap<CelMapKey<'static>, Box<dyn Val>>;

fn map_key(s: &str) -> CelMapKey<'static> {
    CelMapKey::from(s.to_string())
}

fn text(s: &str) -> Box<dyn Val> {
    Box::new(CelString::from(s.to_string()))
}

fn to_map<'n>(entries: impl Iterator<Item = (&'n String, &'n Node)>) -> CelMap<'static> {
    CelMap::from(
        entries
            .map(|(k, v)| (map_key(k), to_val(v)))
            .collect::<Entries>(),
    )
}

/// A resource's properties as a CEL map of the keys `read` holds (all of
/// them when it is `None`: see [`policy::keys`]).
fn props_map<S: Borrow<str> + Ord>(
    m: &BTreeMap<String, Node>,
    read: Option<&BTreeSet<S>>,
) -> CelMap<'static> {
    to_map((m.iter()).filter(|(k, _)| read.is_none_or(|keys| keys.contains(k.as_str()))))
}

/// `meta`: what a policy may want to know of a resource besides its properties.
fn meta(r: &Resource) -> Entries {
    HashMap::from([
        (CelMapKey::from("address"), text(&r.address)),
        (CelMapKey::from("type"), text(&r.canonical_type)),
        (CelMapKey::from("native_type"), text(&r.native_type)),
        (
            CelMapKey::from("format"),
            Box::new(CelString::from(r.format.as_str())),
        ),
    ])
}

/// A model node as a CEL value, built directly in the cel crate's own
/// representation. Unknown values are `null` (the engine checks for them
/// separately); references are `{"ref": address, "attribute": name}`.
pub fn to_val(node: &Node) -> Box<dyn Val> {
    match &node.value {
        Value::Null | Value::Unknown => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Int(i) => Box::new(CelInt::from(*i)),
        Value::Float(f) => Box::new(CelDouble::from(*f)),
        Value::Str(s) => text(s),
        Value::List(items) => Box::new(CelList::from(items.iter().map(to_val).collect::<Vec<_>>())),
        Value::Map(m) => Box::new(to_map(m.iter())),
        Value::Ref(r) => Box::new(CelMap::from(HashMap::from([
            (CelMapKey::from("ref"), text(&r.address)),
            (CelMapKey::from("attribute"), text(&r.attribute)),
        ]))),
    }
}

/// `refers_to(value, address)`: the value is a reference to the resource at `address`.
fn refers_to(value: cel::Value, address: Arc<String>) -> bool {
    match value {
        cel::Value::Map(m) => m
            .map
            .get(&key("ref"))
            .is_some_and(|r| matches!(r, cel::Value::String(s) if **s == *address)),
        _ => false,
    }
}

/// `base64_decoded(s)`: the text `s` encodes in base64 (bytes that are not
/// UTF-8 replaced), or `""` when it is not base64; pays its length.
fn base64_decoded(s: Arc<String>) -> Result<cel::Value, cel::ExecutionError> {
    cost::charge(s.len() as u64)?;
    let bytes = crate::base64::decode(&s).unwrap_or_default();
    Ok(String::from_utf8_lossy(&bytes).into_owned().into())
}

/// `is_dynamic_reference(s)`: the string is a CloudFormation `{{resolve:...}}`
/// reference (a secret fetched at deploy time, not a literal).
fn is_dynamic_reference(s: Arc<String>) -> bool {
    crate::cfn::is_dynamic_reference(&s)
}
