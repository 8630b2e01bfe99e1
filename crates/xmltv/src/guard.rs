//! A `BufRead` stage in front of quick-xml that keeps every XML token bounded.
//!
//! quick-xml buffers a whole event (a text node, a tag with its attributes, a
//! comment) before returning it, so one 50 MB text node would cost 50 MB. The guard
//! follows the token structure byte by byte (text, tag, quoted value, comment,
//! CDATA, processing instruction, DOCTYPE) and cuts any run over its cap at a
//! character boundary, dropping the rest of that run. It remembers where it cut
//! (in the stream quick-xml sees) so the parser can skip exactly the item that
//! contained the cut. It also validates UTF-8 with exact offsets, counts lines
//! and maps quick-xml positions back to input offsets.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use super::error::{FaultKind, PipelineFault, Position};
use super::limits::IngestLimits;

/// Where the guard is inside the token structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// Just after `<`.
    Lt,
    /// After `<!`.
    Bang,
    /// After `<!-`.
    BangDash,
    /// Inside a start or end tag, outside quotes.
    Tag,
    /// Inside a quoted attribute value.
    Quote(u8),
    Comment,
    CData,
    Pi,
    /// `<!DOCTYPE ...>` or another declaration.
    Decl {
        quote: u8,
        subset: bool,
        comment: bool,
    },
}

/// A declaration just started: outside quotes, the subset and comments.
const DECLARATION: State = State::Decl {
    quote: 0,
    subset: false,
    comment: false,
};

/// Bytes removed at one place of the filtered stream.
#[derive(Debug, Clone, Copy)]
struct DropMark {
    /// Offset in the filtered stream where the removed bytes were.
    at: u64,
    bytes: u64,
    lines: u64,
}

/// The token-tracking filter; see the module documentation.
pub(crate) struct Guard<R> {
    inner: R,
    core: Core,
}

struct Core {
    limits: IngestLimits,
    check_utf8: bool,
    /// Added to invalid-UTF-8 messages: what the document declared.
    declared: String,
    out: Vec<u8>,
    pos: usize,
    state: State,
    run: usize,
    dropping: bool,
    tag_len: usize,
    recent: [u8; 3],
    /// Input offset of the next unprocessed input byte.
    in_off: u64,
    in_lines: u64,
    /// Filtered bytes produced so far.
    produced: u64,
    consumed_lines: u64,
    drops: VecDeque<DropMark>,
    pruned_bytes: u64,
    pruned_lines: u64,
    carry: Vec<u8>,
    eof: bool,
    failed: Option<PipelineFault>,
}

fn is_cont(b: u8) -> bool {
    (0x80..0xC0).contains(&b)
}

fn count_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

impl<R: BufRead> Guard<R> {
    /// Wraps `inner`; `base_offset` is how many input bytes precede it (a BOM).
    pub(crate) fn new(
        inner: R,
        limits: IngestLimits,
        base_offset: u64,
        check_utf8: bool,
        declared: String,
    ) -> Self {
        Guard {
            inner,
            core: Core {
                limits,
                check_utf8,
                declared,
                out: Vec::new(),
                pos: 0,
                state: State::Text,
                run: 0,
                dropping: false,
                tag_len: 0,
                recent: [0; 3],
                in_off: base_offset,
                in_lines: 0,
                produced: 0,
                consumed_lines: 0,
                drops: VecDeque::new(),
                pruned_bytes: base_offset,
                pruned_lines: 0,
                carry: Vec::new(),
                eof: false,
                failed: None,
            },
        }
    }

    /// Whether bytes were cut inside the filtered range `(start, end]`, i.e. inside
    /// the event quick-xml read between those positions.
    pub(crate) fn cut_within(&self, start: u64, end: u64) -> bool {
        self.core.drops.iter().any(|d| d.at > start && d.at <= end)
    }

    /// Forgets cut marks at or before `upto` (events before it are done).
    pub(crate) fn forget_before(&mut self, upto: u64) {
        let c = &mut self.core;
        while let Some(d) = c.drops.front().copied() {
            if d.at > upto {
                break;
            }
            c.pruned_bytes += d.bytes;
            c.pruned_lines += d.lines;
            c.drops.pop_front();
        }
    }

    /// Maps a position quick-xml reports to the input, with the line quick-xml
    /// had consumed up to (usually the same line).
    pub(crate) fn position(&self, filtered: u64) -> Position {
        let c = &self.core;
        let mut bytes = c.pruned_bytes;
        let mut lines = c.pruned_lines;
        for d in &c.drops {
            if d.at <= filtered {
                bytes += d.bytes;
                lines += d.lines;
            }
        }
        Position {
            offset: filtered + bytes,
            line: Some(1 + c.consumed_lines + lines),
        }
    }
}

