//! Serializing values: RDB lengths and strings, and each type's body in
//! the form Redis 7.0 writes for the matching in-memory encoding
//! (rdb.c `rdbSaveLen`, `rdbSaveRawString`, `rdbSaveObjectType`,
//! `rdbSaveObject`).
//!
//! | value                 | RDB type                | body                                   |
//! |-----------------------|-------------------------|----------------------------------------|
//! | string                | STRING (0)              | int-encoded, LZF or raw string         |
//! | list                  | LIST_QUICKLIST_2 (18)   | nodes: PACKED listpack / PLAIN element |
//! | hash, listpack        | HASH_LISTPACK (16)      | listpack of field, value               |
//! | hash, table           | HASH (4)                | count, field, value...                 |
//! | set, intset           | SET_INTSET (11)         | intset blob                            |
//! | set, table            | SET (2)                 | count, member...                       |
//! | zset, listpack        | ZSET_LISTPACK (17)      | listpack of member, score text         |
//! | zset, skiplist        | ZSET_2 (5)              | count, (member, f64 LE)... high to low |
//!
//! Blobs are themselves written as RDB strings, so they too may be
//! LZF-compressed, as Redis does.

use crate::format::*;
use crate::intset;
use crate::listpack::{self, canonical_int};
use crate::lzf::Compressor;
use keyspace::{Hash, Listpack, Set, Value, ZSet};
use std::io;

/// Where encoded bytes go: a buffer (DUMP payloads) or a checksummed
/// stream (RDB files).
pub(crate) trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]) -> io::Result<()>;
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// Quicklist elements of at least this size get a PLAIN node of their
/// own (quicklist.c `packed_threshold`, default 1 GiB).
const PACKED_THRESHOLD: usize = 1 << 30;

/// A listpack never grows past this (listpack.c `LISTPACK_MAX_SAFETY_SIZE`);
/// it also keeps the 32-bit total length field valid.
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// The RDB shape chosen for a value.
enum Plan {
    String,
    List,
    HashListpack,
    Hash,
    SetIntset,
    Set,
    ZSetListpack,
    ZSet2,
}

/// True if a listpack whose entries take these sizes stays within the
/// safety size.
fn fits_listpack(entry_sizes: impl Iterator<Item = usize>) -> bool {
    let mut total = listpack::blob_size(0);
    for size in entry_sizes {
        total += size;
        if total > LISTPACK_MAX_SAFETY_SIZE {
            return false;
        }
    }
    true
}

/// Redis's `d2string` of a score, the text stored in zset listpacks
/// (t_zset.c `zzlInsertAt`); for finite doubles it equals `%.17g`.
fn score_text(score: f64) -> String {
    resp::format_double(score)
}

/// Decides the RDB shape of `value`. A compact in-memory encoding maps to
/// its compact RDB type unless the blob would exceed what a listpack may
/// hold, in which case the plain type (which every loader accepts) is
/// used.
fn plan(value: &Value) -> Plan {
    if let Some(h) = value.as_hash() {
        return match h {
            Hash::Pack(lp) if fits_listpack(lp.iter().map(listpack::entry_size)) => {
                Plan::HashListpack
            }
            _ => Plan::Hash,
        };
    }
    if let Some(z) = value.as_zset() {
        let pair_size = |(m, s): (std::borrow::Cow<'_, [u8]>, f64)| {
            listpack::entry_size(&m) + listpack::entry_size(score_text(s).as_bytes())
        };
        return match z {
            ZSet::Pack(_) if fits_listpack(z.iter().map(pair_size)) => Plan::ZSetListpack,
            _ => Plan::ZSet2,
        };
    }
    if let Some(s) = value.as_set() {
        return match s {
            Set::Ints(_) => Plan::SetIntset,
            Set::Table(_) => Plan::Set,
        };
    }
    if value.as_list().is_some() {
        return Plan::List;
    }
    Plan::String
}

