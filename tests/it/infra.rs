//! `infra/template.yaml` agrees with the code: every function and worker folder is deployed with
//! the right binary, every worker has its queue, dead-letter queue, event source and alarms, the
//! table matches `crm_app::store::TABLE`, the schedules match `crm_app::schedules::SCHEDULES`, the
//! environment satisfies `Config::from_lookup` for the aws backend, and IAM stays scoped.
//!
//! Logical IDs follow the naming rule written at the top of the template (`meter-import` ->
//! `MeterImportFunction`, `MeterImportQueue`, ...). `cfn-lint` runs in the test script, not here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use crm_app::config::{Backend, Config, VARIABLES};
use crm_app::queue::QueueName;
use crm_app::schedules::SCHEDULES;
use crm_app::store::TABLE;
use serde_yaml::{Mapping, Value};

const TEMPLATE: &str = "infra/template.yaml";

/// Queues each function must be able to send to, beyond a worker's own dead-letter queue.
/// A lower bound: the template may allow more (fan-out onto a worker's own queue).
const SENDS: &[(&str, &[QueueName])] = &[
    (
        "api",
        &[
            QueueName::MeterImport,
            QueueName::Billing,
            QueueName::Documents,
            QueueName::Notify,
        ],
    ),
    ("central", &[QueueName::Notify]),
    ("webhooks", &[QueueName::Billing, QueueName::Notify]),
    ("meter-import", &[]),
    ("billing", &[QueueName::Documents, QueueName::Notify]),
    ("penalties", &[QueueName::Notify]),
    ("documents", &[QueueName::Notify]),
    ("notify", &[]),
];

/// Functions that read and write the files bucket.
const USES_FILES: &[&str] = &[
    "api",
    "meter-import",
    "billing",
    "penalties",
    "documents",
    "notify",
];

// ------------------------------------------------------------------------------------------------
// Reading the template
// ------------------------------------------------------------------------------------------------

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn template() -> &'static Value {
    static PARSED: OnceLock<Value> = OnceLock::new();
    PARSED.get_or_init(|| {
        let path = root().join(TEMPLATE);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{TEMPLATE} is not YAML: {e}"))
    })
}

fn resources() -> &'static Mapping {
    template()
        .get("Resources")
        .and_then(Value::as_mapping)
        .unwrap_or_else(|| panic!("{TEMPLATE} has no Resources"))
}

fn resource(id: &str) -> Option<&'static Value> {
    resources().get(id)
}

fn resource_type(res: &Value) -> &str {
    res.get("Type").and_then(Value::as_str).unwrap_or("")
}

/// The resource `id`, which must exist with type `ty`; otherwise a problem is recorded.
fn expect_resource(id: &str, ty: &str, problems: &mut Vec<String>) -> Option<&'static Value> {
    match resource(id) {
        None => {
            problems.push(format!("resource `{id}` ({ty}) is missing"));
            None
        }
        Some(res) if resource_type(res) != ty => {
            problems.push(format!(
                "resource `{id}` is a `{}`, expected `{ty}`",
                resource_type(res)
            ));
            None
        }
        Some(res) => Some(res),
    }
}

fn resources_of_type(ty: &str) -> Vec<(&'static str, &'static Value)> {
    resources()
        .iter()
        .filter(|(_, res)| resource_type(res) == ty)
        .filter_map(|(id, res)| Some((id.as_str()?, res)))
        .collect()
}

/// Follows a path of mapping keys.
fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(*key))
}

fn prop<'a>(res: &'a Value, path: &[&str]) -> Option<&'a Value> {
    at(res.get("Properties")?, path)
}

fn globals_function() -> Option<&'static Value> {
    at(template(), &["Globals", "Function"])
}

/// A function property, from the resource or else from `Globals.Function` (as SAM merges them).
fn function_prop<'a>(res: &'a Value, key: &str) -> Option<&'a Value> {
    prop(res, &[key]).or_else(|| globals_function().and_then(|g| g.get(key)))
}

fn as_u64(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn as_list(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None => Vec::new(),
        Some(Value::Sequence(items)) => items.iter().collect(),
        Some(single) => vec![single],
    }
}

fn as_strs(value: Option<&Value>) -> Vec<&str> {
    as_list(value)
        .into_iter()
        .filter_map(Value::as_str)
        .collect()
}

/// A CloudFormation value: literal, or one of the intrinsics this template uses, in either the
/// short (`!Ref X`) or the long (`{Ref: X}`) form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Cfn {
    Literal(String),
    Ref(String),
    GetAtt(String, String),
    /// The template string of `Fn::Sub` (variables not expanded).
    Sub(String),
    Other,
}

