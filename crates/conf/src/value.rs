//! Values of parameters: how each type is parsed from arguments (the
//! `set` functions of config.c's type interfaces) and printed for
//! `CONFIG GET` (the `get` functions).

use crate::table::{Def, Fmt, Kind, Special, MULTI_ARG};
use crate::util::{fmt_percentile, memtoull, string2ll, strtoll_full};

/// One client class's output buffer limits (server.h `clientBufferLimitsConfig`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObufLimit {
    /// Disconnect at once above this many bytes (0 = no limit).
    pub hard_bytes: u64,
    /// Disconnect when above this many bytes for `soft_seconds`.
    pub soft_bytes: u64,
    /// How long the soft limit may be exceeded.
    pub soft_seconds: i64,
}

/// The classes in Redis's order: normal, replica ("slave"), pubsub.
pub const OBUF_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

/// config.c `clientBufferLimitsDefaults`.
pub const OBUF_DEFAULTS: [ObufLimit; 3] = [
    ObufLimit {
        hard_bytes: 0,
        soft_bytes: 0,
        soft_seconds: 0,
    },
    ObufLimit {
        hard_bytes: 256 << 20,
        soft_bytes: 64 << 20,
        soft_seconds: 60,
    },
    ObufLimit {
        hard_bytes: 32 << 20,
        soft_bytes: 8 << 20,
        soft_seconds: 60,
    },
];

/// config.c `configOOMScoreAdjValuesDefaults`.
pub const OOM_DEFAULTS: [i64; 3] = [0, 200, 800];

/// The default `save` points of Redis 7.0.
pub const SAVE_DEFAULTS: [(i64, i64); 3] = [(3600, 1), (300, 100), (60, 10000)];

/// Redis 7.0's default `bind` (`CONFIG_DEFAULT_BINDADDR`).
pub const BIND_DEFAULTS: [&str; 2] = ["*", "-::*"];

/// The value of one parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A yes/no parameter.
    Bool(bool),
    /// A string; `None` is C's NULL.
    Str(Option<String>),
    /// A number or an enum's value.
    Num(i64),
    /// `save` points (seconds, changes).
    Save(Vec<(i64, i64)>),
    /// `client-output-buffer-limit` per class.
    Obuf([ObufLimit; 3]),
    /// `oom-score-adj-values`.
    Oom([i64; 3]),
    /// `notify-keyspace-events` flag bits.
    Notify(i64),
    /// `bind` addresses.
    Bind(Vec<String>),
    /// `replicaof` host and port, or None for a master.
    ReplicaOf(Option<(String, i64)>),
    /// `latency-tracking-info-percentiles`.
    Percentiles(Vec<f64>),
    /// `dir`: the absolute working directory.
    Dir(String),
}

