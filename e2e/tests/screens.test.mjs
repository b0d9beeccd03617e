// Screens that must fit: the wall in the hall at 1920×1080 without scrolling (and a
// display link shows it without a staff login); the 12345 agent's intake screen at
// 1366×768 during a call, its form and button on the one screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signInStaff, whereIs } from '../lib.mjs';

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

test('12345受理：1366×768 一屏完成登记', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  await page.getByLabel('用户名').fill('hotline');
  await page.getByLabel('密码').fill('demo-2026');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForLoadState();
  await page.goto(`${server.base}/hotline`);
  const bottom = await page.evaluate(
    () => document.querySelector('.hotline-intake-form button[type=submit]').getBoundingClientRect().bottom,
  );
  assert.ok(bottom <= 768, `“登记工单”按钮应在 1366×768 的一屏之内，实际底部在 ${Math.round(bottom)}px：${await whereIs(page)}`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 1366, `不应横向滚动，实际宽度 ${width}px`);
  await context.close();
});
