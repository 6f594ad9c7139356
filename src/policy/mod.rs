//! Policies: YAML files with a CEL assertion, compiled once per run.

pub mod cost;
pub mod direct;
pub mod hoist;
pub mod keys;
mod negate;
pub mod paths;

use crate::diag::Problem;
use crate::fix::Action;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use cel::common::types::{CelBool, CelString};
use cel::parser::Expression;
use include_dir::{include_dir, Dir};
use paths::Path;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, LazyLock, OnceLock};

/// The built-in policies, embedded at build time from `policies/`.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/policies");

/// Variables a policy expression can use.
pub const ROOTS: &[&str] = &["resource", "item", "meta", "resources", "native"];

/// How serious a finding is.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The name, as written in policies and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One or several strings.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A policy file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// Policies outside the `default` pack run only when their pack is selected.
    #[serde(default = "default_pack")]
    pub pack: String,
    /// The values a finding points at are secrets: reports mask them.
    #[serde(default)]
    pub secret: bool,
    /// The AWS Security Checklist or VPC best-practice item the policy encodes.
    pub checklist: String,
    pub rationale: String,
    pub remediation: String,
    #[serde(default)]
    pub remediation_cloudformation: Option<String>,
    #[serde(default)]
    pub remediation_terraform: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// Matching check ids of other tools (`checkov`, `trivy`, `kics`).
    #[serde(default)]
    pub peers: BTreeMap<String, Vec<String>>,
    /// Canonical (Terraform) resource types the policy applies to.
    pub resource_types: Vec<String>,
    /// Paths of the elements to check one by one, bound to `item`.
    #[serde(default)]
    pub for_each: OneOrMany,
    /// The CEL expression that must hold.
    pub assert: serde_saphyr::Spanned<String>,
    /// Paths to point at when the assertion fails (the first that exists wins).
    #[serde(default)]
    pub at: OneOrMany,
    /// The finding's message; `{expr}` parts are CEL expressions.
    #[serde(default)]
    pub message: Option<String>,
    /// The remediation `tenken check --fix` applies, in canonical terms.
    #[serde(default)]
    pub fix: Option<crate::fix::FixSpec>,
    #[serde(default)]
    pub tests: Vec<TestCase>,
}

fn default_pack() -> String {
    "default".to_string()
}

/// A policy unit test: a snippet and the findings it must produce.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    pub name: String,
    #[serde(default)]
    pub terraform: Option<String>,
    #[serde(default)]
    pub cloudformation: Option<String>,
    /// Expected findings of this policy; empty means the snippet passes.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

/// One expected finding.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub resource: String,
    #[serde(default)]
    pub line: Option<usize>,
}

/// A part of a message template.
#[derive(Debug)]
pub enum MessagePart {
    Text(String),
    Expr(Expression),
}

/// A policy: its spec, read when it is loaded, and its CEL, compiled the
/// first time it is needed (a run compiles only the policies its resources meet).
#[derive(Debug)]
pub struct Policy {
    pub spec: PolicySpec,
    pub file: FileId,
    pub builtin: bool,
    source: Arc<SourceFile>,
    compiled: OnceLock<Result<Compiled, Problem>>,
}

/// A policy's CEL programs and paths.
#[derive(Debug)]
pub struct Compiled {
    /// The assertion, instrumented to pay for its work (see [`cost`]), its
    /// negations of bools rewritten ([`negate`]).
    pub assert: Expression,
    /// The assertion with its parts that read only `resources` taken out
    /// (see [`hoist`]), and those parts, each instrumented; `None` when
    /// there are none.
    pub per_unit: Option<(Expression, Vec<hoist::Hoisted>)>,
    /// The assertion as it runs (with `per_unit`, its residual and parts)
    /// for direct evaluation, when it has that form.
    pub direct: Option<direct::Forms>,
    /// The message's expressions for direct evaluation, when all have that form.
    pub message_direct: Option<Vec<direct::Program>>,
    /// Where the assertion starts in the policy file.
    pub assert_at: Span,
    pub for_each: Vec<Path>,
    pub at: Vec<Path>,
    /// Paths the assertion reads.
    pub reads: Vec<Path>,
    pub message: Vec<MessagePart>,
    /// The assertion's literals: among them, the resource types its joins
    /// look at (an unknown value elsewhere cannot change its result), and
    /// the values an unknown is tried as.
    pub literals: Vec<crate::model::Value>,
    /// The resource types among the literals (`aws_flow_log`): the types
    /// the assertion's joins look at, when it names some.
    pub types: Vec<String>,
    /// Whether the assertion looks at the native (as written) properties.
    pub uses_native: bool,
    /// Whether the assertion or the message reads `meta`.
    pub uses_meta: bool,
    /// The top-level properties the assertion and the message can read
    /// ([`keys`]); `None` when they can read any.
    pub props_read: Option<BTreeSet<String>>,
}

