//! The reading of a whole name: peel decorations off the front, the back and
//! the middle, then rebuild the base name from what is left.
//!
//! Every step looks at a bounded window of tokens, so the work is linear in the
//! length of the name whatever it contains.

use crate::markers::{classify, classify_pair, is_glued_region, is_region, Marker, Place};
use crate::normalize::normalize;
use crate::quality::Quality;
use crate::rebuild::{feed_tags, rebuild};
use crate::tokens::{tokenize, Kind, Token};
use crate::ParsedName;

/// Most tokens a bracketed group may span (`[UK FHD HEVC]`).
const MAX_GROUP: usize = 8;
/// Most words a prefix or suffix segment may hold (`UK FHD VIP:`).
const MAX_RUN: usize = 6;

/// What became of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Part of the base name.
    Keep,
    /// Removed as part of a prefix, suffix or bracketed decoration.
    Edge,
    /// A quality, codec or flag word removed from inside the name.
    Middle,
    /// A decorative separator dropped from the ends.
    Junk,
}

/// Splits a provider's channel name into base name, quality tier and tags.
pub(crate) fn parse(name: &str) -> ParsedName {
    let text = normalize(name);
    let mut tokens = tokenize(&text);
    split_glued_region(&mut tokens);
    let mut reader = Reader::new(&tokens);
    reader.strip_prefix();
    reader.strip_suffix();
    reader.strip_middle();
    reader.finish()
}

/// "UK-BBC One": a known region glued to the first word by a dash.
fn split_glued_region(tokens: &mut Vec<Token<'_>>) {
    let Some(first) = tokens.first().copied().filter(Token::is_word) else {
        return;
    };
    let Some(dash) = first.text.find('-') else {
        return;
    };
    let (region, rest) = (&first.text[..dash], &first.text[dash + 1..]);
    if rest.is_empty() || !is_glued_region(region) || is_region(first.text) {
        return;
    }
    if classify(first.text, Place::Edge).is_some() {
        return; // "UK-IE", "UK-HD": a compound decoration, read whole.
    }
    let parts = [
        Token {
            text: region,
            kind: Kind::Word,
            space_before: first.space_before,
        },
        Token {
            text: &first.text[dash..dash + 1],
            kind: Kind::Sep,
            space_before: false,
        },
        Token {
            text: rest,
            kind: Kind::Word,
            space_before: false,
        },
    ];
    tokens.splice(0..1, parts);
}

/// The closing separator of a group opened by `open`.
fn closer_for(open: &str) -> Option<&'static str> {
    Some(match open {
        "[" => "]",
        "(" => ")",
        "{" => "}",
        "|" => "|",
        "<" => ">",
        "«" => "»",
        "【" => "】",
        "「" => "」",
        "〔" => "〕",
        "『" => "』",
        _ => return None,
    })
}

/// The opening separator of a group closed by `close`.
fn opener_for(close: &str) -> Option<&'static str> {
    Some(match close {
        "]" => "[",
        ")" => "(",
        "}" => "{",
        "|" => "|",
        ">" => "<",
        "»" => "«",
        "】" => "【",
        "」" => "「",
        "〕" => "〔",
        "』" => "『",
        _ => return None,
    })
}

/// True for a separator that can end a prefix segment or start a suffix one
/// (`:`, `|`, `-`, `★`, `•`, ...): anything but a bracket.
fn is_segment_sep(t: &Token<'_>) -> bool {
    t.kind == Kind::Sep
        && (t.text == "|" || (closer_for(t.text).is_none() && opener_for(t.text).is_none()))
}

/// Separators allowed between the words of a decoration group (`[UK/IE]`, `(HD, HEVC)`).
fn is_group_inner_sep(t: &Token<'_>) -> bool {
    matches!(t.text, "/" | "," | "-" | ":" | "+" | "&")
}

/// Reads the words of `run` (separators already checked) as decorations.
fn classify_run(run: &[Token<'_>], place: Place) -> Option<Vec<Marker>> {
    let words: Vec<&str> = run.iter().filter(|t| t.is_word()).map(|t| t.text).collect();
    if words.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if let Some(m) = words
            .get(i + 1)
            .and_then(|next| classify_pair(words[i], next))
        {
            out.extend(m);
            i += 2;
        } else {
            out.extend(classify(words[i], place)?);
            i += 1;
        }
    }
    Some(out)
}

