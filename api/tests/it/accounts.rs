//! Accounts from the API: passwords, roles, sessions and the user list, all audited.

use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, PASSWORD, TestApp, code, spawn_app};

async fn login_pair(app: &TestApp, phone: &str, password: &str) -> Value {
    app.gql(
        "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken refreshToken } }",
        json!({ "p": phone, "w": password }),
        None,
    )
    .await
}

async fn refresh(app: &TestApp, token: &Value) -> Value {
    app.gql(
        "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { roles department { name } } } }",
        json!({ "t": token }),
        None,
    )
    .await
}

async fn audited(app: &TestApp, admin: &str) -> Vec<String> {
    let body = app
        .ok(
            "{ auditEntries(first: 100) { edges { node { action targetType } } } }",
            json!({}),
            Some(admin),
        )
        .await;
    body["auditEntries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["action"].as_str().unwrap().to_owned())
        .collect()
}

/// changePassword: the current password first (a wrong one is refused and counted like
/// a failed login), then the new one works, the old one does not, and the other devices'
/// sessions end while the one that changed it keeps going.
#[tokio::test]
async fn a_changed_password_ends_the_other_sessions_and_wrong_guesses_are_limited() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let user = app.user(&[], None).await;
        let phone_a = login_pair(&app, &user.phone, PASSWORD).await;
        let phone_b = login_pair(&app, &user.phone, PASSWORD).await;
        let a_token = phone_a["data"]["login"]["accessToken"].as_str().unwrap();

        let sessions = app
            .ok(
                "{ me { sessions { id current } } }",
                json!({}),
                Some(a_token),
            )
            .await;
        let listed = sessions["me"]["sessions"].as_array().unwrap();
        // The helper's own login, and the two above.
        assert_eq!(listed.len(), 3, "{backend:?}: {sessions}");
        assert_eq!(
            listed.iter().filter(|s| s["current"] == true).count(),
            1,
            "{backend:?}"
        );

        const CHANGE: &str = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
        let wrong = app
            .gql(
                CHANGE,
                json!({ "c": "not-the-password", "n": "a-new-password-1" }),
                Some(a_token),
            )
            .await;
        assert_eq!(code(&wrong), "BAD_USER_INPUT", "{backend:?}: {wrong}");
        assert_eq!(wrong["errors"][0]["extensions"]["field"], "currentPassword");
        let short = app
            .gql(
                CHANGE,
                json!({ "c": PASSWORD, "n": "short" }),
                Some(a_token),
            )
            .await;
        assert_eq!(code(&short), "BAD_USER_INPUT", "{backend:?}: {short}");
        // Nothing changed yet: the old password still signs in.
        assert!(
            login_pair(&app, &user.phone, PASSWORD)
                .await
                .get("errors")
                .is_none()
        );

        let changed = app
            .ok(
                CHANGE,
                json!({ "c": PASSWORD, "n": "a-new-password-1" }),
                Some(a_token),
            )
            .await;
        assert_eq!(changed["changePassword"], true);
        let old = login_pair(&app, &user.phone, PASSWORD).await;
        assert_eq!(code(&old), "UNAUTHENTICATED", "{backend:?}: {old}");
        assert!(
            login_pair(&app, &user.phone, "a-new-password-1")
                .await
                .get("errors")
                .is_none()
        );
        // Device B's session ended; device A's goes on.
        let b = refresh(&app, &phone_b["data"]["login"]["refreshToken"]).await;
        assert_eq!(code(&b), "UNAUTHENTICATED", "{backend:?}: {b}");
        let a = refresh(&app, &phone_a["data"]["login"]["refreshToken"]).await;
        assert!(a.get("errors").is_none(), "{backend:?}: {a}");

        // Guessing the current password is limited as logins are.
        let mut limited = None;
        for _ in 0..8 {
            let body = app
                .gql(
                    CHANGE,
                    json!({ "c": "guess-guess-1", "n": "another-password" }),
                    Some(a_token),
                )
                .await;
            if code(&body) == "RATE_LIMITED" {
                limited = Some(body);
                break;
            }
        }
        assert!(
            limited.is_some(),
            "{backend:?}: no limit after 8 wrong guesses"
        );

        let admin = app.user(&[Role::Admin], None).await;
        assert!(
            audited(&app, &admin.token)
                .await
                .contains(&"user.changePassword".to_owned()),
            "{backend:?}"
        );
    }
}

