//! Loading the dump file (rdb.c `rdbLoad`, `rdbLoadRio`; server.c
//! `loadDataFromDisk`), in steps so that the host can serve clients
//! between them: they are told `-LOADING` until the load is done, as
//! Redis tells them while it processes events every
//! `loading-process-events-interval-bytes`.
//!
//! A file loads completely or not at all: every truncation, corruption
//! and checksum mismatch is an error that the host reports with Redis's
//! log lines before exiting (at start-up) or refusing (DEBUG RELOAD).

use super::{file::debug_delay, rdb_load_options, Failed, LoadProgress};
use crate::engine::Engine;
use keyspace::Keyspace;
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

/// Read buffer in front of the file.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// Why a load failed.
#[derive(Debug)]
pub enum LoadError {
    /// The file exists but cannot be opened.
    Open(io::Error),
    /// The file is truncated, corrupt or of a kind not handled.
    Rdb(rdb::Error),
    /// A key appears twice in one database.
    Duplicate {
        /// The key, as text.
        key: String,
        /// Its database.
        db: usize,
    },
    /// The file holds function libraries, which this server cannot run:
    /// loading the keys alone would silently lose them.
    Functions,
}

impl LoadError {
    /// Logs the failure as rdb.c logs it. `offset` is the bytes loaded
    /// as of the last progress report (Redis's `loading_loaded_bytes`).
    pub fn log(&self, offset: u64) {
        let internal = |line: &str, reason: &str| {
            tracing::warn!(
                "Internal error in RDB reading offset {offset}, function at rdb.c:{line} -> {reason}"
            )
        };
        match self {
            LoadError::Open(_) => {}
            // rio.c reads through stdio: a failed read is a short read.
            LoadError::Rdb(rdb::Error::Truncated | rdb::Error::Io(_)) => {
                tracing::warn!("Short read or OOM loading DB. Unrecoverable error, aborting now.");
                // Redis 7.0.15 reports this from line 3249 of rdb.c.
                internal("3249", "Unexpected EOF reading RDB file");
            }
            LoadError::Rdb(rdb::Error::Checksum { expected, found }) => {
                tracing::warn!(
                    "Wrong RDB checksum expected: ({expected:x}) but got ({found:x}). Aborting now."
                );
                internal("3225", "RDB CRC error");
            }
            LoadError::Rdb(rdb::Error::Corrupt(msg)) if self.errno_text().is_some() => {
                tracing::warn!("{msg}")
            }
            LoadError::Rdb(rdb::Error::Unsupported(msg)) if self.errno_text().is_some() => {
                tracing::warn!("{msg}")
            }
            LoadError::Rdb(rdb::Error::Unsupported(msg)) if msg.starts_with("Data file") => {
                tracing::warn!("FATAL: {msg}. Exiting")
            }
            LoadError::Rdb(rdb::Error::Corrupt(msg) | rdb::Error::Unsupported(msg)) => {
                tracing::warn!("Internal error in RDB reading offset {offset} -> {msg}")
            }
            LoadError::Duplicate { key, db } => {
                tracing::warn!("RDB has duplicated key '{key}' in DB {db}")
            }
            LoadError::Functions => tracing::warn!(
                "The RDB file contains function libraries, which this server cannot load"
            ),
        }
    }

    /// The `strerror` text Redis gives as the reason in "Fatal error
    /// loading the DB: <reason>. Exiting.", for the failures it reports
    /// through `errno` rather than as corruption: a file it cannot open,
    /// a wrong signature or an RDB version it cannot handle (EINVAL).
    pub fn errno_text(&self) -> Option<String> {
        match self {
            LoadError::Open(e) => Some(conf::strerror(e)),
            LoadError::Rdb(rdb::Error::Corrupt(msg)) if msg.starts_with("Wrong signature") => {
                Some("Invalid argument".to_string())
            }
            LoadError::Rdb(rdb::Error::Unsupported(msg))
                if msg.starts_with("Can't handle RDB format version") =>
            {
                Some("Invalid argument".to_string())
            }
            _ => None,
        }
    }
}