fn cfn(value: &Value) -> Cfn {
    let (name, inner) = match value {
        Value::String(s) => return Cfn::Literal(s.clone()),
        Value::Number(n) => return Cfn::Literal(n.to_string()),
        Value::Bool(b) => return Cfn::Literal(b.to_string()),
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = match tag.trim_start_matches('!') {
                "Ref" => "Ref".to_string(),
                other => format!("Fn::{other}"),
            };
            (name, &tagged.value)
        }
        Value::Mapping(map) if map.len() == 1 => match map.iter().next() {
            Some((Value::String(key), inner)) => (key.clone(), inner),
            _ => return Cfn::Other,
        },
        _ => return Cfn::Other,
    };
    match (name.as_str(), inner) {
        ("Ref", Value::String(target)) => Cfn::Ref(target.clone()),
        ("Fn::GetAtt", Value::String(dotted)) => match dotted.split_once('.') {
            Some((res, attr)) => Cfn::GetAtt(res.into(), attr.into()),
            None => Cfn::Other,
        },
        ("Fn::GetAtt", Value::Sequence(parts)) => match parts.as_slice() {
            [Value::String(res), Value::String(attr)] => Cfn::GetAtt(res.clone(), attr.clone()),
            _ => Cfn::Other,
        },
        ("Fn::Sub", Value::String(text)) => Cfn::Sub(text.clone()),
        ("Fn::Sub", Value::Sequence(parts)) => match parts.first() {
            Some(Value::String(text)) => Cfn::Sub(text.clone()),
            _ => Cfn::Other,
        },
        _ => Cfn::Other,
    }
}

fn reference(id: &str) -> Cfn {
    Cfn::Ref(id.into())
}

fn get_att(id: &str, attr: &str) -> Cfn {
    Cfn::GetAtt(id.into(), attr.into())
}

fn literal(text: &str) -> Cfn {
    Cfn::Literal(text.into())
}

/// `meter-import` -> `MeterImport`.
fn pascal(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Panics listing every problem, so one run shows all that is missing.
fn report(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{TEMPLATE}: {what}:\n  - {}",
        problems.join("\n  - ")
    );
}

/// The folders under `functions/` and `workers/` that are crates.
fn binary_folders() -> BTreeMap<String, &'static str> {
    let mut folders = BTreeMap::new();
    for parent in ["functions", "workers"] {
        let dir = root().join(parent);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.join("Cargo.toml").is_file()
                && let Some(name) = path.file_name().and_then(|n| n.to_str())
            {
                folders.insert(name.to_string(), parent);
            }
        }
    }
    assert!(!folders.is_empty(), "no function or worker folders found");
    folders
}

fn function_id(name: &str) -> String {
    format!("{}Function", pascal(name))
}

