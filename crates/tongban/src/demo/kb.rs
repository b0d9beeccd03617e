//! Knowledge-base demo data: real-sounding questions the 12345 agents answer every
//! day, with the departments that answer for them, a 问答 series, an answer past its
//! end date, and questions still waiting for an answer. Also the synthetic articles
//! the benchmark searches (`synthetic`).

use rand::{Rng, SeedableRng};
use tongban_store::Store;
use tongban_store::audit::{self, Actor};
use tongban_store::kb::{BulkArticle, insert_bulk};
use tongban_store::time;

/// (department, question, answer, tags, faq)
const ARTICLES: &[(&str, &str, &str, &str, bool)] = &[
    (
        "GA",
        "居住证怎么办理？需要哪些材料？",
        "在本市居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的，可申领居住证。\n材料：居民身份证、近期一寸照片、居住地址证明（房产证或租赁合同）、就业或就读证明。\n办理地点：居住地派出所或区镇便民服务中心公安窗口，一般10个工作日内制证。",
        "居住证,暂住,外来人口",
        true,
    ),
    (
        "GA",
        "身份证丢了怎么补办？可以异地补办吗？",
        "居民身份证丢失后应尽快到公安机关挂失补领。补领需本人到场采集照片和指纹，可在全国任一公安户政窗口异地办理。补领的身份证一般20日内制发，可选择邮寄。补领期间如需乘车，可在窗口或“公安”小程序申请临时身份证明。",
        "身份证,补办,挂失,异地",
        true,
    ),
    (
        "GA",
        "新生儿怎么上户口？",
        "婴儿出生后一个月内，由父母一方持《出生医学证明》、父母双方户口簿和身份证、结婚证到户籍所在地派出所申报出生登记。已开通“出生一件事”的，可在医院或政务服务网一次办理出生医学证明、户口登记、医保参保和社保卡。",
        "户口,新生儿,出生登记,一件事",
        false,
    ),
    (
        "GA",
        "办理港澳通行证需要多久？",
        "往来港澳通行证在出入境窗口受理后7个工作日内制证，可选择邮寄。再次签注可在自助签注机即时办理。",
        "港澳通行证,出入境,签注",
        false,
    ),
    (
        "RS",
        "失业了怎么申领失业保险金？",
        "参保缴费满一年、非因本人意愿中断就业并已办理失业登记的，可申领失业保险金。可通过“江苏智慧人社”App或人社窗口申请，受理后10个工作日内审核发放。领取期间由失业保险基金代缴基本医疗保险费。",
        "失业金,失业保险,社保",
        true,
    ),
    (
        "RS",
        "社保卡丢了怎么挂失补办？",
        "社保卡丢失可拨打12333或在“江苏智慧人社”App先行挂失，再持身份证到合作银行网点或人社窗口补办，即时制卡的网点当场领取。",
        "社保卡,挂失,补办",
        false,
    ),
    (
        "RS",
        "灵活就业人员怎么缴纳养老保险？",
        "灵活就业人员可持身份证到社保窗口或通过网上办事大厅办理参保登记，按当地公布的缴费基数上下限自选档次缴纳，可选择按月或按年缴费，通过银行代扣。",
        "养老保险,灵活就业,社保缴费",
        false,
    ),
    (
        "RS",
        "公司拖欠工资怎么办？",
        "可向用人单位所在地劳动保障监察机构投诉，或拨打12345登记诉求，由人社部门劳动保障监察大队调查处理；也可向劳动人事争议仲裁委员会申请仲裁。请保留劳动合同、工资条、考勤记录等证据。",
        "欠薪,工资,劳动保障,仲裁",
        true,
    ),
    (
        "YB",
        "异地就医怎么备案？",
        "参保人员可通过“国家医保服务平台”App、“江苏医保云”或医保窗口办理异地就医备案。备案后在就医地定点医疗机构可直接结算。临时外出就医也可先备案再就医。",
        "医保,异地就医,备案",
        true,
    ),
    (
        "YB",
        "城乡居民医保怎么缴费？每年什么时候交？",
        "城乡居民基本医疗保险按年度缴费，集中缴费期一般为每年9月至12月，缴纳次年费用。可通过税务App、微信、支付宝或银行柜台缴纳。新生儿、新落户人员可在落户后及时参保。",
        "医保,居民医保,缴费",
        false,
    ),
    (
        "GJJ",
        "住房公积金怎么提取？",
        "购房、建房、租房、还贷、离职、退休等情形可提取住房公积金。租房提取可通过公积金中心网上服务大厅或App办理，无需到窗口；购房提取需提供购房合同、发票等材料。",
        "公积金,提取,租房,购房",
        true,
    ),
    (
        "GJJ",
        "公积金贷款额度怎么算？",
        "公积金贷款额度与缴存余额、缴存时间、还款能力及房屋价格相关，并受最高贷款额度限制。可在公积金中心网站的贷款计算器试算，以窗口审核结果为准。",
        "公积金,贷款,额度",
        false,
    ),
    (
        "BDC",
        "不动产权证书丢了怎么补办？",
        "不动产权证书遗失的，权利人持身份证到不动产登记中心申请补发，登记机构在门户网站公告15个工作日后补发新证。",
        "不动产,房产证,遗失,补办",
        false,
    ),
    (
        "BDC",
        "二手房过户需要哪些材料和流程？",
        "买卖双方持身份证、不动产权证书、网签买卖合同、婚姻状况证明到不动产登记中心“一窗受理”，税费与登记同窗办理。资料齐全的，一般1个工作日内办结，可邮寄证书。",
        "二手房,过户,不动产,转移登记",
        true,
    ),
    (
        "SJ",
        "个体工商户营业执照怎么办？",
        "可通过“江苏政务服务网”开办企业一件事或到政务服务中心市场监管窗口申请。需经营者身份证、经营场所证明。材料齐全的当场办结，领取营业执照。",
        "营业执照,个体工商户,开店",
        true,
    ),
    (
        "SJ",
        "开饭店需要办哪些证？",
        "开设餐馆需办理营业执照和食品经营许可证。两证可在政务服务中心“一体化”窗口一次提交、同时办理。另需注意消防安全要求，排放油烟须安装油烟净化设施。",
        "饭店,餐饮,食品经营许可,营业执照",
        true,
    ),
    (
        "SJ",
        "买到过期食品怎么投诉？",
        "可拨打12315或12345，或通过全国12315平台投诉，提供购物凭证、商品照片和商家信息。经营者销售过期食品的，消费者可要求退货并按《食品安全法》主张赔偿。",
        "过期食品,投诉,消费维权,12315",
        false,
    ),
    (
        "SJ",
        "营业执照丢了怎么补领？",
        "企业可在国家企业信用信息公示系统自行公示遗失声明后，到市场监管窗口申请补领，材料齐全的即时办结。",
        "营业执照,遗失,补领",
        false,
    ),
    (
        "HB",
        "饭店油烟扰民怎么投诉？",
        "可拨打12345反映，说明饭店名称和具体位置。生态环境部门和综合执法部门将核查是否安装并正常使用油烟净化设施，未达标的责令整改并依法处罚。",
        "油烟,扰民,餐饮,环境投诉",
        true,
    ),
    (
        "HB",
        "夜间工地施工噪音太大怎么办？",
        "夜间（22时至次日6时）禁止产生噪声的建筑施工作业，因特殊需要必须连续施工的须取得证明并公告附近居民。可拨打12345反映，由相关部门核查处理。",
        "噪音,施工,夜间施工,扰民",
        false,
    ),
    (
        "ZHZF",
        "小区附近有人破墙开店怎么举报？",
        "擅自改变房屋结构、破墙开店属于违法行为，可拨打12345或向综合行政执法部门举报，执法人员将现场核查，责令恢复原状。",
        "破墙开店,违章,举报,综合执法",
        false,
    ),
    (
        "ZHZF",
        "占道经营、流动摊贩怎么处理？",
        "可拨打12345反映具体地点和时间段，综合执法部门将安排巡查，引导摊贩进入规定的疏导点经营。",
        "占道经营,摊贩,城管",
        false,
    ),
    (
        "JT",
        "公交线路调整在哪里查询？",
        "公交线路及站点调整信息在交通运输局网站、“昆山公交”微信公众号和站台公告中发布。",
        "公交,线路,出行",
        false,
    ),
    (
        "JT",
        "网约车驾驶员证怎么办理？",
        "申请人需取得相应准驾车型驾驶证满3年，无重大交通事故等记录，经考试合格后向交通运输主管部门申请网络预约出租汽车驾驶员证。",
        "网约车,驾驶员证,出租车",
        false,
    ),
    (
        "JY",
        "外地户籍孩子怎么在本地上小学？",
        "非本市户籍适龄儿童可凭父母的居住证、就业或经营证明、住房证明等，在规定时间内通过入学报名系统积分入学申请，教育部门统筹安排学位。",
        "入学,积分入学,小学,外地户籍",
        true,
    ),
    (
        "JY",
        "幼儿园什么时候报名？",
        "公办幼儿园一般在每年5月至6月报名，具体时间以教育局当年发布的招生公告为准。",
        "幼儿园,报名,招生",
        false,
    ),
    (
        "ZJ",
        "物业不作为怎么投诉？",
        "可先向小区业主委员会或物业公司反映；仍未解决的，可拨打12345或向所在区镇住建（物业）管理部门投诉，由其督促物业企业依合同履行义务。",
        "物业,投诉,小区",
        false,
    ),
    (
        "ZJ",
        "老旧小区加装电梯怎么申请？",
        "经本单元业主依法表决同意后，由业主代表向所在区镇提出申请，提交表决结果、设计方案等材料，审批通过后施工，可申请相应补贴。",
        "加装电梯,老旧小区,补贴",
        true,
    ),
    (
        "MZ",
        "结婚登记需要带什么材料？",
        "双方持本人户口簿、身份证和近期半身免冠合影照片，到婚姻登记机关办理。已开通跨省通办的，一方户籍在本地即可办理。",
        "结婚登记,婚姻,民政",
        false,
    ),
    (
        "MZ",
        "低保怎么申请？",
        "家庭人均收入低于当地低保标准且符合财产条件的，可向户籍所在地镇（街道）提出申请，经入户调查、民主评议和公示后审批。",
        "低保,救助,民政",
        false,
    ),
    (
        "SW",
        "个人所得税汇算清缴怎么办理？",
        "每年3月1日至6月30日，可通过“个人所得税”App办理上一年度综合所得汇算清缴，符合条件的可申请退税。",
        "个税,汇算清缴,退税",
        true,
    ),
    (
        "SW",
        "发票丢了怎么办？",
        "丢失已开具的增值税专用发票，可凭相应记账联复印件及销售方证明作为增值税进项税额抵扣凭证；普通发票丢失应及时向税务机关报告。",
        "发票,遗失,税务",
        false,
    ),
    (
        "GD",
        "家里停电了找谁？",
        "请先检查家中总闸，确认是否为个人原因。非个人原因停电可拨打95598供电服务热线报修，也可拨打12345反映。",
        "停电,供电,报修,95598",
        false,
    ),
    (
        "WJ",
        "新冠疫苗在哪里接种？",
        "疫苗接种点安排以卫健部门最新通知为准。",
        "疫苗,接种",
        false,
    ),
    (
        "XF",
        "楼道堆放杂物占用消防通道怎么举报？",
        "可拨打12345或96119举报，消防救援机构和物业将核查并督促清理。",
        "消防通道,楼道,杂物,举报",
        false,
    ),
    (
        "ZFB",
        "12345热线受理哪些事项？",
        "12345政务服务便民热线受理企业和群众对经济调节、市场监管、社会管理、公共服务、生态环境保护等方面的咨询、求助、投诉、举报和建议。涉及110、119、120、122的紧急事项请直接拨打对应电话，热线会立即转接。",
        "12345,热线,受理范围",
        true,
    ),
];

