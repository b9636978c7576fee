/* Comments: comfort on top of pages that work without it.
 *
 * - Reply links (a.comment-reply-link[data-reply-to]) move the #respond form under the comment,
 *   set the hidden parent field and show "Cancel reply"; without JS the link's
 *   ?replyto=<id>#respond does the same on the server.
 * - Avatars: the page always shows our local identicon; when an img has data-avatar (an
 *   account's picture), or sits in a list with data-gravatar (Gravatar for the hash its src is
 *   named after, with d=404), we load that off-screen and swap it in only once it has
 *   loaded, so offline or blocked images never show broken.
 * - "Preview" (a submit button of the comment form with its own formaction) asks the preview
 *   route for JSON and shows the comment as it will look under the text box, in place; without
 *   JS the route sends the page back with the preview. Typing again hides the stale preview.
 * - Ctrl+Enter (Cmd+Enter on a Mac) in the text box presses "Post Comment".
 * - A commenter's own Edit opens a text box in place of their comment (the edit route answers
 *   JSON) and Save puts the new text there; Delete takes the comment off the page (or leaves
 *   "This comment was deleted." above its replies) and says so where the reader is looking. If
 *   a request fails, the plain edit page or form post takes over, so nothing typed is lost.
 * - The moderation queue's "select all" checkbox.
 * - "New since your last visit": a returning reader's browser remembers (localStorage, never sent
 *   anywhere) the newest comment it showed on each post; comments after it get a "New" badge and
 *   the discussion's heading says how many, with a link to the first. The page itself stays the
 *   same for everyone, so the page cache serves it.
 *
 * Loaded with `defer`; no inline handlers, so a strict CSP holds.
 */
