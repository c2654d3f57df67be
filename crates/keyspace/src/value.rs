//! A stored value and its LRU clock.
//!
//! A `Value` is 40 bytes. Strings of up to 32 bytes live inline, so the
//! common small value costs no allocation at all; longer strings own a
//! heap buffer. Integers that print back exactly as they were given are
//! kept as `i64`, as Redis's `OBJ_ENCODING_INT` does. Lists, hashes, sets
//! and sorted sets are boxed, each with its own compact encoding.
//!
//! What OBJECT ENCODING reports is Redis's name for the object Redis would
//! have built (`int`, `embstr` up to 44 bytes, `raw` beyond or after an
//! in-place edit), not a description of our own layout.

use crate::hash::Hash;
use crate::quicklist::Quicklist;
use crate::set::Set;
use crate::zset::ZSet;
use std::sync::atomic::{AtomicU32, Ordering};

/// Inline capacity of a string value.
const INLINE_MAX: usize = 32;

/// Redis's `OBJ_ENCODING_EMBSTR_SIZE_LIMIT`: strings up to this length
/// are created `embstr`.
const EMBSTR_SIZE_LIMIT: usize = 44;

/// Resolution of the LRU clock (server.h `LRU_CLOCK_RESOLUTION`).
pub const LRU_CLOCK_RESOLUTION_MS: i64 = 1000;

/// The LRU clock has 24 bits (server.h `LRU_BITS`).
const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;

/// The LRU clock at `now_ms` (evict.c `getLRUClock`).
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / LRU_CLOCK_RESOLUTION_MS) as u64 & LRU_CLOCK_MAX as u64) as u32
}

/// The clock new values are stamped with (Redis's cached
/// `server.lruclock`), advanced by [`set_lru_clock`].
static CURRENT_LRU: AtomicU32 = AtomicU32::new(0);

/// Advances the clock that new values are created with; the engine calls
/// it with the time of every command.
pub fn set_lru_clock(now_ms: i64) {
    CURRENT_LRU.store(lru_clock(now_ms), Ordering::Relaxed);
}

/// The cached LRU clock (evict.c `LRU_CLOCK`).
fn current_lru() -> u32 {
    CURRENT_LRU.load(Ordering::Relaxed)
}

/// The physical form of a value. Every variant carries its LRU clock so
/// that it shares the enum's padding instead of growing the struct.
#[derive(Clone, Debug)]
enum Repr {
    /// An integer that round-trips through its decimal text.
    Int { lru: u32, v: i64 },
    /// A short string, in place. `raw` is the encoding Redis would report.
    Inline {
        lru: u32,
        len: u8,
        raw: bool,
        buf: [u8; INLINE_MAX],
    },
    /// A longer string on the heap.
    Heap { lru: u32, raw: bool, v: Vec<u8> },
    /// A list.
    List { lru: u32, v: Box<Quicklist> },
    /// A hash.
    Hash { lru: u32, v: Box<Hash> },
    /// A set.
    Set { lru: u32, v: Box<Set> },
    /// A sorted set.
    ZSet { lru: u32, v: Box<ZSet> },
}

/// Generates the typed accessors of one aggregate variant.
macro_rules! aggregate {
    ($variant:ident, $ty:ty, $from:ident, $as_ref:ident, $as_mut:ident) => {
        /// A new value holding this aggregate.
        pub fn $from(v: $ty) -> Value {
            Value(Repr::$variant {
                lru: current_lru(),
                v: Box::new(v),
            })
        }

        /// The aggregate, if the value is of this type.
        pub fn $as_ref(&self) -> Option<&$ty> {
            match &self.0 {
                Repr::$variant { v, .. } => Some(v),
                _ => None,
            }
        }

        /// The aggregate for modification, if the value is of this type.
        pub fn $as_mut(&mut self) -> Option<&mut $ty> {
            match &mut self.0 {
                Repr::$variant { v, .. } => Some(v),
                _ => None,
            }
        }
    };
}

/// A value stored under a key.
#[derive(Clone, Debug)]
pub struct Value(Repr);

