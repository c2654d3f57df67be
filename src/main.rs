//! `redis-server`: decides the mode once, reads the command line and the
//! config file, then hands over to the server crate.
//!
//! Sentinel mode when the executable's name contains `redis-sentinel` (the
//! symlink Redis's Makefile installs) or any argument is `--sentinel`
//! (server.c `checkForSentinelMode`).

use commands::Mode;
use std::io::Read;
use std::path::Path;
use std::process::exit;

const VERSION_LINE: &str =
    "Redis server v=7.0.15 sha=00000000:0 malloc=libc bits=64 build=0000000000000000";

fn usage() -> ! {
    eprintln!(
        "Usage: ./redis-server [/path/to/redis.conf] [options] [-]
       ./redis-server - (read config from stdin)
       ./redis-server -v or --version
       ./redis-server -h or --help
       ./redis-server --test-memory <megabytes>
       ./redis-server --check-system

Examples:
       ./redis-server (run the server with default conf)
       echo 'maxmemory 128mb' | ./redis-server -
       ./redis-server /etc/redis/6379.conf
       ./redis-server --port 7777
       ./redis-server --port 7777 --replicaof 127.0.0.1 8888
       ./redis-server /etc/myredis.conf --loglevel verbose -
       ./redis-server /etc/myredis.conf --loglevel verbose

Sentinel mode:
       ./redis-server /etc/sentinel.conf --sentinel"
    );
    exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let argv0 = args.first().cloned().unwrap_or_default();
    let sentinel = Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().contains("redis-sentinel"))
        .unwrap_or(false)
        || args.iter().skip(1).any(|a| a == "--sentinel");
    if args.len() == 2 {
        match args[1].as_str() {
            "-v" | "--version" => {
                println!("{VERSION_LINE}");
                exit(0);
            }
            "-h" | "--help" => usage(),
            "--check-system" => exit(server::syscheck::check_system()),
            _ => {}
        }
    }
    if args.get(1).map(String::as_str) == Some("--test-memory") {
        match args.get(2).filter(|_| args.len() == 3) {
            Some(mb) => exit(server::syscheck::test_memory(mb.parse().unwrap_or(0))),
            None => {
                eprintln!("Please specify the amount of memory to test in megabytes.");
                eprintln!("Example: ./redis-server --test-memory 4096\n");
                exit(1);
            }
        }
    }
    server::log::init();
    let mode = if sentinel {
        Mode::Sentinel
    } else {
        Mode::Standalone
    };
    server::log::set_role(if sentinel { b'X' } else { b'C' });
    let argv = match conf::parse_argv(&args[1..]) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            exit(1);
        }
    };
    let mut text = String::new();
    if let Some(file) = &argv.config_file {
        let read = if file == "-" {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map(|_| s)
        } else {
            std::fs::read_to_string(file)
        };
        match read {
            Ok(s) => text = s,
            Err(e) => {
                tracing::warn!(
                    "Fatal error, can't open config file '{file}': {}",
                    strerror(&e)
                );
                exit(1);
            }
        }
    }
    text.push('\n');
    text.push_str(&argv.text_options);
    // Resolved before the config is applied: `dir` changes the working
    // directory, and CONFIG REWRITE must find the file given.
    let config_file = argv
        .config_file
        .as_ref()
        .filter(|f| f.as_str() != "-")
        .map(|f| {
            std::fs::canonicalize(f)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| f.clone())
        });
    let mut config = conf::Config::new(sentinel);
    if let Err(e) = config.load_str(&text) {
        eprint!("{e}");
        exit(1);
    }
    server::log::configure(&config.string("loglevel"), &config.string("logfile"));
    if sentinel {
        check_sentinel_config(config_file.as_deref());
    }
    tracing::warn!("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    tracing::warn!(
        "Redis version=7.0.15, bits=64, commit=00000000, modified=0, pid={}, just started",
        std::process::id()
    );
    if args.len() == 1 {
        tracing::warn!(
            "Warning: no config file specified, using the default config. In order to specify a config file use {argv0} /path/to/redis.conf"
        );
    } else {
        tracing::warn!("Configuration loaded");
    }
    let executable = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or(argv0);
    let code = server::run(server::Launch {
        config,
        mode,
        config_file,
        executable,
    });
    exit(code);
}

/// sentinel.c `sentinelCheckConfigFile`: Sentinel saves its state in its
/// config file, so it refuses to start without a writable one.
fn check_sentinel_config(file: Option<&str>) {
    let Some(file) = file else {
        tracing::warn!("Sentinel needs config file on disk to save state. Exiting...");
        exit(1);
    };
    if let Err(e) = std::fs::OpenOptions::new().append(true).open(file) {
        tracing::warn!(
            "Sentinel config file {file} is not writable: {}. Exiting...",
            strerror(&e)
        );
        exit(1);
    }
}

/// The C library's text for an I/O error, without Rust's "(os error N)".
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
