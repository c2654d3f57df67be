//! RDB persistence as Redis 7.0 does it (rdb.c, server.c): SAVE, BGSAVE
//! in a forked child, the `save` points checked from cron, the final save
//! of SHUTDOWN, the `stop-writes-on-bgsave-error` refusal, and loading
//! (in [`load`]).
//!
//! The engine stays free of process control: forking, reaping and
//! killing children is the host's job, reached through [`ChildHost`]
//! (the server crate implements it with `fork(2)` and `waitpid(2)`).
//! What a child runs, writing the snapshot to a file or a descriptor, is
//! in [`file`], so SAVE in the server process and BGSAVE in a child share
//! one implementation.
//!
//! Field for field the state mirrors Redis's globals: `dirty` and
//! `lastsave` stay on the [`Engine`] (they predate this module), the rest
//! (`child_pid`, `dirty_before_bgsave`, `lastbgsave_status`,
//! `lastbgsave_try`, `rdb_save_time_last`, `stat_rdb_saves`, fork
//! statistics, loading progress) is in [`Persistence`].

pub mod file;
pub mod load;

use crate::client::ClientState;
use crate::engine::{Engine, Mode, ShutdownRequest};
use crate::error::CmdError;
use crate::meta::flags;
use crate::table::{Command, Lookup};
use conf::Config;
use keyspace::Keyspace;
use std::io;
use std::os::fd::OwnedFd;

pub use file::{save_to_file, write_snapshot, SnapshotParams};

/// A save, fork or load that failed. What went wrong has been logged as
/// Redis logs it; clients learn only that it failed (`-ERR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failed;

/// Seconds to wait after a failed BGSAVE before a save point or a
/// scheduled BGSAVE tries again (server.h `CONFIG_BGSAVE_RETRY_DELAY`).
const BGSAVE_RETRY_DELAY_S: i64 = 5;

/// `SIGUSR1`: the signal a parent kills its saving child with. Redis
/// whitelists it: a child ended by it is not a failed save.
pub const SIGUSR1: i32 = 10;

/// How a child we killed ended, when the host could not tell.
const KILLED: ChildExit = ChildExit {
    how: ExitHow::Signal(SIGUSR1),
    cow_bytes: None,
};

/// The reply of SHUTDOWN when the final save fails.
const SHUTDOWN_FAILED: CmdError = CmdError::fixed("ERR Errors trying to SHUTDOWN. Check logs.");

/// The reply to writes after a failed background save (server.c
/// `shared.bgsaveerr`).
const MISCONF: CmdError = CmdError::fixed("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.");

/// The reply to commands not flagged `loading` while the dataset loads.
const LOADING: CmdError = CmdError::fixed("LOADING Redis is loading the dataset in memory");

// ---------------------------------------------------------------------
// What the host does for us
// ---------------------------------------------------------------------

/// Where a forked child writes its snapshot.
#[derive(Debug)]
pub enum SnapshotTarget {
    /// The dump file: `temp-<childpid>.rdb` in the working directory
    /// (the server changed into `dir`), fsynced and renamed over this
    /// name, then the directory fsynced (rdb.c `rdbSave`).
    File(String),
    /// A pipe or socket (a diskless replica sync): the bare RDB stream,
    /// then the descriptor is closed. The parent's copy is closed when
    /// the job is dropped after the fork.
    Fd(OwnedFd),
}

/// A snapshot for a child to write.
#[derive(Debug)]
pub struct SnapshotJob {
    /// Where it goes.
    pub target: SnapshotTarget,
    /// How it is written.
    pub params: SnapshotParams,
}

/// A child the host has started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forked {
    /// Its process id.
    pub pid: i32,
    /// How long `fork()` took in the parent, µs (INFO `latest_fork_usec`).
    pub fork_usec: u64,
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitHow {
    /// `exit(code)`: 0 is success.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

/// A child that has ended, as the host reaped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildExit {
    /// Exit code or signal.
    pub how: ExitHow,
    /// Bytes the child reported as copied on write (`Private_Dirty`),
    /// if it reported before exiting (only a successful save does).
    pub cow_bytes: Option<u64>,
}

