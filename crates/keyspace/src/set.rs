//! The set type: a sorted array of integers (an intset) while every member
//! is an integer and there are at most `set-max-intset-entries` of them,
//! otherwise a hash table (t_set.c `setTypeAdd`, intset.c). Redis 7.0 has
//! no listpack encoding for sets.

use crate::db::Key;
use foldhash::fast::RandomState;
use indexmap::IndexSet;
use std::borrow::Cow;

/// A set value.
#[derive(Clone, Debug)]
pub enum Set {
    /// Sorted, distinct integers.
    Ints(Vec<i64>),
    /// Any members.
    Table(IndexSet<Key, RandomState>),
}

impl Default for Set {
    fn default() -> Self {
        Set::Ints(Vec::new())
    }
}

/// The integer a member stands for, if it is one in canonical form
/// (util.c `string2ll`, as `isSdsRepresentableAsLongLong`).
fn as_int(member: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(member).ok()?;
    let v: i64 = s.parse().ok()?;
    (itoa::Buffer::new().format(v).as_bytes() == member).then_some(v)
}

impl Set {
    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(v) => v.len(),
            Set::Table(t) => t.len(),
        }
    }

    /// True without members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `intset` or `hashtable`.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    /// True if `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Ints(v) => as_int(member).is_some_and(|n| v.binary_search(&n).is_ok()),
            Set::Table(t) => t.contains(member),
        }
    }

    /// Adds `member`; true if it is new. `max_ints` is
    /// `set-max-intset-entries`.
    pub fn add(&mut self, member: &[u8], max_ints: usize) -> bool {
        if let Set::Ints(v) = self {
            match as_int(member) {
                Some(n) => match v.binary_search(&n) {
                    Ok(_) => return false,
                    Err(pos) if v.len() < max_ints => {
                        v.insert(pos, n);
                        return true;
                    }
                    Err(_) => self.convert(),
                },
                None => self.convert(),
            }
        }
        let Set::Table(t) = self else {
            unreachable!("converted above")
        };
        t.insert(Key::from_slice(member))
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Ints(v) => match as_int(member).map(|n| v.binary_search(&n)) {
                Some(Ok(pos)) => {
                    v.remove(pos);
                    true
                }
                _ => false,
            },
            Set::Table(t) => t.swap_remove(member),
        }
    }

    /// Member number `i` (for random sampling and scanning).
    pub fn get_index(&self, i: usize) -> Option<Cow<'_, [u8]>> {
        match self {
            Set::Ints(v) => v
                .get(i)
                .map(|n| Cow::Owned(itoa::Buffer::new().format(*n).as_bytes().to_vec())),
            Set::Table(t) => t.get_index(i).map(|k| Cow::Borrowed(&k[..])),
        }
    }

    /// Removes member number `i` and returns it.
    pub fn remove_index(&mut self, i: usize) -> Vec<u8> {
        match self {
            Set::Ints(v) => itoa::Buffer::new().format(v.remove(i)).as_bytes().to_vec(),
            Set::Table(t) => t
                .swap_remove_index(i)
                .expect("index within the set")
                .to_vec(),
        }
    }

    /// Every member.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Cow<'_, [u8]>> + '_> {
        match self {
            Set::Ints(v) => Box::new(
                v.iter()
                    .map(|n| Cow::Owned(itoa::Buffer::new().format(*n).as_bytes().to_vec())),
            ),
            Set::Table(t) => Box::new(t.iter().map(|k| Cow::Borrowed(&k[..]))),
        }
    }

    /// Moves to the hash table encoding.
    pub fn convert(&mut self) {
        if let Set::Ints(v) = self {
            let mut t = IndexSet::with_capacity_and_hasher(v.len() + 1, RandomState::default());
            for n in v.iter() {
                t.insert(Key::from_slice(itoa::Buffer::new().format(*n).as_bytes()));
            }
            *self = Set::Table(t);
        }
    }
}

#[cfg(test)]
mod tests {
    //! Goal: sets stay intsets only while Redis's would (t_set.c setTypeAdd).
    use super::*;

    #[test]
    fn intset_until_a_string_or_too_many() {
        let mut s = Set::default();
        assert!(s.add(b"3", 4) && s.add(b"-1", 4) && !s.add(b"3", 4));
        assert_eq!(s.encoding_name(), "intset");
        assert!(s.contains(b"-1") && !s.contains(b"03"));
        assert_eq!(
            s.iter().map(|m| m.into_owned()).collect::<Vec<_>>(),
            vec![b"-1".to_vec(), b"3".to_vec()]
        );
        s.add(b"07", 4);
        assert_eq!(s.encoding_name(), "hashtable");
        assert!(s.contains(b"3") && s.contains(b"07"));
        let mut t = Set::default();
        for i in 0..5 {
            t.add(i.to_string().as_bytes(), 4);
        }
        assert_eq!(t.encoding_name(), "hashtable");
        assert!(t.remove(b"2") && !t.remove(b"2"));
        assert_eq!(t.len(), 4);
    }
}
