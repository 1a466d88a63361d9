// Live fragments: every element with data-live-src is fetched again every data-live-every seconds and
// its contents replaced, without reloading the page. One script for every office page (no inline
// script: the pages' Content-Security-Policy allows only the app's own files).
//
// A refresh waits while the operator is typing in a field, or while keyboard focus is inside the
// fragment (replacing it would throw the focus away); the fragment says when it was last updated.
(function () {
  "use strict";
  var TYPING_QUIET_MS = 10000;
  var lastTyped = 0;

  function isField(element) {
    if (!element) { return false; }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    return tag === "INPUT" && ["button", "submit", "reset", "checkbox", "radio", "hidden"].indexOf(element.type) < 0;
  }

  document.addEventListener("input", function (event) {
    if (isField(event.target)) { lastTyped = Date.now(); }
  }, true);

  function busy(box) {
    var active = document.activeElement;
    if (active && active !== document.body && box.contains(active)) { return true; }
    return isField(active) && Date.now() - lastTyped < TYPING_QUIET_MS;
  }

  function say(box, text) {
    var state = document.getElementById(box.id + "-state");
    if (state) { state.textContent = text; }
  }

  function watch(box) {
    var every = Math.max(2, parseInt(box.getAttribute("data-live-every"), 10) || 5) * 1000;
    function next() { window.setTimeout(refresh, every); }
    function refresh() {
      if (document.hidden) { next(); return; }
      if (busy(box)) { say(box, "Paused while you type or move through this list."); next(); return; }
      fetch(box.getAttribute("data-live-src"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (response) {
          if (response.redirected) { throw new Error("signed out"); }
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.text();
        })
        .then(function (html) {
          // Checked again: the operator may have started typing while the answer travelled.
          if (busy(box)) { say(box, "Paused while you type or move through this list."); return; }
          box.innerHTML = html;
          box.setAttribute("data-live-updated", String(Date.now()));
          say(box, "");
        })
        .catch(function (error) {
          say(box, error.message === "signed out" ? "Signed out: reload the page to log in again."
                                                   : "Could not update; trying again.");
        })
        .then(next);
    }
    next();
  }

  function start() {
    var boxes = document.querySelectorAll("[data-live-src]");
    for (var i = 0; i < boxes.length; i += 1) { watch(boxes[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
