//! Redis's listpack byte format (listpack.c), as stored in RDB blobs.
//!
//! Our in-memory `keyspace::Listpack` has its own simpler layout, so
//! saving re-encodes every element the way `lpAppend` would and loading
//! parses Redis's layout strictly.
//!
//! ```text
//! <total bytes u32 LE> <count u16 LE, 65535 = unknown> <entry>... <0xFF>
//! entry = <encoding + data> <backlen: size of encoding + data, 1-5 bytes>
//! 0xxxxxxx              7-bit unsigned int
//! 10xxxxxx <data>       string up to 63 bytes
//! 110xxxxx yyyyyyyy     13-bit signed int
//! 1110xxxx yyyyyyyy     string up to 4095 bytes
//! 0xF0 <u32 LE> <data>  longer string
//! 0xF1..0xF4            16, 24, 32, 64-bit signed int, little endian
//! ```

use crate::error::{Error, Result};

/// Header bytes: total length and element count (listpack.c `LP_HDR_SIZE`).
const HDR_SIZE: usize = 6;
/// Count value meaning "walk to count" (`LP_HDR_NUMELE_UNKNOWN`).
const NUMELE_UNKNOWN: usize = u16::MAX as usize;
/// End marker (`LP_EOF`).
const EOF: u8 = 0xFF;

