// The lmkit playground: chat with streaming and per-token probabilities, and
// one-click translate / sentiment / summarize panels. Plain browser JavaScript
// against the server's own HTTP API (the same endpoints any client uses).

const $ = (id) => document.getElementById(id);
const state = { history: [], controller: null };

// ---- settings ----

const saved = JSON.parse(localStorage.getItem('lmkit-playground') || '{}');
for (const id of ['temperature', 'top-p', 'max-tokens', 'seed', 'system', 'api-key']) {
  if (saved[id] !== undefined) $(id).value = saved[id];
}
function saveSettings() {
  const out = {};
  for (const id of ['temperature', 'top-p', 'max-tokens', 'seed', 'system', 'api-key']) out[id] = $(id).value;
  localStorage.setItem('lmkit-playground', JSON.stringify(out));
}
for (const [id, out] of [['temperature', 'temperature-out'], ['top-p', 'top-p-out']]) {
  const show = () => ($(out).textContent = $(id).value);
  $(id).addEventListener('input', show);
  show();
}
document.querySelectorAll('aside input, aside textarea').forEach((el) => el.addEventListener('change', saveSettings));

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

function headers() {
  const h = { 'content-type': 'application/json' };
  const key = $('api-key').value.trim();
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

function model() {
  return $('model').value || undefined;
}

async function api(path, body, signal) {
  const res = await fetch(path, { method: body ? 'POST' : 'GET', headers: headers(), body: body ? JSON.stringify(body) : undefined, signal });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.error?.message || `${res.status} ${res.statusText}`);
  return json;
}

async function loadModels() {
  try {
    const r = await api('/v1/models');
    const chosen = $('model').value;
    $('model').replaceChildren(...r.data.map((m) => new Option(m.loaded ? m.id : `${m.id} (loads on first use)`, m.id)));
    if (chosen) $('model').value = chosen;
    setStatus(`${r.data.length} model${r.data.length === 1 ? '' : 's'}`);
  } catch (e) {
    setStatus(e.message, true);
  }
}

// ---- tabs ----

document.querySelectorAll('nav button').forEach((b) =>
  b.addEventListener('click', () => {
    document.querySelectorAll('nav button').forEach((x) => x.setAttribute('aria-selected', String(x === b)));
    document.querySelectorAll('.panel').forEach((p) => (p.hidden = p.id !== `tab-${b.dataset.tab}`));
  }),
);

// ---- per-token probabilities ----

const tooltip = $('tooltip');
const pct = (lp) => `${(Math.exp(lp) * 100).toFixed(lp > Math.log(0.995) ? 1 : 2)}%`;
const shown = (t) => JSON.stringify(t).slice(1, -1);

function showTooltip(span, ev) {
  const tokens = span._tokens || [];
  if (tokens.length === 0) return;
  const parts = tokens.map((t) => {
    const rows = (t.top_logprobs.length ? t.top_logprobs : [t])
      .map((a) => `<tr class="${a.token === t.token ? 'chosen' : ''}"><td>${escapeHtml(shown(a.token))}</td><td class="p">${pct(a.logprob)}</td></tr>`)
      .join('');
    return `<div class="head">“${escapeHtml(shown(t.token))}” ${pct(t.logprob)}</div><table>${rows}</table>`;
  });
  tooltip.innerHTML = parts.join('<hr>');
  tooltip.hidden = false;
  const x = Math.min(ev.clientX + 12, window.innerWidth - tooltip.offsetWidth - 8);
  tooltip.style.left = `${x}px`;
  tooltip.style.top = `${ev.clientY + 16}px`;
}

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

document.addEventListener('mouseover', (ev) => {
  const span = ev.target.closest?.('.tok');
  if (span) showTooltip(span, ev);
  else tooltip.hidden = true;
});

/** Colours a token by how sure the model was: paler means less likely. */
function tint(span) {
  const p = Math.min(...span._tokens.map((t) => Math.exp(t.logprob)));
  span.style.background = `rgba(220, 120, 60, ${(0.45 * (1 - p)).toFixed(3)})`;
}

// ---- chat ----

function addMessage(role, text) {
  const div = document.createElement('div');
  div.className = `msg ${role}`;
  div.textContent = text;
  $('messages').append(div);
  div.scrollIntoView({ block: 'end' });
  return div;
}

/** Reads a server-sent-events body, calling onData with each parsed `data:` JSON. */
async function readEvents(res, onData) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      for (const line of block.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') return;
        onData(JSON.parse(data));
      }
    }
  }
}

