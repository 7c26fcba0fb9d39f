// Live progress of a batch signing run: polls the status endpoint named by data-batch-status; when a run seen
// in progress ends, the page reloads to show the new signatures. (Its forms ask first through app.js.)
(function () {
  "use strict";
  const box = document.querySelector("[data-batch-status]");
  if (!box) { return; }
  const url = box.getAttribute("data-batch-status");
  const bar = box.querySelector("[data-batch-bar]");
  const label = box.querySelector("[data-batch-label]");
  const count = box.querySelector("[data-batch-count]");
  const list = box.querySelector("[data-batch-messages]");
  let running = false;
  function show(s) {
    if (!s || !s.status) { return; }
    if (bar) { bar.hidden = false; bar.value = s.percent; bar.textContent = s.percent + "%"; }
    if (label) { label.textContent = s.status_label; }
    if (count) { count.textContent = s.done + " đã ký, " + s.failed + " lỗi / " + s.total + " học bạ"; }
    if (list) {
      list.replaceChildren(...s.messages.map(function (m) { const li = document.createElement("li"); li.textContent = m; return li; }));
    }
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        show(s);
        if (s && s.status && !s.finished) { running = true; setTimeout(poll, 1000); return; }
        if (s && s.finished && running) {
          if (count) { count.textContent += " — đang tải lại trang để hiện chữ ký mới…"; }
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
