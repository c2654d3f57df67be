//! DEBUG DIGEST and DEBUG DIGEST-VALUE (debug.c `computeDatasetDigest`,
//! `xorObjectDigest`). The algorithm is Redis's, so the same dataset gives
//! the same 40 hex characters on both servers: test suites compare them.

use crate::db::{Db, Keyspace};
use crate::value::Value;
use sha1::{Digest, Sha1};

/// `digest = SHA1(digest xor SHA1(data))` (debug.c `mixDigest`): order
/// matters, unlike `xor`.
fn mix(digest: &mut [u8; 20], data: &[u8]) {
    xor(digest, data);
    let h = Sha1::digest(&digest[..]);
    digest.copy_from_slice(&h);
}

/// `digest ^= SHA1(data)` (debug.c `xorDigest`).
fn xor(digest: &mut [u8; 20], data: &[u8]) {
    let h = Sha1::digest(data);
    for (d, x) in digest.iter_mut().zip(h.iter()) {
        *d ^= x;
    }
}

/// The digest of one value (debug.c `xorObjectDigest`), mixed into `digest`.
fn value_digest(digest: &mut [u8; 20], value: &Value, has_ttl: bool) {
    mix(digest, &value.type_code().to_be_bytes());
    // Ordered types mix their elements in order; unordered ones xor one
    // digest per element, so that iteration order does not matter.
    let pair = |digest: &mut [u8; 20], a: &[u8], b: &[u8]| {
        let mut ele = [0u8; 20];
        mix(&mut ele, a);
        mix(&mut ele, b);
        xor(digest, &ele);
    };
    if let Some(list) = value.as_list() {
        list.iter().for_each(|e| mix(digest, e));
    } else if let Some(set) = value.as_set() {
        set.iter().for_each(|m| xor(digest, &m));
    } else if let Some(z) = value.as_zset() {
        z.iter()
            .for_each(|(m, s)| pair(digest, &m, resp::format_double(s).as_bytes()));
    } else if let Some(h) = value.as_hash() {
        h.iter().for_each(|(f, v)| pair(digest, f, v));
    } else {
        value.with_bytes(|b| mix(digest, b));
    }
    if has_ttl {
        xor(digest, b"!!expire!!");
    }
}

/// DEBUG DIGEST: 20 zero bytes for an empty dataset.
pub fn digest(ks: &Keyspace) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (n, db) in ks.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        mix(&mut out, &(n as u32).to_be_bytes());
        for (key, value) in db.iter() {
            let mut d = [0u8; 20];
            mix(&mut d, key);
            value_digest(&mut d, value, db.expire_at(key).is_some());
            xor(&mut out, &d);
        }
    }
    out
}

/// DEBUG DIGEST-VALUE of one key: 20 zero bytes if it is absent.
pub fn digest_value(db: &Db, key: &[u8]) -> [u8; 20] {
    let mut d = [0u8; 20];
    if let Some(v) = db.get(key) {
        value_digest(&mut d, v, db.expire_at(key).is_some());
    }
    d
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    //! Goal: DEBUG DIGEST is order-independent within a database and
    //! sensitive to the database number and TTLs, as debug.c's is.
    use super::*;

    #[test]
    fn empty_is_zero() {
        assert_eq!(digest(&Keyspace::new(2)), [0; 20]);
    }

    #[test]
    fn order_independent_but_db_sensitive() {
        let mut a = Keyspace::new(2);
        a.dbs[0].set(b"x", Value::from_bytes(b"1"), false);
        a.dbs[0].set(b"y", Value::from_bytes(b"2"), false);
        let mut b = Keyspace::new(2);
        b.dbs[0].set(b"y", Value::from_bytes(b"2"), false);
        b.dbs[0].set(b"x", Value::from_bytes(b"1"), false);
        assert_eq!(digest(&a), digest(&b));
        b.swap(0, 1);
        assert_ne!(digest(&a), digest(&b));
        b.swap(0, 1);
        b.dbs[0].set_expire(b"x", 10);
        assert_ne!(digest(&a), digest(&b));
    }

    #[test]
    fn same_digests_as_redis() {
        // Reference: redis-server 7.0.15, SET e abc, SET n 5, then
        // DEBUG DIGEST-VALUE e n.
        let mut ks = Keyspace::new(1);
        ks.dbs[0].set(b"e", Value::from_bytes(b"abc"), false);
        ks.dbs[0].set(b"n", Value::from_bytes(b"5"), false);
        assert_eq!(
            hex(&digest_value(&ks.dbs[0], b"e")),
            "21ffcd2d36aebffca02995acb412bcb827d4c1db"
        );
        assert_eq!(
            hex(&digest_value(&ks.dbs[0], b"n")),
            "f8c2498ca74cdde7d02de23246736a661485b50e"
        );
    }
}
