// Small progressive enhancements; the pages work without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to a problem the server reported so keyboard and screen-reader users hear it.
  var alert = document.querySelector(".conflict, .duplicates, .error-summary[tabindex]");
  if (alert) { alert.focus(); }
});
