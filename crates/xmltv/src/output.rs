//! Writing an XMLTV document piece by piece, valid against the XMLTV DTD:
//! header, channels, programmes (from [`super::ProgrammeReader`]), footer.

use std::io::{self, Write};

use super::escape::escape_into;

/// Writes the XML declaration, the DOCTYPE and the opening `<tv>` tag.
pub fn write_header<W: Write>(out: &mut W) -> io::Result<()> {
    out.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n\
<tv generator-info-name=\"StreamForge\">\n",
    )
}

/// Writes one `<channel>`: display names in order (the id when there are none,
/// since the DTD requires one), then the icon. Channels must all come before the
/// first programme.
pub fn write_channel<W: Write, S: AsRef<str>>(
    out: &mut W,
    id: &str,
    display_names: &[S],
    icon: Option<&str>,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(b"  <channel id=\"");
    escape_into(&mut buf, id);
    buf.extend_from_slice(b"\">\n");
    let mut names = display_names
        .iter()
        .map(AsRef::as_ref)
        .filter(|n| !n.trim().is_empty());
    let first = names.next().unwrap_or(id);
    for name in std::iter::once(first).chain(names) {
        buf.extend_from_slice(b"    <display-name>");
        escape_into(&mut buf, name);
        buf.extend_from_slice(b"</display-name>\n");
    }
    if let Some(icon) = icon.filter(|i| !i.trim().is_empty()) {
        buf.extend_from_slice(b"    <icon src=\"");
        escape_into(&mut buf, icon);
        buf.extend_from_slice(b"\"/>\n");
    }
    buf.extend_from_slice(b"  </channel>\n");
    out.write_all(&buf)
}

/// Closes the `<tv>` element.
pub fn write_footer<W: Write>(out: &mut W) -> io::Result<()> {
    out.write_all(b"</tv>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_escapes_and_falls_back_to_id() {
        let mut v = Vec::new();
        write_channel(&mut v, "a&b.tv", &[] as &[&str], Some("http://x/?a=1&b=2")).unwrap();
        let s = String::from_utf8(v).unwrap();
        assert!(s.contains("<channel id=\"a&amp;b.tv\">"));
        assert!(s.contains("<display-name>a&amp;b.tv</display-name>"));
        assert!(s.contains("src=\"http://x/?a=1&amp;b=2\""));
    }
}
