//! COMMAND [COUNT | LIST | INFO | DOCS | GETKEYS | GETKEYSANDFLAGS | HELP]
//! (server.c `commandCommand` and friends).
//!
//! The entries are Redis 7.0.15's own COMMAND INFO / DOCS replies (see
//! `meta.rs`), trimmed to what this server runs: a container lists only
//! the subcommands that have a handler.

use crate::args::eq;
use crate::cmd::reply;
use crate::engine::Ctx;
use crate::error::{unknown_subcommand, CmdError, CmdResult, SYNTAX};
use crate::keyspec::{self, KeyRef};
use crate::meta::CommandMeta;
use crate::table::{Command, CommandTable, Handler};
use resp::{Frame, Out};

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("command", all),
    ("command|count", count),
    ("command|list", list),
    ("command|info", info),
    ("command|docs", docs),
    ("command|getkeys", getkeys),
    ("command|getkeysandflags", getkeysandflags),
    ("command|help", help),
];

/// Index of the subcommand list in a COMMAND INFO entry.
const INFO_SUBCOMMANDS: usize = 9;

/// Index of the ACL categories in a COMMAND INFO entry.
const INFO_ACL_CATEGORIES: usize = 6;

/// Top-level commands in a stable order (the table is a hash map).
fn sorted(table: &CommandTable) -> Vec<&Command> {
    let mut cmds: Vec<&Command> = table.commands().collect();
    cmds.sort_by(|a, b| a.name().cmp(b.name()));
    cmds
}

/// Subcommands of a container in a stable order.
fn sorted_subs(cmd: &Command) -> Vec<&Command> {
    let mut subs: Vec<&Command> = cmd.subs.values().collect();
    subs.sort_by(|a, b| a.name().cmp(b.name()));
    subs
}

/// A command by full name (`get`, `config|get`), any case
/// (server.c `lookupCommandBySds`).
pub fn lookup_by_name<'a>(table: &'a CommandTable, name: &[u8]) -> Option<&'a Command> {
    let mut parts = name.split(|&c| c == b'|');
    let first = parts.next()?;
    let cmd = table.get(first)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(cmd),
        (Some(sub), None) => cmd.subs.get(&sub.to_ascii_lowercase()),
        _ => None,
    }
}

/// The command an argv would run, for GETKEYS (server.c `lookupCommand`,
/// not strict): a container alone is itself, with an argument it must be
/// a known subcommand.
fn lookup_argv<'a>(table: &'a CommandTable, argv: &[&[u8]]) -> Option<&'a Command> {
    let cmd = table.get(argv[0])?;
    if argv.len() == 1 || cmd.subs.is_empty() {
        return Some(cmd);
    }
    cmd.subs.get(&argv[1].to_ascii_lowercase())
}

/// A command's COMMAND INFO entry with its subcommand list limited to the
/// implemented subcommands.
fn info_frame(cmd: &Command) -> Frame {
    let Frame::Array(fields) = &cmd.meta.info else {
        return cmd.meta.info.clone();
    };
    if cmd.subs.is_empty() || fields.len() <= INFO_SUBCOMMANDS {
        return cmd.meta.info.clone();
    }
    let subs: Vec<Frame> = sorted_subs(cmd).into_iter().map(info_frame).collect();
    let mut fields = fields.clone();
    fields[INFO_SUBCOMMANDS] = match fields[INFO_SUBCOMMANDS] {
        Frame::Set(_) => Frame::Set(subs),
        _ => Frame::Array(subs),
    };
    Frame::Array(fields)
}

/// A command's COMMAND DOCS map with its `subcommands` map limited to the
/// implemented subcommands.
fn docs_frame(cmd: &Command) -> Frame {
    let Some(Frame::Map(pairs)) = &cmd.meta.docs else {
        return cmd.meta.docs.clone().unwrap_or(Frame::Map(Vec::new()));
    };
    let mut pairs = pairs.clone();
    for (k, v) in pairs.iter_mut() {
        if k.as_bytes() == Some(b"subcommands") {
            *v = Frame::Map(
                sorted_subs(cmd)
                    .into_iter()
                    .map(|s| (Frame::Bulk(s.name().as_bytes().to_vec()), docs_frame(s)))
                    .collect(),
            );
        }
    }
    Frame::Map(pairs)
}

fn write_all_info(out: &mut Out, table: &CommandTable) {
    let cmds = sorted(table);
    out.array(cmds.len());
    for cmd in cmds {
        reply::frame(out, &info_frame(cmd));
    }
}

/// COMMAND: every command's info. The dispatcher hands a container that
/// has a handler of its own any unknown subcommand, which Redis refuses.
fn all(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 1 {
        return Err(unknown_subcommand(argv[1], "command"));
    }
    write_all_info(&mut ctx.client.out, ctx.eng.table);
    Ok(())
}

fn count(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.client.out.int(ctx.eng.table.commands().count() as i64);
    Ok(())
}

