//! The dashboard and GraphiQL in a real browser (Debian's Chromium, driven by playwright-core from
//! `tests/e2e/run.mjs`) against the real server: sign-in, the live status panel, a reload that
//! keeps the session, GraphiQL with the session, the tasks and operations pages, the users page, a
//! user changing their password on the account page, sign-out — with no CSP violations on the way.

use std::path::Path;
use std::time::Duration;

use crate::both_databases;
use crate::support::{run_node_in, spawn_app, Backend, OWNER_PASSWORD};

/// Where the browser test expects Chromium (`NEXUS_CHROMIUM` overrides, as in run.mjs).
fn chromium() -> String {
    std::env::var("NEXUS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// Everything the browser test needs, or a panic saying how to get it: it must never skip.
fn require_browser_prerequisites() {
    let root = env!("CARGO_MANIFEST_DIR");
    let chromium = chromium();
    assert!(
        Path::new(&chromium).is_file(),
        "the browser test needs Chromium at {chromium}: install it with `apt-get install -y chromium` \
         (.ci/run does) or point NEXUS_CHROMIUM at one"
    );
    assert!(
        Path::new(&format!("{root}/tests/e2e/node_modules/playwright-core")).is_dir(),
        "tests/e2e/node_modules is missing: run `npm ci --prefix tests/e2e` (scripts/test does)"
    );
    assert!(
        Path::new(&format!("{root}/frontend/dist/index.html")).is_file()
            && Path::new(&format!("{root}/frontend/dist/graphiql.html")).is_file(),
        "frontend/dist is not built: run `npm ci --prefix frontend && npm run --prefix frontend build` \
         (scripts/test does)"
    );
}

async fn the_owner_signs_in_stays_signed_in_across_a_reload_uses_graphiql_and_signs_out_in_a_browser(backend: Backend) {
    require_browser_prerequisites();
    let app = spawn_app(backend).await;

    let (ok, output) =
        run_node_in("tests/e2e", "run.mjs", &[&app.base, OWNER_PASSWORD], Duration::from_secs(120)).await;

    assert!(ok, "the browser end-to-end run failed:\n{output}");
    assert!(output.contains("e2e: passed"), "{output}");
}

both_databases!(the_owner_signs_in_stays_signed_in_across_a_reload_uses_graphiql_and_signs_out_in_a_browser);
