//! Evaluation of Terraform expressions, checked on the resulting model.

use super::{parse, Project};
use crate::diag::Problem;
use crate::model::{Node, Resource, Value};
use crate::source::{FileId, SourceFile};
use std::path::Path;
use std::sync::Arc;

pub(super) fn resources(text: &str) -> Vec<Resource> {
    unit(text).0
}

/// The resources of one `main.tf` file and the notes on it.
pub(super) fn unit(text: &str) -> (Vec<Resource>, Vec<Problem>) {
    let source = Arc::new(SourceFile::new(
        "main.tf".into(),
        "main.tf".into(),
        text.into(),
    ));
    let file = parse(source, FileId(0)).expect("parses");
    let (unit, problems, notes) = Project::single(vec![file]).normalize(Path::new(""));
    assert!(problems.is_empty(), "{problems:?}");
    (unit.resources, notes)
}

/// A compact rendering: JSON-like, `?` for unknown, `&addr.attr` for references.
pub(super) fn show(n: &Node) -> String {
    match &n.value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => format!("{s:?}"),
        Value::List(l) => format!("[{}]", l.iter().map(show).collect::<Vec<_>>().join(",")),
        Value::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", show(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Value::Unknown => "?".into(),
        Value::Ref(r) => format!("&{}.{}", r.address, r.attribute),
    }
}

/// The properties of the only resource, one line per attribute.
fn props(text: &str) -> Vec<String> {
    let rs = resources(text);
    assert_eq!(rs.len(), 1);
    match &rs[0].props.value {
        Value::Map(m) => m.iter().map(|(k, v)| format!("{k}={}", show(v))).collect(),
        _ => panic!("not a map"),
    }
}

#[test]
fn locals_conditionals_templates_and_for_expressions() {
    let got = props(
        r#"
        variable "env" { default = "prod" }
        variable "subnets" {
          default = [{ name = "a", public = true }, { name = "b", public = false }]
        }
        locals {
          prod   = var.env == "prod"
          prefix = "${var.env}-app"
          names  = [for s in var.subnets : upper(s.name) if s.public]
          by     = { for s in var.subnets : s.name => s.public }
          all    = var.subnets[*].name
        }
        resource "x" "y" {
          a = local.prod ? 1 : 2
          b = local.prefix
          c = local.names
          d = local.by
          e = local.all
          f = local.by["b"]
          g = var.subnets[0].name
        }
        "#,
    );
    assert_eq!(
        got,
        [
            "a=1",
            "b=\"prod-app\"",
            "c=[\"A\"]",
            "d={a:true,b:false}",
            "e=[\"a\",\"b\"]",
            "f=false",
            "g=\"a\"",
        ]
    );
}

#[test]
fn functions() {
    let got = props(
        r#"
        resource "x" "y" {
          concat   = concat(["a"], ["b", "c"])
          merge    = merge({ a = 1 }, { b = 2, a = 3 })
          lookup   = lookup({ a = 1 }, "b", 9)
          coalesce = coalesce("", "x")
          flatten  = flatten([["a"], [["b"]]])
          toset    = toset(["b", "a", "b"])
          json     = jsondecode("{\"k\": [1, true]}")
          format   = format("%s:%d", "p", 80)
          join     = join(",", split("-", "a-b"))
          length   = length({ a = 1, b = 2 })
          contains = contains(["a"], "a")
          cidr     = cidrsubnet("10.0.0.0/16", 8, 3)
          element  = element(["a", "b"], 3)
          try      = try({ a = 1 }.b, "fallback")
          can      = can({ a = 1 }.b)
          keys     = keys({ b = 1, a = 2 })
          range    = range(3)
          zip      = zipmap(["a"], [1])
        }
        "#,
    );
    assert_eq!(
        got,
        [
            "can=false",
            "cidr=\"10.0.3.0/24\"",
            "coalesce=\"x\"",
            "concat=[\"a\",\"b\",\"c\"]",
            "contains=true",
            "element=\"b\"",
            "flatten=[\"a\",\"b\"]",
            "format=\"p:80\"",
            "join=\"a,b\"",
            "json={k:[1,true]}",
            "keys=[\"a\",\"b\"]",
            "length=2",
            "lookup=9",
            "merge={a:3,b:2}",
            "range=[0,1,2]",
            "toset=[\"a\",\"b\"]",
            "try=\"fallback\"",
            "zip={a:1}",
        ]
    );
}