(function () {
  "use strict";

  function setupReplies() {
    var respond = document.getElementById("respond");
    var form = document.getElementById("commentform");
    if (!respond || !form) return;
    var parentField = document.getElementById("comment_parent");
    var cancel = document.getElementById("cancel-comment-reply-link");
    var title = document.getElementById("reply-title");
    var titleText = title ? title.firstChild : null;
    var home = document.createElement("div");
    home.id = "respond-home";
    home.hidden = true;
    respond.parentNode.insertBefore(home, respond);

    function setTitle(text) {
      if (titleText && titleText.nodeType === Node.TEXT_NODE) {
        titleText.nodeValue = text + " ";
      } else if (title) {
        var node = document.createTextNode(text + " ");
        title.insertBefore(node, title.firstChild);
        titleText = node;
      }
      if (title) {
        var span = title.querySelector(".reply-to-name");
        if (span) span.parentNode.removeChild(span);
      }
    }

    function moveUnder(link) {
      var li = document.getElementById("comment-" + link.getAttribute("data-reply-to"));
      if (!li) return false;
      var article = li.querySelector(":scope > article") || li.firstElementChild;
      article.parentNode.insertBefore(respond, article.nextSibling);
      parentField.value = link.getAttribute("data-reply-to");
      setTitle("Reply to " + (link.getAttribute("data-author") || "comment"));
      if (cancel) cancel.hidden = false;
      respond.classList.add("is-replying");
      var textarea = document.getElementById("comment");
      if (textarea) textarea.focus();
      return true;
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a.comment-reply-link[data-reply-to]") : null;
      if (link && moveUnder(link)) {
        event.preventDefault();
      }
    });

    if (cancel) {
      cancel.addEventListener("click", function (event) {
        event.preventDefault();
        home.parentNode.insertBefore(respond, home);
        parentField.value = "";
        setTitle("Leave a Reply");
        cancel.hidden = true;
        respond.classList.remove("is-replying");
      });
    }

    // Arriving with ?replyto= (or after a refused reply): put the form under that comment.
    var pending = parentField.value;
    if (pending) {
      var link = document.querySelector('a.comment-reply-link[data-reply-to="' + pending.replace(/\D/g, "") + '"]');
      if (link) {
        var hadFocus = document.activeElement;
        moveUnder(link);
        if (hadFocus && hadFocus !== document.body) hadFocus.focus();
      }
    }
  }

  function upgradeAvatars() {
    var images = document.querySelectorAll("img.avatar");
    Array.prototype.forEach.call(images, function (img) {
      var url = img.getAttribute("data-avatar");
      if (!url) {
        // A Gravatar for the email hash the local identicon is named after (d=404: none, keep ours).
        var list = img.closest("[data-gravatar]");
        var hash = (img.getAttribute("src") || "").match(/\/([0-9a-f]{32,64})\.svg$/);
        if (!list || !hash) return;
        url = list.getAttribute("data-gravatar") + hash[1] + "?s=80&d=404&r=g";
      }
      if (url.indexOf("https://") !== 0) return;
      var probe = new Image();
      probe.referrerPolicy = "no-referrer";
      probe.onload = function () {
        if (probe.naturalWidth > 0) img.src = url;
      };
      probe.src = url;
    });
  }

  function setupBulkSelect() {
    var all = document.querySelectorAll("input[data-select-all]");
    Array.prototype.forEach.call(all, function (box) {
      box.addEventListener("change", function () {
        var form = box.form || document.getElementById(box.getAttribute("form"));
        if (!form) return;
        var boxes = form.querySelectorAll('input[type="checkbox"][name="ids"]');
        Array.prototype.forEach.call(boxes, function (b) { b.checked = box.checked; });
      });
    });
  }

  function setupPreview() {
    var form = document.getElementById("commentform");
    var box = document.getElementById("comment-preview");
    if (!form || !box || !window.fetch || !window.FormData) return;
    var content = box.querySelector(".comment-content");
    var textarea = document.getElementById("comment");
    var plain = false;  // a preview the page could not fetch goes the way it would without JS

    function show(html, isError) {
      box.classList.toggle("is-error", isError);
      if (isError) content.textContent = html; else content.innerHTML = html;  // sanitized by the server
      box.hidden = false;
    }

    // Bubble phase: site.js (capture) has made sure the form has its CSRF token by now.
    document.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (event.target !== form || !button || button.id !== "comment-preview-button" || plain) return;
      event.preventDefault();
      button.disabled = true;
      fetch(button.formAction, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (answer) {
        if (answer.ok) show(answer.data.html || "", false);
        else show(answer.data.message || "The preview is not available right now.", true);
      }).then(function () { button.disabled = false; }, function () {
        button.disabled = false;
        plain = true;
        form.requestSubmit(button);
      });
    });

    if (textarea) {
      textarea.addEventListener("input", function () { box.hidden = true; });
    }
  }

  function setupShortcut() {
    var form = document.getElementById("commentform");
    var textarea = document.getElementById("comment");
    var post = document.getElementById("submit");
    if (!form || !textarea || !post || !form.requestSubmit) return;
    var hint = document.getElementById("comment-shortcut-hint");
    if (hint) hint.hidden = false;  // said only where it works
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit(post);  // as a press of the button: the form's checks and site.js's wait apply
      }
    });
  }

  /* Moderators read what they approve: spoiler blocks in the moderation queue start open (the
     queue's CSS marks them, and shows inline spoilers). */
  function openSpoilersForModerators() {
    var blocks = document.querySelectorAll(".moderation-comment-text details.spoiler");
    Array.prototype.forEach.call(blocks, function (block) { block.open = true; });
  }

  var SEEN_KEY = "sargasso-seen-comments";
  var SEEN_POSTS = 300;  // the posts remembered, the most recently read kept

  function readSeen() {
    try {
      var seen = JSON.parse(window.localStorage.getItem(SEEN_KEY) || "{}");
      return seen && typeof seen === "object" && !Array.isArray(seen) ? seen : {};
    } catch (error) {
      return null;  // storage blocked (a private window, a policy): nothing to remember with
    }
  }

  function writeSeen(seen) {
    var paths = Object.keys(seen);
    if (paths.length > SEEN_POSTS) {
      paths.sort(function (a, b) { return seen[b][1] - seen[a][1]; });
      paths.slice(SEEN_POSTS).forEach(function (path) { delete seen[path]; });
    }
    try {
      window.localStorage.setItem(SEEN_KEY, JSON.stringify(seen));
    } catch (error) { /* full or blocked: the badges are a comfort, not a record */ }
  }

  function markNewComments() {
    var list = document.querySelector("#comments ol.comment-list");
    var seen = list ? readSeen() : null;
    if (!list || seen === null) return;
    var path = window.location.pathname;
    var before = Array.isArray(seen[path]) ? Number(seen[path][0]) || 0 : null;
    var newest = before || 0;
    var fresh = [];
    var items = list.querySelectorAll("li.comment[id^='comment-']");
    Array.prototype.forEach.call(items, function (li) {
      var id = Number(li.id.slice("comment-".length));
      if (!id || li.classList.contains("is-pending") || li.classList.contains("is-placeholder")) return;
      if (id > newest) newest = id;
      // The reader's own comment (it has their Edit link) is not news to them.
      var article = li.querySelector(":scope > article");
      if (before === null || id <= before || !article || article.querySelector(".comment-edit-link")) return;
      fresh.push(li);
    });
    seen[path] = [newest, Date.now()];
    writeSeen(seen);
    if (!fresh.length) return;
    fresh.sort(function (a, b) { return Number(a.id.slice(8)) - Number(b.id.slice(8)); });
    fresh.forEach(function (li) {
      li.classList.add("is-new");
      var meta = li.querySelector(":scope > article > .comment-meta");
      if (!meta) return;
      var badge = document.createElement("span");
      badge.className = "badge badge-new";
      badge.textContent = "New";
      var time = meta.querySelector(".comment-permalink");
      meta.insertBefore(badge, time || null);
      meta.insertBefore(document.createTextNode(" "), badge);
    });
    var heading = document.getElementById("comments-title");
    if (!heading) return;
    var note = document.createElement("p");
    note.className = "comments-new-note";
    note.setAttribute("role", "status");
    note.appendChild(document.createTextNode(
      (fresh.length === 1 ? "1 new comment" : fresh.length + " new comments") + " since your last visit. "
    ));
    var jump = document.createElement("a");
    jump.href = "#" + fresh[0].id;
    jump.textContent = fresh.length === 1 ? "Read it" : "Read the first";
    note.appendChild(jump);
    heading.parentNode.insertBefore(note, heading.nextSibling);
  }


  /* The reader's own comments: edit and delete in place. */
  function setupOwnComments() {
    if (!window.fetch || !window.FormData) return;
    var hint = document.getElementById("comment-hint");

    function say(li, text) {
      var status = document.getElementById("comments-status");
      if (!status) {
        status = document.createElement("p");
        status.id = "comments-status";
        status.className = "comments-status";
        status.setAttribute("role", "status");
      }
      // Just above the comment it is about, where the reader is looking.
      li.parentNode.insertBefore(status, li);
      status.textContent = text;
    }

    function json(response) {
      return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    }

    function openEditor(link) {
      var li = link.closest("li.comment");
      var article = li && li.querySelector(":scope > article");
      var content = article && article.querySelector(":scope > .comment-content");
      if (!content || article.querySelector(".comment-inline-edit")) return true;
      fetch(link.href, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(json)
        .then(function (answer) {
          if (!answer.ok) { window.location.href = link.href; return; }
          var id = li.id.replace("comment-", "");
          var form = document.createElement("form");
          form.className = "comment-inline-edit comment-form";
          form.method = "post";
          form.action = link.href;
          var label = document.createElement("label");
          label.className = "visually-hidden";
          label.htmlFor = "edit-body-" + id;
          label.textContent = "Edit your comment";
          var token = document.createElement("input");
          token.type = "hidden";
          token.name = "csrf_token";
          token.value = answer.data.csrf_token || "";
          var box = document.createElement("textarea");
          box.name = "body";
          box.id = "edit-body-" + id;
          box.rows = Math.min(16, Math.max(4, answer.data.body.split("\n").length + 1));
          box.required = true;
          box.value = answer.data.body;
          var error = document.createElement("p");
          error.className = "form-error";
          error.setAttribute("role", "alert");
          error.hidden = true;
          var buttons = document.createElement("p");
          buttons.className = "form-submit";
          var save = document.createElement("button");
          save.type = "submit";
          save.className = "button";
          save.textContent = "Save changes";
          var cancel = document.createElement("button");
          cancel.type = "button";
          cancel.className = "button button-secondary";
          cancel.textContent = "Cancel";
          buttons.appendChild(save);
          buttons.appendChild(document.createTextNode(" "));
          buttons.appendChild(cancel);
          form.appendChild(token);
          form.appendChild(label);
          form.appendChild(box);
          if (hint) {
            var help = hint.cloneNode(true);
            help.removeAttribute("id");
            help.id = "edit-hint-" + id;
            var shortcut = help.querySelector("#comment-shortcut-hint");
            if (shortcut) shortcut.parentNode.removeChild(shortcut);
            box.setAttribute("aria-describedby", help.id);
            form.appendChild(help);
          }
          form.appendChild(error);
          form.appendChild(buttons);
          content.hidden = true;
          content.parentNode.insertBefore(form, content.nextSibling);
          box.focus();

          function close() {
            form.parentNode.removeChild(form);
            content.hidden = false;
            link.focus();
          }
          cancel.addEventListener("click", close);
          form.addEventListener("keydown", function (event) {
            if (event.key === "Escape") close();
            if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
              event.preventDefault();
              form.requestSubmit(save);
            }
          });
          form.addEventListener("submit", function (event) {
            event.preventDefault();
            save.disabled = true;
            fetch(form.action, {
              method: "POST",
              body: new FormData(form),
              credentials: "same-origin",
              headers: { "Accept": "application/json" },
            }).then(json).then(function (result) {
              save.disabled = false;
              if (!result.ok) {
                error.textContent = result.data.message || "Your comment could not be saved.";
                error.hidden = false;
                box.setAttribute("aria-invalid", "true");
                box.focus();
                return;
              }
              if (result.data.pending) { window.location.reload(); return; }  // held again: the page says how
              content.innerHTML = result.data.html;  // sanitized by the server (blog.rendering)
              var meta = article.querySelector(":scope > .comment-meta");
              var mark = meta && meta.querySelector(".comment-edited");
              if (meta && !mark && result.data.edited) {
                var holder = document.createElement("span");
                holder.innerHTML = result.data.edited;  // our own markup: <span class="comment-edited">
                var permalink = meta.querySelector(".comment-permalink");
                meta.insertBefore(holder.firstElementChild, permalink ? permalink.nextSibling : null);
              }
              close();
              say(li, result.data.message || "Your comment was updated.");
            }, function () {
              // No answer we can read: send the form as a page would, with the text in it.
              save.disabled = false;
              form.submit();
            });
          });
        }, function () { window.location.href = link.href; });
      return true;
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a.comment-edit-link") : null;
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      openEditor(link);
    });

    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (event.defaultPrevented || !form.classList || !form.classList.contains("comment-delete-form")) return;
      event.preventDefault();  // site.js has asked "Delete your comment?" by now
      var li = form.closest("li.comment");
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
      }).then(json).then(function (answer) {
        if (!answer.ok || !li) { form.submit(); return; }
        var list = li.parentNode;
        if (answer.data.placeholder) {
          var article = li.querySelector(":scope > article");
          var note = document.createElement("p");
          note.className = "comment-placeholder";
          note.textContent = answer.data.placeholder;
          li.classList.add("is-placeholder");
          li.removeAttribute("itemprop");
          li.removeAttribute("itemscope");
          li.removeAttribute("itemtype");
          li.replaceChild(note, article);
          say(li, answer.data.message);
        } else {
          var next = li.nextElementSibling || li.parentNode.closest("li.comment") || list;
          list.removeChild(li);
          if (!list.children.length && list.classList.contains("children")) list.parentNode.removeChild(list);
          if (next && next.parentNode) say(next, answer.data.message);
        }
      }, function () { form.submit(); });
    });
  }

  function init() {
    openSpoilersForModerators();
    markNewComments();
    setupReplies();
    setupPreview();
    setupShortcut();
    setupOwnComments();
    upgradeAvatars();
    setupBulkSelect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
