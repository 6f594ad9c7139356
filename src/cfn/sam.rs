//! SAM templates (`Transform: AWS::Serverless-2016-10-31`): `Globals` are
//! applied and the serverless resources become the CloudFormation resources
//! the SAM transform deploys, so the usual canonical mapping applies:
//!
//! - `AWS::Serverless::Function` → `AWS::Lambda::Function` (same logical id;
//!   `Tracing`, `DeadLetterQueue`, `InlineCode` reshaped), its execution role
//!   `AWS::IAM::Role` `<Id>Role` when it names none, and `AWS::Lambda::Url`
//!   `<Id>Url` for a `FunctionUrlConfig`; `Api`/`HttpApi` events without an
//!   API of their own create `ServerlessRestApi` (stage `Prod`) / `ServerlessHttpApi`;
//! - `AWS::Serverless::Api` → `AWS::ApiGateway::RestApi`, `AWS::ApiGateway::Stage`
//!   `<Id><StageName>Stage`, and `AWS::ApiGateway::DomainName` `<Id>DomainName` for a `Domain`;
//! - `AWS::Serverless::HttpApi` → `AWS::ApiGatewayV2::Api`, `AWS::ApiGatewayV2::Stage`
//!   `<Id>ApiGatewayDefaultStage` (or `<Id><StageName>Stage`), and
//!   `AWS::ApiGatewayV2::DomainName` `<Id>DomainName` for a `Domain`;
//! - `AWS::Serverless::StateMachine` → `AWS::StepFunctions::StateMachine` (same
//!   logical id; `Logging`, `Tracing`, `Type`, `Name`, `Role` renamed), and its role
//!   `AWS::IAM::Role` `<Id>Role` when it names none, as for a function;
//! - `AWS::Serverless::SimpleTable` → `AWS::DynamoDB::Table`;
//! - `AWS::Serverless::Application` → `AWS::CloudFormation::Stack` (a local
//!   `Location` is followed like a nested stack's `TemplateURL`).
//!
//! Generated resources point at the serverless resource they came from. Event
//! sources other than APIs (`Schedule`, `SQS`, `SNS`, `S3`, `EventBridgeRule`,
//! ...) are not expanded: the rules, permissions, subscriptions and mappings
//! they create are read by no built-in policy.

use crate::model::{Map, Node, Value};
use crate::source::Span;
use std::collections::BTreeMap;

const TRANSFORM: &str = "AWS::Serverless-2016-10-31";

/// The template with `Globals` applied and its serverless resources expanded,
/// or `None` when it is not a SAM template.
pub fn expand(doc: &Node) -> Option<Node> {
    let transform = doc.get("Transform")?;
    let is_sam = match &transform.value {
        Value::Str(s) => s == TRANSFORM,
        Value::List(l) => l.iter().any(|t| t.as_str() == Some(TRANSFORM)),
        _ => false,
    };
    let Value::Map(resources) = &doc.get("Resources")?.value else {
        return None;
    };
    if !is_sam {
        return None;
    }
    let globals = doc.get("Globals");
    let global = |section: &str| match globals.and_then(|g| g.get(section)).map(|g| &g.value) {
        Some(Value::Map(g)) => Some(g),
        _ => None,
    };
    let mut out = Map::new();
    let mut implicit: BTreeMap<&str, &Node> = BTreeMap::new();
    for (id, decl) in resources {
        let Some(kind) = decl.get("Type").and_then(Node::as_str) else {
            out.insert(id.clone(), decl.clone());
            continue;
        };
        let section = match kind {
            "AWS::Serverless::Function" => "Function",
            "AWS::Serverless::Api" => "Api",
            "AWS::Serverless::HttpApi" => "HttpApi",
            "AWS::Serverless::SimpleTable" => "SimpleTable",
            "AWS::Serverless::StateMachine" => "StateMachine",
            super::nested::APPLICATION => "Application",
            _ => {
                out.insert(id.clone(), decl.clone());
                continue;
            }
        };
        let mut props = match decl.get("Properties") {
            Some(Node {
                value: Value::Map(m),
                ..
            }) => m.clone(),
            _ => Map::new(),
        };
        if let Some(g) = global(section) {
            props = merge_maps(g, props);
        }
        if section == "Function" {
            for api in implicit_apis(&props) {
                implicit.entry(api).or_insert(decl);
            }
        }
        let mut gen = Generator {
            decl,
            out: &mut out,
        };
        match section {
            "Function" => gen.function(id, props),
            "Api" => gen.rest_api(id, props),
            "HttpApi" => gen.http_api(id, props),
            "Application" => gen.application(id, props),
            "StateMachine" => gen.state_machine(id, props),
            _ => gen.simple_table(id, props),
        }
    }
    // Events without an explicit API use the API SAM creates for the template.
    for (kind, decl) in implicit {
        let (id, section) = match kind {
            "Api" => ("ServerlessRestApi", "Api"),
            _ => ("ServerlessHttpApi", "HttpApi"),
        };
        if out.contains_key(id) {
            continue;
        }
        let mut gen = Generator {
            decl,
            out: &mut out,
        };
        let mut props = Map::new();
        if section == "Api" {
            props.insert("StageName".into(), gen.text("Prod"));
        }
        if let Some(g) = global(section) {
            props = merge_maps(g, props);
        }
        match section {
            "Api" => gen.rest_api(id, props),
            _ => gen.http_api(id, props),
        }
    }
    let mut doc = doc.clone();
    if let Some(r) = doc.map_mut().and_then(|m| m.get_mut("Resources")) {
        r.value = Value::Map(out);
    }
    Some(doc)
}

