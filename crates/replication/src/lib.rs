//! Replication bookkeeping of one node (replication.c): its replication
//! IDs and offset, the backlog that lets a replica continue after a broken
//! link, and the decision between `+CONTINUE` and `+FULLRESYNC`.
//!
//! Pure and synchronous: the server crate owns the sockets, the engine
//! owns this state and feeds it every byte of the replication stream.

use std::collections::VecDeque;

/// 40 zeros: "no replication ID" (`master_replid2` of a fresh node).
pub const NO_REPLID: &str = "0000000000000000000000000000000000000000";

/// The last `size` bytes of the replication stream (replication.c
/// `feedReplicationBuffer` keeps them in the backlog).
#[derive(Debug, Clone)]
pub struct Backlog {
    /// The bytes held, oldest first.
    buf: VecDeque<u8>,
    /// Most bytes held (`repl-backlog-size`).
    size: usize,
    /// Replication offset of the first byte held
    /// (`repl_backlog_first_byte_offset`).
    first_offset: i64,
}

impl Backlog {
    /// An empty backlog whose next byte has replication offset `next`.
    pub fn new(size: usize, next: i64) -> Backlog {
        Backlog {
            buf: VecDeque::new(),
            size: size.max(1),
            first_offset: next,
        }
    }

    /// Appends stream bytes, dropping the oldest past the size.
    pub fn feed(&mut self, data: &[u8]) {
        if data.len() >= self.size {
            let skip = data.len() - self.size;
            self.first_offset += (self.buf.len() + skip) as i64;
            self.buf.clear();
            self.buf.extend(&data[skip..]);
            return;
        }
        let overflow = (self.buf.len() + data.len()).saturating_sub(self.size);
        self.buf.drain(..overflow);
        self.first_offset += overflow as i64;
        self.buf.extend(data);
    }

    /// Bytes held (`repl_backlog_histlen`).
    pub fn histlen(&self) -> usize {
        self.buf.len()
    }

    /// Offset of the first byte held.
    pub fn first_offset(&self) -> i64 {
        self.first_offset
    }

    /// Configured size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Changes the size (CONFIG SET repl-backlog-size), keeping the
    /// newest bytes.
    pub fn resize(&mut self, size: usize) {
        self.size = size.max(1);
        let overflow = self.buf.len().saturating_sub(self.size);
        self.buf.drain(..overflow);
        self.first_offset += overflow as i64;
    }

    /// True if a replica whose next byte is `offset` can continue from
    /// here (replication.c `masterTryPartialResynchronization`).
    pub fn covers(&self, offset: i64) -> bool {
        offset >= self.first_offset && offset <= self.first_offset + self.buf.len() as i64
    }

    /// The bytes from replication offset `offset` to the end.
    pub fn since(&self, offset: i64) -> Option<Vec<u8>> {
        if !self.covers(offset) {
            return None;
        }
        let skip = (offset - self.first_offset) as usize;
        Some(self.buf.iter().skip(skip).copied().collect())
    }
}

/// What a master answers to `PSYNC <replid> <offset>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Psync {
    /// `+CONTINUE`: send the backlog from the requested offset.
    Continue,
    /// `+FULLRESYNC`: the reason, for the log.
    Full(String),
}

/// The replication identity and position of a node.
#[derive(Debug, Clone)]
pub struct ReplState {
    /// `master_replid`: the history this node's data belongs to.
    pub replid: String,
    /// `master_replid2`: the history it continues, after a promotion.
    pub replid2: String,
    /// `second_repl_offset`: up to which offset `replid2` is valid
    /// (-1 = none).
    pub second_replid_offset: i64,
    /// `master_repl_offset`: bytes of stream produced or applied.
    pub offset: i64,
    /// The backlog, once a replica has been seen (or after a sync).
    pub backlog: Option<Backlog>,
}

impl ReplState {
    /// A fresh node with the given replication ID.
    pub fn new(replid: String) -> ReplState {
        ReplState {
            replid,
            replid2: NO_REPLID.to_string(),
            second_replid_offset: -1,
            offset: 0,
            backlog: None,
        }
    }

