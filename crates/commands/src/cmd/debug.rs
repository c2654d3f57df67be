//! DEBUG (debug.c `debugCommand`): the subcommands client test suites use
//! to simulate hangs, errors and data sets, and to compare datasets.
//!
//! DEBUG has no subcommand table in Redis: it parses its own arguments, so
//! a wrong argument count for a known subcommand gets the same "unknown
//! subcommand or wrong number of arguments" error as an unknown one.

use crate::args::eq;
use crate::args::{non_negative, NOT_POSITIVE};
use crate::cmd::object::refcount_of;
use crate::cmd::reply;
use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult, NO_SUCH_KEY};
use crate::table::Handler;
use keyspace::{digest, digest_value, hex, Value};

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[("debug", debug)];

const NOT_ALLOWED: CmdError = CmdError::fixed("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.");

/// Keys DEBUG POPULATE will create at most: Redis fails its dictionary
/// expansion ("OOM in dictTryExpand") long before this.
const POPULATE_MAX_KEYS: i64 = 1 << 31;

/// Redis formats POPULATE key names into a 128-byte buffer.
const POPULATE_KEY_BUF: usize = 128;

fn debug(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    check_allowed(ctx)?;
    let sub = argv[1];
    let n = argv.len();
    match () {
        _ if eq(sub, "help") && n == 2 => help(ctx, argv),
        _ if eq(sub, "sleep") && n == 3 => sleep(ctx, argv),
        _ if eq(sub, "set-active-expire") && n == 3 => {
            ctx.eng.active_expire_enabled = atoi(argv[2]) != 0;
            ctx.client.out.ok();
        }
        _ if eq(sub, "object") && n == 3 => object(ctx, argv)?,
        _ if eq(sub, "digest") && n == 2 => {
            let d = hex(&digest(&ctx.eng.ks));
            ctx.client.out.simple(&d);
        }
        _ if eq(sub, "digest-value") => {
            let db = &ctx.eng.ks.dbs[ctx.client.db];
            // Deliberately no lookup: a debug command sees logically
            // expired keys too.
            let digests: Vec<String> = argv[2..]
                .iter()
                .map(|k| hex(&digest_value(db, k)))
                .collect();
            ctx.client.out.array(digests.len());
            digests.iter().for_each(|d| ctx.client.out.simple(d));
        }
        _ if eq(sub, "populate") && (3..=5).contains(&n) => populate(ctx, argv)?,
        _ if eq(sub, "protocol") && n == 3 => protocol(ctx, argv[2])?,
        _ if eq(sub, "reload") => reload(ctx, argv)?,
        _ if eq(sub, "change-repl-id") && n == 2 => {
            tracing::warn!("Changing replication IDs after receiving DEBUG change-repl-id");
            let repl = &mut ctx.eng.propagation.repl;
            repl.replid = crate::engine::random_hex40(&mut ctx.eng.rng);
            repl.clear_replid2();
            ctx.client.out.ok();
        }
        _ if eq(sub, "error") && n == 3 => {
            // The argument is the whole error line, code included.
            return Err(CmdError::new(String::from_utf8_lossy(argv[2]).into_owned()));
        }
        _ if eq(sub, "log") && n == 3 => {
            tracing::warn!("DEBUG LOG: {}", String::from_utf8_lossy(argv[2]));
            ctx.client.out.ok();
        }
        _ => return Err(reply::subcommand_syntax(argv)),
    }
    Ok(())
}

/// `enable-debug-command` (server.c `mustObeyClient` / protected
/// commands): `no` refuses, `local` allows loopback connections only.
fn check_allowed(ctx: &Ctx) -> CmdResult {
    let allowed = match ctx.eng.config.get("enable-debug-command").as_deref() {
        None | Some("yes") => true,
        Some("local") => is_local(&ctx.client.addr),
        Some(_) => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(NOT_ALLOWED)
    }
}

