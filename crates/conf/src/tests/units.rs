use super::{load_err, loaded};
use crate::parse_memory;

#[test]
fn memory_units_follow_memtoll() {
    // Goal: k/m/g are powers of 1000, kb/mb/gb powers of 1024, any case,
    // plain numbers are bytes, a sign is allowed.
    // Reference: util.c memtoll.
    assert_eq!(parse_memory("1k"), Some(1000));
    assert_eq!(parse_memory("1kb"), Some(1024));
    assert_eq!(parse_memory("1m"), Some(1_000_000));
    assert_eq!(parse_memory("1MB"), Some(1 << 20));
    assert_eq!(parse_memory("2g"), Some(2_000_000_000));
    assert_eq!(parse_memory("2Gb"), Some(2 << 30));
    assert_eq!(parse_memory("123"), Some(123));
    assert_eq!(parse_memory("5b"), Some(5));
    assert_eq!(parse_memory("-5mb"), Some(-5 << 20));
    assert_eq!(parse_memory("1x"), None);
    assert_eq!(parse_memory("1 kb"), None);
    assert_eq!(parse_memory(""), None);
}

#[test]
fn memory_parameters_are_printed_as_plain_bytes() {
    // Goal: CONFIG GET prints memory values as bytes whatever unit was used.
    // Reference: config.c numericConfigGet (MEMORY_CONFIG -> ull2string).
    let c = loaded("maxmemory 2GB\nrepl-backlog-size 1kb\nproto-max-bulk-len 2M\n");
    assert_eq!(c.string("maxmemory"), "2147483648");
    assert_eq!(c.string("repl-backlog-size"), "1024");
    assert_eq!(c.int("proto-max-bulk-len"), 2_000_000);
}

#[test]
fn memory_parameters_refuse_signs_and_garbage() {
    // Goal: memtoull refuses a sign, so maxmemory -1 is an error.
    // Reference: util.c memtoull; config.c numericParseString.
    assert!(load_err("maxmemory -1\n").ends_with("argument must be a memory value\n"));
    assert!(load_err("maxmemory 0x10\n").ends_with("argument must be a memory value\n"));
}

#[test]
fn maxmemory_clients_takes_a_percentage() {
    // Goal: N% is stored as -N and printed back as N%; over 100% is refused.
    // Reference: config.c PERCENT_CONFIG handling.
    let c = loaded("maxmemory-clients 5%\n");
    assert_eq!(c.string("maxmemory-clients"), "5%");
    assert_eq!(c.int("maxmemory-clients"), -5);
    assert!(load_err("maxmemory-clients 101%\n")
        .ends_with("percentage argument must be less or equal to 100\n"));
    assert!(
        load_err("maxmemory-clients x\n").ends_with("argument must be a memory or percent value\n")
    );
}

#[test]
fn integers_are_strict_and_bounded() {
    // Goal: integers reject "+5", "05", "1.5"; out-of-range values name the
    // bounds; unsigned bounds print as unsigned.
    // Reference: util.c string2ll; config.c numericBoundaryCheck.
    for bad in ["+5", "05", "1.5", " 5", "-0"] {
        let e = load_err(&format!("hz \"{bad}\"\n"));
        assert!(
            e.ends_with("argument couldn't be parsed into an integer\n"),
            "{bad}: {e}"
        );
    }
    assert!(load_err("port 70000\n").ends_with("argument must be between 0 and 65535 inclusive\n"));
    assert!(load_err("maxclients 0\n")
        .ends_with("argument must be between 1 and 4294967295 inclusive\n"));
    assert!(load_err("slowlog-log-slower-than -2\n")
        .ends_with("argument must be between -1 and 9223372036854775807 inclusive\n"));
}

#[test]
fn unixsocketperm_is_octal() {
    // Goal: unixsocketperm is read and printed in octal, bounded by 777.
    // Reference: config.c OCTAL_CONFIG.
    let c = loaded("unixsocketperm 700\n");
    assert_eq!(c.string("unixsocketperm"), "700");
    assert_eq!(c.int("unixsocketperm"), 0o700);
    assert!(load_err("unixsocketperm 999\n")
        .ends_with("argument couldn't be parsed as an octal number\n"));
    assert!(load_err("unixsocketperm 1000\n")
        .ends_with("argument must be between 0 and 777 inclusive\n"));
}
