// The managers' dashboard. Reads the public API through the gateway with the caller's own credential (an API key or a
// person's bearer token), asked once and kept in this tab's sessionStorage, sent as `Authorization: Bearer` on every
// call (never in a URL). Tiles and the channel chart come from GET /api/analytics/summary; each KPI widget declared in
// KPI_WIDGETS renders GET /api/analytics/kpis/{kpi} and hides itself (a "not available" note) when that answers 404;
// the live lead rate is GET /api/analytics/live, server-sent events read with fetch (EventSource cannot send headers).
"use strict";

(() => {
  const TOKEN_KEY = "crm.dashboard.credential";
  const COLOURS = ["#2f6fde", "#e8871e", "#1b7f3b", "#b3261e", "#7b3fb5", "#0f8b8d", "#c2399e", "#6b7785", "#a3821a", "#3d5a80"];
  const CHANNELS = ["web", "ads", "whatsapp", "sms", "email", "phone", "referral", "unknown"];

  // Tiles of the period, from the summary (`s` is a SummaryResponse).
  const SUMMARY_TILES = [
    { id: "leadsCaptured", label: "Leads captured", value: s => s.totals.leadsCaptured },
    { id: "leadsAssigned", label: "Leads assigned", value: s => s.totals.leadsAssigned },
    { id: "assignedShare", label: "Assigned share", value: s => percent(s.totals.leadsAssigned, s.totals.leadsCaptured) },
    { id: "hotLeads", label: "Hot leads", value: s => s.totals.scoredByGrade.hot ?? 0 },
    { id: "messagesSent", label: "Messages sent", value: s => s.totals.messagesSent },
    { id: "topChannel", label: "Top channel", value: s => top(s.totals.leadsByChannel) },
    { id: "topSource", label: "Top source", value: s => top(s.totals.leadsBySource) },
  ];

  // Tiles of the live stream (`r` is a LiveLeadRate).
  const LIVE_TILES = [
    { id: "liveCurrentMinute", label: "Leads this minute", value: r => r.currentMinute },
    { id: "liveLastMinute", label: "Last minute", value: r => r.lastMinute },
    { id: "livePerSecond", label: "Per second", value: r => r.perSecond.toFixed(2) },
    { id: "liveLastHour", label: "Last hour", value: r => r.lastHour },
  ];

  // KPI widgets: one per KPI of GET /api/analytics/kpis/{kpi}. Each renders the common answer
  // { kpi, from, to, granularity, groupBy, watermark: { readModel, appliedUpTo, lagSeconds }, columns: [...],
  //   rows: [{ period, group, values: { name: number } }], totals: { values: { ... } } }:
  // the total of `headline` as a big number, and the rows as a table (one column per entry of `columns`, `period` and
  // `group` first). Rates come in % already. `granularity` overrides the page's (cac is monthly only). `figures`: more
  // totals shown small under the headline ({ name, label, format }; left out when the answer has no such value).
  const KPI_WIDGETS = [
    { kpi: "conversion", title: "Conversion rate by channel", groupBy: "channel", headline: "rate", format: "percent" },
    { kpi: "speed-to-lead", title: "Speed to lead", groupBy: "channel", headline: "p50Minutes", format: "minutes" },
    { kpi: "funnel", title: "Pipeline funnel", headline: "leads" },
    { kpi: "cycle-length", title: "Sales cycle length", headline: "medianHours", format: "hours" },
    { kpi: "sla", title: "SLA compliance by rep", groupBy: "rep", headline: "compliance", format: "percent" },
    { kpi: "rep-activity", title: "Rep activity", groupBy: "rep", headline: "followUpRate", format: "percent" },
    { kpi: "messages", title: "Message delivery and replies", groupBy: "channel", headline: "deliveryRate", format: "percent" },
    { kpi: "service", title: "First-contact resolution and CSAT", headline: "fcrRate", format: "percent",
      figures: [{ name: "csatAverage", label: "CSAT average", format: "score" }, { name: "csatResponses", label: "CSAT responses" }] },
    { kpi: "cac", title: "Customer acquisition cost", groupBy: "channel", granularity: "month", headline: "cac", format: "money" },
    { kpi: "ltv", title: "Lifetime value", headline: "ltv", format: "money" },
    { kpi: "aov", title: "Average order value", headline: "aov", format: "money" },
    { kpi: "retention", title: "Retention", headline: "retentionRate", format: "percent" },
    { kpi: "revenue-by-campaign", title: "Revenue by campaign", headline: "revenue", format: "money" },
  ];

  const $ = id => document.getElementById(id);
  const state = { credential: sessionStorage.getItem(TOKEN_KEY), days: 30, charts: {}, live: null, lastHour: null, refresh: null };

  // ---- helpers ----------------------------------------------------------------------------------------------

  function percent(part, whole) {
    return whole ? `${Math.round((part / whole) * 1000) / 10} %` : "–";
  }

  function top(counts) {
    const entries = Object.entries(counts || {});
    if (entries.length === 0) return "–";
    entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return entries[0][0];
  }

  function formatValue(value, format) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    if (typeof value !== "number") return String(value);
    switch (format) {
      case "percent": return `${Math.round(value * 10) / 10} %`;
      case "seconds": return value < 120 ? `${Math.round(value)} s` : `${Math.round(value / 6) / 10} min`;
      case "minutes": return value < 120 ? `${Math.round(value * 10) / 10} min` : `${Math.round(value / 6) / 10} h`;
      case "hours": return value < 48 ? `${Math.round(value * 10) / 10} h` : `${Math.round(value / 2.4) / 10} d`;
      case "days": return `${Math.round(value * 10) / 10} d`;
      case "money": return value.toLocaleString("en", { maximumFractionDigits: 2 });
      case "score": return `${value.toFixed(2)} / 5`;
      default: return Number.isInteger(value) ? value.toLocaleString("en") : value.toLocaleString("en", { maximumFractionDigits: 3 });
    }
  }

  function utcDay(date) {
    return date.toISOString().slice(0, 10);
  }

  function period() {
    const to = new Date();
    const from = new Date(to.getTime() - (state.days - 1) * 86400000);
    return { from: utcDay(from), to: utcDay(to) };
  }

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  class AuthError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // One call of the public API with the credential; JSON back, or an error carrying the problem's title.
  async function api(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      headers: { Authorization: `Bearer ${state.credential}`, Accept: "application/json", ...(options.headers || {}) },
      cache: "no-store",
      credentials: "omit",
    });
    if (response.status === 401 || response.status === 403) {
      const problem = await response.json().catch(() => ({}));
      throw new AuthError(response.status, problem.detail || problem.title || `HTTP ${response.status}`);
    }
    return response;
  }

  async function problemOf(response) {
    const problem = await response.json().catch(() => ({}));
    return `${response.status}: ${problem.title || response.statusText}${problem.detail ? ` (${problem.detail})` : ""}`;
  }

  function showProblem(text) {
    const banner = $("problem");
    banner.textContent = text || "";
    banner.hidden = !text;
  }

  function handleError(error) {
    if (error instanceof AuthError) {
      signOut(error.status === 401
        ? `The credential was refused: ${error.message}`
        : `This credential may not read analytics (it needs analytics:read): ${error.message}`);
      return;
    }
    showProblem(String(error.message || error));
  }

  // ---- tiles ------------------------------------------------------------------------------------------------

  function renderTiles(containerId, tiles) {
    const container = $(containerId);
    container.replaceChildren(...tiles.map(t =>
      element("div", { class: "tile", "data-tile": t.id },
        element("div", { class: "label", text: t.label }),
        element("div", { class: "value", text: "…" }))));
  }

  function fillTiles(tiles, data) {
    for (const tile of tiles) {
      const value = document.querySelector(`[data-tile="${tile.id}"] .value`);
      if (value) value.textContent = String(tile.value(data));
    }
  }

  // ---- summary and the channel chart ------------------------------------------------------------------------

  async function loadSummary() {
    const { from, to } = period();
    const response = await api(`/api/analytics/summary?from=${from}&to=${to}`);
    if (!response.ok) throw new Error(`Summary: ${await problemOf(response)}`);
    const summary = await response.json();
    $("period-label").textContent = `${summary.from} to ${summary.to} (UTC)`;
    fillTiles(SUMMARY_TILES, summary);
    drawChannelChart(summary);
    document.body.dataset.summaryLoads = String(Number(document.body.dataset.summaryLoads || 0) + 1);
    showProblem("");
  }

  function drawChannelChart(summary) {
    const days = [];
    for (let d = new Date(`${summary.from}T00:00:00Z`); utcDay(d) <= summary.to; d = new Date(d.getTime() + 86400000)) days.push(utcDay(d));
    const byDay = new Map(summary.days.map(d => [d.date, d.counts.leadsByChannel]));
    const seen = new Set(summary.days.flatMap(d => Object.keys(d.counts.leadsByChannel)));
    const channels = [...CHANNELS.filter(c => seen.has(c)), ...[...seen].filter(c => !CHANNELS.includes(c)).sort()];
    const datasets = channels.map((channel, i) => ({
      label: channel,
      data: days.map(day => (byDay.get(day) || {})[channel] || 0),
      backgroundColor: COLOURS[i % COLOURS.length],
      stack: "leads",
    }));
    const labels = days.map(d => d.slice(5));
    if (!window.Chart) return;
    if (state.charts.channels) {
      state.charts.channels.data.labels = labels;
      state.charts.channels.data.datasets = datasets;
      state.charts.channels.update();
      return;
    }
    state.charts.channels = new window.Chart($("channel-chart"), {
      type: "bar",
      data: { labels, datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  // ---- KPI widgets ------------------------------------------------------------------------------------------

  function renderKpiWidgets() {
    $("kpis").replaceChildren(...KPI_WIDGETS.map(w =>
      element("article", { class: "card kpi", "data-kpi": w.kpi, "data-state": "loading" },
        element("h3", { text: w.title }),
        element("div", { class: "kpi-body" }, element("p", { class: "unavailable", text: "Loading…" })))));
  }

  async function loadKpi(widget) {
    const card = document.querySelector(`[data-kpi="${widget.kpi}"]`);
    const body = card.querySelector(".kpi-body");
    const { from, to } = period();
    const query = new URLSearchParams({ from, to, granularity: widget.granularity || (state.days > 31 ? "week" : "day") });
    if (widget.groupBy) query.set("groupBy", widget.groupBy);
    const response = await api(`/api/analytics/kpis/${encodeURIComponent(widget.kpi)}?${query}`);
    if (response.status === 404) {
      card.dataset.state = "unavailable";
      body.replaceChildren(element("p", { class: "unavailable", text: "Not available on this platform yet." }));
      return;
    }
    if (!response.ok) {
      card.dataset.state = "error";
      body.replaceChildren(element("p", { class: "unavailable error", text: await problemOf(response) }));
      return;
    }
    renderKpi(widget, card, body, await response.json());
  }

  function renderKpi(widget, card, body, answer) {
    const columns = (answer.columns || []).filter(c => c !== "period" && c !== "group");
    const totals = (answer.totals && answer.totals.values) || {};
    const headline = widget.headline ?? columns[0];
    const parts = [];
    if (headline && totals[headline] !== undefined) {
      parts.push(element("div", { class: "kpi-total", "data-kpi-total": headline, text: formatValue(totals[headline], widget.format) }));
    }
    const figures = (widget.figures || []).filter(f => totals[f.name] !== undefined);
    if (figures.length > 0) {
      parts.push(element("dl", { class: "kpi-figures" }, ...figures.map(f => element("div", { "data-kpi-figure": f.name },
        element("dt", { text: f.label }), element("dd", { text: formatValue(totals[f.name], f.format) })))));
    }
    const formatOf = c => c === headline ? widget.format : (figures.find(f => f.name === c) || {}).format;
    const head = element("tr", {}, element("th", { text: "period" }), element("th", { text: answer.groupBy || "group" }),
      ...columns.map(c => element("th", { class: "num", text: c })));
    const rows = (answer.rows || []).map(row => element("tr", {},
      element("td", { text: row.period ?? "" }), element("td", { text: row.group ?? "" }),
      ...columns.map(c => element("td", { class: "num", text: formatValue(row.values ? row.values[c] : undefined, formatOf(c)) }))));
    const total = element("tr", { class: "total" }, element("th", { text: "total" }), element("th", { text: "" }),
      ...columns.map(c => element("th", { class: "num", text: formatValue(totals[c], formatOf(c)) })));
    parts.push(element("div", { class: "table-scroll" }, element("table", {}, element("thead", {}, head), element("tbody", {}, ...rows), element("tfoot", {}, total))));
    if (answer.watermark) {
      const lag = answer.watermark.lagSeconds;
      parts.push(element("p", { class: "fresh", text: `${answer.watermark.readModel || answer.kpi}: ${lag === null || lag === undefined ? "freshness unknown" : `${formatValue(lag, "seconds")} behind`}` }));
    }
    card.dataset.state = "ready";
    body.replaceChildren(...parts);
  }

  async function loadKpis() {
    await Promise.all(KPI_WIDGETS.map(w => loadKpi(w).catch(error => {
      if (error instanceof AuthError) throw error;
      const card = document.querySelector(`[data-kpi="${w.kpi}"]`);
      card.dataset.state = "error";
      card.querySelector(".kpi-body").replaceChildren(element("p", { class: "unavailable error", text: String(error.message || error) }));
    })));
  }

  // ---- live lead rate (server-sent events over fetch) -------------------------------------------------------

  function setLive(status) {
    $("live-status").dataset.live = status;
    $("live-status").textContent = status === "on" ? "live" : status === "retrying" ? "reconnecting" : "live off";
  }

  function onRate(rate) {
    fillTiles(LIVE_TILES, rate);
    drawLiveChart(rate);
    document.body.dataset.liveEvents = String(Number(document.body.dataset.liveEvents || 0) + 1);
    // A new lead counted: the period's figures and KPIs changed too (read again a second later).
    if (state.lastHour !== null && rate.lastHour > state.lastHour && !state.refresh) {
      state.refresh = setTimeout(() => { state.refresh = null; loadSummary().then(loadKpis).catch(handleError); }, 1000);
    }
    state.lastHour = rate.lastHour;
  }

  function drawLiveChart(rate) {
    if (!window.Chart) return;
    const labels = rate.minutes.map(m => m.minute.slice(11, 16));
    const data = rate.minutes.map(m => m.count);
    if (state.charts.live) {
      state.charts.live.data.labels = labels;
      state.charts.live.data.datasets[0].data = data;
      state.charts.live.update("none");
      return;
    }
    state.charts.live = new window.Chart($("live-chart"), {
      type: "bar",
      data: { labels, datasets: [{ label: "leads", data, backgroundColor: COLOURS[0] }] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { display: false } },
      },
    });
  }

  // Parses `text/event-stream` blocks (separated by a blank line) and hands each `rate` event's JSON to onRate.
  function parseEvents(buffer, onEvent) {
    const blocks = buffer.split(/\r?\n\r?\n/);
    const rest = blocks.pop();
    for (const block of blocks) {
      let type = "message";
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") type = value;
        else if (field === "data") data.push(value);
      }
      if (data.length) onEvent(type, data.join("\n"));
    }
    return rest;
  }

  async function streamLive() {
    const controller = new AbortController();
    state.live = controller;
    let delay = 1000;
    while (state.live === controller) {
      try {
        const response = await api("/api/analytics/live", { headers: { Accept: "text/event-stream" }, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`Live: ${await problemOf(response)}`);
        setLive("on");
        delay = 1000;
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer = parseEvents(buffer + decoder.decode(value, { stream: true }), (type, data) => {
            if (type === "rate") onRate(JSON.parse(data));
          });
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof AuthError) { handleError(error); return; }
      }
      if (state.live !== controller) return;
      // The stream ended (the gateway closes it after an hour) or failed: again, with a growing pause.
      setLive("retrying");
      await new Promise(resolve => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }

  // ---- sign in / out, start -----------------------------------------------------------------------------------

  function signOut(message) {
    if (state.live) state.live.abort();
    state.live = null;
    state.credential = null;
    state.lastHour = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("board").hidden = true;
    $("tools").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = message || "";
    $("sign-in-error").hidden = !message;
    showProblem("");
    document.body.dataset.state = "signed-out";
    $("credential").focus();
  }

  async function start() {
    $("sign-in").hidden = true;
    $("board").hidden = false;
    $("tools").hidden = false;
    renderTiles("live-tiles", LIVE_TILES);
    renderTiles("summary-tiles", SUMMARY_TILES);
    renderKpiWidgets();
    document.body.dataset.state = "loading";
    try {
      await loadSummary();
      document.body.dataset.state = "ready";
      streamLive();
      await loadKpis();
    } catch (error) {
      handleError(error);
    }
  }

  $("sign-in").addEventListener("submit", event => {
    event.preventDefault();
    const value = $("credential").value.trim();
    if (!value) return;
    state.credential = value;
    sessionStorage.setItem(TOKEN_KEY, value);
    $("credential").value = "";
    start();
  });
  $("sign-out").addEventListener("click", () => signOut());
  $("period").addEventListener("change", () => {
    state.days = Number($("period").value);
    loadSummary().then(loadKpis).catch(handleError);
  });

  if (state.credential) start();
  else signOut();
})();
