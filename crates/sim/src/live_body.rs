//! The body of one live stream: every ~20 ms slice it re-reads the stream's
//! fault (one atomic load unless faults changed), then sends what the pacer
//! owes — looped TS, junk, nothing — or ends the connection, cleanly or not.

use super::clip::Clip;
use super::deliver::GARBAGE;
use super::faults::Fault;
use super::listener::ConnTag;
use super::looper::Looper;
use super::open_streams::Ticket;
use super::pacer::Pacer;
use super::state::SimState;
use bytes::Bytes;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use streamforge_ts::PACKET_SIZE;
use tokio::time::{Interval, MissedTickBehavior};

/// How often a stream wakes to send what it owes.
pub(crate) const SLICE: Duration = Duration::from_millis(20);

/// Largest chunk handed to the connection at once.
const MAX_CHUNK: usize = 256 * 1024;

/// Stream time sent after `Fault::Truncated` before the body ends.
const TRUNCATE_AFTER: Duration = Duration::from_millis(500);

/// Bytes a `Fault::Close` cut sends first: two packets and a half.
const CUT_LEN: usize = 2 * PACKET_SIZE + PACKET_SIZE / 2;

/// One stream's sending state.
pub(crate) struct LiveBody {
    state: SimState,
    stream_id: u32,
    conn: ConnTag,
    ticket: Ticket,
    looper: Looper,
    /// The clip's video PID (as a list) and audio PIDs, for the faults
    /// that blank them.
    video_pids: Vec<u16>,
    audio_pids: Vec<u16>,
    pacer: Pacer,
    byte_rate: f64,
    tick: Interval,
    stop: Pin<Box<dyn Future<Output = ()> + Send>>,
    /// Fault in force and the generation it was read at.
    fault: Fault,
    generation: u64,
    /// Offset into the junk text (`Fault::Garbage`).
    junk_at: usize,
    /// Bytes left before a truncated stream ends.
    truncate_left: Option<usize>,
    /// What the next call does instead of sending.
    finish: Option<Finish>,
}

/// How a stream goes away.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Finish {
    /// The partial chunk was sent: drop the connection.
    Abort,
    /// Done (clean end or already aborted).
    Done,
}

impl LiveBody {
    /// A stream of `clip` for `stream_id` on `conn`, counted by `ticket`,
    /// owing `burst` of stream time at once.
    pub(crate) fn new(
        state: SimState,
        stream_id: u32,
        conn: ConnTag,
        ticket: Ticket,
        clip: Clip,
        burst: Duration,
    ) -> LiveBody {
        let now = Instant::now();
        let byte_rate = clip.byte_rate();
        let mut tick = tokio::time::interval(SLICE);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let stop = Box::pin(state.shutdown.clone().wait());
        let generation = state.fault_generation();
        let fault = state.stream_fault(stream_id);
        LiveBody {
            state,
            stream_id,
            conn,
            ticket,
            video_pids: clip.video_pid().into_iter().collect(),
            audio_pids: clip.audio_pids().to_vec(),
            looper: Looper::new(clip),
            pacer: Pacer::new(byte_rate, burst, now),
            byte_rate,
            tick,
            stop,
            fault,
            generation,
            junk_at: 0,
            truncate_left: None,
            finish: None,
        }
    }

    /// The next piece of the body: `None` ends it cleanly, `Err` drops the
    /// connection.
    pub(crate) async fn next(&mut self) -> Option<io::Result<Bytes>> {
        match self.finish {
            Some(Finish::Done) => return None,
            Some(Finish::Abort) => {
                // Give the partial chunk a slice to reach the socket.
                tokio::time::sleep(SLICE).await;
                return self.abort();
            }
            None => {}
        }
        loop {
            tokio::select! {
                _ = self.tick.tick() => {}
                _ = &mut self.stop => return self.abort(),
            }
            let now = Instant::now();
            self.refresh_fault();
            if self.ticket.evicted() || self.fault == Fault::Close {
                return Some(Ok(self.cut()));
            }
            if self.fault == Fault::Stall {
                self.pacer.pause(now);
                continue;
            }
            if self.fault == Fault::Truncated && self.truncate_left.is_none() {
                let left = (self.byte_rate * TRUNCATE_AFTER.as_secs_f64()) as usize;
                self.truncate_left = Some((left - left % PACKET_SIZE).max(PACKET_SIZE));
            }
            let mut len = self
                .pacer
                .take(now, self.fault.stream_rate_percent(), MAX_CHUNK);
            if let Some(left) = self.truncate_left.as_mut() {
                if *left == 0 {
                    self.finish = Some(Finish::Done);
                    return None;
                }
                len = len.min(*left);
                *left -= len;
            }
            if len == 0 {
                continue;
            }
            let chunk = match self.fault {
                Fault::Garbage => self.junk(len),
                Fault::FrozenVideo => blank(self.looper.next_chunk(len), &self.video_pids),
                Fault::SilentAudio => blank(self.looper.next_chunk(len), &self.audio_pids),
                _ => self.looper.next_chunk(len),
            };
            self.state.streams.add_bytes(chunk.len());
            return Some(Ok(chunk));
        }
    }

    /// Re-reads the fault when faults changed since the last read.
    fn refresh_fault(&mut self) {
        let generation = self.state.fault_generation();
        if generation != self.generation {
            self.generation = generation;
            self.fault = self.state.stream_fault(self.stream_id);
        }
    }

    /// A last chunk that stops mid-packet; the next call drops the connection.
    fn cut(&mut self) -> Bytes {
        self.finish = Some(Finish::Abort);
        let chunk = self
            .looper
            .next_chunk(CUT_LEN + PACKET_SIZE)
            .slice(..CUT_LEN);
        self.state.streams.add_bytes(chunk.len());
        chunk
    }

    /// Kills the connection and fails the body, so hyper drops it.
    fn abort(&mut self) -> Option<io::Result<Bytes>> {
        self.finish = Some(Finish::Done);
        self.conn.kill();
        Some(Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "simulated stream dropped",
        )))
    }

    /// `len` bytes of junk text, continuing where the last piece stopped.
    fn junk(&mut self, len: usize) -> Bytes {
        let text = junk_text();
        let start = self.junk_at % GARBAGE.len();
        self.junk_at = start + len;
        text.slice(start..start + len)
    }
}

/// `chunk` with every packet of `pids` replaced by a null packet (same
/// length, so the byte rate does not change).
fn blank(chunk: Bytes, pids: &[u16]) -> Bytes {
    let mut out = bytes::BytesMut::from(&chunk[..]);
    for packet in out.chunks_exact_mut(PACKET_SIZE) {
        let pid = u16::from(packet[1] & 0x1F) << 8 | u16::from(packet[2]);
        if pids.contains(&pid) {
            packet[1] = 0x1F;
            packet[2] = 0xFF;
            packet[3] = 0x10;
            packet[4..].fill(0xFF);
        }
    }
    out.freeze()
}

/// The PHP error page repeated, long enough for any chunk from any offset.
fn junk_text() -> &'static Bytes {
    static JUNK: OnceLock<Bytes> = OnceLock::new();
    JUNK.get_or_init(|| {
        let copies = MAX_CHUNK / GARBAGE.len() + 2;
        Bytes::from(GARBAGE.repeat(copies))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_is_long_enough_and_not_ts() {
        let text = junk_text();
        assert!(text.len() >= MAX_CHUNK + GARBAGE.len());
        assert_ne!(text[0], 0x47);
    }
}
