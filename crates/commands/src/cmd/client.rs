//! CLIENT subcommands (networking.c `clientCommand`): identity, names,
//! listing, killing, pausing, reply modes.

use crate::args::{eq, int};
use crate::client::ClientState;
use crate::cmd::connection::validate_client_name;
use crate::cmd::reply;
use crate::engine::{Ctx, Engine, Pause};
use crate::error::{CmdError, CmdResult, SYNTAX};
use crate::pubsub;
use crate::table::Handler;
use std::fmt::Write;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("client|id", id),
    ("client|setname", setname),
    ("client|getname", getname),
    ("client|list", list),
    ("client|info", info),
    ("client|kill", kill),
    ("client|setinfo", setinfo),
    ("client|no-evict", no_evict),
    ("client|pause", pause),
    ("client|unpause", unpause),
    ("client|reply", reply_mode),
    ("client|help", help),
    ("client|unblock", unblock),
];

/// Size Redis gives a new client's reply buffer (`PROTO_REPLY_CHUNK_BYTES`).
const REPLY_CHUNK_BYTES: usize = 16 * 1024;

/// Rough size of Redis's `client` struct, for `tot-mem`.
const CLIENT_STRUCT_BYTES: usize = 1024;

/// Client kinds of CLIENT LIST TYPE and CLIENT KILL TYPE
/// (networking.c `getClientType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Replica,
    Pubsub,
    Master,
}

/// `getClientTypeByName`; the error names the type as given.
fn kind_by_name(name: &[u8]) -> Result<Kind, CmdError> {
    let n = String::from_utf8_lossy(name);
    match n.to_ascii_lowercase().as_str() {
        "normal" => Ok(Kind::Normal),
        "slave" | "replica" => Ok(Kind::Replica),
        "pubsub" => Ok(Kind::Pubsub),
        "master" => Ok(Kind::Master),
        _ => Err(CmdError::new(format!("ERR Unknown client type '{n}'"))),
    }
}

/// networking.c `getClientType`: a MONITOR client counts as normal.
fn kind_of(eng: &Engine, c: &ClientState) -> Kind {
    if c.flags.master {
        Kind::Master
    } else if c.flags.replica && !c.flags.monitor {
        Kind::Replica
    } else if eng.pubsub.is_subscribed(c.id) {
        Kind::Pubsub
    } else {
        Kind::Normal
    }
}

/// The `flags=` field (networking.c `catClientInfoString`), in Redis's
/// letter order.
fn flags_field(eng: &Engine, c: &ClientState) -> String {
    let f = &c.flags;
    let letters = [
        (f.monitor, 'O'),
        (f.replica && !f.monitor, 'S'),
        (f.master, 'M'),
        (eng.pubsub.is_subscribed(c.id), 'P'),
        (eng.multi.contains_key(&c.id), 'x'),
        (eng.blocking.is_blocked(c.id), 'b'),
        (eng.watches.is_dirty(c.id), 'd'),
        (f.close_after_reply, 'c'),
        (f.close_asap, 'A'),
        (f.no_evict, 'e'),
    ];
    let s: String = letters
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, l)| *l)
        .collect();
    if s.is_empty() {
        "N".into()
    } else {
        s
    }
}

