//! Pub/Sub state and delivery (pubsub.c), and keyspace notifications
//! (notify.c), which are published through it.
//!
//! Subscriptions live here, by channel and by client, so that PUBLISH
//! finds receivers in one lookup and a disconnecting client is forgotten
//! in one call. Delivery writes straight into each subscriber's reply
//! buffer and wakes its connection; a subscriber whose buffer passes the
//! `client-output-buffer-limit pubsub` limits is closed, so a slow reader
//! cannot make the server's memory grow without bound.

use crate::client::ClientState;
use crate::engine::{Engine, OBUF_PUBSUB};
use keyspace::glob_match;
use std::collections::HashMap;

/// Which channel namespace: the ordinary one, or the shard channels of
/// SSUBSCRIBE / SPUBLISH (one shard without cluster mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE / PUBLISH.
    Plain,
    /// SSUBSCRIBE / SPUBLISH.
    Shard,
}

/// One client's subscriptions, each in subscription order.
#[derive(Debug, Default)]
struct Subscriptions {
    channels: Vec<Vec<u8>>,
    patterns: Vec<Vec<u8>>,
    shard: Vec<Vec<u8>>,
}

impl Subscriptions {
    fn of(&mut self, kind: Kind) -> &mut Vec<Vec<u8>> {
        match kind {
            Kind::Plain => &mut self.channels,
            Kind::Shard => &mut self.shard,
        }
    }
}

/// Subscriptions of every client.
#[derive(Debug, Default)]
pub struct PubSub {
    /// channel -> subscriber ids, in subscription order.
    channels: HashMap<Vec<u8>, Vec<u64>>,
    /// shard channel -> subscriber ids, in subscription order.
    shard: HashMap<Vec<u8>, Vec<u64>>,
    /// (pattern, subscriber id), in subscription order.
    patterns: Vec<(Vec<u8>, u64)>,
    /// id -> that client's subscriptions.
    per_client: HashMap<u64, Subscriptions>,
}

impl PubSub {
    fn table(&mut self, kind: Kind) -> &mut HashMap<Vec<u8>, Vec<u64>> {
        match kind {
            Kind::Plain => &mut self.channels,
            Kind::Shard => &mut self.shard,
        }
    }

    /// Subscribes `client` to `channel`; false if it already was.
    pub fn subscribe(&mut self, kind: Kind, client: u64, channel: &[u8]) -> bool {
        let mine = self.per_client.entry(client).or_default().of(kind);
        if mine.iter().any(|c| c == channel) {
            return false;
        }
        mine.push(channel.to_vec());
        self.table(kind)
            .entry(channel.to_vec())
            .or_default()
            .push(client);
        true
    }

    /// Unsubscribes `client` from `channel`; false if it was not subscribed.
    pub fn unsubscribe(&mut self, kind: Kind, client: u64, channel: &[u8]) -> bool {
        let Some(mine) = self.per_client.get_mut(&client).map(|m| m.of(kind)) else {
            return false;
        };
        let before = mine.len();
        mine.retain(|c| c != channel);
        if mine.len() == before {
            return false;
        }
        let table = self.table(kind);
        if let Some(ids) = table.get_mut(channel) {
            ids.retain(|c| *c != client);
            if ids.is_empty() {
                table.remove(channel);
            }
        }
        true
    }

    /// Subscribes `client` to `pattern`; false if it already was.
    pub fn psubscribe(&mut self, client: u64, pattern: &[u8]) -> bool {
        let mine = self.per_client.entry(client).or_default();
        if mine.patterns.iter().any(|p| p == pattern) {
            return false;
        }
        mine.patterns.push(pattern.to_vec());
        self.patterns.push((pattern.to_vec(), client));
        true
    }

    /// Unsubscribes `client` from `pattern`; false if it was not subscribed.
    pub fn punsubscribe(&mut self, client: u64, pattern: &[u8]) -> bool {
        let Some(mine) = self.per_client.get_mut(&client) else {
            return false;
        };
        let before = mine.patterns.len();
        mine.patterns.retain(|p| p != pattern);
        if mine.patterns.len() == before {
            return false;
        }
        self.patterns
            .retain(|(p, c)| !(p == pattern && *c == client));
        true
    }

    /// The channels (of `kind`) `client` is subscribed to.
    pub fn channels_of(&self, kind: Kind, client: u64) -> Vec<Vec<u8>> {
        self.per_client
            .get(&client)
            .map(|m| match kind {
                Kind::Plain => m.channels.clone(),
                Kind::Shard => m.shard.clone(),
            })
            .unwrap_or_default()
    }

    /// The patterns `client` is subscribed to.
    pub fn patterns_of(&self, client: u64) -> Vec<Vec<u8>> {
        self.per_client
            .get(&client)
            .map(|m| m.patterns.clone())
            .unwrap_or_default()
    }

