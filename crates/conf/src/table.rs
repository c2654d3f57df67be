//! The directive table: one row per configuration parameter, in the order of
//! Redis 7.0.15's `static_configs[]` (config.c), with its alias, type,
//! bounds, default and flags.
//!
//! A row only describes a parameter; the values live in `Config`. Numeric
//! bounds are kept as C keeps them, in a `long long`: an unsigned upper bound
//! such as `ULLONG_MAX` is stored as its bit pattern (-1) and compared as
//! unsigned when the row says so, which is what `numericBoundaryCheck` does.

/// `CONFIG SET` refuses the parameter ("can't set immutable config").
pub const IMMUTABLE: u32 = 1 << 0;
/// `CONFIG SET` needs `enable-protected-configs` ("can't set protected config").
pub const PROTECTED: u32 = 1 << 1;
/// `CONFIG SET` answers `-LOADING` while a dataset is being loaded.
pub const DENY_LOADING: u32 = 1 << 2;
/// The value is a secret: redacted from logs, SLOWLOG and MONITOR.
pub const SENSITIVE: u32 = 1 << 3;
/// Not matched by a `CONFIG GET` glob, only by its exact name.
pub const HIDDEN: u32 = 1 << 4;
/// Takes any number of arguments (a file line's words; a `CONFIG SET`
/// value split on single spaces).
pub const MULTI_ARG: u32 = 1 << 5;

/// How a numeric value is parsed and printed (config.c `*_CONFIG` numeric flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fmt {
    /// Plain decimal integer (`string2ll`).
    Int,
    /// Bytes with optional unit (`memtoull`); printed as unsigned bytes.
    Memory,
    /// Bytes, or `N%` stored as `-N` (`maxmemory-clients`).
    MemoryPercent,
    /// Octal (`unixsocketperm`).
    Octal,
}

/// The special parameters, each with its own syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    /// `dir`: the process working directory.
    Dir,
    /// `save`: `seconds changes` pairs.
    Save,
    /// `client-output-buffer-limit`: `class hard soft seconds` quadruples.
    ClientOutputBufferLimit,
    /// `oom-score-adj-values`: three integers.
    OomScoreAdjValues,
    /// `notify-keyspace-events`: a string of class characters.
    NotifyKeyspaceEvents,
    /// `bind`: a list of addresses.
    Bind,
    /// `replicaof`: `host port` or `no one`.
    ReplicaOf,
    /// `latency-tracking-info-percentiles`: a list of doubles.
    LatencyPercentiles,
}

/// The type of a parameter and its type-specific data.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `yes` / `no`.
    Bool {
        /// The default.
        default: bool,
    },
    /// A string (config.c string and sds configs).
    Str {
        /// The default; `None` is C's NULL (printed as "").
        default: Option<&'static str>,
        /// `EMPTY_STRING_IS_NULL`: setting "" stores NULL.
        empty_is_null: bool,
    },
    /// One name out of a list (or, with `MULTI_ARG`, a set of flag names).
    Enum {
        /// Names and values, in Redis's order (used by the error text).
        names: &'static [(&'static str, i64)],
        /// The default value.
        default: i64,
    },
    /// An integer with bounds.
    Num {
        /// Lower bound (C `long long`).
        lo: i64,
        /// Upper bound (C `long long`; unsigned maxima as bit patterns).
        hi: i64,
        /// The default.
        default: i64,
        /// Compare bounds as unsigned (C unsigned int, size_t, unsigned long long).
        unsigned: bool,
        /// Parsing and printing.
        fmt: Fmt,
    },
    /// A parameter with its own syntax.
    Special(Special),
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct Def {
    /// The canonical name.
    pub name: &'static str,
    /// The old name still accepted (`slaveof` for `replicaof`).
    pub alias: Option<&'static str>,
    /// Bit set of `IMMUTABLE`, `PROTECTED`, ...
    pub flags: u32,
    /// Type and default.
    pub kind: Kind,
}

const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
const LLONG_MAX: i64 = i64::MAX;
const ULLONG_MAX: i64 = -1;
const SSIZE_MAX: i64 = i64::MAX;

