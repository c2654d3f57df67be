//! Pub/Sub commands (pubsub.c).

use crate::args::eq;
use crate::engine::Ctx;
use crate::error::{unknown_subcommand, CmdResult};
use crate::table::Handler;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("subscribe", subscribe),
    ("unsubscribe", unsubscribe),
    ("psubscribe", psubscribe),
    ("punsubscribe", punsubscribe),
    ("publish", publish),
    ("pubsub|channels", pubsub_channels),
    ("pubsub|numsub", pubsub_numsub),
    ("pubsub|numpat", pubsub_numpat),
    ("pubsub|shardchannels", pubsub_shardchannels),
    ("pubsub|shardnumsub", pubsub_numsub_empty),
    ("pubsub|help", pubsub_help),
];

/// One subscription confirmation: `[kind, name, count]`, a push in RESP3.
fn confirm(ctx: &mut Ctx, kind: &str, name: Option<&[u8]>) {
    let count = ctx.eng.pubsub.count(ctx.client.id);
    let out = &mut ctx.client.out;
    out.push(3);
    out.bulk(kind.as_bytes());
    match name {
        Some(n) => out.bulk(n),
        None => out.null(),
    }
    out.int(count as i64);
}

fn subscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    for ch in &argv[1..] {
        ctx.eng.pubsub.subscribe(ctx.client.id, ch);
        confirm(ctx, "subscribe", Some(ch));
    }
    Ok(())
}

fn psubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    for p in &argv[1..] {
        ctx.eng.pubsub.psubscribe(ctx.client.id, p);
        confirm(ctx, "psubscribe", Some(p));
    }
    Ok(())
}

fn unsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let id = ctx.client.id;
    let chans: Vec<Vec<u8>> = if argv.len() > 1 {
        argv[1..].iter().map(|c| c.to_vec()).collect()
    } else {
        ctx.eng.pubsub.channels_of(id)
    };
    if chans.is_empty() {
        confirm(ctx, "unsubscribe", None);
    }
    for ch in chans {
        ctx.eng.pubsub.unsubscribe(id, &ch);
        confirm(ctx, "unsubscribe", Some(&ch));
    }
    Ok(())
}

fn punsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let id = ctx.client.id;
    let pats: Vec<Vec<u8>> = if argv.len() > 1 {
        argv[1..].iter().map(|c| c.to_vec()).collect()
    } else {
        ctx.eng.pubsub.patterns_of(id)
    };
    if pats.is_empty() {
        confirm(ctx, "punsubscribe", None);
    }
    for p in pats {
        ctx.eng.pubsub.punsubscribe(id, &p);
        confirm(ctx, "punsubscribe", Some(&p));
    }
    Ok(())
}

fn publish(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = ctx
        .eng
        .publish(Some(&mut *ctx.client), argv[1], argv[2], ctx.now_ms);
    ctx.client.out.int(n as i64);
    ctx.force_propagation();
    Ok(())
}

fn pubsub_channels(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 3 {
        return Err(unknown_subcommand(argv[1], "pubsub"));
    }
    let chans = ctx.eng.pubsub.active_channels(argv.get(2).copied());
    ctx.client.out.array(chans.len());
    chans.iter().for_each(|c| ctx.client.out.bulk(c));
    Ok(())
}

fn pubsub_numsub(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // A flat array in 7.0, in RESP3 too.
    let out = &mut ctx.client.out;
    out.array((argv.len() - 2) * 2);
    for ch in &argv[2..] {
        out.bulk(ch);
        out.int(ctx.eng.pubsub.numsub(ch) as i64);
    }
    Ok(())
}

fn pubsub_numpat(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.client.out.int(ctx.eng.pubsub.numpat() as i64);
    Ok(())
}

/// Sharded channels exist only in cluster mode: none here.
fn pubsub_shardchannels(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 3 {
        return Err(unknown_subcommand(argv[1], "pubsub"));
    }
    ctx.client.out.array(0);
    Ok(())
}

/// PUBSUB SHARDNUMSUB: every sharded channel has no subscriber here.
fn pubsub_numsub_empty(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let out = &mut ctx.client.out;
    out.array((argv.len() - 2) * 2);
    for ch in &argv[2..] {
        out.bulk(ch);
        out.int(0);
    }
    Ok(())
}

fn pubsub_help(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() != 2 || !eq(argv[1], "help") {
        return Err(unknown_subcommand(argv[1], "pubsub"));
    }
    let lines = [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ];
    ctx.client.out.array(lines.len());
    lines.iter().for_each(|l| ctx.client.out.simple(l));
    Ok(())
}
