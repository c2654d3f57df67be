//! The seeded command generator that types.rs and notifications.rs share:
//! random commands on lists, hashes, sets, sorted sets, SORT, strings and
//! expiry, over a few keys so that commands collide, with wrong types, bad
//! arguments, special scores and encoding thresholds crossed both ways
//! (large batches, DEL, CONFIG SET of the `*-max-*` limits under their
//! `listpack` and `ziplist` names).
//!
//! The same seed gives the same sequence, so a failure is replayed from
//! its seed. The generator knows nothing of the servers: which replies are
//! compared exactly, as sets, or by properties (the random commands) is
//! the runner's business.

#![allow(dead_code)]

use crate::common::{bulk, Conn};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use resp::Frame;
use std::collections::BTreeSet;

/// An argv.
pub type Argv = Vec<Vec<u8>>;

/// Builds an argv from anything that converts into bytes.
macro_rules! argv {
    ($($x:expr),* $(,)?) => { Vec::<Vec<u8>>::from([$(AsRef::<[u8]>::as_ref(&$x).to_vec()),*]) };
}

/// Which commands a sequence draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// List commands on the list keys.
    List,
    /// Hash commands on the hash keys.
    Hash,
    /// Set commands on the set keys.
    Set,
    /// Sorted-set commands on the zset keys (sets too, for ZUNION & co).
    Zset,
    /// SORT and SORT_RO over lists, sets and zsets, with the weight
    /// strings and object hashes their patterns name.
    Sort,
    /// Everything, strings and expiry included, over all keys.
    Mixed,
}

/// The list keys.
pub const LIST_KEYS: &[&str] = &["l1", "l2", "l3"];
/// The hash keys.
pub const HASH_KEYS: &[&str] = &["h1", "h2", "h3"];
/// The set keys.
pub const SET_KEYS: &[&str] = &["s1", "s2", "s3"];
/// The sorted-set keys.
pub const ZSET_KEYS: &[&str] = &["z1", "z2", "z3"];
/// A string key (set up by the runner) and a key nothing creates.
pub const OTHER_KEYS: &[&str] = &["str", "nokey"];
/// The elements of SORT's sources; `w_<e>` and `o_<e>` exist for some.
const SORT_ELEMS: &[&str] = &["1", "2", "3", "5", "10", "-1", "1.5", "a", "b", "c"];

/// Every key that commands other than SORT's patterns name, for the
/// runner's per-step checks.
pub fn checked_keys() -> Vec<&'static str> {
    [LIST_KEYS, HASH_KEYS, SET_KEYS, ZSET_KEYS, OTHER_KEYS].concat()
}

/// The encoding thresholds and the values CONFIG SET gives them; each
/// has its 7.0 `listpack` name and its old `ziplist` alias.
const LIMITS: &[(&str, &[&str])] = &[
    (
        "list-max-listpack-size",
        &["-2", "-1", "1", "2", "4", "128"],
    ),
    ("list-max-ziplist-size", &["-2", "-5", "3"]),
    ("hash-max-listpack-entries", &["0", "1", "2", "4", "128"]),
    ("hash-max-ziplist-entries", &["0", "3", "128"]),
    ("hash-max-listpack-value", &["0", "3", "8", "64"]),
    ("hash-max-ziplist-value", &["2", "64"]),
    ("set-max-intset-entries", &["0", "1", "2", "4", "512"]),
    ("zset-max-listpack-entries", &["0", "1", "2", "4", "128"]),
    ("zset-max-ziplist-entries", &["0", "3", "128"]),
    ("zset-max-listpack-value", &["0", "3", "8", "64"]),
    ("zset-max-ziplist-value", &["2", "64"]),
];

/// The `CONFIG SET` commands that put every limit back to Redis's
/// default.
pub fn default_limits() -> Vec<Argv> {
    [
        ("list-max-listpack-size", "-2"),
        ("hash-max-listpack-entries", "128"),
        ("hash-max-listpack-value", "64"),
        ("set-max-intset-entries", "512"),
        ("zset-max-listpack-entries", "128"),
        ("zset-max-listpack-value", "64"),
    ]
    .iter()
    .map(|(k, v)| argv!["CONFIG", "SET", *k, *v])
    .collect()
}

/// Makes random commands.
pub struct Gen {
    rng: SmallRng,
    area: Area,
    /// Also EXPIRE (far in the future or in the past), PERSIST and the
    /// string commands in every area, for keyspace notifications.
    pub expiry: bool,
    /// Also CONFIG SET of the encoding limits.
    pub config: bool,
}

impl Gen {
    /// The generator of `area` from `seed`.
    pub fn new(seed: u64, area: Area) -> Gen {
        Gen {
            rng: SmallRng::seed_from_u64(seed),
            area,
            expiry: false,
            config: true,
        }
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from.choose(&mut self.rng).expect("non-empty")
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.gen_range(0..100) < percent
    }

    fn below(&mut self, n: usize) -> usize {
        self.rng.gen_range(0..n)
    }

