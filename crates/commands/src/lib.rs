//! Commands: the table, the dispatcher, the handlers and the Engine that
//! owns all ordered state. Synchronous: time comes in as `now_ms`.

pub mod args;
pub mod blocking;
pub mod client;
pub mod cmd;
pub mod engine;
pub mod error;
pub mod evict;
pub mod failover;
pub mod fullsync;
pub mod keyspec;
pub mod latency;
pub mod ld;
pub mod meta;
mod meta_extra;
pub mod persist;
pub mod propagate;
pub mod pubsub;
pub mod role;
pub mod stats;
pub mod table;
pub mod txn;

pub use client::{ClientState, Notifier};
pub use engine::{Ctx, Engine, Host, Identity, Mode, Outcome, Pause, ShutdownRequest};
pub use error::{CmdError, CmdResult};
