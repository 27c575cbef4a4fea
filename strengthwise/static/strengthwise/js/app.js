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

  // Autosave of a note: when the server cannot save (the session ended, the network dropped),
  // say so next to the words — which stay on screen — instead of failing silently.
  var noteForm = document.getElementById("note-form");
  if (noteForm) {
    var report = function (message) {
      var status = document.getElementById("autosave");
      if (status) {
        status.textContent = "";
        var span = document.createElement("span");
        span.className = "error";
        span.textContent = message;
        status.appendChild(span);
      }
    };
    document.body.addEventListener("htmx:responseError", function (event) {
      if (event.detail.elt !== noteForm) { return; }
      var xhr = event.detail.xhr;
      report(xhr && xhr.status === 401 ? noteForm.dataset.sessionEnded : noteForm.dataset.notSaved);
    });
    document.body.addEventListener("htmx:sendError", function (event) {
      if (event.detail.elt === noteForm) { report(noteForm.dataset.notSaved); }
    });

    // Saving or signing the draft posts the whole form. An autosave must not race it: pressing
    // the button moves focus (which schedules an autosave 200 ms later) and the page then
    // navigates away, which would cut an autosave short half-sent. So once the form is being
    // submitted no new autosave starts, and a submit made while one is on its way waits for it.
    var submitting = false, saving = false, waiting = null;
    noteForm.addEventListener("htmx:beforeRequest", function (event) {
      if (submitting) { event.preventDefault(); return; }
      saving = true;
    });
    noteForm.addEventListener("htmx:afterRequest", function () {
      saving = false;
      if (waiting) {
        var submitter = waiting.submitter;
        waiting = null;
        noteForm.requestSubmit(submitter || undefined);
      }
    });
    noteForm.addEventListener("submit", function (event) {
      submitting = true;
      if (saving) {
        event.preventDefault();
        waiting = { submitter: event.submitter };
      }
    });
  }

  // "Mark as their words": wrap the selected text of a note section in quotation marks and
  // record whose words they are — the client's (the language helper leaves them alone) or
  // someone else's, named (their words are flagged like any other, as a quotation).
  var quotesField = document.getElementById("id_quotes");
  document.querySelectorAll("[data-quote-other]").forEach(function (el) { el.hidden = false; });
  document.querySelectorAll("button[data-quote-for]").forEach(function (button) {
    var area = document.getElementById(button.dataset.quoteFor);
    if (!area) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var start = area.selectionStart, end = area.selectionEnd;
      if (start === end) { area.focus(); return; }
      var text = area.value, words = text.slice(start, end);
      area.value = text.slice(0, start) + "\u201c" + words + "\u201d" + text.slice(end);
      if (quotesField) {
        var who = "";
        if (button.dataset.by === "other") {
          var input = document.querySelector('[data-quote-who-for="' + button.dataset.quoteFor + '"]');
          who = input ? input.value.trim() : "";
        }
        var list = [];
        try { list = JSON.parse(quotesField.value || "[]"); } catch (e) { list = []; }
        list.push({ section: button.dataset.section, text: words, by: button.dataset.by, who: who });
        quotesField.value = JSON.stringify(list);
      }
      area.setSelectionRange(end + 2, end + 2);
      area.focus();
      area.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
});

// "Use ..." next to a language-helper finding: the worker chooses a suggestion and it takes the
// flagged words' place in that section (then the draft autosaves as after any typing). If the
// words moved since the finding was made, they are looked up again; if gone, nothing changes.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element && event.target.closest("[data-use-suggestion]");
  if (!button) { return; }
  const section = button.closest(".note-section");
  const area = section && section.querySelector("textarea");
  if (!area) { return; }
  const matched = button.dataset.matched;
  let start = Number(button.dataset.start);
  if (area.value.slice(start, start + matched.length) !== matched) {
    start = area.value.indexOf(matched);
    if (start < 0) { return; }
  }
  const end = start + matched.length;
  let replacement = button.dataset.replacement;
  // "non-compliant" → "not in agreement…": keep the sentence's case (not an acronym's).
  if (/^[a-z]/.test(matched) && /^[A-Z][a-z]/.test(replacement)) {
    replacement = replacement[0].toLowerCase() + replacement.slice(1);
  }
  area.value = area.value.slice(0, start) + replacement + area.value.slice(end);
  area.setSelectionRange(start + replacement.length, start + replacement.length);
  area.focus();
  area.dispatchEvent(new Event("input", { bubbles: true }));
});

// A form the server refuses answers 400 (or 422) with the same fragment, its errors next to the
// fields. htmx swaps only 2xx answers by default, so the refusal used to reach nobody: the
// worker pressed "Add" and nothing happened. Swap it in like a success instead (one rule for
// every htmx form), but never a whole page (Django's own error page) into a part of one.
const REFUSED = [400, 422];
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (!xhr || !REFUSED.includes(xhr.status)) { return; }
  if (/^\s*<(!doctype|html)/i.test(event.detail.serverResponse || "")) { return; }
  event.detail.shouldSwap = true;
  event.detail.isError = false;
});

