// The whole journey through the pages, as the people would click it: an applicant
// applies online for 食品经营许可, the window pre-reviews and accepts, the approver
// approves, the window closes the case, the license is verified through the QR link,
// the applicant rates the service; then a window instant case (营业执照遗失补领) and
// its printable acceptance notice. The applicant's pages are checked with axe-core on
// the way (no serious or critical WCAG 2.1 AA violations).

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
  tinyPdf,
  assertAccessible,
} from '../lib.mjs';

const APPLICANT = { name: '张三', id: '11010519491231002X', phone: '13812345678' };

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

test('网上申请 → 预审受理 → 准予许可 → 办结发证 → 扫码核验 → 评价；窗口即办件与受理通知书', { timeout: 150_000 }, async (t) => {
  const base = server.base;
  const applicant = await newPage(browser);
  const admin = await newPage(browser);
  const clerk = await newPage(browser);
  const approver = await newPage(browser);
  let caseNo;

  await step(t, 'a1 申请人搜索“食品经营许可”并打开办事指南', applicant, async () => {
    await applicant.goto(`${base}/`);
    await applicant.getByRole('searchbox', { name: '搜索办事事项' }).fill('食品经营许可');
    await applicant.getByRole('button', { name: '搜索', exact: true }).click();
    await expectUrl(applicant, /\/items\?q=/, '搜索后应显示事项列表');
    const link = applicant.getByRole('link', { name: '食品经营许可', exact: true });
    assert.equal(await link.count(), 1, '搜索结果中应恰有一个名为“食品经营许可”的事项');
    await link.click();
    await expectUrl(applicant, /\/items\/[^/?]+$/, '应打开办事指南');
    assert.equal(
      (await applicant.locator('h1').innerText()).trim(),
      '食品经营许可',
      '办事指南的标题应为事项名称',
    );
  });

  await step(t, 'a2 点击“在线申请”，转到个人实名登录', applicant, async () => {
    await applicant.getByRole('link', { name: '在线申请', exact: true }).click();
    await expectUrl(applicant, /\/account\/login\?next=/, '未登录时“在线申请”应转到个人实名登录');
    await applicant.getByLabel('姓名').fill(APPLICANT.name);
    await applicant.getByLabel('身份证号码').fill(APPLICANT.id);
    await applicant.getByLabel('手机号码').fill(APPLICANT.phone);
    await applicant.getByRole('button', { name: '获取验证码' }).click();
    await expectText(applicant, '验证码已发送至手机', '获取验证码后应提示已发送');
  });

  let code;
  await step(t, 'a3 管理员在短信发件箱中读取验证码', admin, async () => {
    await signInStaff(admin, base, 'admin');
    await admin.goto(`${base}/admin/sms`);
    // Newest first: the first code message is the one just sent to the applicant.
    const newest = admin.locator('table tbody tr').filter({ hasText: '验证码' }).first();
    assert.equal(await newest.count(), 1, '短信发件箱中应有验证码短信');
    const body = await newest.locator('td').nth(3).innerText();
    const m = body.match(/(\d{6})/);
    assert.ok(m, `发件箱最新一条验证码短信应含6位验证码，实际为“${body}”`);
    code = m[1];
  });

  await step(t, 'a4 申请人输入验证码登录，回到申请页', applicant, async () => {
    await applicant.getByLabel('短信验证码').fill(code);
    await applicant.getByRole('button', { name: '登录', exact: true }).click();
    await expectUrl(applicant, /\/apply\/[^/?]+$/, '登录后应回到在线申请页');
    await expectText(applicant, '在线申请：食品经营许可', '申请页应显示事项名称');
    await assertAccessible(applicant, '在线申请页');
  });

  await step(t, 'a5 上传每一项材料，核对并提交', applicant, async () => {
    const inputs = applicant.locator('input[type=file]');
    const n = await inputs.count();
    assert.ok(n > 0, '申请页应至少有一个材料上传框');
    for (let i = 0; i < n; i++) {
      await inputs.nth(i).setInputFiles({
        name: `material-${i + 1}.pdf`,
        mimeType: 'application/pdf',
        buffer: tinyPdf(`material ${i + 1}`),
      });
    }
    await applicant.getByRole('button', { name: '继续' }).click();
    await expectText(applicant, '提交前请核对申请信息', '上传材料后应进入核对页');
    await assertAccessible(applicant, '核对页');
    const listed = await applicant.locator('dl.summary li').count();
    assert.equal(listed, n, `核对页应列出全部 ${n} 份已上传的材料`);
    await applicant.getByRole('button', { name: '确认提交' }).click();
    await expectText(applicant, '申请已提交', '确认提交后应显示申请已提交');
    caseNo = (await applicant.locator('.ref').innerText()).trim();
    assert.match(caseNo, /^[A-Z]+-\d{8}-\d{5}$/, `确认页应显示办件编号，实际为“${caseNo}”`);
    await assertAccessible(applicant, '提交确认页');
    t.diagnostic(`办件编号 ${caseNo}`);
  });

  await step(t, 'b1 窗口人员在网上申请预审中找到并受理', clerk, async () => {
    await signInStaff(clerk, base, 'sj.clerk');
    await clerk.goto(`${base}/workbench?status=submitted`);
    const link = clerk.getByRole('link', { name: caseNo, exact: true });
    assert.equal(await link.count(), 1, `待受理列表中应有办件 ${caseNo}`);
    await link.click();
    await expectUrl(clerk, new RegExp(`/workbench/cases/${caseNo}$`), '应打开办件页');
    await expectText(clerk, '待受理', '新提交的办件应为待受理');
    const files = clerk.locator('a[href*="/files/"]');
    assert.ok((await files.count()) > 0, '办件页应列出申请人上传的材料文件');
    await clerk.getByRole('button', { name: '受理', exact: true }).click();
    await expectUrl(clerk, new RegExp(`/workbench/cases/${caseNo}$`), '受理后应回到办件页');
    await expectText(clerk, '审查中', '受理后办件应为审查中');
  });

  await step(t, 'b2 审批人员准予许可', approver, async () => {
    await signInStaff(approver, base, 'sj.approver');
    await approver.goto(`${base}/workbench/cases/${caseNo}`);
    await approver.getByRole('button', { name: '准予许可', exact: true }).click();
    await expectUrl(approver, new RegExp(`/workbench/cases/${caseNo}$`), '准予许可后应回到办件页');
    const status = await approver.locator('dl.summary dd strong').first().innerText();
    assert.equal(status.trim(), '准予许可', '审批后办件状态应为准予许可');
  });

  let verifyHref;
  await step(t, 'b3 窗口人员办结，办件页显示电子证照和核验二维码', clerk, async () => {
    await clerk.goto(`${base}/workbench/cases/${caseNo}`);
    await clerk.getByRole('button', { name: '办结', exact: true }).click();
    await expectUrl(clerk, new RegExp(`/workbench/cases/${caseNo}$`), '办结后应回到办件页');
    await expectText(clerk, '已办结', '办结后办件应为已办结');
    const licenseLink = clerk.locator('dl.summary a[href^="/verify/"]');
    assert.equal(await licenseLink.count(), 1, '办结后办件页应显示电子证照编号');
    const licenseNo = (await licenseLink.innerText()).trim();
    assert.match(licenseNo, /^SJ-\d{4}-\d{6}$/, `证照编号格式应为 SJ-年份-序号，实际为“${licenseNo}”`);
    const qr = clerk.locator('.license-qr');
    assert.equal(await qr.locator('svg').count(), 1, '办件页应显示证照核验二维码');
    const verifyLink = qr.locator(`a[href*="/verify/${licenseNo}?t="]`);
    assert.equal(await verifyLink.count(), 1, `二维码旁应有指向 /verify/${licenseNo}?t=核验码 的链接`);
    verifyHref = await verifyLink.getAttribute('href');
    t.diagnostic(`电子证照 ${licenseNo}`);
  });

  await step(t, 'b4 打开核验链接，证照有效', clerk, async () => {
    await clerk.goto(verifyHref);
    await expectText(clerk, '电子证照核验', '应打开证照核验页');
    const outcome = (await clerk.locator('.ref').innerText()).trim();
    assert.equal(outcome, '有效', '刚签发的证照核验结果应为有效');
    await assertAccessible(clerk, '证照核验页');
  });

  await step(t, 'c 申请人评价“非常满意”', applicant, async () => {
    await applicant.goto(`${base}/account/cases/${caseNo}`);
    await expectText(applicant, '已办结', '我的办件中该办件应为已办结');
    await assertAccessible(applicant, '我的办件（评价表单）');
    await applicant.getByLabel('非常满意', { exact: true }).check();
    await applicant.getByLabel('意见或建议（选填）').fill('办事快，材料清楚。');
    await applicant.getByRole('button', { name: '提交评价' }).click();
    await expectUrl(applicant, new RegExp(`/account/cases/${caseNo}$`), '评价后应回到办件页');
    await expectText(applicant, '您的评价：', '评价后应显示评价结果');
    const rated = await applicant.locator('#rating + p strong').innerText();
    assert.equal(rated.trim(), '非常满意', '显示的评价应为所选的“非常满意”');
    assert.equal(await applicant.getByRole('button', { name: '提交评价' }).count(), 0, '评价后不应再显示评价表单');
  });

  let instantNo;
  await step(t, 'd 窗口受理即办件“营业执照遗失补领”，当场办结', clerk, async () => {
    await clerk.goto(`${base}/workbench/accept`);
    await clerk.getByRole('searchbox', { name: '事项名称或编码' }).fill('营业执照遗失补领');
    await clerk.getByRole('button', { name: '查找' }).click();
    await expectUrl(clerk, /\/workbench\/accept\?q=/, '查找后应显示可受理的事项');
    const row = clerk
      .locator('tbody tr')
      .filter({ has: clerk.getByRole('cell', { name: '营业执照遗失补领', exact: true }) });
    assert.equal(await row.count(), 1, '查找结果中应恰有一个“营业执照遗失补领”');
    await row.getByRole('link', { name: /^受理/ }).click();
    await expectText(clerk, '受理：营业执照遗失补领', '应打开受理表单');
    await clerk.getByLabel('自然人', { exact: true }).check();
    await clerk.getByLabel('申请人姓名或单位名称').fill('李四');
    await clerk.getByLabel('证件号码（自然人）').fill(APPLICANT.id);
    await clerk.getByLabel('联系电话').fill(APPLICANT.phone);
    const boxes = clerk.locator('#materials input[type=checkbox]');
    const n = await boxes.count();
    assert.ok(n > 0, '受理表单应列出要收取的材料');
    for (let i = 0; i < n; i++) await boxes.nth(i).check();
    await clerk.getByRole('button', { name: '受理并办结' }).click();
    await expectUrl(clerk, /\/workbench\/cases\/[^/]+$/, '受理并办结后应打开办件页');
    const status = await clerk.locator('dl.summary dd strong').first().innerText();
    assert.equal(status.trim(), '已办结', '即办件受理后应当场办结');
    instantNo = clerk.url().split('/').pop();
    assert.notEqual(instantNo, caseNo, '即办件应是新的办件');
    t.diagnostic(`即办件 ${instantNo}`);
  });

  await step(t, 'e 打印受理通知书，含二维码', clerk, async () => {
    await clerk.getByRole('link', { name: '打印受理通知书' }).click();
    await expectUrl(clerk, /\/notice$/, '应打开受理通知书');
    const title = await clerk.locator('h1').innerText();
    assert.ok(title.includes('受理通知书'), `通知书标题应含“受理通知书”，实际为“${title}”`);
    assert.ok((await clerk.getByText(`编号：${instantNo}`).count()) > 0, `通知书应写明办件编号 ${instantNo}`);
    assert.ok((await clerk.locator('.notice-doc svg').count()) > 0, '通知书应含进度查询二维码（SVG）');
    // The print button comes from /assets/print.js (no inline script under the CSP).
    assert.ok(await clerk.getByRole('button', { name: '打印', exact: true }).isVisible(), '通知书应显示“打印”按钮');
  });
});
