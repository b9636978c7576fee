/* Sargasso's small helpers. Every page works without this file; it only adds comfort.
 *
 * - Inline spoilers (<span class="spoiler" tabindex="0">): click, tap, Enter or Space toggles
 *   .revealed. With this file, neither a pointer passing over nor a Tab landing on one shows its
 *   text, and screen readers hear "Spoiler, hidden" (the text is aria-hidden until shown);
 *   without it, CSS reveals on hover and focus (html.js-spoilers marks the difference).
 * - Forms with data-confirm="Question?" ask before submitting (delete buttons in the admin).
 * - Pages served from the page cache are the same for every reader, so their forms carry no CSRF
 *   token (an empty csrf_token input) and the comment form no "shown at" stamp. When the reader
 *   first focuses a field of the comment form, or submits a form still missing its token, we
 *   fetch both from /comments/form-token (which also sets the session cookie) and fill every
 *   empty one on the page; a submit waits for that, then goes ahead. Without JavaScript the
 *   server answers such a post with a page that keeps the text and has a token.
 * - The server refuses a comment posted within COMMENTS_MIN_SECONDS of its form's stamp ("That
 *   was quick!"): a robot's pace. A reader who pastes a ready comment just after starting on the
 *   form (on a cached page, the moment the stamp is fetched) would meet it, so the submit waits
 *   out the rest of that time instead, the button saying "Posting…".
 *
 * Loaded with `defer` from base.html; no inline handlers anywhere, so a strict CSP holds.
 */
(function () {
  "use strict";

  function isSpoiler(el) {
    return el && el.classList && el.classList.contains("spoiler") && el.tagName !== "DETAILS";
  }

  var HIDDEN_HINT = "Spoiler, hidden. Press Enter to show it. ";
  var SHOWN_HINT = "Spoiler: ";

  function setShown(spoiler, shown) {
    spoiler.classList.toggle("revealed", shown);
    var hint = spoiler.querySelector(":scope > .spoiler-hint");
    var text = spoiler.querySelector(":scope > .spoiler-text");
    if (hint) hint.textContent = shown ? SHOWN_HINT : HIDDEN_HINT;
    if (text) {
      // Hidden text is out of the accessibility tree, and its links out of the Tab order.
      if (shown) text.removeAttribute("aria-hidden");
      else text.setAttribute("aria-hidden", "true");
      var links = text.querySelectorAll("a[href]");
      for (var i = 0; i < links.length; i++) {
        if (shown) links[i].removeAttribute("tabindex");
        else links[i].setAttribute("tabindex", "-1");
      }
    }
  }

  function toggle(spoiler) {
    setShown(spoiler, !spoiler.classList.contains("revealed"));
  }

  function prepare(root) {
    document.documentElement.classList.add("js-spoilers");
    var spoilers = root.querySelectorAll("span.spoiler");
    for (var i = 0; i < spoilers.length; i++) {
      var s = spoilers[i];
      // Moderators read what they approve: the queue shows spoilers' text (admin-moderation.css).
      if (s.hasAttribute("data-spoiler-ready") || s.closest(".moderation-comment-text")) continue;
      s.setAttribute("data-spoiler-ready", "");
      if (!s.hasAttribute("tabindex")) s.setAttribute("tabindex", "0");
      if (!s.hasAttribute("title")) s.setAttribute("title", "Spoiler: click to reveal");
      var text = document.createElement("span");
      text.className = "spoiler-text";
      while (s.firstChild) text.appendChild(s.firstChild);
      var hint = document.createElement("span");
      hint.className = "spoiler-hint visually-hidden";
      s.appendChild(hint);
      s.appendChild(text);
      setShown(s, s.classList.contains("revealed"));
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

(function () {
  "use strict";

  var DEFAULT_URL = "/comments/form-token";
  var MARGIN_MS = 250;  // the stamp is made on the server before it reaches us: a little slack
  var pending = null;
  var stampedAt = null;  // when this page got the comment form's stamp (Date.now())
  var waiting = false;   // a comment submit is waiting out the minimum time

  function commentForm() {
    return document.getElementById("commentform");
  }

  function stampOf(form) {
    return form ? form.querySelector('input[name="shown"]') : null;
  }

  (function () {  // a stamp in the page itself (a page rendered for this reader) is as old as the page
    var shown = stampOf(commentForm());
    if (shown && shown.value) stampedAt = Date.now();
  })();

  function millisecondsToWait(form) {
    if (form !== commentForm() || stampedAt === null) return 0;
    var minimum = parseFloat(form.getAttribute("data-min-seconds") || "0");
    if (!(minimum > 0)) return 0;
    return Math.max(0, stampedAt + minimum * 1000 + MARGIN_MS - Date.now());
  }

  function needsToken(form) {
    if (!form || (form.method || "").toLowerCase() !== "post") return false;
    var input = form.querySelector('input[name="csrf_token"]');
    if (input) return !input.value;
    return form === commentForm();  // rendered for the cache without the field at all
  }

  function fill(data) {
    var forms = document.querySelectorAll("form");
    Array.prototype.forEach.call(forms, function (form) {
      if (!needsToken(form)) return;
      var input = form.querySelector('input[name="csrf_token"]');
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = "csrf_token";
        form.insertBefore(input, form.firstChild);
      }
      input.value = data.csrf_token;
    });
    var shown = stampOf(commentForm());
    if (shown && !shown.value && data.shown) {
      shown.value = data.shown;
      stampedAt = Date.now();
    }
  }

  function fetchToken() {
    if (pending) return pending;
    var form = commentForm();
    var url = (form && form.getAttribute("data-token-url")) || DEFAULT_URL;
    pending = fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("form token: HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      fill(data);
      return data;
    });
    pending.catch(function () { pending = null; });  // try again on the next focus or submit
    return pending;
  }

  document.addEventListener("focusin", function (event) {
    var form = commentForm();
    if (form && form.contains(event.target) && needsToken(form)) fetchToken().catch(function () {});
  });

  function waitThen(form, submitter, go) {
    var left = millisecondsToWait(form);
    if (left <= 0) { go(); return; }
    // The visible "Post Comment" says so, whichever button sent the form (Enter presses a hidden one).
    var button = form.querySelector("#submit") || submitter;
    var label = button ? button.textContent : "";
    waiting = true;
    form.setAttribute("aria-busy", "true");
    if (button) button.textContent = "Posting\u2026";
    window.setTimeout(function () {
      waiting = false;
      form.removeAttribute("aria-busy");
      if (button) button.textContent = label;
      go();
    }, left);
  }

  // Capture phase: before discussion.js's like handler or a data-confirm question sees the event.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var missing = needsToken(form);
    // Only "Post Comment" waits: a submit button sending the form elsewhere (a sign-in provider,
    // sign-out) goes at once.
    var isComment = form === commentForm() && !(event.submitter && event.submitter.hasAttribute("formaction"));
    if (!missing && !(isComment && (waiting || millisecondsToWait(form) > 0))) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (isComment && waiting) return;  // a second press while the first waits
    var submitter = event.submitter || null;
    function resubmit() {
      if (needsToken(form) || !form.requestSubmit) {
        HTMLFormElement.prototype.submit.call(form);  // no handler runs again: no loop
      } else {
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      }
    }
    function ready() {
      if (isComment) waitThen(form, submitter, resubmit);
      else resubmit();
    }
    if (!missing) { ready(); return; }
    // Without a token the server still answers with a page that keeps the text: never lose a post.
    fetchToken().then(ready, function () { HTMLFormElement.prototype.submit.call(form); });
  }, true);
})();

