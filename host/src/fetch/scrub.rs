//! Replacing an account's credentials in what the provider answered.
//!
//! Every occurrence of the username or password in a body or header value
//! becomes `{username}` / `{password}`, so a playlist's stream URLs turn into
//! templates and a plugin never holds a secret. An occurrence may be written
//! raw or escaped, byte by byte and in any mix: percent-encoding (either hex
//! case), `+` for a space, JSON escapes (`\/`, `\\`, `\"`) and XML entities
//! (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#39;`, `&#34;`, `&#38;`).
//!
//! Short values: a value under [`SHORT`] bytes (say the user `user` or the
//! password `12`) would also match JSON keys (`"username"`), channel numbers,
//! ids and names if replaced everywhere, corrupting the answer. It is
//! therefore replaced only where it stands as a whole token, between
//! delimiters such as `/`, `=`, `&`, `"`, `:` or whitespace, which is how
//! credentials appear in stream URLs, query strings and JSON echoes
//! (`/live/ab/12/1.ts`, `password=12&`, `"password":"12"`). A field whose
//! whole value equals such a short credential is replaced too; that is the
//! price of never leaking it. Longer values are replaced everywhere.
//! Not covered: JSON `\uXXXX` escapes and compressed bodies (the fetcher
//! asks for identity encoding).

use std::borrow::Cow;
use std::fmt;

use zeroize::Zeroizing;

/// Values shorter than this many bytes are replaced only as whole tokens.
pub const SHORT: usize = 16;

/// Replaces an account's credentials by their placeholders. It exists so that
/// everything a plugin reads (and may store) is free of secrets.
#[derive(Clone, Default)]
pub struct Scrubber {
    patterns: Vec<Pattern>,
    /// Bytes at which some pattern can start.
    starts: Box<[bool]>,
}

#[derive(Clone)]
struct Pattern {
    secret: Zeroizing<Vec<u8>>,
    placeholder: &'static [u8],
    whole_token: bool,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scrubber(<hidden>)")
    }
}

/// Escaped forms a byte may take besides itself and `%XX`.
fn escapes(b: u8) -> &'static [&'static [u8]] {
    match b {
        b' ' => &[b"+"],
        b'/' => &[b"\\/"],
        b'\\' => &[b"\\\\"],
        b'"' => &[b"\\\"", b"&quot;", b"&#34;"],
        b'&' => &[b"&amp;", b"&#38;"],
        b'<' => &[b"&lt;"],
        b'>' => &[b"&gt;"],
        b'\'' => &[b"&apos;", b"&#39;"],
        _ => &[],
    }
}

/// Bytes that end a token for short values.
fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || b"/=&?\"':@,;<>#\\()[]{}|".contains(&b)
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

impl Scrubber {
    /// A scrubber for one account. Empty values are ignored.
    pub fn new(username: &str, password: &str) -> Self {
        let mut patterns = Vec::new();
        // Password first: on a tie it wins, either placeholder fills the same.
        for (value, placeholder) in [
            (password, b"{password}".as_slice()),
            (username, b"{username}".as_slice()),
        ] {
            if !value.is_empty() {
                patterns.push(Pattern {
                    secret: Zeroizing::new(value.as_bytes().to_vec()),
                    placeholder,
                    whole_token: value.len() < SHORT,
                });
            }
        }
        let mut starts = vec![false; 256];
        for p in &patterns {
            let b = p.secret[0];
            starts[b as usize] = true;
            starts[b'%' as usize] = true;
            for e in escapes(b) {
                starts[e[0] as usize] = true;
            }
        }
        Self {
            patterns,
            starts: starts.into_boxed_slice(),
        }
    }

