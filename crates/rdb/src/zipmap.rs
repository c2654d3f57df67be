//! Redis's zipmap byte format (zipmap.c), read only: the small-hash
//! encoding of Redis 2.x (`RDB_TYPE_HASH_ZIPMAP`), which 7.0 still loads
//! and converts to a listpack.
//!
//! ```text
//! <count: 1 byte, 254 = unknown> (<len> <field> <len> <free: 1 byte> <value> <free bytes>)... <0xFF>
//! len = 1 byte below 254, or 0xFE + u32 (little endian on every machine Redis
//! has written these files on)
//! ```

use crate::error::{Error, Result};

/// Length marker of a 5-byte length, also the "unknown count" value
/// (zipmap.c `ZIPMAP_BIGLEN`).
const BIGLEN: u8 = 254;
/// End marker (`ZIPMAP_END`).
const END: u8 = 255;

/// Walks a zipmap blob, calling `f` with every field and value, and
/// returns the number of pairs. The blob is checked as zipmap.c
/// `zipmapValidateIntegrity` does: bounds of every length and string, at
/// least one pair, the count, the end byte as the last byte.
pub(crate) fn for_each(zm: &[u8], mut f: impl FnMut(&[u8], &[u8]) -> Result<()>) -> Result<usize> {
    let bad = || Error::corrupt("Zipmap integrity check failed.");
    if zm.len() < 2 {
        return Err(bad());
    }
    // Reads a length at `p`: (length, bytes used).
    let length = |p: usize| -> Result<(usize, usize)> {
        match zm.get(p).copied().ok_or_else(bad)? {
            BIGLEN => {
                let raw = zm.get(p + 1..p + 5).ok_or_else(bad)?;
                Ok((
                    u32::from_le_bytes(raw.try_into().expect("4 bytes")) as usize,
                    5,
                ))
            }
            b => Ok((b as usize, 1)),
        }
    };
    let slice = |p: usize, n: usize| zm.get(p..p + n).ok_or_else(bad);
    let mut p = 1;
    let mut count = 0usize;
    while zm.get(p).copied().ok_or_else(bad)? != END {
        let (flen, w) = length(p)?;
        p += w;
        let field = slice(p, flen)?;
        p += flen;
        let (vlen, w) = length(p)?;
        p += w;
        let free = zm.get(p).copied().ok_or_else(bad)? as usize;
        p += 1;
        let value = slice(p, vlen)?;
        p += vlen + free;
        if p >= zm.len() {
            return Err(bad());
        }
        f(field, value)?;
        count += 1;
    }
    if count == 0 || p != zm.len() - 1 || (zm[0] != BIGLEN && zm[0] as usize != count) {
        return Err(bad());
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    //! Goal: zipmaps read back to their pairs and damaged ones are refused.
    //! Reference: zipmap.c header comment and `zipmapValidateIntegrity`.
    use super::*;

    fn parse(zm: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        for_each(zm, |k, v| {
            out.push((k.to_vec(), v.to_vec()));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn documented_example() {
        // zipmap.c: "foo" => "bar", "hello" => "world"
        let zm = b"\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff";
        assert_eq!(
            parse(zm).unwrap(),
            vec![
                (b"foo".to_vec(), b"bar".to_vec()),
                (b"hello".to_vec(), b"world".to_vec())
            ]
        );
        // Free bytes after a value are skipped; unknown count accepted.
        let zm = b"\xfe\x01k\x01\x02vxx\xff";
        assert_eq!(parse(zm).unwrap(), vec![(b"k".to_vec(), b"v".to_vec())]);
        // A 5-byte length.
        let mut zm = vec![1u8, BIGLEN];
        zm.extend_from_slice(&300u32.to_le_bytes());
        zm.extend_from_slice(&[b'f'; 300]);
        zm.extend_from_slice(b"\x01\x00v\xff");
        assert_eq!(parse(&zm).unwrap()[0].0.len(), 300);
    }

    #[test]
    fn refuses_damage() {
        let zm = b"\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff";
        for cut in 0..zm.len() {
            assert!(parse(&zm[..cut]).is_err());
        }
        assert!(parse(b"\x00\xff").is_err(), "empty zipmap");
        let mut count = zm.to_vec();
        count[0] = 3;
        assert!(parse(&count).is_err());
        let mut trailing = zm.to_vec();
        trailing.push(0);
        assert!(parse(&trailing).is_err());
    }
}
