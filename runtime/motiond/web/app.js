// The phone page of motiond (docs/bridge-api.md): pair, browse and search the store, install
// with a progress bar, play and stop, and an emergency stop that is always on screen.
// Everything is built with DOM calls and textContent: nothing from the store is parsed as HTML.
'use strict';

const TEXT = {
  en: {
    title: 'Motion Store', pairTitle: 'Pair this phone',
    pairHelp: 'Enter the six-digit code that motiond shows on the robot (or scan its QR code).',
    code: 'Code', deviceName: 'Name of this phone', pair: 'Pair', pairing: 'Pairing…',
    wrongCode: 'That code is wrong or expired. Look at the robot for the current one.',
    rateLimited: 'Too many attempts. Try again in {s} s.', nowPlaying: 'Now playing',
    pause: 'Pause', resume: 'Resume', stop: 'Stop', speed: 'Speed', loop: 'Loop',
    store: 'Store', mine: 'My motions', search: 'Search', searchHint: 'Search motions',
    refresh: 'Refresh', install: 'Install', installed: 'Installed', update: 'Update',
    installing: 'Installing… {p}%', queued: 'Waiting…', remove: 'Remove', play: 'Play',
    estop: 'EMERGENCY STOP', estopEngaged: 'Emergency stop engaged: the robot is damping.',
    release: 'Release', estopSent: 'Emergency stop sent.', notPaired: 'Pair the phone first.',
    noCatalog: 'No catalog yet: press Refresh.', results: '{n} motions for {robot}',
    results1: '1 motion for {robot}',
    noResults: 'Nothing found.', noneInstalled: 'Nothing installed yet: install from the Store.',
    fullBody: 'full body', failed: 'Failed: {m}', done: 'Installed {id}.',
    removed: 'Removed {id}.', offline: 'Connection lost: retrying…', lostPairing:
    'This phone is no longer paired.', seconds: '{t} / {d} s', idle: 'Nothing is playing.',
    activity: {
      waiting: 'waiting', idle: 'idle', 'blend-in': 'blending in', playing: 'playing',
      'blend-out': 'blending out', stopping: 'stopping', returning: 'returning',
      holding: 'holding', releasing: 'releasing', damping: 'damping', starting: 'starting'
    }
  },
  zh: {
    title: '动作商店', pairTitle: '配对这部手机',
    pairHelp: '输入机器人上 motiond 显示的六位配对码（或扫描二维码）。',
    code: '配对码', deviceName: '手机名称', pair: '配对', pairing: '正在配对…',
    wrongCode: '配对码错误或已过期，请查看机器人上的当前配对码。',
    rateLimited: '尝试次数过多，请 {s} 秒后再试。', nowPlaying: '正在播放',
    pause: '暂停', resume: '继续', stop: '停止', speed: '速度', loop: '循环',
    store: '商店', mine: '我的动作', search: '搜索', searchHint: '搜索动作',
    refresh: '刷新', install: '安装', installed: '已安装', update: '更新',
    installing: '正在安装… {p}%', queued: '等待中…', remove: '删除', play: '播放',
    estop: '紧急停止', estopEngaged: '已紧急停止：机器人处于阻尼状态。',
    release: '解除', estopSent: '已发送紧急停止。', notPaired: '请先配对手机。',
    noCatalog: '还没有目录：请点击刷新。', results: '{robot} 可用的动作：{n} 个',
    results1: '{robot} 可用的动作：1 个',
    noResults: '没有找到。', noneInstalled: '还没有安装动作：请到商店安装。',
    fullBody: '全身', failed: '失败：{m}', done: '已安装 {id}。', removed: '已删除 {id}。',
    offline: '连接中断，正在重试…', lostPairing: '这部手机已不再配对。',
    seconds: '{t} / {d} 秒', idle: '没有正在播放的动作。',
    activity: {
      waiting: '等待中', idle: '空闲', 'blend-in': '过渡中', playing: '播放中',
      'blend-out': '收尾中', stopping: '停止中', returning: '回到站姿', holding: '保持',
      releasing: '释放中', damping: '阻尼', starting: '启动中'
    }
  }
};

