/**
 * The workbench's one page: HTML, CSS and JS in one string, no remote assets. Pool text is untrusted, so the
 * script only ever puts page content into the DOM with textContent / createElement (never innerHTML), and the
 * server's Content-Security-Policy allows only this page's own nonce'd script and style.
 */

const CSS = `
:root { color-scheme: light; font-family: system-ui, "Noto Sans CJK SC", "Noto Sans", sans-serif; font-size: 15px; }
body { margin: 0; background: #f6f6f4; color: #1d1d1b; }
header { display: flex; gap: 1.2em; align-items: baseline; padding: .6em 1em; background: #23313f; color: #fff; flex-wrap: wrap; }
header b { font-weight: 600; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(18em, 2fr); gap: 1em; padding: 1em; }
section { background: #fff; border: 1px solid #d8d8d2; border-radius: 6px; padding: .8em 1em; }
h2 { font-size: 1em; margin: .2em 0 .6em; }
#doc-meta { display: flex; gap: 1em; flex-wrap: wrap; font-size: .9em; color: #444; }
#doc-url { word-break: break-all; }
#doc-text { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 52vh; overflow: auto; border-top: 1px solid #eee; margin-top: .6em; padding-top: .6em; line-height: 1.5; }
#doc-top { display: flex; gap: .6em; flex-wrap: wrap; font-size: .9em; }
#doc-top span { background: #eef2f6; border-radius: 3px; padding: .1em .4em; }
#topics { display: grid; grid-template-columns: repeat(auto-fill, minmax(13em, 1fr)); gap: .4em; margin-top: .8em; }
button { font: inherit; cursor: pointer; border: 1px solid #b9bfc6; background: #fbfbfa; border-radius: 4px; padding: .35em .5em; text-align: left; }
button:hover { background: #eef2f6; }
button.label2 { outline: 3px solid #c77d0a; }
button.suggested { border-color: #23313f; border-width: 2px; }
kbd { display: inline-block; min-width: 1.2em; text-align: center; font-family: ui-monospace, monospace; background: #23313f; color: #fff; border-radius: 3px; padding: 0 .25em; margin-right: .4em; }
.zh { color: #555; margin-left: .3em; }
#actions { display: flex; gap: .5em; flex-wrap: wrap; margin-top: .8em; align-items: center; }
#note { flex: 1; min-width: 12em; font: inherit; padding: .3em; }
#reasons { display: none; gap: .4em; flex-wrap: wrap; margin-top: .6em; padding: .5em; background: #fff6e5; border-radius: 4px; }
#reasons.open { display: flex; }
#toast { min-height: 1.3em; font-size: .9em; color: #23613f; margin-top: .5em; }
#toast.error { color: #a8201a; }
table { border-collapse: collapse; font-size: .85em; width: 100%; }
td, th { padding: .1em .4em; text-align: right; border-bottom: 1px solid #eee; }
td:first-child, th:first-child { text-align: left; }
.bar { position: relative; height: .8em; background: #eef2f6; min-width: 6em; }
.bar i { position: absolute; top: 0; bottom: 0; background: #9fb3c8; }
.bar b { position: absolute; top: -.15em; bottom: -.15em; width: 2px; background: #23313f; }
.muted { color: #777; }
`;

