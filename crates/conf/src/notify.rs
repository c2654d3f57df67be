//! `notify-keyspace-events` flags (notify.c `keyspaceEventsStringToFlags`
//! and `keyspaceEventsFlagsToString`). The bit values are Redis's
//! `NOTIFY_*` constants, which `Config::int("notify-keyspace-events")`
//! returns.

/// `K`: publish on `__keyspace@<db>__:<key>`.
pub const NOTIFY_KEYSPACE: i64 = 1 << 0;
/// `E`: publish on `__keyevent@<db>__:<event>`.
pub const NOTIFY_KEYEVENT: i64 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const NOTIFY_GENERIC: i64 = 1 << 2;
/// `$`: string commands.
pub const NOTIFY_STRING: i64 = 1 << 3;
/// `l`: list commands.
pub const NOTIFY_LIST: i64 = 1 << 4;
/// `s`: set commands.
pub const NOTIFY_SET: i64 = 1 << 5;
/// `h`: hash commands.
pub const NOTIFY_HASH: i64 = 1 << 6;
/// `z`: sorted set commands.
pub const NOTIFY_ZSET: i64 = 1 << 7;
/// `x`: expired events.
pub const NOTIFY_EXPIRED: i64 = 1 << 8;
/// `e`: evicted events.
pub const NOTIFY_EVICTED: i64 = 1 << 9;
/// `t`: stream commands.
pub const NOTIFY_STREAM: i64 = 1 << 10;
/// `m`: key-miss events (not part of `A`).
pub const NOTIFY_KEY_MISS: i64 = 1 << 11;
/// Module key type events (no letter of its own).
pub const NOTIFY_LOADED: i64 = 1 << 12;
/// `d`: module key type events.
pub const NOTIFY_MODULE: i64 = 1 << 13;
/// `n`: new key events (not part of `A`).
pub const NOTIFY_NEW: i64 = 1 << 14;
/// `A`: alias for `g$lshzxetd`.
pub const NOTIFY_ALL: i64 = NOTIFY_GENERIC
    | NOTIFY_STRING
    | NOTIFY_LIST
    | NOTIFY_SET
    | NOTIFY_HASH
    | NOTIFY_ZSET
    | NOTIFY_EXPIRED
    | NOTIFY_EVICTED
    | NOTIFY_STREAM
    | NOTIFY_MODULE;

/// Parses class characters; `None` on any unknown character.
pub fn string_to_flags(s: &[u8]) -> Option<i64> {
    let mut flags = 0;
    for &c in s {
        flags |= match c {
            b'A' => NOTIFY_ALL,
            b'g' => NOTIFY_GENERIC,
            b'$' => NOTIFY_STRING,
            b'l' => NOTIFY_LIST,
            b's' => NOTIFY_SET,
            b'h' => NOTIFY_HASH,
            b'z' => NOTIFY_ZSET,
            b'x' => NOTIFY_EXPIRED,
            b'e' => NOTIFY_EVICTED,
            b'K' => NOTIFY_KEYSPACE,
            b'E' => NOTIFY_KEYEVENT,
            b't' => NOTIFY_STREAM,
            b'm' => NOTIFY_KEY_MISS,
            b'd' => NOTIFY_MODULE,
            b'n' => NOTIFY_NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// The canonical spelling: `A` when every class of `A` is set, then `K`,
/// `E`, `m` (so "KEA" reads back as "AKE").
pub fn flags_to_string(flags: i64) -> String {
    let mut s = String::new();
    if flags & NOTIFY_ALL == NOTIFY_ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (NOTIFY_GENERIC, 'g'),
            (NOTIFY_STRING, '$'),
            (NOTIFY_LIST, 'l'),
            (NOTIFY_SET, 's'),
            (NOTIFY_HASH, 'h'),
            (NOTIFY_ZSET, 'z'),
            (NOTIFY_EXPIRED, 'x'),
            (NOTIFY_EVICTED, 'e'),
            (NOTIFY_STREAM, 't'),
            (NOTIFY_MODULE, 'd'),
            (NOTIFY_NEW, 'n'),
        ] {
            if flags & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [
        (NOTIFY_KEYSPACE, 'K'),
        (NOTIFY_KEYEVENT, 'E'),
        (NOTIFY_KEY_MISS, 'm'),
    ] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}
