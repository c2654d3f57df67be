//! FAILOVER: the coordinated switch of a master with one of its replicas
//! (replication.c `failoverCommand`, `updateFailoverStatus`).
//!
//! The master holds writes, waits until a replica (the one named, or the
//! first) has acknowledged its whole stream, then becomes that replica's
//! replica, asking it with `PSYNC <replid> <offset> FAILOVER` to take
//! over. Nothing acknowledged is lost: no write is accepted between the
//! last byte the replica confirmed and the switch.

use crate::args::eq;
use crate::engine::{Ctx, Engine};
use crate::error::{CmdError, CmdResult, SYNTAX};
use crate::role::ReplicaState;
use crate::table::Handler;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[("failover", failover)];

/// Where a FAILOVER is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailoverState {
    /// Writes are held until the target has acknowledged everything.
    WaitForSync,
    /// We are connecting to the target as its replica.
    InProgress,
}

/// A FAILOVER under way.
#[derive(Debug, Clone)]
pub struct Failover {
    /// The replica to promote, once known: (host, port).
    pub target: Option<(String, u16)>,
    /// Give up (or, with FORCE, switch anyway) at this unix ms; 0 = never.
    pub deadline_ms: i64,
    /// FORCE given.
    pub force: bool,
    /// Progress.
    pub state: FailoverState,
}

impl FailoverState {
    /// INFO `master_failover_state`.
    pub fn name(state: Option<FailoverState>) -> &'static str {
        match state {
            None => "no-failover",
            Some(FailoverState::WaitForSync) => "waiting-for-sync",
            Some(FailoverState::InProgress) => "failover-in-progress",
        }
    }
}

/// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms].
fn failover(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() == 2 && eq(argv[1], "abort") {
        if ctx.eng.role.failover.is_none() {
            return Err(CmdError::fixed("ERR No failover in progress."));
        }
        ctx.eng.abort_failover("Failover manually aborted");
        ctx.client.out.ok();
        return Ok(());
    }
    let (mut timeout, mut force, mut target) = (0i64, false, None);
    let mut j = 1;
    while j < argv.len() {
        if eq(argv[j], "timeout") && j + 1 < argv.len() && timeout == 0 {
            timeout = resp::parse_i64(argv[j + 1]).ok_or(crate::error::NOT_INTEGER)?;
            if timeout <= 0 {
                return Err(CmdError::fixed(
                    "ERR FAILOVER timeout must be greater than 0",
                ));
            }
            j += 2;
        } else if eq(argv[j], "to") && j + 2 < argv.len() && target.is_none() {
            let port = resp::parse_i64(argv[j + 2]).ok_or(crate::error::NOT_INTEGER)?;
            target = Some((String::from_utf8_lossy(argv[j + 1]).into_owned(), port));
            j += 3;
        } else if eq(argv[j], "force") && !force {
            force = true;
            j += 1;
        } else {
            return Err(SYNTAX);
        }
    }
    let eng = &mut *ctx.eng;
    if eng.role.failover.is_some() {
        return Err(CmdError::fixed("ERR FAILOVER already in progress."));
    }
    if eng.role.is_replica() {
        return Err(CmdError::fixed(
            "ERR FAILOVER is not valid when server is a replica.",
        ));
    }
    if eng.propagation.replicas.is_empty() {
        return Err(CmdError::fixed("ERR FAILOVER requires connected replicas."));
    }
    if force && (timeout == 0 || target.is_none()) {
        return Err(CmdError::fixed(
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.",
        ));
    }
    let target = match target {
        Some((host, port)) => {
            let Some((_, _, state)) = eng
                .replica_addresses()
                .into_iter()
                .find(|(h, p, _)| *h == host && i64::from(*p) == port)
            else {
                return Err(CmdError::fixed(
                    "ERR FAILOVER target HOST and PORT is not a replica.",
                ));
            };
            if state != Some(ReplicaState::Online) {
                return Err(CmdError::fixed(
                    "ERR FAILOVER target replica is not online.",
                ));
            }
            tracing::info!("FAILOVER requested to {host}:{port}.");
            Some((host, port as u16))
        }
        None => {
            tracing::info!("FAILOVER requested to any replica.");
            None
        }
    };
    eng.role.failover = Some(Failover {
        target,
        deadline_ms: if timeout > 0 { ctx.now_ms + timeout } else { 0 },
        force,
        state: FailoverState::WaitForSync,
    });
    eng.request_acks();
    ctx.client.out.ok();
    Ok(())
}