/// The RDB type byte of a plan (rdb.c `rdbSaveObjectType`).
fn type_byte(plan: &Plan) -> u8 {
    match plan {
        Plan::String => TYPE_STRING,
        Plan::List => TYPE_LIST_QUICKLIST_2,
        Plan::HashListpack => TYPE_HASH_LISTPACK,
        Plan::Hash => TYPE_HASH,
        Plan::SetIntset => TYPE_SET_INTSET,
        Plan::Set => TYPE_SET,
        Plan::ZSetListpack => TYPE_ZSET_LISTPACK,
        Plan::ZSet2 => TYPE_ZSET_2,
    }
}

/// One node of a list as written: a listpack of several elements, or
/// one large element alone.
enum Node<'a> {
    Packed(Vec<&'a [u8]>),
    Plain(&'a [u8]),
}

/// Splits one in-memory node into the nodes Redis would hold: elements of
/// `PACKED_THRESHOLD` bytes or more alone in PLAIN nodes, and listpacks
/// kept under the safety size.
fn split_node(node: &Listpack) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut packed: Vec<&[u8]> = Vec::new();
    let mut size = listpack::blob_size(0);
    for e in node.iter() {
        if e.len() >= PACKED_THRESHOLD {
            if !packed.is_empty() {
                out.push(Node::Packed(std::mem::take(&mut packed)));
            }
            out.push(Node::Plain(e));
            size = listpack::blob_size(0);
            continue;
        }
        let add = listpack::entry_size(e);
        if !packed.is_empty() && size + add > LISTPACK_MAX_SAFETY_SIZE {
            out.push(Node::Packed(std::mem::take(&mut packed)));
            size = listpack::blob_size(0);
        }
        packed.push(e);
        size += add;
    }
    if !packed.is_empty() {
        out.push(Node::Packed(packed));
    }
    out
}

/// Writes values with the string options of one save.
pub(crate) struct Encoder {
    /// `rdbcompression`: LZF for strings longer than 20 bytes.
    compression: bool,
    /// LZF state, allocated on first use.
    lzf: Option<Box<Compressor>>,
}

impl Encoder {
    /// An encoder; `compression` is `rdbcompression`.
    pub(crate) fn new(compression: bool) -> Encoder {
        Encoder {
            compression,
            lzf: None,
        }
    }

    /// A length (rdb.c `rdbSaveLen`): 6-bit, 14-bit big endian, or a
    /// marker byte and a 32 or 64-bit big-endian number.
    pub(crate) fn len(&mut self, out: &mut impl Sink, n: u64) -> io::Result<()> {
        if n < 1 << 6 {
            out.put(&[n as u8])
        } else if n < 1 << 14 {
            out.put(&[(LEN_14BIT << 6) | (n >> 8) as u8, n as u8])
        } else if n <= u32::MAX as u64 {
            out.put(&[LEN_32BIT])?;
            out.put(&(n as u32).to_be_bytes())
        } else {
            out.put(&[LEN_64BIT])?;
            out.put(&n.to_be_bytes())
        }
    }

    /// An integer in the special string encodings if it fits 32 bits
    /// (rdb.c `rdbEncodeInteger`).
    fn encoded_int(v: i64) -> Option<([u8; 5], usize)> {
        let mut buf = [0u8; 5];
        let le = v.to_le_bytes();
        let n = if i8::try_from(v).is_ok() {
            buf[0] = ENC_PREFIX | ENC_INT8;
            1
        } else if i16::try_from(v).is_ok() {
            buf[0] = ENC_PREFIX | ENC_INT16;
            2
        } else if i32::try_from(v).is_ok() {
            buf[0] = ENC_PREFIX | ENC_INT32;
            4
        } else {
            return None;
        };
        buf[1..1 + n].copy_from_slice(&le[..n]);
        Some((buf, 1 + n))
    }

    /// A string (rdb.c `rdbSaveRawString`): as an integer if it is a
    /// canonical integer of at most 11 characters that fits 32 bits; LZF
    /// if compression is on, it is longer than 20 bytes and compression
    /// saves at least 4 bytes; otherwise length and bytes.
    pub(crate) fn string(&mut self, out: &mut impl Sink, s: &[u8]) -> io::Result<()> {
        if s.len() <= 11 {
            if let Some((buf, n)) = canonical_int(s).and_then(Self::encoded_int) {
                return out.put(&buf[..n]);
            }
        }
        if self.compression && s.len() > 20 {
            let lzf = self.lzf.get_or_insert_with(Box::default);
            if let Some(c) = lzf.compress(s, s.len() - 4) {
                out.put(&[ENC_PREFIX | ENC_LZF])?;
                self.len(out, c.len() as u64)?;
                self.len(out, s.len() as u64)?;
                return out.put(&c);
            }
        }
        self.len(out, s.len() as u64)?;
        out.put(s)
    }

