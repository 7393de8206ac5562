// The browser test of motiond's phone page: Debian's chromium, headless, driven by playwright-core,
// against a real motiond on the simulated robot and a real store (tests/runtime/motiond_fixture.py).
// It pairs with the code from the QR link, searches, installs (watching the progress bar while the
// fixture holds the download half-way), plays and stops, plays and presses the emergency stop
// (which must be on screen and uncovered in every view), checks the page at each step, and saves
// screenshots into the build folder ($MS_BINARY_DIR/test-artifacts/).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error('playwright-core is not installed: run tools/setup (npm ci in tests/web)');
  process.exit(1);
}

const BUILD = process.env.MS_BINARY_DIR || join(here, '..', '..', 'build');
const ARTIFACTS = join(BUILD, 'test-artifacts');
const CHROMIUM = process.env.MS_CHROMIUM || '/usr/bin/chromium';
const WAVE = 'org.motionstore.examples.g1-wave';

let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) {
    passed++;
    console.log('ok:', what);
  } else {
    failed++;
    console.log('FAIL:', what);
  }
  return cond;
}

// ---- the fixture --------------------------------------------------------------------------------
const fixture = spawn('python3', [join(here, '..', 'runtime', 'motiond_fixture.py')],
                      { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
const lines = [];
const waiters = [];
createInterface({ input: fixture.stdout }).on('line', (line) => {
  let v;
  try { v = JSON.parse(line); } catch (e) { console.log('fixture:', line); return; }
  lines.push(v);
  while (waiters.length) waiters.shift()();
});
const fixtureExit = new Promise((res) => fixture.on('exit', (code) => res(code)));

async function nextLine(key, ms = 120000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const i = lines.findIndex((v) => key in v);
    if (i >= 0) return lines.splice(i, 1)[0];
    if (Date.now() > deadline) throw new Error(`the fixture did not say "${key}"`);
    await Promise.race([new Promise((res) => waiters.push(res)),
                        new Promise((res) => setTimeout(res, 500))]);
  }
}

async function api(base, token, method, path, body) {
  const r = await fetch(base + path, {
    method, headers: Object.assign({ Authorization: 'Bearer ' + token },
                                   body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined
  });
  return { status: r.status, json: await r.json().catch(() => null) };
}

const profile = mkdtempSync(join(tmpdir(), 'motiond-chromium-'));
let context;
try {
  const info = await nextLine('url');
  const base = info.url.replace(/\/$/, '');
  mkdirSync(ARTIFACTS, { recursive: true });

  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US'
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30000);
  const foreign = [];
  const errors = [];
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(base) && !u.startsWith('blob:') && !u.startsWith('data:')) foreign.push(u);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  // Refused requests (the wrong code's 403) are logged by the browser as failed resources: those
  // are answers the test asked for, not script errors.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  const T = (id) => page.getByTestId(id);
  // The emergency stop is on screen and on top: the element at the centre of its box is the
  // button itself (no toast, banner or dialog over it), wherever the page is scrolled.
  const estopOnTop = () => page.evaluate(() => {
    const b = document.querySelector('[data-testid="estop"]');
    const r = b.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return r.height >= 80 && r.top >= 0 && r.bottom <= window.innerHeight &&
           (hit === b || b.contains(hit));
  });
  const scrollToEnd = () => page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));

  // 1. The QR code's link: the pairing form with the code filled in.
  await page.goto(`${base}/#pair=${info.code}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  check(await T('pair-view').isVisible(), 'an unpaired phone sees the pairing form');
  check(await T('pair-code').inputValue() === info.code, 'the code from the QR link is filled in');
  check(await T('estop').isVisible(), 'the emergency stop is visible before pairing');
  const box = await T('estop').boundingBox();
  check(box && box.height >= 80 && box.width >= 300 && box.y + box.height <= 844,
        `the emergency stop is large and on screen (${JSON.stringify(box)})`);
  check(await estopOnTop(), 'nothing covers the emergency stop on the pairing form');
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  check(await fits(), 'the pairing form fits the phone\'s width (no sideways scrolling)');

  // A wrong code first: refused, with the reason shown.
  await T('pair-code').fill(info.code === '000000' ? '111111' : '000000');
  await T('pair-submit').click();
  await T('pair-error').waitFor({ state: 'visible' });
  check(/wrong or expired/.test(await T('pair-error').textContent()), 'a wrong code is refused');
  const fresh = await (async () => { fixture.stdin.write('code\n'); return (await nextLine('code')).code; })();
  await T('pair-code').fill(fresh);
  await T('pair-name').fill('browser test');
  await T('pair-submit').click();
  await T('app-view').waitFor({ state: 'visible' });
  const token = await page.evaluate(() => localStorage.getItem('motiond.token'));
  check(/^mdt_[0-9a-f]{64}$/.test(token || ''), 'pairing stored a token in the page');
  await page.waitForFunction(() => /Unitree G1/.test(document.getElementById('robot').textContent));
  check(true, 'the header names the robot');

  // 2. Search.
  await T('search').fill('no such motion anywhere');
  await T('search-submit').click();
  await page.waitForFunction(() => /Nothing found/.test(document.getElementById('catalog-note').textContent));
  check(await T('catalog-item').count() === 0, 'a search for nothing finds nothing');
  await T('search').fill('wave');
  await T('search-submit').click();
  const waveCard = page.locator(`[data-testid="catalog-item"][data-id="${WAVE}"]`);
  await waveCard.waitFor();
  check(await T('catalog-item').count() >= 1, 'searching "wave" finds the wave package');
  check(/Wave/.test(await waveCard.locator('h2').textContent()), 'the card shows the package name');
  // The example packages are built by `mpk build` with a thumbnail rendered by mpk-preview.
  const listed = await api(base, token, 'GET', '/api/v1/catalog?q=wave');
  check(listed.json.packages.find((p) => p.id === WAVE).has_thumbnail === true,
        'the catalog says the wave has a thumbnail');
  await page.waitForFunction((id) => {
    const img = document.querySelector(`[data-testid="catalog-item"][data-id="${id}"] img`);
    return img && img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:');
  }, WAVE);
  check(true, "the catalog card shows the thumbnail of a package not installed yet");
  await T('search').fill('');
  await T('search-submit').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-item"]').length >= 2);
  await scrollToEnd();
  check(await estopOnTop(), 'the emergency stop stays on screen with the whole catalog scrolled to its end');
  check(await fits(), 'the catalog fits the phone\'s width');
  await T('search').fill('wave');
  await T('search-submit').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-item"]').length === 1);
  await page.screenshot({ path: join(ARTIFACTS, 'motiond_browser_store.png') });

  // 3. Install: the fixture holds the download half-way, so the progress bar must show.
  await waveCard.getByTestId('install').click();
  const progress = waveCard.getByTestId('install-progress');
  await page.waitForFunction((id) => {
    const card = document.querySelector(`[data-testid="catalog-item"][data-id="${id}"]`);
    const bar = card && card.querySelector('[data-testid="install-bar"]');
    return bar && parseFloat(bar.style.width) > 5;
  }, WAVE);
  const text = await progress.textContent();
  const width = await waveCard.getByTestId('install-bar').evaluate((e) => parseFloat(e.style.width));
  check(/Installing… \d+%/.test(text) && width > 5 && width < 100,
        `the progress bar shows the install under way (${text}, ${width}%)`);
  await page.screenshot({ path: join(ARTIFACTS, 'motiond_browser_install.png') });
  // The e-stop pressed on the page while the install is held mid-download: it acts at once and
  // the install goes on.
  await T('estop').click();
  await T('estop-banner').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.getElementById('activity').dataset.activity === 'damping');
  const during = await api(base, token, 'GET', '/api/v1/status');
  const jobs = await api(base, token, 'GET', '/api/v1/jobs');
  check(during.json.motion.faults.includes('estop') && during.json.motion.activity === 'damping' &&
        jobs.json.jobs.some((j) => j.kind === 'install' && j.state === 'running'),
        'the page\'s e-stop damps the robot while the install is still running');
  check(await estopOnTop(), 'the emergency stop stays on top during the install');
  await T('release').click();
  await T('estop-banner').waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.getElementById('activity').dataset.activity === 'idle');
  fixture.stdin.write('open\n');
  await nextLine('opened');
  await waveCard.getByTestId('installed-badge').waitFor();
  check(/Installed 1\.0\.0/.test(await waveCard.getByTestId('installed-badge').textContent()),
        'the card says installed when the job is done');

  // 4. Play from "My motions".
  await T('tab-mine').click();
  const item = page.locator(`[data-testid="installed-item"][data-id="${WAVE}"]`);
  await item.waitFor();
  const installed = await api(base, token, 'GET', '/api/v1/packages');
  check(installed.json.packages.find((p) => p.id === WAVE).has_thumbnail === true,
        'the installed wave has a thumbnail');
  await page.waitForFunction((id) => {
    const img = document.querySelector(`[data-testid="installed-item"][data-id="${id}"] img`);
    return img && img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:');
  }, WAVE);
  check(true, "the installed package's thumbnail is shown (fetched with the token)");
  await scrollToEnd();
  check(await estopOnTop(), 'the emergency stop is on screen in "My motions" too');

  // Play, then the ordinary stop: the motion comes to rest and the robot is idle again.
  await item.getByTestId('play').first().click();
  await page.waitForFunction(() =>
    ['blend-in', 'playing'].includes(document.getElementById('activity').dataset.activity));
  await page.waitForFunction(() => !document.getElementById('stop').disabled);
  await T('stop').click();
  await page.waitForFunction(() => document.getElementById('activity').dataset.activity === 'idle',
                             null, { timeout: 30000 });
  const stopped = await api(base, token, 'GET', '/api/v1/status');
  check(stopped.json.motion.current === null && stopped.json.motion.faults.length === 0,
        'the stop button stopped the motion (idle, no fault)');
  check(await T('stop').isDisabled(), 'stop is disabled once nothing moves');

  await item.getByTestId('play').first().click();
  await page.waitForFunction(() =>
    ['blend-in', 'playing'].includes(document.getElementById('activity').dataset.activity));
  check(true, 'pressing play starts the motion');
  await page.waitForFunction(() => document.getElementById('activity').dataset.activity === 'playing' &&
                                   parseFloat(document.getElementById('now-bar').style.width) > 0);
  check(/Wave/.test(await T('now-title').textContent()), 'now playing names the motion');
  const st = await api(base, token, 'GET', '/api/v1/status');
  check(st.status === 200 && st.json.motion.current && st.json.motion.current.package === WAVE,
        'motiond agrees that the wave plays');

  // 5. Emergency stop.
  await T('estop').click();
  await T('estop-banner').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.getElementById('activity').dataset.activity === 'damping');
  check(await estopOnTop(), 'with its banner shown the emergency stop is still on top');
  const after = await api(base, token, 'GET', '/api/v1/status');
  check(after.json.motion.faults.includes('estop') && after.json.motion.activity === 'damping',
        'the emergency stop put the robot into damping');
  await page.screenshot({ path: join(ARTIFACTS, 'motiond_browser.png') });
  check(true, `screenshot saved: ${join(ARTIFACTS, 'motiond_browser.png')}`);

  // 6. Chinese text, then release. Every translated element changes, to Chinese.
  const texts = () => page.evaluate(() => {
    const out = {};
    for (const e of document.querySelectorAll('[data-i18n]')) out[e.dataset.i18n] = e.textContent.trim();
    for (const e of document.querySelectorAll('[data-i18n-placeholder]')) {
      out['placeholder:' + e.dataset.i18nPlaceholder] = e.getAttribute('placeholder');
    }
    return out;
  });
  const en = await texts();
  await T('lang').click();
  const zh = await texts();
  const untranslated = Object.keys(en).filter((k) => !/[\u4e00-\u9fff]/.test(zh[k] || '') || zh[k] === en[k]);
  check(Object.keys(en).length >= 15 && untranslated.length === 0,
        `all ${Object.keys(en).length} texts of the page have Chinese (untranslated: ${untranslated.join(', ')})`);
  check((await T('estop').textContent()).trim() === '紧急停止', 'the page switches to Chinese');
  check(await page.evaluate(() => document.documentElement.lang) === 'zh-CN', 'lang is zh-CN');
  // The screenshot shows the Chinese only if this machine has a CJK font (tools/setup installs
  // fonts-wqy-zenhei): the e-stop's label drawn in the page's font differs from characters no font
  // has (private use: always the empty box), pixel for pixel.
  const glyphs = await page.evaluate(() => {
    const font = getComputedStyle(document.querySelector('[data-testid="estop"]')).font;
    const draw = (text) => {
      const c = document.createElement('canvas');
      c.width = 200; c.height = 60;
      const g = c.getContext('2d');
      g.font = font;
      g.fillText(text, 4, 44);
      return Array.from(g.getImageData(0, 0, 200, 60).data).join(',');
    };
    return draw('紧急停止') !== draw('\uE000\uE001\uE002\uE003');
  });
  check(glyphs, 'Chinese characters are drawn as glyphs, not empty boxes (a CJK font: tools/setup)');
  await page.screenshot({ path: join(ARTIFACTS, 'motiond_browser_zh.png') });
  await T('release').click();
  await T('estop-banner').waitFor({ state: 'hidden' });
  const released = await api(base, token, 'GET', '/api/v1/status');
  check(released.json.motion.faults.length === 0, 'release clears the emergency stop');

  check(foreign.length === 0, `the page loads nothing from elsewhere (${foreign.join(', ')})`);
  check(errors.length === 0, `no script errors (${errors.join('; ')})`);
} catch (e) {
  check(false, 'unexpected error: ' + (e && e.stack || e));
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  fixture.stdin.end();
}
const stopped = await nextLine('stopped', 60000).catch(() => ({ stopped: 'none' }));
check(stopped.stopped === 0, `motiond stopped cleanly on SIGTERM (${stopped.stopped})`);
check(await fixtureExit === 0, 'the fixture cleaned up');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
