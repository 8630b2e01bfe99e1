// StreamForge console: live updates (server-sent events), copy buttons,
// confirmations and busy lines. Everything works without it, only not live.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    const b = e.target.closest("button[data-copy]");
    if (!b) return;
    const input = document.getElementById(b.dataset.copy);
    const done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done);
    } else {
      input.select();
      document.execCommand("copy");
      done();
    }
  });
  document.addEventListener("submit", function (e) {
    const f = e.target;
    if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) { e.preventDefault(); return; }
    const busy = document.getElementById("busy");
    if (f.dataset.busy && busy) busy.textContent = f.dataset.busy;
    f.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  });

  const liveBox = document.querySelector("[data-live]");
  const dash = document.getElementById("live");
  if (!liveBox && !dash) return;
  let after = liveBox ? liveBox.dataset.live : "0";
  function connect() {
    const src = new EventSource("/ui/live?after=" + after + (dash ? "&dashboard=1" : ""));
    src.addEventListener("dashboard", function (e) { dash.innerHTML = e.data; });
    src.addEventListener("events", function (e) {
      const rows = document.getElementById("event-rows");
      if (!rows) return;
      const holder = document.createElement("tbody");
      holder.innerHTML = e.data;
      const kind = rows.dataset.kind, account = rows.dataset.account;
      Array.from(holder.children).forEach(function (tr) {
        after = tr.dataset.id;
        if (kind && tr.dataset.kind !== kind) return;
        if (account && tr.dataset.account !== account) return;
        rows.insertBefore(tr, rows.firstChild);
      });
      const keep = Number(rows.dataset.keep) || 200;
      while (rows.children.length > keep) rows.removeChild(rows.lastChild);
      const none = document.getElementById("no-events");
      if (none && rows.children.length) none.remove();
    });
    src.onerror = function () {
      // The session ended or the server went away: try again later, from
      // the last event seen.
      src.close();
      setTimeout(connect, 3000);
    };
  }
  connect();
})();
