//! `/graphql/ws`: the `graphql-transport-ws` protocol, with its close codes.
//!
//! Written out here rather than taken from the library so that every close code the protocol
//! defines (4400, 4401, 4403, 4406, 4408, 4409, 4429) is ours to test, and so that the socket can
//! be closed when its credential expires or the server shuts down.

use std::collections::HashMap;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::graphql::{excessive_nesting, nesting_bound, Params};
use super::{HttpState, REQUEST_ID};
use crate::app::AppState;
use crate::events::Event;
use crate::graphql::auth::OverWebSocket;
use crate::graphql::extensions::{ExecutionMarker, RequestId};
use crate::graphql::loaders::Loaders;
use crate::services::auth::{AnonymousReason, Caller};

/// The one subprotocol spoken here.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// Close codes of the protocol.
pub mod close {
    /// A message that does not follow the protocol.
    pub const INVALID_MESSAGE: u16 = 4400;
    /// `subscribe` before `connection_ack`.
    pub const UNAUTHORIZED: u16 = 4401;
    /// The `connection_init` credential was refused (or expired).
    pub const FORBIDDEN: u16 = 4403;
    /// The client did not offer `graphql-transport-ws`.
    pub const SUBPROTOCOL_NOT_ACCEPTABLE: u16 = 4406;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
    /// An operation id already in use.
    pub const SUBSCRIBER_EXISTS: u16 = 4409;
    /// A second `connection_init`.
    pub const TOO_MANY_INITS: u16 = 4429;
    /// The server is going away (shutdown).
    pub const GOING_AWAY: u16 = 1001;
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
    Subscribe {
        id: String,
        payload: Value,
    },
    Complete {
        id: String,
    },
}

/// How many operations one socket may run at once: a dashboard needs a handful, and each one
/// holds an event-bus receiver and a task.
pub const MAX_OPERATIONS_PER_SOCKET: usize = 100;

/// `GET /graphql/ws`: upgrades to a WebSocket speaking `graphql-transport-ws`.
pub async fn upgrade(State(state): State<HttpState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    let request_id = headers.get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    // A message is one GraphQL request: the same size limit as an HTTP body.
    let ws = ws.protocols([PROTOCOL]).max_message_size(state.app.config.body_limit_bytes);
    let offered = ws.selected_protocol().is_some();
    ws.on_upgrade(move |socket| async move {
        let span = tracing::info_span!("ws", request_id = %request_id);
        let _ = tracing::Instrument::instrument(connection(socket, state, offered, request_id.clone()), span).await;
    })
}

