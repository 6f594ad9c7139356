//! Evaluation: every resource of a unit against the policies for its type.
//! Checks are decided directly over the model ([`direct`]); the cel crate's
//! values of a unit are built only when a check needs them (an outcome the
//! direct evaluation cannot tell, a value that is unknown before deployment).

mod direct;
mod graph;
mod possible;
mod selected;
mod shared;

use crate::diag::Problem;
use crate::model::{mask, Map, Node, Resource, Secret, Unit, Value};
use crate::policy::cost::{self, OverBudget};
use crate::policy::{
    self, direct::Program, paths, paths::Path, paths::Seg, Compiled, MessagePart, Policy, Severity,
};
use crate::source::Span;
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::common::value::Val;
use cel::objects::Key;
use cel::Context;
use graph::{Graph, LazyLinks};
use possible::{Unknowns, Variant};
use rayon::prelude::*;
pub use selected::Selected;
use shared::SharedMap;
use std::borrow::Borrow;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, HashMap};
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

/// Evaluates the `selected` policies on every resource of `unit`; the
/// policies its resources meet are compiled first (those not compiled yet,
/// in parallel).
pub fn evaluate(unit: &Unit, selected: &Selected, settings: Settings) -> Evaluation {
    let mut out = Evaluation::default();
    let policies = selected.list;
    let mut is_met = vec![false; policies.len()];
    for r in &unit.resources {
        for &i in selected.of(&r.canonical_type) {
            is_met[i] = true;
        }
    }
    let met: Vec<usize> = (0..policies.len()).filter(|&i| is_met[i]).collect();
    let compiled: Vec<_> = match met.iter().all(|&i| policies[i].is_compiled()) {
        true => met.iter().map(|&i| policies[i].compiled()).collect(),
        false => met.par_iter().map(|&i| policies[i].compiled()).collect(),
    };
    // The position in `ready` of each policy met that compiled.
    let mut slot = vec![None; policies.len()];
    let mut ready: Vec<(&Policy, &Compiled)> = Vec::new();
    for (i, result) in met.into_iter().zip(compiled) {
        match result {
            Ok(c) => {
                slot[i] = Some(ready.len());
                ready.push((policies[i], c));
            }
            Err(problem) => out.problems.push(problem.clone()),
        }
    }
    let links = LazyLinks::new(unit);
    let all: Vec<usize> = (0..unit.resources.len()).collect();
    let cel = CelUnit {
        unit,
        links: &links,
        ready: &ready,
        world: OnceCell::new(),
    };
    // Whether each resource's properties hold an unknown value: the paths
    // of the others need no walk to tell they meet none.
    let unknown: Vec<bool> = (unit.resources.iter())
        .map(|r| r.props.contains_unknown())
        .collect();
    // Policies that ran out of budget on a resource skip the rest of the unit.
    let mut over_budget = vec![false; ready.len()];
    let mut left = vec![cost::MAX_UNIT_STEPS; ready.len()];
    let shared = Shared {
        unit,
        links: &links,
        all: &all,
        unknown: &unknown,
        cel: &cel,
    };
    let prepared: Vec<PerUnit> = ready
        .iter()
        .zip(&mut left)
        .map(|((_, c), left)| PerUnit::new(c, &shared, left))
        .collect();
    for (index, (resource, &props_unknown)) in unit.resources.iter().zip(&unknown).enumerate() {
        let applicable: Vec<(usize, &(&Policy, &Compiled))> = (selected
            .of(&resource.canonical_type))
        .iter()
        .filter_map(|&p| slot[p])
        .filter(|&i| !over_budget[i])
        .map(|i| (i, &ready[i]))
        .collect();
        if applicable.is_empty() {
            continue;
        }
        let scope = ResourceScope {
            cel: &cel,
            index,
            meta: applicable.iter().any(|(_, (_, c))| c.uses_meta),
            native: applicable.iter().any(|(_, (_, c))| c.uses_native),
            ctx: OnceCell::new(),
        };
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
                index,
                props_unknown,
                items: &items,
                secrets: &secrets,
                policy,
                compiled,
                scope: &scope,
            };
            over_budget[i] = !check.run(settings.strict, &mut out, &mut left[i]);
        }
    }
    out
}

