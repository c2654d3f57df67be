//! Counters behind INFO stats, commandstats and errorstats.

use crate::latency::Histogram;
use std::collections::BTreeMap;

/// Per-command counters (INFO commandstats).
#[derive(Debug, Default, Clone, Copy)]
pub struct CommandStat {
    /// Times the handler ran.
    pub calls: u64,
    /// Microseconds spent in the handler.
    pub usec: u64,
    /// Refused before running (arity, auth, ...).
    pub rejected_calls: u64,
    /// Ran and replied with an error.
    pub failed_calls: u64,
}

/// Samples for an instantaneous metric (server.c `trackInstantaneousMetric`).
#[derive(Debug, Default, Clone)]
struct Instant {
    last_ms: i64,
    last_value: u64,
    samples: [u64; 16],
    idx: usize,
}

impl Instant {
    fn track(&mut self, now_ms: i64, value: u64) {
        if self.last_ms == 0 {
            self.last_ms = now_ms;
            self.last_value = value;
            return;
        }
        let dt = now_ms - self.last_ms;
        if dt < 100 {
            return;
        }
        let per_sec = (value - self.last_value) * 1000 / dt as u64;
        self.samples[self.idx] = per_sec;
        self.idx = (self.idx + 1) % self.samples.len();
        self.last_ms = now_ms;
        self.last_value = value;
    }

    fn mean(&self) -> u64 {
        self.samples.iter().sum::<u64>() / self.samples.len() as u64
    }
}

/// Server-wide counters.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// `total_connections_received`.
    pub total_connections_received: u64,
    /// `total_commands_processed`.
    pub total_commands_processed: u64,
    /// `rejected_connections` (maxclients).
    pub rejected_connections: u64,
    /// `expired_keys`.
    pub expired_keys: u64,
    /// `evicted_keys`: keys deleted for `maxmemory`.
    pub evicted_keys: u64,
    /// `sync_full`: full synchronisations served.
    pub sync_full: u64,
    /// `sync_partial_ok`: PSYNCs continued.
    pub sync_partial_ok: u64,
    /// `sync_partial_err`: PSYNCs refused (not counting `?`).
    pub sync_partial_err: u64,
    /// `keyspace_hits`.
    pub keyspace_hits: u64,
    /// `keyspace_misses`.
    pub keyspace_misses: u64,
    /// `total_net_input_bytes`.
    pub net_input_bytes: u64,
    /// `total_net_output_bytes`.
    pub net_output_bytes: u64,
    /// `total_reads_processed`: reads from client sockets.
    pub reads_processed: u64,
    /// `total_writes_processed`: writes to client sockets.
    pub writes_processed: u64,
    /// `total_error_replies`.
    pub total_error_replies: u64,
    /// Error replies by code (INFO errorstats).
    pub errors: BTreeMap<String, u64>,
    /// Per-command counters, by `Command::stat_index`.
    pub commands: Vec<CommandStat>,
    /// Per-command latency histograms (INFO latencystats), by
    /// `Command::stat_index`; created on a command's first call.
    pub latency: Vec<Option<Box<Histogram>>>,
    ops: Instant,
    net_in: Instant,
    net_out: Instant,
}

impl Stats {
    /// Zeroes the per-command counters for `n` commands.
    pub fn reset_commands(&mut self, n: usize) {
        self.commands = vec![CommandStat::default(); n];
        self.latency = vec![None; n];
    }

    /// Records the duration of one call of the command at `index`.
    pub fn record_latency(&mut self, index: usize, usec: u64) {
        self.latency[index]
            .get_or_insert_with(Default::default)
            .record_usec(usec);
    }

    /// CONFIG RESETSTAT.
    pub fn reset(&mut self) {
        let n = self.commands.len();
        *self = Stats::default();
        self.reset_commands(n);
    }

    /// Counts one error reply under its code.
    pub fn count_error(&mut self, code: &str) {
        self.total_error_replies += 1;
        // Redis caps the number of distinct codes it tracks at 128.
        if let Some(n) = self.errors.get_mut(code) {
            *n += 1;
        } else if self.errors.len() < 128 {
            self.errors.insert(code.to_string(), 1);
        }
    }

    /// Takes a sample of the instantaneous metrics.
    pub fn sample(&mut self, now_ms: i64) {
        self.ops.track(now_ms, self.total_commands_processed);
        self.net_in.track(now_ms, self.net_input_bytes);
        self.net_out.track(now_ms, self.net_output_bytes);
    }

    /// `instantaneous_ops_per_sec`.
    pub fn ops_per_sec(&self) -> u64 {
        self.ops.mean()
    }

    /// `instantaneous_input_kbps` and `instantaneous_output_kbps`.
    pub fn net_kbps(&self) -> (f64, f64) {
        (
            self.net_in.mean() as f64 / 1024.0,
            self.net_out.mean() as f64 / 1024.0,
        )
    }
}
