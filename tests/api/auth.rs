//! Accounts and sessions: login, rotation with reuse detection, roles, rate limits, secrecy.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both_databases;
use crate::support::{logs, spawn_app, spawn_app_with, Backend, TestApp, OWNER_PASSWORD};

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
    let log = logs().contents();
    assert!(
        log.lines().any(|l| l.contains("reuse detected") && l.contains(&user.id)),
        "no reuse log line for {}",
        user.id
    );
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

async fn of_two_concurrent_refreshes_with_one_token_exactly_one_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..5 {
        let user = app.user_with_role("VIEWER").await;
        let (a, b) = tokio::join!(refresh(&app, &user.refresh_token), refresh(&app, &user.refresh_token));
        let wins = [&a, &b].iter().filter(|r| r.body.get("errors").is_none()).count();
        assert_eq!(wins, 1, "a: {}\nb: {}", a.body, b.body);
        let loser = if a.body.get("errors").is_some() { &a } else { &b };
        assert_eq!(loser.error_code(), Some("CONFLICT"), "{}", loser.body);
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

async fn anonymous_callers_reach_only_the_public_fields(backend: Backend) {
    let app = spawn_app(backend).await;
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
    let public = ["serverStatus", "login", "refreshSession", "logout"];
    let mut checked = 0;
    for (root, keyword) in [("Query", "query"), ("Mutation", "mutation")] {
        for field in types[root]["fields"].as_array().unwrap() {
            let name = field["name"].as_str().unwrap();
            if public.contains(&name) {
                continue;
            }
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
            let doc = format!("{keyword} {{ {name}{args}{selection} }}");
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
    let app = spawn_app(backend).await;
    let user = app.user_with_role("VIEWER").await;
    app.gql("mutation($t: String) { logout(input: {refreshToken: $t}) { ok } }", json!({"t": user.refresh_token}))
        .await
        .data();
    assert_eq!(refresh(&app, &user.refresh_token).await.error_code(), Some("UNAUTHENTICATED"));
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

both_databases!(
    login_then_refresh_twice_works_and_replaying_the_first_token_revokes_the_family,
    the_just_rotated_token_within_the_grace_is_refused_without_revoking,
    of_two_concurrent_refreshes_with_one_token_exactly_one_wins,
    a_wrong_password_and_an_unknown_user_get_the_same_error,
    usernames_are_case_insensitive_and_unique,
    roles_are_enforced_on_owner_fields,
    anonymous_callers_reach_only_the_public_fields,
    an_expired_access_token_is_unauthenticated_with_a_reason_to_refresh,
    the_browser_gets_the_refresh_token_only_as_a_strict_http_only_cookie,
    production_cookies_are_secure,
    logout_revokes_the_family,
    changing_the_password_ends_every_session_and_starts_a_new_one,
    disabling_a_user_ends_their_access_at_once,
    login_attempts_are_rate_limited_per_username_and_aliases_count,
    no_token_or_password_appears_in_the_logs_or_the_database,
    expired_and_revoked_tokens_are_purged,
);