impl From<rdb::Error> for LoadError {
    fn from(e: rdb::Error) -> Self {
        LoadError::Rdb(e)
    }
}

/// A reader that counts the bytes taken from it.
struct Counted<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// A load in progress.
pub struct Loader {
    reader: rdb::Reader<Counted<BufReader<File>>>,
    /// Bytes the reader has taken from the file.
    read: Rc<Cell<u64>>,
    /// Bytes read as of the end of the last step.
    progress_bytes: u64,
    /// Size of the file.
    total_bytes: u64,
    /// The AUX fields met so far.
    aux: rdb::AuxInfo,
    /// Keys added so far.
    keys_loaded: u64,
    /// A key already present is replaced (DEBUG RELOAD MERGE) instead
    /// of failing the load.
    merge: bool,
    /// Unix seconds of the load, for the age of the file.
    now_s: i64,
    /// The file ends in a zero checksum (saved with `rdbchecksum no`)
    /// and checksums are verified: Redis says it cannot check.
    unchecked: bool,
}

impl Loader {
    /// Opens `filename` and checks its header; `None` if there is no such
    /// file (a first start).
    pub fn open(
        filename: &str,
        opts: rdb::LoadOptions,
        merge: bool,
    ) -> Result<Option<Loader>, LoadError> {
        let file = match File::open(filename) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(LoadError::Open(e)),
        };
        let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut tail = [0xffu8; 8];
        if total_bytes >= 8 {
            use std::os::unix::fs::FileExt;
            let _ = file.read_exact_at(&mut tail, total_bytes - 8);
        }
        let read = Rc::new(Cell::new(0));
        let counted = Counted {
            inner: BufReader::with_capacity(READ_BUFFER_BYTES, file),
            read: read.clone(),
        };
        let reader = rdb::Reader::new(counted, opts)?;
        Ok(Some(Loader {
            reader,
            read,
            progress_bytes: 0,
            total_bytes,
            aux: rdb::AuxInfo::default(),
            keys_loaded: 0,
            merge,
            now_s: opts.now_ms / 1000,
            unchecked: opts.verify_checksum && tail == [0; 8],
        }))
    }

    /// Bytes read as of the end of the last step.
    pub fn progress_bytes(&self) -> u64 {
        self.progress_bytes
    }

    /// The AUX fields read so far (all of them once done).
    pub fn aux(&self) -> &rdb::AuxInfo {
        &self.aux
    }

    /// Keys loaded so far.
    pub fn keys_loaded(&self) -> u64 {
        self.keys_loaded
    }

    /// Keys dropped as expired so far.
    pub fn keys_expired(&self) -> u64 {
        self.reader.keys_expired()
    }

    /// Reads into `ks` until `budget` more bytes were read or the file
    /// ends (then logs the totals and returns true). `key_load_delay` is
    /// the `key-load-delay` to pause after each key.
    pub fn step(
        &mut self,
        ks: &mut Keyspace,
        budget: u64,
        key_load_delay: i64,
    ) -> Result<bool, LoadError> {
        let stop_at = self.read.get().saturating_add(budget);
        let done = loop {
            let Some(item) = self.reader.next_item()? else {
                break true;
            };
            match item {
                rdb::Item::Aux { key, value } => self.aux_field(key, value),
                rdb::Item::Function(_) => return Err(LoadError::Functions),
                rdb::Item::ResizeDb { .. } => {}
                rdb::Item::Entry(e) => {
                    let db = &mut ks.dbs[e.db];
                    if db.contains(&e.key) {
                        if !self.merge {
                            return Err(LoadError::Duplicate {
                                key: String::from_utf8_lossy(&e.key).into_owned(),
                                db: e.db,
                            });
                        }
                        db.remove(&e.key);
                    }
                    db.add(&e.key, e.value);
                    if let Some(at) = e.expire_ms {
                        db.set_expire(&e.key, at);
                    }
                    self.keys_loaded += 1;
                    if key_load_delay != 0 {
                        debug_delay(key_load_delay);
                    }
                }
            }
            if self.read.get() >= stop_at {
                break false;
            }
        };
        self.progress_bytes = self.read.get();
        if done {
            if self.unchecked && self.reader.version() >= 5 {
                tracing::warn!("RDB file was saved with checksum disabled: no check performed.");
            }
            let skipped = self.reader.empty_keys_skipped();
            if skipped > 0 {
                tracing::warn!(
                    "Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {skipped}.",
                    self.keys_loaded,
                    self.keys_expired()
                );
            } else {
                tracing::info!(
                    "Done loading RDB, keys loaded: {}, keys expired: {}.",
                    self.keys_loaded,
                    self.keys_expired()
                );
            }
        }
        Ok(done)
    }

    /// Records an AUX field, logging the ones Redis logs (rdb.c
    /// `rdbLoadRioWithLoadingCtx`, AUX branch).
    fn aux_field(&mut self, key: Vec<u8>, value: Vec<u8>) {
        let name = String::from_utf8_lossy(&key).to_ascii_lowercase();
        let text = String::from_utf8_lossy(&value).into_owned();
        self.aux.add(key, value);
        match name.as_str() {
            "redis-ver" => tracing::info!("Loading RDB produced by version {text}"),
            "ctime" => {
                let age = (self.now_s - self.aux.ctime_secs.unwrap_or(0)).max(0);
                tracing::info!("RDB age {age} seconds");
            }
            "used-mem" => {
                let mb = self.aux.used_mem.unwrap_or(0) as f64 / (1024.0 * 1024.0);
                tracing::info!("RDB memory usage when created {mb:.2} Mb");
            }
            "aof-preamble" if text != "0" => tracing::info!("RDB has an AOF tail"),
            "aof-base" if self.aux.aof_base == Some(true) => tracing::info!("RDB is base AOF"),
            "aof-preamble" | "aof-base" | "redis-bits" | "lua" | "repl-stream-db" | "repl-id"
            | "repl-offset" => {}
            _ => tracing::trace!("Unrecognized RDB AUX field: '{name}'"),
        }
    }
}

