//! LZF compression as Redis uses it for RDB strings (lzf_c.c, lzf_d.c).
//!
//! The `lzf` crate is deprecated, so this is a port of liblzf 3.6 with
//! Redis's build settings (lzfP.h): `HLOG 16`, `VERY_FAST 1`,
//! `ULTRA_FAST 0`, `CHECK_INPUT 1`. Same settings, same algorithm, so the
//! same input compresses to the same bytes as in a Redis dump.
//!
//! Redis leaves the hash table uninitialised (`INIT_HTAB 0`), which makes
//! its output depend on stack garbage in rare cases; ours behaves as if
//! the table were zeroed, which is the common case and deterministic.
//! Instead of clearing 64K slots for every string, each slot carries the
//! number of the call that wrote it and stale slots count as empty.
//!
//! Compressed format (lzf_c.c):
//!
//! ```text
//! 000LLLLL <L+1 bytes>        literal run of L+1 bytes
//! LLLooooo oooooooo           back reference of L+2 bytes, offset o+1
//! 111ooooo LLLLLLLL oooooooo  back reference of L+9 bytes
//! ```

/// log2 of the hash table size (lzfP.h `HLOG`).
const HLOG: u32 = 16;
/// Hash table slots.
const HSIZE: usize = 1 << HLOG;
/// Longest literal run (lzf_c.c `MAX_LIT`).
const MAX_LIT: usize = 1 << 5;
/// Farthest back reference (lzf_c.c `MAX_OFF`).
const MAX_OFF: usize = 1 << 13;
/// Longest back reference (lzf_c.c `MAX_REF`).
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// The compressor's hash table, reusable across calls.
pub struct Compressor {
    /// Per slot: (call number, input position) of the last 3-byte
    /// sequence that hashed there.
    table: Box<[(u32, u32)]>,
    /// Number of the current call; slots of older calls are empty.
    call: u32,
}

impl Default for Compressor {
    fn default() -> Self {
        Compressor {
            table: vec![(0, 0); HSIZE].into_boxed_slice(),
            call: 0,
        }
    }
}

/// `FRST(p)`: the first two bytes at `p` (zero past the end, where the C
/// code reads a byte it never uses).
fn first(input: &[u8], p: usize) -> u32 {
    let b0 = input.get(p).copied().unwrap_or(0) as u32;
    let b1 = input.get(p + 1).copied().unwrap_or(0) as u32;
    (b0 << 8) | b1
}

/// `NEXT(v, p)`: shifts in the third byte.
fn next(v: u32, input: &[u8], p: usize) -> u32 {
    (v << 8) | input[p + 2] as u32
}