/// What the checks of a unit share.
struct Shared<'u> {
    unit: &'u Unit,
    links: &'u LazyLinks<'u>,
    /// `0..n`: `resources`, for direct evaluation.
    all: &'u [usize],
    /// Whether each resource of the unit holds an unknown value.
    unknown: &'u [bool],
    cel: &'u CelUnit<'u>,
}

/// What the cel crate needs to evaluate the checks of a unit, made on
/// first need: most checks are decided directly.
struct CelUnit<'u> {
    unit: &'u Unit,
    links: &'u LazyLinks<'u>,
    /// The policies of the unit.
    ready: &'u [(&'u Policy, &'u Compiled)],
    world: OnceCell<World>,
}

/// The root scope of a unit's CEL: `resources`, the graph's functions.
struct World {
    root: Context<'static, 'static>,
    /// Each resource's properties as a CEL value.
    values: Vec<Box<dyn Val>>,
    graph: Arc<Graph>,
}

impl CelUnit<'_> {
    fn world(&self) -> &World {
        self.world.get_or_init(|| {
            let mut root = Context::with_env(policy::cel_env());
            let _ = root.add_function("refers_to", refers_to);
            let _ = root.add_function("is_dynamic_reference", is_dynamic_reference);
            let _ = root.add_function("base64_decoded", base64_decoded);
            // Each resource's properties are converted once and shared by
            // `resource`, `resources` and the graph's answers (see `shared`);
            // only those a policy of the unit can read, when they are known.
            let read: Option<BTreeSet<&str>> =
                (self.ready.iter()).try_fold(BTreeSet::new(), |mut keys, (_, c)| {
                    keys.extend(c.props_read.as_ref()?.iter().map(String::as_str));
                    Some(keys)
                });
            let values: Vec<Box<dyn Val>> = (self.unit.resources.iter())
                .map(|r| match &r.props.value {
                    Value::Map(m) => Box::new(SharedMap::new(props_map(m, read.as_ref()))),
                    _ => to_val(&r.props),
                })
                .collect();
            let entries: Vec<SharedMap> = (self.unit.resources.iter())
                .zip(&values)
                .map(|(r, props)| {
                    let mut entries = meta(r);
                    entries.insert(CelMapKey::from("props"), props.clone_as_boxed());
                    SharedMap::new(CelMap::from(entries))
                })
                .collect();
            let graph = Arc::new(Graph::new(entries, self.links.get().clone()));
            graph::register(&mut root, &graph);
            let list: Vec<Box<dyn Val>> =
                graph.entries.iter().map(|e| e.clone_as_boxed()).collect();
            root.add_variable_as_val("resources", Box::new(CelList::from(list)));
            World {
                root,
                values,
                graph,
            }
        })
    }
}

/// The cel crate's scope for one resource (`resource`, `meta`, `native`),
/// made on first need.
struct ResourceScope<'w> {
    cel: &'w CelUnit<'w>,
    index: usize,
    /// Whether to bind `meta`, and `native`.
    meta: bool,
    native: bool,
    ctx: OnceCell<Context<'w, 'static>>,
}

impl<'w> ResourceScope<'w> {
    fn get(&self) -> &Context<'w, 'static> {
        self.ctx.get_or_init(|| {
            let world = self.cel.world();
            let resource = &self.cel.unit.resources[self.index];
            let mut scope = world.root.new_inner_scope();
            scope.add_variable_as_val("resource", world.values[self.index].clone_as_boxed());
            if self.meta {
                let mut about = meta(resource);
                about.insert(
                    CelMapKey::from("referrers"),
                    world.graph.referrers(&resource.address).into_val(),
                );
                scope.add_variable_as_val("meta", Box::new(CelMap::from(about)));
            }
            if self.native {
                scope.add_variable_as_val("native", to_val(&resource.native));
            }
            scope
        })
    }
}

struct Check<'c, 'a> {
    per_unit: &'c PerUnit<'a>,
    resource: &'c Resource,
    /// The resource's index in its unit.
    index: usize,
    /// Whether the resource's properties hold an unknown value.
    props_unknown: bool,
    items: &'c ItemValues,
    /// The values of the resource no report may show, found once.
    secrets: &'c OnceCell<Vec<Secret>>,
    policy: &'c Policy,
    compiled: &'c Compiled,
    scope: &'c ResourceScope<'a>,
}