/// Process control only the host can do: fork a snapshot writer, learn
/// whether it ended, kill it.
pub trait ChildHost {
    /// Forks a child that writes `ks` as `job` says and exits with 0 on
    /// success, 1 on failure. The parent's copies of the job's
    /// descriptors are closed before this returns.
    fn fork_snapshot(&mut self, ks: &Keyspace, job: SnapshotJob) -> io::Result<Forked>;
    /// The exit of child `pid`, if it has ended; never blocks.
    fn try_reap(&mut self, pid: i32) -> Option<ChildExit>;
    /// Kills child `pid` with SIGUSR1 and reaps it (the wait is short:
    /// nothing in the child blocks that signal).
    fn kill(&mut self, pid: i32) -> Option<ChildExit>;
    /// A pipe for a diskless transfer, both ends closed on exec: (read
    /// end, write end). The write end goes to the child as
    /// [`SnapshotTarget::Fd`].
    fn transfer_pipe(&mut self) -> io::Result<(OwnedFd, OwnedFd)>;
    /// Reads the pipe of transfer child `pid` in the background, handing
    /// each chunk to [`Engine::rdb_pipe_data`] and its end to
    /// [`Engine::rdb_pipe_closed`], between the host's other work.
    fn read_transfer(&mut self, pid: i32, read: OwnedFd);
}

// ---------------------------------------------------------------------
// State
// ---------------------------------------------------------------------

/// A running snapshot child (server.c `child_pid`, `child_type`).
#[derive(Debug, Clone, Copy)]
pub struct SaveChild {
    /// Its pid.
    pub pid: i32,
    /// True for a BGSAVE to the dump file, false for a snapshot sent to a
    /// descriptor (replication).
    pub to_disk: bool,
    /// Unix seconds when it started (`rdb_save_time_start`).
    pub start_s: i64,
    /// `dirty` when it forked (`dirty_before_bgsave`): what is left of
    /// `dirty` after a successful save is what changed since.
    pub dirty_at_fork: u64,
    /// Keys in the snapshot (`stat_current_save_keys_total`).
    pub keys_total: u64,
}

/// Progress of a load, for INFO (server.c `loading_*`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadProgress {
    /// Unix seconds when it started.
    pub start_s: i64,
    /// Size of the file, bytes.
    pub total_bytes: u64,
    /// The `used-mem` AUX field, bytes.
    pub rdb_used_mem: u64,
    /// Bytes read, updated each time events are processed.
    pub loaded_bytes: u64,
}

/// The persistence state of the engine.
pub struct Persistence {
    /// The host's process control; `None` where there is none (a
    /// Sentinel, unit tests): BGSAVE then fails as a failed fork.
    pub children: Option<Box<dyn ChildHost>>,
    /// The snapshot child, while one runs.
    pub child: Option<SaveChild>,
    /// A BGSAVE waits for the current child to end (BGSAVE SCHEDULE, or
    /// BGSAVE inside MULTI).
    pub bgsave_scheduled: bool,
    /// The last background save succeeded (`lastbgsave_status`); a
    /// successful SAVE also sets it.
    pub last_bgsave_ok: bool,
    /// Unix seconds of the last BGSAVE attempt (`lastbgsave_try`).
    pub last_bgsave_try_s: i64,
    /// Duration of the last background save in seconds, -1 before one.
    pub last_bgsave_secs: i64,
    /// SAVE and BGSAVE runs (`stat_rdb_saves`).
    pub saves: u64,
    /// Copy-on-write bytes the last successful child reported.
    pub last_cow_bytes: u64,
    /// Duration of the last fork, µs.
    pub latest_fork_usec: u64,
    /// Forks so far.
    pub total_forks: u64,
    /// Set while a dataset is being loaded.
    pub loading: Option<LoadProgress>,
    /// Keys loaded by the last (or running) load.
    pub last_load_keys_loaded: u64,
    /// Keys dropped as expired by the last (or running) load.
    pub last_load_keys_expired: u64,
}

