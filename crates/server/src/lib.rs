//! The async shell around the engine: listeners, connections, the cron
//! timer, signals and shutdown. The only crate that touches tokio, sockets
//! and clocks (with the binary).
//!
//! One `current_thread` runtime runs everything, as Redis runs one event
//! loop: a batch of commands borrows the engine without locking, and on a
//! 2-core machine the other core is left to the clients.

mod conn;
pub mod fork;
mod host;
mod load;
pub mod log;
mod logo;
mod replica;
mod shutdown;
pub mod syscheck;

use commands::{Engine, Identity, Mode};
use conf::Config;
use rand::Rng;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// State shared by every task of the process.
pub struct Shared {
    /// The engine; borrowed for one batch at a time, never across an await.
    pub engine: RefCell<Engine>,
    /// Signalled when SHUTDOWN was requested by a client.
    pub shutdown: Notify,
}

/// What the binary hands over after parsing the command line and config.
pub struct Launch {
    /// The loaded configuration.
    pub config: Config,
    /// Server or sentinel.
    pub mode: Mode,
    /// Absolute path of the config file, if any.
    pub config_file: Option<String>,
    /// Absolute path of the executable.
    pub executable: String,
}

pub(crate) use commands::persist::rdb_load_options;

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A new 40-hex-character run id.
pub fn new_run_id() -> String {
    let mut rng = rand::thread_rng();
    (0..40)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// Runs the server until shutdown; returns the process exit code.
pub fn run(launch: Launch) -> i32 {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::warn!("Failed creating the event loop: {e}");
            return 1;
        }
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, serve(launch))
}

async fn serve(launch: Launch) -> i32 {
    let Launch {
        config,
        mode,
        config_file,
        executable,
    } = launch;
    let port = config.int("port") as u16;
    log::set_role(if mode == Mode::Sentinel { b'X' } else { b'M' });
    tracing::info!("monotonic clock: POSIX clock_gettime");
    let bind = config.bind();
    if bind.is_empty() {
        tracing::warn!("Configured to not listen anywhere, exiting.");
        return 1;
    }
    let listeners = match bind_all(&bind, port).await {
        Ok(l) => l,
        Err(()) => {
            tracing::warn!("Failed listening on port {port} (tcp), aborting.");
            return 1;
        }
    };
    let mode_name = if mode == Mode::Sentinel {
        "sentinel"
    } else {
        "standalone"
    };
    let show_logo = config.bool("always-show-logo")
        || (config.string("logfile").is_empty()
            && std::io::IsTerminal::is_terminal(&std::io::stdout()));
    if show_logo {
        log::raw(&logo::render(mode_name, port, std::process::id()));
    } else {
        tracing::info!("Running mode={mode_name}, port={port}.");
    }
    let pidfile = config.string("pidfile");
    let identity = Identity {
        run_id: new_run_id(),
        mode,
        pid: std::process::id(),
        executable,
        config_file: config_file.unwrap_or_default(),
        start_ms: now_ms(),
        tcp_port: port,
    };
    let seed = rand::thread_rng().gen();
    let replicaof = config.replicaof();
    let mut engine = Engine::new(config, identity, Box::new(host::ProcessHost), seed);
    if let Some((host, port)) = replicaof {
        engine.set_master(host, port, now_ms());
    }
    let shared = Rc::new(Shared {
        engine: RefCell::new(engine),
        shutdown: Notify::new(),
    });
    shared.engine.borrow_mut().persist.children =
        Some(Box::new(fork::ProcessChildren::new(Rc::downgrade(&shared))));
    if !pidfile.is_empty() {
        if let Err(e) = std::fs::write(&pidfile, format!("{}\n", std::process::id())) {
            tracing::warn!("Failed to write PID file: {e}");
        }
    }
    if mode == Mode::Standalone {
        tracing::warn!("Server initialized");
    }
    let mut signals = shutdown::Signals::install();
    for listener in listeners {
        tokio::task::spawn_local(accept_loop(listener, shared.clone()));
    }
    match load::load_at_startup(&shared, &mut signals).await {
        Ok(true) => {}
        Ok(false) => return shutdown::finish(&pidfile, mode),
        Err(code) => return code,
    }
    tokio::task::spawn_local(cron(shared.clone()));
    tokio::task::spawn_local(replica::link_cron(shared.clone()));
    // 7.0.15 prints no transport after this; 7.2 added " tcp". Both kinds
    // of scripts grep for the prefix, so the longer line satisfies both.
    tracing::info!("Ready to accept connections tcp");
    shutdown::wait(&shared, &mut signals).await;
    shutdown::finish(&pidfile, mode)
}

