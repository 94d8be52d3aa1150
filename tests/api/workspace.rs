//! The workspace as a whole: live change notifications, hostile paths, and a missing or invalid
//! openclaw.json.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use nexus::services::auth::Role;
use serde_json::{json, Value};

use crate::both_databases;
use crate::support::{demo_copy, demo_home, spawn_app_at, ws_subscribe, Backend, TestApp};

/// Subscribes to `workspaceChanged` over the WebSocket and waits until it is registered.
async fn subscribe(app: &TestApp) -> impl Stream<Item = Value> + Unpin {
    let mut stream =
        ws_subscribe(app, Role::Viewer, "subscription { workspaceChanged { kind agentId path } }", json!({}))
            .await
            .map(|data| data["workspaceChanged"].clone())
            .boxed();
    // The server runs the resolver (subscribing to the event bus) once the message arrives.
    assert!(tokio::time::timeout(Duration::from_millis(300), stream.next()).await.is_err());
    stream
}

/// The next change for `path`, skipping others; panics after `within`.
async fn change_for(stream: &mut (impl Stream<Item = Value> + Unpin), path: &str, within: Duration) -> Value {
    tokio::time::timeout(within, async {
        loop {
            let change = stream.next().await.expect("the subscription stays open");
            if change["path"] == path {
                return change;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no workspaceChanged for {path} within {within:?}"))
}

/// Saves `contents` to `path` the way editors and agents do: a temporary file beside it, renamed
/// over it. A plain `fs::write` truncates first; on a loaded machine the watcher can see (and
/// Nexus correctly report) the empty file before the bytes land, which a test must not mistake for
/// the edit.
fn save(path: &Path, contents: &str) {
    let name = path.file_name().unwrap().to_str().unwrap();
    let temp = path.with_file_name(format!(".{name}.saving~"));
    std::fs::write(&temp, contents).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

async fn an_edit_on_disk_reaches_a_workspace_changed_subscriber_within_two_seconds(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let app = spawn_app_at(backend, &home, &[]).await;
    let mut changes = subscribe(&app).await;

    let started = Instant::now();
    save(&home.join("workspace/SOUL.md"), "# SOUL.md\n\nEdited on disk.\n");
    let change = change_for(&mut changes, "SOUL.md", Duration::from_secs(2)).await;
    assert_eq!(change, json!({"kind": "AGENT_FILE", "agentId": "main", "path": "SOUL.md"}));
    assert!(started.elapsed() < Duration::from_secs(2));
    // By the time the event arrives the cache holds the new content.
    let resp = app.execute_as(Role::Viewer, r#"{ agent(id: "main") { files { name size } } }"#, json!({})).await;
    let soul =
        resp.data()["agent"]["files"].as_array().unwrap().iter().find(|f| f["name"] == "SOUL.md").unwrap().clone();
    assert_eq!(soul["size"], "# SOUL.md\n\nEdited on disk.\n".len());

    // Every kind arrives with its path.
    save(&home.join("workspace-ops/memory/2026-12-03.md"), "# 2026-12-03\n- quiet night\n");
    let change = change_for(&mut changes, "memory/2026-12-03.md", Duration::from_secs(2)).await;
    assert_eq!(change, json!({"kind": "MEMORY", "agentId": "ops", "path": "memory/2026-12-03.md"}));
    save(&home.join("nexus/docs/runbooks/new-runbook.md"), "# New runbook\n");
    let change = change_for(&mut changes, "runbooks/new-runbook.md", Duration::from_secs(2)).await;
    assert_eq!(change, json!({"kind": "DOC", "agentId": null, "path": "runbooks/new-runbook.md"}));
    std::fs::remove_file(home.join("nexus/incidents/2026-12-01-draft-notes.md")).unwrap();
    let change = change_for(&mut changes, "2026-12-01-draft-notes.md", Duration::from_secs(2)).await;
    assert_eq!(change, json!({"kind": "INCIDENT", "agentId": null, "path": "2026-12-01-draft-notes.md"}));
    let resp = app.execute_as(Role::Viewer, "{ incidents { totalCount } }", json!({})).await;
    assert_eq!(resp.data()["incidents"]["totalCount"], 6);
}

async fn a_write_through_nexus_is_announced_once(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let app = spawn_app_at(backend, &home, &[]).await;
    let mut changes = subscribe(&app).await;
    let hash = app
        .execute_as(Role::Viewer, r#"{ agent(id: "writer") { file(name: "USER.md") { hash } } }"#, json!({}))
        .await
        .data()["agent"]["file"]["hash"]
        .clone();
    let input = json!({"agentId": "writer", "name": "USER.md", "content": "# USER.md\n", "expectedHash": hash});
    let resp = app
        .execute_as(
            Role::Operator,
            "mutation($input: UpdateAgentFileInput!) { updateAgentFile(input: $input) { file { hash } } }",
            json!({ "input": input }),
        )
        .await;
    resp.data();
    let change = change_for(&mut changes, "USER.md", Duration::from_secs(1)).await;
    assert_eq!(change, json!({"kind": "AGENT_FILE", "agentId": "writer", "path": "USER.md"}));
    // The watcher sees the same write a moment later; it changes nothing, so nothing is sent again.
    let again = tokio::time::timeout(Duration::from_millis(1200), changes.next()).await;
    assert!(again.is_err(), "a second event arrived: {again:?}");
}

/// Every file and symbolic link under `root`: contents and link targets.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                let target = std::fs::read_link(entry.path()).unwrap();
                out.insert(entry.path(), format!("-> {}", target.display()).into_bytes());
            } else if kind.is_dir() {
                out.insert(entry.path(), b"<dir>".to_vec());
                stack.push(entry.path());
            } else {
                out.insert(entry.path(), std::fs::read(entry.path()).unwrap());
            }
        }
    }
    out
}

async fn hostile_paths_through_the_api_get_clear_errors_and_touch_nothing(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret.md"), "# top secret\n").unwrap();
    let symlink = |target: &Path, link: PathBuf| std::os::unix::fs::symlink(target, link).unwrap();
    let big = "x".repeat(20_000);
    let binary: &[u8] = &[0x23, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a];
    // Agent files: a symlink leaving the workspace, a non-UTF-8 file, an oversize file.
    symlink(&outside.join("secret.md"), home.join("workspace/TOOLS.md"));
    std::fs::write(home.join("workspace-ops/USER.md"), binary).unwrap();
    std::fs::write(home.join("workspace-research/TOOLS.md"), &big).unwrap();
    // Docs: a folder and a file leaving the docs root, non-UTF-8, oversize, hidden.
    symlink(&outside, home.join("nexus/docs/escape"));
    symlink(&outside.join("secret.md"), home.join("nexus/docs/leak.md"));
    std::fs::write(home.join("nexus/docs/binary.md"), binary).unwrap();
    std::fs::write(home.join("nexus/docs/huge.md"), &big).unwrap();
    std::fs::create_dir(home.join("nexus/docs/.git")).unwrap();
    std::fs::write(home.join("nexus/docs/.git/config.md"), "[core]\n").unwrap();
    // Memory: non-UTF-8, a symlink out, oversize.
    std::fs::write(home.join("workspace/memory/2026-01-01.md"), binary).unwrap();
    symlink(&outside.join("secret.md"), home.join("workspace/memory/2026-01-02.md"));
    std::fs::write(home.join("workspace/memory/2026-01-03.md"), &big).unwrap();
    // Incidents: a non-UTF-8 report.
    std::fs::write(home.join("nexus/incidents/binary.md"), binary).unwrap();

    let app = spawn_app_at(backend, &home, &[("NEXUS_WORKSPACE_MAX_FILE_BYTES", "16384")]).await;
    let before = tree(dir.path());

    let file = r#"query($agent: ID!, $name: String!) { agent(id: $agent) { file(name: $name) { content } } }"#;
    let write = r#"mutation($agent: ID!, $name: String!) { updateAgentFile(input: {agentId: $agent, name: $name,
        content: "pwned", expectedHash: null}) { file { name } } }"#;
    let note = r#"query($agent: ID!, $date: String!) { agent(id: $agent) { memoryNote(date: $date) { content } } }"#;
    let doc = r#"query($path: String!) { doc(path: $path) { content } }"#;
    let incident = r#"query($id: ID!) { incident(id: $id) { title } }"#;
    let search = r#"query($agent: ID) { memorySearch(query: "secret", agentId: $agent) { file } }"#;
    let (bad, missing) = ("BAD_USER_INPUT", "NOT_FOUND");
    let cases: Vec<(&str, Value, &str)> = vec![
        // Agent file names.
        (file, json!({"agent": "main", "name": "../openclaw.json"}), bad),
        (file, json!({"agent": "main", "name": "/etc/passwd"}), bad),
        (file, json!({"agent": "main", "name": "%2e%2e%2fopenclaw.json"}), bad),
        (file, json!({"agent": "main", "name": "SOUL.md\u{0}"}), bad),
        (file, json!({"agent": "main", "name": "memory/../SOUL.md"}), bad),
        (file, json!({"agent": "main", "name": "..\\SOUL.md"}), bad),
        (file, json!({"agent": "main", "name": "soul.md"}), bad),
        (file, json!({"agent": "main", "name": ""}), bad),
        (file, json!({"agent": "main", "name": "TOOLS.md"}), bad),
        (file, json!({"agent": "ops", "name": "USER.md"}), bad),
        (file, json!({"agent": "research", "name": "TOOLS.md"}), bad),
        (file, json!({"agent": "../workspace", "name": "SOUL.md"}), missing),
        (file, json!({"agent": "main/../ops", "name": "SOUL.md"}), missing),
        // Agent file writes.
        (write, json!({"agent": "main", "name": "../openclaw.json"}), bad),
        (write, json!({"agent": "main", "name": "/etc/cron.d/nexus"}), bad),
        (write, json!({"agent": "main", "name": "TOOLS.md"}), bad),
        (write, json!({"agent": "research", "name": "TOOLS.md"}), bad),
        (write, json!({"agent": "../x", "name": "SOUL.md"}), missing),
        // Doc paths.
        (doc, json!({"path": "../openclaw.json"}), bad),
        (doc, json!({"path": "../../etc/passwd"}), bad),
        (doc, json!({"path": "/etc/passwd"}), bad),
        (doc, json!({"path": "%2e%2e%2fincidents%2f2026-12-01-draft-notes.md"}), bad),
        (doc, json!({"path": "runbooks/../../openclaw.json"}), bad),
        (doc, json!({"path": "deployment-guide.md\u{0}.md"}), bad),
        (doc, json!({"path": "C:\\Windows\\win.ini.md"}), bad),
        (doc, json!({"path": "~/notes.md"}), bad),
        (doc, json!({"path": "escape/secret.md"}), bad),
        (doc, json!({"path": "leak.md"}), bad),
        (doc, json!({"path": "binary.md"}), bad),
        (doc, json!({"path": "huge.md"}), bad),
        (doc, json!({"path": ".git/config.md"}), bad),
        (doc, json!({"path": "runbooks"}), bad),
        (doc, json!({"path": "no-such-doc.md"}), missing),
        // Memory dates.
        (note, json!({"agent": "main", "date": "../../openclaw"}), bad),
        (note, json!({"agent": "main", "date": "2026-02-30"}), bad),
        (note, json!({"agent": "main", "date": "2026-12-02.md"}), bad),
        (note, json!({"agent": "main", "date": "%2e%2e%2f"}), bad),
        (note, json!({"agent": "main", "date": "2026-12-0\u{0}2"}), bad),
        (note, json!({"agent": "main", "date": "2026-01-01"}), bad),
        (note, json!({"agent": "main", "date": "2026-01-02"}), bad),
        (note, json!({"agent": "main", "date": "2026-01-03"}), bad),
        // Incident ids.
        (incident, json!({"id": "../openclaw"}), bad),
        (incident, json!({"id": "/etc/passwd"}), bad),
        (incident, json!({"id": "%2e%2e%2fx"}), bad),
        (incident, json!({"id": "x\u{0}y"}), bad),
        (incident, json!({"id": ".."}), bad),
        (incident, json!({"id": "no-such-incident"}), missing),
        // Search scoped to an agent id that is a path.
        (search, json!({"agent": "../workspace"}), missing),
    ];
    assert!(cases.len() >= 20);
    let leak = dir.path().display().to_string();
    for (query, vars, expected) in &cases {
        let resp = app.execute_as(Role::Operator, query, vars.clone()).await;
        assert_eq!(resp.error_codes(), [*expected], "{vars}: {}", resp.body);
        let message = resp.error_message();
        assert!(
            !message.is_empty() && !message.contains(&leak) && !message.contains("top secret"),
            "{vars}: {message}"
        );
    }

    // The non-UTF-8 report is listed with a parse error, not dropped.
    let resp = app.execute_as(Role::Viewer, r#"{ incident(id: "binary") { parseError } }"#, json!({})).await;
    assert!(resp.data()["incident"]["parseError"].as_str().unwrap().contains("not UTF-8"), "{}", resp.body);
    // Symlinked and hidden docs are not listed; unreadable ones say why.
    let resp = app.execute_as(Role::Viewer, "{ docs { folders { name } files { name problem } } }", json!({})).await;
    let docs = resp.data()["docs"].clone();
    assert!(
        !docs.to_string().contains("escape")
            && !docs.to_string().contains("leak")
            && !docs.to_string().contains(".git")
    );
    let huge = docs["files"].as_array().unwrap().iter().find(|f| f["name"] == "huge.md").unwrap().clone();
    assert!(huge["problem"].as_str().unwrap().contains("16384"), "{huge}");
    // Search never reads through the symbolic links.
    let resp = app
        .execute_as(
            Role::Viewer,
            r#"{ memorySearch(query: "top secret") { file } docSearch(query: "top secret") { path } }"#,
            json!({}),
        )
        .await;
    assert_eq!(resp.data(), &json!({"memorySearch": [], "docSearch": []}));

    assert!(tree(dir.path()) == before, "a hostile request changed the files");
}

async fn a_missing_or_invalid_openclaw_json_makes_ready_name_the_workspace_and_agents_unavailable(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    std::fs::remove_file(home.join("openclaw.json")).unwrap();
    let app = &spawn_app_at(backend, &home, &[]).await;

    let (status, body) = ready(app).await;
    assert_eq!(status, 503);
    assert_eq!(body["down"], json!(["workspace"]), "{body}");
    assert_eq!(body["checks"]["database"], "ok");
    let resp = app.execute_as(Role::Viewer, "{ agents { id } }", json!({})).await;
    assert_eq!(resp.error_code(), Some("UNAVAILABLE"), "{}", resp.body);
    assert!(resp.error_message().contains("openclaw.json was not found"), "{}", resp.error_message());
    assert!(!resp.error_message().contains(&dir.path().display().to_string()));
    // The rest of the API works.
    let resp = app
        .execute_as(
            Role::Viewer,
            "{ incidents { totalCount } docs { files { name } } serverStatus { version } }",
            json!({}),
        )
        .await;
    assert_eq!(resp.data()["incidents"]["totalCount"], 7);

    // Restoring the file brings the agents back without a restart…
    std::fs::copy(demo_home().join("openclaw.json"), home.join("openclaw.json")).unwrap();
    wait_for(|| async move { ready(app).await.0 == 200 }).await;
    let resp = app.execute_as(Role::Viewer, "{ agents { id } }", json!({})).await;
    assert_eq!(resp.data()["agents"].as_array().unwrap().len(), 5);

    // …and breaking it takes them away again, with the place of the mistake.
    std::fs::write(home.join("openclaw.json"), "{\n  agents: {\n    list: [,]\n  }\n}\n").unwrap();
    wait_for(|| async move { ready(app).await.0 == 503 }).await;
    assert_eq!(ready(app).await.1["down"], json!(["workspace"]));
    let resp = app.execute_as(Role::Viewer, r#"{ agents { id } agent(id: "main") { name } }"#, json!({})).await;
    assert_eq!(resp.error_codes(), ["UNAVAILABLE", "UNAVAILABLE"], "{}", resp.body);
    assert!(resp.error_message().contains("not valid JSON5 at line 3, column"), "{}", resp.error_message());
    let resp = app.execute_as(Role::Viewer, r#"{ doc(path: "onboarding.md") { title } }"#, json!({})).await;
    assert_eq!(resp.data()["doc"]["title"], "Onboarding: your first day with Nexus");
}

async fn resolving_an_incident_on_disk_pings_dashboard_changed_and_empties_its_queue_slot(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let app = spawn_app_at(backend, &home, &[]).await;
    let open_count = || async {
        app.execute_as(Role::Viewer, "{ dashboard { openIncidents { totalCount } } }", json!({})).await.data()
            ["dashboard"]["openIncidents"]["totalCount"]
            .as_i64()
            .unwrap()
    };
    let before = open_count().await;
    assert!(before > 0, "the demo has open incidents");
    let mut pings = ws_subscribe(&app, Role::Viewer, "subscription { dashboardChanged { changes } }", json!({})).await;
    assert!(tokio::time::timeout(Duration::from_millis(300), pings.next()).await.is_err(), "quiet at first");

    // Mark the first open report resolved, the way an operator edits the file.
    let resp =
        app.execute_as(Role::Viewer, "{ incidents(status: OPEN, first: 1) { nodes { fileName } } }", json!({})).await;
    let file = resp.data()["incidents"]["nodes"][0]["fileName"].as_str().unwrap().to_owned();
    let path = home.join("nexus/incidents").join(&file);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("**Status:** open", "**Status:** resolved", 1);
    assert_ne!(text, edited, "{file} names its status the documented way");
    save(&path, &edited);

    let ping = tokio::time::timeout(Duration::from_secs(2), pings.next()).await.expect("a dashboardChanged ping");
    assert!(ping.unwrap()["dashboardChanged"]["changes"].as_i64().unwrap() >= 1);
    assert_eq!(open_count().await, before - 1);
}

async fn folders_created_after_start_up_are_watched_from_then_on(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    // The gateway creates an agent's workspace on first use; the docs folder may come later too.
    std::fs::remove_dir_all(home.join("workspace-qa")).unwrap();
    std::fs::remove_dir_all(home.join("nexus/docs")).unwrap();
    let app = spawn_app_at(backend, &home, &[]).await;
    async fn notes(app: &TestApp) -> i64 {
        let query = r#"{ agent(id: "qa") { memory(first: 5) { totalCount } } }"#;
        app.execute_as(Role::Viewer, query, json!({})).await.data()["agent"]["memory"]["totalCount"].as_i64().unwrap()
    }
    assert_eq!(notes(&app).await, 0);
    let mut changes = subscribe(&app).await;

    std::fs::create_dir_all(home.join("workspace-qa/memory")).unwrap();
    save(&home.join("workspace-qa/memory/2026-12-04.md"), "# 2026-12-04\n- first day\n");
    let change = change_for(&mut changes, "memory/2026-12-04.md", Duration::from_secs(3)).await;
    assert_eq!(change, json!({"kind": "MEMORY", "agentId": "qa", "path": "memory/2026-12-04.md"}));
    assert_eq!(notes(&app).await, 1);
    // And later edits inside it are seen as usual.
    save(&home.join("workspace-qa/SOUL.md"), "# SOUL.md\n");
    let change = change_for(&mut changes, "SOUL.md", Duration::from_secs(2)).await;
    assert_eq!(change["agentId"], "qa");

    std::fs::create_dir_all(home.join("nexus/docs/runbooks")).unwrap();
    save(&home.join("nexus/docs/runbooks/restore.md"), "# Restore drill\n");
    change_for(&mut changes, "runbooks/restore.md", Duration::from_secs(3)).await;
    let resp = app.execute_as(Role::Viewer, r#"{ doc(path: "runbooks/restore.md") { title } }"#, json!({})).await;
    assert_eq!(resp.data()["doc"]["title"], "Restore drill");
}

/// `GET /ready`: status and body.
async fn ready(app: &TestApp) -> (u16, Value) {
    let resp = app.client.get(format!("{}/ready", app.base)).send().await.unwrap();
    (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
}

/// Polls `condition` for up to five seconds.
async fn wait_for<F, Fut>(condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition().await {
        assert!(Instant::now() < deadline, "condition not met within five seconds");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A FIFO where a file should be (put there by an agent, or by mistake) would block a reading
/// thread until someone wrote to it; Nexus skips it or says it is not a file, and answers at once.
async fn a_fifo_in_place_of_a_workspace_file_stalls_nothing(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let fifo = |path: PathBuf| {
        std::fs::remove_file(&path).ok();
        let made = std::process::Command::new("mkfifo").arg(&path).status().expect("mkfifo runs");
        assert!(made.success(), "mkfifo {}", path.display());
    };
    fifo(home.join("workspace-qa/MEMORY.md"));
    fifo(home.join("workspace-qa/SOUL.md"));
    fifo(home.join("nexus/docs/onboarding.md"));
    let app = spawn_app_at(backend, &home, &[]).await;

    let answered = tokio::time::timeout(Duration::from_secs(10), async {
        // Scoped to the agent, and a text found nowhere: every file is read to the end.
        let search = app
            .execute_as(
                Role::Viewer,
                r#"{ qa: memorySearch(query: "the", agentId: "qa", first: 100) { file }
                     none: memorySearch(query: "no such text anywhere") { file }
                     docSearch(query: "no such text anywhere") { path } }"#,
                json!({}),
            )
            .await;
        let qa = search.data()["qa"].as_array().unwrap().clone();
        assert!(!qa.is_empty(), "the agent's daily notes are still searched: {}", search.body);
        assert!(qa.iter().all(|h| h["file"] != "MEMORY.md"), "{}", search.body);
        assert_eq!(search.data()["none"], json!([]));
        assert_eq!(search.data()["docSearch"], json!([]));

        let soul = app
            .execute_as(Role::Viewer, r#"{ agent(id: "qa") { file(name: "SOUL.md") { content } } }"#, json!({}))
            .await;
        assert_eq!(soul.error_codes(), ["BAD_USER_INPUT"], "{}", soul.body);
        let doc = app.execute_as(Role::Viewer, r#"{ doc(path: "onboarding.md") { content } }"#, json!({})).await;
        assert_eq!(doc.error_codes(), ["BAD_USER_INPUT"], "{}", doc.body);
    })
    .await;
    assert!(answered.is_ok(), "a request blocked on a FIFO");
}

/// Nexus opens files whenever it reads them, and the native watcher reports opens too. Those are
/// not changes: counted as changes, every re-read scheduled the next and an idle Nexus re-read its
/// workspace several times a second, for ever.
async fn reading_the_workspace_is_not_a_change_so_an_idle_nexus_leaves_its_files_alone(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let app = spawn_app_at(backend, &home, &[]).await;
    let workspace = &app.state.services.workspace;
    let mut changes = subscribe(&app).await;
    // Read agent files, memory, docs and incidents through the API: every kind of file is opened.
    let reads = r#"{ agents { id files { name } } main: agent(id: "main") { file(name: "SOUL.md") { content } }
        ops: agent(id: "ops") { file(name: "MEMORY.md") { content } } memorySearch(query: "deploy") { file line }
        docSearch(query: "deploy") { path } docs { name } incidents { totalCount } }"#;
    app.execute_as(Role::Viewer, reads, json!({})).await.data();
    let settle = Duration::from_millis(1500); // several debounce periods (200 ms each)
    tokio::time::sleep(settle).await;
    let idle = workspace.refresh_rounds();
    tokio::time::sleep(settle).await;
    assert_eq!(workspace.refresh_rounds(), idle, "the workspace was re-read while nothing changed");

    // A real change is still read, once, and then all is quiet again.
    save(&home.join("workspace/SOUL.md"), "# SOUL.md\n\nChanged.\n");
    change_for(&mut changes, "SOUL.md", Duration::from_secs(2)).await;
    assert!(workspace.refresh_rounds() > idle);
    tokio::time::sleep(settle).await;
    let after = workspace.refresh_rounds();
    tokio::time::sleep(settle).await;
    assert_eq!(workspace.refresh_rounds(), after, "the workspace kept being re-read after one change");
}

both_databases!(
    reading_the_workspace_is_not_a_change_so_an_idle_nexus_leaves_its_files_alone,
    a_fifo_in_place_of_a_workspace_file_stalls_nothing,
    an_edit_on_disk_reaches_a_workspace_changed_subscriber_within_two_seconds,
    a_write_through_nexus_is_announced_once,
    hostile_paths_through_the_api_get_clear_errors_and_touch_nothing,
    a_missing_or_invalid_openclaw_json_makes_ready_name_the_workspace_and_agents_unavailable,
    resolving_an_incident_on_disk_pings_dashboard_changed_and_empties_its_queue_slot,
    folders_created_after_start_up_are_watched_from_then_on,
);
