//! Server-side request parsing: RESP multibulk and inline commands, with
//! Redis's limits and protocol error texts.
//!
//! Reference: networking.c `processInlineBuffer`, `processMultibulkBuffer`.
//! The parser is incremental: a command split over many reads is resumed
//! where it stopped instead of being re-scanned from its start, so a 512 MB
//! bulk argument costs linear time.

use std::ops::Range;

/// Longest inline command, and longest `*N` / `$N` header line that may be
/// buffered without its `\r\n` (networking.c `PROTO_INLINE_MAX_SIZE`).
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;

/// Limits that bound what one client may make the server buffer.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `proto-max-bulk-len`: the largest bulk argument accepted.
    pub max_bulk_len: i64,
    /// The largest multibulk count accepted (Redis: `INT_MAX`).
    pub max_multibulk_len: i64,
    /// Whether the client still has to authenticate; Redis then allows at
    /// most 10 arguments of at most 16384 bytes each.
    pub unauthenticated: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_multibulk_len: i32::MAX as i64,
            unauthenticated: false,
        }
    }
}

/// A protocol violation. The text follows `-ERR ` in the reply; the
/// connection is closed after it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub &'static str);

impl ProtocolError {
    /// The full error reply line, without the leading `-` and the CRLF.
    pub fn reply_text(&self) -> String {
        format!("ERR Protocol error: {}", self.0)
    }
}

/// Argument positions of a command: up to 8 without a heap allocation,
/// which covers nearly every command on the hot path.
pub type ArgRanges = smallvec::SmallVec<[Range<usize>; 8]>;

/// The arguments of a command as slices, sized like [`ArgRanges`].
pub type Argv<'a> = smallvec::SmallVec<[&'a [u8]; 8]>;

/// One parsed command: the ranges of its arguments inside the buffer that
/// was parsed, and how many bytes of that buffer it used.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Byte ranges of every argument, in the buffer given to `parse`.
    pub args: ArgRanges,
    /// Inline commands need unescaping, so their arguments are owned.
    pub inline_args: Option<Vec<Vec<u8>>>,
    /// Bytes consumed from the start of the buffer.
    pub consumed: usize,
}

impl Parsed {
    /// Number of arguments.
    pub fn len(&self) -> usize {
        match &self.inline_args {
            Some(v) => v.len(),
            None => self.args.len(),
        }
    }

    /// True for an empty command (a blank inline line or `*0`), which
    /// Redis skips without a reply.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `argv` with slices of the arguments.
    pub fn argv<'a>(&'a self, buf: &'a [u8], argv: &mut Argv<'a>) {
        argv.clear();
        match &self.inline_args {
            Some(v) => argv.extend(v.iter().map(|a| a.as_slice())),
            None => argv.extend(self.args.iter().map(|r| &buf[r.clone()])),
        }
    }
}

/// Incremental parser for one connection.
#[derive(Debug, Default)]
pub struct RequestParser {
    /// Multibulk count of the command in progress (0 = none started).
    multibulk_len: i64,
    /// Offset where the next unparsed part of the command in progress starts.
    pos: usize,
    /// Length of the bulk argument whose header was read, if any.
    bulk_len: Option<usize>,
    /// Command being assembled.
    cur: Parsed,
}

impl RequestParser {
    /// A parser with nothing in progress.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes the next read should at least make room for: the rest of a big
    /// bulk argument in progress, so it lands in one buffer growth.
    pub fn pending_bulk_bytes(&self) -> usize {
        self.bulk_len.map(|n| n + 2).unwrap_or(0)
    }

    /// Bytes of the command in progress already parsed into arguments:
    /// what Redis no longer counts in its query buffer (the buffer passed
    /// to [`RequestParser::parse`] starts with that command).
    pub fn parsed_len(&self) -> usize {
        self.pos
    }

    /// Parses the next complete command at the start of `buf`.
    ///
    /// `Ok(None)` means more bytes are needed (nothing is lost: the state
    /// is kept). On `Ok(Some(p))` the caller handles `p` and then drops
    /// `p.consumed` bytes from the front of its buffer before the next call.
    pub fn parse(&mut self, buf: &[u8], limits: &Limits) -> Result<Option<Parsed>, ProtocolError> {
        if buf.is_empty() {
            return Ok(None);
        }
        if self.multibulk_len == 0 && self.pos == 0 && buf[0] != b'*' {
            return parse_inline(buf);
        }
        self.parse_multibulk(buf, limits)
    }

