//! The live-update latencies the issues promise, measured over many samples against two real
//! `nexus serve` processes (release build) on one fresh PostgreSQL database and one workspace:
//!
//! - a mutation on process A reaches a `taskChanged` subscriber on process B (target: < 1 s);
//! - a file saved on disk reaches a `workspaceChanged` subscriber (target: < 2 s);
//! - and, for scale, how long the `dashboard` query and a task mutation take on their own, and
//!   how much memory each process holds afterwards.
//!
//! Run: `cargo bench --bench latency` (PostgreSQL at `NEXUS_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`). `BENCH_SAMPLES` (default 200) and
//! `BENCH_EDITS` (default 30) set the sample counts. It talks to 127.0.0.1 only, stops by itself
//! within five minutes, drops its database, and exits 1 when a target is missed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const PASSWORD: &str = "benchmark-owner-password-0123";
const KEY: &str = "benchmark-replicas-share-this-signing-key-0123456789";

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let samples = env_number("BENCH_SAMPLES", 200);
    let edits = env_number("BENCH_EDITS", 30);
    match tokio::time::timeout(Duration::from_secs(300), run(samples, edits)).await {
        Ok(Ok(met)) => std::process::exit(if met { 0 } else { 1 }),
        Ok(Err(e)) => {
            eprintln!("benchmark failed: {e:#}");
            std::process::exit(2);
        }
        Err(_) => {
            eprintln!("benchmark did not finish within five minutes");
            std::process::exit(2);
        }
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(default)
}

/// Everything the run made, removed again on drop (processes killed, database dropped).
struct Setup {
    admin_url: String,
    database: String,
    home: tempfile::TempDir,
    servers: Vec<tokio::process::Child>,
}

impl Setup {
    async fn drop_database(&self) {
        if let Ok(admin) = Database::connect(&self.admin_url).await {
            let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.database);
            if let Err(e) = admin.execute_unprepared(&sql).await {
                eprintln!("could not drop {}: {e}", self.database);
            }
        }
    }
}

async fn run(samples: usize, edits: usize) -> anyhow::Result<bool> {
    let admin_url = std::env::var("NEXUS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let database = format!("nexus_bench_{}", std::process::id());
    let admin = Database::connect(&admin_url).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE \"{database}\"")).await?;
    drop(admin);
    let db_url = with_database(&admin_url, &database)?;

    let home = tempfile::tempdir()?;
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/openclaw"), home.path())?;
    let mut setup = Setup { admin_url, database, home, servers: Vec::new() };
    let result = measure(&mut setup, &db_url, samples, edits).await;
    setup.servers.clear(); // kill_on_drop: the servers end before their database goes
    tokio::time::sleep(Duration::from_millis(200)).await;
    setup.drop_database().await;
    result
}

