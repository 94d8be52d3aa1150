//! The `nexus` binary: bad configuration, migrations.

use std::process::Command;

use migration::MigratorTrait;

use crate::both_databases;
use crate::support::process::{address_in, Served};
use crate::support::{spawn_app_on, Backend, TestDb};

fn nexus(env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nexus"));
    cmd.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("nexus runs")
}

#[test]
fn a_bad_value_stops_start_up_with_one_line_naming_the_variable() {
    for (var, value) in [
        ("NEXUS_BIND", "not-an-address"),
        ("DATABASE_URL", "::nope::"),
        ("NEXUS_ENV", "staging"),
        ("NEXUS_JWT_KEY", "short"),
    ] {
        let out = nexus(&[(var, value)], &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{var}: {stderr}");
        assert!(stderr.contains(var), "{stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
    }
    let out = nexus(&[("NEXUS_ENV", "production")], &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("NEXUS_JWT_KEY"));
}

async fn migrate_up_status_and_down_work_from_the_command_line(backend: Backend) {
    let db = TestDb::create(backend).await;
    let env = [("DATABASE_URL", db.url.as_str()), ("NEXUS_LOG", "warn")];
    let up = nexus(&env, &["migrate", "up"]);
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));
    let status = nexus(&env, &["migrate", "status"]);
    let listing = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(status.status.success());
    let migrations = migration::Migrator::migrations();
    assert_eq!(listing.lines().filter(|l| l.starts_with("Applied")).count(), migrations.len(), "{listing}");
    if !migrations.is_empty() {
        let down = nexus(&env, &["migrate", "down"]);
        assert!(down.status.success(), "{}", String::from_utf8_lossy(&down.stderr));
        let status = nexus(&env, &["migrate", "status"]);
        let listing = String::from_utf8_lossy(&status.stdout).into_owned();
        assert_eq!(listing.lines().filter(|l| l.starts_with("Pending")).count(), 1, "{listing}");
    }
}

both_databases!(migrate_up_status_and_down_work_from_the_command_line);

/// The search column arrived with a migration: rows written before it are found after the
/// upgrade (the migration fills it by the same rule the services use).
async fn rows_written_before_the_search_column_are_found_after_the_upgrade(backend: Backend) {
    let db = std::sync::Arc::new(TestDb::create(backend).await);
    let env = [("DATABASE_URL", db.url.as_str()), ("NEXUS_LOG", "warn")];
    {
        let app = spawn_app_on(db.clone(), &[]).await;
        let op = app.signed_in("OPERATOR", "Olga Operator").await;
        let project = crate::support::work::create_project(&app, &op, "wartung").await;
        crate::support::work::create_task(&app, &op, project["id"].as_str().unwrap(), "Ölwechsel planen").await;
    }
    // Back to the schema before the column, and up again: the rows are there and the column is new.
    let down = nexus(&env, &["migrate", "down"]);
    assert!(down.status.success(), "{}", String::from_utf8_lossy(&down.stderr));
    let status = String::from_utf8_lossy(&nexus(&env, &["migrate", "status"]).stdout).into_owned();
    assert!(status.lines().any(|l| l.starts_with("Pending") && l.contains("search_text")), "{status}");
    let up = nexus(&env, &["migrate", "up"]);
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));

    let app = spawn_app_on(db, &[]).await;
    let op = app.signed_in("OPERATOR", "Otto Operator").await;
    let resp = app
        .gql_as(
            Some(&op.token),
            r#"{ tasks(filter: {search: "ÖLWECHSEL"}) { nodes { title } } projects(filter: {search: "WARTUNG"}) { nodes { slug } } }"#,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(resp.data()["tasks"]["nodes"], serde_json::json!([{"title": "Ölwechsel planen"}]));
    assert_eq!(resp.data()["projects"]["nodes"], serde_json::json!([{"slug": "wartung"}]));
}

both_databases!(rows_written_before_the_search_column_are_found_after_the_upgrade);