/// Every policy statement in the template: `(where, statement)`.
fn policy_statements() -> Vec<(String, &'static Value)> {
    let mut found = Vec::new();
    let mut push_document = |place: String, document: Option<&'static Value>| {
        for statement in as_list(document.and_then(|d| d.get("Statement"))) {
            found.push((place.clone(), statement));
        }
    };
    for (id, res) in resources() {
        let id = id.as_str().unwrap_or_default();
        match resource_type(res) {
            "AWS::IAM::Role" => {
                for policy in as_list(prop(res, &["Policies"])) {
                    push_document(format!("{id} inline policy"), policy.get("PolicyDocument"));
                }
            }
            "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::S3::BucketPolicy"
            | "AWS::SQS::QueuePolicy" => {
                push_document(id.to_string(), prop(res, &["PolicyDocument"]));
            }
            "AWS::Serverless::Function" => {
                for policy in as_list(prop(res, &["Policies"])) {
                    if policy.get("Statement").is_some() {
                        push_document(format!("{id} Policies"), Some(policy));
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Allow statements of the role a function runs as (`Role: !GetAtt <Role>.Arn`).
fn role_statements(role_id: &str) -> Vec<&'static Value> {
    let Some(role) = resource(role_id) else {
        return Vec::new();
    };
    as_list(prop(role, &["Policies"]))
        .into_iter()
        .flat_map(|policy| as_list(at(policy, &["PolicyDocument", "Statement"])))
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .collect()
}

/// Does the IAM action pattern `pattern` (`sqs:SendMessage`, `sqs:Send*`, `*`) cover `action`?
fn action_matches(pattern: &str, action: &str) -> bool {
    let (pattern, action) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match pattern.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => pattern == action,
    }
}

/// Does some statement allow `action` on a resource equal to `target`?
fn allows(statements: &[&Value], action: &str, target: &Cfn) -> bool {
    allowed_targets(statements, action).contains(target)
}

/// Resources some statement allows `action` on.
fn allowed_targets(statements: &[&Value], action: &str) -> Vec<Cfn> {
    statements
        .iter()
        .filter(|s| {
            as_strs(s.get("Action"))
                .iter()
                .any(|pattern| action_matches(pattern, action))
        })
        .flat_map(|s| as_list(s.get("Resource")).into_iter().map(cfn))
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------

#[test]
fn every_binary_folder_is_a_function_built_by_cargo_lambda() {
    let folders = binary_folders();
    let mut problems = Vec::new();

    for (name, parent) in &folders {
        let id = function_id(name);
        let Some(res) = expect_resource(&id, "AWS::Serverless::Function", &mut problems) else {
            problems.push(format!("  (for folder {parent}/{name})"));
            continue;
        };
        let build_method = at(res, &["Metadata", "BuildMethod"]).and_then(Value::as_str);
        if build_method != Some("rust-cargolambda") {
            problems.push(format!(
                "{id}: Metadata.BuildMethod is {build_method:?}, expected rust-cargolambda"
            ));
        }
        let binary = at(res, &["Metadata", "BuildProperties", "Binary"]).and_then(Value::as_str);
        if binary != Some(name.as_str()) {
            problems.push(format!(
                "{id}: Metadata.BuildProperties.Binary is {binary:?}, expected `{name}`"
            ));
        }
        let runtime = function_prop(res, "Runtime").and_then(Value::as_str);
        if runtime != Some("provided.al2023") {
            problems.push(format!(
                "{id}: Runtime is {runtime:?}, expected provided.al2023"
            ));
        }
        let architectures = as_strs(function_prop(res, "Architectures"));
        if architectures != ["arm64"] {
            problems.push(format!(
                "{id}: Architectures is {architectures:?}, expected [arm64]"
            ));
        }
        let handler = function_prop(res, "Handler").and_then(Value::as_str);
        if handler != Some("bootstrap") {
            problems.push(format!("{id}: Handler is {handler:?}, expected bootstrap"));
        }
        // cargo-lambda runs in CodeUri and needs the workspace root (the Cargo.lock, all members).
        match function_prop(res, "CodeUri").and_then(Value::as_str) {
            None => problems.push(format!("{id}: no CodeUri")),
            Some(code_uri) => {
                let resolved = root().join("infra").join(code_uri).canonicalize().ok();
                if resolved.as_deref() != root().canonicalize().ok().as_deref() {
                    problems.push(format!(
                        "{id}: CodeUri `{code_uri}` (relative to infra/) is not the workspace root"
                    ));
                }
            }
        }
    }

    for (id, res) in resources_of_type("AWS::Serverless::Function") {
        let binary = at(res, &["Metadata", "BuildProperties", "Binary"]).and_then(Value::as_str);
        match binary {
            Some(binary) if folders.contains_key(binary) => {}
            other => problems.push(format!(
                "{id}: builds binary {other:?}, which is no folder under functions/ or workers/"
            )),
        }
    }
    for (id, _) in resources_of_type("AWS::Lambda::Function") {
        problems.push(format!(
            "{id}: plain AWS::Lambda::Function; use AWS::Serverless::Function with cargo-lambda"
        ));
    }

    report("functions and folders disagree", &problems);
}

#[test]
fn every_worker_has_a_queue_dead_letter_queue_event_source_and_alarms() {
    let mut problems = Vec::new();
    let worker_queues: BTreeSet<Cfn> = QueueName::ALL
        .iter()
        .map(|q| get_att(&format!("{}Queue", pascal(q.as_str())), "Arn"))
        .collect();

    for queue in QueueName::ALL {
        let name = queue.as_str();
        let p = pascal(name);
        let queue_id = format!("{p}Queue");
        let dlq_id = format!("{p}DeadLetterQueue");
        let function_id = format!("{p}Function");

        let queue_res = expect_resource(&queue_id, "AWS::SQS::Queue", &mut problems);
        let dlq_res = expect_resource(&dlq_id, "AWS::SQS::Queue", &mut problems);
        let function = expect_resource(&function_id, "AWS::Serverless::Function", &mut problems);

        if let Some(dlq) = dlq_res {
            if as_u64(prop(dlq, &["MessageRetentionPeriod"])) != Some(14 * 24 * 3600) {
                problems.push(format!("{dlq_id}: MessageRetentionPeriod is not 14 days"));
            }
            if prop(dlq, &["SqsManagedSseEnabled"]).and_then(Value::as_bool) != Some(true)
                && prop(dlq, &["KmsMasterKeyId"]).is_none()
            {
                problems.push(format!("{dlq_id}: not encrypted"));
            }
        }

        let mut visibility = None;
        if let Some(q) = queue_res {
            visibility = as_u64(prop(q, &["VisibilityTimeout"]));
            let target = prop(q, &["RedrivePolicy", "deadLetterTargetArn"]).map(cfn);
            if target != Some(get_att(&dlq_id, "Arn")) {
                problems.push(format!(
                    "{queue_id}: RedrivePolicy.deadLetterTargetArn is {target:?}, expected !GetAtt {dlq_id}.Arn"
                ));
            }
            let max_receives = prop(q, &["RedrivePolicy", "maxReceiveCount"]).map(cfn);
            if max_receives != Some(reference("MaxReceives")) {
                problems.push(format!(
                    "{queue_id}: RedrivePolicy.maxReceiveCount is {max_receives:?}, expected !Ref MaxReceives"
                ));
            }
            if prop(q, &["SqsManagedSseEnabled"]).and_then(Value::as_bool) != Some(true)
                && prop(q, &["KmsMasterKeyId"]).is_none()
            {
                problems.push(format!("{queue_id}: not encrypted"));
            }
        }

        if let Some(function) = function {
            let events = prop(function, &["Events"])
                .and_then(Value::as_mapping)
                .map(|m| m.values().collect::<Vec<_>>())
                .unwrap_or_default();
            let sqs_events: Vec<&Value> = events
                .into_iter()
                .filter(|e| e.get("Type").and_then(Value::as_str) == Some("SQS"))
                .collect();
            let own = sqs_events.iter().find(|e| {
                at(e, &["Properties", "Queue"]).map(cfn) == Some(get_att(&queue_id, "Arn"))
            });
            match own {
                None => problems.push(format!(
                    "{function_id}: no SQS event on !GetAtt {queue_id}.Arn"
                )),
                Some(event) => {
                    let types = as_strs(at(event, &["Properties", "FunctionResponseTypes"]));
                    if !types.contains(&"ReportBatchItemFailures") {
                        problems.push(format!(
                            "{function_id}: SQS event lacks FunctionResponseTypes [ReportBatchItemFailures]"
                        ));
                    }
                    if as_u64(at(event, &["Properties", "BatchSize"])).is_none() {
                        problems.push(format!("{function_id}: SQS event has no BatchSize"));
                    }
                    let window =
                        as_u64(at(event, &["Properties", "MaximumBatchingWindowInSeconds"]))
                            .unwrap_or(0);
                    let timeout = as_u64(function_prop(function, "Timeout")).unwrap_or(3);
                    match visibility {
                        Some(v) if v >= 6 * timeout + window => {}
                        other => problems.push(format!(
                            "{queue_id}: VisibilityTimeout {other:?} is below 6 x {function_id} Timeout ({timeout}s) + batching window ({window}s)"
                        )),
                    }
                }
            }
            for event in sqs_events {
                let source = at(event, &["Properties", "Queue"]).map(cfn);
                if source != Some(get_att(&queue_id, "Arn")) {
                    problems.push(format!(
                        "{function_id}: consumes {source:?}, which is not its own queue {queue_id}"
                    ));
                }
            }
        }

        let alarm_id = format!("{p}DeadLetterAlarm");
        if let Some(alarm) = expect_resource(&alarm_id, "AWS::CloudWatch::Alarm", &mut problems) {
            let metric = prop(alarm, &["MetricName"]).and_then(Value::as_str);
            let namespace = prop(alarm, &["Namespace"]).and_then(Value::as_str);
            let on_dlq = as_list(prop(alarm, &["Dimensions"])).into_iter().any(|d| {
                d.get("Name").and_then(Value::as_str) == Some("QueueName")
                    && d.get("Value").map(cfn) == Some(get_att(&dlq_id, "QueueName"))
            });
            let threshold = prop(alarm, &["Threshold"]).map(cfn);
            let comparison = prop(alarm, &["ComparisonOperator"]).and_then(Value::as_str);
            if namespace != Some("AWS/SQS")
                || metric != Some("ApproximateNumberOfMessagesVisible")
                || !on_dlq
                || threshold != Some(literal("0"))
                || comparison != Some("GreaterThanThreshold")
            {
                problems.push(format!(
                    "{alarm_id}: expected AWS/SQS ApproximateNumberOfMessagesVisible > 0 on QueueName !GetAtt {dlq_id}.QueueName"
                ));
            }
            if as_list(prop(alarm, &["AlarmActions"])).is_empty() {
                problems.push(format!("{alarm_id}: no AlarmActions"));
            }
        }
    }

    // Nothing consumes a queue that is not a worker's.
    for (id, res) in resources_of_type("AWS::Serverless::Function") {
        let events = prop(res, &["Events"]).and_then(Value::as_mapping);
        for event in events.into_iter().flat_map(|m| m.values()) {
            if event.get("Type").and_then(Value::as_str) == Some("SQS") {
                let source = at(event, &["Properties", "Queue"]).map(cfn);
                if !source.as_ref().is_some_and(|s| worker_queues.contains(s)) {
                    problems.push(format!("{id}: consumes {source:?}, not a worker queue"));
                }
            }
        }
    }

    report("workers are not fully wired", &problems);
}

#[test]
fn every_function_has_an_errors_alarm() {
    let mut problems = Vec::new();
    let alarms = resources_of_type("AWS::CloudWatch::Alarm");
    for name in binary_folders().keys() {
        let id = function_id(name);
        let alarm_id = format!("{}ErrorsAlarm", pascal(name));
        let found = alarms.iter().find(|(_, alarm)| {
            prop(alarm, &["Namespace"]).and_then(Value::as_str) == Some("AWS/Lambda")
                && prop(alarm, &["MetricName"]).and_then(Value::as_str) == Some("Errors")
                && as_list(prop(alarm, &["Dimensions"])).into_iter().any(|d| {
                    d.get("Name").and_then(Value::as_str) == Some("FunctionName")
                        && d.get("Value").map(cfn) == Some(reference(&id))
                })
        });
        match found {
            None => problems.push(format!(
                "no AWS/Lambda Errors alarm on FunctionName !Ref {id} (expected `{alarm_id}`)"
            )),
            Some((found_id, alarm)) => {
                if *found_id != alarm_id {
                    problems.push(format!(
                        "the Errors alarm of {id} is `{found_id}`, expected `{alarm_id}`"
                    ));
                }
                if as_list(prop(alarm, &["AlarmActions"])).is_empty() {
                    problems.push(format!("{found_id}: no AlarmActions"));
                }
            }
        }
    }
    report("functions without an Errors alarm", &problems);
}

#[test]
fn table_matches_the_store_definition() {
    let mut problems = Vec::new();
    let tables = resources_of_type("AWS::DynamoDB::Table");
    let [(id, table)] = tables.as_slice() else {
        panic!(
            "{TEMPLATE}: expected exactly one AWS::DynamoDB::Table, found {:?}",
            tables.iter().map(|(id, _)| id).collect::<Vec<_>>()
        );
    };

    let key_schema = |schema: Option<&Value>| -> Vec<(String, String)> {
        as_list(schema)
            .into_iter()
            .map(|k| {
                (
                    k.get("AttributeName")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_string(),
                    k.get("KeyType")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_string(),
                )
            })
            .collect()
    };
    let expected_keys = |pk: &str, sk: &str| {
        vec![
            (pk.to_string(), "HASH".to_string()),
            (sk.to_string(), "RANGE".to_string()),
        ]
    };

    let keys = key_schema(prop(table, &["KeySchema"]));
    if keys != expected_keys(TABLE.pk, TABLE.sk) {
        problems.push(format!(
            "{id}: KeySchema is {keys:?}, expected {} HASH, {} RANGE",
            TABLE.pk, TABLE.sk
        ));
    }

    let definitions: BTreeSet<(String, String)> = as_list(prop(table, &["AttributeDefinitions"]))
        .into_iter()
        .map(|d| {
            (
                d.get("AttributeName")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string(),
                d.get("AttributeType")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string(),
            )
        })
        .collect();
    let expected_definitions: BTreeSet<(String, String)> = TABLE
        .key_attributes()
        .into_iter()
        .map(|name| (name.to_string(), "S".to_string()))
        .collect();
    if definitions != expected_definitions {
        problems.push(format!(
            "{id}: AttributeDefinitions are {definitions:?}, expected {expected_definitions:?}"
        ));
    }

    let indexes: BTreeMap<String, &Value> = as_list(prop(table, &["GlobalSecondaryIndexes"]))
        .into_iter()
        .filter_map(|i| Some((i.get("IndexName")?.as_str()?.to_string(), i)))
        .collect();
    let expected_names: BTreeSet<String> =
        TABLE.indexes.iter().map(|i| i.name.to_string()).collect();
    let names: BTreeSet<String> = indexes.keys().cloned().collect();
    if names != expected_names {
        problems.push(format!(
            "{id}: GlobalSecondaryIndexes are {names:?}, expected {expected_names:?}"
        ));
    }
    for def in &TABLE.indexes {
        let Some(index) = indexes.get(def.name) else {
            continue;
        };
        let keys = key_schema(index.get("KeySchema"));
        if keys != expected_keys(def.pk, def.sk) {
            problems.push(format!(
                "{id}: index {} KeySchema is {keys:?}, expected {} HASH, {} RANGE",
                def.name, def.pk, def.sk
            ));
        }
        let projection = at(index, &["Projection", "ProjectionType"]).and_then(Value::as_str);
        if projection != Some("ALL") {
            problems.push(format!(
                "{id}: index {} projection is {projection:?}, expected ALL",
                def.name
            ));
        }
    }

    let ttl = prop(table, &["TimeToLiveSpecification", "AttributeName"]).and_then(Value::as_str);
    let ttl_on = prop(table, &["TimeToLiveSpecification", "Enabled"]).and_then(Value::as_bool);
    if ttl != Some(TABLE.ttl) || ttl_on != Some(true) {
        problems.push(format!(
            "{id}: TimeToLiveSpecification is {ttl:?} (enabled {ttl_on:?}), expected `{}` enabled",
            TABLE.ttl
        ));
    }
    let pitr = prop(
        table,
        &[
            "PointInTimeRecoverySpecification",
            "PointInTimeRecoveryEnabled",
        ],
    )
    .and_then(Value::as_bool);
    if pitr != Some(true) {
        problems.push(format!("{id}: point-in-time recovery is not enabled"));
    }
    if prop(table, &["BillingMode"]).and_then(Value::as_str) != Some("PAY_PER_REQUEST") {
        problems.push(format!("{id}: BillingMode is not PAY_PER_REQUEST"));
    }
    for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
        if table.get(policy).and_then(Value::as_str) != Some("Retain") {
            problems.push(format!("{id}: {policy} is not Retain"));
        }
    }

    report("the table does not match crm_app::store::TABLE", &problems);
}

#[test]
fn schedules_match_the_code() {
    let mut problems = Vec::new();
    let mut declared = BTreeSet::new();

    for schedule in SCHEDULES {
        let id = format!("{}Schedule", pascal(schedule.name));
        declared.insert(id.clone());
        let Some(res) = expect_resource(&id, "AWS::Scheduler::Schedule", &mut problems) else {
            continue;
        };
        let name = prop(res, &["Name"]).and_then(Value::as_str);
        if name != Some(schedule.name) {
            problems.push(format!(
                "{id}: Name is {name:?}, expected `{}`",
                schedule.name
            ));
        }
        let expression = prop(res, &["ScheduleExpression"]).and_then(Value::as_str);
        if expression != Some(schedule.cron) {
            problems.push(format!(
                "{id}: ScheduleExpression is {expression:?}, expected `{}`",
                schedule.cron
            ));
        }
        let timezone = prop(res, &["ScheduleExpressionTimezone"]).and_then(Value::as_str);
        if timezone != Some(schedule.timezone.name()) {
            problems.push(format!(
                "{id}: ScheduleExpressionTimezone is {timezone:?}, expected `{}`",
                schedule.timezone.name()
            ));
        }
        let mode = prop(res, &["FlexibleTimeWindow", "Mode"]).and_then(Value::as_str);
        if mode != Some("OFF") {
            problems.push(format!(
                "{id}: FlexibleTimeWindow.Mode is {mode:?}, expected OFF"
            ));
        }

        let queue_id = format!("{}Queue", pascal(schedule.queue.as_str()));
        let target = prop(res, &["Target", "Arn"]).map(cfn);
        if target != Some(get_att(&queue_id, "Arn")) {
            problems.push(format!(
                "{id}: Target.Arn is {target:?}, expected !GetAtt {queue_id}.Arn"
            ));
        }

        let expected_input: serde_json::Value =
            serde_json::from_str(schedule.input).expect("schedule input is JSON");
        match prop(res, &["Target", "Input"]).and_then(Value::as_str) {
            None => problems.push(format!("{id}: Target.Input is not a plain string")),
            Some(input) => match serde_json::from_str::<serde_json::Value>(input) {
                Err(e) => problems.push(format!("{id}: Target.Input is not JSON: {e}")),
                Ok(input) if input != expected_input => problems.push(format!(
                    "{id}: Target.Input is {input}, expected {expected_input}"
                )),
                Ok(_) => {}
            },
        }

        if prop(res, &["Target", "RetryPolicy"]).is_none() {
            problems.push(format!("{id}: no Target.RetryPolicy"));
        }
        let dead_letter = prop(res, &["Target", "DeadLetterConfig", "Arn"]).map(cfn);
        if dead_letter.is_none() {
            problems.push(format!("{id}: no Target.DeadLetterConfig"));
        }

        // The execution role may send to the target queue (and the dead-letter queue), nothing else.
        match prop(res, &["Target", "RoleArn"]).map(cfn) {
            Some(Cfn::GetAtt(role_id, attr)) if attr == "Arn" => {
                let statements = role_statements(&role_id);
                let target = get_att(&queue_id, "Arn");
                if !allows(&statements, "sqs:SendMessage", &target) {
                    problems.push(format!(
                        "{role_id}: does not allow sqs:SendMessage to {queue_id}"
                    ));
                }
                for allowed in allowed_targets(&statements, "sqs:SendMessage") {
                    if allowed != target && Some(&allowed) != dead_letter.as_ref() {
                        problems.push(format!(
                            "{role_id}: also allows sqs:SendMessage to {allowed:?}; only the target queue and its dead-letter queue are expected"
                        ));
                    }
                }
                let other_actions: BTreeSet<&str> = statements
                    .iter()
                    .flat_map(|s| as_strs(s.get("Action")))
                    .filter(|a| !a.eq_ignore_ascii_case("sqs:SendMessage"))
                    .collect();
                if !other_actions.is_empty() {
                    problems.push(format!(
                        "{role_id}: allows more than sqs:SendMessage: {other_actions:?}"
                    ));
                }
            }
            other => problems.push(format!(
                "{id}: Target.RoleArn is {other:?}, expected !GetAtt <role>.Arn"
            )),
        }
    }

    for (id, _) in resources_of_type("AWS::Scheduler::Schedule") {
        if !declared.contains(id) {
            problems.push(format!(
                "{id}: no such schedule in crm_app::schedules::SCHEDULES"
            ));
        }
    }
    for (id, _) in resources_of_type("AWS::Events::Rule") {
        problems.push(format!(
            "{id}: an EventBridge rule; schedules belong in EventBridge Scheduler"
        ));
    }

    report(
        "schedules do not match crm_app::schedules::SCHEDULES",
        &problems,
    );
}

/// The environment each function gets: `Globals.Function.Environment` merged with its own.
fn function_environment(res: &'static Value) -> BTreeMap<String, &'static Value> {
    let mut vars = BTreeMap::new();
    let global = globals_function().and_then(|g| at(g, &["Environment", "Variables"]));
    let own = prop(res, &["Environment", "Variables"]);
    for source in [global, own].into_iter().flatten() {
        for (key, value) in source.as_mapping().into_iter().flatten() {
            if let Some(key) = key.as_str() {
                vars.insert(key.to_string(), value);
            }
        }
    }
    vars
}

fn parameter_default(name: &str) -> Option<String> {
    match at(template(), &["Parameters", name, "Default"])? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Is `name` one of `VARIABLES`, expanding `<WORKER>` to each worker's suffix?
fn known_variable(name: &str) -> bool {
    VARIABLES
        .iter()
        .any(|(pattern, _)| match pattern.split_once("<WORKER>") {
            None => *pattern == name,
            Some((prefix, suffix)) => QueueName::ALL
                .iter()
                .any(|q| name == format!("{prefix}{}{suffix}", q.env_suffix())),
        })
}

#[test]
fn environment_satisfies_the_aws_config() {
    let mut problems = Vec::new();
    let globals = globals_function()
        .and_then(|g| at(g, &["Environment", "Variables"]))
        .and_then(Value::as_mapping);
    if globals.is_none() {
        problems.push("Globals.Function.Environment.Variables is missing".to_string());
    }

    for (id, res) in resources_of_type("AWS::Serverless::Function") {
        let env = function_environment(res);

        let backend = env.get("CRM_BACKEND").map(|v| cfn(v));
        if backend != Some(literal("aws")) {
            problems.push(format!("{id}: CRM_BACKEND is {backend:?}, expected `aws`"));
        }

        // Template values stand in: literals as they are, parameters by their defaults, anything
        // computed at deploy time (queue URLs, names, the resolved secret) by a dummy.
        let values: BTreeMap<String, String> = env
            .iter()
            .map(|(name, value)| {
                let value = match cfn(value) {
                    Cfn::Literal(text) => text,
                    Cfn::Ref(param) if parameter_default(&param).is_some() => {
                        parameter_default(&param).unwrap_or_default()
                    }
                    _ if name == "CRM_MAIL_FROM" => "no-reply@dummy.invalid".to_owned(),
                    _ if name == "CRM_PLATFORM_DOMAIN" => "crm.dummy.invalid".to_owned(),
                    _ => format!("https://dummy.invalid/{name}/{}", "k".repeat(32)),
                };
                (name.clone(), value)
            })
            .collect();
        match Config::from_lookup(|name| values.get(name).cloned()) {
            Err(errors) => problems.push(format!("{id}: {errors}")),
            Ok(config) => {
                if !matches!(config.backend, Backend::Aws(_)) {
                    problems.push(format!("{id}: configuration is not the aws backend"));
                }
            }
        }

        for name in env.keys().filter(|n| n.starts_with("CRM_")) {
            if !known_variable(name) {
                problems.push(format!("{id}: {name} is not in crm_app::config::VARIABLES"));
            }
        }

        // And each variable names the right resource.
        let mut expect = |var: String, expected: Cfn| {
            let actual = env.get(&var).map(|v| cfn(v));
            if actual.as_ref() != Some(&expected) {
                problems.push(format!("{id}: {var} is {actual:?}, expected {expected:?}"));
            }
        };
        expect("CRM_TABLE".into(), reference("Table"));
        expect("CRM_BUCKET".into(), reference("FilesBucket"));
        expect("CRM_MAX_RECEIVES".into(), reference("MaxReceives"));
        for queue in QueueName::ALL {
            let p = pascal(queue.as_str());
            let s = queue.env_suffix();
            expect(
                format!("CRM_QUEUE_URL_{s}"),
                reference(&format!("{p}Queue")),
            );
            expect(
                format!("CRM_DLQ_URL_{s}"),
                reference(&format!("{p}DeadLetterQueue")),
            );
        }
    }
    for (id, ty) in [
        ("Table", "AWS::DynamoDB::Table"),
        ("FilesBucket", "AWS::S3::Bucket"),
    ] {
        expect_resource(id, ty, &mut problems);
    }

    report(
        "the environment does not configure the aws backend",
        &problems,
    );
}

#[test]
fn iam_never_grants_data_actions_on_every_resource() {
    let mut problems = Vec::new();
    let data_service = |action: &str| {
        let action = action.to_ascii_lowercase();
        action == "*"
            || ["dynamodb:", "sqs:", "s3:"]
                .iter()
                .any(|service| action.starts_with(service))
    };

    for (place, statement) in policy_statements() {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let actions = as_strs(statement.get("Action"));
        if statement.get("NotAction").is_some() {
            problems.push(format!("{place}: Allow with NotAction"));
        }
        if !actions.iter().any(|a| data_service(a)) {
            continue;
        }
        if statement.get("NotResource").is_some() {
            problems.push(format!("{place}: {actions:?} with NotResource"));
        }
        let resources = as_list(statement.get("Resource"));
        if resources.is_empty() {
            problems.push(format!("{place}: {actions:?} without Resource"));
        }
        for r in resources {
            if cfn(r) == literal("*") {
                problems.push(format!("{place}: {actions:?} on Resource \"*\""));
            }
        }
    }

    // SAM attaches AWSLambdaSQSQueueExecutionRole (sqs actions on "*") to the role it generates
    // for a function with an SQS event, and policy templates can be broad: every function runs as
    // an explicit role instead.
    let broad = [
        "AWSLambdaSQSQueueExecutionRole",
        "AmazonSQSFullAccess",
        "AmazonDynamoDBFullAccess",
        "AmazonS3FullAccess",
        "AdministratorAccess",
        "PowerUserAccess",
    ];
    for (id, res) in resources_of_type("AWS::Serverless::Function") {
        match prop(res, &["Role"]).map(cfn) {
            Some(Cfn::GetAtt(role, attr)) if attr == "Arn" => {
                expect_resource(&role, "AWS::IAM::Role", &mut problems);
            }
            other => problems.push(format!(
                "{id}: Role is {other:?}; use an explicit `!GetAtt <role>.Arn` (a SAM-generated role gets wildcard policies)"
            )),
        }
    }
    for (id, res) in resources_of_type("AWS::IAM::Role") {
        for arn in as_list(prop(res, &["ManagedPolicyArns"])) {
            let text = match cfn(arn) {
                Cfn::Literal(text) | Cfn::Sub(text) => text,
                _ => continue,
            };
            if let Some(name) = broad
                .iter()
                .find(|name| text.ends_with(&format!("/{name}")))
            {
                problems.push(format!("{id}: managed policy {name} grants too much"));
            }
        }
    }

    report("IAM grants data actions too broadly", &problems);
}

#[test]
fn every_function_may_do_what_its_role_needs() {
    let mut problems = Vec::new();
    let table_resources: Vec<Cfn> = std::iter::once(get_att("Table", "Arn"))
        .chain(
            TABLE
                .indexes
                .iter()
                .map(|i| Cfn::Sub(format!("${{Table.Arn}}/index/{}", i.name))),
        )
        .collect();
    let objects = Cfn::Sub("${FilesBucket.Arn}/*".into());

    for name in binary_folders().keys() {
        let id = function_id(name);
        let Some(res) = resource(&id) else {
            continue; // reported by every_binary_folder_is_a_function_built_by_cargo_lambda
        };
        let Some(Cfn::GetAtt(role_id, _)) = prop(res, &["Role"]).map(cfn) else {
            continue; // reported by iam_never_grants_data_actions_on_every_resource
        };
        let statements = role_statements(&role_id);

        for action in [
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ] {
            for target in &table_resources {
                if !allows(&statements, action, target) {
                    problems.push(format!("{role_id} ({name}): no {action} on {target:?}"));
                }
            }
        }

        if USES_FILES.contains(&name.as_str()) {
            for action in ["s3:GetObject", "s3:PutObject"] {
                if !allows(&statements, action, &objects) {
                    problems.push(format!(
                        "{role_id} ({name}): no {action} on the files bucket"
                    ));
                }
            }
        }

        if let Some(worker) = QueueName::parse(name) {
            let p = pascal(name);
            let own = get_att(&format!("{p}Queue"), "Arn");
            let dlq = get_att(&format!("{p}DeadLetterQueue"), "Arn");
            for action in [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ] {
                if !allows(&statements, action, &own) {
                    problems.push(format!(
                        "{role_id} ({worker}): no {action} on its own queue"
                    ));
                }
            }
            if !allows(&statements, "sqs:SendMessage", &dlq) {
                problems.push(format!(
                    "{role_id} ({worker}): cannot send to its dead-letter queue (the runner dead-letters itself)"
                ));
            }
        }

        let sends = SENDS
            .iter()
            .find(|(function, _)| function == name)
            .map(|(_, queues)| *queues)
            .unwrap_or_else(|| panic!("SENDS in tests/it/infra.rs lacks `{name}`"));
        for queue in sends {
            let target = get_att(&format!("{}Queue", pascal(queue.as_str())), "Arn");
            if !allows(&statements, "sqs:SendMessage", &target) {
                problems.push(format!("{role_id} ({name}): cannot enqueue to {queue}"));
            }
        }
    }

    report("function roles lack permissions", &problems);
}
