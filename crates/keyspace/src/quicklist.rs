//! The list type: a deque of listpack nodes (quicklist.c).
//!
//! Pushing and popping at either end touches one small node; each node is
//! compact. Node size follows `list-max-listpack-size` (`fill`): a
//! negative fill caps a node's bytes (-1 = 4 KB ... -5 = 64 KB), a
//! positive one caps its entry count.

use crate::listpack::Listpack;
use std::collections::VecDeque;

/// A list value.
#[derive(Clone, Debug, Default)]
pub struct Quicklist {
    nodes: VecDeque<Listpack>,
    len: usize,
}

/// Byte limits of negative fill factors (quicklist.c `optimization_level`).
const SIZE_LIMITS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

/// Entries of at least this size get a node of their own
/// (quicklist.c `SIZE_SAFETY_LIMIT` / `packed_threshold` spirit).
const LARGE_ENTRY: usize = 8192;

/// True if `node` may take one more entry of `size` bytes under `fill`.
fn node_allows(node: &Listpack, size: usize, fill: i64) -> bool {
    if size >= LARGE_ENTRY && !node.is_empty() {
        return false;
    }
    if fill >= 0 {
        node.len() < fill.max(1) as usize
    } else {
        let limit = SIZE_LIMITS[((-fill) as usize - 1).min(4)];
        node.bytes() + size + 2 <= limit
    }
}

impl Quicklist {
    /// An empty list.
    pub fn new() -> Quicklist {
        Quicklist::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True without elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds at the head.
    pub fn push_front(&mut self, v: &[u8], fill: i64) {
        match self.nodes.front_mut() {
            Some(n) if node_allows(n, v.len(), fill) => n.insert(0, v),
            _ => {
                let mut n = Listpack::new();
                n.push_back(v);
                self.nodes.push_front(n);
            }
        }
        self.len += 1;
    }

    /// Adds at the tail.
    pub fn push_back(&mut self, v: &[u8], fill: i64) {
        match self.nodes.back_mut() {
            Some(n) if node_allows(n, v.len(), fill) => n.push_back(v),
            _ => {
                let mut n = Listpack::new();
                n.push_back(v);
                self.nodes.push_back(n);
            }
        }
        self.len += 1;
    }

    /// Removes and returns the head.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        let node = self.nodes.front_mut()?;
        let v = node.remove(0);
        if node.is_empty() {
            self.nodes.pop_front();
        }
        self.len -= 1;
        Some(v)
    }