    /// A key of `pool` mostly, sometimes any key (a wrong type or a
    /// missing key).
    fn key_of(&mut self, pool: &[&'static str]) -> &'static str {
        if self.chance(8) {
            let all = checked_keys();
            all[self.below(all.len())]
        } else {
            self.pick(pool)
        }
    }

    // -----------------------------------------------------------------
    // Values
    // -----------------------------------------------------------------

    /// A long value: past the 64-byte listpack value limit.
    fn long(&mut self) -> Vec<u8> {
        let c = b"xyz"[self.below(3)];
        vec![c; self.rng.gen_range(60..80)]
    }

    fn list_elem(&mut self) -> Vec<u8> {
        match self.below(30) {
            0 => self.long(),
            1 => Vec::new(),
            2..=10 => self.pick(&["1", "2", "3", "-1", "10"]).into(),
            _ => self.pick(&["a", "b", "c", "d", "e"]).into(),
        }
    }

    fn field(&mut self) -> Vec<u8> {
        match self.below(40) {
            0 => self.long(),
            1 => Vec::new(),
            _ => self
                .pick(&["f1", "f2", "f3", "f4", "f5", "n", "abcdefghij"])
                .into(),
        }
    }

    fn hash_value(&mut self) -> Vec<u8> {
        match self.below(20) {
            0 => self.long(),
            1..=6 => self.rng.gen_range(-5..100).to_string().into_bytes(),
            7..=9 => self
                .pick(&[
                    "1.5",
                    "-0.25",
                    "1e308",
                    "inf",
                    "9223372036854775807",
                    "-9223372036854775808",
                    "0.1",
                    "5.0e3",
                    " 1",
                ])
                .into(),
            10 => Vec::new(),
            _ => self.pick(&["v", "abc", "value"]).into(),
        }
    }

    fn set_member(&mut self) -> Vec<u8> {
        match self.below(40) {
            0 => self.long(),
            1..=4 => self
                .pick(&[
                    "-0",
                    "007",
                    "9223372036854775807",
                    "-9223372036854775808",
                    "18446744073709551616",
                    "1.0",
                    " 1",
                    "",
                    "-1",
                    "100000",
                ])
                .into(),
            5..=12 => self.pick(&["a", "b", "c", "d", "e"]).into(),
            _ => self.rng.gen_range(0..16).to_string().into_bytes(),
        }
    }

    fn zmember(&mut self) -> Vec<u8> {
        match self.below(50) {
            0 => self.long(),
            1 => Vec::new(),
            2..=6 => self.pick(&["1", "10", "2", "A", "aa", "b\0"]).into(),
            _ => self.pick(&["a", "b", "c", "d", "e", "f", "g", "h"]).into(),
        }
    }

    /// A score: integers, fractions, signed zeros, infinities, the
    /// largest doubles, 17-digit values, denormals; sometimes not a
    /// valid score at all.
    fn score(&mut self) -> String {
        match self.below(30) {
            0 => self
                .pick(&["nan", "abc", "", "1.5x", " 1", "1e-400", "0x10", "--1"])
                .into(),
            1..=6 => self
                .pick(&[
                    "-0",
                    "+0",
                    "inf",
                    "-inf",
                    "+inf",
                    "1e308",
                    "-1e308",
                    "1.7976931348623157e308",
                    "0.1",
                    "0.2",
                    "0.30000000000000004",
                    "12345678901234567",
                    "3.1415926535897931",
                    "5e-324",
                    "1e-320",
                    "-2.5",
                    "1.5",
                ])
                .into(),
            _ => self.rng.gen_range(-3..6).to_string(),
        }
    }

    /// A score range bound (ZRANGEBYSCORE, ZCOUNT, ZREMRANGEBYSCORE).
    fn score_bound(&mut self) -> String {
        match self.below(10) {
            0 => self.pick(&["abc", "(", "((1", "nan", "1e-400"]).into(),
            1..=3 => self
                .pick(&[
                    "-inf", "+inf", "inf", "(-inf", "(+inf", "(inf", "-0", "(0", "1e308", "(1.5",
                    "1.5", "(1",
                ])
                .into(),
            _ => {
                let n = self.rng.gen_range(-3..6);
                if self.chance(30) {
                    format!("({n}")
                } else {
                    n.to_string()
                }
            }
        }
    }

    /// A lex range bound (ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBYLEX).
    fn lex_bound(&mut self) -> String {
        self.pick(&[
            "-", "+", "-", "+", "[a", "(a", "[b", "(c", "[d", "(h", "[", "(", "a", "[zz", "[1",
            "(b", "[e",
        ])
        .into()
    }

    /// A list or rank index.
    fn index(&mut self) -> String {
        match self.below(12) {
            0 => self
                .pick(&[
                    "-100",
                    "100",
                    "9223372036854775807",
                    "-9223372036854775808",
                    "abc",
                    "1.5",
                ])
                .into(),
            _ => self.rng.gen_range(-5..6).to_string(),
        }
    }

    /// A count for pops, LREM, LPOS and the random commands.
    fn count(&mut self) -> String {
        match self.below(14) {
            0 => self
                .pick(&[
                    "abc",
                    "9223372036854775807",
                    "-9223372036854775808",
                    "1.5",
                    "",
                ])
                .into(),
            1 | 2 => self.rng.gen_range(-4..0).to_string(),
            3 => "0".into(),
            4 => self.rng.gen_range(8..200).to_string(),
            _ => self.rng.gen_range(1..6).to_string(),
        }
    }

    /// A numkeys argument followed by that many keys of `pool`; sometimes
    /// a wrong numkeys.
    fn numkeys(&mut self, a: &mut Argv, pool: &[&'static str]) {
        let n = self.rng.gen_range(1..4);
        match self.below(20) {
            0 => a.push(self.pick(&["0", "-1", "abc", "10"]).into()),
            _ => a.push(n.to_string().into()),
        }
        for _ in 0..n {
            let k = self.key_of(pool);
            a.push(k.into());
        }
    }

    // -----------------------------------------------------------------
    // Commands
    // -----------------------------------------------------------------

    /// The next random command.
    pub fn command(&mut self) -> Argv {
        if self.config && self.chance(2) {
            return self.config_cmd();
        }
        if self.chance(4) {
            return self.generic_cmd();
        }
        if self.expiry && self.chance(12) {
            return self.string_or_expiry_cmd();
        }
        let area = match self.area {
            Area::Mixed => {
                [Area::List, Area::Hash, Area::Set, Area::Zset, Area::Sort][self.below(5)]
            }
            a => a,
        };
        match area {
            Area::List => self.list_cmd(),
            Area::Hash => self.hash_cmd(),
            Area::Set => self.set_cmd(),
            Area::Zset => self.zset_cmd(),
            Area::Sort => self.sort_area_cmd(),
            Area::Mixed => unreachable!("chosen above"),
        }
    }

    /// The pool of the sequence's area.
    fn area_keys(&mut self) -> &'static [&'static str] {
        match self.area {
            Area::List => LIST_KEYS,
            Area::Hash => HASH_KEYS,
            Area::Set => SET_KEYS,
            Area::Zset => ZSET_KEYS,
            Area::Sort => &["l1", "s1", "z1"],
            Area::Mixed => [LIST_KEYS, HASH_KEYS, SET_KEYS, ZSET_KEYS][self.below(4)],
        }
    }

    fn config_cmd(&mut self) -> Argv {
        let (name, values) = LIMITS[self.below(LIMITS.len())];
        if self.chance(20) {
            return argv!["CONFIG", "GET", name];
        }
        let v = self.pick(values);
        argv!["CONFIG", "SET", name, v]
    }

    /// DEL (so that keys are created again under the current limits),
    /// EXISTS, TYPE, RENAME and COPY between keys of the area.
    fn generic_cmd(&mut self) -> Argv {
        let pool = self.area_keys();
        let k = self.key_of(pool);
        match self.below(10) {
            0..=4 => argv!["DEL", k],
            5 => argv!["TYPE", k],
            6 => argv!["EXISTS", k],
            7 => argv!["RENAME", k, self.key_of(pool)],
            _ => {
                let mut a = argv!["COPY", k, self.key_of(pool)];
                if self.chance(50) {
                    a.push("REPLACE".into());
                }
                a
            }
        }
    }

    /// String commands and expiry, for the notification flags `$`, `g`
    /// and `x`: EXPIRE far in the future (nothing expires during a run)
    /// or in the past (the key is deleted at once).
    fn string_or_expiry_cmd(&mut self) -> Argv {
        let all = checked_keys();
        let k = all[self.below(all.len())];
        match self.below(14) {
            0 => argv!["SET", "str", self.hash_value()],
            1 => argv!["APPEND", "str", self.hash_value()],
            2 => argv!["INCR", self.pick(&["str", "cnt"])],
            3 => argv!["INCRBYFLOAT", "cnt", self.pick(&["1.5", "-1", "x"])],
            4 => argv!["SETRANGE", "str", self.pick(&["0", "3", "-1"]), "zz"],
            5 => argv!["GETDEL", self.pick(&["str", "cnt"])],
            6 => argv!["GETSET", "str", "v"],
            7 => argv!["EXPIRE", k, self.pick(&["1000", "5000", "0", "-1", "abc"])],
            8 => argv!["PEXPIRE", k, "9000000"],
            9 => argv!["PERSIST", k],
            10 => argv!["EXPIRE", k, "2000", self.pick(&["NX", "XX", "GT", "LT"])],
            11 => argv!["SET", k, "v", "KEEPTTL"],
            12 => argv!["GETEX", "str", "EX", "3000"],
            _ => argv!["UNLINK", k],
        }
    }

    fn list_cmd(&mut self) -> Argv {
        let k = self.key_of(LIST_KEYS);
        let dir = |g: &mut Gen| g.pick(&["LEFT", "RIGHT", "left", "UP"]).to_string();
        match self.below(36) {
            0..=5 => {
                let mut a = argv![self.pick(&["LPUSH", "RPUSH", "RPUSH"]), k];
                let n = if self.chance(3) {
                    self.rng.gen_range(100..200)
                } else {
                    self.rng.gen_range(1..5)
                };
                for _ in 0..n {
                    a.push(self.list_elem());
                }
                a
            }
            6 => argv![self.pick(&["LPUSHX", "RPUSHX"]), k, self.list_elem()],
            7..=9 => {
                let mut a = argv![self.pick(&["LPOP", "RPOP"]), k];
                if self.chance(60) {
                    a.push(self.count().into());
                }
                a
            }
            10 => argv!["LLEN", k],
            11..=13 => argv!["LRANGE", k, self.index(), self.index()],
            14 => argv!["LINDEX", k, self.index()],
            15 => argv!["LSET", k, self.index(), self.list_elem()],
            16 | 17 => argv![
                "LINSERT",
                k,
                self.pick(&["BEFORE", "AFTER", "after", "MIDDLE"]),
                self.list_elem(),
                self.list_elem()
            ],
            18 | 19 => argv![
                "LREM",
                k,
                self.pick(&["0", "1", "2", "-1", "-2", "x"]),
                self.list_elem()
            ],
            20 => argv!["LTRIM", k, self.index(), self.index()],
            21..=23 => {
                let mut a = argv!["LPOS", k, self.list_elem()];
                for _ in 0..self.below(4) {
                    match self.below(7) {
                        0 | 1 => {
                            let r = self.pick(&[
                                "1",
                                "2",
                                "-1",
                                "-2",
                                "0",
                                "-9223372036854775808",
                                "x",
                            ]);
                            a.extend(argv!["RANK", r]);
                        }
                        2 | 3 => {
                            let c = self.pick(&["0", "1", "2", "-1", "x"]);
                            a.extend(argv!["COUNT", c]);
                        }
                        4 | 5 => {
                            let m = self.pick(&["0", "1", "3", "-1"]);
                            a.extend(argv!["MAXLEN", m]);
                        }
                        _ => a.push("FOO".into()),
                    }
                }
                a
            }
            24..=26 => argv!["LMOVE", k, self.key_of(LIST_KEYS), dir(self), dir(self)],
            27 => argv!["RPOPLPUSH", k, self.key_of(LIST_KEYS)],
            28..=30 => {
                let mut a = argv!["LMPOP"];
                self.numkeys(&mut a, LIST_KEYS);
                a.push(dir(self).into());
                if self.chance(60) {
                    a.extend(argv!["COUNT", self.count()]);
                }
                a
            }
            // The blocking forms with a key that has elements serve at
            // once; on an empty key they time out almost at once.
            31 => argv![
                self.pick(&["BLPOP", "BRPOP"]),
                k,
                self.key_of(LIST_KEYS),
                "0.01"
            ],
            32 => argv![
                "BLMOVE",
                k,
                self.key_of(LIST_KEYS),
                dir(self),
                dir(self),
                "0.01"
            ],
            33 => {
                let mut a = argv!["BLMPOP", "0.01"];
                self.numkeys(&mut a, LIST_KEYS);
                a.push(dir(self).into());
                a
            }
            _ => argv!["SORT", k],
        }
    }

    fn hash_cmd(&mut self) -> Argv {
        let k = self.key_of(HASH_KEYS);
        match self.below(36) {
            0..=6 => {
                let mut a = argv![self.pick(&["HSET", "HSET", "HMSET"]), k];
                let n = if self.chance(3) {
                    self.rng.gen_range(100..200)
                } else {
                    self.rng.gen_range(1..4)
                };
                for i in 0..n {
                    if n > 10 {
                        a.push(format!("bulk{i}").into());
                    } else {
                        a.push(self.field());
                    }
                    a.push(self.hash_value());
                }
                if self.chance(3) {
                    a.push(self.field());
                }
                a
            }
            7 => argv!["HSETNX", k, self.field(), self.hash_value()],
            8..=10 => argv!["HGET", k, self.field()],
            11 => {
                let mut a = argv!["HMGET", k];
                for _ in 0..self.rng.gen_range(1..4) {
                    a.push(self.field());
                }
                a
            }
            12..=14 => {
                let mut a = argv!["HDEL", k];
                for _ in 0..self.rng.gen_range(1..3) {
                    a.push(self.field());
                }
                a
            }
            15 => argv!["HLEN", k],
            16 => argv!["HSTRLEN", k, self.field()],
            17 => argv!["HKEYS", k],
            18 => argv!["HVALS", k],
            19 | 20 => argv!["HGETALL", k],
            21 => argv!["HEXISTS", k, self.field()],
            22 | 23 => {
                let by = match self.below(6) {
                    0 => self
                        .pick(&["9223372036854775807", "-9223372036854775808", "1.5", "x"])
                        .to_string(),
                    _ => self.rng.gen_range(-10..10).to_string(),
                };
                argv!["HINCRBY", k, self.field(), by]
            }
            24 | 25 => {
                let by = self.pick(&[
                    "1", "0.1", "-1.5", "1e308", "2.5e-3", "inf", "nan", "x", "10", "3.0", "0x10",
                ]);
                argv!["HINCRBYFLOAT", k, self.field(), by]
            }
            26..=29 => {
                let mut a = argv!["HRANDFIELD", k];
                if self.chance(75) {
                    a.push(self.count().into());
                    if self.chance(50) {
                        a.push(self.pick(&["WITHVALUES", "withvalues", "FOO"]).into());
                    }
                }
                a
            }
            30 | 31 => self.scan("HSCAN", k),
            _ => argv!["HGET", k, self.field()],
        }
    }

    /// A whole-collection scan request: the runner iterates it to the
    /// end.
    fn scan(&mut self, cmd: &str, k: &str) -> Argv {
        let mut a = argv![cmd, k, "0"];
        if self.chance(50) {
            let m = self.pick(&["*", "f*", "?", "*1*", "[a-c]*", "b*", "bulk1*"]);
            a.extend(argv!["MATCH", m]);
        }
        if self.chance(50) {
            let c = self.pick(&["1", "3", "100"]);
            a.extend(argv!["COUNT", c]);
        }
        a
    }

    fn set_cmd(&mut self) -> Argv {
        let k = self.key_of(SET_KEYS);
        match self.below(40) {
            0..=7 => {
                let mut a = argv!["SADD", k];
                if self.chance(3) {
                    let strings = self.chance(40);
                    for i in 0..self.rng.gen_range(100..600) {
                        a.push(if strings {
                            format!("m{i}").into()
                        } else {
                            (i * 3).to_string().into()
                        });
                    }
                } else {
                    for _ in 0..self.rng.gen_range(1..4) {
                        a.push(self.set_member());
                    }
                }
                a
            }
            8..=10 => {
                let mut a = argv!["SREM", k];
                for _ in 0..self.rng.gen_range(1..3) {
                    a.push(self.set_member());
                }
                a
            }
            11 | 12 => argv!["SMEMBERS", k],
            13 => argv!["SISMEMBER", k, self.set_member()],
            14 => {
                let mut a = argv!["SMISMEMBER", k];
                for _ in 0..self.rng.gen_range(1..4) {
                    a.push(self.set_member());
                }
                a
            }
            15 => argv!["SCARD", k],
            16 | 17 => argv!["SMOVE", k, self.key_of(SET_KEYS), self.set_member()],
            18..=23 => {
                let op = self.pick(&[
                    "SINTER",
                    "SUNION",
                    "SDIFF",
                    "SINTERSTORE",
                    "SUNIONSTORE",
                    "SDIFFSTORE",
                ]);
                let mut a = argv![op];
                if op.ends_with("STORE") {
                    a.push(self.key_of(SET_KEYS).into());
                }
                for _ in 0..self.rng.gen_range(1..4) {
                    a.push(self.key_of(SET_KEYS).into());
                }
                a
            }
            24 | 25 => {
                let mut a = argv!["SINTERCARD"];
                self.numkeys(&mut a, SET_KEYS);
                if self.chance(50) {
                    a.extend(argv!["LIMIT", self.pick(&["0", "1", "2", "-1", "x"])]);
                }
                a
            }
            26..=29 => {
                let mut a = argv!["SPOP", k];
                if self.chance(60) {
                    a.push(self.count().into());
                }
                a
            }
            30..=33 => {
                let mut a = argv!["SRANDMEMBER", k];
                if self.chance(75) {
                    a.push(self.count().into());
                }
                a
            }
            34 | 35 => self.scan("SSCAN", k),
            _ => argv!["SORT", k, self.pick(&["ALPHA", "DESC"])],
        }
    }

    /// ZADD flags: any subset of NX XX GT LT CH INCR, in any order, so
    /// that conflicting combinations are tried too.
    fn zadd(&mut self, k: &str) -> Argv {
        let mut a = argv!["ZADD", k];
        let mut flags: Vec<&str> = Vec::new();
        for f in ["NX", "XX", "GT", "LT", "CH", "INCR"] {
            if self.chance(if f == "CH" { 25 } else { 10 }) {
                flags.push(f);
            }
        }
        flags.shuffle(&mut self.rng);
        a.extend(flags.iter().map(|f| f.as_bytes().to_vec()));
        if self.chance(3) {
            for i in 0..self.rng.gen_range(100..200) {
                a.push(self.rng.gen_range(-5..5).to_string().into());
                a.push(format!("bulk{i}").into());
            }
            return a;
        }
        let pairs = if flags.contains(&"INCR") && self.chance(80) {
            1
        } else {
            self.rng.gen_range(1..4)
        };
        // z3 mostly holds one score, so that lex ranges over it mean
        // something.
        let lex = k == "z3" && self.chance(85);
        for _ in 0..pairs {
            let score = if lex { "0".to_string() } else { self.score() };
            a.push(score.into());
            a.push(self.zmember());
        }
        if self.chance(3) {
            a.push(self.score().into());
        }
        a
    }

    /// ZRANGE in its forms: by index, BYSCORE, BYLEX, REV, LIMIT,
    /// WITHSCORES (also where it is refused); `store` makes it
    /// ZRANGESTORE.
    fn zrange(&mut self, k: &str, store: bool) -> Argv {
        let mut a = if store {
            argv!["ZRANGESTORE", self.key_of(ZSET_KEYS), k]
        } else {
            argv!["ZRANGE", k]
        };
        let by = self.below(3);
        let rev = self.chance(35);
        let (x, y) = match by {
            0 => (self.index(), self.index()),
            1 => (self.score_bound(), self.score_bound()),
            _ => (self.lex_bound(), self.lex_bound()),
        };
        a.push(x.into());
        a.push(y.into());
        let mut opts: Vec<Argv> = Vec::new();
        match by {
            1 => opts.push(argv!["BYSCORE"]),
            2 => opts.push(argv!["BYLEX"]),
            _ => {}
        }
        if rev {
            opts.push(argv!["REV"]);
        }
        if (by != 0 && self.chance(40)) || self.chance(4) {
            let off = self.pick(&["0", "1", "2", "-1", "x"]);
            let cnt = self.pick(&["1", "2", "5", "-1", "0"]);
            opts.push(argv!["LIMIT", off, cnt]);
        }
        if !store && ((by != 2 && self.chance(40)) || self.chance(4)) {
            opts.push(argv!["WITHSCORES"]);
        }
        opts.shuffle(&mut self.rng);
        a.extend(opts.into_iter().flatten());
        a
    }

    fn zset_cmd(&mut self) -> Argv {
        let k = self.key_of(ZSET_KEYS);
        // ZUNION & co also take sets.
        let src_pool: &[&str] = &["z1", "z2", "z3", "z1", "z2", "s1", "s2"];
        match self.below(60) {
            0..=8 => self.zadd(k),
            9 | 10 => argv!["ZINCRBY", k, self.score(), self.zmember()],
            11 | 12 => {
                let mut a = argv!["ZREM", k];
                for _ in 0..self.rng.gen_range(1..3) {
                    a.push(self.zmember());
                }
                a
            }
            13 => argv!["ZCARD", k],
            14 => argv!["ZSCORE", k, self.zmember()],
            15 => {
                let mut a = argv!["ZMSCORE", k];
                for _ in 0..self.rng.gen_range(1..4) {
                    a.push(self.zmember());
                }
                a
            }
            16 | 17 => argv![self.pick(&["ZRANK", "ZREVRANK"]), k, self.zmember()],
            18 => argv!["ZCOUNT", k, self.score_bound(), self.score_bound()],
            19 => argv!["ZLEXCOUNT", k, self.lex_bound(), self.lex_bound()],
            20..=24 => self.zrange(k, false),
            25 => self.zrange(k, true),
            26 => {
                let mut a = argv!["ZREVRANGE", k, self.index(), self.index()];
                if self.chance(50) {
                    a.push("WITHSCORES".into());
                }
                a
            }
            27 | 28 => {
                let cmd = self.pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]);
                let mut a = argv![cmd, k, self.score_bound(), self.score_bound()];
                let mut opts: Vec<Argv> = Vec::new();
                if self.chance(40) {
                    opts.push(argv!["WITHSCORES"]);
                }
                if self.chance(40) {
                    let off = self.pick(&["0", "1", "-1"]);
                    let cnt = self.pick(&["1", "3", "-1", "0"]);
                    opts.push(argv!["LIMIT", off, cnt]);
                }
                opts.shuffle(&mut self.rng);
                a.extend(opts.into_iter().flatten());
                a
            }
            29 | 30 => {
                let cmd = self.pick(&["ZRANGEBYLEX", "ZREVRANGEBYLEX"]);
                let mut a = argv![cmd, k, self.lex_bound(), self.lex_bound()];
                if self.chance(40) {
                    let off = self.pick(&["0", "1", "-1"]);
                    let cnt = self.pick(&["1", "3", "-1"]);
                    a.extend(argv!["LIMIT", off, cnt]);
                }
                a
            }
            31 => argv!["ZREMRANGEBYRANK", k, self.index(), self.index()],
            32 => argv![
                "ZREMRANGEBYSCORE",
                k,
                self.score_bound(),
                self.score_bound()
            ],
            33 => argv!["ZREMRANGEBYLEX", k, self.lex_bound(), self.lex_bound()],
            34..=36 => {
                let mut a = argv![self.pick(&["ZPOPMIN", "ZPOPMAX"]), k];
                if self.chance(60) {
                    a.push(self.count().into());
                }
                a
            }
            37 | 38 => {
                let mut a = argv!["ZMPOP"];
                self.numkeys(&mut a, ZSET_KEYS);
                a.push(self.pick(&["MIN", "MAX", "max", "MIDDLE"]).into());
                if self.chance(60) {
                    a.extend(argv!["COUNT", self.count()]);
                }
                a
            }
            39..=46 => {
                let op = self.pick(&[
                    "ZUNION",
                    "ZINTER",
                    "ZDIFF",
                    "ZUNIONSTORE",
                    "ZINTERSTORE",
                    "ZDIFFSTORE",
                ]);
                let mut a = argv![op];
                if op.ends_with("STORE") {
                    a.push(self.key_of(ZSET_KEYS).into());
                }
                let n = self.rng.gen_range(1..4);
                a.push(if self.chance(4) {
                    self.pick(&["0", "-1", "x", "9"]).to_string().into_bytes()
                } else {
                    n.to_string().into_bytes()
                });
                for _ in 0..n {
                    a.push(self.pick(src_pool).into());
                }
                let mut opts: Vec<Argv> = Vec::new();
                if op != "ZDIFF" && op != "ZDIFFSTORE" || self.chance(5) {
                    if self.chance(40) {
                        let mut w = argv!["WEIGHTS"];
                        let m = if self.chance(90) { n } else { n + 1 };
                        for _ in 0..m {
                            let x = self
                                .pick(&["1", "2", "0", "-1", "0.5", "inf", "-inf", "x", "1e308"]);
                            w.push(x.into());
                        }
                        opts.push(w);
                    }
                    if self.chance(40) {
                        let ag = self.pick(&["SUM", "MIN", "MAX", "max", "AVG"]);
                        opts.push(argv!["AGGREGATE", ag]);
                    }
                }
                if !op.ends_with("STORE") && self.chance(50) || self.chance(3) {
                    opts.push(argv!["WITHSCORES"]);
                }
                opts.shuffle(&mut self.rng);
                a.extend(opts.into_iter().flatten());
                a
            }
            47 | 48 => {
                let mut a = argv!["ZINTERCARD"];
                self.numkeys(&mut a, src_pool);
                if self.chance(50) {
                    a.extend(argv!["LIMIT", self.pick(&["0", "1", "2", "-1", "x"])]);
                }
                a
            }
            49..=51 => {
                let mut a = argv!["ZRANDMEMBER", k];
                if self.chance(75) {
                    a.push(self.count().into());
                    if self.chance(50) {
                        a.push(self.pick(&["WITHSCORES", "withscores", "FOO"]).into());
                    }
                }
                a
            }
            52 | 53 => self.scan("ZSCAN", k),
            54 => argv![
                self.pick(&["BZPOPMIN", "BZPOPMAX"]),
                k,
                self.key_of(ZSET_KEYS),
                "0.01"
            ],
            55 => {
                let mut a = argv!["BZMPOP", "0.01"];
                self.numkeys(&mut a, ZSET_KEYS);
                a.push(self.pick(&["MIN", "MAX"]).into());
                a
            }
            _ => self.zadd(k),
        }
    }

