// The live dashboard: the peer graph from topology-streams (WS /ws/topology, relayed by this server) drawn
// with Cytoscape.js, and the figures of the event topics (SSE /api/feed, one tick a second) drawn with
// ECharts. window.dash exposes what the browser tests read (graph contents, update and frame timings).
(function () {
  'use strict';
  const TIERS = ['local', 'peer', 'edge', 'origin'];
  const TIER_COLORS = {local: '#a3e635', peer: '#38bdf8', edge: '#fbbf24', origin: '#f87171'};
  const PALETTE = ['#38bdf8', '#f472b6', '#a3e635', '#fbbf24', '#c084fc', '#fb923c', '#2dd4bf', '#f87171'];
  const HISTORY = 300;          // ticks kept in the time charts
  const FLUSH_MS = 500;         // graph changes are applied in batches, twice a second: each redraws the canvas
  const RTT_STEP_MS = 2;        // an RTT change smaller than this does not change a link's colour: not redrawn
  let cell = 300;               // layout: one square cell per region, sized at each snapshot

  const dash = window.dash = {
    ticks: 0, lastTick: null, snapshots: 0, graphChanges: 0, batches: [], graphReadyMs: null,
    frames: [], wsState: 'connecting', wsOpenMs: null, snapshotMs: null,
  };

  // ---- frame times: requestAnimationFrame deltas, for the tests' "without stalling" goal ----
  let lastFrame = null;
  function frame(t) {
    if (lastFrame !== null) {
      dash.frames.push([t, t - lastFrame]);
      if (dash.frames.length > 20000) { dash.frames.splice(0, 10000); }
    }
    lastFrame = t;
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
  /** Frame deltas (ms) and applied graph batches since performance.now() = from. */
  dash.frameStats = function (from) {
    const d = dash.frames.filter(f => f[0] >= from).map(f => f[1]).sort((a, b) => a - b);
    const q = p => d.length ? d[Math.min(d.length - 1, Math.floor(p * d.length))] : null;
    const batches = dash.batches.filter(b => b >= from);
    let maxGap = 0;
    for (let i = 1; i < batches.length; i++) { maxGap = Math.max(maxGap, batches[i] - batches[i - 1]); }
    return {frames: d.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: d.length ? d[d.length - 1] : null,
      over100ms: d.filter(x => x > 100).length, batches: batches.length, maxBatchGapMs: maxGap,
      spanMs: performance.now() - from};
  };
  dash.now = () => performance.now();
  dash.firstContentfulPaint = function () {
    const p = performance.getEntriesByName('first-contentful-paint')[0];
    return p ? p.startTime : null;
  };

  // ---- the graph ----
  const cy = cytoscape({
    container: document.getElementById('graph'),
    layout: {name: 'preset'},
    minZoom: 0.02, maxZoom: 4, wheelSensitivity: 0.3,
    textureOnViewport: true, hideEdgesOnViewport: true, pixelRatio: 1,
    style: [
      {selector: 'node', style: {'background-color': 'data(color)', width: 14, height: 14, 'border-width': 0,
        label: 'data(id)', color: '#cbd5e1', 'font-size': 9, 'min-zoomed-font-size': 9, 'text-valign': 'bottom'}},
      {selector: 'node[kind = "edge"]', style: {shape: 'diamond', width: 34, height: 34, 'border-width': 2,
        'border-color': '#fff', 'font-size': 12, 'min-zoomed-font-size': 4}},
      {selector: 'edge', style: {'curve-style': 'haystack', width: 1, opacity: 0.45,
        'line-color': 'mapData(rttMs, 0, 150, #22c55e, #ef4444)'}},
      {selector: 'node.picked', style: {'border-width': 3, 'border-color': '#fff'}},
      {selector: 'node.path', style: {'background-color': '#facc15', width: 22, height: 22, 'z-index': 10}},
      {selector: 'edge.path', style: {'line-color': '#facc15', width: 4, opacity: 1, 'z-index': 10}},
    ],
  });
  dash.cy = cy;
  const regions = new Map();   // region -> {index, peers, edges}
  function region(name) {
    const key = name || 'unknown';
    if (!regions.has(key)) {
      regions.set(key, {index: regions.size, peers: 0, edges: 0});
    }
    return regions.get(key);
  }
  let legendKey = '';
  /** The regions that have nodes now (a node known first only from a link is re-placed when its region arrives). */
  function drawLegend() {
    const present = new Set(cy.nodes().map(n => n.data('region') || 'unknown'));
    const shown = Array.from(regions.entries()).filter(([name]) => present.has(name));
    const key = shown.map(([name]) => name).join(',');
    if (key === legendKey) { return; }
    legendKey = key;
    document.getElementById('legend').innerHTML = shown.map(([name, r]) =>
      `<span><i style="background:${PALETTE[r.index % PALETTE.length]}"></i>${name}</span>`).join('')
      + '<span>◆ edge  ● peer</span>';
  }
  // Region cells side by side; peers on a sunflower spiral around the cell's centre, edges at the centre.
  function place(kind, regionName) {
    const r = region(regionName);
    const cx = (r.index % 3) * cell, cyy = Math.floor(r.index / 3) * cell;
    if (kind === 'edge') {
      const k = r.edges++;
      return {x: cx + (k % 3) * 50 - 50, y: cyy + Math.floor(k / 3) * 50};
    }
    const k = ++r.peers + 4;
    const radius = 22 * Math.sqrt(k), theta = k * 2.39996;
    return {x: cx + radius * Math.cos(theta), y: cyy + radius * Math.sin(theta)};
  }
  function nodeData(id, kind, regionName) {
    const r = region(regionName);
    return {group: 'nodes', data: {id, kind: kind || 'peer', region: regionName || null,
      color: PALETTE[r.index % PALETTE.length]}, position: place(kind, regionName)};
  }
  const edgeId = (a, b) => (a < b ? a + '|' + b : b + '|' + a);
  function edgeData(from, to, rttMs) {
    return {group: 'edges', data: {id: edgeId(from, to), source: from, target: to, rttMs: rttMs == null ? 0 : rttMs}};
  }

  let queue = [];
  function applySnapshot(m) {
    regions.clear();
    // a cell wide enough for the largest region's spiral, with room for some growth
    const perRegion = {};
    m.nodes.forEach(n => { perRegion[n.region] = (perRegion[n.region] || 0) + 1; });
    cell = Math.max(300, Math.ceil(2.4 * 22 * Math.sqrt(Math.max(0, ...Object.values(perRegion)) + 25)));
    cy.batch(() => {
      cy.elements().remove();
      cy.add(m.nodes.map(n => nodeData(n.id, n.kind, n.region)));
      cy.add(m.edges.filter(e => cy.hasElementWithId(e.from) && cy.hasElementWithId(e.to))
        .map(e => edgeData(e.from, e.to, e.rttMs)));
    });
    cy.fit(undefined, 20);
    dash.snapshots++;
    if (dash.graphReadyMs === null) {
      cy.one('render', () => { dash.graphReadyMs = performance.now(); });
    }
  }
  function ensureNode(id) {
    if (!cy.hasElementWithId(id)) { cy.add(nodeData(id, 'peer', null)); }
  }
  function applyChange(m) {
    switch (m.type) {
      case 'node-upserted': {
        const n = cy.getElementById(m.id);
        if (n.nonempty()) {
          if (n.data('kind') !== m.kind || n.data('region') !== m.region) {
            const edges = n.connectedEdges().map(e => e.json());
            n.remove();
            cy.add(nodeData(m.id, m.kind, m.region));
            cy.add(edges.map(e => ({group: 'edges', data: e.data})));
          }
        } else {
          cy.add(nodeData(m.id, m.kind, m.region));
        }
        break;
      }
      case 'node-removed': cy.getElementById(m.id).remove(); break;
      case 'link-upserted': {
        ensureNode(m.from); ensureNode(m.to);
        const e = cy.getElementById(edgeId(m.from, m.to));
        if (e.nonempty()) {
          if (Math.abs(e.data('rttMs') - m.rttMs) >= RTT_STEP_MS) { e.data('rttMs', m.rttMs); }
        } else { cy.add(edgeData(m.from, m.to, m.rttMs)); }
        break;
      }
      case 'link-removed': cy.getElementById(edgeId(m.from, m.to)).remove(); break;
      default: break;
    }
  }
  function flush() {
    if (queue.length === 0) { return; }
    const batch = queue;
    queue = [];
    cy.batch(() => {
      for (const m of batch) {
        if (m.type === 'snapshot') { continue; }
        applyChange(m);
      }
    });
    dash.graphChanges += batch.length;
    dash.batches.push(performance.now());
    if (dash.batches.length > 5000) { dash.batches.splice(0, 2500); }
    updateGraphKpis();
  }
  setInterval(flush, FLUSH_MS);
  function updateGraphKpis() {
    drawLegend();
    document.getElementById('kpiPeers').textContent = cy.nodes('[kind = "peer"]').length;
    document.getElementById('kpiEdges').textContent = cy.nodes('[kind = "edge"]').length;
    document.getElementById('kpiLinks').textContent = cy.edges().length;
  }
  /** Ids of the peers drawn now. */
  dash.peerIds = () => cy.nodes('[kind = "peer"]').map(n => n.id());
  dash.nodeCount = () => cy.nodes().length;
  dash.linkCount = () => cy.edges().length;

  function onGraphMessage(data) {
    const m = JSON.parse(data);
    if (m.type === 'snapshot') {
      dash.snapshotMs = dash.snapshotMs || performance.now();
      dash.snapshotReceivedMs = dash.snapshotReceivedMs || dash.snapshotMs;
      queue = [];
      applySnapshot(m);
      updateGraphKpis();
    } else {
      queue.push(m);
    }
  }
  function connect(ws) {
    ws.onopen = () => { dash.wsState = 'open'; dash.wsOpenMs = dash.wsOpenMs || performance.now(); status(); };
    if (ws.readyState === WebSocket.OPEN) {
      dash.wsOpenMs = window.dashEarly.openMs || null;
      ws.onopen();
    }
    ws.onmessage = (ev) => onGraphMessage(ev.data);
    ws.onclose = () => {
      dash.wsState = 'closed';
      status();
      setTimeout(() => connect(new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host
        + '/ws/topology')), 1000);
    };
  }
  // the socket index.html opened before the libraries loaded, with what it received meanwhile
  const early = window.dashEarly;
  dash.snapshotReceivedMs = early.firstMessageMs || null;
  connect(early.ws);
  early.messages.splice(0).forEach(onGraphMessage);

  // ---- a path between two picked nodes, through topology-streams' /path ----
  let picked = [];
  cy.on('tap', 'node', (e) => {
    picked.push(e.target.id());
    if (picked.length > 2) { picked = [e.target.id()]; }
    cy.nodes().removeClass('picked');
    picked.forEach(id => cy.getElementById(id).addClass('picked'));
    if (picked.length === 2) { dash.showPath(picked[0], picked[1]); }
    else { cy.elements().removeClass('path'); info('from ' + picked[0] + ': pick the other end'); }
  });
  function info(text) { document.getElementById('pathInfo').textContent = text; }
  /** Highlights the lowest-RTT path between two nodes; resolves to topology-streams' answer. */
  dash.showPath = function (from, to) {
    const q = new URLSearchParams({from, to, metric: 'rtt'});
    return fetch('api/path?' + q).then(r => r.json().then(body => ({status: r.status, body}))).then(({status, body}) => {
      cy.elements().removeClass('path');
      if (status !== 200) { info(`${from} → ${to}: ${body.message || body.error}`); return body; }
      cy.batch(() => {
        body.path.forEach((id, i) => {
          cy.getElementById(id).addClass('path');
          if (i > 0) { cy.getElementById(edgeId(body.path[i - 1], id)).addClass('path'); }
        });
      });
      info(`${body.path.join(' → ')}: ${body.hops} hops, ${body.rttMs.toFixed(1)} ms estimated RTT`);
      return body;
    });
  };
  dash.highlighted = () => cy.elements('.path').map(e => e.id());

  // ---- the figures: ECharts, fed by server-sent events ----
  const charts = {};
  const baseChart = {animation: false, textStyle: {color: '#cbd5e1'}, grid: {left: 48, right: 12, top: 24, bottom: 24},
    legend: {top: 0, textStyle: {color: '#cbd5e1'}}, tooltip: {trigger: 'axis'}};
  function chart(id, option) {
    charts[id] = echarts.init(document.getElementById(id), null, {renderer: 'canvas'});
    charts[id].setOption(Object.assign({}, baseChart, option));
    return charts[id];
  }
  const timeAxis = {type: 'time', splitNumber: 3, splitLine: {show: false},
    axisLabel: {color: '#94a3b8', hideOverlap: true, formatter: '{HH}:{mm}:{ss}'}};
  const pctAxis = {type: 'value', axisLabel: {color: '#94a3b8', formatter: v => Math.round(v * 100) + '%'},
    splitLine: {lineStyle: {color: '#1e293b'}}};
  chart('chartTiers', {xAxis: timeAxis, yAxis: Object.assign({}, pctAxis, {max: 1}),
    series: TIERS.map(t => ({name: t, type: 'line', stack: 'tiers', areaStyle: {}, showSymbol: false,
      color: TIER_COLORS[t], data: []}))});
  chart('chartShares', {xAxis: timeAxis, yAxis: Object.assign({}, pctAxis, {max: 1, min: v => Math.min(0, v.min)}),
    series: [{name: 'CDN offload', type: 'line', showSymbol: false, color: '#a3e635', data: []},
      {name: 'P2P share', type: 'line', showSymbol: false, color: '#38bdf8', data: []},
      {name: 'origin offload', type: 'line', showSymbol: false, color: '#f87171', data: []}]});
  chart('chartUploaders', {grid: {left: 90, right: 12, top: 8, bottom: 24}, legend: {show: false},
    xAxis: {type: 'value', name: 'MiB', nameTextStyle: {color: '#94a3b8'}, axisLabel: {color: '#94a3b8', hideOverlap: true}},
    yAxis: {type: 'category', inverse: true, axisLabel: {color: '#cbd5e1'}, data: []},
    series: [{type: 'bar', color: '#38bdf8', data: []}]});
  chart('chartEdges', {xAxis: {type: 'category', axisLabel: {color: '#cbd5e1'}, data: []},
    yAxis: Object.assign({}, pctAxis, {max: 1}),
    series: [{name: 'since start', type: 'bar', color: '#fbbf24', data: []},
      {name: 'window', type: 'bar', color: '#fde68a', data: []}]});
  chart('chartChurn', {xAxis: timeAxis, yAxis: {type: 'value', minInterval: 1, axisLabel: {color: '#94a3b8'}},
    series: [{name: 'joins', type: 'bar', stack: 'c', color: '#a3e635', data: []},
      {name: 'leaves', type: 'bar', stack: 'c', color: '#fbbf24', data: []},
      {name: 'expiries', type: 'bar', stack: 'c', color: '#f87171', data: []}]});
  window.addEventListener('resize', () => Object.values(charts).forEach(c => c.resize()));

  const series = {tiers: TIERS.map(() => []), shares: [[], [], []], churn: [[], [], []]};
  const push = (arr, point) => { arr.push(point); if (arr.length > HISTORY) { arr.shift(); } };
  const pct = v => (v == null ? '-' : (v * 100).toFixed(1) + '%');

  /** Adds one tick to the time series (no drawing). */
  function accumulate(t) {
    dash.ticks++;
    dash.lastTick = t;
    const w = t.deliveries.window;
    const bytes = TIERS.reduce((s, k) => s + w[k].bytes, 0);
    TIERS.forEach((k, i) => push(series.tiers[i], [t.ts, bytes ? w[k].bytes / bytes : null]));
    const s = t.shares.window;
    push(series.shares[0], [t.ts, s.cdnOffload]);
    push(series.shares[1], [t.ts, s.p2pShare]);
    push(series.shares[2], [t.ts, s.originOffload]);
    push(series.churn[0], [t.ts, t.churn.tick.joins]);
    push(series.churn[1], [t.ts, t.churn.tick.leaves]);
    push(series.churn[2], [t.ts, t.churn.tick.expiries]);
  }
  /** Draws the series and the latest tick's figures. */
  function render(t) {
    charts.chartTiers.setOption({series: series.tiers.map(d => ({data: d}))});
    charts.chartShares.setOption({series: series.shares.map(d => ({data: d}))});
    charts.chartChurn.setOption({series: series.churn.map(d => ({data: d}))});
    if (!t) { status(); return; }
    charts.chartUploaders.setOption({yAxis: {data: t.uploaders.map(u => u.peerId)},
      series: [{data: t.uploaders.map(u => +(u.uploadedBytes / 1048576).toFixed(2))}]});
    charts.chartEdges.setOption({xAxis: {data: t.edges.map(e => e.edgeId)},
      series: [{data: t.edges.map(e => e.hitRatio)}, {data: t.edges.map(e => e.windowHitRatio)}]});
    document.getElementById('kpiP2p').textContent = pct(t.shares.total.p2pShare);
    document.getElementById('kpiOffload').textContent = pct(t.shares.total.cdnOffload);
    document.getElementById('kpiDead').textContent = t.deadLetters.total;
    document.getElementById('deadTotal').textContent = `(${t.deadLetters.total} since the dashboard started; `
      + `${t.feed.undecodable} undecodable records skipped by the feed)`;
    document.querySelector('#deadLetters tbody').innerHTML = t.deadLetters.recent.map(d =>
      `<tr><td>${new Date(d.ts).toLocaleTimeString()}</td><td>${esc(d.sourceTopic)}</td><td>${esc(d.application)}</td>`
      + `<td>${esc(d.error)}</td></tr>`).join('');
    status();
  }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
  }
  function status() {
    document.getElementById('status').textContent = `graph ${dash.wsState}, feed ${dash.ticks ? 'live' : 'waiting'}`;
  }
  const feed = new EventSource('api/feed');
  // first the last ticks the server kept (a page opened late still draws the curves), then one per tick
  feed.addEventListener('history', (ev) => {
    series.tiers.concat(series.shares, series.churn).forEach(a => { a.length = 0; });
    const ticks = JSON.parse(ev.data);
    ticks.forEach(accumulate);
    render(ticks.length ? ticks[ticks.length - 1] : null);
  });
  feed.onmessage = (ev) => {
    const t = JSON.parse(ev.data);
    accumulate(t);
    render(t);
  };
})();
