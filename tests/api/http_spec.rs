//! GraphQL over HTTP as the spec asks, plus the HTTP hygiene every response gets.

use serde_json::{json, Value};

use crate::both_databases;
use crate::support::{run_node, spawn_app, spawn_app_with, Backend};

async fn a_post_that_is_not_json_is_refused_with_415_and_runs_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
    ] {
        let resp = app
            .client
            .post(app.graphql_url())
            .header("content-type", content_type)
            .body(r#"{"query":"{__typename}"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 415, "{content_type}");
        let body: Value = resp.json().await.unwrap();
        assert!(body.get("data").is_none(), "{content_type} executed: {body}");
    }
    let resp = app.client.post(app.graphql_url()).body(r#"{"query":"{__typename}"}"#).send().await.unwrap();
    assert_eq!(resp.status(), 415, "no content type at all");
}

async fn a_mutation_over_get_is_405_with_an_allow_header(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "mutation { __typename }")])
        .header("accept", "application/graphql-response+json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
}

async fn a_query_over_get_works(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .client
        .get(app.graphql_url())
        .query(&[
            ("query", "query Other { __typename } query Status { s: serverStatus { version } }"),
            ("operationName", "Status"),
            ("variables", "{}"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["s"]["version"], env!("CARGO_PKG_VERSION"));
}

async fn a_parse_error_is_400_without_data_for_graphql_response_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.gql("{", json!(null)).await;
    assert_eq!(resp.status, 400);
    assert!(resp.body.get("data").is_none());
    assert_eq!(resp.error_code(), Some("GRAPHQL_PARSE_FAILED"));
    assert!(resp.headers["content-type"].to_str().unwrap().starts_with("application/graphql-response+json"));

    // Legacy clients asking for application/json get 200 and the same errors.
    let legacy = app
        .client
        .post(app.graphql_url())
        .header("accept", "application/json")
        .json(&json!({"query": "{"}))
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), 200);
    assert!(legacy.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = legacy.json().await.unwrap();
    assert!(body.get("data").is_none() && body["errors"].is_array());
}

async fn a_validation_error_is_400_and_suggests_no_field_names(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.gql("{ serverStatu { version } }", json!(null)).await;
    assert_eq!(resp.status, 400);
    assert!(resp.body.get("data").is_none());
    assert_eq!(resp.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));
    assert!(!resp.error_message().contains("Did you mean"), "{}", resp.error_message());
}

async fn an_unknown_or_missing_operation_name_is_a_coded_request_error(backend: Backend) {
    let app = spawn_app(backend).await;
    for (body, needle) in [
        (json!({"query": "query A { __typename }", "operationName": "B"}), "Unknown operation"),
        (json!({"query": "query A { __typename } query B { __typename }"}), "Operation name required"),
    ] {
        let resp = app
            .client
            .post(app.graphql_url())
            .header("accept", "application/graphql-response+json")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains(needle), "{body}");
    }
}

async fn a_batch_is_refused_with_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .client
        .post(app.graphql_url())
        .header("content-type", "application/json")
        .body(r#"[{"query":"{__typename}"},{"query":"{__typename}"}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("Batched"));
}

