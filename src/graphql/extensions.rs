//! Schema extensions: document limits before execution and error masking after it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextSubscribe, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Positioned, Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use futures::stream::BoxStream;
use futures::StreamExt;

use crate::config::QueryLimits;

/// The request id of the HTTP request or WebSocket message being served.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Set once execution starts: errors in a response without it are request errors (parse,
/// validation, limits), which GraphQL-over-HTTP answers differently from execution errors.
#[derive(Debug, Default, Clone)]
pub struct ExecutionMarker(Arc<AtomicBool>);

impl ExecutionMarker {
    /// Whether execution began.
    pub fn executed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Factory for [`Guardrails`].
pub struct GuardrailsFactory {
    /// Limits to enforce.
    pub limits: QueryLimits,
    /// Whether `__schema`/`__type` may be queried.
    pub introspection: bool,
}

impl ExtensionFactory for GuardrailsFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Guardrails { limits: self.limits, introspection: self.introspection })
    }
}

/// Enforces the alias limit, rewrites limit errors into actionable messages and masks errors
/// that carry no `extensions.code` (anything a resolver did not map on purpose is a bug).
struct Guardrails {
    limits: QueryLimits,
    introspection: bool,
}

/// Whether any selection asks for `__schema` or `__type`.
fn uses_introspection(doc: &ExecutableDocument) -> bool {
    fn walk(set: &Positioned<SelectionSet>) -> bool {
        set.node.items.iter().any(|s| match &s.node {
            Selection::Field(f) => {
                matches!(f.node.name.node.as_str(), "__schema" | "__type") || walk(&f.node.selection_set)
            }
            Selection::InlineFragment(i) => walk(&i.node.selection_set),
            Selection::FragmentSpread(_) => false,
        })
    }
    doc.operations.iter().any(|(_, op)| walk(&op.node.selection_set))
        || doc.fragments.values().any(|f| walk(&f.node.selection_set))
}

/// Aliased fields the document would execute: a fragment counts every time it is spread, so a
/// fragment of 25 aliases spread 25 times counts 625 (memoized, so counting stays linear; a
/// fragment cycle, which validation rejects later, counts as nothing here).
fn count_aliases(doc: &ExecutableDocument) -> usize {
    use std::collections::HashMap;

    use async_graphql::Name;

    struct Counter<'a> {
        doc: &'a ExecutableDocument,
        done: HashMap<&'a Name, usize>,
        visiting: Vec<&'a Name>,
    }
    impl<'a> Counter<'a> {
        fn set(&mut self, set: &'a Positioned<SelectionSet>) -> usize {
            let mut total = 0usize;
            for s in &set.node.items {
                let n = match &s.node {
                    Selection::Field(f) => {
                        usize::from(f.node.alias.is_some()).saturating_add(self.set(&f.node.selection_set))
                    }
                    Selection::InlineFragment(i) => self.set(&i.node.selection_set),
                    Selection::FragmentSpread(spread) => self.fragment(&spread.node.fragment_name.node),
                };
                total = total.saturating_add(n);
            }
            total
        }
        fn fragment(&mut self, name: &'a Name) -> usize {
            if let Some(n) = self.done.get(name) {
                return *n;
            }
            let Some(fragment) = self.doc.fragments.get(name) else { return 0 };
            if self.visiting.contains(&name) {
                return 0;
            }
            self.visiting.push(name);
            let n = self.set(&fragment.node.selection_set);
            self.visiting.pop();
            self.done.insert(name, n);
            n
        }
    }
    let mut counter = Counter { doc, done: HashMap::new(), visiting: Vec::new() };
    doc.operations.iter().fold(0usize, |sum, (_, op)| sum.saturating_add(counter.set(&op.node.selection_set)))
}

fn mask(mut errors: Vec<ServerError>, request_id: Option<&str>) -> Vec<ServerError> {
    for e in &mut errors {
        let code = e.extensions.as_ref().and_then(|x| x.get("code")).cloned();
        let is_internal = match code {
            None => {
                // Not mapped by a resolver: log the original text, send nothing of it.
                tracing::error!(cause = %e.message, path = ?e.path, "unmapped error masked as INTERNAL");
                true
            }
            Some(Value::String(c)) => c == "INTERNAL",
            Some(_) => false,
        };
        // Masked once already (a stream passes the execute and the subscribe hooks, and the
        // subscribe hook does not see the request's data): keep the id it got.
        let masked = e.extensions.as_ref().is_some_and(|x| x.get("requestId").is_some());
        if is_internal && !masked {
            let id = request_id.unwrap_or("unknown");
            e.message = format!("Internal error. Quote request id {id} when reporting it.");
            e.source = None;
            let mut ext = async_graphql::ErrorExtensionValues::default();
            ext.set("code", "INTERNAL");
            ext.set("requestId", id);
            e.extensions = Some(ext);
        }
    }
    errors
}

