//! INFO [section ...] (server.c `infoCommand`, `genRedisInfoString`;
//! sentinel.c `sentinelInfoCommand`).
//!
//! Sections print in Redis's fixed order whatever order they were asked
//! in, each as a `# Name` header and `field:value` lines ending in CRLF,
//! with a blank line between sections. Field names and order are 7.0.15's;
//! values this server does not have (AOF, Lua, defrag) print as an
//! idle Redis prints them.

use crate::engine::{Ctx, Engine, Mode};
use crate::error::CmdResult;
use crate::pubsub::Kind;
use crate::role::LinkState;
use crate::table::Handler;
use std::collections::BTreeSet;
use std::fmt::{Display, Write};
use std::sync::OnceLock;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[("info", info)];

/// Every section, in output order. `modules` is `module_list` in Redis's
/// default set; both names select it.
const ORDER: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "sentinel",
    "cluster",
    "keyspace",
];

/// What a plain INFO (or `INFO default`) prints in server mode.
const DEFAULT: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// The only sections a Sentinel has; they are also its default and `all`.
const SENTINEL: &[&str] = &["server", "clients", "stats", "cpu", "sentinel"];

/// Which sections an INFO argument list selects (server.c
/// `genInfoSectionDict`): names are case-insensitive, unknown ones are
/// ignored, `default`, `all` and `everything` expand.
pub fn select(args: &[&[u8]], mode: Mode) -> BTreeSet<&'static str> {
    let sentinel = mode == Mode::Sentinel;
    let (defaults, all): (&[&str], &[&str]) = if sentinel {
        (SENTINEL, SENTINEL)
    } else {
        // `all` is every section but sentinel (and module-generated ones).
        (DEFAULT, ORDER)
    };
    let mut out = BTreeSet::new();
    if args.is_empty() {
        out.extend(defaults);
    }
    for a in args {
        let name = String::from_utf8_lossy(a).to_ascii_lowercase();
        match name.as_str() {
            "default" => out.extend(defaults),
            "all" | "everything" => out.extend(all),
            "module_list" => {
                out.insert("modules");
            }
            n => {
                if let Some(s) = ORDER.iter().find(|s| **s == n) {
                    out.insert(*s);
                }
            }
        }
    }
    if sentinel {
        out.retain(|s| SENTINEL.contains(s));
    } else {
        out.remove("sentinel");
    }
    out
}

fn info(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let wanted = select(&argv[1..], ctx.eng.identity.mode);
    let text = generate(ctx, &wanted);
    ctx.client.out.verbatim(text.as_bytes());
    Ok(())
}

/// The INFO text for the selected sections.
pub fn generate(ctx: &Ctx, wanted: &BTreeSet<&str>) -> String {
    let mut out = Info::default();
    let bufs = Buffers::measure(ctx);
    for name in ORDER.iter().filter(|s| wanted.contains(*s)) {
        out.header(name);
        let e = &*ctx.eng;
        match *name {
            "server" => server(&mut out, e, ctx.now_ms),
            "clients" => clients(&mut out, e, &bufs),
            "memory" => memory(&mut out, e, &bufs),
            "persistence" => persistence(&mut out, e, ctx.now_ms),
            "stats" => stats(&mut out, e),
            "replication" => replication(&mut out, e, ctx.now_ms),
            "cpu" => cpu(&mut out, e),
            "modules" => {}
            "commandstats" => commandstats(&mut out, e),
            "errorstats" => errorstats(&mut out, e),
            "latencystats" => latencystats(&mut out, e),
            "sentinel" => sentinel(&mut out),
            "cluster" => out.field("cluster_enabled", 0),
            "keyspace" => keyspace(&mut out, e, ctx.now_ms),
            _ => unreachable!("ORDER lists only known sections"),
        }
    }
    out.text
}

/// Client buffer figures over every client, the caller included (the
/// connection holds the caller's state, so it is not in reach through
/// the client registry).
struct Buffers {
    replicas: usize,
    max_input: usize,
    max_output: usize,
    total_bytes: u64,
}

