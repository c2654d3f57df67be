//! RDB version 10 encoding and decoding, as Redis 7.0 writes and reads it.
//!
//! This first layer: LZF compression (a port of liblzf with Redis's
//! settings) and Redis's CRC64.

pub mod checksum;
pub mod error;
pub mod lzf;
