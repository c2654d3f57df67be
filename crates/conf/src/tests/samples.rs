use super::cwd_lock;
use crate::table::{Kind, Special, HIDDEN, MULTI_ARG, TABLE};
use crate::util::repr;
use crate::Config;

const REDIS_CONF: &str = include_str!("../../../../redis.conf");
const SENTINEL_CONF: &str = include_str!("../../../../sentinel.conf");

#[test]
fn sample_redis_conf_loads_at_defaults() {
    // Goal: the sample redis.conf parses and leaves every parameter at its
    // default (it documents defaults), port included.
    // Reference: Redis's redis.conf, which real redis-server also accepts.
    let _g = cwd_lock();
    let mut c = Config::new(false);
    c.load_str(REDIS_CONF).unwrap_or_else(|e| panic!("{e}"));
    let defaults = Config::new(false);
    assert_eq!(c.get_matching(&[b"*"]), defaults.get_matching(&[b"*"]));
}

#[test]
fn sample_redis_conf_mentions_every_parameter() {
    // Goal: every visible parameter appears in the sample, as a directive
    // or a commented example.
    // Reference: config.c static_configs[].
    for d in TABLE.iter().filter(|d| d.flags & HIDDEN == 0) {
        let mentioned = REDIS_CONF.lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.split_whitespace().next() == Some(d.name)
        });
        assert!(mentioned, "{} is missing from redis.conf", d.name);
    }
}

#[test]
fn sample_sentinel_conf_loads_in_sentinel_mode_only() {
    // Goal: sentinel.conf parses in sentinel mode with its monitor line
    // collected, and is refused in server mode.
    // Reference: config.c sentinel directive handling.
    let _g = cwd_lock();
    let before = std::env::current_dir().unwrap();
    let mut s = Config::new(true);
    let loaded = s.load_str(SENTINEL_CONF);
    std::env::set_current_dir(&before).unwrap();
    loaded.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.int("port"), 26379);
    assert_eq!(
        s.sentinel_lines()[0],
        vec!["monitor", "mymaster", "127.0.0.1", "6379", "2"]
    );
    let e = Config::new(false).load_str(SENTINEL_CONF).unwrap_err();
    assert_eq!(e.reason, "sentinel directive while not in sentinel mode");
}

#[test]
fn every_table_name_is_accepted_as_a_directive() {
    // Goal: every parameter and alias in the table can be written in a
    // config file with its printed value (so CONFIG GET output can be fed
    // back), covering the directives of Debian's /etc/redis/redis.conf.
    // Reference: config.c loadServerConfigFromString.
    let _g = cwd_lock();
    let defaults = Config::new(false);
    for d in TABLE {
        for name in std::iter::once(d.name).chain(d.alias) {
            let v = defaults.get(name).unwrap();
            let args = match d.kind {
                Kind::Special(Special::ReplicaOf) => "no one".to_string(),
                _ if d.flags & MULTI_ARG != 0 && !v.is_empty() => v.clone(),
                _ => repr(v.as_bytes()),
            };
            let mut c = Config::new(false);
            c.load_str(&format!("{name} {args}\n"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(c.get(name).unwrap(), v, "{name}");
        }
    }
}