impl Buffers {
    fn measure(ctx: &Ctx) -> Buffers {
        let mut b = Buffers {
            replicas: 0,
            max_input: 0,
            max_output: 0,
            total_bytes: 0,
        };
        let mut add = |c: &crate::client::ClientState| {
            b.replicas += c.flags.replica as usize;
            b.max_input = b.max_input.max(c.qbuf);
            b.max_output = b.max_output.max(c.out.buf.len());
            b.total_bytes += (c.qbuf + c.qbuf_free + c.out.buf.capacity()) as u64;
        };
        for (id, rc) in &ctx.eng.clients {
            if *id == ctx.client.id {
                add(ctx.client);
            } else if let Ok(c) = rc.try_borrow() {
                add(&c);
            }
        }
        b
    }
}

/// The text being built.
#[derive(Default)]
struct Info {
    text: String,
}

impl Info {
    fn header(&mut self, section: &str) {
        if !self.text.is_empty() {
            self.text.push_str("\r\n");
        }
        let title = match section {
            "cpu" => "CPU".to_string(),
            s => {
                let mut t = s.to_string();
                t[..1].make_ascii_uppercase();
                t
            }
        };
        let _ = write!(self.text, "# {title}\r\n");
    }

    fn field(&mut self, name: &str, value: impl Display) {
        let _ = write!(self.text, "{name}:{value}\r\n");
    }
}

// ---------------------------------------------------------------
// Formatting helpers
// ---------------------------------------------------------------

/// util.c `bytesToHuman`: `123B`, `1.50K`, `2.00M`, ...
pub fn bytes_to_human(n: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (1 << 10, "K"),
        (1 << 20, "M"),
        (1 << 30, "G"),
        (1 << 40, "T"),
        (1 << 50, "P"),
    ];
    if n < 1024 {
        return format!("{n}B");
    }
    for (i, (unit, suffix)) in UNITS.iter().enumerate() {
        if n < unit * 1024 {
            return format!("{:.2}{suffix}", n as f64 / UNITS[i].0 as f64);
        }
    }
    format!("{n}B")
}

/// `%.2f` of a ratio, 0 when the divisor is 0 (as Redis guards it).
fn ratio(a: u64, b: u64) -> String {
    if b == 0 {
        "0.00".into()
    } else {
        format!("{:.2}", a as f64 / b as f64)
    }
}

/// `uname -s -r -m`, read once.
fn os_name() -> &'static str {
    static OS: OnceLock<String> = OnceLock::new();
    OS.get_or_init(|| {
        let read = |p: &str| {
            std::fs::read_to_string(p)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let sys = read("/proc/sys/kernel/ostype");
        let sys = if sys.is_empty() { "Linux".into() } else { sys };
        format!(
            "{sys} {} {}",
            read("/proc/sys/kernel/osrelease"),
            std::env::consts::ARCH
        )
    })
}

/// Physical memory in bytes (`MemTotal` of /proc/meminfo), read once.
fn total_system_memory() -> u64 {
    static TOTAL: OnceLock<u64> = OnceLock::new();
    *TOTAL.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    })
}

// ---------------------------------------------------------------
// Sections
// ---------------------------------------------------------------

fn server(out: &mut Info, e: &Engine, now_ms: i64) {
    let id = &e.identity;
    let uptime_s = (now_ms - id.start_ms).max(0) / 1000;
    let supervised = match e.config.get("supervised").as_deref() {
        Some("systemd") => "systemd",
        Some("upstart") => "upstart",
        _ => "no",
    };
    out.field("redis_version", crate::cmd::connection::REDIS_VERSION);
    out.field("redis_git_sha1", "00000000");
    out.field("redis_git_dirty", 0);
    out.field("redis_build_id", "0000000000000000");
    out.field(
        "redis_mode",
        if id.mode == Mode::Sentinel {
            "sentinel"
        } else {
            "standalone"
        },
    );
    out.field("os", os_name());
    out.field("arch_bits", usize::BITS);
    out.field("monotonic_clock", "POSIX clock_gettime");
    out.field("multiplexing_api", "epoll");
    out.field("atomicvar_api", "c11-builtin");
    // Built by rustc, not GCC: Redis prints 0.0.0 when __GNUC__ is unset.
    out.field("gcc_version", "0.0.0");
    out.field("process_id", id.pid);
    out.field("process_supervised", supervised);
    out.field("run_id", &id.run_id);
    out.field("tcp_port", id.tcp_port);
    out.field("server_time_usec", now_ms * 1000);
    out.field("uptime_in_seconds", uptime_s);
    out.field("uptime_in_days", uptime_s / 86400);
    out.field("hz", e.cached.hz);
    out.field("configured_hz", e.config.int("hz"));
    out.field("lru_clock", keyspace::lru_clock(now_ms));
    out.field("executable", &id.executable);
    out.field("config_file", &id.config_file);
    out.field("io_threads_active", 0);
}

