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
  // A cached page holds a shared form without a CSRF token; the reader's own form (with their
  // token) is fetched first, then the answer is sent from it.
  function setUpFeedback() {
    var panel = document.querySelector("[data-feedback]");
    if (!panel || !window.fetch) return;
    var body = panel.querySelector("[data-feedback-body]");
    var status = panel.querySelector("[data-feedback-status]");

    function request(url, options) {
      options.headers = { Accept: "application/json" };
      options.credentials = "same-origin";
      return fetch(url, options).then(function (response) {
        return response.json().then(function (payload) {
          if (!response.ok) throw new Error(payload.error || "failed");
          return payload;
        });
      });
    }

    function show(html, focusSelector) {
      body.innerHTML = html;
      var focusTarget = focusSelector && body.querySelector(focusSelector);
      if (focusTarget) focusTarget.focus();
    }

    function send(form, submitter) {
      var choice = submitter && submitter.name === "helpful" ? submitter.value : null;
      var focusSelector = choice ? '.feedback__choice[value="' + choice + '"]' : ".feedback__send";
      if (form.hasAttribute("data-feedback-public")) {
        return request(form.action, { method: "GET" }).then(function (own) {
          show(own.html);
          var ownForm = body.querySelector("form.feedback__vote");
          var ownButton = ownForm.querySelector('.feedback__choice[value="' + choice + '"]');
          return send(ownForm, ownButton);
        });
      }
      return request(form.action, { method: "POST", body: new FormData(form, submitter) })
        .then(function (result) {
          show(result.html, focusSelector);
          status.textContent = result.message;
        });
    }

    panel.addEventListener("submit", function (event) {
      var form = event.target.closest("[data-feedback-form]");
      if (!form) return;
      event.preventDefault();
      panel.setAttribute("aria-busy", "true");
      send(form, event.submitter).catch(function (error) {
        status.textContent = error.message && error.message !== "failed"
          ? error.message : "Your feedback could not be sent. Please try again.";
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