// ... and the focus goes to the first field to put right (or the summary of the problems), so
// a keyboard or screen-reader user hears what was refused and lands where to fix it.
document.addEventListener("htmx:afterSwap", (event) => {
  const xhr = event.detail.xhr;
  const target = event.detail.target;
  if (!xhr || !REFUSED.includes(xhr.status) || !target || !target.isConnected) { return; }
  const problem = target.querySelector("[aria-invalid=true]")
    || target.querySelector(".has-error input, .has-error select, .has-error textarea")
    || target.querySelector(".error-summary[tabindex]");
  if (problem) { problem.focus(); }
});

// The ecomap: after a person or place is added (the editor is drawn again), the focus goes
// back to the first field of the emptied form, ready for the next one; without this it was
// lost with the button that was pressed, and a keyboard user started again from the top.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  const form = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (!target || target.id !== "ecomap-editor" || !form || !form.matches("form.ecomap-add")) {
    return;
  }
  const field = target.querySelector("form.ecomap-add .has-error input, form.ecomap-add .has-error select")
    || target.querySelector("form.ecomap-add input:not([type=hidden])");
  if (field) { field.focus(); }
});

// The strengths assessment: "whose words" and "exact words" are asked of words written, so a
// box left empty is one stop for the Tab key, not three. They show right after the box as soon
// as something is written in it (and whenever the server refused one of them).
document.querySelectorAll("form.conversation .cell").forEach((cell) => {
  const area = cell.querySelector("textarea");
  const said = cell.querySelector(".who-said");
  if (!area || !said) { return; }
  const sync = () => {
    said.hidden = area.value.trim() === "" && !said.querySelector("[aria-invalid=true]");
  };
  area.addEventListener("input", sync);
  sync();
});

// The Self-Sufficiency Matrix: a domain's note field shows when "Write a note for each domain"
// is ticked, or when it has words in it already; scoring alone takes one Tab stop a domain.
(function () {
  const toggle = document.getElementById("ssm-notes");
  if (!toggle) { return; }
  const notes = Array.from(document.querySelectorAll(".ssm-note"));
  const written = (note) => {
    const input = note.querySelector("input, textarea");
    return Boolean(input && input.value.trim() !== "");
  };
  const apply = () => notes.forEach((note) => { note.hidden = !toggle.checked && !written(note); });
  toggle.checked = notes.some(written);
  toggle.closest("[data-notes-toggle]").hidden = false;
  toggle.addEventListener("change", apply);
  apply();
})();

// A "Print" button (no inline script under the CSP): <button data-print>.
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});

// An agency questionnaire: a question with "ask only when" conditions (data-when-N="q op a")
// shows only while they hold; a hidden question's inputs are disabled so nothing is sent for
// it (the server refuses an answer to a question that is not asked, with or without this).
(function () {
  const form = document.querySelector("form[data-questionnaire]");
  if (!form) { return; }
  const answersOf = (linkId) => {
    const box = document.getElementById("q-" + linkId);
    if (!box || box.hidden) { return []; }
    return Array.from(form.querySelectorAll('[name="a-' + linkId + '"]'))
      .filter((el) => !el.disabled && ((el.type !== "radio" && el.type !== "checkbox") || el.checked))
      .map((el) => el.value.trim())
      .filter((v) => v !== "");
  };
  const asNumber = (v) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : null);
  const compare = (given, op, want) => {
    if (op === "exists") { return (given.length > 0) === (want === "yes"); }
    // Numbers compare as numbers (1.50 = 1.5), as the server does; codes and dates as text.
    const same = (v) => {
      const a = asNumber(v), b = asNumber(want);
      return a !== null && b !== null ? a === b : v === want;
    };
    if (op === "=") { return given.some(same); }
    if (op === "!=") { return !given.some(same); }
    return given.some((v) => {
      const a = asNumber(v), b = asNumber(want);
      const x = a !== null && b !== null ? a : v, y = a !== null && b !== null ? b : want;
      if (op === ">") { return x > y; }
      if (op === "<") { return x < y; }
      if (op === ">=") { return x >= y; }
      return x <= y;
    });
  };
  const boxes = Array.from(form.querySelectorAll("[data-when-1]"));
  const update = () => {
    // Repeat until nothing changes: a question may depend on one that depends on another.
    for (let round = 0; round < 10; round += 1) {
      let changed = false;
      boxes.forEach((box) => {
        const checks = [];
        for (let n = 1; box.dataset["when-" + n]; n += 1) {
          const [q, op, ...rest] = box.dataset["when-" + n].split(" ");
          checks.push(compare(answersOf(q), op, rest.join(" ")));
        }
        const show = box.dataset.any === "1" ? checks.some(Boolean) : checks.every(Boolean);
        if (box.hidden === show) {
          box.hidden = !show;
          changed = true;
        }
      });
      // An input is sent only when neither its question nor a group around it is hidden.
      form.querySelectorAll("input, select, textarea").forEach((el) => {
        if (el.type !== "hidden") { el.disabled = Boolean(el.closest("[hidden]")); }
      });
      if (!changed) { break; }
    }
  };
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();

// The skip link moves the focus to the page's main part without leaving "#main" in the
// address: a form sent after it carried the fragment to the next page, where the browser then
// moved the focus to <main> — away from what that page puts first (a warning about a possible
// duplicate, the summary of a refused form). Without this script the link still works.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.skip-link");
  const main = document.getElementById("main");
  if (!link || !main) { return; }
  event.preventDefault();
  main.focus();
});