fn clients(out: &mut Info, e: &Engine, bufs: &Buffers) {
    out.field("connected_clients", e.clients.len() - bufs.replicas);
    out.field("cluster_connections", 0);
    out.field("maxclients", e.cached.maxclients);
    out.field("client_recent_max_input_buffer", bufs.max_input);
    out.field("client_recent_max_output_buffer", bufs.max_output);
    out.field("blocked_clients", e.blocking.len());
    out.field("tracking_clients", 0);
    out.field("clients_in_timeout_table", e.blocking.with_deadline());
}

fn memory(out: &mut Info, e: &Engine, bufs: &Buffers) {
    let used = e.host.used_memory();
    let rss = e.host.rss_bytes();
    let peak = e.peak_memory.max(used);
    let startup = e.startup_memory.min(used);
    // Redis's overhead counts dictionaries, client buffers and the
    // backlog; here: the start-up footprint plus the clients' buffers.
    let client_bufs = bufs.total_bytes;
    let overhead = (startup + client_bufs).min(used);
    let dataset = used - overhead;
    let net = used - startup;
    let maxmemory = e.config.int("maxmemory").max(0) as u64;
    let total_sys = total_system_memory();

    out.field("used_memory", used);
    out.field("used_memory_human", bytes_to_human(used));
    out.field("used_memory_rss", rss);
    out.field("used_memory_rss_human", bytes_to_human(rss));
    out.field("used_memory_peak", peak);
    out.field("used_memory_peak_human", bytes_to_human(peak));
    out.field(
        "used_memory_peak_perc",
        format!("{}%", ratio(used * 100, peak)),
    );
    out.field("used_memory_overhead", overhead);
    out.field("used_memory_startup", startup);
    out.field("used_memory_dataset", dataset);
    out.field(
        "used_memory_dataset_perc",
        format!("{}%", ratio(dataset * 100, net)),
    );
    out.field("allocator_allocated", used);
    out.field("allocator_active", used);
    out.field("allocator_resident", rss);
    out.field("total_system_memory", total_sys);
    out.field("total_system_memory_human", bytes_to_human(total_sys));
    // No Lua: the figures of an idle Redis's empty script engines.
    out.field("used_memory_lua", 32768);
    out.field("used_memory_vm_eval", 32768);
    out.field("used_memory_lua_human", bytes_to_human(32768));
    out.field("used_memory_scripts_eval", 0);
    out.field("number_of_cached_scripts", 0);
    out.field("number_of_functions", 0);
    out.field("number_of_libraries", 0);
    out.field("used_memory_vm_functions", 33792);
    out.field("used_memory_vm_total", 66560);
    out.field("used_memory_vm_total_human", bytes_to_human(66560));
    out.field("used_memory_functions", 200);
    out.field("used_memory_scripts", 200);
    out.field("used_memory_scripts_human", bytes_to_human(200));
    out.field("maxmemory", maxmemory);
    out.field("maxmemory_human", bytes_to_human(maxmemory));
    out.field("maxmemory_policy", e.config.string("maxmemory-policy"));
    out.field("allocator_frag_ratio", "1.00");
    out.field("allocator_frag_bytes", 0);
    out.field("allocator_rss_ratio", ratio(rss, used));
    out.field("allocator_rss_bytes", rss as i64 - used as i64);
    out.field("rss_overhead_ratio", "1.00");
    out.field("rss_overhead_bytes", 0);
    out.field("mem_fragmentation_ratio", ratio(rss, used));
    out.field("mem_fragmentation_bytes", rss as i64 - used as i64);
    out.field("mem_not_counted_for_evict", 0);
    out.field("mem_replication_backlog", 0);
    out.field("mem_total_replication_buffers", 0);
    out.field("mem_clients_slaves", 0);
    out.field("mem_clients_normal", client_bufs);
    out.field("mem_cluster_links", 0);
    out.field("mem_aof_buffer", 0);
    out.field("mem_allocator", "libc");
    out.field("active_defrag_running", 0);
    out.field("lazyfree_pending_objects", 0);
    out.field("lazyfreed_objects", 0);
}