impl Value {
    /// A string value as SET stores it (object.c `tryObjectEncoding`):
    /// an integer when the text is a canonical `long long` of at most 20
    /// characters, otherwise `embstr` or `raw` by length.
    pub fn from_bytes(b: &[u8]) -> Value {
        if b.len() <= 20 {
            if let Some(v) = parse_canonical_i64(b) {
                return Value::from_int(v);
            }
        }
        Value::string(b, b.len() > EMBSTR_SIZE_LIMIT)
    }

    /// A string value kept as text even if it looks like a number
    /// (object.c `createStringObject`).
    pub fn from_bytes_plain(b: &[u8]) -> Value {
        Value::string(b, b.len() > EMBSTR_SIZE_LIMIT)
    }

    /// An integer string value.
    pub fn from_int(v: i64) -> Value {
        Value(Repr::Int {
            lru: current_lru(),
            v,
        })
    }

    /// A string value with the given reported encoding.
    fn string(b: &[u8], raw: bool) -> Value {
        if b.len() <= INLINE_MAX {
            let mut buf = [0u8; INLINE_MAX];
            buf[..b.len()].copy_from_slice(b);
            Value(Repr::Inline {
                lru: current_lru(),
                len: b.len() as u8,
                raw,
                buf,
            })
        } else {
            Value(Repr::Heap {
                lru: current_lru(),
                raw,
                v: b.to_vec(),
            })
        }
    }

    aggregate!(List, Quicklist, from_list, as_list, as_list_mut);
    aggregate!(Hash, Hash, from_hash, as_hash, as_hash_mut);
    aggregate!(Set, Set, from_set, as_set, as_set_mut);
    aggregate!(ZSet, ZSet, from_zset, as_zset, as_zset_mut);

    /// True for string values.
    pub fn is_string(&self) -> bool {
        matches!(
            self.0,
            Repr::Int { .. } | Repr::Inline { .. } | Repr::Heap { .. }
        )
    }

    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self.0 {
            Repr::List { .. } => "list",
            Repr::Hash { .. } => "hash",
            Repr::Set { .. } => "set",
            Repr::ZSet { .. } => "zset",
            _ => "string",
        }
    }

    /// Redis's type number (server.h `OBJ_STRING` 0, `OBJ_LIST` 1,
    /// `OBJ_SET` 2, `OBJ_ZSET` 3, `OBJ_HASH` 4), used by DEBUG DIGEST.
    pub fn type_code(&self) -> u32 {
        match self.0 {
            Repr::List { .. } => 1,
            Repr::Set { .. } => 2,
            Repr::ZSet { .. } => 3,
            Repr::Hash { .. } => 4,
            _ => 0,
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match &self.0 {
            Repr::Int { .. } => "int",
            Repr::Inline { raw: false, .. } | Repr::Heap { raw: false, .. } => "embstr",
            Repr::Inline { .. } | Repr::Heap { .. } => "raw",
            Repr::List { .. } => "quicklist",
            Repr::Hash { v, .. } => v.encoding_name(),
            Repr::Set { v, .. } => v.encoding_name(),
            Repr::ZSet { v, .. } => v.encoding_name(),
        }
    }

    /// The integer, if the value is integer-encoded.
    pub fn as_int(&self) -> Option<i64> {
        match self.0 {
            Repr::Int { v, .. } => Some(v),
            _ => None,
        }
    }

    /// Calls `f` with the string's bytes (an integer is formatted first).
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match &self.0 {
            Repr::Int { v, .. } => f(itoa::Buffer::new().format(*v).as_bytes()),
            Repr::Inline { len, buf, .. } => f(&buf[..*len as usize]),
            Repr::Heap { v, .. } => f(v),
            _ => panic!("string access to a {}", self.type_name()),
        }
    }

    /// The string's bytes, copied.
    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }

    /// Length in bytes of a string (STRLEN), or elements of an aggregate.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Int { v, .. } => itoa::Buffer::new().format(*v).len(),
            Repr::Inline { len, .. } => *len as usize,
            Repr::Heap { v, .. } => v.len(),
            Repr::List { v, .. } => v.len(),
            Repr::Hash { v, .. } => v.len(),
            Repr::Set { v, .. } => v.len(),
            Repr::ZSet { v, .. } => v.len(),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Mutable access to the bytes for an in-place edit (APPEND,
    /// SETRANGE): the value becomes a `raw` heap string, as Redis's
    /// `dbUnshareStringValue` makes it.
    pub fn bytes_mut(&mut self) -> &mut Vec<u8> {
        assert!(self.is_string(), "string edit of a {}", self.type_name());
        if !matches!(self.0, Repr::Heap { .. }) {
            let lru = self.lru();
            let v = self.to_vec();
            self.0 = Repr::Heap { lru, raw: true, v };
        }
        match &mut self.0 {
            Repr::Heap { raw, v, .. } => {
                *raw = true;
                v
            }
            _ => unreachable!("converted to a heap string above"),
        }
    }

    /// The LRU clock of the last access.
    pub fn lru(&self) -> u32 {
        match self.0 {
            Repr::Int { lru, .. }
            | Repr::Inline { lru, .. }
            | Repr::Heap { lru, .. }
            | Repr::List { lru, .. }
            | Repr::Hash { lru, .. }
            | Repr::Set { lru, .. }
            | Repr::ZSet { lru, .. } => lru,
        }
    }

    /// Records an access at `now_ms`.
    pub fn touch(&mut self, now_ms: i64) {
        let clock = lru_clock(now_ms);
        match &mut self.0 {
            Repr::Int { lru, .. }
            | Repr::Inline { lru, .. }
            | Repr::Heap { lru, .. }
            | Repr::List { lru, .. }
            | Repr::Hash { lru, .. }
            | Repr::Set { lru, .. }
            | Repr::ZSet { lru, .. } => *lru = clock,
        }
    }

    /// Milliseconds since the last access (evict.c `estimateObjectIdleTime`).
    pub fn idle_ms(&self, now_ms: i64) -> i64 {
        let now = lru_clock(now_ms);
        let lru = self.lru();
        let ticks = if now >= lru {
            now - lru
        } else {
            LRU_CLOCK_MAX - lru + now
        };
        ticks as i64 * LRU_CLOCK_RESOLUTION_MS
    }
}