    /// Removes and returns the tail.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        let node = self.nodes.back_mut()?;
        let v = node.remove(node.len() - 1);
        if node.is_empty() {
            self.nodes.pop_back();
        }
        self.len -= 1;
        Some(v)
    }

    /// (node, position in node) of element `index`.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        let mut i = index;
        // Walk from the nearer end.
        if index < self.len / 2 {
            for (n, node) in self.nodes.iter().enumerate() {
                if i < node.len() {
                    return Some((n, i));
                }
                i -= node.len();
            }
        } else {
            let mut from_end = self.len - 1 - index;
            for (n, node) in self.nodes.iter().enumerate().rev() {
                if from_end < node.len() {
                    return Some((n, node.len() - 1 - from_end));
                }
                from_end -= node.len();
            }
        }
        None
    }

    /// Element `index` (0-based from the head).
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        let (n, i) = self.locate(index)?;
        self.nodes[n].get(i)
    }

    /// Replaces element `index`; false if out of range.
    pub fn set(&mut self, index: usize, v: &[u8]) -> bool {
        match self.locate(index) {
            Some((n, i)) => {
                self.nodes[n].replace(i, v);
                true
            }
            None => false,
        }
    }

    /// Inserts `v` so that it becomes element `index` (`index <= len`).
    pub fn insert(&mut self, index: usize, v: &[u8], fill: i64) {
        if index == 0 {
            return self.push_front(v, fill);
        }
        if index == self.len {
            return self.push_back(v, fill);
        }
        let (n, i) = self.locate(index).expect("index within the list");
        self.nodes[n].insert(i, v);
        // Split a node that grew past its limit.
        if !node_allows(&self.nodes[n], 0, fill) && self.nodes[n].len() > 1 {
            let half = self.nodes[n].len() / 2;
            let tail = self.nodes[n].split_off(half);
            self.nodes.insert(n + 1, tail);
        }
        self.len += 1;
    }

    /// Removes element `index` and returns it.
    pub fn remove(&mut self, index: usize) -> Option<Vec<u8>> {
        let (n, i) = self.locate(index)?;
        let v = self.nodes[n].remove(i);
        if self.nodes[n].is_empty() {
            self.nodes.remove(n);
        }
        self.len -= 1;
        Some(v)
    }

    /// Keeps elements `start..=end` only (LTRIM after index normalisation);
    /// an empty range empties the list.
    pub fn trim(&mut self, start: usize, end: usize) {
        if start > end || start >= self.len {
            *self = Quicklist::new();
            return;
        }
        let end = end.min(self.len - 1);
        let mut pos = 0;
        for node in self.nodes.iter_mut() {
            let base = pos;
            pos += node.len();
            node.retain(|i, _| (start..=end).contains(&(base + i)));
        }
        self.nodes.retain(|n| !n.is_empty());
        self.len = end - start + 1;
    }

    /// Keeps the elements for which `keep(index, element)` is true;
    /// returns how many were removed.
    pub fn retain(&mut self, mut keep: impl FnMut(usize, &[u8]) -> bool) -> usize {
        let mut pos = 0;
        let mut removed = 0;
        for node in self.nodes.iter_mut() {
            let base = pos;
            pos += node.len();
            removed += node.retain(|i, e| keep(base + i, e));
        }
        self.nodes.retain(|n| !n.is_empty());
        self.len -= removed;
        removed
    }

    /// Every element from head to tail.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
        // Nodes are small, so reversing within a node via a buffer is cheap.
        self.nodes.iter().flat_map(|n| n.iter().collect::<Vec<_>>())
    }

    /// The nodes from head to tail, each a listpack of consecutive
    /// elements. RDB saving writes one listpack per node, as rdb.c
    /// `rdbSaveObject` walks `ql->head`.
    pub fn nodes(&self) -> impl Iterator<Item = &Listpack> + '_ {
        self.nodes.iter()
    }

    /// Elements `start..=end` in order (indexes already normalised).
    pub fn range(&self, start: usize, end: usize) -> impl Iterator<Item = &[u8]> + '_ {
        self.iter().skip(start).take(end + 1 - start)
    }
}

#[cfg(test)]
mod tests {
    //! Goal: the list behaves as a deque under every node size setting.
    use super::*;

    fn model_check(fill: i64) {
        let mut q = Quicklist::new();
        let mut m: VecDeque<Vec<u8>> = VecDeque::new();
        for i in 0..2000u32 {
            let v = format!("value-{i}").into_bytes();
            match i % 5 {
                0 | 1 => {
                    q.push_back(&v, fill);
                    m.push_back(v);
                }
                2 => {
                    q.push_front(&v, fill);
                    m.push_front(v);
                }
                3 => {
                    let at = (i as usize * 7) % (m.len() + 1);
                    q.insert(at, &v, fill);
                    m.insert(at, v);
                }
                _ => {
                    assert_eq!(q.pop_front(), m.pop_front());
                }
            }
        }
        assert_eq!(q.len(), m.len());
        assert!(q.iter().eq(m.iter().map(|v| &v[..])));
        assert!(q.iter().rev().eq(m.iter().rev().map(|v| &v[..])));
        for i in (0..m.len()).step_by(37) {
            assert_eq!(q.get(i), Some(&m[i][..]));
        }
        q.set(5, b"five");
        m[5] = b"five".to_vec();
        assert_eq!(q.remove(10), m.remove(10));
        let flat: Vec<&[u8]> = q.nodes().flat_map(|n| n.iter()).collect();
        assert!(flat.iter().copied().eq(q.iter()));
        assert!(q.nodes().all(|n| !n.is_empty()));
        q.trim(3, 500);
        let m: Vec<Vec<u8>> = m.into_iter().skip(3).take(498).collect();
        assert!(q.iter().eq(m.iter().map(|v| &v[..])));
        assert_eq!(q.pop_back().as_ref(), m.last());
    }

    #[test]
    fn deque_semantics() {
        for fill in [-2, -1, 1, 3, 128] {
            model_check(fill);
        }
    }
}
