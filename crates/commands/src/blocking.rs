//! Clients blocked on keys (blocked.c): BLPOP and the other blocking pops.
//!
//! A blocking command that finds nothing to pop registers its client here
//! with the keys it waits on and its deadline, and the connection stops
//! reading commands. A write that leaves one of those keys non-empty marks
//! the key ready; after the command (after EXEC for a transaction) the
//! engine runs the blocked commands again, oldest first, until the key is
//! empty or nobody waits on it. A served client gets its reply in its
//! buffer and is woken; a client whose deadline passes gets a null reply.
//! Running the command again (rather than a pop per type) is how Redis 7.2
//! serves blocked clients; the replies are the same as 7.0's.

use crate::args::parse_float;
use crate::engine::{Ctx, Engine};
use crate::error::CmdError;
use std::collections::{HashMap, HashSet, VecDeque};

/// What a blocked client waits for.
#[derive(Debug)]
pub struct BlockedClient {
    /// Database of the keys.
    pub db: usize,
    /// The keys, in the order given.
    pub keys: Vec<Vec<u8>>,
    /// Deadline, unix ms; 0 waits forever.
    pub deadline_ms: i64,
    /// The command to run again when a key is ready.
    pub argv: Vec<Vec<u8>>,
    /// Writes the reply of a timeout (a null of the command's shape).
    pub timeout_reply: fn(&mut resp::Out),
}

/// Every blocked client and the queues of waiters per key.
#[derive(Debug, Default)]
pub struct Blocking {
    /// Blocked clients by id.
    clients: HashMap<u64, BlockedClient>,
    /// (db, key) -> waiting client ids, oldest first.
    queues: HashMap<(usize, Vec<u8>), VecDeque<u64>>,
    /// Keys written since the last serving round, in order.
    ready: Vec<(usize, Vec<u8>)>,
    /// The same keys, to add each once.
    ready_set: HashSet<(usize, Vec<u8>)>,
}

impl Blocking {
    /// True if no client is blocked (the common fast path).
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Number of blocked clients (INFO `blocked_clients`).
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Number of keys with waiters (INFO `total_blocking_keys` in 7.2).
    pub fn key_count(&self) -> usize {
        self.queues.len()
    }

    /// True if `client` is blocked.
    pub fn is_blocked(&self, client: u64) -> bool {
        self.clients.contains_key(&client)
    }

    /// The deadline of a blocked client (0 = none).
    pub fn deadline(&self, client: u64) -> Option<i64> {
        self.clients.get(&client).map(|b| b.deadline_ms)
    }

    /// Clients with a deadline (INFO `clients_in_timeout_table`).
    pub fn with_deadline(&self) -> usize {
        self.clients.values().filter(|b| b.deadline_ms > 0).count()
    }

    /// Registers a blocked client.
    pub fn block(&mut self, client: u64, b: BlockedClient) {
        for key in &b.keys {
            let q = self.queues.entry((b.db, key.clone())).or_default();
            if !q.contains(&client) {
                q.push_back(client);
            }
        }
        self.clients.insert(client, b);
    }

    /// Removes a client from every queue; returns what it waited for.
    pub fn unblock(&mut self, client: u64) -> Option<BlockedClient> {
        let b = self.clients.remove(&client)?;
        for key in &b.keys {
            let k = (b.db, key.clone());
            if let Some(q) = self.queues.get_mut(&k) {
                q.retain(|c| *c != client);
                if q.is_empty() {
                    self.queues.remove(&k);
                }
            }
        }
        Some(b)
    }

    /// Marks a key as written if somebody waits on it
    /// (db.c `signalKeyAsReady`).
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.queues.is_empty() {
            return;
        }
        let k = (db, key.to_vec());
        if self.queues.contains_key(&k) && self.ready_set.insert(k.clone()) {
            self.ready.push(k);
        }
    }

    /// Marks every waited-on key of `db` as written (SWAPDB, FLUSHALL
    /// swaps in other contents under the waiters).
    pub fn signal_db(&mut self, db: usize) {
        let keys: Vec<Vec<u8>> = self
            .queues
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect();
        for k in keys {
            self.signal(db, &k);
        }
    }

    /// Takes the keys marked ready since the last call.
    fn take_ready(&mut self) -> Vec<(usize, Vec<u8>)> {
        self.ready_set.clear();
        std::mem::take(&mut self.ready)
    }

    /// The waiters on a key, oldest first.
    fn waiters(&self, db: usize, key: &[u8]) -> Vec<u64> {
        self.queues
            .get(&(db, key.to_vec()))
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }
}

/// The blocked command narrowed to the one key that is ready, so that it
/// is served from that key as Redis serves it, whatever the other keys
/// hold: `BLPOP k1 k2 0` becomes `BLPOP k2 0`, `BLMPOP t 2 k1 k2 LEFT`
/// becomes `BLMPOP t 1 k2 LEFT`.
fn for_key(argv: &[Vec<u8>], key: &[u8]) -> Vec<Vec<u8>> {
    let name = argv[0].to_ascii_lowercase();
    match name.as_slice() {
        b"blpop" | b"brpop" | b"bzpopmin" | b"bzpopmax" => {
            vec![argv[0].clone(), key.to_vec(), argv[argv.len() - 1].clone()]
        }
        b"blmpop" | b"bzmpop" => {
            let n = resp::parse_i64(&argv[2]).unwrap_or(0).max(0) as usize;
            let mut out = vec![
                argv[0].clone(),
                argv[1].clone(),
                b"1".to_vec(),
                key.to_vec(),
            ];
            out.extend(argv.iter().skip(3 + n).cloned());
            out
        }
        _ => argv.to_vec(),
    }
}

