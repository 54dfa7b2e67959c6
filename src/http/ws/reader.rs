//! A connection's reader: the task that reads the socket and keeps the
//! timers and signals that can end a connection (shutdown, pings, token
//! revocations). It hands what happened to the connection's writer, in
//! order, over a short queue, so the writer is woken only when there is
//! something to do: an event delivered to ten thousand subscribers wakes
//! ten thousand writers, and none of them polls the socket or a timer.

use super::*;
use futures_util::stream::SplitStream;
use tokio::sync::mpsc;

/// What the reader hands the writer. Small (what is rare is boxed): every
/// connection's queue holds room for a block of them.
pub(super) enum Signal {
    /// A message from the client.
    Client(Box<Message>),
    /// Time to ping the peer (it answered the last ping in time).
    Ping,
    /// Tokens were revoked somewhere: the writer checks its own.
    Revocations,
    /// The connection ends: the server is stopping, or the peer stopped
    /// answering pings.
    End(Box<End>),
}

/// How many signals may wait for a busy writer before the reader stops
/// reading the socket.
pub(super) const QUEUE: usize = 16;

/// Reads `rx` and watches `stop`, the ping interval and `revocations` until
/// the peer goes away or the writer stops listening. After an [`Signal::End`]
/// it only forwards what the client still sends (its close reply).
pub(super) async fn read(
    mut rx: SplitStream<WebSocket>,
    signals: mpsc::Sender<Signal>,
    cfg: WsConfig,
    mut stop: watch::Receiver<bool>,
    mut revocations: watch::Receiver<u64>,
) {
    let mut ping = tokio::time::interval_at(Instant::now() + cfg.ping_interval, cfg.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let mut ending = false;
    loop {
        let signal = tokio::select! {
            _ = stop.changed(), if !ending => {
                ending = true;
                Signal::End(Box::new(close(close::GOING_AWAY, "the server is shutting down; resume with your cursor")))
            }
            _ = ping.tick(), if !ending => {
                if last_heard.elapsed() > cfg.ping_interval + cfg.pong_timeout {
                    ending = true;
                    Signal::End(Box::new(close(close::UNRESPONSIVE, "no answer to pings")))
                } else {
                    Signal::Ping
                }
            }
            Ok(()) = revocations.changed(), if !ending => Signal::Revocations,
            msg = rx.next() => {
                let Some(Ok(msg)) = msg else { return };
                last_heard = Instant::now();
                Signal::Client(Box::new(msg))
            }
        };
        if signals.send(signal).await.is_err() {
            return;
        }
    }
}