    /// `input` with every credential replaced; borrowed when there was none.
    pub fn scrub<'b>(&self, input: &'b [u8]) -> Cow<'b, [u8]> {
        if self.patterns.is_empty() {
            return Cow::Borrowed(input);
        }
        let mut scratch = (Vec::new(), Vec::new());
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < input.len() {
            if !self.starts[input[i] as usize] {
                i += 1;
                continue;
            }
            let found = self
                .patterns
                .iter()
                .filter_map(|p| p.match_at(input, i, &mut scratch).map(|end| (end, p)))
                .max_by_key(|(end, _)| *end);
            match found {
                Some((end, p)) => {
                    let buf = out.get_or_insert_with(|| Vec::with_capacity(input.len()));
                    buf.extend_from_slice(&input[copied..i]);
                    buf.extend_from_slice(p.placeholder);
                    copied = end;
                    i = end;
                }
                None => i += 1,
            }
        }
        match out {
            None => Cow::Borrowed(input),
            Some(mut buf) => {
                buf.extend_from_slice(&input[copied..]);
                Cow::Owned(buf)
            }
        }
    }

    /// Like [`Scrubber::scrub`] for an owned body: no copy when nothing matched.
    pub fn scrub_vec(&self, input: Vec<u8>) -> Vec<u8> {
        match self.scrub(&input) {
            Cow::Borrowed(_) => input,
            Cow::Owned(out) => out,
        }
    }

    /// Like [`Scrubber::scrub`] for text (header values, error details).
    pub fn scrub_str<'b>(&self, input: &'b str) -> Cow<'b, str> {
        match self.scrub(input.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(input),
            Cow::Owned(out) => Cow::Owned(String::from_utf8_lossy(&out).into_owned()),
        }
    }
}

impl Pattern {
    /// The furthest end of an occurrence starting at `start`, if any.
    fn match_at(
        &self,
        hay: &[u8],
        start: usize,
        (cur, next): &mut (Vec<usize>, Vec<usize>),
    ) -> Option<usize> {
        if self.whole_token && start > 0 && !is_delimiter(hay[start - 1]) {
            return None;
        }
        cur.clear();
        cur.push(start);
        for &b in self.secret.iter() {
            next.clear();
            for &j in cur.iter() {
                let rest = &hay[j..];
                if rest.first() == Some(&b) {
                    next.push(j + 1);
                }
                if let [b'%', h, l, ..] = rest {
                    if hex_value(*h).zip(hex_value(*l)).map(|(h, l)| h * 16 + l) == Some(b) {
                        next.push(j + 3);
                    }
                }
                for e in escapes(b) {
                    if rest.starts_with(e) {
                        next.push(j + e.len());
                    }
                }
            }
            if next.is_empty() {
                return None;
            }
            next.sort_unstable();
            next.dedup();
            std::mem::swap(cur, next);
        }
        cur.iter()
            .rev()
            .copied()
            .find(|&end| !self.whole_token || end == hay.len() || is_delimiter(hay[end]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(scrubber: &Scrubber, input: &str) -> String {
        scrubber.scrub_str(input).into_owned()
    }

    #[test]
    fn raw_encoded_and_escaped_forms() {
        let sc = Scrubber::new("al ice", "p@ss/w?rd&1");
        for form in [
            "p@ss/w?rd&1",
            "p%40ss%2Fw%3Frd%261",
            "p%40ss%2fw%3frd%261",
            "p@ss\\/w?rd&1",
            "p@ss/w?rd&amp;1",
            "p@ss%2Fw?rd&1",
        ] {
            assert_eq!(s(&sc, &format!("x={form}&y")), "x={password}&y", "{form}");
        }
        for form in ["al ice", "al+ice", "al%20ice"] {
            assert_eq!(s(&sc, &format!("/{form}/")), "/{username}/", "{form}");
        }
    }

    #[test]
    fn untouched_input_is_borrowed() {
        let sc = Scrubber::new("alice", "secret99");
        assert!(matches!(
            sc.scrub(b"nothing here %41 & +"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            Scrubber::new("", "").scrub(b"x"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn the_longer_overlapping_value_wins() {
        let sc = Scrubber::new("john", "john1234");
        assert_eq!(s(&sc, "/john/john1234/"), "/{username}/{password}/");
    }

    #[test]
    fn short_values_only_as_whole_tokens() {
        let sc = Scrubber::new("ab", "12");
        assert_eq!(
            s(&sc, "http://h/live/ab/12/12.ts?username=ab&password=12"),
            "http://h/live/{username}/{password}/12.ts?username={username}&password={password}"
        );
        assert_eq!(
            s(&sc, r#"{"password":"12","num":123,"name":"Cabin 12a"}"#),
            r#"{"password":"{password}","num":123,"name":"Cabin 12a"}"#
        );
    }

    #[test]
    fn many_percent_signs_stay_linear() {
        let sc = Scrubber::new(&"%".repeat(SHORT), &"\\".repeat(SHORT));
        let hay = "%25".repeat(10_000) + &"\\\\".repeat(10_000);
        let out = s(&sc, &hay);
        assert!(out.contains("{username}") && out.contains("{password}"));
    }
}
