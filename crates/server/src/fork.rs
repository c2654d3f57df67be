//! Snapshot children: `fork(2)` a copy of the server that writes the
//! keyspace as an RDB while the parent goes on serving (rdb.c
//! `rdbSaveBackground`, server.c `redisFork`).
//!
//! Forking is safe here because the server is one thread (a
//! `current_thread` runtime): the child is a consistent copy of the whole
//! process at one instant between two batches, and the operating system
//! shares its pages copy-on-write, so the parent pays only for the pages
//! it modifies while the child runs. The child never returns into the
//! runtime: it writes, reports, and `_exit`s.
//!
//! [`fork_snapshot`] is the reusable primitive. [`ProcessChildren`] is the
//! engine's [`ChildHost`]: BGSAVE, the save points, SHUTDOWN and the full
//! syncs of replicas go through it, so the engine counts the child as its
//! one snapshot child (INFO, "already in progress", reaping in cron). For
//! a diskless full sync it also reads the child's pipe asynchronously
//! ([`read_transfer_pipe`]) and hands the bytes to the engine.

use commands::persist::{
    save_to_file, write_snapshot, ChildExit, ChildHost, ExitHow, Forked, SnapshotJob,
    SnapshotTarget, SIGUSR1,
};
use keyspace::Keyspace;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::rc::Weak;
use std::time::Instant;
use tokio::io::AsyncReadExt;

/// A child started by [`fork_snapshot`].
#[derive(Debug)]
pub struct SnapshotChild {
    /// Its pid: reap it with `waitpid`.
    pub pid: i32,
    /// How long `fork()` took, µs.
    pub fork_usec: u64,
    /// Read end of a pipe on which a child that succeeded writes its
    /// copy-on-write size (8 bytes, little endian) before exiting; read
    /// it with [`read_cow_report`] once the child has exited.
    pub report: OwnedFd,
}

/// Forks a child that writes `ks` as `job` says, then exits with 0 on
/// success and 1 on failure:
///
/// * [`SnapshotTarget::File`]: `temp-<childpid>.rdb` in the working
///   directory, fsynced, renamed over the given name, directory fsynced;
///   "DB saved on disk" or the error is logged by the child, with the
///   child's pid and role `C`, as in Redis.
/// * [`SnapshotTarget::Fd`]: the bare RDB stream written to the
///   descriptor (a pipe, or a replica's socket; non-blocking is fine: the
///   child waits with `poll(2)`), which the child then closes. Framing
///   such as `$EOF:<mark>` is the caller's: write it before the fork and
///   after the child exits.
///
/// The job's descriptors are closed in the parent when this returns. In
/// the child every other descriptor (listeners, clients) is closed, so a
/// client the parent disconnects sees its connection close at once and a
/// restarted server can bind its port while an old child still writes.
/// `SIGTERM` and `SIGINT` get their default action in the child, and the
/// parent stops it with [`SIGUSR1`].
///
/// Call it between batches (never while a `RefCell` of the engine is
/// half-updated): the child sees the keyspace exactly as it is.
pub fn fork_snapshot(ks: &Keyspace, job: SnapshotJob) -> io::Result<SnapshotChild> {
    let (report_read, report_write) = pipe()?;
    let start = Instant::now();
    // SAFETY: the process is single-threaded (see the module comment), so
    // the child may run ordinary code; it leaves through `_exit` only.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        child_main(ks, job, report_write);
    }
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    let fork_usec = start.elapsed().as_micros() as u64;
    drop(job);
    drop(report_write);
    Ok(SnapshotChild {
        pid,
        fork_usec,
        report: report_read,
    })
}

/// The copy-on-write bytes an exited child reported, if it did.
pub fn read_cow_report(report: OwnedFd) -> Option<u64> {
    let mut buf = [0u8; 8];
    File::from(report).read_exact(&mut buf).ok()?;
    Some(u64::from_le_bytes(buf))
}

/// A pipe whose ends are closed on exec: (read, write).
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two descriptors into `fds`.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned here only.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The child: write, report, exit.
fn child_main(ks: &Keyspace, job: SnapshotJob, report: OwnedFd) -> ! {
    crate::log::set_role(b'C');
    // SAFETY: resetting dispositions and naming the process have no
    // preconditions.
    unsafe {
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::signal(SIGUSR1, libc::SIG_DFL);
        libc::prctl(libc::PR_SET_NAME, c"redis-rdb-bgsave".as_ptr());
    }
    let mut keep = vec![report.as_raw_fd()];
    if let SnapshotTarget::Fd(fd) = &job.target {
        keep.push(fd.as_raw_fd());
    }
    close_other_fds(&keep);
    let ok = match job.target {
        SnapshotTarget::File(name) => save_to_file(ks, &name, &job.params).is_ok(),
        SnapshotTarget::Fd(fd) => match write_snapshot(Waiting(File::from(fd)), ks, &job.params) {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!("Write error sending DB to replica: {}", conf::strerror(&e));
                false
            }
        },
    };
    if ok {
        report_cow(report);
    }
    // SAFETY: `_exit` ends the process without running the parent's
    // destructors or flushing its buffers a second time.
    unsafe { libc::_exit(if ok { 0 } else { 1 }) }
}

