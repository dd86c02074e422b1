// Keyboard shortcuts of a review task; the list is shown on the page.
"use strict";
(function () {
  const fields = Array.from(document.querySelectorAll("input.field"));
  const fixForm = document.getElementById("fix-form");
  const acceptForm = document.getElementById("accept-form");
  const reason = document.getElementById("reject-reason");
  let current = -1;

  function focusField(index) {
    if (!fields.length) return;
    current = (index + fields.length) % fields.length;
    fields[current].focus();
    fields[current].select();
  }

  fields.forEach((field, index) => field.addEventListener("focus", () => { current = index; }));

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement;
    if (typing) {
      if (event.key === "Escape") { target.blur(); event.preventDefault(); }
      if (event.key === "Enter" && target === reason) { reason.form.requestSubmit(); event.preventDefault(); }
      // Enter in a field submits the fix form (the browser does it); in the reason list, rejects.
      return;
    }
    switch (event.key) {
      case "j": focusField(current + 1); break;
      case "k": focusField(current - 1); break;
      case "s": fixForm.requestSubmit(); break;
      case "a": acceptForm.requestSubmit(); break;
      case "r": reason.focus(); break;
      case "q": window.location.href = "/review"; break;
      default: return;
    }
    event.preventDefault();
  });
})();
