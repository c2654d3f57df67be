//! Reading RDB files (rdb.c `rdbLoadRioWithLoadingCtx`): the magic and
//! version, then opcodes and keys until EOF, then the CRC64 check.
//!
//! [`Reader`] yields one [`Item`] at a time and reads exactly the bytes
//! of the file, no further: on a replication link the bytes after the
//! RDB payload (an EOF mark, the command stream) stay in the underlying
//! reader, which [`Reader::into_inner`] gives back. Wrap a file or socket
//! in a `BufReader` for speed.
//!
//! A file either loads completely or ends in an [`Error`]: a truncated
//! or corrupt file never looks like a shorter valid one, because the end
//! is only reached through the EOF opcode and the checksum.

use crate::checksum::Crc64;
use crate::decode::{self, read_array, read_len, read_string, read_u8, Limits};
use crate::error::{Error, Result};
use crate::format::*;
use keyspace::{Keyspace, Value};
use std::io::{self, Read};

/// Options of a load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Encoding thresholds for the loaded values.
    pub limits: Limits,
    /// `databases`: a SELECTDB at or past this number is an error.
    pub databases: usize,
    /// Check the CRC64 at the end (unless the file says 0). Off is
    /// `rdbchecksum no` or `skip_checksum_validation`.
    pub verify_checksum: bool,
    /// The time of the load: loaded values get this LRU clock, less their
    /// saved idle time, and expired keys are judged against it.
    pub now_ms: i64,
    /// Drop keys whose expiry is before `now_ms`, as a master does when it
    /// loads a file; a replica loading its master's snapshot keeps them
    /// (the master will send their deletion).
    pub drop_expired: bool,
}

impl Default for LoadOptions {
    /// Redis's defaults: 16 databases, checksum verified, keys kept
    /// whatever their expiry, values stamped at time 0.
    fn default() -> Self {
        LoadOptions {
            limits: Limits::default(),
            databases: 16,
            verify_checksum: true,
            now_ms: 0,
            drop_expired: false,
        }
    }
}

/// A key read from the file.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The database it belongs to.
    pub db: usize,
    /// The key.
    pub key: Vec<u8>,
    /// The value, in the encoding Redis would give it.
    pub value: Value,
    /// Expiry in unix ms, if it has a TTL.
    pub expire_ms: Option<i64>,
    /// Saved LRU idle time in seconds (`RDB_OPCODE_IDLE`), already applied
    /// to the value's LRU clock.
    pub lru_idle_secs: Option<u64>,
    /// Saved LFU counter (`RDB_OPCODE_FREQ`).
    pub lfu_freq: Option<u8>,
}

/// One step of a file.
#[derive(Clone, Debug)]
pub enum Item {
    /// An AUX field: two strings. Unknown keys must be ignored.
    Aux {
        /// The field name.
        key: Vec<u8>,
        /// The field value.
        value: Vec<u8>,
    },
    /// A function library's code (FUNCTION2; the 7.0-rc FUNCTION form is
    /// translated to it as Redis does).
    Function(Vec<u8>),
    /// The size hint of a database, before its keys. It comes from the
    /// file: use it to pre-size, but cap it, since a corrupt file can
    /// claim anything.
    ResizeDb {
        /// The database.
        db: usize,
        /// Number of keys.
        keys: u64,
        /// Number of keys with a TTL.
        expires: u64,
    },
    /// A key and its value.
    Entry(Entry),
}

/// A reader that feeds every byte it returns to the CRC.
struct CrcRead<R> {
    r: R,
    crc: Crc64,
}

impl<R: Read> Read for CrcRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.r.read(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }
}

/// Attributes that opcodes give the next key.
#[derive(Clone, Copy, Default)]
struct KeyAttrs {
    expire_ms: Option<i64>,
    lru_idle_secs: Option<u64>,
    lfu_freq: Option<u8>,
}

/// A streaming RDB reader.
pub struct Reader<R: Read> {
    r: CrcRead<R>,
    version: u32,
    opts: LoadOptions,
    db: usize,
    /// Set by EXPIRETIME, IDLE and FREQ; consumed by the next key, even
    /// across other opcodes, as in rdb.c.
    attrs: KeyAttrs,
    done: bool,
    keys_expired: u64,
    empty_keys_skipped: u64,
}