async fn users_are_created_listed_and_reset_from_the_command_line(backend: Backend) {
    use std::io::Write;
    let db = TestDb::create(backend).await;
    let env = [("DATABASE_URL", db.url.as_str()), ("NEXUS_LOG", "warn")];
    let with_stdin = |args: &[&str], input: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nexus"));
        cmd.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let created = with_stdin(&["user", "create", "Ada", "--role", "operator"], "a-long-cli-password\n");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let short = with_stdin(&["user", "create", "bob"], "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("12"));
    let list = nexus(&env, &["user", "list"]);
    let listing = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(listing.contains("Ada") && listing.contains("OPERATOR"), "{listing}");
    assert!(!listing.contains("a-long-cli-password"));
    let reset = with_stdin(&["user", "set-password", "ada"], "another-long-password\n");
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));

    // The server on that database takes the new password, and only the new one.
    let app = spawn_app_on(db, &[]).await;
    let login = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { user { role } } }";
    let old = app.gql(login, serde_json::json!({"u": "ada", "p": "a-long-cli-password"})).await;
    assert_eq!(old.error_code(), Some("UNAUTHENTICATED"), "{}", old.body);
    let new = app.gql(login, serde_json::json!({"u": "ada", "p": "another-long-password"})).await;
    assert_eq!(new.data()["login"]["user"]["role"], "OPERATOR");
}

both_databases!(users_are_created_listed_and_reset_from_the_command_line);

/// `nexus user set-password` is another process: on SQLite it shares no event bus with the
/// server, which still learns of the revocation from the database within seconds.
async fn a_password_set_from_the_command_line_ends_the_running_servers_sessions(backend: Backend) {
    use std::io::Write;
    let db = std::sync::Arc::new(TestDb::create(backend).await);
    let app = spawn_app_on(db.clone(), &[]).await;
    let user = app.signed_in("OPERATOR", "Ada Operator").await;
    let mut socket =
        app.ws_subscribe(&user.token, "subscription { dashboardChanged { changes } }", serde_json::json!({})).await;
    app.gql_as(Some(&user.token), "{ me { id } }", serde_json::json!(null)).await.data();

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nexus"));
    cmd.args(["user", "set-password", &user.username])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("NEXUS_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"a-brand-new-password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let within = revocation_poll() + std::time::Duration::from_secs(3);
    assert!(socket.ended_within(within).await, "the user's socket closes");
    let refused = app.gql_as(Some(&user.token), "{ me { id } }", serde_json::json!(null)).await;
    assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
}

fn revocation_poll() -> std::time::Duration {
    nexus::services::auth::REVOCATION_POLL_INTERVAL
}

both_databases!(a_password_set_from_the_command_line_ends_the_running_servers_sessions);

#[tokio::test]
async fn a_first_development_start_prints_a_generated_owner_password_that_works_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nexus.db?mode=rwc", dir.path().display());
    let mut served = Served::start(&[("DATABASE_URL", &url), ("NEXUS_LOG", "info")]);
    let password_line = served.wait_for("password:");
    let password = password_line.split("password:").nth(1).unwrap().trim().to_owned();
    assert!(password.len() >= 20);
    let addr = address_in(&served.wait_for("listening"));

    let client = reqwest::Client::new();
    let login = client
        .post(format!("http://{addr}/graphql"))
        .json(&serde_json::json!({"query": "mutation($p: String!) { login(input: {username: \"owner\", password: $p}) { user { role } } }", "variables": {"p": password}}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(login["data"]["login"]["user"]["role"], "OWNER", "{login}");

    // SIGTERM: a graceful stop with exit code 0.
    let pid = served.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    served.wait_for("shutdown requested");
    let status = served.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let lines = served.rest();
    // The password appears exactly once, on the terminal banner, never in a log line.
    assert_eq!(lines.iter().filter(|l| l.contains(&password)).count(), 1, "{lines:#?}");

    // A second start does not create or print anything.
    let mut again = Served::start(&[("DATABASE_URL", &url)]);
    again.wait_for("listening");
    let _ = again.child.kill();
    assert!(!again.rest().iter().any(|l| l.contains("password:")));
}

#[tokio::test]
async fn json_logs_carry_the_request_id_of_every_request_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nexus.db?mode=rwc", dir.path().display());
    let mut served = Served::start(&[
        ("DATABASE_URL", &url),
        ("NEXUS_LOG_FORMAT", "json"),
        ("NEXUS_OWNER_PASSWORD", "an-owner-password-here"),
    ]);
    let addr = address_in(&served.wait_for("listening"));
    let resp = reqwest::Client::new()
        .get(format!("http://{addr}/health"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-me-123");
    let line = served.wait_for("trace-me-123");
    let parsed: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(parsed["span"]["request_id"], "trace-me-123", "{line}");
    let _ = served.child.kill();
}

#[tokio::test]
async fn production_refuses_a_first_start_without_an_owner_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nexus.db?mode=rwc", dir.path().display());
    let out = nexus(&[("DATABASE_URL", &url), ("NEXUS_ENV", "production"), ("NEXUS_JWT_KEY", &"k".repeat(40))], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("NEXUS_OWNER_PASSWORD"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