async function send(text) {
  const messages = [];
  const system = $('system').value.trim();
  if (system) messages.push({ role: 'system', content: system });
  messages.push(...state.history, { role: 'user', content: text });
  addMessage('user', text);
  const out = addMessage('assistant', '');
  const seed = $('seed').value;
  const body = {
    model: model(),
    messages,
    stream: true,
    stream_options: { include_usage: true },
    temperature: Number($('temperature').value),
    top_p: Number($('top-p').value),
    max_tokens: Number($('max-tokens').value),
    logprobs: true,
    top_logprobs: 5,
    ...(seed !== '' ? { seed: Number(seed) } : {}),
  };
  state.controller = new AbortController();
  $('send').disabled = true;
  $('stop').disabled = false;
  setStatus('generating…');
  const t0 = performance.now();
  let answer = '';
  let pending = [];
  let usage = null;
  let finish = null;
  try {
    const res = await fetch('/v1/chat/completions', { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: state.controller.signal });
    if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error?.message || `${res.status}`);
    await readEvents(res, (chunk) => {
      if (chunk.error) throw new Error(chunk.error.message);
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) return;
      if (choice.logprobs?.content) pending.push(...choice.logprobs.content);
      const piece = choice.delta?.content;
      if (piece) {
        const span = document.createElement('span');
        span.className = 'tok';
        span.textContent = piece;
        span._tokens = pending;
        pending = [];
        if (span._tokens.length) tint(span);
        out.append(span);
        answer += piece;
        out.scrollIntoView({ block: 'end' });
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    });
    state.history.push({ role: 'user', content: text }, { role: 'assistant', content: answer });
    const secs = (performance.now() - t0) / 1000;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = usage ? `${usage.completion_tokens} tokens · ${(usage.completion_tokens / secs).toFixed(1)} tok/s · ${finish}` : finish || '';
    out.append(meta);
    setStatus('ready');
    void loadModels();
  } catch (e) {
    if (e.name === 'AbortError') setStatus('stopped');
    else {
      out.remove();
      addMessage('error', e.message);
      setStatus(e.message, true);
    }
  } finally {
    state.controller = null;
    $('send').disabled = false;
    $('stop').disabled = true;
  }
}

$('chat-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = $('prompt').value.trim();
  if (!text || state.controller) return;
  $('prompt').value = '';
  void send(text);
});
$('prompt').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) {
    ev.preventDefault();
    $('chat-form').requestSubmit();
  }
});
$('stop').addEventListener('click', () => state.controller?.abort());
$('reset').addEventListener('click', () => {
  state.controller?.abort();
  state.history = [];
  $('messages').replaceChildren();
});

// ---- task panels ----

async function runTask(button, output, fn) {
  button.disabled = true;
  output.textContent = '…';
  try {
    await fn();
  } catch (e) {
    output.textContent = e.message;
  } finally {
    button.disabled = false;
  }
}

$('tr-swap').addEventListener('click', () => {
  const s = $('tr-source').value;
  $('tr-source').value = $('tr-target').value;
  $('tr-target').value = s;
});
$('tr-run').addEventListener('click', () =>
  runTask($('tr-run'), $('tr-output'), async () => {
    const r = await api('/v1/translate', { model: model(), input: $('tr-input').value, source: $('tr-source').value.trim(), target: $('tr-target').value.trim() });
    $('tr-output').textContent = r.data[0].translation;
  }),
);
$('su-run').addEventListener('click', () =>
  runTask($('su-run'), $('su-output'), async () => {
    const r = await api('/v1/summarize', { model: model(), input: $('su-input').value });
    $('su-output').textContent = r.data[0].summary;
  }),
);
$('se-run').addEventListener('click', () =>
  runTask($('se-run'), $('se-output'), async () => {
    const r = await api('/v1/sentiment', { model: model(), input: $('se-input').value });
    const res = r.data[0];
    const grid = document.createElement('div');
    grid.className = 'bars';
    for (const [label, p] of Object.entries(res.scores).sort((a, b) => b[1] - a[1])) {
      const name = document.createElement('span');
      name.textContent = label;
      if (label === res.label) name.className = 'winner';
      const track = document.createElement('div');
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${(p * 100).toFixed(1)}%`;
      track.append(bar);
      const val = document.createElement('span');
      val.textContent = `${(p * 100).toFixed(1)}%`;
      grid.append(name, track, val);
    }
    const note = document.createElement('p');
    note.className = 'hint';
    note.textContent = res.method === 'head' ? 'from the model’s classification head' : 'zero-shot: calibrated label likelihoods';
    $('se-output').replaceChildren(grid, note);
  }),
);

void loadModels();
