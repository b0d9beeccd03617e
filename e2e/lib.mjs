// Shared helpers of the end-to-end tests: start the real binary on a demo database in
// a temporary folder, launch Debian's Chromium through playwright-core, and a few page
// helpers whose failures say what was expected and where the browser was.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BINARY = process.env.TONGBAN_BIN || path.join(ROOT, 'target', 'debug', 'tongban');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const DEMO_PASSWORD = 'demo-2026';
/** The demo administrator's TOTP secret (printed by `tongban demo`). */
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** The current RFC 6238 code of a base32 secret (SHA-1, 30 s, 6 digits), as an
 *  authenticator app shows it. */
export function totpCode(secret, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

/** After the password: the second step of an account with a second factor. */
export async function passSecondFactor(page) {
  if (!new URL(page.url()).pathname.startsWith('/login/totp')) return;
  await page.getByLabel('动态口令或恢复码').fill(totpCode(DEMO_TOTP_SECRET));
  await page.getByRole('button', { name: '验证并登录' }).click();
}

// Chromium on a machine without outside network: no background connections, no GPU.
// Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `tongban demo` on a fresh SQLite database (scale 0.002) on a free port and
 * waits for /healthz. Returns { base, stop }.
 */
export async function startServer() {
  if (!existsSync(BINARY)) {
    throw new Error(`找不到 ${BINARY}：请先运行 cargo build -p tongban`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tongban-e2e-'));
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const base = `http://${listen}`;
  const child = spawn(
    BINARY,
    [
      'demo',
      '--db', `sqlite://${dir}/e2e.db`,
      '--key-file', `${dir}/e2e.key`,
      '--listen', listen,
      '--scale', '0.002',
    ],
    {
      cwd: dir,
      env: { ...process.env, TONGBAN_LOG: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  // Never leave the server behind, even when the test process is stopped.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      process.off('exit', killOnExit);
      resolve(exited);
    });
  });

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`tongban demo 提前退出（${JSON.stringify(exited)}）：\n${stderr}`);
    }
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exit;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`tongban demo 在 60 秒内没有响应 ${base}/healthz：\n${stderr}`);
    }
    await sleep(100);
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGINT'); // the server shuts down gracefully on Ctrl-C
      const done = await Promise.race([exit, sleep(5000).then(() => null)]);
      if (!done) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    await rm(dir, { recursive: true, force: true });
  }

  return { base, stop, logs: () => stderr };
}

/** Launches Debian's Chromium headless. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`找不到 Chromium（${CHROMIUM}）：请安装 Debian 的 chromium 软件包`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** A new browser context with the short timeouts these tests expect. */
export async function newPage(browser) {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.setDefaultNavigationTimeout(15_000);
  return page;
}

/** Where the page is and what it says, for failure messages. */
export async function whereIs(page) {
  let text = '';
  try {
    text = (await page.locator('main').innerText({ timeout: 2000 })).replace(/\s+/g, ' ').slice(0, 600);
  } catch {
    try {
      text = (await page.content()).slice(0, 600);
    } catch {
      text = '(页面不可读)';
    }
  }
  return `当前页面 ${page.url()}：${text}`;
}

/** Waits until `text` is visible on the page; the failure names `what`. */
export async function expectText(page, text, what) {
  try {
    await page.getByText(text).first().waitFor({ state: 'visible', timeout: 10_000 });
  } catch {
    throw new Error(`${what}：页面上没有出现“${text}”。\n${await whereIs(page)}`);
  }
}

/** Waits for a URL matching `re`; the failure names `what`. */
export async function expectUrl(page, re, what) {
  try {
    await page.waitForURL(re, { timeout: 15_000 });
  } catch {
    throw new Error(`${what}：地址应匹配 ${re}。\n${await whereIs(page)}`);
  }
}

/** Runs one step of a journey; a failure names the step, the page's address and
 * what it says. */
export async function step(t, name, page, fn) {
  t.diagnostic(name);
  try {
    return await fn();
  } catch (e) {
    const where = page && !e.message.includes('当前页面') ? `\n${await whereIs(page)}` : '';
    e.message = `【${name}】${e.message}${where}`;
    throw e;
  }
}

/** Signs a staff member in at /login and waits for the workbench. */
export async function signInStaff(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForLoadState();
  await passSecondFactor(page);
  await expectUrl(page, /\/workbench$/, `${username} 登录后应进入工作台`);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2.1 A and AA rules of axe-core. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Runs axe-core on the page as it is; returns its serious and critical violations. */
export async function seriousViolations(page) {
  // Evaluated through the DevTools protocol: the pages' Content-Security-Policy
  // (no inline script) stays on, as users get it, and does not stop the checker.
  await page.evaluate(axeSource);
  const results = await page.evaluate(
    // eslint-disable-next-line no-undef
    (tags) => axe.run(document, { runOnly: tags }),
    AXE_TAGS,
  );
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Every violation, each with the elements it was found on. */
export function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `      ${n.target.join(' ')}：${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`)
        .join('\n');
      return `  [${v.impact}] ${v.id}：${v.help}（${v.helpUrl}）\n${nodes}`;
    })
    .join('\n');
}

/** Fails with every serious or critical axe-core violation of the page. */
export async function assertAccessible(page, what) {
  const bad = await seriousViolations(page);
  if (bad.length > 0) {
    throw new Error(`${what}（${page.url()}）有严重的无障碍问题：\n${formatViolations(bad)}`);
  }
}

/** A small but valid PDF: what the upload check sniffs is the %PDF- header. */
export function tinyPdf(title) {
  const body = [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj',
    `% ${title}`,
    'trailer << /Root 1 0 R >>',
    '%%EOF',
    '',
  ].join('\n');
  return Buffer.from(body, 'utf8');
}