enum Outbound {
    Text(String),
    Close(u16, &'static str),
    CloseOwned(u16, String),
}

/// Keeps a close reason inside the WebSocket limit of 123 bytes, on a character boundary.
pub fn clamp_reason(reason: &str) -> String {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

async fn connection(socket: WebSocket, state: HttpState, offered: bool, request_id: String) {
    let (mut sink, mut incoming) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Outbound>(64);

    // One writer: operations and the control loop all send through the channel.
    let writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            let (frame, last) = match msg {
                Outbound::Text(t) => (Message::Text(Utf8Bytes::from(t)), false),
                Outbound::Close(code, reason) => {
                    (Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) })), true)
                }
                Outbound::CloseOwned(code, reason) => {
                    (Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from(clamp_reason(&reason)) })), true)
                }
            };
            if sink.send(frame).await.is_err() || last {
                break;
            }
        }
        let _ = sink.close().await;
    });

    if !offered {
        let _ = out_tx.send(Outbound::Close(close::SUBPROTOCOL_NOT_ACCEPTABLE, "Subprotocol not acceptable")).await;
        drop(out_tx);
        let _ = writer.await;
        return;
    }

    // An operation's last message (`complete` or `error`) goes through the control loop, which
    // frees the id before sending it: a client may reuse the id as soon as it reads that message.
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Finished>();
    let mut operations: HashMap<String, (u64, JoinHandle<()>)> = HashMap::new();
    let mut next_generation: u64 = 0;
    let mut initialised = false;
    let mut acknowledged = false;
    let init_deadline = tokio::time::sleep(state.app.config.ws_init_timeout);
    tokio::pin!(init_deadline);
    // Armed at `connection_init`: the socket closes when its access token expires.
    let token_expiry = tokio::time::sleep(std::time::Duration::from_secs(u32::MAX as u64));
    tokio::pin!(token_expiry);
    let mut caller: Option<Caller> = None;
    // The access token from `connection_init`, checked again when revocation events were missed.
    let mut socket_token: Option<String> = None;
    // The session of that token, to close the socket when it is logged out.
    let mut socket_session: Option<String> = None;
    let mut revocations = state.app.services.bus.subscribe();
    let app = state.app.clone();
    let nesting_limit = nesting_bound(state.app.config.query_limits.depth);

    let close_with: Option<Outbound> = loop {
        tokio::select! {
            _ = &mut init_deadline, if !initialised => {
                break Some(Outbound::Close(close::INIT_TIMEOUT, "Connection initialisation timeout"));
            }
            _ = state.shutdown.cancelled() => {
                break Some(Outbound::Close(close::GOING_AWAY, "Server shutting down"));
            }
            _ = &mut token_expiry, if acknowledged => {
                break Some(Outbound::Close(close::FORBIDDEN, "Token expired"));
            }
            event = revocations.recv(), if acknowledged => {
                let revoked = match event.as_deref() {
                    Ok(Event::SessionsRevoked { user_id, .. }) => {
                        caller.as_ref().and_then(|c| c.principal()).is_some_and(|p| &p.user_id == user_id)
                    }
                    // Logout of the session this socket's token belongs to.
                    Ok(Event::SessionEnded { session_id, .. }) => socket_session.as_deref() == Some(session_id.as_str()),
                    // Missed events may have been this user's revocation: ask the revoker, which
                    // reloads from the database when it lags itself.
                    Err(RecvError::Lagged(_)) => {
                        state.app.services.auth.authenticate(socket_token.as_deref()).principal().is_none()
                    }
                    _ => false,
                };
                if revoked {
                    break Some(Outbound::Close(close::FORBIDDEN, "Session revoked"));
                }
            }
            Some(finished) = done_rx.recv() => {
                // A stale generation is an operation the client completed itself (its id may
                // already name a new one): nothing more is said about it.
                if operations.get(&finished.id).is_some_and(|(generation, _)| *generation == finished.generation) {
                    operations.remove(&finished.id);
                    if let Some(last) = finished.last {
                        if out_tx.send(Outbound::Text(last)).await.is_err() {
                            break None;
                        }
                    }
                }
            }
            frame = incoming.next() => {
                let text = match frame {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break None,
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Binary(_))) => {
                        break Some(Outbound::Close(close::INVALID_MESSAGE, "Binary messages are not supported"));
                    }
                    Some(Ok(_)) => continue, // WebSocket-level ping/pong
                };
                let message: ClientMessage = match serde_json::from_str(text.as_str()) {
                    Ok(m) => m,
                    Err(_) => break Some(Outbound::Close(close::INVALID_MESSAGE, "Invalid message received")),
                };
                match message {
                    ClientMessage::ConnectionInit { payload } => {
                        if initialised {
                            break Some(Outbound::Close(close::TOO_MANY_INITS, "Too many initialisation requests"));
                        }
                        initialised = true;
                        let token = init_token(payload.as_ref());
                        let who = state.app.services.auth.authenticate(token.as_deref());
                        if who.principal().is_none() {
                            break Some(Outbound::Close(close::FORBIDDEN, "Forbidden"));
                        }
                        if let Some(exp) = token.as_deref().and_then(|t| state.app.services.auth.token_expiry(t)) {
                            let left = (exp - chrono::Utc::now().timestamp()).max(0) as u64;
                            token_expiry.as_mut().reset(tokio::time::Instant::now() + std::time::Duration::from_secs(left));
                        }
                        caller = Some(who);
                        socket_session = token.as_deref().and_then(|t| state.app.services.auth.token_session(t));
                        socket_token = token;
                        acknowledged = true;
                        if out_tx.send(Outbound::Text(json!({"type": "connection_ack"}).to_string())).await.is_err() {
                            break None;
                        }
                    }
                    ClientMessage::Ping { .. } => {
                        let _ = out_tx.send(Outbound::Text(json!({"type": "pong"}).to_string())).await;
                    }
                    ClientMessage::Pong { .. } => {}
                    ClientMessage::Complete { id } => {
                        if let Some((_, handle)) = operations.remove(&id) {
                            handle.abort();
                        }
                    }
                    ClientMessage::Subscribe { id, payload } => {
                        if !acknowledged {
                            break Some(Outbound::Close(close::UNAUTHORIZED, "Unauthorized"));
                        }
                        if operations.contains_key(&id) {
                            break Some(Outbound::CloseOwned(close::SUBSCRIBER_EXISTS, format!("Subscriber for {id} already exists")));
                        }
                        if operations.len() >= MAX_OPERATIONS_PER_SOCKET {
                            // Refuse this one operation; the socket and its other operations go on.
                            let refused = json!({"id": id, "type": "error", "payload": [{
                                "message": format!("At most {MAX_OPERATIONS_PER_SOCKET} operations may run on one socket; complete one first."),
                                "extensions": {"code": "RATE_LIMITED"},
                            }]});
                            let _ = out_tx.send(Outbound::Text(refused.to_string())).await;
                            continue;
                        }
                        let params = match Params::from_json(payload) {
                            Ok(p) => p,
                            Err(_) => break Some(Outbound::Close(close::INVALID_MESSAGE, "Invalid subscribe payload")),
                        };
                        let out = out_tx.clone();
                        let done = done_tx.clone();
                        let app = app.clone();
                        let op_request_id = format!("{request_id}:{}", clamp_id(&id));
                        let op_id = id.clone();
                        let op_caller = caller.clone().unwrap_or(Caller::Anonymous(AnonymousReason::Missing));
                        // Its log lines carry the id the client is told to quote in errors.
                        let span = tracing::info_span!("ws_operation", request_id = %op_request_id);
                        next_generation += 1;
                        let generation = next_generation;
                        let handle = tokio::spawn(
                            async move {
                                let last = run_operation(
                                    app,
                                    params,
                                    op_id.clone(),
                                    op_request_id,
                                    op_caller,
                                    nesting_limit,
                                    out,
                                )
                                .await;
                                let _ = done.send(Finished { id: op_id, generation, last });
                            }
                            .instrument(span),
                        );
                        operations.insert(id, (generation, handle));
                    }
                }
            }
        }
    };

    for (_, (_, handle)) in operations.drain() {
        handle.abort();
    }
    if let Some(close) = close_with {
        let _ = out_tx.send(close).await;
    }
    drop(out_tx);
    let _ = writer.await;
}

