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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpCopyButtons);
  } else {
    setUpCopyButtons();
  }
})();
