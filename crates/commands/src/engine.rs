//! The Engine: the one owner of ordered state (keyspace, clients, stats),
//! and the dispatcher that runs every command through the same checks.
//!
//! Reference: server.c `processCommand` and `call`. The checks happen here,
//! once, in Redis's order: lookup, arity, authentication, pause; then the
//! handler runs and statistics and MONITOR are fed.

use crate::blocking::{BlockedClient, Blocking};
use crate::client::ClientState;
use crate::error::{wrong_arity, CmdError, CmdResult, NOAUTH};
use crate::meta::flags;
use crate::propagate::Propagation;
use crate::pubsub::{write_message, Deferred, PubSub};
use crate::role::Role;
use crate::stats::Stats;
use crate::table::{table, Command, CommandTable, Lookup};
use crate::txn::{MultiState, Watches};
use conf::{Config, ObufLimit};
use keyspace::{Keyspace, PackLimits, Value};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::Instant;

/// Which program this process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A data server.
    Standalone,
    /// A Sentinel.
    Sentinel,
}

/// Facts about the process that INFO server and HELLO report.
#[derive(Debug, Clone)]
pub struct Identity {
    /// 40 hex characters, new at every start.
    pub run_id: String,
    /// Server or sentinel.
    pub mode: Mode,
    /// Process id.
    pub pid: u32,
    /// Absolute path of the executable.
    pub executable: String,
    /// Absolute path of the config file, or empty.
    pub config_file: String,
    /// Start time, unix ms.
    pub start_ms: i64,
    /// The port actually listened on.
    pub tcp_port: u16,
}

/// Measurements only the host process can make (memory, CPU); the engine
/// is pure and asks through this trait.
pub trait Host {
    /// Bytes allocated by the process's allocator.
    fn used_memory(&self) -> u64;
    /// Resident set size in bytes.
    fn rss_bytes(&self) -> u64;
    /// (sys, user) CPU seconds of the process and (sys, user) of its children.
    fn cpu_seconds(&self) -> (f64, f64, f64, f64);
    /// Unix time in microseconds, for the MONITOR timestamps (commands
    /// otherwise see the millisecond time of their batch).
    fn now_us(&self) -> i64;
}

/// What the connection must do after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Go on with the next command.
    Continue,
    /// The command was not run: clients are paused until this unix ms
    /// (CLIENT PAUSE). Run it again later.
    Paused(i64),
    /// The client is blocked on keys until served, or until this unix ms
    /// (0 = no deadline), when the connection calls
    /// [`Engine::block_timeout`]. Run no further command until then.
    Blocked(i64),
}

/// A pending CLIENT PAUSE.
#[derive(Debug, Clone, Copy)]
pub struct Pause {
    /// End of the pause, unix ms.
    pub until_ms: i64,
    /// `WRITE` mode: only commands that may write are held.
    pub write_only: bool,
}

/// A SHUTDOWN that the host must carry out after the current batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShutdownRequest {
    /// NOSAVE given.
    pub nosave: bool,
    /// SAVE given.
    pub save: bool,
    /// NOW given.
    pub now: bool,
    /// FORCE given.
    pub force: bool,
}

/// Config values read on hot paths, refreshed after every CONFIG SET.
#[derive(Debug, Clone, Default)]
pub struct Cached {
    /// `requirepass`, if set.
    pub requirepass: Option<Vec<u8>>,
    /// `proto-max-bulk-len`.
    pub proto_max_bulk_len: i64,
    /// `client-query-buffer-limit`.
    pub query_buffer_limit: usize,
    /// `maxclients`.
    pub maxclients: usize,
    /// `timeout` in seconds (0 = never).
    pub idle_timeout_s: i64,
    /// `hz`.
    pub hz: i64,
    /// `databases`.
    pub databases: usize,
    /// `latency-tracking`: feed the per-command latency histograms.
    pub latency_tracking: bool,
    /// `notify-keyspace-events` as class bits (conf::notify).
    pub notify_flags: i64,
    /// `list-max-listpack-size`.
    pub list_fill: i64,
    /// `hash-max-listpack-entries` / `-value`.
    pub hash_limits: PackLimits,
    /// `zset-max-listpack-entries` / `-value`.
    pub zset_limits: PackLimits,
    /// `set-max-intset-entries`.
    pub set_max_intset: usize,
    /// `maxmemory` in bytes (0 = no limit).
    pub maxmemory: i64,
    /// `min-replicas-to-write`, or 0 when `min-replicas-max-lag` is 0.
    pub min_replicas: i64,
}

