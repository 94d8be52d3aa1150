//! The built dashboard and GraphiQL (from `frontend/dist`), with SPA fallback to `index.html`.

use std::path::{Path, PathBuf};

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use super::HttpState;
use crate::config::Config;

const NOT_BUILT: &str = "<!doctype html><title>Nexus</title><h1>Nexus</h1>\
<p>The dashboard has not been built. Run <code>npm --prefix frontend ci &amp;&amp; npm --prefix frontend run build</code> \
(the README's run command does this), then reload.</p><p>The API is available at <code>POST /graphql</code>.</p>";

/// Routes for static assets and the SPA.
pub fn router(config: &Config) -> Router<HttpState> {
    let dir = config.web_dir.clone();
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dir = %dir.display(), "dashboard assets not found; serving a placeholder page");
        return Router::new().fallback(|| async { (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)) });
    }
    // Unknown paths get the SPA's index.html so client-side routes survive a reload; a missing
    // hashed asset is a real 404, not HTML served as JavaScript.
    let assets = ServeDir::new(dir.join("assets"));
    let spa = ServeDir::new(&dir).append_index_html_on_directories(true).fallback(ServeFile::new(index));
    Router::new().nest_service("/assets", assets).fallback_service(spa)
}

/// The GraphiQL page, when it has been built.
pub async fn graphiql_page(web_dir: &Path) -> Response {
    let path: PathBuf = web_dir.join("graphiql.html");
    match tokio::fs::read_to_string(&path).await {
        Ok(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response(),
    }
}
