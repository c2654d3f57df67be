//! The master side of a full synchronisation (replication.c
//! `syncCommand`, `startBgsaveForReplication`,
//! `updateSlavesWaitingBgsave`).
//!
//! A replica that needs a full sync waits for the next snapshot. With
//! `repl-diskless-sync yes` the snapshot starts `repl-diskless-sync-delay`
//! seconds after the first waiting replica, so that replicas arriving
//! together share it; meanwhile they get a newline every second. Each
//! waiting replica then gets `+FULLRESYNC <replid> <offset>` (PSYNC) and
//! the RDB of that moment: `$EOF:<mark>` RDB `<mark>` for a diskless
//! replica that can read it (capa eof), whose stream starts at its first
//! REPLCONF ACK; otherwise `$<len>` and the RDB, with the stream right
//! behind. The image is built in memory: both forms carry the same bytes
//! that Redis would read from its pipe or its file.

use crate::client::ClientState;
use crate::engine::Engine;
use crate::role::ReplicaState;

impl Engine {
    /// Registers `client` for a full sync and starts it now unless a
    /// diskless delay applies.
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
        self.start_full_syncs(Some(client), now_ms);
    }

    /// Starts the snapshot for every waiting replica once the diskless
    /// delay has passed (or at once for disk syncs); called by the
    /// command and by cron, which also keeps the waiting ones alive.
    pub fn start_full_syncs(&mut self, mut current: Option<&mut ClientState>, now_ms: i64) {
        let waiting: Vec<(u64, i64)> = self
            .role
            .replicas
            .iter()
            .filter(|(_, r)| r.state == Some(ReplicaState::WaitBgsave))
            .map(|(id, r)| (*id, r.waiting_since_ms))
            .collect();
        let Some(oldest) = waiting.iter().map(|(_, since)| *since).min() else {
            return;
        };
        let diskless = self.config.bool("repl-diskless-sync");
        let delay_ms = self.config.int("repl-diskless-sync-delay") * 1000;
        if diskless && now_ms - oldest < delay_ms {
            self.keep_waiting_replicas_alive(&waiting, current, now_ms);
            return;
        }
        let target = if diskless { "replicas sockets" } else { "disk" };
        tracing::info!("Starting BGSAVE for SYNC with target: {target}");
        let rdb = self.snapshot_rdb(now_ms);
        // The stream after the RDB starts with a SELECT.
        self.propagation.selected_db = -1;
        let (replid, offset) = (
            self.propagation.repl.replid.clone(),
            self.propagation.repl.offset,
        );
        for (id, _) in waiting {
            let rc = self.clients.get(&id).cloned();
            let mut borrowed = match (&current, &rc) {
                (Some(c), _) if c.id == id => None,
                (_, Some(rc)) => match rc.try_borrow_mut() {
                    Ok(b) => Some(b),
                    Err(_) => continue,
                },
                _ => continue,
            };
            let client: &mut ClientState = match borrowed.as_deref_mut() {
                Some(c) => c,
                None => match current.as_deref_mut() {
                    Some(c) => c,
                    None => continue,
                },
            };
            let info = self.role.replicas.get(&id).cloned().unwrap_or_default();
            if info.psync {
                client.out.simple(&format!("FULLRESYNC {replid} {offset}"));
            }
            let name = self.replica_name(client);
            self.add_replica(client, now_ms);
            let r = self.role.replicas.get_mut(&id).expect("registered above");
            if diskless && info.capa_eof {
                let mark = crate::engine::random_hex40(&mut self.rng);
                client.out.raw(format!("$EOF:{mark}\r\n").as_bytes());
                client.out.raw(&rdb);
                client.out.raw(mark.as_bytes());
                r.held = Some(Vec::new());
                tracing::info!("Streamed RDB transfer with replica {name} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming");
            } else {
                client.out.raw(format!("${}\r\n", rdb.len()).as_bytes());
                client.out.raw(&rdb);
                r.rdb_pending = true;
                tracing::info!("Synchronization with replica {name} succeeded");
            }
            client.wake();
        }
    }

    /// A newline every second to replicas waiting for their snapshot
    /// (replicationCron), so that their link does not time out.
    fn keep_waiting_replicas_alive(
        &mut self,
        waiting: &[(u64, i64)],
        mut current: Option<&mut ClientState>,
        now_ms: i64,
    ) {
        if now_ms - self.role.last_keepalive_ms < 1000 {
            return;
        }
        self.role.last_keepalive_ms = now_ms;
        for (id, _) in waiting {
            match current.as_deref_mut() {
                Some(c) if c.id == *id => c.out.raw(b"\n"),
                _ => {
                    if let Some(Ok(mut c)) = self.clients.get(id).map(|rc| rc.try_borrow_mut()) {
                        c.out.raw(b"\n");
                        c.wake();
                    }
                }
            }
        }
    }

    /// A replica acknowledged after a diskless transfer: it has loaded
    /// the RDB, so the stream held for it is sent.
    pub(crate) fn release_held_stream(&mut self, client: &mut ClientState) {
        let held = self
            .role
            .replicas
            .get_mut(&client.id)
            .and_then(|r| r.held.take());
        if let Some(held) = held {
            client.out.raw(&held);
            let name = self.replica_name(client);
            tracing::info!("Synchronization with replica {name} succeeded");
        }
    }
}