impl Core {
    fn fault(&mut self, kind: FaultKind, what: String, chunk: &[u8], idx: usize) -> PipelineFault {
        let fault = PipelineFault {
            kind,
            what,
            at: Position {
                offset: self.in_off + idx as u64,
                line: Some(1 + self.in_lines + count_lines(&chunk[..idx])),
            },
        };
        self.failed = Some(fault.clone());
        fault
    }

    fn push(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        self.produced += bytes.len() as u64;
    }

    fn record_drop(&mut self, bytes: &[u8]) {
        let lines = count_lines(bytes);
        match self.drops.back_mut() {
            Some(last) if last.at == self.produced => {
                last.bytes += bytes.len() as u64;
                last.lines += lines;
            }
            _ => self.drops.push_back(DropMark {
                at: self.produced,
                bytes: bytes.len() as u64,
                lines,
            }),
        }
    }

    fn begin(&mut self, state: State) {
        self.state = state;
        self.run = 0;
        self.dropping = false;
        self.recent = [0; 3];
    }

    /// Emits `seg` as part of the current run, keeping at most `budget` bytes
    /// (extended to the end of a started character) and dropping the rest.
    fn emit_run(&mut self, seg: &[u8], budget: usize) -> usize {
        if self.dropping {
            self.record_drop(seg);
            return 0;
        }
        let mut keep = budget.min(seg.len());
        while keep < seg.len() && is_cont(seg[keep]) {
            keep += 1;
        }
        self.push(&seg[..keep]);
        if keep < seg.len() {
            self.dropping = true;
            self.record_drop(&seg[keep..]);
        }
        keep
    }