/// The persistence section (server.c `genRedisInfoString`): the RDB
/// child, save status and load progress are real; copy-on-write figures
/// of a running child and AOF (not implemented) print as an idle Redis.
fn persistence(out: &mut Info, e: &Engine, now_ms: i64) {
    let p = &e.persist;
    let now_s = now_ms / 1000;
    let aof = e.config.get("appendonly").as_deref() == Some("yes");
    out.field("loading", u8::from(p.loading.is_some()));
    for (name, value) in [
        ("async_loading", "0"),
        ("current_cow_peak", "0"),
        ("current_cow_size", "0"),
        ("current_cow_size_age", "0"),
        ("current_fork_perc", "0.00"),
        ("current_save_keys_processed", "0"),
    ] {
        out.field(name, value);
    }
    out.field(
        "current_save_keys_total",
        p.child.map_or(0, |c| c.keys_total),
    );
    out.field("rdb_changes_since_last_save", e.dirty);
    out.field("rdb_bgsave_in_progress", u8::from(p.child.is_some()));
    out.field("rdb_last_save_time", e.lastsave_s);
    out.field(
        "rdb_last_bgsave_status",
        if p.last_bgsave_ok { "ok" } else { "err" },
    );
    out.field("rdb_last_bgsave_time_sec", p.last_bgsave_secs);
    out.field(
        "rdb_current_bgsave_time_sec",
        p.child.map_or(-1, |c| now_s - c.start_s),
    );
    out.field("rdb_saves", p.saves);
    out.field("rdb_last_cow_size", p.last_cow_bytes);
    out.field("rdb_last_load_keys_expired", p.last_load_keys_expired);
    out.field("rdb_last_load_keys_loaded", p.last_load_keys_loaded);
    out.field("aof_enabled", aof as u8);
    for (name, value) in [
        ("aof_rewrite_in_progress", "0"),
        ("aof_rewrite_scheduled", "0"),
        ("aof_last_rewrite_time_sec", "-1"),
        ("aof_current_rewrite_time_sec", "-1"),
        ("aof_last_bgrewrite_status", "ok"),
        ("aof_rewrites", "0"),
        ("aof_rewrites_consecutive_failures", "0"),
        ("aof_last_write_status", "ok"),
        ("aof_last_cow_size", "0"),
        ("module_fork_in_progress", "0"),
        ("module_fork_last_cow_size", "0"),
    ] {
        out.field(name, value);
    }
    if let Some(l) = &p.loading {
        loading_progress(out, l, now_s);
    }
}

/// The `loading_*` fields while a load runs: progress against the file
/// size, and a linear estimate of the seconds left (1 until a second
/// has passed).
fn loading_progress(out: &mut Info, l: &crate::persist::LoadProgress, now_s: i64) {
    let (perc, remaining) = if l.total_bytes > 0 {
        (
            l.loaded_bytes as f64 / l.total_bytes as f64 * 100.0,
            l.total_bytes.saturating_sub(l.loaded_bytes),
        )
    } else {
        (0.0, 1)
    };
    let elapsed = (now_s - l.start_s).max(0) as u64;
    let eta = if elapsed == 0 {
        1
    } else {
        elapsed * remaining / (l.loaded_bytes + 1)
    };
    out.field("loading_start_time", l.start_s);
    out.field("loading_total_bytes", l.total_bytes);
    out.field("loading_rdb_used_mem", l.rdb_used_mem);
    out.field("loading_loaded_bytes", l.loaded_bytes);
    out.field("loading_loaded_perc", format!("{perc:.2}"));
    out.field("loading_eta_seconds", eta);
}