/// timeout.c `getTimeoutFromObjectOrReply` for seconds: a float, not
/// negative; 0 means forever. Returns the deadline in unix ms (0 = none).
pub fn parse_timeout(arg: &[u8], now_ms: i64) -> Result<i64, CmdError> {
    let secs = parse_float(arg)
        .filter(|s| !s.is_nan())
        .ok_or(CmdError::fixed(
            "ERR timeout is not a float or out of range",
        ))?;
    // C converts an out-of-range double to long long as LLONG_MIN on
    // x86-64: an infinite or huge timeout is "negative" there too.
    let scaled = secs * 1000.0;
    let ms = if scaled.is_finite() && scaled.abs() < 9.2e18 {
        scaled as i64
    } else {
        i64::MIN
    };
    if ms < 0 {
        return Err(CmdError::fixed("ERR timeout is negative"));
    }
    if ms == 0 {
        return Ok(0);
    }
    ms.checked_add(now_ms)
        .ok_or(CmdError::fixed("ERR timeout is out of range"))
}

impl Ctx<'_> {
    /// Asks the engine to block the client on `keys` until `deadline_ms`
    /// (0 = forever), or answers `timeout_reply` at once where blocking is
    /// not allowed (inside MULTI/EXEC). The handler writes nothing else.
    pub fn block(
        &mut self,
        keys: &[&[u8]],
        deadline_ms: i64,
        argv: &[&[u8]],
        timeout_reply: fn(&mut resp::Out),
    ) {
        if self.in_exec {
            timeout_reply(&mut self.client.out);
            return;
        }
        self.eng.block_request = Some(BlockedClient {
            db: self.client.db,
            keys: keys.iter().map(|k| k.to_vec()).collect(),
            deadline_ms,
            argv: argv.iter().map(|a| a.to_vec()).collect(),
            timeout_reply,
        });
    }
}

impl Engine {
    /// blocked.c `handleClientsBlockedOnKeys`: for every key written since
    /// the last round, runs its waiters' commands again, oldest first.
    /// Serving may write other keys (BLMOVE), which are served in turn.
    pub fn serve_ready_keys(&mut self, now_ms: i64) {
        loop {
            let ready = self.blocking.take_ready();
            if ready.is_empty() {
                return;
            }
            for (db, key) in ready {
                for id in self.blocking.waiters(db, &key) {
                    if !self.ks.dbs[db].contains(&key) {
                        break;
                    }
                    self.serve_blocked(id, db, &key, now_ms);
                }
            }
        }
    }

    /// Runs a blocked client's command again for the ready `key`; if it
    /// did not block again, the client is released with its reply (an
    /// error too: BLMOVE into a key of another type). A key of another
    /// type than the command waits for serves nobody (blocked.c
    /// `serveClientsBlockedOnKey` checks the type first).
    fn serve_blocked(&mut self, id: u64, db: usize, key: &[u8], now_ms: i64) {
        let Some(rc) = self.clients.get(&id).cloned() else {
            self.blocking.unblock(id);
            return;
        };
        let Ok(mut client) = rc.try_borrow_mut() else {
            return;
        };
        let Some(argv) = self
            .blocking
            .clients
            .get(&id)
            .map(|b| for_key(&b.argv, key))
        else {
            return;
        };
        let wants = if argv[0].to_ascii_lowercase().starts_with(b"bz") {
            "zset"
        } else {
            "list"
        };
        if self.ks.dbs[db].get(key).map(|v| v.type_name()) != Some(wants) {
            return;
        }
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        let mark = client.out.buf.len();
        let result = self.rerun(&mut client, &refs, now_ms);
        if self.block_request.take().is_some() {
            // Still nothing to pop (another waiter took it): stay queued.
            client.out.buf.truncate(mark);
            return;
        }
        if let Err(e) = result {
            client.out.error(&e.0);
        }
        self.blocking.unblock(id);
        client.wake();
    }

    /// Releases a blocked client (timeout, CLIENT UNBLOCK, disconnect) and
    /// returns how its timeout is answered.
    pub fn unblock_client(&mut self, id: u64) -> Option<fn(&mut resp::Out)> {
        self.blocking.unblock(id).map(|b| b.timeout_reply)
    }
}

#[cfg(test)]
mod tests {
    //! Goal: the waiter queues are first come first served, a key is ready
    //! once per round, and an unblocked client leaves nothing behind.
    use super::*;

    fn waiter(keys: &[&str]) -> BlockedClient {
        BlockedClient {
            db: 0,
            keys: keys.iter().map(|k| k.as_bytes().to_vec()).collect(),
            deadline_ms: 0,
            argv: Vec::new(),
            timeout_reply: resp::Out::null_array,
        }
    }

    #[test]
    fn queues_and_ready_keys() {
        let mut b = Blocking::default();
        b.block(7, waiter(&["a", "b"]));
        b.block(3, waiter(&["a"]));
        assert_eq!(b.waiters(0, b"a"), vec![7, 3]);
        b.signal(0, b"a");
        b.signal(0, b"a");
        b.signal(0, b"zzz");
        assert_eq!(b.take_ready(), vec![(0, b"a".to_vec())]);
        assert!(b.unblock(7).is_some());
        assert_eq!(b.waiters(0, b"a"), vec![3]);
        assert!(b.waiters(0, b"b").is_empty());
        b.unblock(3);
        assert!(b.is_empty() && b.key_count() == 0);
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout(b"0", 1000).unwrap(), 0);
        assert_eq!(parse_timeout(b"1.5", 1000).unwrap(), 2500);
        assert_eq!(
            parse_timeout(b"-1", 0).unwrap_err().0,
            "ERR timeout is negative"
        );
        assert_eq!(
            parse_timeout(b"x", 0).unwrap_err().0,
            "ERR timeout is not a float or out of range"
        );
    }
}
