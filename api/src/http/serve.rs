//! The accept loop: axum's `serve` (0.8, `handle_connection`), with hyper's header-read
//! timer set.
//!
//! hyper closes a connection whose request head has not fully arrived within its
//! `header_read_timeout`, and the clock also runs while a kept-alive connection waits for
//! its next request. axum's `serve` gives hyper no timer, so that timeout never ran: a
//! client could hold a connection (a task, 16 KB of buffers, a file descriptor) for ever
//! by sending nothing, or its headers a byte at a time. axum has no way to configure the
//! builder it uses, hence this loop of our own.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::serve::Listener;
use futures::FutureExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::{Service, ServiceExt};

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in
/// flight finish (each connection closes after its current answer) and returns when the
/// last connection has closed. `idle`: how long a connection may go without a complete
/// request head, from its opening or its last answer.
pub async fn serve(
    mut listener: TcpListener,
    router: Router,
    idle: Duration,
    shutdown: impl Future<Output = ()>,
) {
    // As a make-service, a `Router` rebuilds its routes for every connection (axum's
    // `with_state(())`); `into_make_service*` hands each connection a clone of one `Arc`,
    // here with the peer's address for per-address limits.
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(idle);
    // Dropping `stop` tells every connection to finish; `closed` completes once every
    // connection has dropped its clone of `alive`.
    let (stop, stopping) = watch::channel(());
    let (closed, alive) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        // axum's `Listener::accept` retries failed accepts (out of file descriptors: after
        // a second).
        let (stream, remote) = tokio::select! {
            accepted = Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let service = ServiceExt::<SocketAddr>::ready(&mut make_service)
            .await
            .unwrap_or_else(|never| match never {})
            .call(remote)
            .await
            .unwrap_or_else(|never| match never {})
            .map_request(|request: Request<Incoming>| request.map(Body::new));
        let connection = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
            .with_upgrades();
        let stop = stop.clone();
        let alive = alive.clone();
        tokio::spawn(async move {
            let mut connection = pin!(connection);
            let mut stopped = pin!(stop.closed().fuse());
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::trace!(%error, "connection ended");
                        }
                        break;
                    }
                    () = &mut stopped => connection.as_mut().graceful_shutdown(),
                }
            }
            drop(alive);
        });
    }
    drop(listener);
    drop(stopping);
    drop(alive);
    closed.closed().await;
}
