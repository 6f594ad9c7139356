//! Suppressions: comments (`# tenken:ignore RULE-ID reason`, and the checkov,
//! tfsec and trivy forms) and CloudFormation `Metadata`, collected per unit
//! while it is linted, then applied to the findings after evaluation.
//!
//! A directive covers the findings of its rule inside its scope: the
//! attribute, block or resource on the line it annotates, or every resource of
//! a Terraform `module` block (matched by address, since those resources live
//! in the module's own files).

use crate::diag::Problem;
use crate::engine::Finding;
use crate::model::{Node, Unit, Value};
use crate::policy::Policy;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use chrono::NaiveDate;
use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeSet;

/// Which tool's syntax a directive was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Tenken,
    Checkov,
    Tfsec,
    Trivy,
}

impl Tool {
    /// The keys of `peers` in a policy that this tool's ids are listed under.
    fn peer_keys(self) -> &'static [&'static str] {
        match self {
            Tool::Tenken => &[],
            Tool::Checkov => &["checkov"],
            Tool::Tfsec | Tool::Trivy => &["tfsec", "trivy"],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Tenken => "tenken",
            Tool::Checkov => "checkov",
            Tool::Tfsec => "tfsec",
            Tool::Trivy => "trivy",
        }
    }
}

/// One suppression as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    pub tool: Tool,
    /// The rule id (ours, or the peer tool's).
    pub id: String,
    pub reason: Option<String>,
    /// `YYYY-MM-DD` as written.
    pub expires: Option<String>,
    /// Where the directive is written.
    pub span: Span,
    /// Findings whose span lies inside this range are covered.
    pub within: Option<Span>,
    /// Findings on the resource with this address are covered.
    pub resource: Option<String>,
    /// Findings on resources created by the module call with this name are covered.
    pub module: Option<String>,
}

impl Directive {
    fn covers(&self, f: &Finding) -> bool {
        let inside = self.within.is_some_and(|w| {
            w.file == f.span.file && w.start <= f.span.start && f.span.end <= w.end
        });
        let on_resource = self.resource.as_deref() == Some(f.resource.as_str());
        let in_module = self.module.as_deref().is_some_and(|m| {
            let prefix = format!("module.{m}.");
            f.resource.starts_with(&prefix) || f.resource.contains(&format!(".{prefix}"))
        });
        inside || on_resource || in_module
    }
}

/// A finding a directive silenced.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppressed {
    pub finding: Finding,
    pub tool: Tool,
    pub reason: String,
    /// Where the directive is written.
    pub at: Span,
}

/// The findings left, those suppressed, and problems with the directives.
#[derive(Debug, Default)]
pub struct Applied {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub warnings: Vec<Problem>,
    /// The directives (where written, rule) that matched a finding.
    pub used: Vec<(Span, String)>,
    /// The directives of rules that ran that matched none (see [`unused`]).
    pub unused: Vec<(Span, String)>,
}

const MARKERS: &[(&str, Tool)] = &[
    ("tenken:ignore", Tool::Tenken),
    ("checkov:skip=", Tool::Checkov),
    ("tfsec:ignore:", Tool::Tfsec),
    ("trivy:ignore:", Tool::Trivy),
];

/// True if `text` holds one of [`MARKERS`]: one pass over it for them all.
fn has_marker(text: &str) -> bool {
    static ANY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        let each: Vec<String> = MARKERS.iter().map(|(m, _)| regex::escape(m)).collect();
        regex::Regex::new(&each.join("|")).expect("literals form a valid pattern")
    });
    ANY.is_match(text)
}

/// Every directive of a unit: comments in its files and CloudFormation `Metadata`.
pub fn collect(unit: &Unit, files: &[FileId], sources: &SourceMap) -> Vec<Directive> {
    let mut out = Vec::new();
    for &id in files {
        let file = sources.get(id);
        if has_marker(&file.text) {
            comments(file, id, unit, &mut out);
        }
    }
    for r in &unit.resources {
        if let Some(meta) = &r.metadata {
            metadata(meta, &r.address, &mut out);
        }
    }
    out
}