impl Engine {
    /// How the dump file loads now: a master drops keys already expired
    /// (counted as `keys expired`), a replica keeps them.
    fn disk_load_options(&self, now_ms: i64) -> rdb::LoadOptions {
        let drop_expired = !self.role.is_replica();
        rdb_load_options(&self.config, self.ks.dbs.len(), now_ms, drop_expired)
    }

    /// Starts loading `dbfilename` at start-up (rdb.c `startLoadingFile`):
    /// `None` if there is no file. From here until
    /// [`Engine::finish_loading`] commands not flagged `loading` are
    /// refused.
    pub fn begin_loading(&mut self, now_ms: i64) -> Result<Option<Loader>, LoadError> {
        let opts = self.disk_load_options(now_ms);
        let Some(loader) = Loader::open(&self.config.string("dbfilename"), opts, false)? else {
            return Ok(None);
        };
        self.persist.loading = Some(LoadProgress {
            start_s: now_ms / 1000,
            total_bytes: loader.total_bytes,
            ..LoadProgress::default()
        });
        self.persist.last_load_keys_loaded = 0;
        self.persist.last_load_keys_expired = 0;
        Ok(Some(loader))
    }

    /// Loads the next `loading-process-events-interval-bytes` of the file
    /// into the live keyspace and updates INFO's progress. True when the
    /// file is done.
    pub fn load_step(&mut self, loader: &mut Loader) -> Result<bool, LoadError> {
        let budget = self
            .config
            .int("loading-process-events-interval-bytes")
            .max(1) as u64;
        let delay = self.config.int("key-load-delay");
        let result = loader.step(&mut self.ks, budget, delay);
        if let Some(p) = &mut self.persist.loading {
            p.loaded_bytes = loader.progress_bytes();
            p.rdb_used_mem = loader.aux.used_mem.unwrap_or(0).max(0) as u64;
        }
        self.persist.last_load_keys_loaded = loader.keys_loaded();
        self.persist.last_load_keys_expired = loader.keys_expired();
        result
    }