/// Walks the tokens once from each end and once through the middle.
struct Reader<'t, 'a> {
    tokens: &'t [Token<'a>],
    fate: Vec<Fate>,
    /// Markers found, with the index of the token they came from.
    found: Vec<(usize, Marker)>,
    /// First token not yet read by the prefix pass.
    lo: usize,
    /// One past the last token not yet read by the suffix pass.
    hi: usize,
}

impl<'t, 'a> Reader<'t, 'a> {
    fn new(tokens: &'t [Token<'a>]) -> Self {
        Reader {
            tokens,
            fate: vec![Fate::Keep; tokens.len()],
            found: Vec::new(),
            lo: 0,
            hi: tokens.len(),
        }
    }

    fn mark(&mut self, from: usize, to: usize, fate: Fate, markers: Vec<Marker>) {
        self.fate[from..to].fill(fate);
        self.found.extend(markers.into_iter().map(|m| (from, m)));
    }

    /// A decoration group opened at `open`, ending before `end`: its closing index.
    fn group_from(&self, open: usize, end: usize, place: Place) -> Option<(usize, Vec<Marker>)> {
        let closer = closer_for(self.tokens[open].text)?;
        let last = end.min(open + MAX_GROUP + 2);
        let close = (open + 1..last).find(|&j| self.tokens[j].is_sep(closer))?;
        self.group_markers(open, close, place).map(|m| (close, m))
    }

    /// A decoration group closed at `close`, starting at or after `start`: its opening index.
    fn group_to(&self, close: usize, start: usize, place: Place) -> Option<(usize, Vec<Marker>)> {
        let opener = opener_for(self.tokens[close].text)?;
        let first = start.max(close.saturating_sub(MAX_GROUP + 1));
        let open = (first..close)
            .rev()
            .find(|&j| self.tokens[j].is_sep(opener))?;
        self.group_markers(open, close, place).map(|m| (open, m))
    }

    fn group_markers(&self, open: usize, close: usize, place: Place) -> Option<Vec<Marker>> {
        let inner = &self.tokens[open + 1..close];
        if inner.iter().any(|t| !t.is_word() && !is_group_inner_sep(t)) {
            return None;
        }
        classify_run(inner, place)
    }

    /// True when a word lies in `from..to` (so a prefix never eats the whole name).
    fn word_in(&self, from: usize, to: usize) -> bool {
        self.tokens[from..to].iter().any(Token::is_word)
    }

    /// Country, quality and flag segments in front: `|UK|`, `[UK]`, `UK FHD:`, `★ UK ★`.
    fn strip_prefix(&mut self) {
        while self.lo < self.hi {
            let lo = self.lo;
            let t = self.tokens[lo];
            if t.kind == Kind::Sep {
                if let Some((close, m)) = self.group_from(lo, self.hi, Place::Group { first: true })
                {
                    self.mark(lo, close + 1, Fate::Edge, m);
                    self.lo = close + 1;
                } else {
                    self.fate[lo] = Fate::Junk;
                    self.lo += 1;
                }
                continue;
            }
            let limit = self.hi.min(lo + MAX_RUN + 1);
            let end = (lo..limit)
                .find(|&j| !self.tokens[j].is_word())
                .unwrap_or(limit);
            if end < self.hi && is_segment_sep(&self.tokens[end]) && self.word_in(end + 1, self.hi)
            {
                if let Some(m) = classify_run(&self.tokens[lo..end], Place::Edge) {
                    self.mark(lo, end + 1, Fate::Edge, m);
                    self.lo = end + 1;
                    continue;
                }
            }
            // "UK FHD BBC One": an upper-case region right before a decoration word.
            let next_is_marker = self
                .tokens
                .get(lo + 1)
                .filter(|n| lo + 1 < self.hi && n.is_word())
                .is_some_and(|n| classify(n.text, Place::Middle).is_some());
            if next_is_marker && is_region(t.text) && t.text.bytes().all(|b| b.is_ascii_uppercase())
            {
                let m = classify(t.text, Place::Edge).unwrap_or_default();
                self.mark(lo, lo + 1, Fate::Edge, m);
                self.lo += 1;
            }
            break;
        }
    }

    /// Decorations at the end: `(UK)`, `[B]`, `- HD`, `| UK`, trailing symbols.
    fn strip_suffix(&mut self) {
        while self.hi > self.lo {
            let last = self.hi - 1;
            let t = self.tokens[last];
            if t.kind == Kind::Sep {
                if let Some((open, m)) = self.group_to(last, self.lo, Place::Group { first: false })
                {
                    self.mark(open, last + 1, Fate::Edge, m);
                    self.hi = open;
                    continue;
                }
                if t.text != "|" && opener_for(t.text).is_some() {
                    break; // a closing bracket of a kept group: "(Action)".
                }
                self.fate[last] = Fate::Junk;
                self.hi = last;
                continue;
            }
            let limit = self.lo.max(self.hi.saturating_sub(MAX_RUN + 1));
            let Some(sep) = (limit..self.hi).rev().find(|&j| !self.tokens[j].is_word()) else {
                break;
            };
            if !is_segment_sep(&self.tokens[sep]) || !self.word_in(self.lo, sep) {
                break;
            }
            match classify_run(&self.tokens[sep + 1..self.hi], Place::Edge) {
                Some(m) => {
                    self.mark(sep, self.hi, Fate::Edge, m);
                    self.hi = sep;
                }
                None => break,
            }
        }
    }

    /// Quality, codec and flag words and decoration groups inside the name.
    fn strip_middle(&mut self) {
        let mut i = self.lo;
        while i < self.hi {
            let t = self.tokens[i];
            if t.kind == Kind::Sep {
                if let Some((close, m)) = self.group_from(i, self.hi, Place::Group { first: false })
                {
                    self.mark(i, close + 1, Fate::Middle, m);
                    i = close + 1;
                } else {
                    i += 1;
                }
                continue;
            }
            let next = self
                .tokens
                .get(i + 1)
                .filter(|n| i + 1 < self.hi && n.is_word());
            if let Some(m) = next.and_then(|n| classify_pair(t.text, n.text)) {
                self.mark(i, i + 2, Fate::Middle, m);
                i += 2;
                continue;
            }
            if let Some(m) = classify(t.text, Place::Middle) {
                if !self.is_show_name(i) {
                    self.mark(i, i + 1, Fate::Middle, m);
                }
            }
            i += 1;
        }
    }

    /// "WWE Raw" is a programme, not a raw feed.
    fn is_show_name(&self, i: usize) -> bool {
        self.tokens[i].text.eq_ignore_ascii_case("raw")
            && i > 0
            && self.tokens[i - 1].is_word()
            && self.tokens[i - 1].text.eq_ignore_ascii_case("wwe")
    }

    fn finish(mut self) -> ParsedName {
        // Nothing but decorations ("UK: HD", "4K") would leave an empty name:
        // then keep the inner decorations, then everything but junk.
        let readings: [fn(Fate) -> bool; 3] = [
            |f| f == Fate::Keep,
            |f| matches!(f, Fate::Keep | Fate::Middle),
            |f| f != Fate::Junk,
        ];
        let mut kept = readings[0];
        let mut base = String::new();
        for reading in readings {
            kept = reading;
            base = rebuild(self.tokens, &self.fate, kept);
            if !base.is_empty() {
                break;
            }
        }
        let feeds = feed_tags(self.tokens, &self.fate, kept);
        self.found
            .extend(feeds.into_iter().map(|(i, tag)| (i, Marker::Tag(tag))));
        self.found.sort_by_key(|(i, _)| *i);
        let mut quality = Quality::Unknown;
        let mut tags: Vec<String> = Vec::new();
        for (_, marker) in self.found {
            match marker {
                Marker::Quality(q) => quality = quality.best(q),
                Marker::Tag(tag) | Marker::Region(tag) => {
                    if !tags.contains(&tag) {
                        tags.push(tag);
                    }
                }
            }
        }
        ParsedName {
            base_name: base,
            quality,
            tags,
        }
    }
}
