//! Key specs: where a command's keys are, from Redis 7's COMMAND INFO
//! (db.c `getKeysUsingKeySpecs`, `getKeysFromCommandWithSpecs`).
//!
//! Each spec says where to begin searching (a fixed index, or after a
//! keyword searched forwards or backwards) and how to find the keys from
//! there (a range to a last key, possibly limited to a fraction of what is
//! left, or a count read from an argument).

use crate::meta::CommandMeta;
use resp::Frame;

/// Index of the key specs in a COMMAND INFO entry.
const INFO_KEY_SPECS: usize = 8;
/// Index of the flags in a COMMAND INFO entry.
const INFO_FLAGS: usize = 2;

/// Where the search for keys starts.
#[derive(Debug, Clone, PartialEq)]
pub enum BeginSearch {
    /// At this argument.
    Index(i64),
    /// After this keyword, searched from `startfrom` (backwards from the
    /// end when negative).
    Keyword { keyword: Vec<u8>, startfrom: i64 },
    /// The command's own code knows.
    Unknown,
}

/// How keys are found from the start.
#[derive(Debug, Clone, PartialEq)]
pub enum FindKeys {
    /// Keys from the start to `lastkey` (relative; negative counts from
    /// the end), every `keystep`; with a `limit`, only 1/limit of the rest.
    Range {
        lastkey: i64,
        keystep: i64,
        limit: i64,
    },
    /// The number of keys is at `keynumidx`, they begin at `firstkey`.
    Keynum {
        keynumidx: i64,
        firstkey: i64,
        keystep: i64,
    },
    /// The command's own code knows.
    Unknown,
}

/// One key spec.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySpec {
    /// Flag names as COMMAND INFO prints them (`RW`, `access`, ...).
    pub flags: Vec<String>,
    /// Start of the search.
    pub begin: BeginSearch,
    /// Key finding from the start.
    pub find: FindKeys,
}

/// A key found in an argv: its position and its spec's flags.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRef {
    /// Index in the argv (0 = the command name).
    pub pos: usize,
    /// Flag names of the spec that found it.
    pub flags: Vec<String>,
}

impl KeySpec {
    fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

fn field<'a>(map: &'a Frame, key: &str) -> Option<&'a Frame> {
    match map {
        Frame::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| k.as_bytes() == Some(key.as_bytes()))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn int(map: &Frame, key: &str) -> i64 {
    match field(map, key) {
        Some(Frame::Integer(n)) => *n,
        _ => 0,
    }
}

fn names(f: Option<&Frame>) -> Vec<String> {
    match f {
        Some(Frame::Set(v) | Frame::Array(v)) => v.iter().filter_map(Frame::as_str).collect(),
        _ => Vec::new(),
    }
}

fn parse_spec(f: &Frame) -> KeySpec {
    let flags = names(field(f, "flags"));
    let begin = match field(f, "begin_search") {
        Some(bs) => {
            let spec = field(bs, "spec").cloned().unwrap_or(Frame::Null);
            match field(bs, "type").and_then(Frame::as_str).as_deref() {
                Some("index") => BeginSearch::Index(int(&spec, "index")),
                Some("keyword") => BeginSearch::Keyword {
                    keyword: field(&spec, "keyword")
                        .and_then(Frame::as_bytes)
                        .unwrap_or_default()
                        .to_vec(),
                    startfrom: int(&spec, "startfrom"),
                },
                _ => BeginSearch::Unknown,
            }
        }
        None => BeginSearch::Unknown,
    };
    let find = match field(f, "find_keys") {
        Some(fk) => {
            let spec = field(fk, "spec").cloned().unwrap_or(Frame::Null);
            match field(fk, "type").and_then(Frame::as_str).as_deref() {
                Some("range") => FindKeys::Range {
                    lastkey: int(&spec, "lastkey"),
                    keystep: int(&spec, "keystep"),
                    limit: int(&spec, "limit"),
                },
                Some("keynum") => FindKeys::Keynum {
                    keynumidx: int(&spec, "keynumidx"),
                    firstkey: int(&spec, "firstkey"),
                    keystep: int(&spec, "keystep"),
                },
                _ => FindKeys::Unknown,
            }
        }
        None => FindKeys::Unknown,
    };
    KeySpec { flags, begin, find }
}

