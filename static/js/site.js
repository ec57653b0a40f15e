// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function setUpCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy-url]").forEach(function (button) {
      var status = button.closest(".share").querySelector(".share__status");
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.dataset.copyUrl).then(
          function () { status.textContent = "Link copied to the clipboard."; },
          function () { status.textContent = "Could not copy the link."; }
        );
      });
    });
  }

  // "Was this article helpful?": send the vote with fetch, swap in the updated panel without a
  // reload, keep the keyboard focus on what the reader pressed, and announce the result.
  function setUpFeedback() {
    var panel = document.querySelector("[data-feedback]");
    if (!panel || !window.fetch) return;
    var body = panel.querySelector("[data-feedback-body]");
    var status = panel.querySelector("[data-feedback-status]");

    panel.addEventListener("submit", function (event) {
      var form = event.target.closest("[data-feedback-form]");
      if (!form) return;
      event.preventDefault();
      var submitter = event.submitter;
      var data = new FormData(form, submitter);
      var focusSelector = submitter && submitter.name === "helpful"
        ? '.feedback__choice[value="' + submitter.value + '"]' : ".feedback__send";
      panel.setAttribute("aria-busy", "true");
      fetch(form.action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (payload) { return { ok: response.ok, payload: payload }; });
      }).then(function (result) {
        if (result.ok) {
          body.innerHTML = result.payload.html;
          var focusTarget = body.querySelector(focusSelector);
          if (focusTarget) focusTarget.focus();
          status.textContent = result.payload.message;
        } else {
          status.textContent = result.payload.error;
        }
      }).catch(function () {
        status.textContent = "Your feedback could not be sent. Please try again.";
      }).finally(function () {
        panel.removeAttribute("aria-busy");
      });
    });
  }

  function start() {
    setUpCopyButtons();
    setUpFeedback();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
