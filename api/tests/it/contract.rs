//! The client contract: the schema is a superset of contract.graphql, every operation the
//! apps send validates and runs, and the committed schema.graphql is current.

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{ServiceDocument, TypeKind, TypeSystemDefinition};
use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, spawn_app};

pub const CONTRACT: &str = include_str!("../contract/contract.graphql");
pub const OPERATION_FILES: &[(&str, &str)] = &[
    ("auth", include_str!("../contract/operations/auth.graphql")),
    (
        "dashboard",
        include_str!("../contract/operations/dashboard.graphql"),
    ),
    (
        "dashboard-page",
        include_str!("../contract/operations/dashboard-page.graphql"),
    ),
    (
        "organizer",
        include_str!("../contract/operations/organizer.graphql"),
    ),
    (
        "resident-feedback",
        include_str!("../contract/operations/resident-feedback.graphql"),
    ),
    (
        "volunteer-app",
        include_str!("../contract/operations/volunteer-app.graphql"),
    ),
];

/// The top-level definitions of a file: (keyword, name, text). Each starts at a line that
/// begins with `query`, `mutation` or `fragment` and runs to the next one.
fn definitions(text: &str) -> Vec<(String, String, String)> {
    let mut defs: Vec<(String, String, String)> = Vec::new();
    for line in text.lines() {
        let keyword = ["query ", "mutation ", "fragment "]
            .into_iter()
            .find(|k| line.starts_with(k));
        match keyword {
            Some(keyword) => {
                let name: String = line[keyword.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                defs.push((keyword.trim().to_owned(), name, format!("{line}\n")));
            }
            None => {
                if let Some(last) = defs.last_mut()
                    && !line.starts_with('#')
                {
                    last.2.push_str(line);
                    last.2.push('\n');
                }
            }
        }
    }
    defs
}

/// An operation as an app sends it: its text and the fragments it spreads.
pub fn operation(name: &str) -> String {
    for (_, text) in OPERATION_FILES {
        let defs = definitions(text);
        if let Some((_, _, body)) = defs.iter().find(|(k, n, _)| k != "fragment" && n == name) {
            let mut document = body.clone();
            for (_, fragment, fragment_text) in defs.iter().filter(|(k, _, _)| k == "fragment") {
                if body.contains(&format!("...{fragment}")) {
                    document.push_str(fragment_text);
                }
            }
            return document;
        }
    }
    panic!("no contract operation {name}")
}

/// Every named operation of the contract, as an app sends it.
pub fn operations() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (_, text) in OPERATION_FILES {
        let doc = async_graphql::parser::parse_query(text).expect("contract operations parse");
        for (name, _) in doc.operations.iter() {
            let name = name.expect("contract operations are named").to_string();
            found.push((name.clone(), operation(&name)));
        }
    }
    found
}

/// (kind, fields: name -> (type, args: name -> type), enum values)
type Shape = (
    String,
    Vec<(String, String, Vec<(String, String)>)>,
    Vec<String>,
);

fn shapes(doc: &ServiceDocument) -> std::collections::HashMap<String, Shape> {
    let mut map = std::collections::HashMap::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.to_string();
        let shape = match &ty.kind {
            TypeKind::Object(o) => (
                "object".to_owned(),
                o.fields
                    .iter()
                    .map(|f| {
                        (
                            f.node.name.node.to_string(),
                            f.node.ty.node.to_string(),
                            f.node
                                .arguments
                                .iter()
                                .map(|a| (a.node.name.node.to_string(), a.node.ty.node.to_string()))
                                .collect(),
                        )
                    })
                    .collect(),
                vec![],
            ),
            TypeKind::InputObject(o) => (
                "input".to_owned(),
                o.fields
                    .iter()
                    .map(|f| {
                        (
                            f.node.name.node.to_string(),
                            f.node.ty.node.to_string(),
                            vec![],
                        )
                    })
                    .collect(),
                vec![],
            ),
            TypeKind::Enum(e) => (
                "enum".to_owned(),
                vec![],
                e.values
                    .iter()
                    .map(|v| v.node.value.node.to_string())
                    .collect(),
            ),
            TypeKind::Scalar => ("scalar".to_owned(), vec![], vec![]),
            TypeKind::Interface(_) => ("interface".to_owned(), vec![], vec![]),
            TypeKind::Union(_) => ("union".to_owned(), vec![], vec![]),
        };
        map.insert(name, shape);
    }
    map
}