    /// The SORT area: fill the sources and the weight keys, and SORT.
    fn sort_area_cmd(&mut self) -> Argv {
        let e = self.pick(SORT_ELEMS);
        match self.below(20) {
            0..=2 => argv!["RPUSH", "l1", e],
            3 | 4 => argv!["SADD", "s1", e],
            5 | 6 => argv!["ZADD", "z1", self.rng.gen_range(-3..4).to_string(), e],
            7 | 8 => argv!["SET", format!("w_{e}"), self.weight()],
            9 => argv![
                "HSET",
                format!("o_{e}"),
                self.pick(&["x", "y"]),
                self.weight()
            ],
            10 => argv!["DEL", format!("w_{e}")],
            _ => self.sort_cmd(),
        }
    }

    fn weight(&mut self) -> String {
        self.pick(&[
            "1", "2", "3", "-5", "0.5", "10", "abc", "", "nan", "1e308", "b", "a", "-inf",
        ])
        .into()
    }

    /// SORT or SORT_RO with BY, LIMIT, GET, ASC/DESC, ALPHA and STORE.
    ///
    /// Redis breaks ties of a numeric sort by comparing the elements, so
    /// that order is total; an ALPHA sort BY a pattern leaves ties to
    /// qsort, and a set not sorted (BY a pattern without `*`) comes out
    /// in hash order. The runner compares those replies as multisets, so
    /// the generator never asks for a LIMIT or a STORE of them (the
    /// elements chosen or stored would differ).
    fn sort_cmd(&mut self) -> Argv {
        let ro = self.chance(25);
        let src = self.pick(&["l1", "l1", "s1", "s1", "z1", "l2", "h1", "str", "nokey"]);
        let mut a = argv![if ro { "SORT_RO" } else { "SORT" }, src];
        let by = if self.chance(50) {
            Some(self.pick(&[
                "w_*", "w_*", "o_*->x", "o_*->y", "nosort", "w_", "nokey_*", "o_*->",
            ]))
        } else {
            None
        };
        let alpha = self.chance(40);
        let sorted_by_pattern = by.is_some_and(|b| b.contains('*'));
        let unordered =
            (alpha && sorted_by_pattern) || (src == "s1" && !sorted_by_pattern && by.is_some());
        let mut opts: Vec<Argv> = Vec::new();
        if let Some(b) = by {
            opts.push(argv!["BY", b]);
        }
        if !unordered && self.chance(35) {
            let off = self.pick(&["0", "1", "2", "-1", "x"]);
            let cnt = self.pick(&["1", "2", "5", "-1", "0"]);
            opts.push(argv!["LIMIT", off, cnt]);
        }
        for _ in 0..self.below(3) {
            let g = self.pick(&["#", "w_*", "o_*->x", "o_*->y", "nokey_*", "w_", "o_*"]);
            opts.push(argv!["GET", g]);
        }
        if self.chance(40) {
            opts.push(argv![self.pick(&["ASC", "DESC", "desc"])]);
        }
        if alpha {
            opts.push(argv!["ALPHA"]);
        }
        if !unordered && self.chance(if ro { 3 } else { 25 }) {
            opts.push(argv!["STORE", self.pick(&["l2", "l3", "s2"])]);
        }
        if self.chance(3) {
            opts.push(argv![self.pick(&["FOO", "LIMIT", "BY"])]);
        }
        opts.shuffle(&mut self.rng);
        a.extend(opts.into_iter().flatten());
        a
    }
}