/// How COMMAND LIST filters.
enum Filter<'a> {
    None,
    /// FILTERBY MODULE: no modules are loaded, so nothing matches.
    Module,
    AclCat(&'a [u8]),
    Pattern(&'a [u8]),
}

impl Filter<'_> {
    fn matches(&self, meta: &CommandMeta) -> bool {
        match self {
            Filter::None => true,
            Filter::Module => false,
            Filter::Pattern(p) => keyspace::glob_match(p, meta.name.as_bytes(), true),
            Filter::AclCat(cat) => match &meta.info {
                Frame::Array(f) => match f.get(INFO_ACL_CATEGORIES) {
                    Some(Frame::Set(cats) | Frame::Array(cats)) => cats.iter().any(|c| {
                        c.as_bytes()
                            .and_then(|b| b.strip_prefix(b"@"))
                            .is_some_and(|b| b.eq_ignore_ascii_case(cat))
                    }),
                    _ => false,
                },
                _ => false,
            },
        }
    }
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]:
/// full names, subcommands included.
fn list(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let filter = match argv.len() {
        2 => Filter::None,
        5 if eq(argv[2], "filterby") => {
            if eq(argv[3], "module") {
                Filter::Module
            } else if eq(argv[3], "aclcat") {
                Filter::AclCat(argv[4])
            } else if eq(argv[3], "pattern") {
                Filter::Pattern(argv[4])
            } else {
                return Err(SYNTAX);
            }
        }
        _ => return Err(SYNTAX),
    };
    let mut names = Vec::new();
    for cmd in sorted(ctx.eng.table) {
        if filter.matches(&cmd.meta) {
            names.push(cmd.name());
        }
        for sub in sorted_subs(cmd) {
            if filter.matches(&sub.meta) {
                names.push(sub.name());
            }
        }
    }
    let out = &mut ctx.client.out;
    out.array(names.len());
    names.iter().for_each(|n| out.bulk(n.as_bytes()));
    Ok(())
}

/// COMMAND INFO [name ...]: a null for each unknown name.
fn info(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let table = ctx.eng.table;
    let out = &mut ctx.client.out;
    if argv.len() == 2 {
        write_all_info(out, table);
        return Ok(());
    }
    out.array(argv.len() - 2);
    for name in &argv[2..] {
        match lookup_by_name(table, name) {
            Some(cmd) => reply::frame(out, &info_frame(cmd)),
            None => out.null(),
        }
    }
    Ok(())
}

/// COMMAND DOCS [name ...]: a map by full name; unknown names are left out.
fn docs(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let table = ctx.eng.table;
    let cmds: Vec<&Command> = if argv.len() == 2 {
        sorted(table)
    } else {
        argv[2..]
            .iter()
            .filter_map(|n| lookup_by_name(table, n))
            .collect()
    };
    let out = &mut ctx.client.out;
    out.map(cmds.len());
    for cmd in cmds {
        out.bulk(cmd.name().as_bytes());
        reply::frame(out, &docs_frame(cmd));
    }
    Ok(())
}

/// The keys of the command in `argv[2..]` (db.c `getKeysSubcommandImpl`).
fn keys_of<'a>(ctx: &Ctx, argv: &'a [&'a [u8]]) -> Result<Vec<KeyRef>, CmdError> {
    let target = &argv[2..];
    let cmd = lookup_argv(ctx.eng.table, target)
        .ok_or(CmdError::fixed("ERR Invalid command specified"))?;
    let specs = keyspec::specs(&cmd.meta);
    if !keyspec::has_keys(&specs) {
        return Err(CmdError::fixed("ERR The command has no key arguments"));
    }
    let arity = cmd.meta.arity;
    let n = target.len() as i64;
    if (arity > 0 && arity != n) || n < -arity {
        return Err(CmdError::fixed(
            "ERR Invalid number of arguments specified for command",
        ));
    }
    let keys = keyspec::find_keys(&cmd.meta, &specs, target);
    if keys.is_empty() && !keyspec::has_command_flag(&cmd.meta, "no_mandatory_keys") {
        return Err(CmdError::fixed(
            "ERR Invalid arguments specified for command",
        ));
    }
    Ok(keys)
}

fn getkeys(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let keys = keys_of(ctx, argv)?;
    let out = &mut ctx.client.out;
    out.array(keys.len());
    for k in &keys {
        out.bulk(argv[2 + k.pos]);
    }
    Ok(())
}

fn getkeysandflags(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let keys = keys_of(ctx, argv)?;
    let out = &mut ctx.client.out;
    out.array(keys.len());
    for k in &keys {
        out.array(2);
        out.bulk(argv[2 + k.pos]);
        out.set(k.flags.len());
        k.flags.iter().for_each(|f| out.simple(f));
    }
    Ok(())
}

fn help(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    reply::help(
        &mut ctx.client.out,
        argv[0],
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
    Ok(())
}
