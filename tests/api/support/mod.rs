//! Test harness: the real app on port 0 with a fresh database per test, on SQLite or PostgreSQL.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use futures::StreamExt;
use nexus::app::AppState;
use nexus::config::Config;
use nexus::services::auth::Role;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

pub mod process;
pub mod work;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A throwaway database on the PostgreSQL server at `NEXUS_TEST_DATABASE_URL`.
    Postgres,
}

/// Generates `on_sqlite` and `on_postgres` tests for an `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        }
    )+};
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("NEXUS_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that exists for one test.
pub struct TestDb {
    /// Connection URL for Nexus.
    pub url: String,
    backend: Backend,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Creates a fresh database. A missing PostgreSQL fails loudly: the Postgres half must never skip.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}/nexus.db?mode=rwc", dir.path().display());
                Self { url, backend, pg_name: None, _dir: Some(dir) }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("nexus_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = pg_connect(&admin).await;
                sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("creating the test database");
                let mut url = url::Url::parse(&admin).expect("NEXUS_TEST_DATABASE_URL");
                url.set_path(&name);
                Self { url: url.to_string(), backend, pg_name: Some(name), _dir: None }
            }
        }
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

async fn pg_connect(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    match sqlx::PgConnection::connect(url).await {
        Ok(c) => c,
        Err(e) => panic!(
            "PostgreSQL is required for the PostgreSQL half of the suite and is not reachable at {url}: {e}. \
             Start it (pg_ctlcluster --skip-systemctl-redirect 15 main start) or set NEXUS_TEST_DATABASE_URL."
        ),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let admin = postgres_admin_url();
            // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ = sqlx::Executor::execute(
                            &mut conn,
                            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                        )
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Log lines written by the app during this test process.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Everything logged so far.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

struct BufWriter(Arc<Mutex<Vec<u8>>>);
impl Write for BufWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The process-wide log capture (installed once; the app logs into it).
pub fn logs() -> LogBuffer {
    static LOGS: OnceLock<LogBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = LogBuffer::default();
        let sink = buffer.0.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,nexus=debug,sqlx=warn,sea_orm=warn,sea_orm_migration=warn")
            .with_ansi(false)
            .with_writer(move || BufWriter(sink.clone()))
            .try_init();
        buffer
    })
    .clone()
}

/// The owner password every test app starts with (user `owner`).
pub const OWNER_PASSWORD: &str = "owner-password-for-tests";

/// A signed-in test user.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// Id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// Access token.
    pub token: String,
    /// Refresh token (asked for in the body).
    pub refresh_token: String,
}

/// A running Nexus.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The app's state (database handle, services).
    pub state: AppState,
    /// HTTP client with a cookie store.
    pub client: reqwest::Client,
    shutdown: CancellationToken,
    users_by_role: tokio::sync::Mutex<HashMap<Role, TestUser>>,
    /// The database (dropped after the last app on it).
    pub db: Arc<TestDb>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Starts Nexus on a fresh database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// Starts Nexus on a fresh database with extra environment variables.
pub async fn spawn_app_with(backend: Backend, env: &[(&str, &str)]) -> TestApp {
    let db = TestDb::create(backend).await;
    spawn_app_on(db, env).await
}

/// Starts Nexus on an existing test database; pass an `Arc` to run several apps on one database.
pub async fn spawn_app_on(db: impl Into<Arc<TestDb>>, env: &[(&str, &str)]) -> TestApp {
    let db: Arc<TestDb> = db.into();
    logs();
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), db.url.clone()),
        ("NEXUS_BIND".into(), "127.0.0.1:0".into()),
        ("NEXUS_WEB_DIR".into(), format!("{}/frontend/dist", env!("CARGO_MANIFEST_DIR"))),
        ("NEXUS_DB_MAX_CONNECTIONS".into(), "5".into()),
        ("NEXUS_OWNER_PASSWORD".into(), OWNER_PASSWORD.into()),
        // Tests sign in often from one address; the limiter has tests of its own.
        ("NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_IP".into(), "100000".into()),
        ("NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_USER".into(), "100000".into()),
        // The demo in the repository, read-only; tests that write use a copy (`demo_copy`).
        ("NEXUS_OPENCLAW_HOME".into(), demo_home().display().to_string()),
        ("NEXUS_WORKSPACE_DEBOUNCE_MS".into(), "100".into()),
    ]);
    for (k, v) in env {
        vars.insert((*k).into(), (*v).into());
    }
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test config");
    let state = AppState::build(config).await.expect("app starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let server_state = state.clone();
    let token = shutdown.clone();
    tokio::spawn(async move { nexus::http::serve(server_state, listener, token, false).await });
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    TestApp { base: format!("http://{addr}"), addr, state, client, shutdown, users_by_role: Default::default(), db }
}