/// One CLIENT LIST line without its newline, in 7.0.15's field order
/// (networking.c `catClientInfoString`). `argv_mem` is the size of the
/// command being run (only the caller is running one).
pub fn info_line(
    eng: &Engine,
    c: &ClientState,
    now_ms: i64,
    argv_mem: usize,
    is_caller: bool,
) -> String {
    let rbs = c.out.buf.capacity().max(REPLY_CHUNK_BYTES);
    let tot_mem = CLIENT_STRUCT_BYTES + c.qbuf + c.qbuf_free + argv_mem + rbs;
    let events = if !is_caller && !c.out.buf.is_empty() {
        "rw"
    } else {
        "r"
    };
    let mut s = String::with_capacity(300);
    let _ = write!(
        s,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} \
         sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} \
         rbs={} rbp={} obl={} oll=0 omem=0 tot-mem={} events={} cmd={} user=default \
         redir=-1 resp={}",
        c.id,
        c.addr,
        c.laddr,
        c.fd,
        c.name,
        (now_ms - c.created_ms).max(0) / 1000,
        (now_ms - c.last_interaction_ms).max(0) / 1000,
        flags_field(eng, c),
        c.db,
        eng.pubsub.channels_of(pubsub::Kind::Plain, c.id).len(),
        eng.pubsub.patterns_of(c.id).len(),
        eng.pubsub.channels_of(pubsub::Kind::Shard, c.id).len(),
        eng.multi.get(&c.id).map_or(-1, |m| m.queue.len() as i64),
        c.qbuf,
        c.qbuf_free,
        argv_mem,
        eng.multi.get(&c.id).map_or(0, |m| m.memory()),
        rbs,
        c.out.buf.len(),
        c.out.buf.len(),
        tot_mem,
        events,
        c.last_cmd,
        c.resp()
    );
    s
}

/// Calls `f` with every connected client, the caller included (which the
/// connection has borrowed, so it is passed from `ctx`), in id order.
fn each_client(ctx: &Ctx, mut f: impl FnMut(&ClientState, bool)) {
    for (id, rc) in &ctx.eng.clients {
        if *id == ctx.client.id {
            f(ctx.client, true);
        } else if let Ok(c) = rc.try_borrow() {
            f(&c, false);
        }
    }
}

fn argv_mem(argv: &[&[u8]]) -> usize {
    argv.iter().map(|a| a.len()).sum()
}

fn id(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.client.out.int(ctx.client.id as i64);
    Ok(())
}

fn setname(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // An empty name removes the current one.
    if !argv[2].is_empty() {
        validate_client_name(argv[2])?;
    }
    ctx.client.name = String::from_utf8_lossy(argv[2]).into_owned();
    ctx.client.out.ok();
    Ok(())
}

fn getname(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if ctx.client.name.is_empty() {
        ctx.client.out.null();
    } else {
        let name = ctx.client.name.clone();
        ctx.client.out.bulk(name.as_bytes());
    }
    Ok(())
}

/// CLIENT LIST [TYPE type | ID id ...]: one filter at most, as in 7.0;
/// IDs are listed in the order given.
fn list(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mem = argv_mem(argv);
    let now = ctx.now_ms;
    let mut text = String::new();
    if argv.len() == 4 && eq(argv[2], "type") {
        let want = kind_by_name(argv[3])?;
        each_client(ctx, |c, me| {
            if kind_of(ctx.eng, c) == want {
                text.push_str(&info_line(ctx.eng, c, now, if me { mem } else { 0 }, me));
                text.push('\n');
            }
        });
    } else if argv.len() > 3 && eq(argv[2], "id") {
        let mut ids = Vec::with_capacity(argv.len() - 3);
        for a in &argv[3..] {
            ids.push(resp::parse_i64(a).ok_or(CmdError::fixed("ERR Invalid client ID"))?);
        }
        for want in ids {
            if want == ctx.client.id as i64 {
                text.push_str(&info_line(ctx.eng, ctx.client, now, mem, true));
                text.push('\n');
            } else if let Some(rc) = u64::try_from(want)
                .ok()
                .and_then(|i| ctx.eng.clients.get(&i))
            {
                if let Ok(c) = rc.try_borrow() {
                    text.push_str(&info_line(ctx.eng, &c, now, 0, false));
                    text.push('\n');
                }
            }
        }
    } else if argv.len() != 2 {
        return Err(SYNTAX);
    } else {
        each_client(ctx, |c, me| {
            text.push_str(&info_line(ctx.eng, c, now, if me { mem } else { 0 }, me));
            text.push('\n');
        });
    }
    ctx.client.out.verbatim(text.as_bytes());
    Ok(())
}