const S = {
  lang: localStorage.getItem('motiond.lang') ||
        ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en'),
  token: localStorage.getItem('motiond.token'),
  status: null, catalog: null, installed: [], jobs: new Map(), lastEventId: null,
  stream: null, tab: 'store', thumbs: new Map(), playbackAt: 0
};

const $ = (id) => document.getElementById(id);

function t(key, vars) {
  let s = TEXT[S.lang][key];
  if (s === undefined) s = TEXT.en[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace('{' + k + '}', String(v));
  return s;
}

function pick(texts) {
  if (!texts) return '';
  return texts[S.lang] || texts['zh-Hans'] && S.lang === 'zh' && texts['zh-Hans'] ||
         texts.en || Object.values(texts)[0] || '';
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

let toastTimer = null;
function toast(msg) {
  const box = $('toast');
  box.textContent = msg;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

// ---- API --------------------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = {};
  if (S.token) headers.Authorization = 'Bearer ' + S.token;
  const opts = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (r.status === 401 && path !== '/api/v1/pair') {
    unpair(t('lostPairing'));
    throw new Error(t('lostPairing'));
  }
  if (!r.ok) {
    const err = new Error((data && data.message) || r.statusText);
    err.status = r.status;
    err.data = data;
    throw err;
  }
  return data;
}

// ---- language ---------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-placeholder]'))
    e.placeholder = t(e.dataset.i18nPlaceholder);
  $('lang').textContent = S.lang === 'zh' ? 'English' : '中文';
  renderStatus();
  renderCatalog();
  renderInstalled();
}

// ---- pairing ----------------------------------------------------------------------------------

function showViews() {
  const paired = !!S.token;
  $('pair-view').hidden = paired;
  $('app-view').hidden = !paired;
}

function unpair(message) {
  S.token = null;
  localStorage.removeItem('motiond.token');
  if (S.stream) S.stream.abort();
  showViews();
  if (message) toast(message);
}

async function pair(code, name) {
  const err = $('pair-error');
  err.hidden = true;
  try {
    const r = await api('POST', '/api/v1/pair', { code, name: name || 'phone' });
    S.token = r.token;
    localStorage.setItem('motiond.token', r.token);
    history.replaceState(null, '', location.pathname);
    showViews();
    start();
  } catch (e) {
    err.textContent = e.status === 429 ? t('rateLimited', { s: (e.data && e.data.retry_after) || 60 })
                    : e.status === 403 ? t('wrongCode') : e.message;
    err.hidden = false;
  }
}

// ---- status and playback ----------------------------------------------------------------------

const MOVING = new Set(['blend-in', 'playing', 'blend-out', 'stopping', 'returning', 'releasing']);

function applyMotion(m) {
  if (!S.status) S.status = { motion: m };
  else S.status.motion = Object.assign({}, S.status.motion, m);
  renderStatus();
}

function renderStatus() {
  const st = S.status;
  if (!st) return;
  if (st.robot) $('robot').textContent = st.robot.name + ' · ' + st.backend;
  const m = st.motion || {};
  const act = m.activity || 'idle';
  const a = $('activity');
  a.textContent = (TEXT[S.lang].activity[act] || act);
  a.dataset.activity = act;
  a.className = 'activity' + (MOVING.has(act) ? ' moving' : act === 'damping' ? ' damping' : '');
  const cur = m.current;
  if (cur) {
    const name = S.installedTitle(cur.package, cur.motion);
    $('now-title').textContent = name;
    $('now-title').dataset.package = cur.package || '';
    const frac = cur.duration > 0 ? Math.min(1, Math.max(0, cur.time / cur.duration)) : 0;
    $('now-bar').style.width = (frac * 100).toFixed(1) + '%';
    $('now-time').textContent = t('seconds', { t: cur.time.toFixed(1), d: cur.duration.toFixed(1) });
  } else {
    $('now-title').textContent = t('idle');
    $('now-title').dataset.package = '';
    $('now-bar').style.width = '0%';
    $('now-time').textContent = '';
  }
  const faults = m.faults || [];
  const engaged = faults.length > 0;
  $('estop-banner').hidden = !engaged;
  $('estop').classList.toggle('engaged', engaged);
  $('pause').disabled = !MOVING.has(act) || m.paused;
  $('resume').disabled = !m.paused;
  $('stop').disabled = !MOVING.has(act);
}

S.installedTitle = (pkg, motion) => {
  const p = S.installed.find((x) => x.id === pkg);
  if (!p) return motion || pkg || '';
  const mo = (p.motions || []).find((x) => x.name === motion);
  const title = mo && pick(mo.titles);
  return (pick(p.names) || p.name || p.id) + (title ? ' · ' + title : '');
};

async function loadStatus() {
  S.status = await api('GET', '/api/v1/status');
  renderStatus();
}

// ---- catalog ----------------------------------------------------------------------------------

function jobFor(id) {
  for (const j of S.jobs.values())
    if (j.package === id && (j.state === 'queued' || j.state === 'running')) return j;
  return null;
}

function catalogCard(p) {
  const job = jobFor(p.id);
  // The shown version's picture from the store (installed or not), else the installed one's.
  if (p.has_thumbnail) catalogThumbnail(p);
  const pic = S.thumbs.get(catalogThumbKey(p)) || S.thumbs.get(p.id);
  const actions = el('div', { class: 'actions' });
  if (job) {
    const bar = el('div', { class: 'bar' }, el('div', { class: 'fill', 'data-testid': 'install-bar' }));
    bar.firstChild.style.width = (job.percent || 0) + '%';
    actions.append(el('div', { class: 'progress' },
      el('span', { class: 'meta', 'data-testid': 'install-progress',
                   text: job.state === 'queued' ? t('queued') : t('installing', { p: Math.round(job.percent || 0) }) }),
      bar));
  } else if (p.installed && !p.update_available) {
    actions.append(el('span', { class: 'badge', 'data-testid': 'installed-badge', text: t('installed') + ' ' + p.installed }));
  } else {
    actions.append(el('button', {
      class: 'primary', type: 'button', 'data-testid': 'install',
      text: p.update_available ? t('update') : t('install'),
      onclick: () => install(p.id, p.update_available)
    }));
  }
  return el('li', { class: 'card', 'data-testid': 'catalog-item', 'data-id': p.id },
    el('div', { class: 'card-head' },
      pic ? el('img', { src: pic, alt: '' }) : null,
      el('div', {},
        el('h2', { text: pick(p.names) || p.name || p.id }),
        el('div', { class: 'meta', text: [p.category, p.version, p.developer].filter(Boolean).join(' · ') }),
        p.full_body ? el('span', { class: 'badge full', text: t('fullBody') }) : null)),
    el('p', { class: 'desc', text: pick(p.descriptions) || p.description || '' }),
    actions);
}

function renderCatalog() {
  const list = $('catalog');
  list.replaceChildren();
  if (!S.catalog) return;
  if (S.catalog.error) {
    $('catalog-note').textContent = S.catalog.error;
    return;
  }
  const n = S.catalog.packages.length;
  $('catalog-note').textContent = n === 0 ? t('noResults')
    : t(n === 1 ? 'results1' : 'results', { n, robot: S.catalog.robot });
  for (const p of S.catalog.packages) list.append(catalogCard(p));
}

async function loadCatalog() {
  const q = $('search').value.trim();
  const qs = new URLSearchParams({ lang: S.lang });
  if (q) qs.set('q', q);
  try {
    S.catalog = await api('GET', '/api/v1/catalog?' + qs.toString());
  } catch (e) {
    S.catalog = { error: e.status === 503 ? t('noCatalog') : e.message, packages: [] };
  }
  renderCatalog();
}

async function install(id, upgrade) {
  try {
    const r = await api('POST', upgrade ? '/api/v1/upgrade' : '/api/v1/install', { id });
    r.job.package = r.job.package || id;
    S.jobs.set(r.job.id, r.job);
    renderCatalog();
  } catch (e) {
    toast(t('failed', { m: e.message }));
  }
}

// ---- installed --------------------------------------------------------------------------------

// Pictures by key, fetched once each with the token (an <img> could not send it).
async function loadThumb(key, url) {
  if (S.thumbs.has(key)) return;
  S.thumbs.set(key, null);
  try {
    const r = await fetch(url, { headers: { Authorization: 'Bearer ' + S.token } });
    if (r.ok) {
      S.thumbs.set(key, URL.createObjectURL(await r.blob()));
      renderInstalled();
      renderCatalog();
    }
  } catch (e) { /* no picture then */ }
}

// An installed package's picture, from its installed files.
function thumbnail(id) {
  loadThumb(id, '/api/v1/packages/' + encodeURIComponent(id) + '/thumbnail');
}

// A catalog entry's picture: motiond fetches it from the store and verifies it.
function catalogThumbKey(p) {
  return 'catalog:' + p.id + '@' + p.version;
}

function catalogThumbnail(p) {
  loadThumb(catalogThumbKey(p), '/api/v1/catalog/' + encodeURIComponent(p.id) + '/thumbnail');
}

function renderInstalled() {
  const list = $('installed');
  list.replaceChildren();
  $('installed-note').textContent = S.installed.length ? '' : t('noneInstalled');
  for (const p of S.installed) {
    if (p.has_thumbnail) thumbnail(p.id);
    const actions = el('div', { class: 'actions' });
    for (const m of p.motions || []) {
      actions.append(el('button', {
        class: 'primary', type: 'button', 'data-testid': 'play', 'data-motion': m.name,
        text: t('play') + ': ' + (pick(m.titles) || m.name) + ' (' + m.duration.toFixed(1) + ' s)',
        onclick: () => play(p.id, m.name)
      }));
    }
    actions.append(el('button', { type: 'button', 'data-testid': 'remove', text: t('remove'),
                                  onclick: () => remove(p.id) }));
    list.append(el('li', { class: 'card', 'data-testid': 'installed-item', 'data-id': p.id },
      el('div', { class: 'card-head' },
        S.thumbs.get(p.id) ? el('img', { src: S.thumbs.get(p.id), alt: '' }) : null,
        el('div', {},
          el('h2', { text: pick(p.names) || p.name || p.id }),
          el('div', { class: 'meta', text: [p.category, p.version].filter(Boolean).join(' · ') }))),
      actions));
  }
}

async function loadInstalled() {
  const r = await api('GET', '/api/v1/packages');
  S.installed = r.packages;
  renderInstalled();
  renderStatus();
}

async function play(pkg, motion) {
  try {
    await api('POST', '/api/v1/play', {
      package: pkg, motion, loop: $('loop').checked ? 'forever' : 1,
      speed: parseFloat($('speed').value)
    });
  } catch (e) {
    toast(t('failed', { m: e.message }));
  }
}

async function remove(id) {
  try {
    const r = await api('POST', '/api/v1/remove', { id });
    r.job.package = id;
    S.jobs.set(r.job.id, r.job);
  } catch (e) {
    toast(t('failed', { m: e.message }));
  }
}

async function control(path, body) {
  try {
    await api('POST', path, body || {});
  } catch (e) {
    toast(t('failed', { m: e.message }));
  }
}

// The emergency stop goes out first, whatever else is going on; keepalive lets it leave even if
// the page is being closed.
function estop() {
  if (!S.token) {
    toast(t('notPaired'));
    return;
  }
  $('estop').classList.add('engaged');
  fetch('/api/v1/estop', { method: 'POST', keepalive: true, cache: 'no-store',
                           headers: { Authorization: 'Bearer ' + S.token } })
    .then((r) => { if (r.ok) toast(t('estopSent')); else toast(t('failed', { m: r.status })); })
    .catch((e) => toast(t('failed', { m: e.message })));
}

// ---- events -----------------------------------------------------------------------------------

function onEvent(name, data) {
  switch (name) {
  case 'hello':
    applyMotion(data.motion);
    break;
  case 'state':
    applyMotion({ activity: data.activity, faults: data.faults, estop: data.estop });
    if (data.activity === 'idle' || data.activity === 'damping') applyMotion({ current: null });
    break;
  case 'playback':
    applyMotion(data);
    break;
  case 'job': {
    const prev = S.jobs.get(data.id);
    S.jobs.set(data.id, Object.assign({}, prev, data));
    if (data.state === 'done') {
      if (data.kind === 'install' || data.kind === 'upgrade' || data.kind === 'sideload') toast(t('done', { id: data.package || '' }));
      if (data.kind === 'remove') toast(t('removed', { id: data.package || '' }));
      loadInstalled().catch(() => {});
      loadCatalog();
    } else if (data.state === 'failed') {
      toast(t('failed', { m: data.message || data.error }));
      loadCatalog();
    } else {
      renderCatalog();
    }
    break;
  }
  case 'error':
    toast(t('failed', { m: data.message || data.error }));
    break;
  case 'lost':
    // More happened than the stream keeps: read the state again instead.
    loadStatus().catch(() => {});
    loadInstalled().catch(() => {});
    loadCatalog();
    break;
  default:
    break;
  }
}

function parseFrame(frame) {
  let name = 'message', id = null;
  const data = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  if (id !== null) S.lastEventId = id;
  if (!data.length) return;
  try { onEvent(name, JSON.parse(data.join('\n'))); } catch (e) { /* a frame we cannot read */ }
}

// EventSource cannot send the Authorization header, so the stream is read with fetch.
async function streamEvents() {
  while (S.token) {
    const ctl = new AbortController();
    S.stream = ctl;
    try {
      const headers = { Authorization: 'Bearer ' + S.token, Accept: 'text/event-stream' };
      if (S.lastEventId) headers['Last-Event-ID'] = S.lastEventId;
      const r = await fetch('/api/v1/events', { headers, signal: ctl.signal, cache: 'no-store' });
      if (r.status === 401) { unpair(t('lostPairing')); return; }
      if (!r.ok || !r.body) throw new Error(String(r.status));
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          parseFrame(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      }
    } catch (e) {
      if (!S.token) return;
    }
    if (!S.token) return;
    toast(t('offline'));
    await new Promise((res) => setTimeout(res, 2000));
    loadStatus().catch(() => {});
  }
}

// ---- start ------------------------------------------------------------------------------------

function selectTab(tab) {
  S.tab = tab;
  $('tab-store').setAttribute('aria-selected', String(tab === 'store'));
  $('tab-mine').setAttribute('aria-selected', String(tab === 'mine'));
  $('store-view').hidden = tab !== 'store';
  $('mine-view').hidden = tab !== 'mine';
}

async function start() {
  document.body.dataset.ready = '0';
  try {
    await loadStatus();
    await loadInstalled();
    await loadCatalog();
  } catch (e) {
    if (S.token) toast(t('failed', { m: e.message }));
  }
  if (S.token) streamEvents();
  document.body.dataset.ready = '1';
}

document.addEventListener('DOMContentLoaded', () => {
  $('lang').addEventListener('click', () => {
    S.lang = S.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('motiond.lang', S.lang);
    applyLanguage();
    if (S.token) loadCatalog();
  });
  $('pair-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    pair($('pair-code').value.trim(), $('pair-name').value.trim());
  });
  $('search-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadCatalog(); });
  $('refresh').addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/v1/catalog/refresh', {});
      S.jobs.set(r.job.id, r.job);
    } catch (e) { toast(t('failed', { m: e.message })); }
  });
  $('tab-store').addEventListener('click', () => selectTab('store'));
  $('tab-mine').addEventListener('click', () => selectTab('mine'));
  $('pause').addEventListener('click', () => control('/api/v1/pause'));
  $('resume').addEventListener('click', () => control('/api/v1/resume'));
  $('stop').addEventListener('click', () => control('/api/v1/stop', { return_to_stand: false }));
  $('release').addEventListener('click', () => control('/api/v1/release'));
  $('estop').addEventListener('click', estop);
  $('speed').addEventListener('input', () => {
    $('speed-out').textContent = parseFloat($('speed').value).toFixed(1) + '×';
  });
  $('speed').addEventListener('change', () => {
    if (S.status && S.status.motion && MOVING.has(S.status.motion.activity))
      control('/api/v1/speed', { speed: parseFloat($('speed').value) });
  });
  // A QR code opens the page at #pair=CODE: the code is filled in, the name left to the user.
  const m = /#pair=(\d{6})/.exec(location.hash);
  if (m) $('pair-code').value = m[1];
  applyLanguage();
  showViews();
  if (S.token) start();
  else document.body.dataset.ready = '1';
});
