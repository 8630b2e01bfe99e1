//! Splits a normalised name into words and separators, remembering spacing.

use crate::chars::{is_core, is_joiner};

/// Whether a token is part of the name's text or a separator between parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters and digits, with joining punctuation inside ("A&E", "H.265").
    Word,
    /// One separator character (`|`, `:`, `(`, `★`, a lone `-`, ...).
    Sep,
}

/// One word or separator, borrowed from the normalised name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub text: &'a str,
    pub kind: Kind,
    /// Whether whitespace came before it, so the base name keeps the spacing.
    pub space_before: bool,
}

impl<'a> Token<'a> {
    fn word(text: &'a str, space_before: bool) -> Self {
        Token {
            text,
            kind: Kind::Word,
            space_before,
        }
    }

    fn sep(text: &'a str, space_before: bool) -> Self {
        Token {
            text,
            kind: Kind::Sep,
            space_before,
        }
    }

    /// True for a word token.
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }

    /// True for the separator `s`.
    pub fn is_sep(&self, s: &str) -> bool {
        self.kind == Kind::Sep && self.text == s
    }
}

/// Splits `s` into tokens in one pass. Joining punctuation belongs to a word
/// when it follows word text or precedes a letter or digit, so `UK-` is a word
/// (peeled below) while a lone ` - ` is a separator.
pub(crate) fn tokenize(s: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut space = false;
    let mut start: Option<usize> = None;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let next = iter.peek().map(|&(_, n)| n);
        let in_word = start.is_some();
        if is_core(c) || (is_joiner(c) && (in_word || next.is_some_and(is_core))) {
            start.get_or_insert(i);
            continue;
        }
        if let Some(st) = start.take() {
            push_word(&mut tokens, &s[st..i], space);
            space = false;
        }
        if c.is_whitespace() {
            space = true;
        } else {
            tokens.push(Token::sep(&s[i..i + c.len_utf8()], space));
            space = false;
        }
    }
    if let Some(st) = start {
        push_word(&mut tokens, &s[st..], space);
    }
    tokens
}

/// Joiners that cannot start a word; they become separators ("-BBC" → "-", "BBC").
const LEADING_PEEL: &[char] = &['-', '/', '.', '&', '\'', '\u{2019}', '`'];
/// Joiners that cannot end a word ("UK-" → "UK", "-").
const TRAILING_PEEL: &[char] = &['-', '/', '&', '#', '@', '\'', '\u{2019}', '`'];

/// Pushes a word, peeling separators off its ends and splitting a glued feed
/// ("ITV+1" → "ITV", "+1"; but "1+1" and "Canal+" stay whole).
fn push_word<'a>(tokens: &mut Vec<Token<'a>>, word: &'a str, space: bool) {
    let mut space = space;
    let mut body = word;
    while let Some(c) = body.chars().next().filter(|c| LEADING_PEEL.contains(c)) {
        tokens.push(Token::sep(&body[..c.len_utf8()], space));
        space = false;
        body = &body[c.len_utf8()..];
    }
    let mut trail_start = body.len();
    while let Some(c) = body[..trail_start]
        .chars()
        .next_back()
        .filter(|c| TRAILING_PEEL.contains(c))
    {
        trail_start -= c.len_utf8();
    }
    let (body, trail) = body.split_at(trail_start);
    if !body.is_empty() {
        match split_feed(body) {
            Some((name, feed)) => {
                tokens.push(Token::word(name, space));
                tokens.push(Token::word(feed, true));
            }
            None => tokens.push(Token::word(body, space)),
        }
    }
    for (i, c) in trail.char_indices() {
        tokens.push(Token::sep(&trail[i..i + c.len_utf8()], false));
    }
}

/// Splits "ITV+1" into ("ITV", "+1") when the part before `+` is a name
/// (not digits only, so "1+1" and "2+2" stay channel names).
fn split_feed(word: &str) -> Option<(&str, &str)> {
    let plus = word.rfind('+')?;
    let (name, feed) = word.split_at(plus);
    let digits = &feed[1..];
    let feed_ok = (1..=2).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    let name_ok =
        !name.is_empty() && !name.ends_with('+') && !name.bytes().all(|b| b.is_ascii_digit());
    (feed_ok && name_ok).then_some((name, feed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        tokenize(s).iter().map(|t| t.text).collect()
    }

    #[test]
    fn words_and_separators() {
        assert_eq!(texts("UK: BBC One"), ["UK", ":", "BBC", "One"]);
        assert_eq!(texts("|UK| A&E"), ["|", "UK", "|", "A&E"]);
        assert_eq!(texts("UK- BBC - HD+"), ["UK", "-", "BBC", "-", "HD+"]);
        assert_eq!(texts("H.265 E! +1"), ["H.265", "E!", "+1"]);
    }

    #[test]
    fn glued_feeds_split() {
        assert_eq!(texts("ITV+1"), ["ITV", "+1"]);
        assert_eq!(texts("1+1"), ["1+1"]);
        assert_eq!(texts("Canal+"), ["Canal+"]);
    }

    #[test]
    fn spacing_is_recorded() {
        let t = tokenize("a  b:c");
        assert!(
            !t[0].space_before && t[1].space_before && !t[2].space_before && !t[3].space_before
        );
    }
}
