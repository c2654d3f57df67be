//! Pub/Sub commands (pubsub.c): channels, patterns, and the shard
//! channels of SSUBSCRIBE / SPUBLISH (a single shard without cluster mode).

use crate::args::eq;
use crate::cmd::reply::subcommand_syntax;
use crate::engine::Ctx;
use crate::error::{unknown_subcommand, CmdResult};
use crate::pubsub::Kind;
use crate::table::Handler;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("subscribe", subscribe),
    ("unsubscribe", unsubscribe),
    ("psubscribe", psubscribe),
    ("punsubscribe", punsubscribe),
    ("ssubscribe", ssubscribe),
    ("sunsubscribe", sunsubscribe),
    ("publish", publish),
    ("spublish", spublish),
    ("pubsub|channels", pubsub_channels),
    ("pubsub|numsub", pubsub_numsub),
    ("pubsub|numpat", pubsub_numpat),
    ("pubsub|shardchannels", pubsub_shardchannels),
    ("pubsub|shardnumsub", pubsub_shardnumsub),
    ("pubsub|help", pubsub_help),
];

/// One subscription confirmation: `[kind, name, count]`, a push in RESP3.
/// The count is of plain channels and patterns, or of shard channels.
fn confirm(ctx: &mut Ctx, reply: &str, kind: Kind, name: Option<&[u8]>) {
    let count = ctx.eng.pubsub.count(kind, ctx.client.id);
    let out = &mut ctx.client.out;
    out.push(3);
    out.bulk(reply.as_bytes());
    match name {
        Some(n) => out.bulk(n),
        None => out.null(),
    }
    out.int(count as i64);
}

fn subscribe_kind(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind, reply: &str) -> CmdResult {
    for ch in &argv[1..] {
        ctx.eng.pubsub.subscribe(kind, ctx.client.id, ch);
        confirm(ctx, reply, kind, Some(ch));
    }
    Ok(())
}

fn unsubscribe_kind(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind, reply: &str) -> CmdResult {
    let id = ctx.client.id;
    let chans: Vec<Vec<u8>> = if argv.len() > 1 {
        argv[1..].iter().map(|c| c.to_vec()).collect()
    } else {
        ctx.eng.pubsub.channels_of(kind, id)
    };
    if chans.is_empty() {
        confirm(ctx, reply, kind, None);
    }
    for ch in chans {
        ctx.eng.pubsub.unsubscribe(kind, id, &ch);
        confirm(ctx, reply, kind, Some(&ch));
    }
    Ok(())
}

fn subscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    subscribe_kind(ctx, argv, Kind::Plain, "subscribe")
}

fn unsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    unsubscribe_kind(ctx, argv, Kind::Plain, "unsubscribe")
}

fn ssubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    subscribe_kind(ctx, argv, Kind::Shard, "ssubscribe")
}

fn sunsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    unsubscribe_kind(ctx, argv, Kind::Shard, "sunsubscribe")
}

fn psubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    for p in &argv[1..] {
        ctx.eng.pubsub.psubscribe(ctx.client.id, p);
        confirm(ctx, "psubscribe", Kind::Plain, Some(p));
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
        confirm(ctx, "punsubscribe", Kind::Plain, None);
    }
    for p in pats {
        ctx.eng.pubsub.punsubscribe(id, &p);
        confirm(ctx, "punsubscribe", Kind::Plain, Some(&p));
    }
    Ok(())
}

/// PUBLISH and SPUBLISH: delivered, counted, and always propagated.
fn publish_kind(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) -> CmdResult {
    let n = ctx
        .eng
        .publish_to(kind, Some(&mut *ctx.client), argv[1], argv[2], ctx.now_ms);
    ctx.client.out.int(n as i64);
    ctx.force_propagation();
    Ok(())
}

fn publish(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    publish_kind(ctx, argv, Kind::Plain)
}

fn spublish(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    publish_kind(ctx, argv, Kind::Shard)
}

/// PUBSUB CHANNELS / SHARDCHANNELS [pattern].
fn list_channels(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) -> CmdResult {
    if argv.len() > 3 {
        return Err(subcommand_syntax(argv));
    }
    let chans = ctx.eng.pubsub.active_channels(kind, argv.get(2).copied());
    ctx.client.out.array(chans.len());
    chans.iter().for_each(|c| ctx.client.out.bulk(c));
    Ok(())
}

fn pubsub_channels(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    list_channels(ctx, argv, Kind::Plain)
}

fn pubsub_shardchannels(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    list_channels(ctx, argv, Kind::Shard)
}

/// PUBSUB NUMSUB / SHARDNUMSUB: a flat array of channel, count (7.0 uses
/// no map, in RESP3 too).
fn count_subscribers(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) -> CmdResult {
    let out = &mut ctx.client.out;
    out.array((argv.len() - 2) * 2);
    for ch in &argv[2..] {
        out.bulk(ch);
        out.int(ctx.eng.pubsub.numsub(kind, ch) as i64);
    }
    Ok(())
}

fn pubsub_numsub(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    count_subscribers(ctx, argv, Kind::Plain)
}

fn pubsub_shardnumsub(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    count_subscribers(ctx, argv, Kind::Shard)
}

fn pubsub_numpat(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.client.out.int(ctx.eng.pubsub.numpat() as i64);
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
