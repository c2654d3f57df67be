//! Goal: for the string and generic key commands, our server gives the
//! same reply as redis-server 7.0.15 to every command of long random
//! sequences, wrong-type and syntax-error cases included, and SCAN (with
//! MATCH, COUNT and TYPE) visits the same set of keys.
//!
//! Reference: t_string.c (GET SET SETNX SETEX PSETEX MGET MSET MSETNX
//! GETSET GETDEL GETEX APPEND STRLEN INCR* DECR* GETRANGE SETRANGE SUBSTR
//! LCS), db.c and expire.c (DEL UNLINK EXISTS TYPE RENAME RENAMENX KEYS
//! RANDOMKEY DBSIZE EXPIRE* TTL PTTL PERSIST MOVE SWAPDB COPY TOUCH SELECT
//! FLUSHDB SCAN), object.c (OBJECT ENCODING), util.c `stringmatchlen`
//! (glob patterns).
//!
//! The sequences come from a seeded generator: a failure prints the seed,
//! the step and the commands before it, and `DIFFERENTIAL_SEED=<n>` replays
//! exactly that sequence (`DIFFERENTIAL_STEPS=<n>` changes its length).
//! Replies are compared exactly, except where Redis's reply depends on the
//! clock or on hash table order: TTL and PTTL within one second, KEYS as a
//! set, RANDOMKEY by membership, SCAN by the set of keys collected.

mod common;

use common::*;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use resp::Frame;
use std::collections::BTreeSet;

/// The seeds run by default; each is a different random sequence.
const SEEDS: [u64; 4] = [1, 7015, 20_240_101, 0xdead_beef];
/// Commands per seed by default.
const STEPS: usize = 5_000;

/// Key names: few, so commands collide on the same keys, and with glob
/// metacharacters and backslashes so that KEYS patterns are put to work.
const KEYS: &[&str] = &[
    "a", "b", "c", "ab", "abc", "k1", "k2", "k10", "x?y", "[k]", "h*llo", "h\\llo", "hallo",
];

/// An argv under construction.
type Argv = Vec<Vec<u8>>;

