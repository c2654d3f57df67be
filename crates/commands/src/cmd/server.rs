//! Server commands: TIME, LASTSAVE, MONITOR, SHUTDOWN.
//! (DBSIZE, SWAPDB and FLUSH* live with the key commands in `keys.rs`.)

use crate::args::eq;
use crate::engine::{Ctx, ShutdownRequest};
use crate::error::{CmdError, CmdResult, SYNTAX};
use crate::table::Handler;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("time", time),
    ("lastsave", lastsave),
    ("monitor", monitor),
    ("shutdown", shutdown),
];

fn time(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    // The engine is clock-free and gets milliseconds; the microsecond
    // field is therefore a multiple of 1000.
    let us = ctx.now_ms * 1000;
    let out = &mut ctx.client.out;
    out.array(2);
    out.bulk_int(us / 1_000_000);
    out.bulk_int(us % 1_000_000);
    Ok(())
}

fn lastsave(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.client.out.int(ctx.eng.lastsave_s);
    Ok(())
}

/// MONITOR (replication.c `monitorCommand`): a client already monitoring
/// gets no reply at all, as in Redis.
fn monitor(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if ctx.client.flags.monitor || ctx.client.flags.replica {
        return Ok(());
    }
    ctx.client.flags.monitor = true;
    ctx.eng.monitors.push(ctx.client.id);
    ctx.client.out.ok();
    Ok(())
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] (server.c
/// `shutdownCommand`). Success sends no reply: the host stops the server
/// after this batch and the connection closes.
fn shutdown(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut req = ShutdownRequest::default();
    let mut abort = false;
    for a in &argv[1..] {
        if eq(a, "nosave") {
            req.nosave = true;
        } else if eq(a, "save") {
            req.save = true;
        } else if eq(a, "now") {
            req.now = true;
        } else if eq(a, "force") {
            req.force = true;
        } else if eq(a, "abort") {
            abort = true;
        } else {
            return Err(SYNTAX);
        }
    }
    let any_flag = req.nosave || req.save || req.now || req.force;
    if (abort && any_flag) || (req.nosave && req.save) {
        return Err(SYNTAX);
    }
    if abort {
        // A shutdown is never left pending: without replicas to wait for,
        // it completes right after the batch that asked for it.
        return Err(CmdError::fixed("ERR No shutdown in progress."));
    }
    // Saves first when it must; a failed save cancels the shutdown and
    // is the reply.
    ctx.eng.prepare_shutdown(req, ctx.now_ms)
}
