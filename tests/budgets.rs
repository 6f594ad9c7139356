//! Evaluation budgets on the real binary: each run mixes a small file that
//! amplifies work (loops, string functions, module fan-out, intrinsic
//! functions, YAML aliases) with a valid module that has a finding, and
//! asserts one clear error (file, line, column, exit code 2) in bounded
//! memory, and that the valid module is still linted. A generous timeout
//! only catches hangs; nothing asserts on time.

mod common;

use common::guarded::{self, workspace, write, Run};

/// The message of an error that exhausted a budget of steps.
const STEPS: &str =
    "evaluation takes more than 1000000 steps; this value and those evaluated after it are unknown";
/// The message of an error that exhausted a budget of bytes.
const BYTES: &str =
    "evaluation produces more than 64 MiB of text; this value and those evaluated after it are unknown";

/// Runs `tenken check --format json .` on `files` beside `good/main.tf`,
/// under the memory limit.
fn check(files: &[(&str, &str)]) -> Run {
    let dir = workspace();
    for (name, text) in files {
        write(dir.path(), name, text.as_bytes());
    }
    guarded::check(dir.path(), &["."])
}

/// A Terraform module whose bucket is named by `local.x`, with `locals`.
fn bucket_named_by(locals: &str) -> String {
    format!("locals {{\n{locals}}}\nresource \"aws_sns_topic\" \"t\" {{\n  name = local.x\n}}\n")
}

#[test]
fn nested_for_expressions_are_over_budget() {
    let tf = bucket_named_by(
        "  x = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : \"${a}${b}${c}\"]]]\n",
    );
    let run = check(&[("for/main.tf", &tf)]);
    run.assert_error("for/main.tf", STEPS, 2, 82);
}

#[test]
fn nested_template_for_directives_are_over_budget() {
    let tf = bucket_named_by(
        "  x = \"%{for a in range(1000)}%{for b in range(1000)}%{for c in range(1000)}xxxxxxxx%{endfor}%{endfor}%{endfor}\"\n",
    );
    let run = check(&[("template/main.tf", &tf)]);
    run.assert_error("template/main.tf", STEPS, 2, 7);
}

#[test]
fn join_and_replace_amplification_is_over_budget() {
    let join = bucket_named_by(
        "  a = join(\"\", [for i in range(1000) : \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"])\n  b = join(local.a, [for i in range(1000) : \"x\"])\n  x = join(local.b, [for i in range(1000) : \"x\"])\n",
    );
    let run = check(&[("join/main.tf", &join)]);
    run.assert_error("join/main.tf", BYTES, 3, 7);

    let x48 = "x".repeat(48);
    let replace = bucket_named_by(&format!(
        "  a = replace(\"{x48}\", \"x\", \"{x48}\")\n  b = replace(local.a, \"x\", local.a)\n  x = replace(local.b, \"/x/\", local.b)\n"
    ));
    let run = check(&[("replace/main.tf", &replace)]);
    run.assert_error("replace/main.tf", BYTES, 4, 7);
}

#[test]
fn toset_of_50_000_strings_is_within_budget() {
    let tf = bucket_named_by(
        "  x = length(toset(flatten([for i in range(100) : [for j in range(500) : \"${i}-${j}\"]])))\n",
    );
    let run = check(&[("set/main.tf", &tf)]);
    assert_eq!(run.code, 1, "{:#?}", run.json);
    assert_eq!(run.errors(), []);
    run.assert_good_linted();
}

#[test]
fn a_module_calling_itself_is_a_cycle_at_its_block() {
    let tf = "module \"me\" {\n  source = \"./\"\n  count  = 10\n}\nresource \"null_resource\" \"r\" {}\n";
    let run = check(&[("self/main.tf", tf)]);
    let message = "module \"me\": module cycle self → self; not followed";
    run.assert_error("self/main.tf", message, 1, 1);
}

#[test]
fn folders_calling_each_other_are_a_cycle_not_zero_resources() {
    let a = "module \"b\" {\n  source = \"../b\"\n}\n";
    let b = "resource \"null_resource\" \"r\" {}\n\nmodule \"a\" {\n  source = \"../a\"\n}\n";
    let run = check(&[("a/main.tf", a), ("b/main.tf", b)]);
    let message = "module \"a\": module cycle a → b → a; not followed";
    run.assert_error("b/main.tf", message, 3, 1);
    // The good module's group and the module of `b`, called from `a`.
    assert_eq!(run.resources(), 2);
}

