//! Prometheus metrics, kept by hand with atomics: request counts by status class and a latency
//! histogram. Cheap enough to sit on every request.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

const BUCKETS_MS: [f64; 10] = [1.0, 2.5, 5.0, 10.0, 20.0, 50.0, 100.0, 250.0, 1000.0, 5000.0];

/// Counters.
#[derive(Debug, Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; 10],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Metrics {
    fn observe(&self, status: u16, elapsed_us: u64) {
        let class = ((status / 100) as usize).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(elapsed_us, Ordering::Relaxed);
        let ms = elapsed_us as f64 / 1000.0;
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            if ms <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Render in the Prometheus text format; `extra` lines are appended.
    pub fn render(&self, extra: &[(&str, &str, f64)]) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# HELP zs_http_requests_total HTTP requests by status class.\n# TYPE zs_http_requests_total counter"
        );
        for (i, c) in self.by_class.iter().enumerate() {
            let _ = writeln!(s, "zs_http_requests_total{{class=\"{}xx\"}} {}", i + 1, c.load(Ordering::Relaxed));
        }
        let _ = writeln!(s, "# HELP zs_http_request_duration_seconds Request latency.\n# TYPE zs_http_request_duration_seconds histogram");
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            let _ = writeln!(
                s,
                "zs_http_request_duration_seconds_bucket{{le=\"{}\"}} {}",
                b / 1000.0,
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(s, "zs_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ =
            writeln!(s, "zs_http_request_duration_seconds_sum {}", self.sum_us.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(s, "zs_http_request_duration_seconds_count {count}");
        for (name, help, v) in extra {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        s
    }
}

/// Middleware recording every request.
pub async fn middleware(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let resp = next.run(req).await;
    m.observe(resp.status().as_u16(), start.elapsed().as_micros() as u64);
    resp
}

/// Resident memory of this process in bytes (Linux), for `/metrics` and the startup bench.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