    fn parse_multibulk(
        &mut self,
        buf: &[u8],
        limits: &Limits,
    ) -> Result<Option<Parsed>, ProtocolError> {
        if self.multibulk_len == 0 {
            // `*<count>\r\n`
            let Some(nl) = find_crlf(buf, 0) else {
                if buf.len() > PROTO_INLINE_MAX_SIZE {
                    return Err(ProtocolError("too big mbulk count string"));
                }
                return Ok(None);
            };
            let n = parse_i64(&buf[1..nl]);
            let n = match n {
                Some(n) if n <= limits.max_multibulk_len => n,
                _ => return Err(ProtocolError("invalid multibulk length")),
            };
            if n > 10 && limits.unauthenticated {
                return Err(ProtocolError("unauthenticated multibulk length"));
            }
            if n <= 0 {
                // `*0` and `*-1` are skipped without a reply.
                return Ok(Some(Parsed {
                    consumed: nl + 2,
                    ..Parsed::default()
                }));
            }
            self.multibulk_len = n;
            self.pos = nl + 2;
            self.cur.args = ArgRanges::new();
            self.cur.inline_args = None;
        }
        while (self.cur.args.len() as i64) < self.multibulk_len {
            let len = match self.bulk_len {
                Some(len) => len,
                None => {
                    if self.pos >= buf.len() {
                        return Ok(None);
                    }
                    let Some(nl) = find_crlf(buf, self.pos) else {
                        if buf.len() - self.pos > PROTO_INLINE_MAX_SIZE {
                            return Err(ProtocolError("too big bulk count string"));
                        }
                        return Ok(None);
                    };
                    if buf[self.pos] != b'$' {
                        return Err(ProtocolError(expected_dollar(buf[self.pos])));
                    }
                    let len = match parse_i64(&buf[self.pos + 1..nl]) {
                        Some(l) if l >= 0 && l <= limits.max_bulk_len => l as usize,
                        _ => return Err(ProtocolError("invalid bulk length")),
                    };
                    if len > 16384 && limits.unauthenticated {
                        return Err(ProtocolError("unauthenticated bulk length"));
                    }
                    self.pos = nl + 2;
                    self.bulk_len = Some(len);
                    len
                }
            };
            if buf.len() < self.pos + len + 2 {
                return Ok(None);
            }
            self.cur.args.push(self.pos..self.pos + len);
            self.pos += len + 2;
            self.bulk_len = None;
        }
        let mut done = std::mem::take(&mut self.cur);
        done.consumed = self.pos;
        self.multibulk_len = 0;
        self.pos = 0;
        Ok(Some(done))
    }
}

/// Redis prints the offending byte with `%c`; we can only return static
/// texts, so the printable ASCII bytes each get their own message.
fn expected_dollar(c: u8) -> &'static str {
    const TABLE: [&str; 95] = expected_table();
    if (32..127).contains(&c) {
        TABLE[(c - 32) as usize]
    } else {
        "expected '$', got something else"
    }
}

const fn expected_table() -> [&'static str; 95] {
    macro_rules! t {
        ($($c:literal)*) => { [$(concat!("expected '$', got '", $c, "'")),*] };
    }
    t!(" " "!" "\"" "#" "$" "%" "&" "'" "(" ")" "*" "+" "," "-" "." "/"
       "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" ":" ";" "<" "=" ">" "?"
       "@" "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O"
       "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" "[" "\\" "]" "^" "_"
       "`" "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o"
       "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" "{" "|" "}" "~")
}

fn parse_inline(buf: &[u8]) -> Result<Option<Parsed>, ProtocolError> {
    let Some(nl) = memchr::memchr(b'\n', buf) else {
        if buf.len() > PROTO_INLINE_MAX_SIZE {
            return Err(ProtocolError("too big inline request"));
        }
        return Ok(None);
    };
    let line = if nl > 0 && buf[nl - 1] == b'\r' {
        &buf[..nl - 1]
    } else {
        &buf[..nl]
    };
    let args = crate::split_args(line).ok_or(ProtocolError("unbalanced quotes in request"))?;
    Ok(Some(Parsed {
        args: ArgRanges::new(),
        inline_args: Some(args),
        consumed: nl + 1,
    }))
}

/// Position of the `\r` of the first `\r\n` at or after `from`.
fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let r = memchr::memchr(b'\r', &buf[at..])? + at;
        if r + 1 >= buf.len() {
            return None;
        }
        if buf[r + 1] == b'\n' {
            return Some(r);
        }
        at = r + 1;
    }
}