impl Default for Persistence {
    /// The state at start-up: no child, status ok, no save timed yet.
    fn default() -> Self {
        Persistence {
            children: None,
            child: None,
            bgsave_scheduled: false,
            last_bgsave_ok: true,
            last_bgsave_try_s: 0,
            last_bgsave_secs: -1,
            saves: 0,
            last_cow_bytes: 0,
            latest_fork_usec: 0,
            total_forks: 0,
            loading: None,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
        }
    }
}

/// How a load is configured (the `*-max-listpack-*` thresholds, the
/// number of databases, `rdbchecksum`) at `now_ms`, dropping keys
/// already expired when `drop_expired` (a master drops them, a replica
/// keeps them for its master's DEL).
pub fn rdb_load_options(
    config: &Config,
    databases: usize,
    now_ms: i64,
    drop_expired: bool,
) -> rdb::LoadOptions {
    let int = |name: &str| config.int(name).max(0) as usize;
    rdb::LoadOptions {
        limits: rdb::Limits {
            hash_max_listpack_entries: int("hash-max-listpack-entries"),
            hash_max_listpack_value: int("hash-max-listpack-value"),
            set_max_intset_entries: int("set-max-intset-entries"),
            zset_max_listpack_entries: int("zset-max-listpack-entries"),
            zset_max_listpack_value: int("zset-max-listpack-value"),
            list_max_listpack_size: config.int("list-max-listpack-size"),
        },
        databases,
        verify_checksum: config.bool("rdbchecksum"),
        now_ms,
        drop_expired,
    }
}

// ---------------------------------------------------------------------
// Saving
// ---------------------------------------------------------------------

impl Engine {
    /// True while a snapshot child runs (`child_type == CHILD_TYPE_RDB`).
    pub fn has_rdb_child(&self) -> bool {
        self.persist.child.is_some()
    }

    /// The replication position saved with a snapshot (rdb.c
    /// `rdbPopulateSaveInfo`): a master saves it only once it has a
    /// backlog (it is in a replication chain), with the database its
    /// stream last selected; a replica saves it with the database its
    /// master's stream has selected, while the master is connected.
    pub fn repl_save_info(&self) -> Option<rdb::ReplInfo> {
        let repl = &self.propagation.repl;
        let stream_db = if self.role.is_replica() {
            self.clients.values().find_map(|rc| {
                let c = rc.try_borrow().ok()?;
                c.flags.master.then_some(c.db as i64)
            })?
        } else {
            repl.backlog.as_ref()?;
            self.propagation.selected_db.max(0)
        };
        Some(rdb::ReplInfo {
            stream_db,
            id: repl.replid.clone(),
            offset: repl.offset,
        })
    }

    /// How a snapshot taken now is written: `rdbcompression`,
    /// `rdbchecksum`, idle times under an LRU `maxmemory-policy` (rdb.c
    /// `rdbSaveKeyValuePair`), the AUX fields with `repl`,
    /// `rdb-key-save-delay` and `rdb-save-incremental-fsync`.
    pub fn snapshot_params(&self, now_ms: i64, repl: Option<rdb::ReplInfo>) -> SnapshotParams {
        let lru = self.config.string("maxmemory-policy").ends_with("-lru");
        let mut aux = rdb::AuxFields::new(now_ms / 1000, self.host.used_memory());
        aux.repl = repl;
        SnapshotParams {
            opts: rdb::SaveOptions {
                compression: self.config.bool("rdbcompression"),
                checksum: self.config.bool("rdbchecksum"),
                idle_at_ms: lru.then_some(now_ms),
            },
            aux,
            key_save_delay: self.config.int("rdb-key-save-delay"),
            incremental_fsync: self.config.bool("rdb-save-incremental-fsync"),
        }
    }

