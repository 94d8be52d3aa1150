//! Typed configuration read once from the environment.
//!
//! Every variable is listed in [`VARIABLES`] (the README table and `.env.example` mirror it).
//! Parsing is strict: a bad value stops start-up with one line naming the variable, because a
//! half-understood configuration is worse than none.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

/// One documented environment variable: name, default, meaning.
pub struct VarDoc {
    /// The variable's name.
    pub name: &'static str,
    /// The value used when it is unset (human-readable).
    pub default: &'static str,
    /// What it does.
    pub doc: &'static str,
}

/// Every environment variable Nexus reads, in the order the README lists them.
pub const VARIABLES: &[VarDoc] = &[
    VarDoc { name: "DATABASE_URL", default: "sqlite://./data/nexus.db?mode=rwc", doc: "SQLite or PostgreSQL connection URL (`sqlite://…` or `postgres://…`)." },
    VarDoc { name: "NEXUS_BIND", default: "127.0.0.1:8080", doc: "Listen address (host:port)." },
    VarDoc { name: "NEXUS_ENV", default: "development", doc: "`development` or `production`: production requires NEXUS_JWT_KEY and turns GraphiQL and introspection off by default." },
    VarDoc { name: "NEXUS_JWT_KEY", default: "generated per run (development only)", doc: "HS256 signing key for access tokens, at least 32 bytes. Secret." },
    VarDoc { name: "NEXUS_ACCESS_TOKEN_TTL_SECS", default: "900", doc: "Lifetime of an access token (JWT)." },
    VarDoc { name: "NEXUS_REFRESH_TOKEN_TTL_SECS", default: "604800", doc: "Lifetime of one refresh token; every refresh issues a new one." },
    VarDoc { name: "NEXUS_SESSION_MAX_AGE_SECS", default: "2592000", doc: "Absolute lifetime of a session (token family), however often it is refreshed." },
    VarDoc { name: "NEXUS_REFRESH_GRACE_SECS", default: "5", doc: "A just-rotated refresh token presented again within this time is a race, not theft: refused without revoking the session." },
    VarDoc { name: "NEXUS_OWNER_USERNAME", default: "owner", doc: "Username of the owner account created at first start." },
    VarDoc { name: "NEXUS_OWNER_PASSWORD", default: "generated and printed once (development only)", doc: "Password of the owner account created at first start (at least 12 characters). Required in production when no user exists. Secret." },
    VarDoc { name: "NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_IP", default: "20", doc: "Login attempts one client address may make per minute." },
    VarDoc { name: "NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_USER", default: "5", doc: "Login attempts per minute against one username." },
    VarDoc { name: "NEXUS_TRUST_FORWARDED_FOR", default: "false", doc: "Take the client address from the last `X-Forwarded-For` entry (only behind a proxy you run)." },
    VarDoc { name: "NEXUS_TOKEN_PURGE_INTERVAL_SECS", default: "3600", doc: "How often expired and revoked refresh tokens are deleted." },
    VarDoc { name: "NEXUS_LOG", default: "info", doc: "Log filter (tracing `EnvFilter` syntax, e.g. `nexus=debug,info`)." },
    VarDoc { name: "NEXUS_LOG_FORMAT", default: "human", doc: "`human` or `json`." },
    VarDoc { name: "NEXUS_GRAPHIQL", default: "on outside production", doc: "Serve GraphiQL on GET /graphql for browsers (`true`/`false`)." },
    VarDoc { name: "NEXUS_INTROSPECTION", default: "on outside production", doc: "Allow schema introspection (`true`/`false`)." },
    VarDoc { name: "NEXUS_BEHIND_TLS", default: "false", doc: "Set when a TLS proxy fronts Nexus: sends HSTS and marks cookies `Secure`." },
    VarDoc { name: "NEXUS_BODY_LIMIT_BYTES", default: "1048576", doc: "Largest accepted request body, /graphql included." },
    VarDoc { name: "NEXUS_REQUEST_TIMEOUT_SECS", default: "30", doc: "Time limit for one HTTP request (not for WebSockets)." },
    VarDoc { name: "NEXUS_HEADER_READ_TIMEOUT_SECS", default: "10", doc: "A client must send a request's headers within this time, or its connection is closed (slow-header attacks)." },
    VarDoc { name: "NEXUS_MAX_CONNECTIONS", default: "1024", doc: "Most HTTP connections served at once; further clients wait in the listen queue. WebSockets count while they are being set up." },
    VarDoc { name: "NEXUS_SHUTDOWN_GRACE_SECS", default: "20", doc: "How long in-flight requests may run after SIGTERM/SIGINT." },
    VarDoc { name: "NEXUS_DB_MAX_CONNECTIONS", default: "10", doc: "Database pool size." },
    VarDoc { name: "NEXUS_DB_ACQUIRE_TIMEOUT_SECS", default: "5", doc: "How long a request waits for a pooled connection before failing." },
    VarDoc { name: "NEXUS_QUERY_DEPTH_LIMIT", default: "15", doc: "Deepest selection nesting a GraphQL document may have." },
    VarDoc { name: "NEXUS_QUERY_COMPLEXITY_LIMIT", default: "20000", doc: "Largest complexity score a GraphQL document may have (each field 1, lists times their page size): enough for 50 projects × 20 tasks × 5 activity entries in one query." },
    VarDoc { name: "NEXUS_QUERY_ALIAS_LIMIT", default: "50", doc: "Most aliased fields a GraphQL document may have." },
    VarDoc { name: "NEXUS_WEB_DIR", default: "frontend/dist", doc: "Directory of the built dashboard and GraphiQL assets." },
    VarDoc { name: "NEXUS_WS_INIT_TIMEOUT_SECS", default: "10", doc: "A WebSocket that sends no `connection_init` within this time is closed with 4408." },
    VarDoc { name: "NEXUS_OPENCLAW_HOME", default: "demo/openclaw (the demo shipped in the repository, relative to the working directory)", doc: "The OpenClaw state directory: `openclaw.json` and the agent workspaces. Nexus never writes `openclaw.json`." },
    VarDoc { name: "NEXUS_DOCS_DIR", default: "NEXUS_OPENCLAW_HOME/nexus/docs", doc: "The folder of Markdown docs shown in Nexus." },
    VarDoc { name: "NEXUS_INCIDENTS_DIR", default: "NEXUS_OPENCLAW_HOME/nexus/incidents", doc: "The folder of incident reports (`*.md`)." },
    VarDoc { name: "NEXUS_WORKSPACE_MAX_FILE_BYTES", default: "1048576", doc: "Largest workspace file Nexus reads or writes (agent files, memory, docs, incidents, avatars)." },
    VarDoc { name: "NEXUS_WORKSPACE_DEBOUNCE_MS", default: "200", doc: "How long file changes must settle before Nexus re-reads them and notifies subscribers." },
];