    /// Appends stream bytes: the offset grows and the backlog keeps them.
    pub fn feed(&mut self, data: &[u8]) {
        self.offset += data.len() as i64;
        if let Some(b) = &mut self.backlog {
            b.feed(data);
        }
    }

    /// Creates the backlog if there is none (replication.c
    /// `createReplicationBacklog`): its first byte is the next offset.
    pub fn ensure_backlog(&mut self, size: usize) {
        if self.backlog.is_none() {
            self.backlog = Some(Backlog::new(size, self.offset + 1));
        }
    }

    /// The PSYNC decision (replication.c `masterTryPartialResynchronization`).
    pub fn psync(&self, replid: &str, offset: i64) -> Psync {
        let ours = replid.eq_ignore_ascii_case(&self.replid);
        let previous =
            replid.eq_ignore_ascii_case(&self.replid2) && offset <= self.second_replid_offset;
        if !ours && !previous {
            return Psync::Full(if replid == "?" {
                "Full resync requested by replica".to_string()
            } else if !replid.eq_ignore_ascii_case(&self.replid2) {
                format!(
                    "Replication ID mismatch (Replica asked for '{replid}', my replication IDs are '{}' and '{}')",
                    self.replid, self.replid2
                )
            } else {
                format!(
                    "Requested offset for second ID was {offset}, but I can reply up to {}",
                    self.second_replid_offset
                )
            });
        }
        match &self.backlog {
            Some(b) if b.covers(offset) => Psync::Continue,
            _ => Psync::Full("Unable to partial resync with replica: lack of backlog".to_string()),
        }
    }

    /// Starts a new history that continues the current one
    /// (replication.c `shiftReplicationId`, on promotion): the old ID
    /// stays valid up to the current offset.
    pub fn shift_replid(&mut self, new_id: String) {
        self.replid2 = std::mem::replace(&mut self.replid, new_id);
        self.second_replid_offset = self.offset + 1;
    }

    /// Forgets the previous history (replication.c `clearReplicationId2`).
    pub fn clear_replid2(&mut self) {
        self.replid2 = NO_REPLID.to_string();
        self.second_replid_offset = -1;
    }
}

#[cfg(test)]
mod tests {
    //! Goal: the backlog keeps exactly the last `size` bytes with the
    //! right offsets, and PSYNC continues exactly when Redis would.
    use super::*;

    #[test]
    fn backlog_window() {
        let mut b = Backlog::new(5, 1);
        b.feed(b"abc");
        assert_eq!((b.first_offset(), b.histlen()), (1, 3));
        b.feed(b"defg");
        assert_eq!((b.first_offset(), b.histlen()), (3, 5));
        assert_eq!(b.since(3).unwrap(), b"cdefg");
        assert_eq!(b.since(8).unwrap(), b"");
        assert!(b.since(2).is_none() && b.since(9).is_none());
        b.feed(b"0123456789");
        assert_eq!(
            (b.first_offset(), b.since(13).unwrap()),
            (13, b"56789".to_vec())
        );
        b.resize(2);
        assert_eq!(
            (b.first_offset(), b.since(16).unwrap()),
            (16, b"89".to_vec())
        );
    }

    #[test]
    fn psync_decisions() {
        let mut s = ReplState::new("a".repeat(40));
        assert!(matches!(s.psync(&"a".repeat(40), 1), Psync::Full(_)));
        s.ensure_backlog(100);
        s.feed(b"0123456789");
        assert_eq!(s.offset, 10);
        assert_eq!(s.psync(&"a".repeat(40), 1), Psync::Continue);
        assert_eq!(s.psync(&"a".repeat(40), 11), Psync::Continue);
        assert!(matches!(s.psync(&"a".repeat(40), 12), Psync::Full(_)));
        assert!(matches!(s.psync("?", -1), Psync::Full(_)));
        s.shift_replid("b".repeat(40));
        assert_eq!(s.second_replid_offset, 11);
        assert_eq!(s.psync(&"a".repeat(40), 11), Psync::Continue);
        s.feed(b"xx");
        assert!(matches!(s.psync(&"a".repeat(40), 12), Psync::Full(_)));
        assert_eq!(s.psync(&"b".repeat(40), 13), Psync::Continue);
    }
}
