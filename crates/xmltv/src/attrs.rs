//! Reading a start tag's attributes under the entity policy.

use quick_xml::events::BytesStart;

use super::escape::{unescape_attr, EntityStats};

/// A start tag's attributes as `(name, unescaped value)` pairs in document order,
/// or `None` when they are broken (duplicates, missing quotes or `=`).
pub(crate) fn read_attributes(
    e: &BytesStart<'_>,
    stats: &mut EntityStats,
) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.ok()?;
        let name = a.key.into_inner().to_owned();
        out.push((name, unescape_attr(&a.value, stats)));
    }
    Some(out)
}

/// The element's name as text (names are ASCII in XMLTV; others are kept as-is).
pub(crate) fn element_name<'a>(e: &'a BytesStart<'_>) -> &'a [u8] {
    e.name().into_inner().as_bytes()
}
