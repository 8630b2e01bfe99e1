//! Turns the tokens left after decorations are removed back into a tidy name,
//! and reads the feed (`East`, `West`, `+1`) off it.

use crate::parse::Fate;
use crate::tokens::Token;

/// A kept token on its way into the base name.
#[derive(Clone, Copy)]
struct Piece<'a> {
    text: &'a str,
    word: bool,
    space: bool,
}

/// Separators worth keeping inside a name ("Sky Sports: Main Event", "A & E",
/// "Sky Cinema (Action)"); every other separator is decoration.
fn is_keepable(sep: &str) -> bool {
    matches!(sep, ":" | "," | ";" | "-" | "/" | "&" | "+" | "–" | "—")
        || is_open(sep)
        || is_close(sep)
}

fn is_open(sep: &str) -> bool {
    matches!(sep, "(" | "[" | "{")
}

fn is_close(sep: &str) -> bool {
    matches!(sep, ")" | "]" | "}")
}

fn pair_of(open: &str) -> &'static str {
    match open {
        "(" => ")",
        "[" => "]",
        _ => "}",
    }
}

/// True for a separator piece that is not a bracket.
fn is_plain_sep(p: &Piece<'_>) -> bool {
    !p.word && !is_open(p.text) && !is_close(p.text)
}

/// Rebuilds the base name from the tokens whose fate `kept` accepts: single
/// spaces, no dangling separators, balanced and non-empty brackets.
pub(crate) fn rebuild(tokens: &[Token<'_>], fate: &[Fate], kept: fn(Fate) -> bool) -> String {
    let mut pieces: Vec<Piece<'_>> = Vec::new();
    let mut gap = false;
    for (t, &f) in tokens.iter().zip(fate) {
        if !kept(f) || (!t.is_word() && !is_keepable(t.text)) {
            gap = true;
            continue;
        }
        let space = t.space_before || (gap && t.is_word());
        pieces.push(Piece {
            text: t.text,
            word: t.is_word(),
            space,
        });
        gap = false;
    }
    let pieces = balance(pieces);
    let mut out: Vec<Piece<'_>> = Vec::with_capacity(pieces.len());
    for p in pieces {
        let last = out.last();
        if is_plain_sep(&p) && last.is_none_or(|l| is_plain_sep(l) || is_open(l.text)) {
            continue;
        }
        if is_close(p.text) {
            while out.last().is_some_and(is_plain_sep) {
                out.pop();
            }
        }
        out.push(p);
    }
    while out
        .last()
        .is_some_and(|l| is_plain_sep(l) || is_open(l.text))
    {
        out.pop();
    }
    let mut name = String::new();
    let mut after_open = true;
    for p in &out {
        if p.space && !after_open && !is_close(p.text) {
            name.push(' ');
        }
        name.push_str(p.text);
        after_open = is_open(p.text);
    }
    name
}

/// Drops unmatched brackets and empty bracket pairs.
fn balance(pieces: Vec<Piece<'_>>) -> Vec<Piece<'_>> {
    let mut drop = vec![false; pieces.len()];
    let mut open: Vec<usize> = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        if p.word {
            continue;
        }
        if is_open(p.text) {
            open.push(i);
        } else if is_close(p.text) {
            match open.last() {
                Some(&o) if pair_of(pieces[o].text) == p.text => {
                    open.pop();
                    if !pieces[o + 1..i].iter().any(|q| q.word) {
                        drop[o..=i].fill(true);
                    }
                }
                _ => drop[i] = true,
            }
        }
    }
    for o in open {
        drop[o] = true;
    }
    pieces
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(p, _)| p)
        .collect()
}

/// True for a feed word such as `+1` or `+24`.
pub(crate) fn is_feed(word: &str) -> bool {
    word.strip_prefix('+')
        .is_some_and(|d| (1..=2).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The feed tags of the kept words, with their token index: every `+N`, and
/// `east` / `west` when it is the last word before any `+N`.
pub(crate) fn feed_tags(
    tokens: &[Token<'_>],
    fate: &[Fate],
    kept: fn(Fate) -> bool,
) -> Vec<(usize, String)> {
    let words: Vec<(usize, &str)> = tokens
        .iter()
        .zip(fate)
        .enumerate()
        .filter(|(_, (t, &f))| kept(f) && t.is_word())
        .map(|(i, (t, _))| (i, t.text))
        .collect();
    let mut tags: Vec<(usize, String)> = words
        .iter()
        .filter(|(_, w)| is_feed(w))
        .map(|&(i, w)| (i, w.to_string()))
        .collect();
    if let Some(&(i, w)) = words.iter().rev().find(|(_, w)| !is_feed(w)) {
        if w.eq_ignore_ascii_case("east") || w.eq_ignore_ascii_case("west") {
            tags.push((i, w.to_ascii_lowercase()));
        }
    }
    tags
}