    /// The count in (un)subscribe replies: channels and patterns, or
    /// shard channels (pubsub.c `clientSubscriptionsCount`,
    /// `clientShardSubscriptionsCount`).
    pub fn count(&self, kind: Kind, client: u64) -> usize {
        self.per_client.get(&client).map_or(0, |m| match kind {
            Kind::Plain => m.channels.len() + m.patterns.len(),
            Kind::Shard => m.shard.len(),
        })
    }

    /// True if `client` has any subscription (it is in subscribed mode).
    pub fn is_subscribed(&self, client: u64) -> bool {
        self.count(Kind::Plain, client) + self.count(Kind::Shard, client) > 0
    }

    /// Forgets a client entirely.
    pub fn remove_client(&mut self, client: u64) {
        for kind in [Kind::Plain, Kind::Shard] {
            for ch in self.channels_of(kind, client) {
                self.unsubscribe(kind, client, &ch);
            }
        }
        self.patterns.retain(|(_, c)| *c != client);
        self.per_client.remove(&client);
    }

    /// Active channels of `kind` matching `pattern` (PUBSUB CHANNELS,
    /// SHARDCHANNELS).
    pub fn active_channels(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let table = match kind {
            Kind::Plain => &self.channels,
            Kind::Shard => &self.shard,
        };
        table
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob_match(p, c, false)))
            .cloned()
            .collect()
    }

    /// Subscribers of a channel (PUBSUB NUMSUB, SHARDNUMSUB).
    pub fn numsub(&self, kind: Kind, channel: &[u8]) -> usize {
        let table = match kind {
            Kind::Plain => &self.channels,
            Kind::Shard => &self.shard,
        };
        table.get(channel).map_or(0, |v| v.len())
    }

    /// Pattern subscriptions of all clients (PUBSUB NUMPAT).
    pub fn numpat(&self) -> usize {
        self.patterns.len()
    }

    /// Channels with subscribers (INFO `pubsub_channels`,
    /// `pubsubshard_channels`).
    pub fn channel_count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Plain => self.channels.len(),
            Kind::Shard => self.shard.len(),
        }
    }
}

/// A message for a client that was busy when it was published.
#[derive(Debug)]
pub struct Deferred {
    /// Receiver.
    pub client: u64,
    /// The subscription it matched.
    pub via: Via,
    /// Channel.
    pub channel: Vec<u8>,
    /// Payload.
    pub msg: Vec<u8>,
}

/// The subscription a message reaches a client through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// SUBSCRIBE: `message`.
    Channel,
    /// PSUBSCRIBE of this pattern: `pmessage`.
    Pattern(Vec<u8>),
    /// SSUBSCRIBE: `smessage`.
    Shard,
}

/// Writes one Pub/Sub message: a push in RESP3, an array in RESP2.
pub(crate) fn write_message(out: &mut resp::Out, via: &Via, channel: &[u8], msg: &[u8]) {
    match via {
        Via::Pattern(p) => {
            out.push(4);
            out.bulk(b"pmessage");
            out.bulk(p);
        }
        Via::Channel => {
            out.push(3);
            out.bulk(b"message");
        }
        Via::Shard => {
            out.push(3);
            out.bulk(b"smessage");
        }
    }
    out.bulk(channel);
    out.bulk(msg);
}

impl Engine {
    /// PUBLISH: delivers to channel subscribers, then pattern subscribers,
    /// and returns how many received it. `from` is the publishing client,
    /// whose state is already borrowed by the caller (None for messages
    /// the server itself publishes).
    pub fn publish(
        &mut self,
        from: Option<&mut ClientState>,
        channel: &[u8],
        msg: &[u8],
        now_ms: i64,
    ) -> usize {
        self.publish_to(Kind::Plain, from, channel, msg, now_ms)
    }

    /// PUBLISH (plain channels and patterns) or SPUBLISH (shard channels).
    pub fn publish_to(
        &mut self,
        kind: Kind,
        mut from: Option<&mut ClientState>,
        channel: &[u8],
        msg: &[u8],
        now_ms: i64,
    ) -> usize {
        let mut targets: Vec<(u64, Via)> = Vec::new();
        match kind {
            Kind::Plain => {
                if let Some(ids) = self.pubsub.channels.get(channel) {
                    targets.extend(ids.iter().map(|id| (*id, Via::Channel)));
                }
                for (p, id) in &self.pubsub.patterns {
                    if glob_match(p, channel, false) {
                        targets.push((*id, Via::Pattern(p.clone())));
                    }
                }
            }
            Kind::Shard => {
                if let Some(ids) = self.pubsub.shard.get(channel) {
                    targets.extend(ids.iter().map(|id| (*id, Via::Shard)));
                }
            }
        }
        let limits = self.config.client_output_buffer_limits()[OBUF_PUBSUB];
        for (id, via) in &targets {
            match from.as_deref_mut() {
                Some(c) if c.id == *id => {
                    write_message(&mut c.out, via, channel, msg);
                }
                _ => {
                    let Some(rc) = self.clients.get(id).cloned() else {
                        continue;
                    };
                    let Ok(mut c) = rc.try_borrow_mut() else {
                        // The client running the command, reached from
                        // deep inside it (lazy expiry): its message
                        // follows the command's reply.
                        self.deferred.push(Deferred {
                            client: *id,
                            via: via.clone(),
                            channel: channel.to_vec(),
                            msg: msg.to_vec(),
                        });
                        continue;
                    };
                    write_message(&mut c.out, via, channel, msg);
                    self.check_output_limits(&mut c, limits, now_ms);
                    c.wake();
                }
            }
        }
        targets.len()
    }

