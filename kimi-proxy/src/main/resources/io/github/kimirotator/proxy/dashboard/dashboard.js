// The kimi-rotator dashboard: polls /_kimi/status and /_kimi/api/history with the local token and draws
// them. Every text from the proxy goes into the page as text (textContent), never as HTML.
"use strict";

const TOKEN_KEY = "kimi-rotator-token";
const POLL_MS = 1000;
const COLOURS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#4b5563"];
const SVG = "http://www.w3.org/2000/svg";

let clockOffset = 0; // proxy clock minus this browser's clock, from the history's "now"
let lastStatus = null;
let timer = null;
let failingSince = null;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  return node;
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function call(path, options) {
  const headers = Object.assign({ "Authorization": "Bearer " + token() }, (options && options.headers) || {});
  const response = await fetch(path, Object.assign({}, options, { headers, cache: "no-store" }));
  if (response.status === 401) {
    throw Object.assign(new Error("wrong token"), { unauthorized: true });
  }
  const body = await response.json();
  if (!response.ok) {
    throw new Error((body && body.error && body.error.message) || ("HTTP " + response.status));
  }
  return body;
}

function showLogin(error) {
  clearTimeout(timer);
  $("data").hidden = true;
  $("keys").replaceChildren();
  ["chart-requests", "chart-failovers", "chart-latency", "chart-tokens", "legend"].forEach((id) => $(id).replaceChildren());
  $("strategy-box").hidden = true;
  $("forget").hidden = true;
  $("down").hidden = true;
  $("login").hidden = false;
  $("login-error").hidden = !error;
  $("login-error").textContent = error || "";
  $("token").focus();
}

async function refresh() {
  try {
    const [status, history] = await Promise.all([call("/_kimi/status"), call("/_kimi/api/history")]);
    clockOffset = Date.parse(history.now) - Date.now();
    failingSince = null;
    $("down").hidden = true;
    $("login").hidden = true;
    $("data").hidden = false;
    $("forget").hidden = false;
    lastStatus = status;
    drawStatus(status);
    drawHistory(history, status);
    await loadStrategies(status.strategy);
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    if (e.unauthorized) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin("That token was refused: nothing is shown without the proxy's local token.");
      return;
    }
    failingSince = failingSince || new Date();
    $("down").hidden = false;
    $("down").textContent = "The proxy is not answering (since " + failingSince.toLocaleTimeString()
      + "); the figures below are as they were then. Retrying every second.";
  }
  timer = setTimeout(refresh, POLL_MS);
}

function colourOf(index) { return COLOURS[index % COLOURS.length]; }

function fmt(n) { return Number(n || 0).toLocaleString("en-US"); }

function remaining(isoUntil) {
  const ms = Date.parse(isoUntil) - (Date.now() + clockOffset);
  let s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return h > 0 ? h + "h " + m + "m " + s + "s" : m > 0 ? m + "m " + s + "s" : s + "s";
}

function gauge(health) {
  const box = svg("svg", { width: 120, height: 10, viewBox: "0 0 120 10", role: "img", "aria-label": "health " + health });
  box.append(svg("rect", { x: 0, y: 0, width: 120, height: 10, rx: 5, fill: "#e5e7eb" }));
  const colour = health >= 70 ? "#15803d" : health >= 30 ? "#d97706" : "#b91c1c";
  box.append(svg("rect", { x: 0, y: 0, width: 1.2 * health, height: 10, rx: 5, fill: colour }));
  return box;
}

function drawStatus(status) {
  $("strategy-box").hidden = false;
  $("strategy").textContent = status.strategy;
  const keys = status.keys.map((k) => card(k, status.activeIndex));
  $("keys").replaceChildren(...keys);
  if (status.keys.length === 0) {
    $("keys").append(el("p", {}, "No keys yet: add one with kimi-rotator add-key."));
  }
}

