//! Goal: every value type round-trips through the file format in every
//! encoding, values are written byte for byte as Redis 7.0.15 writes them
//! (the vectors below are `DUMP` replies of redis-server 7.0.15), loaded
//! values get the encoding Redis gives them, old encodings load, and no
//! damaged input panics or loads partially.
//!
//! Reference: rdb.c `rdbSaveObject`, `rdbLoadObject`,
//! `rdbLoadRioWithLoadingCtx`; cluster.c `createDumpPayload`.

use crate::encode::Encoder;
use crate::format::*;
use crate::ziplist::tests::build as ziplist;
use crate::*;
use keyspace::{digest, Hash, Keyspace, PackLimits, Quicklist, Set, Value, ZSet};

const SMALL: PackLimits = PackLimits {
    max_entries: 128,
    max_value: 64,
};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn list(items: &[&[u8]], fill: i64) -> Value {
    let mut q = Quicklist::new();
    items.iter().for_each(|e| q.push_back(e, fill));
    Value::from_list(q)
}

fn hash(pairs: &[(&[u8], &[u8])], limits: PackLimits) -> Value {
    let mut h = Hash::default();
    pairs.iter().for_each(|(f, v)| {
        h.set(f, v, limits);
    });
    Value::from_hash(h)
}

fn set(members: &[&[u8]], max_ints: usize) -> Value {
    let mut s = Set::default();
    members.iter().for_each(|m| {
        s.add(m, max_ints);
    });
    Value::from_set(s)
}

fn zset(pairs: &[(&[u8], f64)], limits: PackLimits) -> Value {
    let mut z = ZSet::default();
    pairs.iter().for_each(|(m, s)| {
        z.insert(m, *s, limits);
    });
    Value::from_zset(z)
}

/// A comparable rendering of a value: type, encoding and content.
fn render(v: &Value) -> String {
    let content = if let Some(l) = v.as_list() {
        format!("{:?}", l.iter().collect::<Vec<_>>())
    } else if let Some(h) = v.as_hash() {
        let mut p: Vec<_> = h.iter().collect();
        p.sort();
        format!("{p:?}")
    } else if let Some(s) = v.as_set() {
        let mut m: Vec<_> = s.iter().map(|m| m.into_owned()).collect();
        m.sort();
        format!("{m:?}")
    } else if let Some(z) = v.as_zset() {
        format!("{:?}", z.iter().collect::<Vec<_>>())
    } else {
        format!("{:?}", v.to_vec())
    };
    format!("{} {} {content}", v.type_name(), v.encoding_name())
}

// --- Byte-exact values -------------------------------------------------------

#[test]
fn values_encode_as_redis_dump() {
    let lp_limits = PackLimits {
        max_entries: 2,
        max_value: 64,
    };
    let cases: Vec<(Value, &str)> =
        vec![
        (
            list(&[b"a", b"b", b"1", b"-5", b"300"], -2),
            "120102151500000005008161028162020101dffb02c12c02ff0a006be158a1e865c788",
        ),
        (
            hash(&[(b"f1", b"v1"), (b"f2", b"22")], SMALL),
            "10151500000004008266310382763103826632031601ff0a00794ee62e9c48a90c",
        ),
        (
            zset(&[(b"a", 1.5), (b"b", 2.0), (b"c", f64::NEG_INFINITY)], SMALL),
            "111d1d0000000600816302842d696e660581610283312e35048162020201ff0a0017dce91ab8436c89",
        ),
        (
            set(&[b"5", b"-3", b"70000"], 512),
            "0b140400000003000000fdffffff05000000701101000a009db067c236a65f3f",
        ),
        (Value::from_bytes(b"12345"), "00c139300a009d94ea2793fc08b9"),
        (
            Value::from_bytes(b"12345678901"),
            "000b31323334353637383930310a00304e52d727176510",
        ),
        (Value::from_bytes(b""), "00000a005d9b5c400f7fa2da"),
        // Skiplist: written from the highest score down.
        (
            zset(&[(b"a", 1.0), (b"b", 2.5), (b"c", 3.0)], lp_limits),
            "050301630000000000000840016200000000000004400161000000000000f03f0a00265b9a2f1de4fe61",
        ),
        (set(&[b"x"], 2), "020101780a00ffe880ba760c2f09"),
        (
            Value::from_bytes(&[b'a'; 40]),
            "00c30928016161e01b000161610a00cf092faaae25831d",
        ),
        (
            Value::from_bytes(b"abcdefghijklmnopqrstuvwxy"),
            "00196162636465666768696a6b6c6d6e6f707172737475767778790a009eb352e965ac24f8",
        ),
    ];
    // The last four were dumped with hash-max-listpack-entries,
    // zset-max-listpack-entries and set-max-intset-entries set to 2;
    // restoring needs the same limits to give the same encodings.
    let tight = Limits {
        hash_max_listpack_entries: 2,
        zset_max_listpack_entries: 2,
        set_max_intset_entries: 2,
        ..Limits::default()
    };
    let n = cases.len();
    for (i, (value, expected)) in cases.into_iter().enumerate() {
        let expected = hex(expected);
        assert_eq!(dump(&value, true), expected, "{}", render(&value));
        assert!(verify_dump_payload(&expected, true));
        let limits = if i + 4 >= n { tight } else { Limits::default() };
        let back = restore(&expected, &limits).unwrap();
        assert_eq!(render(&back), render(&value));
    }
}

