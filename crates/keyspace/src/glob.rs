//! Redis's glob matcher (util.c `stringmatchlen`), used by KEYS, SCAN
//! MATCH, PSUBSCRIBE and CONFIG GET. Ported for its exact corner cases:
//! `\` escapes, `[^...]` classes with ranges that may be reversed, an
//! unterminated class, and the early exit that keeps `a*a*a*b` patterns
//! from taking exponential time.

/// Nesting limit of `*` recursion (util.c: a pattern this deep never matches).
const MAX_NESTING: usize = 1000;

/// True if `string` matches the glob `pattern`.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, string, nocase, &mut skip_longer, 0)
}

/// Byte `i` of `s`, or 0 past the end (the C code reads the terminator).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

fn fold(c: u8, nocase: bool) -> u8 {
    if nocase {
        c.to_ascii_lowercase()
    } else {
        c
    }
}

fn match_impl(pat: &[u8], s: &[u8], nocase: bool, skip_longer: &mut bool, nesting: usize) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    let (mut p, mut i) = (0usize, 0usize);
    while p < pat.len() && i < s.len() {
        match pat[p] {
            b'*' => {
                while p + 1 < pat.len() && pat[p + 1] == b'*' {
                    p += 1;
                }
                if p + 1 == pat.len() {
                    return true;
                }
                while i < s.len() {
                    if match_impl(&pat[p + 1..], &s[i..], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    i += 1;
                }
                // The rest of the pattern matches nowhere in the rest of
                // the string, so no earlier `*` can help either.
                *skip_longer = true;
                return false;
            }
            b'?' => i += 1,
            b'[' => {
                p += 1;
                let not = at(pat, p) == b'^';
                if not {
                    p += 1;
                }
                let c = s[i];
                let mut matched = false;
                loop {
                    if at(pat, p) == b'\\' && pat.len() - p >= 2 {
                        p += 1;
                        if pat[p] == c {
                            matched = true;
                        }
                    } else if at(pat, p) == b']' {
                        break;
                    } else if p >= pat.len() {
                        // Unterminated class: stand on the last byte so the
                        // step below ends the pattern.
                        p -= 1;
                        break;
                    } else if pat.len() - p >= 3 && pat[p + 1] == b'-' {
                        let (mut start, mut end) = (pat[p], pat[p + 2]);
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        let (start, end, c) =
                            (fold(start, nocase), fold(end, nocase), fold(c, nocase));
                        p += 2;
                        if c >= start && c <= end {
                            matched = true;
                        }
                    } else if fold(pat[p], nocase) == fold(c, nocase) {
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
                i += 1;
            }
            b => {
                let mut b = b;
                if b == b'\\' && pat.len() - p >= 2 {
                    p += 1;
                    b = pat[p];
                }
                if fold(b, nocase) != fold(s[i], nocase) {
                    return false;
                }
                i += 1;
            }
        }
        p += 1;
        if i == s.len() {
            while at(pat, p) == b'*' {
                p += 1;
            }
            break;
        }
    }
    p >= pat.len() && i == s.len()
}

#[cfg(test)]
mod tests {
    //! Goal: the same answers as Redis 7.0's stringmatchlen (util.c),
    //! including its odd corners (cases checked against redis-server KEYS).
    use super::glob_match;

    fn m(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes(), false)
    }

    #[test]
    fn basics() {
        assert!(m("*", "anything"));
        // As in C: callers special-case a lone "*" (KEYS, SCAN) to match "".
        assert!(!m("*", ""));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"));
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hallo"));
        assert!(m("a*", "a"));
        assert!(m("a**", "a"));
        assert!(!m("a?", "a"));
    }

    #[test]
    fn corners() {
        // An unterminated class matches what it has seen.
        assert!(m("[ab", "a"));
        assert!(!m("[ab", "c"));
        // A trailing backslash matches itself.
        assert!(m("a\\", "a\\"));
        // Escapes inside a class.
        assert!(m("[\\]]", "]"));
        assert!(glob_match(b"HELLO", b"hello", true));
        assert!(!glob_match(b"HELLO", b"hello", false));
        assert!(glob_match(b"[A-C]", b"b", true));
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let s = "a".repeat(60);
        let p = "a*".repeat(30) + "b";
        assert!(!m(&p, &s));
    }
}
