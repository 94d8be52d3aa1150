//! `/graphql/ws`: graphql-transport-ws end to end (with the `graphql-ws` client) and its close codes.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::both_databases;
use crate::support::{run_node, spawn_app, spawn_app_with, Backend, TestApp};

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp) -> Ws {
    let mut req = app.ws_url().into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.expect("ws connects");
    assert_eq!(resp.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    ws
}

async fn send(ws: &mut Ws, value: serde_json::Value) {
    ws.send(Message::Text(value.to_string().into())).await.unwrap();
}

/// Reads until the server closes; returns the close code and reason.
async fn close_code(ws: &mut Ws) -> (u16, String) {
    let deadline = tokio::time::sleep(Duration::from_secs(10));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => panic!("server did not close the socket"),
            msg = ws.next() => match msg {
                Some(Ok(Message::Close(Some(frame)))) => return (frame.code.into(), frame.reason.to_string()),
                Some(Ok(_)) => continue,
                other => panic!("socket ended without a close frame: {other:?}"),
            }
        }
    }
}

async fn next_json(ws: &mut Ws) -> serde_json::Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("message in time");
        match msg {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

async fn init(app: &TestApp, ws: &mut Ws) {
    let viewer = app.user_with_role("VIEWER").await;
    send(ws, json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", viewer.token)}}))
        .await;
    assert_eq!(next_json(ws).await["type"], "connection_ack");
}

async fn the_graphql_ws_client_receives_heartbeats_end_to_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.user_with_role("VIEWER").await;
    let (ok, output) = run_node("subscribe.mjs", &[&app.ws_url(), "2", &viewer.token]).await;
    assert!(ok, "graphql-ws subscription failed:\n{output}");
    assert!(output.contains("received 2 heartbeats"), "{output}");
}

async fn an_invalid_message_closes_with_4400(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = connect(&app).await;
    ws.send(Message::Text("this is not json".into())).await.unwrap();
    assert_eq!(close_code(&mut ws).await.0, 4400);

    let mut ws = connect(&app).await;
    send(&mut ws, json!({"type": "no_such_type"})).await;
    assert_eq!(close_code(&mut ws).await.0, 4400);
}

async fn subscribing_before_the_ack_closes_with_4401(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = connect(&app).await;
    send(
        &mut ws,
        json!({"type": "subscribe", "id": "1", "payload": {"query": "subscription { serverHeartbeat { now } }"}}),
    )
    .await;
    assert_eq!(close_code(&mut ws).await, (4401, "Unauthorized".to_owned()));
}

async fn no_connection_init_in_time_closes_with_4408(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_WS_INIT_TIMEOUT_SECS", "1")]).await;
    let mut ws = connect(&app).await;
    assert_eq!(close_code(&mut ws).await.0, 4408);
}

async fn a_duplicate_subscription_id_closes_with_4409(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = connect(&app).await;
    init(&app, &mut ws).await;
    let sub = json!({"type": "subscribe", "id": "dup", "payload": {"query": "subscription { serverHeartbeat(intervalSeconds: 60) { now } }"}});
    send(&mut ws, sub.clone()).await;
    assert_eq!(next_json(&mut ws).await["type"], "next");
    send(&mut ws, sub).await;
    let (code, reason) = close_code(&mut ws).await;
    assert_eq!(code, 4409);
    assert_eq!(reason, "Subscriber for dup already exists");
}

async fn a_second_connection_init_closes_with_4429(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = connect(&app).await;
    init(&app, &mut ws).await;
    send(&mut ws, json!({"type": "connection_init"})).await;
    assert_eq!(close_code(&mut ws).await.0, 4429);
}

async fn close_reasons_stay_within_the_websocket_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = connect(&app).await;
    init(&app, &mut ws).await;
    let id = "x".repeat(500);
    let sub = json!({"type": "subscribe", "id": id, "payload": {"query": "subscription { serverHeartbeat(intervalSeconds: 60) { now } }"}});
    send(&mut ws, sub.clone()).await;
    send(&mut ws, sub).await;
    let (code, reason) = close_code(&mut ws).await;
    assert_eq!(code, 4409);
    assert!(reason.len() <= 123);
}

