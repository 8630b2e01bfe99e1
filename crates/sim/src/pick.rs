//! Which clip a stream plays: an explicit override, the config's default,
//! or the built-in clip matching the quality its name advertises, so an
//! "FHD" stream really is 1080p when a client probes it.

use super::clip::{Clip, ClipKind};
use super::config::SimConfig;

impl ClipKind {
    /// The built-in clip a channel name asks for: `FHD`/`1080`/`Full HD`/
    /// `4K`/`UHD`/`2160` → [`ClipKind::Fhd`], `HD`/`ᴴᴰ`/`720` →
    /// [`ClipKind::Hd`], anything else → [`ClipKind::Sd`].
    pub fn for_name(name: &str) -> ClipKind {
        let upper = name.to_uppercase();
        let words: Vec<&str> = upper
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |options: &[&str]| words.iter().any(|w| options.contains(w));
        let full_hd = words.windows(2).any(|w| w == ["FULL", "HD"]);
        if full_hd
            || has(&[
                "FHD", "1080", "1080P", "1080I", "4K", "UHD", "2160", "2160P",
            ])
        {
            ClipKind::Fhd
        } else if has(&["HD", "720", "720P"]) || name.contains("ᴴᴰ") {
            ClipKind::Hd
        } else {
            ClipKind::Sd
        }
    }
}

impl SimConfig {
    /// The clip stream `stream_id` plays, or `None` when the catalogue has
    /// no such stream.
    pub fn clip_for(&self, stream_id: u32) -> Option<Clip> {
        let channel = self.channels.iter().find(|c| c.stream_id == stream_id)?;
        Some(
            self.clip_overrides
                .get(&stream_id)
                .or(self.default_clip.as_ref())
                .cloned()
                .unwrap_or_else(|| Clip::builtin(ClipKind::for_name(&channel.name))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_pick_their_quality() {
        let cases = [
            ("UK: BBC One FHD", ClipKind::Fhd),
            ("UK: Sky Sports F1 1080p", ClipKind::Fhd),
            ("4K: Nature UHD", ClipKind::Fhd),
            ("Nova One Full HD", ClipKind::Fhd),
            ("|UK| BBC ONE HD", ClipKind::Hd),
            ("UK: E4 ᴴᴰ", ClipKind::Hd),
            ("UK: Sky Sports F1 720p", ClipKind::Hd),
            ("UK: Sky Atlantic HEVC", ClipKind::Sd),
            ("BBC One SD", ClipKind::Sd),
            ("DE: RTL", ClipKind::Sd),
            ("HDTV Plus", ClipKind::Sd),
        ];
        for (name, kind) in cases {
            assert_eq!(ClipKind::for_name(name), kind, "{name}");
        }
    }

    #[test]
    fn override_beats_default_beats_name() {
        let mut config = SimConfig::demo();
        let fhd_id = config.channels[0].stream_id;
        assert_eq!(config.clip_for(fhd_id).and_then(|c| c.height()), Some(1080));
        assert!(config.clip_for(1).is_none());
        config.default_clip = Some(Clip::builtin(ClipKind::Sd));
        assert_eq!(config.clip_for(fhd_id).and_then(|c| c.height()), Some(576));
        config
            .clip_overrides
            .insert(fhd_id, Clip::builtin(ClipKind::Hd));
        assert_eq!(config.clip_for(fhd_id).and_then(|c| c.height()), Some(720));
    }
}