/// A descriptor written as if it were blocking: when it would block,
/// the child waits for it with `poll(2)`. (Its flags are shared with the
/// parent's copy, so O_NONBLOCK is left as it is.)
struct Waiting(File);

impl Write for Waiting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match self.0.write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let mut p = libc::pollfd {
                        fd: self.0.as_raw_fd(),
                        events: libc::POLLOUT,
                        revents: 0,
                    };
                    // SAFETY: poll reads and writes only `p`.
                    unsafe { libc::poll(&mut p, 1, -1) };
                }
                r => return r,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Closes every descriptor above stderr except `keep` (server.c
/// `closeChildUnusedResourceAfterFork` closes the listeners).
fn close_other_fds(keep: &[RawFd]) {
    let fds: Vec<RawFd> = match std::fs::read_dir("/proc/self/fd") {
        Ok(dir) => dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect(),
        Err(_) => return,
    };
    for fd in fds {
        if fd > 2 && !keep.contains(&fd) {
            // SAFETY: closing a descriptor nothing in the child uses again
            // (the directory handle above is already closed: EBADF).
            unsafe { libc::close(fd) };
        }
    }
}

/// server.c `sendChildCowInfo`: logs the memory this child's pages cost
/// by being copied (its `Private_Dirty`), and sends it to the parent.
fn report_cow(report: OwnedFd) {
    let bytes = private_dirty_bytes();
    let mb = bytes >> 20;
    tracing::info!("Fork CoW for RDB: current {mb} MB, peak {mb} MB, average {mb} MB");
    let _ = File::from(report).write_all(&bytes.to_le_bytes());
}

/// `Private_Dirty` of this process in bytes (zmalloc.c
/// `zmalloc_get_private_dirty`), from /proc/self/smaps_rollup.
fn private_dirty_bytes() -> u64 {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("Private_Dirty:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// How much of a transfer pipe is read at once.
const TRANSFER_CHUNK: usize = 64 * 1024;

/// Reads the pipe of diskless transfer child `pid` (replication.c
/// `rdbPipeReadHandler`) and hands each chunk to the engine, borrowing it
/// only between reads; stops when the engine no longer wants it, at the
/// pipe's end, or on a read error (which the engine reports).
pub(crate) async fn read_transfer_pipe(shared: Weak<crate::Shared>, pid: i32, read: OwnedFd) {
    let mut rx = match tokio::net::unix::pipe::Receiver::from_owned_fd(read) {
        Ok(rx) => rx,
        Err(e) => {
            if let Some(shared) = shared.upgrade() {
                let now = crate::now_ms();
                shared
                    .engine
                    .borrow_mut()
                    .rdb_pipe_closed(pid, Some(e), now);
            }
            return;
        }
    };
    let mut buf = vec![0u8; TRANSFER_CHUNK];
    loop {
        let read = rx.read(&mut buf).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut eng = shared.engine.borrow_mut();
        match read {
            Ok(0) => return eng.rdb_pipe_closed(pid, None, crate::now_ms()),
            Ok(n) if eng.rdb_pipe_data(pid, &buf[..n]) => {}
            Ok(_) => return,
            Err(e) => return eng.rdb_pipe_closed(pid, Some(e), crate::now_ms()),
        }
    }
}

/// The engine's [`ChildHost`]: real processes, reaped with `waitpid`.
#[derive(Debug, Default)]
pub struct ProcessChildren {
    /// The report pipe of each running child.
    reports: HashMap<i32, OwnedFd>,
    /// The server, for the readers of transfer pipes.
    shared: Weak<crate::Shared>,
}

impl ProcessChildren {
    /// The children of the server `shared`.
    pub(crate) fn new(shared: Weak<crate::Shared>) -> ProcessChildren {
        ProcessChildren {
            reports: HashMap::new(),
            shared,
        }
    }

    /// How child `pid` ended, from its wait status, with its report.
    fn exited(&mut self, pid: i32, status: libc::c_int) -> ChildExit {
        let how = if libc::WIFSIGNALED(status) {
            ExitHow::Signal(libc::WTERMSIG(status))
        } else {
            ExitHow::Code(libc::WEXITSTATUS(status))
        };
        ChildExit {
            how,
            cow_bytes: self.reports.remove(&pid).and_then(read_cow_report),
        }
    }

    /// `waitpid(pid)` with `flags`; a child that cannot be waited for
    /// (reaped elsewhere) counts as failed rather than running forever.
    fn wait(&mut self, pid: i32, flags: libc::c_int) -> Option<ChildExit> {
        let mut status = 0;
        // SAFETY: waitpid writes only into `status`.
        let r = unsafe { libc::waitpid(pid, &mut status, flags) };
        if r == pid {
            return Some(self.exited(pid, status));
        }
        if r < 0 {
            let e = io::Error::last_os_error();
            tracing::warn!(
                "waitpid() returned an error: {}. child_type: RDB, child_pid = {pid}",
                conf::strerror(&e)
            );
            self.reports.remove(&pid);
            return Some(ChildExit {
                how: ExitHow::Code(1),
                cow_bytes: None,
            });
        }
        None
    }
}

impl ChildHost for ProcessChildren {
    fn fork_snapshot(&mut self, ks: &Keyspace, job: SnapshotJob) -> io::Result<Forked> {
        let child = fork_snapshot(ks, job)?;
        self.reports.insert(child.pid, child.report);
        Ok(Forked {
            pid: child.pid,
            fork_usec: child.fork_usec,
        })
    }

    fn try_reap(&mut self, pid: i32) -> Option<ChildExit> {
        self.wait(pid, libc::WNOHANG)
    }

    fn kill(&mut self, pid: i32) -> Option<ChildExit> {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(pid, SIGUSR1) };
        self.wait(pid, 0)
    }

    fn transfer_pipe(&mut self) -> io::Result<(OwnedFd, OwnedFd)> {
        pipe()
    }

    fn read_transfer(&mut self, pid: i32, read: OwnedFd) {
        tokio::task::spawn_local(read_transfer_pipe(self.shared.clone(), pid, read));
    }
}

#[cfg(test)]
mod tests {
    //! Goal: a forked child streams exactly the RDB of the keyspace at the
    //! fork into a (non-blocking) pipe, and a child can be killed and
    //! reaped with SIGUSR1. Reference: rdb.c `rdbSaveToSlavesSockets`,
    //! `killRDBChild`.
    use super::*;
    use commands::persist::SnapshotParams;
    use keyspace::Value;

    fn job(fd: OwnedFd, key_save_delay: i64) -> SnapshotJob {
        SnapshotJob {
            target: SnapshotTarget::Fd(fd),
            params: SnapshotParams {
                opts: rdb::SaveOptions::default(),
                aux: rdb::AuxFields::new(0, 0),
                key_save_delay,
                incremental_fsync: false,
            },
        }
    }

    /// A pipe whose write end is non-blocking, as tokio's are.
    fn nonblocking_pipe() -> (File, OwnedFd) {
        let (r, w) = pipe().unwrap();
        // SAFETY: setting a flag on a descriptor we own.
        unsafe { libc::fcntl(w.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
        (File::from(r), w)
    }

    #[test]
    fn child_streams_the_keyspace_into_a_pipe() {
        let mut ks = Keyspace::new(16);
        // More than a pipe holds (64 KiB), so the child meets EAGAIN.
        for i in 0..2000 {
            let value = format!("{i:0>100}");
            ks.dbs[i % 3].add(
                format!("key:{i}").as_bytes(),
                Value::from_bytes(value.as_bytes()),
            );
        }
        let (mut read, write) = nonblocking_pipe();
        let mut children = ProcessChildren::default();
        let forked = children.fork_snapshot(&ks, job(write, 0)).unwrap();
        // The child changes nothing here: the parent's keyspace can move on.
        ks.dbs[0].clear();
        let mut bytes = Vec::new();
        read.read_to_end(&mut bytes).unwrap();
        let exit = poll_exit(&mut children, forked.pid);
        assert_eq!(exit.how, ExitHow::Code(0));
        assert!(exit.cow_bytes.is_some());
        let (loaded, info) = rdb::load_keyspace(&bytes[..], &rdb::LoadOptions::default()).unwrap();
        assert_eq!(info.keys_loaded, 2000);
        assert_eq!(loaded.dbs[0].len(), 667);
    }

    #[test]
    fn killed_child_is_reaped_as_signalled() {
        let mut ks = Keyspace::new(16);
        ks.dbs[0].add(b"a", Value::from_bytes(b"1"));
        ks.dbs[0].add(b"b", Value::from_bytes(b"2"));
        let (_read, write) = nonblocking_pipe();
        let mut children = ProcessChildren::default();
        // A second per key: the child is still writing when killed.
        let forked = children.fork_snapshot(&ks, job(write, 1_000_000)).unwrap();
        assert_eq!(children.try_reap(forked.pid), None);
        let exit = children.kill(forked.pid).unwrap();
        assert_eq!(exit.how, ExitHow::Signal(SIGUSR1));
        assert_eq!(exit.cow_bytes, None);
    }

    /// Polls `try_reap` until the child has exited (bounded).
    fn poll_exit(children: &mut ProcessChildren, pid: i32) -> ChildExit {
        let end = Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(exit) = children.try_reap(pid) {
                return exit;
            }
            assert!(Instant::now() < end, "child {pid} did not exit");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
