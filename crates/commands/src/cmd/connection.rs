//! Connection commands: PING ECHO SELECT QUIT HELLO AUTH RESET.

use crate::args::{eq, int_or};
use crate::engine::{Ctx, Mode};
use crate::error::{CmdError, CmdResult, DB_RANGE, NOT_INTEGER, SYNTAX};
use crate::table::Handler;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("ping", ping),
    ("echo", echo),
    ("select", select),
    ("quit", quit),
    ("hello", hello),
    ("auth", auth),
    ("reset", reset),
];

const WRONGPASS: CmdError =
    CmdError::fixed("WRONGPASS invalid username-password pair or user is disabled.");

/// The text Redis 7.0.15 reports as its version.
pub const REDIS_VERSION: &str = "7.0.15";

fn ping(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 2 {
        return Err(crate::error::wrong_arity("ping"));
    }
    if ctx.client.resp() == 2 && ctx.eng.pubsub.is_subscribed(ctx.client.id) {
        // A subscribed RESP2 client reads arrays only.
        let out = &mut ctx.client.out;
        out.array(2);
        out.bulk(b"pong");
        out.bulk(argv.get(1).copied().unwrap_or_default());
        return Ok(());
    }
    match argv.get(1) {
        None => ctx.client.out.simple("PONG"),
        Some(msg) => ctx.client.out.bulk(msg),
    }
    Ok(())
}

fn echo(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ctx.client.out.bulk(argv[1]);
    Ok(())
}

fn select(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let db = int_or(argv[1], NOT_INTEGER)?;
    if db < 0 || db as usize >= ctx.eng.ks.dbs.len() {
        return Err(DB_RANGE);
    }
    ctx.client.db = db as usize;
    ctx.client.out.ok();
    Ok(())
}

fn quit(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.client.out.ok();
    ctx.client.flags.close_after_reply = true;
    Ok(())
}

/// Checks a password for the default user (the only user without ACL).
fn check_password(ctx: &Ctx, user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    match &ctx.eng.cached.requirepass {
        Some(p) => p.as_slice() == pass,
        None => true,
    }
}

fn auth(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 3 {
        return Err(SYNTAX);
    }
    let (user, pass): (&[u8], &[u8]) = if argv.len() == 2 {
        (b"default", argv[1])
    } else {
        (argv[1], argv[2])
    };
    if argv.len() == 2 && ctx.eng.cached.requirepass.is_none() {
        return Err(CmdError::fixed(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        ));
    }
    if !check_password(ctx, user, pass) {
        return Err(WRONGPASS);
    }
    ctx.client.authenticated = true;
    ctx.client.out.ok();
    Ok(())
}

/// Client names may not contain spaces or special characters
/// (networking.c `validateClientName`). Shared with CLIENT SETNAME.
pub fn validate_client_name(name: &[u8]) -> CmdResult {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::fixed(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

fn hello(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut ver = None;
    let mut i = 1;
    if argv.len() >= 2 {
        let v = int_or(
            argv[1],
            CmdError::fixed("ERR Protocol version is not an integer or out of range"),
        )?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::fixed("NOPROTO unsupported protocol version"));
        }
        ver = Some(v);
        i = 2;
    }
    let mut creds = None;
    let mut setname = None;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        if eq(argv[i], "auth") && more >= 2 {
            creds = Some((argv[i + 1], argv[i + 2]));
            i += 3;
        } else if eq(argv[i], "setname") && more >= 1 {
            validate_client_name(argv[i + 1])?;
            setname = Some(argv[i + 1]);
            i += 2;
        } else {
            return Err(CmdError::new(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(argv[i])
            )));
        }
    }
    if let Some((user, pass)) = creds {
        if !check_password(ctx, user, pass) {
            return Err(WRONGPASS);
        }
        ctx.client.authenticated = true;
    }
    if !ctx.client.authenticated {
        return Err(CmdError::fixed("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
    }
    if let Some(name) = setname {
        ctx.client.name = String::from_utf8_lossy(name).into_owned();
    }
    if let Some(v) = ver {
        ctx.client.out.resp3 = v == 3;
    }
    let sentinel = ctx.eng.identity.mode == Mode::Sentinel;
    let out = &mut ctx.client.out;
    out.map(if sentinel { 6 } else { 7 });
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(if out.resp3 { 3 } else { 2 });
    out.bulk(b"id");
    out.int(ctx.client.id as i64);
    out.bulk(b"mode");
    out.bulk(if sentinel { b"sentinel" } else { b"standalone" });
    if !sentinel {
        out.bulk(b"role");
        out.bulk(b"master");
    }
    out.bulk(b"modules");
    out.array(0);
    Ok(())
}

fn reset(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let c = &mut *ctx.client;
    c.db = 0;
    c.out.resp3 = false;
    c.name.clear();
    c.flags.monitor = false;
    c.flags.no_evict = false;
    c.authenticated = ctx.eng.cached.requirepass.is_none();
    let id = c.id;
    ctx.eng.monitors.retain(|m| *m != id);
    ctx.eng.forget_client_state(id);
    ctx.client.out.simple("RESET");
    Ok(())
}