fn argv(parts: &[&str]) -> Argv {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

// ---------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------

/// Makes random commands. Expiry arguments are drawn from families that
/// never produce the same deadline twice (relative seconds are multiples
/// of 100 s, relative milliseconds are 25 s off those, absolute times 50 s
/// and 75 s off), so an NX/XX/GT/LT comparison never hinges on the few
/// milliseconds between the two servers running the same command, and no
/// key expires by itself during a run. Past absolute times are used only
/// where Redis deletes the key at once (EXPIREAT, GETEX), never where it
/// would linger until active expiry (SET EXAT).
struct Gen {
    rng: SmallRng,
    /// Unix time in seconds when the run started.
    base_s: u64,
}

impl Gen {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from.choose(&mut self.rng).expect("non-empty")
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.gen_range(0..100) < percent
    }

    fn key(&mut self) -> Vec<u8> {
        self.pick(KEYS).as_bytes().to_vec()
    }

    fn value(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..12) {
            0 | 1 => self.rng.gen_range(-20..20).to_string().into_bytes(),
            2 => self
                .pick(&[
                    "9223372036854775807",
                    "-9223372036854775808",
                    "9223372036854775808",
                    "10000",
                    "9999",
                    "-0",
                    "007",
                    " 1",
                    "1 ",
                    "+1",
                ])
                .into(),
            3 => self
                .pick(&[
                    "1.5", "-0.25", "3e2", "inf", "-inf", "nan", "1.1e-5", "0.1", "5.0e3", "1e308",
                    "3.0", ".5",
                ])
                .into(),
            4 => Vec::new(),
            5 => vec![b'x'; self.rng.gen_range(40..50)],
            6 => vec![0, 255, b'\r', b'\n', b' '],
            _ => {
                let len = self.rng.gen_range(1..12);
                (0..len)
                    .map(|_| b"abcd"[self.rng.gen_range(0..4)])
                    .collect()
            }
        }
    }

    /// A small integer argument, sometimes negative, sometimes not a
    /// number at all.
    fn int(&mut self) -> String {
        match self.rng.gen_range(0..20) {
            0 => self
                .pick(&[
                    "abc",
                    "1.5",
                    "",
                    "9223372036854775807",
                    "-9223372036854775808",
                ])
                .to_string(),
            1..=3 => self.rng.gen_range(-60..0).to_string(),
            _ => self.rng.gen_range(0..60).to_string(),
        }
    }

    fn step100(&mut self) -> u64 {
        100 * self.rng.gen_range(1..10_000u64)
    }

    /// Seconds for EXPIRE, EX, SETEX.
    fn rel_s(&mut self) -> String {
        match self.rng.gen_range(0..12) {
            0 => self
                .pick(&["0", "-1", "-100", "abc", "9223372036854775807", "1.5"])
                .to_string(),
            _ => self.step100().to_string(),
        }
    }

    /// Milliseconds for PEXPIRE, PX, PSETEX.
    fn rel_ms(&mut self) -> String {
        match self.rng.gen_range(0..12) {
            0 => self
                .pick(&["0", "-1", "-100000", "x", "9223372036854775807"])
                .to_string(),
            _ => ((self.step100() + 25) * 1000).to_string(),
        }
    }

    /// A future unix time in seconds.
    fn abs_s(&mut self) -> String {
        (self.base_s + self.step100() + 50).to_string()
    }

    /// A future unix time in milliseconds.
    fn abs_ms(&mut self) -> String {
        ((self.base_s + self.step100() + 75) * 1000).to_string()
    }

    /// A unix time for EXPIREAT/PEXPIREAT/GETEX: future, past (the key
    /// is deleted at once) or invalid.
    fn abs_any(&mut self, ms: bool) -> String {
        match self.rng.gen_range(0..10) {
            0 => self.pick(&["1", "0", "-5", "100"]).to_string(),
            1 => self.pick(&["abc", "9223372036854775807"]).to_string(),
            _ if ms => self.abs_ms(),
            _ => self.abs_s(),
        }
    }

    /// NX XX GT LT flags of EXPIRE and friends, sometimes conflicting.
    fn expire_flags(&mut self, out: &mut Argv) {
        for _ in 0..self.rng.gen_range(0..3) {
            let f = self.pick(&["NX", "XX", "GT", "LT", "nx", "gt", "FOO"]);
            if f != "FOO" || self.chance(20) {
                out.push(f.into());
            }
        }
    }

    /// A glob pattern for KEYS: `*`, `?`, classes with ranges and
    /// negation, backslash escapes, and malformed ones (an unclosed `[`,
    /// a trailing backslash).
    fn pattern(&mut self) -> Vec<u8> {
        self.pick(&[
            "*",
            "a*",
            "*b*",
            "?",
            "??",
            "k?",
            "k*0",
            "[a-c]",
            "[a-c]*",
            "[^a]*",
            "[!a]*",
            "[c-a]",
            "h\\*llo",
            "h\\\\llo",
            "h*llo",
            "h?llo",
            "x\\?y",
            "\\[k\\]",
            "[[]k]",
            "*[",
            "[a-",
            "\\",
            "a\\",
            "*\\",
            "[\\]]*",
            "nomatch",
            "",
            "K1",
            "[a-z][0-9]*",
        ])
        .into()
    }

    /// The next random command.
    fn command(&mut self) -> Argv {
        let k = self.key();
        let mut a: Argv = Vec::new();
        let push = |a: &mut Argv, s: &str| a.push(s.as_bytes().to_vec());
        match self.rng.gen_range(0..60) {
            0..=2 => {
                a = vec![b"SET".to_vec(), k, self.value()];
                let mut opts: Vec<Argv> = Vec::new();
                match self.rng.gen_range(0..4) {
                    0 => opts.push(argv(&["NX"])),
                    1 => opts.push(argv(&["XX"])),
                    _ => {}
                }
                if self.chance(30) {
                    opts.push(argv(&["GET"]));
                }
                match self.rng.gen_range(0..8) {
                    0 => opts.push(argv(&["EX", &self.rel_s()])),
                    1 => opts.push(argv(&["PX", &self.rel_ms()])),
                    2 => opts.push(argv(&["EXAT", &self.abs_s()])),
                    3 => opts.push(argv(&["PXAT", &self.abs_ms()])),
                    4 => opts.push(argv(&["KEEPTTL"])),
                    _ => {}
                }
                if self.chance(5) {
                    let bad = self.pick(&["NX", "XX", "EX", "KEEPTTL", "FOO", "PX"]);
                    opts.push(argv(&[bad]));
                }
                opts.shuffle(&mut self.rng);
                a.extend(opts.into_iter().flatten());
            }
            3 | 4 => a = vec![b"GET".to_vec(), k],
            5 => a = vec![b"SETNX".to_vec(), k, self.value()],
            6 => a = vec![b"SETEX".to_vec(), k, self.rel_s().into(), self.value()],
            7 => a = vec![b"PSETEX".to_vec(), k, self.rel_ms().into(), self.value()],
            8 => {
                push(&mut a, "MGET");
                for _ in 0..self.rng.gen_range(1..5) {
                    a.push(self.key());
                }
            }
            9 | 10 => {
                push(&mut a, if self.chance(50) { "MSET" } else { "MSETNX" });
                for _ in 0..self.rng.gen_range(1..4) {
                    a.push(self.key());
                    a.push(self.value());
                }
                if self.chance(5) {
                    a.push(self.key());
                }
            }
            11 => a = vec![b"GETSET".to_vec(), k, self.value()],
            12 => a = vec![b"GETDEL".to_vec(), k],
            13 => {
                a = vec![b"GETEX".to_vec(), k];
                match self.rng.gen_range(0..7) {
                    0 => a.extend(argv(&["EX", &self.rel_s()])),
                    1 => a.extend(argv(&["PX", &self.rel_ms()])),
                    2 => a.extend(argv(&["EXAT", &self.abs_any(false)])),
                    3 => a.extend(argv(&["PXAT", &self.abs_any(true)])),
                    4 => a.extend(argv(&["PERSIST"])),
                    5 => a.extend(argv(&["EX", "100", "PERSIST"])),
                    _ => {}
                }
            }
            14 | 15 => a = vec![b"APPEND".to_vec(), k, self.value()],
            16 => a = vec![b"STRLEN".to_vec(), k],
            17 => a = vec![b"INCR".to_vec(), k],
            18 => a = vec![b"DECR".to_vec(), k],
            19 => a = vec![b"INCRBY".to_vec(), k, self.int_or_value()],
            20 => a = vec![b"DECRBY".to_vec(), k, self.int_or_value()],
            21 | 22 => a = vec![b"INCRBYFLOAT".to_vec(), k, self.value()],
            23 | 24 => {
                let cmd = if self.chance(70) {
                    "GETRANGE"
                } else {
                    "SUBSTR"
                };
                a = vec![cmd.into(), k, self.int().into(), self.int().into()];
            }
            25 => a = vec![b"SETRANGE".to_vec(), k, self.int().into(), self.value()],
            26 => {
                a = vec![b"LCS".to_vec(), k, self.key()];
                for opt in ["LEN", "IDX", "WITHMATCHLEN"] {
                    if self.chance(35) {
                        push(&mut a, opt);
                    }
                }
                if self.chance(30) {
                    a.extend(argv(&["MINMATCHLEN", &self.int()]));
                }
            }
            27 | 28 => {
                push(&mut a, if self.chance(50) { "DEL" } else { "UNLINK" });
                for _ in 0..self.rng.gen_range(1..3) {
                    a.push(self.key());
                }
            }
            29 => {
                push(&mut a, "EXISTS");
                for _ in 0..self.rng.gen_range(1..4) {
                    a.push(self.key());
                }
            }
            30 => a = vec![b"TYPE".to_vec(), k],
            31 => {
                let cmd = if self.chance(50) {
                    "RENAME"
                } else {
                    "RENAMENX"
                };
                a = vec![cmd.into(), k, self.key()];
            }
            32 | 33 => a = vec![b"KEYS".to_vec(), self.pattern()],
            34 => push(&mut a, "RANDOMKEY"),
            35 => push(&mut a, "DBSIZE"),
            36..=39 => {
                let (cmd, when) = match self.rng.gen_range(0..4) {
                    0 => ("EXPIRE", self.rel_s()),
                    1 => ("PEXPIRE", self.rel_ms()),
                    2 => ("EXPIREAT", self.abs_any(false)),
                    _ => ("PEXPIREAT", self.abs_any(true)),
                };
                a = vec![cmd.into(), k, when.into()];
                self.expire_flags(&mut a);
            }
            40 | 41 => a = vec![self.pick(&["TTL", "PTTL"]).into(), k],
            42 => a = vec![b"PERSIST".to_vec(), k],
            43 => {
                let db = self.pick(&["0", "1", "2", "3", "16", "-1", "x"]);
                a = vec![b"MOVE".to_vec(), k, db.into()];
            }
            44 => {
                let (x, y) = (
                    self.pick(&["0", "1", "2", "3"]),
                    self.pick(&["0", "1", "2", "3", "x"]),
                );
                a = argv(&["SWAPDB", x, y]);
            }
            45 | 46 => {
                a = vec![b"COPY".to_vec(), k, self.key()];
                if self.chance(40) {
                    let db = self.pick(&["0", "1", "2", "16", "x"]);
                    a.extend(argv(&["DB", db]));
                }
                if self.chance(40) {
                    push(&mut a, "REPLACE");
                }
            }
            47 => {
                push(&mut a, "TOUCH");
                for _ in 0..self.rng.gen_range(1..4) {
                    a.push(self.key());
                }
            }
            48 | 49 => a = vec![b"OBJECT".to_vec(), b"ENCODING".to_vec(), k],
            50 => a = argv(&["SELECT", self.pick(&["0", "0", "1", "2", "3", "16", "x"])]),
            51 if self.chance(15) => {
                a = argv(&["FLUSHDB"]);
                if self.chance(30) {
                    push(&mut a, self.pick(&["ASYNC", "SYNC", "FOO"]));
                }
            }
            // Other types on the same keys, for the WRONGTYPE replies.
            52 => a = vec![b"LPUSH".to_vec(), k, self.value()],
            53 => a = vec![b"SADD".to_vec(), k, self.value()],
            54 => a = vec![b"HSET".to_vec(), k, b"f".to_vec(), self.value()],
            55 => a = vec![b"ZADD".to_vec(), k, b"1".to_vec(), self.value()],
            // Wrong arity and stray arguments.
            _ => {
                let cmd = self.pick(&[
                    "GET", "SET", "INCR", "APPEND", "STRLEN", "GETRANGE", "EXPIRE", "TTL",
                    "RENAME", "MSET", "GETDEL", "PERSIST", "TYPE", "SETEX", "LCS", "COPY",
                    "DBSIZE",
                ]);
                push(&mut a, cmd);
                for _ in 0..self.rng.gen_range(0..4) {
                    a.push(self.key());
                }
            }
        }
        a
    }

    fn int_or_value(&mut self) -> Vec<u8> {
        if self.chance(70) {
            self.int().into_bytes()
        } else {
            self.value()
        }
    }
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/// Whether `ours` is an acceptable answer where the oracle said `redis`.
fn agree(argv: &[Vec<u8>], ours: &Frame, redis: &Frame) -> bool {
    let name = String::from_utf8_lossy(&argv[0]).to_ascii_uppercase();
    match (name.as_str(), ours, redis) {
        ("TTL", Frame::Integer(a), Frame::Integer(b)) if *a >= 0 && *b >= 0 => a.abs_diff(*b) <= 1,
        ("PTTL", Frame::Integer(a), Frame::Integer(b)) if *a >= 0 && *b >= 0 => {
            a.abs_diff(*b) <= 1000
        }
        ("KEYS", _, _) if sorted(redis).is_some() => sorted(ours) == sorted(redis),
        _ => ours == redis,
    }
}

