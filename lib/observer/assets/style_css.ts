// The page's style sheet (see page_html.ts for why assets are strings).
export const STYLE_CSS = `
:root {
  --bg: #0f1419; --card: #171e26; --line: #26313d; --text: #d8e0e8; --muted: #7d8a97;
  --accent: #4cc2ff; --ok: #5ad18a; --warn: #f2c14e; --bad: #ff6b6b; --purple: #b68cff;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text); font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header { display: flex; align-items: center; gap: 24px; padding: 10px 18px; border-bottom: 1px solid var(--line); background: #121920; position: sticky; top: 0; z-index: 5; }
h1 { font-size: 16px; margin: 0; font-weight: 600; letter-spacing: .2px; }
h2 { font-size: 12px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .8px; color: var(--muted); font-weight: 600; }
.muted { color: var(--muted); font-weight: 400; }
.summary { display: flex; gap: 20px; flex: 1; }
.summary b { font-family: var(--mono); color: var(--text); font-weight: 600; }
.summary span { color: var(--muted); }
.conn { font-size: 12px; padding: 2px 10px; border-radius: 10px; border: 1px solid var(--line); }
.conn.on { color: var(--ok); border-color: #2c5a40; }
.conn.on::before { content: "● "; }
.conn.off { color: var(--warn); }
main { padding: 14px 18px 24px; display: flex; flex-direction: column; gap: 14px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
.charts { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 14px; }
.chart canvas { width: 100%; height: 120px; display: block; }
.chart-head { display: flex; justify-content: space-between; align-items: baseline; }
.chart-head .now { font-family: var(--mono); font-size: 13px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 10px; margin-top: 6px; font-size: 11px; color: var(--muted); min-height: 16px; }
.legend i { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 4px; }
.middle { display: grid; grid-template-columns: minmax(260px, 1fr) minmax(0, 2.6fr); gap: 14px; }
.tree { font-family: var(--mono); font-size: 12px; max-height: 480px; overflow: auto; }
.tree ul { list-style: none; margin: 0; padding-left: 16px; border-left: 1px dashed var(--line); }
.tree > ul { padding-left: 0; border: 0; }
.tree li { margin: 2px 0; }
.sup-head { cursor: pointer; padding: 2px 4px; border-radius: 4px; }
.sup-head:hover, .tree-child:hover { background: #1f2a35; }
.sup-head .kind { color: var(--purple); font-weight: 600; }
.tree-child { display: flex; gap: 6px; align-items: center; padding: 1px 4px; border-radius: 4px; cursor: pointer; }
.tree-child .cid { color: var(--accent); }
.badge.sup { margin-left: 6px; color: var(--purple); }
.badge { white-space: nowrap; font-size: 11px; padding: 0 6px; border-radius: 8px; background: #22303c; color: var(--muted); font-family: var(--mono); }
.badge.hot { background: #4a2a2a; color: #ffb3b3; }
.st { display: inline-block; width: 7px; height: 7px; border-radius: 50%; background: var(--ok); flex: none; }
.st.starting, .st.restarting { background: var(--warn); } .st.terminating { background: var(--warn); }
.st.dead, .st.stopped { background: var(--bad); }
.more { color: var(--muted); padding-left: 4px; }
.table-head { display: flex; justify-content: space-between; align-items: center; gap: 12px; margin-bottom: 6px; }
.table-head h2 { margin: 0; }
input[type=search] { background: #0f151b; border: 1px solid var(--line); color: var(--text); border-radius: 6px; padding: 6px 10px; width: 320px; font: inherit; }
input[type=search]:focus { outline: none; border-color: var(--accent); }
.grid { display: grid; grid-template-columns: 64px minmax(110px, 1.3fr) minmax(90px, 1.2fr) 88px 76px 76px 88px 64px 50px 64px 78px; align-items: center; }
.grid > div { padding: 0 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.thead { border-bottom: 1px solid var(--line); height: 28px; color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .5px; user-select: none; }
.thead > div { cursor: pointer; }
.thead > div.num, .row > div.num { text-align: right; }
.thead > div.sorted { color: var(--accent); }
.viewport { position: relative; height: 420px; overflow-y: auto; overflow-x: hidden; }
#rows { position: absolute; left: 0; right: 0; top: 0; }
.row { height: 26px; border-bottom: 1px solid #1d262f; font-family: var(--mono); font-size: 12px; cursor: pointer; }
.row:hover { background: #1c2630; }
.row.selected { background: #1d3142; }
.row .cls { color: var(--accent); font-family: system-ui, sans-serif; }
.row .hot { color: var(--warn); }
.row .bad { color: var(--bad); }
.log { max-height: 300px; overflow: auto; display: flex; flex-direction: column; gap: 6px; }
.entry { border-left: 3px solid var(--bad); padding: 4px 10px; background: #1a1416; border-radius: 0 4px 4px 0; }
.entry.warn { border-color: var(--warn); background: #1b1a13; }
.entry .meta { font-size: 11px; color: var(--muted); display: flex; gap: 10px; }
.entry summary { cursor: pointer; font-family: var(--mono); font-size: 12px; }
.entry pre { margin: 4px 0 2px; white-space: pre-wrap; font-family: var(--mono); font-size: 11.5px; color: #e9c8c8; }
.detail { position: fixed; top: 0; right: 0; bottom: 0; width: min(520px, 92vw); background: #131a21; border-left: 1px solid var(--line); box-shadow: -8px 0 24px rgba(0,0,0,.4); z-index: 10; overflow: auto; padding: 14px 18px 30px; }
.detail h3 { margin: 0 0 4px; font-size: 15px; }
.detail .close { float: right; background: none; border: 0; color: var(--muted); font-size: 20px; cursor: pointer; }
.detail dl { display: grid; grid-template-columns: 120px 1fr; gap: 3px 10px; margin: 10px 0; font-size: 12px; }
.detail dt { color: var(--muted); } .detail dd { margin: 0; font-family: var(--mono); }
.detail pre { background: #0e1419; border: 1px solid var(--line); border-radius: 6px; padding: 8px; white-space: pre-wrap; word-break: break-word; font-family: var(--mono); font-size: 11.5px; max-height: 320px; overflow: auto; }
.detail h4 { margin: 14px 0 6px; font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .8px; }
.actions { display: flex; gap: 8px; margin: 10px 0; flex-wrap: wrap; }
button.act { background: #1f2b37; color: var(--text); border: 1px solid #33414f; border-radius: 6px; padding: 5px 12px; font: inherit; cursor: pointer; }
button.act:hover:not(:disabled) { border-color: var(--accent); }
button.act.danger { color: #ffb3b3; border-color: #5a3030; }
button.act:disabled { opacity: .45; cursor: not-allowed; }
button.small { padding: 0 8px; font-size: 11px; }
.peer { cursor: pointer; color: var(--accent); }
.toast { position: fixed; bottom: 16px; left: 50%; transform: translateX(-50%); background: #2a1c1c; color: #ffd0d0; border: 1px solid #5a3030; padding: 8px 14px; border-radius: 6px; z-index: 20; }
@media (max-width: 1100px) { .charts { grid-template-columns: repeat(2, minmax(0, 1fr)); } .middle { grid-template-columns: 1fr; } }
`;