/// A GraphQL response as the client saw it.
pub struct GqlResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The JSON body.
    pub body: Value,
}

impl GqlResponse {
    /// Wraps a response of the schema executed in-process.
    pub fn from_response(response: async_graphql::Response) -> Self {
        let body = serde_json::to_value(&response).expect("response serialises");
        Self { status: 200, headers: reqwest::header::HeaderMap::new(), body }
    }

    /// Every error's `extensions.code`, in order.
    pub fn error_codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    /// `data` (panics with the errors when absent).
    pub fn data(&self) -> &Value {
        match self.body.get("data") {
            Some(d) if !d.is_null() && self.body.get("errors").is_none() => d,
            _ => panic!("expected data, got {}", self.body),
        }
    }

    /// The first error's `extensions.code`.
    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    /// The first error's message.
    pub fn error_message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or("")
    }
}

impl TestApp {
    /// The GraphQL endpoint.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base)
    }

    /// The WebSocket endpoint.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql/ws", self.addr)
    }

    /// POSTs a GraphQL request (application/graphql-response+json), optionally with a bearer token.
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> GqlResponse {
        let mut req = self
            .client
            .post(self.graphql_url())
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.json().await.expect("json body");
        GqlResponse { status, headers, body }
    }

    /// POSTs an anonymous GraphQL request.
    pub async fn gql(&self, query: &str, variables: Value) -> GqlResponse {
        self.gql_as(None, query, variables).await
    }

    /// Signs in (refresh token in the body); panics unless it works.
    pub async fn login(&self, username: &str, password: &str) -> TestUser {
        let resp = self
            .gql(
                "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p, refreshTokenInBody: true}) { accessToken refreshToken user { id username } } }",
                json!({"u": username, "p": password}),
            )
            .await;
        let login = &resp.data()["login"];
        TestUser {
            id: login["user"]["id"].as_str().unwrap().to_owned(),
            username: login["user"]["username"].as_str().unwrap().to_owned(),
            password: password.to_owned(),
            token: login["accessToken"].as_str().unwrap().to_owned(),
            refresh_token: login["refreshToken"].as_str().unwrap().to_owned(),
        }
    }

    /// The owner, signed in.
    pub async fn owner(&self) -> TestUser {
        self.login("owner", OWNER_PASSWORD).await
    }

    /// Creates a user with `role` (VIEWER, OPERATOR, OWNER) through the API and signs them in.
    pub async fn user_with_role(&self, role: &str) -> TestUser {
        let owner = self.owner().await;
        let username = format!("{}-{}", role.to_lowercase(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        let resp = self
            .gql_as(
                Some(&owner.token),
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
                json!({"i": {"username": username, "role": role, "password": password}}),
            )
            .await;
        resp.data();
        self.login(&username, &password).await
    }
    /// POSTs a GraphQL request as a signed-in user with `role` (one user per role and app,
    /// created and signed in on first use).
    pub async fn execute_as(&self, role: Role, query: &str, variables: Value) -> GqlResponse {
        let token = self.execute_as_token(role).await;
        self.gql_as(Some(&token), query, variables).await
    }
}

/// The demo OpenClaw home in the repository.
pub fn demo_home() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/openclaw")
}

/// A private copy of the demo OpenClaw home, for tests that change files. The returned folder
/// holds the copy at `openclaw/` and has room beside it for things "outside" the home.
pub fn demo_copy() -> tempfile::TempDir {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    copy(&demo_home(), &dir.path().join("openclaw"));
    dir
}