const JS = `
'use strict';
const token = new URLSearchParams(location.search).get('token') || '';
let client = sessionStorage.getItem('topicmix-client');
if (!client) {
  const a = new Uint8Array(8);
  crypto.getRandomValues(a);
  client = Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  sessionStorage.setItem('topicmix-client', client);
}
const $ = (id) => document.getElementById(id);
let state = null;
let doc = null;
let label2 = null;
let busy = false;

async function api(method, path, body) {
  const r = await fetch(path + '?client=' + encodeURIComponent(client), {
    method,
    headers: { 'x-topicmix-token': token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const j = await r.json();
  if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
  return j;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function toast(msg, isError) {
  const t = $('toast');
  t.textContent = msg;
  t.className = isError ? 'error' : '';
}

function nameOf(id) {
  if (!state) return id;
  const t = state.taxonomy.topics.find((x) => x.id === id);
  if (t) return t.en + ' / ' + t.zh;
  const a = state.taxonomy.abstain;
  return a && a.id === id ? a.en + ' / ' + a.zh : id;
}

function buildButtons() {
  const box = $('topics');
  box.replaceChildren();
  for (const t of state.taxonomy.topics) {
    const b = el('button');
    b.type = 'button';
    b.dataset.label = t.id;
    if (t.key) b.append(el('kbd', null, t.key));
    b.append(el('span', null, t.en), el('span', 'zh', t.zh));
    b.addEventListener('click', (ev) => (ev.shiftKey ? toggleLabel2(t.id) : submit(t.id)));
    box.append(b);
  }
  const rs = $('reasons');
  rs.replaceChildren(el('span', null, 'Why does no topic fit? '));
  const ab = state.taxonomy.abstain;
  if (ab) {
    ab.reasons.forEach((r, i) => {
      const b = el('button');
      b.type = 'button';
      b.dataset.reason = r;
      b.append(el('kbd', null, String(i + 1)), el('span', null, r));
      b.addEventListener('click', () => submit(ab.id, r));
      rs.append(b);
    });
  }
  $('none').hidden = !ab;
}

function showDoc() {
  label2 = null;
  $('reasons').classList.remove('open');
  for (const b of $('topics').children) b.classList.remove('label2', 'suggested');
  if (!doc) {
    $('doc-id').textContent = '';
    $('doc-lang').textContent = '';
    $('doc-url').textContent = '';
    $('doc-reason').textContent = '';
    $('doc-top').replaceChildren(el('span', 'muted', '-'));
    $('doc-text').textContent = 'Nothing left to label in this pool.';
    return;
  }
  $('doc-id').textContent = doc.id;
  $('doc-lang').textContent = doc.lang;
  $('doc-url').textContent = doc.url || '(no url)';
  $('doc-reason').textContent = doc.reason + (doc.model ? ' (' + doc.model + ')' : ' (random start, no model yet)');
  const top = $('doc-top');
  top.replaceChildren();
  if (doc.top.length === 0) top.append(el('span', 'muted', 'no model yet'));
  for (const t of doc.top) {
    const s = el('span', null, nameOf(t.label) + ' ' + (100 * t.score).toFixed(0) + '%');
    s.dataset.label = t.label;
    top.append(s);
  }
  if (doc.top[0]) {
    const b = $('topics').querySelector('button[data-label="' + CSS.escape(doc.top[0].label) + '"]');
    if (b) b.classList.add('suggested');
  }
  $('doc-text').textContent = doc.text;
}

function toggleLabel2(id) {
  label2 = label2 === id ? null : id;
  for (const b of $('topics').children) b.classList.toggle('label2', b.dataset.label === label2);
  toast(label2 ? 'second topic: ' + nameOf(label2) + ' (now pick the main topic)' : 'second topic cleared');
}

async function loadNext() {
  const r = await api('GET', '/api/next');
  doc = r.doc;
  showDoc();
}

// one action at a time: a key pressed while the last one is saving is dropped (and said so), never applied to the next page
async function run(f) {
  if (busy) {
    toast('still saving the last action: press again', true);
    return;
  }
  busy = true;
  document.body.dataset.busy = '1';
  try {
    await f();
  } catch (e) {
    toast(e.message, true);
  } finally {
    busy = false;
    document.body.dataset.busy = '';
  }
}

function refreshSoon() {
  refresh().catch((e) => toast(e.message, true));
}

function submit(label, reason) {
  if (!doc) return;
  return run(async () => {
    const body = { id: doc.id, label };
    if (label2 && label2 !== label && !reason) body.label2 = label2;
    if (reason) body.reason = reason;
    const note = $('note').value.trim();
    if (note) body.note = note;
    await api('POST', '/api/label', body);
    $('note').value = '';
    toast('saved ' + doc.id + ': ' + nameOf(label) + (body.label2 ? ' + ' + nameOf(body.label2) : '') + (reason ? ' (' + reason + ')' : ''));
    await loadNext();
  }).then(refreshSoon);
}

function skip() {
  if (!doc) return;
  return run(async () => {
    await api('POST', '/api/skip', { id: doc.id });
    toast('skipped ' + doc.id);
    await loadNext();
  });
}

function undo() {
  return run(async () => {
    const r = await api('POST', '/api/undo', {});
    toast('undone: ' + (r.undone ? r.undone.id + ' (' + nameOf(r.undone.label) + ')' : 'nothing'));
    await loadNext();
  }).then(refreshSoon);
}

function retrain() {
  return run(async () => {
    await api('POST', '/api/retrain', {});
    toast('retraining in the background');
  }).then(refreshSoon);
}

function renderState() {
  $('annotator').textContent = state.annotator;
  $('model-id').textContent = state.model || 'none yet';
  $('status').textContent = state.status + (state.error ? ' (last run failed: ' + state.error + ')' : '');
  $('round').textContent = String(state.round);
  $('session-labels').textContent = String(state.session_labels);
  $('since').textContent = state.since_retrain + (state.retrain_every ? ' / ' + state.retrain_every : ' (on demand only)');
  const p = state.progress;
  const table = $('progress');
  const head = el('tr');
  head.append(el('th', null, 'topic'));
  for (const l of p.langs) head.append(el('th', null, l));
  table.replaceChildren(head);
  for (const row of p.rows) {
    const tr = el('tr');
    tr.append(el('td', null, nameOf(row.label)));
    row.counts.forEach((c, i) => {
      const s = row.session[i];
      tr.append(el('td', null, c + (s ? ' (+' + s + ')' : '')));
    });
    table.append(tr);
  }
  const h = state.heldout;
  $('heldout').textContent = !h ? 'no model yet' : h.n === 0 ? 'no held-out labels yet' :
    (100 * h.correct / h.n).toFixed(1) + '% of ' + h.n + ' held-out pages' + h.byLang.map((g) => '; ' + g.lang + ' ' + (100 * g.correct / g.n).toFixed(0) + '% of ' + g.n).join('');
  const sh = state.shares;
  const st = $('shares');
  st.replaceChildren();
  if (sh) {
    const hr = el('tr');
    hr.append(el('th', null, 'topic'), el('th', null, 'share'), el('th', null, '95% interval'), el('th', null, ''));
    st.append(hr);
    sh.labels.forEach((l, i) => {
      const tr = el('tr');
      const bar = el('div', 'bar');
      const span = el('i');
      span.style.left = (100 * sh.lo[i]) + '%';
      span.style.width = Math.max(0.5, 100 * (sh.hi[i] - sh.lo[i])) + '%';
      const mark = el('b');
      mark.style.left = (100 * sh.shares[i]) + '%';
      bar.append(span, mark);
      const td = el('td');
      td.append(bar);
      tr.append(el('td', null, nameOf(l)), el('td', null, (100 * sh.shares[i]).toFixed(1) + '%'), el('td', null, (100 * sh.lo[i]).toFixed(1) + '-' + (100 * sh.hi[i]).toFixed(1) + '%'), td);
      st.append(tr);
    });
    $('shares-note').textContent = sh.docs + ' pool pages; tags corrected by the held-out confusions';
  } else {
    $('shares-note').textContent = 'after the first model';
  }
}

async function refresh() {
  const first = state === null;
  state = await api('GET', '/api/state');
  if (first) buildButtons();
  renderState();
}

document.addEventListener('keydown', (ev) => {
  const t = ev.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) {
    if (ev.key === 'Escape' || ev.key === 'Enter') { t.blur(); ev.preventDefault(); }
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey || !state) return;
  const ab = state.taxonomy.abstain;
  if ($('reasons').classList.contains('open')) {
    const i = Number(ev.key) - 1;
    if (ab && Number.isInteger(i) && i >= 0 && i < ab.reasons.length) { ev.preventDefault(); submit(ab.id, ab.reasons[i]); return; }
    if (ev.key === 'Escape') { $('reasons').classList.remove('open'); ev.preventDefault(); }
    return;
  }
  const key = ev.key.toLowerCase();
  if (key === 'n' && ab) { $('reasons').classList.add('open'); ev.preventDefault(); return; }
  if (key === 's') { ev.preventDefault(); skip(); return; }
  if (key === 'u') { ev.preventDefault(); undo(); return; }
  if (key === '/') { ev.preventDefault(); $('note').focus(); return; }
  if (key === 'escape') { label2 = null; toggleLabel2(null); return; }
  const topic = state.taxonomy.topics.find((x) => x.key === key);
  if (!topic) return;
  ev.preventDefault();
  if (ev.shiftKey) toggleLabel2(topic.id);
  else submit(topic.id);
});
$('none').addEventListener('click', () => $('reasons').classList.toggle('open'));
$('skip').addEventListener('click', skip);
$('undo').addEventListener('click', undo);
$('retrain').addEventListener('click', retrain);

run(async () => {
  await refresh();
  await loadNext();
  document.body.dataset.ready = '1';
});
setInterval(refreshSoon, 2000);
`;

