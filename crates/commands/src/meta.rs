//! Command metadata: arity, flags, key positions, COMMAND INFO and COMMAND
//! DOCS entries, read from Redis 7.0.15's own replies.
//!
//! `data/command-info.resp` and `data/command-docs.resp` are RESP3 captures
//! of `COMMAND INFO` and `COMMAND DOCS` from redis-server 7.0.15 (made by
//! `data/capture.py`). Serving them keeps COMMAND output identical to
//! Redis's, and the dispatcher takes arity, flags and key positions from the
//! same source, so they cannot drift apart.

use resp::Frame;

const INFO_BLOB: &[u8] = include_bytes!("../data/command-info.resp");
const DOCS_BLOB: &[u8] = include_bytes!("../data/command-docs.resp");

/// Command flags the dispatcher acts on (server.h `CMD_*`).
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads data.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory.
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/sub related.
    pub const PUBSUB: u32 = 1 << 4;
    /// Allowed while loading the dataset.
    pub const LOADING: u32 = 1 << 5;
    /// Allowed on a replica with a stale dataset.
    pub const STALE: u32 = 1 << 6;
    /// Not shown to MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 7;
    /// Constant or log time.
    pub const FAST: u32 = 1 << 8;
    /// Allowed before authentication.
    pub const NO_AUTH: u32 = 1 << 9;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u32 = 1 << 10;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 11;
    /// Allowed in sentinel mode.
    pub const SENTINEL: u32 = 1 << 12;
    /// Allowed only in sentinel mode.
    pub const ONLY_SENTINEL: u32 = 1 << 13;
    /// Allowed while the server is busy with a script.
    pub const ALLOW_BUSY: u32 = 1 << 14;
    /// May replicate even though it is not a write (PUBLISH, ...).
    pub const MAY_REPLICATE: u32 = 1 << 15;
    /// Not logged by SLOWLOG.
    pub const SKIP_SLOWLOG: u32 = 1 << 16;
    /// Not an ordinary script command.
    pub const NOSCRIPT: u32 = 1 << 17;

    /// Maps a COMMAND INFO flag name to its bit.
    pub fn from_name(name: &str) -> u32 {
        match name {
            "write" => WRITE,
            "readonly" => READONLY,
            "denyoom" => DENYOOM,
            "admin" => ADMIN,
            "pubsub" => PUBSUB,
            "loading" => LOADING,
            "stale" => STALE,
            "skip_monitor" => SKIP_MONITOR,
            "fast" => FAST,
            "no_auth" => NO_AUTH,
            "no_multi" => NO_MULTI,
            "blocking" => BLOCKING,
            "sentinel" => SENTINEL,
            "only_sentinel" => ONLY_SENTINEL,
            "allow_busy" => ALLOW_BUSY,
            "may_replicate" => MAY_REPLICATE,
            "skip_slowlog" => SKIP_SLOWLOG,
            "noscript" => NOSCRIPT,
            _ => 0,
        }
    }
}

/// Everything known about one command or subcommand.
#[derive(Debug, Clone)]
pub struct CommandMeta {
    /// Lower-case full name: `get`, or `config|get` for a subcommand.
    pub name: String,
    /// Redis arity: positive = exact argument count, negative = minimum.
    pub arity: i64,
    /// `flags::*` bits.
    pub flags: u32,
    /// Legacy key position triple (first, last, step); 0 = no keys.
    pub first_key: i64,
    /// Last key position (negative counts from the end).
    pub last_key: i64,
    /// Step between keys.
    pub key_step: i64,
    /// The COMMAND INFO entry, without subcommands filtered.
    pub info: Frame,
    /// The COMMAND DOCS value (a map), if Redis documents it.
    pub docs: Option<Frame>,
    /// Subcommands, for container commands.
    pub subcommands: Vec<CommandMeta>,
}

/// Reads all commands Redis 7.0.15 knows from the embedded captures.
pub fn load_all() -> Vec<CommandMeta> {
    let (info, _) = resp::parse_frame(INFO_BLOB)
        .expect("embedded COMMAND INFO parses")
        .expect("embedded COMMAND INFO is complete");
    let (docs, _) = resp::parse_frame(DOCS_BLOB)
        .expect("embedded COMMAND DOCS parses")
        .expect("embedded COMMAND DOCS is complete");
    let Frame::Array(entries) = info else {
        panic!("COMMAND INFO is an array")
    };
    let Frame::Map(docs) = docs else {
        panic!("COMMAND DOCS is a map")
    };
    let mut all: Vec<CommandMeta> = entries
        .into_iter()
        .map(|e| from_info(e, None, &docs))
        .collect();
    crate::meta_extra::add(&mut all);
    all
}

fn find<'a>(map: &'a [(Frame, Frame)], key: &str) -> Option<&'a Frame> {
    map.iter()
        .find(|(k, _)| k.as_bytes() == Some(key.as_bytes()))
        .map(|(_, v)| v)
}

fn int(f: &Frame) -> i64 {
    match f {
        Frame::Integer(n) => *n,
        _ => 0,
    }
}

fn from_info(entry: Frame, parent_docs: Option<&Frame>, docs: &[(Frame, Frame)]) -> CommandMeta {
    let Frame::Array(fields) = &entry else {
        panic!("COMMAND INFO entry is an array")
    };
    let name = fields[0]
        .as_str()
        .expect("command name")
        .to_ascii_lowercase();
    let mut flag_bits = 0;
    if let Frame::Set(names) | Frame::Array(names) = &fields[2] {
        for n in names {
            flag_bits |= flags::from_name(&n.as_str().unwrap_or_default());
        }
    }
    // Subcommand docs live inside their container's docs.
    let my_docs = match parent_docs {
        Some(Frame::Map(p)) => find(p, "subcommands").and_then(|s| match s {
            Frame::Map(m) => find(m, &name).cloned(),
            _ => None,
        }),
        _ => find(docs, &name).cloned(),
    };
    let subcommands = match fields.get(9) {
        Some(Frame::Array(subs)) => subs
            .iter()
            .cloned()
            .map(|s| from_info(s, my_docs.as_ref(), docs))
            .collect(),
        _ => Vec::new(),
    };
    CommandMeta {
        arity: int(&fields[1]),
        flags: flag_bits,
        first_key: int(&fields[3]),
        last_key: int(&fields[4]),
        key_step: int(&fields[5]),
        name,
        docs: my_docs,
        subcommands,
        info: entry,
    }
}

#[cfg(test)]
mod tests {
    //! Goal: the embedded captures describe Redis 7.0.15's commands.
    use super::*;

    #[test]
    fn known_commands_have_redis_metadata() {
        let all = load_all();
        let get = all.iter().find(|c| c.name == "get").unwrap();
        assert_eq!(get.arity, 2);
        assert!(get.flags & flags::READONLY != 0 && get.flags & flags::FAST != 0);
        assert_eq!((get.first_key, get.last_key, get.key_step), (1, 1, 1));
        assert!(get.docs.is_some());
        let config = all.iter().find(|c| c.name == "config").unwrap();
        let cget = config
            .subcommands
            .iter()
            .find(|c| c.name == "config|get")
            .unwrap();
        assert_eq!(cget.arity, -3);
        assert!(cget.docs.is_some());
    }
}
