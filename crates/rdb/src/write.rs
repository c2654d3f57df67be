//! Writing RDB files (rdb.c `rdbSaveRio`): the magic, the AUX fields,
//! function libraries, then per database SELECTDB, RESIZEDB and the keys,
//! then EOF and the CRC64.
//!
//! The [`Writer`] streams: entries are encoded one by one into a small
//! buffer that is checksummed and written whenever it passes 64 KiB, so a
//! snapshot of any size goes to a file or a replica socket without being
//! held in memory, and nothing here allocates per key beyond that buffer
//! and the value's own blob. It is synchronous and clock-free: it can run
//! in a forked child.

use crate::checksum::Crc64;
use crate::encode::{Encoder, Sink};
use crate::format::*;
use keyspace::{Keyspace, Value};
use std::io::{self, Write};

/// The version written in the `redis-ver` AUX field by default.
pub const REDIS_VERSION: &str = "7.0.15";

/// Options of a save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaveOptions {
    /// `rdbcompression`: LZF-compress strings longer than 20 bytes when
    /// that saves space.
    pub compression: bool,
    /// `rdbchecksum`: end the file with the CRC64 of its content; when
    /// off, 8 zero bytes, which loaders take as "not checked".
    pub checksum: bool,
    /// When the maxmemory policy is an LRU one Redis saves each key's idle
    /// time (`RDB_OPCODE_IDLE`): `Some(now_ms)` does the same, measuring
    /// idle time at `now_ms`.
    pub idle_at_ms: Option<i64>,
}

impl Default for SaveOptions {
    /// Redis's defaults: compression and checksum on, no idle times.
    fn default() -> Self {
        SaveOptions {
            compression: true,
            checksum: true,
            idle_at_ms: None,
        }
    }
}

/// The replication state saved with a snapshot (rdb.c `rdbSaveInfo`): a
/// replica that loads it, or a master restarted from it, can continue
/// with PSYNC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplInfo {
    /// `repl-stream-db`: the database the replication stream had selected.
    pub stream_db: i64,
    /// `repl-id`: the 40-character replication id.
    pub id: String,
    /// `repl-offset`: the replication offset of the snapshot.
    pub offset: i64,
}

/// The AUX fields Redis 7.0 writes at the start of every file, in its
/// order (rdb.c `rdbSaveInfoAuxFields`): `redis-ver`, `redis-bits`,
/// `ctime`, `used-mem`, then `repl-stream-db`, `repl-id`, `repl-offset`
/// when saved with replication info, then `aof-base`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuxFields {
    /// `redis-ver`.
    pub redis_ver: String,
    /// `ctime`: unix seconds of the save.
    pub ctime_secs: i64,
    /// `used-mem`: bytes of memory in use.
    pub used_mem: u64,
    /// The replication fields, if any.
    pub repl: Option<ReplInfo>,
    /// `aof-base`: true for the base file of a multi-part AOF.
    pub aof_base: bool,
}

impl AuxFields {
    /// The fields of a plain save at `ctime_secs` with `used_mem` bytes in
    /// use: version 7.0.15, no replication info, not an AOF base.
    pub fn new(ctime_secs: i64, used_mem: u64) -> AuxFields {
        AuxFields {
            redis_ver: REDIS_VERSION.to_string(),
            ctime_secs,
            used_mem,
            repl: None,
            aof_base: false,
        }
    }
}

/// Bytes buffered before they are checksummed and written.
const FLUSH_BYTES: usize = 64 * 1024;

/// The output: a buffer in front of the writer, and the running CRC.
struct Out<W: Write> {
    w: W,
    buf: Vec<u8>,
    crc: Option<Crc64>,
}

