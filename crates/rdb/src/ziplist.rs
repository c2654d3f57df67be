//! Redis's ziplist byte format (ziplist.c), read only: RDB files written
//! before Redis 7.0 store small lists, hashes and sorted sets as
//! ziplists (`RDB_TYPE_LIST_ZIPLIST`, `HASH_ZIPLIST`, `ZSET_ZIPLIST`, and
//! the nodes of `LIST_QUICKLIST`). Redis 7.0 converts them to listpacks
//! on load; so do we.
//!
//! ```text
//! <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE, 65535 = unknown> <entry>... <0xFF>
//! entry = <prevlen: 1 byte < 254, or 0xFE + u32 LE> <encoding> <data>
//! 00pppppp                  string up to 63 bytes
//! 01pppppp qqqqqqqq         string up to 16383 bytes (big endian)
//! 10______ <u32 BE>         longer string
//! 0xC0 / 0xD0 / 0xE0        int16 / int32 / int64, little endian
//! 0xF0 / 0xFE               int24 / int8
//! 0xF1..0xFD                immediate 0..12
//! ```

use crate::error::{Error, Result};

/// Header bytes (ziplist.c `ZIPLIST_HEADER_SIZE`).
const HEADER: usize = 10;
/// End marker (`ZIP_END`).
const END: u8 = 0xFF;
/// Prevlen marker of a 5-byte prevlen (`ZIP_BIG_PREVLEN`).
const BIG_PREVLEN: u8 = 0xFE;

