//! RDB version 10 encoding and decoding, as Redis 7.0 writes and reads it.
//!
//! The byte formats an RDB file is made of: LZF compression, the CRC64
//! checksum, and the listpack, intset, ziplist and zipmap blobs.

pub mod checksum;
pub mod error;
mod intset;
mod listpack;
pub mod lzf;
mod ziplist;
mod zipmap;
