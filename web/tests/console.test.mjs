// The web console end to end, in a real browser: a host, its console server and
// a streaming client run on loopback; headless Chromium signs in (wrong
// passwords and throttling first), visits every page, checks each shows live
// data, screenshots it, and stops the session from the Dashboard.
//
//   PF_HOST_BINARY=…/punktfunk-host PF_CLIENT_BINARY=…/punktfunk-client \
//   PF_TEST_OUTPUT=/tmp/shots node web/tests/console.test.mjs

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const HOST = need('PF_HOST_BINARY');
const CLIENT = need('PF_CLIENT_BINARY');
const OUT = need('PF_TEST_OUTPUT');
const CHROMIUM = process.env.PF_CHROMIUM ?? '/usr/bin/chromium';
const { chromium } = await import('playwright-core').catch(() =>
  fail('playwright-core is missing: run scripts/build-web.sh (it installs web/node_modules)'),
);

function need(name) {
  const v = process.env[name];
  if (!v) fail(`${name} is not set`);
  return v;
}

function fail(message) {
  console.error(`console test: FAILED: ${message}`);
  process.exit(1);
}

// ---------- processes ----------

/** Every process this test started, so that all of them end with it. */
const children = new Set();

process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** Starts a program; its stdout and stderr are kept together in `output`. */
function start(name, args, env) {
  const child = spawn(args[0], args.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name, child, output: '', exited: null };
  const keep = (chunk) => {
    proc.output += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  proc.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', (e) => {
    proc.output += `\n[could not start: ${e.message}]`;
  });
  children.add(child);
  return proc;
}

async function waitForOutput(proc, pattern, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const m = proc.output.match(pattern);
    if (m) return m;
    if (proc.child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(
    `${proc.name}: no ${pattern} within ${timeoutMs / 1000} s${proc.child.exitCode !== null ? ` (exited ${proc.child.exitCode})` : ''}\n${tail(proc.output)}`,
  );
}

function tail(text, lines = 30) {
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `    | ${l}`)
    .join('\n');
}