    /// rdb.c `rdbSave` in this process, to `dbfilename`: on success
    /// nothing is left to save (`dirty` 0, LASTSAVE now) and the save
    /// status is ok again. Failures are logged as Redis logs them.
    pub fn rdb_save(&mut self, now_ms: i64) -> Result<(), Failed> {
        let params = self.snapshot_params(now_ms, self.repl_save_info());
        save_to_file(&self.ks, &self.config.string("dbfilename"), &params)?;
        self.dirty = 0;
        self.lastsave_s = now_ms / 1000;
        self.persist.last_bgsave_ok = true;
        Ok(())
    }

    /// rdb.c `rdbSaveBackground` (and `rdbSaveToSlavesSockets` for a
    /// descriptor): forks a child writing the keyspace of this instant to
    /// `target`, with the replication position `repl`. Returns the
    /// child's pid. Fails when a child already runs or the fork fails
    /// (logged; a failed fork of a BGSAVE counts as a failed save).
    ///
    /// When the child ends, the cron logs and accounts for it (see
    /// [`Engine::persistence_cron`]).
    pub fn bgsave_start(
        &mut self,
        target: SnapshotTarget,
        repl: Option<rdb::ReplInfo>,
        now_ms: i64,
    ) -> Result<i32, Failed> {
        if self.has_rdb_child() {
            return Err(Failed);
        }
        let to_disk = matches!(target, SnapshotTarget::File(_));
        let now_s = now_ms / 1000;
        if to_disk {
            self.persist.saves += 1;
            self.persist.last_bgsave_try_s = now_s;
        }
        let job = SnapshotJob {
            target,
            params: self.snapshot_params(now_ms, repl),
        };
        let forked = match self.persist.children.as_mut() {
            Some(host) => host.fork_snapshot(&self.ks, job),
            None => Err(io::Error::from(io::ErrorKind::Unsupported)),
        };
        let forked = match forked {
            Ok(f) => f,
            Err(e) => {
                if to_disk {
                    self.persist.last_bgsave_ok = false;
                }
                tracing::warn!("Can't save in background: fork: {}", conf::strerror(&e));
                return Err(Failed);
            }
        };
        self.persist.total_forks += 1;
        self.persist.latest_fork_usec = forked.fork_usec;
        if to_disk {
            tracing::info!("Background saving started by pid {}", forked.pid);
        } else {
            tracing::info!("Background RDB transfer started by pid {}", forked.pid);
        }
        self.persist.child = Some(SaveChild {
            pid: forked.pid,
            to_disk,
            start_s: now_s,
            dirty_at_fork: self.dirty,
            keys_total: self.ks.total_keys() as u64,
        });
        Ok(forked.pid)
    }

    /// BGSAVE to the dump file with the replication position, as BGSAVE
    /// and the save points start it.
    pub fn bgsave_to_disk(&mut self, now_ms: i64) -> Result<i32, Failed> {
        let target = SnapshotTarget::File(self.config.string("dbfilename"));
        self.bgsave_start(target, self.repl_save_info(), now_ms)
    }

    /// The persistence part of serverCron: reap an ended child, else fire
    /// a `save` point whose time and changes are reached (after a failed
    /// save only once [`BGSAVE_RETRY_DELAY_S`] passed), then a scheduled
    /// BGSAVE.
    pub fn persistence_cron(&mut self, now_ms: i64) {
        if self.identity.mode == Mode::Sentinel {
            return;
        }
        let now_s = now_ms / 1000;
        let retry_ok = self.persist.last_bgsave_ok
            || now_s - self.persist.last_bgsave_try_s > BGSAVE_RETRY_DELAY_S;
        if self.persist.child.is_some() {
            // A diskless transfer's child is reaped by the pipe's reader.
            if !self.rdb_pipe_open() {
                self.reap_rdb_child(now_ms);
            }
        } else if self.persist.loading.is_none() {
            for (seconds, changes) in self.config.save_params() {
                if self.dirty as i64 >= changes && now_s - self.lastsave_s > seconds && retry_ok {
                    tracing::info!("{changes} changes in {seconds} seconds. Saving...");
                    let _ = self.bgsave_to_disk(now_ms);
                    break;
                }
            }
        }
        if !self.has_rdb_child()
            && self.persist.bgsave_scheduled
            && retry_ok
            && self.bgsave_to_disk(now_ms).is_ok()
        {
            self.persist.bgsave_scheduled = false;
        }
    }