/// The CEL environment policies run in, built once: the standard library
/// (no function of it reads files or the environment), the functions that
/// meter evaluation ([`cost::register`]), and a `matches` that compiles each
/// pattern once per thread (the cel crate's compiles it on every call, about
/// 5% of a whole-corpus run).
pub fn cel_env() -> Arc<cel::Env> {
    static ENV: LazyLock<Arc<cel::Env>> = LazyLock::new(|| {
        let mut env = cel::Env::stdlib();
        let added = cel::add_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>, id = "matches")
            .and_then(|()| cel::add_member_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>));
        added.expect("`matches` is not in a standard library built without regex");
        cost::register(&mut env).expect("the metering functions are not in the standard library");
        Arc::new(env)
    });
    ENV.clone()
}

/// Regular expressions compiled so far on this thread, by pattern; emptied
/// when it grows past this many (patterns built from data could be endless).
const REGEX_CACHE_LEN: usize = 256;

/// CEL's `matches` (see [`matches_text`]).
fn matches(text: &CelString<'_>, pattern: &CelString<'_>) -> Result<CelBool, cel::ExecutionError> {
    matches_text(text.inner(), pattern.inner()).map(CelBool::from)
}

/// Whether the RE2-syntax `pattern` matches part of `text`; it pays the
/// length of both.
pub fn matches_text(text: &str, pattern: &str) -> Result<bool, cel::ExecutionError> {
    cost::charge((text.len() + pattern.len()) as u64)?;
    thread_local! {
        static CACHE: RefCell<HashMap<String, regex::Regex>> = RefCell::new(HashMap::new());
    }
    CACHE.with_borrow_mut(|cache| {
        if let Some(re) = cache.get(pattern) {
            return Ok(re.is_match(text));
        }
        let re = regex::Regex::new(pattern).map_err(|e| {
            cel::ExecutionError::function_error(
                "matches",
                format!("'{pattern}' not a valid regex:\n{e}"),
            )
        })?;
        if cache.len() >= REGEX_CACHE_LEN {
            cache.clear();
        }
        Ok(cache
            .entry(pattern.to_string())
            .or_insert(re)
            .is_match(text))
    })
}

/// Parses a CEL expression, optional syntax (`a.?b`) included, with the cel
/// crate's Pratt parser: it builds the same tree as the crate's default
/// ANTLR parser (the built-in policies' trees compare equal) and the same
/// error positions, about 15 times faster, which is most of a small run.
pub fn parse_cel(source: &str) -> Result<Expression, cel::ParseErrors> {
    cel::parser::PrattParser::new()
        .enable_optional_syntax(true)
        .parse(source)
}

/// Every built-in policy, with its test cases (for tests that check them all).
#[cfg(test)]
pub(crate) fn builtins() -> Vec<Policy> {
    let mut sources = SourceMap::default();
    builtin_sources(&mut sources)
        .into_iter()
        .map(|id| load(sources.get(id), id, true, Cases::Read).expect("built-in loads"))
        .collect()
}

/// Adds every built-in policy file to `sources`.
pub fn builtin_sources(sources: &mut SourceMap) -> Vec<FileId> {
    let mut files = Vec::new();
    collect_embedded(&BUILTIN, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
        .into_iter()
        .map(|(name, text)| {
            sources.add(SourceFile::new(
                format!("<builtin>/policies/{name}"),
                name.into(),
                text,
            ))
        })
        .collect()
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<(String, String)>) {
    for f in dir.files() {
        let name = f.path().to_string_lossy().to_string();
        if is_policy_file(&name) {
            out.push((name, f.contents_utf8().unwrap_or_default().to_string()));
        }
    }
    for d in dir.dirs() {
        collect_embedded(d, out);
    }
}

/// Policy files are `*.yaml` / `*.yml`, other than `README`s.
pub fn is_policy_file(name: &str) -> bool {
    (name.ends_with(".yaml") || name.ends_with(".yml")) && !name.contains("README")
}

// The built-in policies converted to JSON by `build.rs` (`BUILTIN_SPECS`).
include!(concat!(env!("OUT_DIR"), "/builtin_specs.rs"));

/// The JSON form of the built-in policy at `path` (relative to `policies/`),
/// and of its test cases.
fn builtin_json(path: &std::path::Path) -> Option<(&'static str, &'static str)> {
    let name = path.to_str()?;
    let i = BUILTIN_SPECS
        .binary_search_by(|(n, _, _)| (*n).cmp(name))
        .ok()?;
    Some((BUILTIN_SPECS[i].1, BUILTIN_SPECS[i].2))
}

/// Whether a built-in policy is read with its test cases: `tenken test`,
/// `rules` and `explain` show them; a lint skips them, which shortens its
/// start-up (a policy file is mostly its tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cases {
    Read,
    Skipped,
}

