//! The hash type: a listpack of field/value pairs while small, a hash
//! table beyond `hash-max-listpack-entries` fields or
//! `hash-max-listpack-value` bytes in any field or value (t_hash.c
//! `hashTypeTryConversion`, `hashTypeConvert`). Like Redis, a hash never
//! converts back.

use crate::db::Key;
use crate::listpack::Listpack;
use foldhash::fast::RandomState;
use indexmap::IndexMap;

/// The thresholds of the compact encoding.
#[derive(Clone, Copy, Debug, Default)]
pub struct PackLimits {
    /// Most entries (fields, members) kept in a listpack.
    pub max_entries: usize,
    /// Longest field, value or member kept in a listpack.
    pub max_value: usize,
}

/// A hash value.
#[derive(Clone, Debug)]
pub enum Hash {
    /// Fields and values alternating.
    Pack(Listpack),
    /// Field to value.
    Table(IndexMap<Key, Box<[u8]>, RandomState>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::Pack(Listpack::new())
    }
}

impl Hash {
    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            Hash::Pack(lp) => lp.len() / 2,
            Hash::Table(t) => t.len(),
        }
    }

    /// True without fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `listpack` or `hashtable`.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Hash::Pack(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    /// Position of `field` in the listpack (the field's entry index).
    fn pack_find(lp: &Listpack, field: &[u8]) -> Option<usize> {
        lp.iter().step_by(2).position(|f| f == field).map(|i| i * 2)
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Pack(lp) => Self::pack_find(lp, field).and_then(|i| lp.get(i + 1)),
            Hash::Table(t) => t.get(field).map(|v| &v[..]),
        }
    }

    /// True if `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Sets `field`; true if it is new.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: PackLimits) -> bool {
        if let Hash::Pack(lp) = self {
            if field.len() > limits.max_value || value.len() > limits.max_value {
                self.convert();
            } else if let Some(i) = Self::pack_find(lp, field) {
                lp.replace(i + 1, value);
                // Past a lowered limit even an update converts
                // (t_hash.c `hashTypeSet` checks the length after).
                if lp.len() / 2 > limits.max_entries {
                    self.convert();
                }
                return false;
            } else if lp.len() / 2 < limits.max_entries {
                lp.push_back(field);
                lp.push_back(value);
                return true;
            } else {
                self.convert();
            }
        }
        let Hash::Table(t) = self else {
            unreachable!("converted above")
        };
        // An update keeps the field and, at the same length, the value's
        // allocation.
        if let Some(v) = t.get_mut(field) {
            if v.len() == value.len() {
                v.copy_from_slice(value);
            } else {
                *v = value.into();
            }
            return false;
        }
        t.insert(Key::from_slice(field), value.into());
        true
    }

    /// Removes `field`; true if it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Pack(lp) => match Self::pack_find(lp, field) {
                Some(i) => {
                    lp.remove(i);
                    lp.remove(i);
                    true
                }
                None => false,
            },
            Hash::Table(t) => t.swap_remove(field).is_some(),
        }
    }

    /// Field/value pair number `i` (for random sampling and scanning).
    pub fn get_index(&self, i: usize) -> Option<(&[u8], &[u8])> {
        match self {
            Hash::Pack(lp) => Some((lp.get(2 * i)?, lp.get(2 * i + 1)?)),
            Hash::Table(t) => t.get_index(i).map(|(k, v)| (&k[..], &v[..])),
        }
    }

    /// Every field and value.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match self {
            Hash::Pack(lp) => {
                let mut it = lp.iter();
                Box::new(std::iter::from_fn(move || Some((it.next()?, it.next()?))))
            }
            Hash::Table(t) => Box::new(t.iter().map(|(k, v)| (&k[..], &v[..]))),
        }
    }

    /// Moves to the hash table encoding.
    pub fn convert(&mut self) {
        if let Hash::Pack(lp) = self {
            let mut t = IndexMap::with_capacity_and_hasher(lp.len() / 2, RandomState::default());
            let mut it = lp.iter();
            while let (Some(f), Some(v)) = (it.next(), it.next()) {
                t.insert(Key::from_slice(f), v.into());
            }
            *self = Hash::Table(t);
        }
    }
}

#[cfg(test)]
mod tests {
    //! Goal: a hash converts to a table past either threshold and keeps
    //! every field (t_hash.c hashTypeTryConversion).
    use super::*;

    const LIMITS: PackLimits = PackLimits {
        max_entries: 4,
        max_value: 8,
    };

    #[test]
    fn converts_on_count_and_size() {
        let mut h = Hash::default();
        for i in 0..4 {
            assert!(h.set(format!("f{i}").as_bytes(), b"v", LIMITS));
        }
        assert!(!h.set(b"f0", b"w", LIMITS));
        assert_eq!(h.encoding_name(), "listpack");
        assert_eq!(h.get(b"f0"), Some(&b"w"[..]));
        h.set(b"f4", b"v", LIMITS);
        assert_eq!(h.encoding_name(), "hashtable");
        assert_eq!(h.len(), 5);
        let mut big = Hash::default();
        big.set(b"f", b"123456789", LIMITS);
        assert_eq!(big.encoding_name(), "hashtable");
        assert!(h.remove(b"f1") && !h.remove(b"f1"));
        assert_eq!(h.iter().count(), 4);
    }
}
