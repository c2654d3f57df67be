//! Unit tests, one file per idea. Each test names its goal and the Redis
//! behaviour it pins.

mod argv;
mod get;
mod load;
mod rewrite;
mod samples;
mod set;
mod tokenize;
mod units;

use crate::Config;
use std::sync::{Mutex, MutexGuard};

/// The working directory is process-wide and `dir` changes it, so tests
/// that set `dir` (or load a file that does) hold this lock.
static CWD: Mutex<()> = Mutex::new(());

/// Takes the working-directory lock, surviving a panicked holder.
pub fn cwd_lock() -> MutexGuard<'static, ()> {
    CWD.lock().unwrap_or_else(|e| e.into_inner())
}

/// A server-mode config loaded from `text`, which must be valid.
pub fn loaded(text: &str) -> Config {
    let mut c = Config::new(false);
    c.load_str(text)
        .unwrap_or_else(|e| panic!("load failed: {e}"));
    c
}

/// The error text of loading `text` in server mode.
pub fn load_err(text: &str) -> String {
    let mut c = Config::new(false);
    c.load_str(text).expect_err("load should fail").to_string()
}