async fn an_unacceptable_accept_header_is_406(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .client
        .post(app.graphql_url())
        .header("accept", "text/csv")
        .json(&json!({"query": "{__typename}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 406);
}

async fn every_response_carries_security_headers_and_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    for (method, path) in
        [("GET", "/health"), ("GET", "/ready"), ("POST", "/graphql"), ("GET", "/no-such-thing"), ("GET", "/")]
    {
        let req = app.client.request(method.parse().unwrap(), format!("{}{path}", app.base));
        let req = if method == "POST" { req.json(&json!({"query": "{__typename}"})) } else { req };
        let resp = req.send().await.unwrap();
        let h = resp.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert!(!h.contains_key("strict-transport-security"), "no HSTS unless behind TLS");
        assert!(!h["x-request-id"].is_empty(), "{path}");
    }
    // A sane client id is kept, a forged one replaced.
    let kept = app.client.get(format!("{}/health", app.base)).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "abc-123");
    let forged =
        app.client.get(format!("{}/health", app.base)).header("x-request-id", "x\" injected=1").send().await.unwrap();
    assert_ne!(forged.headers()["x-request-id"], "x\" injected=1");
}

async fn hsts_is_sent_when_behind_tls(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_BEHIND_TLS", "true")]).await;
    let resp = app.client.get(format!("{}/health", app.base)).send().await.unwrap();
    assert!(resp.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
}

async fn an_oversized_body_is_refused_with_413(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_BODY_LIMIT_BYTES", "4096")]).await;
    let big = format!(r#"{{"query":"{{__typename}}","variables":{{"pad":"{}"}}}}"#, "x".repeat(10_000));
    let resp =
        app.client.post(app.graphql_url()).header("content-type", "application/json").body(big).send().await.unwrap();
    assert_eq!(resp.status(), 413);

    // The same limit holds for a query sent in the URL.
    let padded = format!("{{__typename}} # {}", "x".repeat(10_000));
    let resp = app
        .client
        .get(app.graphql_url())
        .query(&[("query", padded.as_str())])
        .header("accept", "application/graphql-response+json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 414);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_LARGE", "{body}");
    assert!(body.get("data").is_none());
    let resp = app.client.get(app.graphql_url()).query(&[("query", "{__typename}")]).send().await.unwrap();
    assert_eq!(resp.status(), 200, "a small GET query still works");
}

async fn health_is_live_and_ready_names_a_down_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let live = app.client.get(format!("{}/health", app.base)).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = app.client.get(format!("{}/ready", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    app.state.db.clone().close().await.unwrap();
    let ready = app.client.get(format!("{}/ready", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["down"], json!(["database"]));
    // Liveness does not depend on the database.
    let live = app.client.get(format!("{}/health", app.base)).send().await.unwrap();
    assert_eq!(live.status(), 200);
}

async fn graphiql_is_served_to_browsers_in_development_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.client.get(app.graphql_url()).header("accept", "text/html").send().await.unwrap();
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let prod = spawn_app_with(backend, &[("NEXUS_ENV", "production"), ("NEXUS_JWT_KEY", &"k".repeat(40))]).await;
    let resp = prod.client.get(prod.graphql_url()).header("accept", "text/html").send().await.unwrap();
    assert_eq!(resp.status(), 404);
    // Introspection is off in production too.
    let resp = prod.gql("{ __schema { queryType { name } } }", json!(null)).await;
    assert!(resp.error_message().contains("Introspection is disabled"), "{}", resp.body);

    // Both follow their variables when set, whatever the environment.
    let key = "k".repeat(40);
    let opened = spawn_app_with(
        backend,
        &[
            ("NEXUS_ENV", "production"),
            ("NEXUS_JWT_KEY", &key),
            ("NEXUS_GRAPHIQL", "true"),
            ("NEXUS_INTROSPECTION", "true"),
        ],
    )
    .await;
    let resp = opened.client.get(opened.graphql_url()).header("accept", "text/html").send().await.unwrap();
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let resp = opened.gql("{ __schema { queryType { name } } }", json!(null)).await;
    assert_eq!(resp.data()["__schema"]["queryType"]["name"], "Query");
    let closed = spawn_app_with(backend, &[("NEXUS_GRAPHIQL", "false"), ("NEXUS_INTROSPECTION", "false")]).await;
    let resp = closed.client.get(closed.graphql_url()).header("accept", "text/html").send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let resp = closed.gql("{ __schema { queryType { name } } }", json!(null)).await;
    assert!(resp.error_message().contains("Introspection is disabled"), "{}", resp.body);
}

async fn the_dashboard_is_served_at_the_root_and_for_client_side_routes(backend: Backend) {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), "<!doctype html><title>dashboard</title>").unwrap();
    std::fs::create_dir(web.path().join("assets")).unwrap();
    std::fs::write(web.path().join("assets/app.js"), "console.log(1)").unwrap();
    let app = spawn_app_with(backend, &[("NEXUS_WEB_DIR", web.path().to_str().unwrap())]).await;

    for path in ["/", "/sign-in", "/some/client/route?x=1"] {
        let resp = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert!(resp.headers().contains_key("content-security-policy"), "{path}");
        assert!(resp.text().await.unwrap().contains("<title>dashboard</title>"), "{path}");
    }
    let asset = app.client.get(format!("{}/assets/app.js", app.base)).send().await.unwrap();
    assert_eq!(asset.status(), 200);
    assert!(asset.headers()["content-type"].to_str().unwrap().contains("javascript"));
    // A missing script is a 404, not the HTML page in its place.
    let missing = app.client.get(format!("{}/assets/gone.js", app.base)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

async fn the_graphql_http_audit_reports_no_must_or_should_failures(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ok, output) = run_node("audit.mjs", &[&app.graphql_url()]).await;
    assert!(ok, "graphql-http audit failed:\n{output}");
    assert!(output.contains("0 failed"), "{output}");
}

both_databases!(
    a_post_that_is_not_json_is_refused_with_415_and_runs_nothing,
    a_mutation_over_get_is_405_with_an_allow_header,
    a_query_over_get_works,
    a_parse_error_is_400_without_data_for_graphql_response_json,
    a_validation_error_is_400_and_suggests_no_field_names,
    a_batch_is_refused_with_400,
    an_unknown_or_missing_operation_name_is_a_coded_request_error,
    an_unacceptable_accept_header_is_406,
    every_response_carries_security_headers_and_a_request_id,
    hsts_is_sent_when_behind_tls,
    an_oversized_body_is_refused_with_413,
    health_is_live_and_ready_names_a_down_database,
    graphiql_is_served_to_browsers_in_development_only,
    the_dashboard_is_served_at_the_root_and_for_client_side_routes,
    the_graphql_http_audit_reports_no_must_or_should_failures,
);

/// Reads from `stream` until the server closes it; returns what it sent. Panics after `within`.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, within: std::time::Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut got))
        .await
        .expect("the server closes the connection in time")
        .ok();
    String::from_utf8_lossy(&got).into_owned()
}

async fn a_client_that_trickles_its_headers_is_cut_off(backend: Backend) {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_with(backend, &[("NEXUS_HEADER_READ_TIMEOUT_SECS", "1")]).await;
    // Half a request, then silence: the request timeout has not even started.
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: nexus\r\nX-Slow: ").await.unwrap();
    let answer = read_until_closed(&mut slow, std::time::Duration::from_secs(10)).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    // Everyone else is served as usual.
    let resp = app.client.get(format!("{}/health", app.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

async fn connections_over_the_cap_wait_their_turn(backend: Backend) {
    let app =
        spawn_app_with(backend, &[("NEXUS_MAX_CONNECTIONS", "1"), ("NEXUS_HEADER_READ_TIMEOUT_SECS", "60")]).await;
    let hog = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let waiting = {
        let url = format!("{}/health", app.base);
        tokio::spawn(async move { reqwest::Client::new().get(url).send().await.map(|r| r.status().as_u16()) })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "the only slot is taken");
    drop(hog);
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), waiting).await.unwrap().unwrap().unwrap();
    assert_eq!(status, 200, "served once the slot is free");
}

both_databases!(a_client_that_trickles_its_headers_is_cut_off, connections_over_the_cap_wait_their_turn,);

async fn a_request_in_flight_at_shutdown_is_answered_and_new_connections_are_refused(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(backend).await;
    let body = r#"{"query":"{__typename}"}"#;
    let mut conn = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: nexus\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // Headers and half the body. `Expect: 100-continue` makes the server say when its handler
    // starts reading the body, so the request is surely in flight when the shutdown begins.
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut interim = [0u8; 25];
    tokio::time::timeout(std::time::Duration::from_secs(10), conn.read_exact(&mut interim))
        .await
        .expect("the server asks for the body in time")
        .unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    conn.write_all(&body.as_bytes()[..8]).await.unwrap();
    app.begin_shutdown();
    let refused_by = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while tokio::net::TcpStream::connect(app.addr).await.is_ok() {
        assert!(std::time::Instant::now() < refused_by, "no new connections once shutting down");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    conn.write_all(&body.as_bytes()[8..]).await.unwrap();
    let answer = read_until_closed(&mut conn, std::time::Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""__typename":"Query""#), "{answer}");
}

both_databases!(a_request_in_flight_at_shutdown_is_answered_and_new_connections_are_refused);
