// The page's script: plain browser JavaScript, no framework, no build step (see page_html.ts for why
// assets are strings). It must not contain backticks or dollar-brace: it lives in a String.raw.
export const APP_JS = String.raw`(function () {
'use strict';
var params = new URLSearchParams(location.search);
var token = params.get('token') || '';
var ROW_H = 26;
var COLORS = ['#4cc2ff', '#ff8a65', '#5ad18a', '#f2c14e', '#b68cff', '#ff6b9d'];
var COLUMNS = [
  { key: 'id', label: '#', num: true },
  { key: 'className', label: 'Class' },
  { key: 'name', label: 'Name' },
  { key: 'status', label: 'Status' },
  { key: 'mailbox', label: 'Mailbox', num: true },
  { key: 'rate', label: 'Msg/s', num: true },
  { key: 'handled', label: 'Handled', num: true },
  { key: 'dropped', label: 'Dropped', num: true },
  { key: 'links', label: 'Links', num: true },
  { key: 'monitors', label: 'Mon.', num: true },
  { key: 'since', label: 'Uptime', num: true }
];
var state = { hello: null, history: [], tree: [], log: [], sort: 'id', desc: false, filter: '', page: null, selected: null, generation: 0, pending: 0, firstRows: 0 };
window.__observer = state;

function $(id) { return document.getElementById(id); }
function h(tag, attrs, children) {
  var el = document.createElement(tag);
  if (attrs) for (var k in attrs) {
    if (k === 'text') el.textContent = attrs[k];
    else if (k === 'class') el.className = attrs[k];
    else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), attrs[k]);
    else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) el.setAttribute(k, attrs[k]);
  }
  (children || []).forEach(function (c) { if (c !== null && c !== undefined) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return el;
}
function withToken(path) { return path + (path.indexOf('?') < 0 ? '?' : '&') + 'token=' + encodeURIComponent(token); }
function getJSON(path) {
  return fetch(withToken(path), { headers: { 'X-Observer-Token': token } }).then(function (r) {
    if (!r.ok) return r.json().then(function (b) { throw new Error(b.error || r.statusText); });
    return r.json();
  });
}
function post(path, body) {
  return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Observer-Token': token }, body: JSON.stringify(body || {}) })
    .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || r.statusText); return b; }); });
}
function toast(text) {
  var t = $('toast'); t.textContent = text; t.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(function () { t.hidden = true; }, 4000);
}
function fmt(n) {
  if (n === null || n === undefined) return '';
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return String(Math.round(n * 10) / 10);
}
function group(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' '); }
function bytes(n) { return n >= 1 << 30 ? (n / (1 << 30)).toFixed(2) + ' GB' : (n / (1 << 20)).toFixed(1) + ' MB'; }
function ago(ms) {
  var s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + (s % 60 ? ' ' + (s % 60) + 's' : '');
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
  return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
}
function label(r) { return r.name ? r.name : r.className + ' #' + r.id; }

// ---- charts: plain canvas ------------------------------------------------------------------
function drawChart(canvas, series, format) {
  var dpr = window.devicePixelRatio || 1;
  var w = canvas.clientWidth, hgt = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr)) { canvas.width = Math.round(w * dpr); canvas.height = Math.round(hgt * dpr); }
  var ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  var pts = state.history;
  var left = 44, right = 6, top = 6, bottom = 16;
  var max = 0;
  series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v > max) max = v; }); });
  max = max <= 0 ? 1 : niceMax(max);
  ctx.font = '10px system-ui, sans-serif'; ctx.fillStyle = '#7d8a97'; ctx.strokeStyle = '#26313d'; ctx.lineWidth = 1;
  for (var g = 0; g <= 2; g++) {
    var y = top + (hgt - top - bottom) * g / 2;
    ctx.beginPath(); ctx.moveTo(left, Math.round(y) + 0.5); ctx.lineTo(w - right, Math.round(y) + 0.5); ctx.stroke();
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle'; ctx.fillText(format(max * (2 - g) / 2), left - 6, y);
  }
  if (pts.length < 2) return;
  var t0 = pts[0].t, t1 = pts[pts.length - 1].t, span = Math.max(1, t1 - t0);
  ctx.textAlign = 'left'; ctx.textBaseline = 'alphabetic'; ctx.fillText('-' + ago(span), left, hgt - 3);
  ctx.textAlign = 'right'; ctx.fillText('now', w - right, hgt - 3);
  series.forEach(function (s, i) {
    ctx.strokeStyle = s.color || COLORS[i % COLORS.length]; ctx.lineWidth = 1.6; ctx.beginPath();
    var pen = false;
    for (var j = 0; j < pts.length; j++) {
      var v = s.values[j];
      if (v === null || v === undefined) { pen = false; continue; }
      var x = left + (w - left - right) * (pts[j].t - t0) / span;
      var yy = top + (hgt - top - bottom) * (1 - v / max);
      if (pen) ctx.lineTo(x, yy); else { ctx.moveTo(x, yy); pen = true; }
    }
    ctx.stroke();
    if (s.fill) {
      ctx.lineTo(w - right, hgt - bottom); ctx.lineTo(left, hgt - bottom); ctx.closePath();
      ctx.fillStyle = s.fill; ctx.fill();
    }
  });
}
function niceMax(x) { var p = Math.pow(10, Math.floor(Math.log10(x))); var m = x / p; return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p; }
function drawCharts() {
  var pts = state.history;
  var last = pts[pts.length - 1];
  drawChart($('chart-rate'), [{ values: pts.map(function (p) { return p.rate; }), color: '#4cc2ff', fill: 'rgba(76,194,255,.12)' }], fmt);
  var ids = [], names = {};
  pts.slice(-60).forEach(function (p) { p.top.forEach(function (e) { if (ids.indexOf(e.id) < 0) ids.push(e.id); names[e.id] = e.label; }); });
  if (last) ids.sort(function (a, b) { return mb(last, b) - mb(last, a); });
  ids = ids.slice(0, 5);
  drawChart($('chart-mailbox'), ids.map(function (id, i) {
    return { color: COLORS[i], values: pts.map(function (p) { var e = p.top.find(function (x) { return x.id === id; }); return e ? e.mailbox : (p.top.length < 5 || p.top[p.top.length - 1].mailbox > 0 ? 0 : null); }) };
  }), fmt);
  var legend = $('legend-mailbox'); legend.textContent = '';
  ids.forEach(function (id, i) { legend.appendChild(h('span', { 'data-id': id, class: 'peer', onclick: function () { openDetail(id); } }, [h('i', { style: 'background:' + COLORS[i] }), names[id]])); });
  drawChart($('chart-loop'), [
    { values: pts.map(function (p) { return p.loopMax; }), color: '#ff8a65' },
    { values: pts.map(function (p) { return p.loopMean; }), color: '#f2c14e' }
  ], function (v) { return fmt(v) + 'ms'; });
  drawChart($('chart-heap'), [
    { values: pts.map(function (p) { return p.heapTotal / 1048576; }), color: '#3b4a58' },
    { values: pts.map(function (p) { return p.heapUsed / 1048576; }), color: '#5ad18a', fill: 'rgba(90,209,138,.12)' }
  ], function (v) { return fmt(v) + 'M'; });
  if (last) {
    $('now-rate').textContent = fmt(last.rate) + '/s';
    $('now-mailbox').textContent = fmt(last.mailbox) + ' queued';
    $('now-loop').textContent = fmt(last.loopMean) + ' / ' + fmt(last.loopMax) + ' ms';
    $('now-heap').textContent = bytes(last.heapUsed);
    var sum = $('summary'); sum.textContent = '';
    [['node', state.hello ? state.hello.node : ''], ['servers', group(last.servers)], ['msg/s', fmt(last.rate)], ['heap', bytes(last.heapUsed)], ['loop p-max', fmt(last.loopMax) + ' ms']]
      .forEach(function (kv) { sum.appendChild(h('div', null, [h('span', { text: kv[0] + ' ' }), h('b', { text: kv[1] })])); });
    if (state.hello && !state.hello.canAct) sum.appendChild(h('div', null, [h('span', { class: 'badge', text: 'read-only' })]));
  }
}
function mb(p, id) { var e = p.top.find(function (x) { return x.id === id; }); return e ? e.mailbox : 0; }

// ---- supervision tree ------------------------------------------------------------------------
var collapsed = {};
function renderTree() {
  var root = $('tree'); root.textContent = '';
  if (state.tree.length === 0) { root.appendChild(h('p', { class: 'muted', text: 'No supervisors running.' })); return; }
  var ul = h('ul');
  state.tree.forEach(function (n) { ul.appendChild(treeNode(n)); });
  root.appendChild(ul);
}
function treeNode(n) {
  var open = !collapsed[n.id];
  var head = h('div', { class: 'sup-head', 'data-sup-id': n.id, onclick: function (e) { if (e.target.classList.contains('toggle')) { collapsed[n.id] = open; renderTree(); } else openDetail(n.id); } }, [
    h('span', { class: 'toggle', text: open ? '▾ ' : '▸ ' }),
    h('span', { class: 'kind', text: n.kind }), ' ', n.name ? h('b', { text: n.name }) : h('span', { class: 'muted', text: '#' + n.id }), ' ',
    h('span', { class: 'muted', text: n.strategy + ' · ' + n.childCount + ' children' }), ' ',
    h('span', { class: 'badge' + (n.restarts > 0 ? ' hot' : ''), 'data-restarts': n.restarts, title: 'restarts (limit ' + n.maxRestarts + ' in ' + n.maxSeconds + ' s)', text: '↻ ' + n.restarts })
  ]);
  var li = h('li', null, [head]);
  if (!open) return li;
  var ul = h('ul');
  n.children.forEach(function (c) {
    if (c.supervisor) { ul.appendChild(treeNode(c.supervisor)); return; }
    var row = h('div', { class: 'tree-child', 'data-child-id': c.childId === undefined ? '' : c.childId, 'data-id': c.id === undefined ? '' : c.id, 'data-restarts': c.restarts,
      onclick: function () { if (c.id !== undefined) openDetail(c.id); } }, [
      h('span', { class: 'st ' + c.status, title: c.status }),
      c.childId !== undefined ? h('span', { class: 'cid', text: c.childId }) : null,
      h('span', { text: c.className ? c.className + (c.name ? ' ' + c.name : '') + ' #' + c.id : '(' + c.status + ')' }),
      c.restarts > 0 ? h('span', { class: 'badge hot', title: 'restarts of this child', text: '↻ ' + c.restarts }) : null,
      c.childId !== undefined && state.hello && state.hello.canAct ? h('button', { class: 'act small', 'data-action': 'restart', title: 'terminate and start again from its spec',
        onclick: function (e) { e.stopPropagation(); act('/api/supervisors/' + n.id + '/restart', { childId: c.childId }); } }, ['restart']) : null
    ]);
    ul.appendChild(h('li', null, [row]));
  });
  if (n.childCount > n.children.length) ul.appendChild(h('li', { class: 'more', text: '… and ' + group(n.childCount - n.children.length) + ' more (filter the table)' }));
  li.appendChild(ul);
  return li;
}

// ---- servers table: virtualised, paged, filtered and sorted on the server ----------------
function renderHead() {
  var head = $('thead'); head.textContent = '';
  COLUMNS.forEach(function (c) {
    head.appendChild(h('div', { class: (c.num ? 'num ' : '') + (state.sort === c.key ? 'sorted' : ''), 'data-sort': c.key, onclick: function () {
      if (state.sort === c.key) state.desc = !state.desc; else { state.sort = c.key; state.desc = c.num && c.key !== 'id'; }
      renderHead(); $('viewport').scrollTop = 0; loadPage();
    } }, [c.label + (state.sort === c.key ? (state.desc ? ' ↓' : ' ↑') : '')]));
  });
}
var loading = false, again = false;
function loadPage() {
  if (loading) { again = true; return; }
  loading = true;
  var vp = $('viewport');
  var first = Math.max(0, Math.floor(vp.scrollTop / ROW_H) - 10);
  var count = Math.ceil(vp.clientHeight / ROW_H) + 20;
  var q = '/api/servers?offset=' + first + '&limit=' + count + '&sort=' + state.sort + (state.desc ? '&desc=1' : '') + '&filter=' + encodeURIComponent(state.filter);
  var started = performance.now();
  getJSON(q).then(function (page) {
    state.page = page; renderRows(page);
    state.lastPageMs = performance.now() - started;
  }).catch(function (e) { toast(e.message); }).then(function () {
    loading = false;
    if (again) { again = false; loadPage(); }
  });
}
function renderRows(page) {
  $('spacer').style.height = (page.matched * ROW_H) + 'px';
  $('count').textContent = page.matched === page.total ? group(page.total) : group(page.matched) + ' of ' + group(page.total);
  $('count').setAttribute('data-matched', page.matched);
  $('count').setAttribute('data-total', page.total);
  var rows = $('rows'); rows.style.top = (page.offset * ROW_H) + 'px';
  var now = Date.now();
  var frag = document.createDocumentFragment();
  page.rows.forEach(function (r) {
    frag.appendChild(h('div', { class: 'grid row' + (state.selected === r.id ? ' selected' : ''), 'data-id': r.id, onclick: function () { openDetail(r.id); } }, [
      h('div', { class: 'num', text: String(r.id) }),
      h('div', { class: 'cls' }, [r.className, r.supervisor ? h('span', { class: 'badge sup', text: 'sup' }) : null]),
      h('div', { text: r.name, title: r.name }),
      h('div', null, [h('span', { class: 'st ' + r.status }), ' ' + r.status + (r.tracing ? ' · trace' : '')]),
      h('div', { class: 'num' + (r.mailbox > 100 ? ' hot' : ''), text: group(r.mailbox) }),
      h('div', { class: 'num', text: fmt(r.rate) }),
      h('div', { class: 'num', text: fmt(r.handled) }),
      h('div', { class: 'num' + (r.dropped > 0 ? ' bad' : ''), text: group(r.dropped) }),
      h('div', { class: 'num', text: String(r.links) }),
      h('div', { class: 'num', text: String(r.monitors) }),
      h('div', { class: 'num', text: (r.before ? '≥' : '') + ago(now - r.since) })
    ]));
  });
  rows.textContent = ''; rows.appendChild(frag);
  if (!state.firstRows && page.rows.length > 0) { state.firstRows = performance.now(); document.body.setAttribute('data-rendered', '1'); }
}

// ---- crash log -------------------------------------------------------------------------------
function renderLog() {
  var el = $('log'); el.textContent = '';
  $('log-count').textContent = state.log.length ? '(' + state.log.length + ')' : '';
  if (state.log.length === 0) { el.appendChild(h('p', { class: 'muted', text: 'Nothing has crashed.' })); return; }
  state.log.slice().reverse().forEach(function (e) {
    var lines = e.message.split('\n');
    el.appendChild(h('div', { class: 'entry ' + e.level, 'data-kind': e.kind, 'data-server-id': e.serverId === undefined ? '' : e.serverId }, [
      h('div', { class: 'meta' }, [h('span', { text: new Date(e.time).toLocaleTimeString() }), h('span', { text: e.level + ' · ' + e.kind }), h('span', { text: e.node }),
        e.serverId !== undefined ? h('span', { class: 'peer', text: (e.className || '') + ' #' + e.serverId, onclick: function () { openDetail(e.serverId); } }) : null]),
      lines.length > 1 ? h('details', { open: e.kind === 'crash' && state.log.indexOf(e) >= state.log.length - 3 ? 'open' : null }, [h('summary', { text: lines[0] }), h('pre', { text: lines.slice(1).join('\n') })])
        : h('pre', { text: lines[0] })
    ]));
  });
}

// ---- detail pane ---------------------------------------------------------------------------
function openDetail(id) { state.selected = id; refreshDetail(); if (state.page) renderRows(state.page); }
function closeDetail() { state.selected = null; $('detail').hidden = true; if (state.page) renderRows(state.page); }
function refreshDetail() {
  var id = state.selected; if (id === null) return;
  getJSON('/api/servers/' + id).then(function (d) { if (state.selected === id) renderDetail(d); })
    .catch(function () { if (state.selected === id) renderGone(id); });
}
function renderGone(id) {
  var el = $('detail'); el.hidden = false; el.textContent = '';
  el.appendChild(h('button', { class: 'close', onclick: closeDetail, text: '×' }));
  el.appendChild(h('h3', { text: 'Server #' + id }));
  el.appendChild(h('p', { class: 'muted', 'data-gone': '1', text: 'This server is no longer running.' }));
}
function peers(list) {
  if (list.length === 0) return h('span', { class: 'muted', text: 'none' });
  return h('span', null, list.map(function (p, i) { return h('span', { class: 'peer', onclick: function () { openDetail(p.id); }, text: (i ? ', ' : '') + label(p) }); }));
}
function renderDetail(d) {
  var el = $('detail'); el.hidden = false; el.textContent = ''; el.setAttribute('data-id', d.id);
  var canAct = state.hello && state.hello.canAct;
  var why = canAct ? null : 'needs the token';
  el.appendChild(h('button', { class: 'close', onclick: closeDetail, title: 'close', text: '×' }));
  el.appendChild(h('h3', { text: d.className + (d.name ? ' · ' + d.name : '') }));
  el.appendChild(h('div', { class: 'muted', text: '#' + d.id + ' on ' + d.node }));
  el.appendChild(h('div', { class: 'actions' }, [
    h('button', { class: 'act', 'data-action': 'trace', disabled: !canAct, title: why, onclick: function () { act('/api/servers/' + d.id + '/trace', { on: !d.tracing }); } }, [d.tracing ? 'Trace off' : 'Trace on']),
    h('button', { class: 'act', 'data-action': 'stop', disabled: !canAct, title: why || 'GenServer.stop(ref, normal)', onclick: function () { act('/api/servers/' + d.id + '/stop'); } }, ['Stop']),
    h('button', { class: 'act danger', 'data-action': 'kill', disabled: !canAct, title: why || "GenServer.exit(ref, 'kill')", onclick: function () { act('/api/servers/' + d.id + '/kill'); } }, ['Kill'])
  ]));
  var dl = h('dl');
  [['status', d.status], ['mailbox', group(d.mailbox) + (d.maxMailbox !== null ? ' / ' + group(d.maxMailbox) : '')], ['handled', group(d.handled)], ['dropped', group(d.dropped)],
   ['timers', String(d.timers)], ['traps exits', String(d.trapExits)], ['tracing', String(d.tracing)]].forEach(function (kv) { dl.appendChild(h('dt', { text: kv[0] })); dl.appendChild(h('dd', { text: kv[1] })); });
  dl.appendChild(h('dt', { text: 'links' })); dl.appendChild(h('dd', null, [peers(d.links)]));
  dl.appendChild(h('dt', { text: 'monitors' })); dl.appendChild(h('dd', null, [peers(d.monitors)]));
  dl.appendChild(h('dt', { text: 'monitored by' })); dl.appendChild(h('dd', null, [peers(d.monitoredBy)]));
  el.appendChild(dl);
  if (d.supervisor) {
    var s = d.supervisor;
    el.appendChild(h('h4', { text: s.kind + ' · ' + s.strategy + ' · ' + s.restarts + ' restarts (limit ' + s.maxRestarts + ' in ' + s.maxSeconds + ' s)' }));
    var ul = h('div');
    s.children.forEach(function (c) {
      ul.appendChild(h('div', { class: 'tree-child' }, [h('span', { class: 'st ' + c.status }), c.childId !== undefined ? h('span', { class: 'cid', text: c.childId }) : null,
        c.id !== undefined ? h('span', { class: 'peer', text: '#' + c.id, onclick: function () { openDetail(c.id); } }) : h('span', { class: 'muted', text: c.status }),
        h('span', { class: 'muted', text: c.type + ', ' + c.restart + (c.restarts ? ', ↻ ' + c.restarts : '') }),
        c.childId !== undefined ? h('button', { class: 'act small', 'data-action': 'restart', disabled: !canAct, title: why, onclick: function () { act('/api/supervisors/' + d.id + '/restart', { childId: c.childId }); } }, ['restart']) : null]));
    });
    if (s.childCount > s.children.length) ul.appendChild(h('div', { class: 'more', text: '… and ' + group(s.childCount - s.children.length) + ' more' }));
    el.appendChild(ul);
  }
  el.appendChild(h('h4', { text: 'State' }));
  el.appendChild(d.state === undefined ? h('p', { class: 'muted', text: 'Hidden in a read-only view: open the page with its token to see state.' }) : h('pre', { class: 'state', text: d.state }));
  el.appendChild(h('h4', { text: 'Last messages' + (d.tracing ? '' : ' (turn tracing on to record them)') }));
  el.appendChild(d.traces.length ? h('pre', { class: 'traces', text: d.traces.join('\n') }) : h('p', { class: 'muted', text: d.tracing ? 'Nothing yet.' : 'Not traced.' }));
}
function act(path, body) {
  post(path, body).then(function () { refreshDetail(); loadPage(); }).catch(function (e) { toast(e.message); });
}

// ---- live feed -----------------------------------------------------------------------------
function onSample(ev) {
  var m = JSON.parse(ev.data);
  if (m.point && (state.history.length === 0 || m.point.t > state.history[state.history.length - 1].t)) {
    state.history.push(m.point);
    if (state.history.length > 2000) state.history.shift();
  }
  if (m.tree) { state.tree = m.tree; renderTree(); }
  if (m.log && m.log.length) {
    var seen = state.log.length ? state.log[state.log.length - 1].seq : 0;
    m.log.forEach(function (e) { if (e.seq > seen) state.log.push(e); });
    if (state.log.length > 200) state.log.splice(0, state.log.length - 200);
    renderLog();
  }
  state.generation = m.generation;
  drawCharts(); loadPage(); refreshDetail();
}
function connect() {
  var es = new EventSource(withToken('/api/events'));
  es.addEventListener('sample', onSample);
  es.onopen = function () { $('conn').className = 'conn on'; $('conn').textContent = 'live'; };
  es.onerror = function () { $('conn').className = 'conn off'; $('conn').textContent = 'reconnecting…'; };
}

renderHead();
var filterTimer;
$('filter').addEventListener('input', function (e) {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(function () { state.filter = e.target.value; $('viewport').scrollTop = 0; loadPage(); }, 120);
});
var scrollQueued = false;
$('viewport').addEventListener('scroll', function () {
  if (scrollQueued) return; scrollQueued = true;
  requestAnimationFrame(function () { scrollQueued = false; loadPage(); });
});
document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closeDetail(); });
window.addEventListener('resize', drawCharts);
Promise.all([getJSON('/api/hello'), getJSON('/api/history')]).then(function (r) {
  state.hello = r[0]; state.history = r[1].points;
  document.title = 'Observer · ' + r[0].node;
  drawCharts(); loadPage(); connect();
}).catch(function (e) { toast(e.message); });
})();
`;
