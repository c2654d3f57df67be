//! DUMP and RESTORE payloads (cluster.c `createDumpPayload`,
//! `verifyDumpPayload`, `restoreCommand`): one value in RDB form, then
//! the RDB version (2 bytes LE) and the CRC64 of everything before it
//! (8 bytes LE).
//!
//! ```text
//! <type> <value body> <10 0> <crc64 LE>
//! ```

use crate::checksum::crc64;
use crate::decode::{read_object, read_u8, Limits};
use crate::encode::Encoder;
use crate::error::{Error, Result};
use crate::format::RDB_VERSION;
use keyspace::Value;

/// Bytes of the footer: version and CRC.
const FOOTER: usize = 10;

/// The DUMP payload of `value`; `compression` is `rdbcompression`.
pub fn dump(value: &Value, compression: bool) -> Vec<u8> {
    let mut out = Vec::new();
    Encoder::new(compression)
        .object(&mut out, None, value)
        .expect("writing to a Vec cannot fail");
    out.extend_from_slice(&(RDB_VERSION as u16).to_le_bytes());
    let crc = crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// True if `payload` has a footer RESTORE accepts (cluster.c
/// `verifyDumpPayload`): a version no newer than ours and, when
/// `verify_checksum` (not `skip-checksum-validation`), a matching CRC64.
/// RESTORE answers `ERR DUMP payload version or checksum are wrong`
/// otherwise.
pub fn verify_dump_payload(payload: &[u8], verify_checksum: bool) -> bool {
    if payload.len() < FOOTER {
        return false;
    }
    let footer = &payload[payload.len() - FOOTER..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version as u32 > RDB_VERSION {
        return false;
    }
    if !verify_checksum {
        return true;
    }
    let crc = u64::from_le_bytes(footer[2..].try_into().expect("8 bytes"));
    crc64(&payload[..payload.len() - 8]) == crc
}

/// The value of a verified payload, in the encoding Redis would give it
/// under `limits`. An error (RESTORE's `Bad data format`) for anything
/// malformed, for an empty aggregate, and for types we do not load.
pub fn restore(payload: &[u8], limits: &Limits) -> Result<Value> {
    if payload.len() < FOOTER {
        return Err(Error::corrupt("DUMP payload too short"));
    }
    let mut body = &payload[..payload.len() - FOOTER];
    let rdb_type = read_u8(&mut body)?;
    read_object(&mut body, rdb_type, limits)?.ok_or_else(|| Error::corrupt("Empty key"))
}