/// Reads one policy file; its CEL is compiled by [`Policy::compiled`].
/// Built-in ones are read from their JSON form (the `assert` position is
/// then unknown; their tests compile them all), with their test cases when
/// `cases` says so; a user's are read whole.
pub fn load(
    source: &Arc<SourceFile>,
    id: FileId,
    builtin: bool,
    cases: Cases,
) -> Result<Policy, Problem> {
    let json = builtin.then(|| builtin_json(source.path())).flatten();
    let from_json = |(spec, tests): (&str, &str)| {
        let mut spec: PolicySpec = serde_json::from_str(spec).ok()?;
        if cases == Cases::Read {
            spec.tests = serde_json::from_str(tests).ok()?;
        }
        Some(spec)
    };
    let spec = match json.and_then(from_json) {
        Some(spec) => spec,
        None => read_yaml(source, id)?,
    };
    check_fix(&spec, source, id)?;
    Ok(Policy {
        spec,
        file: id,
        builtin,
        source: source.clone(),
        compiled: OnceLock::new(),
    })
}

fn read_yaml(source: &SourceFile, id: FileId) -> Result<PolicySpec, Problem> {
    serde_saphyr::from_str(&source.text).map_err(|e| {
        let span = e.location().map_or(Span::new(id, 0, 0), |l| {
            at_start(source, id, l.line() as usize, l.column() as usize)
        });
        Problem::new(span, e.without_snippet().to_string())
    })
}

/// A malformed `fix` is an error at its key.
fn check_fix(spec: &PolicySpec, source: &SourceFile, id: FileId) -> Result<(), Problem> {
    let Some(fix) = &spec.fix else {
        return Ok(());
    };
    let message = match fix.action() {
        Err(e) => e,
        Ok(Action::RemoveElement) if matches!(spec.for_each, OneOrMany::None) => {
            "`remove_element` needs `for_each` (the elements it removes one of)".to_string()
        }
        Ok(_) => return Ok(()),
    };
    let text = &source.text;
    let at = (text.match_indices("fix:"))
        .find(|(i, _)| *i == 0 || text[..*i].ends_with('\n'))
        .map_or(0, |(i, _)| i);
    Err(Problem::new(
        Span::new(id, at, at),
        format!("`fix`: {message}"),
    ))
}

fn at_start(file: &SourceFile, id: FileId, line: usize, column: usize) -> Span {
    let o = file.offset_of(line, column);
    Span::new(id, o, o)
}

impl Policy {
    /// True if the policy checks resources of this canonical type.
    pub fn applies_to(&self, canonical_type: &str) -> bool {
        self.spec
            .resource_types
            .iter()
            .any(|t| t == canonical_type || t == "*")
    }

    /// True once the policy is compiled (or failed to).
    pub fn is_compiled(&self) -> bool {
        self.compiled.get().is_some()
    }

    /// False when the policy cannot read `native`: the word is in none of
    /// its expressions and paths (known without compiling them).
    pub fn may_read_native(&self) -> bool {
        let spec = &self.spec;
        let named = |t: &str| t.contains("native");
        named(&spec.assert.value)
            || spec.message.as_deref().is_some_and(named)
            || [&spec.at, &spec.for_each].iter().any(|p| match p {
                OneOrMany::None => false,
                OneOrMany::One(t) => named(t),
                OneOrMany::Many(v) => v.iter().any(|t| named(t)),
            })
    }

