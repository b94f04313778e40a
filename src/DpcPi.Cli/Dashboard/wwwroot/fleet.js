"use strict";
// The fleet page: polls /api/fleet (this dashboard asks Prometheus; the browser never does) and draws one row per Pi.
(() => {
  const body = document.querySelector("#fleet tbody");
  const heads = [...document.querySelectorAll("#fleet th")];
  let sort = { key: "p99Us", type: "num", dir: -1 }; // the latest Pi first
  let last = null;

  const us = (v) => v == null ? "–" : v >= 1000 ? (v / 1000).toFixed(2) + " ms" : v.toFixed(1) + " µs";
  const n = (v) => v == null ? "–" : v.toLocaleString("en-US");

  function compare(a, b) {
    const x = a[sort.key], y = b[sort.key];
    if (x == null && y == null) return 0;
    if (x == null) return 1; // unknown figures last, whatever the direction
    if (y == null) return -1;
    const c = sort.type === "text" ? String(x).localeCompare(String(y)) : Number(x) - Number(y);
    return c * sort.dir || a.instance.localeCompare(b.instance);
  }

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function render() {
    if (!last) return;
    heads.forEach((h) => h.classList.toggle("asc", h.dataset.key === sort.key && sort.dir > 0));
    heads.forEach((h) => h.classList.toggle("desc", h.dataset.key === sort.key && sort.dir < 0));
    const rows = [...last.rows].sort(compare);
    body.replaceChildren(...rows.map((r) => {
      const tr = document.createElement("tr");
      tr.className = r.up ? "up" : "down";
      tr.dataset.instance = r.instance;
      tr.append(
        cell(r.instance),
        cell(r.up ? "up" : "down", r.up ? "up" : "down"),
        cell(us(r.p99Us), last.classP99Us != null && r.p99Us > last.classP99Us ? "late" : ""),
        cell(us(r.maxUs)),
        cell(n(r.lost)),
        cell(n(r.deadlineMisses)));
      return tr;
    }));
  }

  heads.forEach((h) => h.addEventListener("click", () => {
    sort = sort.key === h.dataset.key ? { ...sort, dir: -sort.dir } : { key: h.dataset.key, type: h.dataset.type, dir: h.dataset.type === "text" ? 1 : -1 };
    render();
  }));

  async function poll() {
    const state = document.getElementById("state");
    try {
      const res = await fetch("api/fleet", { cache: "no-store" });
      const view = await res.json();
      if (!res.ok) throw new Error(view.error || res.statusText);
      last = view;
      document.getElementById("prometheus").textContent = view.prometheus;
      document.getElementById("up").textContent = view.up;
      document.getElementById("down").textContent = view.down;
      document.getElementById("classp99").textContent = us(view.classP99Us);
      const error = document.getElementById("error");
      error.hidden = !view.error;
      error.textContent = view.error || "";
      state.textContent = view.error ? "Prometheus unreachable" : view.down > 0 ? view.down + " down" : "all up";
      state.className = "pill " + (view.error || view.down > 0 ? "stopped" : "live");
      document.getElementById("updated").textContent = "· updated " + new Date(view.takenAtUnixMs).toLocaleTimeString();
      render();
    } catch (e) {
      state.textContent = String(e.message || e);
      state.className = "pill stopped";
    }
  }

  poll();
  setInterval(poll, 2000);
})();