/// The state every command sees.
pub struct Engine {
    /// All databases.
    pub ks: Keyspace,
    /// The live configuration.
    pub config: Config,
    /// Hot config values.
    pub cached: Cached,
    /// Process identity.
    pub identity: Identity,
    /// Memory and CPU probes.
    pub host: Box<dyn Host>,
    /// Connected clients by id (ascending, as CLIENT LIST prints them).
    pub clients: BTreeMap<u64, Rc<RefCell<ClientState>>>,
    /// Next client id to hand out.
    pub next_client_id: u64,
    /// Counters for INFO.
    pub stats: Stats,
    /// Random numbers for sampling (RANDOMKEY, expiry, SCAN).
    pub rng: SmallRng,
    /// Changes since the last save.
    pub dirty: u64,
    /// Unix seconds of the last successful save (start time until then).
    pub lastsave_s: i64,
    /// DEBUG SET-ACTIVE-EXPIRE.
    pub active_expire_enabled: bool,
    /// Ids of MONITOR clients.
    pub monitors: Vec<u64>,
    /// CLIENT PAUSE in force.
    pub pause: Option<Pause>,
    /// SHUTDOWN asked for.
    pub shutdown: Option<ShutdownRequest>,
    /// The command table for this mode.
    pub table: &'static CommandTable,
    /// Replication IDs, offset, backlog and the stream being built.
    pub propagation: Propagation,
    /// Our master, our replicas, WAIT.
    pub role: Role,
    /// Saving and loading RDB files.
    pub persist: crate::persist::Persistence,
    /// The command running came from our master (a replica applies it
    /// even to keys whose TTL passed: the master's DEL will follow).
    pub from_master: bool,
    /// Highest `used_memory` seen (INFO `used_memory_peak`), bytes.
    pub peak_memory: u64,
    /// `used_memory` right after start-up (INFO `used_memory_startup`), bytes.
    pub startup_memory: u64,
    /// Open MULTI blocks by client id.
    pub multi: HashMap<u64, MultiState>,
    /// WATCHed keys.
    pub watches: Watches,
    /// Pub/Sub subscriptions.
    pub pubsub: PubSub,
    /// Clients blocked on keys.
    pub blocking: Blocking,
    /// Set by a blocking handler that found nothing to pop.
    pub block_request: Option<BlockedClient>,
    /// Set by a handler that signalled its written keys itself (only
    /// those it really changed): the dispatcher then signals none.
    pub keys_signalled: bool,
    /// Time of the command or cron tick being run, unix ms (Redis's cached
    /// `server.mstime`), for work that has no caller's clock at hand.
    pub now_ms: i64,
    /// id -> unix ms since when the client is over its soft output limit.
    pub obuf_soft_since: HashMap<u64, i64>,
    /// With the `n` class on: the keys the running write command may
    /// create that did not exist before it, for the `new` event.
    pub absent_keys: Vec<(usize, Vec<u8>)>,
    /// Messages for clients that were busy (borrowed) when published to,
    /// appended to their replies after the command.
    pub deferred: Vec<Deferred>,
}

/// What a handler works with: the engine and the calling client.
pub struct Ctx<'a> {
    /// The engine.
    pub eng: &'a mut Engine,
    /// The client running the command; replies go to `client.out`.
    pub client: &'a mut ClientState,
    /// Time of this command, unix ms (cached like Redis's `server.mstime`).
    pub now_ms: i64,
    /// The command being run.
    pub cmd: &'static Command,
    /// Run by EXEC (or for a blocked client): blocking is not allowed.
    pub in_exec: bool,
}

impl Engine {
    /// A fresh engine with empty databases.
    pub fn new(config: Config, identity: Identity, host: Box<dyn Host>, seed: u64) -> Engine {
        let sentinel = identity.mode == Mode::Sentinel;
        let mut rng = SmallRng::seed_from_u64(seed);
        let replid = random_hex40(&mut rng);
        let mut eng = Engine {
            ks: Keyspace::new(config.int("databases").max(1) as usize),
            cached: Cached::default(),
            lastsave_s: identity.start_ms / 1000,
            identity,
            host,
            clients: BTreeMap::new(),
            next_client_id: 1,
            stats: Stats::default(),
            rng,
            dirty: 0,
            active_expire_enabled: true,
            monitors: Vec::new(),
            pause: None,
            shutdown: None,
            table: table(sentinel),
            config,
            propagation: Propagation::new(replid),
            role: Role::default(),
            persist: crate::persist::Persistence::default(),
            from_master: false,
            peak_memory: 0,
            startup_memory: 0,
            multi: HashMap::new(),
            watches: Watches::default(),
            pubsub: PubSub::default(),
            blocking: Blocking::default(),
            block_request: None,
            deferred: Vec::new(),
            absent_keys: Vec::new(),
            obuf_soft_since: HashMap::new(),
            now_ms: 0,
            keys_signalled: false,
        };
        eng.stats.reset_commands(eng.table.stat_names.len());
        eng.refresh_cached_config();
        // Measured once the command table and databases exist, as Redis
        // measures it at the end of its initialisation.
        eng.startup_memory = eng.host.used_memory();
        eng.peak_memory = eng.startup_memory;
        eng
    }

