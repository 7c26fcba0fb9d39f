/* Sổ điểm: the keyboard-first entry grid, the homeroom page and the closing progress bar.
 *
 * No framework, no inline script (CSP script-src 'self'). A grid is a <table id="grid"> whose
 * editable cells are <input class="cell"> / <select class="cell"> carrying data-field and
 * data-seen (the value the page last saw from the server). A cell is checked here first with
 * the same rules as hocba/gradebook/values.py (invalid values are never sent), then saved on
 * its own through a small JSON POST with `expected` = data-seen; the server refuses a stale
 * write (HTTP 409) and the page shows the newer value without overwriting what was typed.
 */
(function () {
  "use strict";

  // --- values: the mirror of hocba.gradebook.values -----------------------------------------

  var LEVEL_ALIASES = {"đ": "Đ", "d": "Đ", "đạt": "Đ", "dat": "Đ", "cđ": "CĐ", "cd": "CĐ", "chưa đạt": "CĐ",
                       "chua dat": "CĐ"};
  var CONDUCT_ALIASES = {"t": "Tốt", "tốt": "Tốt", "tot": "Tốt", "k": "Khá", "khá": "Khá", "kha": "Khá",
                         "đ": "Đạt", "d": "Đạt", "đạt": "Đạt", "dat": "Đạt", "c": "Chưa đạt", "cđ": "Chưa đạt",
                         "cd": "Chưa đạt", "chưa đạt": "Chưa đạt", "chua dat": "Chưa đạt"};

  function squash(text) { return String(text).trim().split(/\s+/).join(" ").normalize("NFC"); }

  /* A score as the server stores it: "8,5" → {shown: "8,5"}; errors carry the server's message. */
  function parseScore(raw) {
    var text = String(raw).trim();
    if (text === "") { return {shown: ""}; }
    var m = /^([+-]?)(\d+)(?:[.,](\d*))?$/.exec(text) || /^([+-]?)()[.,](\d+)$/.exec(text);
    if (!m) { return {error: "'" + raw + "' không phải là điểm số (ví dụ hợp lệ: 8,5)."}; }
    var intPart = (m[2] || "0").replace(/^0+(?=\d)/, "");
    var frac = (m[3] || "").replace(/0+$/, "");
    var value = parseFloat(intPart + "." + (frac || "0"));
    if (m[1] === "-" && value !== 0) { return {error: "Điểm " + text + " nằm ngoài thang 0–10."}; }
    if (value > 10) { return {error: "Điểm " + text + " nằm ngoài thang 0–10."}; }
    if (frac.length > 1) { return {error: "Điểm " + text + " có quá một chữ số thập phân."}; }
    return {shown: String(parseInt(intPart, 10)) + "," + (frac || "0")};
  }

  function parseLevel(raw) {
    var text = String(raw).trim();
    if (text === "") { return {shown: ""}; }
    var key = squash(text).toLowerCase();
    if (LEVEL_ALIASES[key]) { return {shown: LEVEL_ALIASES[key]}; }
    return {error: "'" + raw + "' không hợp lệ: môn đánh giá bằng nhận xét chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt)."};
  }

  function parseConduct(raw) {
    var text = String(raw).trim();
    if (text === "") { return {shown: ""}; }
    var key = squash(text).toLowerCase();
    if (CONDUCT_ALIASES[key]) { return {shown: CONDUCT_ALIASES[key]}; }
    return {error: "'" + raw + "' không hợp lệ: kết quả rèn luyện là Tốt, Khá, Đạt hoặc Chưa đạt."};
  }

  function parseCount(raw) {
    var text = String(raw).trim();
    if (text === "") { return {shown: "0"}; }
    if (!/^\d+$/.test(text) || parseInt(text, 10) > 365) {
      return {error: "'" + raw + "' không hợp lệ: số buổi nghỉ là số nguyên từ 0 đến 365."};
    }
    return {shown: String(parseInt(text, 10))};
  }

  function parseText(raw) {
    var text = String(raw).trim() === "" ? "" : squash(raw);
    if (text.length > 1000) { return {error: "Nhận xét dài quá 1000 ký tự."}; }
    return {shown: text};
  }

  var PARSERS = {score: parseScore, level: parseLevel, conduct: parseConduct, count: parseCount, text: parseText};
  var LABELS = {gk: "GK", ck: "CK", comment: "Nhận xét", conduct: "Rèn luyện", absent_excused: "Nghỉ có phép",
                absent_unexcused: "Nghỉ không phép"};

  function fieldLabel(field) { return field.indexOf("tx") === 0 ? "TX" + field.slice(2) : (LABELS[field] || field); }

  // --- small helpers -----------------------------------------------------------------------

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) { return meta.content; }
    var m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        return {status: response.status, data: {message: response.status === 200 || response.redirected
          ? "Phiên đăng nhập đã hết; hãy đăng nhập lại (giá trị bạn nhập vẫn còn trên ô)."
          : response.status === 403 ? "Bạn không có quyền sửa ô này."
          : "Không lưu được (lỗi máy chủ " + response.status + "); giá trị bạn nhập vẫn còn trên ô, hãy thử lại."}};
      }
      return response.json().then(function (data) { return {status: response.status, data: data}; });
    }, function () {
      return {status: 0, data: {message: "Mất kết nối tới máy chủ; giá trị bạn nhập vẫn còn trên ô, hãy thử lại."}};
    });
  }

  function selectAll(cell) { if (cell.tagName === "INPUT" && document.activeElement === cell) { cell.select(); } }

  /* A cell's message hangs below the cell; near the right edge of the table (or of a phone's screen) it moves
   * left so that all of it stays readable inside the table's scroller. */
  function fitMessage(msg) {
    msg.style.left = "";
    var box = msg.getBoundingClientRect();
    if (!box.width) { return; }  // hidden (the cell is neither focused nor under the mouse)
    var wrap = msg.closest(".sheet-wrap");
    var area = wrap ? wrap.getBoundingClientRect() : {left: 0, right: document.documentElement.clientWidth};
    var right = Math.min(area.right, document.documentElement.clientWidth) - 4;
    var shift = Math.min(box.right - right, box.left - Math.max(area.left, 0) - 4);
    if (shift > 0) { msg.style.left = (-1 - shift) + "px"; }
  }

  /* The STT and name columns stay in view (position: sticky); a cell reached by the keyboard or focused is
   * scrolled clear of them and of the sticky header row. */
  function keepClearOfStickyParts(table) {
    var wrap = table.closest(".sheet-wrap"), name = table.querySelector("thead th.name"), head = table.tHead;
    if (!wrap || !name) { return; }
    var measure = function () {
      wrap.style.scrollPaddingLeft = Math.ceil(name.getBoundingClientRect().right -
                                               table.getBoundingClientRect().left) + "px";
      wrap.style.scrollPaddingTop = (head ? Math.ceil(head.getBoundingClientRect().height) : 0) + "px";
    };
    measure();
    window.addEventListener("resize", measure);
  }

  // --- the grid ----------------------------------------------------------------------------

  function Grid(table) {
    this.table = table;
    this.saveUrl = table.getAttribute("data-save-url");
    this.historyUrl = table.getAttribute("data-history-url");
    this.status = document.getElementById("grid-status");
    this.queue = Promise.resolve();
    this.pending = 0;
    this.rows = [];
    this.current = null;
    var self = this;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      var cells = Array.prototype.slice.call(tr.querySelectorAll(".cell"));
      if (cells.length) { self.rows.push(cells); }
    });
    this.rows.forEach(function (cells, r) {
      cells.forEach(function (cell, c) {
        cell.setAttribute("data-r", r);
        cell.setAttribute("data-c", c);
        cell.tabIndex = (r === 0 && c === 0) ? 0 : -1;
      });
    });
    keepClearOfStickyParts(table);
    table.addEventListener("keydown", function (e) { self.justFocused = null; self.onKey(e); });
    table.addEventListener("mouseup", function (e) {
      if (self.justFocused === e.target) { e.preventDefault(); }
      self.justFocused = null;
    });
    table.addEventListener("focusin", function (e) { self.onFocus(e); });
    table.addEventListener("change", function (e) { if (self.isCell(e.target)) { self.commit(e.target, false); } });
    table.addEventListener("paste", function (e) { if (self.isCell(e.target)) { self.onPaste(e); } });
    table.addEventListener("input", function (e) {
      if (self.isCell(e.target)) { self.clearMark(e.target, "invalid"); }
    });
    // Enter-confirmed values, and all typed ones, reach the server even when the user leaves the page quickly.
    window.addEventListener("beforeunload", function (e) {
      if (self.pending > 0) { e.preventDefault(); e.returnValue = ""; }
    });
  }

  Grid.prototype.isCell = function (el) { return el && el.classList && el.classList.contains("cell"); };
  Grid.prototype.editable = function (cell) { return !cell.readOnly && !cell.disabled; };
  Grid.prototype.kind = function (cell) { return cell.getAttribute("data-kind") || "text"; };
  Grid.prototype.at = function (r, c) { return (this.rows[r] || [])[c] || null; };
  Grid.prototype.pos = function (cell) {
    return [parseInt(cell.getAttribute("data-r"), 10), parseInt(cell.getAttribute("data-c"), 10)];
  };

  Grid.prototype.say = function (text, tone) {
    if (!this.status) { return; }
    this.status.textContent = text;
    this.status.className = "grid-status" + (tone ? " " + tone : "");
  };

  Grid.prototype.where = function (cell) {
    var tr = cell.closest("tr");
    var n = tr ? tr.cells[0].textContent.trim() : "";
    return "Dòng " + n + " (" + (tr ? tr.getAttribute("data-name") : "") + "), " + fieldLabel(cell.getAttribute("data-field"));
  };

  Grid.prototype.onFocus = function (e) {
    var cell = e.target;
    if (!this.isCell(cell)) { return; }
    if (this.current && this.current !== cell) { this.current.tabIndex = -1; }
    cell.tabIndex = 0;
    this.current = cell;
    if (cell.tagName === "INPUT") {
      // Select now (not in a timer: keys typed right after the move must replace the old value), and keep
      // the selection when the focus came from a mouse click, whose mouseup would otherwise drop it.
      cell.select();
      this.justFocused = cell;
    }
    var td = cell.closest("td");
    var msg = td && td.querySelector(".cell-msg");
    if (msg) { fitMessage(msg); }
    this.say(msg ? this.where(cell) + ": " + msg.textContent : "", msg ? "bad" : "");
  };

  Grid.prototype.move = function (cell, dr, dc, wrap) {
    var p = this.pos(cell), r = p[0] + dr, c = p[1] + dc;
    if (wrap && c >= this.rows[p[0]].length) { r += 1; c = 0; }
    if (wrap && c < 0) { r -= 1; c = r >= 0 ? this.rows[r].length - 1 : 0; }
    var next = this.at(r, c);
    if (next) { next.focus(); }
    return next;
  };

  Grid.prototype.onKey = function (e) {
    var cell = e.target;
    if (!this.isCell(cell) || e.isComposing) { return; }
    if (e.altKey && (e.key === "l" || e.key === "L")) { e.preventDefault(); openHistory(this, cell); return; }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var isInput = cell.tagName === "INPUT", len = isInput ? cell.value.length : 0;
    switch (e.key) {
      case "Enter":
        e.preventDefault();
        this.leave(cell, e.shiftKey ? -1 : 1, 0, false, true);
        break;
      case "Tab":
        e.preventDefault();
        this.leave(cell, 0, e.shiftKey ? -1 : 1, true, false);
        break;
      case "ArrowDown": case "ArrowUp":
        e.preventDefault();
        this.leave(cell, e.key === "ArrowDown" ? 1 : -1, 0, false, false);
        break;
      case "ArrowLeft":
        if (!isInput || (cell.selectionStart === 0 && (cell.selectionEnd === 0 || cell.selectionEnd === len))) {
          e.preventDefault();
          this.leave(cell, 0, -1, false, false);
        }
        break;
      case "ArrowRight":
        if (!isInput || cell.selectionEnd === len) {
          e.preventDefault();
          this.leave(cell, 0, 1, false, false);
        }
        break;
      case "Escape":
        this.revert(cell);
        selectAll(cell);  // what the server has, selected: typing replaces it
        break;
      default:
        if (cell.tagName === "SELECT" && e.key.length === 1 && this.editable(cell)) {
          var level = parseConduct(e.key);
          if (level.shown) { e.preventDefault(); cell.value = level.shown; this.commit(cell, false); }
        }
    }
  };

  /* Enter, Tab and the arrows: save the cell and move on; an invalid value keeps the focus there with its
   * whole text selected, so the next keys typed replace it (as in a spreadsheet). */
  Grid.prototype.leave = function (cell, dr, dc, wrap, confirmed) {
    if (this.commit(cell, confirmed)) { this.move(cell, dr, dc, wrap); } else { selectAll(cell); }
  };

  Grid.prototype.seen = function (cell) { return cell.getAttribute("data-seen") || ""; };

  Grid.prototype.revert = function (cell) {
    cell.value = this.seen(cell);
    this.clearMark(cell, "invalid");
    this.clearMark(cell, "stale");
    cell.removeAttribute("data-conflict");
    this.say("");
  };

  /* Check a cell and queue its save. Returns false (and keeps the focus there) when the value is invalid. */
  Grid.prototype.commit = function (cell, confirmed) {
    if (!this.editable(cell)) { return true; }
    var parsed = PARSERS[this.kind(cell)](cell.value);
    if (parsed.error) {
      this.mark(cell, "invalid", fieldLabel(cell.getAttribute("data-field")) + ": " + parsed.error);
      this.say(this.where(cell) + ": " + parsed.error + " Chưa lưu.", "bad");
      return false;
    }
    this.clearMark(cell, "invalid");
    if (cell.hasAttribute("data-conflict") && !confirmed) { return true; }  // Enter on the cell overwrites
    var kind = this.kind(cell);
    if (kind !== "text" && cell.value !== parsed.shown && cell.tagName === "INPUT") { cell.value = parsed.shown; }
    if (parsed.shown === this.seen(cell) && !cell.hasAttribute("data-conflict")) { return true; }
    if (cell.getAttribute("data-sending") === parsed.shown) { return true; }
    this.save(cell, parsed.shown);
    return true;
  };

  Grid.prototype.save = function (cell, value) {
    var self = this, tr = cell.closest("tr"), td = cell.closest("td");
    var body = {student: tr.getAttribute("data-student"), field: cell.getAttribute("data-field"), value: value,
                expected: this.seen(cell)};
    cell.setAttribute("data-sending", value);
    td.classList.add("saving");
    this.pending += 1;
    this.queue = this.queue.then(function () {
      return postJSON(self.saveUrl, body).then(function (res) {
        self.pending -= 1;
        cell.removeAttribute("data-sending");
        td.classList.remove("saving");
        self.afterSave(cell, value, res);
      });
    });
  };

  Grid.prototype.afterSave = function (cell, value, res) {
    var td = cell.closest("td"), data = res.data || {};
    if (res.status === 200) {
      cell.setAttribute("data-seen", data.shown);
      cell.removeAttribute("data-conflict");
      this.clearMark(cell, "stale");
      if (cell.value === value || PARSERS[this.kind(cell)](cell.value).shown === value) { cell.value = data.shown; }
      var avg = cell.closest("tr").querySelector("[data-avg]");
      if (avg && data.average !== undefined) {
        if (avg.getAttribute("data-avg") !== data.average) { flash(avg, "updated"); }
        showAverage(avg, data.average, data.average_missing);
      }
      flash(td, "saved");
      if (!this.table.querySelector("td.invalid, td.stale")) { this.say("Đã lưu " + this.where(cell) + ".", "ok"); }
      return;
    }
    if (res.status === 409) {
      var current = data.current !== undefined ? data.current : "";
      cell.setAttribute("data-seen", current);
      cell.setAttribute("data-conflict", "1");
      this.mark(cell, "stale", data.message + " Giá trị mới: " + (current || "trống") +
                ". Nhấn Enter trên ô để ghi đè bằng giá trị của bạn, Esc để lấy giá trị mới.");
      this.say(this.where(cell) + ": " + data.message, "bad");
      return;
    }
    this.mark(cell, "invalid", data.message || "Không lưu được.");
    this.say(this.where(cell) + ": " + (data.message || "Không lưu được."), "bad");
  };

  Grid.prototype.mark = function (cell, kind, message) {
    var td = cell.closest("td");
    td.classList.remove(kind === "invalid" ? "stale" : "invalid");
    td.classList.add(kind);
    cell.setAttribute("aria-invalid", "true");
    var msg = td.querySelector(".cell-msg");
    if (!msg) {
      msg = document.createElement("div");
      msg.className = "cell-msg";
      msg.setAttribute("role", "alert");
      td.appendChild(msg);
    }
    msg.textContent = message;
    cell.title = message;
    fitMessage(msg);
  };

  Grid.prototype.clearMark = function (cell, kind) {
    var td = cell.closest("td");
    if (!td.classList.contains(kind)) { return; }
    td.classList.remove(kind);
    cell.removeAttribute("aria-invalid");
    cell.removeAttribute("title");
    var msg = td.querySelector(".cell-msg");
    if (msg) { msg.remove(); }
  };

  /* Excel copies a block as tab-separated columns and newline-separated rows: fill down and right. */
  Grid.prototype.onPaste = function (e) {
    var text = (e.clipboardData || window.clipboardData).getData("text");
    if (!text || !/[\t\n\r]/.test(text.replace(/[\r\n]+$/, ""))) {
      if (e.target.tagName === "SELECT" && text) { e.preventDefault(); this.fill(e.target, text); }
      return;  // one value: the browser puts it into the cell as typed
    }
    e.preventDefault();
    var lines = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
    var start = this.pos(e.target), filled = 0, bad = 0, self = this;
    lines.forEach(function (line, i) {
      line.split("\t").forEach(function (value, j) {
        var cell = self.at(start[0] + i, start[1] + j);
        if (!cell || !self.editable(cell)) { return; }
        filled += 1;
        if (!self.fill(cell, value)) { bad += 1; }
      });
    });
    if (bad) {
      this.say("Đã dán " + filled + " ô; " + bad + " ô không hợp lệ (tô đỏ) chưa được lưu.", "bad");
    } else {
      this.say("Đã dán " + filled + " ô, đang lưu…", "ok");
    }
  };

  Grid.prototype.fill = function (cell, value) {
    if (cell.tagName === "SELECT") {
      var level = parseConduct(value);
      if (level.error) { this.mark(cell, "invalid", level.error); return false; }
      cell.value = level.shown;
    } else {
      cell.value = value.trim();
    }
    return this.commit(cell, false);
  };

  // --- cell history panel ------------------------------------------------------------------

  function openHistory(grid, cell) {
    var panel = document.getElementById("history-panel");
    if (!panel || !grid.historyUrl) { return; }
    cell = cell || grid.current || grid.at(0, 0);
    if (!cell) { return; }
    var tr = cell.closest("tr");
    var url = grid.historyUrl.replace("/0/__field__/", "/" + tr.getAttribute("data-student") + "/" +
                                      cell.getAttribute("data-field") + "/");
    document.getElementById("history-title").textContent = "Lịch sử ô: " + tr.getAttribute("data-name");
    var body = document.getElementById("history-body");
    body.textContent = "Đang tải…";
    panel.hidden = false;
    makeRoom(panel, cell);
    fetch(url, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.text() : Promise.reject(r.status);
    }).then(function (html) { body.innerHTML = html; }, function () {
      body.textContent = "Không tải được lịch sử của ô này.";
    }).then(function () { makeRoom(panel, cell); });
  }

  // On a phone the panel lies over the bottom of the page: the page gets that much room below its last
  // row, and the cell whose history is shown is scrolled above the panel.
  function makeRoom(panel, cell) {
    if (panel.hidden || window.getComputedStyle(panel).position !== "fixed") {
      document.body.style.paddingBottom = "";
      return;
    }
    var height = panel.offsetHeight;
    document.body.style.paddingBottom = (height + 16) + "px";
    var hidden = cell.getBoundingClientRect().bottom - (window.innerHeight - height - 8);
    if (hidden > 0) { window.scrollBy(0, hidden); }
  }

  // --- closing progress --------------------------------------------------------------------

  function setupClosing(box) {
    var url = box.getAttribute("data-status-url");
    function active() { return box.querySelectorAll('[data-run][data-finished="0"]'); }
    function update(run) {
      var card = box.querySelector('[data-run="' + run.id + '"]');
      if (!card) { return; }
      card.querySelector("[data-bar]").value = run.percent;
      card.querySelector("[data-bar]").textContent = run.percent + "%";
      card.querySelector("[data-percent]").textContent = run.percent;
      card.querySelector("[data-done]").textContent = run.done;
      card.querySelector("[data-total]").textContent = run.total;
      card.querySelector("[data-failed]").textContent = run.failed;
      var status = card.querySelector("[data-status]");
      status.textContent = run.status_label;
      status.className = "tag run-status status-" + run.status;
      var list = card.querySelector("[data-messages]");
      list.textContent = "";
      run.messages.forEach(function (m) {
        var li = document.createElement("li");
        li.textContent = m;
        list.appendChild(li);
      });
      if (run.more_messages) {
        var more = document.createElement("li");
        more.className = "muted";
        more.textContent = "… và " + run.more_messages + " lỗi khác";
        list.appendChild(more);
      }
      card.setAttribute("data-finished", run.finished ? "1" : "0");
      card.setAttribute("data-status", run.status);
    }
    function poll() {
      var cards = active();
      if (!cards.length) { return; }
      Promise.all(Array.prototype.map.call(cards, function (card) {
        return fetch(url + "?run=" + card.getAttribute("data-run"), {credentials: "same-origin"})
          .then(function (r) { return r.json(); })
          .then(function (data) { (data.runs || []).forEach(update); }, function () {});
      })).then(function () { window.setTimeout(poll, 1000); });
    }
    window.setTimeout(poll, 500);
  }

  // --- start -------------------------------------------------------------------------------

  function start() {
    var table = document.getElementById("grid");
    if (table) {
      var grid = new Grid(table);
      window.hocbaGrid = grid;
      var open = document.getElementById("history-open");
      if (open) {
        open.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep the cell focused
        open.addEventListener("click", function () { openHistory(grid, grid.current); });
      }
      var panel = document.getElementById("history-panel");
      var closeHistory = function () {
        panel.hidden = true;
        document.body.style.paddingBottom = "";
        if (grid.current) { grid.current.focus(); }
      };
      var close = document.getElementById("history-close");
      if (close) { close.addEventListener("click", closeHistory); }
      if (panel) {  // Esc closes the history panel too (in a cell it also drops what was typed there)
        document.addEventListener("keydown", function (e) {
          if (e.key === "Escape" && !panel.hidden) { closeHistory(); }
        });
      }
    }
    var runs = document.getElementById("closing-runs");
    if (runs) { setupClosing(runs); }
    // Forms' own checks (a reason is required) speak Vietnamese too.
    Array.prototype.forEach.call(document.querySelectorAll("[data-invalid-message]"), function (input) {
      input.addEventListener("invalid", function () { input.setCustomValidity(input.getAttribute("data-invalid-message")); });
      input.addEventListener("input", function () { input.setCustomValidity(""); });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }

  /* The term average cell (as sheet.html renders it): the average, or "—" saying why it is empty — the server's
   * reason ("Chưa đủ điểm: thiếu TX4 (cần 4 ĐĐGtx, GK và CK)") as its tooltip and for screen readers. */
  function showAverage(td, average, missing) {
    td.setAttribute("data-avg", average);
    td.textContent = average;
    td.classList.toggle("missing", !average);
    if (average) { td.removeAttribute("title"); return; }
    var reason = missing || "Chưa đủ điểm";
    td.title = reason;
    var dash = document.createElement("span");
    dash.setAttribute("aria-hidden", "true");
    dash.textContent = "—";
    var said = document.createElement("span");
    said.className = "gb-sr";
    said.textContent = reason;
    td.appendChild(dash);
    td.appendChild(said);
  }

  function flash(el, cls) {
    el.classList.remove(cls);
    void el.offsetWidth;  // restart the animation
    el.classList.add(cls);
    window.setTimeout(function () { el.classList.remove(cls); }, 1600);
  }

  // For tests and for other pages' scripts.
  window.hocbaValues = {parseScore: parseScore, parseLevel: parseLevel, parseConduct: parseConduct,
                        parseCount: parseCount};
})();
