//! The sorted set type: a listpack of member/score pairs kept in order
//! while small (`zset-max-listpack-entries`, `zset-max-listpack-value`),
//! otherwise an ordered index plus a member-to-score table (t_zset.c).
//!
//! Order is by score, then by member bytes, as in Redis. Scores are never
//! NaN (the commands refuse NaN before it gets here).
//!
//! The large encoding is reported as `skiplist`, Redis's name for the
//! same pair of structures; ours uses a B-tree for the ordered half.
//! Rank queries on it walk the tree (O(n)); a rank-annotated tree is the
//! planned improvement.

use crate::db::Key;
use crate::hash::PackLimits;
use crate::listpack::Listpack;
use foldhash::fast::RandomState;
use indexmap::IndexMap;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// A score with a total order (no NaN ever stored).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score(pub f64);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.partial_cmp(&other.0).expect("scores are never NaN")
    }
}

/// A sorted set value.
#[derive(Clone, Debug)]
pub enum ZSet {
    /// Member, then score as 8 big-endian bytes of its bits, in order.
    Pack(Listpack),
    /// The ordered index and the score of every member.
    Skip {
        /// (score, member) in order.
        order: BTreeSet<(Score, Key)>,
        /// member -> score.
        scores: IndexMap<Key, f64, RandomState>,
    },
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::Pack(Listpack::new())
    }
}

fn score_of(bytes: &[u8]) -> f64 {
    f64::from_bits(u64::from_be_bytes(bytes.try_into().expect("8-byte score")))
}

/// (score, member) order.
fn cmp(a: (f64, &[u8]), b: (f64, &[u8])) -> Ordering {
    Score(a.0).cmp(&Score(b.0)).then_with(|| a.1.cmp(b.1))
}