const fn b(name: &'static str, alias: Option<&'static str>, flags: u32, default: bool) -> Def {
    Def {
        name,
        alias,
        flags,
        kind: Kind::Bool { default },
    }
}

const fn s(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u32,
    empty_is_null: bool,
    default: Option<&'static str>,
) -> Def {
    Def {
        name,
        alias,
        flags,
        kind: Kind::Str {
            default,
            empty_is_null,
        },
    }
}

const fn e(
    name: &'static str,
    flags: u32,
    names: &'static [(&'static str, i64)],
    default: i64,
) -> Def {
    Def {
        name,
        alias: None,
        flags,
        kind: Kind::Enum { names, default },
    }
}

/// A signed numeric row.
const fn n(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u32,
    lo: i64,
    hi: i64,
    default: i64,
    fmt: Fmt,
) -> Def {
    Def {
        name,
        alias,
        flags,
        kind: Kind::Num {
            lo,
            hi,
            default,
            unsigned: false,
            fmt,
        },
    }
}

/// An unsigned numeric row.
const fn u(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u32,
    lo: i64,
    hi: i64,
    default: i64,
    fmt: Fmt,
) -> Def {
    Def {
        name,
        alias,
        flags,
        kind: Kind::Num {
            lo,
            hi,
            default,
            unsigned: true,
            fmt,
        },
    }
}

const fn sp(name: &'static str, alias: Option<&'static str>, flags: u32, k: Special) -> Def {
    Def {
        name,
        alias,
        flags,
        kind: Kind::Special(k),
    }
}

// Enumerations (config.c `*_enum[]`), in Redis's order because the error
// text lists them in that order.
const MAXMEMORY_POLICY: &[(&str, i64)] = &[
    ("volatile-lru", 1),
    ("volatile-lfu", 2),
    ("volatile-random", 3),
    ("volatile-ttl", 4),
    ("allkeys-lru", 5),
    ("allkeys-lfu", 6),
    ("allkeys-random", 7),
    ("noeviction", 8),
];
const SYSLOG_FACILITY: &[(&str, i64)] = &[
    ("user", 8),
    ("local0", 128),
    ("local1", 136),
    ("local2", 144),
    ("local3", 152),
    ("local4", 160),
    ("local5", 168),
    ("local6", 176),
    ("local7", 184),
];
const LOGLEVEL: &[(&str, i64)] = &[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)];
const SUPERVISED: &[(&str, i64)] = &[("upstart", 1), ("systemd", 2), ("auto", 3), ("no", 0)];
const APPENDFSYNC: &[(&str, i64)] = &[("everysec", 2), ("always", 1), ("no", 0)];
const REPL_DISKLESS_LOAD: &[(&str, i64)] = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
const TLS_AUTH_CLIENTS: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("optional", 2)];
const OOM_SCORE_ADJ: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: &[(&str, i64)] = &[("allchannels", 1), ("resetchannels", 0)];
const SANITIZE_DUMP_PAYLOAD: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("clients", 2)];
const PROTECTED_ACTION: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("local", 2)];
const CLUSTER_ENDPOINT_TYPE: &[(&str, i64)] =
    &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR_BEHAVIOR: &[(&str, i64)] =
    &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
/// Shutdown flags: a `MULTI_ARG` enum whose names are OR-ed together.
pub const SHUTDOWN_ON_SIG: &[(&str, i64)] = &[
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];

const MA: u32 = MULTI_ARG;
const IM: u32 = IMMUTABLE;

