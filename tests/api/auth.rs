//! Accounts and sessions: login, rotation with reuse detection, roles, rate limits, secrecy.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both_databases;
use crate::support::{logs, spawn_app, spawn_app_on, spawn_app_with, Backend, TestApp, OWNER_PASSWORD};

const REFRESH: &str = "mutation($t: String) { refreshSession(input: {refreshToken: $t, refreshTokenInBody: true}) { accessToken refreshToken user { username } } }";
const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken refreshToken } }";

async fn refresh(app: &TestApp, token: &str) -> crate::support::GqlResponse {
    app.gql(REFRESH, json!({"t": token})).await
}

async fn login_then_refresh_twice_works_and_replaying_the_first_token_revokes_the_family(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_REFRESH_GRACE_SECS", "0")]).await;
    let user = app.user_with_role("OPERATOR").await;
    let first = refresh(&app, &user.refresh_token).await;
    let t1 = first.data()["refreshSession"]["refreshToken"].as_str().unwrap().to_owned();
    let second = refresh(&app, &t1).await;
    let t2 = second.data()["refreshSession"]["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(second.data()["refreshSession"]["user"]["username"], user.username);

    // The original token was retired two rotations ago: replaying it is theft.
    let replay = refresh(&app, &user.refresh_token).await;
    assert_eq!(replay.error_code(), Some("UNAUTHENTICATED"));
    assert_eq!(replay.body["errors"][0]["extensions"]["reason"], "SESSION_REVOKED");
    // The whole family is gone: even the newest token stops working.
    let newest = refresh(&app, &t2).await;
    assert_eq!(newest.error_code(), Some("UNAUTHENTICATED"), "{}", newest.body);
    // And the reuse is logged with user and family.
    let family = family_of(&app, &user.id).await;
    let log = logs().contents();
    assert!(
        log.lines().any(|l| l.contains("reuse detected") && l.contains(&user.id) && l.contains(&family)),
        "no reuse log line for user {} and family {family}",
        user.id
    );
}

/// The id of the user's only session family.
async fn family_of(app: &TestApp, user_id: &str) -> String {
    use nexus::db::entities::refresh_token_family;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let families = refresh_token_family::Entity::find()
        .filter(refresh_token_family::Column::UserId.eq(user_id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(families.len(), 1, "one session family");
    families[0].id.clone()
}

/// Signs in and rotates twice: the original token, its child and the active grandchild.
async fn rotated_twice(app: &TestApp, role: &str) -> (crate::support::TestUser, String, String) {
    let user = app.user_with_role(role).await;
    let t1 =
        refresh(app, &user.refresh_token).await.data()["refreshSession"]["refreshToken"].as_str().unwrap().to_owned();
    let t2 = refresh(app, &t1).await.data()["refreshSession"]["refreshToken"].as_str().unwrap().to_owned();
    (user, t1, t2)
}

async fn within_the_grace_only_the_immediate_predecessor_is_spared(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_REFRESH_GRACE_SECS", "30")]).await;

    // The immediate predecessor of the active token, replayed at once: two tabs refreshing together.
    let (_, t1, t2) = rotated_twice(&app, "VIEWER").await;
    let twin = refresh(&app, &t1).await;
    assert_eq!(twin.error_code(), Some("CONFLICT"), "{}", twin.body);
    assert_eq!(twin.body["errors"][0]["extensions"]["reason"], "REFRESH_RACE");
    refresh(&app, &t2).await.data();

    // The grandparent, replayed just as quickly, is theft: the grace is not for it.
    let (user, _, t2) = rotated_twice(&app, "VIEWER").await;
    let replay = refresh(&app, &user.refresh_token).await;
    assert_eq!(replay.body["errors"][0]["extensions"]["reason"], "SESSION_REVOKED", "{}", replay.body);
    let newest = refresh(&app, &t2).await;
    assert_eq!(newest.error_code(), Some("UNAUTHENTICATED"), "{}", newest.body);
}

async fn the_just_rotated_token_within_the_grace_is_refused_without_revoking(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_REFRESH_GRACE_SECS", "30")]).await;
    let user = app.user_with_role("VIEWER").await;
    let next = refresh(&app, &user.refresh_token).await;
    let t1 = next.data()["refreshSession"]["refreshToken"].as_str().unwrap().to_owned();
    let late_twin = refresh(&app, &user.refresh_token).await;
    assert_eq!(late_twin.error_code(), Some("CONFLICT"), "{}", late_twin.body);
    assert_eq!(late_twin.body["errors"][0]["extensions"]["reason"], "REFRESH_RACE");
    // The session survives.
    refresh(&app, &t1).await.data();
}

async fn of_two_concurrent_refreshes_with_one_token_exactly_one_wins_and_its_new_token_works(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..5 {
        let user = app.user_with_role("VIEWER").await;
        let (a, b) = tokio::join!(refresh(&app, &user.refresh_token), refresh(&app, &user.refresh_token));
        let wins = [&a, &b].iter().filter(|r| r.body.get("errors").is_none()).count();
        assert_eq!(wins, 1, "a: {}\nb: {}", a.body, b.body);
        let (winner, loser) = if a.body.get("errors").is_some() { (&b, &a) } else { (&a, &b) };
        assert_eq!(loser.error_code(), Some("CONFLICT"), "{}", loser.body);
        // The loser's refusal did not cost the session: the winner's tokens carry on.
        let won = &winner.data()["refreshSession"];
        app.gql_as(won["accessToken"].as_str(), "{ me { id } }", json!(null)).await.data();
        refresh(&app, won["refreshToken"].as_str().unwrap()).await.data();
    }
}

async fn a_wrong_password_and_an_unknown_user_get_the_same_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong = app.gql(LOGIN, json!({"u": "owner", "p": "not the password"})).await;
    let unknown = app.gql(LOGIN, json!({"u": "nobody-here", "p": "not the password"})).await;
    let disabled_user = app.user_with_role("VIEWER").await;
    let owner = app.owner().await;
    app.gql_as(
        Some(&owner.token),
        "mutation($id: ID!) { disableUser(input: {userId: $id}) { user { disabled } } }",
        json!({"id": disabled_user.id}),
    )
    .await
    .data();
    let disabled = app.gql(LOGIN, json!({"u": disabled_user.username, "p": disabled_user.password})).await;
    for r in [&wrong, &unknown, &disabled] {
        assert_eq!(r.body["errors"], wrong.body["errors"], "{}", r.body);
        assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
        assert!(r.body["data"].is_null());
    }
}

async fn usernames_are_case_insensitive_and_unique(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login("OWNER", OWNER_PASSWORD).await;
    let owner = app.owner().await;
    let resp = app
        .gql_as(
            Some(&owner.token),
            "mutation { createUser(input: {username: \"Owner\", role: VIEWER, password: \"long enough password\"}) { user { id } } }",
            json!(null),
        )
        .await;
    assert_eq!(resp.error_code(), Some("CONFLICT"));
    assert_eq!(resp.body["errors"][0]["extensions"]["field"], "username");
}

async fn roles_are_enforced_on_owner_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let create = "mutation { createUser(input: {username: \"mallory\", role: OWNER, password: \"long enough password\"}) { user { id } } }";
    for role in ["VIEWER", "OPERATOR"] {
        let user = app.user_with_role(role).await;
        let resp = app.gql_as(Some(&user.token), create, json!(null)).await;
        assert_eq!(resp.error_code(), Some("FORBIDDEN"), "{role}: {}", resp.body);
        let resp = app.gql_as(Some(&user.token), "{ users { totalCount } }", json!(null)).await;
        assert_eq!(resp.error_code(), Some("FORBIDDEN"), "{role}");
        // Reading is allowed.
        let me =
            app.gql_as(Some(&user.token), "{ me { username role } databaseStatus { backend } }", json!(null)).await;
        assert_eq!(me.data()["me"]["role"], role);
    }
    let owner = app.owner().await;
    let users =
        app.gql_as(Some(&owner.token), "{ users(first: 10) { totalCount nodes { username } } }", json!(null)).await;
    assert_eq!(users.data()["users"]["totalCount"], 3);
}

/// A value of `ty` good enough to get past argument validation.
fn dummy(ty: &Value, types: &std::collections::HashMap<String, Value>) -> String {
    match ty["kind"].as_str().unwrap() {
        "NON_NULL" => dummy(&ty["ofType"], types),
        "LIST" => format!("[{}]", dummy(&ty["ofType"], types)),
        "ENUM" => types[ty["name"].as_str().unwrap()]["enumValues"][0]["name"].as_str().unwrap().to_owned(),
        "INPUT_OBJECT" => {
            let def = &types[ty["name"].as_str().unwrap()];
            let fields: Vec<String> = def["inputFields"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["type"]["kind"] == "NON_NULL")
                .map(|f| format!("{}: {}", f["name"].as_str().unwrap(), dummy(&f["type"], types)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        _ => match ty["name"].as_str().unwrap() {
            "Int" => "1".into(),
            "Float" => "1.5".into(),
            "Boolean" => "true".into(),
            "DateTime" => "\"2026-12-01T00:00:00Z\"".into(),
            _ => "\"x\"".into(),
        },
    }
}

/// For every field of the root type `root` (`Query` or `Mutation`), its name and a one-field
/// document calling it with placeholder arguments: read from the schema itself, so fields added
/// later are covered without touching the tests.
async fn root_field_probes(app: &TestApp, root: &str) -> Vec<(String, String)> {
    let owner = app.owner().await;
    let schema = app
        .gql_as(
            Some(&owner.token),
            r#"{ __schema { types { name kind enumValues { name } inputFields { name type { ...T } }
                 fields { name args { name type { ...T } } type { ...T } } } } }
               fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#,
            json!(null),
        )
        .await;
    let types: std::collections::HashMap<String, Value> = schema.data()["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
        .collect();
    let keyword = root.to_lowercase();
    types[root]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| {
            let name = field["name"].as_str().unwrap();
            let args: Vec<String> = field["args"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["type"]["kind"] == "NON_NULL")
                .map(|a| format!("{}: {}", a["name"].as_str().unwrap(), dummy(&a["type"], &types)))
                .collect();
            let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
            let mut leaf = &field["type"];
            while leaf["name"].is_null() {
                leaf = &leaf["ofType"];
            }
            let selection =
                if types[leaf["name"].as_str().unwrap()]["fields"].is_array() { " { __typename }" } else { "" };
            (name.to_owned(), format!("{keyword} {{ {name}{args}{selection} }}"))
        })
        .collect()
}

async fn anonymous_callers_reach_only_the_public_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let public = ["serverStatus", "login", "refreshSession", "logout"];
    let mut checked = 0;
    for root in ["Query", "Mutation"] {
        for (name, doc) in root_field_probes(&app, root).await {
            if public.contains(&name.as_str()) {
                continue;
            }
            let resp = app.gql(&doc, json!(null)).await;
            assert_eq!(resp.error_code(), Some("UNAUTHENTICATED"), "{doc}: {}", resp.body);
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} guarded fields found");
    // The public ones answer anonymously.
    app.gql("{ serverStatus { version } }", json!(null)).await.data();
    app.gql("mutation { logout { ok } }", json!(null)).await.data();
}

async fn a_viewer_is_forbidden_every_mutation_that_needs_an_operator_or_an_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.user_with_role("VIEWER").await;
    // The only mutations a VIEWER may call: the public ones and their own password. Anything
    // else in the schema must be refused before it looks at its (placeholder) input.
    let allowed = ["login", "refreshSession", "logout", "changePassword"];
    let mut checked = Vec::new();
    for (name, doc) in root_field_probes(&app, "Mutation").await {
        if allowed.contains(&name.as_str()) {
            continue;
        }
        let resp = app.gql_as(Some(&viewer.token), &doc, json!(null)).await;
        assert_eq!(resp.error_code(), Some("FORBIDDEN"), "{doc}: {}", resp.body);
        checked.push(name);
    }
    for known in ["createTask", "approveTask", "updateAgentFile", "createUser", "changeUserRole", "disableUser"] {
        assert!(checked.iter().any(|n| n == known), "{known} was not probed: {checked:?}");
    }
    // The viewer is still signed in and unchanged.
    let me = app.gql_as(Some(&viewer.token), "{ me { role disabled } }", json!(null)).await;
    assert_eq!(me.data()["me"], json!({"role": "VIEWER", "disabled": false}));
}

