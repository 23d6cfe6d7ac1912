// laborfacts report: filters, totals with bars, monthly series, facts behind a total.
// Sums are exact: values are handled as integer hundredths, parsed from their decimal text.
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
// Each fact's article: its event type and headline (DATA.events: event id → [type, headline]).
for (const f of DATA.facts.concat(DATA.flagged)) {
  [f.event_type, f.title] = DATA.events[f.event] || ["", ""];
}

function hundredths(text) {
  if (text === "" || text == null) return 0;
  const [whole, frac = ""] = String(text).split(".");
  return Number(whole) * 100 + Number((frac + "00").slice(0, 2));
}
function formatHundredths(h) {
  const whole = Math.floor(h / 100).toLocaleString("en-US");
  const frac = h % 100;
  return frac === 0 ? whole : whole + "." + String(frac).padStart(2, "0").replace(/0$/, "");
}
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
const distinct = (xs) => [...new Set(xs)].sort();

const filters = { metric: "", event_type: "", province: "", period: "" };
let chosen = null;

function buildFilters() {
  const box = document.getElementById("filters");
  const options = {
    metric: distinct(DATA.totals.map((t) => t.metric)),
    event_type: distinct(DATA.facts.map((f) => f.event_type)),
    province: distinct(DATA.totals.map((t) => t.province)),
    period: distinct(DATA.totals.map((t) => t.period)),
  };
  for (const [key, values] of Object.entries(options)) {
    const select = el("select", { id: "filter-" + key }, el("option", { value: "" }, "all"));
    for (const v of values) select.append(el("option", { value: v }, v === "" ? "(undated)" : v));
    select.addEventListener("change", () => { filters[key] = select.value; chosen = null; render(); });
    box.append(el("label", {}, key.replace("_", " "), select));
  }
}

function factPasses(f) {
  return (!filters.event_type || f.event_type === filters.event_type) &&
    (!filters.metric || f.metric === filters.metric);
}

// The totals shown: the run's totals, or, under an event-type filter, their part from that type.
function visibleTotals() {
  const byId = new Map();
  if (filters.event_type) {
    for (const f of DATA.facts) {
      if (!factPasses(f)) continue;
      const s = byId.get(f.total) || { h: 0, facts: 0 };
      s.h += hundredths(f.value); s.facts += 1; byId.set(f.total, s);
    }
  }
  return DATA.totals
    .filter((t) => (!filters.metric || t.metric === filters.metric) &&
      (!filters.province || t.province === filters.province) &&
      (!filters.period || t.period === filters.period))
    .map((t) => {
      if (!filters.event_type) return { ...t, h: hundredths(t.sum), n: Number(t.facts) };
      const s = byId.get(t.total_id);
      return s ? { ...t, h: s.h, n: s.facts } : null;
    })
    .filter((t) => t && t.n > 0);
}

function renderTotals(rows) {
  const table = document.getElementById("totals");
  table.replaceChildren();
  const head = ["province", "period", "metric", "unit", "sum", "", "facts", "events"];
  table.append(el("thead", {}, el("tr", {}, ...head.map((h, i) =>
    el("th", { class: [4, 6, 7].includes(i) ? "num" : "" }, h)))));
  const max = new Map();
  for (const r of rows) {
    const key = r.metric + "/" + r.unit;
    max.set(key, Math.max(max.get(key) || 0, r.h));
  }
  const body = el("tbody");
  for (const r of rows) {
    const width = (100 * r.h) / (max.get(r.metric + "/" + r.unit) || 1);
    const tr = el("tr", { "data-total-id": r.total_id, "data-hundredths": r.h, "data-facts": r.n },
      el("td", {}, r.province), el("td", {}, r.period || "(undated)"), el("td", {}, r.metric),
      el("td", {}, r.unit), el("td", { class: "num" }, formatHundredths(r.h)),
      el("td", { class: "barcell" }, el("div", { class: "bar", style: "" })),
      el("td", { class: "num" }, r.n, el("div", { class: "meta", title: "at least · approximate" },
        r.facts_at_least + " ≥ · " + r.facts_approx + " ≈")),
      el("td", { class: "num" }, r.events));
    tr.querySelector(".bar").style.width = width.toFixed(1) + "%";
    if (r.total_id === chosen) tr.classList.add("chosen");
    tr.addEventListener("click", () => { chosen = r.total_id; render(); });
    body.append(tr);
  }
  table.append(body);
}

function highlighted(evidence, text) {
  const at = evidence.indexOf(text);
  if (!text || at < 0) return el("span", {}, evidence);
  return el("span", {}, evidence.slice(0, at), el("mark", {}, text), evidence.slice(at + text.length));
}

