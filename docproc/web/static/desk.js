// The desk: upload scans (file picker, camera or drag and drop), follow each, show its record.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const labels = JSON.parse(document.getElementById("labels").textContent);
  const list = document.getElementById("uploads");
  const template = document.getElementById("upload-template");
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("files");
  const FINISHED = new Set(["done", "needs_review", "failed"]);

  function setState(card, text, cls) {
    const badge = card.querySelector(".state");
    badge.textContent = text;
    badge.className = "badge state " + (cls || "");
  }

  const labelOf = Object.fromEntries(labels);

  // "viz.birth_date" -> "Date of birth", "form.phone" -> "phone", "entity.PERSON.0" -> "PERSON"
  function otherLabel(name) {
    const [prefix, rest, number] = name.split(".");
    if (prefix === "entity") return rest + (number && number !== "0" ? " " + (Number(number) + 1) : "");
    const key = rest === undefined ? prefix : rest;
    return labelOf[key] || key.replaceAll("_", " ");
  }

  function showRecord(card, doc) {
    setState(card, doc.status.replace("_", " "), doc.status);
    card.querySelector("progress").hidden = true;
    card.querySelector(".message").textContent = doc.status_reason ? "Reason: " + doc.status_reason : "";
    const record = card.querySelector(".record");
    const body = record.querySelector(".fields tbody");
    body.replaceChildren();
    const shown = new Set();
    const addRow = (name, label) => {
      const value = doc.fields[name];
      if (value === undefined || value === null) return;
      shown.add(name);
      const row = body.insertRow();
      const th = document.createElement("th");
      th.textContent = label;
      row.appendChild(th);
      const td = row.insertCell();
      td.textContent = value;
      td.dataset.field = name;
      const source = row.insertCell();
      source.className = "muted small";
      source.textContent = (doc.sources || {})[name] || "";
    };
    for (const [name, label] of labels) addRow(name, label);
    // then the printed page (viz.*), form (form.*) and entity (entity.LABEL.n) fields
    for (const name of Object.keys(doc.fields)) if (!shown.has(name)) addRow(name, otherLabel(name));
    const checks = record.querySelector(".checks");
    checks.replaceChildren();
    for (const [name, ok] of Object.entries(doc.checks || {})) {
      const li = document.createElement("li");
      li.className = ok ? "ok" : "fail";
      li.textContent = (ok ? "✓ " : "✗ ") + name;
      checks.appendChild(li);
    }
    if (!Object.keys(doc.checks || {}).length) checks.innerHTML = '<li class="muted">no MRZ checks</li>';
    record.querySelector(".review").textContent = doc.needs_review
      ? "Needs review: a reviewer will check this record."
      : doc.status === "done" ? "No review needed." : "";
    if (doc.has_mrz) {
      const figure = record.querySelector(".mrz");
      figure.querySelector("img").src = "/api/v1/documents/" + doc.id + "/mrz.png";
      figure.hidden = false;
    }
    record.hidden = false;
  }

  async function follow(card, url) {
    for (let attempt = 0; attempt < 600; attempt++) {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) {
        setState(card, "error", "failed");
        card.querySelector(".message").textContent = "Could not read the status (" + response.status + ").";
        return;
      }
      const doc = await response.json();
      if (doc.finished) { showRecord(card, doc); return; }
      setState(card, doc.status);
      await new Promise((resolve) => setTimeout(resolve, attempt < 20 ? 700 : 2000));
    }
  }

  function upload(file) {
    const card = template.content.firstElementChild.cloneNode(true);
    card.querySelector(".name").textContent = file.name;
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
        bar.removeAttribute("value");
        setState(card, body.status);
        card.querySelector(".message").textContent = "Reading…";
        follow(card, body.url);
      } else {
        bar.hidden = true;
        setState(card, body.reason || "error " + xhr.status, "failed");
        card.querySelector(".message").textContent = (body.message || "") + (body.fix ? " — " + body.fix : "");
      }
    };
    xhr.onerror = () => { setState(card, "network error", "failed"); };
    xhr.send(form);
  }

  function uploadAll(files) { for (const file of files) upload(file); }

  input.addEventListener("change", () => { uploadAll(input.files); input.value = ""; });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    uploadAll(e.dataTransfer.files);
  });
})();
