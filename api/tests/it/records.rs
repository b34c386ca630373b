//! The service record as the national rules shape it: the recording deadline in working
//! days, corrections with their history, trainings and commendations, the star policy.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, TestApp, User, code, published_activity, run, spawn_app};

async fn volunteer_id_of(app: &TestApp, volunteer: &User) -> Value {
    let me = run(app, "Me", json!({}), Some(&volunteer.token)).await;
    me["data"]["me"]["volunteer"]["id"].clone()
}

/// A volunteer registered for the activity (so its department may record for them).
async fn registered_volunteer(app: &TestApp, activity: &str) -> (User, Value) {
    let volunteer = app.volunteers(1).await.remove(0);
    let id = volunteer_id_of(app, &volunteer).await;
    // Registration is closed on past activities: the link is made in the database, as the
    // registration would have made it then.
    use sea_orm::{ActiveModelTrait, Set};
    entity::registration::ActiveModel {
        activity_id: Set(activity.parse().expect("id")),
        volunteer_id: Set(id.as_str().expect("id").parse().expect("id")),
        status: Set(entity::enums::RegistrationStatus::Registered),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("registration");
    (volunteer, id)
}

async fn record(
    app: &TestApp,
    token: &str,
    activity: &str,
    volunteer: &Value,
    hours: f64,
    day: &str,
) -> Value {
    let body = app
        .ok(
            "mutation($input: RecordServiceHoursInput!) { recordServiceHours(input: $input) { id reviewDueOn status } }",
            json!({ "input": { "activityId": activity, "volunteerId": volunteer, "hours": hours, "serviceDate": day } }),
            Some(token),
        )
        .await;
    body["recordServiceHours"].clone()
}

async fn approve(app: &TestApp, token: &str, id: &Value) -> Value {
    let body = app
        .ok(
            "mutation($ids: [ID!]!) { reviewServiceRecords(ids: $ids, decision: APPROVE) { id reviewedLate hours volunteer { totalHours starLevel } } }",
            json!({ "ids": [id] }),
            Some(token),
        )
        .await;
    body["reviewServiceRecords"][0].clone()
}

/// Art 11: reviewed within 10 working days of the activity's end. An activity that ended
/// on Friday 2024-09-27 is due on 2024-10-16 (the National Day and its two make-up days
/// counted); reviewed today, years later, it is late; one ending in 2031 is not.
#[tokio::test]
async fn the_recording_deadline_counts_working_days_and_late_reviews_are_kept() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (past, organizer) = published_activity(
            &app,
            None,
            "2024-09-27T09:00:00+08:00",
            "2024-09-27T12:00:00+08:00",
        )
        .await;
        let (future, _) = published_activity(
            &app,
            None,
            "2031-03-03T09:00:00+08:00",
            "2031-03-03T12:00:00+08:00",
        )
        .await;
        let (_, volunteer) = registered_volunteer(&app, &past).await;
        let late = record(&app, &organizer.token, &past, &volunteer, 3.0, "2024-09-27").await;
        assert_eq!(late["reviewDueOn"], "2024-10-16", "{backend:?}: {late}");
        let early = record(
            &app,
            &organizer.token,
            &future,
            &volunteer,
            3.0,
            "2031-03-03",
        )
        .await;
        let queue = |overdue: bool| {
            let app = &app;
            let token = organizer.token.clone();
            async move {
                let body = app
                    .ok(
                        "query($f: ServiceRecordFilter) { serviceRecords(filter: $f, first: 10) { edges { node { id reviewDueOn } } } }",
                        json!({ "f": { "overdueReview": overdue } }),
                        Some(&token),
                    )
                    .await;
                body["serviceRecords"]["edges"]
                    .as_array()
                    .expect("edges")
                    .iter()
                    .map(|edge| edge["node"]["id"].clone())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(queue(true).await, vec![late["id"].clone()], "{backend:?}");
        assert_eq!(queue(false).await, vec![early["id"].clone()], "{backend:?}");
        let pending = app
            .ok(
                "{ serviceRecords(filter: {status: PENDING}, first: 10) { edges { node { id } } } }",
                json!({}),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            pending["serviceRecords"]["edges"][0]["node"]["id"], late["id"],
            "{backend:?}: the review queue shows the most urgent first"
        );
        assert_eq!(
            approve(&app, &organizer.token, &late["id"]).await["reviewedLate"],
            true
        );
        assert_eq!(
            approve(&app, &organizer.token, &early["id"]).await["reviewedLate"],
            false
        );
    }
}

/// Art 13: a volunteer disputes a record; refused with a reason, nothing changes; accepted,
/// the hours change; every change is in the record's history.
#[tokio::test]
async fn corrections_are_accepted_or_refused_and_the_history_keeps_every_change() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = published_activity(
            &app,
            None,
            "2025-03-05T09:00:00+08:00",
            "2025-03-05T12:00:00+08:00",
        )
        .await;
        let (volunteer, volunteer_id) = registered_volunteer(&app, &activity).await;
        let other = app.volunteers(1).await.remove(0);
        let created = record(
            &app,
            &organizer.token,
            &activity,
            &volunteer_id,
            2.0,
            "2025-03-05",
        )
        .await;
        let id = created["id"].clone();
        let request = "mutation($id: ID!, $h: Float!, $r: String!) { requestRecordCorrection(recordId: $id, hours: $h, reason: $r) { id status hours } }";
        let too_early = app
            .gql(
                request,
                json!({ "id": id, "h": 3, "r": "实际服务 3 小时" }),
                Some(&volunteer.token),
            )
            .await;
        assert_eq!(
            code(&too_early),
            "CONFLICT",
            "{backend:?}: pending records are adjusted by review"
        );
        approve(&app, &organizer.token, &id).await;

        let foreign = app
            .gql(
                request,
                json!({ "id": id, "h": 3, "r": "x" }),
                Some(&other.token),
            )
            .await;
        assert_eq!(code(&foreign), "NOT_FOUND", "{backend:?}: {foreign}");
        let first = app
            .ok(
                request,
                json!({ "id": id, "h": 3, "r": "实际服务 3 小时" }),
                Some(&volunteer.token),
            )
            .await;
        let correction = first["requestRecordCorrection"]["id"].clone();
        assert_eq!(first["requestRecordCorrection"]["status"], "OPEN");
        let second = app
            .gql(
                request,
                json!({ "id": id, "h": 4, "r": "again" }),
                Some(&volunteer.token),
            )
            .await;
        assert_eq!(
            code(&second),
            "CONFLICT",
            "{backend:?}: one open request per record"
        );

        let resolve = "mutation($id: ID!, $a: Boolean!, $n: String) { resolveRecordCorrection(correctionId: $id, accept: $a, note: $n) { hours status } }";
        let silent = app
            .gql(
                resolve,
                json!({ "id": correction, "a": false }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            code(&silent),
            "BAD_USER_INPUT",
            "{backend:?}: a refusal says why"
        );
        let refused = app
            .ok(
                resolve,
                json!({ "id": correction, "a": false, "n": "签到记录为 2 小时" }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            refused["resolveRecordCorrection"]["hours"], 2.0,
            "{backend:?}"
        );
        let again = app
            .gql(
                resolve,
                json!({ "id": correction, "a": true }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(code(&again), "CONFLICT", "{backend:?}: answered once");

        let retry = app
            .ok(
                request,
                json!({ "id": id, "h": 3.5, "r": "补充了照片" }),
                Some(&volunteer.token),
            )
            .await;
        let accepted = app
            .ok(
                resolve,
                json!({ "id": retry["requestRecordCorrection"]["id"], "a": true }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            accepted["resolveRecordCorrection"]["hours"], 3.5,
            "{backend:?}"
        );
        let me = run(&app, "Me", json!({}), Some(&volunteer.token)).await;
        assert_eq!(
            me["data"]["me"]["volunteer"]["totalHours"], 3.5,
            "{backend:?}: {me}"
        );
        let history = app
            .ok(
                "query($id: ID!) { activity(id: $id) { serviceRecords(first: 5) { edges { node {
                    history { kind fromHours toHours fromStatus toStatus reason changedBy { id } }
                    corrections { status resolution } } } } } }",
                json!({ "id": activity }),
                Some(&organizer.token),
            )
            .await;
        let node = &history["activity"]["serviceRecords"]["edges"][0]["node"];
        let kinds: Vec<&str> = node["history"]
            .as_array()
            .expect("history")
            .iter()
            .map(|change| change["kind"].as_str().expect("kind"))
            .collect();
        assert_eq!(
            kinds,
            ["RECORD", "REVIEW", "CORRECTION"],
            "{backend:?}: {node}"
        );
        let correction = &node["history"][2];
        assert_eq!(correction["fromHours"], 2.0);
        assert_eq!(correction["toHours"], 3.5);
        assert_eq!(correction["reason"], "补充了照片");
        assert_eq!(node["corrections"][0]["status"], "ACCEPTED");
        assert_eq!(node["corrections"][1]["status"], "REFUSED");
        assert_eq!(node["corrections"][1]["resolution"], "签到记录为 2 小时");
    }
}

