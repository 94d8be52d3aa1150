//! `/graphql` over HTTP, following the GraphQL-over-HTTP spec rather than library defaults:
//! POST `application/json` only, no batching, GET for queries only, the response media type
//! negotiated from `Accept`, request errors answered without a `data` key.

use std::collections::HashMap;
use std::net::SocketAddr;

use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Variables};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{HttpState, REQUEST_ID};
use crate::graphql::extensions::{ExecutionMarker, RequestId};
use crate::graphql::loaders::Loaders;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

/// The media type a response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/graphql-response+json`: request errors get 4xx.
    GraphqlResponse,
    /// Legacy `application/json`: every well-formed request gets 200.
    Json,
}

impl Format {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }
}

/// Picks the response media type from `Accept`; `None` means nothing acceptable (406).
///
/// A missing `Accept` and `*/*` get `application/json`, as the spec asks during the watershed.
pub fn negotiate(accept: Option<&str>) -> Option<Format> {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Some(Format::Json);
    };
    let mut best: Option<(f32, u8, Format)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        for p in pieces {
            if let Some(v) = p.trim().strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        if q <= 0.0 {
            continue;
        }
        // Specificity breaks ties: the explicit new type beats application/json beats wildcards.
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => (3, Format::GraphqlResponse),
            APPLICATION_JSON => (2, Format::Json),
            "application/*" | "*/*" => (1, Format::Json),
            _ => continue,
        };
        if best.is_none_or(|(bq, bs, _)| q > bq || (q == bq && candidate.0 > bs)) {
            best = Some((q, candidate.0, candidate.1));
        }
    }
    best.map(|(_, _, f)| f)
}

fn request_error(format: Format, status: StatusCode, message: &str, code: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, [(header::CONTENT_TYPE, format.content_type())], body.to_string()).into_response()
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// `GET /graphql`: GraphiQL for browsers, otherwise a query from URL parameters.
pub async fn get(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if !params.contains_key("query") && wants_html(&headers) {
        if state.app.config.graphiql {
            return super::web::graphiql_page(&state.app.config.web_dir).await;
        }
        return (StatusCode::NOT_FOUND, "GraphiQL is disabled on this server (NEXUS_GRAPHIQL).").into_response();
    }
    let Some(format) = negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())) else {
        return not_acceptable();
    };
    // The body limit is the limit on a request, whichever part of it carries the document.
    let size: usize = params.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > state.app.config.body_limit_bytes {
        let message = format!(
            "The query string has {size} bytes; at most {} are allowed (NEXUS_BODY_LIMIT_BYTES). POST larger documents.",
            state.app.config.body_limit_bytes
        );
        return request_error(format, StatusCode::URI_TOO_LONG, &message, "QUERY_TOO_LARGE");
    }
    let Some(query) = params.get("query") else {
        return request_error(format, StatusCode::BAD_REQUEST, "Missing the `query` parameter.", "BAD_REQUEST");
    };
    let variables = match params.get("variables").map(|v| serde_json::from_str::<Value>(v)) {
        None => None,
        Some(Ok(Value::Null)) => None,
        Some(Ok(v @ Value::Object(_))) => Some(v),
        Some(_) => {
            return request_error(format, StatusCode::BAD_REQUEST, "`variables` must be a JSON object.", "BAD_REQUEST")
        }
    };
    let extensions = match params.get("extensions").map(|v| serde_json::from_str::<Value>(v)) {
        None | Some(Ok(Value::Null)) => None,
        Some(Ok(v @ Value::Object(_))) => Some(v),
        Some(_) => {
            return request_error(format, StatusCode::BAD_REQUEST, "`extensions` must be a JSON object.", "BAD_REQUEST")
        }
    };
    let params =
        Params { query: query.clone(), operation_name: params.get("operationName").cloned(), variables, extensions };
    execute(&state, &headers, peer, format, params, true).await
}

/// `POST /graphql`: a single JSON-encoded GraphQL request.
pub async fn post(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let format = match negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())) {
        Some(f) => f,
        None => return not_acceptable(),
    };
    if !is_json_content_type(&headers) {
        // Forms, text/plain and multipart are what a cross-site page can send without a preflight.
        return request_error(
            format,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST /graphql accepts only `Content-Type: application/json`.",
            "UNSUPPORTED_MEDIA_TYPE",
        );
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return request_error(format, StatusCode::BAD_REQUEST, "The request body is not valid JSON.", "BAD_REQUEST")
        }
    };
    let params = match Params::from_json(value) {
        Ok(p) => p,
        Err(message) => return request_error(format, StatusCode::BAD_REQUEST, &message, "BAD_REQUEST"),
    };
    execute(&state, &headers, peer, format, params, false).await
}