#[test]
fn string_encodings() {
    // (value, first bytes of the body after the type byte)
    let enc = |v: &Value, compression: bool| {
        let mut out = Vec::new();
        Encoder::new(compression).object(&mut out, None, v).unwrap();
        out[1..].to_vec()
    };
    assert_eq!(enc(&Value::from_int(-128), true), [0xC0, 0x80]);
    assert_eq!(enc(&Value::from_int(-129), true), [0xC1, 0x7F, 0xFF]);
    assert_eq!(enc(&Value::from_int(1 << 20), true), [0xC2, 0, 0, 0x10, 0]);
    assert_eq!(enc(&Value::from_int(1 << 40), true), b"\x0d1099511627776");
    // A plain string that looks like an integer is still int-encoded,
    // but only in canonical form.
    assert_eq!(enc(&Value::from_bytes_plain(b"77"), true), [0xC0, 77]);
    assert_eq!(enc(&Value::from_bytes_plain(b"077"), true), b"\x03077");
    // Compressible and long: LZF, unless compression is off.
    let long = vec![b'z'; 100];
    assert_eq!(enc(&Value::from_bytes(&long), true)[0], 0xC3);
    assert_eq!(enc(&Value::from_bytes(&long), false)[..2], [0x40, 100]);
    // Incompressible: raw.
    let noise: Vec<u8> = (0..100u32).map(|i| (i * 7919 % 251) as u8).collect();
    assert_eq!(enc(&Value::from_bytes(&noise), true)[..2], [0x40, 100]);
}

#[test]
fn lengths() {
    let len = |n: u64| {
        let mut out = Vec::new();
        Encoder::new(false).len(&mut out, n).unwrap();
        out
    };
    assert_eq!(len(63), [63]);
    assert_eq!(len(64), [0x40, 64]);
    assert_eq!(len(16383), [0x7F, 0xFF]);
    assert_eq!(len(16384), [0x80, 0, 0, 0x40, 0]);
    assert_eq!(len(1 << 32), [0x81, 0, 0, 0, 1, 0, 0, 0, 0]);
    for n in [0, 63, 64, 16383, 16384, u32::MAX as u64, 1 << 32] {
        let bytes = len(n);
        assert_eq!(crate::decode::read_len(&mut &bytes[..]).unwrap(), n);
    }
}

// --- Whole files ------------------------------------------------------------