/// The bearer token of a `connection_init` payload: `{"authorization": "Bearer …"}` (the key
/// read case-insensitively, since GraphiQL forwards header names as typed).
fn init_token(payload: Option<&Value>) -> Option<String> {
    let map = payload?.as_object()?;
    let value = map.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization"))?.1.as_str()?;
    super::context::bearer(value).map(str::to_owned)
}

/// An operation that ended by itself, with the message that ends it for the client (`None` when
/// the client can no longer be reached).
struct Finished {
    id: String,
    generation: u64,
    last: Option<String>,
}

fn clamp_id(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(40).collect()
}

async fn run_operation(
    app: AppState,
    params: Params,
    id: String,
    request_id: String,
    caller: Caller,
    nesting_limit: usize,
    out: mpsc::Sender<Outbound>,
) -> Option<String> {
    let send = |v: Value| {
        let out = out.clone();
        async move { out.send(Outbound::Text(v.to_string())).await.is_ok() }
    };
    if excessive_nesting(&params.query, nesting_limit) {
        let errors = json!([{ "message": "Query is nested too deep.", "extensions": { "code": "QUERY_TOO_LARGE" } }]);
        return Some(json!({ "type": "error", "id": id, "payload": errors }).to_string());
    }
    let mut request = async_graphql::Request::new(params.query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(v) = params.variables {
        request = request.variables(async_graphql::Variables::from_json(v));
    }
    let marker = ExecutionMarker::default();
    // Per operation: a subscription's loaders live as long as it does and never cache.
    let loaders = Loaders::new(&app.services);
    let gate = loaders.gate();
    // Marked so that the session mutations refuse: a socket message cannot set their cookie.
    let request =
        request.data(RequestId(request_id)).data(marker.clone()).data(caller).data(loaders).data(OverWebSocket);
    let mut stream = gate.run_stream(app.schema.execute_stream(request));
    while let Some(response) = stream.next().await {
        if !marker.executed() && response.is_err() {
            // Request errors end the operation with an `error` message and no `complete`.
            return Some(json!({ "type": "error", "id": id, "payload": response.errors }).to_string());
        }
        let payload = serde_json::to_value(&response).unwrap_or(Value::Null);
        if !send(json!({ "type": "next", "id": id, "payload": payload })).await {
            return None;
        }
    }
    Some(json!({ "type": "complete", "id": id }).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_fit_the_websocket_limit_without_splitting_characters() {
        let long = format!("Subscriber for {} already exists", "é".repeat(200));
        let r = clamp_reason(&long);
        assert!(r.len() <= 123);
        assert!(long.starts_with(&r));
    }
}
