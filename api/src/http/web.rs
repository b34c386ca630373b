//! The pages Tongxin serves itself, every asset embedded in the binary so that they work
//! on an intranet without the internet (政务外网): the big-screen dashboard (`/dashboard`)
//! and GraphiQL (`GET /graphql` from a browser). The vendored builds come from `web/`
//! (`web/vendor.sh` copies the pinned npm packages' dist files there).
//!
//! A table of `include_bytes!` rather than a crate such as rust-embed: the files are a
//! dozen, known when compiling, and each wants its own content type and cache policy; a
//! directory walk and a proc macro would add a dependency for no more than these lines.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// Pages may load only what Tongxin serves, and talk only to it.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    /// A pinned third-party build: cached for a day. Our own files are revalidated.
    vendored: bool,
}

macro_rules! web {
    ($file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/", $file))
    };
}

/// The operations the dashboard page sends: the contract's own files, as the apps send them.
const DASHBOARD_OPERATIONS: &str = concat!(
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/contract/operations/auth.graphql"
    )),
    "\n",
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/contract/operations/dashboard.graphql"
    )),
    "\n",
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/contract/operations/dashboard-page.graphql"
    )),
);

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

static ASSETS: &[Asset] = &[
    Asset {
        path: "dashboard/index.html",
        content_type: HTML,
        body: web!("dashboard/index.html"),
        vendored: false,
    },
    Asset {
        path: "dashboard/dashboard.js",
        content_type: JS,
        body: web!("dashboard/dashboard.js"),
        vendored: false,
    },
    Asset {
        path: "dashboard/dashboard.css",
        content_type: CSS,
        body: web!("dashboard/dashboard.css"),
        vendored: false,
    },
    Asset {
        path: "dashboard/operations.graphql",
        content_type: "application/graphql; charset=utf-8",
        body: DASHBOARD_OPERATIONS.as_bytes(),
        vendored: false,
    },
    Asset {
        path: "dashboard/vendor/echarts.min.js",
        content_type: JS,
        body: web!("dashboard/vendor/echarts.min.js"),
        vendored: true,
    },
    Asset {
        path: "dashboard/vendor/echarts.LICENSE",
        content_type: "text/plain; charset=utf-8",
        body: web!("dashboard/vendor/echarts.LICENSE"),
        vendored: true,
    },
    Asset {
        path: "graphiql/index.html",
        content_type: HTML,
        body: web!("graphiql/index.html"),
        vendored: false,
    },
    Asset {
        path: "graphiql/init.js",
        content_type: JS,
        body: web!("graphiql/init.js"),
        vendored: false,
    },
    Asset {
        path: "graphiql/graphiql.min.js",
        content_type: JS,
        body: web!("graphiql/graphiql.min.js"),
        vendored: true,
    },
    Asset {
        path: "graphiql/graphiql.min.css",
        content_type: CSS,
        body: web!("graphiql/graphiql.min.css"),
        vendored: true,
    },
    Asset {
        path: "graphiql/react.production.min.js",
        content_type: JS,
        body: web!("graphiql/react.production.min.js"),
        vendored: true,
    },
    Asset {
        path: "graphiql/react-dom.production.min.js",
        content_type: JS,
        body: web!("graphiql/react-dom.production.min.js"),
        vendored: true,
    },
    Asset {
        path: "graphiql/graphiql.LICENSE",
        content_type: "text/plain; charset=utf-8",
        body: web!("graphiql/graphiql.LICENSE"),
        vendored: true,
    },
];

fn serve(path: &str) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.path == path) else {
        return (StatusCode::NOT_FOUND, "没有这个页面").into_response();
    };
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if asset.vendored {
            "public, max-age=86400"
        } else {
            "no-cache"
        }),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if asset.content_type == HTML {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// `GET /dashboard`: relative asset paths resolve under `/dashboard/`.
pub async fn dashboard_root() -> Redirect {
    Redirect::permanent("/dashboard/")
}

/// `GET /dashboard/`.
pub async fn dashboard_page() -> Response {
    serve("dashboard/index.html")
}

/// `GET /dashboard/{*file}`.
pub async fn dashboard_asset(Path(file): Path<String>) -> Response {
    serve(&format!("dashboard/{file}"))
}

/// `GET /graphiql/{*file}`.
pub async fn graphiql_asset(Path(file): Path<String>) -> Response {
    serve(&format!("graphiql/{file}"))
}

/// GraphiQL's page, for a browser's `GET /graphql` without a query.
pub fn graphiql_page() -> Response {
    serve("graphiql/index.html")
}