/// A keyspace with every type in every encoding, binary keys, TTLs and
/// several databases.
fn sample_keyspace() -> Keyspace {
    let mut ks = Keyspace::new(16);
    let db = &mut ks.dbs[0];
    db.set(b"int", Value::from_bytes(b"-42"), false);
    db.set(b"bigint", Value::from_bytes(b"9223372036854775807"), false);
    db.set(b"short", Value::from_bytes(b"hello"), false);
    db.set(b"long", Value::from_bytes(&b"abc".repeat(100)), false);
    let noise: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    db.set(b"noise", Value::from_bytes(&noise), false);
    db.set(b"\x00bin\xffkey", Value::from_bytes(b"\x00\x01\x02"), false);
    db.set(b"empty", Value::from_bytes(b""), false);
    db.set(
        b"list-small",
        list(&[b"a", b"1", b"-70000", b""], -2),
        false,
    );
    let items: Vec<Vec<u8>> = (0..5000)
        .map(|i| format!("item-{i}").into_bytes())
        .collect();
    let refs: Vec<&[u8]> = items.iter().map(|v| &v[..]).collect();
    db.set(b"list-big", list(&refs, -2), false);
    let huge = vec![b'h'; 20000];
    db.set(b"list-huge-element", list(&[b"x", &huge, b"y"], -2), false);
    db.set(b"list-count-fill", list(&refs[..300], 7), false);
    db.set(
        b"hash-small",
        hash(&[(b"f", b"v"), (b"n", b"12")], SMALL),
        false,
    );
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..1000)
        .map(|i| (format!("f{i}").into_bytes(), format!("v{i}").into_bytes()))
        .collect();
    let prefs: Vec<(&[u8], &[u8])> = pairs.iter().map(|(f, v)| (&f[..], &v[..])).collect();
    db.set(b"hash-big", hash(&prefs, SMALL), false);
    db.set(
        b"set-ints",
        set(&[b"1", b"-5", b"100000", b"9999999999"], 512),
        false,
    );
    let members: Vec<Vec<u8>> = (0..600).map(|i| i.to_string().into_bytes()).collect();
    let mrefs: Vec<&[u8]> = members.iter().map(|v| &v[..]).collect();
    db.set(b"set-ints-big", set(&mrefs, 512), false);
    db.set(b"set-strings", set(&[b"a", b"b", b"1"], 512), false);
    db.set(
        b"zset-small",
        zset(&[(b"a", 1.0), (b"b", -2.5), (b"c", f64::INFINITY)], SMALL),
        false,
    );
    let zpairs: Vec<(Vec<u8>, f64)> = (0..500)
        .map(|i| (format!("m{i}").into_bytes(), i as f64 / 3.0))
        .collect();
    let zrefs: Vec<(&[u8], f64)> = zpairs.iter().map(|(m, s)| (&m[..], *s)).collect();
    db.set(b"zset-big", zset(&zrefs, SMALL), false);
    db.set_expire(b"short", 4_000_000_000_000);
    db.set_expire(b"hash-big", 1);
    ks.dbs[3].set(b"in-db-3", Value::from_bytes(b"three"), false);
    ks.dbs[15].set(b"in-db-15", list(&[b"last"], -2), false);
    ks
}

fn save_to_vec(ks: &Keyspace, opts: SaveOptions) -> Vec<u8> {
    save(Vec::new(), ks, opts, &AuxFields::new(1_700_000_000, 123456)).unwrap()
}

/// Every key: (db, key, rendering, expiry).
fn contents(ks: &Keyspace) -> Vec<(usize, Vec<u8>, String, Option<i64>)> {
    let mut out = Vec::new();
    for (n, db) in ks.dbs.iter().enumerate() {
        for (k, v) in db.iter() {
            out.push((n, k.to_vec(), render(v), db.expire_at(k)));
        }
    }
    out.sort();
    out
}

#[test]
fn keyspace_round_trip_in_every_encoding() {
    let ks = sample_keyspace();
    let encodings: Vec<String> = contents(&ks).iter().map(|c| c.2.clone()).collect();
    for enc in [
        "int",
        "embstr",
        "raw",
        "quicklist",
        "listpack",
        "hashtable",
        "intset",
        "skiplist",
    ] {
        assert!(
            encodings.iter().any(|r| r.split(' ').nth(1) == Some(enc)),
            "sample lacks {enc}"
        );
    }
    for (compression, checksum) in [(true, true), (false, false), (true, false)] {
        let opts = SaveOptions {
            compression,
            checksum,
            idle_at_ms: None,
        };
        let file = save_to_vec(&ks, opts);
        assert_eq!(&file[..9], b"REDIS0010");
        let crc = u64::from_le_bytes(file[file.len() - 8..].try_into().unwrap());
        assert_eq!(crc == 0, !checksum);
        let (back, loaded) = load_keyspace(&file[..], &LoadOptions::default()).unwrap();
        assert_eq!(contents(&back), contents(&ks));
        assert_eq!(digest(&back), digest(&ks));
        assert_eq!(loaded.keys_loaded, ks.total_keys() as u64);
        assert_eq!(loaded.aux.redis_ver.as_deref(), Some("7.0.15"));
        assert_eq!(loaded.aux.ctime_secs, Some(1_700_000_000));
        assert_eq!(loaded.aux.used_mem, Some(123456));
        assert_eq!(loaded.aux.aof_base, Some(false));
        assert_eq!(loaded.aux.repl_id, None);
    }
}