    /// Accounts for the snapshot child if it has ended.
    pub(crate) fn reap_rdb_child(&mut self, now_ms: i64) {
        let Some(child) = self.persist.child else {
            return;
        };
        let exit = self
            .persist
            .children
            .as_mut()
            .and_then(|h| h.try_reap(child.pid));
        if let Some(exit) = exit {
            self.child_done(exit, now_ms);
        }
    }

    /// rdb.c `backgroundSaveDoneHandler`: the child ended. A save to disk
    /// that succeeded leaves the changes made since the fork to be saved
    /// next; a failure marks the save status failed, except for a child
    /// killed with SIGUSR1 (killed on purpose); a killed child's temp file
    /// is removed. Then the replicas waiting for this snapshot are served
    /// or, if it failed, closed (replication.c `updateSlavesWaitingBgsave`).
    fn child_done(&mut self, exit: ChildExit, now_ms: i64) {
        let Some(child) = self.persist.child.take() else {
            return;
        };
        let now_s = now_ms / 1000;
        match (exit.how, child.to_disk) {
            (ExitHow::Code(0), true) => {
                tracing::info!("Background saving terminated with success");
                self.dirty = self.dirty.saturating_sub(child.dirty_at_fork);
                self.lastsave_s = now_s;
                self.persist.last_bgsave_ok = true;
            }
            (ExitHow::Code(_), true) => {
                tracing::warn!("Background saving error");
                self.persist.last_bgsave_ok = false;
            }
            (ExitHow::Signal(sig), true) => {
                tracing::warn!("Background saving terminated by signal {sig}");
                file::remove_temp_file(child.pid);
                if sig != SIGUSR1 {
                    self.persist.last_bgsave_ok = false;
                }
            }
            (ExitHow::Code(0), false) => {
                tracing::info!("Background RDB transfer terminated with success")
            }
            (ExitHow::Code(_), false) => tracing::warn!("Background transfer error"),
            (ExitHow::Signal(sig), false) => {
                tracing::warn!("Background transfer terminated by signal {sig}")
            }
        }
        if let Some(bytes) = exit.cow_bytes {
            self.persist.last_cow_bytes = bytes;
        }
        self.persist.last_bgsave_secs = now_s - child.start_s;
        self.update_replicas_waiting_bgsave(exit.how == ExitHow::Code(0), now_ms);
    }

    /// rdb.c `killRDBChild`: stops the snapshot child, if any, and
    /// accounts for it at once.
    pub fn kill_rdb_child(&mut self, now_ms: i64) {
        let Some(child) = self.persist.child else {
            return;
        };
        let exit = self
            .persist
            .children
            .as_mut()
            .and_then(|h| h.kill(child.pid));
        self.child_done(exit.unwrap_or(KILLED), now_ms);
    }

    /// FLUSHALL's reset of the saved state (db.c
    /// `flushAllDataAndResetRDB`): a running save would write the old
    /// data, so it is killed; with save points the empty dataset is saved
    /// at once.
    pub fn flushall_reset_rdb(&mut self, now_ms: i64) {
        if self.has_rdb_child() {
            self.kill_rdb_child(now_ms);
        }
        if !self.config.save_params().is_empty() {
            let _ = self.rdb_save(now_ms);
        }
    }

    // -----------------------------------------------------------------
    // Refusals (server.c processCommand)
    // -----------------------------------------------------------------