/// Development or production: decides safe defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local work: generated JWT key allowed, GraphiQL and introspection on.
    Development,
    /// Deployed: secrets required, GraphiQL and introspection off unless asked for.
    Production,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line for log shippers.
    Json,
}

/// A configuration error: which variable, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}: {message}")]
pub struct ConfigError {
    /// The offending variable.
    pub var: &'static str,
    /// What is wrong, never the secret value itself.
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { var, message: message.into() }
}

/// Limits applied to GraphQL documents before execution.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// Maximum nesting depth.
    pub depth: usize,
    /// Maximum complexity score.
    pub complexity: usize,
    /// Maximum number of aliased fields.
    pub aliases: usize,
}

/// Where the OpenClaw workspace is and how it is read.
#[derive(Debug, Clone)]
pub struct WorkspaceConfig {
    /// The OpenClaw state directory (absolute).
    pub openclaw_home: PathBuf,
    /// The docs root (absolute).
    pub docs_dir: PathBuf,
    /// The incidents folder (absolute).
    pub incidents_dir: PathBuf,
    /// Largest file read or written.
    pub max_file_bytes: u64,
    /// Debounce for file-change events.
    pub debounce: Duration,
}

/// The whole typed configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database connection URL; may contain a password, so it is kept secret.
    pub database_url: SecretString,
    /// Whether DATABASE_URL was unset, so Nexus runs on its default SQLite file. Only then is the
    /// demo data seeded on first start.
    pub database_url_is_default: bool,
    /// Listen address.
    pub bind: SocketAddr,
    /// Development or production.
    pub environment: Environment,
    /// HS256 key for access tokens (≥ 32 bytes).
    pub jwt_key: SecretString,
    /// Whether the JWT key was generated for this run (development only).
    pub jwt_key_generated: bool,
    /// Log filter directive.
    pub log_filter: String,
    /// Log output format.
    pub log_format: LogFormat,
    /// Serve GraphiQL on GET /graphql.
    pub graphiql: bool,
    /// Allow introspection queries.
    pub introspection: bool,
    /// Running behind a TLS proxy (HSTS, Secure cookies).
    pub behind_tls: bool,
    /// Request body limit in bytes.
    pub body_limit_bytes: usize,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Time a client has to send a request's headers.
    pub header_read_timeout: Duration,
    /// Most HTTP connections served at once.
    pub max_connections: usize,
    /// Grace period for in-flight requests at shutdown.
    pub shutdown_grace: Duration,
    /// Database pool size.
    pub db_max_connections: u32,
    /// Database pool acquire timeout.
    pub db_acquire_timeout: Duration,
    /// GraphQL document limits.
    pub query_limits: QueryLimits,
    /// Time a WebSocket has to send `connection_init`.
    pub ws_init_timeout: Duration,
    /// Built frontend assets.
    pub web_dir: PathBuf,
    /// Sessions, tokens and login limits.
    pub auth: AuthConfig,
    /// The OpenClaw workspace.
    pub workspace: WorkspaceConfig,
}

