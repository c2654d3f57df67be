//! Signals and the wait for shutdown (server.c `sigShutdownHandler` and
//! the `shutdown_asap` branch of `serverCron`).
//!
//! SIGTERM and SIGINT shut down the way SHUTDOWN does, with the flags of
//! `shutdown-on-sigterm` / `shutdown-on-sigint`: the dataset is saved
//! first when save points are set, and when that save fails the server
//! logs "Error trying to save the DB, can't exit." and keeps running.

use crate::{log, now_ms, Shared};
use commands::Mode;
use tokio::signal::unix::{signal, Signal, SignalKind};

/// The shutdown signals, installed once at start-up so that a signal
/// during loading is caught too.
pub(crate) struct Signals {
    term: Option<Signal>,
    int: Option<Signal>,
}

impl Signals {
    /// Installs the handlers; a signal that cannot be handled keeps its
    /// default action.
    pub(crate) fn install() -> Signals {
        Signals {
            term: signal(SignalKind::terminate()).ok(),
            int: signal(SignalKind::interrupt()).ok(),
        }
    }

    /// The next SIGTERM (false) or SIGINT (true).
    pub(crate) async fn next(&mut self) -> bool {
        async fn recv(s: &mut Option<Signal>) {
            let received = match s {
                Some(s) => s.recv().await.is_some(),
                None => false,
            };
            if !received {
                std::future::pending::<()>().await;
            }
        }
        tokio::select! {
            _ = recv(&mut self.term) => false,
            _ = recv(&mut self.int) => true,
        }
    }
}

/// A shutdown signal arrived: log it as the signal handler does, then
/// shut down as `shutdown-on-sig*` says. If the final save fails, the
/// engine has logged why and the server goes on.
pub(crate) fn on_signal(shared: &Shared, sigint: bool) {
    let mut eng = shared.engine.borrow_mut();
    log::signal_line(match (eng.persist.loading.is_some(), sigint) {
        (true, _) => "Received shutdown signal during loading, scheduling shutdown.",
        (false, true) => "Received SIGINT scheduling shutdown...",
        (false, false) => "Received SIGTERM scheduling shutdown...",
    });
    let req = eng.signal_shutdown_request(sigint);
    let _ = eng.prepare_shutdown(req, now_ms());
}

/// Returns once a SHUTDOWN command or a signal has prepared the shutdown
/// (the final save done): the caller exits.
pub(crate) async fn wait(shared: &Shared, signals: &mut Signals) {
    loop {
        if shared.engine.borrow().shutdown.is_some() {
            return;
        }
        tokio::select! {
            sigint = signals.next() => on_signal(shared, sigint),
            _ = shared.shutdown.notified() => {}
        }
    }
}

/// The last steps of server.c `finishShutdown`, once the dataset is
/// saved: the pid file goes, the last line is logged. Returns the exit
/// code.
pub(crate) fn finish(pidfile: &str, mode: Mode) -> i32 {
    if !pidfile.is_empty() {
        tracing::info!("Removing the pid file.");
        let _ = std::fs::remove_file(pidfile);
    }
    if mode == Mode::Sentinel {
        tracing::warn!("Sentinel is now ready to exit, bye bye...");
    } else {
        tracing::warn!("Redis is now ready to exit, bye bye...");
    }
    0
}