/// The kinds of implicit API (`Api`, `HttpApi`) a function's events need:
/// events of that type that name no API of their own.
fn implicit_apis(function: &Map) -> Vec<&'static str> {
    let Some(Value::Map(events)) = function.get("Events").map(|e| &e.value) else {
        return Vec::new();
    };
    let mut kinds = Vec::new();
    for event in events.values() {
        let props = event.get("Properties");
        let (kind, key) = match event.get("Type").and_then(Node::as_str) {
            Some("Api") => ("Api", "RestApiId"),
            Some("HttpApi") => ("HttpApi", "ApiId"),
            _ => continue,
        };
        if props.and_then(|p| p.get(key)).is_none() {
            kinds.push(kind);
        }
    }
    kinds
}

/// Merges `Globals` into a resource's properties the way SAM does: maps merge,
/// lists are concatenated (globals first), anything else is the resource's.
fn merge_maps(global: &Map, local: Map) -> Map {
    let mut out = global.clone();
    for (k, v) in local {
        let merged = match out.remove(&k) {
            Some(g) => merge(g, v),
            None => v,
        };
        out.insert(k, merged);
    }
    out
}

fn merge(global: Node, local: Node) -> Node {
    match (global.value, local.value) {
        (Value::Map(g), Value::Map(l)) if !is_intrinsic(&g) && !is_intrinsic(&l) => Node {
            value: Value::Map(merge_maps(&g, l)),
            ..local
        },
        (Value::List(mut g), Value::List(l)) => {
            g.extend(l);
            Node {
                value: Value::List(g),
                ..local
            }
        }
        (_, value) => Node { value, ..local },
    }
}

fn is_intrinsic(m: &Map) -> bool {
    m.len() == 1
        && m.keys()
            .next()
            .is_some_and(|k| k == "Ref" || k.starts_with("Fn::"))
}

/// Adds the generated resources of one serverless resource.
struct Generator<'a> {
    decl: &'a Node,
    out: &'a mut Map,
}

