// Live log for a run page: appends events from the server-sent event stream after those rendered with the page,
// and reloads the page when the run's state changes so the timeline and artifacts stay current.
(function () {
  "use strict";
  var log = document.getElementById("log");
  if (!log || !window.EventSource || log.getAttribute("data-final") === "true") {
    return;
  }

  var source = new EventSource(log.getAttribute("data-stream") + "?after=" + log.getAttribute("data-after"));
  var follow = true;
  log.addEventListener("scroll", function () {
    follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  });

  function append(kind, data) {
    var event = JSON.parse(data);
    var line = document.createElement("span");
    line.className = "log-" + kind;
    var time = new Date(event.at).toISOString().substring(11, 19);
    line.textContent = time + " " + (event.step ? "[" + event.step + "] " : "") + event.message + "\n";
    log.appendChild(line);
    if (follow) {
      log.scrollTop = log.scrollHeight;
    }
  }

  ["stdout", "stderr", "log"].forEach(function (kind) {
    source.addEventListener(kind, function (e) { append(kind, e.data); });
  });
  source.addEventListener("state", function (e) {
    append("state", e.data);
    var state = document.getElementById("run-state");
    if (state) {
      state.textContent = "updating…";
    }
    window.setTimeout(function () { window.location.reload(); }, 600);
  });
  source.addEventListener("end", function () {
    source.close();
    window.location.reload();
  });
})();