/// Session and login settings.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Access-token lifetime.
    pub access_ttl: Duration,
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
    /// Absolute session lifetime.
    pub session_max_age: Duration,
    /// Grace for the immediate predecessor of the active refresh token.
    pub refresh_grace: Duration,
    /// Owner account name for the first start.
    pub owner_username: String,
    /// Owner password for the first start.
    pub owner_password: Option<SecretString>,
    /// Login attempts per minute per client address.
    pub login_per_ip_per_minute: u32,
    /// Login attempts per minute per username.
    pub login_per_user_per_minute: u32,
    /// Use `X-Forwarded-For` for the client address.
    pub trust_forwarded_for: bool,
    /// Interval of the expired-token purge.
    pub purge_interval: Duration,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| lookup(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let environment = match get("NEXUS_ENV").as_deref() {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(other) => {
                return Err(err("NEXUS_ENV", format!("expected `development` or `production`, got `{other}`")))
            }
        };
        let dev = environment == Environment::Development;

        let configured_url = get("DATABASE_URL");
        let database_url_is_default = configured_url.is_none();
        let database_url = configured_url.unwrap_or_else(|| "sqlite://./data/nexus.db?mode=rwc".into());
        let parsed = url::Url::parse(&database_url).map_err(|e| err("DATABASE_URL", format!("not a URL ({e})")))?;
        match parsed.scheme() {
            "sqlite" | "postgres" | "postgresql" => {}
            other => {
                return Err(err("DATABASE_URL", format!("unsupported scheme `{other}`; use sqlite:// or postgres://")))
            }
        }

        let bind = get("NEXUS_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind
            .parse()
            .map_err(|_| err("NEXUS_BIND", format!("expected host:port such as 127.0.0.1:8080, got `{bind}`")))?;

        let (jwt_key, jwt_key_generated) = match get("NEXUS_JWT_KEY") {
            Some(k) if k.len() >= 32 => (SecretString::from(k), false),
            Some(k) => {
                return Err(err("NEXUS_JWT_KEY", format!("must be at least 32 bytes, got {}", k.len())));
            }
            None if dev => {
                let mut bytes = [0u8; 48];
                rand::rngs::OsRng.fill_bytes(&mut bytes);
                (SecretString::from(hex::encode(bytes)), true)
            }
            None => return Err(err("NEXUS_JWT_KEY", "required in production (at least 32 bytes)")),
        };

        let log_format = match get("NEXUS_LOG_FORMAT").as_deref() {
            None | Some("human") | Some("text") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(err("NEXUS_LOG_FORMAT", format!("expected `human` or `json`, got `{other}`"))),
        };

        let log_filter = get("NEXUS_LOG").unwrap_or_else(|| "info".into());
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&log_filter) {
            return Err(err("NEXUS_LOG", format!("not a log filter such as `info` or `nexus=debug,info` ({e})")));
        }

        Ok(Self {
            database_url: SecretString::from(database_url),
            database_url_is_default,
            bind,
            environment,
            jwt_key,
            jwt_key_generated,
            log_filter,
            log_format,
            graphiql: parse_bool(&get, "NEXUS_GRAPHIQL", dev)?,
            introspection: parse_bool(&get, "NEXUS_INTROSPECTION", dev)?,
            behind_tls: parse_bool(&get, "NEXUS_BEHIND_TLS", false)?,
            body_limit_bytes: parse_num(&get, "NEXUS_BODY_LIMIT_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024)?,
            request_timeout: Duration::from_secs(parse_num(&get, "NEXUS_REQUEST_TIMEOUT_SECS", 30, 1, 3600)?),
            header_read_timeout: Duration::from_secs(parse_num(&get, "NEXUS_HEADER_READ_TIMEOUT_SECS", 10, 1, 600)?),
            max_connections: parse_num(&get, "NEXUS_MAX_CONNECTIONS", 1024, 1, 1_000_000)?,
            shutdown_grace: Duration::from_secs(parse_num(&get, "NEXUS_SHUTDOWN_GRACE_SECS", 20, 0, 600)?),
            db_max_connections: parse_num(&get, "NEXUS_DB_MAX_CONNECTIONS", 10, 1, 1000)?,
            db_acquire_timeout: Duration::from_secs(parse_num(&get, "NEXUS_DB_ACQUIRE_TIMEOUT_SECS", 5, 1, 600)?),
            query_limits: QueryLimits {
                depth: parse_num(&get, "NEXUS_QUERY_DEPTH_LIMIT", 15, 2, 1000)?,
                complexity: parse_num(&get, "NEXUS_QUERY_COMPLEXITY_LIMIT", 20_000, 10, 1_000_000)?,
                aliases: parse_num(&get, "NEXUS_QUERY_ALIAS_LIMIT", 50, 0, 10_000)?,
            },
            ws_init_timeout: Duration::from_secs(parse_num(&get, "NEXUS_WS_INIT_TIMEOUT_SECS", 10, 1, 600)?),
            web_dir: PathBuf::from(get("NEXUS_WEB_DIR").unwrap_or_else(|| "frontend/dist".into())),
            auth: AuthConfig {
                access_ttl: Duration::from_secs(parse_num(&get, "NEXUS_ACCESS_TOKEN_TTL_SECS", 900, 1, 86_400)?),
                refresh_ttl: Duration::from_secs(parse_num(
                    &get,
                    "NEXUS_REFRESH_TOKEN_TTL_SECS",
                    604_800,
                    60,
                    31_536_000,
                )?),
                session_max_age: Duration::from_secs(parse_num(
                    &get,
                    "NEXUS_SESSION_MAX_AGE_SECS",
                    2_592_000,
                    60,
                    31_536_000,
                )?),
                refresh_grace: Duration::from_secs(parse_num(&get, "NEXUS_REFRESH_GRACE_SECS", 5, 0, 60)?),
                owner_username: get("NEXUS_OWNER_USERNAME").unwrap_or_else(|| "owner".into()),
                owner_password: match get("NEXUS_OWNER_PASSWORD") {
                    Some(p) if p.chars().count() >= 12 && p.len() <= 1024 => Some(SecretString::from(p)),
                    Some(_) => return Err(err("NEXUS_OWNER_PASSWORD", "must be 12 to 1024 characters long")),
                    None => None,
                },
                login_per_ip_per_minute: parse_num(&get, "NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_IP", 20, 1, 100_000)?,
                login_per_user_per_minute: parse_num(&get, "NEXUS_LOGIN_ATTEMPTS_PER_MINUTE_PER_USER", 5, 1, 100_000)?,
                trust_forwarded_for: parse_bool(&get, "NEXUS_TRUST_FORWARDED_FOR", false)?,
                purge_interval: Duration::from_secs(parse_num(
                    &get,
                    "NEXUS_TOKEN_PURGE_INTERVAL_SECS",
                    3600,
                    1,
                    86_400,
                )?),
            },
            workspace: workspace_config(&get)?,
        })
    }

    /// True in development mode.
    pub fn is_development(&self) -> bool {
        self.environment == Environment::Development
    }

    /// The database URL (secret: do not log it).
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// For SQLite file URLs, the directory that must exist before connecting.
    pub fn sqlite_parent_dir(&self) -> Option<PathBuf> {
        let url = self.database_url();
        let rest = url.strip_prefix("sqlite://")?;
        let path = rest.split('?').next().unwrap_or(rest);
        if path.is_empty() || path == ":memory:" {
            return None;
        }
        PathBuf::from(path).parent().map(|p| p.to_path_buf()).filter(|p| !p.as_os_str().is_empty())
    }
}