#[test]
fn module_fan_out_across_folders_is_over_budget() {
    let mut files: Vec<(String, String)> = (0..8)
        .map(|i| {
            let text = format!(
                "module \"next\" {{\n  source = \"../m{}\"\n  count  = 10\n}}\nresource \"null_resource\" \"r\" {{}}\n",
                i + 1
            );
            (format!("m{i}/main.tf"), text)
        })
        .collect();
    files.push((
        "m8/main.tf".into(),
        "resource \"null_resource\" \"r\" {}\n".into(),
    ));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let run = check(&files);
    run.assert_error("m7/main.tf", STEPS, 1, 1);
    assert!(run.resources() <= 50_000, "{}", run.resources());
}

/// A template with `body` after its format version.
fn template(body: &str) -> String {
    format!("AWSTemplateFormatVersion: '2010-09-09'\n{body}")
}

#[test]
fn nested_foreach_loops_are_over_budget() {
    let items: Vec<String> = (0..100).map(|i| format!("i{i}")).collect();
    let items = items.join(", ");
    let mut body = String::from("Transform: AWS::LanguageExtensions\nResources:\n");
    let ids = ["A", "B", "C", "D", "E"];
    for (depth, id) in ids.iter().enumerate() {
        let indent = "  ".repeat(1 + 2 * depth);
        body.push_str(&format!(
            "{indent}Fn::ForEach::L{id}:\n{indent}  - {id}\n{indent}  - [{items}]\n{indent}  -\n"
        ));
    }
    let indent = "  ".repeat(1 + 2 * ids.len());
    body.push_str(&format!(
        "{indent}R${{A}}${{B}}${{C}}${{D}}${{E}}:\n{indent}  Type: AWS::CloudFormation::WaitConditionHandle\n"
    ));
    let run = check(&[("loops.yaml", &template(&body))]);
    // At the innermost loop, whose copies ran out of budget.
    run.assert_error("loops.yaml", STEPS, 20, 19);
    assert!(run.resources() <= 50_000, "{}", run.resources());
}

#[test]
fn nested_sub_amplification_is_over_budget() {
    let tenfold = "${X}".repeat(10);
    let mut value = "\"xxxxxxxxxx\"".to_string();
    for _ in 0..10 {
        value = format!("{{\"Fn::Sub\": [\"{tenfold}\", {{\"X\": {value}}}]}}");
    }
    let json = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\",\n\"Resources\": {{\"B\": {{\"Type\": \"AWS::SNS::Topic\", \"Properties\": {{\"TopicName\": {value}}}}}}}}}\n"
    );
    let run = check(&[("sub.json", &json)]);
    // At the innermost value, where evaluation was when the budget ran out.
    run.assert_error("sub.json", STEPS, 2, 706);

    // The same through YAML aliases: each level is one line.
    let mut yaml = template("Metadata:\n  s0: &s0 xxxxxxxxxx\n");
    for i in 1..10 {
        let p = i - 1;
        yaml.push_str(&format!(
            "  s{i}: &s{i} {{'Fn::Sub': ['{tenfold}', {{X: *s{p}}}]}}\n"
        ));
    }
    yaml.push_str(
        "Resources:\n  B:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: *s9\n",
    );
    let run = check(&[("sub.yaml", &yaml)]);
    run.assert_error("sub.yaml", STEPS, 3, 7);
}

#[test]
fn yaml_aliases_are_counted_by_bytes() {
    let long = "x".repeat(8 << 20);
    let aliases = vec!["*s"; 1000].join(", ");
    let yaml = template(&format!(
        "Metadata:\n  s: &s {long}\n  l: [{aliases}]\nResources:\n  B:\n    Type: AWS::SNS::Topic\n"
    ));
    let run = check(&[("long.yaml", &yaml)]);
    let message = "document has more than 64 MiB of text, counting alias expansions";
    run.assert_error("long.yaml", message, 4, 31);
}

#[test]
fn yaml_aliases_cannot_nest_deeper_than_the_limit() {
    let mut yaml = template(&format!(
        "Metadata:\n  a0: &a0 {}x{}\n",
        "[".repeat(200),
        "]".repeat(200)
    ));
    for i in 1..1000 {
        yaml.push_str(&format!("  a{i}: &a{i} [[[[*a{}]]]]\n", i - 1));
    }
    let run = check(&[("deep.yaml", &yaml)]);
    // At the alias `*a13`, which would nest 257 levels.
    run.assert_error("deep.yaml", "nesting deeper than 256 levels", 17, 17);
}