/// Whether a RANDOMKEY reply is right: null exactly when the database is
/// empty, else a key that exists.
fn random_key_ok(c: &mut Conn, reply: &Frame) -> bool {
    match reply {
        Frame::Null => int(&c.cmd(&["DBSIZE"])) == 0,
        Frame::Bulk(k) => int(&c.cmd(&[&b"EXISTS"[..], k])) == 1,
        _ => false,
    }
}

/// Runs `steps` random commands from `seed` against both servers.
fn run_seed(ours: &Server, redis: &Server, seed: u64, steps: usize) {
    eprintln!("differential: seed {seed}, {steps} steps (replay with DIFFERENTIAL_SEED={seed})");
    let base_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let mut gen = Gen {
        rng: SmallRng::seed_from_u64(seed),
        base_s,
    };
    let (mut a, mut b) = (ours.conn(), redis.conn());
    same(&mut a, &mut b, &["FLUSHALL"]);
    let mut history: Vec<String> = Vec::new();
    for step in 0..steps {
        let argv = gen.command();
        let (ra, rb) = (reply_or_why(&mut a, &argv), reply_or_why(&mut b, &argv));
        history.push(format!("{} -> {rb:?}", show(&argv)));
        let fail = |why: &str| -> ! {
            let from = history.len().saturating_sub(25);
            panic!(
                "seed {seed} step {step}: {why}\n  command: {}\n  ours:    {ra:?}\n  oracle:  {rb:?}\n\
                 replay with DIFFERENTIAL_SEED={seed}; the commands before it (with the oracle's replies):\n  {}",
                show(&argv),
                history[from..].join("\n  ")
            )
        };
        if argv[0] == b"RANDOMKEY" {
            if !random_key_ok(&mut a, &ra) || !random_key_ok(&mut b, &rb) {
                fail("RANDOMKEY gave no existing key, or null on a non-empty db");
            }
        } else if !agree(&argv, &ra, &rb) {
            fail("replies differ");
        }
    }
    // The final state of every database: the same keys, types and
    // string values.
    for db in 0..4 {
        let db = db.to_string();
        same(&mut a, &mut b, &["SELECT", db.as_str()]);
        let keys = sorted(&b.cmd(&["KEYS", "*"])).expect("KEYS is an array");
        assert_eq!(
            sorted(&a.cmd(&["KEYS", "*"])),
            Some(keys.clone()),
            "seed {seed}: keys of db {db}"
        );
        for k in keys {
            if same(&mut a, &mut b, &[&b"TYPE"[..], &k]) == simple("string") {
                same(&mut a, &mut b, &[&b"GET"[..], &k]);
            }
        }
    }
}

