//! Static evaluation of Terraform expressions into model nodes.
//!
//! Literals keep their spans; `var.*` and `local.*` resolve to their values
//! (pointing back at where they were set); a resource or module call is its
//! instances (one, or a list for `count`, a map for `for_each`), so that
//! indexes, splats, `for` and functions over them reach the exact instance:
//! a resource instance's attributes become references to it, a module
//! instance's outputs resolve through the child module. Data sources and
//! anything else only known at apply time become unknown, never a guess.

use super::files::Disk;
use super::functions;
use crate::budget::Budget;
use crate::model::{Map, Node, Origin, Value};
use crate::source::{FileId, Span};
use foldhash::{HashMap, HashSet};
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator,
};
use hcl_edit::template::{Directive, Element, Strip, Template};
use hcl_edit::Span as _;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

/// Names bound while evaluating one expression: `count`, `each`, `for`
/// variables and `dynamic` block iterators.
pub type Bindings = Map;

/// An expression as written: HCL, or a value of a `.tf.json` file (whose
/// strings may hold `${...}` templates).
#[derive(Clone, Copy)]
pub enum Code<'p> {
    Hcl(&'p Expression, FileId),
    Json(&'p Node),
}

/// How a resource or module is repeated.
#[derive(Clone, Copy)]
pub enum Repeat<'p> {
    Count(Code<'p>),
    ForEach(Code<'p>),
}

/// Instance keys (`[0]`, `["a"]`, or one empty key) with the `each.key` of each.
type InstanceKeys = Vec<(String, String)>;

/// More instances than this are evaluated as one resource of unknown count.
pub const MAX_INSTANCES: usize = 1000;

/// Spans of expressions parsed out of `.tf.json` strings, replaced by the
/// string's span once evaluated.
const JSON_TEMPLATE: FileId = FileId(u32::MAX);

/// How a variable got its value, which decides where findings point.
#[derive(Clone, Copy, PartialEq)]
pub enum Supply {
    /// A default or a variables file: findings point at the use, with the
    /// place it was set as a secondary label.
    Set,
    /// A module input: findings point at the caller's attribute, with the use
    /// inside the module as a secondary label.
    Input,
}

/// What names mean inside one module instance.
#[derive(Default)]
pub struct Scope<'p> {
    /// Address prefix of the module instance: empty, or `module.vpc.`.
    pub prefix: String,
    /// The value of `path.module`: the module's folder relative to the root
    /// module's.
    pub module_path: String,
    /// The root module's folder: file functions read relative to it, like
    /// Terraform run there.
    pub root_dir: PathBuf,
    /// The value of `terraform.workspace`.
    pub workspace: String,
    /// Where file functions read; without it their values are unknown.
    pub disk: Option<Disk<'p>>,
    /// Set while rendering a `templatefile` template, which may not call it.
    pub in_template: bool,
    /// Object keys renamed for the parser, by file and offset: the keys
    /// they stand for.
    pub renamed: HashMap<FileId, BTreeMap<usize, String>>,
    pub variables: HashMap<String, (Node, Supply)>,
    pub locals: HashMap<String, Code<'p>>,
    pub resources: HashMap<String, Option<Repeat<'p>>>,
    pub outputs: HashMap<String, Code<'p>>,
    /// Module calls that are followed, by name.
    pub modules: HashMap<String, Option<Repeat<'p>>>,
    /// Child module instances by call name (`vpc`, `vpc[0]`, `vpc["a"]`).
    pub children: HashMap<String, Scope<'p>>,
    /// The data sources, evaluated when a pure one is read.
    pub data: super::data_sources::DataSources<'p>,
    /// The outputs of this module instance, once evaluated.
    output_values: RefCell<Option<Node>>,
    local_values: RefCell<HashMap<String, Node>>,
    /// Origins (by address, kept alive so addresses stay unique) of values
    /// that module inputs supplied: those keep pointing at the caller,
    /// through locals too.
    input_origins: RefCell<HashMap<usize, Arc<Origin>>>,
    /// Instance keys of resources and module calls with their `each.key`,
    /// once computed (`None`: not known).
    instance_keys: RefCell<HashMap<String, Option<InstanceKeys>>>,
    resolving: RefCell<HashSet<String>>,
    /// Shared by the module instances of one configuration.
    pub budget: Rc<Budget>,
    /// Remarks on what could not be evaluated (a `dynamic` block over an
    /// unknown collection), shared like the budget.
    pub notes: Rc<RefCell<Vec<crate::diag::Problem>>>,
    /// Set when evaluation met a definite error (what `try` and `can` catch).
    failed: Cell<bool>,
}

impl<'p> Scope<'p> {
    /// Evaluates an expression written in `file`; unknown when over budget.
    pub fn eval(&self, e: &Expression, file: FileId, b: &Bindings) -> Node {
        let span = span_in(e.span(), file);
        if !self.budget.enter(span) {
            return Node::new(Value::Unknown, span);
        }
        let node = if self.budget.charge(span, 1, 0) {
            self.value(e, file, span, b)
        } else {
            Node::new(Value::Unknown, span)
        };
        self.budget.leave();
        node
    }

    fn value(&self, e: &Expression, file: FileId, span: Span, b: &Bindings) -> Node {
        let value = match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(v) => Value::Bool(*v.value()),
            Expression::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => n.as_f64().map_or(Value::Unknown, Value::Float),
            },
            Expression::String(s) => Value::Str(s.value().clone()),
            Expression::Array(a) => Value::List(a.iter().map(|i| self.eval(i, file, b)).collect()),
            Expression::Object(o) => {
                let mut map = Map::new();
                for (key, value) in o.iter() {
                    let (name, key_range) = match key {
                        ObjectKey::Ident(i) => (Some(self.key_name(i, file)), i.span()),
                        ObjectKey::Expression(k) => {
                            (key_string(&self.eval(k, file, b).value), k.span())
                        }
                    };
                    let Some(name) = name else {
                        return Node::new(Value::Unknown, span);
                    };
                    let mut node = self.eval(value.expr(), file, b);
                    node.key_span = key_range.map(|r| Span::new(file, r.start, r.end));
                    map.insert(name, node);
                }
                Value::Map(map)
            }
            Expression::StringTemplate(t) => self.template(t, file, span, b),
            Expression::HeredocTemplate(h) => self.template(&h.template, file, span, b),
            Expression::Parenthesis(p) => return self.eval(p.inner(), file, b).at(span),
            Expression::Traversal(t) => {
                return self.traversal(&t.expr, &t.operators, file, span, b)
            }
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                if !call.name.namespace.is_empty() {
                    return Node::new(Value::Unknown, span);
                }
                let args: Vec<&Expression> = call.args.iter().collect();
                match name {
                    "try" => return self.try_each(&args, file, span, b),
                    "can" => return self.can(&args, file, span, b),
                    _ => {}
                }
                let mut values: Vec<Node> = args.iter().map(|a| self.eval(a, file, b)).collect();
                if call.args.expand_final() {
                    if let Some(Value::List(items)) = values.pop().map(|n| n.value) {
                        values.extend(items);
                    } else {
                        return Node::new(Value::Unknown, span);
                    }
                }
                if let Some(result) = self.file_function(name, &values, span) {
                    return result;
                }
                return match functions::call(name, values, span, &self.budget) {
                    Ok(node) if self.budget.charge_copy(span, &node) => node,
                    Ok(_) => Node::new(Value::Unknown, span),
                    Err(functions::Failed) => self.fail(span),
                };
            }
            Expression::Conditional(c) => {
                let cond = &c.cond_expr;
                return match self.eval(cond, file, b).value {
                    Value::Bool(true) => self.eval(&c.true_expr, file, b).at(span),
                    Value::Bool(false) => self.eval(&c.false_expr, file, b).at(span),
                    _ => Node::choice(
                        cond.to_string().trim().to_string(),
                        self.eval(&c.true_expr, file, b),
                        self.eval(&c.false_expr, file, b),
                        span,
                    ),
                };
            }
            Expression::UnaryOp(op) => {
                match (op.operator.value(), self.eval(&op.expr, file, b).value) {
                    (UnaryOperator::Not, Value::Bool(v)) => Value::Bool(!v),
                    (UnaryOperator::Neg, Value::Int(i)) => {
                        i.checked_neg().map_or(Value::Unknown, Value::Int)
                    }
                    (UnaryOperator::Neg, Value::Float(f)) => Value::Float(-f),
                    _ => Value::Unknown,
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr, file, b).value;
                let rhs = self.eval(&op.rhs_expr, file, b).value;
                binary(*op.operator.value(), lhs, rhs)
            }
            Expression::ForExpr(f) => return self.for_expr(f, file, span, b),
            Expression::Variable(v) => match self.root(v.as_str(), span, b) {
                Some(node) => return node.at(span),
                None => Value::Unknown,
            },
        };
        Node::new(value, span)
    }

    /// The name of an identifier key as written (a repeated key was renamed
    /// for the parser).
    fn key_name(&self, key: &hcl_edit::Decorated<hcl_edit::Ident>, file: FileId) -> String {
        let renamed = key
            .span()
            .and_then(|r| self.renamed.get(&file)?.get(&r.start));
        renamed.map_or_else(|| key.as_str().to_string(), String::clone)
    }

    /// Evaluates HCL or `.tf.json` code.
    pub fn code(&self, code: Code, b: &Bindings) -> Node {
        match code {
            Code::Hcl(e, file) => self.eval(e, file, b),
            Code::Json(node) => self.eval_json(node, b),
        }
    }

    /// Evaluates a `.tf.json` value: strings with `${...}` are templates
    /// (one that is a single interpolation yields its value, like Terraform).
    pub fn eval_json(&self, node: &Node, b: &Bindings) -> Node {
        if !self.budget.charge(node.span, 1, 0) {
            return Node::new(Value::Unknown, node.span);
        }
        let value = match &node.value {
            Value::Str(text) if text.contains("${") => {
                let mut out = self.json_template(text, b);
                self.budget.relocate(JSON_TEMPLATE, node.span);
                fix_spans(&mut out, node.span);
                out.span = node.span;
                out.key_span = node.key_span;
                return out;
            }
            Value::List(items) => Value::List(items.iter().map(|i| self.eval_json(i, b)).collect()),
            Value::Map(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.eval_json(v, b)))
                    .collect(),
            ),
            other => other.clone(),
        };
        node.with_value(value)
    }

    fn json_template(&self, text: &str, b: &Bindings) -> Node {
        let at = Span::new(JSON_TEMPLATE, 0, 0);
        let Ok(template) = hcl_edit::parser::parse_template(text) else {
            return Node::new(Value::Unknown, at);
        };
        let elements: Vec<&Element> = template.iter().collect();
        match elements.as_slice() {
            [Element::Interpolation(i)] => self.eval(&i.expr, JSON_TEMPLATE, b),
            _ => Node::new(self.template(&template, JSON_TEMPLATE, at, b), at),
        }
    }

    /// The value of a template read by `templatefile` from `file`, whose
    /// only names are `vars` (a template that is one interpolation is its
    /// value, like Terraform); unknown when it fails or is not known.
    pub fn template_file(&self, t: &Template, file: FileId, span: Span, vars: &Bindings) -> Node {
        let scope = Scope {
            root_dir: self.root_dir.clone(),
            workspace: self.workspace.clone(),
            disk: self.disk.clone(),
            in_template: true,
            budget: self.budget.clone(),
            notes: self.notes.clone(),
            ..Scope::default()
        };
        let elements: Vec<&Element> = t.iter().collect();
        let node = match elements.as_slice() {
            [Element::Interpolation(i)] => scope.eval(&i.expr, file, vars),
            _ => Node::new(scope.template(t, file, span, vars), span),
        };
        if scope.failed.get() {
            return self.fail(span);
        }
        node
    }

    /// An unknown value caused by a definite error.
    pub fn fail(&self, span: Span) -> Node {
        self.failed.set(true);
        Node::new(Value::Unknown, span)
    }

    /// Evaluates `e`, telling whether it failed.
    fn attempt(&self, e: &Expression, file: FileId, b: &Bindings) -> (Node, bool) {
        let before = self.failed.replace(false);
        let node = self.eval(e, file, b);
        let failed = self.failed.replace(before);
        (node, failed)
    }

    fn try_each(&self, args: &[&Expression], file: FileId, span: Span, b: &Bindings) -> Node {
        for arg in args {
            let (node, failed) = self.attempt(arg, file, b);
            if !failed {
                return node.at(span);
            }
        }
        self.fail(span)
    }

    fn can(&self, args: &[&Expression], file: FileId, span: Span, b: &Bindings) -> Node {
        let [arg] = args else { return self.fail(span) };
        let (node, failed) = self.attempt(arg, file, b);
        let value = if failed {
            Value::Bool(false)
        } else if node.contains_unknown() {
            Value::Unknown
        } else {
            Value::Bool(true)
        };
        Node::new(value, span)
    }

    fn template(&self, t: &Template, file: FileId, span: Span, b: &Bindings) -> Value {
        let mut out = String::new();
        match self.render(t, file, span, b, (false, false), &mut out) {
            Some(()) => Value::Str(out),
            None => Value::Unknown,
        }
    }

    /// Renders a template (written at `span`) into `out`; `strip` says
    /// whether the whitespace at its start and end is stripped (`~` on the
    /// enclosing directives). `None` when a value is unknown or over budget.
    fn render(
        &self,
        t: &Template,
        file: FileId,
        span: Span,
        b: &Bindings,
        strip: (bool, bool),
        out: &mut String,
    ) -> Option<()> {
        let elements: Vec<&Element> = t.iter().collect();
        let mut strip_next = strip.0;
        for (i, element) in elements.iter().enumerate() {
            let (before, after) = match element {
                Element::Literal(_) => (false, false),
                Element::Interpolation(e) => ends(e.strip),
                Element::Directive(dir) => match dir.as_ref() {
                    Directive::If(d) => (ends(d.if_expr.strip).0, ends(d.endif_expr.strip).1),
                    Directive::For(d) => (ends(d.for_expr.strip).0, ends(d.endfor_expr.strip).1),
                },
            };
            if before && matches!(elements.get(i.wrapping_sub(1)), Some(Element::Literal(_))) {
                out.truncate(out.trim_end().len());
            }
            match element {
                Element::Literal(s) => {
                    let mut text: &str = s.value();
                    if strip_next {
                        text = text.trim_start();
                    }
                    self.write(text, span, out)?;
                    if strip.1 && i + 1 == elements.len() {
                        out.truncate(out.trim_end().len());
                    }
                }
                Element::Interpolation(e) => {
                    let text = functions::to_text(&self.eval(&e.expr, file, b))?;
                    self.write(&text, span, out)?
                }
                Element::Directive(dir) => self.directive(dir, file, span, b, out)?,
            }
            strip_next = after;
        }
        Some(())
    }

    /// Appends text to a template's output, within the budget.
    fn write(&self, text: &str, span: Span, out: &mut String) -> Option<()> {
        self.budget
            .charge(span, 0, text.len() as u64)
            .then(|| out.push_str(text))
    }

    /// Renders an `if` or `for` directive into `out`.
    fn directive(
        &self,
        dir: &Directive,
        file: FileId,
        span: Span,
        b: &Bindings,
        out: &mut String,
    ) -> Option<()> {
        match dir {
            Directive::If(d) => {
                let else_strip = d.else_expr.as_ref().map(|e| ends(e.strip));
                let end_strip = ends(d.endif_expr.strip).0;
                match self.eval(&d.if_expr.cond_expr, file, b).value {
                    Value::Bool(true) => {
                        let last = else_strip.map_or(end_strip, |s| s.0);
                        let first = ends(d.if_expr.strip).1;
                        self.render(&d.if_expr.template, file, span, b, (first, last), out)?
                    }
                    Value::Bool(false) => {
                        if let (Some(e), Some(s)) = (&d.else_expr, else_strip) {
                            self.render(&e.template, file, span, b, (s.1, end_strip), out)?
                        }
                    }
                    _ => return None,
                }
            }
            Directive::For(d) => {
                let f = &d.for_expr;
                let collection = self.eval(&f.collection_expr, file, b);
                let inner_strip = (ends(f.strip).1, ends(d.endfor_expr.strip).0);
                let key_var = f.key_var.as_ref().map(|k| k.as_str());
                for inner in self.iterate(&collection, (key_var, f.value_var.as_str()), span, b)? {
                    self.render(&f.template, file, span, &inner?, inner_strip, out)?;
                }
            }
        }
        Some(())
    }

    fn for_expr(&self, f: &ForExpr, file: FileId, span: Span, b: &Bindings) -> Node {
        let collection = self.eval(&f.intro.collection_expr, file, b);
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str());
        let value_var = f.intro.value_var.as_str();
        let Some(iterations) = self.iterate(&collection, (key_var, value_var), span, b) else {
            return Node::new(Value::Unknown, span);
        };
        let mut list = Vec::new();
        let mut map = Map::new();
        for inner in iterations {
            let Some(inner) = inner else {
                return Node::new(Value::Unknown, span);
            };
            if let Some(cond) = &f.cond {
                match self.eval(&cond.expr, file, &inner).value {
                    Value::Bool(true) => {}
                    Value::Bool(false) => continue,
                    _ => return Node::new(Value::Unknown, span),
                }
            }
            let item = self.eval(&f.value_expr, file, &inner);
            match &f.key_expr {
                None => list.push(item),
                Some(k) => {
                    let Some(name) = key_string(&self.eval(k, file, &inner).value) else {
                        return Node::new(Value::Unknown, span);
                    };
                    if f.grouping {
                        let group = map.get_or_insert_with(name, || {
                            Node::new(Value::List(Vec::new()), item.span)
                        });
                        if let Value::List(items) = &mut group.value {
                            items.push(item);
                        }
                    } else if map.insert(name, item).is_some() {
                        return self.fail(span);
                    }
                }
            }
        }
        let value = match f.key_expr {
            None => Value::List(list),
            Some(_) => Value::Map(map),
        };
        Node::new(value, span)
    }

    /// The bindings of each iteration of a `for` over `collection` (at
    /// `span`): `b` with the key and value variables bound. `None` when the
    /// collection is unknown or over budget; an iteration is `None` when
    /// over budget.
    fn iterate<'a>(
        &'a self,
        collection: &Node,
        (key_var, value_var): (Option<&'a str>, &'a str),
        span: Span,
        b: &'a Bindings,
    ) -> Option<impl Iterator<Item = Option<Bindings>> + 'a> {
        if !self.budget.charge_copy(span, collection) {
            return None;
        }
        let pairs = functions::entries(collection)?;
        Some(pairs.into_iter().map(move |(key, value)| {
            let mut inner = self.bind(b, span)?;
            if let Some(k) = key_var {
                inner.insert(k.to_string(), key);
            }
            inner.insert(value_var.to_string(), value);
            Some(inner)
        }))
    }

    /// A copy of bindings made at `span`; `None` when over budget.
    fn bind(&self, b: &Bindings, span: Span) -> Option<Bindings> {
        let affordable = b.values().all(|n| self.budget.charge_copy(span, n));
        affordable.then(|| b.clone())
    }

    /// A copy of `node` made at `span`: unknown when over budget.
    fn copy(&self, node: &Node, span: Span) -> Node {
        if self.budget.charge_copy(span, node) {
            node.clone()
        } else {
            Node::new(Value::Unknown, span)
        }
    }

    /// The value of a bare name: a binding, or the `path`/`terraform` objects.
    fn root(&self, name: &str, span: Span, b: &Bindings) -> Option<Node> {
        if let Some(node) = b.get(name) {
            return Some(self.copy(node, span));
        }
        let text = |s: &str| Node::new(Value::Str(s.to_string()), Span::default());
        let object = |entries: &[(&str, &str)]| {
            let map = entries
                .iter()
                .map(|(k, v)| (k.to_string(), text(v)))
                .collect();
            Node::new(Value::Map(map), Span::default())
        };
        match name {
            "path" => Some(object(&[
                ("module", &self.module_path),
                ("root", "."),
                (
                    "cwd",
                    &crate::gate::absolute(&self.root_dir).display().to_string(),
                ),
            ])),
            "terraform" => Some(object(&[("workspace", &self.workspace)])),
            _ => None,
        }
    }

    fn traversal(
        &self,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        file: FileId,
        span: Span,
        b: &Bindings,
    ) -> Node {
        let ops: Vec<&TraversalOperator> = ops.iter().map(|o| o.value()).collect();
        let unknown = || Node::new(Value::Unknown, span);
        let Expression::Variable(name) = root else {
            let base = self.eval(root, file, b);
            return self.apply(base, &ops, file, span, b).at(span);
        };
        let name = name.as_str();
        if let Some(node) = self.root(name, span, b) {
            return self.apply(node, &ops, file, span, b).at(span);
        }
        let attr = match ops.first() {
            Some(TraversalOperator::GetAttr(a)) => a.as_str(),
            _ => return unknown(),
        };
        let (node, used) = match name {
            "var" => match self.variables.get(attr) {
                Some((node, Supply::Set)) => {
                    let node = self.copy(node, span);
                    (self.supplied(node, span, &["var.", attr].concat()), 1)
                }
                Some((node, Supply::Input)) => {
                    let origin = Arc::new(Origin::new(
                        span,
                        format!("var.{attr} used here, in {}", self.module_name()),
                    ));
                    let node = with_origin(self.copy(node, span), &origin);
                    self.remember_inputs(&node);
                    (node, 1)
                }
                None => return self.fail(span),
            },
            "local" => match self.local(attr, span) {
                Some(node) => (self.supplied(node, span, &["local.", attr].concat()), 1),
                None => return unknown(),
            },
            "module" => match self.module_value(attr, span) {
                Some(node) => (node, 1),
                None => return unknown(),
            },
            "data" => match self.data_source(attr, ops.get(1), span) {
                Some(node) => (node, 2),
                None => return unknown(),
            },
            ty => {
                let address = [ty, ".", attr].concat();
                if !self.resources.contains_key(&address) {
                    return unknown();
                }
                (self.resource_value(&address, span), 1)
            }
        };
        let result = self.apply(node, &ops[used..], file, span, b);
        if self.is_module_input(&result) {
            // A module input keeps pointing at the caller, where it was written.
            return result;
        }
        result.at(span)
    }

    /// Remembers the origins of a value a module input supplied.
    pub(super) fn remember_inputs(&self, node: &Node) {
        if let Some(o) = &node.origin {
            self.input_origins
                .borrow_mut()
                .insert(Arc::as_ptr(o) as usize, o.clone());
        }
        match &node.value {
            Value::List(items) => items.iter().for_each(|n| self.remember_inputs(n)),
            Value::Map(m) => m.values().for_each(|n| self.remember_inputs(n)),
            _ => {}
        }
    }

    fn is_module_input(&self, node: &Node) -> bool {
        node.origin.as_ref().is_some_and(|o| {
            self.input_origins
                .borrow()
                .contains_key(&(Arc::as_ptr(o) as usize))
        })
    }

    /// A value set elsewhere, used at `span`: every node points at the use,
    /// and remembers where it was set; values from module inputs keep
    /// pointing at the caller.
    fn supplied(&self, node: Node, span: Span, what: &str) -> Node {
        if self.is_module_input(&node) {
            return node;
        }
        let origin = node.origin.clone().unwrap_or_else(|| {
            Arc::new(Origin::new(
                node.span,
                ["value set here (", what, ")"].concat(),
            ))
        });
        let value = match node.value {
            Value::List(items) => Value::List(
                items
                    .into_iter()
                    .map(|n| self.supplied(n, span, what))
                    .collect(),
            ),
            Value::Map(m) => Value::Map(
                m.into_iter()
                    .map(|(k, n)| (k, self.supplied(n, span, what)))
                    .collect(),
            ),
            other => other,
        };
        Node {
            origin: Some(origin),
            ..Node::new(value, span)
        }
    }

    fn module_name(&self) -> String {
        let name = self.prefix.trim_end_matches('.');
        if name.is_empty() {
            "the root module".to_string()
        } else {
            name.to_string()
        }
    }

    /// The value of a module call as `module.NAME` names it: one object of
    /// the outputs of its instance, or a list (`count`) or map (`for_each`)
    /// of them; `None` when the call was not followed.
    fn module_value(&self, name: &str, span: Span) -> Option<Node> {
        let repeat = *self.modules.get(name)?;
        let object = |key: &str| match self.children.get(&format!("{name}{key}")) {
            Some(child) => child.output_values(span),
            None => Node::new(Value::Unknown, span),
        };
        Some(self.collection(&format!("module.{name}"), repeat, span, object))
    }

    /// The outputs of this module instance as an object, evaluated once.
    fn output_values(&self, span: Span) -> Node {
        let cached = self.output_values.borrow().clone();
        let node = cached.unwrap_or_else(|| {
            let mut names: Vec<&String> = self.outputs.keys().collect();
            names.sort();
            let outputs = names
                .into_iter()
                .map(|n| (n.clone(), self.code(self.outputs[n], &Bindings::new())))
                .collect();
            let node = Node::new(Value::Map(outputs), span);
            *self.output_values.borrow_mut() = Some(node.clone());
            node
        });
        self.copy(&node, span)
    }

    /// The value of a resource of this module as a reference names it: one
    /// instance object, or a list (`count`) or map (`for_each`) of them, so
    /// that indexes, splats, `for` and functions reach the exact instance.
    /// An instance object is a reference to the whole instance (an empty
    /// attribute); its attributes are references to that instance. Unknown
    /// when its instances are (or it repeats by itself, a cycle).
    fn resource_value(&self, local: &str, span: Span) -> Node {
        let repeat = self.resources.get(local).copied().flatten();
        let base = format!("{}{local}", self.prefix);
        let object = |key: &str| {
            Node::new(
                Value::reference(format!("{base}{key}"), String::new()),
                span,
            )
        };
        self.collection(local, repeat, span, object)
    }

    /// The instances of a resource or module call (`id`, repeated by
    /// `repeat`) as one `object`, or a list (`count`) or map (`for_each`) of
    /// them, given their instance keys; unknown when those are not known or
    /// over budget.
    fn collection(
        &self,
        id: &str,
        repeat: Option<Repeat>,
        span: Span,
        object: impl Fn(&str) -> Node,
    ) -> Node {
        let Some(keys) = self.instance_keys(id, repeat) else {
            return Node::new(Value::Unknown, span);
        };
        let value = match repeat {
            None => object("").value,
            Some(Repeat::Count(_)) => Value::List(keys.iter().map(|(k, _)| object(k)).collect()),
            Some(Repeat::ForEach(_)) => Value::Map(
                keys.iter()
                    .map(|(k, each)| (each.clone(), object(k)))
                    .collect(),
            ),
        };
        let node = Node::new(value, span);
        if self.budget.charge_copy(span, &node) {
            node
        } else {
            Node::new(Value::Unknown, span)
        }
    }

    /// The instance keys of a resource or module call (`[0]` or `["a"]`,
    /// with the `each.key` of each), computed once; `None` when not known
    /// (or when they depend on themselves).
    fn instance_keys(&self, id: &str, repeat: Option<Repeat>) -> Option<InstanceKeys> {
        if let Some(keys) = self.instance_keys.borrow().get(id) {
            return keys.clone();
        }
        // Resource and module ids hold a dot, local names do not.
        if !self.resolving.borrow_mut().insert(id.to_string()) {
            return None;
        }
        let keys = self.repeat(repeat).map(|instances| {
            instances
                .into_iter()
                .map(|(k, b)| {
                    let each = b.get("each").and_then(|e| e.get("key"));
                    let each = each.and_then(Node::as_str).unwrap_or_default();
                    (k, each.to_string())
                })
                .collect::<Vec<_>>()
        });
        self.resolving.borrow_mut().remove(id);
        self.instance_keys
            .borrow_mut()
            .insert(id.to_string(), keys.clone());
        keys
    }

    /// The instance keys (`[0]`, `["a"]`, or one empty key) of a resource of
    /// this module with the `count.*`/`each.*` bindings of each; `None` when
    /// the collection is unknown.
    pub fn instances(&self, local: &str) -> Option<Vec<(String, Bindings)>> {
        self.repeat(self.resources.get(local).copied().flatten())
    }

    /// Instances of a repeated block; `None` when the collection is unknown.
    pub fn repeat(&self, repeat: Option<Repeat>) -> Option<Vec<(String, Bindings)>> {
        let text = |s: String| Node::new(Value::Str(s), Span::default());
        match repeat {
            None => Some(vec![(String::new(), Bindings::new())]),
            Some(Repeat::Count(code)) => {
                let n = match self.code(code, &Bindings::new()).value {
                    Value::Int(n) if n <= MAX_INSTANCES as i64 => n.max(0),
                    _ => return None,
                };
                Some(
                    (0..n)
                        .map(|i| {
                            let index = Node::new(Value::Int(i), Span::default());
                            let count = Map::from([("index".to_string(), index)]);
                            let b = Bindings::from([(
                                "count".to_string(),
                                Node::new(Value::Map(count), Span::default()),
                            )]);
                            (format!("[{i}]"), b)
                        })
                        .collect(),
                )
            }
            Some(Repeat::ForEach(code)) => {
                let collection = self.code(code, &Bindings::new());
                let pairs: Vec<(String, Node)> = match collection.value {
                    Value::Map(m) => m.into_iter().collect(),
                    Value::List(items) => items
                        .into_iter()
                        .map(|n| n.as_str().map(|s| (s.to_string(), n.clone())))
                        .collect::<Option<_>>()?,
                    _ => return None,
                };
                if pairs.len() > MAX_INSTANCES {
                    return None;
                }
                Some(
                    pairs
                        .into_iter()
                        .map(|(k, v)| {
                            let each = Map::from([
                                ("key".to_string(), text(k.clone())),
                                ("value".to_string(), v),
                            ]);
                            let b = Bindings::from([(
                                "each".to_string(),
                                Node::new(Value::Map(each), Span::default()),
                            )]);
                            (format!("[{}]", quoted(&k)), b)
                        })
                        .collect(),
                )
            }
        }
    }

    /// Applies attribute access, indexing and splats to a value; the result
    /// keeps its own span.
    fn apply(
        &self,
        mut node: Node,
        ops: &[&TraversalOperator],
        file: FileId,
        span: Span,
        b: &Bindings,
    ) -> Node {
        for (i, op) in ops.iter().enumerate() {
            let whole = matches!(&node.value, Value::Ref(r) if r.attribute.is_empty());
            let splat = matches!(
                op,
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)
            );
            if matches!(node.value, Value::Unknown | Value::Ref(_)) && !(whole && splat) {
                let attribute = match (&node.value, op) {
                    (Value::Ref(r), TraversalOperator::GetAttr(name)) if whole => {
                        Value::reference(r.address.clone(), name.to_string())
                    }
                    _ => return Node::new(Value::Unknown, span),
                };
                // An attribute of a whole instance refers to that instance.
                node = Node::new(attribute, node.span);
                continue;
            }
            let next = match op {
                TraversalOperator::GetAttr(name) => node.get(name.as_str()).cloned(),
                TraversalOperator::Index(index) => {
                    match (&node.value, self.eval(index, file, b).value) {
                        (_, Value::Unknown | Value::Ref(_)) => {
                            return Node::new(Value::Unknown, span)
                        }
                        (Value::List(l), Value::Int(i)) => {
                            usize::try_from(i).ok().and_then(|i| l.get(i)).cloned()
                        }
                        (Value::List(l), Value::Str(s)) => {
                            s.parse::<usize>().ok().and_then(|i| l.get(i)).cloned()
                        }
                        (Value::Map(m), key) => key_string(&key).and_then(|k| m.get(&k)).cloned(),
                        _ => None,
                    }
                }
                TraversalOperator::LegacyIndex(i) => node
                    .as_list()
                    .and_then(|l| l.get(*i.value() as usize))
                    .cloned(),
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match node.value {
                        Value::List(items) => items,
                        Value::Null => Vec::new(),
                        _ => vec![node],
                    };
                    let rest = &ops[i + 1..];
                    let items = items
                        .into_iter()
                        .map(|n| {
                            let at = n.span;
                            self.apply(n, rest, file, at, b)
                        })
                        .collect();
                    return Node::new(Value::List(items), span);
                }
            };
            node = match next {
                Some(n) => n,
                None => return self.fail(span),
            };
        }
        node
    }

    /// The value of `local.name`, used at `span`, evaluated once; a cycle
    /// is unknown.
    fn local(&self, name: &str, span: Span) -> Option<Node> {
        if let Some(v) = self.local_values.borrow().get(name) {
            return Some(self.copy(v, span));
        }
        let code = *self.locals.get(name)?;
        if !self.resolving.borrow_mut().insert(name.to_string()) {
            return None;
        }
        let mut node = self.code(code, &Bindings::new());
        self.resolving.borrow_mut().remove(name);
        if !self.budget.charge_copy(span, &node) {
            node = Node::new(Value::Unknown, span);
        }
        self.local_values
            .borrow_mut()
            .insert(name.to_string(), node.clone());
        Some(node)
    }
}