/// The integer a string stands for if it is a canonical `int64`
/// (listpack.c `lpStringToInt64`, util.c `string2ll`): no sign on zero,
/// no leading zeros, no spaces, at most 20 characters.
pub(crate) fn canonical_int(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits {
        [b'0'] if !neg => return Some(0),
        [b'1'..=b'9', ..] => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Encoding and data bytes of `ele` (listpack.c `lpEncodeGetType`,
/// `lpEncodeString`), appended to `out`.
fn encode_element(out: &mut Vec<u8>, ele: &[u8]) {
    if let Some(v) = canonical_int(ele) {
        match v {
            0..=127 => out.push(v as u8),
            -4096..=4095 => {
                let u = (v as u64) & 0x1FFF;
                out.extend_from_slice(&[0xC0 | (u >> 8) as u8, u as u8]);
            }
            -32768..=32767 => {
                out.push(0xF1);
                out.extend_from_slice(&(v as i16).to_le_bytes());
            }
            -8388608..=8388607 => {
                out.push(0xF2);
                out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            -2147483648..=2147483647 => {
                out.push(0xF3);
                out.extend_from_slice(&(v as i32).to_le_bytes());
            }
            _ => {
                out.push(0xF4);
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        return;
    }
    let len = ele.len();
    if len < 64 {
        out.push(0x80 | len as u8);
    } else if len < 4096 {
        out.extend_from_slice(&[0xE0 | (len >> 8) as u8, len as u8]);
    } else {
        out.push(0xF0);
        out.extend_from_slice(&(len as u32).to_le_bytes());
    }
    out.extend_from_slice(ele);
}

/// Bytes of encoding + data for `ele` (the `enclen` of lpEncodeGetType).
fn encoded_len(ele: &[u8]) -> usize {
    match canonical_int(ele) {
        Some(0..=127) => 1,
        Some(-4096..=4095) => 2,
        Some(-32768..=32767) => 3,
        Some(-8388608..=8388607) => 4,
        Some(-2147483648..=2147483647) => 5,
        Some(_) => 9,
        None if ele.len() < 64 => 1 + ele.len(),
        None if ele.len() < 4096 => 2 + ele.len(),
        None => 5 + ele.len(),
    }
}

/// The backlen field for an entry of `l` bytes (listpack.c
/// `lpEncodeBacklen`): 7 bits per byte, most significant byte first, every
/// byte but the first with the high bit set.
fn backlen(l: usize) -> ([u8; 5], usize) {
    let l = l as u64;
    let n = if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2097151 {
        3
    } else if l < 268435455 {
        4
    } else {
        5
    };
    let mut buf = [0u8; 5];
    // The first byte holds the high bits; the others 7 bits each, with
    // the continuation bit set.
    buf[0] = (l >> (7 * (n - 1))) as u8;
    for (i, b) in buf.iter_mut().enumerate().take(n).skip(1) {
        *b = ((l >> (7 * (n - 1 - i))) & 127) as u8 | 128;
    }
    (buf, n)
}

/// Bytes one element takes in a listpack, backlen included.
pub(crate) fn entry_size(ele: &[u8]) -> usize {
    let l = encoded_len(ele);
    l + backlen(l).1
}

/// Total bytes of a listpack holding entries of these sizes.
pub(crate) fn blob_size(entries_bytes: usize) -> usize {
    HDR_SIZE + entries_bytes + 1
}

/// Builds a listpack blob as successive `lpAppend` calls would.
pub(crate) struct Builder {
    buf: Vec<u8>,
    count: usize,
}

impl Builder {
    /// An empty listpack; `capacity` is a size hint in bytes.
    pub(crate) fn new(capacity: usize) -> Builder {
        let mut buf = Vec::with_capacity(capacity.max(HDR_SIZE + 1));
        buf.extend_from_slice(&[0; HDR_SIZE]);
        Builder { buf, count: 0 }
    }

    /// Appends one element (integer-encoded when it is a canonical int).
    pub(crate) fn push(&mut self, ele: &[u8]) {
        let start = self.buf.len();
        encode_element(&mut self.buf, ele);
        let (bl, n) = backlen(self.buf.len() - start);
        self.buf.extend_from_slice(&bl[..n]);
        self.count += 1;
    }

    /// The finished blob. The caller keeps it under 4 GiB (the total
    /// length field is 32 bits).
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buf.push(EOF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(NUMELE_UNKNOWN) as u16;
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// A listpack entry as read: a string, or an integer to be rendered.
enum Entry<'a> {
    Str(&'a [u8]),
    Int(i64),
}

/// Reads the entry at `p`: (entry, bytes of encoding + data).
fn read_entry(lp: &[u8], p: usize) -> Result<(Entry<'_>, usize)> {
    let bad = || Error::corrupt("Listpack integrity check failed.");
    let at = |i: usize| lp.get(p + i).copied().ok_or_else(bad);
    let bytes = |from: usize, n: usize| lp.get(p + from..p + from + n).ok_or_else(bad);
    let b = at(0)?;
    let int = |n: usize| -> Result<i64> {
        let raw = bytes(1, n)?;
        let mut v: u64 = 0;
        for (i, x) in raw.iter().enumerate() {
            v |= (*x as u64) << (8 * i);
        }
        // Sign-extend from n bytes.
        let shift = 64 - 8 * n as u32;
        Ok(((v << shift) as i64) >> shift)
    };
    Ok(match b {
        0x00..=0x7F => (Entry::Int(b as i64), 1),
        0x80..=0xBF => {
            let len = (b & 0x3F) as usize;
            (Entry::Str(bytes(1, len)?), 1 + len)
        }
        0xC0..=0xDF => {
            let u = (((b & 0x1F) as i64) << 8) | at(1)? as i64;
            let v = if u >= 1 << 12 { u - (1 << 13) } else { u };
            (Entry::Int(v), 2)
        }
        0xE0..=0xEF => {
            let len = (((b & 0x0F) as usize) << 8) | at(1)? as usize;
            (Entry::Str(bytes(2, len)?), 2 + len)
        }
        0xF0 => {
            let len = u32::from_le_bytes(bytes(1, 4)?.try_into().expect("4 bytes")) as usize;
            (Entry::Str(bytes(5, len)?), 5 + len)
        }
        0xF1 => (Entry::Int(int(2)?), 3),
        0xF2 => (Entry::Int(int(3)?), 4),
        0xF3 => (Entry::Int(int(4)?), 5),
        0xF4 => (Entry::Int(int(8)?), 9),
        _ => return Err(bad()),
    })
}

/// Walks a listpack blob, calling `f` with every element (integers as
/// their decimal text), and returns the number of elements. The blob is
/// validated as listpack.c `lpValidateIntegrity` does in deep mode: the
/// header length, every entry and its backlen, the count, the end byte.
pub(crate) fn for_each(lp: &[u8], mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<usize> {
    let bad = || Error::corrupt("Listpack integrity check failed.");
    if lp.len() < HDR_SIZE + 1 {
        return Err(bad());
    }
    let total = u32::from_le_bytes(lp[0..4].try_into().expect("4 bytes")) as usize;
    let declared = u16::from_le_bytes(lp[4..6].try_into().expect("2 bytes")) as usize;
    if total != lp.len() || lp[lp.len() - 1] != EOF {
        return Err(bad());
    }
    let end = lp.len() - 1;
    let mut p = HDR_SIZE;
    let mut count = 0usize;
    let mut digits = itoa::Buffer::new();
    while p < end {
        let (entry, len) = read_entry(lp, p)?;
        let (bl, n) = backlen(len);
        if lp.get(p + len..p + len + n) != Some(&bl[..n]) || p + len + n > end {
            return Err(bad());
        }
        match entry {
            Entry::Str(s) => f(s)?,
            Entry::Int(v) => f(digits.format(v).as_bytes())?,
        }
        p += len + n;
        count += 1;
    }
    if declared != NUMELE_UNKNOWN && declared != count {
        return Err(bad());
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    //! Goal: blobs are byte-for-byte what listpack.c builds, and parsing
    //! accepts exactly what lpValidateIntegrity accepts. Reference:
    //! listpack.c `lpEncodeGetType`, `lpEncodeBacklen`, `lpStringToInt64`.
    use super::*;

    fn build(items: &[&[u8]]) -> Vec<u8> {
        let mut b = Builder::new(0);
        items.iter().for_each(|e| b.push(e));
        b.finish()
    }

    fn parse(lp: &[u8]) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for_each(lp, |e| {
            out.push(e.to_vec());
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn canonical_ints_only() {
        assert_eq!(canonical_int(b"0"), Some(0));
        assert_eq!(canonical_int(b"-1"), Some(-1));
        assert_eq!(canonical_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(canonical_int(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"1.0",
        ] {
            assert_eq!(canonical_int(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_encoding_has_redis_bytes() {
        // Empty listpack: 7 bytes, as lpNew.
        assert_eq!(build(&[]), b"\x07\0\0\0\0\0\xff");
        // "a": 6-bit string + backlen 2.
        assert_eq!(build(&[b"a"]), b"\x0a\0\0\0\x01\0\x81a\x02\xff");
        // 7-bit uint, 13-bit int (-1 = 0x1FFF), 16/24/32/64-bit ints.
        let lp = build(&[
            b"5",
            b"-1",
            b"5000",
            b"100000",
            b"-2147483648",
            b"4294967296",
        ]);
        let body = &lp[6..lp.len() - 1];
        assert_eq!(
            body,
            &[
                0x05, 1, // 5
                0xDF, 0xFF, 2, // -1
                0xF1, 0x88, 0x13, 3, // 5000
                0xF2, 0xA0, 0x86, 0x01, 4, // 100000
                0xF3, 0, 0, 0, 0x80, 5, // i32::MIN
                0xF4, 0, 0, 0, 0, 1, 0, 0, 0, 9, // 2^32
            ][..]
        );
        // A 100-byte string: 12-bit length, 2-byte backlen (102 = 0x66 fits
        // one byte, so still 1).
        let s100 = vec![b'x'; 100];
        let lp = build(&[&s100]);
        assert_eq!(&lp[6..8], &[0xE0, 100]);
        assert_eq!(lp[6 + 102], 102);
        // A 200-byte string: entry of 202 bytes needs a 2-byte backlen:
        // 202 = 1*128 + 74 -> [1, 74|128].
        let s200 = vec![b'y'; 200];
        let lp = build(&[&s200]);
        assert_eq!(&lp[6 + 202..6 + 204], &[1, 74 | 128]);
        // A 5000-byte string: 32-bit length.
        let s5000 = vec![b'z'; 5000];
        let lp = build(&[&s5000]);
        assert_eq!(&lp[6..11], &[0xF0, 0x88, 0x13, 0, 0]);
        assert_eq!(entry_size(&s5000), 5005 + 2);
    }

    #[test]
    fn backlen_boundaries() {
        assert_eq!(backlen(127).1, 1);
        assert_eq!(backlen(128), ([1, 128, 0, 0, 0], 2));
        assert_eq!(backlen(16382).1, 2);
        assert_eq!(backlen(16383).1, 3);
        assert_eq!(backlen(2097151).1, 4);
        assert_eq!(backlen(268435455).1, 5);
    }

    #[test]
    fn round_trip() {
        let long = vec![b'q'; 70000];
        let items: Vec<&[u8]> = vec![
            b"",
            b"0",
            b"-4096",
            b"4095",
            b"-8388608",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"007",
            &long,
        ];
        let lp = build(&items);
        let back = parse(&lp).unwrap();
        assert_eq!(back, items.iter().map(|e| e.to_vec()).collect::<Vec<_>>());
    }

    #[test]
    fn rejects_damage() {
        let lp = build(&[b"hello", b"12", b"world"]);
        assert!(parse(&lp).is_ok());
        // Wrong total length, wrong count, missing end, bad backlen.
        let mut a = lp.clone();
        a[0] += 1;
        assert!(parse(&a).is_err());
        let mut b = lp.clone();
        b[4] = 2;
        assert!(parse(&b).is_err());
        let mut c = lp.clone();
        *c.last_mut().unwrap() = 0;
        assert!(parse(&c).is_err());
        let mut d = lp.clone();
        d[6 + 6] = 9; // backlen of "hello"
        assert!(parse(&d).is_err());
        // The unknown count (65535) is accepted.
        let mut e = lp.clone();
        e[4] = 0xFF;
        e[5] = 0xFF;
        assert_eq!(parse(&e).unwrap().len(), 3);
        // Every truncation and every single-byte change: error or a
        // successful parse, never a panic.
        for cut in 0..lp.len() {
            assert!(parse(&lp[..cut]).is_err());
        }
        for i in 0..lp.len() {
            for x in [0u8, 0x7F, 0x80, 0xC0, 0xE0, 0xF0, 0xF4, 0xF5, 0xFF] {
                let mut m = lp.clone();
                m[i] = x;
                let _ = parse(&m);
            }
        }
    }
}