/// Random sequences of string and key commands: every reply equals the
/// oracle's (see the module comment for the few tolerances).
#[test]
fn random_string_and_key_commands_match_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let steps = env_or("DIFFERENTIAL_STEPS", STEPS);
    match std::env::var("DIFFERENTIAL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => run_seed(&ours, &redis, seed, steps),
        None => {
            for seed in SEEDS {
                run_seed(&ours, &redis, seed, steps);
            }
        }
    }
}

/// A fixed list of edge cases that random sequences reach only rarely:
/// limits, overflow, option conflicts, and errors on every wrong type.
#[test]
fn edge_cases_match_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    let cases: &[&[&str]] = &[
        &["SET", "n", "9223372036854775807"],
        &["INCR", "n"],
        &["SET", "n", "-9223372036854775808"],
        &["DECR", "n"],
        &["DECRBY", "n", "-9223372036854775808"],
        &["INCRBY", "n", "9223372036854775808"],
        &["SET", "f", "1.5"],
        &["INCRBYFLOAT", "f", "1e308"],
        &["INCRBYFLOAT", "f", "1e308"],
        &["INCRBYFLOAT", "f", "0.1"],
        &["INCRBYFLOAT", "f", "-1.6"],
        &["INCRBYFLOAT", "f", "5.0e3"],
        &["GET", "f"],
        &["INCRBYFLOAT", "new", "3"],
        &["SETRANGE", "big", "536870911", ""],
        &["SETRANGE", "s", "-1", "x"],
        &["SETRANGE", "s", "5", "x"],
        &["GET", "s"],
        &["GETRANGE", "s", "0", "-1"],
        &["GETRANGE", "s", "-100", "100"],
        &["GETRANGE", "s", "3", "1"],
        &["SET", "k", "v", "EX", "0"],
        &["SET", "k", "v", "EX", "-1"],
        &["SET", "k", "v", "PX", "9223372036854775807"],
        &["SET", "k", "v", "EX", "9223372036854775807"],
        &["SET", "k", "v", "NX", "XX"],
        &["SET", "k", "v", "EX", "10", "PX", "10"],
        &["SET", "k", "v", "KEEPTTL", "EX", "10"],
        &["SET", "k", "v", "GET", "GET"],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "XX", "GET"],
        &["SET", "k", "v", "NX", "GET"],
        &["GETEX", "k", "EX", "10", "PX", "10"],
        &["GETEX", "k", "PERSIST", "EX", "10"],
        &["GETEX", "k", "FOO"],
        &["EXPIRE", "k", "100", "NX", "XX"],
        &["EXPIRE", "k", "100", "GT", "LT"],
        &["EXPIRE", "k", "100", "NX", "GT"],
        &["EXPIRE", "k", "100", "FOO"],
        &["EXPIRE", "k", "100", "LT"],
        &["EXPIRE", "k", "50", "GT"],
        &["EXPIRE", "k", "200", "GT"],
        &["EXPIRE", "k", "300", "LT"],
        &["EXPIRE", "k", "300", "NX"],
        &["EXPIRE", "k", "150", "XX"],
        &["EXPIRE", "k", "9223372036854775807"],
        &["PEXPIRE", "k", "9223372036854775807"],
        &["EXPIREAT", "k", "9223372036854775807"],
        &["LPUSH", "list", "a"],
        &["GET", "list"],
        &["SET", "list", "v", "GET"],
        &["APPEND", "list", "x"],
        &["INCR", "list"],
        &["STRLEN", "list"],
        &["GETRANGE", "list", "0", "1"],
        &["SETRANGE", "list", "0", "x"],
        &["GETDEL", "list"],
        &["GETEX", "list"],
        &["GETSET", "list", "x"],
        &["LCS", "list", "k"],
        &["MGET", "list", "k"],
        &["OBJECT", "ENCODING", "list"],
        &["TYPE", "list"],
        &["SET", "e", "12345678901234567890"],
        &["OBJECT", "ENCODING", "e"],
        &["SET", "e", "123"],
        &["OBJECT", "ENCODING", "e"],
        &["APPEND", "e", "4"],
        &["OBJECT", "ENCODING", "e"],
        &["SET", "e", "0123"],
        &["OBJECT", "ENCODING", "e"],
        &["SET", "e", "abcdefghijabcdefghijabcdefghijabcdefghij1234"],
        &["OBJECT", "ENCODING", "e"],
        &["SET", "e", "abcdefghijabcdefghijabcdefghijabcdefghij12345"],
        &["OBJECT", "ENCODING", "e"],
        &["SET", "s1", "ohmytext"],
        &["SET", "s2", "mynewtext"],
        &["LCS", "s1", "s2"],
        &["LCS", "s1", "s2", "LEN"],
        &["LCS", "s1", "s2", "IDX"],
        &["LCS", "s1", "s2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
        &["LCS", "s1", "s2", "LEN", "IDX"],
        &["LCS", "s1", "s2", "MINMATCHLEN"],
        &["LCS", "s1", "nosuch", "IDX"],
        &["RENAME", "nosuch", "x"],
        &["RENAME", "s1", "s1"],
        &["RENAMENX", "s1", "s1"],
        &["RENAMENX", "s1", "s2"],
        &["COPY", "s1", "s1"],
        &["COPY", "s1", "s2"],
        &["COPY", "s1", "s3", "DB", "1"],
        &["COPY", "s1", "s3", "DB", "1", "REPLACE", "FOO"],
        &["MOVE", "s1", "0"],
        &["SWAPDB", "0", "0"],
        &["SELECT", "1"],
        &["GET", "s3"],
        &["SWAPDB", "0", "1"],
        &["GET", "s3"],
        &["MSETNX", "a", "1", "s3", "2"],
        &["MSETNX", "a", "1", "b", "2"],
        &["MSET", "a"],
        &["MGET"],
        &["DBSIZE"],
        &["FLUSHDB", "ASYNC", "SYNC"],
        &["FLUSHDB", "SYNC"],
        &["DBSIZE"],
    ];
    for argv in cases {
        same(&mut a, &mut b, argv);
    }
}

