(function () {
  const id = document.body.dataset.camera;
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