/* The comment form's "daily digest" box means something only with one of the two email choices
   above it ticked: it is unavailable until then (the server ignores it alone anyway). */
(function () {
  function sync() {
    var digest = document.getElementById("notify-digest");
    if (!digest) return;
    var replies = document.getElementById("notify-replies");
    var post = document.getElementById("notify-post");
    digest.disabled = !((replies && replies.checked) || (post && post.checked));
  }
  document.addEventListener("change", function (event) {
    var id = event.target && event.target.id;
    if (id === "notify-replies" || id === "notify-post") sync();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", sync);
  else sync();
  window.addEventListener("pageshow", sync);  // boxes a browser restored on "Back"
})();

/* A form that came back with errors opens at its error summary (partials/forms.html), so the
   reader of a long form sees what went wrong without hunting for it 3,000 px down; each link in
   the summary puts the focus in its field, with the field's label in view. */
(function () {
  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary || location.hash) return;
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "center" });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[data-field]");
    if (!link) return;
    var input = document.getElementById(link.getAttribute("data-field"));
    if (!input) return;
    event.preventDefault();
    var label = input.closest(".field") || input;
    label.scrollIntoView({ block: "start" });
    input.focus({ preventScroll: true });
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusSummary);
  else focusSummary();
})();

/* On a phone the header's links are one row that scrolls sideways (site.css), so the link to the
   page being read may start out of sight: bring it into the row's view, without moving the page. */
(function () {
  function showCurrent() {
    var row = document.querySelector(".site-nav .nav-links");
    var here = row && row.querySelector('[aria-current="page"]');
    if (!here || row.scrollWidth <= row.clientWidth) return;
    var start = here.offsetLeft - row.offsetLeft;
    var end = start + here.offsetWidth;
    var margin = 32;  // clear of the fade at each end
    if (end > row.scrollLeft + row.clientWidth - margin) row.scrollLeft = end - row.clientWidth + margin;
    else if (start < row.scrollLeft + margin) row.scrollLeft = Math.max(0, start - margin);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showCurrent);
  else showCurrent();
})();

/* A box of code wider than its column scrolls sideways (site.css): it takes a tabindex so a
   keyboard can scroll it too (WCAG 2.1.1; axe's "scrollable-region-focusable"). Only boxes that
   do scroll: in posts, pages, comments and the moderation queue. */
(function () {
  function focusableCode() {
    var boxes = document.querySelectorAll("pre:not([tabindex])");
    Array.prototype.forEach.call(boxes, function (pre) {
      if (pre.scrollWidth <= pre.clientWidth) return;
      pre.setAttribute("tabindex", "0");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusableCode);
  else focusableCode();
})();