// ---------------------------------------------------------------------------
// What the runners need to know about a command
// ---------------------------------------------------------------------------

/// The upper-case command name of an argv.
pub fn name(argv: &[Vec<u8>]) -> String {
    String::from_utf8_lossy(&argv[0]).to_ascii_uppercase()
}

/// Whether the argv has the argument `word`, in any case.
pub fn has_word(argv: &[Vec<u8>], word: &str) -> bool {
    argv.iter().any(|a| a.eq_ignore_ascii_case(word.as_bytes()))
}

// ---------------------------------------------------------------------------
// What the runners skip, and what they add
// ---------------------------------------------------------------------------

/// Why a runner must not send `argv`: a known server bug, or a reply that
/// Redis itself does not determine. Looks at the oracle's data where that
/// depends on it.
pub fn skip_reason(oracle: &mut Conn, argv: &[Vec<u8>]) -> Option<&'static str> {
    known_server_bug(oracle, argv).or_else(|| random_in_redis(oracle, argv))
}

/// Commands on which our server is known to differ from Redis, skipped so
/// that the sequences keep testing everything else. Delete an entry when
/// its bug is fixed.
fn known_server_bug(oracle: &mut Conn, argv: &[Vec<u8>]) -> Option<&'static str> {
    let cmd = name(argv);
    if !(cmd.starts_with('Z') && cmd.ends_with("STORE")) {
        return None;
    }
    // A -0 score of a source reaches a stored set that is a listpack:
    // Redis writes it there as "-0" (DEBUG DIGEST differs), ours as 0.
    let negative_zero = argv[1..].iter().any(|k| {
        match oracle.cmd(&argv!["ZRANGEBYSCORE", k, "0", "0", "WITHSCORES"]) {
            Frame::Array(v) | Frame::Set(v) => v.iter().any(|f| match f {
                Frame::Double(d) => *d == 0.0 && d.is_sign_negative(),
                Frame::Array(pair) => pair
                    .iter()
                    .any(|p| matches!(p, Frame::Double(d) if *d == 0.0 && d.is_sign_negative())),
                other => other.as_bytes() == Some(b"-0"),
            }),
            _ => false,
        }
    });
    negative_zero.then_some("a stored -0 score")
}

