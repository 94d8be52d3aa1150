//! Agent assets over plain HTTP: `GET /api/agents/{id}/avatar`.
//!
//! Avatars are shown in `<img>` tags, which cannot send the bearer token, so this route is public:
//! it serves only image files the agent's IDENTITY.md names inside its workspace, checked to be
//! the image type their extension says, within the workspace size limit.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::HttpState;
use crate::services::team::TeamError;

/// Scripts inside an SVG must never run, even when the image is opened directly.
const AVATAR_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// `GET /api/agents/{id}/avatar`: the agent's avatar image, or 404.
pub async fn avatar(State(state): State<HttpState>, Path(id): Path<String>) -> Response {
    match state.app.services.team.avatar(&id).await {
        Ok(image) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(image.content_type)),
                (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(AVATAR_CSP)),
                (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=60")),
            ],
            image.bytes,
        )
            .into_response(),
        Err(TeamError::Unavailable(_)) => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "the OpenClaw workspace is unavailable"})))
                .into_response()
        }
        Err(TeamError::AgentNotFound(_) | TeamError::NoAvatar(_)) => {
            (StatusCode::NOT_FOUND, Json(json!({"error": "no avatar"}))).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "serving an avatar failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": "internal error"}))).into_response()
        }
    }
}
