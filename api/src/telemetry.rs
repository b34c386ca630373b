//! Logging: `RUST_LOG` filters (default info), text or JSON lines, request ids in spans.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().with_current_span(true))
            .try_init(),
        LogFormat::Text => registry.with(fmt::layer().with_target(false)).try_init(),
    };
    // A second init (tests start many apps in one process) keeps the first subscriber.
    let _ = result;
}

/// How often histogram samples are folded into their buckets. Each pending sample is 8
/// bytes in blocks of 64: at 25,000 requests a second, two histograms held about 2 MB
/// after 5 s and a heap that high stays with the allocator; after 1 s, 0.4 MB.
const METRICS_UPKEEP: std::time::Duration = std::time::Duration::from_secs(1);

/// The Prometheus recorder is process-global: install it once, share the handle.
pub fn metrics_handle() -> metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
                .expect("valid buckets")
                .build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            // Histograms keep every sample until they are drained into their buckets,
            // which only a scrape or the upkeep does: without it a server nobody scrapes
            // (TONGXIN_METRICS_LISTEN off, or no Prometheus yet) grew by 16 bytes a
            // request (two latency histograms), for ever; in the benchmark, which scrapes
            // between scenarios, by about 3 MB per 200,000 requests. A thread, not a task:
            // the recorder outlives any runtime.
            let upkeep = handle.clone();
            let _ = std::thread::Builder::new()
                .name("metrics-upkeep".to_owned())
                .spawn(move || {
                    loop {
                        std::thread::sleep(METRICS_UPKEEP);
                        upkeep.run_upkeep();
                    }
                });
            handle
        })
        .clone()
}
