//! redis.conf, sentinel.conf and the command line turned into a typed
//! configuration; the `CONFIG GET` / `CONFIG SET` table; `CONFIG REWRITE`.
//!
//! Reference: Redis 7.0.15 config.c. The table (`table.rs`) lists every
//! parameter with its type, bounds, default and flags; `value.rs` parses
//! and prints each type; `load.rs` reads config text; `rewrite.rs` writes
//! a file back; `argv.rs` turns the command line into config lines.

mod argv;
mod error;
mod load;
pub mod notify;
mod rewrite;
mod special;
pub mod table;
mod util;
mod value;

#[cfg(test)]
mod tests;

pub use argv::{parse_argv, Argv};
pub use error::ConfigError;
pub use util::strerror;
pub use value::ObufLimit;

use table::{Kind, HIDDEN, IMMUTABLE, PROTECTED, TABLE};
use value::{SetCtx, Value};

/// The configuration of one server or sentinel: every parameter's value,
/// plus the directives that are not parameters (`rename-command`, `user`,
/// `loadmodule`, `sentinel ...`).
#[derive(Clone, Debug)]
pub struct Config {
    /// Sentinel mode: `sentinel` lines are collected, port defaults to 26379.
    sentinel: bool,
    /// One value per row of `table::TABLE`, same index.
    values: Vec<Value>,
    /// `rename-command old new` pairs in file order.
    renames: Vec<(String, String)>,
    /// Arguments of every `sentinel ...` line (after the word `sentinel`).
    sentinel_lines: Vec<Vec<String>>,
    /// Arguments of every `user ...` line (after the word `user`).
    users: Vec<Vec<String>>,
    /// Arguments of every `loadmodule ...` line (path first).
    modules: Vec<Vec<String>>,
    /// `module.name value` lines, queued for modules in Redis.
    module_configs: Vec<(String, String)>,
    /// A `save` line was already read in this load (the first one drops
    /// the default save points, later ones add to them).
    save_loaded: bool,
}

/// `sdssplitlen(value, " ")` as `CONFIG SET` splits a multi-argument
/// value: on every single space, so "" gives no arguments and "a  b" gives
/// an empty middle argument.
fn split_spaces(v: &[u8]) -> Vec<Vec<u8>> {
    if v.is_empty() {
        return Vec::new();
    }
    v.split(|&c| c == b' ').map(<[u8]>::to_vec).collect()
}

impl Config {
    /// The defaults: Redis 7.0.15's, with port 26379 and protected-mode no
    /// in sentinel mode, and `dir` the current working directory.
    pub fn new(sentinel: bool) -> Config {
        Config {
            sentinel,
            values: TABLE
                .iter()
                .map(|d| value::default_value(d, sentinel))
                .collect(),
            renames: Vec::new(),
            sentinel_lines: Vec::new(),
            users: Vec::new(),
            modules: Vec::new(),
            module_configs: Vec::new(),
            save_loaded: false,
        }
    }

    /// True in sentinel mode.
    pub fn is_sentinel(&self) -> bool {
        self.sentinel
    }

    /// Loads config text: the whole file, then "\n", then the options
    /// built from argv (config.c `loadServerConfigFromString`). Handles
    /// `include` (paths relative to the working directory, globs allowed),
    /// repeated `save`, `rename-command`, `user`, `loadmodule` and, in
    /// sentinel mode, `sentinel` lines. Stops at the first error.
    pub fn load_str(&mut self, text: &str) -> Result<(), ConfigError> {
        load::load_text(self, text)
    }

    /// A parameter's value as `CONFIG GET` prints it, by canonical name or
    /// alias (any case); `None` for an unknown name.
    pub fn get(&self, name: &str) -> Option<String> {
        let (i, _) = table::lookup(name.as_bytes())?;
        Some(value::get_string(&TABLE[i], &self.values[i]))
    }