/// The default value of a row. Sentinel mode starts from port 26379 with
/// protected mode off, as sentinel.c `initSentinelConfig` does; CONFIG
/// REWRITE still compares with the table's defaults, so both get written.
pub fn default_value(def: &Def, sentinel: bool) -> Value {
    match def.kind {
        // sentinel.c `initSentinelConfig` turns protected mode off.
        Kind::Bool { .. } if def.name == "protected-mode" && sentinel => Value::Bool(false),
        Kind::Bool { default } => Value::Bool(default),
        Kind::Str { default, .. } => Value::Str(default.map(str::to_string)),
        Kind::Enum { default, .. } => Value::Num(default),
        Kind::Num { default, .. } => {
            if def.name == "port" && sentinel {
                Value::Num(26379)
            } else {
                Value::Num(default)
            }
        }
        Kind::Special(sp) => match sp {
            Special::Dir => Value::Dir(
                std::env::current_dir()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            Special::Save => Value::Save(SAVE_DEFAULTS.to_vec()),
            Special::ClientOutputBufferLimit => Value::Obuf(OBUF_DEFAULTS),
            Special::OomScoreAdjValues => Value::Oom(OOM_DEFAULTS),
            Special::NotifyKeyspaceEvents => Value::Notify(0),
            Special::Bind => Value::Bind(BIND_DEFAULTS.iter().map(|s| s.to_string()).collect()),
            Special::ReplicaOf => Value::ReplicaOf(None),
            Special::LatencyPercentiles => Value::Percentiles(vec![50.0, 99.0, 99.9]),
        },
    }
}

/// The value as `CONFIG GET` prints it.
pub fn get_string(def: &Def, v: &Value) -> String {
    match (def.kind, v) {
        (_, Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
        (_, Value::Str(s)) => s.clone().unwrap_or_default(),
        (Kind::Enum { names, .. }, Value::Num(n)) => {
            enum_name(names, *n, def.flags & MULTI_ARG != 0)
        }
        (Kind::Num { fmt, .. }, Value::Num(n)) => match fmt {
            Fmt::MemoryPercent if *n < 0 => format!("{}%", -n),
            Fmt::Memory | Fmt::MemoryPercent => (*n as u64).to_string(),
            Fmt::Octal => format!("{n:o}"),
            Fmt::Int => n.to_string(),
        },
        (_, Value::Num(n)) => n.to_string(),
        (_, Value::Save(points)) => points
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect::<Vec<_>>()
            .join(" "),
        (_, Value::Obuf(limits)) => limits
            .iter()
            .zip(OBUF_CLASSES)
            .map(|(l, class)| {
                format!(
                    "{class} {} {} {}",
                    l.hard_bytes, l.soft_bytes, l.soft_seconds
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        (_, Value::Oom(v)) => format!("{} {} {}", v[0], v[1], v[2]),
        (_, Value::Notify(flags)) => crate::notify::flags_to_string(*flags),
        (_, Value::Bind(addrs)) => addrs.join(" "),
        (_, Value::ReplicaOf(r)) => match r {
            Some((host, port)) => format!("{host} {port}"),
            None => String::new(),
        },
        (_, Value::Percentiles(p)) => p
            .iter()
            .map(|v| fmt_percentile(*v))
            .collect::<Vec<_>>()
            .join(" "),
        (_, Value::Dir(d)) => d.clone(),
    }
}

/// config.c `configEnumGetName`: the name of a value; for flag sets the
/// names of its bits, or "unknown".
pub fn enum_name(names: &[(&str, i64)], value: i64, bitflags: bool) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut unmatched = value;
    for &(name, v) in names {
        if v == value {
            return name.to_string();
        }
        if bitflags && v != 0 && v == (unmatched & v) {
            out.push(name);
            unmatched &= !v;
        }
    }
    if out.is_empty() || unmatched != 0 {
        "unknown".to_string()
    } else {
        out.join(" ")
    }
}

/// Where a `set` comes from: the config file and argv, or `CONFIG SET`.
/// Only `save` behaves differently (file lines accumulate).
pub struct SetCtx<'a> {
    /// True while loading the config file.
    pub reading_file: bool,
    /// Whether a `save` line was already seen in this load (config.c's
    /// static `save_loaded`): the first one drops the defaults.
    pub save_loaded: &'a mut bool,
}

fn text(a: &[u8]) -> String {
    String::from_utf8_lossy(a).into_owned()
}

/// Parses `args` for `def` (the `set` function of its type). `Err` is
/// Redis's reason text. Setting `dir` changes the process's working
/// directory, as Redis does.
pub fn parse(def: &Def, args: &[Vec<u8>], cur: &Value, ctx: &mut SetCtx) -> Result<Value, String> {
    match def.kind {
        Kind::Bool { .. } => {
            let a = &args[0];
            if a.eq_ignore_ascii_case(b"yes") {
                Ok(Value::Bool(true))
            } else if a.eq_ignore_ascii_case(b"no") {
                Ok(Value::Bool(false))
            } else {
                Err("argument must be 'yes' or 'no'".into())
            }
        }
        Kind::Str { empty_is_null, .. } => {
            let a = &args[0];
            validate_string(def.name, a)?;
            if empty_is_null && a.is_empty() {
                Ok(Value::Str(None))
            } else {
                Ok(Value::Str(Some(text(a))))
            }
        }
        Kind::Enum { names, .. } => parse_enum(def, names, args).map(Value::Num),
        Kind::Num {
            lo,
            hi,
            unsigned,
            fmt,
            ..
        } => {
            let v = parse_number(&args[0], fmt)?;
            check_bounds(v, lo, hi, unsigned, fmt)?;
            Ok(Value::Num(v))
        }
        Kind::Special(sp) => crate::special::parse(sp, args, cur, ctx),
    }
}

fn validate_string(name: &str, a: &[u8]) -> Result<(), String> {
    let is_base = |a: &[u8]| !a.contains(&b'/') && !a.contains(&b'\\');
    match name {
        "dbfilename" if !is_base(a) => Err("dbfilename can't be a path, just a filename".into()),
        "appendfilename" if a.is_empty() => Err("appendfilename can't be empty".into()),
        "appendfilename" if !is_base(a) => {
            Err("appendfilename can't be a path, just a filename".into())
        }
        "appenddirname" if a.is_empty() => Err("appenddirname can't be empty".into()),
        "appenddirname" if !is_base(a) => {
            Err("appenddirname can't be a path, just a dirname".into())
        }
        "cluster-announce-hostname" => {
            if a.len() >= 256 {
                Err("Hostnames must be less than 256 characters".into())
            } else if a
                .iter()
                .any(|c| !(c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.'))
            {
                Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into())
            } else {
                Ok(())
            }
        }
        "proc-title-template" if !valid_proc_title(a) => {
            Err("template format is invalid or contains unknown variables".into())
        }
        _ => Ok(()),
    }
}

/// server.c `validateProcTitleTemplate`: every `{name}` must be a known
/// variable, braces must balance, and the expansion must not be empty.
fn valid_proc_title(t: &[u8]) -> bool {
    const VARS: [&[u8]; 7] = [
        b"title",
        b"listen-addr",
        b"server-mode",
        b"port",
        b"tls-port",
        b"unixsocket",
        b"config-file",
    ];
    let mut out_len = 0usize;
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            b'{' if t.get(i + 1) == Some(&b'{') => {
                out_len += 1;
                i += 2;
            }
            b'}' if t.get(i + 1) == Some(&b'}') => {
                out_len += 1;
                i += 2;
            }
            b'{' => {
                let Some(end) = t[i + 1..].iter().position(|&c| c == b'}') else {
                    return false;
                };
                let var = &t[i + 1..i + 1 + end];
                if !VARS.contains(&var) {
                    return false;
                }
                // "title" expands to the (non-empty) executable name.
                out_len += 1;
                i += end + 2;
            }
            b'}' => return false,
            b' ' => i += 1,
            _ => {
                out_len += 1;
                i += 1;
            }
        }
    }
    out_len > 0
}

fn parse_enum(def: &Def, names: &[(&str, i64)], args: &[Vec<u8>]) -> Result<i64, String> {
    let bitflags = def.flags & MULTI_ARG != 0;
    let find = |a: &[u8]| {
        names
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(a))
            .map(|(_, v)| *v)
    };
    let value = if bitflags {
        let mut acc = Some(0i64);
        if args.is_empty() {
            acc = None;
        }
        for a in args {
            acc = match (acc, find(a)) {
                (Some(x), Some(v)) => Some(x | v),
                _ => None,
            };
        }
        acc
    } else if args.len() == 1 {
        find(&args[0])
    } else {
        None
    };
    let Some(value) = value else {
        let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "argument(s) must be one of the following: {}",
            list.join(", ")
        ));
    };
    if def.name.starts_with("shutdown-on-sig") && value & 1 != 0 && value & 2 != 0 {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
    }
    Ok(value)
}