fn info(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut line = info_line(ctx.eng, ctx.client, ctx.now_ms, argv_mem(argv), true);
    line.push('\n');
    ctx.client.out.verbatim(line.as_bytes());
    Ok(())
}

/// What CLIENT KILL selects; `None` fields match everything.
#[derive(Default)]
struct KillFilter<'a> {
    addr: Option<&'a [u8]>,
    laddr: Option<&'a [u8]>,
    id: Option<u64>,
    kind: Option<Kind>,
    skipme: bool,
}

/// CLIENT KILL addr (old form: error when nothing matched, may kill the
/// caller) or CLIENT KILL <filter> <value> ... (new form: replies the
/// count, skips the caller unless SKIPME no). A killed client is marked
/// and woken; its connection closes it. The caller, if killed, gets its
/// reply first.
fn kill(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let old_form = argv.len() == 3;
    let mut filter = KillFilter {
        skipme: true,
        ..KillFilter::default()
    };
    if old_form {
        filter.addr = Some(argv[2]);
        filter.skipme = false;
    } else {
        let mut i = 2;
        while i < argv.len() {
            let (opt, val) = match argv.get(i + 1) {
                Some(v) => (argv[i], *v),
                None => return Err(SYNTAX),
            };
            if eq(opt, "id") {
                let n = int(val)
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or(CmdError::fixed("ERR client-id should be greater than 0"))?;
                filter.id = Some(n as u64);
            } else if eq(opt, "type") {
                filter.kind = Some(kind_by_name(val)?);
            } else if eq(opt, "addr") {
                filter.addr = Some(val);
            } else if eq(opt, "laddr") {
                filter.laddr = Some(val);
            } else if eq(opt, "user") {
                // Only the default user exists without ACL.
                if val != b"default" {
                    return Err(CmdError::new(format!(
                        "ERR No such user '{}'",
                        String::from_utf8_lossy(val)
                    )));
                }
            } else if eq(opt, "skipme") {
                filter.skipme = if eq(val, "yes") {
                    true
                } else if eq(val, "no") {
                    false
                } else {
                    return Err(SYNTAX);
                };
            } else {
                return Err(SYNTAX);
            }
            i += 2;
        }
    }
    let eng: &Engine = ctx.eng;
    let matches = |c: &ClientState| {
        filter.addr.is_none_or(|a| c.addr.as_bytes() == a)
            && filter.laddr.is_none_or(|a| c.laddr.as_bytes() == a)
            && filter.id.is_none_or(|id| c.id == id)
            && filter.kind.is_none_or(|k| kind_of(eng, c) == k)
    };
    let mut killed = 0;
    for (id, rc) in &ctx.eng.clients {
        if *id == ctx.client.id {
            if !filter.skipme && matches(ctx.client) {
                ctx.client.flags.close_after_reply = true;
                killed += 1;
            }
        } else if let Ok(mut c) = rc.try_borrow_mut() {
            if matches(&c) {
                c.flags.close_asap = true;
                c.wake();
                killed += 1;
            }
        }
    }
    if old_form {
        if killed == 0 {
            return Err(CmdError::fixed("ERR No such client"));
        }
        ctx.client.out.ok();
    } else {
        ctx.client.out.int(killed);
    }
    Ok(())
}

/// CLIENT SETINFO LIB-NAME|LIB-VER value, as Redis 7.2 has it (7.0.15
/// does not know it; see `meta_extra`).
fn setinfo(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let attr = String::from_utf8_lossy(argv[2]).into_owned();
    let val = argv[3];
    let is_name = attr.eq_ignore_ascii_case("lib-name");
    if !is_name && !attr.eq_ignore_ascii_case("lib-ver") {
        return Err(CmdError::new(format!("ERR Unrecognized option '{attr}'")));
    }
    if val.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::new(format!(
            "ERR {attr} cannot contain spaces, newlines or special characters."
        )));
    }
    let val = String::from_utf8_lossy(val).into_owned();
    if is_name {
        ctx.client.lib_name = val;
    } else {
        ctx.client.lib_ver = val;
    }
    ctx.client.out.ok();
    Ok(())
}