fn stats(out: &mut Info, e: &Engine) {
    let s = &e.stats;
    let (kin, kout) = s.net_kbps();
    out.field("total_connections_received", s.total_connections_received);
    out.field("total_commands_processed", s.total_commands_processed);
    out.field("instantaneous_ops_per_sec", s.ops_per_sec());
    out.field("total_net_input_bytes", s.net_input_bytes);
    out.field("total_net_output_bytes", s.net_output_bytes);
    out.field("total_net_repl_input_bytes", 0);
    out.field("total_net_repl_output_bytes", 0);
    out.field("instantaneous_input_kbps", format!("{kin:.2}"));
    out.field("instantaneous_output_kbps", format!("{kout:.2}"));
    out.field("instantaneous_input_repl_kbps", "0.00");
    out.field("instantaneous_output_repl_kbps", "0.00");
    out.field("rejected_connections", s.rejected_connections);
    out.field("sync_full", s.sync_full);
    out.field("sync_partial_ok", s.sync_partial_ok);
    out.field("sync_partial_err", s.sync_partial_err);
    out.field("expired_keys", s.expired_keys);
    out.field("expired_stale_perc", "0.00");
    for name in [
        "expired_time_cap_reached_count",
        "expire_cycle_cpu_milliseconds",
    ] {
        out.field(name, 0);
    }
    out.field("evicted_keys", s.evicted_keys);
    for name in [
        "evicted_clients",
        "total_eviction_exceeded_time",
        "current_eviction_exceeded_time",
    ] {
        out.field(name, 0);
    }
    out.field("keyspace_hits", s.keyspace_hits);
    out.field("keyspace_misses", s.keyspace_misses);
    out.field("pubsub_channels", e.pubsub.channel_count(Kind::Plain));
    out.field("pubsub_patterns", e.pubsub.numpat());
    out.field("pubsubshard_channels", e.pubsub.channel_count(Kind::Shard));
    out.field("latest_fork_usec", e.persist.latest_fork_usec);
    out.field("total_forks", e.persist.total_forks);
    for name in [
        "migrate_cached_sockets",
        "slave_expires_tracked_keys",
        "active_defrag_hits",
        "active_defrag_misses",
        "active_defrag_key_hits",
        "active_defrag_key_misses",
        "total_active_defrag_time",
        "current_active_defrag_time",
        "tracking_total_keys",
        "tracking_total_items",
        "tracking_total_prefixes",
        "unexpected_error_replies",
    ] {
        out.field(name, 0);
    }
    out.field("total_error_replies", s.total_error_replies);
    out.field("dump_payload_sanitizations", 0);
    out.field("total_reads_processed", s.reads_processed);
    out.field("total_writes_processed", s.writes_processed);
    for name in [
        "io_threaded_reads_processed",
        "io_threaded_writes_processed",
        "reply_buffer_shrinks",
        "reply_buffer_expands",
    ] {
        out.field(name, 0);
    }
}