fn not_acceptable() -> Response {
    let body = json!({ "errors": [{ "message": "Acceptable response types: application/graphql-response+json, application/json.", "extensions": { "code": "NOT_ACCEPTABLE" } }] });
    (StatusCode::NOT_ACCEPTABLE, [(header::CONTENT_TYPE, Format::Json.content_type())], body.to_string())
        .into_response()
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = ct.split(';');
    let media = parts.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case(APPLICATION_JSON) {
        return false;
    }
    // Only UTF-8 is accepted; an absent charset means UTF-8.
    parts.all(|p| match p.trim().split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
            v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    })
}

/// The parameters of one GraphQL request, validated.
#[derive(Debug)]
pub struct Params {
    /// The document.
    pub query: String,
    /// The operation to run.
    pub operation_name: Option<String>,
    /// Variables (a JSON object).
    pub variables: Option<Value>,
    /// Extensions (a JSON object).
    pub extensions: Option<Value>,
}

impl Params {
    /// Validates a decoded JSON body.
    pub fn from_json(value: Value) -> Result<Self, String> {
        let mut map = match value {
            Value::Object(m) => m,
            Value::Array(_) => return Err("Batched requests are not supported; send one operation per request.".into()),
            _ => return Err("The request body must be a JSON object.".into()),
        };
        let query = match map.remove("query") {
            Some(Value::String(q)) => q,
            Some(_) => return Err("`query` must be a string.".into()),
            None => return Err("Missing the `query` parameter.".into()),
        };
        let operation_name = match map.remove("operationName") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err("`operationName` must be a string.".into()),
        };
        let variables = match map.remove("variables") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v),
            Some(_) => return Err("`variables` must be an object.".into()),
        };
        let extensions = match map.remove("extensions") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v),
            Some(_) => return Err("`extensions` must be an object.".into()),
        };
        Ok(Self { query, operation_name, variables, extensions })
    }
}

/// Rejects documents nested deeper than any legitimate query before the recursive parser sees
/// them, so a hostile document cannot exhaust the stack.
pub fn excessive_nesting(query: &str, max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in query.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The raw nesting bound: generous next to the depth limit (arguments and lists nest too).
pub fn nesting_bound(depth_limit: usize) -> usize {
    depth_limit * 2 + 16
}

async fn execute(
    state: &HttpState,
    headers: &HeaderMap,
    peer: SocketAddr,
    format: Format,
    params: Params,
    is_get: bool,
) -> Response {
    let config = &state.app.config;
    if excessive_nesting(&params.query, nesting_bound(config.query_limits.depth)) {
        let message = format!("Query is nested too deep: at most {} levels are allowed.", config.query_limits.depth);
        return graphql_request_error(format, &message, "QUERY_TOO_LARGE");
    }

    let mut request = async_graphql::Request::new(params.query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(v) = params.variables {
        request = request.variables(Variables::from_json(v));
    }
    if let Some(Value::Object(ext)) = params.extensions {
        for (k, v) in ext {
            if let Ok(v) = async_graphql::Value::from_json(v) {
                request.extensions.insert(k, v);
            }
        }
    }

    // Find the operation's type: mutations are not allowed over GET, subscriptions only over WebSocket.
    let operation_name = request.operation_name.clone();
    let op_type = match request.parsed_query() {
        Ok(doc) => selected_operation_type(doc, operation_name.as_deref()),
        Err(e) => {
            return graphql_request_error(format, &e.message, "GRAPHQL_PARSE_FAILED");
        }
    };
    match op_type {
        Some(OperationType::Mutation) if is_get => {
            let body = json!({ "errors": [{ "message": "Mutations must use POST.", "extensions": { "code": "METHOD_NOT_ALLOWED" } }] });
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, HeaderValue::from_static("POST")), (header::CONTENT_TYPE, format.content_type())],
                body.to_string(),
            )
                .into_response();
        }
        Some(OperationType::Subscription) => {
            return graphql_request_error(
                format,
                "Subscriptions are served over WebSocket at /graphql/ws.",
                "BAD_REQUEST",
            );
        }
        _ => {}
    }

    let request_id = headers.get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let marker = ExecutionMarker::default();
    let (caller, client_ip, cookie) = super::context::request_data(state, headers, peer);
    // Loaders are per request: a schema-wide loader would share data across callers.
    let loaders = Loaders::new(&state.app.services);
    let gate = loaders.gate();
    let request = request
        .data(RequestId(request_id))
        .data(marker.clone())
        .data(caller)
        .data(client_ip)
        .data(cookie)
        .data(loaders);
    let response = gate.run(state.app.schema.execute(request)).await;

    if !marker.executed() && response.is_err() {
        // Some request errors ("Unknown operation named …") are raised outside the extension
        // hooks that give the others their code; every error carries one.
        let mut response = response;
        for e in &mut response.errors {
            let ext = e.extensions.get_or_insert_with(Default::default);
            if ext.get("code").is_none() {
                ext.set("code", "GRAPHQL_VALIDATION_FAILED");
            }
        }
        let errors: Vec<&ServerError> = response.errors.iter().collect();
        let status = if format == Format::GraphqlResponse { StatusCode::BAD_REQUEST } else { StatusCode::OK };
        let body = json!({ "errors": errors });
        return (status, [(header::CONTENT_TYPE, format.content_type())], body.to_string()).into_response();
    }
    let mut body = serde_json::Map::new();
    body.insert("data".into(), serde_json::to_value(&response.data).unwrap_or(Value::Null));
    if !response.errors.is_empty() {
        body.insert("errors".into(), serde_json::to_value(&response.errors).unwrap_or(Value::Null));
    }
    if !response.extensions.is_empty() {
        body.insert("extensions".into(), serde_json::to_value(&response.extensions).unwrap_or(Value::Null));
    }
    let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, format.content_type())], Value::Object(body).to_string())
        .into_response();
    for (name, value) in response.http_headers.iter() {
        resp.headers_mut().append(name, value.clone());
    }
    resp
}

