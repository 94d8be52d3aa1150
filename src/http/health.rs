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

/// `GET /ready`: every dependency answers. 503 with a body naming what is down.
pub async fn ready(State(state): State<HttpState>) -> impl IntoResponse {
    let database_ok = state.app.services.status.database_ok().await;
    let mut down = Vec::new();
    if !database_ok {
        down.push("database");
    }
    let status = if down.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": if down.is_empty() { "ready" } else { "unavailable" },
        "down": down,
        "checks": { "database": if database_ok { "ok" } else { "down" } },
    });
    (status, Json(body))
}
