//! Writing a snapshot: to the dump file the crash-safe way (rdb.c
//! `rdbSave`), or to any writer. Runs in the server process for SAVE
//! and in a forked child for BGSAVE, so it touches nothing but the
//! keyspace it is given, the file system and the log.
//!
//! A crash at any point leaves either the old dump file or the new one,
//! never a torn one: the snapshot goes to `temp-<pid>.rdb`, is flushed
//! and fsynced, is renamed over the dump file (atomic within a
//! directory), and the directory is fsynced so the rename itself is on
//! disk.

use super::Failed;
use keyspace::Keyspace;
use std::fs::File;
use std::io::{self, Write};

/// Bytes written between two fsyncs with `rdb-save-incremental-fsync`
/// (rio.h `REDIS_AUTOSYNC_BYTES`), so the kernel never holds a huge
/// dirty backlog that stalls the disk at the final fsync.
const AUTOSYNC_BYTES: u64 = 4 * 1024 * 1024;

/// Everything a snapshot writer needs besides the keyspace, so a forked
/// child can write without the engine.
#[derive(Debug, Clone)]
pub struct SnapshotParams {
    /// `rdbcompression`, `rdbchecksum`, LRU idle times.
    pub opts: rdb::SaveOptions,
    /// The AUX fields, with the replication position if any.
    pub aux: rdb::AuxFields,
    /// `rdb-key-save-delay`: µs to sleep after each key; a negative `-n`
    /// sleeps 1 µs once in `n` keys (debug.c `debugDelay`). Tests use it
    /// to make a save last.
    pub key_save_delay: i64,
    /// `rdb-save-incremental-fsync`: fsync every 4 MiB while writing.
    pub incremental_fsync: bool,
}

/// debug.c `debugDelay`: sleeps `usec` µs; a negative `-n` sleeps 1 µs
/// with probability 1/n, so tiny average delays cost no syscall per key.
pub fn debug_delay(usec: i64) {
    let usec = if usec < 0 {
        i64::from(rand::random::<u64>().is_multiple_of(usec.unsigned_abs()))
    } else {
        usec
    };
    if usec > 0 {
        std::thread::sleep(std::time::Duration::from_micros(usec as u64));
    }
}

/// Writes `ks` as one RDB image to `w` (rdb.c `rdbSaveRio`). Returns the
/// writer.
pub fn write_snapshot<W: Write>(w: W, ks: &Keyspace, params: &SnapshotParams) -> io::Result<W> {
    let delay = params.key_save_delay;
    rdb::save_each(w, ks, params.opts, &params.aux, || {
        if delay != 0 {
            debug_delay(delay);
        }
    })
}

/// The temp file a process with this pid saves to (rdb.c `rdbSave`).
fn temp_name(pid: u32) -> String {
    format!("temp-{pid}.rdb")
}

/// Removes the temp file of a save child that was killed (rdb.c
/// `rdbRemoveTempFile`).
pub fn remove_temp_file(pid: i32) {
    let _ = std::fs::remove_file(temp_name(pid as u32));
}

/// The working directory for error messages, "unknown" if unreadable.
fn cwd() -> String {
    std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

/// A file that fsyncs every [`AUTOSYNC_BYTES`] when asked to (rio.c
/// `rioFileWrite` with `autosync`).
struct AutoSync {
    file: File,
    every: Option<u64>,
    since_sync: u64,
}

impl Write for AutoSync {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        if let Some(every) = self.every {
            self.since_sync += n as u64;
            if self.since_sync >= every {
                self.file.sync_data()?;
                self.since_sync = 0;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// rdb.c `rdbSave`: writes `ks` to `temp-<our pid>.rdb` in the working
/// directory, fsyncs it, renames it over `filename` and fsyncs the
/// directory; logs "DB saved on disk", or the failure as Redis words it
/// (removing the temp file).
pub fn save_to_file(ks: &Keyspace, filename: &str, params: &SnapshotParams) -> Result<(), Failed> {
    let tmp = temp_name(std::process::id());
    let file = match File::create(&tmp) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(
                "Failed opening the temp RDB file {tmp} (in server root dir {}) for saving: {}",
                cwd(),
                conf::strerror(&e)
            );
            return Err(Failed);
        }
    };
    let out = AutoSync {
        file,
        every: params.incremental_fsync.then_some(AUTOSYNC_BYTES),
        since_sync: 0,
    };
    let written = write_snapshot(out, ks, params)
        .map_err(|e| ("rdbSaveRio", e))
        .and_then(|mut out| out.flush().map(|_| out).map_err(|e| ("fflush", e)))
        .and_then(|out| out.file.sync_all().map_err(|e| ("fsync", e)));
    if let Err((op, e)) = written {
        tracing::warn!(
            "Write error saving DB on disk({op}): {}",
            conf::strerror(&e)
        );
        let _ = std::fs::remove_file(&tmp);
        return Err(Failed);
    }
    if let Err(e) = std::fs::rename(&tmp, filename) {
        tracing::warn!(
            "Error moving temp DB file {tmp} on the final destination {filename} (in server root dir {}): {}",
            cwd(),
            conf::strerror(&e)
        );
        let _ = std::fs::remove_file(&tmp);
        return Err(Failed);
    }
    if let Err(e) = fsync_dir_of(filename) {
        tracing::warn!(
            "Write error saving DB on disk(fsyncFileDir): {}",
            conf::strerror(&e)
        );
        return Err(Failed);
    }
    tracing::info!("DB saved on disk");
    Ok(())
}

/// util.c `fsyncFileDir`: makes a rename in the directory of `filename`
/// durable.
fn fsync_dir_of(filename: &str) -> io::Result<()> {
    let dir = match std::path::Path::new(filename).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    //! Goal: a save leaves exactly the dump file (no temp file), loadable
    //! to the same keys; a failed rename leaves the old file untouched.
    //! Reference: rdb.c `rdbSave`.
    use super::*;
    use keyspace::Value;

    fn params() -> SnapshotParams {
        SnapshotParams {
            opts: rdb::SaveOptions::default(),
            aux: rdb::AuxFields::new(0, 0),
            key_save_delay: 0,
            incremental_fsync: true,
        }
    }

    /// Saves are relative to the working directory, as in Redis, so this
    /// test changes it; it is the only test of the crate that touches
    /// files, and it does both cases itself.
    #[test]
    fn save_and_failed_rename() {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_current_dir(dir.path()).unwrap();
        let mut ks = Keyspace::new(16);
        ks.dbs[3].add(b"k", Value::from_bytes(b"v"));
        save_to_file(&ks, "dump.rdb", &params()).unwrap();
        let names: Vec<String> = std::fs::read_dir(".")
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["dump.rdb".to_string()]);
        let bytes = std::fs::read("dump.rdb").unwrap();
        let (loaded, _) = rdb::load_keyspace(&bytes[..], &rdb::LoadOptions::default()).unwrap();
        assert!(loaded.dbs[3].contains(b"k"));

        // A directory in the way of the rename: the save fails, the temp
        // file is gone, nothing else changed.
        std::fs::create_dir_all("blocked.rdb/x").unwrap();
        assert!(save_to_file(&ks, "blocked.rdb", &params()).is_err());
        assert!(!std::path::Path::new(&temp_name(std::process::id())).exists());
        assert_eq!(std::fs::read("dump.rdb").unwrap(), bytes);
    }

    #[test]
    fn negative_delay_is_cheap() {
        // -1000000 sleeps on about one call in a million: a thousand calls
        // finish at once.
        let start = std::time::Instant::now();
        (0..1000).for_each(|_| debug_delay(-1_000_000));
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }
}
