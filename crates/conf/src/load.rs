//! Reading config text (config.c `loadServerConfigFromString` and the
//! file part of `loadServerConfig`).

use crate::error::ConfigError;
use crate::table::{self, MULTI_ARG, TABLE};
use crate::util::{strerror, stringmatch};
use crate::value::{self, SetCtx, Value};
use crate::Config;

/// Directives Redis 7.0 still accepts and ignores (config.c
/// `deprecated_configs`), all with exactly one argument.
const DEPRECATED: [&str; 3] = [
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// Parses `text` line by line into `cfg`. Lines are numbered from 1 within
/// `text` (an included file numbers its own lines). After the last line it
/// runs Redis's whole-config checks.
pub fn load_text(cfg: &mut Config, text: &str) -> Result<(), ConfigError> {
    for (idx, raw) in text.split('\n').enumerate() {
        let linenum = idx + 1;
        let line = raw.trim_matches([' ', '\t', '\r', '\n']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(mut argv) = resp::split_args(line.as_bytes()) else {
            return Err(ConfigError::at(
                linenum,
                line,
                "Unbalanced quotes in configuration line",
            ));
        };
        if argv.is_empty() {
            continue;
        }
        argv[0].make_ascii_lowercase();
        let err = |reason: &str| ConfigError::at(linenum, line, reason);
        let name = argv[0].clone();
        let args = &argv[1..];

        if let Some((i, _)) = table::lookup(&name) {
            let d = &TABLE[i];
            if d.flags & MULTI_ARG == 0 && argv.len() != 2 {
                return Err(err("wrong number of arguments"));
            }
            // A multi-argument parameter given as one quoted argument
            // (`--save "60 1"` on the command line) is split as a line is
            // (config.c, for MULTI_ARG_CONFIG).
            let split;
            let args = if d.flags & MULTI_ARG != 0 && args.len() == 1 && !args[0].is_empty() {
                split = resp::split_args(&args[0])
                    .ok_or_else(|| err("Unbalanced quotes in configuration line"))?;
                &split[..]
            } else {
                args
            };
            let mut ctx = SetCtx {
                reading_file: true,
                save_loaded: &mut cfg.save_loaded,
            };
            let v = value::parse(d, args, &cfg.values[i], &mut ctx).map_err(|r| err(&r))?;
            cfg.values[i] = v;
            continue;
        }
        if DEPRECATED.iter().any(|d| d.as_bytes() == name.as_slice()) && argv.len() == 2 {
            continue;
        }
        let strings: Vec<String> = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        match name.as_slice() {
            b"include" if argv.len() == 2 => include(cfg, &strings[0])?,
            b"rename-command" if argv.len() == 3 => {
                cfg.renames.push((strings[0].clone(), strings[1].clone()));
            }
            b"user" if argv.len() >= 2 => cfg.users.push(strings),
            b"loadmodule" if argv.len() >= 2 => cfg.modules.push(strings),
            n if n.contains(&b'.') => {
                if argv.len() != 2 {
                    return Err(err("Module config specified without value"));
                }
                let key = String::from_utf8_lossy(n).into_owned();
                cfg.module_configs.retain(|(k, _)| *k != key);
                cfg.module_configs.push((key, strings[0].clone()));
            }
            b"sentinel" => {
                // A bare `sentinel` (from `--sentinel`) only selects the mode.
                if argv.len() != 1 {
                    if !cfg.sentinel {
                        return Err(err("sentinel directive while not in sentinel mode"));
                    }
                    cfg.sentinel_lines.push(strings);
                }
            }
            _ => return Err(err("Bad directive or wrong number of arguments")),
        }
    }
    check_whole(cfg)
}

/// The checks config.c makes after the last line.
fn check_whole(cfg: &mut Config) -> Result<(), ConfigError> {
    // Redis opens the log file once to fail early; it cannot abort later.
    let logfile = cfg.string("logfile");
    if !logfile.is_empty() {
        if let Err(e) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&logfile)
        {
            return Err(ConfigError::global(format!(
                "Can't open the log file: {}",
                strerror(&e)
            )));
        }
    }
    if cfg.bool("cluster-enabled") && cfg.replicaof().is_some() {
        return Err(ConfigError::global(
            "replicaof directive not allowed in cluster mode",
        ));
    }
    let hz = table::index("hz");
    if let Value::Num(n) = &mut cfg.values[hz] {
        *n = (*n).clamp(1, 500);
    }
    Ok(())
}

/// `include path`: the file is parsed where the directive stands. A path
/// with glob characters includes every match (none is fine); the glob is
/// applied to the last path component only. A file that cannot be opened
/// is fatal.
fn include(cfg: &mut Config, path: &str) -> Result<(), ConfigError> {
    let files: Vec<String> = if path.contains(['*', '?', '[']) {
        let (dir, pat) = match path.rfind('/') {
            Some(i) => (&path[..=i], &path[i + 1..]),
            None => ("", path),
        };
        let mut names: Vec<String> = match std::fs::read_dir(if dir.is_empty() { "." } else { dir })
        {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    (!n.starts_with('.') || pat.starts_with('.'))
                        && stringmatch(pat.as_bytes(), n.as_bytes(), false)
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names.into_iter().map(|n| format!("{dir}{n}")).collect()
    } else {
        vec![path.to_string()]
    };
    // Redis reads every matching file into one text and parses it once.
    let mut text = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| ConfigError {
            line: None,
            reason: format!(
                "Fatal error, can't open config file '{f}': {}",
                strerror(&e)
            ),
            log_only: true,
        })?;
        text.extend_from_slice(&bytes);
    }
    if !text.is_empty() {
        load_text(cfg, &String::from_utf8_lossy(&text))?;
    }
    Ok(())
}