impl<R: Read> Reader<R> {
    /// Reads and checks the magic: `REDIS` and a version from 1 to 10.
    pub fn new(r: R, opts: LoadOptions) -> Result<Reader<R>> {
        let mut r = CrcRead {
            r,
            crc: Crc64::new(),
        };
        let magic: [u8; 9] = read_array(&mut r)?;
        if &magic[..5] != b"REDIS" {
            return Err(Error::corrupt(
                "Wrong signature trying to load DB from file",
            ));
        }
        let version = std::str::from_utf8(&magic[5..])
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0);
        if version == 0 {
            return Err(Error::corrupt(
                "Wrong signature trying to load DB from file",
            ));
        }
        if version > RDB_VERSION {
            return Err(Error::Unsupported(format!(
                "Can't handle RDB format version {version}"
            )));
        }
        Ok(Reader {
            r,
            version,
            opts,
            db: 0,
            attrs: KeyAttrs::default(),
            done: false,
            keys_expired: 0,
            empty_keys_skipped: 0,
        })
    }

    /// The file's RDB version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Keys dropped because they had expired (with `drop_expired`).
    pub fn keys_expired(&self) -> u64 {
        self.keys_expired
    }

    /// Empty aggregates skipped, as Redis skips them.
    pub fn empty_keys_skipped(&self) -> u64 {
        self.empty_keys_skipped
    }

    /// The underlying reader, positioned just after the file (once
    /// [`Reader::next_item`] has returned `None`).
    pub fn into_inner(self) -> R {
        self.r.r
    }

    /// The next item, or `None` once EOF has been read and the checksum
    /// verified.
    pub fn next_item(&mut self) -> Result<Option<Item>> {
        if self.done {
            return Ok(None);
        }
        loop {
            let r = &mut self.r;
            let op = read_u8(r)?;
            match op {
                OPCODE_EXPIRETIME => {
                    self.attrs.expire_ms = Some(i32::from_le_bytes(read_array(r)?) as i64 * 1000);
                }
                OPCODE_EXPIRETIME_MS => {
                    self.attrs.expire_ms = Some(i64::from_le_bytes(read_array(r)?));
                }
                OPCODE_FREQ => self.attrs.lfu_freq = Some(read_u8(r)?),
                OPCODE_IDLE => self.attrs.lru_idle_secs = Some(read_len(r)?),
                OPCODE_EOF => {
                    self.end()?;
                    return Ok(None);
                }
                OPCODE_SELECTDB => {
                    let db = read_len(r)?;
                    if db >= self.opts.databases as u64 {
                        return Err(self.too_many_databases());
                    }
                    self.db = db as usize;
                }
                OPCODE_RESIZEDB => {
                    let keys = read_len(r)?;
                    let expires = read_len(r)?;
                    return Ok(Some(Item::ResizeDb {
                        db: self.db,
                        keys,
                        expires,
                    }));
                }
                OPCODE_AUX => {
                    let key = read_string(r)?;
                    let value = read_string(r)?;
                    return Ok(Some(Item::Aux { key, value }));
                }
                OPCODE_MODULE_AUX => {
                    let id = read_len(r)?;
                    let when_opcode = read_len(r)?;
                    read_len(r)?; // when
                    if when_opcode != MODULE_OPCODE_UINT {
                        return Err(Error::corrupt("bad when_opcode"));
                    }
                    return Err(decode::module_error(id, true));
                }
                OPCODE_FUNCTION2 => return Ok(Some(Item::Function(read_string(r)?))),
                OPCODE_FUNCTION => {
                    // 7.0-rc1/rc2 layout: name, engine, optional
                    // description, code; rewritten as the 7.0 payload.
                    let name = read_string(r)?;
                    let engine = read_string(r)?;
                    if read_len(r)? != 0 {
                        read_string(r)?;
                    }
                    let code = read_string(r)?;
                    let mut payload = b"#!".to_vec();
                    payload.extend_from_slice(&engine);
                    payload.extend_from_slice(b" name=");
                    payload.extend_from_slice(&name);
                    payload.push(b'\n');
                    payload.extend_from_slice(&code);
                    return Ok(Some(Item::Function(payload)));
                }
                rdb_type => {
                    // Keys before any SELECTDB belong to database 0.
                    if self.db >= self.opts.databases {
                        return Err(self.too_many_databases());
                    }
                    let key = read_string(r)?;
                    let value = decode::read_object(r, rdb_type, &self.opts.limits)?;
                    let attrs = std::mem::take(&mut self.attrs);
                    let Some(mut value) = value else {
                        self.empty_keys_skipped += 1;
                        continue;
                    };
                    let expired = attrs.expire_ms.is_some_and(|at| at < self.opts.now_ms);
                    if self.opts.drop_expired && expired {
                        self.keys_expired += 1;
                        continue;
                    }
                    // object.c `objectSetLRUOrLFU`: the access time is now
                    // less the saved idle time.
                    let idle_ms = attrs.lru_idle_secs.map_or(0, |s| s.saturating_mul(1000));
                    let idle_ms = i64::try_from(idle_ms).unwrap_or(i64::MAX);
                    value.touch(self.opts.now_ms.saturating_sub(idle_ms));
                    return Ok(Some(Item::Entry(Entry {
                        db: self.db,
                        key,
                        value,
                        expire_ms: attrs.expire_ms,
                        lru_idle_secs: attrs.lru_idle_secs,
                        lfu_freq: attrs.lfu_freq,
                    })));
                }
            }
        }
    }

    /// The error for a database number the server does not have.
    fn too_many_databases(&self) -> Error {
        Error::Unsupported(format!(
            "Data file was created with a Redis server configured to handle \
             more than {} databases",
            self.opts.databases
        ))
    }

    /// After EOF: the checksum (RDB 5 and later), checked unless it is 0
    /// or checking is off.
    fn end(&mut self) -> Result<()> {
        if self.version >= 5 {
            let expected = self.r.crc.value();
            let found = u64::from_le_bytes(read_array(&mut self.r)?);
            if self.opts.verify_checksum && found != 0 && found != expected {
                return Err(Error::Checksum { expected, found });
            }
        }
        self.done = true;
        Ok(())
    }
}

