use super::{load_err, loaded};

#[test]
fn double_quotes_understand_c_escapes() {
    // Goal: quoted arguments are unescaped like Redis does.
    // Reference: sds.c sdssplitargs via config.c loadServerConfigFromString.
    let c = loaded("masterauth \"a b\\x41\\n\"\nmasteruser 'it\\'s'\n");
    assert_eq!(c.string("masterauth"), "a bA\n");
    assert_eq!(c.string("masteruser"), "it's");
}

#[test]
fn unbalanced_quotes_are_fatal_with_the_line() {
    // Goal: an unterminated quote, or a closing quote glued to more text,
    // stops the load at that line.
    // Reference: config.c "Unbalanced quotes in configuration line".
    let want = "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
                Reading the configuration file, at line 2\n\
                >>> 'masterauth \"abc'\n\
                Unbalanced quotes in configuration line\n";
    assert_eq!(load_err("port 7000\nmasterauth \"abc\n"), want);
    assert!(load_err("masterauth \"a\"b\n").contains("Unbalanced quotes"));
}

#[test]
fn comments_blanks_whitespace_and_crlf_are_skipped() {
    // Goal: '#' lines, empty lines, surrounding blanks and CR are ignored;
    // only a '#' at the start of the (trimmed) line starts a comment.
    // Reference: config.c sdstrim(lines[i], " \t\r\n").
    let c = loaded("# comment\n\n   \t\n   port 7001   \r\n\thz 20\r\n");
    assert_eq!(c.int("port"), 7001);
    assert_eq!(c.int("hz"), 20);
}

#[test]
fn directive_names_are_case_insensitive() {
    // Goal: MAXMEMORY and maxmemory are the same directive.
    // Reference: config.c sdstolower(argv[0]).
    let c = loaded("MAXMEMORY 1mb\nAppendOnly yes\n");
    assert_eq!(c.int("maxmemory"), 1 << 20);
    assert!(c.bool("appendonly"));
}

#[test]
fn booleans_accept_only_yes_and_no_in_any_case() {
    // Goal: YES/No are booleans; anything else is the bool error.
    // Reference: config.c yesnotoi / boolConfigSet.
    assert!(loaded("protected-mode NO\n").get("protected-mode") == Some("no".into()));
    assert!(load_err("daemonize 1\n").ends_with("argument must be 'yes' or 'no'\n"));
}
