// Shared by the job pages: fetching JSON from this silo, formatting, building elements (text only, never markup).
"use strict";

const distgen = {
  async json(url, options) {
    const response = await fetch(url, { cache: "no-store", credentials: "same-origin", ...options });
    const body = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new Error(body && body.error ? body.error : `${url}: HTTP ${response.status}`);
    return body;
  },

  element(tag, text, className) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (className) e.className = className;
    return e;
  },

  row(tbody, name, value) {
    const tr = tbody.insertRow();
    tr.append(distgen.element("td", name), distgen.element("td", value));
  },

  number(x) {
    if (typeof x !== "number" || !isFinite(x)) return "–";
    const a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(3);
    return Number(x.toPrecision(6)).toLocaleString("en-US", { maximumFractionDigits: 6 });
  },

  duration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  },

  time(iso) {
    return iso ? new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "–";
  },

  stamp() {
    document.getElementById("updated").textContent = new Date().toLocaleTimeString("en-GB");
  },

  note(text, isError) {
    const note = document.getElementById("note");
    note.hidden = !text;
    note.textContent = text || "";
    note.classList.toggle("error", !!isError);
  },

  // Runs step now and then every period ms, one at a time, whatever it throws.
  every(period, step) {
    const tick = async () => {
      try { await step(); } catch (e) { distgen.note(e.message, true); }
      setTimeout(tick, period);
    };
    tick();
  },
};
