//! The master side of a full synchronisation (replication.c
//! `syncCommand`, `startBgsaveForReplication`,
//! `updateSlavesWaitingBgsave`).
//!
//! A replica that needs a full sync waits for the next snapshot, made by
//! a forked child as BGSAVE makes it (see [`crate::persist`]), so the
//! event loop never writes the dataset itself. With `repl-diskless-sync
//! yes` the snapshot starts `repl-diskless-sync-delay` seconds after the
//! first waiting replica, so that replicas arriving together share it;
//! meanwhile they get a newline every second. Only one snapshot child
//! runs at a time: a BGSAVE in progress delays the start.
//!
//! When the child forks, each waiting replica gets `+FULLRESYNC <replid>
//! <offset>` (PSYNC) with the offset of that instant, and the stream
//! produced from then on is kept for it in [`ReplicaInfo::held`], behind
//! the RDB to come:
//!
//! * diskless, when every waiting replica can read it (capa eof): the
//!   child writes the RDB to a pipe that the host reads asynchronously
//!   ([`Engine::rdb_pipe_data`]); the replicas get `$EOF:<mark>`, the
//!   bytes as they arrive, and `<mark>` once the child succeeded. Their
//!   stream starts at their first REPLCONF ACK.
//! * disk: the child is a BGSAVE of the dump file; when it succeeded the
//!   replicas get `$<len>`, the file, and the stream kept meanwhile. A
//!   replica arriving while such a BGSAVE runs joins it if another
//!   replica already waits on it (it gets a copy of that one's stream).
//!
//! A child that fails or is killed (FLUSHALL, SHUTDOWN) closes the
//! replicas it served; they retry.
//!
//! [`ReplicaInfo::held`]: crate::role::ReplicaInfo::held

use crate::client::ClientState;
use crate::engine::Engine;
use crate::persist::SnapshotTarget;
use crate::role::ReplicaState;
use std::io;
use std::os::fd::OwnedFd;

/// The snapshot child serving full syncs (replication.c: the RDB child
/// and its replicas in `SLAVE_STATE_WAIT_BGSAVE_END`).
#[derive(Debug, Clone)]
pub struct SyncSnapshot {
    /// The child's pid.
    pub pid: i32,
    /// Replication ID of the snapshot.
    pub replid: String,
    /// Offset of the snapshot (`psync_initial_offset`): what
    /// `+FULLRESYNC` announces, also to a replica joining later.
    pub offset: i64,
    /// Diskless: the mark that ends the `$EOF:` payload; `None` for a
    /// snapshot to the dump file.
    pub eof_mark: Option<String>,
    /// Diskless: the host still reads the child's pipe, so the child is
    /// reaped once the pipe is drained (its end follows the last byte).
    pub pipe_open: bool,
}

