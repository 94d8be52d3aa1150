//! The one place where domain errors become GraphQL errors (`extensions.code`, DESIGN.md §4).
//!
//! Internal causes are logged here, once, inside the request's span (which carries the request
//! id); the client sees only `INTERNAL` and the request id, added by [`super::extensions`].

use async_graphql::ErrorExtensions;

use crate::workspace::files::FileError;

/// The error codes clients can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No or an invalid/expired credential.
    Unauthenticated,
    /// Authenticated but not allowed.
    Forbidden,
    /// The thing asked for does not exist (or is invisible to the caller).
    NotFound,
    /// The input is wrong; the message says which field and why.
    BadUserInput,
    /// A stale version or hash, or a uniqueness clash.
    Conflict,
    /// A state-machine move that is not allowed from the current state.
    InvalidTransition,
    /// Too many attempts; retry later.
    RateLimited,
    /// A dependency (gateway, workspace) is down; the rest of Nexus works.
    Unavailable,
    /// A bug or an infrastructure failure; details are in the server log under the request id.
    Internal,
}

impl ErrorCode {
    /// The wire form, e.g. `BAD_USER_INPUT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::InvalidTransition => "INVALID_TRANSITION",
            Self::RateLimited => "RATE_LIMITED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    extensions: Vec<(&'static str, async_graphql::Value)>,
}

impl ApiError {
    /// An error with a code and a message safe to show.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), extensions: Vec::new() }
    }

    /// Adds an extension entry (e.g. `field`, `reason`, `retryAfterSeconds`).
    pub fn with(mut self, key: &'static str, value: impl Into<async_graphql::Value>) -> Self {
        self.extensions.push((key, value.into()));
        self
    }

    /// A user-input error naming the field.
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadUserInput, message).with("field", field.to_owned())
    }

    /// An internal failure: logs the cause now and hides it from the client.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(ErrorCode::Internal, "internal error")
    }

    /// A database failure: the pool timing out (every connection busy) or the database being
    /// unreachable is `UNAVAILABLE` with `reason: DATABASE_UNAVAILABLE` — a client may retry
    /// shortly; anything else is `INTERNAL` (a bug or a broken schema), logged with the request id.
    pub fn database(e: &sea_orm::DbErr) -> Self {
        match e {
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::new(ErrorCode::Unavailable, "The database is busy or unreachable; try again shortly.")
                    .with("reason", "DATABASE_UNAVAILABLE")
            }
            _ => Self::internal(e),
        }
    }

    /// The code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// Moves the `field` extension inside an input object: `name` becomes `input.name`.
    pub fn within(mut self, input: &str) -> Self {
        for (key, value) in &mut self.extensions {
            if *key == "field" {
                if let async_graphql::Value::String(field) = value {
                    *field = format!("{input}.{field}");
                }
            }
        }
        self
    }
}

/// A workspace file error as the client sees it: unsafe paths, folders, oversize and non-UTF-8
/// files are `BAD_USER_INPUT` naming `field` (with a `reason`), a missing file is `NOT_FOUND`,
/// and file-system failures are `INTERNAL` (logged, never sent with a path).
pub fn file_error(e: FileError, field: &str) -> ApiError {
    let reason = match &e {
        _ if e.is_internal() => return ApiError::internal(&e),
        FileError::NotFound { .. } => return ApiError::new(ErrorCode::NotFound, e.to_string()),
        FileError::Path(_) => "UNSAFE_PATH",
        FileError::NotAFile { .. } => "NOT_A_FILE",
        FileError::TooLarge { .. } => "TOO_LARGE",
        FileError::NotUtf8 { .. } => "NOT_UTF8",
        FileError::Io { .. } => return ApiError::internal(&e),
    };
    ApiError::bad_input(field, e.to_string()).with("reason", reason)
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let ApiError { code, message, extensions } = e;
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code.as_str());
            for (k, v) in extensions {
                ext.set(k, v);
            }
        })
    }
}

/// Resolver result type.
pub type ApiResult<T> = Result<T, async_graphql::Error>;

