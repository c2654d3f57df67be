//! The fatal config error, printed exactly as Redis prints it.

use std::fmt;

/// A config load failure. `Display` is Redis 7.0.15's text: the FATAL
/// block of config.c `loadServerConfigFromString` (with the line number and
/// the trimmed line when the error is tied to a line), or, for a config
/// file that cannot be opened, the single message Redis logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based line number within the text being parsed, and the line
    /// (trimmed), when the error is tied to a line.
    pub line: Option<(usize, String)>,
    /// The reason, e.g. "Bad directive or wrong number of arguments".
    pub reason: String,
    /// True when Redis reports this through its log instead of the FATAL
    /// block ("Fatal error, can't open config file '...': ..."), so the
    /// caller should log `reason` as a warning.
    pub log_only: bool,
}

impl ConfigError {
    /// An error tied to a config line.
    pub(crate) fn at(linenum: usize, line: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            line: Some((linenum, line.to_string())),
            reason: reason.into(),
            log_only: false,
        }
    }

    /// An error about the whole config (checked after the last line).
    pub(crate) fn global(reason: impl Into<String>) -> ConfigError {
        ConfigError {
            line: None,
            reason: reason.into(),
            log_only: false,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.log_only {
            return writeln!(f, "{}", self.reason);
        }
        write!(f, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n")?;
        if let Some((n, line)) = &self.line {
            write!(
                f,
                "Reading the configuration file, at line {n}\n>>> '{line}'\n"
            )?;
        }
        writeln!(f, "{}", self.reason)
    }
}

impl std::error::Error for ConfigError {}
