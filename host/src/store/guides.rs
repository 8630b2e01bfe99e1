//! XMLTV guide sources and their channels, replaced whole at every sync.
//! Programmes live in a prepared file beside the database (see `guide`);
//! the record names the current one.

use super::{by_key, decode, encode, Result, Store};
use serde::{Deserialize, Serialize};

/// A guide channel as the matcher and the lineup need it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GuideChannelRecord {
    /// The XMLTV channel id programmes refer to.
    pub id: String,
    /// All display names, in document order (the most canonical first).
    pub names: Vec<String>,
    /// The first icon's URL.
    pub icon: Option<String>,
    /// The channel number, from `<lcn>` or a purely numeric display name.
    pub number: Option<String>,
    /// The `<category>` texts of its programmes, sorted (for `lineup
    /// include-group --category`); empty for guides synced before they were kept.
    #[serde(default)]
    pub categories: Vec<String>,
}

impl From<streamforge_xmltv::Channel> for GuideChannelRecord {
    fn from(c: streamforge_xmltv::Channel) -> Self {
        GuideChannelRecord {
            id: c.id,
            names: c.names,
            icon: c.icon,
            number: c.number,
            categories: c.categories,
        }
    }
}

/// One guide source as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GuideRecord {
    /// The user's name for it; unique.
    pub name: String,
    /// A URL or a file path.
    pub source: String,
    /// Unix seconds of the last successful ingest (0: never).
    pub synced_at: u64,
    /// Channels the last successful ingest found.
    pub channels: usize,
    /// Programmes the last successful ingest kept in the programme file.
    pub programmes: usize,
    /// File name (in the data dir's `guides/` folder) of the prepared programmes.
    #[serde(default)]
    pub programme_file: Option<String>,
    /// Minutes the programme times are moved by (already applied to the
    /// programme file); 0 for guides stored before shifts existed.
    #[serde(default)]
    pub shift_minutes: i32,
}

fn slot(guide: &str) -> String {
    format!("guide/{guide}")
}

impl Store {
    /// Every guide source, by name.
    pub fn guides(&self) -> Result<Vec<GuideRecord>> {
        self.guides
            .iter()
            .values()
            .map(|v| decode("guide", &v?))
            .collect()
    }

    /// The guide called `name`.
    pub fn guide(&self, name: &str) -> Result<Option<GuideRecord>> {
        match self.guides.get(name.as_bytes())? {
            Some(v) => Ok(Some(decode("guide", &v)?)),
            None => Ok(None),
        }
    }

    /// Adds or updates a guide record.
    pub fn put_guide(&self, guide: &GuideRecord) -> Result<()> {
        self.guides.insert(guide.name.as_bytes(), encode(guide))?;
        self.guides.flush()?;
        self.changed()
    }

    /// Replaces a guide's channels atomically, then its record (which names
    /// the new programme file). A crash between the two leaves channels and
    /// a record that still agree enough: the record's counts are refreshed
    /// at the next sync.
    pub fn replace_guide(
        &self,
        guide: &GuideRecord,
        channels: &[GuideChannelRecord],
    ) -> Result<()> {
        self.replace_generation(
            &slot(&guide.name),
            by_key(channels, |c| &c.id)
                .into_iter()
                .map(|c| (c.id.as_bytes(), encode(c))),
        )?;
        self.put_guide(guide)
    }

    /// A guide's channels (empty before its first ingest).
    pub fn guide_channels(&self, guide: &str) -> Result<Vec<GuideChannelRecord>> {
        let Some(tree) = self.generation(&slot(guide))? else {
            return Ok(Vec::new());
        };
        tree.iter()
            .values()
            .map(|v| decode("guide channel", &v?))
            .collect()
    }

    /// Removes a guide and its channels.
    pub fn remove_guide(&self, name: &str) -> Result<Option<GuideRecord>> {
        let Some(old) = self.guides.remove(name.as_bytes())? else {
            return Ok(None);
        };
        self.drop_generation(&slot(name))?;
        self.flush()?;
        Ok(Some(decode("guide", &old)?))
    }
}
