//! The keyspace: values, databases with their expiry index, Redis's glob
//! matcher and the DEBUG DIGEST algorithm. Synchronous and clock-free:
//! every time is passed in as unix milliseconds.

mod db;
mod digest;
mod glob;
mod hash;
mod listpack;
mod quicklist;
mod set;
mod value;
mod zset;

pub use db::{Db, Key, Keyspace};
pub use digest::{digest, digest_value, hex};
pub use glob::glob_match;
pub use hash::{Hash, PackLimits};
pub use listpack::Listpack;
pub use quicklist::Quicklist;
pub use set::Set;
pub use value::{lru_clock, set_lru_clock, Value, LRU_CLOCK_RESOLUTION_MS};
pub use zset::{Score, ZSet};