fn replication(out: &mut Info, e: &Engine, now_ms: i64) {
    let repl = &e.propagation.repl;
    match &e.role.master {
        Some(m) => {
            out.field("role", "slave");
            out.field("master_host", &m.host);
            out.field("master_port", m.port);
            let up = m.state == LinkState::Connected;
            out.field("master_link_status", if up { "up" } else { "down" });
            out.field(
                "master_last_io_seconds_ago",
                if m.last_io_ms > 0 && up {
                    (now_ms - m.last_io_ms) / 1000
                } else {
                    -1
                },
            );
            out.field(
                "master_sync_in_progress",
                (m.state == LinkState::Transfer) as u8,
            );
            let applied = if m.applied_offset >= 0 {
                m.applied_offset
            } else {
                1
            };
            out.field("slave_read_repl_offset", applied);
            out.field("slave_repl_offset", applied);
            if !up {
                out.field(
                    "master_link_down_since_seconds",
                    if m.down_since_ms > 0 {
                        (now_ms - m.down_since_ms) / 1000
                    } else {
                        -1
                    },
                );
            }
            out.field("slave_priority", e.config.int("replica-priority"));
            out.field("slave_read_only", e.config.bool("replica-read-only") as u8);
            out.field(
                "replica_announced",
                e.config.bool("replica-announced") as u8,
            );
        }
        None => out.field("role", "master"),
    }
    let mut replicas: Vec<(&u64, &crate::role::ReplicaInfo)> = e
        .role
        .replicas
        .iter()
        .filter(|(_, r)| r.state.is_some())
        .collect();
    replicas.sort_by_key(|(id, _)| **id);
    out.field("connected_slaves", replicas.len());
    let min_replicas = e.config.int("min-replicas-to-write");
    if min_replicas > 0 && e.config.int("min-replicas-max-lag") > 0 {
        out.field("min_slaves_good_slaves", e.good_replicas(now_ms));
    }
    for (i, (id, info)) in replicas.into_iter().enumerate() {
        let addr = e
            .clients
            .get(id)
            .and_then(|c| c.try_borrow().ok().map(|c| c.addr.clone()))
            .unwrap_or_default();
        let ip = info.announced_ip.clone().unwrap_or_else(|| {
            addr.rsplit_once(':')
                .map_or(addr.clone(), |(ip, _)| ip.to_string())
        });
        out.field(
            &format!("slave{i}"),
            format!(
                "ip={ip},port={},state={},offset={},lag={}",
                info.listening_port,
                info.state.map_or("wait_bgsave", |s| s.name()),
                info.ack_offset,
                (now_ms - info.ack_ms).max(0) / 1000
            ),
        );
    }
    out.field(
        "master_failover_state",
        crate::failover::FailoverState::name(e.role.failover.as_ref().map(|f| f.state)),
    );
    out.field("master_replid", &repl.replid);
    out.field("master_replid2", &repl.replid2);
    out.field("master_repl_offset", repl.offset);
    out.field("second_repl_offset", repl.second_replid_offset);
    match &repl.backlog {
        Some(b) => {
            out.field("repl_backlog_active", 1);
            out.field("repl_backlog_size", b.size());
            out.field("repl_backlog_first_byte_offset", b.first_offset());
            out.field("repl_backlog_histlen", b.histlen());
        }
        None => {
            out.field("repl_backlog_active", 0);
            out.field("repl_backlog_size", e.config.int("repl-backlog-size"));
            out.field("repl_backlog_first_byte_offset", 0);
            out.field("repl_backlog_histlen", 0);
        }
    }
}

fn cpu(out: &mut Info, e: &Engine) {
    let (sys, user, csys, cuser) = e.host.cpu_seconds();
    out.field("used_cpu_sys", format!("{sys:.6}"));
    out.field("used_cpu_user", format!("{user:.6}"));
    out.field("used_cpu_sys_children", format!("{csys:.6}"));
    out.field("used_cpu_user_children", format!("{cuser:.6}"));
    // One thread serves every client, so the process is the main thread.
    out.field("used_cpu_sys_main_thread", format!("{sys:.6}"));
    out.field("used_cpu_user_main_thread", format!("{user:.6}"));
}

fn commandstats(out: &mut Info, e: &Engine) {
    for (name, st) in e.table.stat_names.iter().zip(&e.stats.commands) {
        if st.calls == 0 && st.failed_calls == 0 && st.rejected_calls == 0 {
            continue;
        }
        let per_call = if st.calls == 0 {
            0.0
        } else {
            st.usec as f64 / st.calls as f64
        };
        out.field(
            &format!("cmdstat_{name}"),
            format!(
                "calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}",
                st.calls, st.usec, st.rejected_calls, st.failed_calls
            ),
        );
    }
}

fn errorstats(out: &mut Info, e: &Engine) {
    for (code, n) in &e.stats.errors {
        out.field(&format!("errorstat_{code}"), format!("count={n}"));
    }
}

