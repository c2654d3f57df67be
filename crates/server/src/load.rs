//! Loading the dump file at start-up (server.c `loadDataFromDisk`), with
//! the listeners already open: between steps of
//! `loading-process-events-interval-bytes` the other tasks run, so
//! clients connect and are answered (`-LOADING` for commands not flagged
//! `loading`, INFO with the progress), as Redis answers them from
//! `processEventsWhileBlocked`.
//!
//! A file that cannot be loaded completely stops the server with exit
//! code 1 after Redis's log lines; no half-loaded dataset is ever served.

use crate::shutdown::{on_signal, Signals};
use crate::{now_ms, Shared};
use commands::persist::load::LoadError;
use commands::Mode;
use std::time::Instant;

/// Loads `dir`/`dbfilename` if it exists: true when the server may go
/// on, false when a shutdown was asked for meanwhile (SHUTDOWN, a
/// signal: the load stopped and nothing was saved). `Err` carries the
/// exit code of a failed load.
pub(crate) async fn load_at_startup(shared: &Shared, signals: &mut Signals) -> Result<bool, i32> {
    if shared.engine.borrow().identity.mode == Mode::Sentinel {
        return Ok(true);
    }
    let start = Instant::now();
    let opened = shared.engine.borrow_mut().begin_loading(now_ms());
    let mut loader = match opened {
        Ok(Some(loader)) => loader,
        Ok(None) => return Ok(true),
        Err(e) => return Err(fail(&e, 0)),
    };
    loop {
        let step = shared.engine.borrow_mut().load_step(&mut loader);
        match step {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => return Err(fail(&e, loader.progress_bytes())),
        }
        tokio::select! {
            biased;
            sigint = signals.next() => on_signal(shared, sigint),
            _ = tokio::task::yield_now() => {}
        }
        if shared.engine.borrow().shutdown.is_some() {
            return Ok(false);
        }
    }
    shared.engine.borrow_mut().finish_loading(&loader);
    tracing::info!(
        "DB loaded from disk: {:.3} seconds",
        start.elapsed().as_secs_f64()
    );
    Ok(true)
}

/// Logs a failed load as Redis does and gives the exit code.
fn fail(e: &LoadError, offset: u64) -> i32 {
    e.log(offset);
    if let Some(reason) = e.errno_text() {
        tracing::warn!("Fatal error loading the DB: {reason}. Exiting.");
    }
    1
}