/// A GraphQL request error (parse, validation, limits): 400 for the new media type, 200 for legacy JSON.
fn graphql_request_error(format: Format, message: &str, code: &str) -> Response {
    let status = if format == Format::GraphqlResponse { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    request_error(format, status, message, code)
}

fn selected_operation_type(
    doc: &async_graphql::parser::types::ExecutableDocument,
    name: Option<&str>,
) -> Option<OperationType> {
    use async_graphql::parser::types::DocumentOperations;
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation_follows_the_spec() {
        assert_eq!(negotiate(None), Some(Format::Json));
        assert_eq!(negotiate(Some("*/*")), Some(Format::Json));
        assert_eq!(negotiate(Some("application/json")), Some(Format::Json));
        assert_eq!(negotiate(Some("application/graphql-response+json")), Some(Format::GraphqlResponse));
        assert_eq!(
            negotiate(Some("application/graphql-response+json, application/json;q=0.9")),
            Some(Format::GraphqlResponse)
        );
        assert_eq!(
            negotiate(Some("application/json, application/graphql-response+json")),
            Some(Format::GraphqlResponse)
        );
        assert_eq!(
            negotiate(Some("application/json;q=1, application/graphql-response+json;q=0.5")),
            Some(Format::Json)
        );
        assert_eq!(negotiate(Some("text/plain")), None);
    }

    #[test]
    fn only_utf8_json_content_types_are_accepted() {
        let check = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
            is_json_content_type(&h)
        };
        assert!(check("application/json"));
        assert!(check("application/json; charset=utf-8"));
        assert!(check("Application/JSON;charset=UTF-8"));
        assert!(!check("application/json; charset=latin1"));
        assert!(!check("text/plain"));
        assert!(!check("application/x-www-form-urlencoded"));
        assert!(!check("multipart/form-data; boundary=x"));
    }

    #[test]
    fn batches_and_non_objects_are_refused() {
        assert!(Params::from_json(json!([{"query": "{a}"}])).unwrap_err().contains("Batched"));
        assert!(Params::from_json(json!("x")).is_err());
        assert!(Params::from_json(json!({"qeury": "{a}"})).unwrap_err().contains("query"));
        assert!(Params::from_json(json!({"query": "{a}", "variables": [1]})).is_err());
        assert!(Params::from_json(json!({"query": "{a}", "variables": null, "operationName": null})).is_ok());
    }

    #[test]
    fn nesting_is_measured_outside_strings() {
        assert!(!excessive_nesting("{ a { b { c } } }", 3));
        assert!(excessive_nesting("{ a { b { c { d } } } }", 3));
        assert!(!excessive_nesting(r#"{ a(s: "{{{{{{{{\"{{{{") }"#, 3));
        assert!(excessive_nesting(&"{".repeat(100_000), 46));
    }
}
