//! What a write puts in the replication stream (server.c `call`,
//! `alsoPropagate`, `propagatePendingCommands`; replication.c
//! `replicationFeedSlaves`).
//!
//! Each command that changed the dataset is propagated as it was
//! written, or as the effect a handler rewrote it to (SET EX as SET
//! PXAT, a blocking pop as a pop...). Everything one execution unit
//! propagates (a command with the expiries it caused, an EXEC) is sent
//! after it, wrapped in MULTI/EXEC when it is more than one command,
//! with a SELECT whenever the database changes. The bytes go to the
//! backlog and to every replica's reply buffer.
//!
//! With no backlog and no replica nothing is collected at all.

use crate::engine::{Ctx, Engine, OBUF_REPLICA};
use replication::ReplState;

/// Propagation state of the engine.
#[derive(Debug)]
pub struct Propagation {
    /// Replication IDs, offset and backlog.
    pub repl: ReplState,
    /// Commands waiting for the end of the execution unit: (db, argv).
    pending: Vec<(usize, Vec<Vec<u8>>)>,
    /// The database the stream last selected (-1 = none yet).
    pub selected_db: i64,
    /// Ids of replica clients that receive the stream.
    pub replicas: Vec<u64>,
    /// The running command's replacement, set by [`Ctx::propagate_as`].
    rewrite: Option<Vec<Vec<u8>>>,
    /// The running command propagates nothing of its own.
    suppress: bool,
    /// The running command propagates even though nothing changed.
    force: bool,
}

impl Propagation {
    /// No history yet, under `replid`.
    pub fn new(replid: String) -> Propagation {
        Propagation {
            repl: ReplState::new(replid),
            pending: Vec::new(),
            selected_db: -1,
            replicas: Vec::new(),
            rewrite: None,
            suppress: false,
            force: false,
        }
    }

    /// True if anything reads the stream: a backlog or a replica.
    pub fn active(&self) -> bool {
        self.repl.backlog.is_some() || !self.replicas.is_empty()
    }

    /// Queues a command for the end of the execution unit.
    pub fn add(&mut self, db: usize, argv: Vec<Vec<u8>>) {
        if self.active() {
            self.pending.push((db, argv));
        }
    }

    /// Clears the per-command state before a handler runs.
    pub(crate) fn begin_command(&mut self) {
        self.rewrite = None;
        self.suppress = false;
        self.force = false;
    }

    /// After a handler that changed the dataset: queues its argv or its
    /// rewrite (server.c `call`).
    pub(crate) fn end_command(&mut self, db: usize, argv: &[&[u8]], changed: bool) {
        let rewrite = self.rewrite.take();
        let changed = changed || std::mem::take(&mut self.force);
        if !changed || std::mem::take(&mut self.suppress) || !self.active() {
            return;
        }
        let argv = rewrite.unwrap_or_else(|| argv.iter().map(|a| a.to_vec()).collect());
        self.pending.push((db, argv));
    }

    /// Takes the stream bytes of the finished execution unit.
    fn take_unit(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.pending.is_empty() {
            return out;
        }
        let pending = std::mem::take(&mut self.pending);
        let wrap = pending.len() > 1;
        if wrap {
            encode(&mut out, &[b"MULTI"]);
        }
        for (db, argv) in &pending {
            if *db as i64 != self.selected_db {
                let n = db.to_string();
                encode(&mut out, &[b"SELECT", n.as_bytes()]);
                self.selected_db = *db as i64;
            }
            let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
            encode(&mut out, &refs);
        }
        if wrap {
            encode(&mut out, &[b"EXEC"]);
        }
        out
    }
}

