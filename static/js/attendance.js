// The attendance sheet: a cell with a reason ("P ốm") shows its code while another cell is being typed
// in (the reason in its tooltip), and the whole text while it is edited; the form sends the whole text.
(function () {
  "use strict";
  var form = document.getElementById("attendance-form");
  if (!form) return;
  var cells = form.querySelectorAll("input.att");
  function compact(input) {
    var text = input.value.trim();
    var space = text.indexOf(" ");
    input.dataset.full = text;
    if (space > 0) {
      input.value = text.slice(0, space) + "*";
      input.title = text;
      input.classList.add("has-reason");
    } else {
      input.title = "";
      input.classList.remove("has-reason");
    }
  }
  function expand(input) {
    if (input.dataset.full !== undefined) input.value = input.dataset.full;
  }
  cells.forEach(function (input) {
    compact(input);
    input.addEventListener("focus", function () { expand(input); input.select(); });
    input.addEventListener("blur", function () { compact(input); });
  });
  form.addEventListener("submit", function () { cells.forEach(expand); });
})();
