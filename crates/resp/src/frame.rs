//! Client-side frames: what a server sends back, in RESP2 or RESP3.
//!
//! Used where this process is the client: replica links, Sentinel links and
//! tests. Decoding is a nom streaming parser: an incomplete frame is
//! `Ok(None)`, never an error.

use nom::branch::alt;
use nom::bytes::streaming::{tag, take, take_until};
use nom::character::streaming::one_of;
use nom::combinator::map_res;
use nom::sequence::terminated;
use nom::IResult;

/// One RESP2/RESP3 value.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `+...`
    Simple(String),
    /// `-...`
    Error(String),
    /// `:...`
    Integer(i64),
    /// `$...` (RESP2 null bulk is `Null`).
    Bulk(Vec<u8>),
    /// `*...` (RESP2 null array is `Null`).
    Array(Vec<Frame>),
    /// `_`, `$-1`, `*-1`.
    Null,
    /// `,...`
    Double(f64),
    /// `#t` / `#f`
    Boolean(bool),
    /// `%...`
    Map(Vec<(Frame, Frame)>),
    /// `~...`
    Set(Vec<Frame>),
    /// `>...`
    Push(Vec<Frame>),
    /// `=len\r\nfmt:text`
    Verbatim(String, Vec<u8>),
    /// `(...`
    BigNumber(String),
}

impl Frame {
    /// The bytes of a bulk, simple or verbatim string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Frame::Bulk(b) | Frame::Verbatim(_, b) => Some(b),
            Frame::Simple(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// The text of a string frame, lossily decoded.
    pub fn as_str(&self) -> Option<String> {
        self.as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

/// Decodes one frame from the start of `buf`: `Ok(Some((frame, used)))`,
/// `Ok(None)` when more bytes are needed, `Err` on malformed input.
pub fn parse_frame(buf: &[u8]) -> Result<Option<(Frame, usize)>, String> {
    match frame(buf) {
        Ok((rest, f)) => Ok(Some((f, buf.len() - rest.len()))),
        Err(nom::Err::Incomplete(_)) => Ok(None),
        Err(e) => Err(format!("malformed reply: {e:?}")),
    }
}

/// Encodes a command as a RESP multibulk.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn line(i: &[u8]) -> IResult<&[u8], &[u8]> {
    terminated(take_until("\r\n"), tag("\r\n"))(i)
}

fn text(i: &[u8]) -> IResult<&[u8], String> {
    let (i, l) = line(i)?;
    Ok((i, String::from_utf8_lossy(l).into_owned()))
}

fn number(i: &[u8]) -> IResult<&[u8], i64> {
    map_res(line, |l: &[u8]| {
        std::str::from_utf8(l)
            .map_err(|_| ())
            .and_then(|s| s.parse::<i64>().map_err(|_| ()))
    })(i)
}

fn count<'a>(
    i: &'a [u8],
    n: i64,
    f: fn(&'a [u8]) -> IResult<&'a [u8], Frame>,
) -> IResult<&'a [u8], Vec<Frame>> {
    let mut items = Vec::with_capacity(n.clamp(0, 1024) as usize);
    let mut i = i;
    for _ in 0..n {
        let (rest, item) = f(i)?;
        items.push(item);
        i = rest;
    }
    Ok((i, items))
}

fn frame(i: &[u8]) -> IResult<&[u8], Frame> {
    let (i, kind) = one_of("+-:$*_,#%~>=(|")(i)?;
    match kind {
        '+' => text(i).map(|(i, s)| (i, Frame::Simple(s))),
        '-' => text(i).map(|(i, s)| (i, Frame::Error(s))),
        ':' => number(i).map(|(i, n)| (i, Frame::Integer(n))),
        '(' => text(i).map(|(i, s)| (i, Frame::BigNumber(s))),
        '_' => tag("\r\n")(i).map(|(i, _)| (i, Frame::Null)),
        '#' => {
            let (i, v) = terminated(alt((tag("t"), tag("f"))), tag("\r\n"))(i)?;
            Ok((i, Frame::Boolean(v == b"t")))
        }
        ',' => {
            let (i, s) = text(i)?;
            let d = match s.as_str() {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                other => other.parse().unwrap_or(f64::NAN),
            };
            Ok((i, Frame::Double(d)))
        }
        '$' | '=' => {
            let (i, n) = number(i)?;
            if n < 0 {
                return Ok((i, Frame::Null));
            }
            let (i, body) = terminated(take(n as usize), tag("\r\n"))(i)?;
            if kind == '=' && body.len() >= 4 {
                let fmt = String::from_utf8_lossy(&body[..3]).into_owned();
                return Ok((i, Frame::Verbatim(fmt, body[4..].to_vec())));
            }
            Ok((i, Frame::Bulk(body.to_vec())))
        }
        '*' | '~' | '>' => {
            let (i, n) = number(i)?;
            if n < 0 {
                return Ok((i, Frame::Null));
            }
            let (i, items) = count(i, n, frame)?;
            Ok((
                i,
                match kind {
                    '*' => Frame::Array(items),
                    '~' => Frame::Set(items),
                    _ => Frame::Push(items),
                },
            ))
        }
        '%' | '|' => {
            let (i, n) = number(i)?;
            let (i, items) = count(i, n.max(0) * 2, frame)?;
            let mut pairs = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            if kind == '|' {
                // An attribute precedes the real reply; keep the reply.
                return frame(i);
            }
            Ok((i, Frame::Map(pairs)))
        }
        _ => unreachable!("one_of restricts the kinds"),
    }
}

#[cfg(test)]
mod tests {
    //! Goal: every RESP2/RESP3 type decodes, and partial input asks for more.
    use super::*;

