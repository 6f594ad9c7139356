//! Re-lint latency of `tenken lsp` on a 1,000-line CloudFormation template:
//! the time from sending `didChange` to receiving its `publishDiagnostics`,
//! through the real binary over stdio.
//!
//! Run with `cargo bench --bench lsp_latency`.

#[path = "../tests/support/lsp_client.rs"]
mod lsp_client;

use lsp_client::{uri, Client};
use serde_json::json;
use std::fmt::Write;
use std::time::{Duration, Instant};

/// A template of at least `lines` lines: security groups (every fourth one
/// open to the internet on SSH) and buckets.
fn template(lines: usize) -> String {
    let mut t = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n");
    let mut i = 0;
    while t.lines().count() < lines {
        let cidr = if i % 4 == 0 {
            "0.0.0.0/0"
        } else {
            "10.0.0.0/16"
        };
        let _ = write!(
            t,
            "  WebSG{i}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      \
             GroupDescription: web {i}\n      SecurityGroupIngress:\n        \
             - IpProtocol: tcp\n          FromPort: 22\n          ToPort: 22\n          \
             CidrIp: {cidr}\n        - IpProtocol: tcp\n          FromPort: 443\n          \
             ToPort: 443\n          CidrIp: 10.0.0.0/16\n  Bucket{i}:\n    \
             Type: AWS::S3::Bucket\n    Properties:\n      \
             BucketName: !Sub \"bucket-${{AWS::StackName}}-{i}\"\n      \
             VersioningConfiguration:\n        Status: Enabled\n"
        );
        i += 1;
    }
    t
}

/// Edits the template `rounds` times (alternately opening and closing one
/// more SSH port) and returns each edit's latency.
fn measure(debounce_ms: u64, rounds: usize, text: &str) -> Vec<Duration> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::start(&root, json!({"debounceMs": debounce_ms}));
    let doc = uri(&root.join("template.yaml"));
    client.open(&doc, "yaml", text);
    let baseline = client.diagnostics(&doc, 1).len();
    assert!(baseline > 0, "the template has findings");
    let ssh = "ToPort: 22\n          CidrIp: ";
    let opened = text.replacen(&format!("{ssh}10.0.0.0/16"), &format!("{ssh}0.0.0.0/0"), 1);
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let version = round as i64 + 2;
        let (body, expected) = if round % 2 == 0 {
            (&opened, baseline + 1)
        } else {
            (&text.to_string(), baseline)
        };
        let start = Instant::now();
        client.change(&doc, version, json!([{"text": body}]));
        let found = client.diagnostics(&doc, version).len();
        times.push(start.elapsed());
        assert_eq!(found, expected, "round {round}");
    }
    client.shutdown();
    times
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
    println!(
        "{label}: {} edits, min {:.1} ms, median {:.1} ms, p95 {:.1} ms",
        times.len(),
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(p95)
    );
}

fn main() {
    let text = template(1000);
    println!(
        "template: {} lines, {} bytes",
        text.lines().count(),
        text.len()
    );
    report("re-lint (debounce 0 ms)", measure(0, 40, &text));
    report(
        "edit to diagnostics (default 150 ms debounce)",
        measure(150, 10, &text),
    );
}
