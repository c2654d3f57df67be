//! Redis's intset byte format (intset.c), the RDB blob of a small set of
//! integers (`RDB_TYPE_SET_INTSET`).
//!
//! ```text
//! <encoding u32 LE: 2, 4 or 8> <length u32 LE> <values, sorted, LE, `encoding` bytes each>
//! ```
//!
//! Redis widens the encoding when a larger value arrives and never
//! narrows it; a set built by adding its members uses the narrowest
//! encoding that holds them all, which is what we write.

use crate::error::{Error, Result};

/// Header bytes: encoding and length.
const HEADER: usize = 8;

/// The blob of these sorted, distinct values.
pub(crate) fn encode(values: &[i64]) -> Vec<u8> {
    // intset.c `_intsetValueEncoding`: the narrowest width for the
    // extremes holds every value in between.
    let width = |v: i64| {
        if i16::try_from(v).is_ok() {
            2
        } else if i32::try_from(v).is_ok() {
            4
        } else {
            8
        }
    };
    let enc = match (values.first(), values.last()) {
        (Some(&lo), Some(&hi)) => width(lo).max(width(hi)),
        _ => 2,
    };
    let mut out = Vec::with_capacity(HEADER + enc * values.len());
    out.extend_from_slice(&(enc as u32).to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for &v in values {
        out.extend_from_slice(&v.to_le_bytes()[..enc]);
    }
    out
}

/// The values of an intset blob, validated as intset.c
/// `intsetValidateIntegrity` does in deep mode: a known encoding, a size
/// that matches the length, at least one value, strictly ascending.
pub(crate) fn decode(blob: &[u8]) -> Result<Vec<i64>> {
    let bad = || Error::corrupt("Intset integrity check failed.");
    if blob.len() < HEADER {
        return Err(bad());
    }
    let enc = u32::from_le_bytes(blob[0..4].try_into().expect("4 bytes")) as usize;
    let len = u32::from_le_bytes(blob[4..8].try_into().expect("4 bytes")) as usize;
    if !matches!(enc, 2 | 4 | 8) || HEADER + len * enc != blob.len() || len == 0 {
        return Err(bad());
    }
    let mut values = Vec::with_capacity(len);
    for chunk in blob[HEADER..].chunks_exact(enc) {
        let v = match enc {
            2 => i16::from_le_bytes(chunk.try_into().expect("2 bytes")) as i64,
            4 => i32::from_le_bytes(chunk.try_into().expect("4 bytes")) as i64,
            _ => i64::from_le_bytes(chunk.try_into().expect("8 bytes")),
        };
        if values.last().is_some_and(|&prev| prev >= v) {
            return Err(bad());
        }
        values.push(v);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    //! Goal: blobs match intset.c byte for byte and bad blobs are refused.
    //! Reference: intset.c `intsetAdd`, `intsetValidateIntegrity`.
    use super::*;

    #[test]
    fn narrowest_encoding() {
        assert_eq!(encode(&[1, 2]), b"\x02\0\0\0\x02\0\0\0\x01\0\x02\0");
        assert_eq!(
            encode(&[-40000, 3]),
            b"\x04\0\0\0\x02\0\0\0\xc0\x63\xff\xff\x03\0\0\0"
        );
        let big = encode(&[i64::MIN, 0, i64::MAX]);
        assert_eq!(&big[..8], b"\x08\0\0\0\x03\0\0\0");
        assert_eq!(decode(&big).unwrap(), vec![i64::MIN, 0, i64::MAX]);
    }

    #[test]
    fn refuses_bad_blobs() {
        let good = encode(&[1, 5, 9]);
        assert!(decode(&good).is_ok());
        assert!(decode(&good[..good.len() - 1]).is_err());
        assert!(decode(&encode(&[])).is_err(), "empty intset");
        let mut unordered = good.clone();
        unordered[8] = 7; // 7, 5, 9
        assert!(decode(&unordered).is_err());
        let mut dup = good.clone();
        dup[10] = 1; // 1, 1, 9
        assert!(decode(&dup).is_err());
        let mut enc = good.clone();
        enc[0] = 3;
        assert!(decode(&enc).is_err());
    }
}