#[test]
fn aux_fields_in_redis_order() {
    let mut aux = AuxFields::new(1_700_000_000, 5);
    aux.repl = Some(ReplInfo {
        stream_db: 2,
        id: "f".repeat(40),
        offset: 987654321,
    });
    let mut w = Writer::new(Vec::new(), SaveOptions::default(), &aux).unwrap();
    w.function(b"#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        .unwrap();
    let file = w.finish().unwrap();
    let loaded = load(&file[..], &LoadOptions::default(), |_| Ok(())).unwrap();
    let keys: Vec<&[u8]> = loaded.aux.fields.iter().map(|(k, _)| &k[..]).collect();
    assert_eq!(
        keys,
        vec![
            &b"redis-ver"[..],
            b"redis-bits",
            b"ctime",
            b"used-mem",
            b"repl-stream-db",
            b"repl-id",
            b"repl-offset",
            b"aof-base"
        ]
    );
    assert_eq!(loaded.aux.fields[1].1, b"64");
    assert_eq!(loaded.aux.repl_stream_db, Some(2));
    assert_eq!(loaded.aux.repl_id, Some("f".repeat(40)));
    assert_eq!(loaded.aux.repl_offset, Some(987654321));
    assert_eq!(loaded.functions.len(), 1);
    assert!(loaded.functions[0].starts_with(b"#!lua name=lib"));
    // redis-bits "64" is written as an 8-bit integer string, as
    // rdbSaveAuxFieldStrInt -> rdbSaveRawString does.
    let pos = file.windows(10).position(|w| w == b"redis-bits").unwrap();
    assert_eq!(&file[pos + 10..pos + 12], &[0xC0, 64]);
}

#[test]
fn streaming_reader_stops_at_the_end_of_the_file() {
    let ks = sample_keyspace();
    let mut file = save_to_vec(&ks, SaveOptions::default());
    file.extend_from_slice(b"TRAILING-REPLICATION-STREAM");
    let mut reader = Reader::new(&file[..], LoadOptions::default()).unwrap();
    assert_eq!(reader.version(), 10);
    let mut entries = 0;
    let mut resize = Vec::new();
    while let Some(item) = reader.next_item().unwrap() {
        match item {
            Item::Entry(_) => entries += 1,
            Item::ResizeDb { db, keys, expires } => resize.push((db, keys, expires)),
            _ => {}
        }
    }
    assert_eq!(entries, ks.total_keys());
    assert_eq!(
        resize,
        vec![(0, ks.dbs[0].len() as u64, 2), (3, 1, 0), (15, 1, 0)]
    );
    assert!(reader.next_item().unwrap().is_none());
    assert_eq!(reader.into_inner(), b"TRAILING-REPLICATION-STREAM");
}

#[test]
fn expired_keys_and_idle_times() {
    let mut ks = Keyspace::new(16);
    let mut v = Value::from_bytes(b"v");
    v.touch(100_000);
    ks.dbs[0].set(b"old", v.clone(), false);
    ks.dbs[0].set_expire(b"old", 50_000);
    ks.dbs[0].set(b"live", v, false);
    ks.dbs[0].set_expire(b"live", 500_000);
    let opts = SaveOptions {
        idle_at_ms: Some(130_000),
        ..SaveOptions::default()
    };
    let file = save_to_vec(&ks, opts);
    let load_opts = LoadOptions {
        now_ms: 200_000,
        drop_expired: true,
        ..LoadOptions::default()
    };
    let (back, loaded) = load_keyspace(&file[..], &load_opts).unwrap();
    assert_eq!(loaded.keys_expired, 1);
    assert!(back.dbs[0].get(b"old").is_none());
    let live = back.dbs[0].get(b"live").unwrap();
    // Idle 30 s when saved, so 30 s idle at load time.
    assert_eq!(live.idle_ms(200_000), 30_000);
    // A replica keeps expired keys.
    let (all, _) = load_keyspace(&file[..], &LoadOptions::default()).unwrap();
    assert_eq!(all.dbs[0].len(), 2);
}

#[test]
fn checksum_is_verified() {
    let ks = sample_keyspace();
    let mut file = save_to_vec(&ks, SaveOptions::default());
    let n = file.len();
    file[n - 1] ^= 1;
    let err = load_keyspace(&file[..], &LoadOptions::default())
        .err()
        .expect("load fails");
    assert!(matches!(err, Error::Checksum { .. }), "{err}");
    assert!(err.to_string().starts_with("Wrong RDB checksum"));
    let lax = LoadOptions {
        verify_checksum: false,
        ..LoadOptions::default()
    };
    assert!(load_keyspace(&file[..], &lax).is_ok());
    // A zero checksum means "not computed" and is accepted.
    file[n - 8..].fill(0);
    assert!(load_keyspace(&file[..], &LoadOptions::default()).is_ok());
}

// --- Hand-built files: loading rules and old encodings ------------------------

/// Builds an RDB file by hand, for encodings our writer never produces.
struct File {
    buf: Vec<u8>,
    enc: Encoder,
}

impl File {
    fn new(version: u32) -> File {
        File {
            buf: format!("REDIS{version:04}").into_bytes(),
            enc: Encoder::new(false),
        }
    }
    fn byte(&mut self, b: u8) -> &mut Self {
        self.buf.push(b);
        self
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }
    fn len(&mut self, n: u64) -> &mut Self {
        self.enc.len(&mut self.buf, n).unwrap();
        self
    }
    fn string(&mut self, s: &[u8]) -> &mut Self {
        self.enc.string(&mut self.buf, s).unwrap();
        self
    }
    /// A raw (never integer-encoded) string, as blobs are written.
    fn blob(&mut self, s: &[u8]) -> &mut Self {
        self.len(s.len() as u64).bytes(s)
    }
    fn key(&mut self, t: u8, key: &[u8]) -> &mut Self {
        self.byte(t).string(key)
    }
    fn finish(&mut self) -> Vec<u8> {
        self.buf.push(OPCODE_EOF);
        let crc = crate::checksum::crc64(&self.buf);
        let mut out = self.buf.clone();
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }
}

fn load_one(file: &[u8], limits: Limits) -> Result<Option<Value>> {
    let opts = LoadOptions {
        limits,
        ..LoadOptions::default()
    };
    let mut found = None;
    load(file, &opts, |e| {
        found = Some(e.value);
        Ok(())
    })?;
    Ok(found)
}

#[test]
fn plain_types_get_redis_encodings_on_load() {
    let limits = Limits::default();
    // HASH (4) with few small fields: listpack; with a long value or more
    // fields than allowed: hashtable.
    let f = File::new(10)
        .key(TYPE_HASH, b"h")
        .len(2)
        .string(b"a")
        .string(b"1")
        .string(b"b")
        .string(b"2")
        .finish();
    assert_eq!(
        render(&load_one(&f, limits).unwrap().unwrap()),
        "hash listpack [([97], [49]), ([98], [50])]"
    );
    let long = vec![b'x'; 65];
    let f = File::new(10)
        .key(TYPE_HASH, b"h")
        .len(2)
        .string(b"a")
        .string(&long)
        .string(b"b")
        .string(b"2")
        .finish();
    let v = load_one(&f, limits).unwrap().unwrap();
    assert_eq!(v.encoding_name(), "hashtable");
    assert_eq!(v.as_hash().unwrap().len(), 2);
    let tight = Limits {
        hash_max_listpack_entries: 1,
        ..limits
    };
    let f = File::new(10)
        .key(TYPE_HASH, b"h")
        .len(2)
        .string(b"a")
        .string(b"1")
        .string(b"b")
        .string(b"2")
        .finish();
    assert_eq!(
        load_one(&f, tight).unwrap().unwrap().encoding_name(),
        "hashtable"
    );
    // SET (2) of integers: intset; with a string member: hashtable.
    let f = File::new(10)
        .key(TYPE_SET, b"s")
        .len(2)
        .string(b"3")
        .string(b"1")
        .finish();
    assert_eq!(
        render(&load_one(&f, limits).unwrap().unwrap()),
        "set intset [[49], [51]]"
    );
    let f = File::new(10)
        .key(TYPE_SET, b"s")
        .len(2)
        .string(b"3")
        .string(b"x")
        .finish();
    assert_eq!(
        load_one(&f, limits).unwrap().unwrap().encoding_name(),
        "hashtable"
    );
    // ZSET_2 (5) small: listpack, sorted; over the entry limit: skiplist.
    let f = File::new(10)
        .key(TYPE_ZSET_2, b"z")
        .len(2)
        .string(b"b")
        .bytes(&2.0f64.to_le_bytes())
        .string(b"a")
        .bytes(&1.0f64.to_le_bytes())
        .finish();
    assert_eq!(
        render(&load_one(&f, limits).unwrap().unwrap()),
        "zset listpack [([97], 1.0), ([98], 2.0)]"
    );
    let one = Limits {
        zset_max_listpack_entries: 1,
        ..limits
    };
    assert_eq!(
        load_one(&f, one).unwrap().unwrap().encoding_name(),
        "skiplist"
    );
    // SET_INTSET over set-max-intset-entries: hashtable.
    let f = File::new(10)
        .key(TYPE_SET_INTSET, b"s")
        .blob(&crate::intset::encode(&[1, 2, 3]))
        .finish();
    let two = Limits {
        set_max_intset_entries: 2,
        ..limits
    };
    assert_eq!(
        load_one(&f, limits).unwrap().unwrap().encoding_name(),
        "intset"
    );
    assert_eq!(
        load_one(&f, two).unwrap().unwrap().encoding_name(),
        "hashtable"
    );
}

#[test]
fn old_encodings_load() {
    let limits = Limits::default();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        // LIST (1): a count and strings.
        (
            File::new(6)
                .key(TYPE_LIST, b"l")
                .len(3)
                .string(b"a")
                .string(b"12")
                .string(b"c")
                .finish(),
            "list quicklist [[97], [49, 50], [99]]",
        ),
        // ZSET (3): text scores, with the special inf lengths.
        (
            File::new(3)
                .key(TYPE_ZSET, b"z")
                .len(3)
                .string(b"a")
                .bytes(b"\x031.5")
                .string(b"b")
                .byte(255)
                .string(b"c")
                .byte(254)
                .finish(),
            "zset listpack [([98], -inf), ([97], 1.5), ([99], inf)]",
        ),
        // LIST_ZIPLIST (10).
        (
            File::new(6)
                .key(TYPE_LIST_ZIPLIST, b"l")
                .blob(&ziplist(&[b"x", b"7", b"yy"]))
                .finish(),
            "list quicklist [[120], [55], [121, 121]]",
        ),
        // LIST_QUICKLIST (14): ziplist nodes; an empty node is skipped.
        (
            File::new(9)
                .key(TYPE_LIST_QUICKLIST, b"l")
                .len(3)
                .blob(&ziplist(&[b"a", b"b"]))
                .blob(&ziplist(&[]))
                .blob(&ziplist(&[b"-1"]))
                .finish(),
            "list quicklist [[97], [98], [45, 49]]",
        ),
        // HASH_ZIPLIST (13).
        (
            File::new(9)
                .key(TYPE_HASH_ZIPLIST, b"h")
                .blob(&ziplist(&[b"f", b"1", b"g", b"two"]))
                .finish(),
            "hash listpack [([102], [49]), ([103], [116, 119, 111])]",
        ),
        // ZSET_ZIPLIST (12): member, score text.
        (
            File::new(9)
                .key(TYPE_ZSET_ZIPLIST, b"z")
                .blob(&ziplist(&[b"a", b"1", b"b", b"0.5"]))
                .finish(),
            "zset listpack [([98], 0.5), ([97], 1.0)]",
        ),
        // HASH_ZIPMAP (9).
        (
            File::new(2)
                .key(TYPE_HASH_ZIPMAP, b"h")
                .blob(b"\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff")
                .finish(),
            "hash listpack [([102, 111, 111], [98, 97, 114]), ([104, 101, 108, 108, 111], [119, 111, 114, 108, 100])]",
        ),
    ];
    for (file, expected) in cases {
        let v = load_one(&file, limits).unwrap().unwrap();
        assert_eq!(render(&v), expected);
    }
    // A zipmap with a value over hash-max-listpack-value converts.
    let f = File::new(2)
        .key(TYPE_HASH_ZIPMAP, b"h")
        .blob(b"\x01\x01k\x05\x00vvvvv\xff")
        .finish();
    let small = Limits {
        hash_max_listpack_value: 4,
        ..limits
    };
    assert_eq!(
        load_one(&f, small).unwrap().unwrap().encoding_name(),
        "hashtable"
    );
    // EXPIRETIME (seconds) of old files, and RDB versions before 5 have
    // no checksum after EOF.
    let mut f = File::new(4);
    f.byte(OPCODE_EXPIRETIME)
        .bytes(&1000i32.to_le_bytes())
        .key(TYPE_STRING, b"k")
        .string(b"v");
    let mut bytes = f.buf.clone();
    bytes.push(OPCODE_EOF);
    let mut expire = None;
    load(&bytes[..], &LoadOptions::default(), |e| {
        expire = e.expire_ms;
        Ok(())
    })
    .unwrap();
    assert_eq!(expire, Some(1_000_000));
}

