// The manager's admin: names for the inputs Django's widgets leave unnamed. Loaded by templates/admin/base_site.html.
(function () {
  "use strict";

  // Django's split date/time widget prints "Date:" and "Time:" as bare text before its two inputs, and the field's
  // label points at neither; turn each bare word into a real <label> for the input after it.
  function labelSplitDateTimes(root) {
    root.querySelectorAll("p.datetime").forEach(function (p) {
      var field = p.closest(".form-row, td");
      var heading = field && field.querySelector("label:not(.visually-hidden)");
      var name = heading ? heading.textContent.replace(/:\s*$/, "").trim() : "";
      Array.prototype.slice.call(p.childNodes).forEach(function (node) {
        var input = node.nextElementSibling || node.nextSibling;
        if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) return;
        while (input && input.nodeType !== Node.ELEMENT_NODE) input = input.nextSibling;
        if (!input || input.tagName !== "INPUT" || !input.id) return;
        var label = document.createElement("label");
        label.htmlFor = input.id;
        label.textContent = node.textContent.trim();
        if (name) label.setAttribute("aria-label", name + " " + label.textContent.replace(/:\s*$/, "").toLowerCase());
        p.replaceChild(label, node);
        p.insertBefore(document.createTextNode(" "), label.nextSibling);
      });
    });
  }

  // The filter widget (SelectFilter2.js) puts aria-label on a plain <span> icon, which ARIA does not allow: an
  // aria-label needs a role. It builds them on window load, after this script, so watch for them.
  function nameIcons(root) {
    root.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (span) {
      span.setAttribute("role", "img");
    });
  }

  new MutationObserver(function () {
    nameIcons(document);
  }).observe(document.documentElement, { childList: true, subtree: true });

  document.addEventListener("DOMContentLoaded", function () {
    labelSplitDateTimes(document);
    nameIcons(document);
  });
  document.addEventListener("formset:added", function (event) {
    labelSplitDateTimes(event.target);
  });
})();