/// What a complete load found besides the keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The AUX fields.
    pub aux: AuxInfo,
    /// Function library codes, in file order.
    pub functions: Vec<Vec<u8>>,
    /// Keys delivered.
    pub keys_loaded: u64,
    /// Keys dropped as expired (with `drop_expired`).
    pub keys_expired: u64,
    /// Empty aggregates skipped.
    pub empty_keys_skipped: u64,
}

/// The AUX fields of a file, with the ones Redis interprets parsed as it
/// parses them (rdb.c: names compared ignoring case, numbers with
/// `atoi`/`strtoll`, which read a leading integer and stop).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuxInfo {
    /// `redis-ver`.
    pub redis_ver: Option<String>,
    /// `ctime`, unix seconds.
    pub ctime_secs: Option<i64>,
    /// `used-mem`, bytes.
    pub used_mem: Option<i64>,
    /// `repl-stream-db`.
    pub repl_stream_db: Option<i64>,
    /// `repl-id`, only when it is 40 characters long as Redis requires.
    pub repl_id: Option<String>,
    /// `repl-offset`.
    pub repl_offset: Option<i64>,
    /// `aof-base`.
    pub aof_base: Option<bool>,
    /// Every field as read, in order, including unknown ones.
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
}

/// C's `strtoll(s, NULL, 10)`: optional spaces and sign, then digits up
/// to the first non-digit; 0 if there are none; saturates on overflow.
fn c_strtoll(s: &[u8]) -> i64 {
    let mut i = s.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    for &c in s[i..].iter().take_while(|c| c.is_ascii_digit()) {
        let d = (c - b'0') as i64;
        v = match v.checked_mul(10).and_then(|v| {
            if neg {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        }) {
            Some(v) => v,
            None => return if neg { i64::MIN } else { i64::MAX },
        };
    }
    v
}

impl AuxInfo {
    /// Records one field, parsing the ones Redis interprets (for a
    /// caller that runs a [`Reader`] itself and meets [`Item::Aux`]).
    pub fn add(&mut self, key: Vec<u8>, value: Vec<u8>) {
        let text = || String::from_utf8_lossy(&value).into_owned();
        match key.to_ascii_lowercase().as_slice() {
            b"redis-ver" => self.redis_ver = Some(text()),
            b"ctime" => self.ctime_secs = Some(c_strtoll(&value)),
            b"used-mem" => self.used_mem = Some(c_strtoll(&value)),
            // `atoi` of an int: the low 32 bits of the number.
            b"repl-stream-db" => self.repl_stream_db = Some(c_strtoll(&value) as i32 as i64),
            b"repl-id" if value.len() == 40 => self.repl_id = Some(text()),
            b"repl-offset" => self.repl_offset = Some(c_strtoll(&value)),
            b"aof-base" => self.aof_base = Some(c_strtoll(&value) != 0),
            _ => {}
        }
        self.fields.push((key, value));
    }
}

/// Loads a whole file, handing each key to `on_entry` as it is read. An
/// error from `on_entry` stops the load and is returned.
pub fn load<R: Read>(
    r: R,
    opts: &LoadOptions,
    mut on_entry: impl FnMut(Entry) -> Result<()>,
) -> Result<Loaded> {
    let mut reader = Reader::new(r, *opts)?;
    let mut loaded = Loaded::default();
    while let Some(item) = reader.next_item()? {
        match item {
            Item::Aux { key, value } => loaded.aux.add(key, value),
            Item::Function(code) => loaded.functions.push(code),
            Item::ResizeDb { .. } => {}
            Item::Entry(e) => {
                on_entry(e)?;
                loaded.keys_loaded += 1;
            }
        }
    }
    loaded.keys_expired = reader.keys_expired();
    loaded.empty_keys_skipped = reader.empty_keys_skipped();
    Ok(loaded)
}

/// Loads a whole file into a new keyspace of `opts.databases` databases.
/// A key present twice in one database is an error (Redis panics on it).
/// Nothing is returned on error, so a failed load leaves no partial
/// keyspace behind.
pub fn load_keyspace<R: Read>(r: R, opts: &LoadOptions) -> Result<(Keyspace, Loaded)> {
    let mut ks = Keyspace::new(opts.databases);
    let loaded = load(r, opts, |e| {
        let db = &mut ks.dbs[e.db];
        if db.contains(&e.key) {
            return Err(Error::corrupt(format!(
                "RDB has duplicated key '{}' in DB {}",
                String::from_utf8_lossy(&e.key),
                e.db
            )));
        }
        db.add(&e.key, e.value);
        if let Some(at) = e.expire_ms {
            db.set_expire(&e.key, at);
        }
        Ok(())
    })?;
    Ok((ks, loaded))
}

#[cfg(test)]
mod tests {
    //! Goal: AUX values are read as Redis reads them. Reference: rdb.c
    //! `rdbLoadRioWithLoadingCtx` AUX branch.
    use super::*;

    #[test]
    fn strtoll_like_c() {
        assert_eq!(c_strtoll(b"123"), 123);
        assert_eq!(c_strtoll(b"  -42abc"), -42);
        assert_eq!(c_strtoll(b"+7"), 7);
        assert_eq!(c_strtoll(b"x1"), 0);
        assert_eq!(c_strtoll(b""), 0);
        assert_eq!(c_strtoll(b"99999999999999999999"), i64::MAX);
        assert_eq!(c_strtoll(b"-99999999999999999999"), i64::MIN);
    }

    #[test]
    fn aux_fields_parsed() {
        let mut a = AuxInfo::default();
        a.add(b"REPL-ID".to_vec(), vec![b'a'; 40]);
        a.add(b"repl-offset".to_vec(), b"1234".to_vec());
        a.add(b"repl-stream-db".to_vec(), b"3".to_vec());
        a.add(b"aof-base".to_vec(), b"0".to_vec());
        a.add(b"lua".to_vec(), b"ignored".to_vec());
        assert_eq!(a.repl_id.as_deref(), Some(&*"a".repeat(40)));
        assert_eq!(a.repl_offset, Some(1234));
        assert_eq!(a.repl_stream_db, Some(3));
        assert_eq!(a.aof_base, Some(false));
        assert_eq!(a.fields.len(), 5);
        let mut short = AuxInfo::default();
        short.add(b"repl-id".to_vec(), b"abc".to_vec());
        assert_eq!(short.repl_id, None);
    }
}
