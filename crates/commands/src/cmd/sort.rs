//! SORT and SORT_RO (sort.c).

use crate::args::{eq, int};
use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult, SYNTAX, WRONGTYPE};
use crate::table::Handler;
use keyspace::{Quicklist, Value};
use std::cmp::Ordering;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[("sort", sort), ("sort_ro", sort)];

/// sort.c `lookupKeyByPattern`: `#` is the element itself; otherwise the
/// first `*` is replaced by the element, and `key->field` reads a hash
/// field. A pattern without `*` names nothing.
fn by_pattern(ctx: &mut Ctx, pattern: &[u8], elem: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(elem.to_vec());
    }
    let star = pattern.iter().position(|c| *c == b'*')?;
    let arrow = pattern[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|i| i + 2 < pattern.len());
    let key_end = arrow.unwrap_or(pattern.len());
    let mut key = pattern[..star].to_vec();
    key.extend_from_slice(elem);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    let v = ctx.eng.lookup_read(ctx.client.db, &key, ctx.now_ms)?;
    match arrow {
        Some(a) => v.as_hash()?.get(&pattern[a + 2..]).map(|f| f.to_vec()),
        None if v.is_string() => Some(v.to_vec()),
        None => None,
    }
}

/// A numeric weight as sort.c reads it with `strtod`: the whole text,
/// not NaN, not out of range (leading spaces and the empty text are fine).
fn weight(text: &[u8]) -> Option<f64> {
    crate::args::strtod(text)
        .filter(|(v, erange)| !erange && !v.is_nan())
        .map(|(v, _)| v)
}

/// What ALPHA compares: the whole value with STORE (binary, as
/// `compareStringObjects`), else the C string up to a NUL byte, as
/// `strcoll` sees it (byte order in the C/POSIX collation).
fn collated(x: &[u8], binary: bool) -> &[u8] {
    if binary {
        x
    } else {
        &x[..x.iter().position(|b| *b == 0).unwrap_or(x.len())]
    }
}