// ---------------------------------------------------------------------------
// SCAN
// ---------------------------------------------------------------------------

/// Iterates SCAN to the end with `opts` and returns the keys collected,
/// checking that every cursor is a number and that the iteration ends.
fn scan_all(c: &mut Conn, opts: &[&str]) -> Result<BTreeSet<Vec<u8>>, Frame> {
    let mut cursor = "0".to_string();
    let mut keys = BTreeSet::new();
    for _ in 0..100_000 {
        let mut argv = vec!["SCAN", cursor.as_str()];
        argv.extend_from_slice(opts);
        let reply = c.cmd(&argv);
        let Frame::Array(parts) = &reply else {
            return Err(reply);
        };
        let [next, Frame::Array(batch)] = &parts[..] else {
            panic!("SCAN reply shape: {reply:?}")
        };
        for k in batch {
            keys.insert(k.as_bytes().expect("keys are bulk strings").to_vec());
        }
        cursor = text(next);
        assert!(cursor.parse::<u64>().is_ok(), "cursor {cursor:?}");
        if cursor == "0" {
            return Ok(keys);
        }
    }
    panic!("SCAN {opts:?} did not finish");
}

/// SCAN with every combination of MATCH, COUNT and TYPE collects the same
/// set of keys as the oracle (cursors are not compared: they depend on
/// the hash table), and the same errors for bad arguments.
#[test]
fn scan_collects_the_same_keys_as_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let mut batch = Vec::new();
    let mut n = 0;
    for i in 0..400 {
        let (kind, key) = match i % 8 {
            0..=3 => ("SET", format!("user:{i}")),
            4 => ("RPUSH", format!("list:{i}")),
            5 => ("HSET", format!("hash:{i}")),
            6 => ("SADD", format!("set:{i}")),
            _ => ("ZADD", format!("zset:{i}")),
        };
        let args: Vec<&str> = match kind {
            "SET" => vec![kind, &key, "v"],
            "HSET" => vec![kind, &key, "f", "v"],
            "ZADD" => vec![kind, &key, "1", "m"],
            _ => vec![kind, &key, "m"],
        };
        batch.extend_from_slice(&resp::encode_command(&args));
        n += 1;
    }
    for k in ["a?b", "a*b", "a[b", "ab", "user:1x"] {
        batch.extend_from_slice(&resp::encode_command(&["SET", k, "v"]));
        n += 1;
    }
    let (mut a, mut b) = (ours.conn(), redis.conn());
    assert_eq!(a.pipeline(&batch, n), b.pipeline(&batch, n));
    let matches: &[Option<&str>] = &[
        None,
        Some("user:*"),
        Some("user:1?"),
        Some("*:[1-3]*"),
        Some("a\\?b"),
        Some("a\\*b"),
        Some("a\\[b"),
        Some("[^u]*"),
        Some("nomatch*"),
    ];
    let counts: &[Option<&str>] = &[None, Some("1"), Some("7"), Some("1000")];
    let types: &[Option<&str>] = &[
        None,
        Some("string"),
        Some("list"),
        Some("hash"),
        Some("set"),
        Some("zset"),
        Some("STRING"),
        Some("nosuchtype"),
    ];
    for m in matches {
        for c in counts {
            for t in types {
                let mut opts = Vec::new();
                for (name, v) in [("MATCH", m), ("COUNT", c), ("TYPE", t)] {
                    if let Some(v) = v {
                        opts.extend([name, *v]);
                    }
                }
                let (ka, kb) = (scan_all(&mut a, &opts), scan_all(&mut b, &opts));
                assert_eq!(ka, kb, "SCAN ... {opts:?}");
            }
        }
    }
    // The same set as KEYS.
    let all = scan_all(&mut a, &[]).expect("SCAN works");
    let keys = sorted(&a.cmd(&["KEYS", "*"])).expect("KEYS is an array");
    assert_eq!(all, keys.into_iter().collect::<BTreeSet<_>>());
    for bad in [
        &["SCAN", "abc"][..],
        &["SCAN", "18446744073709551616"],
        &["SCAN", "0", "COUNT", "0"],
        &["SCAN", "0", "COUNT", "x"],
        &["SCAN", "0", "MATCH"],
        &["SCAN", "0", "FOO", "bar"],
        &["SCAN", "0", "TYPE"],
    ] {
        same(&mut a, &mut b, bad);
    }
}