function card(k, activeIndex) {
  const stateLine = el("div", {}, el("span", { class: "state" }, k.state));
  if (k.limitedUntil) {
    stateLine.append(el("span", { class: "countdown", "data-until": k.limitedUntil }, "resets in " + remaining(k.limitedUntil)));
  }
  if (k.reason) stateLine.append(el("div", { class: "reason" }, k.reason));
  const rate = k.totalRequests > 0 ? (100 * k.successfulRequests / k.totalRequests).toFixed(1) + " %" : "n/a";
  const t = k.tokensToday || {};
  const stats = el("dl", {},
    el("dt", {}, "in flight"), el("dd", { class: "in-flight" }, fmt(k.inFlight)),
    el("dt", {}, "success rate"), el("dd", {}, rate + " of " + fmt(k.totalRequests)),
    el("dt", {}, "latency avg / p95"), el("dd", { class: "latency" }, k.avgResponseMs == null ? "n/a"
      : fmt(k.avgResponseMs) + " / " + fmt(k.p95ResponseMs) + " ms"),
    el("dt", {}, "requests today"), el("dd", { class: "requests-today" }, fmt(k.requestsToday)),
    el("dt", {}, "tokens today"), el("dd", { class: "tokens-today" },
      fmt(t.input) + " in / " + fmt(t.output) + " out" + (t.cacheRead || t.cacheCreation
        ? " (cache " + fmt(t.cacheRead) + " read, " + fmt(t.cacheCreation) + " written)" : "")));
  const buttons = el("div", { class: "buttons" });
  if (k.state === "limited" || k.state === "disabled") {
    const b = el("button", { type: "button", class: "clear-limits" }, "Clear limits");
    b.addEventListener("click", () => act("/_kimi/api/keys/" + k.index + "/clear-limits", null, "Limits cleared for [" + k.index + "]"));
    buttons.append(b);
  }
  if (k.index !== activeIndex) {
    const b = el("button", { type: "button", class: "activate" }, "Make active");
    b.addEventListener("click", () => act("/_kimi/api/keys/" + k.index + "/activate", null, "Active key: [" + k.index + "]"));
    buttons.append(b);
  }
  const swatch = el("span", { class: "swatch" });
  swatch.style.background = colourOf(k.index);
  return el("article", { class: "card " + k.state, "data-index": String(k.index) },
    el("div", { class: "title" },
      el("span", { class: "name" }, swatch, "[" + k.index + "] " + k.name),
      el("span", { class: "active-mark" }, k.index === activeIndex ? "● active key" : "")),
    el("div", { class: "ids" }, k.display + "  " + k.id),
    el("div", { class: "gauge" }, gauge(k.health), el("span", { class: "health" }, k.health + " %")),
    stateLine, stats, buttons);
}

async function act(path, body, done) {
  try {
    const status = await call(path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}) });
    lastStatus = status;
    drawStatus(status);
    note(done);
  } catch (e) {
    if (e.unauthorized) { showLogin("That token was refused."); return; }
    note("Not done: " + e.message);
  }
}

function note(text) {
  $("message").hidden = false;
  $("message").textContent = text;
}

function tickCountdowns() {
  for (const node of document.querySelectorAll(".countdown")) {
    node.textContent = "resets in " + remaining(node.getAttribute("data-until"));
  }
}

// --- charts: plain SVG ---

const W = 400, H = 120, PAD_L = 34, PAD_B = 16;

function frame(max) {
  const box = svg("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img" });
  box.append(svg("line", { x1: PAD_L, y1: H - PAD_B, x2: W, y2: H - PAD_B, stroke: "#d1d5db" }));
  const top = svg("text", { x: 2, y: 10 }); top.textContent = fmt(max); box.append(top);
  const zero = svg("text", { x: 2, y: H - PAD_B }); zero.textContent = "0"; box.append(zero);
  const left = svg("text", { x: PAD_L, y: H - 3 }); left.textContent = "-60 min"; box.append(left);
  const right = svg("text", { x: W - 24, y: H - 3 }); right.textContent = "now"; box.append(right);
  return box;
}

