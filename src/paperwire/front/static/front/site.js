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

// Forms marked data-autosubmit (the sort select, the calendar) and fields marked
// .autosubmit (the search filters) apply on change: no extra click. Their "Apply"
// buttons (data-apply) are hidden by site.css once this script runs, and stay for
// readers without JavaScript. One listener on the document outlives htmx's swaps.
document.documentElement.classList.add("js");
document.addEventListener("change", function (event) {
  var field = event.target;
  var form = field.form;
  if (!form || !(field.matches(".autosubmit") || form.hasAttribute("data-autosubmit"))) return;
  if (field.checkValidity && !field.checkValidity()) return;  // a half-typed week or month
  if (form.requestSubmit) form.requestSubmit(); else form.submit();
});

// Deleting a comment asks first (buttons marked data-confirm); without JavaScript the
// button posts at once, as a plain form does.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
}, true);
