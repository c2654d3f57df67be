use crate::table::{HIDDEN, TABLE};
use crate::Config;

#[test]
fn get_star_lists_every_visible_name_and_alias() {
    // Goal: CONFIG GET * returns all 192 names Redis 7.0.15 returns:
    // canonical names and aliases, hidden parameters left out.
    // Reference: config.c configGetCommand (verified against redis-server).
    let c = Config::new(false);
    let all = c.get_matching(&[b"*"]);
    assert_eq!(all.len(), 192);
    assert!(all.iter().any(|(n, _)| *n == "slave-priority"));
    assert!(all.iter().any(|(n, _)| *n == "lua-time-limit"));
    for d in TABLE.iter().filter(|d| d.flags & HIDDEN != 0) {
        assert!(
            !all.iter().any(|(n, _)| *n == d.name),
            "{} is hidden",
            d.name
        );
    }
}

#[test]
fn defaults_print_like_redis() {
    // Goal: special parameters print their defaults as Redis 7.0.15 does.
    // Reference: config.c get functions of special configs.
    let c = Config::new(false);
    let get = |n: &str| c.get(n).unwrap();
    assert_eq!(get("save"), "3600 1 300 100 60 10000");
    assert_eq!(
        get("client-output-buffer-limit"),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
    );
    assert_eq!(get("bind"), "* -::*");
    assert_eq!(c.bind(), vec!["*", "-::*"]);
    assert_eq!(get("oom-score-adj-values"), "0 200 800");
    assert_eq!(get("latency-tracking-info-percentiles"), "50 99 99.9");
    assert_eq!(get("notify-keyspace-events"), "");
    assert_eq!(get("replicaof"), "");
    assert_eq!(get("slaveof"), "");
    assert_eq!(get("port"), "6379");
    assert_eq!(get("maxmemory-policy"), "noeviction");
    assert_eq!(
        get("proc-title-template"),
        "{title} {listen-addr} {server-mode}"
    );
    assert_eq!(get("pidfile"), "");
    assert_eq!(get("requirepass"), "");
    assert!(std::path::Path::new(&get("dir")).is_absolute());
    assert_eq!(c.get("no-such-thing"), None);
}

#[test]
fn sentinel_mode_defaults() {
    // Goal: sentinel mode starts on port 26379 with protected mode off.
    // Reference: sentinel.c initSentinelConfig.
    let c = Config::new(true);
    assert_eq!(c.int("port"), 26379);
    assert!(!c.bool("protected-mode"));
    assert!(c.is_sentinel());
}

#[test]
fn aliases_match_globs_and_exact_names() {
    // Goal: 'slave*' finds the alias names; an exact name (any case) finds
    // canonical names, aliases and hidden parameters; a name is reported once.
    // Reference: config.c configGetCommand.
    let c = Config::new(false);
    let names: Vec<&str> = c
        .get_matching(&[b"slave*"])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for n in [
        "slave-priority",
        "slaveof",
        "slave-read-only",
        "slave-announce-ip",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    let exact = c.get_matching(&[
        b"SLAVE-PRIORITY",
        b"slave-priority",
        b"slave*",
        b"watchdog-period",
    ]);
    assert_eq!(
        exact.iter().filter(|(n, _)| *n == "slave-priority").count(),
        1
    );
    assert!(exact
        .iter()
        .any(|(n, v)| *n == "watchdog-period" && v == "0"));
    assert!(c.get_matching(&[b"watchdog*"]).is_empty());
    let mm: Vec<&str> = c
        .get_matching(&[b"MAXMEM*"])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(mm.len(), 5);
}

#[test]
fn glob_supports_classes_and_escapes() {
    // Goal: the pattern language is Redis's stringmatchlen.
    // Reference: util.c stringmatchlen.
    use crate::util::stringmatch;
    assert!(stringmatch(b"h?", b"hz", false));
    assert!(stringmatch(b"[a-c]x", b"bx", false));
    assert!(stringmatch(b"[^a-c]x", b"dx", false));
    assert!(!stringmatch(b"[^a-c]x", b"ax", false));
    assert!(stringmatch(b"a\\*", b"a*", false));
    assert!(!stringmatch(b"a\\*", b"ab", false));
    assert!(stringmatch(b"*-max-*", b"hash-max-listpack-value", false));
    assert!(stringmatch(b"HZ", b"hz", true));
}

#[test]
fn typed_accessors_read_values() {
    // Goal: int/bool/string read any parameter by canonical name or alias.
    // Reference: the server reads its fields directly; these stand in.
    let c = super::loaded("slave-priority 7\nmaxmemory-policy allkeys-lru\nappendonly yes\n");
    assert_eq!(c.int("replica-priority"), 7);
    assert_eq!(c.int("slave-priority"), 7);
    assert_eq!(c.int("maxmemory-policy"), 5);
    assert_eq!(c.string("maxmemory-policy"), "allkeys-lru");
    assert!(c.bool("appendonly"));
    assert_eq!(c.int("appendonly"), 1);
}

#[test]
#[should_panic(expected = "unknown config parameter")]
fn unknown_names_panic_in_accessors() {
    // Goal: asking for a parameter that does not exist is a programming error.
    // Reference: none (Rust API contract).
    Config::new(false).int("no-such-parameter");
}
