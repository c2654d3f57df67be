//! CRC64 as Redis computes it over RDB files and DUMP payloads
//! (crc64.c: the Jones polynomial 0xad93d23594c935a9, reflected, initial
//! value 0, no final xor). The `crc` crate's `CRC_64_REDIS` is that exact
//! algorithm; the 16-way sliced table keeps it fast on large files.

use crc::{Crc, Digest, Table, CRC_64_REDIS};

/// The shared CRC64 definition.
static CRC64: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_REDIS);

/// The CRC64 of `bytes` (crc64.c `crc64(0, bytes, len)`).
pub fn crc64(bytes: &[u8]) -> u64 {
    CRC64.checksum(bytes)
}

/// A running CRC64 over a byte stream.
#[derive(Clone)]
pub(crate) struct Crc64(Digest<'static, u64, Table<16>>);

impl Crc64 {
    /// A CRC over no bytes yet.
    pub(crate) fn new() -> Crc64 {
        Crc64(CRC64.digest())
    }

    /// Adds `bytes` to the stream.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The CRC of everything added so far.
    pub(crate) fn value(&self) -> u64 {
        self.0.clone().finalize()
    }
}

#[cfg(test)]
mod tests {
    //! Goal: the checksum is Redis's. Reference: crc64.c test vector
    //! `crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca`.
    use super::*;

    #[test]
    fn redis_test_vector() {
        assert_eq!(crc64(b"123456789"), 0xe9c6d914c4b8d9ca);
        let mut c = Crc64::new();
        c.update(b"1234");
        c.update(b"56789");
        assert_eq!(c.value(), 0xe9c6d914c4b8d9ca);
        // The footer of redis-server 7.0.15's DUMP of a 21-byte string:
        // the CRC64 of the payload before it, little endian.
        let payload = b"\x00\xc3\x06\x15\x01aa\xe0\x0a\x00\x0a\x00";
        let footer = *b"\xfd\x0c\xb3h\x07A?h";
        assert_eq!(crc64(payload), u64::from_le_bytes(footer));
        assert_eq!(crc64(b""), 0);
    }
}