/// Whether a strip marker strips before and after.
fn ends(strip: Strip) -> (bool, bool) {
    (
        matches!(strip, Strip::Start | Strip::Both),
        matches!(strip, Strip::End | Strip::Both),
    )
}

/// A span from an hcl-edit byte range.
pub fn span_in(range: Option<std::ops::Range<usize>>, file: FileId) -> Span {
    range.map_or(Span::new(file, 0, 0), |r| Span::new(file, r.start, r.end))
}

/// The instance key of an address: `[0]` or `["a"]`.
pub fn instance_key(key: &Value) -> Option<String> {
    match key {
        Value::Int(i) => Some(format!("[{i}]")),
        Value::Str(s) => Some(format!("[{}]", quoted(s))),
        _ => None,
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A map key from a value (numbers and booleans convert like Terraform does).
pub fn key_string(value: &Value) -> Option<String> {
    match value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(v) => Some(v.to_string()),
        _ => None,
    }
}

/// Spans inside a `.tf.json` template become the string's span.
fn fix_spans(node: &mut Node, span: Span) {
    if node.span.file == JSON_TEMPLATE {
        node.span = span;
        node.key_span = None;
    }
    if let Some(o) = &node.origin {
        if o.span.file == JSON_TEMPLATE {
            node.origin = Some(Arc::new(Origin {
                span,
                ..(**o).clone()
            }));
        }
    }
    match &mut node.value {
        Value::List(items) => items.iter_mut().for_each(|n| fix_spans(n, span)),
        Value::Map(m) => m.values_mut().for_each(|n| fix_spans(n, span)),
        _ => {}
    }
}

/// The same value with `origin` on every node that has none yet.
pub(super) fn with_origin(mut node: Node, origin: &Arc<Origin>) -> Node {
    node.origin.get_or_insert_with(|| origin.clone());
    node.value = match node.value {
        Value::List(items) => {
            Value::List(items.into_iter().map(|n| with_origin(n, origin)).collect())
        }
        Value::Map(m) => Value::Map(
            m.into_iter()
                .map(|(k, n)| (k, with_origin(n, origin)))
                .collect(),
        ),
        other => other,
    };
    node
}

fn binary(op: BinaryOperator, lhs: Value, rhs: Value) -> Value {
    use BinaryOperator as B;
    use Value as V;
    let known = |v: &Value| !matches!(v, V::Unknown | V::Ref(_));
    let number = |v: &Value| match v {
        V::Int(i) => Some(*i as f64),
        V::Float(f) => Some(*f),
        _ => None,
    };
    match (op, &lhs, &rhs) {
        (B::And, V::Bool(false), _) | (B::And, _, V::Bool(false)) => V::Bool(false),
        (B::Or, V::Bool(true), _) | (B::Or, _, V::Bool(true)) => V::Bool(true),
        (B::And, V::Bool(a), V::Bool(b)) => V::Bool(*a && *b),
        (B::Or, V::Bool(a), V::Bool(b)) => V::Bool(*a || *b),
        (B::Eq, a, b) if known(a) && known(b) => V::Bool(functions::same(a, b)),
        (B::NotEq, a, b) if known(a) && known(b) => V::Bool(!functions::same(a, b)),
        (B::Plus, V::Int(a), V::Int(b)) => a.checked_add(*b).map_or(V::Unknown, V::Int),
        (B::Minus, V::Int(a), V::Int(b)) => a.checked_sub(*b).map_or(V::Unknown, V::Int),
        (B::Mul, V::Int(a), V::Int(b)) => a.checked_mul(*b).map_or(V::Unknown, V::Int),
        (B::Mod, V::Int(a), V::Int(b)) => a.checked_rem(*b).map_or(V::Unknown, V::Int),
        (B::Div, a, b) => match (number(a), number(b)) {
            (Some(a), Some(b)) if b != 0.0 => functions::number(a / b),
            _ => V::Unknown,
        },
        (B::Less | B::LessEq | B::Greater | B::GreaterEq, a, b) => match (number(a), number(b)) {
            (Some(a), Some(b)) => V::Bool(match op {
                B::Less => a < b,
                B::LessEq => a <= b,
                B::Greater => a > b,
                _ => a >= b,
            }),
            _ => V::Unknown,
        },
        (B::Plus | B::Minus | B::Mul, a, b) => match (number(a), number(b)) {
            (Some(a), Some(b)) => functions::number(match op {
                B::Plus => a + b,
                B::Minus => a - b,
                _ => a * b,
            }),
            _ => V::Unknown,
        },
        _ => V::Unknown,
    }
}
