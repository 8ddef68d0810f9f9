// paperwire: the little behaviour the pages have. No inline scripts (the CSP forbids
// them); everything works without JavaScript, this only adds conveniences.
// htmx.min.js beside this file is htmx 2.0.11 (0BSD licence), from `npm pack htmx.org@2`.
"use strict";

function setUpCopyButtons(root) {
  // "Copy BibTeX": shown only where the clipboard can be written.
  root.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (button.dataset.ready) return;
    button.dataset.ready = "1";
    var source = document.getElementById(button.dataset.copy);
    var status = button.parentElement.querySelector(".copy-status");
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { if (status) status.textContent = "Copied."; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value || source.textContent).then(done, function () {
          source.select();
        });
      } else {
        source.select();
        try { document.execCommand("copy"); done(); } catch (e) { /* selected: copy by hand */ }
      }
    });
  });
}

document.addEventListener("DOMContentLoaded", function () { setUpCopyButtons(document); });
document.addEventListener("htmx:afterSettle", function (event) { setUpCopyButtons(event.target); });