fn no_evict(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if eq(argv[2], "on") {
        ctx.client.flags.no_evict = true;
    } else if eq(argv[2], "off") {
        ctx.client.flags.no_evict = false;
    } else {
        return Err(SYNTAX);
    }
    ctx.client.out.ok();
    Ok(())
}

/// CLIENT PAUSE timeout [WRITE|ALL]. A second pause extends the first and
/// ALL wins over WRITE (networking.c `pauseClients`).
fn pause(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 4 {
        return Err(reply::subcommand_syntax(argv));
    }
    let mut write_only = false;
    if let Some(mode) = argv.get(3) {
        if eq(mode, "write") {
            write_only = true;
        } else if !eq(mode, "all") {
            return Err(CmdError::fixed(
                "ERR CLIENT PAUSE mode must be WRITE or ALL",
            ));
        }
    }
    let ms = resp::parse_i64(argv[2]).ok_or(CmdError::fixed(
        "ERR timeout is not an integer or out of range",
    ))?;
    if ms < 0 {
        return Err(CmdError::fixed("ERR timeout is negative"));
    }
    if ms > i64::MAX - ctx.now_ms {
        return Err(CmdError::fixed("ERR timeout is out of range"));
    }
    let until_ms = ctx.now_ms + ms;
    let pause = match ctx.eng.pause {
        Some(p) if p.until_ms > ctx.now_ms => Pause {
            until_ms: p.until_ms.max(until_ms),
            write_only: p.write_only && write_only,
        },
        _ => Pause {
            until_ms,
            write_only,
        },
    };
    if ms > 0 || ctx.eng.pause.is_some() {
        ctx.eng.pause = Some(pause);
    }
    ctx.client.out.ok();
    Ok(())
}

fn unpause(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.eng.pause = None;
    ctx.client.out.ok();
    Ok(())
}

/// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP are not answered: the
/// dispatcher drops the replies of a client in those modes.
fn reply_mode(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let c = &mut *ctx.client;
    if eq(argv[2], "on") {
        c.reply_off = false;
        c.reply_skip = false;
        c.out.ok();
    } else if eq(argv[2], "off") {
        c.reply_off = true;
    } else if eq(argv[2], "skip") {
        if !c.reply_off {
            c.reply_skip_next = true;
        }
    } else {
        return Err(SYNTAX);
    }
    Ok(())
}

fn help(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    reply::help(
        &mut ctx.client.out,
        argv[0],
        &[
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    );
    Ok(())
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR] (blocked.c via networking.c
/// `clientCommand`): a blocked client gets its timeout reply, or an
/// UNBLOCKED error; 1 if it was blocked.
fn unblock(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let id = resp::parse_i64(argv[2]).ok_or(crate::error::NOT_INTEGER)?;
    let error = match argv.get(3) {
        None => false,
        Some(a) if eq(a, "timeout") => false,
        Some(a) if eq(a, "error") => true,
        Some(_) => {
            return Err(CmdError::fixed(
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    let target = u64::try_from(id)
        .ok()
        .and_then(|i| ctx.eng.clients.get(&i).cloned());
    let Some(rc) = target.filter(|_| ctx.eng.blocking.is_blocked(id as u64)) else {
        ctx.client.out.int(0);
        return Ok(());
    };
    if let Ok(mut c) = rc.try_borrow_mut() {
        if let Some(timeout_reply) = ctx.eng.unblock_client(c.id) {
            if error {
                c.out.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
            } else {
                timeout_reply(&mut c.out);
            }
            c.wake();
        }
    }
    ctx.client.out.int(1);
    Ok(())
}
