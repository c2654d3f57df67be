//! Transactions: MULTI's command queue and WATCH's optimistic locks
//! (multi.c).
//!
//! A watched key that is modified, deleted, expired, flushed or swapped
//! away by anyone marks every client watching it; that client's next EXEC
//! answers null instead of running. The engine calls [`Watches::touch`]
//! for every key a write command changed.

use std::collections::{HashMap, HashSet};

/// A client's open MULTI block.
#[derive(Debug, Default)]
pub struct MultiState {
    /// Queued commands, each as its arguments.
    pub queue: Vec<Vec<Vec<u8>>>,
    /// A command was refused while queuing: EXEC must abort
    /// (`CLIENT_DIRTY_EXEC`).
    pub dirty_exec: bool,
}

impl MultiState {
    /// CLIENT LIST `multi-mem` (multi.c `multiStateMemOverhead`): the
    /// queued arguments and their pointers, and a 24-byte slot per
    /// command, allocated in doubling steps from 2.
    pub fn memory(&self) -> usize {
        let args: usize = self
            .queue
            .iter()
            .map(|argv| argv.iter().map(|a| a.len() + 8).sum::<usize>())
            .sum();
        let slots = if self.queue.is_empty() {
            0
        } else {
            self.queue.len().next_power_of_two().max(2)
        };
        args + slots * 24
    }
}

/// Every WATCH of every client.
#[derive(Debug, Default)]
pub struct Watches {
    /// (db, key) -> ids of the clients watching it.
    by_key: HashMap<(usize, Vec<u8>), Vec<u64>>,
    /// id -> its watched (db, key) pairs, with whether the key was already
    /// logically expired when watched.
    by_client: HashMap<u64, Vec<(usize, Vec<u8>, bool)>>,
    /// Clients whose watched keys changed (`CLIENT_DIRTY_CAS`).
    dirty: HashSet<u64>,
}

impl Watches {
    /// True if nobody watches anything (the common fast path).
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Adds a watch; `expired` says the key had already expired.
    pub fn watch(&mut self, client: u64, db: usize, key: &[u8], expired: bool) {
        let list = self.by_client.entry(client).or_default();
        if list.iter().any(|(d, k, _)| *d == db && k == key) {
            return;
        }
        list.push((db, key.to_vec(), expired));
        self.by_key
            .entry((db, key.to_vec()))
            .or_default()
            .push(client);
    }

    /// Drops every watch of `client` and its dirty mark (UNWATCH, EXEC,
    /// DISCARD, disconnect).
    pub fn unwatch_all(&mut self, client: u64) {
        for (db, key, _) in self.by_client.remove(&client).unwrap_or_default() {
            if let Some(ids) = self.by_key.get_mut(&(db, key.clone())) {
                ids.retain(|c| *c != client);
                if ids.is_empty() {
                    self.by_key.remove(&(db, key));
                }
            }
        }
        self.dirty.remove(&client);
    }

    /// A key changed: every client watching it must fail its EXEC.
    pub fn touch(&mut self, db: usize, key: &[u8]) {
        if let Some(ids) = self.by_key.get(&(db, key.to_vec())) {
            self.dirty.extend(ids.iter().copied());
        }
    }

    /// Touches every watched key of `db` for which `affected` is true
    /// (FLUSHDB, FLUSHALL, SWAPDB).
    pub fn touch_db(&mut self, db: usize, mut affected: impl FnMut(&[u8]) -> bool) {
        for ((d, key), ids) in &self.by_key {
            if *d == db && affected(key) {
                self.dirty.extend(ids.iter().copied());
            }
        }
    }

    /// The (db, key) pairs `client` watches, with their expired-at-watch flag.
    pub fn watched_by(&self, client: u64) -> &[(usize, Vec<u8>, bool)] {
        self.by_client.get(&client).map_or(&[], |v| v.as_slice())
    }

    /// True if `client`'s EXEC must fail.
    pub fn is_dirty(&self, client: u64) -> bool {
        self.dirty.contains(&client)
    }

    /// Number of keys `client` watches (CLIENT LIST `watch=`).
    pub fn count(&self, client: u64) -> usize {
        self.by_client.get(&client).map_or(0, |v| v.len())
    }
}

#[cfg(test)]
mod tests {
    //! Goal: WATCH bookkeeping marks exactly the watchers of a touched key
    //! (multi.c touchWatchedKey) and forgets a client completely.
    use super::*;

    #[test]
    fn touch_marks_watchers_only() {
        let mut w = Watches::default();
        w.watch(1, 0, b"a", false);
        w.watch(2, 0, b"b", false);
        w.watch(2, 1, b"a", false);
        w.touch(0, b"a");
        assert!(w.is_dirty(1) && !w.is_dirty(2));
        w.touch_db(1, |k| k == b"a");
        assert!(w.is_dirty(2));
        w.unwatch_all(1);
        w.unwatch_all(2);
        assert!(w.is_empty() && !w.is_dirty(1) && !w.is_dirty(2));
    }
}

// ---------------------------------------------------------------------
// EXEC
// ---------------------------------------------------------------------

use crate::client::ClientState;
use crate::engine::Engine;
use crate::error::{CmdError, CmdResult};

impl Engine {
    /// multi.c `execCommand`: runs the queue atomically (nothing else runs
    /// in between, as the engine is single-threaded), unless a queued
    /// command was refused (EXECABORT) or a watched key changed (null).
    pub fn exec(&mut self, client: &mut ClientState, now_ms: i64) -> CmdResult {
        let id = client.id;
        let Some(state) = self.multi.remove(&id) else {
            return Err(CmdError::fixed("ERR EXEC without MULTI"));
        };
        // A watched key that expired since WATCH counts as changed
        // (multi.c isWatchedKeyExpired).
        let expired = self
            .watches
            .watched_by(id)
            .iter()
            .any(|(db, key, was)| !was && self.ks.dbs[*db].is_expired(key, now_ms));
        let dirty = self.watches.is_dirty(id) || expired;
        self.watches.unwatch_all(id);
        if state.dirty_exec {
            return Err(CmdError::fixed(
                "EXECABORT Transaction discarded because of previous errors.",
            ));
        }
        if dirty {
            client.out.null_array();
            return Ok(());
        }
        client.out.array(state.queue.len());
        for argv in &state.queue {
            let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
            self.run_queued(client, &refs, now_ms);
        }
        Ok(())
    }
}
