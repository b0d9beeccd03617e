// The enterprise complaint center as its people click it: an enterprise signs in
// with its credit code and a contact's one-time code and complains; the center
// assigns the complaint, the department answers, the enterprise rates the answer;
// then the center issues a satisfaction-survey link to an enterprise, which answers
// it once. Every page the enterprise sees, and the staff's complaint page, are
// checked with axe-core (no serious or critical WCAG 2.1 AA violations).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer,
  launchBrowser,
  newPage,
  step,
  expectText,
  expectUrl,
  signInStaff,
  assertAccessible,
} from '../lib.mjs';

// A credit code whose organisation body is all digits, with both check characters.
const ENTERPRISE = {
  code: '913205831234567888',
  name: '昆山测试精密机械有限公司',
  contact: '王经理',
  phone: '13912345678',
};

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

/** This quarter as the server names it (China time), e.g. 2026-Q4. */
function thisQuarter() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

test('企业登录 → 网上投诉 → 分派 → 部门答复 → 企业评价；满意度测评链接填写一次', { timeout: 150_000 }, async (t) => {
  const base = server.base;
  const ent = await newPage(browser);
  const admin = await newPage(browser);
  const center = await newPage(browser);
  const dept = await newPage(browser);
  let no;

  await step(t, 'e1 企业填写统一社会信用代码与联系人，获取验证码', ent, async () => {
    await ent.goto(`${base}/`);
    await ent.getByRole('link', { name: '企业登录', exact: true }).click();
    await expectUrl(ent, /\/business\/login$/, '应打开企业登录页');
    await assertAccessible(ent, '企业登录页');
    await ent.getByLabel('统一社会信用代码').fill(ENTERPRISE.code);
    await ent.getByLabel('企业名称').fill(ENTERPRISE.name);
    await ent.getByLabel('联系人姓名').fill(ENTERPRISE.contact);
    await ent.getByLabel('联系人手机号码').fill(ENTERPRISE.phone);
    await ent.getByRole('button', { name: '获取验证码' }).click();
    await expectText(ent, '验证码已发送至手机', '获取验证码后应提示已发送');
  });

  let code;
  await step(t, 'e2 管理员在短信发件箱中读取验证码', admin, async () => {
    await signInStaff(admin, base, 'admin');
    await admin.goto(`${base}/admin/sms`);
    const newest = admin.locator('table tbody tr').filter({ hasText: '验证码' }).first();
    const body = await newest.locator('td').nth(3).innerText();
    const m = body.match(/(\d{6})/);
    assert.ok(m, `发件箱最新一条验证码短信应含6位验证码，实际为“${body}”`);
    code = m[1];
  });

  await step(t, 'e3 企业登录后提交投诉', ent, async () => {
    await ent.getByLabel('短信验证码').fill(code);
    await ent.getByRole('button', { name: '登录', exact: true }).click();
    await expectUrl(ent, /\/business\/complaints$/, '登录后应进入企业投诉页');
    await assertAccessible(ent, '企业投诉页');
    await ent.getByLabel('投诉事项').fill('食品经营许可现场核查预约难');
    await ent.getByLabel('投诉内容').fill('提交申请已两周，现场核查一直约不上时间。');
    await ent.getByRole('button', { name: '提交投诉' }).click();
    await expectUrl(ent, /\/business\/complaints\/QT\d{4}-\d{6}$/, '提交后应打开投诉页');
    await expectText(ent, '待分派', '新投诉应为待分派');
    await assertAccessible(ent, '企业的投诉页');
    no = new URL(ent.url()).pathname.split('/').pop();
    t.diagnostic(`投诉编号 ${no}`);
  });

  await step(t, 'c1 企业投诉处理中心分派给市场监管局', center, async () => {
    await signInStaff(center, base, 'supervisor');
    await center.goto(`${base}/enterprise/complaints`);
    await center.getByRole('link', { name: no, exact: true }).click();
    await expectUrl(center, new RegExp(`/enterprise/complaints/${no}$`), '应打开投诉页');
    await assertAccessible(center, '工作人员的投诉页');
    await center.getByLabel('承办部门').selectOption('SJ');
    await center.getByRole('button', { name: '分派', exact: true }).click();
    await expectText(center, '办理中', '分派后投诉应为办理中');
  });

  await step(t, 'd1 市场监管局答复', dept, async () => {
    await signInStaff(dept, base, 'sj.approver');
    await dept.goto(`${base}/enterprise/complaints/${no}`);
    await dept.getByLabel('答复内容').fill('已安排核查人员次日上门核查，并开通网上预约。');
    await dept.getByRole('button', { name: '提交答复' }).click();
    await expectText(dept, '按时答复', '答复后应显示按时答复');
  });

  await step(t, 'e4 企业评价答复', ent, async () => {
    await ent.reload();
    await expectText(ent, '已安排核查人员次日上门核查', '企业应看到部门答复');
    await assertAccessible(ent, '评价答复页');
    await ent.getByRole('radio', { name: '非常满意' }).check();
    await ent.getByRole('button', { name: '提交评价' }).click();
    await expectText(ent, '已评价', '评价后投诉应为已评价');
  });

  let link;
  await step(t, 's1 中心直接向企业发放一个满意度测评链接', center, async () => {
    await center.goto(`${base}/enterprise/surveys/${thisQuarter()}`);
    await center.getByLabel('直接发给企业（企业名称）').fill(ENTERPRISE.name);
    await center.getByRole('button', { name: '发放一个链接' }).click();
    await expectText(center, '已发放的测评链接', '发放后应列出链接');
    link = await center.locator('section.notice ol li a').first().getAttribute('href');
    assert.match(link ?? '', /^\/survey\/[\w-]+$/, `应列出测评链接，实际为“${link}”`);
  });

  await step(t, 's2 企业打开链接、逐项评分并提交；再次打开时告知已填写', ent, async () => {
    await ent.goto(`${base}${link}`);
    await assertAccessible(ent, '满意度测评问卷');
    const groups = ent.locator('fieldset');
    const n = await groups.count();
    assert.ok(n > 0, '问卷应有评分题');
    for (let i = 0; i < n; i++) {
      await groups.nth(i).getByRole('radio', { name: '5分' }).check();
    }
    await ent.getByRole('button', { name: '提交测评' }).click();
    await expectText(ent, '感谢您参加政府满意度测评', '提交后应致谢');
    const again = await ent.goto(`${base}${link}`);
    assert.equal(again?.status(), 409, '已填写的链接应返回 409');
    await expectText(ent, '该测评链接已经填写过', '再次打开应告知已填写');
    await assertAccessible(ent, '链接已填写的提示页');
  });
});
