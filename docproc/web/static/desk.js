// The desk: upload scans (camera, file chooser, drag and drop, or the keyboard on the drop
// zone), follow each while it is read, then show its record (rendered by the server, in the
// user's language). Earlier uploads are listed by the server; those still being read are
// followed too, so a reload loses nothing.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const desk = JSON.parse(document.getElementById("desk-data").textContent);
  const texts = desk.texts;
  const list = document.getElementById("uploads");
  const template = document.getElementById("upload-template");
  const zone = document.getElementById("dropzone");
  const files = document.getElementById("files");
  const camera = document.getElementById("camera");
  const lang = document.documentElement.lang || "en";

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (_, key) => (key in values ? String(values[key]) : ""));
  }

  function setState(card, status, cls) {
    const badge = card.querySelector(".state");
    badge.textContent = desk.statuses[status] || status;
    badge.className = "badge state " + (cls || status || "");
  }

  function when(iso) {
    const moment = new Date(iso);
    try {
      const format = new Intl.DateTimeFormat(lang, {
        dateStyle: "medium", timeStyle: "short", timeZone: desk.zone,
      });
      return format.format(moment) + " " + desk.zone_name;
    } catch (_) {
      return moment.toLocaleString();
    }
  }

  function message(card, text, link) {
    const box = card.querySelector(".message");
    box.replaceChildren(document.createTextNode(text));
    if (link) {
      const a = document.createElement("a");
      a.href = link;
      a.textContent = texts.open_record;
      box.append(" ", a);
    }
  }

  async function showRecord(card, id) {
    const response = await fetch("/desk/uploads/" + id, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const record = card.querySelector(".record");
    if (!record) return;
    record.innerHTML = await response.text();
    record.hidden = false;
    const bar = card.querySelector("progress");
    if (bar) bar.hidden = true;
  }

  async function follow(card, id, showing) {
    for (let attempt = 0; attempt < 600; attempt++) {
      const response = await fetch("/api/v1/documents/" + id, { headers: { Accept: "application/json" } });
      if (!response.ok) {
        setState(card, texts.error, "failed");
        if (showing) message(card, fill(texts.status_unknown, { code: response.status }));
        return;
      }
      const doc = await response.json();
      setState(card, doc.status);
      if (doc.finished) {
        if (showing) await showRecord(card, id);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, attempt < 20 ? 700 : 2000));
    }
  }

  function upload(file) {
    const none = list.querySelector(".none-yet");
    if (none) none.remove();
    const card = template.content.firstElementChild.cloneNode(true);
    card.querySelector(".name").textContent = file.name;
    setState(card, texts.uploading, "");
    list.prepend(card);
    const bar = card.querySelector("progress");
    const form = new FormData();
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/documents");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        card.dataset.document = body.id;
        bar.removeAttribute("value");
        setState(card, body.status);
        if (body.created === false) {
          const earlier = body.duplicate_of;
          card.classList.add("duplicate");
          bar.hidden = true;
          if (earlier) {
            message(card, fill(texts.already, { when: when(earlier.uploaded_at), who: earlier.uploaded_by || "—" }), earlier.page);
          } else {
            message(card, texts.already_elsewhere);
          }
          follow(card, body.id, false);
          return;
        }
        message(card, texts.reading);
        follow(card, body.id, true);
      } else {
        bar.hidden = true;
        setState(card, texts.error, "failed");
        message(card, (body.message || "") + (body.fix ? " — " + body.fix : ""));
      }
    };
    xhr.onerror = () => { bar.hidden = true; setState(card, texts.error, "failed"); message(card, texts.network_error); };
    xhr.send(form);
  }

  function uploadAll(chosen) { for (const file of chosen) upload(file); }

  for (const input of [files, camera]) {
    input.addEventListener("change", () => { uploadAll(input.files); input.value = ""; });
  }
  document.getElementById("choose-files").addEventListener("click", () => files.click());
  document.getElementById("take-photo").addEventListener("click", () => camera.click());
  zone.addEventListener("click", () => files.click());
  zone.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      files.click();
    }
  });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    uploadAll(e.dataTransfer.files);
  });

  // earlier uploads still being read: follow them so their state is current
  for (const card of list.querySelectorAll(".upload.earlier[data-finished=false]")) {
    follow(card, card.dataset.document, false);
  }
})();