const BODY = `
<header>
  <b>topicmix label serve</b>
  <span>annotator: <span id="annotator"></span></span>
  <span>model: <span id="model-id"></span></span>
  <span>status: <span id="status"></span></span>
  <span>round <span id="round"></span></span>
  <span>labels this session: <span id="session-labels"></span></span>
  <span>since retrain: <span id="since"></span></span>
  <button type="button" id="retrain">Retrain now</button>
</header>
<main>
  <div>
    <section id="page">
      <div id="doc-meta">
        <span>id <b id="doc-id"></b></span>
        <span>lang <b id="doc-lang"></b></span>
        <span>suggested as <span id="doc-reason"></span></span>
      </div>
      <div id="doc-url"></div>
      <div>model's top topics: <span id="doc-top"></span></div>
      <div id="doc-text"></div>
    </section>
    <section>
      <div id="topics"></div>
      <div id="reasons"></div>
      <div id="actions">
        <button type="button" id="none"><kbd>n</kbd>none fits</button>
        <button type="button" id="skip"><kbd>s</kbd>skip</button>
        <button type="button" id="undo"><kbd>u</kbd>undo</button>
        <input id="note" maxlength="@MAX_NOTE@" placeholder="note (press /)" autocomplete="off">
      </div>
      <div class="muted">key = main topic and save; Shift+key = second topic first; n then 1-6 = none fits with its reason</div>
      <div id="toast"></div>
    </section>
  </div>
  <div>
    <section>
      <h2>Labels per topic x language (+ this session)</h2>
      <table id="progress"></table>
    </section>
    <section>
      <h2>Held-out accuracy</h2>
      <div id="heldout"></div>
    </section>
    <section>
      <h2>Estimated topic shares of the pool</h2>
      <div id="shares-note" class="muted"></div>
      <table id="shares"></table>
    </section>
  </div>
</main>
`;

/** The page, with `nonce` on its one script and one style element (the server's CSP names the same nonce). */
export function workbenchPage(nonce: string, maxNoteChars: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>topicmix label serve</title>
<style nonce="${nonce}">${CSS}</style>
</head>
<body>${BODY.replace('@MAX_NOTE@', String(maxNoteChars))}<script nonce="${nonce}">${JS}</script>
</body>
</html>
`;
}