/// Appends a command as a RESP multibulk.
pub fn encode(out: &mut Vec<u8>, argv: &[&[u8]]) {
    out.push(b'*');
    out.extend_from_slice(itoa::Buffer::new().format(argv.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in argv {
        out.push(b'$');
        out.extend_from_slice(itoa::Buffer::new().format(a.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

impl Ctx<'_> {
    /// Propagates the running command as `argv` instead of as written
    /// (server.c `rewriteClientCommandVector`).
    pub fn propagate_as(&mut self, argv: &[&[u8]]) {
        self.eng.propagation.rewrite = Some(argv.iter().map(|a| a.to_vec()).collect());
    }

    /// Propagates `argv` in the client's database before the running
    /// command's own entry (server.c `alsoPropagate`).
    pub fn also_propagate(&mut self, argv: &[&[u8]]) {
        let db = self.client.db;
        self.eng
            .propagation
            .add(db, argv.iter().map(|a| a.to_vec()).collect());
    }

    /// The running command propagates nothing of its own (its effects
    /// were propagated with [`Ctx::also_propagate`]).
    pub fn propagate_nothing(&mut self) {
        self.eng.propagation.suppress = true;
    }

    /// The running command is propagated even if it changed nothing
    /// (server.c `forceCommandPropagation`: PUBLISH, FLUSHDB).
    pub fn force_propagation(&mut self) {
        self.eng.propagation.force = true;
    }

    /// Propagates the running command as the deletion of `key`: `DEL`, or
    /// `UNLINK` when the given lazyfree option is on.
    pub fn propagate_as_del(&mut self, key: &[u8], lazyfree_option: &str) {
        let cmd = self.eng.deletion_command(lazyfree_option);
        self.propagate_as(&[cmd, key]);
    }
}

impl Engine {
    /// Sends what the finished execution unit propagated to the backlog
    /// and the replicas.
    pub fn flush_propagation(&mut self) {
        let bytes = self.propagation.take_unit();
        // A replica relays its master's stream and adds nothing of its
        // own (replication.c `replicationFeedSlaves`), so that its
        // offsets stay its master's.
        if !bytes.is_empty() && !self.role.is_replica() {
            self.feed_stream(&bytes);
        }
    }

    /// Appends stream bytes to the backlog and to every replica: the
    /// unit of a command here, or the exact bytes received from our own
    /// master (a replica relays them unchanged, so offsets agree along a
    /// chain).
    pub fn feed_stream(&mut self, bytes: &[u8]) {
        let now_ms = self.now_ms;
        self.propagation.repl.feed(bytes);
        let limit = self.config.client_output_buffer_limits()[OBUF_REPLICA];
        for id in self.propagation.replicas.clone() {
            let Some(rc) = self.clients.get(&id).cloned() else {
                continue;
            };
            let Ok(mut c) = rc.try_borrow_mut() else {
                continue;
            };
            let mut info = self.role.replicas.get_mut(&id);
            // While its snapshot is made, and after a diskless one until
            // its first ACK, a replica's stream waits behind its RDB.
            if let Some(held) = info.as_mut().and_then(|r| r.held.as_mut()) {
                held.extend_from_slice(bytes);
                continue;
            }
            // The RDB of a full sync sits first in the buffer; the limit
            // counts the stream once the RDB is written out.
            let rdb_pending = info.is_some_and(|r| {
                r.rdb_pending &= !c.out.buf.is_empty();
                r.rdb_pending
            });
            c.out.raw(bytes);
            if !rdb_pending {
                self.check_output_limits(&mut c, limit, now_ms);
            }
            c.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    //! Goal: a unit of one command is sent bare, a unit of several is
    //! wrapped in MULTI/EXEC, and SELECT appears only when the database
    //! changes.
    use super::*;

    fn v(args: &[&str]) -> Vec<Vec<u8>> {
        args.iter().map(|a| a.as_bytes().to_vec()).collect()
    }

    #[test]
    fn units_and_select() {
        let mut p = Propagation::new("a".repeat(40));
        p.add(0, v(&["SET", "k", "v"]));
        assert!(
            p.take_unit().is_empty(),
            "nothing collected without a backlog"
        );
        p.repl.ensure_backlog(1024);
        p.add(0, v(&["SET", "k", "v"]));
        assert_eq!(
            p.take_unit(),
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
        );
        p.add(0, v(&["DEL", "a"]));
        p.add(3, v(&["DEL", "b"]));
        let unit = String::from_utf8(p.take_unit()).unwrap();
        assert_eq!(
            unit,
            "*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nDEL\r\n$1\r\nb\r\n*1\r\n$4\r\nEXEC\r\n"
        );
    }
}
