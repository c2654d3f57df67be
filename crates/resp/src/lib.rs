//! RESP2 and RESP3 for a Redis-compatible server.
//!
//! * [`split_args`]: Redis's `sdssplitargs`, for inline commands and config lines.

mod split;

pub use split::split_args;
