//! The small C helpers config.c leans on, with their exact leniencies:
//! `string2ll` (strict), `strtoll` with an end-of-string check (lenient),
//! `memtoull`, `sdscatrepr`, `stringmatchlen` and `string2d`.

/// util.c `string2ll`: an optional '-', then digits with no leading zero
/// (except "0" itself), nothing else, no overflow. "+5", " 5", "05" and
/// "-0" are all refused.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// `strtoll(s, &end, base)` followed by the usual `*end == '\0'` check:
/// leading blanks and a sign are allowed, an empty string is 0, and an
/// out-of-range value saturates (errno is not looked at by these callers).
pub fn strtoll_full(s: &[u8], base: u32) -> Option<i64> {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: i128 = 0;
    while i < s.len() {
        let Some(d) = (s[i] as char).to_digit(base) else {
            break;
        };
        v = (v * i128::from(base) + i128::from(d)).min(i128::from(u64::MAX) + 1);
        i += 1;
    }
    if i == start {
        // No digits: strtoll leaves the end pointer at the very start.
        return if s.is_empty() { Some(0) } else { None };
    }
    if i != s.len() {
        return None;
    }
    let v = if neg { -v } else { v };
    Some(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// util.c `memtoull`: digits followed by an optional unit (`b`, `k`=1000,
/// `kb`=1024, `m`, `mb`, `g`, `gb`, any case). No sign is allowed. As in C,
/// an empty number is 0, an overflowing number saturates and the unit
/// multiplication wraps.
pub fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = &s[digits..];
    let mul: u64 = match unit.to_ascii_lowercase().as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &s[..digits] {
        v = v.saturating_mul(10).saturating_add(u64::from(c - b'0'));
    }
    Some(v.wrapping_mul(mul))
}

/// util.c `memtoll`: like `memtoull` but an optional leading '-' is allowed.
pub fn memtoll(s: &[u8]) -> Option<i64> {
    match s.strip_prefix(b"-") {
        Some(rest) if rest.first().is_some_and(u8::is_ascii_digit) => {
            memtoull(rest).map(|v| (v as i64).wrapping_neg())
        }
        Some(_) => None,
        None => memtoull(s).map(|v| v as i64),
    }
}

/// sds.c `sdscatrepr`: a double-quoted string with C escapes, as Redis
/// prints arguments in config error messages and rewritten config lines.
pub fn repr(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &c in s {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('"');
    out
}

/// util.c `stringmatchlen`: glob matching with `*`, `?`, `[...]` (with `^`
/// negation and `a-z` ranges) and `\` escapes.
pub fn stringmatch(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut s) = (0usize, 0usize);
    while p < pattern.len() && s < string.len() {
        match pattern[p] {
            b'*' => {
                while p + 1 < pattern.len() && pattern[p + 1] == b'*' {
                    p += 1;
                }
                if p + 1 == pattern.len() {
                    return true;
                }
                for start in s..string.len() {
                    if stringmatch(&pattern[p + 1..], &string[start..], nocase) {
                        return true;
                    }
                }
                return false;
            }
            b'?' => s += 1,
            b'[' => {
                p += 1;
                let not = p < pattern.len() && pattern[p] == b'^';
                if not {
                    p += 1;
                }
                let mut matched = false;
                loop {
                    if p >= pattern.len() {
                        p -= 1;
                        break;
                    }
                    if pattern[p] == b'\\' && p + 2 < pattern.len() {
                        p += 1;
                        if pattern[p] == string[s] {
                            matched = true;
                        }
                    } else if pattern[p] == b']' {
                        break;
                    } else if p + 2 < pattern.len() && pattern[p + 1] == b'-' {
                        let (mut lo, mut hi) = (pattern[p], pattern[p + 2]);
                        let mut c = string[s];
                        if lo > hi {
                            std::mem::swap(&mut lo, &mut hi);
                        }
                        if nocase {
                            lo = lo.to_ascii_lowercase();
                            hi = hi.to_ascii_lowercase();
                            c = c.to_ascii_lowercase();
                        }
                        p += 2;
                        if c >= lo && c <= hi {
                            matched = true;
                        }
                    } else if eq(pattern[p], string[s]) {
                        matched = true;
                    }
                    p += 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                s += 1;
            }
            b'\\' if p + 1 < pattern.len() => {
                p += 1;
                if !eq(pattern[p], string[s]) {
                    return false;
                }
                s += 1;
            }
            c => {
                if !eq(c, string[s]) {
                    return false;
                }
                s += 1;
            }
        }
        p += 1;
    }
    if s == string.len() {
        while p < pattern.len() && pattern[p] == b'*' {
            p += 1;
        }
    }
    p == pattern.len() && s == string.len()
}

/// util.c `string2d`: a whole-string `strtod` that refuses leading blanks,
/// NaN and empty input.
pub fn string2d(s: &[u8]) -> Option<f64> {
    if s.is_empty() || s[0].is_ascii_whitespace() {
        return None;
    }
    let v: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
}

/// `sprintf("%f")` followed by util.c `trimDoubleString` (drop trailing
/// zeros and a trailing '.').
pub fn fmt_percentile(v: f64) -> String {
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// The text of an I/O error as C's `strerror` gives it, without Rust's
/// " (os error N)" suffix.
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// config.c `rewriteConfigFormatMemory`: the largest of gb/mb/kb that
/// divides the value exactly, else plain bytes.
pub fn format_memory(bytes: i64) -> String {
    const GB: i64 = 1024 * 1024 * 1024;
    const MB: i64 = 1024 * 1024;
    const KB: i64 = 1024;
    if bytes != 0 && bytes % GB == 0 {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes % MB == 0 {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes % KB == 0 {
        format!("{}kb", bytes / KB)
    } else {
        format!("{bytes}")
    }
}