    /// `-MISCONF` for writes (and PING) while the last background save
    /// failed, save points are set and `stop-writes-on-bgsave-error` is
    /// on (server.c `writeCommandsDeniedByDiskError`). Our master's
    /// commands are always applied. EXEC counts as a write when it would
    /// run one.
    pub(crate) fn disk_error_refusal(
        &self,
        client: &ClientState,
        cmd: &Command,
    ) -> Option<CmdError> {
        if self.persist.last_bgsave_ok
            || client.flags.master
            || !self.config.bool("stop-writes-on-bgsave-error")
            || self.config.save_params().is_empty()
        {
            return None;
        }
        let write = match cmd.name() {
            "ping" => true,
            "exec" => self.multi.get(&client.id).is_some_and(|m| {
                m.queue.iter().any(|argv| {
                    let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
                    matches!(self.table.lookup(&argv), Lookup::Found(c) if c.has(flags::WRITE))
                })
            }),
            _ => cmd.has(flags::WRITE),
        };
        write.then_some(MISCONF)
    }

    /// `-LOADING` for commands not flagged `loading` while the dataset
    /// loads.
    pub(crate) fn loading_refusal(&self, cmd: &Command) -> Option<CmdError> {
        (self.persist.loading.is_some() && !cmd.has(flags::LOADING)).then_some(LOADING)
    }

    // -----------------------------------------------------------------
    // Shutdown
    // -----------------------------------------------------------------

    /// The flags SIGTERM or SIGINT shut down with: `shutdown-on-sigterm`
    /// or `shutdown-on-sigint` (config.c `shutdown_on_sig_enum`).
    pub fn signal_shutdown_request(&self, sigint: bool) -> ShutdownRequest {
        let name = if sigint {
            "shutdown-on-sigint"
        } else {
            "shutdown-on-sigterm"
        };
        let bits = self.config.int(name);
        ShutdownRequest {
            save: bits & 1 != 0,
            nosave: bits & 2 != 0,
            now: bits & 4 != 0,
            force: bits & 8 != 0,
        }
    }

    /// server.c `prepareForShutdown` and `finishShutdown`, up to the
    /// exit: kills a saving child, and saves the dataset when save points
    /// are set (unless NOSAVE) or SAVE was given. While loading, and in a
    /// Sentinel, nothing is saved. If the save fails and FORCE was not
    /// given, the shutdown is cancelled: the server keeps running and the
    /// error is SHUTDOWN's reply. On success the request is stored in
    /// [`Engine::shutdown`] for the host to exit.
    pub fn prepare_shutdown(
        &mut self,
        mut req: ShutdownRequest,
        now_ms: i64,
    ) -> Result<(), CmdError> {
        if self.persist.loading.is_some() || self.identity.mode == Mode::Sentinel {
            req.save = false;
            req.nosave = true;
        }
        tracing::warn!("User requested shutdown...");
        // The child could overwrite the final save: it goes first. An
        // exiting server does not report it; one that stays up does, as
        // its cron would.
        let killed = self.persist.child.take().map(|child| {
            tracing::warn!("There is a child saving an .rdb. Killing it!");
            let exit = self
                .persist
                .children
                .as_mut()
                .and_then(|h| h.kill(child.pid));
            file::remove_temp_file(child.pid);
            (child, exit)
        });
        self.abort_full_syncs();
        if (!self.config.save_params().is_empty() && !req.nosave) || req.save {
            tracing::info!("Saving the final RDB snapshot before exiting.");
            if self.rdb_save(now_ms).is_err() {
                if req.force {
                    tracing::warn!("Error trying to save the DB. Exit anyway.");
                } else {
                    tracing::warn!("Error trying to save the DB, can't exit.");
                    tracing::warn!("Errors trying to shut down the server. Check the logs for more information.");
                    if let Some((child, exit)) = killed {
                        self.persist.child = Some(child);
                        self.child_done(exit.unwrap_or(KILLED), now_ms);
                    }
                    return Err(SHUTDOWN_FAILED);
                }
            }
        }
        self.shutdown = Some(req);
        Ok(())
    }
}
