//! Party members reporting to their community (双报到): marked by their home unit, reporting
//! themselves, their service in that community summarised per quarter against the minimum.

use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, code, run, spawn_app};

const MARK: &str = "mutation($v: ID!, $d: ID!, $member: Boolean) {
    markPartyMember(volunteerId: $v, departmentId: $d, member: $member) { department { name } community { name } }
}";
const REPORT: &str =
    "mutation($c: ID!) { reportToCommunity(communityId: $c) { community { name } reportedOn } }";
const SUMMARY: &str = "query($d: ID!, $year: Int!, $quarter: Int!) {
    partyMemberService(departmentId: $d, year: $year, quarter: $quarter) {
        member { volunteer { id } community { name } } quarterHours yearHours minimumHours meetsMinimum }
}";

#[tokio::test]
async fn party_members_report_to_a_community_and_their_unit_reads_their_service_there() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("机关党委")).await;
        let stranger = app.user(&[Role::Organizer], Some("办公室")).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let members = [
            app.user(&[Role::Volunteer], None).await,
            app.user(&[Role::Volunteer], None).await,
            app.user(&[Role::Volunteer], None).await,
        ];
        let mut vids = Vec::new();
        for m in &members {
            vids.push(
                run(&app, "Me", json!({}), Some(&m.token)).await["data"]["me"]["volunteer"]["id"]
                    .clone(),
            );
        }
        let party = app.department("机关党委").await;
        let office = app.department("办公室").await;
        let made = app
            .ok("mutation { a: createCommunity(input: { name: \"马厂社区\", kind: COMMUNITY }) { id }
                            b: createCommunity(input: { name: \"金山社区\", kind: COMMUNITY }) { id } }", json!({}), Some(&admin.token))
            .await;
        let (machang, jinshan) = (made["a"]["id"].clone(), made["b"]["id"].clone());

        // Marking: the home unit's organizers and admins.
        assert_eq!(
            code(
                &app.gql(
                    MARK,
                    json!({ "v": vids[0], "d": party }),
                    Some(&stranger.token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            code(
                &app.gql(
                    MARK,
                    json!({ "v": vids[0], "d": party }),
                    Some(&members[0].token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            code(
                &app.gql(
                    MARK,
                    json!({ "v": "999999", "d": party }),
                    Some(&organizer.token)
                )
                .await
            ),
            "NOT_FOUND"
        );
        for v in [&vids[0], &vids[1]] {
            let marked = app
                .ok(MARK, json!({ "v": v, "d": party }), Some(&organizer.token))
                .await;
            assert_eq!(
                marked["markPartyMember"],
                json!({ "department": { "name": "机关党委" }, "community": null })
            );
        }
        // Another unit cannot take a member over.
        assert_eq!(
            code(
                &app.gql(
                    MARK,
                    json!({ "v": vids[0], "d": office }),
                    Some(&stranger.token)
                )
                .await
            ),
            "FORBIDDEN"
        );

        // Reporting: party members only.
        let refused = app
            .gql(REPORT, json!({ "c": machang }), Some(&members[2].token))
            .await;
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"], "NOT_PARTY_MEMBER",
            "{refused}"
        );
        assert_eq!(
            code(&app.gql(REPORT, json!({ "c": machang }), None).await),
            "UNAUTHENTICATED"
        );
        let reported = app
            .ok(REPORT, json!({ "c": machang }), Some(&members[0].token))
            .await;
        assert_eq!(
            reported["reportToCommunity"]["community"]["name"],
            "马厂社区"
        );
        assert!(reported["reportToCommunity"]["reportedOn"].is_string());

        // Service: at 马厂社区 in Q1 and Q2, at 金山社区 in Q1, and hours still pending.
        let mut approve = Vec::new();
        for (title, day, community, hours, approved) in [
            ("马厂一季度", "2026-02-10", &machang, 3.0, true),
            ("马厂二季度", "2026-05-10", &machang, 2.0, true),
            ("金山一季度", "2026-02-11", &jinshan, 4.0, true),
            ("马厂待审", "2026-03-10", &machang, 1.0, false),
        ] {
            let body = run(&app, "CreateActivity", json!({ "input": { "title": title, "leadDepartmentIds": [office],
                "locations": [{ "name": "活动中心", "communityId": community }],
                "startsAt": format!("{day}T09:00:00+08:00"), "endsAt": format!("{day}T11:00:00+08:00") } }), Some(&admin.token)).await;
            let id = body["data"]["createActivity"]["id"].clone();
            run(
                &app,
                "PublishActivity",
                json!({ "id": id }),
                Some(&admin.token),
            )
            .await;
            let r = run(
                &app,
                "RecordServiceHours",
                json!({ "input": { "activityId": id, "volunteerId": vids[0], "hours": hours } }),
                Some(&admin.token),
            )
            .await;
            assert!(r.get("errors").is_none(), "{r}");
            if approved {
                approve.push(r["data"]["recordServiceHours"]["id"].clone());
            }
        }
        run(
            &app,
            "ReviewServiceRecords",
            json!({ "ids": approve, "decision": "APPROVE" }),
            Some(&admin.token),
        )
        .await;

        let row = |body: &Value, v: &Value| -> Value {
            body["partyMemberService"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| &r["member"]["volunteer"]["id"] == v)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let q1 = app
            .ok(
                SUMMARY,
                json!({ "d": party, "year": 2026, "quarter": 1 }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(q1["partyMemberService"].as_array().unwrap().len(), 2);
        assert_eq!(
            row(&q1, &vids[0]),
            json!({ "member": { "volunteer": { "id": vids[0] }, "community": { "name": "马厂社区" } },
            "quarterHours": 3.0, "yearHours": 5.0, "minimumHours": 50, "meetsMinimum": false })
        );
        assert_eq!(
            row(&q1, &vids[1]),
            json!({ "member": { "volunteer": { "id": vids[1] }, "community": null },
            "quarterHours": 0.0, "yearHours": 0.0, "minimumHours": 50, "meetsMinimum": false })
        );
        let q2 = app
            .ok(
                SUMMARY,
                json!({ "d": party, "year": 2026, "quarter": 2 }),
                Some(&viewer.token),
            )
            .await;
        assert_eq!(row(&q2, &vids[0])["quarterHours"], 2.0);

        // The minimum is the admins' setting.
        assert_eq!(
            code(
                &app.gql(
                    "mutation { setPartyServiceMinimum(hours: 5) }",
                    json!({}),
                    Some(&organizer.token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        let bad = app
            .gql(
                "mutation { setPartyServiceMinimum(hours: 1001) }",
                json!({}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(bad["errors"][0]["extensions"]["field"], "hours");
        app.ok(
            "mutation { setPartyServiceMinimum(hours: 5) }",
            json!({}),
            Some(&admin.token),
        )
        .await;
        let q1 = app
            .ok(
                SUMMARY,
                json!({ "d": party, "year": 2026, "quarter": 1 }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            (
                row(&q1, &vids[0])["minimumHours"].clone(),
                row(&q1, &vids[0])["meetsMinimum"].clone()
            ),
            (json!(5), json!(true))
        );

        // Who reads the summary.
        assert_eq!(
            code(
                &app.gql(
                    SUMMARY,
                    json!({ "d": party, "year": 2026, "quarter": 1 }),
                    Some(&stranger.token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            code(
                &app.gql(
                    SUMMARY,
                    json!({ "d": party, "year": 2026, "quarter": 1 }),
                    Some(&members[0].token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            app.gql(
                SUMMARY,
                json!({ "d": party, "year": 2026, "quarter": 9 }),
                Some(&admin.token)
            )
            .await["errors"][0]["extensions"]["field"],
            "quarter"
        );

        // Unmarked, no longer in the unit's summary.
        let unmarked = app
            .ok(
                MARK,
                json!({ "v": vids[1], "d": party, "member": false }),
                Some(&organizer.token),
            )
            .await;
        assert!(unmarked["markPartyMember"].is_null());
        let q1 = app
            .ok(
                SUMMARY,
                json!({ "d": party, "year": 2026, "quarter": 1 }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(q1["partyMemberService"].as_array().unwrap().len(), 1);
    }
}
