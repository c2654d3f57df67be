use super::{load_err, loaded};
use crate::{parse_argv, Config};

#[test]
fn error_block_matches_redis_exactly() {
    // Goal: the FATAL block is byte-for-byte Redis's, with the trimmed line
    // and 1-based line number.
    // Reference: config.c loadServerConfigFromString, label loaderr.
    let want = "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
                Reading the configuration file, at line 2\n\
                >>> 'no-such-option \"1\"'\n\
                Bad directive or wrong number of arguments\n";
    assert_eq!(load_err("port 7000\n  no-such-option \"1\"  \n"), want);
}

#[test]
fn argv_options_continue_the_line_numbers_of_the_file() {
    // Goal: `redis-server --port 17003 --no-such-option 1` reports line 3:
    // an empty file, the "\n" separator, then one line per option.
    // Reference: server.c main() + config.c loadServerConfig (verified
    // against redis-server 7.0.15).
    let args: Vec<String> = ["--port", "17003", "--no-such-option", "1"]
        .map(String::from)
        .into();
    let argv = parse_argv(&args).unwrap();
    let text = format!("\n{}", argv.text_options);
    let want = "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
                Reading the configuration file, at line 3\n\
                >>> 'no-such-option \"1\"'\n\
                Bad directive or wrong number of arguments\n";
    assert_eq!(load_err(&text), want);
}

#[test]
fn single_argument_parameters_check_their_arity() {
    // Goal: a normal parameter with other than one argument is refused.
    // Reference: config.c "wrong number of arguments".
    assert!(
        load_err("maxmemory 1 2\n").ends_with(">>> 'maxmemory 1 2'\nwrong number of arguments\n")
    );
    assert!(load_err("port\n").ends_with("wrong number of arguments\n"));
}

#[test]
fn repeated_save_lines_accumulate_and_save_empty_clears() {
    // Goal: the first `save` line drops the defaults, later ones add
    // points; `save ""` clears; no `save` line keeps the defaults.
    // Reference: config.c setConfigSaveOption (reading_config_file).
    assert_eq!(
        loaded("").save_params(),
        vec![(3600, 1), (300, 100), (60, 10000)]
    );
    assert_eq!(
        loaded("save 100 1\nsave 200 2\n").save_params(),
        vec![(100, 1), (200, 2)]
    );
    assert_eq!(
        loaded("save 100 1\nsave \"\"\nsave 200 2\n").save_params(),
        vec![(200, 2)]
    );
    assert_eq!(loaded("save \"\"\n").save_params(), vec![]);
    assert_eq!(loaded("save 10 1 20 2\n").get("save").unwrap(), "10 1 20 2");
    // One quoted argument is split (config.c: `--save "60 1"`).
    assert_eq!(
        loaded("save \"10 1 20 2\"\n").save_params(),
        vec![(10, 1), (20, 2)]
    );
    assert!(load_err("save 10\n").ends_with("Invalid save parameters\n"));
    assert!(load_err("save 0 1\n").ends_with("Invalid save parameters\n"));
}

#[test]
fn include_parses_another_file_in_place() {
    // Goal: `include` reads a file where it stands (later lines override),
    // globs include every match, and a missing file is fatal with Redis's
    // log message.
    // Reference: config.c loadServerConfig (include, glob).
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.conf");
    std::fs::write(&a, "port 7100\nhz 30\n").unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("d/1.conf"), "maxclients 11\n").unwrap();
    std::fs::write(dir.path().join("d/2.conf"), "maxclients 12\n").unwrap();
    let text = format!(
        "include {}\nport 7200\ninclude {}/d/*.conf\ninclude {}/none/*.conf\n",
        a.display(),
        dir.path().display(),
        dir.path().display()
    );
    let c = loaded(&text);
    assert_eq!(c.int("port"), 7200);
    assert_eq!(c.int("hz"), 30);
    assert_eq!(c.int("maxclients"), 12);

    let missing = dir.path().join("missing.conf");
    let mut c = Config::new(false);
    let e = c
        .load_str(&format!("include {}\n", missing.display()))
        .unwrap_err();
    assert!(e.log_only);
    assert_eq!(
        e.to_string(),
        format!(
            "Fatal error, can't open config file '{}': No such file or directory\n",
            missing.display()
        )
    );
}

