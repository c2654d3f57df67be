//! `maxmemory` and its policies (evict.c `performEvictions`).
//!
//! Before each command, while the allocator reports more than `maxmemory`
//! bytes in use, keys are evicted as the policy says: the most idle of
//! `maxmemory-samples` sampled keys (LRU; the LFU policies use the same
//! idle clock, as no access counter is kept), the nearest TTL of a
//! sample (volatile-ttl), or a random key. Each eviction is counted,
//! notified (`evicted`) and propagated as DEL (UNLINK with
//! `lazyfree-lazy-eviction`). With nothing left to evict, or with
//! `noeviction`, commands that may grow memory are refused with -OOM.

use crate::engine::Engine;
use keyspace::Key;

/// Where evicted keys may come from and how one is chosen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// The most idle of a sample.
    Idle,
    /// The nearest expiry of a sample.
    Ttl,
    /// Any one.
    Random,
}

impl Engine {
    /// Evicts until memory is under `maxmemory`; false if it could not
    /// get there (the caller refuses commands that may grow memory).
    pub fn perform_evictions(&mut self, now_ms: i64) -> bool {
        let max = self.config.int("maxmemory");
        // Never while loading (evict.c `isSafeToPerformEvictions`).
        if max <= 0
            || (self.role.is_replica() && self.config.bool("replica-ignore-maxmemory"))
            || self.persist.loading.is_some()
        {
            return true;
        }
        let policy = self.config.string("maxmemory-policy");
        let (volatile, pick) = match policy.as_str() {
            "allkeys-lru" | "allkeys-lfu" => (false, Pick::Idle),
            "volatile-lru" | "volatile-lfu" => (true, Pick::Idle),
            "allkeys-random" => (false, Pick::Random),
            "volatile-random" => (true, Pick::Random),
            "volatile-ttl" => (true, Pick::Ttl),
            _ => (false, Pick::Idle),
        };
        let noeviction = policy == "noeviction";
        while self.host.used_memory() as i64 > max {
            if noeviction {
                return false;
            }
            let Some((db, key)) = self.choose_victim(volatile, pick, now_ms) else {
                return false;
            };
            self.evict(db, &key, now_ms);
        }
        true
    }

    /// A key to evict, sampled over every database.
    fn choose_victim(&mut self, volatile: bool, pick: Pick, now_ms: i64) -> Option<(usize, Key)> {
        let samples = self.config.int("maxmemory-samples").max(1) as usize;
        let rounds = if pick == Pick::Random { 1 } else { samples };
        // (score, db, key): the highest score is evicted.
        let mut best: Option<(i64, usize, Key)> = None;
        for db in 0..self.ks.dbs.len() {
            for _ in 0..rounds {
                let d = &self.ks.dbs[db];
                let found = if volatile {
                    d.random_volatile_key(&mut self.rng)
                        .map(|(k, at)| (k.clone(), at))
                } else {
                    d.random_key(&mut self.rng).map(|k| (k.clone(), 0))
                };
                let Some((key, at)) = found else {
                    break;
                };
                let score = match pick {
                    Pick::Idle => d.get(&key).map_or(0, |v| v.idle_ms(now_ms)),
                    Pick::Ttl => -at,
                    Pick::Random => 0,
                };
                if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                    best = Some((score, db, key));
                }
            }
        }
        best.map(|(_, db, key)| (db, key))
    }

    /// Deletes one key for memory: counted, notified, propagated.
    fn evict(&mut self, db: usize, key: &[u8], now_ms: i64) {
        self.ks.dbs[db].remove(key);
        self.stats.evicted_keys += 1;
        let del = self.deletion_command("lazyfree-lazy-eviction");
        self.propagation.add(db, vec![del.to_vec(), key.to_vec()]);
        self.flush_propagation();
        self.signal_modified(db, key);
        self.notify(
            None,
            conf::notify::NOTIFY_EVICTED,
            "evicted",
            db,
            key,
            now_ms,
        );
    }
}