function y(value, max) { return H - PAD_B - (H - PAD_B - 14) * (max > 0 ? value / max : 0); }

function stacked(minutes, field, keyOrder) {
  const totals = minutes.map((m) => Object.values(m[field] || {}).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const box = frame(max);
  const step = (W - PAD_L) / minutes.length;
  minutes.forEach((m, i) => {
    let base = 0;
    keyOrder.forEach((id, k) => {
      const v = (m[field] || {})[id] || 0;
      if (v > 0) {
        const top = y(base + v, max), bottom = y(base, max);
        box.append(svg("rect", { x: PAD_L + i * step + 0.5, y: top, width: Math.max(1, step - 1), height: bottom - top, fill: colourOf(k) }));
        base += v;
      }
    });
  });
  return box;
}

function bars(minutes, value, colour) {
  const values = minutes.map(value);
  const max = Math.max(1, ...values);
  const box = frame(max);
  const step = (W - PAD_L) / minutes.length;
  values.forEach((v, i) => {
    if (v > 0) box.append(svg("rect", { x: PAD_L + i * step + 0.5, y: y(v, max), width: Math.max(1, step - 1), height: H - PAD_B - y(v, max), fill: colour }));
  });
  return box;
}

function lines(minutes, series) {
  const max = Math.max(1, ...minutes.flatMap((m) => series.map((s) => m[s.field] || 0)));
  const box = frame(max);
  const step = (W - PAD_L) / minutes.length;
  for (const s of series) {
    const points = [];
    minutes.forEach((m, i) => { if (m[s.field] != null) points.push((PAD_L + (i + 0.5) * step) + "," + y(m[s.field], max)); });
    if (points.length > 0) {
      box.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: s.colour, "stroke-width": 1.5 }));
      points.forEach((p) => { const [cx, cy] = p.split(","); box.append(svg("circle", { cx, cy, r: 1.8, fill: s.colour })); });
    }
  }
  return box;
}

function drawHistory(history, status) {
  const minutes = history.minutes;
  const keyOrder = status.keys.map((k) => k.id);
  $("chart-requests").replaceChildren(stacked(minutes, "requests", keyOrder));
  $("chart-failovers").replaceChildren(bars(minutes, (m) => m.failovers, "#b45309"));
  $("chart-latency").replaceChildren(lines(minutes, [{ field: "latencyP50Ms", colour: "#2563eb" }, { field: "latencyP95Ms", colour: "#dc2626" }]));
  $("chart-tokens").replaceChildren(stacked(minutes, "tokens", keyOrder));
  const legend = status.keys.map((k) => {
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = colourOf(k.index);
    return el("span", {}, swatch, "[" + k.index + "] " + k.name);
  });
  const p50 = el("span", { class: "swatch" }); p50.style.background = "#2563eb";
  const p95 = el("span", { class: "swatch" }); p95.style.background = "#dc2626";
  legend.push(el("span", {}, p50, "latency p50"), el("span", {}, p95, "latency p95"));
  $("legend").replaceChildren(...legend);
}

async function loadStrategies(current) {
  const select = $("strategy-select");
  if (select.options.length === 0) {
    const names = await call("/_kimi/api/strategies");
    select.replaceChildren(...names.strategies.map((n) => el("option", { value: n }, n)));
  }
  if (document.activeElement !== select) select.value = current;
}

function start() {
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token").value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    $("token").value = "";
    clearTimeout(timer);
    refresh();
  });
  $("forget").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); showLogin(""); });
  $("strategy-apply").addEventListener("click", () => {
    const name = $("strategy-select").value;
    if (name) act("/_kimi/api/strategy", { name }, "Strategy: " + name);
  });
  setInterval(tickCountdowns, 250);
  if (token()) refresh(); else showLogin("");
}

document.addEventListener("DOMContentLoaded", start);