#[test]
fn errors_inside_an_included_file_report_its_own_line() {
    // Goal: the line number and text of an error come from the included file.
    // Reference: config.c include -> loadServerConfigFromString.
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.conf");
    std::fs::write(&a, "port 1\nbogus\n").unwrap();
    let e = load_err(&format!("\n\n\ninclude {}\n", a.display()));
    assert!(e.contains("at line 2\n>>> 'bogus'\n"), "{e}");
}

#[test]
fn rename_command_user_and_loadmodule_are_collected() {
    // Goal: directives that are not parameters are kept in order for the
    // crates that apply them.
    // Reference: config.c rename-command / user / loadmodule branches.
    let c = loaded("rename-command CONFIG \"\"\nrename-command flushall wipe\nuser bob on >p ~*\nloadmodule /m.so a b\n");
    assert_eq!(
        c.renamed_commands(),
        vec![
            ("CONFIG".to_string(), String::new()),
            ("flushall".to_string(), "wipe".to_string())
        ]
    );
    assert_eq!(c.users(), vec![vec!["bob", "on", ">p", "~*"]]);
    assert_eq!(c.load_modules(), vec![vec!["/m.so", "a", "b"]]);
    assert!(
        load_err("rename-command a\n").ends_with("Bad directive or wrong number of arguments\n")
    );
    assert!(load_err("user\n").ends_with("Bad directive or wrong number of arguments\n"));
    assert!(load_err("mod.opt\n").ends_with("Module config specified without value\n"));
}

#[test]
fn deprecated_directives_are_accepted_and_ignored() {
    // Goal: Redis 7.0 still swallows a few removed directives.
    // Reference: config.c deprecated_configs.
    loaded("list-max-ziplist-entries 512\nlist-max-ziplist-value 64\nlua-replicate-commands yes\n");
}

#[test]
fn sentinel_lines_need_sentinel_mode() {
    // Goal: `sentinel ...` lines are collected raw in sentinel mode and are
    // an error in server mode; a bare `sentinel` (from --sentinel) is
    // ignored in both.
    // Reference: config.c "sentinel directive while not in sentinel mode".
    let text =
        "sentinel\nsentinel monitor m 127.0.0.1 6379 2\nsentinel down-after-milliseconds m 5000\n";
    let mut s = Config::new(true);
    s.load_str(text).unwrap();
    assert_eq!(
        s.sentinel_lines(),
        vec![
            vec!["monitor", "m", "127.0.0.1", "6379", "2"],
            vec!["down-after-milliseconds", "m", "5000"]
        ]
    );
    assert_eq!(s.int("port"), 26379);
    let e = load_err(text);
    assert!(e.ends_with(">>> 'sentinel monitor m 127.0.0.1 6379 2'\nsentinel directive while not in sentinel mode\n"), "{e}");
}

#[test]
fn whole_config_checks_run_after_the_last_line() {
    // Goal: replicaof with cluster-enabled is refused without a line number;
    // hz is capped to 1..500; the log file must be openable.
    // Reference: config.c loadServerConfigFromString sanity checks.
    assert_eq!(
        load_err("cluster-enabled yes\nreplicaof 10.0.0.1 6379\n"),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode\n"
    );
    assert_eq!(loaded("hz 1000\n").int("hz"), 500);
    assert_eq!(loaded("hz 0\n").int("hz"), 1);
    assert!(load_err("logfile /nonexistent-dir/x.log\n")
        .ends_with("Can't open the log file: No such file or directory\n"));
}

#[test]
fn replicaof_parses_host_port_and_no_one() {
    // Goal: `replicaof host port` (or its alias slaveof) sets the master,
    // `no one` clears it, a bad port is refused.
    // Reference: config.c setConfigReplicaOfOption.
    let c = loaded("slaveof 10.0.0.1 6380\n");
    assert_eq!(c.replicaof(), Some(("10.0.0.1".to_string(), 6380)));
    assert_eq!(c.string("replicaof"), "10.0.0.1 6380");
    assert_eq!(
        loaded("replicaof a 1\nreplicaof no one\n").replicaof(),
        None
    );
    assert!(load_err("replicaof a b\n").ends_with("Invalid master port\n"));
    assert!(load_err("replicaof a\n").ends_with("wrong number of arguments\n"));
}