#[test]
fn empty_keys_are_skipped_and_bad_content_refused() {
    let f = File::new(10)
        .key(TYPE_LIST, b"empty")
        .len(0)
        .key(TYPE_STRING, b"k")
        .string(b"v")
        .finish();
    let loaded = load(&f[..], &LoadOptions::default(), |_| Ok(())).unwrap();
    assert_eq!((loaded.keys_loaded, loaded.empty_keys_skipped), (1, 1));
    let refused: Vec<(Vec<u8>, &str)> = vec![
        (
            File::new(10)
                .key(TYPE_SET, b"s")
                .len(2)
                .string(b"1")
                .string(b"1")
                .finish(),
            "Duplicate set members detected",
        ),
        (
            File::new(10)
                .key(TYPE_HASH, b"h")
                .len(2)
                .string(b"a")
                .string(b"1")
                .string(b"a")
                .string(b"2")
                .finish(),
            "Duplicate hash fields detected",
        ),
        (
            File::new(10)
                .key(TYPE_ZSET_2, b"z")
                .len(1)
                .string(b"a")
                .bytes(&f64::NAN.to_le_bytes())
                .finish(),
            "Zset with NAN score detected",
        ),
        (
            File::new(10)
                .key(TYPE_STREAM_LISTPACKS_2, b"x")
                .len(0)
                .finish(),
            "stream values (RDB type 19) are not supported",
        ),
        (
            File::new(10)
                .key(TYPE_MODULE_2, b"m")
                .len(0x1234_5678_9abc_def0)
                .finish(),
            "no matching module type",
        ),
        (
            File::new(10)
                .byte(OPCODE_MODULE_AUX)
                .len(77 << 10)
                .len(2)
                .len(1)
                .finish(),
            "AUX module data I can't load",
        ),
        (File::new(11).finish(), "Can't handle RDB format version 11"),
        (b"RADIS0010".to_vec(), "Wrong signature"),
        (
            File::new(10).byte(OPCODE_SELECTDB).len(16).finish(),
            "more than 16 databases",
        ),
        (
            File::new(10)
                .key(TYPE_LIST_QUICKLIST_2, b"l")
                .len(1)
                .len(3)
                .blob(b"x")
                .finish(),
            "Quicklist integrity check failed.",
        ),
        (
            File::new(10).key(8, b"k").finish(),
            "Unknown RDB encoding type 8",
        ),
        (
            File::new(10)
                .key(TYPE_STRING, b"k")
                .string(b"1")
                .key(TYPE_STRING, b"k")
                .string(b"2")
                .finish(),
            "RDB has duplicated key 'k' in DB 0",
        ),
    ];
    for (file, msg) in refused {
        let err = load_keyspace(&file[..], &LoadOptions::default())
            .err()
            .expect("load fails");
        assert!(err.to_string().contains(msg), "{err} lacks {msg}");
    }
}