    /// The compiled policy, compiled on the first call (from any thread).
    pub fn compiled(&self) -> Result<&Compiled, &Problem> {
        self.compiled
            .get_or_init(|| compile(&self.spec, &self.source, self.file))
            .as_ref()
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

fn compile(spec: &PolicySpec, file: &SourceFile, id: FileId) -> Result<Compiled, Problem> {
    let assert_at = at_start(
        file,
        id,
        spec.assert.referenced.line() as usize,
        spec.assert.referenced.column() as usize,
    );
    let refuse = |e: String| Problem::new(assert_at, format!("`assert`: {e}"));
    cost::check_source(&spec.assert.value).map_err(refuse)?;
    let mut assert = parse_cel(&spec.assert.value).map_err(|errs| {
        let first = errs.errors.first();
        let span = first
            .and_then(|e| locate_in(file, id, assert_at, &spec.assert.value, e.pos))
            .unwrap_or(assert_at);
        let msg = first.map_or_else(|| errs.to_string(), |e| e.msg.clone());
        Problem::new(span, format!("invalid CEL in `assert`: {msg}"))
    })?;
    cost::check_depth(&assert)
        .and_then(|()| cost::check_cost(&assert))
        .map_err(refuse)?;
    let parse_paths = |field: &str, v: &OneOrMany| {
        v.to_vec()
            .iter()
            .map(|s| Path::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Problem::new(Span::new(id, 0, 0), format!("`{field}`: {e}")))
    };
    let for_each = parse_paths("for_each", &spec.for_each)?;
    let at = parse_paths("at", &spec.at)?;
    let message = compile_message(spec.message.as_deref().unwrap_or(&spec.title))
        .map_err(|e| Problem::new(Span::new(id, 0, 0), format!("`message`: {e}")))?;
    let reads = paths::read_paths(&assert, ROOTS);
    let literals = cost::literals(&assert);
    let types = (literals.iter())
        .filter_map(|v| match v {
            crate::model::Value::Str(s) if is_type_name(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let uses_native = assert.references().has_variable("native");
    let message_exprs: Vec<&Expression> = (message.iter())
        .filter_map(|part| match part {
            MessagePart::Expr(e) => Some(e),
            MessagePart::Text(_) => None,
        })
        .collect();
    let uses_meta = assert.references().has_variable("meta")
        || message_exprs
            .iter()
            .any(|e| e.references().has_variable("meta"));
    let props_read = keys::props_read(&[&[&assert], message_exprs.as_slice()].concat());
    let message_direct = (message_exprs.iter())
        .map(|e| direct::compile(e, &[]))
        .collect();
    let mut residual = assert.clone();
    let mut parts = hoist::hoist(&mut residual);
    cost::instrument(&mut assert);
    negate::rewrite(&mut assert);
    let per_unit = (!parts.is_empty()).then(|| {
        cost::instrument(&mut residual);
        negate::rewrite(&mut residual);
        for h in &mut parts {
            cost::instrument(&mut h.expr);
            negate::rewrite(&mut h.expr);
        }
        (residual, parts)
    });
    let direct = direct::Forms::of(&assert, per_unit.as_ref());
    Ok(Compiled {
        assert,
        per_unit,
        direct,
        message_direct,
        assert_at,
        for_each,
        at,
        reads,
        message,
        literals,
        types,
        uses_native,
        uses_meta,
        props_read,
    })
}

/// Where a CEL error position (1-based line, column within the expression)
/// falls in the policy file: each line of the expression is looked up in
/// the file after the `assert` key, so block scalars map exactly.
fn locate_in(
    file: &SourceFile,
    id: FileId,
    start: Span,
    expr: &str,
    (line, col): (isize, isize),
) -> Option<Span> {
    let mut cursor = start.start as usize;
    let mut found = None;
    for (i, text) in expr.lines().enumerate() {
        let at = cursor + file.text.get(cursor..)?.find(text)?;
        cursor = at + text.len();
        if i + 1 == line.max(1) as usize {
            let byte = text
                .char_indices()
                .nth((col.max(1) - 1) as usize)
                .map_or(text.len(), |(b, _)| b);
            found = Some(Span::new(id, at + byte, at + byte + 1));
            break;
        }
    }
    found
}

fn compile_message(template: &str) -> Result<Vec<MessagePart>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| format!("unclosed '{{' in \"{template}\""))?;
        if open > 0 {
            parts.push(MessagePart::Text(rest[..open].to_string()));
        }
        let src = &rest[open + 1..open + close];
        cost::check_source(src).map_err(|e| format!("{{...}}: {e}"))?;
        let mut program = parse_cel(src).map_err(|e| format!("{{{src}}}: {e}"))?;
        cost::check_depth(&program)
            .and_then(|()| cost::check_cost(&program))
            .map_err(|e| format!("{{{src}}}: {e}"))?;
        cost::instrument(&mut program);
        parts.push(MessagePart::Expr(program));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(MessagePart::Text(rest.to_string()));
    }
    Ok(parts)
}

/// Loads every policy file under `dir` (recursively) into `sources`, each
/// read with `read`; a file that cannot be read is a problem of its own.
pub fn user_sources(
    dir: &std::path::Path,
    sources: &mut SourceMap,
    read: impl Fn(&std::path::Path) -> Result<String, String>,
) -> Result<(Vec<FileId>, Vec<Problem>), String> {
    if !dir.is_dir() {
        return Err(format!("policy folder '{}' does not exist", dir.display()));
    }
    let mut ids = Vec::new();
    let mut entries: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir() && is_policy_file(&e.file_name().to_string_lossy()))
        .map(|e| e.into_path())
        .collect();
    entries.sort();
    let mut problems = Vec::new();
    for path in entries {
        match sources.add_read(&path, read(&path)) {
            Ok(id) => ids.push(id),
            Err(problem) => problems.push(problem),
        }
    }
    Ok((ids, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_severity_is_named_as_serde_and_the_command_line_name_it() {
        use clap::ValueEnum;
        for s in Severity::value_variants() {
            let serde = serde_json::to_string(s).unwrap();
            assert_eq!(serde, format!("\"{}\"", s.as_str()));
            let cli = s.to_possible_value().unwrap();
            assert_eq!(cli.get_name(), s.as_str());
        }
    }

    fn eval(src: &str) -> Result<cel::Value, cel::ExecutionError> {
        let ctx = cel::Context::with_env(cel_env());
        cel::Value::resolve(&parse_cel(src).unwrap(), &ctx)
    }

    #[test]
    fn builtin_policies_read_the_same_from_json_as_from_yaml() {
        let mut files = Vec::new();
        collect_embedded(&BUILTIN, &mut files);
        assert_eq!(files.len(), BUILTIN_SPECS.len());
        for (name, text) in files {
            let source = Arc::new(SourceFile::new(name.clone(), name.clone().into(), text));
            let mut yaml = read_yaml(&source, FileId(0)).unwrap();
            assert!(!yaml.tests.is_empty(), "{name}");
            let read = |cases| load(&source, FileId(0), true, cases).expect(&name).spec;
            let mut json = read(Cases::Read);
            assert_eq!(json.assert.value, yaml.assert.value, "{name}");
            json.assert = yaml.assert.clone();
            assert_eq!(format!("{json:?}"), format!("{yaml:?}"), "{name}");
            // Without its test cases, the rest is the same.
            let mut lean = read(Cases::Skipped);
            lean.assert = yaml.assert.clone();
            yaml.tests.clear();
            assert_eq!(format!("{lean:?}"), format!("{yaml:?}"), "{name}");
        }
    }

    /// The Pratt parser must build what the cel crate's reference (ANTLR)
    /// parser builds for every built-in assertion (node ids aside).
    #[test]
    fn pratt_and_antlr_parsers_agree_on_the_builtin_policies() {
        let strip_ids = |tree: String| {
            let parts: Vec<&str> = tree.split("id: ").collect();
            let rest = parts[1..]
                .iter()
                .map(|p| p.trim_start_matches(|c: char| c.is_ascii_digit()));
            std::iter::once(parts[0])
                .chain(rest)
                .collect::<Vec<_>>()
                .join("id:")
        };
        let antlr = cel::Env::stdlib().with_optional_support(true);
        for (name, json, _) in BUILTIN_SPECS {
            let spec: PolicySpec = serde_json::from_str(json).unwrap();
            let src = &spec.assert.value;
            let reference = antlr.compile(src).expect(name);
            let pratt = parse_cel(src).expect(name);
            assert_eq!(
                strip_ids(format!("{:?}", reference.expression())),
                strip_ids(format!("{pratt:?}")),
                "{name}"
            );
        }
    }

    #[test]
    fn matches_works_as_a_function_and_a_method_and_reports_bad_patterns() {
        assert_eq!(
            eval("'TLSv1.2'.matches('^TLSv1\\\\.[23]')"),
            Ok(true.into())
        );
        assert_eq!(
            eval("matches('TLSv1', '^TLSv1\\\\.[23]')"),
            Ok(false.into())
        );
        // The same pattern again comes from the cache, with the same answer.
        assert_eq!(
            eval("'TLSv1.3'.matches('^TLSv1\\\\.[23]')"),
            Ok(true.into())
        );
        let err = eval("'x'.matches('(')").unwrap_err().to_string();
        assert!(err.contains("'(' not a valid regex"), "{err}");
    }

    #[test]
    fn matches_stays_right_when_the_cache_is_emptied() {
        for i in 0..REGEX_CACHE_LEN + 10 {
            let src = format!("'a{i}b'.matches('^a{i}b$') && !'a{i}'.matches('^a{i}b$')");
            assert_eq!(eval(&src), Ok(true.into()), "{src}");
        }
    }
}