impl Engine {
    /// Registers `client` for a full sync (replication.c `syncCommand`):
    /// it joins a disk BGSAVE in progress when it can, else waits for the
    /// next snapshot, which starts now unless a diskless delay applies or
    /// a child already runs.
    pub(crate) fn request_full_sync(&mut self, client: &mut ClientState, psync: bool, now_ms: i64) {
        if self.propagation.repl.backlog.is_none() {
            let id = crate::engine::random_hex40(&mut self.rng);
            let repl = &mut self.propagation.repl;
            repl.replid = id;
            repl.clear_replid2();
            let size = self.config.int("repl-backlog-size").max(1) as usize;
            self.propagation.repl.ensure_backlog(size);
            let repl = &self.propagation.repl;
            tracing::info!(
                "Replication backlog created, my new replication IDs are '{}' and '{}'",
                repl.replid,
                repl.replid2
            );
        }
        client.flags.replica = true;
        let info = self.role.replicas.entry(client.id).or_default();
        info.state = Some(ReplicaState::WaitBgsave);
        info.psync = psync;
        info.waiting_since_ms = now_ms;
        let capa_eof = info.capa_eof;
        match self.persist.child {
            Some(child) if child.to_disk => {
                if self.join_disk_sync(client) {
                    tracing::info!("Waiting for end of BGSAVE for SYNC");
                } else {
                    tracing::info!("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
                }
            }
            Some(_) => {
                tracing::info!("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC")
            }
            None if self.config.bool("repl-diskless-sync")
                && capa_eof
                && self.config.int("repl-diskless-sync-delay") > 0 =>
            {
                tracing::info!("Delay next BGSAVE for diskless SYNC");
            }
            None => self.start_bgsave_for_replication(Some(client), now_ms),
        }
    }

    /// Joins `client` to the disk BGSAVE in progress if another replica
    /// already waits on it with no capability `client` lacks: it gets the
    /// same `+FULLRESYNC` and a copy of the stream kept since the fork.
    fn join_disk_sync(&mut self, client: &mut ClientState) -> bool {
        let Some(sync) = self.role.sync.as_ref().filter(|s| s.eof_mark.is_none()) else {
            return false;
        };
        let mine = self
            .role
            .replicas
            .get(&client.id)
            .cloned()
            .unwrap_or_default();
        let Some(held) = self.role.replicas.values().find_map(|r| {
            let covered = (!r.capa_eof || mine.capa_eof) && (!r.capa_psync2 || mine.capa_psync2);
            (r.state == Some(ReplicaState::WaitBgsaveEnd) && covered)
                .then(|| r.held.clone().unwrap_or_default())
        }) else {
            return false;
        };
        let (replid, offset) = (sync.replid.clone(), sync.offset);
        self.setup_full_resync(client, &replid, offset, None, held);
        true
    }

    /// serverCron's part (replicationCron): keeps replicas waiting for a
    /// snapshot alive, and starts the snapshot for the waiting ones when
    /// no child runs and the diskless delay has passed.
    pub fn start_full_syncs(&mut self, now_ms: i64) {
        self.keep_waiting_replicas_alive(now_ms);
        if self.has_rdb_child() {
            return;
        }
        let oldest = self
            .role
            .replicas
            .values()
            .filter(|r| r.state == Some(ReplicaState::WaitBgsave))
            .map(|r| r.waiting_since_ms)
            .min();
        let Some(oldest) = oldest else {
            return;
        };
        let delay_ms = self.config.int("repl-diskless-sync-delay") * 1000;
        if self.config.bool("repl-diskless-sync") && now_ms - oldest < delay_ms {
            return;
        }
        self.start_bgsave_for_replication(None, now_ms);
    }

    /// replication.c `startBgsaveForReplication`: forks the snapshot for
    /// every waiting replica, to their sockets through a pipe when
    /// `repl-diskless-sync` is on and all of them can read an `$EOF:`
    /// payload, else to the dump file. `current` is the client running
    /// the command, if any (it is borrowed already).
    fn start_bgsave_for_replication(&mut self, mut current: Option<&mut ClientState>, now_ms: i64) {
        let waiting: Vec<u64> = self.replicas_in(ReplicaState::WaitBgsave);
        if waiting.is_empty() {
            return;
        }
        let socket = self.config.bool("repl-diskless-sync")
            && waiting
                .iter()
                .all(|id| self.role.replicas.get(id).is_some_and(|r| r.capa_eof));
        let target = if socket { "replicas sockets" } else { "disk" };
        tracing::info!("Starting BGSAVE for SYNC with target: {target}");
        let started = match self.repl_save_info() {
            Some(repl) => {
                let (replid, offset) = (repl.id.clone(), repl.offset);
                self.fork_for_replication(socket, repl, now_ms)
                    .map(|(pid, pipe)| (pid, pipe, replid, offset))
            }
            None => {
                tracing::warn!("BGSAVE for replication: replication information not available, can't generate the RDB file right now. Try later.");
                Err(crate::persist::Failed)
            }
        };
        let Ok((pid, pipe, replid, offset)) = started else {
            tracing::warn!("BGSAVE for replication failed");
            for id in waiting {
                self.with_client(id, current.as_deref_mut(), |eng, c| {
                    c.out.error("ERR BGSAVE failed, replication can't continue");
                    c.flags.close_after_reply = true;
                    c.flags.replica = false;
                    eng.role.replicas.get_mut(&id).expect("waiting").state = None;
                    c.wake();
                });
            }
            return;
        };
        let eof_mark = socket.then(|| crate::engine::random_hex40(&mut self.rng));
        self.role.sync = Some(SyncSnapshot {
            pid,
            replid: replid.clone(),
            offset,
            eof_mark: eof_mark.clone(),
            pipe_open: pipe.is_some(),
        });
        for id in waiting {
            self.with_client(id, current.as_deref_mut(), |eng, c| {
                eng.setup_full_resync(c, &replid, offset, eof_mark.as_deref(), Vec::new());
                c.wake();
            });
        }
        if let (Some(pipe), Some(host)) = (pipe, self.persist.children.as_mut()) {
            host.read_transfer(pid, pipe);
        }
    }

    /// Forks the child of a full sync: to a pipe (returning its read end)
    /// or to the dump file, with the replication position `repl`.
    fn fork_for_replication(
        &mut self,
        socket: bool,
        repl: rdb::ReplInfo,
        now_ms: i64,
    ) -> Result<(i32, Option<OwnedFd>), crate::persist::Failed> {
        if !socket {
            let target = SnapshotTarget::File(self.config.string("dbfilename"));
            return Ok((self.bgsave_start(target, Some(repl), now_ms)?, None));
        }
        let pipe = match self.persist.children.as_mut() {
            Some(host) => host.transfer_pipe(),
            None => Err(io::Error::from(io::ErrorKind::Unsupported)),
        };
        let (read, write) = pipe.map_err(|_| crate::persist::Failed)?;
        let pid = self.bgsave_start(SnapshotTarget::Fd(write), Some(repl), now_ms)?;
        Ok((pid, Some(read)))
    }

    /// replication.c `replicationSetupSlaveForFullResync`: `+FULLRESYNC`
    /// (unless it asked with SYNC), `$EOF:<mark>` for a diskless
    /// transfer, and the replica receives the stream from here on, kept
    /// behind the RDB (`held` is what it already missed). The next
    /// stream entry starts with a SELECT.
    fn setup_full_resync(
        &mut self,
        client: &mut ClientState,
        replid: &str,
        offset: i64,
        eof_mark: Option<&str>,
        held: Vec<u8>,
    ) {
        let info = self.role.replicas.entry(client.id).or_default();
        if info.psync {
            client.out.simple(&format!("FULLRESYNC {replid} {offset}"));
        }
        if let Some(mark) = eof_mark {
            client.out.raw(format!("$EOF:{mark}\r\n").as_bytes());
        }
        info.state = Some(ReplicaState::WaitBgsaveEnd);
        info.held = Some(held);
        self.propagation.replicas.push(client.id);
        self.propagation.selected_db = -1;
    }

    /// Ids of the replicas in `state`.
    fn replicas_in(&self, state: ReplicaState) -> Vec<u64> {
        self.role
            .replicas
            .iter()
            .filter(|(_, r)| r.state == Some(state))
            .map(|(id, _)| *id)
            .collect()
    }

    /// Runs `f` on client `id`: `current` if that is it, else the
    /// registered client, unless it is gone or borrowed.
    fn with_client(
        &mut self,
        id: u64,
        current: Option<&mut ClientState>,
        f: impl FnOnce(&mut Engine, &mut ClientState),
    ) {
        match current {
            Some(c) if c.id == id => f(self, c),
            _ => {
                let Some(rc) = self.clients.get(&id).cloned() else {
                    return;
                };
                let Ok(mut c) = rc.try_borrow_mut() else {
                    return;
                };
                f(self, &mut c);
            }
        }
    }

    /// A newline every second to replicas waiting for a snapshot to
    /// start, or for a disk snapshot to end (replicationCron), so that
    /// their link does not time out. (A diskless transfer keeps its
    /// replicas busy with the RDB itself.)
    fn keep_waiting_replicas_alive(&mut self, now_ms: i64) {
        if now_ms - self.role.last_keepalive_ms < 1000 {
            return;
        }
        self.role.last_keepalive_ms = now_ms;
        let mut ids = self.replicas_in(ReplicaState::WaitBgsave);
        if self
            .role
            .sync
            .as_ref()
            .is_some_and(|s| s.eof_mark.is_none())
        {
            ids.extend(self.replicas_in(ReplicaState::WaitBgsaveEnd));
        }
        for id in ids {
            self.with_client(id, None, |_, c| {
                c.out.raw(b"\n");
                c.wake();
            });
        }
    }

    /// Bytes the host read from the pipe of diskless transfer child
    /// `pid` (replication.c `rdbPipeReadHandler`): appended to the reply
    /// buffer of each of its replicas. False once that transfer is over
    /// (its child was killed): the host stops reading.
    pub fn rdb_pipe_data(&mut self, pid: i32, bytes: &[u8]) -> bool {
        if self.role.sync.as_ref().is_none_or(|s| s.pid != pid) {
            return false;
        }
        for id in self.replicas_in(ReplicaState::WaitBgsaveEnd) {
            self.with_client(id, None, |_, c| {
                c.out.raw(bytes);
                c.wake();
            });
        }
        true
    }

    /// The pipe of diskless transfer child `pid` reached its end, or
    /// failed with `error` (then the child is killed, and its replicas
    /// closed). At its end the child has written everything: it is reaped
    /// now if it already exited, else by the next cron.
    pub fn rdb_pipe_closed(&mut self, pid: i32, error: Option<io::Error>, now_ms: i64) {
        let Some(sync) = self.role.sync.as_mut().filter(|s| s.pid == pid) else {
            return;
        };
        sync.pipe_open = false;
        if let Some(e) = error {
            tracing::warn!(
                "Diskless rdb transfer, read error sending DB to replicas: {}",
                conf::strerror(&e)
            );
            self.kill_rdb_child(now_ms);
            return;
        }
        let up = self.replicas_in(ReplicaState::WaitBgsaveEnd).len();
        tracing::warn!("Diskless rdb transfer, done reading from pipe, {up} replicas still up.");
        self.reap_rdb_child(now_ms);
    }

    /// True while the host reads the pipe of a diskless transfer: its
    /// child is not reaped before the last byte was read.
    pub(crate) fn rdb_pipe_open(&self) -> bool {
        self.role.sync.as_ref().is_some_and(|s| s.pipe_open)
    }

    /// replication.c `updateSlavesWaitingBgsave`: the snapshot child
    /// ended, `ok` if it succeeded. Its replicas get the end of their
    /// payload (the mark, or the dump file read now, in one piece,
    /// followed by the stream kept meanwhile) and go online; if it failed
    /// they are closed.
    pub(crate) fn update_replicas_waiting_bgsave(&mut self, ok: bool, now_ms: i64) {
        let Some(sync) = self.role.sync.take() else {
            return;
        };
        let ids = self.replicas_in(ReplicaState::WaitBgsaveEnd);
        if !ok {
            for _ in 0..self.close_syncing_replicas(&ids) {
                tracing::warn!("SYNC failed. BGSAVE child returned an error");
            }
            return;
        }
        let file = match &sync.eof_mark {
            Some(_) => Vec::new(),
            None => match std::fs::read(self.config.string("dbfilename")) {
                Ok(bytes) => bytes,
                Err(e) => {
                    for _ in 0..self.close_syncing_replicas(&ids) {
                        tracing::warn!(
                            "SYNC failed. Can't open/stat DB after BGSAVE: {}",
                            conf::strerror(&e)
                        );
                    }
                    return;
                }
            },
        };
        for id in ids {
            self.with_client(id, None, |eng, c| {
                let name = eng.replica_name(c);
                let r = eng.role.replicas.get_mut(&id).expect("listed above");
                r.state = Some(ReplicaState::Online);
                r.ack_ms = now_ms;
                match &sync.eof_mark {
                    Some(mark) => {
                        c.out.raw(mark.as_bytes());
                        tracing::info!("Streamed RDB transfer with replica {name} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming");
                    }
                    None => {
                        c.out.raw(format!("${}\r\n", file.len()).as_bytes());
                        c.out.raw(&file);
                        c.out.raw(&r.held.take().unwrap_or_default());
                        r.rdb_pending = true;
                        tracing::info!("Synchronization with replica {name} succeeded");
                    }
                }
                c.wake();
            });
        }
    }

    /// Ends the syncs of a snapshot child that was killed without being
    /// accounted for (SHUTDOWN): their replicas are closed.
    pub(crate) fn abort_full_syncs(&mut self) {
        if self.role.sync.take().is_some() {
            let ids = self.replicas_in(ReplicaState::WaitBgsaveEnd);
            self.close_syncing_replicas(&ids);
        }
    }

    /// Closes the replicas `ids` whose snapshot will not come (Redis
    /// frees them; they retry). Returns how many were still connected.
    fn close_syncing_replicas(&mut self, ids: &[u64]) -> usize {
        let mut closed = 0;
        for id in ids {
            self.role.replicas.remove(id);
            self.propagation.replicas.retain(|r| r != id);
            if let Some(Ok(mut c)) = self.clients.get(id).map(|rc| rc.try_borrow_mut()) {
                c.flags.close_asap = true;
                c.wake();
                closed += 1;
            }
        }
        closed
    }

    /// A replica acknowledged after a diskless transfer: it has loaded
    /// the RDB, so the stream held for it is sent. (While its snapshot is
    /// made, the stream stays held.)
    pub(crate) fn release_held_stream(&mut self, client: &mut ClientState) {
        let held = self
            .role
            .replicas
            .get_mut(&client.id)
            .filter(|r| r.state == Some(ReplicaState::Online))
            .and_then(|r| r.held.take());
        if let Some(held) = held {
            client.out.raw(&held);
            let name = self.replica_name(client);
            tracing::info!("Synchronization with replica {name} succeeded");
        }
    }
}
