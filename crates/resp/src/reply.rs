//! Reply encoding straight into a connection's output buffer, in the
//! client's protocol (RESP2, or RESP3 after `HELLO 3`).
//!
//! Handlers write replies here instead of building frames: a GET copies the
//! value once, into the buffer that is written to the socket. Where RESP3
//! has a richer type, the RESP2 form is the one Redis uses (networking.c
//! `addReplyMapLen`, `addReplyDouble`, `addReplyNull`, ...).

/// An output buffer bound to a protocol version.
#[derive(Debug, Default)]
pub struct Out {
    /// Encoded replies waiting to be written.
    pub buf: Vec<u8>,
    /// True once the client switched to RESP3.
    pub resp3: bool,
}

impl Out {
    /// An empty RESP2 buffer.
    pub fn new() -> Self {
        Self::default()
    }

    fn line(&mut self, prefix: u8, n: i64) {
        self.buf.push(prefix);
        let mut b = itoa::Buffer::new();
        self.buf.extend_from_slice(b.format(n).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A status reply; `s` must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error reply; `text` starts with its code (`ERR ...`). CR and LF
    /// are replaced by spaces, as Redis does, so the reply stays one line.
    pub fn error(&mut self, text: &str) {
        self.buf.push(b'-');
        let start = self.buf.len();
        self.buf.extend_from_slice(text.as_bytes());
        for b in &mut self.buf[start..] {
            if *b == b'\r' || *b == b'\n' {
                *b = b' ';
            }
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer reply.
    pub fn int(&mut self, n: i64) {
        self.line(b':', n);
    }

    /// A bulk string.
    pub fn bulk(&mut self, s: &[u8]) {
        self.line(b'$', s.len() as i64);
        self.buf.extend_from_slice(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding the decimal form of `n`.
    pub fn bulk_int(&mut self, n: i64) {
        let mut b = itoa::Buffer::new();
        self.bulk(b.format(n).as_bytes());
    }

    /// The null bulk string (`$-1`, RESP3 `_`).
    pub fn null(&mut self) {
        self.buf
            .extend_from_slice(if self.resp3 { b"_\r\n" } else { b"$-1\r\n" });
    }

    /// The null array (`*-1`, RESP3 `_`).
    pub fn null_array(&mut self) {
        self.buf
            .extend_from_slice(if self.resp3 { b"_\r\n" } else { b"*-1\r\n" });
    }

    /// An array header.
    pub fn array(&mut self, n: usize) {
        self.line(b'*', n as i64);
    }

    /// A map header of `n` pairs (RESP2: an array of 2n elements).
    pub fn map(&mut self, n: usize) {
        if self.resp3 {
            self.line(b'%', n as i64);
        } else {
            self.line(b'*', 2 * n as i64);
        }
    }

    /// A set header (RESP2: an array).
    pub fn set(&mut self, n: usize) {
        self.line(if self.resp3 { b'~' } else { b'*' }, n as i64);
    }

    /// A push header (RESP2: an array), for pub/sub messages.
    pub fn push(&mut self, n: usize) {
        self.line(if self.resp3 { b'>' } else { b'*' }, n as i64);
    }

    /// A boolean (RESP2: the integer 0 or 1).
    pub fn boolean(&mut self, v: bool) {
        if self.resp3 {
            self.buf
                .extend_from_slice(if v { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(v as i64);
        }
    }

    /// A double (RESP2: a bulk string with Redis's `%.17g` formatting).
    pub fn double(&mut self, d: f64) {
        let s = format_double(d);
        if self.resp3 {
            self.buf.push(b',');
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s.as_bytes());
        }
    }

    /// A verbatim string of format `txt` (RESP2: a bulk string).
    pub fn verbatim(&mut self, s: &[u8]) {
        if self.resp3 {
            self.line(b'=', s.len() as i64 + 4);
            self.buf.extend_from_slice(b"txt:");
            self.buf.extend_from_slice(s);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s);
        }
    }

    /// Bytes already encoded for this protocol.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }
}

/// Redis's `%.17g` rendering of a double as used by `addReplyDouble` and
/// score replies: `inf`, `-inf`, `nan`, integers without a fraction, and
/// otherwise the shortest of the `%.17g` form.
pub fn format_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d.is_nan() {
        return "nan".into();
    }
    format_g17(d)
}

/// C's `printf("%.17g", d)` for a finite `d`.
fn format_g17(d: f64) -> String {
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Scientific form with 17 significant digits tells the exponent.
    let sci = format!("{:.16e}", d);
    let (mantissa, exp) = sci.split_once('e').expect("scientific form");
    let exp: i32 = exp.parse().expect("exponent");
    if !(-4..17).contains(&exp) {
        let mantissa = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let decimals = (16 - exp).max(0) as usize;
    trim_fraction(&format!("{:.*}", decimals, d)).to_string()
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    //! Goal: replies are encoded as Redis encodes them in each protocol.
    use super::*;

    #[test]
    fn resp2_and_resp3_forms() {
        let mut o = Out::new();
        o.map(2);
        o.null();
        o.null_array();
        o.boolean(true);
        o.double(1.5);
        assert_eq!(o.buf, b"*4\r\n$-1\r\n*-1\r\n:1\r\n$3\r\n1.5\r\n");
        let mut o = Out {
            resp3: true,
            ..Out::default()
        };
        o.map(2);
        o.null();
        o.boolean(true);
        o.double(1.5);
        o.verbatim(b"ab");
        assert_eq!(o.buf, b"%2\r\n_\r\n#t\r\n,1.5\r\n=6\r\ntxt:ab\r\n");
    }

    #[test]
    fn errors_stay_on_one_line() {
        let mut o = Out::new();
        o.error("ERR a\r\nb");
        assert_eq!(o.buf, b"-ERR a  b\r\n");
    }

    #[test]
    fn doubles_like_printf_17g() {
        // Reference: util.c / networking.c addReplyDouble uses "%.17g".
        assert_eq!(format_double(1.0), "1");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(3.0e20), "3e+20");
        assert_eq!(format_double(1.5e-5), "1.5e-05");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(-f64::INFINITY), "-inf");
        assert_eq!(format_double(10.5), "10.5");
        assert_eq!(
            format_double(123456789012345680.0),
            "1.2345678901234568e+17"
        );
    }
}