/// Art 8, 9: training and commendations, recorded by the department the volunteer served,
/// seen by the volunteer, that department's organizers and admins, nobody else.
#[tokio::test]
async fn trainings_and_commendations_are_seen_by_the_volunteer_their_organizers_and_admins() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = published_activity(
            &app,
            None,
            "2025-04-01T09:00:00+08:00",
            "2025-04-01T12:00:00+08:00",
        )
        .await;
        let (volunteer, volunteer_id) = registered_volunteer(&app, &activity).await;
        let stranger = app.volunteers(1).await.remove(0);
        let stranger_id = volunteer_id_of(&app, &stranger).await;
        let admin = app.user(&[Role::Admin], None).await;
        let other_organizer = app.user(&[Role::Organizer], Some("办公室")).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let training =
            "mutation($i: TrainingInput!) { recordTraining(input: $i) { name hours heldOn } }";
        let input = |who: &Value| {
            json!({ "i": { "volunteerId": who, "name": "助老服务技能培训",
            "content": "急救与陪护", "hours": 4, "organizer": "市志愿服务指导中心", "heldOn": "2025-03-20" } })
        };
        let refused = app
            .gql(training, input(&stranger_id), Some(&organizer.token))
            .await;
        assert_eq!(code(&refused), "FORBIDDEN", "{backend:?}: {refused}");
        let bad = app
            .gql(
                training,
                json!({ "i": { "volunteerId": volunteer_id, "name": "x", "hours": 0, "organizer": "y", "heldOn": "2025-03-20" } }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(code(&bad), "BAD_USER_INPUT", "{backend:?}: {bad}");
        app.ok(training, input(&volunteer_id), Some(&organizer.token))
            .await;
        app.ok(
            "mutation($i: CommendationInput!) { recordCommendation(input: $i) { name } }",
            json!({ "i": { "volunteerId": volunteer_id, "name": "优秀志愿者", "grantedOn": "2025-12-05", "grantedBy": "泉州市民政局" } }),
            Some(&organizer.token),
        )
        .await;
        let mine = app
            .ok(
                "{ me { volunteer { trainings { name hours heldOn } commendations { name grantedBy } totalHours } } }",
                json!({}),
                Some(&volunteer.token),
            )
            .await;
        let v = &mine["me"]["volunteer"];
        assert_eq!(v["trainings"][0]["hours"], 4.0, "{backend:?}: {v}");
        assert_eq!(v["commendations"][0]["grantedBy"], "泉州市民政局");
        assert_eq!(
            v["totalHours"], 0.0,
            "{backend:?}: training hours are not service hours"
        );

        // Through a service record (the path organizers and admins reach volunteers by).
        let created = record(
            &app,
            &organizer.token,
            &activity,
            &volunteer_id,
            2.0,
            "2025-04-01",
        )
        .await;
        let through = "query($id: ID!) { activity(id: $id) { serviceRecords(first: 1) { edges { node { volunteer { trainings { name } } } } } } }";
        for (who, expect) in [(&organizer.token, 1), (&admin.token, 1)] {
            let body = app.ok(through, json!({ "id": activity }), Some(who)).await;
            let trainings =
                &body["activity"]["serviceRecords"]["edges"][0]["node"]["volunteer"]["trainings"];
            assert_eq!(
                trainings.as_array().map(Vec::len),
                Some(expect),
                "{backend:?}: {body}"
            );
        }
        approve(&app, &organizer.token, &created["id"]).await;
        // A viewer reaches volunteers through the dashboard, and is refused their record.
        let dashboard = app
            .gql(
                "{ dashboard { topVolunteers { volunteer { trainings { name } } } } }",
                json!({}),
                Some(&viewer.token),
            )
            .await;
        assert_eq!(code(&dashboard), "FORBIDDEN", "{backend:?}: {dashboard}");
        let _ = other_organizer;
    }
}

