// The review task and queue pages: the scan viewer (zoom, pan, pages, the box of the field in
// focus), checking fixes as they are typed, and the keys listed in the page's "Keys" panel.
"use strict";
(function () {
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  function typing(target) {
    return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement;
  }

  function submit(id) {
    const form = document.getElementById(id);
    if (form) form.requestSubmit();
    return !!form;
  }

  // ------------------------------------------------------------------------ the queue page
  const queue = document.getElementById("review-queue");
  if (queue) {
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (event.key === "n") {
        const start = document.getElementById("start-review");
        if (start) { start.click(); event.preventDefault(); }
      } else if (event.key === "u") {
        const undo = document.getElementById("undo-button");
        if (undo) { undo.click(); event.preventDefault(); }
      }
    });
    return;
  }

  const root = document.getElementById("review-task");
  if (!root) return;
  const client = JSON.parse(root.dataset.client || "{}");
  const messages = client.messages || {};
  const countries = new Set(client.countries || []);
  const mine = root.dataset.mine === "yes";
  const taskId = root.dataset.task;

  // ------------------------------------------------------------------------ the scan viewer
  const viewport = document.getElementById("viewport");
  const stage = document.getElementById("stage");
  const img = document.getElementById("scan");
  const fieldBox = document.getElementById("field-box");
  const zoomLevel = document.getElementById("zoom-level");
  const caption = document.getElementById("page-caption");
  const tabs = Array.from(document.querySelectorAll(".page-tab"));
  const view = { scale: 1, x: 0, y: 0, fitted: true };
  let sizes = {}; // page -> {width, height} of the page the boxes are measured on
  let shown = null; // {page, box} outlined now

  function apply() {
    stage.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    zoomLevel.textContent = `${Math.round(view.scale * 100)}%`;
  }

  function fitScale() {
    if (!img.naturalWidth) return 1;
    return Math.min(viewport.clientWidth / img.naturalWidth, viewport.clientHeight / img.naturalHeight);
  }

  function fit() {
    view.scale = fitScale();
    view.x = (viewport.clientWidth - img.naturalWidth * view.scale) / 2;
    view.y = (viewport.clientHeight - img.naturalHeight * view.scale) / 2;
    view.fitted = true;
    apply();
  }

  function zoomAt(factor, cx, cy) {
    const scale = Math.min(8, Math.max(fitScale() * 0.5, view.scale * factor));
    const k = scale / view.scale;
    view.x = cx - (cx - view.x) * k;
    view.y = cy - (cy - view.y) * k;
    view.scale = scale;
    view.fitted = false;
    apply();
  }

  function zoom(factor) { zoomAt(factor, viewport.clientWidth / 2, viewport.clientHeight / 2); }

  function pan(dx, dy) { view.x += dx; view.y += dy; view.fitted = false; apply(); }

  function pageOf() { return Number(img.dataset.page || "1"); }

  function boxScale(page) {
    const size = sizes[page];
    return size && img.naturalWidth ? img.naturalWidth / size.width : null;
  }

  // The outlined box, in the image's own pixels (null while the page size is not known).
  function stageBox() {
    if (!shown || shown.page !== pageOf()) return null;
    const k = boxScale(shown.page);
    if (k === null) return null;
    const [x, y, w, h] = shown.box;
    return { x: x * k, y: y * k, w: w * k, h: h * k };
  }

  function drawBox(scroll) {
    const b = stageBox();
    fieldBox.hidden = !b;
    if (!b) return;
    fieldBox.style.left = `${b.x}px`;
    fieldBox.style.top = `${b.y}px`;
    fieldBox.style.width = `${b.w}px`;
    fieldBox.style.height = `${b.h}px`;
    if (!scroll) return;
    // Scrolled into view: pan (keeping the zoom) until the whole box is visible.
    const left = view.x + b.x * view.scale, top = view.y + b.y * view.scale;
    const right = left + b.w * view.scale, bottom = top + b.h * view.scale;
    const vw = viewport.clientWidth, vh = viewport.clientHeight;
    if (left < 0 || right > vw || top < 0 || bottom > vh) {
      view.x = vw / 2 - (b.x + b.w / 2) * view.scale;
      view.y = vh / 2 - (b.y + b.h / 2) * view.scale;
      apply();
    }
  }

  function zoomToBox() {
    const b = stageBox();
    if (!b) return;
    const scale = Math.min(8, viewport.clientWidth * 0.7 / b.w, viewport.clientHeight * 0.5 / b.h);
    view.scale = Math.max(scale, fitScale());
    view.x = viewport.clientWidth / 2 - (b.x + b.w / 2) * view.scale;
    view.y = viewport.clientHeight / 2 - (b.y + b.h / 2) * view.scale;
    view.fitted = false;
    apply();
  }

  function showPage(page) {
    const count = tabs.length || 1;
    if (page < 1 || page > count || page === pageOf()) return;
    img.dataset.page = String(page);
    img.src = `${img.dataset.srcBase}${page}.jpg`;
    tabs.forEach((tab) => {
      const selected = Number(tab.dataset.page) === page;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
    });
    if (caption && caption.dataset.template) caption.textContent = caption.dataset.template.replace("{n}", page);
  }

  function outline(page, box) {
    if (!box) { shown = null; drawBox(false); return; }
    const values = box.split(",").map(Number);
    if (values.length !== 4) return;
    const target = page ? Number(page) : pageOf();
    shown = { page: target, box: values };
    if (target !== pageOf()) showPage(target);
    else drawBox(true);
  }

  if (caption) {
    const n = pageOf();
    caption.dataset.template = caption.textContent.replace(String(n), "{n}");
  }
  img.addEventListener("load", () => { fit(); drawBox(true); });
  if (img.complete && img.naturalWidth) fit();
  window.addEventListener("resize", () => { if (view.fitted) fit(); drawBox(false); });
  viewport.addEventListener("wheel", (event) => {
    event.preventDefault();
    const rect = viewport.getBoundingClientRect();
    zoomAt(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });
  let drag = null;
  viewport.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY };
    viewport.setPointerCapture(event.pointerId);
  });
  viewport.addEventListener("pointermove", (event) => {
    if (!drag) return;
    pan(event.clientX - drag.x, event.clientY - drag.y);
    drag = { x: event.clientX, y: event.clientY };
  });
  viewport.addEventListener("pointerup", () => { drag = null; });
  viewport.addEventListener("keydown", (event) => {
    const step = 60;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[event.key]) { pan(...moves[event.key]); event.preventDefault(); event.stopPropagation(); }
  });
  document.getElementById("zoom-in").addEventListener("click", () => zoom(1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoom(0.8));
  document.getElementById("zoom-fit").addEventListener("click", fit);
  document.getElementById("zoom-field").addEventListener("click", zoomToBox);
  tabs.forEach((tab) => {
    tab.addEventListener("click", () => showPage(Number(tab.dataset.page)));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      showPage(pageOf() + step);
      const next = tabs.find((t) => Number(t.dataset.page) === pageOf());
      if (next) next.focus();
      event.preventDefault();
      event.stopPropagation();
    });
  });

  // The page sizes (the space the boxes are measured in) once the scan is shown, so that
  // decoding them on the server does not hold up the image itself.
  let asked = false;
  function loadSizes() {
    if (asked) return;
    asked = true;
    fetch(`/api/v1/review/tasks/${taskId}/pages`, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : { pages: [] }))
      .then((body) => {
        for (const p of body.pages || []) sizes[p.page] = p;
        root.dataset.sizes = "loaded";
        drawBox(true);
      })
      .catch(() => { root.dataset.sizes = "failed"; });
  }
  img.addEventListener("load", loadSizes);
  img.addEventListener("error", loadSizes);
  if (img.complete) loadSizes();

  // ------------------------------------------------------------------- checking as typed
  const DATE = /^\d{4}-\d{2}-\d{2}$/;
  const NAME = /^[\p{L}\p{M} \-'.,<]*$/u;
  const rules = {
    document_code: (v) => (/^[A-Z][A-Z0-9<]?$/.test(v) ? null : "not_a_document_code"),
    issuing_country: country,
    nationality: country,
    surname: name,
    given_names: name,
    document_number: (v) => (/^[A-Z0-9<]{1,20}$/.test(v) ? null : "not_a_document_number"),
    birth_date: (v) => date(v, true),
    expiry_date: (v) => date(v, false),
    sex: (v) => (["M", "F", "X", "<"].includes(v) ? null : "not_a_sex"),
    optional_data: (v) => (/^[A-Z0-9< ]{1,30}$/.test(v) ? null : "not_optional_data"),
    optional_data_2: (v) => (/^[A-Z0-9< ]{1,30}$/.test(v) ? null : "not_optional_data"),
  };
  // a printed or form field (viz.*, form.*): names and dates as above, anything else text
  function printedRule(field) {
    const base = field.split(".").slice(1).join(".");
    if (["surname", "given_names", "name"].includes(base)) return name;
    if (base === "date" || base.endsWith("_date")) return (v) => date(v, base === "birth_date");
    return (v) => (v.length > 500 ? "too_long_text" : null);
  }
  function country(v) {
    if (!/^[A-Z<]{1,3}$/.test(v)) return "not_a_country_code";
    return v.replace(/</g, "") && !countries.has(v) ? "unknown_country" : null;
  }
  function name(v) {
    if (v.length > 100) return "too_long";
    return NAME.test(v) ? null : "not_a_letter";
  }
  function date(v, birth) {
    if (!DATE.test(v)) return "not_a_date";
    const [y, m, d] = v.split("-").map(Number);
    const parsed = new Date(Date.UTC(y, m - 1, d));
    if (parsed.getUTCFullYear() !== y || parsed.getUTCMonth() !== m - 1 || parsed.getUTCDate() !== d) return "not_a_date";
    if (y < 1 || y > 9999) return "not_a_date";
    if (birth && (y < 1900 || parsed > new Date())) return "implausible_birth_date";
    return null;
  }
  function charValue(c) {
    if (c >= "0" && c <= "9") return c.charCodeAt(0) - 48;
    if (c >= "A" && c <= "Z") return c.charCodeAt(0) - 55;
    return 0;
  }
  function checkDigit(text) {
    const weights = [7, 3, 1];
    let total = 0;
    for (let i = 0; i < text.length; i++) total += charValue(text[i]) * weights[i % 3];
    return String(total % 10);
  }
  function typedDigit(field, v) {
    if (field === "birth_date" || field === "expiry_date") {
      return DATE.test(v) ? checkDigit(v.slice(2, 4) + v.slice(5, 7) + v.slice(8, 10)) : null;
    }
    return /^[A-Z0-9<]{1,20}$/.test(v) ? checkDigit(v) : null;
  }

  const rows = Array.from(document.querySelectorAll("tr.field-row"));
  const inputs = rows.map((row) => row.querySelector("input.field"));

  function validate(row) {
    const input = row.querySelector("input.field");
    if (!input) return true;
    const field = row.dataset.field;
    const asTyped = input.dataset.case === "as-typed";
    const value = asTyped ? input.value.trim() : input.value.trim().toUpperCase();
    const rule = rules[field] || (field.includes(".") ? printedRule(field) : null);
    const code = value && rule ? rule(value) : null;
    const error = document.getElementById(`e-${field}`);
    error.textContent = code ? messages[code] || code : "";
    input.setAttribute("aria-invalid", code ? "true" : "false");
    row.classList.toggle("invalid", !!code);
    const original = input.dataset.original || "";
    row.classList.toggle("changed", value !== (asTyped ? original : original.toUpperCase()));
    const printed = row.dataset.check;
    const hint = document.getElementById(`h-${field}`);
    if (hint && row.classList.contains("changed")) hint.textContent = "";
    if (printed && hint && !code && value && row.classList.contains("changed")) {
      const digit = typedDigit(field, value);
      if (digit !== null) {
        hint.textContent = digit === printed ? messages.check_ok
          : (messages.check_differs || "").replace("{typed}", digit).replace("{printed}", printed);
        hint.classList.toggle("check-differs", digit !== printed);
      }
    }
    return !code;
  }

  inputs.forEach((input, index) => {
    if (!input) return;
    input.addEventListener("input", () => validate(rows[index]));
    input.addEventListener("focus", () => mark(index));
  });

  const fixForm = document.getElementById("fix-form");
  if (fixForm) {
    fixForm.addEventListener("submit", (event) => {
      const bad = rows.filter((row) => !validate(row));
      if (bad.length) {
        event.preventDefault();
        const input = bad[0].querySelector("input.field");
        input.focus();
        input.select();
      }
    });
  }

  // ------------------------------------------------------------------------- the field rows
  let current = -1;
  function mark(index) {
    if (!rows.length) return;
    current = (index + rows.length) % rows.length;
    rows.forEach((row, i) => row.classList.toggle("current", i === current));
    const row = rows[current];
    row.scrollIntoView({ block: "nearest", inline: "nearest" });
    outline(row.dataset.page, row.dataset.box || row.dataset.segment);
  }

  function edit(index) {
    mark(index);
    const input = inputs[current];
    if (!input) return;
    input.focus();
    input.select();
  }

  function take(row, value) {
    const input = row.querySelector("input.field");
    if (!input || !value) return;
    input.value = value;
    validate(row);
    row.classList.add("taken");
  }

  rows.forEach((row, index) => {
    row.querySelectorAll("button.take").forEach((button) => {
      button.addEventListener("click", () => { mark(index); take(row, button.dataset.value); });
      button.addEventListener("mouseenter", () => outline(button.dataset.page || row.dataset.page, button.dataset.box || row.dataset.box || row.dataset.segment));
    });
  });
  document.querySelectorAll("[data-box]:not(tr.field-row):not(button.take)").forEach((element) => {
    const show = () => outline(element.dataset.page || element.closest("[data-page]")?.dataset.page, element.dataset.box || element.closest("[data-box]")?.dataset.box);
    element.addEventListener("click", show);
    element.addEventListener("focusin", show);
  });
  document.querySelectorAll("button.show-box").forEach((button) => {
    button.addEventListener("click", () => {
      const row = button.closest("[data-box]");
      outline(row.dataset.page, row.dataset.box);
    });
  });

  const firstMismatch = rows.findIndex((row) => row.classList.contains("mismatch"));
  const firstInvalid = rows.findIndex((row) => row.classList.contains("invalid"));
  if (firstInvalid >= 0 && inputs[firstInvalid]) edit(firstInvalid);
  else if (rows.length) mark(firstMismatch >= 0 ? firstMismatch : 0);

  // ---------------------------------------------------------------- keeping the claim alive
  if (mine) {
    let active = false, last = Date.now();
    const renewMs = Math.max(15, client.renew_seconds || 300) * 1000;
    ["keydown", "pointerdown", "wheel"].forEach((kind) => document.addEventListener(kind, () => { active = true; }, { passive: true }));
    setInterval(() => {
      if (!active || Date.now() - last < renewMs) return;
      active = false;
      last = Date.now();
      fetch(`/api/v1/review/tasks/${taskId}/claim`, { method: "POST", headers: { "X-CSRF-Token": csrf, Accept: "application/json" } });
    }, 5000);
  }

  // ---------------------------------------------------------------------------- the keys
  const reason = document.getElementById("reject-reason");
  const help = document.getElementById("keys-help");
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target === reason) {
      if (event.key === "Enter") { reason.form.requestSubmit(); event.preventDefault(); }
      if (event.key === "Escape") { reason.blur(); event.preventDefault(); }
      return;
    }
    if (target instanceof HTMLInputElement && target.classList.contains("field")) {
      // Typing in a field: Enter saves the fix (the browser submits the form).
      if (event.key === "Escape") { target.blur(); event.preventDefault(); }
      if (event.key === "ArrowDown") { edit(current + 1); event.preventDefault(); }
      if (event.key === "ArrowUp") { edit(current - 1); event.preventDefault(); }
      return;
    }
    if (typing(target)) return;
    if (target instanceof HTMLButtonElement && (event.key === "Enter" || event.key === " ")) return;
    switch (event.key) {
      case "j": mark(current + 1); break;
      case "k": mark(current - 1); break;
      case "e": case "Enter": if (current < 0) mark(0); edit(current); break;
      case "t": if (current >= 0) take(rows[current], rows[current].dataset.take); break;
      case "s": if (!submit("fix-form")) return; break;
      case "a": if (!submit("accept-form")) return; break;
      case "r": if (!reason) return; reason.focus(); break;
      case "l": if (!submit("release-form")) return; break;
      case "u": { const undo = document.getElementById("undo-button"); if (!undo) return; undo.click(); break; }
      case "q": window.location.href = "/review"; break;
      case "+": case "=": zoom(1.25); break;
      case "-": zoom(0.8); break;
      case "0": fit(); break;
      case "z": zoomToBox(); break;
      case "[": showPage(pageOf() - 1); break;
      case "]": showPage(pageOf() + 1); break;
      case "v": viewport.focus(); break;
      case "?": help.open = !help.open; break;
      default: return;
    }
    event.preventDefault();
  });
})();
