//! Redis's `sdssplitargs`: the tokenizer shared by inline commands and
//! redis.conf lines.
//!
//! Reference: sds.c `sdssplitargs`. Arguments are separated by blanks;
//! `"..."` understands the C escapes `\n \r \t \b \a \\ \"` and `\xHH`;
//! `'...'` understands only `\'`. A closing quote must be followed by a blank
//! or the end of the line, otherwise the whole line is rejected (as it is for
//! an unterminated quote).

/// Splits `line` into arguments; `None` means unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i >= n {
            return Some(args);
        }
        let mut current = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && line[i + 2].is_ascii_hexdigit()
                    && line[i + 3].is_ascii_hexdigit()
                {
                    current.push(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                    i += 3;
                } else if c == b'\\' && i + 1 < n {
                    i += 1;
                    current.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                } else if c == b'"' {
                    // The closing quote must be followed by a space or end.
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    current.push(c);
                }
            } else if in_sq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    current.push(c);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        i += 1;
                        break;
                    }
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    c => current.push(c),
                }
            }
            i += 1;
        }
        // `i` already points past the token (the break paths advanced it),
        // except at end of input.
        args.push(current);
        if i > n {
            return Some(args);
        }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c)
}

fn hex(c: u8) -> u8 {
    (c as char).to_digit(16).unwrap_or(0) as u8
}

#[cfg(test)]
mod tests {
    //! Goal: tokenizing matches sds.c `sdssplitargs` on the cases redis.conf
    //! and inline commands rely on.
    use super::split_args;

    fn s(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes()).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8(a).unwrap())
                .collect()
        })
    }

    #[test]
    fn plain_words_and_blanks() {
        assert_eq!(
            s("  set  a   b "),
            Some(vec!["set".into(), "a".into(), "b".into()])
        );
        assert_eq!(s(""), Some(vec![]));
        assert_eq!(s("   "), Some(vec![]));
    }

    #[test]
    fn double_quotes_with_escapes() {
        assert_eq!(
            s(r#"set "a b" "\x41\n""#),
            Some(vec!["set".into(), "a b".into(), "A\n".into()])
        );
        assert_eq!(s(r#"save """#), Some(vec!["save".into(), "".into()]));
    }

    #[test]
    fn single_quotes() {
        assert_eq!(
            s(r"x 'it\'s' 'a\nb'"),
            Some(vec!["x".into(), "it's".into(), "a\\nb".into()])
        );
    }

    #[test]
    fn unbalanced_or_glued_quotes_fail() {
        assert_eq!(s(r#"set "abc"#), None);
        assert_eq!(s(r#"set "abc"d"#), None);
        assert_eq!(s("set 'abc"), None);
    }

    #[test]
    fn quote_inside_word_starts_quoted_section() {
        assert_eq!(s(r#"a"b c""#), Some(vec!["ab c".into()]));
    }
}