async fn a_completed_operation_frees_its_id_and_queries_run_over_the_socket(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = connect(&app).await;
    init(&app, &mut ws).await;
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut ws).await["type"], "pong");
    // Reused at once, many times: the server frees the id before it says `complete`.
    for _ in 0..30 {
        send(&mut ws, json!({"type": "subscribe", "id": "q", "payload": {"query": "{ serverStatus { version } }"}}))
            .await;
        let next = next_json(&mut ws).await;
        assert_eq!(next["type"], "next");
        assert_eq!(next["payload"]["data"]["serverStatus"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(next_json(&mut ws).await, json!({"type": "complete", "id": "q"}));
    }
    // A request error ends the operation with `error`.
    send(&mut ws, json!({"type": "subscribe", "id": "bad", "payload": {"query": "{ nope }"}})).await;
    let err = next_json(&mut ws).await;
    assert_eq!(err["type"], "error");
    assert_eq!(err["id"], "bad");
}

async fn a_socket_without_a_valid_token_closes_with_4403(backend: Backend) {
    let app = spawn_app(backend).await;
    for payload in
        [json!(null), json!({}), json!({"authorization": "Bearer not-a-token"}), json!({"authorization": "Basic eA=="})]
    {
        let mut ws = connect(&app).await;
        send(&mut ws, json!({"type": "connection_init", "payload": payload})).await;
        assert_eq!(close_code(&mut ws).await, (4403, "Forbidden".to_owned()), "{payload}");
    }
}

async fn a_socket_closes_with_4403_when_its_user_is_disabled(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    let user = app.user_with_role("VIEWER").await;
    let mut ws = connect(&app).await;
    send(&mut ws, json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", user.token)}}))
        .await;
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    app.gql_as(
        Some(&owner.token),
        "mutation($id: ID!) { disableUser(input: {userId: $id}) { user { id } } }",
        json!({"id": user.id}),
    )
    .await
    .data();
    assert_eq!(close_code(&mut ws).await, (4403, "Session revoked".to_owned()));
}

async fn a_socket_closes_with_4403_when_its_token_expires(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_ACCESS_TOKEN_TTL_SECS", "2")]).await;
    let mut ws = connect(&app).await;
    init(&app, &mut ws).await;
    assert_eq!(close_code(&mut ws).await, (4403, "Token expired".to_owned()));
}

async fn a_socket_outlives_the_http_request_timeout(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_REQUEST_TIMEOUT_SECS", "1")]).await;
    let mut ws = connect(&app).await;
    init(&app, &mut ws).await;
    let sub = json!({"type": "subscribe", "id": "hb", "payload": {"query": "subscription { serverHeartbeat(intervalSeconds: 1) { uptimeSeconds } }"}});
    send(&mut ws, sub).await;
    for _ in 0..3 {
        assert_eq!(next_json(&mut ws).await["type"], "next");
    }
}

async fn a_socket_runs_at_most_100_operations_and_refuses_more_without_closing(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = connect(&app).await;
    init(&app, &mut ws).await;
    let heartbeat = "subscription { serverHeartbeat(intervalSeconds: 300) { version } }";
    for i in 0..100 {
        send(&mut ws, json!({"id": format!("s{i}"), "type": "subscribe", "payload": {"query": heartbeat}})).await;
    }
    send(&mut ws, json!({"id": "one-too-many", "type": "subscribe", "payload": {"query": heartbeat}})).await;
    // Each subscription answers once at once; the refusal arrives among those answers.
    let mut refused = None;
    for _ in 0..101 {
        let msg = next_json(&mut ws).await;
        if msg["id"] == "one-too-many" {
            refused = Some(msg);
        }
    }
    let refused = refused.expect("the 101st operation is answered");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    // The socket stays usable: completing one makes room for another.
    send(&mut ws, json!({"id": "s0", "type": "complete"})).await;
    send(&mut ws, json!({"id": "again", "type": "subscribe", "payload": {"query": heartbeat}})).await;
    let msg = next_json(&mut ws).await;
    assert_eq!((msg["id"].as_str(), msg["type"].as_str()), (Some("again"), Some("next")), "{msg}");
}

async fn a_message_over_the_body_limit_ends_the_socket(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_BODY_LIMIT_BYTES", "4096")]).await;
    let mut ws = connect(&app).await;
    init(&app, &mut ws).await;
    let padding = "x".repeat(8192);
    let query = format!("subscription {{ serverHeartbeat {{ version }} }} # {padding}");
    let _ = ws
        .send(Message::Text(json!({"id": "big", "type": "subscribe", "payload": {"query": query}}).to_string().into()))
        .await;
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => panic!("the oversized message was served: {t}"),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the socket ends");
}

both_databases!(
    a_socket_runs_at_most_100_operations_and_refuses_more_without_closing,
    a_message_over_the_body_limit_ends_the_socket,
    a_socket_outlives_the_http_request_timeout,
    a_socket_without_a_valid_token_closes_with_4403,
    a_socket_closes_with_4403_when_its_user_is_disabled,
    a_socket_closes_with_4403_when_its_token_expires,
);

both_databases!(
    the_graphql_ws_client_receives_heartbeats_end_to_end,
    an_invalid_message_closes_with_4400,
    subscribing_before_the_ack_closes_with_4401,
    no_connection_init_in_time_closes_with_4408,
    a_duplicate_subscription_id_closes_with_4409,
    a_second_connection_init_closes_with_4429,
    close_reasons_stay_within_the_websocket_limit,
    a_completed_operation_frees_its_id_and_queries_run_over_the_socket,
);