    /// Re-reads the hot config values (after start-up and CONFIG SET).
    pub fn refresh_cached_config(&mut self) {
        let pass = self.config.string("requirepass");
        self.cached = Cached {
            requirepass: (!pass.is_empty()).then(|| pass.into_bytes()),
            proto_max_bulk_len: self.config.int("proto-max-bulk-len"),
            query_buffer_limit: self.config.int("client-query-buffer-limit") as usize,
            maxclients: self.config.int("maxclients") as usize,
            idle_timeout_s: self.config.int("timeout"),
            hz: self.config.int("hz").clamp(1, 500),
            databases: self.ks.dbs.len(),
            latency_tracking: self.config.bool("latency-tracking"),
            notify_flags: self.config.int("notify-keyspace-events"),
            list_fill: self.config.int("list-max-listpack-size"),
            hash_limits: self.pack_limits("hash"),
            zset_limits: self.pack_limits("zset"),
            set_max_intset: self.config.int("set-max-intset-entries").max(0) as usize,
            maxmemory: self.config.int("maxmemory").max(0),
            min_replicas: if self.config.int("min-replicas-max-lag") > 0 {
                self.config.int("min-replicas-to-write")
            } else {
                0
            },
        };
    }

    /// Applies what CONFIG SET changed beyond the cached values: the
    /// backlog takes a new `repl-backlog-size` at once (replication.c
    /// `resizeReplicationBacklog`).
    pub fn apply_config_changes(&mut self) {
        self.refresh_cached_config();
        let size = self.config.int("repl-backlog-size").max(1) as usize;
        if let Some(b) = &mut self.propagation.repl.backlog {
            if b.size() != size {
                b.resize(size);
            }
        }
    }

    /// `<kind>-max-listpack-entries` and `<kind>-max-listpack-value`.
    fn pack_limits(&self, kind: &str) -> PackLimits {
        let get = |what: &str| {
            let name = format!("{kind}-max-listpack-{what}");
            self.config.int(&name).max(0) as usize
        };
        PackLimits {
            max_entries: get("entries"),
            max_value: get("value"),
        }
    }

    /// Creates and registers the state of a new connection.
    pub fn new_client(&mut self, now_ms: i64) -> Rc<RefCell<ClientState>> {
        let id = self.next_client_id;
        self.next_client_id += 1;
        let mut state = ClientState::new(id, now_ms);
        state.authenticated = self.cached.requirepass.is_none();
        let rc = Rc::new(RefCell::new(state));
        self.clients.insert(id, rc.clone());
        self.stats.total_connections_received += 1;
        rc
    }

    /// Forgets a closed connection.
    pub fn remove_client(&mut self, id: u64) {
        self.clients.remove(&id);
        self.monitors.retain(|m| *m != id);
        self.forget_client_state(id);
    }

    /// Drops a client's transaction, watches, subscriptions and blocking
    /// (disconnect, RESET).
    pub fn forget_client_state(&mut self, id: u64) {
        self.multi.remove(&id);
        self.watches.unwatch_all(id);
        self.pubsub.remove_client(id);
        self.blocking.unblock(id);
        self.role.waiters.remove(&id);
        self.role.replicas.remove(&id);
        self.propagation.replicas.retain(|r| *r != id);
        self.obuf_soft_since.remove(&id);
    }

    /// networking.c `checkClientOutputBufferLimits`: a client whose reply
    /// buffer passes the hard limit, or stays over the soft limit for
    /// longer than allowed, is closed and what it did not read is freed.
    pub fn check_output_limits(&mut self, c: &mut ClientState, limit: ObufLimit, now_ms: i64) {
        let used = c.out.buf.len() as u64;
        let over_hard = limit.hard_bytes > 0 && used >= limit.hard_bytes;
        let over_soft_too_long = if limit.soft_bytes > 0 && used >= limit.soft_bytes {
            let since = *self.obuf_soft_since.entry(c.id).or_insert(now_ms);
            now_ms - since > limit.soft_seconds * 1000
        } else {
            self.obuf_soft_since.remove(&c.id);
            false
        };
        if (over_hard || over_soft_too_long) && !c.flags.close_asap {
            tracing::warn!(
                "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
                c.id,
                c.addr
            );
            c.flags.close_asap = true;
            c.out.buf = Vec::new();
        }
    }

