//! The team through GraphQL: agents from the demo workspace, their files, and editing them.

use nexus::services::auth::Role;
use serde_json::{json, Value};

use crate::both_databases;
use crate::support::{demo_copy, spawn_app, spawn_app_at, Backend};

const AGENTS: &str = "{ agents { id name emoji theme creature vibe avatarUrl isDefault workspace goal
    model { primary fallbacks } heartbeat { every everySeconds activeHours { start end } } } }";

const EDIT: &str = "mutation($input: UpdateAgentFileInput!) {
    updateAgentFile(input: $input) { file { name content hash size modifiedAt } } }";

fn sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

async fn the_demo_team_is_listed_with_iris_as_the_default_agent(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.execute_as(Role::Viewer, AGENTS, json!({})).await;
    let agents = resp.data()["agents"].as_array().unwrap().clone();
    let ids: Vec<&str> = agents.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["main", "ops", "research", "writer", "qa"]);

    let iris = &agents[0];
    assert_eq!(iris["name"], "Iris");
    assert_eq!(iris["emoji"], "🌸");
    assert_eq!(iris["isDefault"], true);
    assert_eq!(iris["theme"], "mission-control lead");
    assert_eq!(iris["creature"], "mission-control familiar");
    assert_eq!(iris["vibe"], "calm, precise, a little wry");
    assert_eq!(iris["avatarUrl"], "/api/agents/main/avatar");
    assert!(iris["workspace"].as_str().unwrap().ends_with("demo/openclaw/workspace"), "{iris}");
    assert!(iris["goal"].as_str().unwrap().contains("Ship Release 2026.12"), "{iris}");
    assert_eq!(
        iris["model"],
        json!({"primary": "anthropic/claude-opus-4-6", "fallbacks": ["anthropic/claude-sonnet-4-6"]})
    );
    assert_eq!(
        iris["heartbeat"],
        json!({"every": "30m", "everySeconds": 1800, "activeHours": {"start": "08:00", "end": "22:00"}})
    );
    assert!(agents[1..].iter().all(|a| a["isDefault"] == false));

    let kit = &agents[1];
    assert_eq!((kit["name"].as_str(), kit["emoji"].as_str()), (Some("Kit"), Some("🛠️")));
    assert_eq!(kit["heartbeat"]["everySeconds"], 900);
    assert!(kit["workspace"].as_str().unwrap().ends_with("demo/openclaw/workspace-ops"));
    // A string model is a primary only; the fallbacks come from agents.defaults.
    let tess = &agents[4];
    assert_eq!(tess["model"], json!({"primary": "anthropic/claude-sonnet-4-6", "fallbacks": ["openai/gpt-5.2"]}));
    // "(pick something you like)" is the template placeholder: unset.
    assert_eq!(tess["vibe"], Value::Null);
    assert_eq!(tess["goal"], Value::Null);
    assert_eq!(tess["avatarUrl"], Value::Null);
}

