// Likes without a page reload. Every like button submits the page's one like form (which holds
// the CSRF token) with its own formaction; without JavaScript that posts and redirects back.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("comment-like-form")) return;
    var button = event.submitter;
    if (!button || !button.formAction) return;  // an old browser: the plain form post still works
    event.preventDefault();
    fetch(button.formAction, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) { window.alert(result.data.error || "Your like was not counted."); return; }
      button.classList.toggle("is-liked", result.data.liked);
      button.setAttribute("aria-pressed", result.data.liked ? "true" : "false");
      button.querySelector(".like-count").textContent = String(result.data.count);
    }).catch(function () { form.action = button.formAction; form.submit(); });
  });
})();
