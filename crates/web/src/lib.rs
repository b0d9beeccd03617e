#![recursion_limit = "256"]
//! The HTTP face of tongban: the JSON API under `/api/v1`, its OpenAPI document, and
//! the server-rendered pages. One router per area, merged here; `serve` is used by
//! the binary and by the integration tests alike.

pub mod api;
pub mod error;
pub mod extract;
mod guard;
pub mod observe;
mod open311;
mod openapi;
pub mod pages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tongban_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (JSON API).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler shares. Behind one `Arc`: axum clones the state for every
/// extractor and middleware of every request, and the store holds a dozen shared
/// parts of its own.
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Shared>);

pub struct Shared {
    pub store: Store,
    /// This node's metrics and the token that opens `/metrics`.
    pub observer: observe::Observer,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The state of a node serving `store`; `metrics_token` opens `/metrics` (none:
    /// not served).
    pub fn new(store: Store, metrics_token: Option<String>) -> Self {
        Self(std::sync::Arc::new(Shared {
            store,
            observer: observe::Observer::new(metrics_token),
        }))
    }
}

/// Content-Security-Policy of every response: scripts only from the binary's own
/// files (no inline script, so an injected one does not run), nothing framed, no
/// plugins; inline `style` attributes are allowed (layout tweaks in templates).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(api::router())
        .merge(openapi::router())
        .merge(open311::router())
        .route("/metrics", axum::routing::get(observe::metrics))
        .route("/readyz", axum::routing::get(observe::readyz))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(guard::reject_control_characters))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(error::ApiError::internal())
        }))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::protect_responses,
        ))
        // Counted, timed and logged (one line per request, inside its span).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        // Every request gets an id (or keeps a proxy's `X-Request-Id`), carried by
        // every log line written while it is served and returned in the response,
        // so an operator can follow one request through the log.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The route's template, never the path itself: a path may carry an
                // identity number (`/api/v1/codes/id/{number}`).
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|m| m.as_str())
                    .unwrap_or("-");
                tracing::info_span!("request", id, method = %req.method(), route)
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves until ctrl-c (or the future `shutdown` completes).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