async fn an_agent_shows_its_allow_listed_files_with_hashes_and_their_content(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .execute_as(
            Role::Viewer,
            r#"{ agent(id: "main") { files { name size hash modifiedAt } file(name: "SOUL.md") { name content hash size } } }"#,
            json!({}),
        )
        .await;
    let agent = &resp.data()["agent"];
    let names: Vec<&str> = agent["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["AGENTS.md", "SOUL.md", "IDENTITY.md", "USER.md", "MEMORY.md", "GOAL.md"]);

    let on_disk = std::fs::read_to_string(crate::support::demo_home().join("workspace/SOUL.md")).unwrap();
    let soul = &agent["file"];
    assert_eq!(soul["content"], on_disk.as_str());
    assert!(on_disk.contains("You are Iris, lead of the small team"));
    assert_eq!(soul["hash"], sha256(&on_disk));
    assert_eq!(soul["size"], on_disk.len());
    let listed = agent["files"].as_array().unwrap().iter().find(|f| f["name"] == "SOUL.md").unwrap();
    assert_eq!(listed["hash"], soul["hash"]);
}

async fn an_unknown_agent_is_not_found_and_a_missing_file_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.execute_as(Role::Viewer, r#"{ agent(id: "nobody") { id } }"#, json!({})).await;
    assert_eq!(resp.error_code(), Some("NOT_FOUND"), "{}", resp.body);
    let resp =
        app.execute_as(Role::Viewer, r#"{ agent(id: "qa") { file(name: "GOAL.md") { content } } }"#, json!({})).await;
    assert_eq!(resp.error_code(), Some("NOT_FOUND"), "{}", resp.body);
    assert_eq!(resp.body["data"]["agent"]["file"], Value::Null);
}

async fn editing_soul_md_with_a_stale_hash_is_a_conflict_and_leaves_the_file_unchanged(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let app = spawn_app_at(backend, &home, &[]).await;
    let path = home.join("workspace/SOUL.md");
    let before = std::fs::read(&path).unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();

    let input = json!({"agentId": "main", "name": "SOUL.md", "content": "# Overwritten\n", "expectedHash": sha256("an older version")});
    let resp = app.execute_as(Role::Operator, EDIT, json!({ "input": input })).await;
    assert_eq!(resp.error_code(), Some("CONFLICT"), "{}", resp.body);
    assert_eq!(resp.body["errors"][0]["extensions"]["currentHash"], sha256(std::str::from_utf8(&before).unwrap()));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), modified);

    // Creating (no expectedHash) over an existing file is a conflict as well.
    let input = json!({"agentId": "main", "name": "SOUL.md", "content": "# Overwritten\n"});
    let resp = app.execute_as(Role::Operator, EDIT, json!({ "input": input })).await;
    assert_eq!(resp.error_code(), Some("CONFLICT"), "{}", resp.body);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

async fn a_correct_edit_replaces_the_file_atomically_and_never_touches_openclaw_json(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let app = spawn_app_at(backend, &home, &[]).await;
    let config_before = std::fs::read(home.join("openclaw.json")).unwrap();
    let current = app
        .execute_as(Role::Viewer, r#"{ agent(id: "main") { file(name: "SOUL.md") { hash } } }"#, json!({}))
        .await
        .data()["agent"]["file"]["hash"]
        .as_str()
        .unwrap()
        .to_owned();

    let content = "# SOUL.md - Who You Are\n\nYou are Iris. Keep the humans informed.\n";
    let input = json!({"agentId": "main", "name": "SOUL.md", "content": content, "expectedHash": current});
    let resp = app.execute_as(Role::Operator, EDIT, json!({ "input": input })).await;
    let file = &resp.data()["updateAgentFile"]["file"];
    assert_eq!(file["content"], content);
    assert_eq!(file["hash"], sha256(content));
    assert_eq!(file["size"], content.len());
    assert_eq!(std::fs::read_to_string(home.join("workspace/SOUL.md")).unwrap(), content);
    // The temporary file was renamed into place: nothing else is left in the folder.
    let mut names: Vec<String> = std::fs::read_dir(home.join("workspace"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["AGENTS.md", "GOAL.md", "IDENTITY.md", "MEMORY.md", "SOUL.md", "USER.md", "avatars", "memory"]);

    // The listing follows at once, and the old hash is now stale.
    let resp = app.execute_as(Role::Viewer, r#"{ agent(id: "main") { files { name hash } } }"#, json!({})).await;
    let soul =
        resp.data()["agent"]["files"].as_array().unwrap().iter().find(|f| f["name"] == "SOUL.md").unwrap().clone();
    assert_eq!(soul["hash"], sha256(content));
    let input = json!({"agentId": "main", "name": "SOUL.md", "content": "again", "expectedHash": current});
    assert_eq!(app.execute_as(Role::Operator, EDIT, json!({ "input": input })).await.error_code(), Some("CONFLICT"));

    // The write (and only the write, not the refused one) is in the agent's activity, with its author.
    let operator_id = app.execute_as(Role::Operator, "{ me { id } }", json!({})).await.data()["me"]["id"].clone();
    let resp = app
        .execute_as(
            Role::Viewer,
            r#"{ agents { id activity(first: 5) { kind path actorKind actorId contentHash summary } } }"#,
            json!({}),
        )
        .await;
    let agents = resp.data()["agents"].as_array().unwrap().clone();
    let main = agents.iter().find(|a| a["id"] == "main").unwrap();
    assert_eq!(
        main["activity"],
        json!([{
            "kind": "AGENT_FILE_UPDATED", "path": "SOUL.md", "actorKind": "USER", "actorId": operator_id,
            "contentHash": sha256(content), "summary": "Updated SOUL.md of main",
        }])
    );
    assert!(agents.iter().filter(|a| a["id"] != "main").all(|a| a["activity"] == json!([])));

    // A file that does not exist yet is created with no expectedHash.
    let input =
        json!({"agentId": "qa", "name": "GOAL.md", "content": "Sign off Release 2026.12.\n", "expectedHash": null});
    let resp = app.execute_as(Role::Operator, EDIT, json!({ "input": input })).await;
    assert_eq!(resp.data()["updateAgentFile"]["file"]["name"], "GOAL.md");
    let resp = app.execute_as(Role::Viewer, r#"{ agent(id: "qa") { goal } }"#, json!({})).await;
    assert_eq!(resp.data()["agent"]["goal"], "Sign off Release 2026.12.\n");

    // openclaw.json is not an agent file and is never written.
    let input = json!({"agentId": "main", "name": "openclaw.json", "content": "{}", "expectedHash": null});
    let resp = app.execute_as(Role::Operator, EDIT, json!({ "input": input })).await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(resp.body["errors"][0]["extensions"]["field"], "input.name");
    assert_eq!(std::fs::read(home.join("openclaw.json")).unwrap(), config_before);
}

async fn editing_needs_the_operator_role_and_content_within_the_limit(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let app = spawn_app_at(backend, &home, &[("NEXUS_WORKSPACE_MAX_FILE_BYTES", "4096")]).await;
    let before = std::fs::read(home.join("workspace/USER.md")).unwrap();
    let hash = sha256(std::str::from_utf8(&before).unwrap());

    let input = json!({"agentId": "main", "name": "USER.md", "content": "x", "expectedHash": hash});
    let resp = app.execute_as(Role::Viewer, EDIT, json!({ "input": input })).await;
    assert_eq!(resp.error_code(), Some("FORBIDDEN"), "{}", resp.body);

    let input = json!({"agentId": "main", "name": "USER.md", "content": "x".repeat(4097), "expectedHash": hash});
    let resp = app.execute_as(Role::Operator, EDIT, json!({ "input": input })).await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"), "{}", resp.body);
    assert_eq!(resp.body["errors"][0]["extensions"]["field"], "input.content");
    assert_eq!(std::fs::read(home.join("workspace/USER.md")).unwrap(), before);
}

async fn an_anonymous_request_for_a_guarded_field_is_unauthenticated_over_http(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.gql("{ agents { id } }", json!(null)).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.error_code(), Some("UNAUTHENTICATED"), "{}", resp.body);
    assert_eq!(resp.body["data"], Value::Null);
    let resp = app.gql(EDIT, json!({"input": {"agentId": "main", "name": "SOUL.md", "content": ""}})).await;
    assert_eq!(resp.error_code(), Some("UNAUTHENTICATED"), "{}", resp.body);
}

async fn avatars_are_served_as_images_with_nosniff_and_a_sandbox(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.client.get(format!("{}/api/agents/main/avatar", app.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert!(resp.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    let body = resp.text().await.unwrap();
    assert_eq!(body, std::fs::read_to_string(crate::support::demo_home().join("workspace/avatars/iris.svg")).unwrap());

    for id in ["qa", "nobody", "..%2Fworkspace", "main%00"] {
        let resp = app.client.get(format!("{}/api/agents/{id}/avatar", app.base)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{id}");
    }
}

async fn an_avatar_path_leaving_the_workspace_or_lying_about_its_type_is_not_served(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    std::fs::write(dir.path().join("secret.png"), b"\x89PNG\r\n\x1a\nsecret").unwrap();
    let identity = std::fs::read_to_string(home.join("workspace-ops/IDENTITY.md")).unwrap();
    std::fs::write(
        home.join("workspace-ops/IDENTITY.md"),
        identity.replace("avatars/ops.svg", "avatars/escape/secret.png"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path(), home.join("workspace-ops/avatars/escape")).unwrap();
    std::fs::write(home.join("workspace-research/fake.png"), "<html><script>alert(1)</script>").unwrap();
    let identity = std::fs::read_to_string(home.join("workspace-research/IDENTITY.md")).unwrap();
    std::fs::write(home.join("workspace-research/IDENTITY.md"), format!("{identity}\n- **Avatar:** fake.png\n"))
        .unwrap();

    let app = spawn_app_at(backend, &home, &[]).await;
    for id in ["ops", "research"] {
        let resp = app.client.get(format!("{}/api/agents/{id}/avatar", app.base)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{id}");
        assert!(!resp.text().await.unwrap().contains("secret"));
    }
}

/// Two Nexus processes (replicas) on one workspace: their check-then-write of a file is
/// serialised across processes, so of two edits sent with the same hash exactly one lands.
async fn two_replicas_editing_one_file_at_once_have_exactly_one_winner(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    let first = spawn_app_at(backend, &home, &[]).await;
    let second = spawn_app_at(backend, &home, &[]).await;
    // Sign in before the rounds, so the writes themselves race.
    first.execute_as_token(Role::Operator).await;
    second.execute_as_token(Role::Operator).await;
    let path = home.join("workspace/SOUL.md");
    for round in 0..12 {
        let current = sha256(&std::fs::read_to_string(&path).unwrap());
        let contents =
            [format!("# Soul, first replica, round {round}\n"), format!("# Soul, second replica, round {round}\n")];
        let edit = |content: &str| json!({"input": {"agentId": "main", "name": "SOUL.md", "content": content, "expectedHash": current}});
        let (a, b) = tokio::join!(
            first.execute_as(Role::Operator, EDIT, edit(&contents[0])),
            second.execute_as(Role::Operator, EDIT, edit(&contents[1])),
        );
        let won: Vec<bool> = [&a, &b].iter().map(|r| r.body["errors"].is_null()).collect();
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "round {round}: {} / {}", a.body, b.body);
        let (winner, loser) = if won[0] { (0, &b) } else { (1, &a) };
        assert_eq!(loser.error_code(), Some("CONFLICT"), "round {round}: {}", loser.body);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), contents[winner], "round {round}");
    }
}

both_databases!(
    two_replicas_editing_one_file_at_once_have_exactly_one_winner,
    the_demo_team_is_listed_with_iris_as_the_default_agent,
    an_agent_shows_its_allow_listed_files_with_hashes_and_their_content,
    an_unknown_agent_is_not_found_and_a_missing_file_too,
    editing_soul_md_with_a_stale_hash_is_a_conflict_and_leaves_the_file_unchanged,
    a_correct_edit_replaces_the_file_atomically_and_never_touches_openclaw_json,
    editing_needs_the_operator_role_and_content_within_the_limit,
    an_anonymous_request_for_a_guarded_field_is_unauthenticated_over_http,
    avatars_are_served_as_images_with_nosniff_and_a_sandbox,
    an_avatar_path_leaving_the_workspace_or_lying_about_its_type_is_not_served,
);