async fn measure(setup: &mut Setup, db_url: &str, samples: usize, edits: usize) -> anyhow::Result<bool> {
    let home = setup.home.path().to_owned();
    // A first, so that it alone migrates and creates the owner; then B.
    let (a_child, a) = serve(db_url, &home).await?;
    setup.servers.push(a_child);
    // The demo's projects and tasks, so the dashboard query reads a believable database.
    let seeded = tokio::process::Command::new(env!("CARGO_BIN_EXE_nexus"))
        .arg("demo")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("NEXUS_OPENCLAW_HOME", &home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await?;
    anyhow::ensure!(seeded.success(), "`nexus demo` failed");
    let (b_child, b) = serve(db_url, &home).await?;
    setup.servers.push(b_child);
    println!("two `nexus serve` processes on one PostgreSQL database: A at {a}, B at {b}");

    let http = reqwest::Client::new();
    let login = gql(
        &http,
        &a,
        None,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        json!({"i": {"username": "owner", "password": PASSWORD}}),
    )
    .await?;
    let token = login["login"]["accessToken"].as_str().ok_or_else(|| anyhow::anyhow!("no token"))?.to_owned();
    let project = gql(
        &http,
        &a,
        Some(&token),
        "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } } }",
        json!({"i": {"slug": "benchmark", "name": "Benchmark", "leadAgentId": "main"}}),
    )
    .await?;
    let project_id = project["createProject"]["project"]["id"].clone();

    let mut events = subscribe(&b, &token, &project_id).await?;
    let create_task = |title: String| {
        let (http, a, token, project_id) = (http.clone(), a.clone(), token.clone(), project_id.clone());
        async move {
            let data = gql(
                &http,
                &a,
                Some(&token),
                "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id } } }",
                json!({"i": {"projectId": project_id, "title": title, "assigneeId": "ops"}}),
            )
            .await?;
            anyhow::Ok(data["createTask"]["task"]["id"].as_str().unwrap_or_default().to_owned())
        }
    };

    // graphql-ws does not acknowledge a subscription: change things until B reports one.
    let warm_until = Instant::now() + Duration::from_secs(20);
    'warm: loop {
        anyhow::ensure!(Instant::now() < warm_until, "B never reported a change made on A");
        create_task("Warm-up".to_owned()).await?;
        let wait_until = Instant::now() + Duration::from_millis(500);
        while let Ok(Some(event)) = tokio::time::timeout_at(wait_until.into(), events.recv()).await {
            if event.id == "t" {
                break 'warm;
            }
        }
    }
    while tokio::time::timeout(Duration::from_millis(300), events.recv()).await.is_ok() {}

    // 1. Mutation on A → taskChanged on B.
    let mut cross = Vec::with_capacity(samples);
    let mut mutation = Vec::with_capacity(samples);
    for n in 0..samples {
        let started = Instant::now();
        let id = create_task(format!("Sample {n}")).await?;
        mutation.push(started.elapsed());
        let arrived = wait_for(&mut events, Duration::from_secs(10), |e| e.id == "t" && e.payload["taskId"] == id)
            .await
            .ok_or_else(|| anyhow::anyhow!("sample {n}: no taskChanged on B within 10 s"))?;
        cross.push(arrived.saturating_duration_since(started));
    }

    // 2. A file saved on disk → workspaceChanged (B's own watcher; A sees the same files).
    let soul = home.join("workspace/SOUL.md");
    let mut disk = Vec::with_capacity(edits);
    for n in 0..edits {
        let temp = soul.with_file_name(".SOUL.md.bench~");
        std::fs::write(&temp, format!("# SOUL.md\n\nEdit {n} from the benchmark.\n"))?;
        let started = Instant::now();
        std::fs::rename(&temp, &soul)?;
        let arrived = wait_for(&mut events, Duration::from_secs(10), |e| e.id == "w" && e.payload["path"] == "SOUL.md")
            .await
            .ok_or_else(|| anyhow::anyhow!("edit {n}: no workspaceChanged within 10 s"))?;
        disk.push(arrived.saturating_duration_since(started));
        // Let the temp file's own events pass, so each edit is measured alone.
        while tokio::time::timeout(Duration::from_millis(300), events.recv()).await.is_ok() {}
    }

    // 3. For scale: the dashboard query (every queue, one request) on A.
    let mut dashboard = Vec::with_capacity(samples);
    // The dashboard page's own selection (frontend/src/composables/useDashboard.ts).
    let task =
        "id title state priority priorityLabel version assigneeId stateChangedAt blockedFrom project { id name slug }";
    let queue = format!("totalCount nodes {{ {task} }}");
    let dashboard_query = format!(
        "{{ dashboard {{ generatedAt tasksByState {{ state count }} needsApproval {{ {queue} }} \
         inProgress {{ agentId {queue} }} ready {{ {queue} }} blocked {{ {queue} }} recentlyDone {{ {queue} }} \
         openIncidents {{ source message totalCount unreadable nodes {{ id title severity status startedAt }} }} }} }}"
    );
    for _ in 0..samples {
        let started = Instant::now();
        gql(&http, &a, Some(&token), &dashboard_query, json!({})).await?;
        dashboard.push(started.elapsed());
    }

    println!();
    println!("{:<52} {:>6} {:>9} {:>9} {:>9} {:>9}", "measure", "n", "p50", "p95", "p99", "max");
    report("mutation on A → taskChanged on B (target < 1 s)", &mut cross);
    report("createTask round trip on A", &mut mutation);
    report("file saved on disk → workspaceChanged (target < 2 s)", &mut disk);
    report("dashboard query on A (demo data)", &mut dashboard);
    for (name, child) in ["A", "B"].iter().zip(&setup.servers) {
        println!("memory of {name} after the run: {}", memory(child.id()));
    }
    let cross_met = cross.iter().all(|d| *d < Duration::from_secs(1));
    let disk_met = disk.iter().all(|d| *d < Duration::from_secs(2));
    println!();
    println!("cross-process target (every sample < 1 s): {}", if cross_met { "met" } else { "NOT met" });
    println!("disk-edit target (every sample < 2 s): {}", if disk_met { "met" } else { "NOT met" });
    Ok(cross_met && disk_met)
}