/// grantRole / revokeRole / resetPassword / users(search) are the admins', audited; an
/// organizer needs a department; VOLUNTEER and RESIDENT are not granted here; the last
/// admin stays; a grant is in the token of the next refresh.
#[tokio::test]
async fn admins_grant_and_revoke_roles_reset_passwords_and_find_users() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let someone = app.user(&[], None).await;
        let department = app.department("养老科").await;
        let pair = login_pair(&app, &someone.phone, PASSWORD).await;

        const GRANT: &str = "mutation($u: ID!, $r: Role!, $d: ID) { grantRole(userId: $u, role: $r, departmentId: $d) { roles department { name } } }";
        const REVOKE: &str = "mutation($u: ID!, $r: Role!) { revokeRole(userId: $u, role: $r) { roles department { name } } }";
        let uid = someone.id.to_string();

        // Not for anyone but admins.
        let refused = app
            .gql(
                GRANT,
                json!({ "u": uid, "r": "ADMIN" }),
                Some(&someone.token),
            )
            .await;
        assert_eq!(code(&refused), "FORBIDDEN", "{backend:?}: {refused}");
        let no_department = app
            .gql(
                GRANT,
                json!({ "u": uid, "r": "ORGANIZER" }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(code(&no_department), "BAD_USER_INPUT", "{backend:?}");
        assert_eq!(
            no_department["errors"][0]["extensions"]["field"],
            "departmentId"
        );
        let volunteer = app
            .gql(
                GRANT,
                json!({ "u": uid, "r": "VOLUNTEER" }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(code(&volunteer), "BAD_USER_INPUT", "{backend:?}");
        let unknown = app
            .gql(
                GRANT,
                json!({ "u": "999999", "r": "VIEWER" }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(code(&unknown), "NOT_FOUND", "{backend:?}");

        let granted = app
            .ok(
                GRANT,
                json!({ "u": uid, "r": "ORGANIZER", "d": department }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(
            granted["grantRole"]["roles"],
            json!(["RESIDENT", "ORGANIZER"])
        );
        assert_eq!(granted["grantRole"]["department"]["name"], "养老科");
        // The next refresh carries it: the new token reaches the organizer's dashboard.
        let refreshed = refresh(&app, &pair["data"]["login"]["refreshToken"]).await;
        assert_eq!(
            refreshed["data"]["refreshSession"]["user"]["roles"],
            json!(["RESIDENT", "ORGANIZER"]),
            "{backend:?}: {refreshed}"
        );
        let organizer_token = refreshed["data"]["refreshSession"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let dashboard = app
            .gql(
                "{ dashboard { overview { activityCount } } }",
                json!({}),
                Some(&organizer_token),
            )
            .await;
        assert!(
            dashboard.get("errors").is_none(),
            "{backend:?}: {dashboard}"
        );

        let revoked = app
            .ok(
                REVOKE,
                json!({ "u": uid, "r": "ORGANIZER" }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(revoked["revokeRole"]["roles"], json!(["RESIDENT"]));
        assert_eq!(revoked["revokeRole"]["department"], Value::Null);
        let refreshed = refresh(&app, &refreshed["data"]["refreshSession"]["refreshToken"]).await;
        let demoted = refreshed["data"]["refreshSession"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let dashboard = app
            .gql(
                "{ dashboard { overview { activityCount } } }",
                json!({}),
                Some(&demoted),
            )
            .await;
        assert_eq!(code(&dashboard), "FORBIDDEN", "{backend:?}: {dashboard}");

        // The last admin stays an admin.
        let last = app
            .gql(
                REVOKE,
                json!({ "u": admin.id.to_string(), "r": "ADMIN" }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(code(&last), "CONFLICT", "{backend:?}: {last}");

        // A reset password: the old one fails, every session of theirs ends.
        let reset = app
            .ok(
                "mutation($u: ID!, $p: String!) { resetPassword(userId: $u, newPassword: $p) { id } }",
                json!({ "u": uid, "p": "reset-by-admin-1" }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(reset["resetPassword"]["id"], uid);
        assert_eq!(
            code(&login_pair(&app, &someone.phone, PASSWORD).await),
            "UNAUTHENTICATED"
        );
        let after_reset = refresh(&app, &refreshed["data"]["refreshSession"]["refreshToken"]).await;
        assert_eq!(
            code(&after_reset),
            "UNAUTHENTICATED",
            "{backend:?}: {after_reset}"
        );

        // The user list: by phone prefix or name, bounded, the admins' only.
        const USERS: &str = "query($s: String) { users(search: $s, first: 10) { totalCount edges { node { id phone } } } }";
        let found = app
            .ok(
                USERS,
                json!({ "s": &someone.phone[..7] }),
                Some(&admin.token),
            )
            .await;
        assert!(
            found["users"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|edge| edge["node"]["id"] == uid && edge["node"]["phone"] == someone.phone),
            "{backend:?}: {found}"
        );
        let wildcard = app.ok(USERS, json!({ "s": "%" }), Some(&admin.token)).await;
        assert_eq!(
            wildcard["users"]["totalCount"], 0,
            "{backend:?}: % is a character"
        );
        let long = app
            .gql(USERS, json!({ "s": "长".repeat(33) }), Some(&admin.token))
            .await;
        assert_eq!(code(&long), "BAD_USER_INPUT", "{backend:?}");
        let not_admin = app.gql(USERS, json!({}), Some(&someone.token)).await;
        assert!(
            matches!(code(&not_admin), "FORBIDDEN" | "UNAUTHENTICATED"),
            "{backend:?}: {not_admin}"
        );

        let actions = audited(&app, &admin.token).await;
        for action in ["user.grantRole", "user.revokeRole", "user.resetPassword"] {
            assert!(
                actions.contains(&action.to_owned()),
                "{backend:?}: {action} in {actions:?}"
            );
        }
    }
}

/// A user sees their own sessions and ends one (its refresh token stops working); someone
/// else's session is NOT_FOUND to them, an admin ends it; each end is audited.
#[tokio::test]
async fn sessions_are_listed_and_revoked_by_their_owner_or_an_admin() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let owner = app.user(&[], None).await;
        let other = app.user(&[], None).await;
        let admin = app.user(&[Role::Admin], None).await;
        let device = login_pair(&app, &owner.phone, PASSWORD).await;
        let sessions = app
            .ok(
                "{ me { sessions { id current } } }",
                json!({}),
                Some(&owner.token),
            )
            .await;
        let device_session = sessions["me"]["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["current"] == false)
            .expect("the other device")["id"]
            .clone();

        const REVOKE: &str = "mutation($id: ID!) { revokeSession(id: $id) }";
        let stranger = app
            .gql(REVOKE, json!({ "id": device_session }), Some(&other.token))
            .await;
        assert_eq!(code(&stranger), "NOT_FOUND", "{backend:?}: {stranger}");
        let ended = app
            .ok(REVOKE, json!({ "id": device_session }), Some(&owner.token))
            .await;
        assert_eq!(ended["revokeSession"], true);
        let again = app
            .ok(REVOKE, json!({ "id": device_session }), Some(&owner.token))
            .await;
        assert_eq!(again["revokeSession"], false);
        let refreshed = refresh(&app, &device["data"]["login"]["refreshToken"]).await;
        assert_eq!(
            code(&refreshed),
            "UNAUTHENTICATED",
            "{backend:?}: {refreshed}"
        );

        // Someone else's list is not theirs to read; an admin reads and ends it.
        let query =
            "query($s: String) { users(search: $s) { edges { node { sessions { id } } } } }";
        let listed = app
            .ok(query, json!({ "s": &owner.phone }), Some(&admin.token))
            .await;
        let remaining = listed["users"]["edges"][0]["node"]["sessions"][0]["id"].clone();
        assert!(remaining.is_string(), "{backend:?}: {listed}");
        let by_admin = app
            .ok(REVOKE, json!({ "id": remaining }), Some(&admin.token))
            .await;
        assert_eq!(by_admin["revokeSession"], true);
        let actions = audited(&app, &admin.token).await;
        assert_eq!(
            actions.iter().filter(|a| *a == "session.revoke").count(),
            2,
            "{backend:?}: {actions:?}"
        );
    }
}