#[test]
fn keys_need_a_database() {
    // Keys before any SELECTDB go to database 0, which must exist.
    let f = File::new(10).key(TYPE_STRING, b"k").string(b"v").finish();
    let none = LoadOptions {
        databases: 0,
        ..LoadOptions::default()
    };
    let err = load_keyspace(&f[..], &none).err().expect("load fails");
    assert!(err.to_string().contains("more than 0 databases"), "{err}");
    let (ks, _) = load_keyspace(&f[..], &LoadOptions::default()).unwrap();
    assert_eq!(ks.dbs[0].get(b"k").unwrap().to_vec(), b"v");
}

#[test]
fn old_function_opcode_is_translated() {
    let f = File::new(10)
        .byte(OPCODE_FUNCTION)
        .string(b"mylib")
        .string(b"LUA")
        .len(1)
        .string(b"a description")
        .string(b"redis.register_function('f', function() return 1 end)")
        .finish();
    let loaded = load(&f[..], &LoadOptions::default(), |_| Ok(())).unwrap();
    assert_eq!(
        loaded.functions,
        vec![b"#!LUA name=mylib\nredis.register_function('f', function() return 1 end)".to_vec()]
    );
}

// --- Damage ------------------------------------------------------------------

/// Loads with and without checksum verification; must not panic.
fn try_load(file: &[u8], verify: bool) -> Result<(Keyspace, Loaded)> {
    let opts = LoadOptions {
        verify_checksum: verify,
        ..LoadOptions::default()
    };
    load_keyspace(file, &opts)
}