#[test]
fn apply_time_values_are_unknown_never_guessed() {
    let rs = resources(
        r#"
        variable "missing" { type = string }
        data "aws_ami" "a" {}
        resource "aws_vpc" "v" {}
        resource "x" "y" {
          var     = var.missing
          data    = data.aws_ami.a.id
          ref     = aws_vpc.v.id
          upper   = upper(var.missing)
          concat  = concat(["a"], [aws_vpc.v.arn])
          cond    = var.missing == "a" ? 1 : 2
          tmpl    = "x-${data.aws_ami.a.id}"
          partial = try(var.missing, "default")
        }
        "#,
    );
    let y = &rs[1];
    let Value::Map(m) = &y.props.value else {
        panic!()
    };
    let got: Vec<String> = m.iter().map(|(k, v)| format!("{k}={}", show(v))).collect();
    assert_eq!(
        got,
        [
            "concat=[\"a\",&aws_vpc.v.arn]",
            "cond=?",
            "data=?",
            "partial=?",
            "ref=&aws_vpc.v.id",
            "tmpl=?",
            "upper=?",
            "var=?",
        ]
    );
}

#[test]
fn count_and_for_each_expand_instances_and_references() {
    let rs = resources(
        r#"
        variable "zones" { default = { a = "10.0.1.0/24", b = "10.0.2.0/24" } }
        resource "aws_subnet" "s" {
          for_each   = var.zones
          cidr_block = each.value
          tags       = { Name = "subnet-${each.key}" }
        }
        resource "aws_eip" "e" {
          count = 2
          tags  = { Index = count.index }
        }
        resource "aws_x" "r" {
          subnets = [for k, s in var.zones : k]
          eips    = aws_eip.e[*].id
          one     = aws_subnet.s["a"].arn
          first   = try(aws_eip.e[5].id, aws_eip.e[0].id)
        }
        "#,
    );
    let addresses: Vec<&str> = rs.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "aws_subnet.s[\"a\"]",
            "aws_subnet.s[\"b\"]",
            "aws_eip.e[0]",
            "aws_eip.e[1]",
            "aws_x.r"
        ]
    );
    assert_eq!(
        show(rs[1].props.get("cidr_block").unwrap()),
        "\"10.0.2.0/24\""
    );
    assert_eq!(
        show(rs[1].props.get("tags").unwrap()),
        "{Name:\"subnet-b\"}"
    );
    assert_eq!(show(rs[3].props.get("tags").unwrap()), "{Index:1}");
    let r = &rs[4].props;
    assert_eq!(
        show(r.get("eips").unwrap()),
        "[&aws_eip.e[0].id,&aws_eip.e[1].id]"
    );
    assert_eq!(show(r.get("one").unwrap()), "&aws_subnet.s[\"a\"].arn");
    assert_eq!(show(r.get("first").unwrap()), "&aws_eip.e[0].id");
    assert_eq!(show(r.get("subnets").unwrap()), "[\"a\",\"b\"]");
}

#[test]
fn unknown_count_gives_one_resource_and_dynamic_blocks_expand() {
    let rs = resources(
        r#"
        data "aws_availability_zones" "a" {}
        variable "rules" {
          type = list(object({ port = number, cidrs = optional(list(string), ["10.0.0.0/8"]) }))
          default = [{ port = "22" }, { port = 443, cidrs = ["0.0.0.0/0"] }]
        }
        resource "aws_subnet" "s" {
          count = length(data.aws_availability_zones.a.names)
        }
        resource "aws_security_group" "g" {
          dynamic "ingress" {
            for_each = var.rules
            content {
              from_port   = ingress.value.port
              cidr_blocks = ingress.value.cidrs
            }
          }
        }
        "#,
    );
    assert_eq!(rs[0].address, "aws_subnet.s");
    assert_eq!(
        show(rs[1].props.get("ingress").unwrap()),
        "[{cidr_blocks:[\"10.0.0.0/8\"],from_port:22},{cidr_blocks:[\"0.0.0.0/0\"],from_port:443}]"
    );
}

#[test]
fn template_directives() {
    let got = props(
        r#"
        variable "ports" { default = [22, 80] }
        resource "x" "y" {
          a = "%{ if length(var.ports) > 1 }many%{ else }one%{ endif }"
          b = "%{ for p in var.ports }${p},%{ endfor }"
          c = <<-EOT
            %{~ for p in var.ports ~}
            port ${p}
            %{~ endfor ~}
          EOT
          d = "%{ if data.x.y.ok }yes%{ endif }"
        }
        "#,
    );
    assert_eq!(
        got,
        ["a=\"many\"", "b=\"22,80,\"", "c=\"port 22port 80\"", "d=?"]
    );
}