    #[test]
    fn decodes_nested_resp3() {
        let input = b"%2\r\n+server\r\n$5\r\nredis\r\n+proto\r\n:3\r\n";
        let (f, n) = parse_frame(input).unwrap().unwrap();
        assert_eq!(n, input.len());
        assert_eq!(
            f,
            Frame::Map(vec![
                (
                    Frame::Simple("server".into()),
                    Frame::Bulk(b"redis".to_vec())
                ),
                (Frame::Simple("proto".into()), Frame::Integer(3)),
            ])
        );
    }

    #[test]
    fn partial_input_is_incomplete_not_error() {
        let input = b"*2\r\n$3\r\nfoo\r\n$3\r\nba";
        for end in 0..input.len() {
            assert_eq!(parse_frame(&input[..end]).unwrap(), None);
        }
    }

    #[test]
    fn nulls_and_scalars() {
        assert_eq!(parse_frame(b"$-1\r\n").unwrap().unwrap().0, Frame::Null);
        assert_eq!(parse_frame(b"*-1\r\n").unwrap().unwrap().0, Frame::Null);
        assert_eq!(
            parse_frame(b",-inf\r\n").unwrap().unwrap().0,
            Frame::Double(f64::NEG_INFINITY)
        );
        assert_eq!(
            parse_frame(b"#f\r\n").unwrap().unwrap().0,
            Frame::Boolean(false)
        );
        assert_eq!(
            parse_frame(b"=8\r\ntxt:abcd\r\n").unwrap().unwrap().0,
            Frame::Verbatim("txt".into(), b"abcd".to_vec())
        );
        assert!(parse_frame(b"?\r\n").is_err());
    }

    #[test]
    fn encode_round_trips() {
        let cmd = encode_command(&["SET", "k", ""]);
        assert_eq!(cmd, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
        let (f, _) = parse_frame(&cmd).unwrap().unwrap();
        assert_eq!(
            f,
            Frame::Array(vec![
                Frame::Bulk(b"SET".to_vec()),
                Frame::Bulk(b"k".to_vec()),
                Frame::Bulk(vec![])
            ])
        );
    }
}