impl Engine {
    /// (address, listening port, state) of every replica, by the address
    /// it announced or the one it connected from.
    fn replica_addresses(&self) -> Vec<(String, u16, Option<ReplicaState>)> {
        self.propagation
            .replicas
            .iter()
            .filter_map(|id| {
                let info = self.role.replicas.get(id)?;
                let addr = self.clients.get(id)?.try_borrow().ok()?.addr.clone();
                let ip = info.announced_ip.clone().unwrap_or_else(|| {
                    addr.rsplit_once(':')
                        .map_or(addr.clone(), |(ip, _)| ip.to_string())
                });
                Some((ip, info.listening_port, info.state))
            })
            .collect()
    }

    /// replication.c `updateFailoverStatus`: once the target (or any
    /// replica) has acknowledged our whole stream, switch to it; past the
    /// deadline, switch anyway with FORCE, else give up.
    pub fn update_failover(&mut self, now_ms: i64) {
        let Some(f) = self.role.failover.clone() else {
            return;
        };
        if f.state != FailoverState::WaitForSync {
            return;
        }
        if f.deadline_ms > 0 && f.deadline_ms <= now_ms {
            match (&f.target, f.force) {
                (Some((host, port)), true) => {
                    tracing::info!("FAILOVER to {host}:{port} time out exceeded, failing over.");
                    self.start_switch(host.clone(), *port, now_ms);
                }
                _ => self.abort_failover("Replica never caught up before timeout"),
            }
            return;
        }
        let offset = self.propagation.repl.offset;
        let caught_up = self.propagation.replicas.iter().find_map(|id| {
            let info = self.role.replicas.get(id)?;
            if info.ack_offset != offset {
                return None;
            }
            let addr = self.clients.get(id)?.try_borrow().ok()?.addr.clone();
            let ip = info.announced_ip.clone().unwrap_or_else(|| {
                addr.rsplit_once(':')
                    .map_or(addr.clone(), |(ip, _)| ip.to_string())
            });
            let port = info.listening_port;
            f.target
                .as_ref()
                .is_none_or(|(h, p)| *h == ip && *p == port)
                .then_some((ip, port))
        });
        if let Some((host, port)) = caught_up {
            tracing::info!("Failover target {host}:{port} is synced, failing over.");
            self.start_switch(host, port, now_ms);
        }
    }

    /// Becomes the target's replica; the link asks it to take over.
    fn start_switch(&mut self, host: String, port: u16, now_ms: i64) {
        if let Some(f) = &mut self.role.failover {
            f.state = FailoverState::InProgress;
            f.target = Some((host.clone(), port));
        }
        self.set_master(host, port, now_ms);
    }

    /// The target answered our PSYNC FAILOVER: the switch is done.
    pub fn finish_failover(&mut self) {
        self.role.failover = None;
    }

    /// replication.c `abortFailover`: back to an ordinary master.
    pub fn abort_failover(&mut self, why: &str) {
        let Some(f) = self.role.failover.take() else {
            return;
        };
        tracing::info!("FAILOVER aborted: {why}");
        if f.state == FailoverState::InProgress {
            self.unset_master();
        }
    }

    /// True while a FAILOVER holds writes (any state: no write may slip
    /// in before the switch is confirmed).
    pub fn failover_holds_writes(&self) -> bool {
        self.role.failover.is_some()
    }
}
