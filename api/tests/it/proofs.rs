//! Service proofs (志愿服务证明, Art 14–17): issued at once, verified by number and code by
//! anyone, immutable after issue, revoked by the issuing department or an admin.

use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, TestApp, User, code, published_activity, spawn_app, spawn_sibling};

const REQUEST: &str = "mutation($range: ProofRange, $dep: ID) { requestServiceProof(range: $range, departmentId: $dep) { code proof { id number issuer realName maskedId from to hours status activities { name date content hours organizer } } } }";
const VERIFY: &str = "query($n: String!, $c: String!) { verifyServiceProof(number: $n, code: $c) { number status maskedName hours issuer issuedOn } }";
const REVOKE: &str = "mutation($n: String!, $r: String!) { revokeServiceProof(number: $n, reason: $r) { number status revokeReason } }";
const PROOFS: &str = "{ me { volunteer { proofs(first: 10) { totalCount edges { node { number hours status activities { hours } } } } } } }";

fn local_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .date_naive()
}

/// A volunteer with approved hours at one activity of 养老科: 2 h on 2025-03-05 and 3 h on
/// 2025-03-06. Returns the volunteer, the organizer and the two record ids.
pub async fn served(app: &TestApp) -> (User, User, Vec<Value>) {
    let (activity, organizer) = published_activity(
        app,
        None,
        "2025-03-05T09:00:00+08:00",
        "2025-03-06T12:00:00+08:00",
    )
    .await;
    let volunteer = app.user(&[Role::Volunteer], None).await;
    let me = app
        .ok(
            "{ me { volunteer { id } } }",
            json!({}),
            Some(&volunteer.token),
        )
        .await;
    let volunteer_id = me["me"]["volunteer"]["id"].clone();
    use sea_orm::{ActiveModelTrait, Set};
    entity::registration::ActiveModel {
        activity_id: Set(activity.parse().expect("id")),
        volunteer_id: Set(volunteer_id.as_str().expect("id").parse().expect("id")),
        status: Set(entity::enums::RegistrationStatus::Registered),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("registration");
    let mut ids = Vec::new();
    for (hours, day) in [(2.0, "2025-03-05"), (3.0, "2025-03-06")] {
        let recorded = app
            .ok(
                "mutation($input: RecordServiceHoursInput!) { recordServiceHours(input: $input) { id } }",
                json!({ "input": { "activityId": activity, "volunteerId": volunteer_id, "hours": hours, "serviceDate": day } }),
                Some(&organizer.token),
            )
            .await;
        let id = recorded["recordServiceHours"]["id"].clone();
        app.ok(
            "mutation($ids: [ID!]!) { reviewServiceRecords(ids: $ids, decision: APPROVE) { id } }",
            json!({ "ids": [id] }),
            Some(&organizer.token),
        )
        .await;
        ids.push(id);
    }
    (volunteer, organizer, ids)
}

#[tokio::test]
async fn a_proof_is_issued_verified_revoked_and_verified_again() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (volunteer, organizer, _) = served(&app).await;
        let elderly = app.department("养老科").await;

        let issued = app
            .ok(REQUEST, json!({ "dep": elderly }), Some(&volunteer.token))
            .await["requestServiceProof"]
            .clone();
        let proof = &issued["proof"];
        let number = proof["number"].as_str().expect("number").to_owned();
        let code_text = issued["code"].as_str().expect("code").to_owned();
        let year = local_today().format("%Y").to_string();
        assert!(
            number.starts_with(&format!("TX-{year}-")) && number.len() == "TX-2026-000001".len(),
            "{backend:?}: {number}"
        );
        assert_eq!(code_text.len(), 8, "{backend:?}");
        assert_eq!(proof["issuer"], "泉州市民政局养老科", "{backend:?}");
        // The volunteer is told, in the app, with the number and never the code.
        let told = app
            .ok(
                "{ me { notifications(first: 5) { edges { node { kind body } } } } }",
                json!({}),
                Some(&volunteer.token),
            )
            .await;
        let told = &told["me"]["notifications"]["edges"][0]["node"];
        assert_eq!(told["kind"], "PROOF_ISSUED", "{backend:?}: {told}");
        let body = told["body"].as_str().unwrap();
        assert!(
            body.contains(&number) && !body.contains(&code_text),
            "{body}"
        );
        assert_eq!(proof["realName"], "王小明");
        let phone = &volunteer.phone;
        assert_eq!(
            proof["maskedId"],
            format!("{}****{}", &phone[..3], &phone[phone.len() - 4..])
        );
        assert_eq!(proof["hours"], 5.0, "{backend:?}");
        assert_eq!(proof["status"], "VALID");
        assert_eq!(
            proof["activities"],
            json!([
                { "name": "助老服务", "date": "2025-03-05", "content": "", "hours": 2.0, "organizer": "养老科" },
                { "name": "助老服务", "date": "2025-03-06", "content": "", "hours": 3.0, "organizer": "养老科" },
            ]),
            "{backend:?}"
        );

        // Anyone, without a token, with the number and the code: that and nothing else.
        let verified = app
            .ok(VERIFY, json!({ "n": number, "c": code_text }), None)
            .await;
        assert_eq!(
            verified["verifyServiceProof"],
            json!({ "number": number, "status": "VALID", "maskedName": "王*明", "hours": 5.0,
                    "issuer": "泉州市民政局养老科",
                    "issuedOn": local_today().to_string() }),
            "{backend:?}"
        );
        // Typed in lower case with spaces, as read off paper.
        let lower = app
            .ok(
                VERIFY,
                json!({ "n": format!(" {} ", number.to_lowercase()), "c": code_text.to_lowercase() }),
                None,
            )
            .await;
        assert_eq!(lower["verifyServiceProof"]["status"], "VALID");

        let revoked = app
            .ok(
                REVOKE,
                json!({ "n": number, "r": "服务时长登记有误" }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(revoked["revokeServiceProof"]["status"], "REVOKED");
        let again = app
            .ok(VERIFY, json!({ "n": number, "c": code_text }), None)
            .await;
        assert_eq!(
            again["verifyServiceProof"]["status"], "REVOKED",
            "{backend:?}"
        );
        assert_eq!(again["verifyServiceProof"]["hours"], 5.0);
        let twice = app
            .gql(
                REVOKE,
                json!({ "n": number, "r": "again" }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(code(&twice), "CONFLICT", "{backend:?}: {twice}");
        assert_eq!(twice["errors"][0]["extensions"]["reason"], "PROOF_REVOKED");

        let listed = app.ok(PROOFS, json!({}), Some(&volunteer.token)).await;
        let proofs = &listed["me"]["volunteer"]["proofs"];
        assert_eq!(proofs["totalCount"], 1);
        assert_eq!(proofs["edges"][0]["node"]["status"], "REVOKED");

        let audit = app
            .ok(
                "{ auditEntries(first: 100) { edges { node { action } } } }",
                json!({}),
                Some(&app.user(&[Role::Admin], None).await.token),
            )
            .await;
        let revocations = audit["auditEntries"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter(|e| e["node"]["action"] == "serviceProof.revoke")
            .count();
        assert_eq!(revocations, 1, "{backend:?}: audited once");
    }
}

#[tokio::test]
async fn a_wrong_code_and_an_unknown_number_are_not_found_and_guesses_are_limited() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let sibling = spawn_sibling(&app).await;
        let (volunteer, _, _) = served(&app).await;
        let issued = app.ok(REQUEST, json!({}), Some(&volunteer.token)).await;
        let number = issued["requestServiceProof"]["proof"]["number"].clone();
        let right = issued["requestServiceProof"]["code"].clone();

        let unknown = app
            .gql(VERIFY, json!({ "n": "TX-2020-999999", "c": right }), None)
            .await;
        assert_eq!(code(&unknown), "NOT_FOUND", "{backend:?}: {unknown}");
        assert_eq!(
            unknown["errors"][0]["extensions"]["reason"],
            "PROOF_NOT_FOUND"
        );
        assert!(unknown["data"].is_null() || unknown["data"]["verifyServiceProof"].is_null());

        // Ten wrong codes for the number, spread over two instances; then even the right
        // code waits.
        for attempt in 0..10 {
            let on = if attempt % 2 == 0 {
                &app
            } else {
                crate::helpers::counting_peer(&app, &sibling)
            };
            let wrong = on
                .gql(VERIFY, json!({ "n": number, "c": "ABCDEFGH" }), None)
                .await;
            assert_eq!(code(&wrong), "NOT_FOUND", "{backend:?}: attempt {attempt}");
        }
        let limited = app
            .gql(VERIFY, json!({ "n": number, "c": right }), None)
            .await;
        assert_eq!(code(&limited), "RATE_LIMITED", "{backend:?}: {limited}");
        // Hostile input: overlong values are not ours, refused without a lookup.
        let long = app
            .gql(
                VERIFY,
                json!({ "n": "X".repeat(10_000), "c": "Y".repeat(10_000) }),
                None,
            )
            .await;
        assert_eq!(code(&long), "NOT_FOUND", "{backend:?}");
    }
}

#[tokio::test]
async fn a_correction_after_issue_leaves_the_proof_as_issued() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (volunteer, organizer, records) = served(&app).await;
        let issued = app
            .ok(
                REQUEST,
                json!({ "range": { "from": "2025-03-05", "to": "2025-03-05" } }),
                Some(&volunteer.token),
            )
            .await;
        let number = issued["requestServiceProof"]["proof"]["number"].clone();
        let right = issued["requestServiceProof"]["code"].clone();
        assert_eq!(
            issued["requestServiceProof"]["proof"]["hours"], 2.0,
            "{backend:?}: the range holds one day"
        );
        assert_eq!(issued["requestServiceProof"]["proof"]["from"], "2025-03-05");
        assert_eq!(
            issued["requestServiceProof"]["proof"]["issuer"],
            "泉州市民政局"
        );

        let corrected = app
            .ok(
                "mutation($id: ID!) { requestRecordCorrection(recordId: $id, hours: 4, reason: \"实际服务 4 小时\") { id } }",
                json!({ "id": records[0] }),
                Some(&volunteer.token),
            )
            .await;
        app.ok(
            "mutation($id: ID!) { resolveRecordCorrection(correctionId: $id, accept: true) { hours } }",
            json!({ "id": corrected["requestRecordCorrection"]["id"] }),
            Some(&organizer.token),
        )
        .await;

        let listed = app.ok(PROOFS, json!({}), Some(&volunteer.token)).await;
        let proof = &listed["me"]["volunteer"]["proofs"]["edges"][0]["node"];
        assert_eq!(proof["hours"], 2.0, "{backend:?}: {proof}");
        assert_eq!(proof["activities"], json!([{ "hours": 2.0 }]));
        let verified = app
            .ok(VERIFY, json!({ "n": number, "c": right }), None)
            .await;
        assert_eq!(verified["verifyServiceProof"]["hours"], 2.0, "{backend:?}");
        // A new proof shows the corrected hours.
        let fresh = app
            .ok(
                REQUEST,
                json!({ "range": { "from": "2025-03-05", "to": "2025-03-05" } }),
                Some(&volunteer.token),
            )
            .await;
        assert_eq!(
            fresh["requestServiceProof"]["proof"]["hours"], 4.0,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn only_admins_and_the_issuing_departments_organizers_revoke() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (volunteer, organizer, _) = served(&app).await;
        let elderly = app.department("养老科").await;
        let of_department = app
            .ok(REQUEST, json!({ "dep": elderly }), Some(&volunteer.token))
            .await["requestServiceProof"]["proof"]["number"]
            .clone();
        let of_bureau = app.ok(REQUEST, json!({}), Some(&volunteer.token)).await
            ["requestServiceProof"]["proof"]["number"]
            .clone();
        let other = app.user(&[Role::Organizer], Some("社会事务科")).await;
        let admin = app.user(&[Role::Admin], None).await;

        for (who, token, number, expected) in [
            (
                "the volunteer",
                &volunteer.token,
                &of_department,
                "FORBIDDEN",
            ),
            (
                "another department",
                &other.token,
                &of_department,
                "FORBIDDEN",
            ),
            (
                "a department, of the bureau's proof",
                &organizer.token,
                &of_bureau,
                "FORBIDDEN",
            ),
            (
                "anyone, of no proof",
                &admin.token,
                &json!("TX-2020-000001"),
                "NOT_FOUND",
            ),
        ] {
            let refused = app
                .gql(REVOKE, json!({ "n": number, "r": "x" }), Some(token))
                .await;
            assert_eq!(code(&refused), expected, "{backend:?}: {who}: {refused}");
        }
        let blank = app
            .gql(
                REVOKE,
                json!({ "n": of_bureau, "r": "  " }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(
            code(&blank),
            "BAD_USER_INPUT",
            "{backend:?}: a reason is required"
        );
        assert_eq!(blank["errors"][0]["extensions"]["field"], "reason");

        let by_admin = app
            .ok(
                REVOKE,
                json!({ "n": of_bureau, "r": "重复出具" }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(by_admin["revokeServiceProof"]["status"], "REVOKED");
        assert_eq!(by_admin["revokeServiceProof"]["revokeReason"], "重复出具");

        // The other department's organizer sees none of this volunteer's proofs.
        let volunteer_id = app
            .ok(
                "{ me { volunteer { id } } }",
                json!({}),
                Some(&volunteer.token),
            )
            .await["me"]["volunteer"]["id"]
            .clone();
        let _ = volunteer_id;
        let listed = app.ok(PROOFS, json!({}), Some(&volunteer.token)).await;
        assert_eq!(
            listed["me"]["volunteer"]["proofs"]["totalCount"], 2,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn proofs_need_hours_and_an_ordered_range() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (volunteer, _, _) = served(&app).await;
        let empty = app
            .gql(
                REQUEST,
                json!({ "range": { "from": "2024-01-01", "to": "2024-12-31" } }),
                Some(&volunteer.token),
            )
            .await;
        assert_eq!(code(&empty), "CONFLICT", "{backend:?}: {empty}");
        assert_eq!(empty["errors"][0]["extensions"]["reason"], "PROOF_NO_HOURS");
        let backwards = app
            .gql(
                REQUEST,
                json!({ "range": { "from": "2025-12-31", "to": "2025-01-01" } }),
                Some(&volunteer.token),
            )
            .await;
        assert_eq!(code(&backwards), "BAD_USER_INPUT", "{backend:?}");
        assert_eq!(backwards["errors"][0]["extensions"]["field"], "range.to");
        let resident = app.user(&[], None).await;
        let not_volunteer = app.gql(REQUEST, json!({}), Some(&resident.token)).await;
        assert_eq!(code(&not_volunteer), "FORBIDDEN", "{backend:?}");
        let anonymous = app.gql(REQUEST, json!({}), None).await;
        assert_eq!(code(&anonymous), "UNAUTHENTICATED", "{backend:?}");
        let count: u64 = {
            use sea_orm::{EntityTrait, PaginatorTrait};
            entity::service_proof::Entity::find()
                .count(&app.state.db)
                .await
                .expect("count")
        };
        assert_eq!(count, 0, "{backend:?}: nothing stored");
    }
}

/// Two instances issuing at the same moment: every number once, serials without gaps.
#[tokio::test]
async fn numbers_stay_unique_when_two_instances_issue_at_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let sibling = spawn_sibling(&app).await;
        let (first, _, _) = served(&app).await;
        let (second, _, _) = served(&app).await;
        let mut calls = Vec::new();
        for round in 0..6 {
            let (on, who) = if round % 2 == 0 {
                (&app, &first)
            } else {
                (&sibling, &second)
            };
            calls.push(on.ok(REQUEST, json!({}), Some(&who.token)));
        }
        let results = futures::future::join_all(calls).await;
        let mut numbers: Vec<String> = results
            .iter()
            .map(|r| {
                r["requestServiceProof"]["proof"]["number"]
                    .as_str()
                    .expect("number")
                    .to_owned()
            })
            .collect();
        numbers.sort();
        let year = local_today().format("%Y").to_string();
        let expected: Vec<String> = (1..=6).map(|n| format!("TX-{year}-{n:06}")).collect();
        assert_eq!(numbers, expected, "{backend:?}");
    }
}

/// `GET /proofs/{number}.pdf?code=…` without a token: status, content type and body.
async fn proof_pdf(app: &TestApp, number: &str, code: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut url = format!("{}/proofs/{number}.pdf", app.address);
    if let Some(code) = code {
        url.push_str(&format!("?code={code}"));
    }
    let response = app.http.get(url).send().await.expect("request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.expect("body").to_vec(),
    )
}

/// Runs a poppler tool (Debian's poppler-utils; `.ci/run` installs it) on `pdf`.
fn poppler(tool: &str, args: &[&str]) -> std::process::Output {
    let output = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|err| {
            panic!("{tool} could not run ({err}): apt-get install poppler-utils")
        });
    assert!(
        output.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The PDF's pages as PNG files (pdftoppm) and its text without spaces (pdftotext).
fn read_pdf(pdf: &[u8]) -> (usize, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("proof.pdf");
    std::fs::write(&file, pdf).expect("written");
    let file = file.to_str().expect("path");
    let prefix = dir.path().join("page");
    poppler(
        "pdftoppm",
        &["-png", "-r", "40", file, prefix.to_str().expect("path")],
    );
    let pages = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name().to_string_lossy().ends_with(".png")
                && e.metadata().map(|m| m.len() > 1000).unwrap_or(false)
        })
        .count();
    let text = poppler("pdftotext", &["-enc", "UTF-8", file, "-"]).stdout;
    let text: String = String::from_utf8(text)
        .expect("UTF-8 text")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    (pages, text)
}

#[tokio::test]
async fn the_proof_as_a_pdf_holds_its_number_name_and_hours_and_renders() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (volunteer, _, _) = served(&app).await;
        let issued = app.ok(REQUEST, json!({}), Some(&volunteer.token)).await;
        let number = issued["requestServiceProof"]["proof"]["number"]
            .as_str()
            .expect("number")
            .to_owned();
        let right = issued["requestServiceProof"]["code"]
            .as_str()
            .expect("code")
            .to_owned();

        // Typed as read off paper: lower case.
        let (status, content_type, pdf) =
            proof_pdf(&app, &number.to_lowercase(), Some(&right.to_lowercase())).await;
        assert_eq!(
            status,
            200,
            "{backend:?}: {}",
            String::from_utf8_lossy(&pdf)
        );
        assert_eq!(content_type, "application/pdf");
        assert!(pdf.starts_with(b"%PDF-"), "{backend:?}");
        // The font is embedded subset to the characters used, not its 5 MB.
        assert!(pdf.len() < 120_000, "{backend:?}: {} bytes", pdf.len());
        let (pages, text) = read_pdf(&pdf);
        assert_eq!(pages, 1, "{backend:?}");
        for expected in [
            "志愿服务证明",
            number.as_str(),
            "王小明",
            "累计服务时长：5小时",
            "助老服务",
            "2025-03-05",
            "泉州市民政局",
            right.as_str(),
        ] {
            assert!(text.contains(expected), "{backend:?}: {expected} in {text}");
        }
        assert!(!text.contains("撤销"), "{backend:?}: a valid proof");
    }
}

#[tokio::test]
async fn a_long_proof_runs_on_over_pages_and_a_revoked_one_says_so() {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (volunteer, _, _) = served(&app).await;
        let issued = app.ok(REQUEST, json!({}), Some(&volunteer.token)).await;
        let number = issued["requestServiceProof"]["proof"]["number"]
            .as_str()
            .expect("number")
            .to_owned();
        let right = issued["requestServiceProof"]["code"]
            .as_str()
            .expect("code")
            .to_owned();
        // The most a proof holds: 500 days served, each with 200 characters of content.
        let id: i32 = issued["requestServiceProof"]["proof"]["id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("id");
        let proof = entity::service_proof::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .expect("read")
            .expect("proof");
        let line = proof.activities.0[0].clone();
        let lines: Vec<_> = (0..500)
            .map(|n| entity::service_proof::ProofLine {
                activity: format!("第{n}次社区环境整治志愿服务活动"),
                content: "清理楼道杂物，劝导文明停车，宣传垃圾分类。".repeat(10),
                ..line.clone()
            })
            .collect();
        let mut model = proof.into_active_model();
        model.activities = Set(entity::service_proof::ProofLines(lines));
        model.update(&app.state.db).await.expect("update");

        let (status, _, pdf) = proof_pdf(&app, &number, Some(&right)).await;
        assert_eq!(
            status,
            200,
            "{backend:?}: {}",
            String::from_utf8_lossy(&pdf)
        );
        assert!(pdf.len() < 1_000_000, "{backend:?}: {} bytes", pdf.len());
        let (pages, text) = read_pdf(&pdf);
        assert!(pages > 20, "{backend:?}: {pages} pages");
        assert!(
            text.contains("第499次社区环境整治志愿服务活动"),
            "{backend:?}"
        );
        assert!(text.contains(&format!("共{pages}页")), "{backend:?}");

        // A bureau-wide proof: revoked by an admin.
        let admin = app.user(&[Role::Admin], None).await;
        app.ok(
            REVOKE,
            json!({ "n": number, "r": "服务时长登记有误" }),
            Some(&admin.token),
        )
        .await;
        let (status, _, pdf) = proof_pdf(&app, &number, Some(&right)).await;
        assert_eq!(status, 200, "{backend:?}");
        let (_, text) = read_pdf(&pdf);
        assert!(text.contains("撤销，不再有效"), "{backend:?}: {text}");
    }
}

#[tokio::test]
async fn a_pdf_with_a_wrong_code_is_not_found_and_counted_with_verifications() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let sibling = spawn_sibling(&app).await;
        let (volunteer, _, _) = served(&app).await;
        let issued = app.ok(REQUEST, json!({}), Some(&volunteer.token)).await;
        let number = issued["requestServiceProof"]["proof"]["number"]
            .as_str()
            .expect("number")
            .to_owned();
        let right = issued["requestServiceProof"]["code"]
            .as_str()
            .expect("code")
            .to_owned();

        for (n, c) in [
            ("TX-2020-999999", Some(right.as_str())),
            (number.as_str(), None),
        ] {
            let (status, content_type, body) = proof_pdf(&app, n, c).await;
            assert_eq!(status, 404, "{backend:?}");
            assert!(content_type.starts_with("application/json"));
            let body: Value = serde_json::from_slice(&body).expect("JSON");
            assert_eq!(code(&body), "NOT_FOUND", "{backend:?}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["reason"], "PROOF_NOT_FOUND");
        }
        let not_pdf = app
            .http
            .get(format!("{}/proofs/{number}.png?code={right}", app.address))
            .send()
            .await
            .expect("request");
        assert_eq!(not_pdf.status().as_u16(), 404, "{backend:?}");

        // The missing code above counted; nine more wrong ones, by PDF and by
        // verifyServiceProof on two instances, and the right code waits.
        for attempt in 0..9 {
            let on = if attempt % 2 == 0 {
                &app
            } else {
                crate::helpers::counting_peer(&app, &sibling)
            };
            if attempt % 3 == 0 {
                let wrong = on
                    .gql(VERIFY, json!({ "n": number, "c": "ABCDEFGH" }), None)
                    .await;
                assert_eq!(code(&wrong), "NOT_FOUND", "{backend:?}: attempt {attempt}");
            } else {
                let (status, _, _) = proof_pdf(on, &number, Some("ABCDEFGH")).await;
                assert_eq!(status, 404, "{backend:?}: attempt {attempt}");
            }
        }
        let (status, _, body) = proof_pdf(
            crate::helpers::counting_peer(&app, &sibling),
            &number,
            Some(&right),
        )
        .await;
        assert_eq!(
            status,
            429,
            "{backend:?}: {}",
            String::from_utf8_lossy(&body)
        );
        let body: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(code(&body), "RATE_LIMITED", "{backend:?}");
    }
}

#[tokio::test]
async fn without_its_font_the_pdf_is_refused_with_a_reason() {
    for backend in Backend::all() {
        let app = crate::helpers::spawn_app_with(
            backend,
            crate::helpers::Options {
                configure: Box::new(|config| {
                    config.proof_font = "/nonexistent/tongxin-font.ttc".into();
                }),
                ..Default::default()
            },
        )
        .await;
        let (volunteer, _, _) = served(&app).await;
        let issued = app.ok(REQUEST, json!({}), Some(&volunteer.token)).await;
        let number = issued["requestServiceProof"]["proof"]["number"]
            .as_str()
            .expect("number")
            .to_owned();
        let right = issued["requestServiceProof"]["code"]
            .as_str()
            .expect("code")
            .to_owned();
        let (status, _, body) = proof_pdf(&app, &number, Some(&right)).await;
        assert_eq!(status, 503, "{backend:?}");
        let body: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(code(&body), "INTERNAL", "{backend:?}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], "PROOF_FONT_MISSING",
            "{backend:?}"
        );
        // Verification does not need the font.
        let verified = app
            .ok(VERIFY, json!({ "n": number, "c": right }), None)
            .await;
        assert_eq!(verified["verifyServiceProof"]["status"], "VALID");
    }
}