    fn validate(&mut self, chunk: &[u8]) -> Result<(), PipelineFault> {
        let mut data = chunk;
        let mut base = 0;
        if !self.carry.is_empty() {
            let width = match self.carry[0] {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            let take = (width - self.carry.len()).min(chunk.len());
            let mut joined = std::mem::take(&mut self.carry);
            let carried = joined.len();
            joined.extend_from_slice(&chunk[..take]);
            match std::str::from_utf8(&joined) {
                Ok(_) => {}
                Err(e) if e.error_len().is_none() => {
                    self.carry = joined;
                    return Ok(());
                }
                Err(_) => {
                    let what = self.bad_utf8(joined[0]);
                    self.in_off -= carried as u64;
                    let f = self.fault(FaultKind::Encoding, what, chunk, 0);
                    return Err(f);
                }
            }
            data = &chunk[take..];
            base = take;
        }
        if let Err(e) = std::str::from_utf8(data) {
            let at = e.valid_up_to();
            match e.error_len() {
                None => self.carry = data[at..].to_vec(),
                Some(_) => {
                    let what = self.bad_utf8(data[at]);
                    return Err(self.fault(FaultKind::Encoding, what, chunk, base + at));
                }
            }
        }
        Ok(())
    }

    fn bad_utf8(&self, byte: u8) -> String {
        format!(
            "byte 0x{byte:02X} is not valid UTF-8, but the document {} (wrong encoding declaration?)",
            self.declared
        )
    }

    fn too_large(&mut self, what: &str, chunk: &[u8], idx: usize) -> PipelineFault {
        let what = format!(
            "{what} is larger than {} bytes",
            self.limits.max_element_bytes + self.limits.max_text_bytes
        );
        self.fault(FaultKind::TooLarge, what, chunk, idx)
    }

    /// Runs the state machine over one input chunk, appending to `out`: the
    /// current state's method takes what it can of the rest of the chunk
    /// and says how many bytes it used (none when it only changed state).
    fn process(&mut self, chunk: &[u8]) -> Result<(), PipelineFault> {
        if self.check_utf8 {
            self.validate(chunk)?;
        }
        let max_text = self.limits.max_text_bytes;
        let mut i = 0;
        while i < chunk.len() {
            i += match self.state {
                State::Text => self.text(&chunk[i..]),
                State::Lt => self.after_lt(chunk[i]),
                State::Bang => self.after_bang(chunk[i]),
                State::BangDash => self.after_bang_dash(chunk[i]),
                State::Tag => self.tag(chunk, i)?,
                State::Quote(q) => self.quoted(&chunk[i..], q),
                State::Comment => self.terminated(&chunk[i..], b"-->", max_text),
                State::CData => self.terminated(&chunk[i..], b"]]>", max_text),
                State::Pi => self.terminated(&chunk[i..], b"?>", max_text),
                State::Decl {
                    quote,
                    subset,
                    comment,
                } => self.declaration(chunk, i, quote, subset, comment)?,
            };
        }
        self.in_off += chunk.len() as u64;
        self.in_lines += count_lines(chunk);
        Ok(())
    }

    /// Text up to the next `<`, kept up to the text cap.
    fn text(&mut self, rest: &[u8]) -> usize {
        let n = rest.iter().position(|&b| b == b'<').unwrap_or(rest.len());
        let budget = self.limits.max_text_bytes.saturating_sub(self.run);
        let kept = self.emit_run(&rest[..n], budget);
        self.run += kept;
        if n == rest.len() {
            return n;
        }
        self.push(b"<");
        self.begin(State::Lt);
        self.tag_len = 1;
        n + 1
    }

    /// The byte after `<`: a declaration or comment, a processing
    /// instruction, or a tag.
    fn after_lt(&mut self, b: u8) -> usize {
        match b {
            b'!' => {
                self.push(b"!");
                self.state = State::Bang;
                1
            }
            b'?' => {
                self.push(b"?");
                self.begin(State::Pi);
                1
            }
            _ => {
                self.state = State::Tag;
                0
            }
        }
    }

    /// The byte after `<!`: a comment, a CDATA section, or a declaration.
    fn after_bang(&mut self, b: u8) -> usize {
        match b {
            b'-' => {
                self.push(b"-");
                self.state = State::BangDash;
                1
            }
            b'[' => {
                self.push(b"[");
                self.begin(State::CData);
                1
            }
            _ => {
                self.begin(DECLARATION);
                0
            }
        }
    }

    /// The byte after `<!-`: a comment, or (oddly) a declaration.
    fn after_bang_dash(&mut self, b: u8) -> usize {
        match b {
            b'-' => {
                self.push(b"-");
                self.begin(State::Comment);
                1
            }
            _ => {
                self.begin(DECLARATION);
                0
            }
        }
    }

    /// Inside a tag, outside quotes: up to a quote or the closing `>`; the
    /// whole tag is bounded.
    fn tag(&mut self, chunk: &[u8], i: usize) -> Result<usize, PipelineFault> {
        let limits = self.limits;
        let rest = &chunk[i..];
        let n = rest
            .iter()
            .position(|&b| matches!(b, b'"' | b'\'' | b'>'))
            .unwrap_or(rest.len());
        self.push(&rest[..n]);
        self.tag_len += n;
        if self.tag_len > limits.max_element_bytes + limits.max_text_bytes {
            return Err(self.too_large("a tag", chunk, i));
        }
        if n == rest.len() {
            return Ok(n);
        }
        let b = rest[n];
        self.push(&[b]);
        self.tag_len += 1;
        if b == b'>' {
            self.begin(State::Text);
        } else {
            let len = self.tag_len;
            self.begin(State::Quote(b));
            self.tag_len = len;
        }
        Ok(n + 1)
    }

    /// Inside a quoted attribute value: kept up to the text cap and what
    /// is left of the tag's.
    fn quoted(&mut self, rest: &[u8], q: u8) -> usize {
        let limits = self.limits;
        let n = rest.iter().position(|&b| b == q).unwrap_or(rest.len());
        let budget = limits
            .max_text_bytes
            .saturating_sub(self.run)
            .min(limits.max_element_bytes.saturating_sub(self.tag_len));
        let kept = self.emit_run(&rest[..n], budget);
        self.run += kept;
        self.tag_len += kept;
        if n == rest.len() {
            return n;
        }
        self.push(&[q]);
        self.tag_len += 1;
        self.state = State::Tag;
        n + 1
    }

    /// One byte of a DOCTYPE or other declaration, which ends at a `>`
    /// outside quotes, the internal subset and comments in it; the whole
    /// declaration is bounded.
    fn declaration(
        &mut self,
        chunk: &[u8],
        i: usize,
        mut quote: u8,
        mut subset: bool,
        mut comment: bool,
    ) -> Result<usize, PipelineFault> {
        let limits = self.limits;
        let b = chunk[i];
        self.push(&[b]);
        self.tag_len += 1;
        if self.tag_len > limits.max_element_bytes + limits.max_text_bytes {
            return Err(self.too_large("a DOCTYPE or other declaration", chunk, i));
        }
        let r = self.recent;
        let mut done = false;
        if comment {
            comment = !(b == b'>' && r[1] == b'-' && r[2] == b'-');
        } else if quote != 0 {
            if b == quote {
                quote = 0;
            }
        } else {
            match b {
                b'"' | b'\'' => quote = b,
                b'[' if !subset => subset = true,
                b']' if subset => subset = false,
                b'-' if subset && r == *b"<!-" => comment = true,
                b'>' if !subset => done = true,
                _ => {}
            }
        }
        self.recent = [r[1], r[2], b];
        if done {
            self.begin(State::Text);
        } else {
            self.state = State::Decl {
                quote,
                subset,
                comment,
            };
        }
        Ok(1)
    }

    /// Processes a run that ends with `term` (comment, CDATA, PI); returns the
    /// number of bytes used.
    fn terminated(&mut self, rest: &[u8], term: &[u8], cap: usize) -> usize {
        let last = term.len() - 1;
        for (i, &b) in rest.iter().enumerate() {
            let r = self.recent;
            let done = b == term[last] && r[3 - last..] == term[..last];
            self.recent = [r[1], r[2], b];
            if done {
                if self.dropping {
                    self.push(term);
                } else {
                    self.push(&[b]);
                }
                self.begin(State::Text);
                return i + 1;
            }
            if !self.dropping && (self.run < cap || is_cont(b)) {
                self.push(&[b]);
                self.run += 1;
            } else {
                self.dropping = true;
                self.record_drop(&[b]);
            }
        }
        rest.len()
    }
}

impl<R: BufRead> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Guard<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let c = &mut self.core;
        if let Some(f) = &c.failed {
            return Err(f.clone().into_io());
        }
        while c.pos == c.out.len() {
            if c.eof {
                return Ok(&[]);
            }
            c.out.clear();
            c.pos = 0;
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                c.eof = true;
                if !c.carry.is_empty() {
                    let what = format!(
                        "the input ends inside a UTF-8 character, but the document {}",
                        c.declared
                    );
                    c.in_off -= c.carry.len() as u64;
                    return Err(c.fault(FaultKind::Encoding, what, &[], 0).into_io());
                }
                return Ok(&[]);
            }
            let n = chunk.len();
            c.process(chunk).map_err(PipelineFault::into_io)?;
            self.inner.consume(n);
        }
        Ok(&c.out[c.pos..])
    }

    fn consume(&mut self, amt: usize) {
        let c = &mut self.core;
        c.consumed_lines += count_lines(&c.out[c.pos..c.pos + amt]);
        c.pos += amt;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8], text: usize) -> (Vec<u8>, Vec<(u64, u64)>) {
        let limits = IngestLimits {
            max_text_bytes: text,
            max_element_bytes: 64,
            max_channels: 10,
        };
        let mut g = Guard::new(
            io::BufReader::with_capacity(7, input),
            limits,
            0,
            true,
            "declares UTF-8".into(),
        );
        let mut out = Vec::new();
        g.read_to_end(&mut out).unwrap();
        let drops = g.core.drops.iter().map(|d| (d.at, d.bytes)).collect();
        (out, drops)
    }

    #[test]
    fn passes_small_documents_unchanged() {
        let doc = b"<?xml version='1.0'?><!DOCTYPE tv [<!ENTITY a \"x>y\"><!-- ] -->]><tv a='>'>t<!-- c --><![CDATA[d]]></tv>";
        assert_eq!(run(doc, 100).0, doc.to_vec());
    }

    #[test]
    fn cuts_long_text_and_attributes_at_char_boundaries() {
        let (out, drops) = run("<a b=\"ééééé\">ééééé</a>".as_bytes(), 3);
        assert_eq!(String::from_utf8(out).unwrap(), "<a b=\"éé\">éé</a>");
        assert_eq!(drops.len(), 2);
    }

    #[test]
    fn keeps_terminators_of_cut_comments() {
        let (out, _) = run(b"<a><!-- 0123456789 --><b/></a>", 4);
        assert_eq!(out, b"<a><!-- 012--><b/></a>".to_vec());
    }

    #[test]
    fn reports_invalid_utf8_offset() {
        let limits = IngestLimits::default();
        let mut g = Guard::new(&b"<tv>abc\n\xE9t</tv>"[..], limits, 0, true, "x".into());
        let mut out = Vec::new();
        let err = g.read_to_end(&mut out).unwrap_err();
        let f = PipelineFault::from_io(&err).unwrap();
        assert_eq!(
            f.at,
            Position {
                offset: 8,
                line: Some(2)
            }
        );
    }
}