#[test]
fn value_semantics() {
    let got = props(
        r#"
        resource "x" "y" {
          dup       = { a = 1, b = 2, a = 3, "b" = 4, c = 5, "c" = 6, "c" = 7 }
          collide   = { k = 1, k = 3, x = { "k" = 4, "k" = 5 }, a = 6 }
          product   = setproduct(["a", "b"], [1, 2])
          yaml      = yamldecode("k: [1, yes, '2']\nn: ~")
          base64    = base64encode("hello")
          workspace = terraform.workspace
          module    = path.module
          huge      = 1e300 * 1e300
          negative  = -1e300 * 1e300
        }
        "#,
    );
    assert_eq!(
        got,
        [
            "base64=\"aGVsbG8=\"",
            "collide={a:6,k:3,x:{k:5}}",
            "dup={a:3,b:4,c:7}",
            "huge=?",
            "module=\".\"",
            "negative=?",
            "product=[[\"a\",1],[\"a\",2],[\"b\",1],[\"b\",2]]",
            "workspace=\"default\"",
            "yaml={k:[1,\"yes\",\"2\"],n:null}",
        ]
    );
}

#[test]
fn a_number_out_of_range_is_an_error_at_it_and_unknown() {
    let text = "resource \"x\" \"y\" {\n  big  = 1e400\n  list = [1, 2e999]\n  ok   = 2\n}\n";
    let source = Arc::new(SourceFile::new(
        "main.tf".into(),
        "main.tf".into(),
        text.into(),
    ));
    let file = parse(source.clone(), FileId(0)).expect("parses");
    let at: Vec<String> = file
        .problems
        .iter()
        .map(|p| {
            let lc = source.line_col(p.span.start as usize);
            format!("{}:{} {}", lc.line, lc.column, p.message)
        })
        .collect();
    assert_eq!(
        at,
        [
            "2:10 number 1e400 is out of range (beyond a 64-bit float); the value is unknown",
            "3:14 number 2e999 is out of range (beyond a 64-bit float); the value is unknown",
        ]
    );
    let (unit, problems, _) = Project::single(vec![file]).normalize(Path::new(""));
    assert!(problems.is_empty(), "{problems:?}");
    let props = &unit.resources[0].props;
    assert_eq!(show(props.get("big").unwrap()), "?");
    assert_eq!(show(props.get("list").unwrap()), "[1,?]");
    assert_eq!(show(props.get("ok").unwrap()), "2");
}

