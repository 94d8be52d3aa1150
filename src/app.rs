//! Application state: builds every service once (the old Program.cs registrations).

use std::sync::Arc;

use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;

use crate::config::Config;
use crate::db;
use crate::db::metrics::DbMetrics;
use crate::events::EventBus;
use crate::graphql::auth::CookiePolicy;
use crate::graphql::schema::SchemaOptions;
use crate::graphql::{build_schema, NexusSchema};
use crate::services::activity::ActivityService;
use crate::services::auth::{AuthService, SessionRevoker};
use crate::services::clock::Clock;
use crate::services::dashboard::DashboardService;
use crate::services::demo;
use crate::services::docs::DocService;
use crate::services::incidents::IncidentService;
use crate::services::memory::MemoryService;
use crate::services::operations::OperationsService;
use crate::services::projects::ProjectService;
use crate::services::status::StatusService;
use crate::services::tasks::TaskService;
use crate::services::team::TeamService;
use crate::services::users::UserService;
use crate::workspace::{Workspace, WorkspaceSettings};

/// Every domain service, cheap to clone; handed to the schema as context data.
#[derive(Clone)]
pub struct Services {
    /// Server status.
    pub status: StatusService,
    /// Sign-in and sessions.
    pub auth: AuthService,
    /// User accounts.
    pub users: UserService,
    /// Event fan-out.
    pub bus: EventBus,
    /// The OpenClaw workspace (cached, watched); its health feeds `/ready`.
    pub workspace: Workspace,
    /// Agents and their workspace files.
    pub team: TeamService,
    /// Agent memory.
    pub memory: MemoryService,
    /// Docs.
    pub docs: DocService,
    /// Incident reports.
    pub incidents: IncidentService,
    /// Projects.
    pub projects: ProjectService,
    /// Tasks and their state machine.
    pub tasks: TaskService,
    /// The activity log.
    pub activity: ActivityService,
    /// The dashboard queues.
    pub dashboard: DashboardService,
    /// The operations snapshot.
    pub operations: OperationsService,
}

impl Services {
    /// Builds the work services (projects, tasks, activity, dashboard, operations) on one
    /// connection, bus and clock, next to the account and workspace services.
    pub fn new(
        db: DatabaseConnection,
        bus: EventBus,
        clock: Clock,
        auth: AuthService,
        users: UserService,
        workspace: Workspace,
    ) -> Self {
        let incidents = IncidentService::new(workspace.clone());
        let team = TeamService::new(workspace.clone(), db.clone());
        let roster: std::sync::Arc<dyn crate::services::input::AgentRoster> = std::sync::Arc::new(team.clone());
        Self {
            status: StatusService::new(db.clone()),
            auth,
            users,
            projects: ProjectService::new(db.clone(), bus.clone(), clock.clone()).with_roster(roster.clone()),
            tasks: TaskService::new(db.clone(), bus.clone(), clock.clone()).with_roster(roster),
            activity: ActivityService::new(db.clone(), bus.clone()),
            dashboard: DashboardService::new(db.clone(), bus.clone(), clock.clone())
                .with_open_incidents(std::sync::Arc::new(incidents.clone())),
            operations: OperationsService::new(db.clone(), clock),
            team,
            memory: MemoryService::new(workspace.clone()),
            docs: DocService::new(workspace.clone()),
            incidents,
            workspace,
            bus,
        }
    }
}

/// Shows a generated owner password once, on the terminal.
pub fn announce_owner_password(username: &str, password: &str) {
    // Printed once to the terminal, never to the log: log lines get shipped and kept.
    eprintln!(
        "\n  Nexus created the owner account.\n    username: {username}\n    password: {password}\n  \
         It is shown only this once. Set NEXUS_OWNER_PASSWORD to choose it yourself.\n"
    );
}

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The configuration.
    pub config: Arc<Config>,
    /// The database pool.
    pub db: DatabaseConnection,
    /// Statement counters of the pool.
    pub db_metrics: DbMetrics,
    /// Domain services.
    pub services: Services,
    /// The GraphQL schema.
    pub schema: NexusSchema,
}

impl AppState {
    /// Connects to the database, applies migrations and builds the services and schema.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        if let Some(dir) = config.sqlite_parent_dir() {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("creating the database directory {}", dir.display()))?;
        }
        let mut db = db::connect(
            config.database_url(),
            &db::PoolOptions { max_connections: config.db_max_connections, acquire_timeout: config.db_acquire_timeout },
        )
        .await
        .context("connecting to the database (check DATABASE_URL)")?;
        // Before the connection is cloned into services: clones keep the callback they were made with.
        let db_metrics = DbMetrics::default();
        db::metrics::observe(&mut db, &db_metrics);
        let first_start = demo::first_start(&db).await.context("reading the migration state")?;
        db::migrate_up(&db).await.context("applying database migrations")?;
        let bus = EventBus::for_database(&db, config.database_url()).await.context("starting the event listener")?;
        let revoker = SessionRevoker::new(config.auth.access_ttl);
        let users = UserService::new(db.clone(), bus.clone(), revoker.clone());
        if let Some(password) = users.bootstrap_owner(&config.auth, config.environment).await? {
            announce_owner_password(&config.auth.owner_username, &password);
        }
        let auth = AuthService::new(
            db.clone(),
            bus.clone(),
            config.jwt_key.expose_secret().as_bytes(),
            config.auth.clone(),
            users.clone(),
            revoker,
        )
        .await?;
        auth.spawn_purge(tokio_util::sync::CancellationToken::new());
        let w = &config.workspace;
        let workspace = Workspace::open(
            WorkspaceSettings {
                home: w.openclaw_home.clone(),
                docs_dir: w.docs_dir.clone(),
                incidents_dir: w.incidents_dir.clone(),
                max_file_bytes: w.max_file_bytes,
                debounce: w.debounce,
                user_home: std::env::var_os("HOME").map(std::path::PathBuf::from),
            },
            bus.clone(),
        )
        .await;
        // After the owner bootstrap: the demo's own (disabled) accounts must not count as "a user exists".
        if first_start && config.database_url_is_default {
            // The zero-configuration run: give every screen something to show. A configured
            // database (production PostgreSQL above all) is never seeded implicitly.
            let summary = demo::seed(&db, &bus).await.context("seeding the demo data")?;
            tracing::info!(
                projects = summary.projects,
                tasks = summary.tasks,
                "seeded the demo data (first start on the default SQLite database)"
            );
        }
        let services = Services::new(db.clone(), bus, Clock::system(), auth, users, workspace);
        let schema = build_schema(
            Some(services.clone()),
            SchemaOptions {
                limits: config.query_limits,
                introspection: config.introspection,
                cookies: CookiePolicy { secure: !config.is_development() || config.behind_tls },
            },
        );
        Ok(Self { config: Arc::new(config), db, db_metrics, services, schema })
    }
}
