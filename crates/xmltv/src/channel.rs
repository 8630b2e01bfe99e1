//! Collecting one `<channel>` into a [`Channel`].

use super::escape::keep_xml_chars;
use super::summary::SkipReason;

/// A guide channel as ingest found it: what the matcher and the lineup need
/// of a `<channel>` (the host keeps it in its store as a record of its own).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Channel {
    /// The XMLTV channel id programmes refer to.
    pub id: String,
    /// All display names, in document order (the most canonical first).
    pub names: Vec<String>,
    /// The first icon's URL.
    pub icon: Option<String>,
    /// The channel number, from `<lcn>` or a purely numeric display name.
    pub number: Option<String>,
    /// The `<category>` texts of its programmes, sorted (for `lineup
    /// include-group --category`).
    pub categories: Vec<String>,
}

/// Which text the builder is collecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Lcn,
}

/// Accumulates a channel's children as events arrive.
#[derive(Debug, Default)]
pub(crate) struct ChannelBuilder {
    record: Channel,
    has_id: bool,
    lcn: Option<String>,
    depth: usize,
    field: Option<Field>,
    text: String,
    oversized: bool,
}

impl ChannelBuilder {
    /// Starts a channel from the `<channel>` tag's attributes.
    pub(crate) fn new(attrs: &[(String, String)]) -> Self {
        let mut b = ChannelBuilder::default();
        if let Some((_, id)) = attrs.iter().find(|(k, _)| k == "id") {
            let id = keep_xml_chars(id);
            let id = id.trim();
            b.has_id = !id.is_empty();
            b.record.id = id.to_owned();
        }
        b
    }

    /// A child element opened (`attrs` of that child).
    pub(crate) fn start(&mut self, name: &[u8], attrs: &[(String, String)]) {
        self.depth += 1;
        if self.depth != 1 {
            return;
        }
        self.text.clear();
        self.field = match name {
            b"display-name" => Some(Field::Name),
            b"lcn" => Some(Field::Lcn),
            b"icon" => {
                if self.record.icon.is_none() {
                    self.record.icon = attrs
                        .iter()
                        .find(|(k, _)| k == "src")
                        .map(|(_, v)| v.trim().to_owned())
                        .filter(|v| !v.is_empty());
                }
                None
            }
            _ => None,
        };
    }

    /// Text inside the channel.
    pub(crate) fn text(&mut self, piece: &str) {
        if self.depth == 1 && self.field.is_some() {
            self.text.push_str(piece);
        }
    }

    /// A child element closed.
    pub(crate) fn end(&mut self) {
        if self.depth == 1 {
            let value = self.text.trim();
            match self.field.take() {
                Some(Field::Name) if !value.is_empty() => self.record.names.push(value.to_owned()),
                Some(Field::Lcn) if !value.is_empty() && self.lcn.is_none() => {
                    self.lcn = Some(value.to_owned())
                }
                _ => {}
            }
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// Something inside the channel was over the size caps.
    pub(crate) fn mark_oversized(&mut self) {
        self.oversized = true;
    }

    /// The finished record, or why it is skipped.
    pub(crate) fn finish(mut self) -> Result<Channel, SkipReason> {
        if !self.has_id {
            return Err(SkipReason::ChannelMissingId);
        }
        if self.oversized {
            return Err(SkipReason::ChannelTooLarge);
        }
        self.record.number = self.lcn.or_else(|| {
            self.record
                .names
                .iter()
                .find(|n| is_channel_number(n))
                .cloned()
        });
        Ok(self.record)
    }
}

/// "101" or "5.1": digits with at most one inner dot (a display name that
/// is a channel number; the fuzz target's model of ingest uses it too).
pub fn is_channel_number(s: &str) -> bool {
    let mut parts = s.split('.');
    let ok =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let first = ok(parts.next());
    match parts.next() {
        None => first,
        Some(p) => first && ok(Some(p)) && parts.next().is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert!(is_channel_number("101"));
        assert!(is_channel_number("5.1"));
        assert!(!is_channel_number("BBC 1"));
        assert!(!is_channel_number("5."));
    }
}