/// Binds every `bind` address; an address prefixed with `-` may fail
/// (Redis's optional bind). Any other failure aborts start-up.
async fn bind_all(addrs: &[String], port: u16) -> Result<Vec<TcpListener>, ()> {
    let mut listeners = Vec::new();
    for addr in addrs {
        let (optional, host) = match addr.strip_prefix('-') {
            Some(h) => (true, h),
            None => (false, addr.as_str()),
        };
        let host = match host {
            "*" => "0.0.0.0",
            "::*" => "::",
            h => h,
        };
        let sock: SocketAddr = match format!("{host}:{port}")
            .parse()
            .or_else(|_| format!("[{host}]:{port}").parse())
        {
            Ok(s) => s,
            Err(_) => {
                tracing::warn!("Warning: Could not create server TCP listening socket {host}:{port}: Invalid address");
                return Err(());
            }
        };
        match listen(sock) {
            Ok(l) => listeners.push(l),
            Err(e)
                if optional
                    && matches!(
                        e.kind(),
                        std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::Unsupported
                    ) => {}
            Err(e) if optional && e.raw_os_error() == Some(libc::EAFNOSUPPORT) => {}
            Err(e) => {
                let why = if e.kind() == std::io::ErrorKind::AddrInUse {
                    "bind: Address already in use".to_string()
                } else {
                    format!("bind: {e}")
                };
                tracing::warn!(
                    "Warning: Could not create server TCP listening socket {host}:{port}: {why}"
                );
                return Err(());
            }
        }
    }
    Ok(listeners)
}

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let domain = socket2::Domain::for_address(addr);
    let sock = socket2::Socket::new(domain, socket2::Type::STREAM, None)?;
    sock.set_reuse_address(true)?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    sock.listen(511)?;
    TcpListener::from_std(sock.into())
}

async fn accept_loop(listener: TcpListener, shared: Rc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::task::spawn_local(conn::serve(stream, shared.clone()));
            }
            Err(e) => {
                tracing::warn!("Accepting client connection: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}

/// serverCron: runs `hz` times a second.
async fn cron(shared: Rc<Shared>) {
    loop {
        let hz = shared.engine.borrow().cached.hz.max(1) as u64;
        tokio::time::sleep(std::time::Duration::from_millis(1000 / hz)).await;
        let now = now_ms();
        let mut eng = shared.engine.borrow_mut();
        log::set_role(match (eng.identity.mode, eng.role.is_replica()) {
            (Mode::Sentinel, _) => b'X',
            (_, true) => b'S',
            _ => b'M',
        });
        eng.cron(now);
        close_idle_clients(&mut eng, now);
    }
}

/// clientsCron's timeout check: closes clients idle for `timeout` seconds.
fn close_idle_clients(eng: &mut Engine, now: i64) {
    let timeout_ms = eng.cached.idle_timeout_s * 1000;
    if timeout_ms <= 0 {
        return;
    }
    for c in eng.clients.values() {
        let Ok(mut c) = c.try_borrow_mut() else {
            continue;
        };
        if c.flags.replica || c.flags.master || c.flags.monitor {
            continue;
        }
        if now - c.last_interaction_ms > timeout_ms && !c.flags.close_asap {
            tracing::debug!("Closing idle client");
            c.flags.close_asap = true;
            c.wake();
        }
    }
}