impl ZSet {
    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            ZSet::Pack(lp) => lp.len() / 2,
            ZSet::Skip { scores, .. } => scores.len(),
        }
    }

    /// True without members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `listpack` or `skiplist`.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            ZSet::Pack(_) => "listpack",
            ZSet::Skip { .. } => "skiplist",
        }
    }

    /// Entry index of `member` in the listpack.
    fn pack_find(lp: &Listpack, member: &[u8]) -> Option<usize> {
        lp.iter()
            .step_by(2)
            .position(|m| m == member)
            .map(|i| i * 2)
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Pack(lp) => {
                Self::pack_find(lp, member).map(|i| score_of(lp.get(i + 1).expect("score")))
            }
            ZSet::Skip { scores, .. } => scores.get(member).copied(),
        }
    }

    /// Adds `member` or changes its score; true if it is new.
    pub fn insert(&mut self, member: &[u8], score: f64, limits: PackLimits) -> bool {
        if let ZSet::Pack(lp) = self {
            // A listpack keeps -0 as 0 (its scores round-trip through
            // text); the skiplist keeps the double as given.
            let score = if score == 0.0 { 0.0 } else { score };
            let exists = Self::pack_find(lp, member).is_some();
            // Only a new member can push the set past its listpack limits
            // (t_zset.c `zsetAdd`): updating an existing one never does.
            let too_big = member.len() > limits.max_value || lp.len() / 2 >= limits.max_entries;
            if !exists && too_big {
                self.convert();
            } else {
                if let Some(i) = Self::pack_find(lp, member) {
                    lp.remove(i);
                    lp.remove(i);
                }
                let pos = lp
                    .iter()
                    .collect::<Vec<_>>()
                    .chunks(2)
                    .position(|c| cmp((score_of(c[1]), c[0]), (score, member)) == Ordering::Greater)
                    .unwrap_or(lp.len() / 2);
                lp.insert(pos * 2, member);
                lp.insert(pos * 2 + 1, &score.to_bits().to_be_bytes());
                return !exists;
            }
        }
        let ZSet::Skip { order, scores } = self else {
            unreachable!("converted above")
        };
        let key = Key::from_slice(member);
        match scores.insert(key.clone(), score) {
            Some(old) => {
                order.remove(&(Score(old), key.clone()));
                order.insert((Score(score), key));
                false
            }
            None => {
                order.insert((Score(score), key));
                true
            }
        }
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSet::Pack(lp) => match Self::pack_find(lp, member) {
                Some(i) => {
                    lp.remove(i);
                    lp.remove(i);
                    true
                }
                None => false,
            },
            ZSet::Skip { order, scores } => match scores.swap_remove(member) {
                Some(s) => {
                    order.remove(&(Score(s), Key::from_slice(member)));
                    true
                }
                None => false,
            },
        }
    }

    /// 0-based rank of `member` in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        Some(
            self.iter()
                .take_while(|(m, s)| cmp((*s, m), (score, member)) == Ordering::Less)
                .count(),
        )
    }

    /// Every member and score in ascending order.
    pub fn iter(&self) -> Box<dyn DoubleEndedIterator<Item = (Cow<'_, [u8]>, f64)> + '_> {
        match self {
            ZSet::Pack(lp) => {
                let entries: Vec<&[u8]> = lp.iter().collect();
                let pairs: Vec<(Cow<'_, [u8]>, f64)> = entries
                    .chunks(2)
                    .map(|c| (Cow::Borrowed(c[0]), score_of(c[1])))
                    .collect();
                Box::new(pairs.into_iter())
            }
            ZSet::Skip { order, .. } => {
                Box::new(order.iter().map(|(s, k)| (Cow::Borrowed(&k[..]), s.0)))
            }
        }
    }

    /// Member and score number `i` in storage order (for random sampling
    /// and scanning; not the rank).
    pub fn get_index(&self, i: usize) -> Option<(Cow<'_, [u8]>, f64)> {
        match self {
            ZSet::Pack(lp) => Some((Cow::Borrowed(lp.get(2 * i)?), score_of(lp.get(2 * i + 1)?))),
            ZSet::Skip { scores, .. } => scores
                .get_index(i)
                .map(|(k, s)| (Cow::Borrowed(&k[..]), *s)),
        }
    }

    /// Moves to the large encoding.
    pub fn convert(&mut self) {
        if let ZSet::Pack(lp) = self {
            let mut order = BTreeSet::new();
            let mut scores =
                IndexMap::with_capacity_and_hasher(lp.len() / 2, RandomState::default());
            let entries: Vec<&[u8]> = lp.iter().collect();
            for c in entries.chunks(2) {
                let (k, s) = (Key::from_slice(c[0]), score_of(c[1]));
                order.insert((Score(s), k.clone()));
                scores.insert(k, s);
            }
            *self = ZSet::Skip { order, scores };
        }
    }
}

#[cfg(test)]
mod tests {
    //! Goal: both encodings keep members ordered by (score, member) and
    //! agree on every query (t_zset.c zzlInsert / zslInsert).
    use super::*;

    const LIMITS: PackLimits = PackLimits {
        max_entries: 8,
        max_value: 16,
    };

    #[test]
    fn encodings_agree() {
        let mut small = ZSet::default();
        let mut big = ZSet::default();
        big.convert();
        let ops: [(&[u8], f64); 7] = [
            (b"b", 1.0),
            (b"a", 1.0),
            (b"c", -2.5),
            (b"d", f64::INFINITY),
            (b"a", 3.0),
            (b"e", 0.0),
            (b"f", f64::NEG_INFINITY),
        ];
        for (m, s) in ops {
            assert_eq!(small.insert(m, s, LIMITS), big.insert(m, s, LIMITS));
        }
        assert_eq!(small.encoding_name(), "listpack");
        let a: Vec<_> = small.iter().map(|(m, s)| (m.into_owned(), s)).collect();
        let b: Vec<_> = big.iter().map(|(m, s)| (m.into_owned(), s)).collect();
        assert_eq!(a, b);
        let order: Vec<&[u8]> = vec![b"f", b"c", b"e", b"b", b"a", b"d"];
        assert_eq!(a.iter().map(|(m, _)| &m[..]).collect::<Vec<_>>(), order);
        assert_eq!(small.rank(b"b"), Some(3));
        assert_eq!(big.rank(b"b"), Some(3));
        assert!(small.remove(b"c") && big.remove(b"c"));
        assert_eq!(small.score(b"a"), Some(3.0));
        assert_eq!(big.score(b"a"), Some(3.0));
        for i in 0..10 {
            small.insert(format!("m{i}").as_bytes(), i as f64, LIMITS);
        }
        assert_eq!(small.encoding_name(), "skiplist");
        assert_eq!(small.len(), 15);
    }
}
