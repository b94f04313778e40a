"use strict";
// DpcPi dashboard: renders one JSON snapshot per second from /events (server-sent events). Read-only.
(function () {
  const $ = (id) => document.getElementById(id);
  const nf = new Intl.NumberFormat("en-US");
  const stageTitles = {
    edge_to_dpc_start: "edge → DPC start (interrupt-to-DPC)",
    edge_to_isr: "edge → ISR",
    isr_duration: "ISR duration",
    queue_wait: "DPC queued → start",
    dpc_duration: "DPC duration",
  };
  const stageOrder = ["edge_to_dpc_start", "edge_to_isr", "isr_duration", "queue_wait", "dpc_duration"];
  let last = null;

  function us(v) {
    if (v === null || v === undefined || isNaN(v)) return "–";
    if (v >= 1000) return (v / 1000).toFixed(v >= 10000 ? 1 : 2) + " ms";
    return v.toFixed(v >= 100 ? 0 : 1) + " µs";
  }
  function le(v) {
    if (v === "Infinity" || v === Infinity) return "+∞";
    if (v >= 1000000) return v / 1000000 + "s";
    if (v >= 1000) return v / 1000 + "ms";
    return v + "µ";
  }
  function text(id, value) { const el = $(id); if (el.textContent !== value) el.textContent = value; }

  function render(s) {
    if (!s || s.running === undefined) return;
    const state = $("state");
    state.textContent = s.running ? "● measuring" : (s.fault ? "fault " + s.fault : "stopped");
    state.className = "pill " + (s.running ? "live" : "stopped");
    text("source", s.source || "–");
    text("lab", s.lab || "–");
    text("interval", s.intervalUs !== undefined ? nf.format(s.intervalUs) + " µs" : "–");
    text("uptime", s.uptimeSeconds !== undefined ? formatDuration(s.uptimeSeconds) : "–");
    if (!s.stages) return;

    text("interrupts", nf.format(s.interruptsTotal));
    if (last && last.interruptsTotal !== undefined && s.uptimeSeconds > last.uptimeSeconds) {
      const rate = (s.interruptsTotal - last.interruptsTotal) / (s.uptimeSeconds - last.uptimeSeconds);
      text("irq-rate", nf.format(Math.round(rate)) + " /s");
    }
    text("completed", nf.format(s.completed));
    text("absmax", us(s.absoluteMaxUs));
    text("deadline", "deadline " + us(s.deadlineUs));
    const headline = s.stages.find((x) => x.stage === "edge_to_dpc_start");
    text("p99", headline ? us(headline.p99Us) : "–");
    text("p50", headline ? "p50 " + us(headline.p50Us) + " · p99.9 " + us(headline.p999Us) : "");
    text("loss", nf.format(s.lostEdges) + " / " + nf.format(s.mergedEdges + s.timerExpiriesMerged));
    text("watchdog", nf.format(s.watchdogViolations) + " / " + nf.format(s.dpcExceptions));
    $("loss").style.color = s.lostEdges > 0 ? "var(--bad)" : "";
    $("watchdog").style.color = s.watchdogViolations + s.dpcExceptions > 0 ? "var(--warn)" : "";

    const g = s.guarantees || {};
    document.querySelectorAll("#guarantees .badge").forEach((b) => {
      const on = !!g[b.dataset.g];
      b.className = "badge " + (on ? "on" : "off");
      b.title = on ? "in force" : "not in force";
    });
    const notes = (g.notes || []).map((n) => "<li>" + escapeHtml(n) + "</li>").join("");
    if ($("notes").innerHTML !== notes) $("notes").innerHTML = notes;

    drawTimeline(s);
    renderStages(s.stages, s.deadlineUs || 1000);
    renderCpus(s.cpus);
    renderVectors(s.vectors);
    renderWhy(s.attribution);
    text("updated", "· updated " + new Date(s.takenAtUnixMs).toLocaleTimeString());
    last = s;
  }

  function formatDuration(sec) {
    sec = Math.floor(sec);
    const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), r = sec % 60;
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + r + "s";
  }

  // A log latency axis (1-2-5 ticks, µs/ms labels), as the SVG report draws it: one 10 ms spike no longer
  // presses every other second, and the deadline, into the bottom pixel.
  function floor125(v) {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    let best = p;
    for (const m of [1, 2, 5]) if (m * p <= v * (1 + 1e-9)) best = m * p;
    return best;
  }
  function ceil125(v) {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (m * p >= v * (1 - 1e-9)) return m * p;
    return 10 * p;
  }
  function round12(v) { return Number(v.toPrecision(12)); }
  function logTicks(lo, hi) {
    const decadesOnly = Math.log10(hi / lo) > 4;
    const ticks = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of decadesOnly ? [1] : [1, 2, 5]) {
        const v = round12(m * Math.pow(10, e));
        if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
      }
    }
    return ticks;
  }
  function axisLabel(v) {
    const n = (x) => String(round12(x));
    if (v < 1) return n(v * 1000) + " ns";
    if (v < 1000) return n(v) + " µs";
    if (v < 1000000) return n(v / 1000) + " ms";
    return n(v / 1000000) + " s";
  }

  function drawTimeline(s) {
    const canvas = $("timeline");
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = 220;
    canvas.width = w * dpr; canvas.height = h * dpr;
    const ctx = canvas.getContext("2d");
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, w, h);
    const css = getComputedStyle(document.documentElement);
    const colors = { ok: css.getPropertyValue("--ok"), warn: css.getPropertyValue("--warn"), bad: css.getPropertyValue("--bad"), line: css.getPropertyValue("--line"), muted: css.getPropertyValue("--muted"), accent: css.getPropertyValue("--accent") };
    const values = (s.timeline && s.timeline.maxUs) || [];
    const first = (s.timeline && s.timeline.firstSecond) || 0;
    const slots = 120, left = 64, right = 8, top = 10, bottom = 22;
    const plotW = w - left - right, plotH = h - top - bottom;
    const deadline = s.deadlineUs || 1000;
    const positive = values.filter((v) => v > 0);
    // The floor sits below the typical second (half of p50 or of the lowest maximum), so ordinary seconds keep visible bars.
    const headline = (s.stages || []).find((x) => x.stage === "edge_to_dpc_start");
    const typical = Math.min(deadline, ...positive, headline && headline.p50Us > 0 ? headline.p50Us : Infinity);
    const lo = floor125(Math.max(0.001, typical / 2));
    let hi = ceil125(Math.max(deadline, s.absoluteMaxUs || 0, ...positive));
    if (hi <= lo) hi = ceil125(lo * 1.01);
    const frac = (v) => (v <= lo ? 0 : Math.min(1, Math.log10(v / lo) / Math.log10(hi / lo)));
    const yOf = (v) => top + plotH - frac(v) * plotH;
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = colors.muted; ctx.strokeStyle = colors.line; ctx.lineWidth = 1;
    const ticks = logTicks(lo, hi);
    ticks.forEach((v) => {
      const y = Math.round(yOf(v));
      ctx.beginPath(); ctx.moveTo(left, y + 0.5); ctx.lineTo(w - right, y + 0.5); ctx.stroke();
      ctx.textAlign = "right"; ctx.fillText(axisLabel(v), left - 6, y + 4);
    });
    const bw = plotW / slots;
    let lowestBar = Infinity;
    values.forEach((v, i) => {
      if (!(v > 0)) return; // nothing ran that second
      const x = left + (slots - values.length + i) * bw;
      const bh = Math.max(1, frac(v) * plotH);
      lowestBar = Math.min(lowestBar, bh);
      ctx.fillStyle = v >= deadline ? colors.bad : v > deadline / 2 ? colors.warn : colors.ok;
      ctx.fillRect(x + 1, top + plotH - bh, Math.max(1, bw - 2), bh);
    });
    const dy = Math.round(yOf(deadline));
    ctx.strokeStyle = colors.bad; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
    ctx.beginPath(); ctx.moveTo(left, dy); ctx.lineTo(w - right, dy); ctx.stroke(); ctx.setLineDash([]); ctx.lineWidth = 1;
    ctx.fillStyle = colors.bad; ctx.textAlign = "left";
    ctx.fillText("deadline " + axisLabel(deadline), left + 4, Math.max(top + 10, dy - 4));
    if (s.absoluteMaxUs > 0) {
      const y = Math.round(yOf(s.absoluteMaxUs));
      ctx.strokeStyle = colors.accent; ctx.setLineDash([2, 3]);
      ctx.beginPath(); ctx.moveTo(left, y + 0.5); ctx.lineTo(w - right, y + 0.5); ctx.stroke(); ctx.setLineDash([]);
      ctx.fillStyle = colors.accent; ctx.textAlign = "right";
      ctx.fillText("absolute max " + us(s.absoluteMaxUs), w - right - 4, Math.max(top + 10, y - 4));
    }
    ctx.fillStyle = colors.muted; ctx.textAlign = "left";
    ctx.fillText("t = " + first + " s", left, h - 6);
    ctx.textAlign = "right";
    ctx.fillText("t = " + (first + values.length - 1) + " s (now)", w - right, h - 6);
    // What was drawn, for the browser test (a canvas has no elements to inspect).
    canvas.dataset.scale = "log";
    canvas.dataset.ticks = ticks.join(",");
    canvas.dataset.deadlineY = String(dy);
    canvas.dataset.lowestBarPx = lowestBar === Infinity ? "" : lowestBar.toFixed(1);
    canvas.dataset.plotHeight = String(plotH);
  }

  function renderStages(stages, deadlineUs) {
    const host = $("stages");
    const sorted = stageOrder.map((n) => stages.find((x) => x.stage === n)).filter(Boolean);
    host.innerHTML = sorted.map((st) => {
      const max = Math.max(1, ...st.buckets.map((b) => b.count));
      // The bucket that holds a value: the first whose upper bound reaches it.
      const holding = (v) => st.buckets.findIndex((b) => b.leUs === "Infinity" || b.leUs === Infinity || v <= b.leUs);
      const p50 = st.count > 0 ? holding(st.p50Us) : -1, p99 = st.count > 0 ? holding(st.p99Us) : -1;
      const bars = st.buckets.map((b, i) => {
        const pct = b.count === 0 ? 0 : Math.max(3, Math.round((Math.log10(b.count + 1) / Math.log10(max + 1)) * 100));
        const lower = i === 0 ? 0 : st.buckets[i - 1].leUs;
        const cls = [b.count === 0 ? "zero" : "", lower >= deadlineUs ? "over" : "", i === p50 ? "p50" : "", i === p99 ? "p99" : ""].filter(Boolean).join(" ");
        return '<div class="' + cls + '" style="height:' + pct + '%" title="≤ ' + le(b.leUs) + "s: " + nf.format(b.count) + '"></div>';
      }).join("");
      const axis = st.buckets.map((b) => "<span>" + le(b.leUs) + "</span>").join("");
      return '<div class="stage"><div class="stage-head"><span class="name">' + (stageTitles[st.stage] || st.stage) + '</span><span class="q">n ' + nf.format(st.count) +
        " · p50 " + us(st.p50Us) + " · p99 " + us(st.p99Us) + " · p99.9 " + us(st.p999Us) + " · max " + us(st.maxUs) + '</span></div><div class="hist">' + bars + '</div><div class="axis">' + axis + "</div></div>";
    }).join("");
  }

  function renderCpus(cpus) {
    const maxTime = Math.max(1e-9, ...cpus.map((c) => c.timeInDpcMs));
    $("cpus").querySelector("tbody").innerHTML = cpus.map((c) =>
      "<tr><td>" + c.cpu + "</td><td>" + nf.format(c.dpcsRun) + "</td><td>" + nf.format(c.coalesced) + "</td><td>" + c.queueDepth +
      ' <span class="sub">(hw ' + c.queueDepthHighWater + ')</span></td><td><span class="bar" style="width:' + Math.round((c.timeInDpcMs / maxTime) * 60) + 'px"></span>' +
      c.timeInDpcMs.toFixed(2) + " ms</td></tr>").join("");
  }

  function renderVectors(vectors) {
    $("vectors").querySelector("tbody").innerHTML = vectors.map((v) =>
      "<tr><td>" + v.vector + "</td><td>" + escapeHtml(v.name) + "</td><td>" + nf.format(v.count) + "</td></tr>").join("");
  }

  // Report:AnalyzeUs: each interrupt at or over the threshold taken apart by the flight recorder (hidden when off).
  function renderWhy(a) {
    $("why").hidden = !a;
    if (!a) return;
    text("why-sub", "interrupts at or over " + us(a.thresholdUs) + ": " + nf.format(a.analysed) + " analysed" +
      (a.missed > 0 ? ", " + nf.format(a.missed) + " not (late while the recorder held another)" : ""));
    const rows = a.causes.map((c) =>
      '<tr><td>' + escapeHtml(c.part) + "</td><td>" + us(c.us) + '</td><td><span class="bar" style="width:' + Math.round(c.percent * 0.6) + 'px"></span>' +
      c.percent.toFixed(1) + " %</td><td>" + escapeHtml(c.who) + "</td></tr>").join("");
    const body = $("why-causes").querySelector("tbody");
    const html = rows || '<tr><td colspan="4">none yet</td></tr>';
    if (body.innerHTML !== html) body.innerHTML = html;
    text("why-cause", a.cause);
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  fetch("api/snapshot").then((r) => r.json()).then(render).catch(() => {});
  const events = new EventSource("events");
  events.addEventListener("snapshot", (e) => render(JSON.parse(e.data)));
  events.onerror = () => { const st = $("state"); st.textContent = "reconnecting…"; st.className = "pill stopped"; };
  window.addEventListener("resize", () => { if (last) drawTimeline(last); });
})();
