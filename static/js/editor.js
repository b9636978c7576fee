/* Sargasso's post editor: toolbar and shortcuts on a plain textarea, live preview rendered by the
 * server, autosave (server + this browser), edit conflicts, and background image uploads (the
 * one uploader: the cover's controls in editor-cover.js use it through window.sargassoEditor).
 *
 * Everything it needs comes from data-* attributes on form[data-editor] (no inline script: strict
 * CSP). Without this file the page is a plain form that still saves. Rule of thumb here: nothing
 * the author typed is ever dropped silently. The text is copied to localStorage on every change
 * and only forgotten once the server holds the same text.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-editor]");
  if (!form) return;

  var ds = form.dataset;
  var postId = ds.postId || "";
  var csrf = ds.csrf || "";
  var storageKey = "sargasso:editor:" + (postId || "new");
  var textarea = form.querySelector("#body_md");
  var titleInput = form.querySelector("#title");
  var excerptInput = form.querySelector("#excerpt");
  var baseInput = form.querySelector("[data-base-version-input]");
  var root = form.querySelector("[data-editor-root]");
  var banner = document.querySelector("[data-editor-banner]");
  var previewBox = form.querySelector("[data-editor-preview]");
  var previewPane = form.querySelector("#editor-preview");
  var wordsOut = form.querySelector("[data-word-count]");
  var minutesOut = form.querySelector("[data-reading-time]");
  if (!textarea || !titleInput) return;

  var AUTOSAVE_MS = 4000;
  var PREVIEW_MS = 350;
  var WORDS_PER_MINUTE = 230;

  function $(sel, scope) { return (scope || form).querySelector(sel); }
  function $all(sel, scope) { return Array.prototype.slice.call((scope || form).querySelectorAll(sel)); }
  function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  function baseVersion() { return parseInt(baseInput.value, 10) || null; }
  function setBaseVersion(v) { baseInput.value = String(v); ds.baseVersion = String(v); }
  /* What the author typed: the text (title, body, excerpt: what the server's autosave keeps) and,
   * in fields, every other field of the form by name (tags, series, cover, date, comments, a new
   * post's review details), so leaving the page warns about them and this browser's copy brings
   * them back. The CSRF token, the version and the buttons are the page's, not the author's. */
  var TEXT_FIELDS = ["title", "body_md", "excerpt"];
  var PAGE_FIELDS = ["csrf_token", "base_version", "action"];
  function settingElements() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !el.disabled && TEXT_FIELDS.indexOf(el.name) === -1 && PAGE_FIELDS.indexOf(el.name) === -1 &&
        el.tagName !== "BUTTON" && el.tagName !== "FIELDSET" && ["file", "submit", "button", "reset"].indexOf(el.type) === -1;
    });
  }
  function snapshot() {
    var fields = {};
    settingElements().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        fields[el.name] = fields[el.name] || [];
        if (el.checked) fields[el.name].push(el.value);
      } else if (el.multiple) {
        fields[el.name] = Array.prototype.map.call(el.selectedOptions, function (o) { return o.value; });
      } else {
        fields[el.name] = el.value;
      }
    });
    return {
      title: titleInput.value,
      body_md: textarea.value,
      excerpt: excerptInput ? excerptInput.value : "",
      fields: fields,
    };
  }
  /* Put a kept copy's settings back; each field that changes tells the page (the cover's thumbnail,
   * the date's hint). A choice the page no longer offers stays as it is. */
  function setFields(fields) {
    if (!fields) return;
    settingElements().forEach(function (el) {
      if (!Object.prototype.hasOwnProperty.call(fields, el.name)) return;
      var value = fields[el.name];
      var before = el.type === "radio" || el.type === "checkbox" ? el.checked : el.value;
      if (el.type === "radio" || el.type === "checkbox") el.checked = [].concat(value).indexOf(el.value) !== -1;
      else if (el.multiple) Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) !== -1; });
      else el.value = value;
      var after = el.type === "radio" || el.type === "checkbox" ? el.checked : el.value;
      if (after !== before) el.dispatchEvent(new Event("change", { bubbles: true }));
    });
    if (typeof describeDate === "function") describeDate();
  }
  function sameFields(a, b) {
    if (!a || !b) return a === b;
    return Object.keys(a).concat(Object.keys(b)).every(function (name) {
      return String(a[name] === undefined ? "" : a[name]) === String(b[name] === undefined ? "" : b[name]);
    });
  }

  // ------------------------------------------------------------------ banner

  /* One status line above the form. actions: [{label, run}] become buttons. */
  function showBanner(kind, text, actions, link) {
    if (!banner) return;
    banner.hidden = false;
    banner.className = "editor-banner notice notice-" + kind;
    banner.textContent = "";
    var p = document.createElement("p");
    p.textContent = text;
    if (link) {
      p.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = link.label;
      p.appendChild(a);
    }
    banner.appendChild(p);
    (actions || []).forEach(function (action) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button button-small " + (action.primary ? "button-primary" : "button-secondary");
      b.textContent = action.label;
      b.addEventListener("click", action.run);
      banner.appendChild(b);
    });
  }

  // ------------------------------------------------------------------ editing helpers

  /* Replace [start, end) with text, keeping the browser's undo stack where it can. */
  function replaceRange(start, end, text, selStart, selEnd) {
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || textarea.value.slice(start, start + text.length) !== text) {
      textarea.setRangeText(text, start, end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    var s = selStart === undefined ? start + text.length : selStart;
    textarea.setSelectionRange(s, selEnd === undefined ? s : selEnd);
  }

  function wrap(before, after, placeholder) {
    var s = textarea.selectionStart, e = textarea.selectionEnd;
    var chosen = textarea.value.slice(s, e);
    if (chosen && chosen.slice(0, before.length) === before && chosen.slice(-after.length) === after &&
        chosen.length >= before.length + after.length) {
      var inner = chosen.slice(before.length, chosen.length - after.length);  // toggle off
      replaceRange(s, e, inner, s, s + inner.length);
      return;
    }
    var middle = chosen || placeholder;
    replaceRange(s, e, before + middle + after, s + before.length, s + before.length + middle.length);
  }

  /* Apply fn to every line the selection touches (headings, quotes, lists). */
  function eachLine(fn) {
    var v = textarea.value;
    var s = v.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var e = v.indexOf("\n", textarea.selectionEnd);
    if (e === -1) e = v.length;
    var lines = v.slice(s, e).split("\n");
    var out = lines.map(fn).join("\n");
    replaceRange(s, e, out, s, s + out.length);
  }

  /* On an empty line (the caret, or a selection within that line) the prefix goes in and the caret
   * after it, so the heading's or item's text follows: H, then "Ghost", gives "## Ghost". */
  function prefixEmptyLine(prefix) {
    var v = textarea.value;
    var s = v.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var e = v.indexOf("\n", textarea.selectionEnd);
    if (e === -1) e = v.length;
    var line = v.slice(s, e);
    if (line.trim() || line.indexOf("\n") !== -1) return false;
    replaceRange(s, e, prefix);
    return true;
  }

  function togglePrefix(prefix, pattern) {
    if (prefixEmptyLine(typeof prefix === "function" ? prefix(1) : prefix)) return;
    var all = true;
    var v = textarea.value;
    var s = v.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var e = v.indexOf("\n", textarea.selectionEnd);
    v.slice(s, e === -1 ? v.length : e).split("\n").forEach(function (line) {
      if (line.trim() && !pattern.test(line)) all = false;
    });
    var n = 0;
    eachLine(function (line) {
      if (!line.trim()) return line;
      n += 1;
      if (all) return line.replace(pattern, "");
      return (typeof prefix === "function" ? prefix(n) : prefix) + line.replace(/^(#{1,6} |> |[-*+] |\d+\. )/, "");
    });
  }

  var actions = {
    heading: function () {
      if (prefixEmptyLine("## ")) return;
      eachLine(function (line) {
        if (!line.trim()) return line;
        var m = /^(#{1,6}) /.exec(line);
        if (!m) return "## " + line;
        return m[1].length >= 4 ? line.slice(m[0].length) : "#" + line;  // ## → ### → #### → plain
      });
    },
    bold: function () { wrap("**", "**", "bold text"); },
    italic: function () { wrap("*", "*", "italic text"); },
    code: function () {
      var chosen = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd);
      if (chosen.indexOf("\n") !== -1) wrap("```\n", "\n```", "");
      else wrap("`", "`", "code");
    },
    link: function () {
      var s = textarea.selectionStart, e = textarea.selectionEnd;
      var chosen = textarea.value.slice(s, e);
      if (/^https?:\/\/\S+$/.test(chosen)) {
        replaceRange(s, e, "[link text](" + chosen + ")", s + 1, s + 10);
      } else {
        var label = chosen || "link text";
        var text = "[" + label + "](https://)";
        var urlAt = s + label.length + 3;
        replaceRange(s, e, text, urlAt, urlAt + 8);
      }
    },
    quote: function () { togglePrefix("> ", /^> ?/); },
    ul: function () { togglePrefix("- ", /^[-*+] /); },
    ol: function () { togglePrefix(function (n) { return n + ". "; }, /^\d+\. /); },
    spoiler: function () { wrap("||", "||", "spoiler"); },
    spoiler_block: function () { spoilerBlock(); },
    image: function () { var input = $("[data-editor-image-input]"); if (input) input.click(); },
  };

  /* "::: spoiler" … ":::" around the lines the selection touches (on an empty line, around a
   * placeholder to type over), with a blank line before and after so it stands as its own block.
   * On such a block it unwraps it again, as the other buttons toggle. */
  var SPOILER_PLACEHOLDER = "Hidden until the reader opens it";
  function spoilerBlock() {
    var v = textarea.value;
    var from = textarea.selectionStart, to = textarea.selectionEnd;
    if (to > from && v.charAt(to - 1) === "\n") to -= 1;  // whole lines chosen, with their last line break
    var s = v.lastIndexOf("\n", from - 1) + 1;
    var e = v.indexOf("\n", to);
    if (e === -1) e = v.length;
    var chosen = v.slice(s, e);
    var open = /^::: *spoiler[^\n]*\n([\s\S]*)\n:::[ \t]*$/.exec(chosen);
    if (open) {
      replaceRange(s, e, open[1], s, s + open[1].length);
      return;
    }
    var inner = chosen.trim() ? chosen : SPOILER_PLACEHOLDER;
    var before = v.slice(0, s), after = v.slice(e);
    var lead = !before || /\n\s*\n$/.test(before) ? "" : "\n";
    var tail = !after || /^\n[ \t]*\n/.test(after) ? "" : "\n";
    var head = "::: spoiler\n";
    var at = s + lead.length + head.length;
    replaceRange(s, e, lead + head + inner + "\n:::" + tail, at, at + inner.length);
  }

  $all("[data-md]").forEach(function (button) {
    button.addEventListener("click", function () { actions[button.dataset.md](); });
  });

  textarea.addEventListener("keydown", function (event) {
    var mod = event.ctrlKey || event.metaKey;
    if (!mod) return;
    var key = event.key.toLowerCase();
    var name = null;
    if (!event.shiftKey && !event.altKey) {
      name = { b: "bold", i: "italic", k: "link", e: "code" }[key] || null;
    } else if (event.shiftKey && !event.altKey) {
      name = { "(": "quote", "9": "quote", "*": "ul", "8": "ul", "&": "ol", "7": "ol", u: "image", x: "spoiler" }[key] || null;
      if (event.code === "Digit0") name = "spoiler_block";  // ")" on a US keyboard, "=" on a German one
      if (key === "p") { event.preventDefault(); switchTab(currentTab === "write" ? "preview" : "write"); return; }
    } else if (event.altKey && !event.shiftKey && /^[1-6]$/.test(event.key)) {
      event.preventDefault();
      var level = parseInt(event.key, 10);
      if (prefixEmptyLine("#".repeat(level) + " ")) return;
      eachLine(function (line) { return line.trim() ? "#".repeat(level) + " " + line.replace(/^#{1,6} /, "") : line; });
      return;
    }
    if (name) { event.preventDefault(); actions[name](); }
  });

  /* Lists by keyboard, as in GitHub's or Ghost's editor:
   * - Enter in a list item starts the next item: same indentation, same marker ("1. " gives "2. ");
   *   a quoted line ("> ") continues the same way.
   * - Enter on an item that is only its marker ends the list: the marker goes and a blank line
   *   takes its place, so the next text is a paragraph (a line right under an item would join it).
   * - A whole list marker ("- ", "* ", "+ ", "3. ") typed first thing after one Enter inserted
   *   takes its place, so "- - " becomes "- ": typing the markers by hand or letting Enter add them
   *   gives the same list. A lone "-", "*" or "+" typed there and then Enter is an empty item: the
   *   list ends. Anything else typed there ("- -5 °C", "2. 2007…") is left as typed.
   */
  var autoMarker = null;  // {start, at, text}: the list marker Enter inserted, at [start, at)

  /* What was typed right after that marker, or null once the caret left it. */
  function typedAfterAutoMarker() {
    if (!autoMarker) return null;
    var v = textarea.value, pos = textarea.selectionStart;
    if (pos !== textarea.selectionEnd || pos < autoMarker.at ||
        v.slice(autoMarker.start, autoMarker.at) !== autoMarker.text) return null;
    var typed = v.slice(autoMarker.at, pos);
    return typed.indexOf("\n") === -1 ? typed : null;
  }

  textarea.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.metaKey || event.altKey) return;
    if (textarea.selectionStart !== textarea.selectionEnd) return;
    var typed = typedAfterAutoMarker();
    autoMarker = null;
    var v = textarea.value, pos = textarea.selectionStart;
    var lineStart = v.lastIndexOf("\n", pos - 1) + 1;
    var lineEnd = v.indexOf("\n", pos);
    if (lineEnd === -1) lineEnd = v.length;
    var m = /^(\s*)([-*+] |(\d+)\. |> )(.*)$/.exec(v.slice(lineStart, pos));
    if (!m) return;
    event.preventDefault();
    if (!(m[4] + v.slice(pos, lineEnd)).trim() || /^[-*+]$/.test(typed || "")) {
      var above = v.slice(0, lineStart);
      replaceRange(lineStart, lineEnd, !above || /(^|\n)[ \t]*\n$/.test(above) ? "" : "\n");
      return;
    }
    var next = m[3] ? (parseInt(m[3], 10) + 1) + ". " : m[2];
    replaceRange(pos, pos, "\n" + m[1] + next);
    if (next !== "> ") autoMarker = { start: pos + 1 + m[1].length, at: textarea.selectionStart, text: next };
  });

  textarea.addEventListener("input", function () {
    var typed = typedAfterAutoMarker();
    if (typed !== null && /^([-*+]|\d{1,9}\.) $/.test(typed)) {
      var start = autoMarker.start;
      autoMarker = null;
      replaceRange(start, textarea.selectionStart, typed);  // one undo step: Ctrl+Z brings "- - " back
    } else if (typed === null || !/^([-*+]|\d{1,9}\.?)?$/.test(typed)) {
      autoMarker = null;  // not (the start of) a marker: leave the text as typed
    }
  });

  // ------------------------------------------------------------------ tabs (narrow screens)

  var currentTab = "write";
  var bar = $("[data-editor-bar]");
  if (bar) bar.hidden = false;
  if (previewPane) previewPane.hidden = false;
  var imageLabel = $("[data-editor-image-label]");
  if (imageLabel) imageLabel.hidden = false;
  root.classList.add("editor-enhanced");

  function switchTab(name) {
    currentTab = name;
    root.dataset.view = name;
    $all("[data-editor-tab]").forEach(function (tab) {
      var on = tab.dataset.editorTab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
    });
    if (name === "preview") refreshPreview(true);
  }
  $all("[data-editor-tab]").forEach(function (tab) {
    tab.addEventListener("click", function () { switchTab(tab.dataset.editorTab); });
    tab.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        event.preventDefault();
        var next = tab.dataset.editorTab === "write" ? "preview" : "write";
        switchTab(next);
        $("[data-editor-tab='" + next + "']").focus();
      }
    });
  });

  // ------------------------------------------------------------------ word count, preview

  function countWords(text) {
    var words = text.split(/\s+/).filter(Boolean).length;
    var cjk = (text.match(/[\u3040-\u9fff]/g) || []).length;
    return words + cjk;
  }
  function showCount(words, minutes) {
    if (wordsOut) wordsOut.textContent = String(words);
    if (minutesOut) minutesOut.textContent = String(minutes);
  }
  function quickCount() {
    // Close to the server's count (which reads the rendered text); the preview reply corrects it.
    var plain = textarea.value.replace(/!\[[^\]]*\]\([^)]*\)/g, " ").replace(/\]\([^)]*\)/g, " ")
      .replace(/[#>*_`~|[\]-]+/g, " ");
    var words = textarea.value.trim() ? countWords(plain) : 0;
    showCount(words, Math.max(1, Math.ceil(words / WORDS_PER_MINUTE)));
  }

  var previewTimer = null, previewSeq = 0, previewShown = null;
  function refreshPreview(now) {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(function () {
      var body = textarea.value;
      if (body === previewShown) return;
      var seq = ++previewSeq;
      request("POST", ds.previewUrl, { body_md: body, post_id: postId || null })
        .then(function (res) {
          if (seq !== previewSeq) return;  // a newer preview is on its way
          if (res.status === 200) {
            previewShown = body;
            previewBox.innerHTML = res.data.html || '<p class="hint">Nothing to preview yet.</p>';
            showCount(res.data.words, res.data.reading_minutes);
            previewBox.dataset.state = "fresh";
          } else {
            previewBox.dataset.state = "stale";
            if (res.status === 401 || res.csrfExpired) sessionExpired();
          }
        }, function () { previewBox.dataset.state = "stale"; });
    }, now ? 0 : PREVIEW_MS);
  }

  // ------------------------------------------------------------------ requests

  /* fetch with the CSRF header; resolves {status, data, csrfExpired}; rejects only when offline. */
  function request(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then(function (res) {
      var type = res.headers.get("Content-Type") || "";
      var parse = type.indexOf("json") !== -1 ? res.json() : Promise.resolve({});
      return parse.then(function (data) {
        var csrfExpired = res.status === 400 && /CSRF/i.test((data.message || "") + (data.error || ""));
        return { status: res.redirected ? 401 : res.status, data: data || {}, csrfExpired: csrfExpired };
      });
    });
  }

  // ------------------------------------------------------------------ local copy (this browser)

  function readLocal(key) {
    try { return JSON.parse(window.localStorage.getItem(key || storageKey) || "null"); } catch (e) { return null; }
  }
  function writeLocal() {
    var entry = snapshot();
    entry.base_version = baseVersion();
    entry.saved_at = new Date().toISOString();
    try { window.localStorage.setItem(storageKey, JSON.stringify(entry)); return true; } catch (e) { return false; }
  }
  function forgetLocal(key) { try { window.localStorage.removeItem(key || storageKey); } catch (e) { /* private mode */ } }
  function sameText(a, b) { return a && b && a.title === b.title && a.body_md === b.body_md && (a.excerpt || "") === (b.excerpt || ""); }

  // ------------------------------------------------------------------ autosave

  /* dirty: the text differs from what the site holds (the post or its autosave), so the autosave
   * has work to do. The settings beside it only reach the site with a button (or Ctrl+S on a
   * draft): savedFields is what the post holds, and settingsChanged() keeps the page guarded. */
  var dirty = false, saving = false, saveTimer = null, retryDelay = AUTOSAVE_MS, blocked = null;
  var lastSaved = snapshot();
  var savedFields = lastSaved.fields;
  // A form sent back with an error ("1": none of it is saved) or restored from an autosave ("text":
  // its settings are the post's) shows text the post does not hold yet.
  var unsavedOnLoad = ds.unsaved === "1" || ds.unsaved === "text";
  if (unsavedOnLoad) { dirty = true; lastSaved = { title: ds.serverTitle || "", body_md: null, excerpt: "" }; }
  if (ds.unsaved === "1") savedFields = null;

  function settingsChanged(entry) { return !savedFields || !sameFields((entry || snapshot()).fields, savedFields); }
  function unsaved() { return dirty || settingsChanged(); }
  function textOf(entry) { return { title: entry.title, body_md: entry.body_md, excerpt: entry.excerpt }; }

  function changed() {
    var now = snapshot();
    dirty = !sameText(now, lastSaved);
    if (dirty || settingsChanged(now)) writeLocal();
    quickCount();
    refreshPreview(false);
    scheduleSave(AUTOSAVE_MS);
  }

  function scheduleSave(delay) {
    if (saveTimer) return;
    saveTimer = setTimeout(function () { saveTimer = null; saveNow(); }, delay);
  }

  function saveNow(asked) {
    clearTimeout(saveTimer); saveTimer = null;
    if (!dirty) {
      if (asked) showBanner("info", settingsChanged() ? "Your text is saved. Press “" + publishVerb() + "” to save the settings you changed." : "Everything is saved.");
      return;
    }
    writeLocal();
    if (!ds.autosaveUrl) {
      // A new post lives in this browser until its first save creates it on the server.
      showBanner("info", "Kept in this browser " + clock(new Date()) + ". Save a draft to store it on the site.");
      return;
    }
    if (saving || blocked) return;
    saving = true;
    var sent = textOf(snapshot());
    sent.base_version = baseVersion();
    request("POST", ds.autosaveUrl, sent).then(function (res) {
      saving = false;
      if (res.status === 200) {
        lastSaved = sent;
        var now = snapshot();
        dirty = !sameText(now, lastSaved);
        retryDelay = AUTOSAVE_MS;
        var at = clock(new Date(res.data.saved_at || Date.now()));
        if (settingsChanged(now)) {
          // The autosave keeps the text only: the rest stays in this browser until the post is saved.
          showBanner("success", "Text saved " + at + ". The settings you changed are kept in this browser until you press “" + publishVerb() + "”.");
        } else {
          showBanner("success", "Saved " + at + (asked && (ds.postState === "published" || ds.postState === "scheduled") ? ". Readers see the changes once you press “" + publishVerb() + "”." : ""));
        }
        if (dirty) scheduleSave(AUTOSAVE_MS);
        else if (settingsChanged(now)) writeLocal();
        else forgetLocal();  // the site holds this text now and offers it back on return
      } else if (res.status === 409 && res.data.server) {
        conflict(res.data.server);
      } else if (res.status === 401 || res.csrfExpired) {
        sessionExpired();
      } else {
        showBanner("error", (res.data.error || "The site refused the autosave.") + " Your text is kept in this browser.");
      }
    }, function () {
      saving = false;
      showBanner("warning", "No connection. Your text is kept in this browser; trying again in " +
        Math.round(retryDelay / 1000) + " s.");
      var delay = retryDelay;
      retryDelay = Math.min(retryDelay * 2, 60000);
      scheduleSave(delay);
    });
  }

  /* The button that stores everything: "Save draft" for a post not out yet, else the primary one
   * ("Update", "Submit for review"). */
  function publishVerb() {
    var draft = form.querySelector('button[name="action"][value="draft"]');
    if ((ds.postState === "new" || ds.postState === "draft") && draft) return draft.textContent.trim();
    var primary = form.querySelector('button[type="submit"].button-primary');
    return primary ? primary.textContent.trim() : "Save";
  }

  /* Ctrl+S, anywhere in the editor: a post not out yet (new, or a draft) is saved as "Save draft"
   * saves it, every field, to the site. A post that is out, scheduled or waiting for review keeps
   * its state (its "Save draft" would take it back): its text is autosaved, and the banner says
   * which button puts the rest out. Everything is copied to this browser first, so a request that
   * fails (offline, signed out, a server error) loses nothing: the copy is offered back here. */
  function saveShortcut() {
    var draft = form.querySelector('button[name="action"][value="draft"]');
    if (!((ds.postState === "new" || ds.postState === "draft") && draft)) { saveNow(true); return; }
    if (!unsaved()) { showBanner("info", "Everything is saved."); return; }
    writeLocal();
    if (navigator.onLine === false) {
      showBanner("warning", "No connection, so the draft was not sent. Your text is kept in this browser; press Ctrl+S again when you are back online.");
      return;
    }
    if (blocked === "session") { sessionExpired(); return; }
    if (typeof form.requestSubmit === "function") form.requestSubmit(draft);
    else draft.click();
  }
  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey || event.key.toLowerCase() !== "s") return;
    event.preventDefault();
    var at = event.target;
    if (at && at.closest && at.closest("dialog")) return;  // a dialog's own form (add a work) is not the post
    saveShortcut();
  });

  function sessionExpired() {
    blocked = "session";
    writeLocal();
    showBanner("error", "You are signed out, so nothing more reaches the site. Your text is kept in this browser.",
      [{ label: "I signed in again: retry", primary: true, run: function () { window.location.reload(); } }],
      { href: ds.loginUrl, label: "Sign in (opens a new tab)" });
  }

  function conflict(server) {
    blocked = "conflict";
    var mine = snapshot();
    showBanner("error",
      "This post was saved elsewhere (" + server.saved_by + ", " + clock(new Date(server.updated_at)) +
      ") since you opened it. Which text do you want?",
      [
        { label: "Keep mine", primary: true, run: function () {
          blocked = null;
          setBaseVersion(server.version);
          dirty = true;
          saveNow();
        } },
        { label: "Load their version", run: function () {
          blocked = null;
          setBaseVersion(server.version);
          setText(server);
          lastSaved = snapshot();
          dirty = false;
          writeLocal();
          showBanner("info", "Loaded their version.", [{ label: "Bring mine back", run: function () {
            setText(mine);
            changed();
          } }]);
        } },
      ]);
  }

  function setText(entry) {
    titleInput.value = entry.title || "";
    textarea.value = entry.body_md || "";
    if (excerptInput) excerptInput.value = entry.excerpt || "";
    quickCount();
    refreshPreview(true);
  }

  // Every field counts: the text, and the settings beside it (a select or a radio says "change").
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  /* Leaving the page: a last copy here and a last autosave that outlives the page. */
  var submitting = false;
  form.addEventListener("submit", function () { submitting = true; writeLocal(); });
  function flush() {
    if (submitting || !unsaved()) return;
    writeLocal();
    if (!dirty || !ds.autosaveUrl || blocked || !navigator.sendBeacon) return;
    var data = new FormData();
    var s = snapshot();
    data.append("csrf_token", csrf);
    data.append("title", s.title);
    data.append("body_md", s.body_md);
    data.append("excerpt", s.excerpt);
    data.append("base_version", String(baseVersion() || ""));
    navigator.sendBeacon(ds.autosaveUrl, data);
  }
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || !unsaved()) return;
    flush();
    event.preventDefault();
    event.returnValue = "";
  });
  window.addEventListener("online", function () { if (dirty) saveNow(); });

  /* Back on the page: offer what this browser kept if the site does not have it. */
  (function offerLocalCopy() {
    var current = snapshot();
    if (postId) {
      var fresh = readLocal("sargasso:editor:new");
      if (fresh && fresh.body_md === current.body_md) forgetLocal("sargasso:editor:new");  // the new post was saved
    }
    var kept = readLocal();
    if (!kept) return;
    // Just saved (the page says so): the site holds the text, and its settings as it stores them
    // (the slug made, the tags in order), which need not read as typed. A page that cannot say
    // (the static pages' editor) compares the text only, as before.
    var same = sameText(kept, current) &&
      (ds.justSaved !== "0" || !kept.fields || sameFields(kept.fields, current.fields));
    if (same) { if (!unsavedOnLoad) forgetLocal(); return; }
    if (!kept.body_md.trim() && !kept.title.trim()) { forgetLocal(); return; }
    showBanner("warning", "Restore your unsaved changes from " + clock(new Date(kept.saved_at)) + "?", [
      { label: "Restore", primary: true, run: function () {
        setText(kept);
        setFields(kept.fields);
        dirty = true;
        writeLocal();
        showBanner("info", settingsChanged()
          ? "Restored. Press “" + publishVerb() + "” to keep it all on the site; until then it is kept in this browser."
          : "Restored. They are saved as you go on typing.");
        scheduleSave(300);
      } },
      { label: "Discard", run: function () { forgetLocal(); banner.hidden = true; } },
    ]);
  })();

  // ------------------------------------------------------------------ uploads

  var uploadBox = $("[data-editor-upload]");
  var uploadBar = $("[data-editor-upload-progress]");
  var uploadText = $("[data-editor-upload-text]");
  var CAPTION = "Caption: describe the picture, or delete this line";

  /* Where an upload reports: its progress line ({box, bar, text}), what to do with the stored
   * image (done), the sentence saying nothing else changed, and fail(message) for a refusal
   * (the banner when absent). The body's images are the default; the cover (editor-cover.js)
   * passes its own. */
  var bodyUploads = {
    box: uploadBox, bar: uploadBar, text: uploadText,
    done: insertImage, unchanged: "Your text is unchanged.",
  };

  function upload(file, target) {
    var to = target || bodyUploads;
    function refuse(why) {
      var message = "“" + file.name + "” was not uploaded: " + why + " " + to.unchanged;
      if (to.fail) to.fail(message);
      else showBanner("error", message);
    }
    if (!/^image\/(jpeg|png|webp|gif)$/.test(file.type)) {
      refuse("only JPEG, PNG, WebP and GIF images can be.");
      return;
    }
    var xhr = new XMLHttpRequest();
    var data = new FormData();
    data.append("file", file, file.name);
    to.box.hidden = false;
    to.bar.value = 0;
    to.text.textContent = "Uploading " + file.name + "…";
    xhr.open("POST", ds.uploadUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) to.bar.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.addEventListener("load", function () {
      var reply = {};
      try { reply = JSON.parse(xhr.responseText); } catch (e) { reply = {}; }
      if (xhr.status === 201 && reply.url) {
        to.bar.value = 100;
        to.text.textContent = "Uploaded " + file.name + ".";
        to.done(reply);
        setTimeout(function () { to.box.hidden = true; }, 1500);
      } else {
        failed(reply.error || reply.message || (xhr.status === 413 ? "The file is too large." : "The site refused it (" + xhr.status + ")."));
      }
    });
    xhr.addEventListener("error", function () { failed("The connection was lost."); });
    function failed(why) {
      to.box.hidden = true;
      refuse(why);
    }
    xhr.send(data);
  }

  function insertImage(reply) {
    var v = textarea.value;
    var at = textarea.selectionEnd;
    var lineEnd = v.indexOf("\n", at);
    if (v.slice(v.lastIndexOf("\n", at - 1) + 1, at).trim()) at = lineEnd === -1 ? v.length : lineEnd;  // after this line
    var before = v.slice(0, at);
    var lead = !before ? "" : (/\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n"));
    var alt = String(reply.alt || "image").replace(/[[\]]/g, "");
    var text = lead + "![" + alt + "](" + reply.url + ")\n" + CAPTION + "\n\n";
    var captionAt = at + text.length - CAPTION.length - 2;
    replaceRange(at, at, text, captionAt, captionAt + CAPTION.length);  // the caption is selected: type over it
  }

  var imageInput = $("[data-editor-image-input]");
  if (imageInput) {
    imageInput.addEventListener("change", function () {
      Array.prototype.forEach.call(imageInput.files || [], function (file) { upload(file); });
      imageInput.value = "";
    });
  }
  textarea.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
      event.preventDefault();
      root.classList.add("editor-dropping");
    }
  });
  textarea.addEventListener("dragleave", function () { root.classList.remove("editor-dropping"); });
  textarea.addEventListener("drop", function (event) {
    root.classList.remove("editor-dropping");
    var files = event.dataTransfer ? event.dataTransfer.files : null;
    if (!files || !files.length) return;
    event.preventDefault();
    textarea.focus();
    Array.prototype.forEach.call(files, function (file) { upload(file); });
  });
  textarea.addEventListener("paste", function (event) {
    var files = event.clipboardData ? event.clipboardData.files : null;
    if (!files || !files.length) return;
    event.preventDefault();
    Array.prototype.forEach.call(files, function (file) { upload(file); });
  });

  // ------------------------------------------------------------------ settings: tags, date

  /* A datalist suggests whole values; for "a, b, c" offer "a, b, <tag>" so picking keeps the start. */
  $all("[data-editor-terms]").forEach(function (input) {
    var list = document.getElementById(input.dataset.editorTerms);
    if (!list) return;
    var names = $all("option", list).map(function (o) { return o.value; });
    input.addEventListener("input", function () {
      var parts = input.value.split(",");
      var head = parts.slice(0, -1).map(function (p) { return p.trim(); }).filter(Boolean);
      var typed = parts[parts.length - 1].trim().toLowerCase();
      var prefix = head.length ? head.join(", ") + ", " : "";
      var taken = head.map(function (p) { return p.toLowerCase(); });
      list.textContent = "";
      names.filter(function (n) {
        return taken.indexOf(n.toLowerCase()) === -1 && (!typed || n.toLowerCase().indexOf(typed) !== -1);
      }).slice(0, 30).forEach(function (n) {
        var o = document.createElement("option");
        o.value = prefix + n;
        list.appendChild(o);
      });
    });
  });

  var dateInput = $("[data-editor-date]");
  var whenOut = $("[data-editor-when]");

  /* The zone's offset from UTC at instant t (ms), as this browser's time zone data has it. */
  function zoneOffset(t, zone) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(new Date(t)).forEach(function (p) { parts[p.type] = p.value; });
    var wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
    if (+parts.year < 100) wall = new Date(wall).setUTCFullYear(+parts.year);
    return wall - (t - (((t % 1000) + 1000) % 1000));
  }

  /* The field holds wall-clock time of the site's zone (data-editor-zone): the instant it names,
     or null, read as the server reads it (blog.timezone.to_utc): a time the clocks go through
     twice is the earlier one; a skipped one uses the offset before the jump (the server refuses
     it when the form is sent, and says so). */
  function typedInstant(value, zone) {
    var wall = new Date(value + "Z").getTime();
    if (isNaN(wall)) return null;
    if (!zone || zone === "UTC") return new Date(wall);
    var day = 86400000;
    try {
      var before = zoneOffset(wall - day, zone);
      var fits = [before, zoneOffset(wall + day, zone)].filter(function (offset) {
        return zoneOffset(wall - offset, zone) === offset;
      }).map(function (offset) { return wall - offset; });
      return new Date(fits.length ? Math.min.apply(null, fits) : wall - before);
    } catch (e) {
      return null;  // a zone this browser does not know: no hint rather than a wrong one
    }
  }

  /* The publish button says what it will do with this date, as WordPress's does (the server's
   * blog.admin.posts.publish_label): "Schedule" for a future date unless the post is scheduled
   * already, "Publish" for now or a past date unless it is out already, else "Update". */
  var publishButton = $("[data-editor-publish]");
  function labelPublish(when) {
    if (!publishButton) return;
    var future = !!when && when > new Date();
    var state = ds.postState;
    publishButton.textContent = future && state !== "scheduled" ? "Schedule"
      : (!future && state !== "published" ? "Publish" : "Update");
  }

  function describeDate() {
    if (!dateInput || !whenOut) return;
    if (!dateInput.value) {
      labelPublish(null);
      whenOut.textContent = ds.postState === "published"
        ? "Empty means now: the post is dated now when you press “Update”."
        : "Goes out as soon as it is published.";
      return;
    }
    var when = typedInstant(dateInput.value, dateInput.dataset.editorZone);
    if (!when || isNaN(when.getTime())) { whenOut.textContent = ""; return; }
    labelPublish(when);
    whenOut.textContent = when > new Date()
      ? "Scheduled: goes out " + when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) + " your time."
      : "Dated in the past: published at once, shown under that date.";
  }
  if (dateInput) {
    dateInput.addEventListener("input", describeDate);
    describeDate();
  }

  // The reader's own clock for server times the page printed in the site's zone.
  $all("time[data-local-time]", document).forEach(function (t) {
    var d = new Date(t.getAttribute("datetime"));
    if (!isNaN(d.getTime())) t.textContent = clock(d);
  });

  // ------------------------------------------------------------------ review panel: add a work

  /* "Add a work" beside the reviewed-work select opens a small dialog instead of another page:
   * the work is created with fetch, added to the select and chosen, and the author's text never
   * leaves this page. Without this (or without <dialog>) the link opens the work form in this
   * tab, which comes back with the work chosen. */
  (function addWork() {
    var link = $("[data-add-work]");
    var dialog = document.querySelector("[data-add-work-dialog]");
    var select = form.querySelector("#review-work_id");
    if (!link || !dialog || !select || typeof dialog.showModal !== "function") return;
    var box = dialog.querySelector("[data-add-work-form]");
    var errorBox = dialog.querySelector("[data-add-work-error]");
    var submit = dialog.querySelector("[data-add-work-submit]");
    var nameInput = box.querySelector("[name=title]");
    var status = $("[data-add-work-status]");
    $all("[data-add-work-nojs]").forEach(function (el) { el.hidden = true; });
    link.setAttribute("aria-haspopup", "dialog");
    link.setAttribute("role", "button");

    function showError(text, field) {
      errorBox.textContent = "";
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = text;
      errorBox.appendChild(p);
      errorBox.hidden = false;
      var named = ["title", "original_title", "kind", "parent_id"].indexOf(field) !== -1;
      var target = (named && box.querySelector("[name=" + field + "]")) || nameInput;
      target.setAttribute("aria-invalid", "true");
      target.focus();
    }
    function clearError() {
      errorBox.hidden = true;
      errorBox.textContent = "";
      $all("[aria-invalid]", box).forEach(function (el) { el.removeAttribute("aria-invalid"); });
    }
    function addOption(id, label) {
      var option = document.createElement("option");
      option.value = String(id);
      option.textContent = label;
      var later = Array.prototype.filter.call(select.options, function (o) {
        return o.value !== "0" && o.textContent.toLowerCase() > label.toLowerCase();
      })[0];
      select.insertBefore(option, later || null);
      var parentOption = option.cloneNode(true);  // it may be the whole of the next one added
      var parents = box.querySelector("[name=parent_id]");
      if (parents) parents.appendChild(parentOption);
      return option;
    }

    link.addEventListener("click", function (event) {
      event.preventDefault();
      clearError();
      dialog.showModal();
      nameInput.focus();
    });
    link.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); link.click(); }  // a button answers Space too
    });
    dialog.querySelector("[data-add-work-cancel]").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { if (!dialog.dataset.added) link.focus(); delete dialog.dataset.added; });
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      clearError();
      if (!nameInput.value.trim()) { showError("Give the work a name.", "title"); return; }
      var sent = {
        title: nameInput.value,
        original_title: box.querySelector("[name=original_title]").value,
        kind: box.querySelector("[name=kind]").value,
        parent_id: box.querySelector("[name=parent_id]").value,
      };
      submit.disabled = true;
      request("POST", dialog.dataset.url, sent).then(function (res) {
        submit.disabled = false;
        if (res.status === 201) {
          var option = addOption(res.data.id, res.data.label || res.data.title);
          select.value = option.value;
          select.dispatchEvent(new Event("change", { bubbles: true }));
          box.reset();
          dialog.dataset.added = "1";
          dialog.close();
          select.focus();
          if (status) status.textContent = "Added “" + res.data.title + "” and chose it. Add its dates and credits later, on its page.";
        } else if (res.status === 401 || res.csrfExpired) {
          showError("You are signed out, so the work was not added. Sign in again in another tab, then try again; this page keeps your text.");
        } else {
          showError(res.data.error || res.data.message || "The site refused it (" + res.status + ").", res.data.field);
        }
      }, function () {
        submit.disabled = false;
        showError("No connection: the work was not added. Try again in a moment.");
      });
    });
  })();

  quickCount();
  if (textarea.value.trim()) refreshPreview(true);

  // The cover's controls (editor-cover.js) upload through this same uploader.
  window.sargassoEditor = Object.freeze({ upload: upload });
})();
