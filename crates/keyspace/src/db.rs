//! Databases: the main dictionary, the expiry index, sampling and SCAN.
//!
//! Both dictionaries are insertion-ordered hash maps (`IndexMap`): a key
//! is found by hash, and every entry also has a dense position. Positions
//! give O(1) uniform random sampling (RANDOMKEY, active expiry) and a SCAN
//! cursor with Redis's guarantee: a cursor walks positions from the top
//! down, removals move the last entry into the hole (which lies above or at
//! the cursor, so nothing present for the whole scan is skipped), and
//! insertions land above the cursor (they may or may not be returned).

use crate::value::Value;
use foldhash::fast::RandomState;
use indexmap::IndexMap;
use rand::Rng;
use smallvec::SmallVec;

/// A key: up to 24 bytes in place (the 20-byte keys and members of
/// typical workloads compare without a pointer chase), longer keys on the
/// heap; 32 bytes either way.
pub type Key = SmallVec<[u8; 24]>;

type Map<V> = IndexMap<Key, V, RandomState>;

/// One numbered database.
#[derive(Default, Clone)]
pub struct Db {
    /// Every key and its value.
    map: Map<Value>,
    /// Keys with a time to live: unix ms at which they expire.
    expires: Map<i64>,
    /// Position in `expires` where active expiry resumes.
    expire_cursor: usize,
}

/// Samples examined per round of active expiry
/// (expire.c `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const KEYS_PER_LOOP: usize = 20;

/// Active expiry keeps going while more than this percentage of a round
/// was expired (expire.c `ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE`).
const ACCEPTABLE_STALE_PERCENT: usize = 10;

impl Db {
    /// Number of keys, expired or not.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when the database holds no key.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Number of keys with a TTL.
    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// The value of `key`, ignoring expiry.
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.map.get(key)
    }

    /// The value of `key` for modification, ignoring expiry.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.map.get_mut(key)
    }

    /// True if `key` is present, ignoring expiry.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.map.contains_key(key)
    }

    /// Stores `value` under `key`, replacing any value. The TTL is removed
    /// unless `keep_ttl` (db.c `setKey` with `SETKEY_KEEPTTL`).
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        match self.map.get_mut(key) {
            Some(slot) => *slot = value,
            None => {
                self.map.insert(Key::from_slice(key), value);
            }
        }
        if !keep_ttl && !self.expires.is_empty() {
            self.expires.swap_remove(key);
        }
    }

    /// Adds `key`, which must be absent (db.c `dbAdd`).
    pub fn add(&mut self, key: &[u8], value: Value) {
        let old = self.map.insert(Key::from_slice(key), value);
        assert!(old.is_none(), "dbAdd of an existing key");
    }

    /// Removes `key` and its TTL; returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        let v = self.map.swap_remove(key)?;
        if !self.expires.is_empty() {
            self.expires.swap_remove(key);
        }
        Some(v)
    }

    /// The unix ms at which `key` expires, if it has a TTL.
    pub fn expire_at(&self, key: &[u8]) -> Option<i64> {
        if self.expires.is_empty() {
            return None;
        }
        self.expires.get(key).copied()
    }

    /// Sets the TTL of an existing key.
    pub fn set_expire(&mut self, key: &[u8], at_ms: i64) {
        assert!(self.map.contains_key(key), "TTL set on a missing key");
        match self.expires.get_mut(key) {
            Some(t) => *t = at_ms,
            None => {
                self.expires.insert(Key::from_slice(key), at_ms);
            }
        }
    }

    /// Removes the TTL of `key`; true if it had one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.expires.swap_remove(key).is_some()
    }

    /// True if `key` has a TTL that has passed at `now_ms`.
    pub fn is_expired(&self, key: &[u8], now_ms: i64) -> bool {
        matches!(self.expire_at(key), Some(at) if at < now_ms)
    }

    /// A uniformly random key, ignoring expiry.
    pub fn random_key(&self, rng: &mut impl Rng) -> Option<&Key> {
        if self.map.is_empty() {
            return None;
        }
        self.map
            .get_index(rng.gen_range(0..self.map.len()))
            .map(|(k, _)| k)
    }

    /// A uniformly random key that has a TTL, with its expiry time.
    pub fn random_volatile_key(&self, rng: &mut impl Rng) -> Option<(&Key, i64)> {
        if self.expires.is_empty() {
            return None;
        }
        self.expires
            .get_index(rng.gen_range(0..self.expires.len()))
            .map(|(k, t)| (k, *t))
    }

    /// Every key and value, in position order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Value)> {
        self.map.iter()
    }

    /// Every key with a TTL and its expiry time.
    pub fn iter_expires(&self) -> impl Iterator<Item = (&Key, i64)> {
        self.expires.iter().map(|(k, t)| (k, *t))
    }

    /// One SCAN step: visits up to `count` entries below `cursor` (0 starts
    /// a new scan) and returns the next cursor (0 when done).
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&Key, &Value)) -> u64 {
        let len = self.map.len();
        let mut pos = if cursor == 0 || cursor > len as u64 {
            len
        } else {
            cursor as usize
        };
        let mut seen = 0;
        while pos > 0 && seen < count.max(1) {
            pos -= 1;
            let (k, v) = self.map.get_index(pos).expect("position below len");
            visit(k, v);
            seen += 1;
        }
        pos as u64
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        *self = Db::default();
    }

    /// One active expiry pass over this database (expire.c
    /// `activeExpireCycle`): rounds of `KEYS_PER_LOOP` TTL entries are
    /// examined, walking the expiry index from where the last pass stopped;
    /// the pass goes on while a round finds more than 10% of its keys
    /// expired and `keep_going` allows it. Returns the deleted keys.
    pub fn active_expire(&mut self, now_ms: i64, keep_going: &mut dyn FnMut() -> bool) -> Vec<Key> {
        let mut deleted = Vec::new();
        let mut rounds = 0u32;
        loop {
            if self.expires.is_empty() {
                break;
            }
            let mut sampled = 0;
            let mut expired = 0;
            while sampled < KEYS_PER_LOOP.min(self.expires.len()) {
                if self.expire_cursor == 0 || self.expire_cursor > self.expires.len() {
                    self.expire_cursor = self.expires.len();
                }
                let pos = self.expire_cursor - 1;
                let (_, at) = self.expires.get_index(pos).expect("position below len");
                sampled += 1;
                if *at < now_ms {
                    // The last entry moves into `pos`: look at it next.
                    let (key, _) = self
                        .expires
                        .swap_remove_index(pos)
                        .expect("position below len");
                    self.map.swap_remove(&key);
                    deleted.push(key);
                    expired += 1;
                    if self.expires.is_empty() {
                        break;
                    }
                } else {
                    self.expire_cursor = pos;
                }
            }
            rounds += 1;
            if expired * 100 <= sampled * ACCEPTABLE_STALE_PERCENT {
                break;
            }
            if rounds.is_multiple_of(16) && !keep_going() {
                break;
            }
        }
        deleted
    }
}