/// Starts Nexus on a fresh database with the OpenClaw home at `home`.
pub async fn spawn_app_at(backend: Backend, home: &std::path::Path, env: &[(&str, &str)]) -> TestApp {
    let home = home.display().to_string();
    let mut vars: Vec<(&str, &str)> = vec![("NEXUS_OPENCLAW_HOME", home.as_str())];
    vars.extend_from_slice(env);
    spawn_app_with(backend, &vars).await
}

impl TestApp {
    /// Starts the graceful shutdown (what SIGTERM does to the binary).
    pub fn begin_shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Runs one operation over `/graphql/ws` with `token` and returns its first answer
    /// (`{data}`/`{errors}` of a `next`, or `{errors}` of an `error` message).
    pub async fn ws_once(&self, token: &str, query: &str) -> Value {
        use futures::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::Message;

        let mut req = self.ws_url().into_client_request().unwrap();
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("ws connects");
        let send = |v: Value| Message::Text(v.to_string().into());
        ws.send(send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}})))
            .await
            .unwrap();
        ws.send(send(json!({"type": "subscribe", "id": "1", "payload": {"query": query}}))).await.unwrap();
        loop {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
                .await
                .expect("an answer within 10 s");
            let Some(Ok(Message::Text(text))) = frame else { panic!("unexpected frame {frame:?}") };
            let msg: Value = serde_json::from_str(&text).unwrap();
            match msg["type"].as_str() {
                Some("next") => return msg["payload"].clone(),
                Some("error") => return json!({ "errors": msg["payload"] }),
                _ => continue,
            }
        }
    }

    /// Creates a user with `role` (VIEWER, OPERATOR, OWNER) and a display name through the API
    /// and signs them in.
    pub async fn signed_in(&self, role: &str, display_name: &str) -> TestUser {
        let owner = self.owner().await;
        let username = format!("{}-{}", role.to_lowercase(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        let resp = self
            .gql_as(
                Some(&owner.token),
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
                json!({"i": {"username": username, "role": role, "password": password, "displayName": display_name}}),
            )
            .await;
        resp.data();
        self.login(&username, &password).await
    }

    /// Subscribes over `/graphql/ws` with `token` and returns once the subscription is live
    /// (its event receiver is registered in this process), so that nothing committed afterwards
    /// can be missed.
    pub async fn ws_subscribe(&self, token: &str, query: &str, variables: Value) -> LiveSubscription {
        use futures::SinkExt;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::Message;

        let mut req = self.ws_url().into_client_request().unwrap();
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("ws connects");
        let send = |v: Value| Message::Text(v.to_string().into());
        ws.send(send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}})))
            .await
            .unwrap();
        loop {
            match tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) if t.contains("connection_ack") => break,
                Ok(Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_)))) => continue,
                other => panic!("expected connection_ack, got {other:?}"),
            }
        }
        // Counted after the ack: the connection itself listens to the bus (for session revocations).
        let before = self.state.services.bus.subscriber_count();
        ws.send(send(json!({"type": "subscribe", "id": "1", "payload": {"query": query, "variables": variables}})))
            .await
            .unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                let Message::Text(text) = msg else { continue };
                let v: Value = serde_json::from_str(&text).expect("json message");
                let item = match v["type"].as_str() {
                    Some("next") => v["payload"].clone(),
                    Some("error") => json!({ "errors": v["payload"] }),
                    Some("complete") => break,
                    _ => continue,
                };
                if tx.send(item).is_err() {
                    break;
                }
            }
        });
        let mut sub = LiveSubscription { rx, task };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.state.services.bus.subscriber_count() <= before {
            if let Ok(first) = sub.rx.try_recv() {
                panic!("the subscription ended before it was live: {first}");
            }
            assert!(std::time::Instant::now() < deadline, "the subscription did not become live within 10 s");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        sub
    }
}

/// A running subscription's responses (`{data}` or `{errors}`), read from its WebSocket.
pub struct LiveSubscription {
    rx: tokio::sync::mpsc::UnboundedReceiver<Value>,
    task: tokio::task::JoinHandle<()>,
}

