// The score grid: keyboard-first entry, paste from Excel, drafts that survive a closed tab or an
// expired session, averages computed by the server's engine as you type, versioned saves.
// No assessment rule lives here: averages come from /preview/, validation of the format only.
(function () {
  "use strict";
  const table = document.getElementById("grid");
  if (!table) return;
  const config = JSON.parse(document.getElementById("grid-config").textContent);
  const M = config.messages;
  const editable = config.editable;
  const statusEl = document.getElementById("status");
  const cells = Array.from(table.querySelectorAll("tbody input.cell"));
  const rows = Array.from(table.querySelectorAll("tbody tr"));
  const cols = Array.from(table.querySelectorAll("thead th.col")).map((th) => th.dataset.col).concat(["comment"]);
  const SCORE = /^\d{1,2}([.,]\d)?$/;

  const fmt = (text, vars) => text.replace(/%\((\w+)\)s/g, (_, k) => (vars[k] === undefined ? "" : vars[k]));
  const rowOf = (input) => input.closest("tr");
  const keyOf = (input) => rowOf(input).dataset.enrolment + ":" + input.dataset.col;
  const cellAt = (r, c) => (rows[r] ? rows[r].querySelector('input.cell[data-col="' + cols[c] + '"]') : null);
  const position = (input) => [rows.indexOf(rowOf(input)), cols.indexOf(input.dataset.col)];

  function csrfToken() {
    const match = document.cookie.split("; ").find((c) => c.startsWith(config.csrfCookie + "="));
    if (match) return decodeURIComponent(match.split("=")[1]);
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // -- validation of the format (the rules are the server's) ------------------------------------
  function normalise(input) {
    return input.value.trim().replace(/\s+/g, " ");
  }
  function validate(input) {
    const value = normalise(input);
    let message = "";
    if (input.dataset.col !== "comment" && value !== "") {
      if (config.comment) {
        if (!["đ", "d", "cđ", "cd", "đạt", "chưa đạt"].includes(value.toLowerCase())) message = M.invalidLevel;
      } else if (!SCORE.test(value) || parseFloat(value.replace(",", ".")) > 10) {
        message = M.invalidScore;
      }
    }
    setError(input, message);
    return !message;
  }
  function setError(input, message) {
    input.classList.toggle("invalid", !!message);
    input.setCustomValidity(message);
    let note = input.parentElement.querySelector(".cell-error");
    if (message) {
      if (!note) {
        note = document.createElement("span");
        note.className = "cell-error";
        note.setAttribute("role", "alert");
        input.parentElement.appendChild(note);
      }
      note.textContent = message;
    } else if (note) {
      note.remove();
    }
    if (input === document.activeElement) showMessage(input);
  }
  // the message of the cell being typed in, shown in the toolbar (not over the next cells, where Enter
  // moves): the row's name and the column say which cell it is
  const messageEl = document.getElementById("cell-message");
  function showMessage(input) {
    if (!messageEl) return;
    const note = input.parentElement.querySelector(".cell-error");
    if (!note) { messageEl.hidden = true; messageEl.textContent = ""; return; }
    const row = input.closest("tr");
    const name = row && row.querySelector(".name") ? row.querySelector(".name").textContent.trim() : "";
    const head = input.dataset.label || "";
    messageEl.textContent = [name, head].filter(Boolean).join(", ") + ": " + note.textContent;
    messageEl.hidden = false;
  }
  table.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("cell")) showMessage(event.target);
  });
  function display(input) {
    // show the decimal comma
    if (input.dataset.col !== "comment" && !config.comment && SCORE.test(normalise(input))) {
      input.value = normalise(input).replace(".", ",");
    }
    if (config.comment && input.dataset.col !== "comment") {
      const v = normalise(input).toLowerCase();
      if (v === "d" || v === "đ" || v === "đạt") input.value = "Đ";
      if (v === "cd" || v === "cđ" || v === "chưa đạt") input.value = "CĐ";
    }
  }

  // -- dirty cells and drafts ---------------------------------------------------------------------
  function isDirty(input) {
    return normalise(input) !== (input.dataset.saved || "");
  }
  function dirtyCells() {
    return cells.filter(isDirty);
  }
  function refreshStatus(text) {
    const n = dirtyCells().length;
    cells.forEach((c) => c.classList.toggle("dirty", isDirty(c)));
    statusEl.textContent = text || (n ? fmt(M.unsaved, { n: n }) : "");
  }
  function saveDraft() {
    if (!editable) return;
    const draft = {};
    dirtyCells().forEach((c) => (draft[keyOf(c)] = { value: c.value, version: c.dataset.version }));
    try {
      if (Object.keys(draft).length) {
        localStorage.setItem(config.draftKey, JSON.stringify({ at: new Date().toISOString(), cells: draft }));
      } else {
        localStorage.removeItem(config.draftKey);
      }
    } catch (e) { /* storage full or disabled: the grid still works */ }
  }
  function offerDraft() {
    let draft;
    try { draft = JSON.parse(localStorage.getItem(config.draftKey) || "null"); } catch (e) { draft = null; }
    if (!draft || !draft.cells) return;
    const byKey = {};
    cells.forEach((c) => (byKey[keyOf(c)] = c));
    const pending = Object.entries(draft.cells).filter(([k, d]) => byKey[k] && normalise({ value: d.value }) !== byKey[k].value.trim());
    if (!pending.length) { localStorage.removeItem(config.draftKey); return; }
    const banner = document.getElementById("draft-banner");
    document.getElementById("draft-text").textContent = fmt(M.draft, { n: pending.length, when: new Date(draft.at).toLocaleString("vi-VN") });
    banner.hidden = false;
    document.getElementById("draft-restore").onclick = function () {
      pending.forEach(([k, d]) => { byKey[k].value = d.value; validate(byKey[k]); preview(rowOf(byKey[k])); });
      banner.hidden = true;
      refreshStatus();
    };
    document.getElementById("draft-discard").onclick = function () {
      localStorage.removeItem(config.draftKey);
      banner.hidden = true;
    };
  }

  // -- the average as you type, from the server ----------------------------------------------
  const timers = new WeakMap();
  function preview(row) {
    clearTimeout(timers.get(row));
    timers.set(row, setTimeout(function () {
      const values = {};
      row.querySelectorAll("input.cell").forEach((c) => { if (c.dataset.col !== "comment") values[c.dataset.col] = c.value; });
      post(config.preview, { values: values }).then(function (data) {
        if (!data) return;
        row.querySelector(".avg-value").textContent = data.average;
        row.querySelector(".why").title = data.explanation;
      });
    }, 250));
  }

  // -- keyboard and paste ----------------------------------------------------------------------
  function focusCell(r, c) {
    r = Math.max(0, Math.min(rows.length - 1, r));
    c = Math.max(0, Math.min(cols.length - 1, c));
    const target = cellAt(r, c);
    if (target) { target.focus(); target.select(); }
  }
  table.addEventListener("keydown", function (event) {
    const input = event.target;
    if (!input.classList || !input.classList.contains("cell")) return;
    const [r, c] = position(input);
    const whole = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length;
    switch (event.key) {
      case "ArrowUp": event.preventDefault(); focusCell(r - 1, c); break;
      case "ArrowDown": event.preventDefault(); focusCell(r + 1, c); break;
      case "ArrowLeft": if (whole || atStart) { event.preventDefault(); focusCell(r, c - 1); } break;
      case "ArrowRight": if (whole || atEnd) { event.preventDefault(); focusCell(r, c + 1); } break;
      case "Enter": event.preventDefault(); focusCell(event.shiftKey ? r - 1 : r + 1, c); break;
      case "Tab":
        event.preventDefault();
        if (event.shiftKey) { c === 0 ? focusCell(r - 1, cols.length - 1) : focusCell(r, c - 1); }
        else { c === cols.length - 1 ? focusCell(r + 1, 0) : focusCell(r, c + 1); }
        break;
      case "Delete":
        // like a spreadsheet: Delete clears the cell, unless the caret is inside the text
        if (whole || atEnd) { event.preventDefault(); input.value = ""; changed(input); }
        break;
      case "Escape":
        input.value = input.dataset.saved || ""; changed(input); input.select(); break;
    }
  });
  table.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("cell")) event.target.select();
  });
  table.addEventListener("input", function (event) {
    if (event.target.classList.contains("cell")) changed(event.target);
  });
  table.addEventListener("focusout", function (event) {
    if (event.target.classList && event.target.classList.contains("cell")) display(event.target);
  });
  table.addEventListener("paste", function (event) {
    const input = event.target;
    if (!input.classList || !input.classList.contains("cell") || input.readOnly) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n]/.test(text.replace(/\r?\n$/, ""))) return; // a single value: let the browser paste it
    event.preventDefault();
    const [r0, c0] = position(input);
    const lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
    lines.forEach(function (line, i) {
      line.split("\t").forEach(function (value, j) {
        const target = cellAt(r0 + i, c0 + j);
        if (target && !target.readOnly) { target.value = value.trim(); changed(target, true); display(target); }
      });
    });
    rows.slice(r0, r0 + lines.length).forEach(preview);
    refreshStatus();
  });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") { event.preventDefault(); startSave(); }
  });
  function changed(input, quiet) {
    validate(input);
    input.classList.remove("conflict");
    saveDraft();
    if (!quiet) { preview(rowOf(input)); refreshStatus(); }
  }
  table.querySelectorAll(".why").forEach(function (button) {
    button.addEventListener("click", function () {
      const box = document.getElementById("why-box");
      box.textContent = rowOf(button).querySelector(".name").textContent.trim() + ": " + button.title;
      box.hidden = false;
    });
  });

  // -- saving -----------------------------------------------------------------------------------
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (response.status === 401 || (response.redirected && /\/accounts\/login\//.test(response.url))) {
        document.getElementById("session-banner").hidden = false;
        refreshStatus();
        return null;
      }
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || response.statusText);
        document.getElementById("session-banner").hidden = true;
        return data;
      });
    });
  }
  function payloadChanges() {
    return dirtyCells().map((c) => ({ enrolment: rowOf(c).dataset.enrolment, column: c.dataset.col, value: normalise(c), version: parseInt(c.dataset.version || "0", 10) }));
  }
  function columnDates() {
    const dates = {};
    table.querySelectorAll("input.col-date").forEach((d) => (dates[d.dataset.col] = d.value));
    return dates;
  }
  let datesChanged = false;
  table.querySelectorAll("input.col-date").forEach((d) => d.addEventListener("change", () => { datesChanged = true; refreshStatus(fmt(M.unsaved, { n: dirtyCells().length })); }));

  const dialog = document.getElementById("check-dialog");
  function startSave() {
    if (!editable) return;
    const wrong = cells.filter((c) => c.classList.contains("invalid") && isDirty(c));
    if (wrong.length) {  // nothing is checked or saved while a red cell holds what cannot be saved
      refreshStatus(fmt(M.fixFirst, { n: wrong.length }));
      wrong[0].focus();
      return;
    }
    const changes = payloadChanges();
    if (!changes.length && !datesChanged) { refreshStatus(M.nothing); return; }
    if (!changes.length) { doSave("", changes); return; }
    post(config.check, { changes: changes }).then(function (report) {
      if (!report) return;
      const diff = document.getElementById("check-diff");
      diff.textContent = "";
      report.diff.forEach(function (line) {
        const tr = document.createElement("tr");
        [line.student, line.column, line.old, line.new + (line.conflict ? " — " + line.conflict : "")].forEach(function (text) {
          const td = document.createElement("td"); td.textContent = text; tr.appendChild(td);
        });
        if (line.conflict) tr.className = "conflict-line";
        diff.appendChild(tr);
      });
      const warnings = document.getElementById("check-warnings");
      warnings.textContent = "";
      report.warnings.forEach(function (text) {
        const p = document.createElement("p"); p.className = "msg-warning warning"; p.textContent = "⚠ " + text; warnings.appendChild(p);
      });
      document.getElementById("reason-field").hidden = !report.needs_reason;
      document.getElementById("reason-error").hidden = true;
      dialog.dataset.needsReason = report.needs_reason ? "1" : "";
      if (typeof dialog.showModal === "function") dialog.showModal(); else dialog.setAttribute("open", "");
      document.getElementById("check-confirm").focus();
    }).catch(function (error) { refreshStatus(fmt(M.error, { error: error.message })); });
  }
  document.getElementById("check-cancel") && document.getElementById("check-cancel").addEventListener("click", () => dialog.close());
  document.getElementById("check-confirm") && document.getElementById("check-confirm").addEventListener("click", function () {
    const reason = document.getElementById("reason").value.trim();
    if (dialog.dataset.needsReason && !reason) { document.getElementById("reason-error").hidden = false; return; }
    dialog.close();
    doSave(reason, payloadChanges());
  });
  const saveButton = document.getElementById("save-btn");
  if (saveButton) saveButton.addEventListener("click", startSave);

  function doSave(reason, changes) {
    refreshStatus(M.saving);
    post(config.save, { changes: changes, reason: reason, dates: columnDates() }).then(function (report) {
      if (!report) return;
      datesChanged = false;
      const byKey = {};
      cells.forEach((c) => (byKey[keyOf(c)] = c));
      const conflicts = [];
      let refused = 0;
      report.cells.forEach(function (o) {
        const input = byKey[o.enrolment + ":" + o.column];
        if (!input) return;
        if (o.status === "saved" || o.status === "unchanged") {
          input.dataset.saved = o.value; input.dataset.version = o.version; input.value = o.value;
          input.classList.remove("conflict"); setError(input, "");
        } else if (o.status === "refused") {
          refused++; setError(input, o.message);
        } else if (o.status === "conflict") {
          conflicts.push([input, o]);
        }
      });
      showConflicts(conflicts);
      saveDraft();
      refreshStatus();
      let text = fmt(M.saved, { time: new Date().toLocaleTimeString("vi-VN") });
      if (refused) text += " — " + fmt(M.refused, { n: refused });
      statusEl.textContent = text + (dirtyCells().length ? " — " + fmt(M.unsaved, { n: dirtyCells().length }) : "");
      rows.forEach(function (row) { if (row.querySelector(".cell.dirty") === null) preview(row); });
    }).catch(function (error) { refreshStatus(fmt(M.error, { error: error.message })); });
  }

  function showConflicts(conflicts) {
    const box = document.getElementById("conflicts");
    box.textContent = "";
    box.hidden = !conflicts.length;
    if (!conflicts.length) return;
    const head = document.createElement("p");
    head.textContent = fmt(M.conflict, { n: conflicts.length });
    box.appendChild(head);
    conflicts.forEach(function ([input, o]) {
      input.classList.add("conflict");
      const line = document.createElement("p");
      line.className = "conflict-line";
      const name = rowOf(input).querySelector(".name").textContent.trim();
      line.textContent = name + " — " + (input.dataset.label || o.column) + ": " + fmt(M.theirs, { value: o.value || "∅", who: o.changed_by, when: o.changed_at, mine: input.value || "∅" }) + " ";
      const mine = document.createElement("button");
      mine.type = "button"; mine.className = "btn secondary keep-mine"; mine.textContent = M.keepMine;
      mine.onclick = function () { input.dataset.version = o.version; input.classList.remove("conflict"); line.remove(); saveDraft(); refreshStatus(); };
      const theirs = document.createElement("button");
      theirs.type = "button"; theirs.className = "btn secondary take-theirs"; theirs.textContent = M.takeTheirs;
      theirs.onclick = function () { input.value = o.value; input.dataset.saved = o.value; input.dataset.version = o.version; input.classList.remove("conflict"); line.remove(); saveDraft(); refreshStatus(); preview(rowOf(input)); };
      line.appendChild(mine); line.appendChild(theirs);
      box.appendChild(line);
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (dirtyCells().length) { saveDraft(); event.preventDefault(); event.returnValue = M.leave; }
  });
  if (editable) offerDraft();
  refreshStatus();

  // -- a phone: one assessment column at a time (the CSS hides the others under 600 px) ------------
  const phoneColumn = document.getElementById("phone-column");
  function showColumn(key) {
    table.querySelectorAll("[data-col]").forEach(function (el) {
      if (el.tagName === "INPUT") return;
      el.classList.toggle("off-phone", el.dataset.col !== key);
    });
  }
  if (phoneColumn) {
    // the first column with a cell still to fill, where a teacher between lessons goes on
    const empty = cells.find((c) => !c.readOnly && c.dataset.col !== "comment" && !c.value.trim());
    if (empty) phoneColumn.value = empty.dataset.col;
    showColumn(phoneColumn.value);
    phoneColumn.addEventListener("change", function () {
      showColumn(phoneColumn.value);
      const first = cells.find((c) => c.dataset.col === phoneColumn.value && !c.readOnly);
      if (first && window.matchMedia("(max-width: 600px)").matches) first.focus();
    });
  }
})();
