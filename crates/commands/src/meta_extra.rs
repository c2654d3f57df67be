//! Metadata for commands Redis 7.0.15 lacks but today's clients send.
//!
//! `CLIENT SETINFO LIB-NAME|LIB-VER` arrived in Redis 7.2. Every current
//! client library sends it during its handshake and ignores an error, but
//! pipelined handshakes (redis-rs, Jedis) still need a reply to each
//! command, and an OK keeps the server's logs and error stats clean. Its
//! entry is written here in the shape 7.0.15's COMMAND INFO and COMMAND
//! DOCS use, with 7.2's values.

use crate::meta::{flags, CommandMeta};
use resp::Frame;

/// Adds the later commands to the captured ones (as subcommands of their
/// containers).
pub fn add(all: &mut [CommandMeta]) {
    if let Some(client) = all.iter_mut().find(|c| c.name == "client") {
        if !client
            .subcommands
            .iter()
            .any(|s| s.name == "client|setinfo")
        {
            client.subcommands.push(client_setinfo());
        }
    }
}

fn bulk(s: &str) -> Frame {
    Frame::Bulk(s.as_bytes().to_vec())
}

fn status_set(items: &[&str]) -> Frame {
    Frame::Set(items.iter().map(|s| Frame::Simple(s.to_string())).collect())
}

fn map(pairs: Vec<(&str, Frame)>) -> Frame {
    Frame::Map(pairs.into_iter().map(|(k, v)| (bulk(k), v)).collect())
}

/// `CLIENT SETINFO` as Redis 7.2 describes it.
fn client_setinfo() -> CommandMeta {
    let info = Frame::Array(vec![
        bulk("client|setinfo"),
        Frame::Integer(4),
        status_set(&["noscript", "loading", "stale"]),
        Frame::Integer(0),
        Frame::Integer(0),
        Frame::Integer(0),
        status_set(&["@slow", "@connection"]),
        Frame::Set(vec![]),
        Frame::Set(vec![]),
        Frame::Set(vec![]),
    ]);
    let arg = |name: &str, token: &str| {
        map(vec![
            ("name", bulk(name)),
            ("type", bulk("string")),
            ("token", bulk(token)),
        ])
    };
    let docs = map(vec![
        (
            "summary",
            bulk("Sets information specific to the client or connection."),
        ),
        ("since", bulk("7.2.0")),
        ("group", bulk("connection")),
        ("complexity", bulk("O(1)")),
        (
            "arguments",
            Frame::Array(vec![map(vec![
                ("name", bulk("attr")),
                ("type", bulk("oneof")),
                (
                    "arguments",
                    Frame::Array(vec![arg("libname", "LIB-NAME"), arg("libver", "LIB-VER")]),
                ),
            ])]),
        ),
    ]);
    CommandMeta {
        name: "client|setinfo".into(),
        arity: 4,
        flags: flags::NOSCRIPT | flags::LOADING | flags::STALE,
        first_key: 0,
        last_key: 0,
        key_step: 0,
        info,
        docs: Some(docs),
        subcommands: Vec::new(),
    }
}