/// `Metadata: {tenken: {ignore: [{id, reason, expires}]}}`.
fn metadata(meta: &Node, address: &str, out: &mut Vec<Directive>) {
    let Some(entries) = meta
        .get("tenken")
        .and_then(|t| t.get("ignore"))
        .and_then(Node::as_list)
    else {
        return;
    };
    for entry in entries {
        let text = |k: &str| entry.get(k).and_then(scalar);
        out.push(Directive {
            tool: Tool::Tenken,
            id: text("id").unwrap_or_default(),
            reason: text("reason").filter(|r| !r.trim().is_empty()),
            expires: text("expires"),
            span: entry.span,
            within: None,
            resource: Some(address.to_string()),
            module: None,
        });
    }
}

fn scalar(n: &Node) -> Option<String> {
    match &n.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Directives in comments: on the line they end, or the next code line.
fn comments(file: &SourceFile, id: FileId, unit: &Unit, out: &mut Vec<Directive>) {
    let hcl = [".tf", ".tofu", ".tfvars"]
        .iter()
        .any(|e| file.name.ends_with(e));
    let lines = line_ranges(&file.text);
    for (n, &(start, end)) in lines.iter().enumerate() {
        let line = &file.text[start..end];
        for (marker, tool) in MARKERS {
            let Some(at) = line.find(marker) else {
                continue;
            };
            let before = line[..at].trim_end();
            let Some(code) = before
                .strip_suffix('#')
                .or_else(|| before.strip_suffix("//"))
            else {
                continue;
            };
            let target = if code.trim().is_empty() {
                lines[n + 1..]
                    .iter()
                    .find(|(s, e)| !is_blank_or_comment(&file.text[*s..*e]))
                    .copied()
            } else {
                Some((start, end))
            };
            let (rule, reason, expires) = parse(*tool, &line[at + marker.len()..]);
            let mut d = Directive {
                tool: *tool,
                id: rule,
                reason,
                expires,
                span: Span::new(id, start + code.len(), end),
                within: None,
                resource: None,
                module: None,
            };
            if let Some((ts, te)) = target {
                let indent = file.text[ts..te].len() - file.text[ts..te].trim_start().len();
                let from = ts + indent;
                let to = if hcl {
                    hcl_extent(&file.text, from)
                } else {
                    yaml_extent(&file.text, &lines, ts, indent)
                };
                d.within = Some(Span::new(id, from, to));
                d.resource = unit
                    .resources
                    .iter()
                    .find(|r| r.span.file == id && (ts..=te).contains(&(r.span.start as usize)))
                    .map(|r| r.address.clone());
                d.module = module_name(&file.text[from..te]);
            }
            out.push(d);
        }
    }
}

/// `(start, end)` byte offsets of every line, without the line break.
fn line_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        out.push((start, start + body.len()));
        start += line.len();
    }
    out
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#') || t.starts_with("//")
}

/// `module "name" {` → `name`.
fn module_name(line: &str) -> Option<String> {
    let rest = line.strip_prefix("module")?.trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// The end of the HCL attribute or block starting at `from`: the end of the
/// first line where every bracket opened since `from` is closed again.
pub(crate) fn hcl_extent(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut i, mut in_str) = (0i32, from, false);
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            match c {
                b'\\' => i += 1,
                b'"' => in_str = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => depth -= 1,
                b'#' => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n) - 1,
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    i = text[i..].find('\n').map_or(bytes.len(), |n| i + n) - 1
                }
                b'\n' if depth <= 0 => return i,
                _ => {}
            }
        }
        i += 1;
    }
    bytes.len()
}

/// The end of the YAML node starting on the line at `ts`: the following lines
/// indented deeper (blank lines and comments included) belong to it.
fn yaml_extent(text: &str, lines: &[(usize, usize)], ts: usize, indent: usize) -> usize {
    let mut end = text[ts..].find('\n').map_or(text.len(), |n| ts + n);
    for &(s, e) in lines.iter().filter(|(s, _)| *s > ts) {
        let line = &text[s..e];
        let blank = line.trim().is_empty();
        if !blank && line.len() - line.trim_start().len() <= indent {
            break;
        }
        if !blank {
            end = e;
        }
    }
    end
}

