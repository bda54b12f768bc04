// Job page: ask the job's status every second and move the bar; reload when it is done.
// Without JavaScript the page refreshes itself (<noscript><meta http-equiv="refresh">).
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector(".job-bar");
  var phase = box.querySelector(".job-phase");
  var fmt = new Intl.NumberFormat(document.documentElement.lang || "de");
  function tick() {
    fetch(box.getAttribute("data-job-status"), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.status === "finished" || s.status === "failed") {
          window.location.assign(s.next);
          return;
        }
        bar.value = s.percent;
        bar.textContent = s.percent + " %";
        phase.textContent = s.phase + (s.total ? ": " + fmt.format(s.done) + " / " + fmt.format(s.total) : "");
        window.setTimeout(tick, 1000);
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  window.setTimeout(tick, 500);
}());