#[test]
fn the_schema_is_a_superset_of_the_client_contract() {
    let contract = shapes(&parse_schema(CONTRACT).expect("contract parses"));
    let ours = shapes(&parse_schema(api::graphql::export_sdl()).expect("our SDL parses"));
    let mut missing = Vec::new();
    for (name, (kind, fields, values)) in &contract {
        let Some((our_kind, our_fields, our_values)) = ours.get(name) else {
            missing.push(format!("type {name}"));
            continue;
        };
        if kind != our_kind {
            missing.push(format!("{name} is a {our_kind}, the contract says {kind}"));
        }
        for (field, ty, args) in fields {
            match our_fields.iter().find(|(f, _, _)| f == field) {
                None => missing.push(format!("{name}.{field}")),
                Some((_, our_ty, our_args)) => {
                    if our_ty != ty {
                        missing.push(format!("{name}.{field}: {our_ty}, the contract says {ty}"));
                    }
                    for (arg, arg_ty) in args {
                        match our_args.iter().find(|(a, _)| a == arg) {
                            None => missing.push(format!("{name}.{field}({arg})")),
                            Some((_, our_arg_ty)) if our_arg_ty != arg_ty => missing.push(format!(
                                "{name}.{field}({arg}: {our_arg_ty}), the contract says {arg_ty}"
                            )),
                            _ => {}
                        }
                    }
                }
            }
        }
        for value in values {
            if !our_values.contains(value) {
                missing.push(format!("{name}.{value}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the schema breaks the contract:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_committed_schema_graphql_is_current() {
    let committed = include_str!("../../../schema.graphql");
    let current = api::graphql::export_sdl();
    assert!(
        committed == current,
        "schema.graphql is stale: regenerate it with `cargo run -p api -- export-schema > schema.graphql`"
    );
}

/// Variables of the right types for every contract operation; values point at nothing in
/// particular, so the run proves validation and execution, not business outcomes.
pub fn variables_for(name: &str) -> Value {
    match name {
        "SignUp" => {
            json!({ "input": { "phone": "13912345678", "password": "long enough", "displayName": "测试" } })
        }
        "Login" => json!({ "phone": "13912345678", "password": "wrong password" }),
        "WechatLogin" => json!({ "code": "abc" }),
        "RefreshSession" | "Logout" => json!({ "refreshToken": "nope.nope" }),
        "ImportPlan" => {
            json!({ "input": { "title": "计划", "year": 2022, "csv": "序号,活动时间,活动主题,活动地点,活动内容,牵头科室\n1,3月5日,学雷锋,源淮社区,宣传,养老科\n" } })
        }
        "CreateActivity" => json!({ "input": { "title": "新活动", "leadDepartmentIds": ["1"] } }),
        "UpdateActivity" => json!({ "id": "1", "input": { "capacity": 10 } }),
        "PublishActivity" | "CompleteActivity" | "OpenSurvey" | "CloseSurvey" | "SurveyResults"
        | "Survey" | "ActivityDetail" | "ActivityRoster" | "CancelRegistration" => {
            json!({ "id": "1" })
        }
        "CancelActivity" => json!({ "id": "1", "reason": "天气" }),
        "ActivityCheckInCode" | "RegisterForActivity" => json!({ "activityId": "1" }),
        "CheckIn" | "CheckOut" => json!({ "activityId": "1", "code": "000000" }),
        "RecordServiceHours" => {
            json!({ "input": { "activityId": "1", "volunteerId": "1", "hours": 2.5 } })
        }
        "ReviewServiceRecords" => json!({ "ids": ["1"], "decision": "APPROVE" }),
        "CreateCommunity" => json!({ "input": { "name": "新社区", "kind": "COMMUNITY" } }),
        "CreatePairing" => {
            json!({ "input": { "kind": "CO_BUILDING", "departmentId": "1", "communityId": "1", "startsOn": "2026-01-01", "targetActivityCount": 10 } })
        }
        "EndPairing" => json!({ "id": "1", "endsOn": "2026-12-31" }),
        "CreateSurvey" => {
            json!({ "input": { "title": "满意度", "questions": [{ "kind": "SATISFACTION", "prompt": "满意吗" }] } })
        }
        "UpdateRectification" => json!({ "id": "1", "input": { "status": "IN_PROGRESS" } }),
        "SubmitSurveyResponse" => {
            json!({ "input": { "surveyId": "1", "channel": "MINI_PROGRAM", "answers": [] } })
        }
        "EnrollAsVolunteer" => json!({ "input": { "realName": "王小明" } }),
        "DashboardOverview"
        | "DashboardHours"
        | "DashboardSatisfaction"
        | "DashboardPairings"
        | "DashboardCare" => {
            json!({ "range": { "from": "2022-01-01", "to": "2022-12-31" } })
        }
        _ => json!({}),
    }
}

/// Errors of validation have no path; errors of execution (a business rule said no) do.
fn validation_errors(body: &Value) -> Vec<Value> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter(|e| e.get("path").is_none())
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_contract_operation_validates_and_runs_against_the_server() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin, Role::Volunteer], None).await;
        let ops = operations();
        assert!(ops.len() >= 40, "found {} operations", ops.len());
        for (name, document) in ops {
            let body = app
                .post_json(
                    &json!({ "query": document, "operationName": name, "variables": variables_for(&name) }),
                    Some(&admin.token),
                )
                .await
                .json::<Value>()
                .await
                .expect("JSON");
            let invalid = validation_errors(&body);
            assert!(
                invalid.is_empty(),
                "{backend:?} {name} did not validate: {invalid:#?}"
            );
            if let Some(errors) = body["errors"].as_array() {
                for error in errors {
                    let code = error["extensions"]["code"].as_str().unwrap_or("<none>");
                    assert_ne!(code, "INTERNAL", "{backend:?} {name}: {error:#}");
                    assert_ne!(code, "<none>", "{backend:?} {name}: {error:#}");
                }
            }
        }
    }
}
