/* Sargasso's small helpers. Every page works without this file; it only adds comfort.
 *
 * - Inline spoilers (<span class="spoiler" tabindex="0">): click, tap, Enter or Space toggles
 *   .revealed so the text stays readable after focus moves on. CSS alone reveals on hover/focus.
 * - Forms with data-confirm="Question?" ask before submitting (delete buttons in the admin).
 *
 * Loaded with `defer` from base.html; no inline handlers anywhere, so a strict CSP holds.
 */
(function () {
  "use strict";

  function isSpoiler(el) {
    return el && el.classList && el.classList.contains("spoiler") && el.tagName !== "DETAILS";
  }

  function toggle(spoiler) {
    spoiler.classList.toggle("revealed");
  }

  function prepare(root) {
    var spoilers = root.querySelectorAll("span.spoiler");
    for (var i = 0; i < spoilers.length; i++) {
      var s = spoilers[i];
      if (s.hasAttribute("data-spoiler-ready")) continue;
      s.setAttribute("data-spoiler-ready", "");
      if (!s.hasAttribute("tabindex")) s.setAttribute("tabindex", "0");
      if (!s.hasAttribute("title")) s.setAttribute("title", "Spoiler: click to reveal");
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("span.spoiler") : null;
    if (!isSpoiler(target)) return;
    // A link inside a hidden spoiler should reveal first, not navigate.
    if (!target.classList.contains("revealed") && event.target.closest("a")) event.preventDefault();
    if (event.target.closest("a") && target.classList.contains("revealed")) return;
    toggle(target);
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!isSpoiler(target)) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      toggle(target);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  } else {
    prepare(document);
  }
})();
