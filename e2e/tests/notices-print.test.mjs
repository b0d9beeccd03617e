// The written acts of the law as they print: for each kind a demo case has, the print
// preview (CSS print media) hides the site's header, navigation, forms and links to
// other documents, shows the document itself with its issuer, number and Chinese
// dates (no ISO stamps), and fits an A4 page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signInStaff, whereIs } from '../lib.mjs';

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

// [case status to find, document kind, title expected]
const DOCUMENTS = [
  ['closed', 'acceptance', '受理通知书'],
  ['rejected', 'rejection', '不予行政许可决定书'],
  ['terminated', 'termination', '终止审查决定书'],
  ['revoked', 'revocation', '撤销行政许可决定书'],
];

test('文书打印预览：隐藏页面框架，A4一页，中文日期', async (t) => {
  const page = await newPage(browser);
  await signInStaff(page, server.base, 'supervisor');
  for (const [status, doc, title] of DOCUMENTS) {
    t.diagnostic(`${title}（${status}）`);
    await page.goto(`${server.base}/workbench?status=${status}`);
    const link = page.locator('main a[href^="/workbench/cases/"]').first();
    assert.ok((await link.count()) > 0, `演示数据中应有状态为 ${status} 的办件：${await whereIs(page)}`);
    const href = await link.getAttribute('href');
    await page.goto(`${server.base}${href}/notice?doc=${doc}`);
    const article = page.locator('article.notice-doc');
    assert.ok(await article.isVisible(), `应显示${title}：${await whereIs(page)}`);

    await page.emulateMedia({ media: 'print' });
    try {
      const h1 = (await page.locator('article h1').innerText()).replace(/\s+/g, '');
      assert.ok(h1.includes(title), `标题应含“${title}”，实际为“${h1}”`);
      assert.ok(await article.isVisible(), `打印时应显示文书本身（${title}）`);
      for (const selector of ['.site-header', 'nav', '.no-print', 'footer']) {
        const shown = await page.locator(selector).evaluateAll((els) =>
          els.some((e) => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0),
        );
        assert.equal(shown, false, `打印时不应显示 ${selector}（${title}）`);
      }
      const text = await article.innerText();
      assert.match(text, /〔\d{4}〕/, `应有文号（${title}）`);
      assert.match(text, /\d{4}年\d{1,2}月\d{1,2}日/, `日期应写作“2026年11月20日”（${title}）`);
      assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}/, `不应出现 ISO 日期（${title}）`);
      const pdf = await page.pdf({ format: 'A4', printBackground: false });
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
      assert.equal(pages, 1, `${title}应打印在一页A4纸上，实际 ${pages} 页`);
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  }
});
