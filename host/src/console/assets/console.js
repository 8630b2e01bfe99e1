// StreamForge console: live updates (server-sent events), copy buttons,
// confirmations, busy lines and the progress of a sync or match. Everything
// works without it, only not live.
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
  // A sync or match runs in the background; its steps show as they happen,
  // then the page is drawn again with the new counts.
  const job = document.getElementById("job");
  function note(text) {
    const busy = document.getElementById("busy");
    if (busy) busy.textContent = text;
  }
  function follow() {
    fetch("/ui/api/job", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (a) {
        if (a.html !== undefined) job.innerHTML = a.html;
        if (a.job && a.job.running) { setTimeout(follow, 500); return; }
        if (a.job) window.location.reload();
      })
      .catch(function () { setTimeout(follow, 2000); });
  }
  if (job && job.querySelector("[data-running='true']")) follow();
  document.addEventListener("submit", function (e) {
    const f = e.target;
    if (f.dataset.job && job) {
      e.preventDefault();
      note("");
      fetch(f.action, { method: "POST", credentials: "same-origin", headers: { "X-Console-Job": "1" } })
        .then(function (r) { return r.json().then(function (a) { return [r.status, a]; }); })
        .then(function (answer) {
          if (answer[0] === 202) { note(""); follow(); } else { note(answer[1].error || "could not start"); }
        })
        .catch(function () { note("the server did not answer"); });
      return;
    }
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