/// The demo's dispatch catalog (派单目录): towns' own arrangements beside each
/// service's unit.
const DISPATCH_RULES: &[tongban_store::dispatch::SeedRule] = &[
    tongban_store::dispatch::SeedRule {
        service_code: Some("youyan"),
        category: None,
        place: Some("巴城镇"),
        unit: "ZHZF",
        note: "巴城镇餐饮油烟由综合行政执法局巴城中队处置",
    },
    tongban_store::dispatch::SeedRule {
        service_code: Some("daolu"),
        category: None,
        place: Some("开发区"),
        unit: "ZJ",
        note: "开发区道路由住建局养护",
    },
    tongban_store::dispatch::SeedRule {
        service_code: None,
        category: Some("consultation"),
        place: Some("花桥"),
        unit: "XZSP",
        note: "花桥经济开发区的政策咨询由行政审批局答复",
    },
];

/// Questions the public asked and nobody could answer yet (asked, question).
const OPEN_QUESTIONS: &[(i64, &str)] = &[
    (23, "电动自行车上牌在哪里办"),
    (11, "小区充电桩怎么申请安装"),
    (7, "宠物狗办证流程"),
    (4, "老年人乘车卡怎么办理"),
];

/// Seeds the knowledge base: the articles (about a third a year ago, the rest
/// spread over this year), one expired answer, and the open questions.
pub async fn seed(store: &Store, year: i32) -> anyhow::Result<usize> {
    let mut tx = store.begin().await?;
    let mut depts = std::collections::HashMap::new();
    for (code, ..) in ARTICLES {
        if !depts.contains_key(code) {
            let d = tongban_store::org::department_by_code(&mut tx, code).await?;
            depts.insert(*code, d.map(|d| d.id));
        }
    }
    let stamps: Vec<String> = (0..ARTICLES.len())
        .map(|i| {
            let month = 1 + (i % 11) as u32;
            format!("{year}-{month:02}-{:02}T02:00:00Z", 3 + (i * 7) % 24)
        })
        .collect();
    let expired = format!("{}-12-31", year - 1);
    let mut rows: Vec<BulkArticle> = ARTICLES
        .iter()
        .zip(&stamps)
        .map(|((d, q, a, tags, faq), at)| BulkArticle {
            question: q,
            answer: a,
            department_id: depts.get(d).copied().flatten(),
            tags,
            valid_until: None,
            faq: *faq,
            created_at: at,
        })
        .collect();
    // A vaccination notice of last year: kept, but no longer shown to the public.
    if let Some(r) = rows.iter_mut().find(|r| r.question.starts_with("新冠疫苗")) {
        r.valid_until = Some(&expired);
    }
    insert_bulk(&mut tx, &rows, "演示数据").await?;
    // Complaints and reports about a place go to its town or district.
    let notes: Vec<String> = super::TOWN_UNITS
        .iter()
        .map(|(_, name, place)| format!("{place}的投诉、举报由{name}属地处置"))
        .collect();
    let mut seed: Vec<tongban_store::dispatch::SeedRule> = DISPATCH_RULES.to_vec();
    for ((code, _, place), note) in super::TOWN_UNITS.iter().zip(&notes) {
        for category in ["complaint", "report"] {
            seed.push(tongban_store::dispatch::SeedRule {
                service_code: None,
                category: Some(category),
                place: Some(place),
                unit: code,
                note,
            });
        }
    }
    let rules = tongban_store::dispatch::insert_rules(&mut tx, &seed, "演示数据").await?;
    let now = time::stamp(time::now());
    for (asked, q) in OPEN_QUESTIONS {
        tongban_store::kb::insert_question(&mut tx, q, *asked, &now).await?;
    }
    audit::append(
        &mut tx,
        store.keys(),
        &Actor::system("seed"),
        "kb.seed",
        "kb_article",
        "demo",
        serde_json::json!({ "articles": rows.len(), "questions": OPEN_QUESTIONS.len(), "dispatch_rules": rules }),
    )
    .await?;
    tx.commit().await?;
    Ok(rows.len())
}

