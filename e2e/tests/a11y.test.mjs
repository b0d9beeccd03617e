// axe-core (WCAG 2.1 A and AA rules) on the public portal's pages: no serious or
// critical violations. The applicant's pages behind the sign-in (application form,
// check your answers, confirmation, my case) and the license verify page are checked
// along the journey in journey.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, seriousViolations, formatViolations } from '../lib.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await newPage(browser);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The guide page of 食品经营许可, found through the search as a visitor would. */
async function guidePath(base) {
  await page.goto(`${base}/items?q=${encodeURIComponent('食品经营许可')}`);
  const href = await page.getByRole('link', { name: '食品经营许可', exact: true }).getAttribute('href');
  assert.ok(href, '搜索结果中应有“食品经营许可”');
  return href;
}

/** The first project listed on the trading site, as a visitor would open it. */
async function tradingProjectPath(base) {
  await page.goto(`${base}/trading`);
  const href = await page.locator('table tbody a').first().getAttribute('href');
  assert.ok(href?.startsWith('/trading/projects/'), '交易信息网应列出交易项目');
  return href;
}

// name, path (null: the guide page; 'trading-project': a trading project), expected HTTP status, and for a 422 the field
// its error summary links to
const PAGES = [
  ['首页', '/', 200],
  ['搜索结果', `/items?q=${encodeURIComponent('食品')}`, 200],
  ['搜索结果（同义词）', `/items?q=${encodeURIComponent('社保卡')}`, 200],
  ['没有找到', `/items?q=${encodeURIComponent('火星移民')}`, 200],
  ['办事指南：食品经营许可', null, 200],
  ['办件进度查询', '/progress', 200],
  ['工程建设项目进展查询', '/projects/track', 200],
  ['工程建设项目进展查询（错误汇总）', '/projects/track?code=bad&credit_code=x', 422, 'code'],
  ['办件进度查询（错误汇总）', '/progress?case_no=bad&last_six=1', 422],
  ['个人实名登录', '/account/login', 200],
  ['企业登录', '/business/login', 200],
  ['工作人员登录', '/login', 200],
  ['12345网上诉求', '/hotline/new', 200],
  ['公开的网上诉求', '/hotline/public', 200],
  ['12345咨询知识库', `/kb?q=${encodeURIComponent('居住证怎么办理')}`, 200],
  ['问答专栏', '/kb/faq', 200],
  ['一件事一次办', '/bundles', 200],
  ['一件事办事指南：开办企业', '/bundles/YJS-KBQY', 200],
  ['一件事办事指南：出生', '/bundles/YJS-CS', 200],
  ['市场主体查询', '/entities', 200],
  ['公共资源交易信息', '/trading', 200],
  ['公共资源交易信息（工程建设结果公告）', '/trading?kind=works&stage=result', 200],
  ['公共资源交易信息（错误汇总）', '/trading?from=2026-13-01', 422, 'from'],
  ['公共资源交易项目进程', 'trading-project', 200],
  ['交易主体信用信息', '/trading/credit', 200],
  ['中介机构名录', '/intermediaries', 200],
  ['中介机构名录（环境影响评价）', '/intermediaries?service=hjpj', 200],
  ['中介服务需求', '/intermediaries/requests?open=1', 200],
  ['审批事项所需中介服务', '/intermediaries/services', 200],
];

test('门户页面没有严重（serious/critical）的无障碍问题', { timeout: 120_000 }, async (t) => {
  const base = server.base;
  const failures = [];
  for (const [name, path, expected, field = 'case_no'] of PAGES) {
    const url =
      base +
      (path === 'trading-project' ? await tradingProjectPath(base) : (path ?? (await guidePath(base))));
    const resp = await page.goto(url);
    assert.equal(resp?.status(), expected, `${name}（${url}）应返回 HTTP ${expected}`);
    if (expected === 422) {
      assert.equal(await page.locator('.error-summary').count(), 1, `${name}（${url}）应显示错误汇总`);
      assert.equal(
        await page.locator(`.error-summary a[href="#${field}"]`).count(),
        1,
        `${name}：错误汇总应链接到出错的输入框（#${field}）`,
      );
    }
    const bad = await seriousViolations(page);
    t.diagnostic(`${name}：严重问题 ${bad.length} 项`);
    if (bad.length > 0) failures.push(`${name}（${url}）：\n${formatViolations(bad)}`);
  }
  assert.equal(failures.length, 0, `axe-core 发现严重的无障碍问题：\n${failures.join('\n\n')}`);
});