/// Walks a ziplist blob, calling `f` with every element (integers as their
/// decimal text), and returns the number of elements. The blob is checked
/// as ziplist.c `ziplistValidateIntegrity` does in deep mode: sizes, every
/// entry's bounds and prevlen, the tail offset, the count, the end byte.
pub(crate) fn for_each(zl: &[u8], mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<usize> {
    let bad = || Error::corrupt("Ziplist integrity check failed.");
    if zl.len() < HEADER + 1 {
        return Err(bad());
    }
    let u32_at = |p: usize| u32::from_le_bytes(zl[p..p + 4].try_into().expect("4 bytes")) as usize;
    let total = u32_at(0);
    let tail = u32_at(4);
    let declared = u16::from_le_bytes(zl[8..10].try_into().expect("2 bytes")) as usize;
    if total != zl.len() || zl[zl.len() - 1] != END || tail > zl.len() - 1 {
        return Err(bad());
    }
    let end = zl.len() - 1;
    let mut p = HEADER;
    let mut prev_len = 0usize;
    let mut last_start = HEADER;
    let mut count = 0usize;
    let mut digits = itoa::Buffer::new();
    while p < end {
        let get = |i: usize| zl.get(i).copied().ok_or_else(bad);
        let bytes = |from: usize, n: usize| zl.get(from..from + n).ok_or_else(bad);
        let start = p;
        // Previous entry length.
        let (prevlen, prevlen_size) = match get(p)? {
            BIG_PREVLEN => (
                u32::from_le_bytes(bytes(p + 1, 4)?.try_into().expect("4 bytes")) as usize,
                5,
            ),
            END => return Err(bad()),
            b => (b as usize, 1),
        };
        if prevlen != prev_len {
            return Err(bad());
        }
        p += prevlen_size;
        // Encoding, then data.
        let enc = get(p)?;
        let int = |n: usize| -> Result<i64> {
            let raw = bytes(p + 1, n)?;
            let mut v: u64 = 0;
            for (i, x) in raw.iter().enumerate() {
                v |= (*x as u64) << (8 * i);
            }
            let shift = 64 - 8 * n as u32;
            Ok(((v << shift) as i64) >> shift)
        };
        enum Ele<'a> {
            Str(&'a [u8]),
            Int(i64),
        }
        let (ele, header, data) = match enc {
            0x00..=0x3F => {
                let len = (enc & 0x3F) as usize;
                (Ele::Str(bytes(p + 1, len)?), 1, len)
            }
            0x40..=0x7F => {
                let len = (((enc & 0x3F) as usize) << 8) | get(p + 1)? as usize;
                (Ele::Str(bytes(p + 2, len)?), 2, len)
            }
            0x80..=0xBF => {
                let len = u32::from_be_bytes(bytes(p + 1, 4)?.try_into().expect("4 bytes"));
                let len = len as usize;
                (Ele::Str(bytes(p + 5, len)?), 5, len)
            }
            0xC0 => (Ele::Int(int(2)?), 1, 2),
            0xD0 => (Ele::Int(int(4)?), 1, 4),
            0xE0 => (Ele::Int(int(8)?), 1, 8),
            0xF0 => (Ele::Int(int(3)?), 1, 3),
            0xFE => (Ele::Int(int(1)?), 1, 1),
            0xF1..=0xFD => (Ele::Int((enc & 0x0F) as i64 - 1), 1, 0),
            _ => return Err(bad()),
        };
        p += header + data;
        if p > end {
            return Err(bad());
        }
        match ele {
            Ele::Str(s) => f(s)?,
            Ele::Int(v) => f(digits.format(v).as_bytes())?,
        }
        prev_len = p - start;
        last_start = start;
        count += 1;
    }
    if last_start != tail || (declared != u16::MAX as usize && declared != count) {
        return Err(bad());
    }
    Ok(count)
}

#[cfg(test)]
pub(crate) mod tests {
    //! Goal: ziplists written by older Redis versions read back to their
    //! elements, and damaged ones are refused. Reference: ziplist.c header
    //! comment (the example "2", "5", "Hello World" ziplist), `zipEntrySafe`.
    use super::*;

    /// A ziplist of `items` as ziplist.c would build it (test helper).
    pub(crate) fn build(items: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        let mut last = HEADER;
        for item in items {
            let start = HEADER + body.len();
            last = start;
            if prev < 254 {
                body.push(prev as u8);
            } else {
                body.push(BIG_PREVLEN);
                body.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            match crate::listpack::canonical_int(item) {
                Some(v @ 0..=12) => body.push(0xF1 + v as u8),
                Some(v) if i8::try_from(v).is_ok() => body.extend_from_slice(&[0xFE, v as u8]),
                Some(v) if i16::try_from(v).is_ok() => {
                    body.push(0xC0);
                    body.extend_from_slice(&(v as i16).to_le_bytes());
                }
                Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
                    body.push(0xF0);
                    body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                Some(v) if i32::try_from(v).is_ok() => {
                    body.push(0xD0);
                    body.extend_from_slice(&(v as i32).to_le_bytes());
                }
                Some(v) => {
                    body.push(0xE0);
                    body.extend_from_slice(&v.to_le_bytes());
                }
                None if item.len() <= 0x3F => body.push(item.len() as u8),
                None if item.len() <= 0x3FFF => {
                    body.extend_from_slice(&[0x40 | (item.len() >> 8) as u8, item.len() as u8])
                }
                None => {
                    body.push(0x80);
                    body.extend_from_slice(&(item.len() as u32).to_be_bytes());
                }
            }
            if crate::listpack::canonical_int(item).is_none() {
                body.extend_from_slice(item);
            }
            prev = HEADER + body.len() - start;
        }
        let total = HEADER + body.len() + 1;
        let mut zl = Vec::with_capacity(total);
        zl.extend_from_slice(&(total as u32).to_le_bytes());
        zl.extend_from_slice(&(last as u32).to_le_bytes());
        zl.extend_from_slice(&(items.len().min(65535) as u16).to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(END);
        zl
    }

    fn parse(zl: &[u8]) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for_each(zl, |e| {
            out.push(e.to_vec());
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn redis_documented_example() {
        // ziplist.c: "2", "5" = [0f 00 00 00] [0c 00 00 00] [02 00] [00 f3] [02 f6] [ff]
        let zl = b"\x0f\0\0\0\x0c\0\0\0\x02\0\x00\xf3\x02\xf6\xff";
        assert_eq!(parse(zl).unwrap(), vec![b"2".to_vec(), b"5".to_vec()]);
        assert_eq!(build(&[b"2", b"5"]), zl);
    }

    #[test]
    fn every_encoding_round_trips() {
        let s300 = vec![b'a'; 300];
        let s20000 = vec![b'b'; 20000];
        let items: Vec<&[u8]> = vec![
            b"0",
            b"12",
            b"13",
            b"-128",
            b"1000",
            b"-8388608",
            b"8388608",
            b"-2147483648",
            b"9223372036854775807",
            b"",
            b"Hello World",
            &s300,
            &s20000,
            b"after a big prevlen",
        ];
        let zl = build(&items);
        assert_eq!(
            parse(&zl).unwrap(),
            items.iter().map(|e| e.to_vec()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn refuses_damage() {
        let zl = build(&[b"a", b"bb", b"300"]);
        assert!(parse(&zl).is_ok());
        for cut in 0..zl.len() {
            assert!(parse(&zl[..cut]).is_err());
        }
        let mut tail = zl.clone();
        tail[4] += 1;
        assert!(parse(&tail).is_err());
        let mut count = zl.clone();
        count[8] = 5;
        assert!(parse(&count).is_err());
        let mut prev = zl.clone();
        prev[HEADER + 3] = 9; // prevlen of the second entry
        assert!(parse(&prev).is_err());
        for i in 0..zl.len() {
            for x in [0u8, 0x3F, 0x40, 0x80, 0xC0, 0xC1, 0xF0, 0xFE, 0xFF] {
                let mut m = zl.clone();
                m[i] = x;
                let _ = parse(&m);
            }
        }
    }
}