/// Redis `string2ll`: optional '-', digits, no '+', no spaces, fits i64.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let (neg, digits) = if s[0] == b'-' {
        (true, &s[1..])
    } else {
        (false, s)
    };
    if digits.is_empty() || (digits[0] == b'0' && (digits.len() > 1 || neg)) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

#[cfg(test)]
mod tests {
    //! Goal: requests parse like networking.c processMultibulkBuffer and
    //! processInlineBuffer, including split reads and the protocol errors.
    use super::*;

    fn all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut p = RequestParser::new();
        let mut buf = input.to_vec();
        let mut out = Vec::new();
        while let Some(cmd) = p.parse(&buf, &Limits::default())? {
            let mut argv = Argv::new();
            cmd.argv(&buf, &mut argv);
            out.push(argv.iter().map(|a| a.to_vec()).collect());
            drop(argv);
            buf.drain(..cmd.consumed);
        }
        Ok(out)
    }

    #[test]
    fn pipelined_multibulk_and_inline() {
        let cmds = all(b"*2\r\n$3\r\nGET\r\n$1\r\na\r\nPING\r\nset k \"v v\"\r\n").unwrap();
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0], vec![b"GET".to_vec(), b"a".to_vec()]);
        assert_eq!(cmds[1], vec![b"PING".to_vec()]);
        assert_eq!(
            cmds[2],
            vec![b"set".to_vec(), b"k".to_vec(), b"v v".to_vec()]
        );
    }

    #[test]
    fn byte_by_byte_split_reads_resume() {
        // Reference: the parser keeps its state across reads (c->multibulklen).
        let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        let mut p = RequestParser::new();
        let mut got = None;
        for end in 1..=input.len() {
            if let Some(c) = p.parse(&input[..end], &Limits::default()).unwrap() {
                assert_eq!(end, input.len());
                got = Some(c);
            }
        }
        let c = got.unwrap();
        assert_eq!(c.consumed, input.len());
        assert_eq!(&input[c.args[2].clone()], b"value");
    }

    #[test]
    fn empty_commands_are_skipped() {
        let mut p = RequestParser::new();
        let c = p.parse(b"*0\r\n", &Limits::default()).unwrap().unwrap();
        assert!(c.is_empty());
        assert_eq!(c.consumed, 4);
        let c = p.parse(b"\r\n", &Limits::default()).unwrap().unwrap();
        assert!(c.is_empty());
    }

    #[test]
    fn protocol_errors_have_redis_texts() {
        assert_eq!(
            all(b"*2\r\n+x\r\n").unwrap_err().reply_text(),
            "ERR Protocol error: expected '$', got '+'"
        );
        assert_eq!(all(b"*abc\r\n").unwrap_err().0, "invalid multibulk length");
        assert_eq!(all(b"*1\r\n$-5\r\n").unwrap_err().0, "invalid bulk length");
        assert_eq!(
            all(b"set \"a\r\n").unwrap_err().0,
            "unbalanced quotes in request"
        );
        let big = vec![b'a'; PROTO_INLINE_MAX_SIZE + 1];
        assert_eq!(all(&big).unwrap_err().0, "too big inline request");
        let mut mb = b"*1\r\n$".to_vec();
        mb.extend(vec![b'1'; PROTO_INLINE_MAX_SIZE + 1]);
        assert_eq!(all(&mb).unwrap_err().0, "too big bulk count string");
    }

    #[test]
    fn bulk_length_limit_and_unauthenticated_limits() {
        let limits = Limits {
            max_bulk_len: 10,
            ..Limits::default()
        };
        let mut p = RequestParser::new();
        assert_eq!(
            p.parse(b"*1\r\n$11\r\n", &limits).unwrap_err().0,
            "invalid bulk length"
        );
        let limits = Limits {
            unauthenticated: true,
            ..Limits::default()
        };
        let mut p = RequestParser::new();
        assert_eq!(
            p.parse(b"*11\r\n", &limits).unwrap_err().0,
            "unauthenticated multibulk length"
        );
        let mut p = RequestParser::new();
        assert_eq!(
            p.parse(b"*1\r\n$16385\r\n", &limits).unwrap_err().0,
            "unauthenticated bulk length"
        );
    }

    #[test]
    fn string2ll_rules() {
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"007"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b"-0"), None);
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b""), None);
    }
}
