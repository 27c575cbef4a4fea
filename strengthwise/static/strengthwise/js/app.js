// Small progressive enhancements; the pages work without JavaScript.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to a problem the server reported so keyboard and screen-reader users hear it.
  var alert = document.querySelector(".conflict, .duplicates, .error-summary[tabindex]");
  if (alert) { alert.focus(); }

  // "Larger text": for a laptop turned toward the client. Remembered on this device only.
  var toggle = document.getElementById("text-size");
  if (toggle) {
    var apply = function (on) {
      document.body.classList.toggle("large-text", on);
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
    };
    var stored = false;
    try { stored = window.localStorage.getItem("sw-large-text") === "1"; } catch (e) { stored = false; }
    apply(stored);
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var on = !document.body.classList.contains("large-text");
      apply(on);
      try { window.localStorage.setItem("sw-large-text", on ? "1" : "0"); } catch (e) { /* private mode */ }
    });
  }
});
