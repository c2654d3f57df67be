//! SAVE and BGSAVE (rdb.c `saveCommand`, `bgsaveCommand`). LASTSAVE is
//! with the server commands; the machinery is in `crate::persist`.

use crate::args::eq;
use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult, SYNTAX};
use crate::table::Handler;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[("save", save), ("bgsave", bgsave)];

/// Redis's reply to a save that failed (`shared.err`): the details are
/// in the log.
const FAILED: CmdError = CmdError::fixed("ERR");

const IN_PROGRESS: CmdError = CmdError::fixed("ERR Background save already in progress");

/// SAVE: a synchronous save in the server process; every client waits.
fn save(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if ctx.eng.has_rdb_child() {
        return Err(IN_PROGRESS);
    }
    ctx.eng.persist.saves += 1;
    ctx.eng.rdb_save(ctx.now_ms).map_err(|_| FAILED)?;
    ctx.client.out.ok();
    Ok(())
}

/// BGSAVE [SCHEDULE]: a save in a forked child while the server goes on
/// serving. Inside MULTI it is scheduled for the cron, as Redis cannot
/// fork in the middle of a transaction.
fn bgsave(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // SCHEDULE only matters while another kind of child runs (an AOF
    // rewrite), which this server never has: it is accepted and behaves
    // as a plain BGSAVE.
    match argv.len() {
        1 => {}
        2 if eq(argv[1], "schedule") => {}
        _ => return Err(SYNTAX),
    }
    if ctx.eng.has_rdb_child() {
        return Err(IN_PROGRESS);
    }
    if ctx.in_exec {
        ctx.eng.persist.bgsave_scheduled = true;
        ctx.client.out.simple("Background saving scheduled");
        return Ok(());
    }
    ctx.eng.bgsave_to_disk(ctx.now_ms).map_err(|_| FAILED)?;
    ctx.client.out.simple("Background saving started");
    Ok(())
}
