//! The command table: Redis's metadata for every command this server
//! implements, joined with its handler, looked up once per command by the
//! dispatcher.

use crate::engine::Ctx;
use crate::error::{unknown_subcommand, CmdError, CmdResult};
use crate::meta::{self, flags, CommandMeta};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A command handler: writes its reply into `ctx.client.out`, or returns
/// an error for the dispatcher to send. `argv[0]` is the command name.
pub type Handler = fn(&mut Ctx, &[&[u8]]) -> CmdResult;

/// One executable command or subcommand.
pub struct Command {
    /// Redis's metadata.
    pub meta: CommandMeta,
    /// The handler; `None` for a container whose subcommand is required.
    pub handler: Option<Handler>,
    /// Subcommands by lower-case name (`get` for `config|get`).
    pub subs: HashMap<Vec<u8>, Command>,
    /// Index into the engine's per-command statistics.
    pub stat_index: usize,
}

impl Command {
    /// Full lower-case name (`config|get`).
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// True if any of `bits` is set.
    pub fn has(&self, bits: u32) -> bool {
        self.meta.flags & bits != 0
    }
}

/// All commands this server runs in one mode.
pub struct CommandTable {
    by_name: HashMap<Vec<u8>, Command>,
    /// Full names by statistics index.
    pub stat_names: Vec<String>,
}

/// What the dispatcher found for an argv.
pub enum Lookup<'a> {
    /// An executable command.
    Found(&'a Command),
    /// The error to reply (unknown command or subcommand).
    Unknown(CmdError),
}

impl CommandTable {
    /// Builds the table for server or sentinel mode from Redis's metadata
    /// and the handlers in `crate::cmd`.
    pub fn build(sentinel: bool, handlers: &[(&str, Handler)]) -> CommandTable {
        let handlers: HashMap<&str, Handler> = handlers.iter().copied().collect();
        let mut table = CommandTable {
            by_name: HashMap::new(),
            stat_names: Vec::new(),
        };
        for meta in meta::load_all() {
            let allowed = if sentinel {
                SENTINEL_COMMANDS.contains(&meta.name.as_str())
            } else {
                meta.flags & flags::ONLY_SENTINEL == 0
            };
            if !allowed {
                continue;
            }
            if let Some(cmd) = table.make(meta, &handlers) {
                table.by_name.insert(cmd.meta.name.as_bytes().to_vec(), cmd);
            }
        }
        table
    }

    fn make(
        &mut self,
        mut meta: CommandMeta,
        handlers: &HashMap<&str, Handler>,
    ) -> Option<Command> {
        let subs_meta = std::mem::take(&mut meta.subcommands);
        let mut subs = HashMap::new();
        for sub in subs_meta {
            let short = sub
                .name
                .split('|')
                .nth(1)
                .unwrap_or_default()
                .as_bytes()
                .to_vec();
            if let Some(cmd) = self.make(sub, handlers) {
                subs.insert(short, cmd);
            }
        }
        let handler = handlers.get(meta.name.as_str()).copied();
        if handler.is_none() && subs.is_empty() {
            return None;
        }
        self.stat_names.push(meta.name.clone());
        Some(Command {
            meta,
            handler,
            subs,
            stat_index: self.stat_names.len() - 1,
        })
    }

    /// Finds the command for `argv`, descending into a subcommand where
    /// the command is a container.
    pub fn lookup(&self, argv: &[&[u8]]) -> Lookup<'_> {
        let mut lower = [0u8; 32];
        let Some(cmd) = get_lower(&self.by_name, argv[0], &mut lower) else {
            return Lookup::Unknown(unknown_command(argv));
        };
        if cmd.subs.is_empty() {
            return Lookup::Found(cmd);
        }
        if argv.len() < 2 {
            return match cmd.handler {
                Some(_) => Lookup::Found(cmd),
                None => Lookup::Unknown(crate::error::wrong_arity(cmd.name())),
            };
        }
        match get_lower(&cmd.subs, argv[1], &mut lower) {
            Some(sub) => Lookup::Found(sub),
            None if cmd.handler.is_some() => Lookup::Found(cmd),
            None => Lookup::Unknown(unknown_subcommand(argv[1], cmd.name())),
        }
    }

    /// Top-level commands, in no particular order.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.by_name.values()
    }

    /// A top-level command by name (any case).
    pub fn get(&self, name: &[u8]) -> Option<&Command> {
        let mut lower = [0u8; 32];
        get_lower(&self.by_name, name, &mut lower)
    }
}

fn get_lower<'a>(
    map: &'a HashMap<Vec<u8>, Command>,
    name: &[u8],
    scratch: &mut [u8; 32],
) -> Option<&'a Command> {
    if name.len() > scratch.len() {
        return None;
    }
    let lower = &mut scratch[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    map.get(&*lower)
}

/// `ERR unknown command 'x', with args beginning with: 'a' 'b' `
/// (server.c `processCommand`: at most 128 bytes of name and of args).
pub fn unknown_command(argv: &[&[u8]]) -> CmdError {
    let name: String = String::from_utf8_lossy(argv[0]).chars().take(128).collect();
    let mut args = String::new();
    for a in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        let a = String::from_utf8_lossy(a);
        let a: String = a.chars().take(room).collect();
        args.push_str(&format!("'{a}' "));
    }
    CmdError::new(format!(
        "ERR unknown command '{name}', with args beginning with: {args}"
    ))
}

/// The top-level commands a Sentinel runs, with all their subcommands
/// (Redis 7.0.15 `redis-sentinel` COMMAND LIST; 7.0's command metadata has
/// no flag for them, sentinel.c lists them by name).
const SENTINEL_COMMANDS: &[&str] = &[
    "acl",
    "auth",
    "client",
    "command",
    "hello",
    "info",
    "ping",
    "psubscribe",
    "publish",
    "punsubscribe",
    "role",
    "sentinel",
    "shutdown",
    "subscribe",
    "unsubscribe",
];

static SERVER_TABLE: OnceLock<CommandTable> = OnceLock::new();
static SENTINEL_TABLE: OnceLock<CommandTable> = OnceLock::new();

/// The process-wide table for a mode, built on first use.
pub fn table(sentinel: bool) -> &'static CommandTable {
    if sentinel {
        SENTINEL_TABLE.get_or_init(|| CommandTable::build(true, &crate::cmd::handlers()))
    } else {
        SERVER_TABLE.get_or_init(|| CommandTable::build(false, &crate::cmd::handlers()))
    }
}