fn sort(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let read_only = ctx.cmd.name() == "sort_ro";
    let (mut desc, mut alpha, mut limit, mut store) = (false, false, None, None);
    let (mut by, mut dontsort, mut gets) = (None, false, Vec::new());
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        if eq(argv[j], "asc") {
            desc = false;
        } else if eq(argv[j], "desc") {
            desc = true;
        } else if eq(argv[j], "alpha") {
            alpha = true;
        } else if eq(argv[j], "limit") && left >= 2 {
            limit = Some((int(argv[j + 1])?, int(argv[j + 2])?));
            j += 2;
        } else if !read_only && eq(argv[j], "store") && left >= 1 {
            store = Some(argv[j + 1]);
            j += 1;
        } else if eq(argv[j], "by") && left >= 1 {
            by = Some(argv[j + 1]);
            // A BY pattern without `*` means: do not sort, for good (a
            // later BY with `*` does not sort again).
            dontsort |= !argv[j + 1].contains(&b'*');
            j += 1;
        } else if eq(argv[j], "get") && left >= 1 {
            gets.push(argv[j + 1]);
            j += 1;
        } else {
            return Err(SYNTAX);
        }
        j += 1;
    }
    let db = ctx.client.db;
    // Load the elements. Lists and sorted sets that are not sorted keep
    // their order, reversed by DESC (sort.c's dontsort paths).
    let mut ordered = false;
    let mut elems: Vec<Vec<u8>> = match ctx.eng.lookup_read(db, argv[1], ctx.now_ms) {
        None => Vec::new(),
        Some(v) => {
            if let Some(l) = v.as_list() {
                ordered = true;
                l.iter().map(|e| e.to_vec()).collect()
            } else if let Some(s) = v.as_set() {
                // Sets have no order: when storing, sort them so the result
                // is the same on replicas (sort.c).
                if dontsort && store.is_some() {
                    dontsort = false;
                    alpha = true;
                    by = None;
                }
                s.iter().map(|m| m.into_owned()).collect()
            } else if let Some(z) = v.as_zset_mut() {
                // sort.c converts a sorted set to its skiplist encoding.
                z.convert();
                ordered = true;
                z.iter().map(|(m, _)| m.into_owned()).collect()
            } else {
                return Err(WRONGTYPE);
            }
        }
    };
    if dontsort && ordered && desc {
        elems.reverse();
    }
    if !dontsort {
        // The sort key of each element: a number, or bytes for ALPHA
        // (None sorts first, as a missing BY value does in Redis).
        let mut keyed: Vec<(Vec<u8>, f64, Option<Vec<u8>>)> = Vec::with_capacity(elems.len());
        for e in elems {
            let by_val = match by {
                Some(p) => by_pattern(ctx, p, &e),
                None => Some(e.clone()),
            };
            let (num, text) = if alpha {
                (0.0, by_val)
            } else {
                match by_val {
                    Some(b) => (
                        weight(&b).ok_or(CmdError::fixed(
                            "ERR One or more scores can't be converted into double",
                        ))?,
                        None,
                    ),
                    None => (0.0, None),
                }
            };
            keyed.push((e, num, text));
        }
        let binary = store.is_some();
        keyed.sort_by(|a, b| {
            let c = if !alpha {
                a.1.partial_cmp(&b.1)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.0.cmp(&b.0))
            } else {
                match (&a.2, &b.2) {
                    (None, None) => Ordering::Equal,
                    (None, _) => Ordering::Less,
                    (_, None) => Ordering::Greater,
                    (Some(x), Some(y)) => collated(x, binary).cmp(collated(y, binary)),
                }
            };
            if desc {
                c.reverse()
            } else {
                c
            }
        });
        elems = keyed.into_iter().map(|k| k.0).collect();
    }
    // LIMIT as sort.c clamps it.
    let len = elems.len() as i64;
    let (start, end) = match limit {
        None => (0, len - 1),
        Some((s, c)) => {
            let mut start = s.max(0);
            let mut end = if c < 0 { len - 1 } else { start + c - 1 };
            if start >= len {
                start = len - 1;
                end = len - 2;
            }
            (start, end.min(len - 1))
        }
    };
    let picked: Vec<Vec<u8>> = if start > end || len == 0 {
        Vec::new()
    } else {
        elems[start as usize..=end as usize].to_vec()
    };
    let mut rows: Vec<Option<Vec<u8>>> = Vec::new();
    for e in &picked {
        if gets.is_empty() {
            rows.push(Some(e.clone()));
        }
        for g in &gets {
            rows.push(by_pattern(ctx, g, e));
        }
    }
    match store {
        None => {
            let out = &mut ctx.client.out;
            out.array(rows.len());
            for r in &rows {
                match r {
                    Some(v) => out.bulk(v),
                    None => out.null(),
                }
            }
        }
        Some(dst) => {
            let fill = ctx.eng.cached.list_fill;
            if !rows.is_empty() || ctx.eng.ks.dbs[db].contains(dst) {
                // The STORE key is not in SORT's key specs: WATCH and
                // blocked clients are told here.
                ctx.eng.signal_modified(db, dst);
            }
            let d = &mut ctx.eng.ks.dbs[db];
            let existed = d.remove(dst).is_some();
            if !rows.is_empty() {
                let mut l = Quicklist::new();
                rows.iter()
                    .for_each(|r| l.push_back(r.as_deref().unwrap_or(b""), fill));
                d.add(dst, Value::from_list(l));
                if !existed {
                    ctx.notify_created(db, dst);
                }
                ctx.eng.dirty += rows.len() as u64;
                ctx.notify(conf::notify::NOTIFY_LIST, "sortstore", dst);
            } else if existed {
                ctx.eng.dirty += 1;
                ctx.notify_del(dst);
            }
            ctx.client.out.int(rows.len() as i64);
        }
    }
    Ok(())
}
