// The printing progress bar: asks the server every second until the batch is done, then reloads the
// page to show the downloads. Without JavaScript the page still works (reload it by hand).
(function () {
  const box = document.getElementById("batch");
  if (!box || box.dataset.status === "done" || box.dataset.status === "failed") return;
  const bar = document.getElementById("batch-progress");
  const done = document.getElementById("batch-done");
  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        bar.value = data.done + (data.skipped || 0);
        done.textContent = data.done;
        if (data.state) document.getElementById("batch-state").textContent = data.state;
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
          return;
        }
      }
    } catch (e) {
      /* network hiccup: try again */
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
