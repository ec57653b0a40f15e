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

  // "Was this article helpful?": the page is the same for every reader, so the reader's own
  // answer (if any) is asked for privately and shown in place of the blank form. Votes are sent
  // with fetch: the updated panel is swapped in without a reload, the keyboard focus stays on
  // what the reader pressed, and the result is announced.
  function setUpFeedback() {
    var panel = document.querySelector("[data-feedback]");
    if (!panel || !window.fetch) return;
    var body = panel.querySelector("[data-feedback-body]");
    var status = panel.querySelector("[data-feedback-status]");
    var voteUrl = body.querySelector("form[data-feedback-form]").action;
    var sent = false;

    function request(url, options) {
      options.headers = { Accept: "application/json" };
      options.credentials = "same-origin";
      options.cache = "no-store";
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

    function showOwnAnswer(own) {
      if (sent || !own.helpful) return;  // a vote sent meanwhile already shows the newer answer
      var focused = body.contains(document.activeElement) ? document.activeElement : null;
      var keepFocus = focused && focused.name === "helpful"
        ? '.feedback__choice[value="' + focused.value + '"]' : null;
      show(own.html, keepFocus);
    }

    // If this fails, the blank form stays: it still records the reader's answer.
    request(voteUrl, { method: "GET" }).then(showOwnAnswer, function () {});

    panel.addEventListener("submit", function (event) {
      var form = event.target.closest("[data-feedback-form]");
      if (!form) return;
      event.preventDefault();
      sent = true;
      var submitter = event.submitter;
      var choice = submitter && submitter.name === "helpful" ? submitter.value : null;
      var focusSelector = choice ? '.feedback__choice[value="' + choice + '"]' : ".feedback__send";
      panel.setAttribute("aria-busy", "true");
      request(form.action, { method: "POST", body: new FormData(form, submitter) })
        .then(function (result) {
          show(result.html, focusSelector);
          status.textContent = result.message;
        })
        .catch(function (error) {
          status.textContent = error.message && error.message !== "failed"
            ? error.message : "Your feedback could not be sent. Please try again.";
        })
        .finally(function () {
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
