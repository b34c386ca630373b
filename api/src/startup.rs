//! Building the app from its configuration, the same way for the binary and the tests.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use anyhow::Context as _;
use sea_orm::{EntityTrait, PaginatorTrait};
use tokio::net::TcpListener;

use crate::auth::JwtKeys;
use crate::cache::Cache;
use crate::config::Config;
use crate::context::{AppState, Secrets};
use crate::graphql::build_schema;
use crate::http::{AppContext, metrics_router, router};

/// Connects, migrates and assembles the shared state (no listener): for the server and for
/// the command-line tools.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    let statements = Arc::new(AtomicU64::new(0));
    let db = crate::db::connect(&config, statements.clone(), crate::db::Pool::Readers).await?;
    crate::db::migrate(&db).await?;
    let writer =
        crate::db::own_pool(&config, &db, statements.clone(), crate::db::Pool::Writer).await?;
    let figures =
        crate::db::own_pool(&config, &db, statements.clone(), crate::db::Pool::Figures).await?;
    let secret = crate::db::server_secret(&db, &config).await?;
    let public_bytes = config.public_memo_bytes();
    let cache = match &config.redis_url {
        Some(url) => Cache::redis(url, &config.redis_prefix, public_bytes)
            .context("REDIS_URL is not a Redis URL")?,
        None => Cache::in_process(public_bytes),
    };
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .context("building the HTTP client")?;
    let proof_font = Arc::new(crate::domain::proofs::document::ProofFont::new(
        config.proof_font.clone(),
        config.proof_font_index,
    ));
    if let Err(problem) = proof_font.present() {
        tracing::warn!(
            %problem,
            "the font of proof PDFs is missing (TONGXIN_PROOF_FONT; Debian: apt-get install fonts-wqy-microhei): /proofs/….pdf answers PROOF_FONT_MISSING"
        );
    }
    let group_commit = config
        .is_sqlite()
        .then(|| crate::db::GroupCommit::start(writer.clone()));
    Ok(AppState {
        db,
        writer,
        group_commit,
        figures,
        cache,
        jwt: JwtKeys::new(secret.expose().as_bytes()),
        secrets: Arc::new(Secrets::new(secret.expose().as_bytes())),
        sms: crate::domain::users::phone_codes::sender_from_config(&config, &http)?,
        live: match &config.redis_url {
            Some(url) => crate::live::Live::redis(url, &config.redis_prefix)?,
            None => crate::live::Live::in_process(),
        },
        config: Arc::new(config),
        http,
        statements,
        memo: Default::default(),
        volunteer_ids: Default::default(),
        proof_font,
    })
}

pub struct App {
    listener: TcpListener,
    router: axum::Router,
    metrics: Option<(TcpListener, axum::Router)>,
    pub state: AppState,
}

impl App {
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let listen = config.listen;
        let state = build_state(config).await?;
        if state.config.is_embedded_default() && is_empty(&state).await? {
            tracing::info!("new embedded database: loading the demo data");
            crate::seed::seed_demo(&state).await?;
        }
        let introspection = state.config.introspection_enabled();
        let ctx = AppContext {
            schema: build_schema(state.clone(), introspection),
            state: state.clone(),
            metrics: crate::telemetry::metrics_handle(),
            introspection,
            documents: Default::default(),
            connections: Default::default(),
        };
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let metrics = match state.config.metrics_listen.trim() {
            "off" | "" => None,
            address => {
                let metrics_listener = TcpListener::bind(address).await.with_context(|| {
                    format!("listening for /metrics on {address} (TONGXIN_METRICS_LISTEN; `off` to serve none)")
                })?;
                Some((metrics_listener, metrics_router(ctx.clone())))
            }
        };
        Ok(App {
            listener,
            router: router(ctx),
            metrics,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The port of the metrics listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        let (listener, _) = self.metrics.as_ref()?;
        listener.local_addr().ok().map(|a| a.port())
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let addr = self.listener.local_addr()?;
        tracing::info!(%addr, graphiql = %format!("http://{addr}/graphql"), "serving");
        let idle = std::time::Duration::from_secs(self.state.config.connection_idle_secs);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        // Check-ins of earlier days never closed are closed every ten minutes (the first
        // time ten minutes after start, so a starting server's statements are its own):
        // each update is conditional, so several instances close each record once.
        let state = self.state.clone();
        let mut closing_stopped = stopped.clone();
        let closing = tokio::spawn(async move {
            let period = std::time::Duration::from_secs(600);
            let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    _ = closing_stopped.wait_for(|stop| *stop) => break,
                }
                match crate::domain::hours::service::close_forgotten_check_ins(
                    &state.db,
                    chrono::Utc::now(),
                )
                .await
                {
                    Ok(0) => {}
                    Ok(closed) => tracing::info!(closed, "forgotten check-ins closed"),
                    Err(err) => tracing::warn!(error = ?err, "closing forgotten check-ins failed"),
                }
            }
        });
        let scheduler = (self.state.config.scheduler_secs > 0).then(|| {
            tokio::spawn(crate::domain::notifications::scheduler::run_until_stopped(
                self.state.clone(),
                std::time::Duration::from_secs(self.state.config.scheduler_secs),
                stopped.clone(),
            ))
        });
        let metrics = self.metrics.map(|(listener, router)| {
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let until_stopped = async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                crate::http::serve(listener, router, idle, until_stopped).await
            })
        });
        crate::http::serve(self.listener, self.router, idle, shutdown_signal()).await;
        let _ = stop.send(true);
        let _ = closing.await;
        if let Some(scheduler) = scheduler {
            let _ = scheduler.await;
        }
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

async fn is_empty(state: &AppState) -> anyhow::Result<bool> {
    Ok(entity::user::Entity::find().count(&state.db).await? == 0
        && entity::plan::Entity::find().count(&state.db).await? == 0)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