/// A command to send to both servers before `argv`.
///
/// Redis's numeric SORT tests `errno == ERANGE` after strtod without
/// clearing errno first (sort.c), so an earlier command that left ERANGE
/// behind (a denormal score) makes it fail. A ZADD XX on a missing key
/// parses a score with errno cleared and changes nothing (no reply
/// differs, no event is sent): it puts the oracle back in a known state.
pub fn prelude(argv: &[Vec<u8>]) -> Option<Argv> {
    name(argv)
        .starts_with("SORT")
        .then(|| argv!["ZADD", "errno:clear", "XX", "1", "m"])
}

/// After an SPOP the two servers may hold different members: the
/// commands (for both) that give both the oracle's remaining set (DEL,
/// then SADD of its members), none if they already agree.
pub fn spop_resync(ours: &mut Conn, oracle: &mut Conn, key: &[u8]) -> Vec<Argv> {
    let members = |c: &mut Conn| -> BTreeSet<Vec<u8>> {
        match c.cmd(&argv!["SMEMBERS", key]) {
            Frame::Array(v) | Frame::Set(v) => v
                .iter()
                .filter_map(|m| m.as_bytes().map(<[u8]>::to_vec))
                .collect(),
            _ => BTreeSet::new(),
        }
    };
    let left = members(oracle);
    if members(ours) == left {
        return Vec::new();
    }
    let mut cmds = vec![argv!["DEL", key]];
    if !left.is_empty() {
        let mut sadd = argv!["SADD", key];
        sadd.extend(left);
        cmds.push(sadd);
    }
    cmds
}

