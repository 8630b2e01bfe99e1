//! Quality levels: the sizes, rates and JPEG qualities a camera is offered
//! at. Each level in use is scaled and encoded once per camera and shared by
//! all its viewers; a level nobody watches costs nothing.

use serde::Serialize;

/// One quality level a viewer can ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    /// The name viewers use (`?quality=`).
    pub name: String,
    /// Output width in pixels (the height follows when the source's aspect differs).
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// Frames per second sent at most.
    pub fps: u32,
    /// JPEG quality, 1–100.
    #[serde(rename = "jpeg_quality")]
    pub quality: u8,
}

/// The levels offered, in order from smallest to largest, and the default.
#[derive(Debug, Clone)]
pub struct Levels {
    levels: Vec<Level>,
    default: usize,
}

impl Levels {
    /// The seed's defaults: low 640×360 @ 5 fps q70, medium 1280×720 @ 10 fps
    /// q80 (the default), high 1920×1080 @ 15 fps q90.
    pub fn defaults() -> Levels {
        let level = |name: &str, width, height, fps, quality| Level {
            name: name.into(),
            width,
            height,
            fps,
            quality,
        };
        Levels {
            levels: vec![
                level("low", 640, 360, 5, 70),
                level("medium", 1280, 720, 10, 80),
                level("high", 1920, 1080, 15, 90),
            ],
            default: 1,
        }
    }

    /// `levels` (smallest first, from the config file), with "medium" as the
    /// default when there is one, else the first.
    pub fn from_levels(levels: Vec<Level>) -> Levels {
        let default = levels.iter().position(|l| l.name == "medium").unwrap_or(0);
        Levels { levels, default }
    }

    /// The same levels with `name` as the default (`STREAM_DEFAULT_QUALITY`).
    pub fn with_default(mut self, name: &str) -> Result<Levels, String> {
        self.default = self.index(name).ok_or_else(|| {
            format!(
                "unknown camera quality {name:?}; use one of {}",
                self.names().join(", ")
            )
        })?;
        Ok(self)
    }

    /// Every level, smallest first.
    pub fn all(&self) -> &[Level] {
        &self.levels
    }

    /// The level used when a viewer names none.
    pub fn default_level(&self) -> &Level {
        &self.levels[self.default]
    }

    /// Position of the level called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.name == name)
    }

    /// The level called `name`, or the default for `None`; an unknown name is
    /// an error listing the known ones.
    pub fn pick(&self, name: Option<&str>) -> Result<usize, String> {
        match name {
            None => Ok(self.default),
            Some(n) => self.index(n).ok_or_else(|| {
                format!(
                    "unknown quality {n:?}; use one of {}",
                    self.names().join(", ")
                )
            }),
        }
    }

    /// The largest size and rate any level needs: what the decoder produces.
    pub fn largest(&self) -> (u32, u32, u32) {
        let w = self.levels.iter().map(|l| l.width).max().unwrap_or(1920);
        let h = self.levels.iter().map(|l| l.height).max().unwrap_or(1080);
        let fps = self.levels.iter().map(|l| l.fps).max().unwrap_or(15);
        (w, h, fps)
    }

    fn names(&self) -> Vec<&str> {
        self.levels.iter().map(|l| l.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_seed_and_unknown_names_are_refused() {
        let levels = Levels::defaults();
        assert_eq!(levels.default_level().name, "medium");
        assert_eq!(levels.pick(Some("low")), Ok(0));
        assert_eq!(levels.pick(None), Ok(1));
        assert!(levels
            .pick(Some("ultra"))
            .unwrap_err()
            .contains("low, medium, high"));
        assert_eq!(levels.largest(), (1920, 1080, 15));
        let high = levels.clone().with_default("high").unwrap();
        assert_eq!(high.default_level().fps, 15);
        assert!(Levels::defaults().with_default("x").is_err());
    }
}