impl LiveSubscription {
    /// The next response, or `None` if none arrives within `within`.
    pub async fn next_within(&mut self, within: std::time::Duration) -> Option<Value> {
        tokio::time::timeout(within, self.rx.recv()).await.ok().flatten()
    }

    /// Discards responses until none arrives for `quiet`: with PostgreSQL, notifications of
    /// changes committed before the subscription started may still be on their way.
    pub async fn drain(&mut self, quiet: std::time::Duration) -> usize {
        let mut n = 0;
        while self.next_within(quiet).await.is_some() {
            n += 1;
        }
        n
    }

    /// Whether the server ends the subscription's socket within `within` (responses that arrive
    /// before are discarded).
    pub async fn ended_within(&mut self, within: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(_)) => continue,
                Ok(None) => return true,
                Err(_) => return false,
            }
        }
    }

    /// The next response (panics after 10 s).
    pub async fn next(&mut self) -> Value {
        self.next_within(std::time::Duration::from_secs(10)).await.expect("a subscription event within 10 s")
    }
}

impl Drop for LiveSubscription {
    fn drop(&mut self) {
        // Dropping the socket ends the subscription on the server.
        self.task.abort();
    }
}

/// Runs a Node script from `tests/js` and returns (exit ok, stdout + stderr).
pub async fn run_node(script: &str, args: &[&str]) -> (bool, String) {
    run_node_in("tests/js", script, args, std::time::Duration::from_secs(60)).await
}

/// Runs a Node script from a package directory of the repository (`tests/js`, `tests/e2e`) and
/// returns (exit ok, stdout + stderr). Fails loudly when the package's dependencies are missing,
/// and kills the script when it outlives `limit`.
pub async fn run_node_in(package: &str, script: &str, args: &[&str], limit: std::time::Duration) -> (bool, String) {
    let dir = format!("{}/{package}", env!("CARGO_MANIFEST_DIR"));
    assert!(
        std::path::Path::new(&format!("{dir}/node_modules")).is_dir(),
        "{package}/node_modules is missing: run `npm ci --prefix {package}` (scripts/test does)"
    );
    let out = tokio::time::timeout(
        limit,
        tokio::process::Command::new("node")
            .arg(format!("{dir}/{script}"))
            .args(args)
            .current_dir(&dir)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("node {package}/{script} did not finish within {} s", limit.as_secs()))
    .expect("node runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Subscribes over `/graphql/ws` (graphql-transport-ws) as a user with `role`; yields each
/// `next` payload's `data`. Waits until the server acknowledged the connection.
pub async fn ws_subscribe(
    app: &TestApp,
    role: Role,
    query: &str,
    variables: Value,
) -> futures::stream::BoxStream<'static, Value> {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    let token = app.execute_as_token(role).await;
    let mut req = app.ws_url().into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("ws connects");
    let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}});
    ws.send(Message::Text(init.to_string().into())).await.unwrap();
    let ack = ws.next().await.expect("ack").expect("ack frame");
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
    let sub = json!({"type": "subscribe", "id": "1", "payload": {"query": query, "variables": variables}});
    ws.send(Message::Text(sub.to_string().into())).await.unwrap();
    ws.filter_map(|frame| async move {
        let text = match frame {
            Ok(Message::Text(t)) => t,
            Ok(Message::Close(c)) => panic!("the server closed the subscription: {c:?}"),
            _ => return None,
        };
        let msg: Value = serde_json::from_str(&text).unwrap();
        match msg["type"].as_str() {
            Some("next") => {
                assert!(msg["payload"]["errors"].is_null(), "{msg}");
                Some(msg["payload"]["data"].clone())
            }
            Some("error") => panic!("subscription refused: {msg}"),
            _ => None,
        }
    })
    .boxed()
}

impl TestApp {
    /// The access token of this app's user with `role` (created on first use).
    pub async fn execute_as_token(&self, role: Role) -> String {
        let mut users = self.users_by_role.lock().await;
        if let Some(u) = users.get(&role) {
            return u.token.clone();
        }
        let user = if role == Role::Owner { self.owner().await } else { self.user_with_role(role.as_str()).await };
        let token = user.token.clone();
        users.insert(role, user);
        token
    }
}
