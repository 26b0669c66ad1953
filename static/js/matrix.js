// The teaching-assignment matrix: arrow keys and Enter move between cells, a block pasted from
// Excel (tab-separated rows) fills the cells from the focused one, like the score grid.
(function () {
  "use strict";
  const table = document.getElementById("matrix");
  if (!table) return;
  const rows = Array.from(table.tBodies[0].rows);
  const at = (r, c) => {
    const row = rows[r];
    const cell = row && row.cells[c];
    return cell ? cell.querySelector("input.cell") : null;
  };
  const where = (input) => {
    const td = input.closest("td");
    return [rows.indexOf(td.parentElement), td.cellIndex];
  };
  const move = (input, dr, dc) => {
    let [r, c] = where(input);
    for (let i = 0; i < 50; i++) {
      r += dr; c += dc;
      if (r < 0 || r >= rows.length || c < 1 || c >= rows[0].cells.length) return;
      const next = at(r, c);
      if (next) { next.focus(); next.select(); return; }
    }
  };
  table.addEventListener("keydown", (event) => {
    const input = event.target.closest("input.cell");
    if (!input) return;
    const keys = { ArrowUp: [-1, 0], ArrowDown: [1, 0], Enter: [1, 0] };
    if (input.selectionStart === input.value.length) keys.ArrowRight = [0, 1];
    if (input.selectionEnd === 0) keys.ArrowLeft = [0, -1];
    const step = keys[event.key];
    if (step) { event.preventDefault(); move(input, step[0], step[1]); }
  });
  table.addEventListener("paste", (event) => {
    const input = event.target.closest("input.cell");
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!input || !/[\t\n]/.test(text)) return;
    event.preventDefault();
    const [r0, c0] = where(input);
    text.replace(/\r/g, "").replace(/\n$/, "").split("\n").forEach((line, dr) => {
      line.split("\t").forEach((value, dc) => {
        const target = at(r0 + dr, c0 + dc);
        if (target) { target.value = value.trim(); target.classList.add("changed"); }
      });
    });
  });
  table.addEventListener("input", (event) => {
    const input = event.target.closest("input.cell");
    if (input) input.classList.add("changed");
  });
})();
