//! The `nexus` binary: bad configuration, migrations.

use std::process::Command;

use migration::MigratorTrait;

use crate::both_databases;
use crate::support::{Backend, TestDb};

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
}

both_databases!(users_are_created_listed_and_reset_from_the_command_line);