/// `%f` with trailing zeros (and a trailing point) removed
/// (util.c `trimDoubleString`): `50`, `99.9`.
fn trim_percentile(p: f64) -> String {
    let s = format!("{p:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn latencystats(out: &mut Info, e: &Engine) {
    let ps = e.config.latency_percentiles();
    for (name, h) in e.table.stat_names.iter().zip(&e.stats.latency) {
        let Some(h) = h else { continue };
        let mut line = String::new();
        for (i, p) in ps.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            let us = h.value_at_percentile(*p) as f64 / 1000.0;
            let _ = write!(line, "p{}={us:.3}", trim_percentile(*p));
        }
        out.field(&format!("latency_percentiles_usec_{name}"), line);
    }
}

/// What a Sentinel monitoring no master prints; the Sentinel core fills in
/// its masters when it exists.
fn sentinel(out: &mut Info) {
    out.field("sentinel_masters", 0);
    out.field("sentinel_tilt", 0);
    out.field("sentinel_tilt_since_seconds", -1);
    out.field("sentinel_running_scripts", 0);
    out.field("sentinel_scripts_queue_length", 0);
    out.field("sentinel_simulate_failure_flags", 0);
}

/// Keys with a TTL averaged for `avg_ttl` at most: Redis's figure is an
/// estimate from active-expiry sampling too.
const AVG_TTL_SAMPLES: usize = 100;

fn keyspace(out: &mut Info, e: &Engine, now_ms: i64) {
    for (n, db) in e.ks.dbs.iter().enumerate() {
        if db.is_empty() && db.expires_len() == 0 {
            continue;
        }
        let ttls: Vec<i64> = db
            .iter_expires()
            .take(AVG_TTL_SAMPLES)
            .map(|(_, at)| (at - now_ms).max(0))
            .collect();
        let avg_ttl = if ttls.is_empty() {
            0
        } else {
            ttls.iter().sum::<i64>() / ttls.len() as i64
        };
        out.field(
            &format!("db{n}"),
            format!(
                "keys={},expires={},avg_ttl={avg_ttl}",
                db.len(),
                db.expires_len()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    //! Goal: section selection and number formats follow server.c
    //! `genInfoSectionDict` and util.c `bytesToHuman`.
    use super::*;

    fn names(args: &[&str], mode: Mode) -> Vec<&'static str> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let set = select(&args, mode);
        ORDER.iter().copied().filter(|s| set.contains(s)).collect()
    }

    #[test]
    fn section_selection() {
        assert_eq!(names(&[], Mode::Standalone), DEFAULT);
        assert_eq!(names(&["DEFAULT"], Mode::Standalone), DEFAULT);
        let all = names(&["all"], Mode::Standalone);
        assert!(all.contains(&"commandstats") && all.contains(&"latencystats"));
        assert!(!all.contains(&"sentinel"));
        assert_eq!(names(&["foo"], Mode::Standalone), Vec::<&str>::new());
        assert_eq!(
            names(&["keyspace", "Server"], Mode::Standalone),
            ["server", "keyspace"]
        );
        assert_eq!(names(&[], Mode::Sentinel), SENTINEL_ORDERED);
        assert_eq!(names(&["everything"], Mode::Sentinel), SENTINEL_ORDERED);
        assert_eq!(names(&["memory"], Mode::Sentinel), Vec::<&str>::new());
    }

    const SENTINEL_ORDERED: &[&str] = &["server", "clients", "stats", "cpu", "sentinel"];

    #[test]
    fn human_bytes() {
        assert_eq!(bytes_to_human(200), "200B");
        assert_eq!(bytes_to_human(1015200), "991.41K");
        assert_eq!(bytes_to_human(12218368), "11.65M");
        assert_eq!(bytes_to_human(25276514304), "23.54G");
        assert_eq!(bytes_to_human(0), "0B");
    }

    #[test]
    fn percentile_names() {
        assert_eq!(trim_percentile(50.0), "50");
        assert_eq!(trim_percentile(99.9), "99.9");
    }
}
