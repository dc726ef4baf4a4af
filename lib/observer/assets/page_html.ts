// The page's HTML, shipped as a string so the package needs no copy step and no asset path at run time.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Observer · genserver-ts</title>
<link rel="stylesheet" href="app.css">
</head>
<body>
<header>
  <h1>genserver-ts <span class="muted">observer</span></h1>
  <div id="summary" class="summary"></div>
  <div id="conn" class="conn off">connecting…</div>
</header>
<main>
  <section class="charts">
    <div class="card chart"><div class="chart-head"><h2>Messages / s</h2><span class="now" id="now-rate"></span></div><canvas id="chart-rate"></canvas></div>
    <div class="card chart"><div class="chart-head"><h2>Top mailboxes</h2><span class="now" id="now-mailbox"></span></div><canvas id="chart-mailbox"></canvas><div class="legend" id="legend-mailbox"></div></div>
    <div class="card chart"><div class="chart-head"><h2>Event-loop delay</h2><span class="now" id="now-loop"></span></div><canvas id="chart-loop"></canvas></div>
    <div class="card chart"><div class="chart-head"><h2>Heap</h2><span class="now" id="now-heap"></span></div><canvas id="chart-heap"></canvas></div>
  </section>
  <section class="middle">
    <div class="card tree-card"><h2>Supervision tree</h2><div id="tree" class="tree"><p class="muted">No supervisors yet.</p></div></div>
    <div class="card table-card">
      <div class="table-head"><h2>Servers <span id="count" class="muted"></span></h2><input id="filter" type="search" placeholder="Filter: class, name, #id or status" autocomplete="off" spellcheck="false"></div>
      <div class="grid thead" id="thead"></div>
      <div id="viewport" class="viewport"><div id="spacer"></div><div id="rows"></div></div>
    </div>
  </section>
  <section class="card log-card"><h2>Crash log <span id="log-count" class="muted"></span></h2><div id="log" class="log"><p class="muted">Nothing has crashed.</p></div></section>
</main>
<aside id="detail" class="detail" hidden></aside>
<div id="toast" class="toast" hidden></div>
<script src="app.js"></script>
</body>
</html>
`;