/// Prints n, p50, p95, p99 and max of `values` (sorted in place).
fn report(name: &str, values: &mut [Duration]) {
    values.sort();
    let at = |q: f64| values[((values.len() as f64 - 1.0) * q).round() as usize];
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{name:<52} {:>6} {:>9} {:>9} {:>9} {:>9}",
        values.len(),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(0.99)),
        ms(values[values.len() - 1])
    );
}

/// Resident and peak resident memory of a process, from `/proc` (Linux; otherwise "unknown").
fn memory(pid: Option<u32>) -> String {
    let status = pid.and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok()).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "unknown".into())
    };
    format!("resident {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}

/// Starts `nexus serve` (release build) and returns it with its `host:port`.
async fn serve(db_url: &str, home: &Path) -> anyhow::Result<(tokio::process::Child, String)> {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_nexus"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NEXUS_BIND", "127.0.0.1:0")
        .env("DATABASE_URL", db_url)
        .env("NEXUS_JWT_KEY", KEY)
        .env("NEXUS_OWNER_PASSWORD", PASSWORD)
        .env("NEXUS_OPENCLAW_HOME", home)
        .env("NEXUS_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("piped")).lines();
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(start) = line.find("listening on http://") {
                let rest = &line[start + "listening on http://".len()..];
                let addr: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect();
                return anyhow::Ok(addr);
            }
        }
        anyhow::bail!("nexus serve ended before it listened")
    })
    .await
    .map_err(|_| anyhow::anyhow!("nexus serve did not listen within 30 s"))??;
    // Keep draining its log so the pipe never fills and blocks it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, addr))
}

/// Runs a GraphQL request; the `data` or an error naming the first GraphQL error.
async fn gql(
    http: &reqwest::Client,
    addr: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let mut req = http.post(format!("http://{addr}/graphql")).json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let body: Value = req.send().await?.json().await?;
    if let Some(error) = body["errors"].get(0) {
        anyhow::bail!("GraphQL error: {error}");
    }
    Ok(body["data"].clone())
}

/// One `next` message: which subscription (`t` tasks, `w` workspace), its payload's field, and
/// when it was read off the socket.
struct Event {
    id: String,
    payload: Value,
    at: Instant,
}

/// Opens a graphql-transport-ws socket on `addr` with a `taskChanged` (id `t`) and a
/// `workspaceChanged` (id `w`) subscription; events are stamped as they are read.
async fn subscribe(addr: &str, token: &str, project_id: &Value) -> anyhow::Result<mpsc::UnboundedReceiver<Event>> {
    let mut req = format!("ws://{addr}/graphql/ws").into_client_request()?;
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    let text = |v: Value| Message::Text(v.to_string().into());
    ws.send(text(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}))).await?;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .map_err(|_| anyhow::anyhow!("no connection_ack"))?
            .ok_or_else(|| anyhow::anyhow!("socket closed before connection_ack"))??;
        if msg.to_text().is_ok_and(|t| t.contains("connection_ack")) {
            break;
        }
    }
    let tasks = "subscription($p: ID!) { taskChanged(projectId: $p) { kind taskId } }";
    ws.send(text(json!({"type": "subscribe", "id": "t", "payload": {"query": tasks, "variables": {"p": project_id}}})))
        .await?;
    let files = "subscription { workspaceChanged { kind agentId path } }";
    ws.send(text(json!({"type": "subscribe", "id": "w", "payload": {"query": files}}))).await?;
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(msg)) = ws.next().await {
            let at = Instant::now();
            let Message::Text(text) = msg else { continue };
            let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
            if v["type"] != "next" {
                continue;
            }
            let id = v["id"].as_str().unwrap_or_default().to_owned();
            let field = if id == "t" { "taskChanged" } else { "workspaceChanged" };
            let payload = v["payload"]["data"][field].clone();
            if tx.send(Event { id, payload, at }).is_err() {
                break;
            }
        }
    });
    Ok(rx)
}

/// The arrival time of the first event matching `wanted` within `within`, skipping others.
async fn wait_for(
    events: &mut mpsc::UnboundedReceiver<Event>,
    within: Duration,
    wanted: impl Fn(&Event) -> bool,
) -> Option<Instant> {
    let until = tokio::time::Instant::now() + within;
    while let Ok(Some(event)) = tokio::time::timeout_at(until, events.recv()).await {
        if wanted(&event) {
            return Some(event.at);
        }
    }
    None
}

/// `url` with its path (the database name) replaced.
fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(url)?;
    url.set_path(database);
    Ok(url.to_string())
}

/// Copies the folder `from` into `to`, recursively (the demo workspace has no links).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
