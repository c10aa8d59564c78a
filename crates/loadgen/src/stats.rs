//! Latency percentiles and the report of one load run.

use serde::Serialize;

/// Latency summary in microseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Percentiles {
    /// Median.
    pub p50_us: u32,
    /// 90th percentile.
    pub p90_us: u32,
    /// 99th percentile.
    pub p99_us: u32,
    /// Largest sample.
    pub max_us: u32,
}

/// The sample at quantile `q` (0..=1) of a sorted slice (nearest rank); 0 for an empty slice.
pub fn quantile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Percentiles {
    /// Sorts `samples` in place and summarizes them.
    pub fn of(samples: &mut [u32]) -> Self {
        samples.sort_unstable();
        Percentiles {
            p50_us: quantile(samples, 0.50),
            p90_us: quantile(samples, 0.90),
            p99_us: quantile(samples, 0.99),
            max_us: samples.last().copied().unwrap_or(0),
        }
    }
}

/// What one load run measured (after warmup).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// WebSocket URL driven.
    pub target: String,
    /// `colloquy` or `echo`.
    pub protocol: String,
    /// Concurrent users (connections) requested.
    pub users: usize,
    /// Users whose connection (and hello) succeeded.
    pub connected: usize,
    /// Measured window in seconds (after warmup).
    pub duration_secs: f64,
    /// Warmup before the window, in seconds.
    pub warmup_secs: f64,
    /// Total paced rate in turns/s, if the run was paced (open loop); None = closed loop.
    pub rate: Option<f64>,
    /// Request→reply pairs completed inside the window.
    pub turns: u64,
    /// `turns / duration_secs`.
    pub turns_per_sec: f64,
    /// Latency of the turns completed inside the window, send to reply. In paced runs a user that fell
    /// behind its schedule (previous reply late) times from the scheduled send time, so backlog shows
    /// (no coordinated omission); a user on schedule times from the actual send.
    pub latency: Percentiles,
    /// Wrong or missing replies, timeouts, failed connections, and connections lost during the run.
    pub errors: u64,
}

impl Report {
    /// One human-readable line.
    pub fn line(&self) -> String {
        let pace = self.rate.map_or_else(
            || "closed loop".to_owned(),
            |r| format!("paced at {r:.0} turns/s"),
        );
        format!(
            "{} {} users={} (connected {}) {pace}: {:.0} turns/s over {:.1}s, latency µs p50={} p90={} p99={} max={}, errors={}",
            self.protocol,
            self.target,
            self.users,
            self.connected,
            self.turns_per_sec,
            self.duration_secs,
            self.latency.p50_us,
            self.latency.p90_us,
            self.latency.p99_us,
            self.latency.max_us,
            self.errors,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<u32> = (1..=100).rev().collect();
        let p = Percentiles::of(&mut v);
        assert_eq!((p.p50_us, p.p90_us, p.p99_us, p.max_us), (50, 90, 99, 100));
        assert_eq!(Percentiles::of(&mut []), Percentiles::default());
        assert_eq!(quantile(&[7], 0.99), 7);
    }
}
