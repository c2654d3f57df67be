//! Command errors: Redis's exact texts, prefix code included.

use std::borrow::Cow;

/// An error reply. The text starts with its code (`ERR`, `WRONGTYPE`, ...),
/// which INFO errorstats counts, and is sent after a `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdError(pub Cow<'static, str>);

/// What a handler returns: `Ok` once it has written its reply.
pub type CmdResult = Result<(), CmdError>;

impl CmdError {
    /// An error with a fixed text.
    pub const fn fixed(text: &'static str) -> Self {
        CmdError(Cow::Borrowed(text))
    }

    /// An error with a computed text.
    pub fn new(text: String) -> Self {
        CmdError(Cow::Owned(text))
    }

    /// The code: the first word of the text (`ERR`, `WRONGTYPE`, ...).
    pub fn code(&self) -> &str {
        self.0.split(' ').next().unwrap_or("ERR")
    }
}

/// `ERR syntax error`
pub const SYNTAX: CmdError = CmdError::fixed("ERR syntax error");
/// The WRONGTYPE error.
pub const WRONGTYPE: CmdError =
    CmdError::fixed("WRONGTYPE Operation against a key holding the wrong kind of value");
/// An argument that must be an integer.
pub const NOT_INTEGER: CmdError = CmdError::fixed("ERR value is not an integer or out of range");
/// An argument that must be a float.
pub const NOT_FLOAT: CmdError = CmdError::fixed("ERR value is not a valid float");
/// INCR family overflow.
pub const OVERFLOW: CmdError = CmdError::fixed("ERR increment or decrement would overflow");
/// A key that must exist.
pub const NO_SUCH_KEY: CmdError = CmdError::fixed("ERR no such key");
/// SELECT / MOVE / SWAPDB out of range.
pub const DB_RANGE: CmdError = CmdError::fixed("ERR DB index is out of range");
/// Authentication required.
pub const NOAUTH: CmdError = CmdError::fixed("NOAUTH Authentication required.");

/// `ERR wrong number of arguments for 'name' command`.
pub fn wrong_arity(name: &str) -> CmdError {
    CmdError::new(format!(
        "ERR wrong number of arguments for '{name}' command"
    ))
}

/// `ERR unknown subcommand 'x'. Try NAME HELP.`
pub fn unknown_subcommand(sub: &[u8], container: &str) -> CmdError {
    let sub = String::from_utf8_lossy(sub);
    let sub: String = sub.chars().take(128).collect();
    CmdError::new(format!(
        "ERR unknown subcommand '{sub}'. Try {} HELP.",
        container.to_ascii_uppercase()
    ))
}

/// SINTERCARD / ZINTERCARD LIMIT refused.
pub const LIMIT_NEGATIVE: CmdError = CmdError::fixed("ERR LIMIT can't be negative");