    /// Ends a start-up load (rdb.c `stopLoading`; server.c
    /// `loadDataFromDisk`). A file saved with a replication position lets
    /// a restarted node continue its history: a master keeps it as its
    /// previous ID so its replicas can PSYNC, a replica takes it as its
    /// own so it can PSYNC to its master.
    pub fn finish_loading(&mut self, loader: &Loader) {
        self.persist.loading = None;
        let aux = loader.aux();
        let (Some(id), Some(offset), Some(db)) =
            (&aux.repl_id, aux.repl_offset, aux.repl_stream_db)
        else {
            return;
        };
        if offset == -1 || db == -1 {
            return;
        }
        let repl = &mut self.propagation.repl;
        if self.role.is_replica() {
            repl.replid = id.clone();
            repl.offset = offset;
        } else {
            repl.replid2 = id.clone();
            repl.second_replid_offset = offset + 1;
            repl.offset += offset;
            if repl.offset > 0 {
                let size = self.config.int("repl-backlog-size").max(1) as usize;
                repl.ensure_backlog(size);
            }
        }
    }

    /// DEBUG RELOAD's load (debug.c): reads the whole dump file into a
    /// new keyspace, then replaces the dataset with it (`flush`) or adds
    /// it to the dataset, where a key present in both fails the reload
    /// unless `merge` lets the file's value win. A file that does not
    /// load completely changes nothing (Redis would exit); a missing file
    /// with `flush` leaves the dataset empty, as in Redis. Failures are
    /// logged.
    pub fn reload_from_disk(
        &mut self,
        flush: bool,
        merge: bool,
        now_ms: i64,
    ) -> Result<(), Failed> {
        let opts = self.disk_load_options(now_ms);
        let mut loader = match Loader::open(&self.config.string("dbfilename"), opts, false) {
            Ok(Some(l)) => l,
            Ok(None) => {
                // Redis empties memory before it finds there is no file.
                if flush {
                    self.replace_keyspace(Keyspace::new(self.ks.dbs.len()));
                }
                return Err(Failed);
            }
            Err(e) => {
                e.log(0);
                return Err(Failed);
            }
        };
        let mut fresh = Keyspace::new(self.ks.dbs.len());
        let delay = self.config.int("key-load-delay");
        if let Err(e) = loader.step(&mut fresh, u64::MAX, delay) {
            e.log(loader.progress_bytes());
            return Err(Failed);
        }
        self.persist.last_load_keys_loaded = loader.keys_loaded();
        self.persist.last_load_keys_expired = loader.keys_expired();
        if flush {
            self.replace_keyspace(fresh);
            return Ok(());
        }
        if !merge {
            for (n, db) in fresh.dbs.iter().enumerate() {
                if let Some((key, _)) = db.iter().find(|(k, _)| self.ks.dbs[n].contains(k)) {
                    let e = LoadError::Duplicate {
                        key: String::from_utf8_lossy(key).into_owned(),
                        db: n,
                    };
                    e.log(loader.progress_bytes());
                    return Err(Failed);
                }
            }
        }
        for (n, db) in fresh.dbs.iter_mut().enumerate() {
            let keys: Vec<_> = db.iter().map(|(k, _)| k.clone()).collect();
            for key in keys {
                let expire = db.expire_at(&key);
                let Some(value) = db.remove(&key) else {
                    continue;
                };
                self.signal_modified(n, &key);
                let target = &mut self.ks.dbs[n];
                target.remove(&key);
                target.add(&key, value);
                if let Some(at) = expire {
                    target.set_expire(&key, at);
                }
            }
        }
        Ok(())
    }

    /// Replaces every database, telling watchers (db.c `emptyData`).
    fn replace_keyspace(&mut self, ks: Keyspace) {
        for db in 0..self.ks.dbs.len() {
            self.signal_db_replaced(db, None);
        }
        self.ks = ks;
    }
}
