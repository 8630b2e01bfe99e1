//! The live page for one camera: frames from the WebSocket drawn into an
//! `<img>`, a quality selector and a snapshot link. Plain HTML, a style
//! sheet and a few lines of script served as files (`assets/`, embedded in
//! the binary; no inline script, so the page's CSP forbids all inline code).
//! The page passes its own `?token=` on to the stream and snapshot URLs.

/// The page's script (`/cameras/assets/live.js`).
pub const SCRIPT: &str = include_str!("assets/live.js");
/// The page's style sheet (`/cameras/assets/live.css`).
pub const STYLE: &str = include_str!("assets/live.css");

use super::level::Levels;

/// The page for camera `id`.
pub fn live_page(id: &str, levels: &Levels) -> String {
    let id_html = escape(id);
    let options: String = levels
        .all()
        .iter()
        .map(|l| {
            let selected = if l.name == levels.default_level().name {
                " selected"
            } else {
                ""
            };
            format!(
                "<option value=\"{n}\"{selected}>{n} ({w}×{h} @ {f} fps)</option>",
                n = escape(&l.name),
                w = l.width,
                h = l.height,
                f = l.fps
            )
        })
        .collect();
    PAGE.replace("{id}", &id_html)
        .replace("{options}", &options)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{id} · StreamForge camera</title>
<link rel="stylesheet" href="/cameras/assets/live.css">
</head>
<body data-camera="{id}">
<header>
<h1>{id}</h1>
<select id="quality" aria-label="quality">{options}</select>
<a id="snapshot" href="#" download="snapshot.jpg">Snapshot</a>
<span id="state" data-frames="0">connecting…</span>
</header>
<img id="live" alt="live picture of {id}">
<noscript><p>The live picture needs JavaScript; the <a href="/api/v1/cameras/{id}/stream.mjpeg">MJPEG stream</a> does not.</p></noscript>
<script src="/cameras/assets/live.js"></script>
</body>
</html>
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_small_self_contained_and_escapes_the_id() {
        let page = live_page("a<b", &Levels::defaults());
        assert!(page.len() < 100 * 1024);
        assert!(page.contains("a&lt;b") && !page.contains("<h1>a<b"));
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no outside assets"
        );
        assert!(page.contains("value=\"medium\" selected"));
        assert!(
            !page.contains("<script>") && !page.contains("<style>"),
            "no inline code"
        );
        assert!(page.contains("data-camera=\"a&lt;b\""));
    }
}
