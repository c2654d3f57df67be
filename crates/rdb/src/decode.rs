//! Reading values: RDB lengths and strings, and the body of every value
//! type Redis 7.0 loads, giving each loaded value the encoding Redis would
//! give it (rdb.c `rdbLoadLenByRef`, `rdbGenericLoadStringObject`,
//! `rdbLoadObject`).
//!
//! Redis decides encodings on load with the `*-max-*` settings: a plain
//! HASH with few small fields becomes a listpack, an intset or listpack
//! with more entries than allowed becomes a hash table or skiplist, and
//! so on. [`Limits`] carries those settings. Like Redis, some paths look
//! only at counts (a listpack blob is not scanned for long values).
//!
//! Nothing here trusts a length from the input for an allocation: strings
//! are read incrementally, so a corrupt length ends in `Truncated`, not in
//! an attempt to allocate it.

use crate::error::{Error, Result};
use crate::format::*;
use crate::{intset, listpack, lzf, ziplist, zipmap};
use keyspace::{Hash, Listpack, PackLimits, Quicklist, Set, Value, ZSet};
use std::collections::HashSet;
use std::io::Read;

/// The encoding thresholds that decide how loaded values are kept
/// (redis.conf `hash-max-listpack-*`, `set-max-intset-entries`,
/// `zset-max-listpack-*`, `list-max-listpack-size`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`, in bytes.
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: usize,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`, in bytes.
    pub zset_max_listpack_value: usize,
    /// `list-max-listpack-size` (the quicklist fill factor).
    pub list_max_listpack_size: i64,
}

impl Default for Limits {
    /// Redis 7.0's defaults.
    fn default() -> Self {
        Limits {
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
        }
    }
}

/// A listpack never grows past this (listpack.c `lpSafeToAdd`).
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// Caps a count from the input before it sizes an allocation.
fn capacity(n: u64) -> usize {
    n.min(1 << 16) as usize
}

// --- Primitives --------------------------------------------------------------

/// One byte.
pub(crate) fn read_u8(r: &mut impl Read) -> Result<u8> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b)?;
    Ok(b[0])
}

/// `N` bytes.
pub(crate) fn read_array<const N: usize>(r: &mut impl Read) -> Result<[u8; N]> {
    let mut b = [0u8; N];
    r.read_exact(&mut b)?;
    Ok(b)
}

/// Exactly `n` bytes, read in growing chunks.
fn read_bytes(r: &mut impl Read, n: u64) -> Result<Vec<u8>> {
    let mut v = Vec::with_capacity(n.min(1 << 20) as usize);
    r.take(n).read_to_end(&mut v)?;
    if (v.len() as u64) < n {
        return Err(Error::Truncated);
    }
    Ok(v)
}

/// A length or a special string encoding (rdb.c `rdbLoadLenByRef`):
/// (value, true if it names a special encoding).
fn read_len_or_encoding(r: &mut impl Read) -> Result<(u64, bool)> {
    let b = read_u8(r)?;
    Ok(match b >> 6 {
        0 => ((b & 0x3F) as u64, false),
        1 => ((((b & 0x3F) as u64) << 8) | read_u8(r)? as u64, false),
        3 => ((b & 0x3F) as u64, true),
        _ if b == LEN_32BIT => (u32::from_be_bytes(read_array(r)?) as u64, false),
        _ if b == LEN_64BIT => (u64::from_be_bytes(read_array(r)?), false),
        _ => {
            return Err(Error::corrupt(format!(
                "Unknown length encoding {} in rdbLoadLen()",
                b >> 6
            )))
        }
    })
}

/// A plain length.
pub(crate) fn read_len(r: &mut impl Read) -> Result<u64> {
    match read_len_or_encoding(r)? {
        (n, false) => Ok(n),
        (enc, true) => Err(Error::corrupt(format!(
            "Unexpected string encoding {enc} where a length belongs"
        ))),
    }
}

/// A string in any of its encodings (rdb.c `rdbGenericLoadStringObject`):
/// integers come back as their decimal text, LZF data decompressed.
pub(crate) fn read_string(r: &mut impl Read) -> Result<Vec<u8>> {
    let (n, encoded) = read_len_or_encoding(r)?;
    if !encoded {
        return read_bytes(r, n);
    }
    let int = match n as u8 {
        ENC_INT8 => i8::from_le_bytes(read_array(r)?) as i64,
        ENC_INT16 => i16::from_le_bytes(read_array(r)?) as i64,
        ENC_INT32 => i32::from_le_bytes(read_array(r)?) as i64,
        ENC_LZF => {
            let clen = read_len(r)?;
            let len = read_len(r)?;
            let compressed = read_bytes(r, clen)?;
            return lzf::decompress(&compressed, len as usize)
                .map_err(|_| Error::corrupt("Invalid LZF compressed string"));
        }
        other => {
            return Err(Error::corrupt(format!(
                "Unknown RDB string encoding type {other}"
            )))
        }
    };
    Ok(itoa::Buffer::new().format(int).as_bytes().to_vec())
}

/// A binary double, 8 bytes LE (rdb.c `rdbLoadBinaryDoubleValue`).
fn read_binary_double(r: &mut impl Read) -> Result<f64> {
    Ok(f64::from_le_bytes(read_array(r)?))
}

/// A text double of the old ZSET type (rdb.c `rdbLoadDoubleValue`): a
/// length byte (253 NaN, 254 +inf, 255 -inf) and the number's text.
fn read_text_double(r: &mut impl Read) -> Result<f64> {
    Ok(match read_u8(r)? {
        255 => f64::NEG_INFINITY,
        254 => f64::INFINITY,
        253 => f64::NAN,
        len => {
            let text = read_bytes(r, len as u64)?;
            parse_double(&text).ok_or_else(|| Error::corrupt("Invalid double value"))?
        }
    })
}

/// A score's text as stored in listpacks and old files (`strtod`).
fn parse_double(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.trim().parse().ok()
}

// --- Building values ---------------------------------------------------------

/// A list from its elements, with our node size rule.
struct ListBuilder {
    list: Quicklist,
    fill: i64,
}

impl ListBuilder {
    fn new(limits: &Limits) -> ListBuilder {
        ListBuilder {
            list: Quicklist::new(),
            fill: limits.list_max_listpack_size,
        }
    }

    fn push(&mut self, e: &[u8]) {
        self.list.push_back(e, self.fill);
    }

    /// The value, or `None` for an empty list (Redis skips empty keys).
    fn finish(self) -> Option<Value> {
        (!self.list.is_empty()).then(|| Value::from_list(self.list))
    }
}

/// A sorted set from (member, score) pairs, packed or not. Members must
/// be distinct and scores numbers; -0 is stored as 0 as the keyspace does.
fn build_zset(mut pairs: Vec<(Vec<u8>, f64)>, packed: bool) -> Result<Value> {
    if pairs.iter().any(|(_, s)| s.is_nan()) {
        return Err(Error::corrupt("Zset with NAN score detected"));
    }
    let dup = || Error::corrupt("Duplicate zset fields detected");
    let zset = if packed {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        if pairs.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(dup());
        }
        for p in pairs.iter_mut() {
            if p.1 == 0.0 {
                p.1 = 0.0;
            }
        }
        // (score, member) order, as zzlInsert keeps it.
        pairs.sort_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .expect("NaN refused above")
                .then_with(|| a.0.cmp(&b.0))
        });
        let mut lp = Listpack::new();
        for (m, s) in &pairs {
            lp.push_back(m);
            lp.push_back(&s.to_bits().to_be_bytes());
        }
        ZSet::Pack(lp)
    } else {
        let mut z = ZSet::default();
        z.convert();
        // The limits only matter to a listpack; this one is converted.
        let unused = PackLimits {
            max_entries: 0,
            max_value: 0,
        };
        for (m, s) in &pairs {
            if !z.insert(m, *s, unused) {
                return Err(dup());
            }
        }
        z
    };
    Ok(Value::from_zset(zset))
}

/// Pairs (even, odd entries) of a flat element sequence.
fn pairs_of(flat: Vec<Vec<u8>>, what: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    if !flat.len().is_multiple_of(2) {
        return Err(Error::corrupt(format!("{what} integrity check failed.")));
    }
    let mut it = flat.into_iter();
    let mut out = Vec::with_capacity(it.len() / 2);
    while let (Some(a), Some(b)) = (it.next(), it.next()) {
        out.push((a, b));
    }
    Ok(out)
}

/// A compact hash from pairs kept in order, converted to a table when it
/// has more than `hash-max-listpack-entries` fields or, if `check_values`,
/// a field or value longer than `hash-max-listpack-value`.
fn build_packed_hash(
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    limits: &Limits,
    check_values: bool,
    what: &str,
) -> Result<Option<Value>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut seen = HashSet::with_capacity(pairs.len());
    let mut lp = Listpack::new();
    let mut maxlen = 0;
    for (f, v) in &pairs {
        if !seen.insert(&f[..]) {
            return Err(Error::corrupt(format!("{what} with dup elements")));
        }
        maxlen = maxlen.max(f.len()).max(v.len());
        lp.push_back(f);
        lp.push_back(v);
    }
    let mut hash = Hash::Pack(lp);
    if pairs.len() > limits.hash_max_listpack_entries
        || (check_values && maxlen > limits.hash_max_listpack_value)
    {
        hash.convert();
    }
    Ok(Some(Value::from_hash(hash)))
}

/// Every element of a listpack blob.
fn listpack_elements(blob: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    listpack::for_each(blob, |e| {
        out.push(e.to_vec());
        Ok(())
    })?;
    Ok(out)
}

/// Every element of a ziplist blob.
fn ziplist_elements(blob: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    ziplist::for_each(blob, |e| {
        out.push(e.to_vec());
        Ok(())
    })?;
    Ok(out)
}

/// Parses the scores of (member, score text) pairs.
fn with_scores(pairs: Vec<(Vec<u8>, Vec<u8>)>, what: &str) -> Result<Vec<(Vec<u8>, f64)>> {
    pairs
        .into_iter()
        .map(|(m, s)| match parse_double(&s) {
            Some(score) => Ok((m, score)),
            None => Err(Error::corrupt(format!("{what} integrity check failed."))),
        })
        .collect()
}

/// The 9-character name of a module type from its id (module.c
/// `moduleTypeNameByID`), for error messages.
fn module_name(id: u64) -> String {
    const CSET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id = id >> 10;
    let mut name = [0u8; 9];
    for c in name.iter_mut().rev() {
        *c = CSET[(id & 63) as usize];
        id >>= 6;
    }
    String::from_utf8_lossy(&name).into_owned()
}

/// The error for module data, which needs a module we do not have.
pub(crate) fn module_error(id: u64, aux: bool) -> Error {
    let name = module_name(id);
    Error::Unsupported(if aux {
        format!("The RDB file contains AUX module data I can't load: no matching module '{name}'")
    } else {
        format!("The RDB file contains module data I can't load: no matching module type '{name}'")
    })
}

// --- Objects -------------------------------------------------------------------

/// The value of type `rdb_type` (rdb.c `rdbLoadObject`). `Ok(None)` is an
/// empty aggregate, which Redis skips with a warning instead of failing.
pub(crate) fn read_object(
    r: &mut impl Read,
    rdb_type: u8,
    limits: &Limits,
) -> Result<Option<Value>> {
    match rdb_type {
        TYPE_STRING => Ok(Some(Value::from_bytes(&read_string(r)?))),
        TYPE_LIST => {
            let len = read_len(r)?;
            let mut list = ListBuilder::new(limits);
            for _ in 0..len {
                list.push(&read_string(r)?);
            }
            Ok(list.finish())
        }
        TYPE_SET => {
            let len = read_len(r)?;
            if len == 0 {
                return Ok(None);
            }
            let max_ints = limits.set_max_intset_entries.min(1 << 30);
            let mut set = Set::default();
            if len > max_ints as u64 {
                set.convert();
            }
            for _ in 0..len {
                if !set.add(&read_string(r)?, max_ints) {
                    return Err(Error::corrupt("Duplicate set members detected"));
                }
            }
            Ok(Some(Value::from_set(set)))
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let len = read_len(r)?;
            if len == 0 {
                return Ok(None);
            }
            let mut pairs = Vec::with_capacity(capacity(len));
            let (mut maxelelen, mut totelelen) = (0, 0);
            for _ in 0..len {
                let member = read_string(r)?;
                let score = if rdb_type == TYPE_ZSET_2 {
                    read_binary_double(r)?
                } else {
                    read_text_double(r)?
                };
                maxelelen = member.len().max(maxelelen);
                totelelen += member.len();
                pairs.push((member, score));
            }
            // Converted after loading, since the file is not ordered.
            let packed = pairs.len() <= limits.zset_max_listpack_entries
                && maxelelen <= limits.zset_max_listpack_value
                && totelelen <= LISTPACK_MAX_SAFETY_SIZE;
            build_zset(pairs, packed).map(Some)
        }
        TYPE_HASH => {
            let len = read_len(r)?;
            if len == 0 {
                return Ok(None);
            }
            let max_entries = limits.hash_max_listpack_entries;
            // A listpack while the pairs are small and few, as rdb.c
            // starts one and converts on the first long field or value.
            let pack_limits = PackLimits {
                max_entries,
                max_value: limits.hash_max_listpack_value,
            };
            let mut hash = Hash::default();
            if len > max_entries as u64 {
                hash.convert();
            }
            let mut total = 0usize;
            for _ in 0..len {
                let field = read_string(r)?;
                let value = read_string(r)?;
                total += field.len() + value.len();
                if total > LISTPACK_MAX_SAFETY_SIZE {
                    hash.convert();
                }
                if !hash.set(&field, &value, pack_limits) {
                    return Err(Error::corrupt("Duplicate hash fields detected"));
                }
            }
            Ok(Some(Value::from_hash(hash)))
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = read_len(r)?;
            let mut list = ListBuilder::new(limits);
            for _ in 0..nodes {
                let container = if rdb_type == TYPE_LIST_QUICKLIST_2 {
                    read_len(r)?
                } else {
                    CONTAINER_PACKED
                };
                if container != CONTAINER_PACKED && container != CONTAINER_PLAIN {
                    return Err(Error::corrupt("Quicklist integrity check failed."));
                }
                let blob = read_string(r)?;
                if blob.is_empty() {
                    return Err(Error::corrupt("Quicklist integrity check failed."));
                }
                if container == CONTAINER_PLAIN {
                    list.push(&blob);
                } else if rdb_type == TYPE_LIST_QUICKLIST_2 {
                    listpack::for_each(&blob, |e| {
                        list.push(e);
                        Ok(())
                    })?;
                } else {
                    ziplist::for_each(&blob, |e| {
                        list.push(e);
                        Ok(())
                    })?;
                }
            }
            // Empty nodes are skipped; a list left empty is an empty key.
            Ok(list.finish())
        }
        TYPE_HASH_ZIPMAP => {
            let blob = read_string(r)?;
            let mut pairs = Vec::new();
            zipmap::for_each(&blob, |f, v| {
                pairs.push((f.to_vec(), v.to_vec()));
                Ok(())
            })?;
            build_packed_hash(pairs, limits, true, "Hash zipmap")
        }
        TYPE_LIST_ZIPLIST => {
            let blob = read_string(r)?;
            let mut list = ListBuilder::new(limits);
            ziplist::for_each(&blob, |e| {
                list.push(e);
                Ok(())
            })?;
            Ok(list.finish())
        }
        TYPE_SET_INTSET => {
            let ints = intset::decode(&read_string(r)?)?;
            let big = ints.len() > limits.set_max_intset_entries;
            let mut set = Set::Ints(ints);
            if big {
                set.convert();
            }
            Ok(Some(Value::from_set(set)))
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let blob = read_string(r)?;
            let (flat, what) = if rdb_type == TYPE_ZSET_ZIPLIST {
                (ziplist_elements(&blob)?, "Zset ziplist")
            } else {
                (listpack_elements(&blob)?, "Zset listpack")
            };
            let pairs = with_scores(pairs_of(flat, what)?, what)?;
            if pairs.is_empty() {
                return Ok(None);
            }
            let packed = pairs.len() <= limits.zset_max_listpack_entries;
            build_zset(pairs, packed).map(Some)
        }
        TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
            let blob = read_string(r)?;
            let (flat, what) = if rdb_type == TYPE_HASH_ZIPLIST {
                (ziplist_elements(&blob)?, "Hash ziplist")
            } else {
                (listpack_elements(&blob)?, "Hash listpack")
            };
            build_packed_hash(pairs_of(flat, what)?, limits, false, what)
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 => Err(Error::Unsupported(format!(
            "stream values (RDB type {rdb_type}) are not supported"
        ))),
        TYPE_MODULE | TYPE_MODULE_2 => Err(module_error(read_len(r)?, false)),
        other => Err(Error::corrupt(format!("Unknown RDB encoding type {other}"))),
    }
}