// ---------------------------------------------------------------------------
// Known server bugs, one reproduction each
// ---------------------------------------------------------------------------

/// `SETRANGE key <offset past 512 MB> x` is refused with `ERR string
/// exceeds maximum allowed size (proto-max-bulk-len)`; the server keeps
/// running.
#[test]
fn setrange_past_the_limit() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    for offset in ["536870912", "9223372036854775807"] {
        let argv = ["SETRANGE", "k", offset, "x"];
        assert_eq!(
            reply_or_why(&mut a, &argv.map(|s| s.as_bytes().to_vec())),
            b.cmd(&argv)
        );
    }
}

/// INCRBYFLOAT parses numbers as strtold does, hexadecimal included:
/// `INCRBYFLOAT k 0x10` adds 16.
#[test]
fn incrbyfloat_accepts_hex() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    same(&mut a, &mut b, &["INCRBYFLOAT", "k", "0x10"]);
    same(&mut a, &mut b, &["SET", "h", "0x1p4"]);
    same(&mut a, &mut b, &["INCRBYFLOAT", "h", "1"]);
}

/// SCAN parses the cursor as strtoul does, so `-1` is a (huge) valid
/// cursor, not an error.
#[test]
fn scan_negative_cursor() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    same(&mut a, &mut b, &["SCAN", "-1"]);
}
