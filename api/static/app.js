// medcite answer page: ask (streamed, cited answer), documents (list, delete), upload.
// Plain JS, no build step. Every piece of document or answer text is untrusted data: it only
// ever reaches the page through textContent / createTextNode (never innerHTML).
"use strict";

(() => {
  const KEY_STORAGE = "medcite.apiKey";
  const PAGE_SIZE = 50;
  const POLL_MS = 500;
  const POLL_LIMIT_MS = 15 * 60 * 1000;

  const $ = (id) => document.getElementById(id);

  /** el("p", {class: "x"}, "text", childNode, ...): children strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  const str = (v) => (v === null || v === undefined ? "" : String(v));

  // --- messages ---------------------------------------------------------------------------
  function errorBox(message) {
    return el("div", { class: "error", role: "alert" }, el("strong", {}, "Error: "), message);
  }

  function infoBox(message) {
    return el("div", { class: "info", role: "status" }, message);
  }

  /** The human-readable part of an API error body ({"error", "detail", "errors"?}). */
  function errorText(body) {
    let detail = "";
    if (body && typeof body === "object") {
      if (typeof body.detail === "string") detail = body.detail;
      else if (body.detail !== undefined) detail = JSON.stringify(body.detail);
      if (Array.isArray(body.errors) && body.errors.length) {
        const parts = body.errors.map((e) => {
          const loc = Array.isArray(e && e.loc) ? e.loc.filter((p) => p !== "body").join(".") : "";
          return (loc ? loc + ": " : "") + str(e && e.msg);
        });
        detail = (detail ? detail + " " : "") + "(" + parts.join("; ") + ")";
      }
      if (!detail && body.error) detail = str(body.error);
    } else if (typeof body === "string") {
      detail = body.trim().slice(0, 500);
    }
    return detail;
  }

  async function readBody(response) {
    const type = response.headers.get("content-type") || "";
    const text = await response.text();
    if (type.includes("json")) {
      try { return JSON.parse(text); } catch (_) { return text; }
    }
    return text;
  }

  class ApiError extends Error {
    constructor(status, body) {
      const detail = errorText(body);
      super(!status ? detail || "Request failed." : detail ? `${detail} (HTTP ${status})` : `The server answered HTTP ${status}.`);
      this.status = status;
      this.body = body;
    }
  }

  /** fetch + JSON; throws ApiError with the server's `detail` on 4xx/5xx. */
  async function api(path, options = {}) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError(0, "Could not reach the medcite server. Is it running?");
    }
    const body = await readBody(response);
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  // --- API key ----------------------------------------------------------------------------
  function apiKey() {
    return $("api-key").value.trim();
  }

  function authHeaders() {
    const key = apiKey();
    return key ? { Authorization: "Bearer " + key } : {};
  }

  function authHint(err) {
    if (!(err instanceof ApiError)) return "";
    if (err.status === 401) return apiKey() ? " — Check the API key above." : " — Enter an API key above.";
    if (err.status === 403) return " — This server does not accept writes (it has no API keys configured).";
    return "";
  }

  // --- routing ----------------------------------------------------------------------------
  const VIEWS = { "/": "view-ask", "/documents": "view-documents", "/upload": "view-upload" };
  let firstRoute = true;

  function parseHash() {
    const raw = location.hash.replace(/^#/, "") || "/";
    const [path, query] = raw.split("?");
    return { path: VIEWS[path] ? path : "/", params: new URLSearchParams(query || "") };
  }

  function route() {
    const { path, params } = parseHash();
    for (const [p, id] of Object.entries(VIEWS)) $(id).hidden = p !== path;
    $("key-bar").hidden = path === "/";
    document.body.dataset.view = path;
    for (const link of document.querySelectorAll("nav a[data-route]")) {
      if (link.dataset.route === path) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    if (path !== "/") closePassage(false);
    if (path === "/documents") loadDocuments(docOffset);
    if (path === "/" && params.get("q")) $("question").value = params.get("q");
    const heading = document.querySelector(`#${VIEWS[path]} h1`);
    document.title = `${heading ? heading.textContent : "medcite"} — medcite`;
    if (!firstRoute && heading) heading.focus();
    firstRoute = false;
  }

  // --- server-sent events over fetch ------------------------------------------------------
  /** Reads a text/event-stream body, calling onEvent(type, data) per event (SSE spec parsing). */
  async function readEventStream(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder("utf-8");
    let buffer = "";
    let type = "";
    let data = [];
    const dispatch = () => {
      if (data.length) onEvent(type || "message", data.join("\n"));
      type = "";
      data = [];
    };
    const line = (text) => {
      if (text === "") return dispatch();
      if (text.startsWith(":")) return undefined; // comment / keep-alive
      const colon = text.indexOf(":");
      const field = colon === -1 ? text : text.slice(0, colon);
      let value = colon === -1 ? "" : text.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") type = value;
      else if (field === "data") data.push(value);
      return undefined;
    };
    const drain = (final) => {
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        if (!m) break;
        // a lone \r at the very end may be the first half of \r\n: wait for more
        if (!final && m[0] === "\r" && m.index === buffer.length - 1) break;
        line(buffer.slice(0, m.index));
        buffer = buffer.slice(m.index + m[0].length);
      }
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      drain(false);
    }
    buffer += decoder.decode();
    drain(true);
    if (buffer) line(buffer);
    dispatch();
  }

  // --- ask view ---------------------------------------------------------------------------
  let askController = null;

  async function ask(event) {
    event.preventDefault();
    const question = $("question").value.trim();
    const out = clear($("answer"));
    closePassage(false);
    if (question.length < 3) {
      out.appendChild(errorBox("Type a question of at least 3 characters."));
      $("question").focus();
      return;
    }
    if (askController) askController.abort();
    const controller = new AbortController();
    askController = controller;
    $("ask").disabled = true;
    $("ask-live").textContent = "";
    const progress = el("p", { class: "progress", role: "status" }, "Searching the guidelines…");
    const live = el("ol", { class: "live-sentences", "aria-label": "Answer so far" });
    out.append(progress, live);
    let finished = false;
    const finish = (node) => {
      finished = true;
      clear(out).appendChild(node);
      const said = out.querySelector(".abstention") ? "No supported answer."
        : out.querySelector(".error") ? "" : out.querySelector("#references") ? "Answer ready." : "";
      $("ask-live").textContent = said;
    };
    try {
      const response = await fetch("/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ question, stream: true }),
        signal: controller.signal,
      });
      if (!response.ok) throw new ApiError(response.status, await readBody(response));
      const type = response.headers.get("content-type") || "";
      if (!type.includes("text/event-stream")) {
        // a server that answered in one piece
        finish(renderAnswer(await readBody(response)));
        return;
      }
      await readEventStream(response, (name, raw) => {
        if (controller !== askController || finished) return;
        let payload;
        try { payload = JSON.parse(raw); } catch (_) { payload = raw; }
        if (name === "retrieved") {
          const n = payload && Array.isArray(payload.hits) ? payload.hits.length : 0;
          progress.textContent = n
            ? `Found ${n} passage${n === 1 ? "" : "s"}. Writing the answer…`
            : "No matching passages found. Checking…";
        } else if (name === "sentence") {
          const s = payload && payload.sentence ? payload.sentence : payload;
          live.appendChild(el("li", {}, str(s && s.text), s && s.citations && s.citations.length
            ? el("span", { class: "cite-pending" }, " " + s.citations.map((n) => `[${n}]`).join(""))
            : null));
        } else if (name === "answer") {
          finish(renderAnswer(payload));
        } else if (name === "error") {
          finish(errorBox(errorText(payload) || "The answer failed on the server."));
        }
      });
      if (!finished && controller === askController) {
        finish(errorBox("The answer stream ended before the answer arrived. Please try again."));
      }
    } catch (err) {
      if (err && err.name === "AbortError") return;
      if (controller === askController) {
        finish(errorBox(err instanceof ApiError ? err.message : "Could not reach the medcite server. Is it running?"));
      }
    } finally {
      if (controller === askController) {
        askController = null;
        $("ask").disabled = false;
      }
    }
  }

  function isSuperseded(ref) {
    return /^superseded/i.test(str(ref && ref.note));
  }

  function supersededBadge() {
    return el("span", { class: "badge-superseded" }, "Superseded");
  }

  function renderSentence(sentence, answer, tag) {
    const refs = answer.references || [];
    const node = el(tag, { class: "sentence" }, str(sentence.text));
    for (const n of sentence.citations || []) {
      const ref = refs.find((r) => r.n === n);
      const title = ref ? str(ref.title) : "not in the reference list";
      node.append(" ", el("button", {
        type: "button",
        class: "cite",
        "aria-label": `Reference ${n}: ${title}`,
        "data-n": n,
        onclick: (e) => openPassage(answer, n, sentence, e.currentTarget),
      }, `[${n}]`));
    }
    return node;
  }

  function sentenceList(sentences, answer) {
    return el("ul", { class: "sentences" }, sentences.map((s) => renderSentence(s, answer, "li")));
  }

  function renderAnswer(answer) {
    if (!answer || typeof answer !== "object") {
      return errorBox("The server sent an answer this page cannot read.");
    }
    const root = el("article", { class: "answer-body", "aria-labelledby": "answer-heading" });
    if (answer.abstained) {
      root.append(el("div", { class: "abstention", role: "status" },
        el("h2", { id: "answer-heading" }, "No supported answer"),
        el("p", {}, str(answer.abstain_reason || answer.answer) ||
          "The indexed guidelines do not support an answer to this question.")));
      appendWarnings(root, answer);
      if (answer.disclaimer) root.appendChild(el("p", { class: "disclaimer" }, str(answer.disclaimer)));
      return root;
    }
    root.appendChild(el("h2", { id: "answer-heading", class: "visually-hidden" }, "Answer"));
    const bottom = answer.bottom_line || [];
    const sections = answer.sections || [];
    const pitfalls = answer.pitfalls || [];
    if (bottom.length) {
      root.appendChild(el("section", { id: "bottom-line", class: "bottom-line", "aria-labelledby": "bottom-line-h" },
        el("h3", { id: "bottom-line-h" }, "Bottom line"),
        el("p", {}, bottom.map((s, i) => [i ? " " : "", renderSentence(s, answer, "span")]))));
    }
    for (const section of sections) {
      const part = el("section", { class: "answer-section" });
      if (section.heading) part.appendChild(el("h3", {}, str(section.heading)));
      part.appendChild(sentenceList(section.sentences || [], answer));
      root.appendChild(part);
    }
    if (pitfalls.length) {
      root.appendChild(el("section", { class: "pitfalls" }, el("h3", {}, "Pitfalls"), sentenceList(pitfalls, answer)));
    }
    if (!bottom.length && !sections.length && !pitfalls.length && (answer.sentences || []).length) {
      root.appendChild(sentenceList(answer.sentences, answer)); // an answer without the layout
    }
    appendWarnings(root, answer);
    root.appendChild(renderReferences(answer));
    if (answer.disclaimer) root.appendChild(el("p", { class: "disclaimer" }, str(answer.disclaimer)));
    return root;
  }

  function appendWarnings(root, answer) {
    const warnings = answer.warnings || [];
    if (!warnings.length) return;
    root.appendChild(el("div", { class: "warning", role: "note", "aria-label": "Warnings" },
      el("h3", {}, "Warnings"),
      el("ul", {}, warnings.map((w) => el("li", {}, str(w))))));
  }

  function referenceLine(ref) {
    const bits = [];
    if (ref.developer) bits.push(str(ref.developer));
    if (ref.date) bits.push(str(ref.date));
    if (ref.section) bits.push("Section: " + str(ref.section));
    if (ref.pages) bits.push((/[-–,]/.test(ref.pages) ? "Pages " : "Page ") + str(ref.pages));
    return bits.join(" · ");
  }

  function renderReferences(answer) {
    const refs = answer.references || [];
    const list = el("ol", { id: "references", class: "references" });
    for (const ref of refs) {
      list.appendChild(el("li", { value: ref.n, id: `ref-${ref.n}` },
        el("button", {
          type: "button",
          class: "ref-title",
          "aria-label": `Show passage of reference ${ref.n}: ${str(ref.title)}`,
          onclick: (e) => openPassage(answer, ref.n, null, e.currentTarget),
        }, str(ref.title) || str(ref.doc_id)),
        isSuperseded(ref) ? [" ", supersededBadge()] : null,
        el("span", { class: "ref-meta" }, referenceLine(ref)),
        ref.note ? el("span", { class: "ref-note" }, "Note: " + str(ref.note)) : null));
    }
    return el("section", { class: "references-section", "aria-labelledby": "references-h" },
      el("h3", { id: "references-h" }, "References"), list);
  }

  // --- passage panel ----------------------------------------------------------------------
  let passageOpener = null;

  /** Character ranges of the supporting spans of reference n in its text, merged and sorted. */
  function spansFor(sentence, n, text) {
    const spans = [];
    for (const ev of (sentence && sentence.evidence) || []) {
      if (!ev || ev.n !== n) continue;
      let start = Number(ev.start);
      let end = Number(ev.end);
      const quote = str(ev.quote);
      const valid = Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start && end <= text.length;
      if (quote && (!valid || text.slice(start, end) !== quote)) {
        const at = text.indexOf(quote);
        if (at !== -1) { start = at; end = at + quote.length; }
        else if (!valid) continue;
      } else if (!valid) {
        continue;
      }
      spans.push([start, end]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push(s);
    }
    return merged;
  }

  function sourceHref(ref) {
    const m = /\d+/.exec(str(ref.pages));
    return `/documents/${encodeURIComponent(str(ref.doc_id))}/source` + (m ? `#page=${m[0]}` : "");
  }

  function openPassage(answer, n, sentence, opener) {
    const ref = (answer.references || []).find((r) => r.n === n);
    if (!ref) return;
    const panel = $("passage");
    $("passage-title").textContent = `[${n}] ${str(ref.title) || str(ref.doc_id)}`;
    const badges = clear($("passage-badges"));
    if (isSuperseded(ref)) badges.append(supersededBadge(), " ", el("span", { class: "ref-note" }, str(ref.note)));
    const meta = clear($("passage-meta"));
    const rows = [
      ["Developer", ref.developer], ["Date", ref.date], ["Section", ref.section],
      ["Pages", ref.pages], ["Document id", ref.doc_id],
    ];
    for (const [label, value] of rows) {
      if (!str(value)) continue;
      meta.append(el("dt", {}, label), el("dd", {}, str(value)));
    }
    const text = str(ref.text);
    const box = clear($("passage-text"));
    let at = 0;
    let firstMark = null;
    for (const [start, end] of spansFor(sentence, n, text)) {
      box.appendChild(document.createTextNode(text.slice(at, start)));
      const mark = el("mark", {}, text.slice(start, end));
      firstMark = firstMark || mark;
      box.appendChild(mark);
      at = end;
    }
    box.appendChild(document.createTextNode(text.slice(at)));
    $("passage-source").href = sourceHref(ref);
    passageOpener = opener || null;
    panel.hidden = false;
    document.body.classList.add("passage-open");
    panel.scrollTop = 0;
    $("passage-close").focus();
    if (firstMark) firstMark.scrollIntoView({ block: "nearest" });
  }

  function closePassage(restoreFocus = true) {
    const panel = $("passage");
    if (panel.hidden) return;
    panel.hidden = true;
    document.body.classList.remove("passage-open");
    if (restoreFocus && passageOpener && document.contains(passageOpener)) passageOpener.focus();
    passageOpener = null;
  }

  // --- jobs -------------------------------------------------------------------------------
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Polls GET /jobs/{id} every 500 ms until it succeeds or fails; onUpdate(job) on each poll. */
  async function pollJob(jobId, onUpdate) {
    const deadline = Date.now() + POLL_LIMIT_MS;
    let failures = 0;
    for (;;) {
      let job;
      try {
        job = await api(`/jobs/${encodeURIComponent(jobId)}`, { headers: authHeaders() });
        failures = 0;
      } catch (err) {
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) throw err;
        if (++failures >= 10) throw err;
        await sleep(POLL_MS);
        continue;
      }
      onUpdate(job);
      if (job.state === "succeeded" || job.state === "failed") return job;
      if (Date.now() > deadline) throw new ApiError(0, `Job ${jobId} is still ${str(job.state)}; check again later.`);
      await sleep(POLL_MS);
    }
  }

  // --- documents view ---------------------------------------------------------------------
  let docOffset = 0;
  let docTotal = 0;
  let docRequest = 0;

  async function loadDocuments(offset) {
    const request = ++docRequest;
    const status = $("documents-status");
    const tbody = $("documents-table").querySelector("tbody");
    $("documents-table").setAttribute("aria-busy", "true");
    try {
      const page = await api(`/documents?offset=${Math.max(0, offset)}&limit=${PAGE_SIZE}`, { headers: authHeaders() });
      if (request !== docRequest) return;
      docOffset = Number(page.offset) || 0;
      docTotal = Number(page.total) || 0;
      const docs = Array.isArray(page.documents) ? page.documents : [];
      if (!docs.length && docOffset > 0 && docTotal > 0) {
        loadDocuments(Math.max(0, docOffset - PAGE_SIZE)); // the last page emptied by a delete
        return;
      }
      clear(tbody);
      for (const doc of docs) tbody.appendChild(documentRow(doc));
      if (!docs.length) {
        tbody.appendChild(el("tr", {}, el("td", { colspan: 7, class: "empty" }, "No documents in the index yet.")));
      }
      const first = docs.length ? docOffset + 1 : 0;
      $("documents-range").textContent = `${first}–${docOffset + docs.length} of ${docTotal}`;
      $("documents-prev").disabled = docOffset <= 0;
      $("documents-next").disabled = docOffset + docs.length >= docTotal;
      if (status.querySelector(".error.load")) clear(status);
    } catch (err) {
      if (request !== docRequest) return;
      clear(status).appendChild(errorBox("Could not list the documents: " + err.message + authHint(err)));
      status.lastChild.classList.add("load");
    } finally {
      if (request === docRequest) $("documents-table").removeAttribute("aria-busy");
    }
  }

  function cell(label, ...children) {
    return el("td", { "data-label": label }, el("span", { class: "cell" }, ...children));
  }

  function documentRow(doc) {
    const id = str(doc.doc_id);
    const title = str(doc.title) || id;
    const actions = el("span", { class: "cell" });
    const del = el("button", {
      type: "button", class: "danger", "aria-label": `Delete ${title}`,
      onclick: () => confirmDelete(actions, doc),
    }, "Delete");
    actions.appendChild(del);
    const newer = (Array.isArray(doc.superseded_by) ? doc.superseded_by : [doc.superseded_by]).map(str).filter(Boolean);
    return el("tr", { "data-doc-id": id },
      cell("Title", title, newer.length ? [" ", supersededBadge(),
        el("span", { class: "ref-note" }, `by ${newer.join(", ")}`)] : null),
      cell("Developer", str(doc.developer)),
      cell("Released", str(doc.released || doc.year)),
      cell("Format", str(doc.format)),
      cell("Chunks", str(doc.n_chunks)),
      cell("Doc id", el("code", {}, id)),
      el("td", { class: "actions", "data-label": "Actions" }, actions));
  }

  function confirmDelete(actions, doc) {
    const title = str(doc.title) || str(doc.doc_id);
    clear(actions);
    const yes = el("button", {
      type: "button", class: "danger", "aria-label": `Confirm: delete ${title}`,
      onclick: () => deleteDocument(doc, actions),
    }, "Confirm delete");
    const no = el("button", {
      type: "button", "aria-label": `Keep ${title}`,
      onclick: () => { clear(actions).appendChild(el("button", {
        type: "button", class: "danger", "aria-label": `Delete ${title}`,
        onclick: () => confirmDelete(actions, doc),
      }, "Delete")); actions.firstChild.focus(); },
    }, "Cancel");
    actions.append(yes, " ", no);
    yes.focus();
  }

  async function deleteDocument(doc, actions) {
    const status = $("documents-status");
    const id = str(doc.doc_id);
    const title = str(doc.title) || id;
    for (const b of actions.querySelectorAll("button")) b.disabled = true;
    clear(status).appendChild(infoBox(`Deleting ${title}…`));
    try {
      const accepted = await api(`/documents/${encodeURIComponent(id)}`, { method: "DELETE", headers: authHeaders() });
      const job = await pollJob(accepted.job_id, (j) => {
        clear(status).appendChild(infoBox(`Deleting ${title}: ${str(j.state)}…`));
      });
      if (job.state === "succeeded") {
        clear(status).appendChild(infoBox(`Deleted ${title}.`));
      } else {
        clear(status).appendChild(errorBox(`Deleting ${title} failed: ${str(job.message) || "no reason given"}`));
      }
    } catch (err) {
      clear(status).appendChild(errorBox(`Could not delete ${title}: ${err.message}${authHint(err)}`));
    }
    loadDocuments(docOffset);
  }

  // --- upload view ------------------------------------------------------------------------
  async function upload(event) {
    event.preventDefault();
    const form = $("upload-form");
    const status = clear($("upload-status"));
    const result = clear($("job-result"));
    const file = $("upload-file").files[0];
    if (!file) {
      status.appendChild(errorBox("Choose a guideline file to upload."));
      $("upload-file").focus();
      return;
    }
    const data = new FormData();
    data.append("file", file, file.name);
    for (const name of ["doc_id", "title", "developer", "released", "source", "supersedes"]) {
      const value = str(form.elements[name].value).trim();
      if (value) data.append(name, value);
    }
    const submit = $("upload-submit");
    submit.disabled = true;
    const jobBox = $("upload-job");
    const progress = $("job-progress");
    const state = $("job-state");
    try {
      const accepted = await api("/documents", { method: "POST", headers: authHeaders(), body: data });
      jobBox.hidden = false;
      progress.value = 0;
      state.textContent = str(accepted.state) || "queued";
      const job = await pollJob(accepted.job_id, (j) => {
        state.textContent = str(j.state);
        const p = Number(j.progress);
        if (Number.isFinite(p)) progress.value = Math.min(1, Math.max(0, p));
      });
      if (job.state === "succeeded") {
        progress.value = 1;
        const listed = [job.doc_ids, accepted.doc_ids, accepted.doc_id ? [accepted.doc_id] : []]
          .find((ids) => Array.isArray(ids) && ids.length) || [];
        const ids = listed.map(str);
        const title = str(form.elements.title.value).trim() || ids[0] || file.name;
        const q = `What does ${title} recommend?`;
        result.append(el("div", { class: "success", role: "status" },
          el("p", {}, "Indexed: ", ids.length ? ids.map((id, i) => [i ? ", " : "", el("code", {}, id)]) : "done"),
          job.message ? el("p", {}, str(job.message)) : null,
          el("p", {}, el("a", { href: "#/?q=" + encodeURIComponent(q), id: "ask-about" }, "Ask a question about it"))));
        form.reset();
      } else {
        result.appendChild(errorBox("Indexing failed: " + (str(job.message) || "no reason given")));
      }
    } catch (err) {
      status.appendChild(errorBox("Upload failed: " + err.message + authHint(err)));
    } finally {
      submit.disabled = false;
    }
  }

  // --- wiring -----------------------------------------------------------------------------
  function init() {
    const key = $("api-key");
    try { key.value = sessionStorage.getItem(KEY_STORAGE) || ""; } catch (_) { /* storage off */ }
    key.addEventListener("input", () => {
      try { sessionStorage.setItem(KEY_STORAGE, key.value); } catch (_) { /* storage off */ }
    });
    $("ask-form").addEventListener("submit", ask);
    $("question").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        $("ask-form").requestSubmit();
      }
    });
    $("upload-form").addEventListener("submit", upload);
    $("documents-prev").addEventListener("click", () => loadDocuments(Math.max(0, docOffset - PAGE_SIZE)));
    $("documents-next").addEventListener("click", () => loadDocuments(docOffset + PAGE_SIZE));
    $("passage-close").addEventListener("click", () => closePassage(true));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !$("passage").hidden) {
        e.preventDefault();
        closePassage(true);
      }
    });
    window.addEventListener("hashchange", route);
    route();
    document.documentElement.setAttribute("data-app", "ready");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