/// config.c `numericParseString`.
fn parse_number(a: &[u8], fmt: Fmt) -> Result<i64, String> {
    match fmt {
        Fmt::Int => {
            string2ll(a).ok_or_else(|| "argument couldn't be parsed into an integer".into())
        }
        Fmt::Memory => memtoull(a)
            .map(|v| v as i64)
            .ok_or_else(|| "argument must be a memory value".into()),
        Fmt::MemoryPercent => {
            if let Some(v) = memtoull(a) {
                return Ok(v as i64);
            }
            if a.len() > 1 && a.ends_with(b"%") {
                if let Some(v) = string2ll(&a[..a.len() - 1]).filter(|v| *v >= 0) {
                    return Ok(-v);
                }
            }
            Err("argument must be a memory or percent value".into())
        }
        Fmt::Octal => strtoll_full(a, 8)
            .ok_or_else(|| "argument couldn't be parsed as an octal number".into()),
    }
}

/// config.c `numericBoundaryCheck`.
fn check_bounds(v: i64, lo: i64, hi: i64, unsigned: bool, fmt: Fmt) -> Result<(), String> {
    if unsigned {
        let (uv, ulo, uhi) = (v as u64, lo as u64, hi as u64);
        if uv > uhi || uv < ulo {
            return Err(if fmt == Fmt::Octal {
                format!("argument must be between {ulo:o} and {uhi:o} inclusive")
            } else {
                format!("argument must be between {ulo} and {uhi} inclusive")
            });
        }
    } else if fmt == Fmt::MemoryPercent && v < 0 {
        if v < lo {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -lo
            ));
        }
    } else if v > hi || v < lo {
        return Err(format!("argument must be between {lo} and {hi} inclusive"));
    }
    Ok(())
}