/// Splits what follows a marker into the rule id, the reason and the expiry.
fn parse(tool: Tool, rest: &str) -> (String, Option<String>, Option<String>) {
    let reason_of = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    };
    match tool {
        Tool::Tenken => {
            let mut words = rest.split_whitespace();
            let id = words.next().unwrap_or_default().to_string();
            let mut rest: Vec<&str> = words.collect();
            let expires = rest
                .first()
                .and_then(|w| w.strip_prefix("exp:"))
                .map(str::to_string);
            if expires.is_some() {
                rest.remove(0);
            }
            (id, reason_of(&rest.join(" ")), expires)
        }
        // `checkov:skip=CKV_AWS_20:the reason`
        Tool::Checkov => {
            let (id, reason) = rest.split_once(':').unwrap_or((rest, ""));
            (id.trim().to_string(), reason_of(reason), None)
        }
        // `tfsec:ignore:aws-s3-enable-versioning:exp:2025-01-02`
        Tool::Tfsec | Tool::Trivy => {
            let word = rest.split_whitespace().next().unwrap_or_default();
            let (id, expires) = match word.split_once(":exp:") {
                Some((id, date)) => (id, Some(date.to_string())),
                None => (word, None),
            };
            (id.to_string(), None, expires)
        }
    }
}

/// Applies `directives` to `findings` on `today`. `ran` holds the ids of the
/// policies that ran; a directive for one that did not cannot be unused.
pub fn apply(
    findings: Vec<Finding>,
    directives: &[Directive],
    policies: &[Policy],
    ran: &BTreeSet<String>,
    today: NaiveDate,
) -> Applied {
    if directives.is_empty() {
        // Most units have none: nothing to index.
        return Applied {
            findings,
            ..Default::default()
        };
    }
    let mut out = Applied::default();
    let mut peers: HashMap<(&str, String), Vec<&str>> = HashMap::new();
    for p in policies {
        for (tool, ids) in &p.spec.peers {
            for id in ids {
                peers
                    .entry((tool.as_str(), id.to_ascii_lowercase()))
                    .or_default()
                    .push(&p.spec.id);
            }
        }
    }
    // The rules each usable directive applies to.
    let mut active: Vec<(&Directive, Vec<&str>)> = Vec::new();
    for d in directives {
        let rules: Vec<&str> = match d.tool {
            Tool::Tenken => policies
                .iter()
                .filter(|p| p.spec.id.eq_ignore_ascii_case(&d.id))
                .map(|p| p.spec.id.as_str())
                .collect(),
            tool => tool
                .peer_keys()
                .iter()
                .filter_map(|k| peers.get(&(*k, d.id.to_ascii_lowercase())))
                .flatten()
                .copied()
                .collect(),
        };
        if rules.is_empty() {
            // Ids of other tools that match none of our policies are theirs to handle.
            if d.tool == Tool::Tenken {
                let what = if d.id.is_empty() {
                    "suppression names no rule".to_string()
                } else {
                    format!("suppression names an unknown rule {}", d.id)
                };
                out.warnings.push(Problem::new(d.span, what));
            }
            continue;
        }
        if d.tool == Tool::Tenken && d.reason.is_none() {
            out.warnings.push(Problem::new(
                d.span,
                format!("suppression of {} has no reason; it is not applied", d.id),
            ));
            continue;
        }
        if let Some(date) = &d.expires {
            match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                Ok(until) if until < today => {
                    out.warnings.push(Problem::new(
                        d.span,
                        format!("suppression of {} expired on {date}", d.id),
                    ));
                    continue;
                }
                Ok(_) => {}
                Err(_) => {
                    out.warnings.push(Problem::new(
                        d.span,
                        format!("suppression of {} has an invalid expiry date '{date}' (expected YYYY-MM-DD); it is not applied", d.id),
                    ));
                    continue;
                }
            }
        }
        active.push((d, rules));
    }
    let mut used = vec![false; active.len()];
    let hit = |f: &Finding| {
        (active.iter()).position(|(d, rules)| rules.contains(&f.rule_id.as_str()) && d.covers(f))
    };
    // The findings kept stay where they are (a run can hold many).
    out.findings = findings;
    for f in out.findings.extract_if(.., |f| hit(f).is_some()) {
        let Some(i) = hit(&f) else { continue };
        used[i] = true;
        let d = active[i].0;
        out.suppressed.push(Suppressed {
            finding: f,
            tool: d.tool,
            reason: d
                .reason
                .clone()
                .unwrap_or_else(|| format!("{}:{}", d.tool.as_str(), d.id)),
            at: d.span,
        });
    }
    for ((d, rules), used) in active.iter().zip(used) {
        let key = (d.span, d.id.clone());
        match used {
            true => out.used.push(key),
            false if d.tool == Tool::Tenken && rules.iter().any(|r| ran.contains(*r)) => {
                out.unused.push(key)
            }
            false => {}
        }
    }
    out
}