/// Parses a `long long` that prints back to exactly the same text
/// (util.c `string2ll`): no sign on zero, no leading zeros, no spaces.
fn parse_canonical_i64(b: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(b).ok()?;
    let v: i64 = s.parse().ok()?;
    (itoa::Buffer::new().format(v).as_bytes() == b).then_some(v)
}

#[cfg(test)]
mod tests {
    //! Goal: values report Redis's encodings (object.c tryObjectEncoding,
    //! OBJ_ENCODING_EMBSTR_SIZE_LIMIT) and stay small.
    use super::*;

    #[test]
    fn size_is_forty_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 40);
    }

    #[test]
    fn encodings() {
        assert_eq!(Value::from_bytes(b"123").encoding_name(), "int");
        assert_eq!(
            Value::from_bytes(b"-9223372036854775808").encoding_name(),
            "int"
        );
        assert_eq!(Value::from_bytes(b"0123").encoding_name(), "embstr");
        assert_eq!(Value::from_bytes(b"+1").encoding_name(), "embstr");
        assert_eq!(Value::from_bytes(b" 1").encoding_name(), "embstr");
        assert_eq!(Value::from_bytes(&[b'a'; 44]).encoding_name(), "embstr");
        assert_eq!(Value::from_bytes(&[b'a'; 45]).encoding_name(), "raw");
        assert_eq!(Value::from_bytes_plain(b"12").encoding_name(), "embstr");
        let mut v = Value::from_bytes(b"ab");
        v.bytes_mut().push(b'c');
        assert_eq!(v.encoding_name(), "raw");
        assert_eq!(v.to_vec(), b"abc");
    }

    #[test]
    fn bytes_round_trip() {
        for s in [&b""[..], b"x", &[7u8; 32], &[9u8; 33], b"-17"] {
            let v = Value::from_bytes(s);
            assert_eq!(v.to_vec(), s);
            assert_eq!(v.len(), s.len());
        }
    }

    #[test]
    fn idle_time_wraps() {
        let mut v = Value::from_int(1);
        v.touch(5_000);
        assert_eq!(v.idle_ms(12_000), 7_000);
        let wrap_ms = (LRU_CLOCK_MAX as i64 + 1) * 1000;
        v.touch(wrap_ms - 1000);
        assert_eq!(v.idle_ms(wrap_ms + 2000), 2_000);
    }
}
