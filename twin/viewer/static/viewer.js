// The replay page: reads each run's scene and replay (see twin/viewer/data.py) once, then draws
// them at the clock's time on a 2D canvas. One clock drives every pane (side by side: A and B).
// Nothing here knows a system: sites, markers, movers, series and lists are generic shapes.
//
// For tests and tools, window.viewerState is a read-only snapshot of what is shown.
"use strict";

(() => {
  const state = {
    t: 0, duration: 0, warmup: 0, start: null, playing: false, speed: 300,
    panes: [], selection: null, ready: false, error: null,
    view: null,          // shared map view: {cx, cy, scale (px per metre), fitted}
  };
  const $ = (id) => document.getElementById(id);

  // --- time ---------------------------------------------------------------------------------------

  /** Index of the last element of sorted `times` that is <= t (-1: none). */
  function lastAtOrBefore(times, t) {
    let lo = 0, hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= t) lo = mid + 1; else hi = mid;
    }
    return lo - 1;
  }

  /** "2026-11-02T00:00:00" (local wall time as the scenario gives it) as milliseconds, read as UTC. */
  function parseStart(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
    if (!m) return 0;
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  }

  const two = (n) => String(n).padStart(2, "0");
  const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

  function clockText(t) {
    const d = new Date(state.start + Math.round(t) * 1000);
    return `${DAYS[d.getUTCDay()]} ${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ` +
      `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  }

  function shortClock(t) {
    const d = new Date(state.start + Math.round(t) * 1000);
    return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  }

  function hms(seconds) {
    const s = Math.max(0, Math.round(seconds));
    return `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  }

  function minSec(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
    const s = Math.round(seconds);
    return `${Math.floor(s / 60)}:${two(s % 60)}`;
  }

  function formatValue(series, value) {
    if (value === null || value === undefined) return "–";
    if (series.kind === "share") return `${(100 * value).toFixed(1)} %`;
    if (series.kind === "s") return minSec(value);
    const text = Math.round(value).toLocaleString("en");
    return series.total !== null && series.total !== undefined ? `${text} of ${Math.round(series.total)}` : text;
  }

  // --- loading ------------------------------------------------------------------------------------

  async function getJSON(url) {
    const reply = await fetch(url);
    if (!reply.ok) {
      let message = `${url}: ${reply.status}`;
      try { message = (await reply.json()).error || message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return reply.json();
  }

  async function main() {
    try {
      const listing = await getJSON("/api/runs");
      const loaded = await Promise.all(listing.runs.map(async (run) => {
        const [scene, replay] = await Promise.all([
          getJSON(`/api/runs/${run.id}/scene`), getJSON(`/api/runs/${run.id}/replay`)]);
        return { run, scene, replay };
      }));
      if (listing.warning) { $("warning").textContent = listing.warning; $("warning").hidden = false; }
      setUp(loaded);
    } catch (error) {
      state.error = String(error.message || error);
      $("panes").innerHTML = "";
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = `Cannot load the run: ${state.error}`;
      $("panes").appendChild(p);
    }
  }

  function setUp(loaded) {
    const first = loaded[0].scene.meta;
    state.start = parseStart(first.start);
    state.duration = Math.max(...loaded.map((l) => l.scene.meta.duration_s));
    state.warmup = first.warmup_s;
    $("title").textContent = loaded.length === 1
      ? `${first.name} · seed ${first.seed}`
      : `${loaded[0].scene.meta.name} vs ${loaded[1].scene.meta.name}`;
    document.title = `${$("title").textContent} · replay`;
    const slider = $("slider");
    slider.max = String(Math.ceil(state.duration));
    for (const [i, item] of loaded.entries()) state.panes.push(makePane(i, item, loaded.length));
    buildLegend(loaded[0]);
    wireControls();
    const observer = new ResizeObserver(() => { for (const pane of state.panes) resize(pane); draw(); });
    for (const pane of state.panes) observer.observe(pane.mapEl);
    for (const pane of state.panes) resize(pane);
    setTime(0);
    state.ready = true;
    requestAnimationFrame(tick);
  }

  // --- panes --------------------------------------------------------------------------------------

  function makePane(index, item, count) {
    const node = $("pane-template").content.firstElementChild.cloneNode(true);
    $("panes").appendChild(node);
    const meta = item.scene.meta;
    node.querySelector(".pane-name").textContent = count > 1 ? `${"AB"[index]}: ${meta.name}` : meta.name;
    node.querySelector(".pane-sub").textContent =
      `seed ${meta.seed} · ${meta.city} · ${meta.folder}`;
    const pane = {
      index, meta, scene: item.scene, replay: item.replay, el: node,
      mapEl: node.querySelector(".pane-map"), canvas: node.querySelector("canvas"),
      tooltip: node.querySelector(".tooltip"), kpiEl: node.querySelector(".kpis"),
      queueEl: node.querySelector(".queue"), base: document.createElement("canvas"), baseKey: "",
      width: 0, height: 0, dpr: 1, edgesDrawn: 0, hits: [], drawn: null, kpiNodes: [], lastQueue: "",
    };
    pane.ctx = pane.canvas.getContext("2d");
    for (const series of item.replay.series) {
      const tile = document.createElement("div");
      tile.className = "kpi";
      tile.innerHTML = '<div class="value">–</div><div class="label"></div>';
      tile.querySelector(".label").textContent = series.label;
      if (series.note) tile.title = series.note;
      pane.kpiEl.appendChild(tile);
      pane.kpiNodes.push(tile.querySelector(".value"));
    }
    const spans = item.replay.spans[0];
    pane.queueEl.querySelector("h3").textContent = spans ? spans.title : "";
    if (!spans) pane.queueEl.hidden = true;
    wireMap(pane);
    return pane;
  }

  function resize(pane) {
    const rect = pane.mapEl.getBoundingClientRect();
    pane.width = Math.max(1, Math.floor(rect.width));
    pane.height = Math.max(1, Math.floor(rect.height));
    pane.dpr = window.devicePixelRatio || 1;
    pane.canvas.width = Math.round(pane.width * pane.dpr);
    pane.canvas.height = Math.round(pane.height * pane.dpr);
    if (!state.view || state.view.fitted) fitView();
  }

  /** The whole network in the smallest pane, with a margin. */
  function fitView() {
    const extent = state.panes[0].scene.network.extent;
    const w = Math.min(...state.panes.map((p) => p.width)), h = Math.min(...state.panes.map((p) => p.height));
    const spanX = Math.max(extent[2] - extent[0], 1), spanY = Math.max(extent[3] - extent[1], 1);
    state.view = {
      cx: (extent[0] + extent[2]) / 2, cy: (extent[1] + extent[3]) / 2,
      scale: 0.92 * Math.min(w / spanX, h / spanY), fitted: true,
    };
  }

  const toScreen = (pane, x, y) => [
    pane.width / 2 + (x - state.view.cx) * state.view.scale,
    pane.height / 2 - (y - state.view.cy) * state.view.scale,
  ];
  const toWorld = (pane, sx, sy) => [
    state.view.cx + (sx - pane.width / 2) / state.view.scale,
    state.view.cy - (sy - pane.height / 2) / state.view.scale,
  ];

  // Road classes 0-3 (motorway … secondary) drawn wide, 4 (tertiary) medium, the rest thin.
  const ROAD_WIDTH = (cls) => (cls <= 3 ? 2.6 : cls === 4 ? 1.8 : 1.1);
  const ROAD_COLOUR = (cls) => (cls <= 3 ? "#9aa3ae" : cls === 4 ? "#b4bbc4" : "#c9ced5");

  /** The road network, drawn once per view into an offscreen canvas. */
  function drawBase(pane) {
    const v = state.view;
    const key = [pane.width, pane.height, pane.dpr, v.cx, v.cy, v.scale].join(",");
    if (key === pane.baseKey) return;
    pane.baseKey = key;
    const base = pane.base;
    base.width = pane.canvas.width;
    base.height = pane.canvas.height;
    const ctx = base.getContext("2d");
    ctx.setTransform(pane.dpr, 0, 0, pane.dpr, 0, 0);
    ctx.fillStyle = "#f6f4ef";
    ctx.fillRect(0, 0, pane.width, pane.height);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    const net = pane.scene.network;
    let drawn = 0;
    for (const major of [false, true]) {   // minor roads first, major ones over them
      for (let e = 0; e < net.paths.length; e++) {
        const cls = net.road_class[e];
        if ((cls <= 4) !== major) continue;
        const path = net.paths[e];
        ctx.beginPath();
        for (let k = 0; k < path.length; k += 2) {
          const [sx, sy] = toScreen(pane, path[k], path[k + 1]);
          if (k === 0) ctx.moveTo(sx, sy); else ctx.lineTo(sx, sy);
        }
        ctx.strokeStyle = ROAD_COLOUR(cls);
        ctx.lineWidth = ROAD_WIDTH(cls);
        ctx.stroke();
        drawn++;
      }
    }
    pane.edgesDrawn = drawn;
    drawScaleBar(ctx, pane);
  }

  function drawScaleBar(ctx, pane) {
    const target = 110 / state.view.scale;   // metres in about 110 px
    const steps = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
    const metres = steps.reduce((best, s) => (s <= target ? s : best), steps[0]);
    const px = metres * state.view.scale;
    const x = pane.width - px - 16, y = pane.height - 16;
    ctx.strokeStyle = "#3e4c59";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, y - 5); ctx.lineTo(x, y); ctx.lineTo(x + px, y); ctx.lineTo(x + px, y - 5);
    ctx.stroke();
    ctx.fillStyle = "#3e4c59";
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(metres >= 1000 ? `${metres / 1000} km` : `${metres} m`, x + px / 2, y - 7);
  }

  // --- symbols ------------------------------------------------------------------------------------

  function symbol(ctx, kind, x, y, size, colour) {
    const h = size / 2;
    ctx.fillStyle = colour;
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    if (kind === "cross") {
      const a = h / 3;
      ctx.moveTo(x - a, y - h); ctx.lineTo(x + a, y - h); ctx.lineTo(x + a, y - a); ctx.lineTo(x + h, y - a);
      ctx.lineTo(x + h, y + a); ctx.lineTo(x + a, y + a); ctx.lineTo(x + a, y + h); ctx.lineTo(x - a, y + h);
      ctx.lineTo(x - a, y + a); ctx.lineTo(x - h, y + a); ctx.lineTo(x - h, y - a); ctx.lineTo(x - a, y - a);
      ctx.closePath();
    } else if (kind === "diamond") {
      ctx.moveTo(x, y - h); ctx.lineTo(x + h, y); ctx.lineTo(x, y + h); ctx.lineTo(x - h, y); ctx.closePath();
    } else if (kind === "triangle") {
      ctx.moveTo(x, y - h); ctx.lineTo(x + h, y + h); ctx.lineTo(x - h, y + h); ctx.closePath();
    } else if (kind === "circle") {
      ctx.arc(x, y, h, 0, 2 * Math.PI);
    } else {
      ctx.rect(x - h, y - h, size, size);
    }
    ctx.fill();
    ctx.stroke();
  }

  function roundedBox(ctx, x, y, w, h, r) {
    ctx.beginPath();
    ctx.moveTo(x + r, y); ctx.lineTo(x + w - r, y); ctx.quadraticCurveTo(x + w, y, x + w, y + r);
    ctx.lineTo(x + w, y + h - r); ctx.quadraticCurveTo(x + w, y + h, x + w - r, y + h);
    ctx.lineTo(x + r, y + h); ctx.quadraticCurveTo(x, y + h, x, y + h - r);
    ctx.lineTo(x, y + r); ctx.quadraticCurveTo(x, y, x + r, y);
    ctx.closePath();
  }

  // --- drawing a frame ----------------------------------------------------------------------------

  function positionAt(track, t) {
    const times = track.time_s, n = times.length;
    if (!n) return null;
    const i = lastAtOrBefore(times, t);
    if (i < 0) return [track.x[0], track.y[0]];
    if (i >= n - 1) return [track.x[n - 1], track.y[n - 1]];
    const f = (t - times[i]) / (times[i + 1] - times[i]);
    return [track.x[i] + f * (track.x[i + 1] - track.x[i]), track.y[i] + f * (track.y[i + 1] - track.y[i])];
  }

  /** Track points after `t` up to the item's next change of state (at most an hour on); [] if it stands still. */
  function routeAhead(track, states, t) {
    const k = lastAtOrBefore(states.time_s, t);
    const until = Math.min(k + 1 < states.time_s.length ? states.time_s[k + 1] : Infinity, t + 3600);
    const times = track.time_s, points = [];
    for (let i = lastAtOrBefore(times, t) + 1; i < times.length && times[i] <= until; i++) {
      points.push([track.x[i], track.y[i]]);
    }
    const here = positionAt(track, t);
    return points.some(([x, y]) => Math.abs(x - here[0]) + Math.abs(y - here[1]) > 1) ? points : [];
  }

  function styleAt(states, t) {
    const i = lastAtOrBefore(states.time_s, t);
    return i < 0 ? -1 : states.style[i];
  }

  function isSelected(pane, ref, id) {
    const s = state.selection;
    return s && s.pane === pane.index && s.ref === ref && s.id === id;
  }

  function drawPane(pane, now) {
    if (!pane.width || !state.view) return;
    drawBase(pane);
    const ctx = pane.ctx, t = state.t;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(pane.base, 0, 0);
    ctx.setTransform(pane.dpr, 0, 0, pane.dpr, 0, 0);
    const hits = [];
    const drawn = { movers: [], markers: [] };

    for (const site of pane.scene.sites) {
      for (let i = 0; i < site.x.length; i++) {
        const [sx, sy] = toScreen(pane, site.x[i], site.y[i]);
        symbol(ctx, site.symbol, sx, sy, 13, site.colour);
        hits.push({ kind: "site", sx, sy, r: 9, label: `${site.title}: ${site.labels[i]}` });
      }
    }

    const pulse = 0.5 + 0.5 * Math.sin(now / 260);
    for (const layer of pane.replay.markers) {
      const shown = [];
      const selected = [];
      for (let i = 0; i < layer.ids.length; i++) {
        const s = styleAt(layer.states[i], t);
        if (s < 0) continue;
        const style = layer.styles[s];
        const [sx, sy] = toScreen(pane, layer.x[i], layer.y[i]);
        shown.push({ id: layer.ids[i], style: style.key, sx, sy });
        ctx.globalAlpha = style.faded ? 0.45 : 1;
        if (style.pulse) {
          ctx.strokeStyle = style.colour;
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.arc(sx, sy, 9 + 6 * pulse, 0, 2 * Math.PI);
          ctx.globalAlpha = 0.25 + 0.5 * (1 - pulse);
          ctx.stroke();
          ctx.globalAlpha = 1;
        }
        symbol(ctx, "circle", sx, sy, style.faded ? 8 : 13, style.colour);
        ctx.globalAlpha = 1;
        if (isSelected(pane, layer.ref, layer.ids[i])) selected.push([sx, sy]);
        hits.push({ kind: "item", ref: layer.ref, id: layer.ids[i], sx, sy, r: 9, label: layer.labels[i],
          rank: style.faded ? 2 : 1 });
      }
      for (const [sx, sy] of selected) ring(ctx, sx, sy, 13);
      drawn.markers.push({ title: layer.title, shown });
    }

    for (const layer of pane.replay.movers) {
      // Where each mover is; movers on one spot (a station) are fanned out side by side.
      const items = [];
      for (let i = 0; i < layer.ids.length; i++) {
        const p = positionAt(layer.tracks[i], t);
        if (!p) continue;
        const s = styleAt(layer.states[i], t);
        const [sx, sy] = toScreen(pane, p[0], p[1]);
        items.push({ i, x: p[0], y: p[1], sx, sy, style: s >= 0 ? layer.styles[s] : null });
      }
      const spots = new Map();
      for (const item of items) {
        const key = `${Math.round(item.sx / 3)},${Math.round(item.sy / 3)}`;
        if (!spots.has(key)) spots.set(key, []);
        spots.get(key).push(item);
      }
      const size = 15, gap = 2;
      for (const group of spots.values()) {
        const width = group.length * size + (group.length - 1) * gap;
        group.forEach((item, k) => {
          item.dx = group.length > 1 ? -width / 2 + size / 2 + k * (size + gap) : 0;
          item.dy = group.length > 1 ? -12 : 0;
        });
      }
      // The rest of each moving item's current drive (to its next change of state), dashed.
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 2.5;
      for (const item of items) {
        const ahead = routeAhead(layer.tracks[item.i], layer.states[item.i], t);
        if (!ahead.length) continue;
        ctx.strokeStyle = item.style ? item.style.colour : "#525252";
        ctx.globalAlpha = 0.55;
        ctx.beginPath();
        ctx.moveTo(item.sx, item.sy);
        for (const [x, y] of ahead) { const [sx, sy] = toScreen(pane, x, y); ctx.lineTo(sx, sy); }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
      ctx.setLineDash([]);
      const shown = [];
      for (const item of items) {
        const bx = item.sx + item.dx, by = item.sy + item.dy;
        const colour = item.style ? item.style.colour : "#525252";
        roundedBox(ctx, bx - size / 2, by - size / 2, size, size, 3);
        ctx.fillStyle = colour;
        ctx.fill();
        ctx.strokeStyle = "#ffffff";
        ctx.lineWidth = 1.5;
        ctx.stroke();
        ctx.fillStyle = "#ffffff";
        ctx.font = "bold 10px system-ui, sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(layer.letters[item.i] || "", bx, by + 0.5);
        ctx.textBaseline = "alphabetic";
        const id = layer.ids[item.i];
        if (isSelected(pane, layer.ref, id)) ring(ctx, bx, by, 13);
        hits.push({ kind: "item", ref: layer.ref, id, sx: bx, sy: by, r: 10, label: layer.labels[item.i], rank: 0 });
        shown.push({ id, x: item.x, y: item.y, sx: bx, sy: by, style: item.style ? item.style.key : null });
      }
      drawn.movers.push({ title: layer.title, items: shown });
    }
    pane.hits = hits;
    drawn.t = t;
    pane.drawn = drawn;
  }

  function ring(ctx, x, y, r) {
    ctx.strokeStyle = "#2f6fdf";
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.stroke();
  }

  function updatePanel(pane) {
    const t = state.t;
    pane.replay.series.forEach((series, k) => {
      const i = lastAtOrBefore(series.time_s, t);
      const text = formatValue(series, i >= 0 ? series.value[i] : null);
      if (pane.kpiNodes[k].textContent !== text) pane.kpiNodes[k].textContent = text;
    });
    const spans = pane.replay.spans[0];
    if (!spans) return;
    const open = [];
    for (let i = 0; i < spans.ids.length; i++) {
      const end = spans.end_s[i] === null ? Infinity : spans.end_s[i];
      if (spans.start_s[i] <= t && t < end) open.push(i);
    }
    const key = open.join(",") + "|" + Math.floor(t / 10);
    if (key === pane.lastQueue) return;
    pane.lastQueue = key;
    const list = pane.queueEl.querySelector("ul");
    list.innerHTML = "";
    if (!open.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = "none";
      list.appendChild(li);
    }
    for (const i of open) {
      const li = document.createElement("li");
      li.textContent = spans.labels[i];
      const wait = document.createElement("span");
      wait.className = "wait";
      wait.textContent = minSec(t - spans.start_s[i]);
      li.appendChild(wait);
      li.addEventListener("click", () => select(pane, spans.ref, spans.ids[i]));
      list.appendChild(li);
    }
  }

  function draw(now = performance.now()) {
    for (const pane of state.panes) { drawPane(pane, now); updatePanel(pane); }
  }

  // --- the clock ----------------------------------------------------------------------------------

  function setTime(t) {
    state.t = Math.min(Math.max(t, 0), state.duration);
    $("slider").value = String(Math.round(state.t));
    $("clock-time").textContent = clockText(state.t);
    $("clock-elapsed").textContent = `+${hms(state.t)} of ${hms(state.duration)}`;
    $("clock-badge").hidden = !(state.t < state.warmup);
    refreshTimelineRows();
  }

  function setPlaying(playing) {
    state.playing = playing && state.t < state.duration;
    const button = $("play");
    button.innerHTML = state.playing ? "&#10074;&#10074;" : "&#9654;";
    button.setAttribute("aria-label", state.playing ? "Pause" : "Play");
  }

  let lastFrame = null;
  function tick(now) {
    if (state.playing) {
      if (lastFrame !== null) {
        const dt = Math.min((now - lastFrame) / 1000, 0.25);   // a hidden tab does not jump ahead
        setTime(state.t + dt * state.speed);
        if (state.t >= state.duration) setPlaying(false);
      }
    }
    lastFrame = now;
    draw(now);
    requestAnimationFrame(tick);
  }

  function wireControls() {
    $("play").addEventListener("click", () => {
      if (state.t >= state.duration) setTime(0);
      setPlaying(!state.playing);
    });
    $("speed").addEventListener("change", (e) => { state.speed = Number(e.target.value); });
    state.speed = Number($("speed").value);
    $("slider").addEventListener("input", (e) => { setTime(Number(e.target.value)); draw(); });
    document.addEventListener("keydown", (e) => {
      if (e.target && (e.target.tagName === "SELECT" || e.target.tagName === "INPUT") && e.key !== " ") return;
      if (e.key === " ") { e.preventDefault(); setPlaying(!state.playing); }
      else if (e.key === "ArrowRight") setTime(state.t + (e.shiftKey ? 600 : 60));
      else if (e.key === "ArrowLeft") setTime(state.t - (e.shiftKey ? 600 : 60));
    });
    $("details-close").addEventListener("click", () => {
      state.selection = null;
      $("details-close").hidden = true;
      $("details-body").innerHTML = '<p class="hint">Click a unit or an incident on the map to see its events.</p>';
    });
  }

  // --- the map: hover, click, zoom, pan -------------------------------------------------------------

  function hitAt(pane, sx, sy) {
    let best = null;
    for (const hit of pane.hits) {
      const d = Math.hypot(hit.sx - sx, hit.sy - sy);
      if (d > hit.r) continue;
      const rank = hit.kind === "site" ? 3 : hit.rank;
      if (!best || rank < best.rank || (rank === best.rank && d < best.d)) best = { hit, d, rank };
    }
    return best ? best.hit : null;
  }

  function wireMap(pane) {
    const canvas = pane.canvas;
    let drag = null;
    const local = (e) => {
      const rect = canvas.getBoundingClientRect();
      return [e.clientX - rect.left, e.clientY - rect.top];
    };
    canvas.addEventListener("mousedown", (e) => {
      const [sx, sy] = local(e);
      drag = { sx, sy, cx: state.view.cx, cy: state.view.cy, moved: false };
    });
    window.addEventListener("mousemove", (e) => {
      if (!drag) return;
      const [sx, sy] = local(e);
      if (Math.hypot(sx - drag.sx, sy - drag.sy) > 4) drag.moved = true;
      if (drag.moved) {
        canvas.classList.add("dragging");
        state.view.cx = drag.cx - (sx - drag.sx) / state.view.scale;
        state.view.cy = drag.cy + (sy - drag.sy) / state.view.scale;
        state.view.fitted = false;
      }
    });
    window.addEventListener("mouseup", (e) => {
      if (!drag) return;
      const wasDrag = drag.moved;
      drag = null;
      canvas.classList.remove("dragging");
      if (wasDrag || e.target !== canvas) return;
      const [sx, sy] = local(e);
      const hit = hitAt(pane, sx, sy);
      if (hit && hit.kind === "item") select(pane, hit.ref, hit.id);
    });
    canvas.addEventListener("mousemove", (e) => {
      if (drag && drag.moved) return;
      const [sx, sy] = local(e);
      const hit = hitAt(pane, sx, sy);
      if (hit) {
        pane.tooltip.textContent = hit.label;
        pane.tooltip.style.left = `${sx}px`;
        pane.tooltip.style.top = `${sy}px`;
        pane.tooltip.hidden = false;
        canvas.style.cursor = hit.kind === "item" ? "pointer" : "";
      } else {
        pane.tooltip.hidden = true;
        canvas.style.cursor = "";
      }
    });
    canvas.addEventListener("mouseleave", () => { pane.tooltip.hidden = true; });
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const [sx, sy] = local(e);
      const [wx, wy] = toWorld(pane, sx, sy);
      const factor = Math.exp(-e.deltaY * 0.0015);
      state.view.scale = Math.min(Math.max(state.view.scale * factor, 1e-4), 50);
      state.view.cx = wx - (sx - pane.width / 2) / state.view.scale;   // keep the point under the cursor
      state.view.cy = wy + (sy - pane.height / 2) / state.view.scale;
      state.view.fitted = false;
    }, { passive: false });
    canvas.addEventListener("dblclick", () => { fitView(); });
  }

  // --- an item's timeline ---------------------------------------------------------------------------

  const words = (kind) => kind.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().replace(/^./, (c) => c.toUpperCase());

  function details(row) {
    const parts = [];
    for (const [key, value] of Object.entries(row.data || {})) {
      if (value === null || value === undefined || value === "") continue;
      const name = key.replace(/_s$/, "").replace(/_/g, " ");
      const text = key.endsWith("_s") && typeof value === "number" ? minSec(value) : String(value).replace(/_/g, " ");
      parts.push(`${name}: ${text}`);
    }
    if (row.incident !== null && state.selection && state.selection.ref !== "incident") parts.unshift(`incident #${row.incident}`);
    if (row.unit !== null && state.selection && state.selection.ref !== "unit") parts.unshift(`unit #${row.unit}`);
    return parts.join(" · ");
  }

  async function select(pane, ref, id) {
    state.selection = { pane: pane.index, ref, id, label: null, rows: null };
    $("details-close").hidden = false;
    const body = $("details-body");
    body.innerHTML = '<p class="hint">Loading…</p>';
    let timeline;
    try {
      timeline = await getJSON(`/api/runs/${pane.index}/timeline?ref=${encodeURIComponent(ref)}&id=${id}`);
    } catch (error) {
      body.innerHTML = "";
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = String(error.message || error);
      body.appendChild(p);
      return;
    }
    const selection = state.selection;
    if (!selection || selection.ref !== ref || selection.id !== id || selection.pane !== pane.index) return;
    selection.label = timeline.label;
    selection.rows = timeline.events;
    body.innerHTML = "";
    const title = document.createElement("div");
    title.className = "selected-title";
    title.textContent = timeline.label;
    const sub = document.createElement("div");
    sub.className = "selected-sub";
    sub.textContent = `${timeline.events.length} events${state.panes.length > 1 ? ` · pane ${"AB"[pane.index]}` : ""}`;
    body.append(title, sub);
    const table = document.createElement("table");
    table.className = "timeline";
    for (const row of timeline.events) {
      const tr = document.createElement("tr");
      tr.dataset.time = String(row.time_s);
      const when = document.createElement("td");
      when.className = "when";
      when.textContent = shortClock(row.time_s);
      const what = document.createElement("td");
      what.className = "what";
      what.textContent = words(row.kind);
      const more = document.createElement("span");
      more.className = "more";
      more.textContent = details(row);
      what.appendChild(more);
      tr.append(when, what);
      tr.addEventListener("click", () => setTime(row.time_s));
      table.appendChild(tr);
    }
    body.appendChild(table);
    refreshTimelineRows();
    const now = table.querySelector("tr.now");
    if (now) body.scrollTop = Math.max(0, now.offsetTop - body.clientHeight / 2);
  }

  /** Events after the clock greyed out; the last one before it underlined. */
  function refreshTimelineRows() {
    const rows = document.querySelectorAll("table.timeline tr");
    let last = null;
    for (const tr of rows) {
      const future = Number(tr.dataset.time) > state.t;
      tr.classList.toggle("future", future);
      tr.classList.remove("now");
      if (!future) last = tr;
    }
    if (last) last.classList.add("now");
  }

  // --- legend -------------------------------------------------------------------------------------

  function swatch(draw) {
    const c = document.createElement("canvas");
    const dpr = window.devicePixelRatio || 1;
    c.width = 18 * dpr; c.height = 18 * dpr;
    c.style.width = "18px"; c.style.height = "18px";
    const ctx = c.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw(ctx);
    return c;
  }

  function legendRow(group, canvas, text) {
    const row = document.createElement("div");
    row.className = "legend-row";
    const label = document.createElement("span");
    label.textContent = text;
    row.append(canvas, label);
    group.appendChild(row);
  }

  function legendGroup(title) {
    const group = document.createElement("div");
    group.className = "legend-group";
    const h = document.createElement("h3");
    h.textContent = title;
    group.appendChild(h);
    $("legend-body").appendChild(group);
    return group;
  }

  function buildLegend(item) {
    $("legend-body").innerHTML = "";
    for (const layer of item.replay.markers) {
      const group = legendGroup(layer.title);
      for (const style of layer.styles.filter((s) => s.legend)) {
        legendRow(group, swatch((ctx) => symbol(ctx, "circle", 9, 9, 12, style.colour)), style.label);
      }
    }
    for (const layer of item.replay.movers) {
      const group = legendGroup(layer.title);
      for (const style of layer.styles.filter((s) => s.legend)) {
        legendRow(group, swatch((ctx) => {
          roundedBox(ctx, 2, 2, 14, 14, 3); ctx.fillStyle = style.colour; ctx.fill();
        }), style.label);
      }
      if (layer.note) {
        const note = document.createElement("p");
        note.className = "legend-note";
        note.textContent = layer.note;
        group.appendChild(note);
      }
    }
    const places = legendGroup("Places");
    const seen = new Set();
    for (const site of item.scene.sites) {
      if (seen.has(site.title)) continue;
      seen.add(site.title);
      legendRow(places, swatch((ctx) => symbol(ctx, site.symbol, 9, 9, 12, site.colour)), site.title);
    }
    legendRow(places, swatch((ctx) => {
      ctx.strokeStyle = "#9aa3ae"; ctx.lineWidth = 2.6; ctx.beginPath(); ctx.moveTo(1, 12); ctx.lineTo(17, 6); ctx.stroke();
    }), "Roads (drive network)");
  }

  // --- a read-only view for tests and tools -----------------------------------------------------------

  function snapshot() {
    return JSON.parse(JSON.stringify({
      ready: state.ready, error: state.error, t: state.t, duration: state.duration, playing: state.playing,
      speed: state.speed, clock: $("clock-time").textContent,
      selection: state.selection && {
        pane: state.selection.pane, ref: state.selection.ref, id: state.selection.id,
        label: state.selection.label, events: state.selection.rows ? state.selection.rows.length : null,
      },
      panes: state.panes.map((pane) => ({
        name: pane.meta.name, folder: pane.meta.folder, edgesDrawn: pane.edgesDrawn,
        drawnAt: pane.drawn ? pane.drawn.t : null,   // the time of the items below (the last frame drawn)
        width: pane.width, height: pane.height,
        movers: pane.drawn ? pane.drawn.movers : [], markers: pane.drawn ? pane.drawn.markers : [],
        kpis: Object.fromEntries(pane.replay.series.map((s, k) => [s.label, pane.kpiNodes[k].textContent])),
      })),
    }));
  }
  Object.defineProperty(window, "viewerState", { get: snapshot, configurable: false });

  main();
})();