const PLACES: &[&str] = &[
    "玉山镇",
    "巴城镇",
    "周市镇",
    "陆家镇",
    "花桥",
    "张浦镇",
    "周庄镇",
    "千灯镇",
    "淀山湖镇",
    "锦溪镇",
    "开发区",
    "高新区",
    "前进路",
    "人民路",
    "长江路",
    "萧林路",
    "柏庐路",
    "马鞍山路",
];
const SUBJECTS: &[(&str, &str)] = &[
    ("居住证", "公安"),
    ("身份证", "公安"),
    ("户口迁移", "公安"),
    ("社保卡", "人社"),
    ("失业保险金", "人社"),
    ("养老保险", "人社"),
    ("医保报销", "医保"),
    ("异地就医", "医保"),
    ("公积金提取", "公积金"),
    ("公积金贷款", "公积金"),
    ("不动产登记", "不动产"),
    ("营业执照", "市场监管"),
    ("食品经营许可", "市场监管"),
    ("油烟扰民", "生态环境"),
    ("施工噪音", "生态环境"),
    ("占道经营", "综合执法"),
    ("违章搭建", "综合执法"),
    ("公交线路", "交通"),
    ("积分入学", "教育"),
    ("物业管理", "住建"),
    ("加装电梯", "住建"),
    ("低保救助", "民政"),
    ("个税汇算", "税务"),
    ("停电报修", "供电"),
    ("消防通道", "消防"),
    ("电动自行车", "公安"),
    ("租房补贴", "住建"),
    ("生育津贴", "医保"),
    ("残疾人补贴", "残联"),
    ("农村建房", "自然资源"),
];
const ASKS: &[&str] = &[
    "怎么办理",
    "需要哪些材料",
    "在哪里办",
    "多久能办好",
    "可以网上办吗",
    "收费吗",
    "有什么条件",
    "怎么投诉",
    "找哪个部门",
    "政策有变化吗",
];
const ANSWER_PARTS: &[&str] = &[
    "可通过江苏政务服务网或区镇便民服务中心窗口办理。",
    "请携带本人身份证原件及相关证明材料。",
    "材料齐全的，窗口当场受理，一般5个工作日内办结。",
    "具体以主管部门最新公布的办事指南为准。",
    "如对办理结果有异议，可拨打12345反映。",
    "符合条件的可享受相应补贴，按月发放。",
    "相关部门将在规定时限内核查处理并答复。",
    "可预约办理，避开高峰时段。",
];