impl<W: Write> Out<W> {
    fn flush(&mut self) -> io::Result<()> {
        if let Some(crc) = &mut self.crc {
            crc.update(&self.buf);
        }
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

impl<W: Write> Sink for Out<W> {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }
}

/// A streaming RDB writer.
///
/// Call order, as Redis writes: [`Writer::new`] (magic and AUX fields),
/// then [`Writer::function`] for each function library, then for each
/// non-empty database [`Writer::select_db`] followed by its
/// [`Writer::entry`] calls, then [`Writer::finish`].
pub struct Writer<W: Write> {
    out: Out<W>,
    enc: Encoder,
    idle_at_ms: Option<i64>,
}

impl<W: Write> Writer<W> {
    /// Starts a file on `w`: writes `REDIS0010` and the AUX fields.
    pub fn new(w: W, opts: SaveOptions, aux: &AuxFields) -> io::Result<Writer<W>> {
        let mut writer = Writer {
            out: Out {
                w,
                buf: Vec::with_capacity(FLUSH_BYTES + 1024),
                crc: opts.checksum.then(Crc64::new),
            },
            enc: Encoder::new(opts.compression),
            idle_at_ms: opts.idle_at_ms,
        };
        writer
            .out
            .put(format!("REDIS{RDB_VERSION:04}").as_bytes())?;
        let mut digits = itoa::Buffer::new();
        writer.aux(b"redis-ver", aux.redis_ver.as_bytes())?;
        writer.aux(b"redis-bits", digits.format(usize::BITS).as_bytes())?;
        writer.aux(b"ctime", digits.format(aux.ctime_secs).as_bytes())?;
        writer.aux(b"used-mem", digits.format(aux.used_mem).as_bytes())?;
        if let Some(repl) = &aux.repl {
            writer.aux(b"repl-stream-db", digits.format(repl.stream_db).as_bytes())?;
            writer.aux(b"repl-id", repl.id.as_bytes())?;
            writer.aux(b"repl-offset", digits.format(repl.offset).as_bytes())?;
        }
        writer.aux(b"aof-base", if aux.aof_base { b"1" } else { b"0" })?;
        Ok(writer)
    }

    /// One AUX field (rdb.c `rdbSaveAuxField`).
    fn aux(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        self.out.put(&[OPCODE_AUX])?;
        self.enc.string(&mut self.out, key)?;
        self.enc.string(&mut self.out, value)
    }

    /// A function library's code (rdb.c `rdbSaveFunctions`).
    pub fn function(&mut self, code: &[u8]) -> io::Result<()> {
        self.out.put(&[OPCODE_FUNCTION2])?;
        self.enc.string(&mut self.out, code)
    }

    /// Starts database `db`, which holds `keys` keys of which `expires`
    /// have a TTL (the RESIZEDB hint). Redis skips empty databases.
    pub fn select_db(&mut self, db: usize, keys: u64, expires: u64) -> io::Result<()> {
        self.out.put(&[OPCODE_SELECTDB])?;
        self.enc.len(&mut self.out, db as u64)?;
        self.out.put(&[OPCODE_RESIZEDB])?;
        self.enc.len(&mut self.out, keys)?;
        self.enc.len(&mut self.out, expires)
    }

    /// One key of the current database, with its expiry in unix ms
    /// (rdb.c `rdbSaveKeyValuePair`).
    pub fn entry(&mut self, key: &[u8], value: &Value, expire_ms: Option<i64>) -> io::Result<()> {
        if let Some(at) = expire_ms {
            self.out.put(&[OPCODE_EXPIRETIME_MS])?;
            self.out.put(&at.to_le_bytes())?;
        }
        if let Some(now) = self.idle_at_ms {
            self.out.put(&[OPCODE_IDLE])?;
            let idle_secs = value.idle_ms(now) / 1000;
            self.enc.len(&mut self.out, idle_secs.max(0) as u64)?;
        }
        self.enc.object(&mut self.out, Some(key), value)
    }

    /// Ends the file: EOF, then the CRC64 of everything before it (or
    /// zero without checksum), little endian. Returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.put(&[OPCODE_EOF])?;
        self.out.flush()?;
        let crc = self.out.crc.as_ref().map_or(0, Crc64::value);
        self.out.w.write_all(&crc.to_le_bytes())?;
        self.out.w.flush()?;
        Ok(self.out.w)
    }
}

/// Writes a whole keyspace as one RDB file: every non-empty database in
/// order, its keys with their TTLs. Returns the writer.
pub fn save<W: Write>(w: W, ks: &Keyspace, opts: SaveOptions, aux: &AuxFields) -> io::Result<W> {
    save_each(w, ks, opts, aux, || {})
}

/// [`save`], calling `after_key` after each key is written: the hook of
/// Redis's `rdb-key-save-delay` (rdb.c `rdbSaveRio` sleeps there), and a
/// place to count progress.
pub fn save_each<W: Write>(
    w: W,
    ks: &Keyspace,
    opts: SaveOptions,
    aux: &AuxFields,
    mut after_key: impl FnMut(),
) -> io::Result<W> {
    let mut writer = Writer::new(w, opts, aux)?;
    for (n, db) in ks.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        writer.select_db(n, db.len() as u64, db.expires_len() as u64)?;
        for (key, value) in db.iter() {
            writer.entry(key, value, db.expire_at(key))?;
            after_key();
        }
    }
    writer.finish()
}
