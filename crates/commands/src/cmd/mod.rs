//! Command handlers, one file per family.

use crate::table::Handler;

pub mod connection;
pub mod keys;
pub mod strings;

/// Every handler by full lower-case command name (`config|get` for
/// subcommands). A command without an entry here is unknown to clients.
pub fn handlers() -> Vec<(&'static str, Handler)> {
    [connection::HANDLERS, keys::HANDLERS, strings::HANDLERS].concat()
}