    /// `CONFIG GET pattern [pattern ...]`: each pattern without glob
    /// characters is looked up exactly (hidden parameters included); a glob
    /// is matched, ignoring case, against every canonical name and alias
    /// that is not hidden. Each name appears once; an alias and its
    /// canonical name are distinct entries, as in Redis.
    pub fn get_matching(&self, patterns: &[&[u8]]) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        let push = |name: &'static str, i: usize, out: &mut Vec<(&'static str, String)>| {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, value::get_string(&TABLE[i], &self.values[i])));
            }
        };
        for pat in patterns {
            if !pat.iter().any(|c| matches!(c, b'[' | b'*' | b'?')) {
                if let Some((i, alias)) = table::lookup(pat) {
                    let d = &TABLE[i];
                    let name = if alias {
                        d.alias.unwrap_or(d.name)
                    } else {
                        d.name
                    };
                    push(name, i, &mut out);
                }
                continue;
            }
            for (i, d) in TABLE.iter().enumerate() {
                if d.flags & HIDDEN != 0 {
                    continue;
                }
                for name in std::iter::once(d.name).chain(d.alias) {
                    if util::stringmatch(pat, name.as_bytes(), true) {
                        push(name, i, &mut out);
                    }
                }
            }
        }
        out
    }

    /// `CONFIG SET name value [name value ...]`, as a client that is local
    /// (so `enable-protected-configs local` allows `dir` and `dbfilename`).
    /// See [`Config::set_from`].
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<&'static str>, String> {
        self.set_from(pairs, true)
    }

    /// `CONFIG SET` (config.c `configSetCommand`): all or nothing. Returns
    /// the canonical names whose value changed. `Err` is the error text
    /// without the leading '-', e.g. "ERR CONFIG SET failed (possibly
    /// related to argument 'maxmemory') - argument must be a memory value".
    /// `local_client` says whether the caller is a local connection, for
    /// `enable-protected-configs local`.
    pub fn set_from(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        local_client: bool,
    ) -> Result<Vec<&'static str>, String> {
        // Pass 1: resolve names; the first problem found decides the error.
        let mut resolved: Vec<(usize, String)> = Vec::with_capacity(pairs.len());
        let mut seen: Vec<&'static str> = Vec::new();
        for (name, _) in pairs {
            let shown = String::from_utf8_lossy(name).into_owned();
            let Some((i, alias)) = table::lookup(name) else {
                return Err(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{shown}'"
                ));
            };
            let d = &TABLE[i];
            let protected_ok = match self.int("enable-protected-configs") {
                1 => true,
                2 => local_client,
                _ => false,
            };
            if d.flags & IMMUTABLE != 0 {
                return Err(set_failed(&shown, "can't set immutable config"));
            }
            if d.flags & PROTECTED != 0 && !protected_ok {
                return Err(set_failed(&shown, "can't set protected config"));
            }
            // An alias and its canonical name are distinct entries of
            // Redis's dictionary, so only the same spelling is a duplicate.
            let registered = if alias {
                d.alias.unwrap_or(d.name)
            } else {
                d.name
            };
            if seen.contains(&registered) {
                return Err(set_failed(&shown, "duplicate parameter"));
            }
            seen.push(registered);
            resolved.push((i, registered.to_string()));
        }

        // Pass 2: parse every value into a copy; commit only if all succeed.
        let old_dir = self.string("dir");
        let mut values = self.values.clone();
        let mut changed: Vec<&'static str> = Vec::new();
        let mut save_loaded = false;
        for ((i, registered), (_, raw)) in resolved.iter().zip(pairs) {
            let d = &TABLE[*i];
            let args = if d.flags & table::MULTI_ARG != 0 {
                split_spaces(raw)
            } else {
                vec![raw.to_vec()]
            };
            let mut ctx = SetCtx {
                reading_file: false,
                save_loaded: &mut save_loaded,
            };
            match value::parse(d, &args, &values[*i], &mut ctx) {
                Ok(mut v) => {
                    clamp_hz(d.name, &mut v);
                    if v != values[*i] {
                        values[*i] = v;
                        if !changed.contains(&d.name) {
                            changed.push(d.name);
                        }
                    }
                }
                Err(reason) => {
                    // Undo a `dir` set earlier in this same command.
                    if values[table::index("dir")] != self.values[table::index("dir")] {
                        let _ = std::env::set_current_dir(&old_dir);
                    }
                    return Err(set_failed(registered, &reason));
                }
            }
        }
        self.values = values;
        Ok(changed)
    }

    /// Sets a parameter from config-file style arguments, bypassing the
    /// `IMMUTABLE` and `PROTECTED` checks: for commands that change
    /// parameters themselves (REPLICAOF changes `replicaof`). `Err` is the
    /// reason text.
    pub fn force_set(&mut self, name: &str, args: &[&str]) -> Result<(), String> {
        let i = table::index(name);
        let args: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        let mut save_loaded = false;
        let mut ctx = SetCtx {
            reading_file: false,
            save_loaded: &mut save_loaded,
        };
        let mut v = value::parse(&TABLE[i], &args, &self.values[i], &mut ctx)?;
        clamp_hz(TABLE[i].name, &mut v);
        self.values[i] = v;
        Ok(())
    }

    /// A numeric parameter (booleans as 0/1, enums as Redis's enum value,
    /// `notify-keyspace-events` as `notify::NOTIFY_*` bits). A memory value
    /// above `i64::MAX` (maxmemory can be up to 2^64-1) saturates.
    /// `maxmemory-clients` given as a percentage is negative (-N for N%).
    /// Panics on an unknown or non-numeric name (a programming error).
    pub fn int(&self, name: &str) -> i64 {
        let i = table::index(name);
        match (&TABLE[i].kind, &self.values[i]) {
            (Kind::Num { unsigned: true, .. }, Value::Num(n)) if *n < 0 => i64::MAX,
            (_, Value::Num(n)) | (_, Value::Notify(n)) => *n,
            (_, Value::Bool(b)) => i64::from(*b),
            _ => panic!("conf: {name} is not numeric"),
        }
    }

    /// A yes/no parameter. Panics on an unknown or non-boolean name.
    pub fn bool(&self, name: &str) -> bool {
        let i = table::index(name);
        match &self.values[i] {
            Value::Bool(b) => *b,
            _ => panic!("conf: {name} is not a boolean"),
        }
    }

    /// Any parameter as `CONFIG GET` prints it. Panics on an unknown name.
    pub fn string(&self, name: &str) -> String {
        let i = table::index(name);
        value::get_string(&TABLE[i], &self.values[i])
    }

    /// The `save` points as (seconds, changes); empty when saving is off.
    pub fn save_params(&self) -> Vec<(i64, i64)> {
        match &self.values[table::index("save")] {
            Value::Save(v) => v.clone(),
            _ => unreachable!(),
        }
    }

    /// The `bind` addresses (default `["*", "-::*"]`; a leading '-' marks
    /// an address whose bind failure is not fatal).
    pub fn bind(&self) -> Vec<String> {
        match &self.values[table::index("bind")] {
            Value::Bind(v) => v.clone(),
            _ => unreachable!(),
        }
    }

    /// The master this server replicates from (`replicaof host port`).
    pub fn replicaof(&self) -> Option<(String, u16)> {
        match &self.values[table::index("replicaof")] {
            Value::ReplicaOf(r) => r.as_ref().map(|(h, p)| (h.clone(), *p as u16)),
            _ => unreachable!(),
        }
    }

    /// `client-output-buffer-limit` for the normal, replica and pubsub
    /// classes, in that order.
    pub fn client_output_buffer_limits(&self) -> [ObufLimit; 3] {
        match &self.values[table::index("client-output-buffer-limit")] {
            Value::Obuf(v) => *v,
            _ => unreachable!(),
        }
    }

    /// `oom-score-adj-values` (master, replica, background child).
    pub fn oom_score_adj_values(&self) -> [i64; 3] {
        match &self.values[table::index("oom-score-adj-values")] {
            Value::Oom(v) => *v,
            _ => unreachable!(),
        }
    }

    /// `latency-tracking-info-percentiles`.
    pub fn latency_percentiles(&self) -> Vec<f64> {
        match &self.values[table::index("latency-tracking-info-percentiles")] {
            Value::Percentiles(v) => v.clone(),
            _ => unreachable!(),
        }
    }

    /// `rename-command old new` pairs in the order they were read; an
    /// empty new name removes the command.
    pub fn renamed_commands(&self) -> Vec<(String, String)> {
        self.renames.clone()
    }

    /// Arguments (after the word `sentinel`) of every `sentinel ...` line,
    /// in order. Only filled in sentinel mode; validation belongs to the
    /// Sentinel crate.
    pub fn sentinel_lines(&self) -> Vec<Vec<String>> {
        self.sentinel_lines.clone()
    }

    /// Replaces the sentinel state lines written by `rewrite` in sentinel
    /// mode (the Sentinel crate calls this with its current state).
    pub fn set_sentinel_lines(&mut self, lines: Vec<Vec<String>>) {
        self.sentinel_lines = lines;
    }

    /// Arguments (after the word `user`) of every `user ...` line.
    pub fn users(&self) -> Vec<Vec<String>> {
        self.users.clone()
    }

    /// Replaces the users written by `rewrite` (each: name, then ACL rules),
    /// for an ACL layer that describes its users canonically.
    pub fn set_users(&mut self, users: Vec<Vec<String>>) {
        self.users = users;
    }

    /// Arguments of every `loadmodule path [args]` line.
    pub fn load_modules(&self) -> Vec<Vec<String>> {
        self.modules.clone()
    }

    /// `module.option value` lines (queued for modules in Redis).
    pub fn module_configs(&self) -> Vec<(String, String)> {
        self.module_configs.clone()
    }

    /// `CONFIG REWRITE` (config.c `rewriteConfig`): rewrites the file at
    /// `path` keeping comments and unknown lines, replacing each changed
    /// parameter's line in place, blanking stale duplicates, and appending
    /// new lines after "# Generated by CONFIG REWRITE". The file is
    /// replaced atomically (temp file, fsync, rename).
    pub fn rewrite(&self, path: &std::path::Path) -> std::io::Result<()> {
        rewrite::rewrite_config(self, path)
    }
}

/// Parses a memory amount as redis.conf writes it (util.c `memtoll`):
/// plain bytes or a number with a unit, `1k` = 1000, `1kb` = 1024, `m`,
/// `mb`, `g`, `gb`, any case; a leading '-' is allowed. `None` when the
/// text is not a memory value (including the empty string, which C's
/// `memtoll` would read as 0).
pub fn parse_memory(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    util::memtoll(s.as_bytes())
}

/// The `CONFIG SET` error for a parameter.
fn set_failed(name: &str, reason: &str) -> String {
    format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}")
}

/// config.c `updateHZ`: hz out of [1, 500] is accepted but capped.
fn clamp_hz(name: &str, v: &mut Value) {
    if name == "hz" {
        if let Value::Num(n) = v {
            *n = (*n).clamp(1, 500);
        }
    }
}