/// The resources of the root module in `dir`, loaded like `tenken check`
/// does, with the notes and the files read beyond the module's own.
fn load_root(
    dir: &Path,
    inputs: &super::Inputs,
) -> (Vec<Resource>, Vec<String>, Vec<std::path::PathBuf>) {
    use crate::gate::Gate;
    let gate = Gate::for_paths(&[dir.to_path_buf()]);
    let mut sources = crate::source::SourceMap::default();
    let ids = crate::discover::module_files(dir)
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            sources.add(SourceFile::new(p.display().to_string(), p, text))
        })
        .collect();
    let read = |p: &Path, trust| gate.read_text(p, trust);
    let loaded = super::modules::load(
        vec![(dir.to_path_buf(), ids)],
        &mut sources,
        inputs,
        &gate,
        &read,
        &Default::default(),
        &Default::default(),
    );
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let (unit, problems, notes) = loaded.project.normalize(&loaded.roots[0]);
    assert!(problems.is_empty(), "{problems:?}");
    let notes = notes.into_iter().map(|n| n.message).collect();
    (unit.resources, notes, loaded.extra_files)
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn file_functions_read_inside_the_repository_only() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    write(
        tmp.path(),
        &[
            ("outside.json", "{\"secret\": \"TOP-SECRET\"}"),
            ("repo/.git/HEAD", "ref: refs/heads/main"),
            ("repo/infra/policy.json", "{\"Statement\": []}"),
            ("repo/infra/conf/a.yaml", "port: 22\n"),
            ("repo/infra/conf/b.yml", "port: 443\n"),
            ("repo/infra/conf/deep/c.yaml", "port: 80\n"),
            ("repo/infra/conf/skip.txt", "x"),
            (
                "repo/infra/user.tpl",
                "%{ for u in users ~}\n${u},\n%{ endfor ~}\nend",
            ),
            ("repo/infra/value.tpl", "${ports}"),
            (
                "repo/infra/main.tf",
                r#"
                resource "x" "y" {
                  text     = file("policy.json")
                  json     = jsondecode(file("${path.module}/policy.json"))
                  exists   = [fileexists("policy.json"), fileexists("nope.json")]
                  top      = fileset(path.module, "conf/*.{yaml,yml}")
                  all      = fileset("${path.module}/conf", "**/?.yaml")
                  ports    = [for f in fileset(path.module, "conf/**/*.yaml") : yamldecode(file(f)).port]
                  rendered = templatefile("user.tpl", { users = ["a", "b"] })
                  value    = templatefile("value.tpl", { ports = [1, 2] })
                  outside  = file("../../outside.json")
                  absolute = file("/etc/passwd")
                  home     = file("~/.aws/credentials")
                  missing  = file("missing.json")
                  set      = fileset("../..", "*.json")
                  git      = file("../.git/HEAD")
                }
                "#,
            ),
        ],
    );
    let infra = repo.join("infra");
    let (rs, notes, read) = load_root(&infra, &super::Inputs::default());
    let got: Vec<String> = match &rs[0].props.value {
        Value::Map(m) => m.iter().map(|(k, v)| format!("{k}={}", show(v))).collect(),
        _ => panic!("not a map"),
    };
    assert_eq!(
        got,
        [
            "absolute=?",
            "all=[\"a.yaml\",\"deep/c.yaml\"]",
            "exists=[true,false]",
            "git=?",
            "home=?",
            "json={Statement:[]}",
            "missing=?",
            "outside=?",
            "ports=[22,80]",
            "rendered=\"a,\\nb,\\nend\"",
            "set=?",
            "text=\"{\\\"Statement\\\": []}\"",
            "top=[\"conf/a.yaml\",\"conf/b.yml\"]",
            "value=[1,2]",
        ]
    );
    let notes = notes.join("\n");
    for expected in [
        "file(\"../../outside.json\"): refused: it is outside the repository; the value is unknown",
        "file(\"/etc/passwd\"): refused: it is outside the repository",
        "file(\"~/.aws/credentials\"): refused: it is outside the repository",
        "file(\"missing.json\"): cannot read: No such file",
        "fileset(\"../..\"): refused: it is outside the repository",
        "file(\"../.git/HEAD\"): refused: version-control folders are not read",
    ] {
        assert!(notes.contains(expected), "{expected} in {notes}");
    }
    assert!(!notes.contains("TOP-SECRET") && !notes.contains("root:"));
    // The files read are those inside, each once.
    let names: Vec<String> = read
        .iter()
        .map(|p| p.strip_prefix(&infra).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "policy.json",
            "conf/a.yaml",
            "conf/deep/c.yaml",
            "user.tpl",
            "value.tpl"
        ]
    );
}

#[test]
fn nullable_false_takes_the_default_for_a_null_and_the_workspace_is_selected() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("terraform.tfvars", "strict = null\nloose = null\n"),
            (".terraform/environment", "staging\n"),
            (
                "main.tf",
                r#"
                variable "strict" {
                  default  = "d"
                  nullable = false
                }
                variable "loose" { default = "d" }
                module "m" {
                  source = "./m"
                  strict = null
                  loose  = null
                }
                resource "x" "y" {
                  strict    = var.strict
                  loose     = var.loose
                  workspace = terraform.workspace
                }
                "#,
            ),
            (
                "m/main.tf",
                r#"
                variable "strict" {
                  default  = "md"
                  nullable = false
                }
                variable "loose" { default = "md" }
                resource "x" "z" {
                  strict = var.strict
                  loose  = var.loose
                  path   = path.module
                }
                "#,
            ),
        ],
    );
    let (rs, _, _) = load_root(tmp.path(), &super::Inputs::default());
    let shown: Vec<String> = rs.iter().map(|r| show(&r.props)).collect();
    assert_eq!(
        shown,
        [
            "{path:\"m\",strict:\"md\"}",
            "{strict:\"d\",workspace:\"staging\"}"
        ]
    );
    let inputs = super::Inputs {
        workspace: Some("prod".into()),
        ..Default::default()
    };
    let (rs, _, _) = load_root(tmp.path(), &inputs);
    assert_eq!(show(rs[1].props.get("workspace").unwrap()), "\"prod\"");
}