/// Every parameter of Redis 7.0.15, in `static_configs[]` order.
#[rustfmt::skip]
pub static TABLE: &[Def] = &[
    // Bool configs.
    b("rdbchecksum", None, IM, true),
    b("daemonize", None, IM, false),
    b("io-threads-do-reads", None, IM, false),
    b("always-show-logo", None, IM, false),
    b("protected-mode", None, 0, true),
    b("rdbcompression", None, 0, true),
    b("rdb-del-sync-files", None, 0, false),
    b("activerehashing", None, 0, true),
    b("stop-writes-on-bgsave-error", None, 0, true),
    b("set-proc-title", None, IM, true),
    b("dynamic-hz", None, 0, true),
    b("lazyfree-lazy-eviction", None, 0, false),
    b("lazyfree-lazy-expire", None, 0, false),
    b("lazyfree-lazy-server-del", None, 0, false),
    b("lazyfree-lazy-user-del", None, 0, false),
    b("lazyfree-lazy-user-flush", None, 0, false),
    b("repl-disable-tcp-nodelay", None, 0, false),
    b("repl-diskless-sync", None, 0, true),
    b("aof-rewrite-incremental-fsync", None, 0, true),
    b("no-appendfsync-on-rewrite", None, 0, false),
    b("cluster-require-full-coverage", None, 0, true),
    b("rdb-save-incremental-fsync", None, 0, true),
    b("aof-load-truncated", None, 0, true),
    b("aof-use-rdb-preamble", None, 0, true),
    b("aof-timestamp-enabled", None, 0, false),
    b("cluster-replica-no-failover", Some("cluster-slave-no-failover"), 0, false),
    b("replica-lazy-flush", Some("slave-lazy-flush"), 0, false),
    b("replica-serve-stale-data", Some("slave-serve-stale-data"), 0, true),
    b("replica-read-only", Some("slave-read-only"), 0, true),
    b("replica-ignore-maxmemory", Some("slave-ignore-maxmemory"), 0, true),
    b("jemalloc-bg-thread", None, 0, true),
    b("activedefrag", None, 0, false),
    b("syslog-enabled", None, IM, false),
    b("cluster-enabled", None, IM, false),
    b("appendonly", None, DENY_LOADING, false),
    b("cluster-allow-reads-when-down", None, 0, false),
    b("cluster-allow-pubsubshard-when-down", None, 0, true),
    b("crash-log-enabled", None, 0, true),
    b("crash-memcheck-enabled", None, 0, true),
    b("use-exit-on-panic", None, HIDDEN, false),
    b("disable-thp", None, IM, true),
    b("cluster-allow-replica-migration", None, 0, true),
    b("replica-announced", None, 0, true),
    b("latency-tracking", None, 0, true),
    b("aof-disable-auto-gc", None, 0, false),
    b("replica-ignore-disk-write-errors", None, 0, false),
    // String configs.
    s("aclfile", None, IM, false, Some("")),
    s("unixsocket", None, IM, true, None),
    s("pidfile", None, IM, true, None),
    s("replica-announce-ip", Some("slave-announce-ip"), 0, true, None),
    s("masteruser", None, SENSITIVE, true, None),
    s("cluster-announce-ip", None, 0, true, None),
    s("cluster-config-file", None, IM, false, Some("nodes.conf")),
    s("cluster-announce-hostname", None, 0, true, None),
    s("syslog-ident", None, IM, false, Some("redis")),
    s("dbfilename", None, PROTECTED, false, Some("dump.rdb")),
    s("appendfilename", None, IM, false, Some("appendonly.aof")),
    s("appenddirname", None, IM, false, Some("appendonlydir")),
    s("server_cpulist", None, IM, true, None),
    s("bio_cpulist", None, IM, true, None),
    s("aof_rewrite_cpulist", None, IM, true, None),
    s("bgsave_cpulist", None, IM, true, None),
    s("ignore-warnings", None, 0, false, Some("")),
    s("proc-title-template", None, 0, false, Some("{title} {listen-addr} {server-mode}")),
    s("bind-source-addr", None, 0, true, None),
    s("logfile", None, IM, false, Some("")),
    // SDS configs.
    s("masterauth", None, SENSITIVE, true, None),
    s("requirepass", None, SENSITIVE, true, None),
    // Enum configs.
    e("supervised", IM, SUPERVISED, 0),
    e("syslog-facility", IM, SYSLOG_FACILITY, 128),
    e("repl-diskless-load", DENY_LOADING, REPL_DISKLESS_LOAD, 0),
    e("loglevel", 0, LOGLEVEL, 2),
    e("maxmemory-policy", 0, MAXMEMORY_POLICY, 8),
    e("appendfsync", 0, APPENDFSYNC, 2),
    e("oom-score-adj", 0, OOM_SCORE_ADJ, 0),
    e("acl-pubsub-default", 0, ACL_PUBSUB_DEFAULT, 0),
    e("sanitize-dump-payload", 0, SANITIZE_DUMP_PAYLOAD, 0),
    e("enable-protected-configs", IM, PROTECTED_ACTION, 0),
    e("enable-debug-command", IM, PROTECTED_ACTION, 0),
    e("enable-module-command", IM, PROTECTED_ACTION, 0),
    e("cluster-preferred-endpoint-type", 0, CLUSTER_ENDPOINT_TYPE, 0),
    e("propagation-error-behavior", 0, PROPAGATION_ERROR_BEHAVIOR, 0),
    e("shutdown-on-sigint", MA, SHUTDOWN_ON_SIG, 0),
    e("shutdown-on-sigterm", MA, SHUTDOWN_ON_SIG, 0),
    // Integer configs.
    n("databases", None, IM, 1, INT_MAX, 16, Fmt::Int),
    n("port", None, 0, 0, 65535, 6379, Fmt::Int),
    n("io-threads", None, IM, 1, 128, 1, Fmt::Int),
    n("auto-aof-rewrite-percentage", None, 0, 0, INT_MAX, 100, Fmt::Int),
    n("cluster-replica-validity-factor", Some("cluster-slave-validity-factor"), 0, 0, INT_MAX, 10, Fmt::Int),
    n("list-max-listpack-size", Some("list-max-ziplist-size"), 0, INT_MIN, INT_MAX, -2, Fmt::Int),
    n("tcp-keepalive", None, 0, 0, INT_MAX, 300, Fmt::Int),
    n("cluster-migration-barrier", None, 0, 0, INT_MAX, 1, Fmt::Int),
    n("active-defrag-cycle-min", None, 0, 1, 99, 1, Fmt::Int),
    n("active-defrag-cycle-max", None, 0, 1, 99, 25, Fmt::Int),
    n("active-defrag-threshold-lower", None, 0, 0, 1000, 10, Fmt::Int),
    n("active-defrag-threshold-upper", None, 0, 0, 1000, 100, Fmt::Int),
    n("lfu-log-factor", None, 0, 0, INT_MAX, 10, Fmt::Int),
    n("lfu-decay-time", None, 0, 0, INT_MAX, 1, Fmt::Int),
    n("replica-priority", Some("slave-priority"), 0, 0, INT_MAX, 100, Fmt::Int),
    n("repl-diskless-sync-delay", None, 0, 0, INT_MAX, 5, Fmt::Int),
    n("maxmemory-samples", None, 0, 1, INT_MAX, 5, Fmt::Int),
    n("maxmemory-eviction-tenacity", None, 0, 0, 100, 10, Fmt::Int),
    n("timeout", None, 0, 0, INT_MAX, 0, Fmt::Int),
    n("replica-announce-port", Some("slave-announce-port"), 0, 0, 65535, 0, Fmt::Int),
    n("tcp-backlog", None, IM, 0, INT_MAX, 511, Fmt::Int),
    n("cluster-port", None, IM, 0, 65535, 0, Fmt::Int),
    n("cluster-announce-bus-port", None, 0, 0, 65535, 0, Fmt::Int),
    n("cluster-announce-port", None, 0, 0, 65535, 0, Fmt::Int),
    n("cluster-announce-tls-port", None, 0, 0, 65535, 0, Fmt::Int),
    n("repl-timeout", None, 0, 1, INT_MAX, 60, Fmt::Int),
    n("repl-ping-replica-period", Some("repl-ping-slave-period"), 0, 1, INT_MAX, 10, Fmt::Int),
    n("list-compress-depth", None, 0, 0, INT_MAX, 0, Fmt::Int),
    n("rdb-key-save-delay", None, HIDDEN, INT_MIN, INT_MAX, 0, Fmt::Int),
    n("key-load-delay", None, HIDDEN, INT_MIN, INT_MAX, 0, Fmt::Int),
    n("active-expire-effort", None, 0, 1, 10, 1, Fmt::Int),
    n("hz", None, 0, 0, INT_MAX, 10, Fmt::Int),
    n("min-replicas-to-write", Some("min-slaves-to-write"), 0, 0, INT_MAX, 0, Fmt::Int),
    n("min-replicas-max-lag", Some("min-slaves-max-lag"), 0, 0, INT_MAX, 10, Fmt::Int),
    n("watchdog-period", None, HIDDEN, 0, INT_MAX, 0, Fmt::Int),
    n("shutdown-timeout", None, 0, 0, INT_MAX, 10, Fmt::Int),
    n("repl-diskless-sync-max-replicas", None, 0, 0, INT_MAX, 0, Fmt::Int),
    // Unsigned int configs.
    u("maxclients", None, 0, 1, UINT_MAX, 10000, Fmt::Int),
    u("unixsocketperm", None, IM, 0, 0o777, 0, Fmt::Octal),
    u("socket-mark-id", None, IM, 0, UINT_MAX, 0, Fmt::Int),
    // Unsigned long configs (bounded by LONG_MAX, so signed checks suffice).
    n("active-defrag-max-scan-fields", None, 0, 1, LONG_MAX, 1000, Fmt::Int),
    n("slowlog-max-len", None, 0, 0, LONG_MAX, 128, Fmt::Int),
    n("acllog-max-len", None, 0, 0, LONG_MAX, 128, Fmt::Int),
    // Long long configs.
    n("busy-reply-threshold", Some("lua-time-limit"), 0, 0, LONG_MAX, 5000, Fmt::Int),
    n("cluster-node-timeout", None, 0, 0, LLONG_MAX, 15000, Fmt::Int),
    n("slowlog-log-slower-than", None, 0, -1, LLONG_MAX, 10000, Fmt::Int),
    n("latency-monitor-threshold", None, 0, 0, LLONG_MAX, 0, Fmt::Int),
    n("proto-max-bulk-len", None, 0, 1024 * 1024, LONG_MAX, 512 * 1024 * 1024, Fmt::Memory),
    n("stream-node-max-entries", None, 0, 0, LLONG_MAX, 100, Fmt::Int),
    n("repl-backlog-size", None, 0, 1, LLONG_MAX, 1024 * 1024, Fmt::Memory),
    // Unsigned long long configs.
    u("maxmemory", None, 0, 0, ULLONG_MAX, 0, Fmt::Memory),
    u("cluster-link-sendbuf-limit", None, 0, 0, ULLONG_MAX, 0, Fmt::Memory),
    // Size_t configs.
    u("hash-max-listpack-entries", Some("hash-max-ziplist-entries"), 0, 0, LONG_MAX, 512, Fmt::Int),
    u("set-max-intset-entries", None, 0, 0, LONG_MAX, 512, Fmt::Int),
    u("zset-max-listpack-entries", Some("zset-max-ziplist-entries"), 0, 0, LONG_MAX, 128, Fmt::Int),
    u("active-defrag-ignore-bytes", None, 0, 1, LLONG_MAX, 100 << 20, Fmt::Memory),
    u("hash-max-listpack-value", Some("hash-max-ziplist-value"), 0, 0, LONG_MAX, 64, Fmt::Memory),
    u("stream-node-max-bytes", None, 0, 0, LONG_MAX, 4096, Fmt::Memory),
    u("zset-max-listpack-value", Some("zset-max-ziplist-value"), 0, 0, LONG_MAX, 64, Fmt::Memory),
    u("hll-sparse-max-bytes", None, 0, 0, LONG_MAX, 3000, Fmt::Memory),
    u("tracking-table-max-keys", None, 0, 0, LONG_MAX, 1_000_000, Fmt::Int),
    u("client-query-buffer-limit", None, 0, 1024 * 1024, LONG_MAX, 1024 * 1024 * 1024, Fmt::Memory),
    n("maxmemory-clients", None, 0, -100, SSIZE_MAX, 0, Fmt::MemoryPercent),
    // Other numeric configs (time_t, off_t).
    n("repl-backlog-ttl", None, 0, 0, LONG_MAX, 3600, Fmt::Int),
    n("auto-aof-rewrite-min-size", None, 0, 0, LLONG_MAX, 64 * 1024 * 1024, Fmt::Memory),
    n("loading-process-events-interval-bytes", None, HIDDEN, 1024, INT_MAX, 2 * 1024 * 1024, Fmt::Int),
    // TLS configs (Debian builds Redis with TLS, so they exist there).
    n("tls-port", None, 0, 0, 65535, 0, Fmt::Int),
    n("tls-session-cache-size", None, 0, 0, INT_MAX, 20 * 1024, Fmt::Int),
    n("tls-session-cache-timeout", None, 0, 0, INT_MAX, 300, Fmt::Int),
    b("tls-cluster", None, 0, false),
    b("tls-replication", None, 0, false),
    e("tls-auth-clients", 0, TLS_AUTH_CLIENTS, 1),
    b("tls-prefer-server-ciphers", None, 0, false),
    b("tls-session-caching", None, 0, true),
    s("tls-cert-file", None, 0, true, None),
    s("tls-key-file", None, 0, true, None),
    s("tls-key-file-pass", None, 0, true, None),
    s("tls-client-cert-file", None, 0, true, None),
    s("tls-client-key-file", None, 0, true, None),
    s("tls-client-key-file-pass", None, 0, true, None),
    s("tls-dh-params-file", None, 0, true, None),
    s("tls-ca-cert-file", None, 0, true, None),
    s("tls-ca-cert-dir", None, 0, true, None),
    s("tls-protocols", None, 0, true, None),
    s("tls-ciphers", None, 0, true, None),
    s("tls-ciphersuites", None, 0, true, None),
    // Special configs.
    sp("dir", None, PROTECTED | DENY_LOADING, Special::Dir),
    sp("save", None, MA, Special::Save),
    sp("client-output-buffer-limit", None, MA, Special::ClientOutputBufferLimit),
    sp("oom-score-adj-values", None, MA, Special::OomScoreAdjValues),
    sp("notify-keyspace-events", None, 0, Special::NotifyKeyspaceEvents),
    sp("bind", None, MA, Special::Bind),
    sp("replicaof", Some("slaveof"), IM | MA, Special::ReplicaOf),
    sp("latency-tracking-info-percentiles", None, MA, Special::LatencyPercentiles),
];

