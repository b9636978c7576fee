/* The page editor (templates/pages/admin/form.html) reuses static/js/editor.js, which keeps the
 * text of a new page in this browser under "sargasso:editor:page-new" until it is saved. Once it
 * is (this is then the page's own edit form, holding the same text), that copy is forgotten, as
 * editor.js does for a new post; otherwise the next "New page" would offer it back. Loaded before
 * editor.js. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-editor]");
  if (!form || !/^page-\d+$/.test(form.dataset.postId || "")) return;
  var key = "sargasso:editor:page-new";
  try {
    var kept = JSON.parse(window.localStorage.getItem(key) || "null");
    var body = form.querySelector("#body_md");
    if (kept && body && kept.body_md === body.value) window.localStorage.removeItem(key);
  } catch (e) { /* private mode, or something else's data: leave it */ }
})();
