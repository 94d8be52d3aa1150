//! The `nexus` command: serve (default), migrate, demo, export-schema.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migration::MigratorTrait;
use nexus::config::Config;

#[derive(Parser)]
#[command(name = "nexus", version, about = "Mission control for a team of OpenClaw AI agents")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and dashboard (the default).
    Serve,
    /// Apply, roll back or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Seed the demo data (five projects, sixty tasks, their history) into an empty database.
    Demo,
    /// Write the GraphQL schema (sorted SDL) to a file, or stdout with `-`.
    ExportSchema {
        /// Output path.
        #[arg(default_value = "schema.graphql")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the newest migration (or `--steps N`).
    Down {
        /// How many migrations to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::ExportSchema { out }) = &cli.command {
        return export_schema(out);
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nexus: {e}");
            return ExitCode::from(2);
        }
    };
    nexus::telemetry::init(&config.log_filter, config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("nexus: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None | Some(Command::Serve) => serve(config).await,
            Some(Command::Migrate { action }) => migrate(config, action).await,
            Some(Command::Demo) => demo(config).await,
            Some(Command::ExportSchema { .. }) => unreachable!("handled above"),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line with the whole cause chain, no backtrace.
            eprintln!("nexus: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn export_schema(out: &PathBuf) -> ExitCode {
    let sdl = nexus::graphql::export_sdl();
    let result = if out.as_os_str() == "-" {
        use std::io::Write as _;
        std::io::stdout().write_all(sdl.as_bytes())
    } else {
        std::fs::write(out, sdl)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nexus: cannot write {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let bind = config.bind;
    if config.jwt_key_generated {
        tracing::warn!("NEXUS_JWT_KEY is not set: generated a key for this run; sessions end when Nexus restarts");
    }
    let app = nexus::app::AppState::build(config).await?;
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding {bind} (NEXUS_BIND)"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = app.services.status.database_backend(), "Nexus is listening on http://{addr} (GraphiQL at http://{addr}/graphql)");
    nexus::http::serve(app, listener, tokio_util::sync::CancellationToken::new(), true).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn demo(config: Config) -> anyhow::Result<()> {
    use anyhow::Context as _;
    if let Some(dir) = config.sqlite_parent_dir() {
        std::fs::create_dir_all(&dir)?;
    }
    let db = nexus::db::connect(
        config.database_url(),
        &nexus::db::PoolOptions { max_connections: 2, acquire_timeout: config.db_acquire_timeout },
    )
    .await
    .context("connecting to the database (check DATABASE_URL)")?;
    nexus::db::migrate_up(&db).await.context("applying database migrations")?;
    // Events go nowhere here: no subscriber lives in this process, and running servers re-read on demand.
    let bus = nexus::events::EventBus::in_process();
    let summary = nexus::services::demo::seed(&db, &bus).await?;
    println!(
        "Seeded {} projects, {} tasks and {} activity entries.",
        summary.projects, summary.tasks, summary.activity
    );
    Ok(())
}

async fn migrate(config: Config, action: MigrateAction) -> anyhow::Result<()> {
    use anyhow::Context as _;
    if let Some(dir) = config.sqlite_parent_dir() {
        std::fs::create_dir_all(&dir)?;
    }
    let db = nexus::db::connect(
        config.database_url(),
        &nexus::db::PoolOptions { max_connections: 2, acquire_timeout: config.db_acquire_timeout },
    )
    .await
    .context("connecting to the database (check DATABASE_URL)")?;
    match action {
        MigrateAction::Up => migration::Migrator::up(&db, None).await?,
        MigrateAction::Down { steps } => migration::Migrator::down(&db, Some(steps)).await?,
        MigrateAction::Status => {
            for m in migration::Migrator::get_migration_with_status(&db).await? {
                println!("{:<10} {}", format!("{:?}", m.status()), m.name());
            }
        }
    }
    Ok(())
}