/// Finds a row by canonical name or alias, ignoring ASCII case (Redis's
/// config dictionary compares case-insensitively). Returns the row index and
/// whether `name` was the alias.
pub fn lookup(name: &[u8]) -> Option<(usize, bool)> {
    // Hot paths ask by the canonical lower-case name: found without
    // copying. Anything else is lower-cased first.
    let by_name = by_name();
    if let Some(hit) = std::str::from_utf8(name).ok().and_then(|n| by_name.get(n)) {
        return Some(*hit);
    }
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    by_name.get(lower.as_str()).copied()
}

/// Every name and alias (lower case) -> (row, is an alias).
fn by_name() -> &'static std::collections::HashMap<&'static str, (usize, bool)> {
    static MAP: std::sync::OnceLock<std::collections::HashMap<&'static str, (usize, bool)>> =
        std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (i, d) in TABLE.iter().enumerate() {
            if let Some(a) = d.alias {
                m.insert(a, (i, true));
            }
        }
        for (i, d) in TABLE.iter().enumerate() {
            m.insert(d.name, (i, false));
        }
        m
    })
}

/// Index of a row by exact canonical name or alias; panics on an unknown
/// name, which is a programming error in the caller.
pub fn index(name: &str) -> usize {
    match lookup(name.as_bytes()) {
        Some((i, _)) => i,
        None => panic!("conf: unknown config parameter {name:?}"),
    }
}
