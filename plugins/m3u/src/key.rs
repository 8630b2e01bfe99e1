//! Stable channel keys for playlist entries.

/// FNV-1a 64 of `url` as 16 lower-case hex digits. The URL template is the one
/// thing that stays the same for a channel across re-syncs (names and ids
/// collide or change), and its credentials are already placeholders.
pub fn url_key(url: &str) -> String {
    key_text(url_hash(url))
}

/// FNV-1a 64 of `url`: the number [`url_key`] writes out, kept as a number
/// where only equality matters (telling repeated URLs apart).
pub fn url_hash(url: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in url.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A [`url_hash`] as the key [`url_key`] gives.
pub fn key_text(hash: u64) -> String {
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::url_key;

    #[test]
    fn known_fnv1a_values() {
        assert_eq!(url_key(""), "cbf29ce484222325");
        assert_eq!(url_key("a"), "af63dc4c8601ec8c");
        assert_eq!(url_key("foobar"), "85944171f73967e8");
    }
}