/** SIGTERM, then SIGKILL after 5 s. */
async function stop(proc) {
  const c = proc.child;
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGTERM');
  const done = await Promise.race([proc.exited, sleep(5000).then(() => null)]);
  if (!done) c.kill('SIGKILL');
  await proc.exited;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---------- the test ----------

const steps = [];
function step(text) {
  steps.push(text);
  console.log(`console test: ${text}`);
}

const tmp = mkdtempSync(join(tmpdir(), 'pf-console-test-'));
mkdirSync(OUT, { recursive: true });
const procs = [];
let browser;
let failed = false;

try {
  const [nativePort, mgmtPort, webPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmp,
    PUNKTFUNK_CONFIG_DIR: join(tmp, 'host'),
    PUNKTFUNK_STATE_DIR: join(tmp, 'state'),
    PUNKTFUNK_DISPLAY_BACKEND: 'synthetic',
    PUNKTFUNK_MDNS: 'off',
    PUNKTFUNK_GAMESTREAM: 'on',
    PUNKTFUNK_GAMESTREAM_PORT: '0', // any free ports
    PUNKTFUNK_NATIVE_PORT: String(nativePort),
    PUNKTFUNK_MGMT_PORT: String(mgmtPort),
    PUNKTFUNK_WEB_PORT: String(webPort),
    PUNKTFUNK_WEB_BIND: '127.0.0.1',
  };

  const host = start('host', [HOST, 'serve', '--allow-tofu'], env);
  procs.push(host);
  await waitForOutput(host, /ready;/, 20000);
  step(`host ready (native ${nativePort}, management ${mgmtPort})`);

  const setup = spawnSync(HOST, ['web', 'setup', '--no-service'], { env, encoding: 'utf8', timeout: 30000 });
  assert.equal(setup.status, 0, `web setup failed:\n${setup.stdout}${setup.stderr}`);
  const password = setup.stdout.match(/^\s*password:\s*(\S+)\s*$/m)?.[1];
  assert.ok(password, `web setup printed no "password: ..." line:\n${setup.stdout}`);
  const again = spawnSync(HOST, ['web', 'setup', '--no-service'], { env, encoding: 'utf8', timeout: 30000 });
  assert.equal(again.status, 0, `web setup (again) failed:\n${again.stdout}${again.stderr}`);
  assert.doesNotMatch(again.stdout, /password:\s*\S/, 'a second web setup printed a password');
  assert.match(again.stdout + again.stderr, /already set/, 'a second web setup did not say a password is already set');
  step('web setup made a password; a second run kept it');

  const web = start('console', [HOST, 'web', 'serve'], env);
  procs.push(web);
  const url = (await waitForOutput(web, /console on (https:\/\/\S+?)\/?(?=[\s(]|$)/m, 20000))[1] + '/';
  step(`console serving on ${url}`);

  const client = start(
    'client',
    [
      CLIENT,
      'connect',
      `127.0.0.1:${nativePort}`,
      '--allow-tofu',
      '--mode',
      '320x240@30',
      '--seconds',
      '120',
      '--config-dir',
      join(tmp, 'client'),
    ],
    env,
  );
  procs.push(client);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`);
  });
  const noPageErrors = () => assert.deepEqual(pageErrors, [], 'the page reported errors');
  const byId = (id) => page.locator(`[data-testid="${id}"]`);

  // ---- sign-in, wrong passwords, throttling ----
  await page.goto(url);
  await byId('page-login').waitFor();

  /** Types a password, submits, and returns the /auth/login answer's status and body. */
  const login = async (pw) => {
    await byId('login-password').fill(pw);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/auth/login') && r.request().method() === 'POST'),
      byId('login-submit').click(),
    ]);
    return { status: res.status(), body: await res.json().catch(() => ({})) };
  };

  for (let i = 1; i <= 5; i++) {
    const r = await login(`not-the-password-${i}`);
    assert.equal(r.status, 401, `wrong password #${i}: status ${r.status}`);
    await page.waitForFunction(() =>
      /wrong password/i.test(document.querySelector('[data-testid="login-error"]')?.textContent ?? ''),
    );
  }
  step('five wrong passwords: "wrong password" each time');

  const throttled = await login(password);
  assert.equal(throttled.status, 429, `sixth attempt: status ${throttled.status}, not 429`);
  await page.waitForFunction(() =>
    /too many attempts/i.test(document.querySelector('[data-testid="login-error"]')?.textContent ?? ''),
  );
  const wait = Number(throttled.body.retry_after_s ?? 2);
  await page.screenshot({ path: join(OUT, 'console-login.png') });
  step(`sixth attempt throttled (try again in ${wait} s)`);
  await sleep(wait * 1000 + 300);

  const ok = await login(password);
  assert.equal(ok.status, 200, `the right password after the lockout: status ${ok.status}`);
  await byId('page-dashboard').waitFor();
  step('signed in');

  const shot = async (name) => {
    // Dismiss the toasts of earlier actions, and let the last render settle.
    await page.locator('.toast button').evaluateAll((buttons) => buttons.forEach((b) => b.click()));
    await sleep(300);
    await page.screenshot({ path: join(OUT, `console-${name}.png`), fullPage: true });
  };
  const visit = async (id) => {
    await byId(`nav-${id}`).click();
    await byId(`page-${id}`).waitFor();
  };

  // ---- Dashboard ----
  const sessionRow = page.locator('[data-testid="session-row"][data-client="punktfunk-client"]');
  await sessionRow.waitFor({ timeout: 15000 });
  await page.waitForFunction(
    () => document.querySelector('[data-testid="live"]')?.textContent?.includes('live'),
    null,
    { timeout: 10000 },
  );
  await shot('dashboard');
  step('Dashboard: the session of punktfunk-client, events live');

  // ---- Displays ----
  await visit('displays');
  await page.locator('[data-testid="display-row"][data-display="1"][data-state="active"]').waitFor();
  await byId('display-policy').waitFor();
  await shot('displays');
  await byId('policy-keep-alive').fill('soon');
  await byId('policy-save').click();
  await page.waitForFunction(() =>
    /keep.?alive|soon/i.test(document.querySelector('[data-testid="policy-error"]')?.textContent ?? ''),
  );
  await byId('policy-revert').click();
  step("Displays: display 1 active; the policy editor shows the server's refusal of a bad keep-alive");

  // ---- Pairing ----
  await visit('pairing');
  await byId('pair-arm').click();
  const pin = (await byId('pin').textContent())?.trim();
  assert.match(pin ?? '', /^\d{4}$/, `the PIN is "${pin}"`);
  await shot('pairing');
  step(`Pairing: PIN ${pin} shown`);
  // GameStream is on: its panel waits for a Moonlight client's PIN.
  await page.locator('[data-testid="gamestream-pin"]', { hasText: 'No Moonlight client is waiting' }).waitFor();
  step('Pairing: the Moonlight panel shows GameStream on, nobody waiting');

  // A client pairs with that PIN; another knocks and is approved on the page.
  const pairWith = (name, extra) =>
    spawnSync(CLIENT, ['pair', `127.0.0.1:${nativePort}`, '--name', name, '--config-dir', join(tmp, name), ...extra], {
      env,
      encoding: 'utf8',
      timeout: 40000,
    });
  const paired = pairWith('console-pin', ['--pin', pin]);
  assert.equal(paired.status, 0, `pairing with the PIN failed:\n${paired.stdout}${paired.stderr}`);
  const clientRow = (name) => page.locator('[data-testid="client-row"]', { hasText: name });
  await clientRow('console-pin').waitFor();
  const knock = start(
    'knocking client',
    [
      CLIENT,
      'pair',
      `127.0.0.1:${nativePort}`,
      '--name',
      'console-knock',
      '--config-dir',
      join(tmp, 'console-knock'),
      '--wait',
      '30',
    ],
    env,
  );
  procs.push(knock);
  await page
    .locator('[data-testid="pending-row"]', { hasText: 'console-knock' })
    .locator('[data-testid="pending-approve"]')
    .click();
  const approved = await Promise.race([knock.exited, sleep(20000).then(() => null)]);
  assert.equal(approved?.code, 0, `the approved client did not finish pairing\n${tail(knock.output)}`);
  await clientRow('console-knock').waitFor();
  await clientRow('console-pin').locator('[data-testid="client-access"]').selectOption('view-only');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="client-row"]')].some(
      (r) =>
        r.textContent.includes('console-pin') && r.querySelector('[data-testid="client-access"]').value === 'view-only',
    ),
  );
  await page.reload();
  await clientRow('console-pin').waitFor();
  assert.equal(
    await clientRow('console-pin').locator('[data-testid="client-access"]').inputValue(),
    'view-only',
    'the access change did not persist',
  );
  await shot('pairing-clients');
  await byId('unpair-all').click();
  await byId('confirm-password').fill(password);
  await byId('confirm-submit').click();
  await page.locator('[data-testid="client-row"]').first().waitFor({ state: 'detached' });
  step('Pairing: one client paired by PIN, one approved; access changed; all unpaired with the password');

  // ---- Performance ----
  await visit('performance');
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid="chart"]')].some((c) => Number(c.getAttribute('data-points')) >= 2),
    null,
    { timeout: 20000 },
  );
  await shot('performance');
  step('Performance: graphs with live samples');

  await byId('capture-start').click();
  await page.locator('[data-testid="recording-row"]', { hasText: 'recording' }).first().waitFor();
  await sleep(4500); // two samples
  await byId('capture-stop').click();
  await byId('capture-start').waitFor();
  await page.locator('[data-testid="recording-view-button"]').first().click();
  await byId('recording-view').waitFor();
  await page.waitForFunction(
    () =>
      Number(
        document.querySelector('[data-testid="recording-view"] [data-testid="chart"]')?.getAttribute('data-points'),
      ) >= 1,
  );
  await shot('performance-recording');
  await byId('recording-close').click();
  await page.locator('[data-testid="recording-delete"]').first().click();
  await page.locator('[data-testid="recording-row"]').waitFor({ state: 'detached' });
  step('Performance: a recording made, viewed as graphs and deleted');

  // ---- Apps: the built-in desktop; adding one needs the password again ----
  await visit('apps');
  await page.locator('[data-testid="app-row"][data-app="desktop"]', { hasText: 'Desktop' }).waitFor();
  await byId('app-add').click();
  await byId('app-id').fill('console-test');
  await byId('app-name').fill('Console test');
  await byId('app-command').fill(`sleep "1 0"`);
  await byId('app-save').click();
  await byId('confirm-password').fill('not-the-password');
  await byId('confirm-submit').click();
  await page.waitForFunction(() =>
    /wrong password/i.test(document.querySelector('[data-testid="confirm-error"]')?.textContent ?? ''),
  );
  await byId('confirm-password').fill(password);
  await byId('confirm-submit').click();
  await page.locator('[data-testid="app-row"][data-app="console-test"]').waitFor();
  await shot('apps');
  await page.locator('[data-testid="app-row"][data-app="console-test"] [data-testid="app-remove"]').click();
  await byId('confirm-password').fill(password);
  await byId('confirm-submit').click();
  await page.locator('[data-testid="app-row"][data-app="console-test"]').waitFor({ state: 'detached' });
  step('Apps: Desktop listed; an app added and removed with the password confirmed (a wrong one refused)');

  // ---- Logs ----
  await visit('logs');
  await page.locator('[data-testid="log-line"]', { hasText: 'streaming' }).first().waitFor();
  await shot('logs');
  step('Logs: lines about streaming');

  // ---- Host ----
  await visit('host');
  const fingerprint = (await byId('host-fingerprint').textContent())?.trim() ?? '';
  assert.match(fingerprint, /^[0-9a-f:]{16,}$/i, `the host fingerprint is "${fingerprint}"`);
  await page.locator('[data-testid="encoder-row"][data-encoder="x264"]').first().waitFor();
  const why = await page
    .locator('[data-testid="encoder-row"][data-encoder="nvenc"] [data-testid="encoder-why"]')
    .first()
    .textContent();
  assert.ok(why && why.length > 5, 'NVENC shows no reason why it is unavailable');
  await shot('host');
  step('Host: fingerprint, x264, and why NVENC is unavailable');

  // ---- Settings ----
  await visit('settings');
  await byId('password-form').waitFor();
  await page.locator('[data-testid="setting-row"]').first().waitFor();
  await shot('settings');
  step('Settings: the password form and the host settings');

  // ---- a phone ----
  await page.setViewportSize({ width: 390, height: 844 });
  await visit('dashboard');
  await sessionRow.waitFor();
  await sleep(300);
  const overflow = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  assert.ok(
    overflow.scroll <= overflow.inner + 1,
    `the Dashboard overflows a phone screen: ${overflow.scroll} px wide in ${overflow.inner}`,
  );
  await shot('dashboard-phone');
  await page.setViewportSize({ width: 1280, height: 800 });
  step('Dashboard fits a 390×844 phone screen');

  // ---- stopping the session ends the client ----
  await sessionRow.locator('[data-testid="stop-session"]').click();
  const ended = await Promise.race([client.exited, sleep(20000).then(() => null)]);
  assert.ok(ended, `the client did not exit within 20 s of Stop\n${tail(client.output)}`);
  await sessionRow.waitFor({ state: 'detached', timeout: 15000 });
  step(`Stop: the client exited (${ended.signal ?? `code ${ended.code}`}) and the row went`);

  noPageErrors();
} catch (e) {
  failed = true;
  console.error(`console test: FAILED after: ${steps[steps.length - 1] ?? 'the start'}`);
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  for (const p of procs) console.error(`--- ${p.name} output (last lines):\n${tail(p.output)}`);
} finally {
  await browser?.close().catch(() => undefined);
  for (const p of [...procs].reverse()) await stop(p);
  rmSync(tmp, { recursive: true, force: true });
}

if (failed) process.exit(1);
console.log(`console test: passed (${steps.length} steps); screenshots in ${OUT}`);