    /// notify.c `notifyKeyspaceEvent`: publishes `event` on
    /// `__keyspace@<db>__:<key>` and/or `key` on `__keyevent@<db>__:<event>`
    /// when `notify-keyspace-events` enables the class.
    pub fn notify(
        &mut self,
        from: Option<&mut ClientState>,
        class: i64,
        event: &str,
        db: usize,
        key: &[u8],
        now_ms: i64,
    ) {
        let flags = self.cached.notify_flags;
        if flags & class == 0 {
            return;
        }
        let mut from = from;
        if flags & conf::notify::NOTIFY_KEYSPACE != 0 {
            let mut ch = format!("__keyspace@{db}__:").into_bytes();
            ch.extend_from_slice(key);
            self.publish(from.as_deref_mut(), &ch, event.as_bytes(), now_ms);
        }
        if flags & conf::notify::NOTIFY_KEYEVENT != 0 {
            let ch = format!("__keyevent@{db}__:{event}");
            self.publish(from, ch.as_bytes(), key, now_ms);
        }
    }
}

use crate::engine::Ctx;
use conf::notify::{NOTIFY_GENERIC, NOTIFY_NEW};

impl Ctx<'_> {
    /// Publishes a keyspace event of the running command for `key` in the
    /// client's database. The first event of a key the command created is
    /// preceded by `new` (7.0's `n` class, sent from dbAdd in Redis).
    pub fn notify(&mut self, class: i64, event: &str, key: &[u8]) {
        let flags = self.eng.cached.notify_flags;
        if flags == 0 {
            return;
        }
        let db = self.client.db;
        self.notify_in(db, class, event, key);
    }

    /// [`Ctx::notify`] for a key of another database (MOVE, COPY ... DB).
    pub fn notify_in(&mut self, db: usize, class: i64, event: &str, key: &[u8]) {
        if self.eng.cached.notify_flags & NOTIFY_NEW != 0 {
            let created = self
                .eng
                .absent_keys
                .iter()
                .position(|(d, k)| *d == db && k == key);
            if let Some(i) = created.filter(|_| self.eng.ks.dbs[db].contains(key)) {
                self.eng.absent_keys.swap_remove(i);
                self.eng
                    .notify(Some(self.client), NOTIFY_NEW, "new", db, key, self.now_ms);
            }
        }
        self.eng
            .notify(Some(self.client), class, event, db, key, self.now_ms);
    }

    /// `new` for a key just added to `db` where the dispatcher cannot see
    /// it coming (RENAME's target, MOVE, COPY, SORT STORE): sent at once,
    /// as Redis's dbAdd sends it, before the command's own events.
    pub fn notify_created(&mut self, db: usize, key: &[u8]) {
        if self.eng.cached.notify_flags & NOTIFY_NEW == 0 {
            return;
        }
        self.eng
            .absent_keys
            .retain(|(d, k)| !(*d == db && k == key));
        self.eng
            .notify(Some(self.client), NOTIFY_NEW, "new", db, key, self.now_ms);
    }

    /// `del` for a key the command emptied and removed.
    pub fn notify_del(&mut self, key: &[u8]) {
        self.notify(NOTIFY_GENERIC, "del", key);
    }
}

#[cfg(test)]
mod tests {
    //! Goal: subscription bookkeeping matches pubsub.c: one subscription per
    //! channel per client, counts over channels and patterns, and a clean
    //! removal of a client.
    use super::*;

    #[test]
    fn bookkeeping() {
        use Kind::{Plain, Shard};
        let mut p = PubSub::default();
        assert!(p.subscribe(Plain, 1, b"a") && !p.subscribe(Plain, 1, b"a"));
        assert!(p.subscribe(Plain, 2, b"a") && p.psubscribe(1, b"a*"));
        assert!(p.subscribe(Shard, 1, b"a"));
        assert_eq!((p.count(Plain, 1), p.count(Shard, 1)), (2, 1));
        assert_eq!(
            (p.numsub(Plain, b"a"), p.numsub(Shard, b"a"), p.numpat()),
            (2, 1, 1)
        );
        assert_eq!(p.active_channels(Plain, Some(b"a")), vec![b"a".to_vec()]);
        p.remove_client(1);
        assert_eq!(
            (p.count(Plain, 1), p.numsub(Plain, b"a"), p.numpat()),
            (0, 1, 0)
        );
        assert_eq!(p.channel_count(Shard), 0);
        assert!(p.unsubscribe(Plain, 2, b"a") && !p.unsubscribe(Plain, 2, b"a"));
        assert_eq!(p.channel_count(Plain), 0);
    }
}
