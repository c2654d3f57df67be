//! Per-command latency histograms for INFO latencystats.
//!
//! Redis 7.0 keeps an HdrHistogram per command (1 ns .. 1 s, 2 significant
//! digits) fed with each call's duration in microseconds times 1000, and
//! prints `hdr_value_at_percentile` / 1000. This is the same bucket layout
//! and the same percentile walk, so the printed values are the ones Redis
//! would print for the same durations (`p50=2.007` for a 2 µs call).

/// Smallest recorded value, ns (server.h `LATENCY_HISTOGRAM_MIN_VALUE`).
const MIN_VALUE: u64 = 1;
/// Largest recorded value, ns (`LATENCY_HISTOGRAM_MAX_VALUE`).
const MAX_VALUE: u64 = 1_000_000_000;
/// `2 * 10^2` for 2 significant digits, rounded up to a power of two.
const SUB_BUCKET_COUNT_MAGNITUDE: u32 = 8;
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = SUB_BUCKET_COUNT_MAGNITUDE - 1;
const SUB_BUCKET_COUNT: u64 = 1 << SUB_BUCKET_COUNT_MAGNITUDE;
const SUB_BUCKET_HALF_COUNT: u64 = SUB_BUCKET_COUNT / 2;
const SUB_BUCKET_MASK: u64 = SUB_BUCKET_COUNT - 1;
/// Buckets needed to cover `MAX_VALUE` (23 for 1e9).
const BUCKET_COUNT: u32 = 64 - (MAX_VALUE / SUB_BUCKET_COUNT).leading_zeros() + 1;
const COUNTS_LEN: usize = ((BUCKET_COUNT as u64 + 1) * SUB_BUCKET_HALF_COUNT) as usize;

/// An HdrHistogram with Redis's parameters (unit magnitude 0).
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; COUNTS_LEN],
            total: 0,
        }
    }
}

fn bucket_index(v: u64) -> u32 {
    let pow2ceiling = 64 - (v | SUB_BUCKET_MASK).leading_zeros();
    pow2ceiling - (SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1)
}

fn counts_index(v: u64) -> usize {
    let b = bucket_index(v);
    let sub = v >> b;
    (((b as u64 + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub - SUB_BUCKET_HALF_COUNT) as usize
}

fn value_at_index(i: usize) -> u64 {
    let mut b = (i as i64 >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
    let mut sub = (i as u64 & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
    if b < 0 {
        sub -= SUB_BUCKET_HALF_COUNT;
        b = 0;
    }
    sub << b
}

/// The largest value counted in the same bucket as `v`.
fn highest_equivalent(v: u64) -> u64 {
    let b = bucket_index(v);
    let sub = v >> b;
    let lowest = sub << b;
    let adjusted = if sub >= SUB_BUCKET_COUNT { b + 1 } else { b };
    lowest + (1u64 << adjusted) - 1
}

impl Histogram {
    /// Records one call that took `usec` microseconds
    /// (server.c `updateCommandLatencyHistogram`).
    pub fn record_usec(&mut self, usec: u64) {
        let ns = usec.saturating_mul(1000).clamp(MIN_VALUE, MAX_VALUE);
        self.counts[counts_index(ns)] += 1;
        self.total += 1;
    }

    /// `hdr_value_at_percentile` in nanoseconds.
    pub fn value_at_percentile(&self, percentile: f64) -> u64 {
        let p = percentile.min(100.0);
        let want = (((p / 100.0) * self.total as f64) + 0.5) as u64;
        let want = want.max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= want {
                let v = value_at_index(i);
                return if percentile == 0.0 {
                    v
                } else {
                    highest_equivalent(v)
                };
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    //! Goal: percentiles print as Redis 7.0.15 prints them.
    //! Reference: INFO latencystats of redis-server 7.0.15 after calls of
    //! 1, 2, 3, 5 and 9 µs (`p50=2.007`, `p99=9.023`, `p50=1.003`...).
    use super::*;

    #[test]
    fn bucket_edges_match_redis() {
        let one = |us| {
            let mut h = Histogram::default();
            h.record_usec(us);
            h.value_at_percentile(50.0)
        };
        assert_eq!(one(0), 1);
        assert_eq!(one(1), 1003);
        assert_eq!(one(2), 2007);
        assert_eq!(one(3), 3007);
        assert_eq!(one(5), 5023);
        assert_eq!(one(9), 9023);
        assert_eq!(one(10_000_000), 1_002_438_655);
    }

    #[test]
    fn percentile_walk() {
        let mut h = Histogram::default();
        h.record_usec(2);
        h.record_usec(9);
        assert_eq!(h.value_at_percentile(50.0), 2007);
        assert_eq!(h.value_at_percentile(99.0), 9023);
        assert_eq!(h.value_at_percentile(99.9), 9023);
    }
}