fn with_request_code(mut errors: Vec<ServerError>, code: &'static str) -> Vec<ServerError> {
    for e in &mut errors {
        e.extensions.get_or_insert_with(Default::default).set("code", code);
    }
    errors
}

#[async_trait::async_trait]
impl Extension for Guardrails {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await.map_err(|mut e| {
            e.extensions.get_or_insert_with(Default::default).set("code", "GRAPHQL_PARSE_FAILED");
            e
        })?;
        if !self.introspection && uses_introspection(&doc) {
            // Without this the library answers `null` silently, which reads like a bug.
            let mut e = ServerError::new("Introspection is disabled on this server (NEXUS_INTROSPECTION).", None);
            e.extensions.get_or_insert_with(Default::default).set("code", "GRAPHQL_VALIDATION_FAILED");
            return Err(e);
        }
        let aliases = count_aliases(&doc);
        if aliases > self.limits.aliases {
            let mut e = ServerError::new(
                format!("The document uses {aliases} aliases; at most {} are allowed.", self.limits.aliases),
                None,
            );
            e.extensions.get_or_insert_with(Default::default).set("code", "QUERY_TOO_LARGE");
            return Err(e);
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            let errors: Vec<ServerError> = errors
                .into_iter()
                .map(|mut e| {
                    if e.message == "Query is too complex." {
                        e.message = format!(
                            "Query is too complex: its score exceeds the limit of {}. Request fewer fields or smaller pages.",
                            self.limits.complexity
                        );
                        e.extensions.get_or_insert_with(Default::default).set("code", "QUERY_TOO_LARGE");
                    } else if e.message == "Query is nested too deep." {
                        e.message = format!("Query is nested too deep: at most {} levels are allowed.", self.limits.depth);
                        e.extensions.get_or_insert_with(Default::default).set("code", "QUERY_TOO_LARGE");
                    }
                    e
                })
                .collect();
            with_request_code_if_missing(errors, "GRAPHQL_VALIDATION_FAILED")
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(marker) = ctx.data_opt::<ExecutionMarker>() {
            marker.0.store(true, Ordering::SeqCst);
        }
        let request_id = ctx.data_opt::<RequestId>().map(|r| r.0.clone());
        let mut response = next.run(ctx, operation_name).await;
        response.errors = mask(std::mem::take(&mut response.errors), request_id.as_deref());
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        if let Some(marker) = ctx.data_opt::<ExecutionMarker>() {
            marker.0.store(true, Ordering::SeqCst);
        }
        let request_id = ctx.data_opt::<RequestId>().map(|r| r.0.clone());
        next.run(ctx, stream)
            .map(move |mut r| {
                r.errors = mask(std::mem::take(&mut r.errors), request_id.as_deref());
                r
            })
            .boxed()
    }
}

fn with_request_code_if_missing(errors: Vec<ServerError>, code: &'static str) -> Vec<ServerError> {
    let (coded, plain): (Vec<_>, Vec<_>) =
        errors.into_iter().partition(|e| e.extensions.as_ref().is_some_and(|x| x.get("code").is_some()));
    let mut out = coded;
    out.extend(with_request_code(plain, code));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        let doc = async_graphql::parser::parse_query(
            "query { a: x b: x c { d: y } ...F } fragment F on Query { e: z ... on Query { f: z } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&doc), 5);
    }

    #[test]
    fn a_fragment_counts_its_aliases_every_time_it_is_spread() {
        let fragment = (0..25).map(|i| format!("f{i}: z")).collect::<Vec<_>>().join(" ");
        let spreads = (0..25).map(|i| format!("p{i}: c {{ ...F }}")).collect::<Vec<_>>().join(" ");
        let doc = async_graphql::parser::parse_query(format!("query {{ {spreads} }} fragment F on C {{ {fragment} }}"))
            .unwrap();
        assert_eq!(count_aliases(&doc), 25 + 25 * 25);
        // Nested spreads multiply; a cycle (invalid, rejected by validation) does not hang.
        let doc = async_graphql::parser::parse_query(
            "query { ...A ...A } fragment A on Q { a: x ...B ...B } fragment B on Q { b: x c: x } fragment C on Q { ...C }",
        )
        .unwrap();
        assert_eq!(count_aliases(&doc), 2 * (1 + 2 * 2));
        let doc = async_graphql::parser::parse_query("query { ...C } fragment C on Q { x: y ...C }").unwrap();
        assert_eq!(count_aliases(&doc), 1);
    }

    #[test]
    fn unmapped_errors_are_masked_with_the_request_id() {
        let masked = mask(vec![ServerError::new("relation \"users\" does not exist", None)], Some("req-1"));
        assert!(!masked[0].message.contains("users"));
        assert!(masked[0].message.contains("req-1"));
        let ext = masked[0].extensions.as_ref().unwrap();
        assert_eq!(ext.get("code"), Some(&Value::from("INTERNAL")));
    }
}