    /// An integer string (rdb.c `rdbSaveLongLongAsStringObject`): the
    /// special encoding if it fits 32 bits, else its decimal text.
    fn int_string(&mut self, out: &mut impl Sink, v: i64) -> io::Result<()> {
        match Self::encoded_int(v) {
            Some((buf, n)) => out.put(&buf[..n]),
            None => {
                let mut digits = itoa::Buffer::new();
                let text = digits.format(v).as_bytes();
                self.len(out, text.len() as u64)?;
                out.put(text)
            }
        }
    }

    /// The type byte, then `key` if given (a file entry; a DUMP payload
    /// has none), then the body of `value` (rdb.c `rdbSaveObjectType`,
    /// `rdbSaveStringObject` of the key, `rdbSaveObject`).
    pub(crate) fn object(
        &mut self,
        out: &mut impl Sink,
        key: Option<&[u8]>,
        value: &Value,
    ) -> io::Result<()> {
        let plan = plan(value);
        out.put(&[type_byte(&plan)])?;
        if let Some(key) = key {
            self.string(out, key)?;
        }
        match plan {
            Plan::String => match value.as_int() {
                Some(v) => self.int_string(out, v),
                None => value.with_bytes(|b| self.string(out, b)),
            },
            Plan::List => {
                // The node count comes first, so the nodes are split twice
                // rather than held for the whole list.
                let list = value.as_list().expect("planned as a list");
                let count: usize = list.nodes().map(|n| split_node(n).len()).sum();
                self.len(out, count as u64)?;
                for node in list.nodes().flat_map(split_node) {
                    match node {
                        Node::Packed(elements) => {
                            self.len(out, CONTAINER_PACKED)?;
                            let mut lp = listpack::Builder::new(0);
                            elements.iter().for_each(|e| lp.push(e));
                            self.string(out, &lp.finish())?;
                        }
                        Node::Plain(e) => {
                            self.len(out, CONTAINER_PLAIN)?;
                            self.string(out, e)?;
                        }
                    }
                }
                Ok(())
            }
            Plan::HashListpack => {
                let Some(Hash::Pack(pack)) = value.as_hash() else {
                    unreachable!("planned as a listpack hash")
                };
                let mut lp = listpack::Builder::new(pack.bytes() + 16);
                pack.iter().for_each(|e| lp.push(e));
                self.string(out, &lp.finish())
            }
            Plan::Hash => {
                let hash = value.as_hash().expect("planned as a hash");
                self.len(out, hash.len() as u64)?;
                for (field, v) in hash.iter() {
                    self.string(out, field)?;
                    self.string(out, v)?;
                }
                Ok(())
            }
            Plan::SetIntset => {
                let Some(Set::Ints(ints)) = value.as_set() else {
                    unreachable!("planned as an intset")
                };
                self.string(out, &intset::encode(ints))
            }
            Plan::Set => {
                let set = value.as_set().expect("planned as a set");
                self.len(out, set.len() as u64)?;
                for member in set.iter() {
                    self.string(out, &member)?;
                }
                Ok(())
            }
            Plan::ZSetListpack => {
                let zset = value.as_zset().expect("planned as a zset");
                let mut lp = listpack::Builder::new(0);
                for (member, score) in zset.iter() {
                    lp.push(&member);
                    lp.push(score_text(score).as_bytes());
                }
                self.string(out, &lp.finish())
            }
            Plan::ZSet2 => {
                // From the greatest to the smallest, as rdb.c walks the
                // skiplist from its tail, so that loading appends at the
                // head.
                let zset = value.as_zset().expect("planned as a zset");
                self.len(out, zset.len() as u64)?;
                for (member, score) in zset.iter().rev() {
                    self.string(out, &member)?;
                    out.put(&score.to_le_bytes())?;
                }
                Ok(())
            }
        }
    }
}