fn workspace_config(get: &impl Fn(&str) -> Option<String>) -> Result<WorkspaceConfig, ConfigError> {
    let home = absolute("NEXUS_OPENCLAW_HOME", get("NEXUS_OPENCLAW_HOME").unwrap_or_else(|| "demo/openclaw".into()))?;
    let docs_dir = match get("NEXUS_DOCS_DIR") {
        Some(dir) => absolute("NEXUS_DOCS_DIR", dir)?,
        None => home.join("nexus").join("docs"),
    };
    let incidents_dir = match get("NEXUS_INCIDENTS_DIR") {
        Some(dir) => absolute("NEXUS_INCIDENTS_DIR", dir)?,
        None => home.join("nexus").join("incidents"),
    };
    Ok(WorkspaceConfig {
        openclaw_home: home,
        docs_dir,
        incidents_dir,
        max_file_bytes: parse_num(get, "NEXUS_WORKSPACE_MAX_FILE_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024)?,
        debounce: Duration::from_millis(parse_num(get, "NEXUS_WORKSPACE_DEBOUNCE_MS", 200, 10, 10_000)?),
    })
}

/// Makes a directory path absolute against the working directory (no file-system access beyond
/// reading the working directory), so later changes of directory cannot move it.
fn absolute(var: &'static str, path: String) -> Result<PathBuf, ConfigError> {
    std::path::absolute(&path).map_err(|e| err(var, format!("cannot make `{path}` absolute ({e})")))
}

fn parse_bool(get: &impl Fn(&str) -> Option<String>, var: &'static str, default: bool) -> Result<bool, ConfigError> {
    match get(var).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(err(var, format!("expected true or false, got `{other}`"))),
    }
}

