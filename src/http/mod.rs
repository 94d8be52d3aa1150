//! HTTP: the router, middleware (request id, tracing, security headers, limits), serving and shutdown.

pub mod agents;
pub mod context;
pub mod graphql;
pub mod health;
pub mod web;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

use crate::app::AppState;

/// The request-id header, set on every request and response.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The Content-Security-Policy: fits the bundled dashboard and GraphiQL (no inline scripts, no CDNs).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; worker-src 'self' blob:; \
frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/// Shared state plus the shutdown signal, for handlers that hold connections open.
#[derive(Clone)]
pub struct HttpState {
    /// The application.
    pub app: AppState,
    /// Cancelled when the server begins shutting down.
    pub shutdown: CancellationToken,
}

/// Builds the router with every middleware.
pub fn router(app: AppState, shutdown: CancellationToken) -> Router {
    let config = app.config.clone();
    let state = HttpState { app, shutdown };

    let hsts = config.behind_tls.then(|| {
        SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        )
    });

    Router::new()
        .route("/health", get(health::live))
        .route("/ready", get(health::ready))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::upgrade))
        // Everything else is the dashboard: its assets, or index.html for client-side routes.
        .route("/api/agents/{id}/avatar", get(agents::avatar))
        .merge(web::router(&config))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request| {
                            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                            // The path only: query strings may carry documents and variables.
                            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Millis)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
                .layer(middleware::from_fn(catch_panics))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CSP),
                ))
                .option_layer(hsts)
                .layer(RequestBodyLimitLayer::new(config.body_limit_bytes))
                .layer(DefaultBodyLimit::max(config.body_limit_bytes))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout)),
        )
        // Outermost, so the request-id layers only ever see a sanitised header.
        .layer(middleware::from_fn(sanitize_request_id))
}

/// Turns a panic while serving a request into a GraphQL-shaped `INTERNAL` error with the request
/// id, logged once inside the request's span, instead of a dropped connection. (tower-http's
/// `CatchPanicLayer` cannot see the request, so it could not put the id in the body.)
async fn catch_panics(req: Request, next: Next) -> Response {
    use futures::FutureExt;

    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("unknown").to_owned();
    match std::panic::AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let cause = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            tracing::error!(request_id = %id, cause = %cause, "request handler panicked");
            let body = serde_json::json!({"errors": [{
                "message": format!("Internal error. Quote request id {id} when reporting it."),
                "extensions": {"code": "INTERNAL", "requestId": id},
            }]});
            let mut response = Response::new(axum::body::Body::from(body.to_string()));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
    }
}

/// Drops a client-supplied request id unless it is short and plain, so log lines cannot be forged.
async fn sanitize_request_id(mut req: Request, next: Next) -> Response {
    let ok = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !ok {
        req.headers_mut().remove(&REQUEST_ID);
    }
    next.run(req).await
}

/// Serves until `shutdown` is cancelled (or SIGTERM/SIGINT when `signals` is set), then lets
/// in-flight requests finish for up to the configured grace period.
///
/// Our own accept loop rather than `axum::serve`, which sets neither a header-read timeout nor a
/// connection cap: a client trickling its headers byte by byte would otherwise hold a connection
/// (and a task) for as long as it likes, since the request timeout only starts once the headers
/// are in. At most `max_connections` are served at once; further clients wait in the listen queue.
pub async fn serve(
    app: AppState,
    listener: TcpListener,
    shutdown: CancellationToken,
    signals: bool,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;
    use tower::Service;

    let grace = app.config.shutdown_grace;
    let slots = Arc::new(tokio::sync::Semaphore::new(app.config.max_connections));
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(app.config.header_read_timeout);
    // Extended CONNECT: WebSockets over HTTP/2.
    builder.http2().timer(TokioTimer::new()).enable_connect_protocol();
    let mut make_service = router(app, shutdown.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    if signals {
        let token = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown requested; finishing in-flight requests");
            token.cancel();
        });
    }

    let connections = GracefulShutdown::new();
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = shutdown.cancelled() => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(service) = make_service.call(remote).await;
        let connection =
            builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = connections.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %remote, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = connections.shutdown() => {}
        _ = tokio::time::sleep(grace + Duration::from_millis(100)) => {
            tracing::warn!(grace_secs = grace.as_secs(), "grace period over; closing remaining connections");
        }
    }
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_answers_internal_with_the_request_id_and_hides_the_cause() {
        async fn boom() -> &'static str {
            panic!("secret detail: /var/lib/nexus/db")
        }
        let app = Router::new().route("/boom", get(boom)).layer(middleware::from_fn(catch_panics));
        let req = Request::builder().uri("/boom").header(&REQUEST_ID, "req-42").body(Body::empty()).unwrap();
        let resp = app.oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(resp.into_body(), 4096).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["errors"][0]["extensions"], serde_json::json!({"code": "INTERNAL", "requestId": "req-42"}));
        assert!(!bytes.windows(6).any(|w| w == b"secret"), "the cause stays in the log");
    }
}
