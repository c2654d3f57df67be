//! Transaction commands (multi.c): MULTI EXEC DISCARD WATCH UNWATCH.
//! Queuing itself happens in the dispatcher (`Engine::execute`).

use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::table::Handler;
use crate::txn::MultiState;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("multi", multi),
    ("exec", exec),
    ("discard", discard),
    ("watch", watch),
    ("unwatch", unwatch),
];

fn multi(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if ctx.eng.multi.contains_key(&ctx.client.id) {
        return Err(CmdError::fixed("ERR MULTI calls can not be nested"));
    }
    ctx.eng.multi.insert(ctx.client.id, MultiState::default());
    ctx.client.out.ok();
    Ok(())
}

fn exec(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let result = ctx.eng.exec(ctx.client, ctx.now_ms);
    // The queued commands propagated themselves (wrapped in MULTI/EXEC
    // when there are several); EXEC adds nothing.
    ctx.propagate_nothing();
    result
}

fn discard(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if ctx.eng.multi.remove(&ctx.client.id).is_none() {
        return Err(CmdError::fixed("ERR DISCARD without MULTI"));
    }
    ctx.eng.watches.unwatch_all(ctx.client.id);
    ctx.client.out.ok();
    Ok(())
}

fn watch(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if ctx.eng.multi.contains_key(&ctx.client.id) {
        return Err(CmdError::fixed("ERR WATCH inside MULTI is not allowed"));
    }
    let db = ctx.client.db;
    for key in &argv[1..] {
        let expired = ctx.eng.ks.dbs[db].is_expired(key, ctx.now_ms);
        ctx.eng.watches.watch(ctx.client.id, db, key, expired);
    }
    ctx.client.out.ok();
    Ok(())
}

fn unwatch(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.eng.watches.unwatch_all(ctx.client.id);
    ctx.client.out.ok();
    Ok(())
}
