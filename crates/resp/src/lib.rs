//! RESP2 and RESP3 for a Redis-compatible server.
//!
//! * [`RequestParser`]: incremental parsing of client requests (multibulk
//!   and inline) with Redis's limits and protocol error texts.
//! * [`Out`]: replies encoded straight into the output buffer in the
//!   client's protocol version.
//! * [`Frame`] and [`parse_frame`]: the client side, for replica and
//!   Sentinel links and for tests.
//! * [`split_args`]: Redis's `sdssplitargs`, for inline commands and config lines.

mod frame;
mod reply;
mod request;
mod split;

pub use frame::{encode_command, parse_frame, Frame};
pub use reply::{format_double, Out};
pub use request::{
    parse_i64, ArgRanges, Argv, Limits, Parsed, ProtocolError, RequestParser, PROTO_INLINE_MAX_SIZE,
};
pub use split::split_args;
