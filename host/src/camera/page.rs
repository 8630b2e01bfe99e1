//! The live page for one camera: frames from the WebSocket drawn into an
//! `<img>`, a quality selector and a snapshot link. Plain HTML and a few
//! lines of script, embedded in the binary (no Node toolchain). The page
//! passes its own `?token=` on to the stream and snapshot URLs.

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
        .replace("{id_json}", &serde_json::to_string(id).unwrap_or_default())
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
<style>
body { font-family: system-ui, sans-serif; margin: 0; background: #111; color: #eee; }
header { display: flex; gap: .75rem; align-items: center; padding: .5rem .75rem; flex-wrap: wrap; }
h1 { font-size: 1.1rem; margin: 0; }
#live { display: block; width: 100%; max-width: 1920px; max-height: calc(100vh - 3.5rem); object-fit: contain; background: #000; }
a, select { color: #eee; background: #333; border: 1px solid #555; padding: .25rem .5rem; border-radius: 4px; }
#state { font-size: .9rem; color: #aaa; }
</style>
</head>
<body>
<header>
<h1>{id}</h1>
<select id="quality" aria-label="quality">{options}</select>
<a id="snapshot" href="#" download="snapshot.jpg">Snapshot</a>
<span id="state" data-frames="0">connecting…</span>
</header>
<img id="live" alt="live picture of {id}">
<noscript><p>The live picture needs JavaScript; the <a href="/api/v1/cameras/{id}/stream.mjpeg">MJPEG stream</a> does not.</p></noscript>
<script>
(function () {
  const id = {id_json};
  const token = new URLSearchParams(location.search).get("token");
  const base = "/api/v1/cameras/" + encodeURIComponent(id);
  const withToken = (url) => token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;
  const img = document.getElementById("live");
  const state = document.getElementById("state");
  const quality = document.getElementById("quality");
  const snap = document.getElementById("snapshot");
  let frames = 0, shown = null, loading = null, socket = null, retry = 500;
  const setSnap = () => { snap.href = withToken(base + "/stream/snapshot?quality=" + quality.value); };
  setSnap();
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(withToken(scheme + location.host + base + "/stream?quality=" + quality.value));
    socket.binaryType = "blob";
    socket.onopen = () => { retry = 500; state.textContent = "live"; };
    socket.onmessage = (e) => {
      if (typeof e.data === "string") {
        const m = JSON.parse(e.data);
        if (m.type === "status") state.textContent = m.online ? "live" : "camera offline, waiting…";
        if (m.type === "error") state.textContent = m.error;
        return;
      }
      // A frame still loading when the next arrives is dropped: free it too.
      if (loading) URL.revokeObjectURL(loading);
      const next = loading = URL.createObjectURL(e.data);
      img.onload = () => {
        if (shown) URL.revokeObjectURL(shown);
        shown = next;
        loading = null;
      };
      img.src = next;
      frames += 1;
      state.dataset.frames = String(frames);
    };
    socket.onclose = (e) => {
      state.textContent = "disconnected (" + (e.reason || e.code) + "), retrying…";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }
  quality.onchange = () => {
    setSnap();
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({type: "quality", value: quality.value}));
  };
  connect();
})();
</script>
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
    }
}
