/* Keep the comment being written across the trip to a sign-in provider (and any reload).
 *
 * The comment form's text and reply target are copied to sessionStorage (per post page) as the
 * reader types; when the page loads with an empty box and a kept draft, both come back. The
 * server keeps a copy too (the provider icons submit the form to /login/<provider>), so this is
 * comfort on top of a page that already works without JavaScript. A normal "Post Comment"
 * submit forgets the browser copy. Loaded with `defer`, before comments.js, so a restored reply
 * target is there when comments.js moves the form under the comment being answered.
 */
(function () {
  "use strict";

  var form = document.getElementById("commentform");
  if (!form) return;
  var body = form.querySelector('textarea[name="body"]');
  var parent = form.querySelector('input[name="parent_id"]');
  if (!body) return;
  var key = "sargasso:draft:" + window.location.pathname;
  var store;
  try {
    store = window.sessionStorage;
    store.getItem(key);
  } catch (e) {
    return; // storage disabled: the server-side copy still works
  }

  var posting = false;

  function save() {
    if (posting) return;
    var text = body.value;
    var reply = parent ? parent.value : "";
    try {
      if (text.trim() || reply) {
        store.setItem(key, JSON.stringify({ body: text, parent_id: reply, saved: Date.now() }));
      } else {
        store.removeItem(key);
      }
    } catch (e) {
      /* quota: nothing to do */
    }
  }

  function restore() {
    var raw = store.getItem(key);
    if (!raw) return;
    var draft;
    try {
      draft = JSON.parse(raw);
    } catch (e) {
      store.removeItem(key);
      return;
    }
    if (!draft || typeof draft.body !== "string") return;
    // A day-old draft is stale; the server's own copy lives as long.
    if (draft.saved && Date.now() - draft.saved > 24 * 3600 * 1000) {
      store.removeItem(key);
      return;
    }
    if (!body.value.trim() && draft.body) {
      body.value = draft.body;
      if (parent && !parent.value && /^\d+$/.test(draft.parent_id || "")) {
        parent.value = draft.parent_id;
      }
      form.dispatchEvent(new CustomEvent("sargasso:draft-restored", { bubbles: true, detail: draft }));
    }
    if (window.location.hash === "#respond") {
      body.focus();
      body.setSelectionRange(body.value.length, body.value.length);
    }
  }

  restore();
  body.addEventListener("input", save);
  // The reply target changes when comments.js moves the form; save when the reader clicks anything
  // that may change it, and right before any submit.
  document.addEventListener("click", function () {
    window.setTimeout(save, 0);
  });
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-keep-draft")) {
      save(); // leaving for a provider, the sign-in choices or sign-out: keep it
    } else {
      posting = true; // no later save() may bring the posted text back
      try {
        store.removeItem(key); // posting the comment: the server re-renders it if it is refused
      } catch (e) {
        /* ignore */
      }
    }
  });
})();
