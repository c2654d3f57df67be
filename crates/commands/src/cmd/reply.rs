//! Reply helpers shared by the introspection handlers: Redis's HELP
//! layout, frames captured from Redis written back in the client's
//! protocol, and the "unknown subcommand" error of hand-dispatched
//! commands.

use crate::error::CmdError;
use resp::{Frame, Out};

/// A `<CMD> HELP` reply (networking.c `addReplyHelp`): a header naming the
/// command as the client typed it, upper-cased, the given lines, and the
/// HELP footer, all as status replies in one array.
pub fn help(out: &mut Out, argv0: &[u8], lines: &[&str]) {
    let name = String::from_utf8_lossy(argv0).to_ascii_uppercase();
    out.array(lines.len() + 3);
    out.simple(&format!(
        "{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for line in lines {
        out.simple(line);
    }
    out.simple("HELP");
    out.simple("    Prints this help.");
}

/// `ERR unknown subcommand or wrong number of arguments for 'x'. Try CMD HELP.`
/// (networking.c `addReplySubcommandSyntaxError`), for commands that parse
/// their own subcommands (DEBUG) or check their own argument counts.
pub fn subcommand_syntax(argv: &[&[u8]]) -> CmdError {
    let sub = String::from_utf8_lossy(argv.get(1).copied().unwrap_or_default());
    let sub: String = sub.chars().take(128).collect();
    let name = String::from_utf8_lossy(argv[0]).to_ascii_uppercase();
    CmdError::new(format!(
        "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try {name} HELP."
    ))
}

/// Writes a frame (from Redis's COMMAND captures) in the client's protocol:
/// maps and sets keep their RESP3 types and fall back to arrays in RESP2,
/// as Redis's `addReplyMapLen` / `addReplySetLen` do.
pub fn frame(out: &mut Out, f: &Frame) {
    match f {
        Frame::Simple(s) => out.simple(s),
        Frame::Error(e) => out.error(e),
        Frame::Integer(n) => out.int(*n),
        Frame::Bulk(b) => out.bulk(b),
        Frame::Array(items) => {
            out.array(items.len());
            items.iter().for_each(|i| frame(out, i));
        }
        Frame::Null => out.null(),
        Frame::Double(d) => out.double(*d),
        Frame::Boolean(b) => out.boolean(*b),
        Frame::Map(pairs) => {
            out.map(pairs.len());
            for (k, v) in pairs {
                frame(out, k);
                frame(out, v);
            }
        }
        Frame::Set(items) => {
            out.set(items.len());
            items.iter().for_each(|i| frame(out, i));
        }
        Frame::Push(items) => {
            out.push(items.len());
            items.iter().for_each(|i| frame(out, i));
        }
        Frame::Verbatim(_, b) => out.verbatim(b),
        Frame::BigNumber(n) => {
            if out.resp3 {
                out.raw(format!("({n}\r\n").as_bytes());
            } else {
                out.bulk(n.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Goal: captured RESP3 frames come back in RESP2 as Redis sends them
    //! (maps flattened, sets as arrays), and HELP has Redis's layout.
    use super::*;

    #[test]
    fn resp2_flattens_maps_and_sets() {
        let f = Frame::Map(vec![(
            Frame::Bulk(b"flags".to_vec()),
            Frame::Set(vec![Frame::Simple("RO".into())]),
        )]);
        let mut out = Out::new();
        frame(&mut out, &f);
        assert_eq!(out.buf, b"*2\r\n$5\r\nflags\r\n*1\r\n+RO\r\n");
        let mut out = Out {
            resp3: true,
            ..Out::default()
        };
        frame(&mut out, &f);
        assert_eq!(out.buf, b"%1\r\n$5\r\nflags\r\n~1\r\n+RO\r\n");
    }

    #[test]
    fn help_layout() {
        let mut out = Out::new();
        help(&mut out, b"object", &["X"]);
        assert_eq!(
            out.buf,
            b"*4\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+X\r\n+HELP\r\n+    Prints this help.\r\n"
        );
    }
}
