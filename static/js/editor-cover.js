/* The post editor's cover image: a thumbnail of the cover, "Upload" (through editor.js's one
 * uploader, with its progress line and messages), "Choose from library" (a dialog listing the media
 * library a page at a time, newest first, from /admin/media/library.json) and "Remove".
 *
 * The "Cover image URL" field stays the truth: the controls only write into it, and into the
 * description when that is empty or still holds what they put there. Saving works as before, and
 * without this file the two fields are the whole cover section. No inline code (strict CSP).
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-editor]");
  var section = form && form.querySelector("[data-cover]");
  var dialog = document.querySelector("[data-cover-dialog]");
  if (!section || !dialog || typeof dialog.showModal !== "function") return;

  var urlInput = section.querySelector("[data-editor-cover]");
  var altInput = section.querySelector("[data-editor-cover-alt]");
  var preview = section.querySelector("[data-cover-preview]");
  var empty = section.querySelector("[data-cover-empty]");
  var removeButton = section.querySelector("[data-cover-remove]");
  var openButton = section.querySelector("[data-cover-open]");
  var uploadInput = section.querySelector("[data-cover-upload-input]");
  var errorLine = section.querySelector("[data-cover-error]");
  var grid = dialog.querySelector("[data-cover-grid]");
  var status = dialog.querySelector("[data-cover-status]");
  var more = dialog.querySelector("[data-cover-more]");
  var libraryUrl = form.dataset.mediaLibraryUrl;
  var SIZES = "(min-width: 64rem) 18rem, 90vw";  // the editor's side column, or the phone's width
  var autoAlt = null;  // the description filled in from the library, until the writer edits it

  section.querySelector("[data-cover-actions]").hidden = false;
  var editor = window.sargassoEditor;  // the uploader; without it, only the library and Remove
  if (!editor) uploadInput.closest("label").hidden = true;

  // ---------------------------------------------------------------- the thumbnail

  function noPreview(img) {
    img.hidden = true;
    empty.textContent = "No preview of this address";
    empty.hidden = false;
  }

  function watch(img) {
    img.addEventListener("error", function () { noPreview(img); });
    img.addEventListener("load", function () { img.hidden = false; empty.hidden = true; });
    if (img.complete && img.getAttribute("src") && !img.naturalWidth) noPreview(img);
    return img;
  }

  function show(url, thumb, srcset) {
    var img = preview.querySelector("img");
    removeButton.hidden = !url;
    if (!url) {
      if (img) img.remove();
      empty.textContent = "No cover image";
      empty.hidden = false;
      return;
    }
    if (!img) {
      img = watch(document.createElement("img"));
      img.alt = "Current cover";
      preview.insertBefore(img, empty);
    }
    if (srcset) {
      img.srcset = srcset;
      img.sizes = SIZES;
    } else {
      img.removeAttribute("srcset");
      img.removeAttribute("sizes");
    }
    img.src = thumb || url;
    img.hidden = false;
    empty.hidden = true;
  }

  var shown = preview.querySelector("img");
  if (shown) watch(shown);

  /* Values set here are announced as typing is, so the editor's unsaved-changes guard and its copy
   * in this browser (editor.js) see them. */
  function announce(input) { input.dispatchEvent(new Event("input", { bubbles: true })); }

  /* The description's turn: focus it (the caret after a description the library had) and mark
   * it for a moment, so the writer sees what to fill in or check. */
  function askForDescription() {
    var box = altInput.closest(".field") || altInput;
    box.classList.remove("cover-alt-ask");
    void box.offsetWidth;  // restart the highlight when asked again
    box.classList.add("cover-alt-ask");
    setTimeout(function () { box.classList.remove("cover-alt-ask"); }, 2600);
    altInput.focus();
    altInput.setSelectionRange(altInput.value.length, altInput.value.length);
  }

  /* The description a library image has, from the address field's suggestions. */
  function storedDescription(url) {
    var list = urlInput.list;
    var found = list && Array.prototype.filter.call(list.options, function (o) { return o.value === url; })[0];
    return found ? found.getAttribute("data-alt") || "" : "";
  }

  /* A typed (or suggested) address gets its thumbnail when the field is left, and the library's
     description of that image if the writer has not written one. */
  urlInput.addEventListener("change", function () {
    var url = urlInput.value.trim();
    show(url);
    var stored = storedDescription(url);
    if (stored && (!altInput.value.trim() || altInput.value === autoAlt)) {
      altInput.value = stored;
      autoAlt = stored;
      announce(altInput);
    }
  });

  /* Make an upload (a library item or a fresh one, as /admin/media/ answers them) the cover. */
  function useImage(item) {
    urlInput.value = item.url;
    show(item.url, item.thumb, item.srcset);
    errorLine.hidden = true;
    if (!altInput.value.trim() || altInput.value === autoAlt) {
      altInput.value = item.alt_text || "";  // a file name is no description: left for the writer
      autoAlt = altInput.value;
    }
    announce(urlInput);
    announce(altInput);
  }

  removeButton.addEventListener("click", function () {
    urlInput.value = "";
    altInput.value = "";
    autoAlt = null;
    errorLine.hidden = true;
    show("");
    announce(urlInput);
    announce(altInput);
    openButton.focus();  // Remove itself is gone now
  });

  // ---------------------------------------------------------------- upload (editor.js's uploader)

  var uploads = {
    box: section.querySelector("[data-cover-upload]"),
    bar: section.querySelector("[data-cover-upload-progress]"),
    text: section.querySelector("[data-cover-upload-text]"),
    unchanged: "The cover is unchanged.",
    done: function (reply) {
      useImage(reply);
      askForDescription();  // a fresh upload has none yet: ask for it now
    },
    fail: function (message) {
      errorLine.hidden = false;
      errorLine.textContent = message;
    },
  };

  uploadInput.addEventListener("change", function () {
    var file = uploadInput.files && uploadInput.files[0];
    uploadInput.value = "";
    if (!file || !editor) return;
    errorLine.hidden = true;
    editor.upload(file, uploads);
  });

  // ---------------------------------------------------------------- the library dialog

  var nextUrl = null;
  var loading = false;

  function choice(item) {
    var li = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "cover-choice";
    button.setAttribute("data-cover-choice", "");
    button.title = item.name + " · " + item.width + "×" + item.height + " px";
    if (item.url === urlInput.value.trim()) button.setAttribute("aria-current", "true");
    var img = document.createElement("img");
    img.src = item.thumb;
    img.alt = item.alt_text || item.name;  // the button's name: what the picture shows, else its file
    img.loading = "lazy";
    img.decoding = "async";
    button.appendChild(img);
    button.addEventListener("click", function () {
      useImage(item);
      dialog.close();
      askForDescription();  // to write, or to check the library's
    });
    li.appendChild(button);
    grid.appendChild(li);
    return button;
  }

  function load(url) {
    loading = true;
    more.setAttribute("aria-disabled", "true");
    status.textContent = "Loading…";
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (res.redirected || res.status === 401) {
          throw new Error("You are signed out. Sign in again in another tab, then open the library again.");
        }
        if (!res.ok) throw new Error("The library did not load (the site answered " + res.status + ").");
        return res.json();
      })
      .then(function (page) {
        var first = null;
        page.items.forEach(function (item) {
          var button = choice(item);
          first = first || button;
        });
        nextUrl = page.next;
        var count = grid.children.length;
        status.textContent = !count ? "No uploads yet: use “Upload” beside the cover." :
          (nextUrl ? "The " + count + " newest uploads. “More” shows older ones." : count + " uploads, newest first.");
        if (first) first.focus();  // the first of the page just shown
      })
      .catch(function (error) {
        status.textContent = error instanceof TypeError ? "No connection: the library did not load." : error.message;
      })
      .then(function () {
        loading = false;
        more.removeAttribute("aria-disabled");
        more.hidden = !nextUrl;
      });
  }

  openButton.addEventListener("click", function () {
    grid.textContent = "";  // read afresh each time: an upload since then is at the top
    nextUrl = null;
    more.hidden = true;
    dialog.showModal();
    load(libraryUrl);
  });
  more.addEventListener("click", function () {
    if (!loading && nextUrl) load(nextUrl);
  });
  dialog.querySelector("[data-cover-close]").addEventListener("click", function () { dialog.close(); });
  /* A click on the backdrop (outside the dialog's box) closes it, as Escape does. */
  dialog.addEventListener("click", function (event) {
    if (event.target !== dialog) return;
    var box = dialog.getBoundingClientRect();
    var inside = event.clientX >= box.left && event.clientX <= box.right &&
      event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) dialog.close();
  });
  dialog.addEventListener("close", function () {
    var at = document.activeElement;
    if (!at || at === document.body || dialog.contains(at)) openButton.focus();
  });
})();
