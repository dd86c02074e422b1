// Every page: the header's language menu submits itself when changed (no inline handlers: the
// Content-Security-Policy allows only scripts from /static).
document.querySelectorAll("form.lang select").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