impl Generator<'_> {
    fn header(&self) -> Span {
        self.decl.key_span.unwrap_or(self.decl.span)
    }

    fn text(&self, s: &str) -> Node {
        Node::new(Value::Str(s.to_string()), self.header())
    }

    fn map(&self, entries: Map) -> Node {
        Node::new(Value::Map(entries), self.header())
    }

    fn list(&self, items: Vec<Node>) -> Node {
        Node::new(Value::List(items), self.header())
    }

    fn reference(&self, id: &str) -> Node {
        self.map(Map::from([("Ref".to_string(), self.text(id))]))
    }

    /// Adds resource `id` of type `kind`; its `Condition` and `DependsOn` are the serverless resource's.
    fn add(&mut self, id: String, kind: &str, props: Map) {
        let mut decl = Map::from([
            ("Type".to_string(), self.text(kind)),
            ("Properties".to_string(), self.map(props)),
        ]);
        for key in ["Condition", "DependsOn"] {
            if let Some(v) = self.decl.get(key) {
                decl.insert(key.to_string(), v.clone());
            }
        }
        let mut node = self.map(decl);
        node.key_span = self.decl.key_span;
        self.out.insert(id, node);
    }

    fn function(&mut self, id: &str, mut p: Map) {
        if let Some(mode) = p.remove("Tracing") {
            let config = self.map(Map::from([("Mode".to_string(), mode)]));
            p.insert("TracingConfig".into(), config);
        }
        if let Some(dlq) = p.remove("DeadLetterQueue") {
            if let Some(arn) = dlq.get("TargetArn") {
                let config = self.map(Map::from([("TargetArn".to_string(), arn.clone())]));
                p.insert("DeadLetterConfig".into(), config);
            }
        }
        if let Some(code) = p.remove("InlineCode") {
            let zip = self.map(Map::from([("ZipFile".to_string(), code)]));
            p.insert("Code".into(), zip);
        }
        if let Some(url) = p.remove("FunctionUrlConfig") {
            let mut props = match url.value {
                Value::Map(m) => m,
                _ => Map::new(),
            };
            props.insert("TargetFunctionArn".into(), self.reference(id));
            self.add(format!("{id}Url"), "AWS::Lambda::Url", props);
        }
        if !p.contains_key("Role") {
            let managed = |name: &str| self.text(&format!("arn:aws:iam::aws:policy/{name}"));
            let mut arns = vec![managed("service-role/AWSLambdaBasicExecutionRole")];
            if p.get("TracingConfig")
                .and_then(|t| t.get("Mode"))
                .and_then(Node::as_str)
                == Some("Active")
            {
                arns.push(managed("AWSXrayWriteOnlyAccess"));
            }
            self.generated_role(id, &mut p, "lambda.amazonaws.com", arns);
            p.insert("Role".into(), self.role_arn(id));
        }
        for key in [
            "CodeUri",
            "Events",
            "Policies",
            "AutoPublishAlias",
            "DeploymentPreference",
            "ProvisionedConcurrencyConfig",
            "EventInvokeConfig",
            "AssumeRolePolicyDocument",
            "PermissionsBoundary",
            "RolePath",
        ] {
            p.remove(key);
        }
        self.tags_as_list(&mut p);
        self.add(id.to_string(), "AWS::Lambda::Function", p);
    }

    /// `Fn::GetAtt: [<id>Role, Arn]`, the generated role's ARN.
    fn role_arn(&self, id: &str) -> Node {
        let arn = Node::new(
            Value::List(vec![self.text(&format!("{id}Role")), self.text("Arn")]),
            self.header(),
        );
        self.map(Map::from([("Fn::GetAtt".to_string(), arn)]))
    }

    /// Adds the role SAM creates for a function or state machine without
    /// `Role`, `<id>Role`: `service` may assume it; managed policies (`arns`,
    /// and those named in `Policies`) and inline statements of `Policies`.
    /// SAM policy templates (`S3ReadPolicy: {..}`) are not expanded.
    fn generated_role(&mut self, id: &str, p: &mut Map, service: &str, mut arns: Vec<Node>) {
        let mut inline = Vec::new();
        let policies = match p.get("Policies") {
            Some(Node {
                value: Value::List(l),
                ..
            }) => l.clone(),
            Some(other) => vec![other.clone()],
            None => Vec::new(),
        };
        for policy in policies {
            match &policy.value {
                Value::Str(s) if s.starts_with("arn:") => arns.push(policy.clone()),
                Value::Str(s) => {
                    arns.push(policy.with_value(Value::Str(format!("arn:aws:iam::aws:policy/{s}"))))
                }
                Value::Map(m) if m.contains_key("Statement") => {
                    let name = self.text(&format!("{id}RolePolicy{}", inline.len()));
                    inline.push(self.map(Map::from([
                        ("PolicyName".to_string(), name),
                        ("PolicyDocument".to_string(), policy.clone()),
                    ])));
                }
                Value::Map(m) if is_intrinsic(m) => arns.push(policy.clone()),
                _ => {}
            }
        }
        let assume = self.map(Map::from([
            ("Version".to_string(), self.text("2012-10-17")),
            (
                "Statement".to_string(),
                self.list(vec![self.map(Map::from([
                    ("Effect".to_string(), self.text("Allow")),
                    (
                        "Action".to_string(),
                        self.list(vec![self.text("sts:AssumeRole")]),
                    ),
                    (
                        "Principal".to_string(),
                        self.map(Map::from([(
                            "Service".to_string(),
                            self.list(vec![self.text(service)]),
                        )])),
                    ),
                ]))]),
            ),
        ]));
        let mut role = Map::from([
            (
                "AssumeRolePolicyDocument".to_string(),
                p.remove("AssumeRolePolicyDocument").unwrap_or(assume),
            ),
            ("ManagedPolicyArns".to_string(), self.list(arns)),
        ]);
        if let (false, Some(written)) = (inline.is_empty(), p.get("Policies")) {
            let list = written.with_value(Value::List(inline));
            role.insert("Policies".into(), list);
        }
        if let Some(b) = p.remove("PermissionsBoundary") {
            role.insert("PermissionsBoundary".into(), b);
        }
        if let Some(path) = p.remove("RolePath") {
            role.insert("Path".into(), path);
        }
        if let Some(tags) = p.get("Tags") {
            role.insert("Tags".into(), tags.clone());
        }
        self.tags_as_list(&mut role);
        self.add(format!("{id}Role"), "AWS::IAM::Role", role);
    }

    fn state_machine(&mut self, id: &str, mut p: Map) {
        for (from, to) in [
            ("Logging", "LoggingConfiguration"),
            ("Tracing", "TracingConfiguration"),
            ("Type", "StateMachineType"),
            ("Name", "StateMachineName"),
            ("Role", "RoleArn"),
        ] {
            if let Some(v) = p.remove(from) {
                p.insert(to.into(), v);
            }
        }
        if !p.contains_key("RoleArn") {
            self.generated_role(id, &mut p, "states.amazonaws.com", Vec::new());
            p.insert("RoleArn".into(), self.role_arn(id));
        }
        for key in [
            "DefinitionUri",
            "Events",
            "Policies",
            "PermissionsBoundary",
            "RolePath",
            "AutoPublishAlias",
            "DeploymentPreference",
            "UseAliasAsEventTarget",
            "PropagateTags",
        ] {
            p.remove(key);
        }
        self.tags_as_list(&mut p);
        self.add(id.to_string(), "AWS::StepFunctions::StateMachine", p);
    }

    fn rest_api(&mut self, id: &str, mut p: Map) {
        let stage_name = p.get("StageName").and_then(Node::as_str).unwrap_or("");
        let stage_id = format!("{id}{}Stage", alphanumeric(stage_name));
        let mut stage = take(
            &mut p,
            &[
                "StageName",
                "MethodSettings",
                "AccessLogSetting",
                "TracingEnabled",
                "CacheClusterEnabled",
                "CacheClusterSize",
                "Variables",
                "CanarySetting",
            ],
        );
        stage.insert("RestApiId".into(), self.reference(id));
        if let Some(tags) = p.get("Tags") {
            stage.insert("Tags".into(), tags.clone());
        }
        if let Some(endpoint) = p.remove("EndpointConfiguration") {
            let config = self.endpoint_configuration(endpoint);
            p.insert("EndpointConfiguration".into(), config);
        }
        if let Some(domain) = p.remove("Domain") {
            let mut d = domain_props(&domain);
            let edge = domain
                .get("EndpointConfiguration")
                .and_then(Node::as_str)
                .is_some_and(|e| e == "EDGE");
            if let Some(cert) = d.remove("CertificateArn") {
                let key = if edge {
                    "CertificateArn"
                } else {
                    "RegionalCertificateArn"
                };
                d.insert(key.into(), cert);
            }
            if let Some(e) = d.remove("EndpointConfiguration") {
                let config = self.endpoint_configuration(e);
                d.insert("EndpointConfiguration".into(), config);
            }
            self.add(format!("{id}DomainName"), "AWS::ApiGateway::DomainName", d);
        }
        api_body(
            &mut p,
            &[
                "Auth",
                "Cors",
                "DefinitionUri",
                "GatewayResponses",
                "Models",
                "OpenApiVersion",
            ],
        );
        self.tags_as_list(&mut p);
        self.tags_as_list(&mut stage);
        self.add(stage_id, "AWS::ApiGateway::Stage", stage);
        self.add(id.to_string(), "AWS::ApiGateway::RestApi", p);
    }

    /// SAM's `EndpointConfiguration: REGIONAL` (or `{Type: ..}`) as CloudFormation's `{Types: [..]}`.
    fn endpoint_configuration(&self, e: Node) -> Node {
        let (kind, mut rest) = match &e.value {
            Value::Map(m) => {
                let mut m = m.clone();
                (m.remove("Type"), m)
            }
            _ => (Some(e.clone()), Map::new()),
        };
        if let Some(kind) = kind {
            let span = kind.span;
            rest.insert("Types".into(), Node::new(Value::List(vec![kind]), span));
        }
        if let Some(ids) = rest.remove("VPCEndpointIds") {
            rest.insert("VpcEndpointIds".into(), ids);
        }
        Node {
            value: Value::Map(rest),
            ..e
        }
    }

    fn http_api(&mut self, id: &str, mut p: Map) {
        let stage_name = p
            .get("StageName")
            .and_then(Node::as_str)
            .map(str::to_string);
        let stage_id = match stage_name.as_deref() {
            None | Some("$default") => format!("{id}ApiGatewayDefaultStage"),
            Some(name) => format!("{id}{}Stage", alphanumeric(name)),
        };
        let mut stage = take(
            &mut p,
            &[
                "StageName",
                "AccessLogSettings",
                "DefaultRouteSettings",
                "RouteSettings",
                "StageVariables",
            ],
        );
        if stage_name.is_none() {
            stage.insert("StageName".into(), self.text("$default"));
        }
        stage.insert("ApiId".into(), self.reference(id));
        stage.insert(
            "AutoDeploy".into(),
            Node::new(Value::Bool(true), self.header()),
        );
        if let Some(tags) = p.get("Tags") {
            stage.insert("Tags".into(), tags.clone());
        }
        if let Some(domain) = p.remove("Domain") {
            let mut d = domain_props(&domain);
            let mut config = Map::new();
            for (from, to) in [
                ("CertificateArn", "CertificateArn"),
                ("EndpointConfiguration", "EndpointType"),
                ("SecurityPolicy", "SecurityPolicy"),
            ] {
                if let Some(v) = d.remove(from) {
                    config.insert(to.to_string(), v);
                }
            }
            let list = Node::new(Value::List(vec![self.map(config)]), self.header());
            d.insert("DomainNameConfigurations".into(), list);
            self.add(
                format!("{id}DomainName"),
                "AWS::ApiGatewayV2::DomainName",
                d,
            );
        }
        api_body(
            &mut p,
            &[
                "Auth",
                "CorsConfiguration",
                "DefinitionUri",
                "FailOnWarnings",
            ],
        );
        p.insert("ProtocolType".into(), self.text("HTTP"));
        self.add(stage_id, "AWS::ApiGatewayV2::Stage", stage);
        self.add(id.to_string(), "AWS::ApiGatewayV2::Api", p);
    }

    /// A nested stack; a `Location` that is a path or URL is its `TemplateURL`
    /// (one in the Serverless Application Repository stays a `Location`).
    fn application(&mut self, id: &str, mut p: Map) {
        if let Some(location) = p.remove("Location") {
            let key = match location.as_str() {
                Some(_) => "TemplateURL",
                None => "Location",
            };
            p.insert(key.into(), location);
        }
        self.tags_as_list(&mut p);
        self.add(id.to_string(), super::nested::STACK, p);
    }

    fn simple_table(&mut self, id: &str, mut p: Map) {
        let key = p.remove("PrimaryKey");
        let name = key
            .as_ref()
            .and_then(|k| k.get("Name"))
            .cloned()
            .unwrap_or_else(|| self.text("id"));
        let kind = match key.as_ref().and_then(|k| k.get("Type")) {
            Some(t) => t.with_value(Value::Str(
                match t.as_str() {
                    Some("Number") => "N",
                    Some("Binary") => "B",
                    _ => "S",
                }
                .to_string(),
            )),
            None => self.text("S"),
        };
        let attribute = self.map(Map::from([
            ("AttributeName".to_string(), name.clone()),
            ("AttributeType".to_string(), kind),
        ]));
        let schema = self.map(Map::from([
            ("AttributeName".to_string(), name),
            ("KeyType".to_string(), self.text("HASH")),
        ]));
        let list = |n: Node| Node::new(Value::List(vec![n]), self.header());
        p.insert("AttributeDefinitions".into(), list(attribute));
        p.insert("KeySchema".into(), list(schema));
        let billing = if p.contains_key("ProvisionedThroughput") {
            "PROVISIONED"
        } else {
            "PAY_PER_REQUEST"
        };
        p.insert("BillingMode".into(), self.text(billing));
        self.tags_as_list(&mut p);
        self.add(id.to_string(), "AWS::DynamoDB::Table", p);
    }

    /// SAM's `Tags: {k: v}` as CloudFormation's `[{Key, Value}]`.
    fn tags_as_list(&self, p: &mut Map) {
        let Some(Node {
            value: Value::Map(tags),
            span,
            key_span,
            origin,
            ..
        }) = p.remove("Tags")
        else {
            return;
        };
        let items = tags
            .into_iter()
            .map(|(k, v)| {
                let key = Node {
                    key_span: v.key_span,
                    ..Node::new(Value::Str(k), v.key_span.unwrap_or(v.span))
                };
                let mut entry = Map::from([("Key".to_string(), key)]);
                entry.insert("Value".into(), v.clone());
                Node::new(Value::Map(entry), v.label_span())
            })
            .collect();
        p.insert(
            "Tags".into(),
            Node {
                key_span,
                origin,
                ..Node::new(Value::List(items), span)
            },
        );
    }
}

