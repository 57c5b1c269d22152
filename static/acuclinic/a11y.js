// Keyboard and screen-reader care for the parts of a page that htmx replaces (the booking pickers).
//
// htmx itself puts focus back on an element with the same id as the one that had it (day links, selects and radios
// carry ids for that). When the focused control is gone after a swap (e.g. "Later days" on the last page), focus
// would fall to <body>; it goes to the chosen day, or else to the swapped section's heading, instead. Whatever the
// new content says about itself in data-announce ("Friday 4 December: 8 free times.") is read out through the
// page's polite live region (#live-status in base.html), which stays in place so screen readers notice the change.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("live-status");
    if (!region || !text) return;
    region.textContent = "";
    // A separate task, so the same sentence twice in a row is still announced.
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !document.body.contains(active);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = (event.detail && event.detail.target) || event.target;
    if (!(target instanceof Element)) return;
    if (focusLost()) {
      var next = target.querySelector('[aria-current="true"]') || target.querySelector("h2[tabindex], h3[tabindex]");
      if (next) next.focus();
    }
    var parts = [];
    target.querySelectorAll("[data-announce]").forEach(function (el) {
      parts.push(el.getAttribute("data-announce"));
    });
    announce(parts.join(" "));
  });
})();