impl Check<'_, '_> {
    /// Evaluates the check within its budget; false if it ran out (its
    /// findings are then dropped for an error at the policy).
    fn run(&self, strict: bool, out: &mut Evaluation, left: &mut u64) -> bool {
        // Written into `out`, and taken back when the check runs out of budget.
        let (findings, problems) = (out.findings.len(), out.problems.len());
        let (result, used) = cost::metered(*left, || self.evaluate(strict, out));
        *left -= used;
        match result {
            Ok(()) => true,
            Err(OverBudget) => {
                out.findings.truncate(findings);
                out.problems.truncate(problems);
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

    fn evaluate(&self, strict: bool, out: &mut Evaluation) {
        if self.compiled.for_each.is_empty() {
            return self.evaluate_item(None, strict, out);
        }
        let mut nodes = Vec::new();
        for path in &self.compiled.for_each {
            if path.root == "resource" {
                path.resolve(&self.resource.props, &mut nodes);
            }
        }
        for node in nodes {
            match &node.value {
                Value::List(items) => {
                    for item in items {
                        self.evaluate_item(Some(item), strict, out);
                    }
                }
                _ => self.evaluate_item(Some(node), strict, out),
            }
        }
    }

    /// Evaluates the check of the resource, or of one element of it.
    fn evaluate_item(&self, item: Option<&Node>, strict: bool, out: &mut Evaluation) {
        if let Some(item) = item.filter(|i| i.is_unknown()) {
            return self.undecided(item, strict, out);
        }
        let direct = self.per_unit.direct_scope(self.index, item);
        let decided = (direct.as_ref())
            .and_then(|(scope, assert)| cost::tentatively(|| scope.decide(assert)));
        // The cel crate's scope, made only when it is needed.
        let cel = OnceCell::new();
        let ctx = || cel.get_or_init(|| self.cel_scope(item));
        let by_cel = || cel::Value::resolve(self.per_unit.cel().assert, ctx());
        let result = match decided {
            Some(b) => {
                self.agrees(&Some(b), || by_cel().ok().and_then(|v| as_bool(&v)));
                Ok(cel::Value::Bool(b))
            }
            None => by_cel(),
        };
        if !self.reads_unknown(item) {
            match result {
                Ok(cel::Value::Bool(true)) => {}
                Ok(cel::Value::Bool(false)) => {
                    let message = self.message(direct.as_ref().map(|(s, _)| s), &ctx);
                    let finding = self.finding(&self.resource.props, item, message, false);
                    out.findings.push(finding);
                }
                Ok(other) => out
                    .problems
                    .push(self.problem(format!("`assert` must return a bool, got {other:?}"))),
                Err(e) => out.problems.push(self.problem(e.to_string())),
            }
            return;
        }
        let first = result.ok().as_ref().and_then(as_bool);
        match self.over_possibilities(item, first) {
            Some(None) => {}
            Some(Some(variant)) => {
                let ctx = self.variant_scope(&variant);
                let message = render_message(&self.compiled.message, &ctx);
                let mut finding =
                    self.finding(&variant.props, variant.item.as_ref(), message, false);
                finding.failing_when(variant.when);
                out.findings.push(finding);
            }
            None => self.undecided(item.unwrap_or(&self.resource.props), strict, out),
        }
    }

    /// The cel crate's scope for the check of `item` (or of the resource).
    fn cel_scope(&self, item: Option<&Node>) -> Context<'_, 'static> {
        let mut ctx = self.scope.get().new_inner_scope();
        for (name, value) in &self.per_unit.cel().bound {
            ctx.add_variable_from_value(name.as_str(), value.clone());
        }
        if let Some(item) = item {
            ctx.add_variable_as_val("item", self.items.get(item));
        }
        ctx
    }

    /// In debug builds (the tests and the fuzz targets), what was decided
    /// directly is decided by the cel crate too (on a budget of its own), and
    /// must come out the same.
    fn agrees<T: PartialEq + std::fmt::Debug>(&self, direct: &T, by_cel: impl FnOnce() -> T) {
        if cfg!(debug_assertions) {
            let (by_cel, _) = cost::metered(cost::MAX_STEPS, by_cel);
            assert_eq!(
                by_cel.as_ref(),
                Ok(direct),
                "policy {} on {}: by the cel crate, then directly",
                self.policy.spec.id,
                self.resource.address
            );
        }
    }

    /// The message of a finding: directly when it can be, else from the
    /// cel crate's scope `ctx`.
    fn message<'s, 'x: 's>(
        &'s self,
        direct: Option<&direct::Scope<'s>>,
        ctx: &dyn Fn() -> &'x Context<'x, 'static>,
    ) -> String {
        let text =
            direct
                .zip(self.compiled.message_direct.as_ref())
                .and_then(|(scope, programs)| {
                    cost::tentatively(|| render_direct(&self.compiled.message, programs, scope))
                });
        let by_cel = || render_message(&self.compiled.message, ctx());
        match text {
            Some(text) => {
                self.agrees(&text, by_cel);
                text
            }
            None => by_cel(),
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
                false => self.eval_variant(&variant),
            };
            match outcome {
                // A pass holds unless a plain unknown, tried as each literal
                // of the assertion, could make it fail.
                Some(true) => {
                    if left.plain && !self.holds_for_any(&variant) {
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
    fn holds_for_any(&self, variant: &Variant) -> bool {
        let reads = &self.compiled.reads;
        let booleans = [Value::Bool(true), Value::Bool(false)];
        let variant = variant.keeping(self.compiled.props_read.as_ref());
        let mut decided = false;
        for value in self.compiled.literals.iter().chain(&booleans) {
            let tried = possible::probe(reads, &variant, value);
            match self.eval_variant(&tried) {
                Some(false) => return false,
                Some(true) => decided = true,
                None => {}
            }
        }
        decided
    }

    /// The outcome of the assertion on a variant (directly when it can be
    /// decided so); `None` if it is not a bool.
    fn eval_variant(&self, variant: &Variant) -> Option<bool> {
        let direct = self
            .per_unit
            .direct_scope(self.index, variant.item.as_ref());
        let decided = direct.and_then(|(mut scope, assert)| {
            scope.props = &variant.props;
            cost::tentatively(|| scope.decide(assert))
        });
        let by_cel = || {
            let ctx = self.variant_scope(variant);
            let value = cel::Value::resolve(self.per_unit.cel().assert, &ctx);
            value.ok().and_then(|v| as_bool(&v))
        };
        match decided {
            Some(b) => {
                self.agrees(&Some(b), by_cel);
                Some(b)
            }
            None => by_cel(),
        }
    }

    /// A scope where `resource` and `item` are those of `variant`.
    fn variant_scope(&self, variant: &Variant) -> Context<'_, 'static> {
        let mut ctx = self.scope.get().new_inner_scope();
        for (name, value) in &self.per_unit.cel().bound {
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
            let mut f = self.finding(&self.resource.props, Some(at), String::new(), true);
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
        message: String,
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
                message
            } else {
                mask(message, &secrets)
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
    compiled: &'a Compiled,
    shared: &'a Shared<'a>,
    /// The direct form and the values of its parts, when they could be
    /// evaluated directly.
    direct: Option<(&'a Program, Vec<direct::V<'a>>)>,
    /// The cel crate's form; made on first need when there is a direct one.
    cel: OnceCell<CelForm<'a>>,
    /// Whether a join of the assertion meets an unknown value (found once).
    joins_unknown: OnceCell<bool>,
}

/// The assertion for the cel crate, and the values of its parts.
struct CelForm<'a> {
    assert: &'a cel::parser::Expression,
    bound: Vec<(String, cel::Value)>,
}

impl<'a> PerUnit<'a> {
    /// Evaluates the parts of `compiled` read once per unit, paying from
    /// the policy's budget for the unit, `left`.
    fn new(compiled: &'a Compiled, shared: &'a Shared<'a>, left: &mut u64) -> PerUnit<'a> {
        let direct = compiled.direct.as_ref().and_then(|forms| {
            let scope = direct::Scope {
                unit: shared.unit,
                links: shared.links,
                all: shared.all,
                resource: 0,
                props: &shared.unit.resources[0].props,
                item: None,
                bound: &[],
            };
            let mut bound = Vec::new();
            let mut paid = 0;
            for part in &forms.parts {
                let (result, used) = cost::metered(*left - paid, || scope.eval(part));
                bound.push(result.ok()?.ok()?);
                paid += used;
            }
            *left -= paid;
            Some((&forms.assert, bound))
        });
        let cel = OnceCell::new();
        if direct.is_none() {
            let _ = cel.set(CelForm::new(compiled, &shared.cel.world().root, left));
        }
        PerUnit {
            compiled,
            shared,
            direct,
            cel,
            joins_unknown: OnceCell::new(),
        }
    }

    /// The scope and the assertion to decide the check of `item` (or of
    /// the resource at `index`) directly, when the policy has that form.
    fn direct_scope<'s>(
        &'s self,
        index: usize,
        item: Option<&'s Node>,
    ) -> Option<(direct::Scope<'s>, &'s Program)> {
        let (assert, bound) = self.direct.as_ref()?;
        let scope = direct::Scope {
            unit: self.shared.unit,
            links: self.shared.links,
            all: self.shared.all,
            resource: index,
            props: &self.shared.unit.resources[index].props,
            item,
            bound,
        };
        Some((scope, assert))
    }

    /// The cel crate's form; the direct form already paid for its parts.
    fn cel(&self) -> &CelForm<'a> {
        self.cel.get_or_init(|| {
            let mut paid = cost::MAX_UNIT_STEPS;
            CelForm::new(self.compiled, &self.shared.cel.world().root, &mut paid)
        })
    }

    /// True if a join of the assertion meets an unknown value: a join is
    /// undecided only through a resource of a type it names (or of any
    /// type, when it names none); found once per unit.
    fn joins_unknown(&self) -> bool {
        *self.joins_unknown.get_or_init(|| {
            // What the joins read of each resource's properties.
            let joins: Vec<&[Seg]> = (self.compiled.reads.iter())
                .filter_map(|path| match path.segs.as_slice() {
                    [Seg::Each, Seg::Field(f), rest @ ..]
                        if path.root == "resources" && f == "props" =>
                    {
                        Some(rest)
                    }
                    _ => None,
                })
                .collect();
            if joins.is_empty() {
                return false;
            }
            let types = &self.compiled.types;
            let unit = self.shared.unit;
            let looked_at: Vec<&Resource> = (unit.resources.iter().zip(self.shared.unknown))
                .filter(|(_, &unknown)| unknown)
                .map(|(r, _)| r)
                .filter(|r| types.is_empty() || types.contains(&r.canonical_type))
                .collect();
            joins.into_iter().any(|segs| {
                looked_at
                    .iter()
                    .any(|r| paths::meets_unknown(segs, &r.props))
            })
        })
    }
}

impl<'a> CelForm<'a> {
    /// Evaluates the parts of `compiled` read once per unit in `root`,
    /// paying from `left`.
    fn new(compiled: &'a Compiled, root: &Context, left: &mut u64) -> CelForm<'a> {
        let whole = CelForm {
            assert: &compiled.assert,
            bound: Vec::new(),
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
        CelForm {
            assert: residual,
            bound,
        }
    }
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

/// A message rendered directly; `Bail` when a part cannot be.
fn render_direct<'a>(
    parts: &[MessagePart],
    programs: &'a [Program],
    scope: &direct::Scope<'a>,
) -> Result<String, direct::Bail> {
    // Room for the text written and a short value per expression.
    let room = |part: &MessagePart| match part {
        MessagePart::Text(t) => t.len(),
        MessagePart::Expr(_) => 16,
    };
    let mut out = String::with_capacity(parts.iter().map(room).sum());
    let mut programs = programs.iter();
    for part in parts {
        match part {
            MessagePart::Text(t) => out.push_str(t),
            MessagePart::Expr(_) => {
                scope.write_text(programs.next().ok_or(direct::Bail)?, &mut out)?
            }
        }
    }
    Ok(out)
}

/// The bool a CEL value is, if it is one.
fn as_bool(v: &cel::Value) -> Option<bool> {
    match v {
        cel::Value::Bool(b) => Some(*b),
        _ => None,
    }
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
fn props_map<S: Borrow<str> + Ord>(m: &Map, read: Option<&BTreeSet<S>>) -> CelMap<'static> {
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
