//! A listpack: many short byte strings packed in one buffer.
//!
//! Redis keeps small lists, hashes and sorted sets in listpacks
//! (listpack.c) because one allocation with a length prefix per entry
//! costs a few bytes per element, where a pointer-per-element structure
//! costs dozens. Ours uses the same idea with a simpler entry layout:
//! a LEB128 length, then the bytes. Walking is forward only; every
//! listpack is kept small (a few KB) by its owner, so positional access
//! by walking is cheap.

/// A packed sequence of byte strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listpack {
    /// Entries back to back: LEB128 length, then the bytes.
    buf: Vec<u8>,
    /// Number of entries.
    count: u32,
}

/// Bytes of the LEB128 encoding of `n`.
fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

fn write_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Decodes a length at `pos`: (length, bytes of the prefix).
fn read_varint(buf: &[u8], pos: usize) -> (usize, usize) {
    let (mut n, mut shift, mut i) = (0usize, 0, pos);
    loop {
        let b = buf[i];
        n |= ((b & 0x7f) as usize) << shift;
        i += 1;
        if b & 0x80 == 0 {
            return (n, i - pos);
        }
        shift += 7;
    }
}

impl Listpack {
    /// An empty listpack.
    pub fn new() -> Listpack {
        Listpack::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True without entries.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes used by the entries (what size limits are checked against).
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Every entry in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// Byte offset of entry `index` (or the end, for `index == len`).
    fn offset(&self, index: usize) -> usize {
        let mut pos = 0;
        for _ in 0..index {
            let (n, w) = read_varint(&self.buf, pos);
            pos += w + n;
        }
        pos
    }

    /// Entry `index`, if it exists.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        if index >= self.len() {
            return None;
        }
        let pos = self.offset(index);
        let (n, w) = read_varint(&self.buf, pos);
        Some(&self.buf[pos + w..pos + w + n])
    }

    /// Inserts `value` so that it becomes entry `index` (`index <= len`).
    pub fn insert(&mut self, index: usize, value: &[u8]) {
        assert!(index <= self.len(), "listpack insert past the end");
        let pos = self.offset(index);
        let mut entry = Vec::with_capacity(varint_len(value.len()) + value.len());
        write_varint(&mut entry, value.len());
        entry.extend_from_slice(value);
        self.buf.splice(pos..pos, entry);
        self.count += 1;
    }

    /// Appends `value` at the end.
    pub fn push_back(&mut self, value: &[u8]) {
        write_varint(&mut self.buf, value.len());
        self.buf.extend_from_slice(value);
        self.count += 1;
    }

    /// Removes entry `index` and returns it.
    pub fn remove(&mut self, index: usize) -> Vec<u8> {
        assert!(index < self.len(), "listpack remove past the end");
        let pos = self.offset(index);
        let (n, w) = read_varint(&self.buf, pos);
        let value = self.buf[pos + w..pos + w + n].to_vec();
        self.buf.drain(pos..pos + w + n);
        self.count -= 1;
        value
    }

    /// Replaces entry `index` with `value`.
    pub fn replace(&mut self, index: usize, value: &[u8]) {
        self.remove(index);
        self.insert(index, value);
    }

    /// Keeps only the entries for which `keep(position, entry)` is true;
    /// returns how many were removed.
    pub fn retain(&mut self, mut keep: impl FnMut(usize, &[u8]) -> bool) -> usize {
        let mut out = Vec::with_capacity(self.buf.len());
        let mut kept = 0u32;
        for (i, e) in self.iter().enumerate() {
            if keep(i, e) {
                write_varint(&mut out, e.len());
                out.extend_from_slice(e);
                kept += 1;
            }
        }
        let removed = (self.count - kept) as usize;
        self.buf = out;
        self.count = kept;
        removed
    }

    /// Splits off the entries from `index` on into a new listpack.
    pub fn split_off(&mut self, index: usize) -> Listpack {
        let pos = self.offset(index);
        let tail = self.buf.split_off(pos);
        let moved = self.count - index as u32;
        self.count = index as u32;
        Listpack {
            buf: tail,
            count: moved,
        }
    }

    /// Moves every entry of `other` to the end of this one.
    pub fn append(&mut self, other: Listpack) {
        self.buf.extend_from_slice(&other.buf);
        self.count += other.count;
    }

    /// Releases spare capacity.
    pub fn shrink(&mut self) {
        self.buf.shrink_to_fit();
    }
}

/// Forward iterator over a listpack's entries.
pub struct Iter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let (n, w) = read_varint(self.buf, self.pos);
        let start = self.pos + w;
        self.pos = start + n;
        Some(&self.buf[start..start + n])
    }
}

#[cfg(test)]
mod tests {
    //! Goal: a listpack behaves as a vector of byte strings.
    use super::*;

    #[test]
    fn behaves_like_a_vec() {
        let mut lp = Listpack::new();
        let mut model: Vec<Vec<u8>> = Vec::new();
        let long = vec![b'x'; 300];
        for (i, v) in [&b"a"[..], b"", &long, b"bcd"].iter().enumerate() {
            lp.insert(i / 2, v);
            model.insert(i / 2, v.to_vec());
        }
        lp.push_back(b"end");
        model.push(b"end".to_vec());
        assert_eq!(lp.iter().map(|e| e.to_vec()).collect::<Vec<_>>(), model);
        assert_eq!(lp.get(2), Some(&model[2][..]));
        assert_eq!(lp.remove(1), model.remove(1));
        lp.replace(0, b"zz");
        model[0] = b"zz".to_vec();
        assert_eq!(lp.iter().map(|e| e.to_vec()).collect::<Vec<_>>(), model);
        let tail = lp.split_off(2);
        assert_eq!(lp.len() + tail.len(), model.len());
        lp.append(tail);
        assert_eq!(lp.iter().map(|e| e.to_vec()).collect::<Vec<_>>(), model);
        assert_eq!(lp.retain(|_, e| e.len() < 10), 1);
        assert_eq!(lp.len(), model.len() - 1);
    }
}
