//! Liveness and readiness endpoints for load balancers and orchestrators.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use super::HttpState;

/// `GET /health`: the process is up. Touches no dependency, so a slow database never makes an
/// orchestrator kill a healthy process.
pub async fn live() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// `GET /ready`: every dependency answers. 503 with a body naming what is down: `database`, or
/// `workspace` when the OpenClaw config (`openclaw.json`) is missing or invalid. Why the workspace
/// is down is logged, not sent: this endpoint is public.
pub async fn ready(State(state): State<HttpState>) -> impl IntoResponse {
    let database_ok = state.app.services.status.database_ok().await;
    let workspace_ok = state.app.services.workspace.health().is_ok();
    let mut down = Vec::new();
    if !database_ok {
        down.push("database");
    }
    if !workspace_ok {
        down.push("workspace");
    }
    let status = if down.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let check = |ok: bool| if ok { "ok" } else { "down" };
    let body = json!({
        "status": if down.is_empty() { "ready" } else { "unavailable" },
        "down": down,
        "checks": { "database": check(database_ok), "workspace": check(workspace_ok) },
    });
    (status, Json(body))
}