/// Warnings for the directives that matched no finding in any unit that
/// collected them: `unused` and `used` are those of every [`Applied`].
pub fn unused(unused: &[(Span, String)], used: &HashSet<(Span, String)>) -> Vec<Problem> {
    (unused.iter())
        .filter(|key| !used.contains(*key))
        .map(|(span, id)| Problem::new(*span, format!("suppression of {id} matches no finding")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_is_found_wherever_it_is() {
        for (m, _) in MARKERS {
            assert!(has_marker(m));
            assert!(has_marker(&format!("a: 1\n# x {m}TKN-1\n")));
            assert!(!has_marker(&m[..m.len() - 1]));
        }
        assert!(!has_marker("tenken: ignore\ncheckov:skip\n"));
    }

    #[test]
    fn parses_each_form() {
        assert_eq!(
            parse(Tool::Tenken, " TKN-NET-001 exp:2027-03-31 bastion, audited"),
            (
                "TKN-NET-001".into(),
                Some("bastion, audited".into()),
                Some("2027-03-31".into())
            )
        );
        assert_eq!(
            parse(Tool::Checkov, "CKV_AWS_24:needed for VPN"),
            ("CKV_AWS_24".into(), Some("needed for VPN".into()), None)
        );
        assert_eq!(
            parse(Tool::Trivy, "AVD-AWS-0107:exp:2020-01-01 x"),
            ("AVD-AWS-0107".into(), None, Some("2020-01-01".into()))
        );
    }

    #[test]
    fn a_module_block_covers_the_resources_it_creates() {
        use crate::model::Unit;
        use crate::source::SourceFile;
        let mut sources = SourceMap::default();
        let text = "# tenken:ignore TKN-NET-001 shared VPN module\nmodule \"vpn\" {\n  source = \"./vpn\"\n}\n";
        let id = sources.add(SourceFile::new(
            "main.tf".into(),
            "main.tf".into(),
            text.into(),
        ));
        let found = collect(&Unit::default(), &[id], &sources);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].module.as_deref(), Some("vpn"));
        let finding = |resource: &str| Finding {
            rule_id: "TKN-NET-001".into(),
            severity: crate::policy::Severity::High,
            title: String::new(),
            message: String::new(),
            resource: resource.into(),
            resource_type: "aws_security_group".into(),
            span: Span::new(FileId::default(), 0, 0),
            related: Vec::new(),
            undecided: false,
            secrets: Vec::new(),
            when: Vec::new(),
        };
        assert!(found[0].covers(&finding("module.vpn.aws_security_group.ssh")));
        assert!(found[0].covers(&finding("module.net.module.vpn.aws_security_group.ssh")));
        assert!(!found[0].covers(&finding("module.vpn2.aws_security_group.ssh")));
        assert!(!found[0].covers(&finding("aws_security_group.ssh")));
    }

    #[test]
    fn hcl_extent_spans_nested_blocks_but_not_strings() {
        let text = "ingress {\n  x = \"}\"\n  y = [1,\n 2]\n}\nz = 1\n";
        assert_eq!(hcl_extent(text, 0), text.find("\nz").unwrap());
        let attr = text.find("y =").unwrap();
        assert_eq!(hcl_extent(text, attr), text.find(" 2]").unwrap() + 3);
    }
}
