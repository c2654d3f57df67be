use super::{cwd_lock, loaded};
use crate::Config;

fn set(c: &mut Config, pairs: &[(&str, &str)]) -> Result<Vec<&'static str>, String> {
    let p: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(a, b)| (a.as_bytes(), b.as_bytes()))
        .collect();
    c.set(&p)
}

#[test]
fn error_texts_match_redis() {
    // Goal: every CONFIG SET failure reads exactly like Redis 7.0.15's.
    // Reference: config.c configSetCommand (texts verified with redis-cli).
    let mut c = Config::new(false);
    let cases = [
        ("foo", "bar", "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
        ("daemonize", "yes", "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"),
        ("slaveof", "a 1", "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set immutable config"),
        ("dir", "/tmp", "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"),
        ("maxmemory", "foo", "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"),
        ("hz", "abc", "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"),
        ("appendonly", "maybe", "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"),
        ("loglevel", "foo", "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning"),
        ("port", "70000", "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive"),
        ("save", "1", "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"),
        ("notify-keyspace-events", "q", "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
        ("oom-score-adj-values", "1", "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments"),
        ("client-output-buffer-limit", "foo", "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration."),
        ("shutdown-on-sigint", "save nosave", "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously"),
        ("latency-tracking-info-percentiles", "101", "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
    ];
    for (name, value, want) in cases {
        assert_eq!(
            set(&mut c, &[(name, value)]).unwrap_err(),
            want,
            "{name} {value}"
        );
    }
}

#[test]
fn set_is_all_or_nothing() {
    // Goal: when any pair fails nothing changes, and the first problem is
    // the one reported.
    // Reference: config.c configSetCommand (restoreBackupConfig).
    let mut c = Config::new(false);
    let e = set(&mut c, &[("maxmemory", "1mb"), ("hz", "abc")]).unwrap_err();
    assert!(e.contains("'hz'"));
    assert_eq!(c.int("maxmemory"), 0);
    let e = set(
        &mut c,
        &[("maxmemory", "1mb"), ("nope", "1"), ("daemonize", "yes")],
    )
    .unwrap_err();
    assert_eq!(
        e,
        "ERR Unknown option or number of arguments for CONFIG SET - 'nope'"
    );
    assert_eq!(c.int("maxmemory"), 0);
    let e = set(&mut c, &[("maxmemory", "1"), ("maxmemory", "2")]).unwrap_err();
    assert_eq!(
        e,
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"
    );
    assert_eq!(
        set(&mut c, &[("maxmemory", "1mb"), ("hz", "20")]).unwrap(),
        vec!["maxmemory", "hz"]
    );
    assert_eq!(c.int("hz"), 20);
}

#[test]
fn set_returns_only_changed_canonical_names() {
    // Goal: aliases report their canonical name; unchanged values are not
    // reported; an alias and its canonical name are not duplicates.
    // Reference: config.c (set returns 2 when nothing changed).
    let mut c = Config::new(false);
    assert_eq!(
        set(&mut c, &[("slave-priority", "5")]).unwrap(),
        vec!["replica-priority"]
    );
    assert_eq!(c.int("replica-priority"), 5);
    assert!(set(&mut c, &[("replica-priority", "5")])
        .unwrap()
        .is_empty());
    set(
        &mut c,
        &[("replica-priority", "1"), ("slave-priority", "2")],
    )
    .unwrap();
    assert_eq!(c.int("replica-priority"), 2);
}

#[test]
fn special_values_are_canonicalised() {
    // Goal: values read back in Redis's canonical spelling.
    // Reference: notify.c keyspaceEventsFlagsToString; config.c get functions.
    let mut c = Config::new(false);
    set(&mut c, &[("notify-keyspace-events", "KEA")]).unwrap();
    assert_eq!(c.string("notify-keyspace-events"), "AKE");
    set(&mut c, &[("notify-keyspace-events", "Exg$")]).unwrap();
    assert_eq!(c.string("notify-keyspace-events"), "g$xE");
    set(&mut c, &[("notify-keyspace-events", "AKEn")]).unwrap();
    assert_eq!(c.string("notify-keyspace-events"), "AKE");
    set(&mut c, &[("shutdown-on-sigterm", "now SAVE")]).unwrap();
    assert_eq!(c.string("shutdown-on-sigterm"), "save now");
    set(&mut c, &[("oom-score-adj", "relative")]).unwrap();
    assert_eq!(c.string("oom-score-adj"), "yes");
    set(
        &mut c,
        &[("latency-tracking-info-percentiles", "50 99.90 1e1")],
    )
    .unwrap();
    assert_eq!(c.string("latency-tracking-info-percentiles"), "50 99.9 10");
    set(&mut c, &[("hz", "600")]).unwrap();
    assert_eq!(c.int("hz"), 500);
}

#[test]
fn multi_argument_values_split_on_single_spaces() {
    // Goal: CONFIG SET save/bind/client-output-buffer-limit split the value
    // on spaces; save replaces the list; "" empties it; a double space makes
    // an empty argument; unnamed buffer classes keep their limits.
    // Reference: config.c performInterfaceSet (sdssplitlen).
    let mut c = loaded("save 1 1\nsave 2 2\n");
    set(&mut c, &[("save", "300 5")]).unwrap();
    assert_eq!(c.save_params(), vec![(300, 5)]);
    set(&mut c, &[("save", "")]).unwrap();
    assert!(c.save_params().is_empty());
    assert!(set(&mut c, &[("save", "1  2")]).is_err());
    set(&mut c, &[("bind", "127.0.0.1 ::1")]).unwrap();
    assert_eq!(c.bind(), vec!["127.0.0.1", "::1"]);
    set(
        &mut c,
        &[("client-output-buffer-limit", "normal 1mb 2mb 3")],
    )
    .unwrap();
    assert_eq!(
        c.string("client-output-buffer-limit"),
        "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
    );
    set(&mut c, &[("client-output-buffer-limit", "replica 1 2 3")]).unwrap();
    assert_eq!(c.client_output_buffer_limits()[1].hard_bytes, 1);
}

#[test]
fn protected_configs_follow_enable_protected_configs() {
    // Goal: dir/dbfilename need enable-protected-configs yes (or local for
    // a local client); setting dir changes the working directory.
    // Reference: config.c PROTECTED_CONFIG, setConfigDirOption (chdir).
    let _g = cwd_lock();
    let before = std::env::current_dir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut c = loaded("enable-protected-configs local\n");
    let p: &[(&[u8], &[u8])] = &[(b"dbfilename", b"x.rdb")];
    assert!(c
        .set_from(p, false)
        .unwrap_err()
        .contains("can't set protected config"));
    c.set_from(p, true).unwrap();
    let canon = tmp.path().canonicalize().unwrap();
    set(&mut c, &[("dir", tmp.path().to_str().unwrap())]).unwrap();
    assert_eq!(std::env::current_dir().unwrap(), canon);
    assert_eq!(c.string("dir"), canon.display().to_string());
    // A failing pair later in the command puts the directory back.
    let e = set(&mut c, &[("dir", before.to_str().unwrap()), ("hz", "x")]).unwrap_err();
    assert!(e.contains("'hz'"));
    assert_eq!(std::env::current_dir().unwrap(), canon);
    let e = set(&mut c, &[("dir", "/nonexistent-dir")]).unwrap_err();
    assert!(e.ends_with("- No such file or directory"), "{e}");
    std::env::set_current_dir(before).unwrap();
}

#[test]
fn force_set_bypasses_immutability() {
    // Goal: REPLICAOF changes the immutable replicaof parameter through
    // force_set, so CONFIG REWRITE persists it.
    // Reference: replication.c replicaofCommand sets server.masterhost.
    let mut c = Config::new(false);
    c.force_set("replicaof", &["10.0.0.1", "6379"]).unwrap();
    assert_eq!(c.replicaof(), Some(("10.0.0.1".to_string(), 6379)));
    c.force_set("replicaof", &["no", "one"]).unwrap();
    assert_eq!(c.replicaof(), None);
}
