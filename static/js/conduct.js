// The conduct grid: a level per student typed in full or by its initials, Enter/↓/↑ between students,
// a column pasted from Excel (level, or level <tab> comment) filling down, one level for every student
// without one, a running tally; saving waits while a cell holds something that is not a level.
(function () {
  "use strict";
  var form = document.getElementById("conduct-form");
  if (!form) return;
  var levels = (form.dataset.levels || "").split("|").filter(Boolean);
  var cells = Array.prototype.slice.call(form.querySelectorAll("input.level-cell"));
  var tally = document.getElementById("conduct-tally");
  var status = document.getElementById("conduct-status");

  function plain(text) {
    return (text || "").toLowerCase().replace(/đ/g, "d").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, "");
  }
  function initials(level) {
    return level.split(/\s+/).map(function (w) { return w[0]; }).join("");
  }
  function levelOf(text) {
    var key = plain(text);
    if (!key) return "";
    for (var i = 0; i < levels.length; i++) {
      if (key === plain(levels[i]) || key === plain(initials(levels[i]))) return levels[i];
    }
    return null;
  }
  function check(cell) {
    var level = levelOf(cell.value);
    if (level === null) {
      cell.classList.add("invalid");
      cell.setAttribute("aria-invalid", "true");
      cell.title = form.dataset.badLevel || "";
    } else {
      if (level && cell.value !== level) cell.value = level;
      cell.classList.remove("invalid");
      cell.removeAttribute("aria-invalid");
      cell.title = "";
    }
  }
  function refresh() {
    var counts = {};
    levels.forEach(function (l) { counts[l] = 0; });
    var empty = 0;
    cells.forEach(function (cell) {
      var level = levelOf(cell.value);
      if (level) counts[level] += 1;
      else if (level === "") empty += 1;
    });
    var parts = levels.map(function (l) { return l + ": " + counts[l]; });
    parts.push((form.dataset.emptyLabel || "—") + ": " + empty);
    if (tally) tally.textContent = parts.join(" · ");
  }
  function move(cell, step) {
    var next = cells[cells.indexOf(cell) + step];
    if (next) { next.focus(); next.select(); }
  }
  cells.forEach(function (cell) {
    cell.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "ArrowDown") {
        event.preventDefault(); check(cell); refresh(); move(cell, 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault(); check(cell); refresh(); move(cell, -1);
      }
    });
    cell.addEventListener("change", function () { check(cell); refresh(); });
    cell.addEventListener("paste", function (event) {
      var text = (event.clipboardData || window.clipboardData).getData("text");
      var lines = text.replace(/\r/g, "").split("\n");
      if (lines.length && lines[lines.length - 1] === "") lines.pop();
      if (lines.length < 2 && text.indexOf("\t") < 0) return;  // one value: the browser pastes it
      event.preventDefault();
      var start = cells.indexOf(cell);
      lines.forEach(function (line, i) {
        var target = cells[start + i];
        if (!target) return;
        var parts = line.split("\t");
        target.value = parts[0].trim();
        check(target);
        var comment = parts.length > 1 ? target.closest("tr").querySelector("input.comment-cell") : null;
        if (comment) comment.value = parts.slice(1).join(" ").trim();
      });
      refresh();
    });
  });
  var fill = document.getElementById("fill-empty");
  if (fill) {
    fill.addEventListener("click", function () {
      var level = document.getElementById("fill-level").value;
      if (!level) return;
      cells.forEach(function (cell) { if (!cell.value.trim()) cell.value = level; });
      cells.forEach(check);
      refresh();
    });
  }
  form.addEventListener("submit", function (event) {
    cells.forEach(check);
    var bad = cells.filter(function (cell) { return cell.classList.contains("invalid"); });
    if (bad.length) {
      event.preventDefault();
      status.hidden = false;
      status.textContent = form.dataset.blocked || "";
      bad[0].focus();
    }
  });
  cells.forEach(check);
  refresh();
})();