// ---- domain errors → API errors -------------------------------------------------------------

use crate::services::activity::ActivityError;
use crate::services::dashboard::DashboardError;
use crate::services::input::InputError;
use crate::services::operations::OperationsError;
use crate::services::projects::ProjectError;
use crate::services::tasks::TaskError;

fn list(values: impl IntoIterator<Item = impl Into<String>>) -> async_graphql::Value {
    async_graphql::Value::List(values.into_iter().map(|v| async_graphql::Value::String(v.into())).collect())
}

fn stale(what: &str, current_version: i32) -> ApiError {
    ApiError::new(
        ErrorCode::Conflict,
        format!(
            "The {what} changed since you read it (it is at version {current_version} now); reload it and try again."
        ),
    )
    .with("reason", "STALE_VERSION")
    .with("currentVersion", current_version)
}

impl From<crate::events::EventsMissed> for ApiError {
    fn from(e: crate::events::EventsMissed) -> Self {
        // The subscription ends after this: the client re-reads and subscribes again.
        ApiError::new(ErrorCode::Unavailable, format!("{e}.")).with("reason", "EVENTS_MISSED")
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> Self {
        let mut err = ApiError::bad_input(&e.field, e.message);
        if !e.accepted.is_empty() {
            err = err.with("accepted", list(e.accepted));
        }
        err
    }
}

impl From<ProjectError> for ApiError {
    fn from(e: ProjectError) -> Self {
        match e {
            ProjectError::Invalid(e) => e.into(),
            ProjectError::NotFound => ApiError::new(ErrorCode::NotFound, "No project has this id."),
            ProjectError::Stale { current_version } => stale("project", current_version),
            ProjectError::DuplicateSlug { slug } => {
                ApiError::new(ErrorCode::Conflict, format!("Another project already uses the slug `{slug}`."))
                    .with("field", "slug")
                    .with("reason", "DUPLICATE_SLUG")
            }
            ProjectError::HasTasks { count } => ApiError::new(
                ErrorCode::Conflict,
                format!("The project still has {count} tasks; move or delete them first, or pass `cascade: true` to delete them with it."),
            )
            .with("reason", "HAS_TASKS")
            .with("taskCount", count),
            ProjectError::Database(e) => ApiError::database(&e),
        }
    }
}

impl From<TaskError> for ApiError {
    fn from(e: TaskError) -> Self {
        match e {
            TaskError::Invalid(e) => e.into(),
            TaskError::NotFound => ApiError::new(ErrorCode::NotFound, "No task has this id."),
            TaskError::ProjectNotFound => {
                ApiError::new(ErrorCode::NotFound, "No project has this id.").with("field", "projectId")
            }
            TaskError::ProjectArchived => {
                ApiError::new(ErrorCode::Conflict, "The project is archived; unarchive it to add tasks.")
                    .with("field", "projectId")
                    .with("reason", "PROJECT_ARCHIVED")
            }
            TaskError::Stale { current_version } => stale("task", current_version),
            TaskError::InvalidTransition(r) => {
                let mut err = ApiError::new(ErrorCode::InvalidTransition, r.to_string())
                    .with("from", r.from.as_str())
                    .with("allowed", list(r.allowed.iter().map(|s| s.as_str())));
                if let Some(to) = r.to {
                    err = err.with("to", to.as_str());
                }
                err
            }
            TaskError::Database(e) => ApiError::database(&e),
        }
    }
}

impl From<ActivityError> for ApiError {
    fn from(e: ActivityError) -> Self {
        match e {
            ActivityError::Database(e) => ApiError::database(&e),
        }
    }
}

impl From<DashboardError> for ApiError {
    fn from(e: DashboardError) -> Self {
        match e {
            DashboardError::Invalid(e) => e.into(),
            DashboardError::Database(e) => ApiError::database(&e),
        }
    }
}

impl From<OperationsError> for ApiError {
    fn from(e: OperationsError) -> Self {
        match e {
            OperationsError::Invalid(e) => e.into(),
            OperationsError::Database(e) => ApiError::database(&e),
        }
    }
}