/// `n` articles made of the subjects, places and phrasings above, for the benchmark:
/// as many words and as much text as real articles.
pub async fn synthetic(
    store: &Store,
    n: usize,
    seed: u64,
    progress: &dyn Fn(u64),
) -> anyhow::Result<()> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let now = time::stamp(time::now());
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(5000);
        let mut texts = Vec::with_capacity(batch);
        for _ in 0..batch {
            let (subject, dept) = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
            let place = PLACES[rng.random_range(0..PLACES.len())];
            let ask = ASKS[rng.random_range(0..ASKS.len())];
            let q = format!("{place}{subject}{ask}？");
            let mut a = format!("关于{place}{subject}的问题，由{dept}部门答复：");
            for _ in 0..rng.random_range(3..7) {
                a.push_str(ANSWER_PARTS[rng.random_range(0..ANSWER_PARTS.len())]);
            }
            let tags = format!("{subject},{dept},{place}");
            texts.push((q, a, tags));
        }
        let rows: Vec<BulkArticle> = texts
            .iter()
            .map(|(q, a, t)| BulkArticle {
                question: q,
                answer: a,
                department_id: None,
                tags: t,
                valid_until: None,
                faq: false,
                created_at: &now,
            })
            .collect();
        let mut tx = store.begin().await?;
        insert_bulk(&mut tx, &rows, "基准测试").await?;
        tx.commit().await?;
        done += batch;
        progress(done as u64);
    }
    Ok(())
}

/// Questions as people type them, for the benchmark's searches.
pub fn sample_queries() -> Vec<String> {
    let mut out = vec![];
    for (i, (subject, _)) in SUBJECTS.iter().enumerate() {
        for (j, ask) in ASKS.iter().enumerate() {
            if (i + j) % 3 == 0 {
                out.push(format!(
                    "{}{subject}{ask}",
                    PLACES[(i * 7 + j) % PLACES.len()]
                ));
            } else {
                out.push(format!("{subject}{ask}"));
            }
        }
    }
    out
}
