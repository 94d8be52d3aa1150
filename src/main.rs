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
    /// Manage user accounts (passwords are read from standard input, never from arguments).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Write the GraphQL schema (sorted SDL) to a file, or stdout with `-`.
    ExportSchema {
        /// Output path.
        #[arg(default_value = "schema.graphql")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a user; the password is the first line of standard input.
    Create {
        /// Sign-in name.
        username: String,
        /// VIEWER, OPERATOR or OWNER.
        #[arg(long, default_value = "VIEWER")]
        role: String,
        /// Shown name (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a user's password (first line of standard input); ends the user's sessions.
    SetPassword {
        /// Sign-in name.
        username: String,
    },
    /// List users.
    List,
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
            Some(Command::User { action }) => user(config, action).await,
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
    use nexus::services::auth::SessionRevoker;
    use nexus::services::users::UserService;
    let db = open_db(&config).await?;
    nexus::db::migrate_up(&db).await.context("applying database migrations")?;
    // Events go nowhere here: no subscriber lives in this process, and running servers re-read on demand.
    let bus = nexus::events::EventBus::in_process();
    // The owner first: once the demo's own (disabled) accounts exist, the bootstrap would never run.
    let users = UserService::new(db.clone(), bus.clone(), SessionRevoker::new(config.auth.access_ttl));
    if let Some(password) = users.bootstrap_owner(&config.auth, config.environment).await? {
        nexus::app::announce_owner_password(&config.auth.owner_username, &password);
    }
    let summary = nexus::services::demo::seed(&db, &bus).await?;
    println!(
        "Seeded {} projects, {} tasks and {} activity entries.",
        summary.projects, summary.tasks, summary.activity
    );
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprint!("password (input is shown; pipe it in to hide it): ");
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    anyhow::ensure!(!password.is_empty(), "no password on standard input");
    Ok(password)
}

async fn user(config: Config, action: UserAction) -> anyhow::Result<()> {
    use nexus::services::auth::{Role, SessionRevoker};
    use nexus::services::users::{NewUser, UserService};
    let app_db = open_db(&config).await?;
    migration::Migrator::up(&app_db, None).await?;
    let bus = nexus::events::EventBus::for_database(&app_db, config.database_url()).await?;
    let users = UserService::new(app_db, bus, SessionRevoker::new(config.auth.access_ttl));
    match action {
        UserAction::Create { username, role, display_name } => {
            let role = Role::parse(&role.to_ascii_uppercase())
                .ok_or_else(|| anyhow::anyhow!("unknown role `{role}`: use VIEWER, OPERATOR or OWNER"))?;
            let password = read_password()?;
            let u = users.create(NewUser { username, display_name, role, password }).await?;
            println!("created {} ({}) with id {}", u.username, u.role.as_str(), u.id);
        }
        UserAction::SetPassword { username } => {
            let u = users.find_by_username(&username).await?.ok_or_else(|| anyhow::anyhow!("no user `{username}`"))?;
            let password = read_password()?;
            users.set_password(&u.id, password, "PASSWORD_RESET").await?;
            println!("password changed for {}; their sessions have ended", u.username);
        }
        UserAction::List => {
            let mut after: Option<String> = None;
            loop {
                let (page, more, _) = users.list(100, after.as_deref()).await?;
                for u in &page {
                    println!(
                        "{:<24} {:<9} {:<8} {}",
                        u.username,
                        u.role.as_str(),
                        if u.disabled { "disabled" } else { "active" },
                        u.display_name
                    );
                }
                match (more, page.last()) {
                    (true, Some(last)) => after = Some(last.username.clone()),
                    _ => break,
                }
            }
        }
    }
    Ok(())
}

async fn open_db(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    use anyhow::Context as _;
    if let Some(dir) = config.sqlite_parent_dir() {
        std::fs::create_dir_all(&dir)?;
    }
    nexus::db::connect(
        config.database_url(),
        &nexus::db::PoolOptions { max_connections: 2, acquire_timeout: config.db_acquire_timeout },
    )
    .await
    .context("connecting to the database (check DATABASE_URL)")
}

async fn migrate(config: Config, action: MigrateAction) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
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