/// All databases of the server.
#[derive(Clone)]
pub struct Keyspace {
    /// Databases by number.
    pub dbs: Vec<Db>,
}

impl Keyspace {
    /// `n` empty databases.
    pub fn new(n: usize) -> Keyspace {
        Keyspace {
            dbs: (0..n).map(|_| Db::default()).collect(),
        }
    }

    /// SWAPDB.
    pub fn swap(&mut self, a: usize, b: usize) {
        self.dbs.swap(a, b);
    }

    /// Removes every key of every database; returns how many there were.
    pub fn flush_all(&mut self) -> usize {
        let n = self.total_keys();
        self.dbs.iter_mut().for_each(Db::clear);
        n
    }

    /// Keys over all databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }
}

#[cfg(test)]
mod tests {
    //! Goal: the dictionary keeps Redis's guarantees: SCAN returns every key
    //! present for the whole scan despite deletions (dict.c dictScan
    //! contract), TTLs follow their keys, and active expiry removes expired
    //! keys without touching live ones (expire.c activeExpireCycle).
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;
    use std::collections::HashSet;

    fn db_with(n: usize) -> Db {
        let mut db = Db::default();
        for i in 0..n {
            db.set(format!("k{i}").as_bytes(), Value::from_int(i as i64), false);
        }
        db
    }

    #[test]
    fn scan_survives_deletions() {
        let mut db = db_with(1000);
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            let mut batch = Vec::new();
            cursor = db.scan(cursor, 10, |k, _| batch.push(k.clone()));
            seen.extend(batch);
            // Delete keys that are never going to be checked (odd ones).
            for _ in 0..3 {
                step += 2;
                db.remove(format!("k{}", (step % 1000) | 1).as_bytes());
            }
            if cursor == 0 {
                break;
            }
        }
        for i in (0..1000).step_by(2) {
            assert!(seen.contains(format!("k{i}").as_bytes()), "k{i} missed");
        }
    }

    #[test]
    fn ttl_follows_key() {
        let mut db = db_with(3);
        db.set_expire(b"k1", 100);
        assert_eq!(db.expire_at(b"k1"), Some(100));
        assert!(db.is_expired(b"k1", 101));
        assert!(!db.is_expired(b"k1", 100));
        db.set(b"k1", Value::from_int(5), true);
        assert_eq!(db.expire_at(b"k1"), Some(100));
        db.set(b"k1", Value::from_int(5), false);
        assert_eq!(db.expire_at(b"k1"), None);
        db.set_expire(b"k2", 100);
        db.remove(b"k2");
        assert_eq!(db.expires_len(), 0);
    }

    #[test]
    fn active_expire_removes_only_expired() {
        let mut db = db_with(10_000);
        for i in 0..10_000 {
            let at = if i % 2 == 0 { 50 } else { 5_000 };
            db.set_expire(format!("k{i}").as_bytes(), at);
        }
        let mut total = 0;
        for _ in 0..1000 {
            total += db.active_expire(100, &mut || true).len();
        }
        assert_eq!(total, 5_000);
        assert_eq!(db.len(), 5_000);
        assert!(db.iter().all(|(k, _)| db.expire_at(k) == Some(5_000)));
    }

    #[test]
    fn random_key_is_present() {
        let db = db_with(50);
        let mut rng = SmallRng::seed_from_u64(7);
        for _ in 0..100 {
            let k = db.random_key(&mut rng).unwrap();
            assert!(db.contains(k));
        }
        assert!(Db::default().random_key(&mut rng).is_none());
    }
}