/// The properties of a SAM `Domain` that CloudFormation's domain name takes.
fn domain_props(domain: &Node) -> Map {
    let Value::Map(m) = &domain.value else {
        return Map::new();
    };
    let mut m = m.clone();
    take(
        &mut m,
        &[
            "DomainName",
            "CertificateArn",
            "EndpointConfiguration",
            "SecurityPolicy",
            "MutualTlsAuthentication",
            "OwnershipVerificationCertificateArn",
        ],
    )
}

/// Moves `DefinitionBody` to `Body` and drops the SAM-only `keys`.
fn api_body(p: &mut Map, sam_only: &[&str]) {
    if let Some(body) = p.remove("DefinitionBody") {
        p.insert("Body".into(), body);
    }
    for key in sam_only {
        p.remove(key);
    }
}

/// Removes `keys` from `p` and returns them.
fn take(p: &mut Map, keys: &[&str]) -> Map {
    keys.iter()
        .filter_map(|k| p.remove(k).map(|v| (k.to_string(), v)))
        .collect()
}

fn alphanumeric(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[cfg(test)]
mod tests {
    use super::expand;
    use crate::model::Node;
    use crate::source::FileId;

    #[test]
    fn state_machines_get_their_cloudformation_names_and_a_role() {
        let text = std::fs::read_to_string("tests/fixtures/cloudformation/sam-state-machine.yaml")
            .unwrap();
        let doc = expand(&super::super::yaml::parse(&text, FileId(0)).unwrap()).unwrap();
        let resources = doc.get("Resources").unwrap();
        let props = |id: &str| resources.get(id).unwrap().get("Properties").unwrap();
        let text_at = |n: &Node, path: &[&str]| {
            let mut n = n;
            for key in path {
                n = n.get(key).unwrap();
            }
            n.as_str().map(str::to_string)
        };
        let orders = props("Orders");
        assert_eq!(
            text_at(orders, &["StateMachineName"]).as_deref(),
            Some("orders")
        );
        assert_eq!(
            text_at(orders, &["StateMachineType"]).as_deref(),
            Some("EXPRESS")
        );
        assert!(orders.get("TracingConfiguration").is_some());
        assert!(orders.get("Policies").is_none());
        let role = orders.get("RoleArn").unwrap().get("Fn::GetAtt").unwrap();
        assert_eq!(role.as_list().unwrap()[0].as_str(), Some("OrdersRole"));
        let generated = resources.get("OrdersRole").unwrap();
        assert_eq!(
            text_at(generated, &["Type"]).as_deref(),
            Some("AWS::IAM::Role")
        );
        let trust = props("OrdersRole").get("AssumeRolePolicyDocument").unwrap();
        let statement = &trust.get("Statement").unwrap().as_list().unwrap()[0];
        let service = &statement.get("Principal").unwrap().get("Service").unwrap();
        assert_eq!(
            service.as_list().unwrap()[0].as_str(),
            Some("states.amazonaws.com")
        );
        let arns: Vec<_> = props("OrdersRole")
            .get("ManagedPolicyArns")
            .unwrap()
            .as_list()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(arns, ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]);
        assert!(resources.get("WithRoleRole").is_none());
        assert_eq!(
            text_at(props("WithRole"), &["RoleArn"]).as_deref(),
            Some("arn:aws:iam::111122223333:role/existing")
        );
    }
}
