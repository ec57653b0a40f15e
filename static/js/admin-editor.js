// The article form's live preview and "Cite" buttons. Progressive enhancement only: the form
// saves without this file, and its preview then shows the article as the form was opened.
(function () {
  "use strict";

  var DELAY = 400; // ms of quiet typing before the preview is asked for
  var PREFIX = "references";

  function setUpPreview(form, host, body) {
    var root = host.shadowRoot || shadowFromTemplate(host);
    var page = root.querySelector(".preview-page");
    var status = document.getElementById("article-preview-status");
    var announcement = document.getElementById("article-preview-announcement");
    var problems = problemsIn(page);
    var timer = null;
    var running = null;

    function announceProblems() {
      // Said when the citation problems change, not on every update: typing stays quiet.
      var now = problemsIn(page);
      if (now === problems) return;
      problems = now;
      announcement.textContent = "Preview: " + (now || "no problems with the citations now.");
    }

    function refresh() {
      if (running) running.abort();
      var controller = new AbortController();
      running = controller;
      fetch(host.dataset.previewUrl, {
        method: "POST",
        body: formWithoutFiles(form),
        credentials: "same-origin",
        // The admin answers a request without a session with a redirect to its login page,
        // which must not land in the pane.
        redirect: "manual",
        signal: controller.signal,
      })
        .then(function (response) {
          return response.text().then(function (text) {
            if (controller !== running) return;
            if (response.type === "opaqueredirect") {
              status.textContent = "You are logged out, so the preview stopped. Log in again " +
                "in another tab before you save, or this form’s changes are lost.";
            } else if (response.ok) {
              page.innerHTML = text;
              status.textContent = "";
              announceProblems();
            } else {
              status.textContent = response.status === 413 ? text
                : "The preview could not be updated (error " + response.status + "); saving still works.";
            }
          });
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          status.textContent = "The preview could not be updated; saving still works.";
        });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    document.addEventListener("formset:added", later);
    document.addEventListener("formset:removed", later);

    // Links in the preview: a citation scrolls to its reference inside the pane, and a link
    // away opens in a new tab, so the form's unsaved work stays where it is.
    root.addEventListener("click", function (event) {
      var link = event.target.closest("a[href]");
      if (!link) return;
      event.preventDefault();
      var href = link.getAttribute("href");
      if (href.charAt(0) === "#") {
        var target = root.getElementById(href.slice(1));
        if (target) target.scrollIntoView({ block: "center" });
      } else {
        window.open(link.href, "_blank", "noopener,noreferrer");
      }
    });
    if (body.value.trim()) refresh(); // the references may differ from those it was opened with
  }

  function problemsIn(page) {
    return Array.from(page.querySelectorAll(".preview-problems li"), function (item) {
      return item.textContent.trim();
    }).join(" ");
  }

  function formWithoutFiles(form) {
    // The preview reads the text; a picture being chosen is uploaded once, when the form saves.
    var data = new FormData(form);
    Array.from(data.keys()).forEach(function (name) {
      if (data.getAll(name).some(function (value) { return value instanceof File; })) {
        data.delete(name);
      }
    });
    return data;
  }

  function followAdminTheme(host) {
    // The admin's theme button sets <html data-theme>; the pane's stylesheet reads it on
    // the host (admin-preview.css), as the shadow root cannot see the page's attributes.
    var html = document.documentElement;
    function follow() { host.dataset.theme = html.dataset.theme || "auto"; }
    follow();
    new MutationObserver(follow).observe(html, { attributes: true, attributeFilter: ["data-theme"] });
  }

  function shadowFromTemplate(host) {
    // Browsers without declarative shadow DOM leave the <template> in place.
    var template = host.querySelector("template");
    var root = host.attachShadow({ mode: "open" });
    root.appendChild(template.content.cloneNode(true));
    template.remove();
    return root;
  }

  function numberInput(row) {
    return row.querySelector("input[name^='" + PREFIX + "-'][name$='-number']");
  }

  function citeLabel(row) {
    var button = row.querySelector(".reference-cite");
    var input = numberInput(row);
    if (!button || !input) return;
    var number = input.value.trim();
    button.textContent = /^[1-9]\d*$/.test(number) ? "Cite [" + number + "]" : "Cite";
  }

  function setUpCiteButtons(form, body) {
    var touched = false; // before the body had the focus once, a citation goes at its end
    body.addEventListener("focus", function () { touched = true; });

    form.querySelectorAll(".reference-cite, .reference-editor__cite-help").forEach(function (element) {
      element.hidden = false;
    });

    form.addEventListener("click", function (event) {
      var button = event.target.closest(".reference-cite");
      if (!button) return;
      var row = button.closest(".reference-row");
      var input = numberInput(row);
      var number = input.value.trim();
      if (!/^[1-9]\d*$/.test(number)) {
        input.focus();
        return;
      }
      var start = touched ? body.selectionStart : body.value.length;
      var end = touched ? body.selectionEnd : body.value.length;
      var before = body.value.slice(0, start);
      var marker = "[" + number + "]";
      if (before && !/[\s([]$/.test(before)) marker = " " + marker;
      body.focus();
      body.setRangeText(marker, start, end, "end");
      body.dispatchEvent(new Event("input", { bubbles: true }));
    });

    form.addEventListener("input", function (event) {
      var row = event.target.closest(".reference-row");
      if (row && event.target === numberInput(row)) citeLabel(row);
    });

    // A new reference takes the next free number, ready to cite.
    document.addEventListener("formset:added", function (event) {
      if (event.detail.formsetName !== PREFIX) return;
      var row = event.target;
      var input = numberInput(row);
      if (!input || input.value) return;
      var highest = 0;
      form.querySelectorAll(".reference-row:not(.empty-form)").forEach(function (other) {
        var number = numberInput(other);
        var value = number ? parseInt(number.value, 10) : 0;
        if (value > highest) highest = value;
      });
      input.value = highest + 1;
      citeLabel(row);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var host = document.getElementById("article-preview");
    var body = document.getElementById("id_body");
    if (!host || !body || !window.fetch) return;
    var form = host.closest("form");
    followAdminTheme(host);
    setUpPreview(form, host, body);
    setUpCiteButtons(form, body);
  });
})();