    /// How a deletion is propagated: `UNLINK` when the given lazyfree
    /// option is on, else `DEL`.
    pub fn deletion_command(&self, lazyfree_option: &str) -> &'static [u8] {
        if self.config.bool(lazyfree_option) {
            b"UNLINK"
        } else {
            b"DEL"
        }
    }

    /// True if the client waits: for keys, or in WAIT.
    pub fn is_blocked(&self, id: u64) -> bool {
        self.blocking.is_blocked(id) || self.role.waiters.contains_key(&id)
    }

    /// A blocked client's deadline passed: its timeout reply.
    pub fn block_timeout(&mut self, client: &mut ClientState) {
        if let Some(reply) = self.unblock_client(client.id) {
            reply(&mut client.out);
        }
        self.wait_timeout(client);
    }

    /// Writes that `min-replicas-to-write` counts: online replicas that
    /// acknowledged within `min-replicas-max-lag` seconds.
    pub fn good_replicas(&self, now_ms: i64) -> usize {
        let max_lag_ms = self.config.int("min-replicas-max-lag") * 1000;
        self.role
            .replicas
            .values()
            .filter(|r| {
                r.state == Some(crate::role::ReplicaState::Online)
                    && now_ms - r.ack_ms <= max_lag_ms
            })
            .count()
    }

    /// Runs one command from `client` (server.c `processCommand` + `call`).
    pub fn execute(&mut self, client: &mut ClientState, argv: &[&[u8]], now_ms: i64) -> Outcome {
        keyspace::set_lru_clock(now_ms);
        self.now_ms = now_ms;
        let mark = client.out.buf.len();
        self.from_master = client.flags.master;
        let outcome = self.process(client, argv, now_ms);
        self.from_master = false;
        if !matches!(outcome, Outcome::Paused(_)) {
            after_command(client, mark);
        }
        if !self.deferred.is_empty() {
            self.deliver_deferred(client);
        }
        let offset = self.propagation.repl.offset;
        self.flush_propagation();
        if self.propagation.repl.offset != offset {
            client.woff = self.propagation.repl.offset;
        }
        self.serve_ready_keys(now_ms);
        outcome
    }

    /// Appends messages published to `client` while it was running.
    fn deliver_deferred(&mut self, client: &mut ClientState) {
        for d in std::mem::take(&mut self.deferred) {
            if d.client == client.id {
                write_message(&mut client.out, &d.via, &d.channel, &d.msg);
            }
        }
    }

    /// The checks of `processCommand`, then `call`.
    fn process(&mut self, client: &mut ClientState, argv: &[&[u8]], now_ms: i64) -> Outcome {
        debug_assert!(!argv.is_empty());
        client.last_interaction_ms = now_ms;
        let cmd = match self.table.lookup(argv) {
            Lookup::Found(cmd) => cmd,
            Lookup::Unknown(err) => {
                self.reject(client, None, err);
                return Outcome::Continue;
            }
        };
        let arity = cmd.meta.arity;
        if (arity > 0 && argv.len() as i64 != arity) || (argv.len() as i64) < -arity {
            self.reject(client, Some(cmd), wrong_arity(cmd.name()));
            return Outcome::Continue;
        }
        if !client.authenticated && !cmd.has(flags::NO_AUTH) {
            self.reject(client, Some(cmd), NOAUTH);
            return Outcome::Continue;
        }
        let in_multi = self.multi.contains_key(&client.id);
        if in_multi && cmd.has(flags::NO_MULTI) {
            let err = CmdError::fixed("ERR Command not allowed inside a transaction");
            self.reject(client, Some(cmd), err);
            return Outcome::Continue;
        }
        if let Some(err) = self.disk_error_refusal(client, cmd) {
            self.reject(client, Some(cmd), err);
            return Outcome::Continue;
        }
        if client.resp() == 2
            && !allowed_when_subscribed(cmd)
            && self.pubsub.is_subscribed(client.id)
        {
            let err = CmdError::new(format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                cmd.name()
            ));
            self.reject(client, Some(cmd), err);
            return Outcome::Continue;
        }
        if let Some(err) = self.replica_refusal(client, cmd, now_ms) {
            self.reject(client, Some(cmd), err);
            return Outcome::Continue;
        }
        if self.cached.maxmemory > 0 && !self.perform_evictions(now_ms) {
            // Inside MULTI even queuing is refused; EXEC only if it would
            // run a command that may grow memory (server.c processCommand).
            let refuse = match cmd.name() {
                "exec" => in_multi && self.queue_may_grow(client.id),
                "discard" | "quit" | "reset" => false,
                _ => in_multi || cmd.has(flags::DENYOOM),
            };
            if refuse {
                let err =
                    CmdError::fixed("OOM command not allowed when used memory > 'maxmemory'.");
                self.reject(client, Some(cmd), err);
                return Outcome::Continue;
            }
        }
        if let Some(err) = self.loading_refusal(cmd) {
            self.reject(client, Some(cmd), err);
            return Outcome::Continue;
        }
        if self.failover_holds_writes()
            && cmd.has(flags::WRITE | flags::MAY_REPLICATE)
            && !client.flags.replica
            && !client.flags.master
        {
            return Outcome::Paused(now_ms + 100);
        }
        if let Some(pause) = self.pause {
            if pause.until_ms <= now_ms {
                self.pause = None;
            } else if !pause.write_only || cmd.has(flags::WRITE | flags::MAY_REPLICATE) {
                return Outcome::Paused(pause.until_ms);
            }
        }
        if in_multi && !controls_multi(cmd) {
            if let Some(state) = self.multi.get_mut(&client.id) {
                state.queue.push(argv.iter().map(|a| a.to_vec()).collect());
            }
            client.out.simple("QUEUED");
            return Outcome::Continue;
        }
        self.call(client, cmd, argv, now_ms, false);
        if let Some(w) = self.role.waiters.get(&client.id) {
            return Outcome::Blocked(w.deadline_ms);
        }
        match self.block_request.take() {
            Some(b) => {
                let deadline = b.deadline_ms;
                self.blocking.block(client.id, b);
                Outcome::Blocked(deadline)
            }
            None => Outcome::Continue,
        }
    }

    /// The refusals that depend on the replication role (server.c
    /// `processCommand`): writes to a read-only replica, writes without
    /// enough good replicas, and any data access on a replica whose
    /// master link is down with `replica-serve-stale-data no`.
    fn replica_refusal(
        &self,
        client: &ClientState,
        cmd: &Command,
        now_ms: i64,
    ) -> Option<CmdError> {
        if client.flags.master {
            return None;
        }
        let write = cmd.has(flags::WRITE);
        match &self.role.master {
            Some(m) => {
                if write && self.config.bool("replica-read-only") {
                    return Some(CmdError::fixed(
                        "READONLY You can't write against a read only replica.",
                    ));
                }
                if m.state != crate::role::LinkState::Connected
                    && !self.config.bool("replica-serve-stale-data")
                    && !cmd.has(flags::STALE)
                {
                    return Some(CmdError::fixed("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."));
                }
                None
            }
            None => {
                let min = self.cached.min_replicas;
                if write && min > 0 && (self.good_replicas(now_ms) as i64) < min {
                    return Some(CmdError::fixed(
                        "NOREPLICAS Not enough good replicas to write.",
                    ));
                }
                None
            }
        }
    }

    /// True if a queued command of `client`'s MULTI may grow memory.
    fn queue_may_grow(&self, client: u64) -> bool {
        self.multi.get(&client).is_some_and(|m| {
            m.queue.iter().any(|argv| {
                let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
                matches!(self.table.lookup(&refs), Lookup::Found(c) if c.has(flags::DENYOOM))
            })
        })
    }

    /// Runs one command of an EXEC (multi.c `execCommand` calling `call`).
    pub(crate) fn run_queued(&mut self, client: &mut ClientState, argv: &[&[u8]], now_ms: i64) {
        match self.table.lookup(argv) {
            Lookup::Found(cmd) => self.call(client, cmd, argv, now_ms, true),
            Lookup::Unknown(err) => client.out.error(&err.0),
        }
    }

    /// Runs a blocked client's command again, without statistics or
    /// MONITOR (it was counted when it blocked). A `block_request` left
    /// behind means it would block again; an error (the key now holds
    /// another type) is returned, not replied.
    pub(crate) fn rerun(
        &mut self,
        client: &mut ClientState,
        argv: &[&[u8]],
        now_ms: i64,
    ) -> CmdResult {
        match self.table.lookup(argv) {
            Lookup::Found(cmd) => self.run_handler(client, cmd, argv, now_ms, false),
            Lookup::Unknown(err) => Err(err),
        }
    }

    /// Runs a command that passed the checks, with statistics and MONITOR.
    fn call(
        &mut self,
        client: &mut ClientState,
        cmd: &'static Command,
        argv: &[&[u8]],
        now_ms: i64,
        in_exec: bool,
    ) {
        client.last_cmd.clear();
        client.last_cmd.push_str(cmd.name());
        let db_before = client.db;
        let start = Instant::now();
        let result = self.run_handler(client, cmd, argv, now_ms, in_exec);
        let usec = start.elapsed().as_micros() as u64;
        if self.cached.latency_tracking {
            self.stats.record_latency(cmd.stat_index, usec);
        }
        let stat = &mut self.stats.commands[cmd.stat_index];
        stat.calls += 1;
        stat.usec += usec;
        self.stats.total_commands_processed += 1;
        if let Err(e) = result {
            self.stats.commands[cmd.stat_index].failed_calls += 1;
            self.stats.count_error(e.code());
            client.out.error(&e.0);
        }
        if !self.monitors.is_empty() && !cmd.has(flags::SKIP_MONITOR | flags::ADMIN) {
            self.feed_monitors(client, db_before, argv, now_ms);
        }
    }

    /// The handler, then the bookkeeping of what it wrote: watchers of
    /// the written keys lose their EXEC, waiters on them are woken
    /// (db.c `signalModifiedKey`, `signalKeyAsReady`).
    fn run_handler(
        &mut self,
        client: &mut ClientState,
        cmd: &'static Command,
        argv: &[&[u8]],
        now_ms: i64,
        in_exec: bool,
    ) -> CmdResult {
        let handler = cmd.handler.expect("a found command has a handler");
        let dirty_before = self.dirty;
        let db = client.db;
        if self.cached.notify_flags & conf::notify::NOTIFY_NEW != 0 && cmd.has(flags::WRITE) {
            self.absent_keys.clear();
            let specs = crate::keyspec::specs(&cmd.meta);
            for k in crate::keyspec::find_keys(&cmd.meta, &specs, argv) {
                let key = argv[k.pos];
                let d = &self.ks.dbs[db];
                if !d.contains(key) || d.is_expired(key, now_ms) {
                    self.absent_keys.push((db, key.to_vec()));
                }
            }
        }
        self.propagation.begin_command();
        self.keys_signalled = false;
        let result = {
            let mut ctx = Ctx {
                eng: self,
                client,
                now_ms,
                cmd,
                in_exec,
            };
            handler(&mut ctx, argv)
        };
        if !client.flags.master {
            // A save resets `dirty`: only growth is a change.
            let changed = self.dirty > dirty_before;
            self.propagation.end_command(client.db, argv, changed);
        }
        if self.dirty > dirty_before
            && !std::mem::take(&mut self.keys_signalled)
            && cmd.has(flags::WRITE)
            && !(self.watches.is_empty() && self.blocking.is_empty())
        {
            let specs = crate::keyspec::specs(&cmd.meta);
            for k in crate::keyspec::find_keys(&cmd.meta, &specs, argv) {
                if !k.flags.iter().any(|f| f == "RO") {
                    self.signal_modified(db, argv[k.pos]);
                }
            }
        }
        result
    }

    /// A key was written: its watchers' EXEC fails and its waiters are
    /// served after the command. Handlers that write keys the dispatcher
    /// cannot see (another database: MOVE, COPY ... DB) call it directly.
    pub fn signal_modified(&mut self, db: usize, key: &[u8]) {
        self.watches.touch(db, key);
        self.blocking.signal(db, key);
    }

    /// A whole database is emptied or replaced (FLUSHDB, FLUSHALL, SWAPDB):
    /// watchers of keys that exist in it, or in `replacement`, lose their
    /// EXEC (multi.c `touchAllWatchedKeysInDb`), and waiters look again.
    /// Call it before the change.
    pub fn signal_db_replaced(&mut self, db: usize, replacement: Option<usize>) {
        let (ks, watches) = (&self.ks, &mut self.watches);
        watches.touch_db(db, |key| {
            ks.dbs[db].contains(key) || replacement.is_some_and(|r| ks.dbs[r].contains(key))
        });
        if replacement.is_some() {
            self.blocking.signal_db(db);
        }
    }

    /// Replies with an error for a command that was refused before running;
    /// inside MULTI the transaction will abort (multi.c `flagTransaction`).
    fn reject(&mut self, client: &mut ClientState, cmd: Option<&Command>, err: CmdError) {
        if let Some(state) = self.multi.get_mut(&client.id) {
            state.dirty_exec = true;
        }
        if let Some(cmd) = cmd {
            self.stats.commands[cmd.stat_index].rejected_calls += 1;
        }
        // A refused EXEC ends its transaction (multi.c `execCommandAbort`).
        let exec = cmd.is_some_and(|c| c.name() == "exec");
        let err = match (exec, self.multi.remove(&client.id)) {
            (true, Some(_)) => {
                self.watches.unwatch_all(client.id);
                let why = err.0.strip_prefix("ERR ").unwrap_or(&err.0);
                CmdError::new(format!("EXECABORT Transaction discarded because of: {why}"))
            }
            (_, state) => {
                if let Some(state) = state {
                    self.multi.insert(client.id, state);
                }
                err
            }
        };
        self.stats.count_error(err.code());
        client.out.error(&err.0);
    }

    /// Sends a command to every MONITOR client (replication.c
    /// `replicationFeedMonitors`): `+<sec>.<usec> [<db> <addr>] "arg" ...`.
    /// A monitoring client sees its own commands too, after their reply.
    fn feed_monitors(&mut self, client: &mut ClientState, db: usize, argv: &[&[u8]], now_ms: i64) {
        let micros = self.host.now_us().max(now_ms * 1000);
        let mut line = format!(
            "{}.{:06} [{} {}]",
            micros / 1_000_000,
            micros % 1_000_000,
            db,
            client.addr
        );
        for a in argv {
            line.push(' ');
            line.push_str(&repr(a));
        }
        if client.flags.monitor {
            client.out.simple(&line);
        }
        for id in &self.monitors {
            if *id == client.id {
                continue;
            }
            if let Some(m) = self.clients.get(id) {
                if let Ok(mut m) = m.try_borrow_mut() {
                    m.out.simple(&line);
                    m.wake();
                }
            }
        }
    }

    // ---------------------------------------------------------------
    // Keyspace access with lazy expiry
    // ---------------------------------------------------------------

    /// Deletes `key` if its TTL has passed (db.c `expireIfNeeded`).
    /// Returns true if the key is (now) logically absent because it expired.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8], now_ms: i64) -> bool {
        let d = &mut self.ks.dbs[db];
        if d.expires_len() == 0 {
            return false;
        }
        if self.role.is_replica() {
            // A replica never deletes on its own: its master's DEL comes
            // in the stream. Other clients see the key as gone.
            return !self.from_master && d.is_expired(key, now_ms);
        }
        match d.expire_at(key) {
            Some(at) if at < now_ms => {
                d.remove(key);
                self.expired(db, key, now_ms);
                true
            }
            _ => false,
        }
    }

    /// After a key was deleted for its TTL (db.c
    /// `deleteExpiredKeyAndPropagate`): counted, notified, watchers told.
    fn expired(&mut self, db: usize, key: &[u8], now_ms: i64) {
        self.stats.expired_keys += 1;
        let del = self.deletion_command("lazyfree-lazy-expire");
        self.propagation.add(db, vec![del.to_vec(), key.to_vec()]);
        self.notify(
            None,
            conf::notify::NOTIFY_EXPIRED,
            "expired",
            db,
            key,
            now_ms,
        );
        self.watches.touch(db, key);
    }

    /// A key's value for reading, after lazy expiry; counts hits and misses.
    pub fn lookup_read(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<&mut Value> {
        let expired = self.expire_if_needed(db, key, now_ms);
        // With `keymiss` events on, a miss must publish: looked up first.
        let notify_miss = self.cached.notify_flags & conf::notify::NOTIFY_KEY_MISS != 0;
        if expired || (notify_miss && !self.ks.dbs[db].contains(key)) {
            self.key_miss(db, key, now_ms);
            return None;
        }
        match self.ks.dbs[db].get_mut(key) {
            Some(v) => {
                self.stats.keyspace_hits += 1;
                v.touch(now_ms);
                Some(v)
            }
            None => {
                self.stats.keyspace_misses += 1;
                None
            }
        }
    }

    /// Like [`Engine::lookup_read`] but without updating the access time
    /// (`LOOKUP_NOTOUCH`: EXISTS, TYPE, TTL).
    pub fn lookup_read_notouch(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<&Value> {
        if self.expire_if_needed(db, key, now_ms) || !self.ks.dbs[db].contains(key) {
            self.key_miss(db, key, now_ms);
            return None;
        }
        self.stats.keyspace_hits += 1;
        self.ks.dbs[db].get(key)
    }

    /// A read found no key: counted, and notified as `keymiss` (db.c
    /// `lookupKey`).
    fn key_miss(&mut self, db: usize, key: &[u8], now_ms: i64) {
        self.stats.keyspace_misses += 1;
        if self.cached.notify_flags & conf::notify::NOTIFY_KEY_MISS != 0 {
            self.notify(
                None,
                conf::notify::NOTIFY_KEY_MISS,
                "keymiss",
                db,
                key,
                now_ms,
            );
        }
    }

    /// A key's value for writing, after lazy expiry (no hit/miss counting).
    pub fn lookup_write(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<&mut Value> {
        if self.expire_if_needed(db, key, now_ms) {
            return None;
        }
        let v = self.ks.dbs[db].get_mut(key)?;
        v.touch(now_ms);
        Some(v)
    }

    /// True if the key exists (after lazy expiry), without touching it.
    pub fn exists(&mut self, db: usize, key: &[u8], now_ms: i64) -> bool {
        !self.expire_if_needed(db, key, now_ms) && self.ks.dbs[db].contains(key)
    }

    // ---------------------------------------------------------------
    // Periodic work
    // ---------------------------------------------------------------

    /// serverCron: active expiry within a time budget, pause expiry, the
    /// instantaneous metrics, and the persistence work (reaping a save
    /// child, save points). Call it `hz` times a second.
    pub fn cron(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        if let Some(p) = self.pause {
            if p.until_ms <= now_ms {
                self.pause = None;
            }
        }
        self.stats.sample(now_ms);
        self.peak_memory = self.peak_memory.max(self.host.used_memory());
        if self.active_expire_enabled && !self.role.is_replica() {
            self.active_expire_cycle(now_ms);
        }
        self.ping_replicas(now_ms);
        self.persistence_cron(now_ms);
        self.start_full_syncs(now_ms);
        self.update_failover(now_ms);
    }

    /// replicationCron: a PING in the stream every
    /// `repl-ping-replica-period` seconds while there are replicas.
    fn ping_replicas(&mut self, now_ms: i64) {
        let period_ms = self.config.int("repl-ping-replica-period").max(1) * 1000;
        if self.propagation.replicas.is_empty()
            || self.role.is_replica()
            || now_ms - self.role.last_ping_ms < period_ms
        {
            return;
        }
        self.role.last_ping_ms = now_ms;
        let mut bytes = Vec::new();
        crate::propagate::encode(&mut bytes, &[b"ping"]);
        self.feed_stream(&bytes);
    }

    /// expire.c `activeExpireCycle` (slow cycle): up to 25% of the cron
    /// period is spent sampling volatile keys over all databases.
    fn active_expire_cycle(&mut self, now_ms: i64) {
        let budget_us = 1_000_000 * 25 / self.cached.hz as u128 / 100;
        let start = Instant::now();
        let mut keep_going = || start.elapsed().as_micros() < budget_us;
        for db in 0..self.ks.dbs.len() {
            if self.ks.dbs[db].expires_len() == 0 {
                continue;
            }
            let deleted = self.ks.dbs[db].active_expire(now_ms, &mut keep_going);
            for key in &deleted {
                self.expired(db, key, now_ms);
                // Each expiry is a unit of its own in the stream.
                self.flush_propagation();
            }
            if !keep_going() {
                break;
            }
        }
    }
}

/// Index of the replica class in `client-output-buffer-limit`.
pub const OBUF_REPLICA: usize = 1;
/// Index of the pubsub class in `client-output-buffer-limit`.
pub const OBUF_PUBSUB: usize = 2;

/// Commands a RESP2 client may run while subscribed (server.c
/// `processCommand`).
fn allowed_when_subscribed(cmd: &Command) -> bool {
    matches!(
        cmd.name(),
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}

/// Commands that run at once inside MULTI instead of being queued.
fn controls_multi(cmd: &Command) -> bool {
    matches!(
        cmd.name(),
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// Drops the reply of a client in CLIENT REPLY OFF or SKIP mode, then arms
/// SKIP for the command after CLIENT REPLY SKIP (networking.c
/// `resetClient`).
fn after_command(client: &mut ClientState, mark: usize) {
    if client.reply_off || client.reply_skip {
        client.out.buf.truncate(mark);
    }
    client.reply_skip = std::mem::take(&mut client.reply_skip_next);
}

/// 40 random lower-case hex characters (run ids, replication ids).
pub fn random_hex40(rng: &mut impl rand::Rng) -> String {
    (0..40)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// `sdscatrepr`: a quoted, escaped rendering of bytes.
pub fn repr(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &c in s {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            c if c.is_ascii_graphic() || c == b' ' => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('"');
    out
}
