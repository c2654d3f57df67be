//! Why loading an RDB file (or a DUMP payload) failed.
//!
//! Every malformed input becomes one of these, never a panic and never a
//! partial load: the caller gets all the keys or an error. Messages follow
//! the text Redis logs for the same problem (rdb.c `rdbReportCorruptRDB`,
//! `rdbLoadRioWithLoadingCtx`) where Redis has one.

use std::fmt;
use std::io;

/// A load error.
#[derive(Debug)]
pub enum Error {
    /// The underlying reader failed (other than by ending early).
    Io(io::Error),
    /// The input ended before the file did (Redis: "Unexpected EOF
    /// reading RDB file").
    Truncated,
    /// The input is not an RDB file, or it is corrupt: the text says what
    /// was found.
    Corrupt(String),
    /// A well-formed file that holds something this loader does not
    /// handle: a newer RDB version, streams, modules.
    Unsupported(String),
    /// The CRC64 at the end does not match the content.
    Checksum {
        /// The CRC64 of the bytes read.
        expected: u64,
        /// The CRC64 stored in the file.
        found: u64,
    },
}

impl Error {
    /// A corruption error with this description.
    pub(crate) fn corrupt(msg: impl Into<String>) -> Error {
        Error::Corrupt(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error reading RDB: {e}"),
            Error::Truncated => f.write_str("Unexpected EOF reading RDB file"),
            Error::Corrupt(msg) => write!(f, "Corrupt RDB: {msg}"),
            Error::Unsupported(msg) => write!(f, "Unsupported RDB content: {msg}"),
            Error::Checksum { expected, found } => write!(
                f,
                "Wrong RDB checksum expected: ({expected:x}) but got ({found:x})"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Error::Truncated
        } else {
            Error::Io(e)
        }
    }
}

/// Result of a load step.
pub type Result<T> = std::result::Result<T, Error>;
