//! Application state: builds every service once (the old Program.cs registrations).

use std::sync::Arc;

use anyhow::Context as _;
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::db;
use crate::db::metrics::DbMetrics;
use crate::events::EventBus;
use crate::graphql::schema::SchemaOptions;
use crate::graphql::{build_schema, NexusSchema};
use crate::services::activity::ActivityService;
use crate::services::clock::Clock;
use crate::services::dashboard::DashboardService;
use crate::services::demo;
use crate::services::operations::OperationsService;
use crate::services::projects::ProjectService;
use crate::services::status::StatusService;
use crate::services::tasks::TaskService;

/// Every domain service, cheap to clone; handed to the schema as context data.
#[derive(Clone)]
pub struct Services {
    /// Server status.
    pub status: StatusService,
    /// Event fan-out.
    pub bus: EventBus,
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
    /// Builds every database-backed service on one connection, bus and clock.
    pub fn new(db: DatabaseConnection, bus: EventBus, clock: Clock) -> Self {
        Self {
            status: StatusService::new(db.clone()),
            projects: ProjectService::new(db.clone(), bus.clone(), clock.clone()),
            tasks: TaskService::new(db.clone(), bus.clone(), clock.clone()),
            activity: ActivityService::new(db.clone(), bus.clone()),
            dashboard: DashboardService::new(db.clone(), bus.clone(), clock.clone()),
            operations: OperationsService::new(db, clock),
            bus,
        }
    }
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
        let services = Services::new(db.clone(), bus, Clock::system());
        let schema = build_schema(
            Some(services.clone()),
            SchemaOptions { limits: config.query_limits, introspection: config.introspection },
        );
        Ok(Self { config: Arc::new(config), db, db_metrics, services, schema })
    }
}