async fn an_expired_access_token_is_unauthenticated_with_a_reason_to_refresh(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_ACCESS_TOKEN_TTL_SECS", "1")]).await;
    let user = app.user_with_role("VIEWER").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let resp = app.gql_as(Some(&user.token), "{ me { id } }", json!(null)).await;
    assert_eq!(resp.error_code(), Some("UNAUTHENTICATED"));
    assert_eq!(resp.body["errors"][0]["extensions"]["reason"], "TOKEN_EXPIRED");
    let forged = app.gql_as(Some("not.a.jwt"), "{ me { id } }", json!(null)).await;
    assert_eq!(forged.body["errors"][0]["extensions"]["reason"], "TOKEN_INVALID");
}

async fn the_browser_gets_the_refresh_token_only_as_a_strict_http_only_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .client
        .post(app.graphql_url())
        .json(&json!({"query": "mutation { login(input: {username: \"owner\", password: \"owner-password-for-tests\"}) { accessToken refreshToken } }"}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    assert!(body["data"]["login"]["refreshToken"].is_null(), "{body}");
    for attr in ["nexus_refresh=", "HttpOnly", "SameSite=Strict", "Path=/graphql", "Max-Age="] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    // The cookie store sends it back: refresh without a token in the input.
    let refreshed = app.gql("mutation { refreshSession { accessToken } }", json!(null)).await;
    assert!(refreshed.data()["refreshSession"]["accessToken"].is_string());
    // Logout ends the cookie's session.
    app.gql("mutation { logout { ok } }", json!(null)).await.data();
    let after = app.gql("mutation { refreshSession { accessToken } }", json!(null)).await;
    assert_eq!(after.error_code(), Some("UNAUTHENTICATED"));
}

async fn production_cookies_are_secure(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_ENV", "production"), ("NEXUS_JWT_KEY", &"p".repeat(48))]).await;
    let resp = app
        .client
        .post(app.graphql_url())
        .json(&json!({"query": "mutation { login(input: {username: \"owner\", password: \"owner-password-for-tests\"}) { accessToken } }"}))
        .send()
        .await
        .unwrap();
    assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
}

async fn logout_revokes_the_family(backend: Backend) {
    let key = "k".repeat(40);
    let env = [("NEXUS_JWT_KEY", key.as_str())];
    let app = spawn_app_with(backend, &env).await;
    let user = app.user_with_role("VIEWER").await;
    let other_session = app.login(&user.username, &user.password).await;
    let mut socket = app.ws_subscribe(&user.token, "subscription { dashboardChanged { changes } }", json!({})).await;
    let mut other_socket =
        app.ws_subscribe(&other_session.token, "subscription { dashboardChanged { changes } }", json!({})).await;

    app.gql("mutation($t: String) { logout(input: {refreshToken: $t}) { ok } }", json!({"t": user.refresh_token}))
        .await
        .data();
    assert_eq!(refresh(&app, &user.refresh_token).await.error_code(), Some("UNAUTHENTICATED"));
    // The session's access token is void at once, and its socket closes ...
    let me = app.gql_as(Some(&user.token), "{ me { id } }", json!(null)).await;
    assert_eq!(me.error_code(), Some("UNAUTHENTICATED"), "{}", me.body);
    assert!(socket.ended_within(Duration::from_secs(5)).await, "the logged-out session's socket closes");
    // ... while the user's other session goes on.
    app.gql_as(Some(&other_session.token), "{ me { id } }", json!(null)).await.data();
    assert!(!other_socket.ended_within(Duration::from_millis(300)).await, "the other session's socket stays");

    // A restart (or another replica) knows it too.
    let restarted = spawn_app_on(app.db.clone(), &env).await;
    let me = restarted.gql_as(Some(&user.token), "{ me { id } }", json!(null)).await;
    assert_eq!(me.error_code(), Some("UNAUTHENTICATED"), "{}", me.body);
    restarted.gql_as(Some(&other_session.token), "{ me { id } }", json!(null)).await.data();
}

async fn changing_the_password_ends_every_session_and_starts_a_new_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.user_with_role("OPERATOR").await;
    let second_session = app.login(&first.username, &first.password).await;
    let resp = app
        .gql_as(
            Some(&first.token),
            "mutation($c: String!) { changePassword(input: {currentPassword: $c, newPassword: \"a brand new password\", refreshTokenInBody: true}) { accessToken refreshToken } }",
            json!({"c": first.password}),
        )
        .await;
    let new_token = resp.data()["changePassword"]["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(refresh(&app, &first.refresh_token).await.error_code(), Some("UNAUTHENTICATED"));
    assert_eq!(refresh(&app, &second_session.refresh_token).await.error_code(), Some("UNAUTHENTICATED"));
    // Old access tokens are void at once; the new session works.
    let old = app.gql_as(Some(&second_session.token), "{ me { id } }", json!(null)).await;
    assert_eq!(old.error_code(), Some("UNAUTHENTICATED"));
    app.gql_as(Some(&new_token), "{ me { id } }", json!(null)).await.data();
    app.login(&first.username, "a brand new password").await;
    // A wrong current password changes nothing.
    let wrong = app
        .gql_as(
            Some(&new_token),
            "mutation { changePassword(input: {currentPassword: \"nope\", newPassword: \"another new password\"}) { accessToken } }",
            json!(null),
        )
        .await;
    assert_eq!(wrong.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(wrong.body["errors"][0]["extensions"]["field"], "currentPassword");
}

async fn disabling_a_user_ends_their_access_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    let user = app.user_with_role("OPERATOR").await;
    app.gql_as(Some(&user.token), "{ me { id } }", json!(null)).await.data();
    app.gql_as(
        Some(&owner.token),
        "mutation($id: ID!) { disableUser(input: {userId: $id}) { user { disabled } } }",
        json!({"id": user.id}),
    )
    .await
    .data();
    assert_eq!(app.gql_as(Some(&user.token), "{ me { id } }", json!(null)).await.error_code(), Some("UNAUTHENTICATED"));
    assert_eq!(refresh(&app, &user.refresh_token).await.error_code(), Some("UNAUTHENTICATED"));
    // The last owner cannot be disabled or demoted.
    let last = app
        .gql_as(
            Some(&owner.token),
            "mutation($id: ID!) { changeUserRole(input: {userId: $id, role: VIEWER}) { user { role } } }",
            json!({"id": owner.id}),
        )
        .await;
    assert_eq!(last.error_code(), Some("BAD_USER_INPUT"));
}

async fn login_attempts_are_rate_limited_per_username_and_aliases_count(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_USER", "5")]).await;
    let fields: String = (0..10)
        .map(|i| format!("l{i}: login(input: {{username: \"owner\", password: \"wrong-{i}\"}}) {{ accessToken }} "))
        .collect();
    let resp = app.gql(&format!("mutation {{ {fields} }}"), json!(null)).await;
    let codes: Vec<&str> =
        resp.body["errors"].as_array().unwrap().iter().map(|e| e["extensions"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes.iter().filter(|c| **c == "UNAUTHENTICATED").count(), 5, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == "RATE_LIMITED").count(), 5, "{codes:?}");
    let limited =
        resp.body["errors"].as_array().unwrap().iter().find(|e| e["extensions"]["code"] == "RATE_LIMITED").unwrap();
    assert!(limited["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1);
    // Even the right password is refused now.
    let right = app.gql(LOGIN, json!({"u": "owner", "p": OWNER_PASSWORD})).await;
    assert_eq!(right.error_code(), Some("RATE_LIMITED"));
    assert!(right.headers.contains_key("retry-after"));
}

async fn no_token_or_password_appears_in_the_logs_or_the_database(backend: Backend) {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app(backend).await;
    let user = app.user_with_role("OPERATOR").await;
    let rotated = refresh(&app, &user.refresh_token).await;
    let new_refresh = rotated.data()["refreshSession"]["refreshToken"].as_str().unwrap().to_owned();
    let new_access = rotated.data()["refreshSession"]["accessToken"].as_str().unwrap().to_owned();
    app.gql(LOGIN, json!({"u": user.username, "p": "a wrong password attempt"})).await;
    let secrets = [
        user.password.as_str(),
        OWNER_PASSWORD,
        "a wrong password attempt",
        user.token.as_str(),
        user.refresh_token.as_str(),
        new_refresh.as_str(),
        new_access.as_str(),
    ];

    let log = logs().contents();
    assert!(log.contains("signed in"), "the log was captured");
    for s in secrets {
        assert!(!log.contains(s), "a secret is in the log");
    }

    let db = &app.state.db;
    let backend_kind = db.get_database_backend();
    let mut dump = String::new();
    let text_columns = [
        ("users", &["id", "username", "username_key", "display_name", "role", "password_hash"][..]),
        ("refresh_token_families", &["id", "user_id", "revoked_reason"][..]),
        ("refresh_tokens", &["id", "family_id", "parent_id", "token_hash", "status"][..]),
    ];
    for (table, columns) in text_columns {
        let sql = format!("SELECT {} FROM {table}", columns.join(", "));
        let rows = db.query_all(Statement::from_string(backend_kind, sql)).await.unwrap();
        assert!(!rows.is_empty(), "{table} has rows");
        for row in rows {
            for c in columns {
                dump.push_str(&row.try_get::<Option<String>>("", c).unwrap().unwrap_or_default());
                dump.push('\n');
            }
        }
    }
    for s in secrets {
        assert!(!dump.contains(s), "a secret is stored in plain text");
    }
    assert!(dump.contains("$argon2id$"), "passwords are argon2id hashes");
}

async fn expired_and_revoked_tokens_are_purged(backend: Backend) {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app(backend).await;
    let user = app.user_with_role("VIEWER").await;
    app.gql("mutation($t: String) { logout(input: {refreshToken: $t}) { ok } }", json!({"t": user.refresh_token}))
        .await
        .data();
    let db = &app.state.db;
    let b = db.get_database_backend();
    let past = "2020-01-01T00:00:00Z";
    db.execute(Statement::from_sql_and_values(
        b,
        if b == sea_orm::DbBackend::Postgres {
            "UPDATE refresh_token_families SET revoked_at = $1::timestamptz"
        } else {
            "UPDATE refresh_token_families SET revoked_at = $1"
        },
        [past.into()],
    ))
    .await
    .unwrap();
    let removed = app.state.services.auth.purge_expired().await.unwrap();
    assert!(removed >= 1);
    let left = db
        .query_one(Statement::from_string(b, "SELECT COUNT(*) AS n FROM refresh_tokens"))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(left, 0);
}

const CHANGE_PASSWORD: &str = "mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n, refreshTokenInBody: true}) { accessToken refreshToken } }";
const RESET_PASSWORD: &str =
    "mutation($id: ID!, $p: String!) { resetUserPassword(input: {userId: $id, newPassword: $p}) { user { id } } }";
const CHANGE_ROLE: &str =
    "mutation($id: ID!, $r: Role!) { changeUserRole(input: {userId: $id, role: $r}) { user { role } } }";
const DISABLE: &str = "mutation($id: ID!) { disableUser(input: {userId: $id}) { user { disabled } } }";

/// Asserts that the user's old access and refresh tokens no longer work.
async fn assert_signed_out(app: &TestApp, user: &crate::support::TestUser) {
    let me = app.gql_as(Some(&user.token), "{ me { id } }", json!(null)).await;
    assert_eq!(me.error_code(), Some("UNAUTHENTICATED"), "{}", me.body);
    let refreshed = refresh(app, &user.refresh_token).await;
    assert_eq!(refreshed.error_code(), Some("UNAUTHENTICATED"), "{}", refreshed.body);
}

async fn wrong_current_passwords_count_against_the_login_limit_and_are_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_USER", "5")]).await;
    // Signing in used one of the user's five attempts.
    let user = app.user_with_role("VIEWER").await;
    let fields: String = (0..10)
        .map(|i| {
            format!("c{i}: changePassword(input: {{currentPassword: \"guess-{i}\", newPassword: \"a brand new password\"}}) {{ accessToken }} ")
        })
        .collect();
    let resp = app.gql_as(Some(&user.token), &format!("mutation {{ {fields} }}"), json!(null)).await;
    let codes = resp.error_codes();
    assert_eq!(codes.len(), 10, "{}", resp.body);
    assert_eq!(codes.iter().filter(|c| *c == "BAD_USER_INPUT").count(), 4, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| *c == "RATE_LIMITED").count(), 6, "{codes:?}");
    let limited =
        resp.body["errors"].as_array().unwrap().iter().find(|e| e["extensions"]["code"] == "RATE_LIMITED").unwrap();
    assert!(limited["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1, "{limited}");
    assert!(resp.headers.contains_key("retry-after"));
    // Even the right current password is refused now, and nothing changed: the session lives on.
    let right =
        app.gql_as(Some(&user.token), CHANGE_PASSWORD, json!({"c": user.password, "n": "a brand new password"})).await;
    assert_eq!(right.error_code(), Some("RATE_LIMITED"), "{}", right.body);
    app.gql_as(Some(&user.token), "{ me { id } }", json!(null)).await.data();
    refresh(&app, &user.refresh_token).await.data();
    // The same buckets as the sign-in form: guessing through either path counts for both.
    let login = app.gql(LOGIN, json!({"u": user.username, "p": user.password})).await;
    assert_eq!(login.error_code(), Some("RATE_LIMITED"));
}

async fn a_successful_password_change_returns_a_working_session_even_at_the_login_limit(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_USER", "2")]).await;
    // One attempt for signing in, one for the change: none left for another sign-in.
    let user = app.user_with_role("OPERATOR").await;
    let resp =
        app.gql_as(Some(&user.token), CHANGE_PASSWORD, json!({"c": user.password, "n": "a brand new password"})).await;
    let session = &resp.data()["changePassword"];
    let me = app.gql_as(session["accessToken"].as_str(), "{ me { username } }", json!(null)).await;
    assert_eq!(me.data()["me"]["username"], user.username);
    refresh(&app, session["refreshToken"].as_str().unwrap()).await.data();
    assert_signed_out(&app, &user).await;
    let again = app.gql(LOGIN, json!({"u": user.username, "p": "a brand new password"})).await;
    assert_eq!(again.error_code(), Some("RATE_LIMITED"), "the limit was really reached: {}", again.body);
}

async fn resetting_a_users_password_ends_their_sessions_and_only_the_new_password_works(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    let user = app.user_with_role("OPERATOR").await;
    let resp =
        app.gql_as(Some(&owner.token), RESET_PASSWORD, json!({"id": user.id, "p": "set by the owner today"})).await;
    assert_eq!(resp.data()["resetUserPassword"]["user"]["id"], user.id);
    assert_signed_out(&app, &user).await;
    let old = app.gql(LOGIN, json!({"u": user.username, "p": user.password})).await;
    assert_eq!(old.body["errors"][0]["extensions"]["reason"], "INVALID_CREDENTIALS", "{}", old.body);
    let fresh = app.login(&user.username, "set by the owner today").await;
    app.gql_as(Some(&fresh.token), "{ me { id } }", json!(null)).await.data();
    // The owner's own session is untouched.
    app.gql_as(Some(&owner.token), "{ users { totalCount } }", json!(null)).await.data();
}

async fn changing_a_users_role_ends_their_sessions_and_the_new_role_applies(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    let user = app.user_with_role("OPERATOR").await;
    let before = app.gql_as(Some(&user.token), "{ users { totalCount } }", json!(null)).await;
    assert_eq!(before.error_code(), Some("FORBIDDEN"));
    let resp = app.gql_as(Some(&owner.token), CHANGE_ROLE, json!({"id": user.id, "r": "OWNER"})).await;
    assert_eq!(resp.data()["changeUserRole"]["user"]["role"], "OWNER");
    // The old token carried the old role: it must not keep working with it.
    assert_signed_out(&app, &user).await;
    let again = app.login(&user.username, &user.password).await;
    let after = app.gql_as(Some(&again.token), "{ me { role } users { totalCount } }", json!(null)).await;
    assert_eq!(after.data()["me"]["role"], "OWNER");
    assert_eq!(after.data()["users"]["totalCount"], 2);
}

async fn only_the_owner_may_create_users_change_roles_disable_or_reset_passwords(backend: Backend) {
    let app = spawn_app(backend).await;
    let target = app.user_with_role("VIEWER").await;
    for role in ["VIEWER", "OPERATOR"] {
        let caller = app.user_with_role(role).await;
        let attempts = [
            (CHANGE_ROLE, json!({"id": target.id, "r": "OWNER"})),
            (DISABLE, json!({"id": target.id})),
            (RESET_PASSWORD, json!({"id": target.id, "p": "chosen by the attacker"})),
            (
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
                json!({"i": {"username": format!("made-by-{}", role.to_lowercase()), "role": "OWNER", "password": "long enough password"}}),
            ),
        ];
        for (doc, vars) in attempts {
            let resp = app.gql_as(Some(&caller.token), doc, vars).await;
            assert_eq!(resp.error_code(), Some("FORBIDDEN"), "{role}: {doc}: {}", resp.body);
            assert!(resp.body["data"].is_null(), "{}", resp.body);
        }
    }
    // Nothing happened to the target.
    app.gql_as(Some(&target.token), "{ me { role disabled } }", json!(null)).await.data();
    let me = app.login(&target.username, &target.password).await;
    let state = app.gql_as(Some(&me.token), "{ me { role disabled } }", json!(null)).await;
    assert_eq!(state.data()["me"], json!({"role": "VIEWER", "disabled": false}));
    let owner = app.owner().await;
    let users = app.gql_as(Some(&owner.token), "{ users { totalCount } }", json!(null)).await;
    assert_eq!(users.data()["users"]["totalCount"], 4, "no user was created");
}

async fn revoked_access_tokens_stay_refused_after_a_restart(backend: Backend) {
    let key = "k".repeat(40);
    let env = [("NEXUS_JWT_KEY", key.as_str())];
    let app = spawn_app_with(backend, &env).await;
    let owner = app.owner().await;
    let disabled = app.user_with_role("OPERATOR").await;
    let demoted = app.user_with_role("OWNER").await;
    let untouched = app.user_with_role("VIEWER").await;
    app.gql_as(Some(&owner.token), DISABLE, json!({"id": disabled.id})).await.data();
    app.gql_as(Some(&owner.token), CHANGE_ROLE, json!({"id": demoted.id, "r": "VIEWER"})).await.data();

    // A fresh process on the same database (a restart, or a replica that missed the events).
    let restarted = spawn_app_on(app.db.clone(), &env).await;
    for user in [&disabled, &demoted] {
        let resp = restarted.gql_as(Some(&user.token), "{ me { id } }", json!(null)).await;
        assert_eq!(resp.error_code(), Some("UNAUTHENTICATED"), "{}: {}", user.username, resp.body);
    }
    // The key is shared, so tokens nobody revoked still work there.
    restarted.gql_as(Some(&untouched.token), "{ me { id } }", json!(null)).await.data();
    // And a session started after the demotion is not caught by it.
    let again = restarted.login(&demoted.username, &demoted.password).await;
    let me = restarted.gql_as(Some(&again.token), "{ me { role } }", json!(null)).await;
    assert_eq!(me.data()["me"]["role"], "VIEWER");
}

/// Runs one operation over `/graphql/ws` as the holder of `token` and returns its result payload.
async fn session_mutations_are_refused_over_the_websocket(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.user_with_role("OPERATOR").await;
    let documents = [
        format!("mutation {{ login(input: {{username: \"{}\", password: \"{}\"}}) {{ accessToken }} }}", user.username, user.password),
        format!("mutation {{ refreshSession(input: {{refreshToken: \"{}\"}}) {{ accessToken }} }}", user.refresh_token),
        format!("mutation {{ logout(input: {{refreshToken: \"{}\"}}) {{ ok }} }}", user.refresh_token),
        format!("mutation {{ changePassword(input: {{currentPassword: \"{}\", newPassword: \"a brand new password\"}}) {{ accessToken }} }}", user.password),
    ];
    for doc in &documents {
        let answer = app.ws_once(&user.token, doc).await;
        let error = &answer["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{doc}: {answer}");
        assert_eq!(error["extensions"]["reason"], "HTTP_ONLY", "{doc}: {answer}");
        assert!(error["message"].as_str().unwrap().contains("only over HTTP"), "{answer}");
    }
    // None of them did anything: the session and the password are as they were.
    refresh(&app, &user.refresh_token).await.data();
    app.login(&user.username, &user.password).await;
}

async fn login_attempts_are_rate_limited_per_client_address_across_usernames(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_IP", "5")]).await;
    let fields: String = (0..10)
        .map(|i| format!("l{i}: login(input: {{username: \"someone-{i}\", password: \"guess\"}}) {{ accessToken }} "))
        .collect();
    let resp = app.gql(&format!("mutation {{ {fields} }}"), json!(null)).await;
    let codes = resp.error_codes();
    assert_eq!(codes.iter().filter(|c| *c == "UNAUTHENTICATED").count(), 5, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| *c == "RATE_LIMITED").count(), 5, "{codes:?}");
    let limited =
        resp.body["errors"].as_array().unwrap().iter().find(|e| e["extensions"]["code"] == "RATE_LIMITED").unwrap();
    let wait = limited["extensions"]["retryAfterSeconds"].as_u64().unwrap();
    assert!((1..=60).contains(&wait), "{limited}");
    assert!(resp.headers.contains_key("retry-after"));
    // A username never tried before is refused too: the address is out of attempts.
    let owner = app.gql(LOGIN, json!({"u": "owner", "p": OWNER_PASSWORD})).await;
    assert_eq!(owner.error_code(), Some("RATE_LIMITED"), "{}", owner.body);
    let retry_after: u64 = owner.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
}

async fn refresh_tokens_are_indexed_by_parent(backend: Backend) {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app(backend).await;
    let db = &app.state.db;
    let b = db.get_database_backend();
    let sql = if b == sea_orm::DbBackend::Postgres {
        "SELECT indexname::text AS name FROM pg_indexes WHERE tablename = 'refresh_tokens'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'refresh_tokens'"
    };
    let names: Vec<String> = db
        .query_all(Statement::from_string(b, sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect();
    assert!(names.iter().any(|n| n == "refresh_tokens_parent_idx"), "{names:?}");
}

both_databases!(
    login_then_refresh_twice_works_and_replaying_the_first_token_revokes_the_family,
    the_just_rotated_token_within_the_grace_is_refused_without_revoking,
    within_the_grace_only_the_immediate_predecessor_is_spared,
    of_two_concurrent_refreshes_with_one_token_exactly_one_wins_and_its_new_token_works,
    a_wrong_password_and_an_unknown_user_get_the_same_error,
    usernames_are_case_insensitive_and_unique,
    roles_are_enforced_on_owner_fields,
    anonymous_callers_reach_only_the_public_fields,
    a_viewer_is_forbidden_every_mutation_that_needs_an_operator_or_an_owner,
    an_expired_access_token_is_unauthenticated_with_a_reason_to_refresh,
    the_browser_gets_the_refresh_token_only_as_a_strict_http_only_cookie,
    production_cookies_are_secure,
    logout_revokes_the_family,
    changing_the_password_ends_every_session_and_starts_a_new_one,
    disabling_a_user_ends_their_access_at_once,
    login_attempts_are_rate_limited_per_username_and_aliases_count,
    no_token_or_password_appears_in_the_logs_or_the_database,
    expired_and_revoked_tokens_are_purged,
    wrong_current_passwords_count_against_the_login_limit_and_are_rate_limited,
    a_successful_password_change_returns_a_working_session_even_at_the_login_limit,
    resetting_a_users_password_ends_their_sessions_and_only_the_new_password_works,
    changing_a_users_role_ends_their_sessions_and_the_new_role_applies,
    only_the_owner_may_create_users_change_roles_disable_or_reset_passwords,
    revoked_access_tokens_stay_refused_after_a_restart,
    session_mutations_are_refused_over_the_websocket,
    login_attempts_are_rate_limited_per_client_address_across_usernames,
    refresh_tokens_are_indexed_by_parent,
);