/// The key specs of a command.
pub fn specs(meta: &CommandMeta) -> Vec<KeySpec> {
    match &meta.info {
        Frame::Array(fields) => match fields.get(INFO_KEY_SPECS) {
            Some(Frame::Set(v) | Frame::Array(v)) => v.iter().map(parse_spec).collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// True if the command has a COMMAND INFO flag (`no_mandatory_keys`, ...).
pub fn has_command_flag(meta: &CommandMeta, flag: &str) -> bool {
    match &meta.info {
        Frame::Array(fields) => names(fields.get(INFO_FLAGS)).iter().any(|f| f == flag),
        _ => false,
    }
}

/// db.c `doesCommandHaveKeys`: some spec is about real keys.
pub fn has_keys(specs: &[KeySpec]) -> bool {
    specs.iter().any(|s| !s.has("not_key"))
}

/// The keys of `argv` (db.c `getKeysFromCommandWithSpecs`). Specs are
/// used unless one has variable flags, in which case the command's own
/// rule decides (only SET's is known here: its flags depend on GET). A
/// spec that does not fit the arguments yields no keys at all.
pub fn find_keys(meta: &CommandMeta, specs: &[KeySpec], argv: &[&[u8]]) -> Vec<KeyRef> {
    if meta.name == "set" {
        return set_keys(argv);
    }
    using_specs(specs, argv).unwrap_or_default()
}

/// db.c `setGetKeys`: the key is read too when GET is given.
fn set_keys(argv: &[&[u8]]) -> Vec<KeyRef> {
    let get = argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
    let flags: &[&str] = if get {
        &["RW", "access", "update"]
    } else {
        &["OW", "update"]
    };
    vec![KeyRef {
        pos: 1,
        flags: flags.iter().map(|s| s.to_string()).collect(),
    }]
}

/// db.c `getKeysUsingKeySpecs`; `None` for an invalid spec.
pub fn using_specs(specs: &[KeySpec], argv: &[&[u8]]) -> Option<Vec<KeyRef>> {
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in specs {
        if spec.has("not_key") {
            continue;
        }
        let first = match &spec.begin {
            BeginSearch::Index(i) => *i,
            BeginSearch::Keyword { keyword, startfrom } => {
                let (start, end) = if *startfrom > 0 {
                    (*startfrom, argc - 1)
                } else {
                    (argc + startfrom, 1)
                };
                let mut found = 0;
                let mut i = start;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if argv[i as usize].eq_ignore_ascii_case(keyword) {
                        found = i + 1;
                        break;
                    }
                    i = if start <= end { i + 1 } else { i - 1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            BeginSearch::Unknown => return None,
        };
        let (first, last, step) = match &spec.find {
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let last = if *lastkey >= 0 {
                    first + lastkey
                } else if *limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (first, last, *keystep)
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let at = first + keynumidx;
                if at >= argc {
                    return None;
                }
                let n = resp::parse_i64(argv[at as usize]).filter(|n| *n >= 0)?;
                let first = first + firstkey;
                (first, first + n - 1, *keystep)
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            keys.push(KeyRef {
                pos: i as usize,
                flags: spec.flags.clone(),
            });
            i += step.max(1);
        }
        // An incomplete spec (MIGRATE's KEYS) sends Redis to the
        // command's own key rule.
        if spec.has("incomplete") {
            return None;
        }
    }
    Some(keys)
}

#[cfg(test)]
mod tests {
    //! Goal: keys are found where redis-server 7.0.15's COMMAND GETKEYS
    //! finds them (reference replies captured from it: MSET a 1 b 2 ->
    //! a b; XREAD STREAMS a b 1 -> a; EVAL x 5 a -> none).
    use super::*;

    fn table_meta(name: &str) -> CommandMeta {
        let all = crate::meta::load_all();
        let (top, sub) = match name.split_once('|') {
            Some((t, _)) => (t, Some(name)),
            None => (name, None),
        };
        let m = all.into_iter().find(|c| c.name == top).unwrap();
        match sub {
            Some(s) => m.subcommands.into_iter().find(|c| c.name == s).unwrap(),
            None => m,
        }
    }

    fn keys(cmd: &str, argv: &[&str]) -> Vec<usize> {
        let meta = table_meta(cmd);
        let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        find_keys(&meta, &specs(&meta), &argv)
            .into_iter()
            .map(|k| k.pos)
            .collect()
    }

    #[test]
    fn spec_kinds() {
        assert_eq!(keys("get", &["get", "a"]), [1]);
        assert_eq!(keys("mset", &["mset", "a", "1", "b", "2"]), [1, 3]);
        assert_eq!(
            keys("xread", &["xread", "streams", "a", "b", "1", "2"]),
            [2, 3]
        );
        assert_eq!(keys("xread", &["xread", "streams", "a", "b", "1"]), [2]);
        assert_eq!(keys("eval", &["eval", "x", "2", "a", "b", "c"]), [3, 4]);
        assert_eq!(keys("eval", &["eval", "x", "5", "a"]), Vec::<usize>::new());
        assert_eq!(
            keys("zunionstore", &["zunionstore", "d", "2", "a", "b"]),
            [1, 3, 4]
        );
        assert_eq!(keys("object|encoding", &["object", "encoding", "k"]), [2]);
        // Redis falls back to migrateGetKeys here, which is not modelled.
        assert_eq!(
            keys(
                "migrate",
                &["migrate", "h", "p", "", "0", "5", "keys", "a", "b"]
            ),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn set_flags_depend_on_get() {
        let meta = table_meta("set");
        let f = |argv: &[&[u8]]| find_keys(&meta, &specs(&meta), argv)[0].flags.join(" ");
        assert_eq!(f(&[b"set", b"a", b"b"]), "OW update");
        assert_eq!(f(&[b"set", b"a", b"b", b"GET"]), "RW access update");
    }

    #[test]
    fn not_keys_are_no_keys() {
        assert!(!has_keys(&specs(&table_meta("ssubscribe"))));
        assert!(has_keys(&specs(&table_meta("get"))));
        assert!(has_command_flag(&table_meta("eval"), "no_mandatory_keys"));
    }
}
