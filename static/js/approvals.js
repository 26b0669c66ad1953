// The approval table: one box ticks or unticks every class.
(function () {
  "use strict";
  var all = document.getElementById("check-all");
  if (!all) return;
  var boxes = document.querySelectorAll('input[name="classes"]');
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
})();
