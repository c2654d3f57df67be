//! Parsing of the special parameters, each with its own syntax (the
//! `setConfig*Option` functions of config.c).

use crate::table::Special;
use crate::util::{memtoull, strerror, string2d, strtoll_full};
use crate::value::{ObufLimit, SetCtx, Value, OBUF_DEFAULTS};

fn text(a: &[u8]) -> String {
    String::from_utf8_lossy(a).into_owned()
}

/// Parses the arguments of special parameter `sp`; `Err` is Redis's reason.
pub fn parse(
    sp: Special,
    args: &[Vec<u8>],
    cur: &Value,
    ctx: &mut SetCtx,
) -> Result<Value, String> {
    match sp {
        Special::Dir => {
            if args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            let path = text(&args[0]);
            std::env::set_current_dir(&path).map_err(|e| strerror(&e))?;
            let abs = std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or(path);
            Ok(Value::Dir(abs))
        }
        Special::Save => parse_save(args, cur, ctx),
        Special::ClientOutputBufferLimit => parse_obuf(args, cur),
        Special::OomScoreAdjValues => {
            if args.len() != 3 {
                return Err("wrong number of arguments".into());
            }
            let mut v = [0i64; 3];
            for (slot, a) in v.iter_mut().zip(args) {
                match strtoll_full(a, 10) {
                    Some(x) if (-2000..=2000).contains(&x) => *slot = x,
                    _ => return Err(
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                            .into(),
                    ),
                }
            }
            Ok(Value::Oom(v))
        }
        Special::NotifyKeyspaceEvents => {
            if args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            crate::notify::string_to_flags(&args[0])
                .map(Value::Notify)
                .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into())
        }
        Special::Bind => {
            if args.len() > 16 {
                return Err("Too many bind addresses specified.".into());
            }
            if args.len() == 1 && args[0].is_empty() {
                return Ok(Value::Bind(Vec::new()));
            }
            Ok(Value::Bind(args.iter().map(|a| text(a)).collect()))
        }
        Special::ReplicaOf => {
            if args.len() != 2 {
                return Err("wrong number of arguments".into());
            }
            if args[0].eq_ignore_ascii_case(b"no") && args[1].eq_ignore_ascii_case(b"one") {
                return Ok(Value::ReplicaOf(None));
            }
            match strtoll_full(&args[1], 10) {
                Some(port) if (0..=65535).contains(&port) => {
                    Ok(Value::ReplicaOf(Some((text(&args[0]), port))))
                }
                _ => Err("Invalid master port".into()),
            }
        }
        Special::LatencyPercentiles => {
            if args.len() == 1 && args[0].is_empty() {
                return Ok(Value::Percentiles(Vec::new()));
            }
            let mut out = Vec::with_capacity(args.len());
            for a in args {
                let Some(p) = string2d(a) else {
                    return Err("Invalid latency-tracking-info-percentiles parameters".into());
                };
                if !(0.0..=100.0).contains(&p) {
                    return Err(
                        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                            .into(),
                    );
                }
                out.push(p);
            }
            Ok(Value::Percentiles(out))
        }
    }
}

/// config.c `setConfigSaveOption`. In a config file the first `save` line
/// drops the defaults and later ones add points; `save ""` always clears.
/// `CONFIG SET save` replaces the whole list.
fn parse_save(args: &[Vec<u8>], cur: &Value, ctx: &mut SetCtx) -> Result<Value, String> {
    let mut current = match cur {
        Value::Save(v) => v.clone(),
        _ => Vec::new(),
    };
    let mut args = args;
    if args.len() == 1 && args[0].is_empty() {
        current.clear();
        args = &[];
    }
    if args.len() % 2 == 1 {
        return Err("Invalid save parameters".into());
    }
    let mut points = Vec::new();
    for pair in args.chunks(2) {
        let secs = strtoll_full(&pair[0], 10).filter(|v| *v >= 1);
        let changes = strtoll_full(&pair[1], 10).filter(|v| *v >= 0);
        match (secs, changes) {
            (Some(s), Some(c)) => points.push((s, i64::from(c as i32))),
            _ => return Err("Invalid save parameters".into()),
        }
    }
    if !ctx.reading_file {
        current.clear();
    } else if !*ctx.save_loaded {
        *ctx.save_loaded = true;
        current.clear();
    }
    current.extend(points);
    Ok(Value::Save(current))
}

/// config.c `updateClientOutputBufferLimit`: classes given are replaced,
/// the others kept; any bad quadruple rejects the whole value.
fn parse_obuf(args: &[Vec<u8>], cur: &Value) -> Result<Value, String> {
    let mut limits = match cur {
        Value::Obuf(l) => *l,
        _ => OBUF_DEFAULTS,
    };
    if !args.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut new = limits;
    for q in args.chunks(4) {
        let class = match q[0].to_ascii_lowercase().as_slice() {
            b"normal" => 0,
            b"slave" | b"replica" => 1,
            b"pubsub" => 2,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into())
            }
        };
        let hard = memtoull(&q[1]);
        let soft = memtoull(&q[2]);
        let secs = strtoll_full(&q[3], 10).filter(|v| *v >= 0);
        match (hard, soft, secs) {
            (Some(h), Some(s), Some(sec)) => {
                new[class] = ObufLimit {
                    hard_bytes: h,
                    soft_bytes: s,
                    soft_seconds: sec,
                };
            }
            _ => {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .into(),
                )
            }
        }
    }
    limits = new;
    Ok(Value::Obuf(limits))
}
