use crate::{parse_argv, Argv};

fn argv(args: &[&str]) -> Argv {
    let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    parse_argv(&v).unwrap()
}

#[test]
fn first_argument_is_the_config_file() {
    // Goal: a first argument not starting with '-' is the config file; the
    // options become lines with every value quoted by sdscatrepr.
    // Reference: server.c main() option parsing.
    let a = argv(&["/etc/redis.conf", "--port", "6380", "--logfile", "a b"]);
    assert_eq!(a.config_file.as_deref(), Some("/etc/redis.conf"));
    assert_eq!(a.text_options, "port \"6380\" \nlogfile \"a b\" ");
    assert!(!a.sentinel_flag);
}

#[test]
fn options_only_and_multiple_values() {
    // Goal: without a file the options still build lines; a value list
    // stays on its option's line; quotes inside values are escaped.
    // Reference: server.c main(); verified with `redis-server --loglevel 'x"y'`.
    let a = argv(&["--save", "900", "1", "--loglevel", "x\"y"]);
    assert_eq!(a.config_file, None);
    assert_eq!(a.text_options, "save \"900\" \"1\" \nloglevel \"x\\\"y\" ");
}

#[test]
fn bare_save_means_save_empty() {
    // Goal: `--save` with no value (last, or before another option) is
    // `save ""`, as Redis 7.0.1+ restored.
    // Reference: server.c main() special case for --save.
    assert_eq!(argv(&["--save"]).text_options, "save \"\"");
    assert_eq!(
        argv(&["--save", "--port", "1"]).text_options,
        "save \"\"\nport \"1\" "
    );
}

#[test]
fn sentinel_flag_is_recognised_and_kept_as_a_bare_line() {
    // Goal: --sentinel selects sentinel mode; it stays as a bare `sentinel`
    // line (ignored by the loader) so later line numbers match Redis.
    // Reference: server.c checkForSentinelMode and main().
    let a = argv(&["/s.conf", "--sentinel", "--port", "26380"]);
    assert!(a.sentinel_flag);
    assert_eq!(a.text_options, "sentinel \nport \"26380\" ");
    assert_eq!(argv(&["/s.conf", "--sentinel"]).text_options, "sentinel ");
}

#[test]
fn stdin_and_single_argument_options() {
    // Goal: "-" first or last means stdin; "--port 6380" in one argument is
    // copied raw; an option name without value takes the next argument
    // even if it starts with "--".
    // Reference: server.c main().
    assert_eq!(
        argv(&["-", "--port", "1"]).config_file.as_deref(),
        Some("-")
    );
    assert_eq!(
        argv(&["--port", "1", "-"]).config_file.as_deref(),
        Some("-")
    );
    assert_eq!(argv(&["--port 6380"]).text_options, "port 6380 ");
    assert_eq!(
        argv(&["--requirepass", "--x"]).text_options,
        "requirepass \"--x\" "
    );
}
