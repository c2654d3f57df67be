//! RDB version 10 encoding and decoding, as Redis 7.0 writes and reads it.
//!
//! A pure, synchronous crate: no threads, no clocks (the load time is an
//! option), no I/O of its own beyond the `Read`/`Write` it is given. It
//! turns a [`keyspace::Keyspace`] into the bytes of a `dump.rdb` that a
//! real Redis 7.0 loads with the same content and encodings, and reads
//! every file a Redis 7.0 server reads (including the older ziplist,
//! zipmap and linked-list encodings of earlier versions).
//!
//! # Saving
//!
//! * [`save`] writes a whole keyspace: `REDIS0010`, the AUX fields of
//!   [`AuxFields`], each non-empty database (SELECTDB, RESIZEDB, keys with
//!   their expiry), EOF and the CRC64. [`save_each`] does the same with a
//!   hook after every key.
//! * [`Writer`] is the same step by step, for a caller that streams keys
//!   from elsewhere (a snapshot taken for a replica, a forked child): it
//!   buffers at most 64 KiB before writing, so neither a file nor a socket
//!   needs the whole image in memory.
//! * [`SaveOptions`] carries `rdbcompression`, `rdbchecksum` and the time
//!   for LRU idle fields.
//!
//! Each value is written in the RDB type Redis uses for the matching
//! in-memory encoding: strings integer-encoded, LZF-compressed or raw;
//! lists as `LIST_QUICKLIST_2` with one listpack per node; hashes and
//! sorted sets as listpacks or as plain `HASH` / `ZSET_2`; sets as intsets
//! or plain `SET`. The listpack and intset blobs are built byte for byte
//! as Redis builds them (Redis's `DUMP` output is the test oracle).
//!
//! # Loading
//!
//! * [`Reader`] yields [`Item`]s (AUX fields, function libraries,
//!   RESIZEDB hints, keys) and verifies the checksum at the end. It reads
//!   exactly the file's bytes; [`Reader::into_inner`] returns the source
//!   positioned after them (the replication stream that follows an RDB).
//! * [`load`] runs a reader to the end with a callback per [`Entry`] and
//!   returns the parsed AUX fields ([`AuxInfo`]: `repl-id`, `repl-offset`,
//!   `repl-stream-db`, ...) in [`Loaded`].
//! * [`load_keyspace`] builds a fresh [`keyspace::Keyspace`], so a failed
//!   load leaves nothing half-built.
//! * [`LoadOptions`] carries the encoding thresholds ([`Limits`]: the
//!   `*-max-listpack-*` and `set-max-intset-entries` settings), the number
//!   of databases, checksum verification, the load time and whether to
//!   drop expired keys (a master does, a replica does not).
//!
//! Loaded values get the encoding Redis would give them under those
//! thresholds. Empty aggregates are skipped as Redis skips them. Streams,
//! module values and module AUX data are refused with
//! [`Error::Unsupported`]; any truncated or corrupt input is an [`Error`],
//! never a panic and never a partial result.
//!
//! # DUMP and RESTORE
//!
//! [`dump`], [`verify_dump_payload`] and [`restore`] produce and read the
//! payload of the `DUMP` / `RESTORE` commands: one value in RDB form with
//! the RDB version and a CRC64 as footer.
//!
//! # Building blocks
//!
//! [`lzf`] (a port of liblzf with Redis's settings, byte-identical output),
//! [`checksum::crc64`] (Redis's CRC64 via the `crc` crate), [`format`]
//! (opcodes and type numbers).

pub mod checksum;
mod decode;
mod dump;
mod encode;
pub mod error;
pub mod format;
mod intset;
mod listpack;
pub mod lzf;
mod read;
mod write;
mod ziplist;
mod zipmap;

pub use decode::Limits;
pub use dump::{dump, restore, verify_dump_payload};
pub use error::{Error, Result};
pub use read::{load, load_keyspace, AuxInfo, Entry, Item, LoadOptions, Loaded, Reader};
pub use write::{save, save_each, AuxFields, ReplInfo, SaveOptions, Writer, REDIS_VERSION};

#[cfg(test)]
mod tests;