/// The star policy is data: admins change the thresholds, and every star level follows.
#[tokio::test]
async fn a_changed_star_policy_changes_star_levels_and_their_history() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = published_activity(
            &app,
            None,
            "2025-05-06T08:00:00+08:00",
            "2025-05-08T20:00:00+08:00",
        )
        .await;
        let (volunteer, volunteer_id) = registered_volunteer(&app, &activity).await;
        let admin = app.user(&[Role::Admin], None).await;
        for day in ["2025-05-06", "2025-05-07", "2025-05-08"] {
            let created = record(&app, &organizer.token, &activity, &volunteer_id, 8.0, day).await;
            approve(&app, &organizer.token, &created["id"]).await;
        }
        let stars = || {
            let app = &app;
            let token = volunteer.token.clone();
            async move {
                app.ok(
                    "{ starPolicy { thresholds } me { volunteer { starLevel starHistory { level reachedOn } } } }",
                    json!({}),
                    Some(&token),
                )
                .await
            }
        };
        let before = stars().await;
        assert_eq!(
            before["starPolicy"]["thresholds"],
            json!([100.0, 300.0, 600.0, 1000.0, 1500.0])
        );
        assert_eq!(before["me"]["volunteer"]["starLevel"], 0, "{backend:?}");
        let set = "mutation($t: [Float!]!) { setStarPolicy(thresholds: $t) { thresholds } }";
        let refused = app
            .gql(set, json!({ "t": [10, 20] }), Some(&organizer.token))
            .await;
        assert_eq!(code(&refused), "FORBIDDEN", "{backend:?}");
        let falling = app
            .gql(set, json!({ "t": [20, 10] }), Some(&admin.token))
            .await;
        assert_eq!(code(&falling), "BAD_USER_INPUT", "{backend:?}");
        app.ok(set, json!({ "t": [10, 20, 100] }), Some(&admin.token))
            .await;
        let after = stars().await;
        assert_eq!(
            after["me"]["volunteer"]["starLevel"], 2,
            "{backend:?}: {after}"
        );
        assert_eq!(
            after["me"]["volunteer"]["starHistory"],
            json!([{ "level": 1, "reachedOn": "2025-05-07" }, { "level": 2, "reachedOn": "2025-05-08" }]),
            "{backend:?}"
        );
    }
}