#[test]
fn every_truncation_is_an_error() {
    let mut ks = Keyspace::new(16);
    let full = sample_keyspace();
    // A smaller sample keeps the quadratic loop fast: a few keys of each kind.
    for name in [
        &b"int"[..],
        b"long",
        b"list-small",
        b"hash-small",
        b"set-ints",
        b"set-strings",
        b"zset-small",
        b"short",
    ] {
        let v = full.dbs[0].get(name).unwrap().clone();
        ks.dbs[0].set(name, v, false);
    }
    ks.dbs[0].set_expire(b"short", 5_000);
    ks.dbs[2].set(
        b"x",
        zset(
            &[(b"m", 1.0)],
            PackLimits {
                max_entries: 0,
                max_value: 0,
            },
        ),
        false,
    );
    ks.dbs[2].set(
        b"y",
        hash(
            &[(b"a", b"b")],
            PackLimits {
                max_entries: 0,
                max_value: 0,
            },
        ),
        false,
    );
    for checksum in [true, false] {
        let opts = SaveOptions {
            checksum,
            ..SaveOptions::default()
        };
        let file = save_to_vec(&ks, opts);
        assert!(try_load(&file, true).is_ok());
        for cut in 0..file.len() {
            assert!(try_load(&file[..cut], true).is_err(), "cut at {cut} loaded");
            assert!(
                try_load(&file[..cut], false).is_err(),
                "cut at {cut} loaded"
            );
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let ks = {
        let full = sample_keyspace();
        let mut ks = Keyspace::new(16);
        for (k, v) in full.dbs[0].iter().filter(|(k, _)| !k.ends_with(b"big")) {
            if !k.starts_with(b"list-huge") && !k.starts_with(b"noise") {
                ks.dbs[0].set(k, v.clone(), false);
            }
        }
        ks
    };
    let file = save_to_vec(&ks, SaveOptions::default());
    let mut checked = 0;
    for i in 0..file.len() {
        for mask in [0x01u8, 0x80, 0xFF, 0x3C] {
            let mut damaged = file.clone();
            damaged[i] ^= mask;
            // With the checksum on, a flip anywhere is caught.
            assert!(try_load(&damaged, true).is_err(), "flip at {i} loaded");
            // Without it, the parser meets the damage: any result but a
            // panic is acceptable.
            let _ = try_load(&damaged, false);
            checked += 1;
        }
    }
    assert!(checked > 1000);
    // Random splices: runs of random bytes written, inserted or removed.
    use rand::{rngs::SmallRng, Rng, SeedableRng};
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    for _ in 0..3000 {
        let mut damaged = file.clone();
        let at = rng.gen_range(0..damaged.len());
        let run: Vec<u8> = (0..rng.gen_range(1..12)).map(|_| rng.gen()).collect();
        match rng.gen_range(0..3) {
            0 => {
                let end = (at + run.len()).min(damaged.len());
                damaged[at..end].copy_from_slice(&run[..end - at]);
            }
            1 => {
                damaged.splice(at..at, run);
            }
            _ => {
                let end = (at + run.len()).min(damaged.len());
                damaged.drain(at..end);
            }
        }
        let _ = try_load(&damaged, false);
    }
}

#[test]
fn damaged_old_encodings_never_panic() {
    // One key of each pre-7.0 type, then every truncation and flips.
    let file = File::new(9)
        .key(TYPE_LIST, b"l")
        .len(2)
        .string(b"a")
        .string(b"300")
        .key(TYPE_ZSET, b"z")
        .len(2)
        .string(b"m")
        .bytes(b"\x031.5")
        .string(b"n")
        .byte(254)
        .key(TYPE_HASH_ZIPMAP, b"hz")
        .blob(b"\x01\x01k\x01\x01vx\xff")
        .key(TYPE_LIST_ZIPLIST, b"lz")
        .blob(&ziplist(&[b"x", b"-70000", &[b'y'; 300]]))
        .key(TYPE_ZSET_ZIPLIST, b"zz")
        .blob(&ziplist(&[b"a", b"1", b"b", b"2.5"]))
        .key(TYPE_HASH_ZIPLIST, b"hl")
        .blob(&ziplist(&[b"f", b"v"]))
        .key(TYPE_LIST_QUICKLIST, b"q")
        .len(1)
        .blob(&ziplist(&[b"1", b"2"]))
        .finish();
    let (ks, _) = try_load(&file, true).unwrap();
    assert_eq!(ks.total_keys(), 7);
    for cut in 0..file.len() {
        assert!(
            try_load(&file[..cut], false).is_err(),
            "cut at {cut} loaded"
        );
    }
    for i in 0..file.len() {
        for mask in [0x01u8, 0x80, 0xFF, 0x3C, 0x40] {
            let mut damaged = file.clone();
            damaged[i] ^= mask;
            assert!(try_load(&damaged, true).is_err(), "flip at {i} loaded");
            let _ = try_load(&damaged, false);
        }
    }
}

#[test]
fn restore_refuses_bad_payloads() {
    let payload = dump(&list(&[b"a", b"b"], -2), true);
    assert!(verify_dump_payload(&payload, true));
    let mut bad_crc = payload.clone();
    *bad_crc.last_mut().unwrap() ^= 1;
    assert!(!verify_dump_payload(&bad_crc, true));
    assert!(verify_dump_payload(&bad_crc, false));
    let mut newer = payload.clone();
    let n = newer.len();
    newer[n - 10] = 11;
    assert!(!verify_dump_payload(&newer, false));
    assert!(!verify_dump_payload(&payload[..9], false));
    for cut in 0..payload.len() - 10 {
        let mut short = payload[..cut].to_vec();
        short.extend_from_slice(&payload[payload.len() - 10..]);
        assert!(restore(&short, &Limits::default()).is_err(), "cut {cut}");
    }
}
