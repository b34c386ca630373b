//! Closed-loop load: N clients share one HTTP/1.1 keep-alive client, each sending its next
//! request as soon as the previous answer is read, for a fixed time after a warm-up.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

/// One request: a GraphQL body and, when signed in, the bearer token (Tongxin) or the
/// volunteer id in the `x-viewer` header (the PostGraphile peer, bench/peer/).
#[derive(Clone)]
pub struct Request {
    pub body: String,
    pub token: Option<String>,
    pub viewer: Option<String>,
}

/// A small, fast generator for per-client choices (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Makes request number `seq` (unique across all clients) with the client's generator.
pub type MakeRequest = Arc<dyn Fn(u64, &mut Rng) -> Request + Send + Sync>;

pub struct Outcome {
    /// Latencies of the measured window, in microseconds.
    pub latencies_us: Vec<u32>,
    pub errors: u64,
    /// Requests of the measured window.
    pub requests: u64,
    /// Every request sent, warm-up included (for statements per request).
    pub total_requests: u64,
    pub measured: Duration,
    /// How many answers contained each of the tags asked for.
    pub tags: BTreeMap<String, u64>,
    pub error_samples: Vec<String>,
}

pub struct Stats {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

pub fn stats(latencies_us: &mut [u32]) -> Stats {
    if latencies_us.is_empty() {
        return Stats {
            p50_ms: 0.0,
            p95_ms: 0.0,
            p99_ms: 0.0,
            max_ms: 0.0,
            mean_ms: 0.0,
        };
    }
    latencies_us.sort_unstable();
    let at = |q: f64| {
        let rank = ((q * latencies_us.len() as f64).ceil() as usize).clamp(1, latencies_us.len());
        latencies_us[rank - 1] as f64 / 1000.0
    };
    let sum: u64 = latencies_us.iter().map(|&l| l as u64).sum();
    Stats {
        p50_ms: at(0.50),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        max_ms: *latencies_us.last().expect("not empty") as f64 / 1000.0,
        mean_ms: sum as f64 / latencies_us.len() as f64 / 1000.0,
    }
}

/// A GraphQL answer counts as an error when the status is not 200 or it carries `errors`.
fn is_error(status: u16, body: &[u8]) -> bool {
    status != 200 || contains(body, b"\"errors\"")
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub async fn send(
    http: &reqwest::Client,
    url: &str,
    request: Request,
) -> Result<(u16, Vec<u8>), reqwest::Error> {
    let mut builder = http
        .post(url)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(request.body);
    if let Some(token) = request.token {
        builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(viewer) = request.viewer {
        builder = builder.header("x-viewer", viewer);
    }
    let response = builder.send().await?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    Ok((status, bytes.to_vec()))
}

/// Runs `clients` closed loops for `warmup + duration`; only the last `duration` is measured.
pub async fn run(
    http: &reqwest::Client,
    url: &str,
    clients: usize,
    warmup: Duration,
    duration: Duration,
    make: MakeRequest,
    tags: &[&str],
) -> Outcome {
    let seq = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let measure_from = started + warmup;
    let end = measure_from + duration;
    let tags: Arc<Vec<String>> = Arc::new(tags.iter().map(|t| t.to_string()).collect());
    let mut handles = Vec::with_capacity(clients);
    for client in 0..clients {
        let http = http.clone();
        let url = url.to_owned();
        let make = make.clone();
        let seq = seq.clone();
        let tags = tags.clone();
        handles.push(tokio::spawn(async move {
            let mut rng = Rng::new(client as u64 + 1);
            let mut latencies = Vec::with_capacity(16_384);
            let mut errors = 0u64;
            let mut total = 0u64;
            let mut tag_counts = vec![0u64; tags.len()];
            let mut samples = Vec::new();
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                let request = make(seq.fetch_add(1, Ordering::Relaxed), &mut rng);
                let sent = Instant::now();
                let result = send(&http, &url, request).await;
                let done = Instant::now();
                total += 1;
                let measured = sent >= measure_from && done <= end;
                let failed = match &result {
                    Ok((status, body)) => {
                        if measured {
                            for (i, tag) in tags.iter().enumerate() {
                                if contains(body, tag.as_bytes()) {
                                    tag_counts[i] += 1;
                                }
                            }
                        }
                        is_error(*status, body)
                    }
                    Err(_) => true,
                };
                if failed && samples.len() < 3 {
                    samples.push(match &result {
                        Ok((status, body)) => format!(
                            "{status}: {}",
                            String::from_utf8_lossy(&body[..body.len().min(400)])
                        ),
                        Err(err) => format!("transport: {err}"),
                    });
                }
                if measured {
                    latencies.push((done - sent).as_micros().min(u32::MAX as u128) as u32);
                    if failed {
                        errors += 1;
                    }
                }
            }
            (latencies, errors, total, tag_counts, samples)
        }));
    }
    let mut outcome = Outcome {
        latencies_us: Vec::new(),
        errors: 0,
        requests: 0,
        total_requests: 0,
        measured: duration,
        tags: tags.iter().map(|t| (t.clone(), 0)).collect(),
        error_samples: Vec::new(),
    };
    for handle in handles {
        let Ok((latencies, errors, total, tag_counts, samples)) = handle.await else {
            continue;
        };
        outcome.requests += latencies.len() as u64;
        outcome.latencies_us.extend(latencies);
        outcome.errors += errors;
        outcome.total_requests += total;
        for (tag, count) in tags.iter().zip(tag_counts) {
            *outcome.tags.entry(tag.clone()).or_default() += count;
        }
        for sample in samples {
            if outcome.error_samples.len() < 3 {
                outcome.error_samples.push(sample);
            }
        }
    }
    outcome
}