fn parse_num<T>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: T,
    min: T,
    max: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match get(var) {
        None => Ok(default),
        Some(v) => {
            let n: T = v.parse().map_err(|_| err(var, format!("expected a whole number, got `{v}`")))?;
            if n < min || n > max {
                return Err(err(var, format!("must be between {min} and {max}, got {n}")));
            }
            Ok(n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn no_configuration_gives_sqlite_loopback_development() {
        let c = config(&[]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.database_url().starts_with("sqlite://./data/"));
        assert!(c.database_url_is_default);
        assert!(c.is_development() && c.graphiql && c.introspection && c.jwt_key_generated);
        assert!(c.jwt_key.expose_secret().len() >= 32);
        assert_eq!(c.sqlite_parent_dir(), Some(PathBuf::from("./data")));
    }

    #[test]
    fn production_without_a_jwt_key_is_refused_naming_the_variable() {
        let e = config(&[("NEXUS_ENV", "production")]).unwrap_err();
        assert_eq!(e.var, "NEXUS_JWT_KEY");
    }

    #[test]
    fn a_short_jwt_key_is_refused_without_printing_it() {
        let e = config(&[("NEXUS_JWT_KEY", "hunter2-secret")]).unwrap_err();
        assert_eq!(e.var, "NEXUS_JWT_KEY");
        assert!(!e.to_string().contains("hunter2"));
    }

    #[test]
    fn production_turns_graphiql_and_introspection_off_by_default() {
        let c = config(&[("NEXUS_ENV", "production"), ("NEXUS_JWT_KEY", &"k".repeat(32))]).unwrap();
        assert!(!c.graphiql && !c.introspection);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("NEXUS_BIND", "localhost"),
            ("NEXUS_BIND", "127.0.0.1:99999"),
            ("DATABASE_URL", "not a url"),
            ("DATABASE_URL", "mysql://x"),
            ("NEXUS_ENV", "staging"),
            ("NEXUS_GRAPHIQL", "maybe"),
            ("NEXUS_BODY_LIMIT_BYTES", "-1"),
            ("NEXUS_LOG_FORMAT", "xml"),
            ("NEXUS_LOG", "nexus=loud"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let key = "a-very-long-signing-key-that-is-secret-0123456789";
        let c = config(&[("NEXUS_JWT_KEY", key), ("DATABASE_URL", "postgres://u:pw-secret@h/db")]).unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains(key) && !dbg.contains("pw-secret"));
    }

    #[test]
    fn the_workspace_defaults_to_the_demo_and_its_nexus_folders() {
        let c = config(&[]).unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(c.workspace.openclaw_home, cwd.join("demo/openclaw"));
        assert_eq!(c.workspace.docs_dir, cwd.join("demo/openclaw/nexus/docs"));
        assert_eq!(c.workspace.incidents_dir, cwd.join("demo/openclaw/nexus/incidents"));
        assert_eq!(c.workspace.max_file_bytes, 1024 * 1024);

        let c = config(&[("NEXUS_OPENCLAW_HOME", "/srv/openclaw"), ("NEXUS_INCIDENTS_DIR", "/srv/incidents")]).unwrap();
        assert_eq!(c.workspace.docs_dir, PathBuf::from("/srv/openclaw/nexus/docs"));
        assert_eq!(c.workspace.incidents_dir, PathBuf::from("/srv/incidents"));
        for (var, value) in [("NEXUS_WORKSPACE_MAX_FILE_BYTES", "10"), ("NEXUS_WORKSPACE_DEBOUNCE_MS", "soon")] {
            assert_eq!(config(&[(var, value)]).unwrap_err().var, var);
        }
    }

    #[test]
    fn every_variable_is_in_the_readme_and_env_example() {
        let readme = include_str!("../README.md");
        let example = include_str!("../.env.example");
        for v in VARIABLES {
            assert!(readme.contains(&format!("`{}`", v.name)), "{} missing from README.md", v.name);
            assert!(example.contains(&format!("#{}=", v.name)), "{} missing from .env.example", v.name);
        }
    }

    #[test]
    fn every_variable_read_is_documented() {
        let src = include_str!("config.rs");
        let documented: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
        for (i, _) in src.match_indices("get(\"") {
            let name: String = src[i + 5..].chars().take_while(|c| *c != '"').collect();
            assert!(documented.contains(&name.as_str()), "{name} is not in VARIABLES");
        }
        for (i, _) in src.match_indices("get, \"") {
            let name: String = src[i + 6..].chars().take_while(|c| *c != '"').collect();
            assert!(documented.contains(&name.as_str()), "{name} is not in VARIABLES");
        }
    }
}
