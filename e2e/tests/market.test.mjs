// The 中介超市 as its people click it: the demo agency's contact signs in with the
// agency's credit code and a one-time code, finds a request for its service and
// quotes; the demo enterprise (the owner) signs in, finds the quotes sealed until
// the deadline and is told it may select only after it. Every page is checked
// with axe-core (no serious or critical WCAG 2.1 AA violations), and the public
// list of agencies opens without signing in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, step, expectText, expectUrl, signInStaff, assertAccessible } from '../lib.mjs';

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

/** Signs `page` in as an enterprise's contact, reading the code from the SMS outbox. */
async function signInEnterprise(page, admin, base, who) {
  await page.goto(`${base}/business/login?next=/business/intermediary`);
  await page.getByLabel('统一社会信用代码').fill(who.code);
  await page.getByLabel('企业名称').fill(who.name);
  await page.getByLabel('联系人姓名').fill(who.contact);
  await page.getByLabel('联系人手机号码').fill(who.phone);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await expectText(page, '验证码已发送至手机', '获取验证码后应提示已发送');
  await admin.goto(`${base}/admin/sms`);
  const newest = admin.locator('table tbody tr').filter({ hasText: '验证码' }).first();
  const body = await newest.locator('td').nth(3).innerText();
  const m = body.match(/(\d{6})/);
  assert.ok(m, `发件箱最新一条验证码短信应含6位验证码，实际为“${body}”`);
  await page.getByLabel('短信验证码').fill(m[1]);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expectUrl(page, /\/business\/intermediary$/, '登录后应进入中介超市');
}

test('中介机构登录报价 → 项目业主截止前看不到报价、不能选取；公开名录', { timeout: 150_000 }, async (t) => {
  const base = server.base;
  const admin = await newPage(browser);
  const agency = await newPage(browser);
  const owner = await newPage(browser);
  const visitor = await newPage(browser);
  let no;

  await step(t, 'p1 公众查看中介机构名录和机构详情', visitor, async () => {
    await visitor.goto(`${base}/`);
    await visitor.getByRole('link', { name: '中介机构名录', exact: true }).click();
    await expectUrl(visitor, /\/intermediaries$/, '应打开中介机构名录');
    await assertAccessible(visitor, '中介机构名录');
    await visitor.getByRole('link', { name: '昆山绿源环境科技有限公司', exact: true }).click();
    await expectText(visitor, '资质与收费标准', '机构页应列出资质与收费标准');
    await assertAccessible(visitor, '中介机构详情');
    await visitor.goto(`${base}/intermediaries/requests`);
    await assertAccessible(visitor, '中介服务需求');
    await visitor.locator('table tbody a').first().click();
    await expectUrl(visitor, /\/intermediaries\/requests\/ZJ\d{4}-\d{5}$/, '应打开一项服务需求');
    await assertAccessible(visitor, '服务需求详情（公开）');
    await visitor.goto(`${base}/intermediaries/services`);
    await assertAccessible(visitor, '审批事项所需中介服务');
  });

  await step(t, 'o1 项目业主登录，找到正在报价的服务需求', owner, async () => {
    await signInStaff(admin, base, 'admin');
    await signInEnterprise(owner, admin, base, { code: '91320583MA1Q200031', name: '昆山精密模具有限公司', contact: '王经理', phone: '13900000001' });
    await assertAccessible(owner, '中介超市（项目业主）');
    const link = owner.locator('table tbody tr').filter({ hasText: '报价中' }).first().locator('a');
    no = (await link.innerText()).trim();
    assert.match(no, /^ZJ\d{4}-\d{5}$/, `业主应有正在报价的需求，实际为“${no}”`);
    t.diagnostic(`服务需求 ${no}`);
  });

  await step(t, 'a1 演示中介机构登录并报价', agency, async () => {
    const code = (await (await fetch(`${base}/api/v1/intermediary/agencies?q=${encodeURIComponent('昆山绿源环境科技有限公司')}`)).json())
      .agencies[0].credit_code;
    await signInEnterprise(agency, admin, base, { code, name: '昆山绿源环境科技有限公司', contact: '李工', phone: '13900000002' });
    await assertAccessible(agency, '中介超市（中介机构）');
    await expectText(agency, '可报价的服务需求', '中介机构应看到可报价的需求');
    await agency.getByRole('link', { name: no, exact: true }).first().click();
    await expectUrl(agency, new RegExp(`/business/intermediary/${no}$`), '应打开该服务需求');
    await assertAccessible(agency, '服务需求（报价）');
    await agency.getByLabel('报价（元，不高于最高限价）').fill('999999999');
    await agency.getByLabel('承诺服务时限（工作日）').fill('15');
    await agency.getByRole('button', { name: '提交报价' }).click();
    await expectText(agency, '不能高于最高限价', '超出限价应提示');
    await assertAccessible(agency, '报价错误提示');
    await agency.getByLabel('报价（元，不高于最高限价）').fill('1000');
    await agency.getByRole('button', { name: '提交报价' }).click();
    await expectText(agency, '1000.00', '报价后应列出本机构的报价');
  });

  await step(t, 'o2 项目业主在截止前看不到报价，选取被告知须等截止', owner, async () => {
    await owner.goto(`${base}/business/intermediary/${no}`);
    await expectText(owner, '报价在截止日期前密封', '截止前业主不应看到报价');
    assert.equal(await owner.getByText('1000.00').count(), 0, '截止前业主不应看到报价金额');
    await owner.getByRole('button', { name: '选取', exact: true }).click();
    await expectText(owner, '之后才能选取中介机构', '截止前选取应被告知');
    await assertAccessible(owner, '选取被拒的提示');
  });
});
