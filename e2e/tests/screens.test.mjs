// Screens that must fit: the wall in the hall at 1920×1080 without scrolling (and a
// display link shows it without a staff login); the 12345 agent's intake screen at
// 1366×768 during a call, its form and button on the one screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signInStaff, whereIs, DEMO_PASSWORD } from '../lib.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('大屏：1920×1080 一屏显示，展示链接免登录', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await signInStaff(page, server.base, 'supervisor');
  await page.goto(`${server.base}/dashboard/displays`);
  await page.getByLabel('展示位置名称').fill('一楼大厅主屏');
  await page.getByRole('button', { name: '生成展示链接' }).click();
  const path = (await page.locator('.notice code').innerText()).trim();
  assert.match(path, /^\/wall\//, `应生成展示链接：${await whereIs(page)}`);

  const hall = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1920, height: 1080 } });
  const screen = await hall.newPage();
  await screen.goto(`${server.base}${path}?refresh=0`);
  assert.ok(await screen.getByRole('heading', { level: 1 }).isVisible(), `大屏应显示：${await whereIs(screen)}`);
  const { height, width } = await screen.evaluate(() => ({
    height: document.documentElement.scrollHeight,
    width: document.documentElement.scrollWidth,
  }));
  assert.ok(height <= 1080, `大屏在 1920×1080 下应无需滚动，实际高度 ${height}px`);
  assert.ok(width <= 1920, `大屏不应横向滚动，实际宽度 ${width}px`);
  await hall.close();
  await context.close();
});

/** A 12345 agent signed in on a 1366×768 screen (an agent lands on the intake screen,
 *  not the workbench signInStaff expects). */
async function agentAt1366() {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  await page.getByLabel('用户名').fill('hotline');
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForLoadState();
  return { context, page };
}

test('12345受理：1366×768 一屏完成登记', async () => {
  const { context, page } = await agentAt1366();
  await page.goto(`${server.base}/hotline`);
  const bottom = await page.evaluate(
    () => document.querySelector('.hotline-intake-form button[type=submit]').getBoundingClientRect().bottom,
  );
  assert.ok(bottom <= 768, `“登记工单”按钮应在 1366×768 的一屏之内，实际底部在 ${Math.round(bottom)}px：${await whereIs(page)}`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 1366, `不应横向滚动，实际宽度 ${width}px`);
  await context.close();
});

test('12345工单页：1366×768 一屏看到工单和第一项办理', async () => {
  const { context, page } = await agentAt1366();
  // An order left for later: its page offers dispatch and the other actions.
  await page.goto(`${server.base}/hotline`);
  await page.getByLabel('诉求类别').selectOption({ label: '投诉' });
  await page.getByLabel('联系电话').fill('13912345678');
  await page.getByLabel('诉求内容').fill('玉山镇前进西路88号饭店油烟直排，影响楼上住户，已持续一个月。');
  await page.locator('#mode-later').check();
  await page.locator('.hotline-intake-form button[type=submit]').click();
  await page.waitForLoadState();
  assert.match(new URL(page.url()).pathname, /^\/hotline\/orders\/12345-/, await whereIs(page));
  const r = await page.evaluate(() => ({
    bottom: document.querySelector('.hotline-action button[type=submit]').getBoundingClientRect().bottom,
    facts: document.querySelector('dl.order-facts').getBoundingClientRect().bottom,
    width: document.documentElement.scrollWidth,
  }));
  assert.ok(r.bottom <= 768, `第一项办理的按钮应在 1366×768 的一屏之内，实际底部在 ${Math.round(r.bottom)}px：${await whereIs(page)}`);
  assert.ok(r.facts <= 768, `工单信息应在一屏之内，实际底部在 ${Math.round(r.facts)}px`);
  assert.ok(r.width <= 1366, `不应横向滚动，实际宽度 ${r.width}px`);
  await context.close();
});
