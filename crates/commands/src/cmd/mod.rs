//! Command handlers, one file per family.

use crate::table::Handler;

pub mod client;
pub mod command;
pub mod config;
pub mod connection;
pub mod debug;
pub mod hashes;
pub mod info;
pub mod keys;
pub mod lists;
pub mod multi;
pub mod object;
pub mod persistence;
pub mod pubsub;
pub mod replication;
pub mod reply;
pub mod scan;
pub mod server;
pub mod sets;
pub mod sort;
pub mod strings;
pub mod zsets;

/// Every handler by full lower-case command name (`config|get` for
/// subcommands). A command without an entry here is unknown to clients.
pub fn handlers() -> Vec<(&'static str, Handler)> {
    [
        connection::HANDLERS,
        hashes::HANDLERS,
        keys::HANDLERS,
        lists::HANDLERS,
        strings::HANDLERS,
        client::HANDLERS,
        command::HANDLERS,
        config::HANDLERS,
        debug::HANDLERS,
        info::HANDLERS,
        multi::HANDLERS,
        object::HANDLERS,
        persistence::HANDLERS,
        crate::failover::HANDLERS,
        replication::HANDLERS,
        pubsub::HANDLERS,
        server::HANDLERS,
        sets::HANDLERS,
        sort::HANDLERS,
        zsets::HANDLERS,
    ]
    .concat()
}
