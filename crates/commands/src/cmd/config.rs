//! CONFIG GET | SET | RESETSTAT | REWRITE | HELP (config.c). The
//! parameter table, validation and the file rewrite are the `conf` crate's;
//! this is the command surface.

use crate::cmd::debug::is_local;
use crate::cmd::reply;
use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult, SYNTAX};
use crate::table::Handler;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("config|get", get),
    ("config|set", set),
    ("config|resetstat", resetstat),
    ("config|rewrite", rewrite),
    ("config|help", help),
];

/// CONFIG GET pattern [pattern ...]: a map (a flat array in RESP2) of
/// every matching parameter, each once.
fn get(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let found = ctx.eng.config.get_matching(&argv[2..]);
    let out = &mut ctx.client.out;
    out.map(found.len());
    for (name, value) in &found {
        out.bulk(name.as_bytes());
        out.bulk(value.as_bytes());
    }
    Ok(())
}

/// CONFIG SET name value [name value ...]: all or nothing; the engine's
/// cached copies of hot parameters are refreshed after a change.
fn set(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // The dispatcher checked the minimum; an odd count is a syntax error.
    if !argv.len().is_multiple_of(2) {
        return Err(SYNTAX);
    }
    let pairs: Vec<(&[u8], &[u8])> = argv[2..].chunks(2).map(|p| (p[0], p[1])).collect();
    let local = is_local(&ctx.client.addr);
    let changed = ctx
        .eng
        .config
        .set_from(&pairs, local)
        .map_err(CmdError::new)?;
    if !changed.is_empty() {
        ctx.eng.apply_config_changes();
    }
    ctx.client.out.ok();
    Ok(())
}

fn resetstat(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.eng.stats.reset();
    ctx.client.out.ok();
    Ok(())
}

/// `strerror` text of an I/O error: Rust's message without its
/// " (os error N)" suffix.
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn rewrite(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let path = &ctx.eng.identity.config_file;
    if path.is_empty() {
        return Err(CmdError::fixed(
            "ERR The server is running without a config file",
        ));
    }
    match ctx.eng.config.rewrite(std::path::Path::new(path)) {
        Ok(()) => {
            tracing::warn!("CONFIG REWRITE executed with success.");
            ctx.client.out.ok();
            Ok(())
        }
        Err(e) => {
            let why = strerror(&e);
            tracing::warn!("CONFIG REWRITE failed: {why}");
            Err(CmdError::new(format!("ERR Rewriting config file: {why}")))
        }
    }
}

fn help(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    reply::help(
        &mut ctx.client.out,
        argv[0],
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(())
}