/// Art 7: the activity names its person in charge; the phone is whole only for the
/// organizers of its departments and admins.
#[tokio::test]
async fn the_person_in_charge_is_on_the_activity_with_the_phone_masked_for_the_public() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = published_activity(
            &app,
            None,
            "2031-05-06T08:00:00+08:00",
            "2031-05-06T12:00:00+08:00",
        )
        .await;
        let update = "mutation($id: ID!, $input: ActivityPatch!) { updateActivity(id: $id, input: $input) { personInCharge { name phone } } }";
        let bad = app
            .gql(
                update,
                json!({ "id": activity, "input": { "personInCharge": { "name": "陈主任", "phone": "<script>" } } }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(code(&bad), "BAD_USER_INPUT", "{backend:?}: {bad}");
        let set = app
            .ok(
                update,
                json!({ "id": activity, "input": { "personInCharge": { "name": "陈主任", "phone": "13812345678" } } }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            set["updateActivity"]["personInCharge"],
            json!({ "name": "陈主任", "phone": "13812345678" })
        );
        let public = app
            .ok(
                "query($id: ID!) { activity(id: $id) { personInCharge { name phone } } }",
                json!({ "id": activity }),
                None,
            )
            .await;
        assert_eq!(
            public["activity"]["personInCharge"],
            json!({ "name": "陈主任", "phone": "138****5678" }),
            "{backend:?}"
        );
    }
}

/// An undated activity outside any plan takes any day of 2000–2100 and nothing beyond.
#[tokio::test]
async fn an_undated_activity_takes_days_of_2000_to_2100_only() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let elderly = app.department("养老科").await;
        let created = run(
            &app,
            "CreateActivity",
            json!({ "input": { "title": "常态化志愿服务", "leadDepartmentIds": [elderly] } }),
            Some(&organizer.token),
        )
        .await;
        let activity = created["data"]["createActivity"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        run(
            &app,
            "PublishActivity",
            json!({ "id": activity }),
            Some(&organizer.token),
        )
        .await;
        let (_, volunteer) = registered_volunteer(&app, &activity).await;
        let far = app
            .gql(
                "mutation($input: RecordServiceHoursInput!) { recordServiceHours(input: $input) { id } }",
                json!({ "input": { "activityId": activity, "volunteerId": volunteer, "hours": 2, "serviceDate": "9999-01-01" } }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(code(&far), "BAD_USER_INPUT", "{backend:?}: {far}");
        assert_eq!(far["errors"][0]["extensions"]["field"], "serviceDate");
        record(
            &app,
            &organizer.token,
            &activity,
            &volunteer,
            2.0,
            "2025-06-01",
        )
        .await;
    }
}

/// Cancelling an activity has consequences: nobody stays registered or waitlisted, pending
/// hours are rejected with the reason, approved hours stay in the record but leave every
/// figure (totals, dashboards with and without a range, top volunteers, after a rollup
/// rebuild too), and no hours are recorded on it any more. A registration of an activity
/// that is over cannot be cancelled.
#[tokio::test]
async fn a_cancelled_activity_releases_its_places_and_its_hours_leave_every_figure() {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = published_activity(
            &app,
            Some(1),
            "2026-11-10T09:00:00+08:00",
            "2026-11-10T12:00:00+08:00",
        )
        .await;
        let activity_id: i32 = activity.parse().unwrap();
        let (served, served_id) = registered_volunteer(&app, &activity).await;
        let waiting = app.volunteers(1).await.remove(0);
        let waiting_id = volunteer_id_of(&app, &waiting).await;
        entity::registration::ActiveModel {
            activity_id: Set(activity_id),
            volunteer_id: Set(waiting_id.as_str().unwrap().parse().unwrap()),
            status: Set(entity::enums::RegistrationStatus::Waitlisted),
            created_at: Set(chrono::Utc::now()),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        let approved = record(
            &app,
            &organizer.token,
            &activity,
            &served_id,
            2.0,
            "2026-11-10",
        )
        .await;
        approve(&app, &organizer.token, &approved["id"]).await;
        let pending = record(
            &app,
            &organizer.token,
            &activity,
            &waiting_id,
            1.5,
            "2026-11-10",
        )
        .await;

        let viewer = app.user(&[Role::Viewer], None).await;
        let figures = || {
            let app = &app;
            let viewer = viewer.token.clone();
            let served = served.token.clone();
            async move {
                let whole = app
                    .ok("{ dashboard { overview { totalServiceHours activeVolunteerCount } topVolunteers { hours } hoursByDepartment { hours } } }", json!({}), Some(&viewer))
                    .await;
                let november = app
                    .ok(
                        "{ dashboard(range: { from: \"2026-11-01\", to: \"2026-11-30\" }) { overview { totalServiceHours } topVolunteers { hours } } }",
                        json!({}),
                        Some(&viewer),
                    )
                    .await;
                let own = run(app, "Me", json!({}), Some(&served)).await;
                json!({
                    "whole": whole["dashboard"]["overview"]["totalServiceHours"],
                    "active": whole["dashboard"]["overview"]["activeVolunteerCount"],
                    "top": whole["dashboard"]["topVolunteers"].as_array().unwrap().len(),
                    "byDepartment": whole["dashboard"]["hoursByDepartment"].as_array().unwrap().iter().map(|d| d["hours"].as_f64().unwrap()).sum::<f64>(),
                    "november": november["dashboard"]["overview"]["totalServiceHours"],
                    "novemberTop": november["dashboard"]["topVolunteers"].as_array().unwrap().len(),
                    "own": own["data"]["me"]["volunteer"]["totalHours"],
                })
            }
        };
        assert_eq!(
            figures().await,
            json!({ "whole": 2.0, "active": 1, "top": 1, "byDepartment": 2.0, "november": 2.0, "novemberTop": 1, "own": 2.0 }),
            "{backend:?}: before"
        );

        let cancelled = run(
            &app,
            "CancelActivity",
            json!({ "id": activity, "reason": "暴雨红色预警" }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(
            cancelled["data"]["cancelActivity"]["status"], "CANCELLED",
            "{cancelled}"
        );
        let nothing = json!({ "whole": 0.0, "active": 0, "top": 0, "byDepartment": 0.0, "november": 0.0, "novemberTop": 0, "own": 0.0 });
        assert_eq!(figures().await, nothing, "{backend:?}: after");
        api::domain::hours::rollups::rebuild(&app.state.db)
            .await
            .unwrap();
        app.state.dashboards_changed().await;
        assert_eq!(figures().await, nothing, "{backend:?}: after a rebuild");

        let registrations = entity::registration::Entity::find()
            .filter(entity::registration::Column::ActivityId.eq(activity_id))
            .all(&app.state.db)
            .await
            .unwrap();
        assert!(
            registrations
                .iter()
                .all(|r| r.status == entity::enums::RegistrationStatus::Cancelled),
            "{backend:?}: {registrations:?}"
        );
        let counts = entity::activity::Entity::find_by_id(activity_id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((counts.registered_count, counts.waitlist_count), (0, 0));
        let records = |id: &Value| {
            let id: i32 = id.as_str().unwrap().parse().unwrap();
            let db = app.state.db.clone();
            async move {
                entity::service_record::Entity::find_by_id(id)
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        let rejected = records(&pending["id"]).await;
        assert_eq!(
            rejected.status,
            entity::enums::ServiceRecordStatus::Rejected,
            "{backend:?}"
        );
        assert!(rejected.review_note.unwrap().contains("暴雨红色预警"));
        let kept = records(&approved["id"]).await;
        assert_eq!(
            kept.status,
            entity::enums::ServiceRecordStatus::Approved,
            "kept in the record"
        );

        let more = app
            .gql(
                "mutation($input: RecordServiceHoursInput!) { recordServiceHours(input: $input) { id } }",
                json!({ "input": { "activityId": activity, "volunteerId": served_id, "hours": 1, "serviceDate": "2026-11-10" } }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(code(&more), "CONFLICT", "{backend:?}: frozen");

        // Over: the registration stays.
        let (held, _) = published_activity(
            &app,
            None,
            "2026-11-20T09:00:00+08:00",
            "2026-11-20T12:00:00+08:00",
        )
        .await;
        let (attendee, _) = registered_volunteer(&app, &held).await;
        run(
            &app,
            "CompleteActivity",
            json!({ "id": held }),
            Some(&organizer.token),
        )
        .await;
        let mine = run(&app, "MyRegistrations", json!({}), Some(&attendee.token)).await;
        let registration =
            mine["data"]["me"]["volunteer"]["registrations"]["edges"][0]["node"]["id"].clone();
        let late = run(
            &app,
            "CancelRegistration",
            json!({ "id": registration }),
            Some(&attendee.token),
        )
        .await;
        assert_eq!(code(&late), "CONFLICT", "{backend:?}: {late}");
    }
}

/// Check-out hours are clamped to the activity's time that day, the clock's figure kept for
/// the reviewer; a check-in never closed is closed at the end of that time, once however
/// many instances run the closing, and is approved only with the hours stated.
#[tokio::test]
async fn check_outs_are_clamped_and_forgotten_check_ins_are_closed_and_flagged() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    const RECORD: &str = "query($a: ID!) { serviceRecords(filter: { activityId: $a }) { edges { node { id hours clampedFrom autoClosed } } } }";
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer, volunteer) = crate::helpers::activity_about_to_start(&app).await;
        let code_of = run(
            &app,
            "ActivityCheckInCode",
            json!({ "activityId": activity }),
            Some(&organizer.token),
        )
        .await;
        let check_code = code_of["data"]["activityCheckInCode"]["code"].clone();
        let checked_in = run(
            &app,
            "CheckIn",
            json!({ "activityId": activity, "code": check_code }),
            Some(&volunteer.token),
        )
        .await;
        let record_id: i32 = checked_in["data"]["checkIn"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        // The clock says five hours: the volunteer checked in long before the start.
        let stored = entity::service_record::Entity::find_by_id(record_id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut earlier: entity::service_record::ActiveModel = stored.into();
        earlier.checked_in_at = Set(Some(chrono::Utc::now() - chrono::Duration::hours(5)));
        earlier.update(&app.state.db).await.unwrap();
        let out = run(
            &app,
            "CheckOut",
            json!({ "activityId": activity, "code": check_code }),
            Some(&volunteer.token),
        )
        .await;
        assert!(out.get("errors").is_none(), "{backend:?}: {out}");
        let listed = app
            .ok(RECORD, json!({ "a": activity }), Some(&organizer.token))
            .await;
        let node = &listed["serviceRecords"]["edges"][0]["node"];
        assert_eq!(
            node["hours"], 0.0,
            "{backend:?}: the activity has not started: {node}"
        );
        assert_eq!(node["clampedFrom"], 5.0, "{backend:?}: {node}");
        assert_eq!(node["autoClosed"], false);

        // A check-in on a past day, never closed.
        let (past, past_organizer) = published_activity(
            &app,
            None,
            "2026-11-10T09:00:00+08:00",
            "2026-11-10T12:00:00+08:00",
        )
        .await;
        let (_, forgetful) = registered_volunteer(&app, &past).await;
        let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        entity::service_record::ActiveModel {
            activity_id: Set(past.parse().unwrap()),
            volunteer_id: Set(forgetful.as_str().unwrap().parse().unwrap()),
            source: Set(entity::enums::ServiceRecordSource::CheckIn),
            checked_in_at: Set(Some(at("2026-11-10T08:50:00+08:00"))),
            checked_out_at: Set(None),
            minutes: Set(0),
            status: Set(entity::enums::ServiceRecordStatus::Pending),
            service_date: Set(Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 10).unwrap())),
            created_at: Set(at("2026-11-10T08:50:00+08:00")),
            updated_at: Set(at("2026-11-10T08:50:00+08:00")),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        let now = chrono::Utc::now();
        let (first, second) = tokio::join!(
            api::domain::hours::service::close_forgotten_check_ins(&app.state.db, now),
            api::domain::hours::service::close_forgotten_check_ins(&app.state.db, now),
        );
        assert_eq!(
            first.unwrap() + second.unwrap(),
            1,
            "{backend:?}: closed once"
        );
        let listed = app
            .ok(RECORD, json!({ "a": past }), Some(&past_organizer.token))
            .await;
        let node = listed["serviceRecords"]["edges"][0]["node"].clone();
        assert_eq!(node["autoClosed"], true, "{backend:?}: {node}");
        assert_eq!(
            node["hours"], 3.0,
            "{backend:?}: up to the end at 12:00, from the start"
        );
        assert_eq!(
            node["clampedFrom"], 3.17,
            "{backend:?}: 190 minutes since 08:50"
        );
        let blind = app
            .gql(
                "mutation($ids: [ID!]!) { reviewServiceRecords(ids: $ids, decision: APPROVE) { id } }",
                json!({ "ids": [node["id"]] }),
                Some(&past_organizer.token),
            )
            .await;
        assert_eq!(code(&blind), "BAD_USER_INPUT", "{backend:?}: {blind}");
        assert_eq!(blind["errors"][0]["extensions"]["field"], "hours");
        let stated = app
            .ok(
                "mutation($ids: [ID!]!) { reviewServiceRecords(ids: $ids, decision: APPROVE, hours: 2.5) { hours status } }",
                json!({ "ids": [node["id"]] }),
                Some(&past_organizer.token),
            )
            .await;
        assert_eq!(stated["reviewServiceRecords"][0]["status"], "APPROVED");
        assert_eq!(stated["reviewServiceRecords"][0]["hours"], 2.5);
    }
}

/// Co-leads get columns of their own: each hour is credited once to the primary department
/// (`hours`), and every department sees the activities it co-leads beside (`coLedHours`,
/// `coLedActivityCount`), against a count of what was recorded.
#[tokio::test]
async fn co_lead_departments_see_their_activities_beside_and_nothing_is_counted_twice() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let (elderly, party, office) = (
            app.department("养老科").await,
            app.department("机关党委").await,
            app.department("办公室").await,
        );
        // (leads, day, hours per volunteer, volunteers)
        let plan = [
            (vec![elderly.clone(), party.clone()], "2026-10-10", 2.0, 2),
            (vec![party.clone()], "2026-10-11", 1.5, 1),
            (
                vec![office.clone(), elderly.clone(), party.clone()],
                "2026-10-12",
                3.0,
                1,
            ),
        ];
        for (leads, day, hours, volunteers) in &plan {
            let created = app
                .ok(
                    "mutation($input: ActivityInput!) { createActivity(input: $input) { id } }",
                    json!({ "input": { "title": "共建活动", "leadDepartmentIds": leads,
                            "startsAt": format!("{day}T09:00:00+08:00"), "endsAt": format!("{day}T12:00:00+08:00") } }),
                    Some(&admin.token),
                )
                .await;
            let id = created["createActivity"]["id"].as_str().unwrap().to_owned();
            run(
                &app,
                "PublishActivity",
                json!({ "id": id }),
                Some(&admin.token),
            )
            .await;
            for _ in 0..*volunteers {
                let (_, volunteer) = registered_volunteer(&app, &id).await;
                let recorded = record(&app, &admin.token, &id, &volunteer, *hours, day).await;
                approve(&app, &admin.token, &recorded["id"]).await;
            }
        }
        // Independently: primary = first lead, co-leads = the others.
        let name_of = |id: &Value| {
            if *id == elderly {
                "养老科"
            } else if *id == party {
                "机关党委"
            } else {
                "办公室"
            }
        };
        let mut want: std::collections::BTreeMap<&str, (f64, i64, f64, i64)> = Default::default();
        for (leads, _, hours, volunteers) in &plan {
            let total = hours * *volunteers as f64;
            let primary = want.entry(name_of(&leads[0])).or_default();
            primary.0 += total;
            primary.1 += 1;
            for co in &leads[1..] {
                let entry = want.entry(name_of(co)).or_default();
                entry.2 += total;
                entry.3 += 1;
            }
        }
        let viewer = app.user(&[Role::Viewer], None).await;
        for range in [
            json!(null),
            json!({ "from": "2026-10-01", "to": "2026-10-31" }),
        ] {
            let got = app
                .ok(
                    "query($r: DateRangeInput) { dashboard(range: $r) { overview { totalServiceHours } hoursByDepartment { department { name } hours activityCount coLedHours coLedActivityCount } } }",
                    json!({ "r": range }),
                    Some(&viewer.token),
                )
                .await;
            let rows = got["dashboard"]["hoursByDepartment"].as_array().unwrap();
            let got_map: std::collections::BTreeMap<&str, (f64, i64, f64, i64)> = rows
                .iter()
                .map(|r| {
                    (
                        r["department"]["name"].as_str().unwrap(),
                        (
                            r["hours"].as_f64().unwrap(),
                            r["activityCount"].as_i64().unwrap(),
                            r["coLedHours"].as_f64().unwrap(),
                            r["coLedActivityCount"].as_i64().unwrap(),
                        ),
                    )
                })
                .collect();
            assert_eq!(got_map, want, "{backend:?} {range}");
            let sum: f64 = rows.iter().map(|r| r["hours"].as_f64().unwrap()).sum();
            assert_eq!(
                sum,
                got["dashboard"]["overview"]["totalServiceHours"]
                    .as_f64()
                    .unwrap(),
                "{backend:?}: the hours add up to the total, once"
            );
        }
        // 机关党委 co-leads two and leads one: its own dashboard shows all three.
        let own = app
            .ok(
                "query($d: ID) { dashboard(departmentId: $d) { hoursByDepartment { hours coLedHours coLedActivityCount } } }",
                json!({ "d": party }),
                Some(&viewer.token),
            )
            .await;
        assert_eq!(
            own["dashboard"]["hoursByDepartment"],
            json!([{ "hours": 1.5, "coLedHours": 7.0, "coLedActivityCount": 2 }]),
            "{backend:?}"
        );
    }
}

/// Recording reads before it writes (whom the organizer may record for). On SQLite, a
/// volunteer's own write committed by another connection in between (here: muting a kind
/// of notification, a single statement on the readers' pool) made the recording fail with
/// INTERNAL (`SQLITE_BUSY_SNAPSHOT`, which skips the busy timeout) instead of waiting.
#[tokio::test]
async fn trainings_are_recorded_while_volunteers_write_at_the_same_moment() {
    const TRAININGS: usize = 60;
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = published_activity(
            &app,
            None,
            "2025-04-01T09:00:00+08:00",
            "2025-04-01T12:00:00+08:00",
        )
        .await;
        let (volunteer, volunteer_id) = registered_volunteer(&app, &activity).await;
        let others = app.volunteers(4).await;
        let done = AtomicBool::new(false);
        let recording = async {
            let mut failures = Vec::new();
            for n in 0..TRAININGS {
                let body = app
                    .gql(
                        "mutation($i: TrainingInput!) { recordTraining(input: $i) { name } }",
                        json!({ "i": { "volunteerId": volunteer_id, "name": format!("培训 {n}"),
                            "hours": 1, "organizer": "市志愿服务指导中心", "heldOn": "2025-03-20" } }),
                        Some(&organizer.token),
                    )
                    .await;
                if body.get("errors").is_some() {
                    failures.push(body);
                }
            }
            done.store(true, Ordering::Relaxed);
            failures
        };
        let writing = others.iter().map(|other| {
            let (app, done) = (&app, &done);
            async move {
                let mut muted = true;
                while !done.load(Ordering::Relaxed) {
                    app.ok(
                        "mutation($m: Boolean!) { setNotificationMuted(kind: ACTIVITY_REMINDER, muted: $m) }",
                        json!({ "m": muted }),
                        Some(&other.token),
                    )
                    .await;
                    muted = !muted;
                }
            }
        });
        let (failures, _) = tokio::join!(recording, futures::future::join_all(writing));
        assert!(failures.is_empty(), "{backend:?}: {failures:?}");
        let mine = app
            .ok(
                "{ me { volunteer { trainings { name } } } }",
                json!({}),
                Some(&volunteer.token),
            )
            .await;
        assert_eq!(
            mine["me"]["volunteer"]["trainings"]
                .as_array()
                .map(Vec::len),
            Some(TRAININGS),
            "{backend:?}"
        );
    }
}
