// Keyboard shortcuts of a review task; the list is shown on the page.
"use strict";
(function () {
  const fields = Array.from(document.querySelectorAll("input.field"));
  const fixForm = document.getElementById("fix-form");
  const acceptForm = document.getElementById("accept-form");
  const reason = document.getElementById("reject-reason");
  let current = -1;

  function mark(index) {
    if (!fields.length) return;
    current = (index + fields.length) % fields.length;
    fields.forEach((field, i) => field.closest("tr").classList.toggle("current", i === current));
    fields[current].scrollIntoView({ block: "nearest" });
  }

  function edit(index) {
    mark(index);
    fields[current].focus();
    fields[current].select();
  }

  fields.forEach((field, index) => field.addEventListener("focus", () => mark(index)));

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target === reason) {
      if (event.key === "Enter") { reason.form.requestSubmit(); event.preventDefault(); }
      if (event.key === "Escape") { reason.blur(); event.preventDefault(); }
      return;
    }
    if (target instanceof HTMLInputElement) {
      // Typing in a field: Enter saves the fix (the browser submits the form).
      if (event.key === "Escape") { target.blur(); event.preventDefault(); }
      if (event.key === "ArrowDown") { edit(current + 1); event.preventDefault(); }
      if (event.key === "ArrowUp") { edit(current - 1); event.preventDefault(); }
      return;
    }
    switch (event.key) {
      case "j": mark(current + 1); break;
      case "k": mark(current - 1); break;
      case "e": case "Enter": if (current < 0) mark(0); edit(current); break;
      case "s": fixForm.requestSubmit(); break;
      case "a": acceptForm.requestSubmit(); break;
      case "r": reason.focus(); break;
      case "q": window.location.href = "/review"; break;
      default: return;
    }
    event.preventDefault();
  });
})();