/// True for a loopback peer (networking.c `islocalClient`).
pub(crate) fn is_local(addr: &str) -> bool {
    let host = match addr.rsplit_once(':') {
        Some((h, _)) => h.trim_start_matches('[').trim_end_matches(']'),
        None => addr,
    };
    host.starts_with("127.") || host == "::1" || host.is_empty()
}

/// C `atoi`: optional blanks and sign, then digits; anything else ends it.
fn atoi(s: &[u8]) -> i64 {
    let s = std::str::from_utf8(s).unwrap_or("").trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, d| {
            acc.saturating_mul(10).saturating_add((d - b'0') as i64)
        });
    if neg {
        -v
    } else {
        v
    }
}

/// C `strtod` on a prefix: the longest leading float, 0 when there is none
/// (`DEBUG SLEEP abc` sleeps 0 seconds in Redis).
fn strtod(s: &[u8]) -> f64 {
    let s = std::str::from_utf8(s).unwrap_or("").trim_start();
    let max = s.len().min(64);
    (1..=max)
        .rev()
        .filter(|&i| s.is_char_boundary(i))
        .find_map(|i| {
            let p = &s[..i];
            // Rust accepts "inf"/"nan" spellings strtod also accepts, but
            // not a trailing 'e' or '.', which strtod would leave unread.
            p.parse::<f64>().ok()
        })
        .unwrap_or(0.0)
}

/// DEBUG SLEEP: blocks the whole server, as Redis does (the point is to
/// simulate a hung server).
fn sleep(ctx: &mut Ctx, argv: &[&[u8]]) {
    let secs = strtod(argv[2]);
    let us = (secs * 1_000_000.0) as i64;
    if us > 0 {
        std::thread::sleep(std::time::Duration::from_micros(us as u64));
    }
    ctx.client.out.ok();
}

/// DEBUG OBJECT: `Value at:<ptr> refcount:<n> encoding:<e>
/// serializedlength:<n> lru:<clock> lru_seconds_idle:<s>`.
fn object(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let eng = &*ctx.eng;
    let Some(v) = eng.ks.dbs[ctx.client.db].get(argv[2]) else {
        return Err(NO_SUCH_KEY);
    };
    let line = format!(
        "Value at:{:p} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
        v as *const Value,
        refcount_of(eng, v),
        v.encoding_name(),
        serialized_len(v),
        v.lru(),
        v.idle_ms(ctx.now_ms) / 1000
    );
    ctx.client.out.simple(&line);
    Ok(())
}

/// Bytes the value takes in an RDB file (rdb.c `rdbSavedObjectLen`), for
/// strings. LZF compression of strings over 20 bytes is not modelled, so
/// long compressible strings report their uncompressed size; other types
/// report 0 until the RDB encoder exists.
fn serialized_len(v: &Value) -> usize {
    if !v.is_string() {
        return 0;
    }
    match v.as_int() {
        Some(n) => int_encoded_len(n).unwrap_or_else(|| raw_len(n.to_string().len())),
        None => v.with_bytes(|b| {
            if b.len() <= 11 {
                if let Some(n) = canonical_int(b) {
                    if let Some(len) = int_encoded_len(n) {
                        return len;
                    }
                }
            }
            raw_len(b.len())
        }),
    }
}

/// rdb.c `rdbEncodeInteger`: 8, 16 or 32-bit integers after a type byte.
fn int_encoded_len(n: i64) -> Option<usize> {
    if i8::try_from(n).is_ok() {
        Some(2)
    } else if i16::try_from(n).is_ok() {
        Some(3)
    } else if i32::try_from(n).is_ok() {
        Some(5)
    } else {
        None
    }
}

/// A length-prefixed string (rdb.c `rdbSaveLen` + the bytes).
fn raw_len(len: usize) -> usize {
    let prefix = if len < 1 << 6 {
        1
    } else if len < 1 << 14 {
        2
    } else if len <= u32::MAX as usize {
        5
    } else {
        9
    };
    prefix + len
}