/// Commands whose reply Redis itself does not determine, which the
/// sequences skip: a lex range over a skiplist whose scores differ is
/// found by walking the skiplist's levels as if the members were in lex
/// order, so what it finds depends on the random levels of the nodes
/// (on a listpack the walk is linear and the reply is compared); LPOS
/// with RANK -9223372036854775808 negates LONG_MIN, which is undefined in
/// C (Redis 7.0.15 then ignores COUNT).
fn random_in_redis(oracle: &mut Conn, argv: &[Vec<u8>]) -> Option<&'static str> {
    if name(argv) == "LPOS"
        && argv
            .windows(2)
            .any(|w| w[0].eq_ignore_ascii_case(b"RANK") && w[1] == b"-9223372036854775808")
    {
        return Some("RANK LONG_MIN, undefined in Redis");
    }
    let key = match name(argv).as_str() {
        "ZRANGEBYLEX" | "ZREVRANGEBYLEX" | "ZLEXCOUNT" | "ZREMRANGEBYLEX" => &argv[1],
        "ZRANGE" if has_word(argv, "BYLEX") => &argv[1],
        "ZRANGESTORE" if has_word(argv, "BYLEX") => &argv[2],
        _ => return None,
    };
    if oracle.cmd(&argv!["OBJECT", "ENCODING", key]) != bulk("skiplist") {
        return None;
    }
    let Frame::Array(items) = oracle.cmd(&argv!["ZRANGE", key, "0", "-1", "WITHSCORES"]) else {
        return None;
    };
    let scores: BTreeSet<String> = items
        .iter()
        .flat_map(|i| match i {
            // RESP3: [member, score] pairs.
            Frame::Array(p) => p.get(1).map(|s| format!("{s:?}")),
            other => Some(format!("{other:?}")),
        })
        .collect();
    let scores = if items.iter().all(|i| matches!(i, Frame::Array(_))) {
        scores
    } else {
        items
            .iter()
            .skip(1)
            .step_by(2)
            .map(|s| format!("{s:?}"))
            .collect()
    };
    (scores.len() > 1).then_some("a lex range over a skiplist with different scores")
}
