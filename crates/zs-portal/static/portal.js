// Progressive enhancement for the portal; every page works without it.
// - forms with data-confirm ask before submitting (revoke, disable, reset);
// - buttons with data-copy copy the text of the element they name (secrets shown once).
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement)) return;
    var msg = form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
      return;
    }
    // Avoid double submissions.
    var buttons = form.querySelectorAll("button[type=submit]");
    window.setTimeout(function () {
      buttons.forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  // Pages restored from the back/forward cache get their buttons back.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[type=submit]:disabled").forEach(function (b) { b.disabled = false; });
  });

  function setupCopy() {
    document.querySelectorAll("button[data-copy]").forEach(function (btn) {
      if (!navigator.clipboard) return;
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var el = document.getElementById(btn.getAttribute("data-copy"));
        if (!el) return;
        navigator.clipboard.writeText(el.textContent.trim()).then(function () {
          var label = btn.textContent;
          btn.textContent = btn.getAttribute("data-copied") || label;
          window.setTimeout(function () { btn.textContent = label; }, 2000);
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupCopy);
  } else {
    setupCopy();
  }
})();