/// The integer if `b` is its canonical decimal form (rdb.c
/// `rdbTryIntegerEncoding`: `string2ll` then `ll2string` must round-trip).
fn canonical_int(b: &[u8]) -> Option<i64> {
    let n = resp::parse_i64(b)?;
    (n.to_string().as_bytes() == b).then_some(n)
}

/// DEBUG POPULATE count [prefix] [size]: keys `prefix:N` holding
/// `value:N` (zero-padded or cut to `size`), skipping existing keys. Not
/// counted as changes, as in Redis.
fn populate(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let count = non_negative(argv[2], NOT_POSITIVE)? as i64;
    if count > POPULATE_MAX_KEYS {
        return Err(CmdError::fixed("ERR OOM in dictTryExpand"));
    }
    let size = match argv.get(4) {
        Some(a) => non_negative(a, NOT_POSITIVE)? as i64,
        None => 0,
    };
    if size > ctx.eng.cached.proto_max_bulk_len {
        return Err(NOT_POSITIVE);
    }
    let prefix: &[u8] = argv.get(3).copied().unwrap_or(b"key");
    let db = ctx.client.db;
    let mut key = Vec::with_capacity(prefix.len() + 12);
    for j in 0..count {
        key.clear();
        key.extend_from_slice(prefix);
        key.extend_from_slice(format!(":{j}").as_bytes());
        key.truncate(POPULATE_KEY_BUF - 1);
        if ctx.eng.exists(db, &key, ctx.now_ms) {
            continue;
        }
        let text = format!("value:{j}");
        let value = if size == 0 {
            Value::from_bytes_plain(text.as_bytes())
        } else {
            let mut v = vec![0u8; size as usize];
            let n = text.len().min(v.len());
            v[..n].copy_from_slice(&text.as_bytes()[..n]);
            Value::from_bytes_plain(&v)
        };
        ctx.eng.ks.dbs[db].add(&key, value);
    }
    ctx.client.out.ok();
    Ok(())
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves the dataset, empties
/// memory and loads the file back (each step can be left out), which
/// shows that what is saved loads to the same data. Unlike Redis, a
/// failed load leaves the dataset as it was instead of half-loaded.
fn reload(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (mut merge, mut flush, mut save) = (false, true, true);
    for opt in &argv[2..] {
        if eq(opt, "merge") {
            merge = true;
        } else if eq(opt, "noflush") {
            flush = false;
        } else if eq(opt, "nosave") {
            save = false;
        } else {
            return Err(CmdError::fixed(
                "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
            ));
        }
    }
    if save {
        ctx.eng
            .rdb_save(ctx.now_ms)
            .map_err(|_| CmdError::fixed("ERR"))?;
    }
    ctx.eng
        .reload_from_disk(flush, merge, ctx.now_ms)
        .map_err(|_| CmdError::fixed("ERR Error trying to load the RDB dump"))?;
    tracing::warn!("DB reloaded by DEBUG RELOAD");
    ctx.client.out.ok();
    Ok(())
}

/// DEBUG PROTOCOL <type>: one test value of each RESP type, in the
/// client's protocol (debug.c).
fn protocol(ctx: &mut Ctx, name: &[u8]) -> CmdResult {
    let out = &mut ctx.client.out;
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    match name.as_str() {
        "string" => out.bulk(b"Hello World"),
        "integer" => out.int(12345),
        // Redis's test value, not an approximation of pi.
        #[allow(clippy::approx_constant)]
        "double" => out.double(3.141),
        "bignum" => {
            const BIG: &str = "1234567999999999999999999999999999999";
            if out.resp3 {
                out.raw(format!("({BIG}\r\n").as_bytes());
            } else {
                out.bulk(BIG.as_bytes());
            }
        }
        "null" => out.null(),
        "array" | "set" => {
            if name == "array" {
                out.array(3);
            } else {
                out.set(3);
            }
            (0..3).for_each(|j| out.int(j));
        }
        "map" => {
            out.map(3);
            for j in 0..3 {
                out.int(j);
                out.boolean(j == 1);
            }
        }
        "attrib" => {
            if out.resp3 {
                out.raw(b"|1\r\n");
                out.bulk(b"key-popularity");
                out.array(2);
                out.bulk(b"key:123");
                out.int(90);
            }
            out.bulk(b"Some real reply following the attribute");
        }
        "push" => {
            if !out.resp3 {
                return Err(CmdError::fixed("ERR RESP2 is not supported by this command"));
            }
            out.push(2);
            out.bulk(b"server-cpu-usage");
            out.int(42);
            out.bulk(b"Some real reply following the push reply");
        }
        "true" => out.boolean(true),
        "false" => out.boolean(false),
        "verbatim" => out.verbatim(b"This is a verbatim\nstring"),
        _ => return Err(CmdError::fixed("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")),
    }
    Ok(())
}

fn help(ctx: &mut Ctx, argv: &[&[u8]]) {
    reply::help(
        &mut ctx.client.out,
        argv[0],
        &[
            "CHANGE-REPL-ID",
            "    Change the replication IDs of the instance.",
            "    Dangerous: should be used only for testing the replication subsystem.",
            "DIGEST",
            "    Output a hex signature representing the current DB content.",
            "DIGEST-VALUE <key> [<key> ...]",
            "    Output a hex signature of the values of all the specified keys.",
            "ERROR <string>",
            "    Return a Redis protocol error with <string> as message. Useful for clients",
            "    unit tests to simulate Redis errors.",
            "LOG <message>",
            "    Write <message> to the server log.",
            "OBJECT <key>",
            "    Show low level info about `key` and associated value.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> string keys named key:<num>. If <prefix> is specified then",
            "    it is used instead of the 'key' prefix. These are not propagated to",
            "    replicas. Cluster slots are not respected so keys not belonging to the",
            "    current node can be created in cluster mode.",
            "PROTOCOL <type>",
            "    Reply with a test value of the specified type. <type> can be: string,",
            "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
            "    true, false.",
            "RELOAD [option ...]",
            "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
            "    * MERGE: conflicting keys will be loaded from RDB.",
            "    * NOFLUSH: the existing database will not be removed before load, but",
            "      conflicting keys will generate an exception and kill the server.",
            "    * NOSAVE: the database will be loaded from an existing RDB file.",
            "    Examples:",
            "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
            "      the database.",
            "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
            "      existing RDB file.",
            "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
            "      file to the database.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
        ],
    );
}

#[cfg(test)]
mod tests {
    //! Goal: DEBUG's C-style argument parsing (atoi, strtod) and RDB
    //! string sizes match debug.c and rdb.c.
    use super::*;

    #[test]
    fn c_number_parsing() {
        assert_eq!(atoi(b"1"), 1);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b" -3z"), -3);
        assert_eq!(strtod(b"0.25"), 0.25);
        assert_eq!(strtod(b"abc"), 0.0);
        assert_eq!(strtod(b"1.5s"), 1.5);
    }

    #[test]
    fn rdb_string_lengths() {
        // Reference: redis-server 7.0.15 DEBUG OBJECT on "abc", 5, 300, 70000.
        assert_eq!(serialized_len(&Value::from_bytes(b"abc")), 4);
        assert_eq!(serialized_len(&Value::from_bytes(b"5")), 2);
        assert_eq!(serialized_len(&Value::from_bytes(b"300")), 3);
        assert_eq!(serialized_len(&Value::from_bytes(b"70000")), 5);
        assert_eq!(serialized_len(&Value::from_bytes_plain(b"12")), 2);
        assert_eq!(serialized_len(&Value::from_bytes(&[b'x'; 64])), 66);
    }

    #[test]
    fn loopback_peers() {
        assert!(is_local("127.0.0.1:5000"));
        assert!(is_local("[::1]:5000"));
        assert!(!is_local("10.0.0.1:5000"));
    }
}