/// `IDX(h)` of the `VERY_FAST` configuration, with C's unsigned wrapping.
fn idx(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

impl Compressor {
    /// A compressor with an empty table.
    pub fn new() -> Compressor {
        Compressor::default()
    }

    /// Starts a call: every slot becomes empty.
    fn start(&mut self) {
        self.call = self.call.wrapping_add(1);
        if self.call == 0 {
            self.table.iter_mut().for_each(|s| *s = (0, 0));
            self.call = 1;
        }
    }

    /// The position stored in slot `i` by this call, and stores `ip` there.
    fn swap(&mut self, i: usize, ip: usize) -> Option<usize> {
        let old = self.table[i];
        self.table[i] = (self.call, ip as u32);
        (old.0 == self.call).then_some(old.1 as usize)
    }

    /// Stores `ip` in slot `i`.
    fn set(&mut self, i: usize, ip: usize) {
        self.table[i] = (self.call, ip as u32);
    }

    /// `lzf_compress(input, out_len)`: the compressed bytes if they fit in
    /// `out_len` bytes, `None` otherwise (or for empty input, or input
    /// longer than C's `unsigned int`).
    pub fn compress(&mut self, input: &[u8], out_len: usize) -> Option<Vec<u8>> {
        let in_end = input.len();
        if in_end == 0 || out_len == 0 || in_end > u32::MAX as usize {
            return None;
        }
        self.start();
        let out_end = out_len;
        let mut out = vec![0u8; out_end];
        let mut ip = 0usize;
        let mut op = 1usize; // start run
        let mut lit = 0usize;
        let mut hval = first(input, ip);

        while ip + 2 < in_end {
            hval = next(hval, input, ip);
            let reference = self.swap(idx(hval), ip);
            let matched = reference.filter(|&r| {
                r < ip
                    && ip - r - 1 < MAX_OFF
                    && ip + 4 < in_end
                    && r > 0
                    && input[r..r + 3] == input[ip..ip + 3]
            });
            if let Some(r) = matched {
                let off = ip - r - 1;
                let mut len = 2usize;
                let maxlen = (in_end - ip - len).min(MAX_REF);

                out[op - lit - 1] = (lit as u8).wrapping_sub(1); // stop run
                op -= (lit == 0) as usize; // undo run if length is zero
                if op + 3 + 1 >= out_end {
                    return None;
                }

                // The C code unrolls sixteen steps when far from the end;
                // they may carry `len` one past `maxlen`, so they are kept.
                let mut mismatch = false;
                if maxlen > 16 {
                    for _ in 0..16 {
                        len += 1;
                        if input[r + len] != input[ip + len] {
                            mismatch = true;
                            break;
                        }
                    }
                }
                if !mismatch {
                    loop {
                        len += 1;
                        if !(len < maxlen && input[r + len] == input[ip + len]) {
                            break;
                        }
                    }
                }

                len -= 2; // len is now #octets - 1
                ip += 1;
                if len < 7 {
                    out[op] = ((off >> 8) + (len << 5)) as u8;
                    op += 1;
                } else {
                    out[op] = ((off >> 8) + (7 << 5)) as u8;
                    out[op + 1] = (len - 7) as u8;
                    op += 2;
                }
                out[op] = off as u8;
                op += 1;
                lit = 0;
                op += 1; // start run

                ip += len + 1;
                if ip + 2 >= in_end {
                    break;
                }

                // VERY_FAST: hash the last two positions of the match.
                ip -= 2;
                hval = first(input, ip);
                hval = next(hval, input, ip);
                self.set(idx(hval), ip);
                ip += 1;
                hval = next(hval, input, ip);
                self.set(idx(hval), ip);
                ip += 1;
            } else {
                // One more literal byte.
                if op >= out_end {
                    return None;
                }
                lit += 1;
                out[op] = input[ip];
                op += 1;
                ip += 1;
                if lit == MAX_LIT {
                    out[op - lit - 1] = (lit - 1) as u8; // stop run
                    lit = 0;
                    op += 1; // start run
                }
            }
        }

        if op + 3 > out_end {
            // At most 3 bytes can be missing here.
            return None;
        }
        while ip < in_end {
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
        out[op - lit - 1] = (lit as u8).wrapping_sub(1); // end run
        op -= (lit == 0) as usize; // undo run if length is zero
        out.truncate(op);
        Some(out)
    }
}

/// Why LZF data could not be decompressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecompressError {
    /// The output would be longer than announced (`E2BIG`).
    TooLong,
    /// The input is cut short or refers before the start (`EINVAL`).
    Invalid,
}

/// `lzf_decompress`: exactly `out_len` bytes from `input`, or an error if
/// the data is malformed or decodes to another length. The output grows
/// as it is produced, so a lying `out_len` costs no allocation.
pub fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, DecompressError> {
    if input.is_empty() {
        return Err(DecompressError::Invalid);
    }
    let mut out: Vec<u8> = Vec::with_capacity(out_len.min(1 << 20));
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < (1 << 5) {
            // Literal run.
            let n = ctrl + 1;
            if out.len() + n > out_len {
                return Err(DecompressError::TooLong);
            }
            let run = input.get(ip..ip + n).ok_or(DecompressError::Invalid)?;
            out.extend_from_slice(run);
            ip += n;
        } else {
            // Back reference.
            let mut len = ctrl >> 5;
            let mut back = ((ctrl & 0x1f) << 8) + 1;
            if ip >= input.len() {
                return Err(DecompressError::Invalid);
            }
            if len == 7 {
                len += input[ip] as usize;
                ip += 1;
                if ip >= input.len() {
                    return Err(DecompressError::Invalid);
                }
            }
            back += input[ip] as usize;
            ip += 1;
            if out.len() + len + 2 > out_len {
                return Err(DecompressError::TooLong);
            }
            if back > out.len() {
                return Err(DecompressError::Invalid);
            }
            // The source may overlap what is being written (a run), so
            // copy byte by byte as the C loop does.
            let start = out.len() - back;
            for i in 0..len + 2 {
                let b = out[start + i];
                out.push(b);
            }
        }
    }
    if out.len() != out_len {
        return Err(DecompressError::Invalid);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Goal: the port compresses exactly as liblzf with Redis's settings
    //! and decompresses anything it produces; malformed input is an error,
    //! never a panic. Reference: lzf_c.c, lzf_d.c, rdb.c
    //! `rdbSaveLzfStringObject`.
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn same_bytes_as_redis() {
        // Both vectors are the LZF payloads of `DUMP` replies of
        // redis-server 7.0.15 (after the 0xC3 marker and the two lengths).
        let mut c = Compressor::new();
        let a21 = [b'a'; 21];
        let out = c.compress(&a21, a21.len() - 4).unwrap();
        assert_eq!(out, b"\x01aa\xe0\x0a\x00");
        assert_eq!(decompress(&out, 21).unwrap(), a21);
        let text = b"hello world hello world hello world hello world".repeat(3);
        let out = c.compress(&text, text.len() - 4).unwrap();
        assert_eq!(
            out,
            b"\x0chello world h\xe0\x19\x0b\xe0\x1a\x22\xe0\x03\x46\xe0\x24\x2e\x01ld"
        );
        assert_eq!(decompress(&out, text.len()).unwrap(), text);
        // Incompressible input needs one header byte per 32 literals.
        assert_eq!(c.compress(b"abc", 10).unwrap(), b"\x02abc");
        assert_eq!(c.compress(b"abc", 3), None);
    }

    #[test]
    fn round_trips_random_and_repetitive_data() {
        let mut rng = SmallRng::seed_from_u64(11);
        let mut c = Compressor::new();
        for round in 0..2000 {
            let len = rng.gen_range(1..3000);
            let alphabet = [2u8, 4, 16, 255][round % 4];
            let data: Vec<u8> = (0..len).map(|_| rng.gen_range(0..alphabet)).collect();
            // A generous budget always succeeds for compressible data and
            // the output decompresses back.
            if let Some(z) = c.compress(&data, len + len / 16 + 64) {
                assert_eq!(decompress(&z, len).unwrap(), data, "round {round}");
                // Any smaller budget either fits or says no; never panics.
                for budget in [z.len(), z.len().saturating_sub(1), z.len() / 2] {
                    if let Some(y) = c.compress(&data, budget) {
                        assert!(y.len() <= budget);
                        assert_eq!(decompress(&y, len).unwrap(), data);
                    }
                }
            }
        }
    }

    #[test]
    fn repeated_text_compresses() {
        let text = b"hello world hello world hello world hello world".repeat(20);
        let mut c = Compressor::new();
        let z = c.compress(&text, text.len() - 4).unwrap();
        assert!(z.len() < text.len() / 4);
        assert_eq!(decompress(&z, text.len()).unwrap(), text);
        // Deterministic: the same input gives the same output every call.
        assert_eq!(c.compress(&text, text.len() - 4).unwrap(), z);
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert_eq!(decompress(b"", 0), Err(DecompressError::Invalid));
        // Literal run longer than the input.
        assert_eq!(decompress(b"\x05ab", 6), Err(DecompressError::Invalid));
        // Back reference before the start.
        assert_eq!(
            decompress(b"\x00a\x20\x05", 4),
            Err(DecompressError::Invalid)
        );
        // Output longer than announced.
        assert_eq!(decompress(b"\x02abc", 2), Err(DecompressError::TooLong));
        // Output shorter than announced.
        assert_eq!(decompress(b"\x02abc", 4), Err(DecompressError::Invalid));
        // Truncated back reference.
        assert_eq!(decompress(b"\x00a\xe0", 12), Err(DecompressError::Invalid));
        let mut rng = SmallRng::seed_from_u64(5);
        for _ in 0..20000 {
            let len = rng.gen_range(0..40);
            let data: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            let _ = decompress(&data, rng.gen_range(0..200));
        }
    }
}