function factTable(facts, withMetric) {
  const table = el("table");
  table.append(el("thead", {}, el("tr", {}, el("th", { class: "num" }, "value"), el("th", {}, "evidence"))));
  const body = el("tbody");
  for (const f of facts) {
    body.append(el("tr", { "data-value": f.value, "data-fact-id": f.id },
      el("td", { class: "num" }, formatHundredths(hundredths(f.value)) + " " + f.unit,
        f.qualifier !== "exact" ? el("div", { class: "meta" }, f.qualifier) : ""),
      el("td", {}, highlighted(f.evidence, f.text),
        el("div", { class: "meta" }, [f.title, withMetric ? f.metric : "", f.date].filter(Boolean).join(" · "),
          f.flag ? " · " : "", f.flag ? el("span", { class: "flag" }, f.flag) : ""),
        el("div", { class: "meta" }, (f.path || f.doc) + " · chars " + f.char_start + "–" + f.char_end +
          " · bytes " + f.start + "–" + f.end + " · " + f.id))));
  }
  table.append(body);
  return table;
}

function renderFacts() {
  const box = document.getElementById("facts");
  box.replaceChildren(el("h2", {}, "Facts behind the total"));
  if (!chosen) { box.append(el("p", { class: "hint" }, "No total chosen.")); return; }
  const facts = DATA.facts.filter((f) => f.total === chosen && factPasses(f));
  const h = facts.reduce((s, f) => s + hundredths(f.value), 0);
  const total = DATA.totals.find((t) => t.total_id === chosen);
  box.append(el("p", { id: "facts-sum", "data-hundredths": h, "data-total-id": chosen },
    chosen + ": " + facts.length + " facts, sum " + formatHundredths(h)));
  if (total && Number(total.facts) > facts.length && !filters.event_type) {
    box.append(el("p", { class: "hint" }, "The page lists the first " + DATA.per_total + " of its " + total.facts +
      " facts (sum " + formatHundredths(hundredths(total.sum)) + "); facts.csv has them all under total_id " + chosen + "."));
  }
  box.append(factTable(facts, false));
}

// The months from the first to the last with a value, empty ones included, so that bars stand
// on a time axis; a span of more than ten years shows only the months with values.
function monthAxis(months) {
  const keys = [...months.keys()].sort();
  const index = (m) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
  const [first, last] = [index(keys[0]), index(keys[keys.length - 1])];
  if (last - first > 120) return keys.map((k) => [k, months.get(k)]);
  const axis = [];
  for (let i = first; i <= last; i++) {
    const m = Math.floor(i / 12) + "-" + String((i % 12) + 1).padStart(2, "0");
    axis.push([m, months.get(m) || 0]);
  }
  return axis;
}

function renderSeries() {
  const box = document.getElementById("series");
  box.replaceChildren();
  const series = new Map();
  for (const f of DATA.facts) {
    if (!factPasses(f) || !f.date) continue;
    if (filters.province && f.province !== filters.province &&
        !(filters.province === "全国" && !f.province && f.scope === "national")) continue;
    const key = f.metric + " (" + f.unit + ")";
    const months = series.get(key) || new Map();
    const month = f.date.slice(0, 7);
    months.set(month, (months.get(month) || 0) + hundredths(f.value));
    series.set(key, months);
  }
  const ns = "http://www.w3.org/2000/svg";
  for (const [key, months] of [...series.entries()].sort()) {
    const entries = monthAxis(months);
    const max = Math.max(...entries.map(([, h]) => h), 1);
    const w = entries.length > 40 ? 4 : 12, gap = 2, height = 70, svg = document.createElementNS(ns, "svg");
    const width = Math.max(entries.length * (w + gap), 150);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height + 16);
    entries.forEach(([month, h], i) => {
      const rect = document.createElementNS(ns, "rect");
      const barH = h > 0 ? Math.max(1, (height * h) / max) : 0;
      rect.setAttribute("x", i * (w + gap)); rect.setAttribute("y", height - barH);
      rect.setAttribute("width", w); rect.setAttribute("height", barH);
      const tip = document.createElementNS(ns, "title");
      tip.textContent = month + ": " + formatHundredths(h);
      rect.append(tip); svg.append(rect);
    });
    const labels = entries.length > 1 ? [[0, "start", 0], [entries.length - 1, "end", width]] : [[0, "start", 0]];
    for (const [i, anchor, x] of labels) {
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", x); label.setAttribute("y", height + 12); label.setAttribute("text-anchor", anchor);
      label.textContent = entries[i][0];
      svg.append(label);
    }
    box.append(el("div", { class: "series" }, el("h3", {}, key), svg));
  }
  if (!series.size) box.append(el("p", { class: "hint" }, "No dated facts."));
}

function renderFlagged() {
  const box = document.getElementById("flagged");
  const more = DATA.flagged.length === DATA.flagged_listed ? " (the first " + DATA.flagged_listed + "; all in facts.csv, column flag)" : "";
  box.replaceChildren(el("h2", {}, "Flagged facts (never summed): " + DATA.flagged.length + more));
  if (DATA.flagged.length) box.append(factTable(DATA.flagged, true));
}

function render() {
  const rows = visibleTotals();
  document.getElementById("overview").textContent =
    DATA.totals.length + " totals from " + DATA.facts.length + " counted facts; " +
    DATA.flagged.length + " flagged facts kept apart. Showing " + rows.length + " totals.";
  renderTotals(rows);
  renderSeries();
  renderFacts();
}

buildFilters();
render();
renderFlagged();
