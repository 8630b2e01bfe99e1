//! Xtream stream ids are whole numbers; guide numbers may have a dot. A
//! number without one is its own id (`101` → 101); `5.1` becomes
//! 10 000 000 + 5 × 1000 + 1, so ids never change while numbers do not.

const DOTTED: u32 = 10_000_000;

/// The stream id of guide number `number` (`None` for a minor part past 999).
pub fn stream_id(number: &str) -> Option<u32> {
    match number.split_once('.') {
        None => number.parse().ok(),
        Some((major, minor)) => {
            let (major, minor): (u32, u32) = (major.parse().ok()?, minor.parse().ok()?);
            (minor < 1000 && major < 1_000_000).then(|| DOTTED + major * 1000 + minor)
        }
    }
}

/// The guide number of stream id `id`.
pub fn number_of_stream(id: u32) -> String {
    if id >= DOTTED {
        let rest = id - DOTTED;
        format!("{}.{}", rest / 1000, rest % 1000)
    } else {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_numbers_round_trip() {
        for n in ["1", "101", "999999", "5.1", "12.345", "0.0"] {
            assert_eq!(number_of_stream(stream_id(n).unwrap()), n, "{n}");
        }
        assert_eq!(stream_id("1000"), Some(1000));
        assert_eq!(stream_id("5.1"), Some(10_005_001));
        assert_eq!(stream_id("5.1000"), None);
    }
}
