//! The catalog as an xlsx workbook, the form offices exchange item lists in. Export
//! writes the version in force; import validates every row first and then, in one
//! transaction, adds new items and gives changed ones a new, published version.

use crate::audit::Actor;
use crate::{Store, catalog, org, time};
use anyhow::Context;
use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};
use tongban_domain::TimeUnit;
use tongban_domain::auto_approval::FormField;
use tongban_domain::catalog::{
    CommitmentRule, ExtensionRule, Fee, ItemContent, ItemStatus, Material, OnlineDepth,
    PowerSource, PowerType, TimeLimit, split_tags,
};
use tongban_domain::registration::RegistrationKind;

const HEADERS: [&str; 33] = [
    "实施编码",
    "事项名称",
    "部门代码",
    "基本编码",
    "业务办理项编码",
    "权力类型",
    "权力来源",
    "设定依据",
    "受理条件",
    "申报材料（每行：名称|是否必需|是否原件|可否电子|份数|可否容缺）",
    "办理流程（每行一步）",
    "法定时限",
    "法定时限单位",
    "承诺时限",
    "承诺时限单位",
    "收费（每行：名称|金额分|依据）",
    "即办件",
    "到现场次数",
    "网办深度",
    "中心受理",
    "下放受理点代码",
    "状态",
    "生效日期",
    "父事项编码（子项填写）",
    "联合办理（第二十六条）",
    "延期天数（其他法律、法规规定）",
    "延期依据",
    "告知承诺制核查期限（工作日，空为不适用）",
    "别名与常用说法（以顿号分隔）",
    "主题（以顿号分隔）",
    "商事登记业务（设立登记、变更登记、注销登记，空为否）",
    "申请表字段（每行：字段名|标签|类型|是否必填）",
    "秒批规则（JSON，空为不适用）",
];

fn yes(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

fn unit_label(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::Working => "工作日",
        TimeUnit::Natural => "自然日",
    }
}

/// The catalog in force today as an xlsx workbook, and the number of items in it.
pub async fn export(store: &Store) -> anyhow::Result<(Vec<u8>, usize)> {
    let items = catalog::all_in_force(store, time::local_day(time::now())).await?;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("事项清单")?;
    let bold = Format::new().set_bold().set_text_wrap();
    let wrap = Format::new().set_text_wrap();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold)?;
    }
    ws.set_freeze_panes(1, 2)?;
    for (r, item) in items.iter().enumerate() {
        let row = (r + 1) as u32;
        let c = item.content.as_ref().context("content")?;
        let materials: Vec<String> = c.materials.iter().map(Material::line).collect();
        let fees: Vec<String> = c
            .fees
            .iter()
            .map(|f| format!("{}|{}|{}", f.name, f.amount_fen, f.basis))
            .collect();
        let cells: [String; 33] = [
            item.code.clone(),
            c.name.clone(),
            item.department.code.clone(),
            c.basic_code.clone(),
            c.handling_code.clone(),
            c.power_type.label().into(),
            c.power_source.label().into(),
            c.legal_basis.clone(),
            c.conditions.clone(),
            materials.join("\n"),
            c.steps.join("\n"),
            c.statutory.days.to_string(),
            unit_label(c.statutory.unit).into(),
            c.promised.days.to_string(),
            unit_label(c.promised.unit).into(),
            fees.join("\n"),
            yes(c.instant).into(),
            c.visits.to_string(),
            c.online_depth.label().into(),
            yes(c.accept_center).into(),
            c.accept_points.join(","),
            c.status.label().into(),
            item.effective_from.clone(),
            item.parent_code.clone().unwrap_or_default(),
            yes(c.joint_handling).into(),
            c.extension
                .as_ref()
                .map(|e| e.days.to_string())
                .unwrap_or_default(),
            c.extension
                .as_ref()
                .map(|e| e.legal_basis.clone())
                .unwrap_or_default(),
            c.commitment
                .as_ref()
                .map(|r| r.verify_days.to_string())
                .unwrap_or_default(),
            c.aliases.join("、"),
            c.themes.join("、"),
            c.registration
                .map(|k| k.label().to_string())
                .unwrap_or_default(),
            c.fields
                .iter()
                .map(FormField::line)
                .collect::<Vec<_>>()
                .join("\n"),
            c.auto_approval
                .as_ref()
                .and_then(|r| serde_json::to_string(r).ok())
                .unwrap_or_default(),
        ];
        for (col, v) in cells.iter().enumerate() {
            ws.write_with_format(row, col as u16, v.as_str(), &wrap)?;
        }
    }
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 40)?;
    let bytes = wb.save_to_buffer().context("无法生成工作簿")?;
    Ok((bytes, items.len()))
}

fn cell(row: &[Data], i: usize) -> String {
    match row.get(i) {
        Some(Data::String(s)) => s.trim().to_string(),
        Some(Data::Float(f)) => {
            if f.fract() == 0.0 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Bool(b)) => yes(*b).to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn flag(v: &str, what: &str) -> Result<bool, String> {
    match v {
        "是" | "Y" | "y" | "true" | "1" => Ok(true),
        "否" | "N" | "n" | "false" | "0" | "" => Ok(false),
        _ => Err(format!("{what}应填“是”或“否”")),
    }
}

fn unit(v: &str) -> Result<TimeUnit, String> {
    match v {
        "工作日" | "" | "working" => Ok(TimeUnit::Working),
        "自然日" | "natural" => Ok(TimeUnit::Natural),
        _ => Err("时限单位应为“工作日”或“自然日”".into()),
    }
}

fn days(v: &str, what: &str) -> Result<u32, String> {
    if v.is_empty() {
        return Ok(0);
    }
    v.parse().map_err(|_| format!("{what}应为整数天数"))
}

struct Row {
    code: String,
    department: String,
    parent: Option<String>,
    content: ItemContent,
}

fn parse_row(r: &[Data]) -> Result<Row, String> {
    let materials = cell(r, 9)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('|').map(str::trim).collect();
            Ok(Material {
                name: f[0].to_string(),
                required: flag(f.get(1).copied().unwrap_or("是"), "材料是否必需")?,
                original: flag(f.get(2).copied().unwrap_or("否"), "材料是否原件")?,
                electronic: flag(f.get(3).copied().unwrap_or("是"), "材料可否电子")?,
                copies: match f.get(4).copied().unwrap_or("") {
                    "" => 1,
                    n => n
                        .parse()
                        .ok()
                        .filter(|c| (1..=99).contains(c))
                        .ok_or("材料份数应为1至99的整数")?,
                },
                deferrable: match f.get(5).copied().unwrap_or("") {
                    "" => false,
                    v => flag(v, "材料可否容缺")?,
                },
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let fees = cell(r, 15)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('|').map(str::trim).collect();
            Ok(Fee {
                name: f[0].to_string(),
                amount_fen: f
                    .get(1)
                    .and_then(|a| a.parse().ok())
                    .ok_or("收费金额应为整数（分）")?,
                basis: f.get(2).unwrap_or(&"").to_string(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let content = ItemContent {
        name: cell(r, 1),
        basic_code: cell(r, 3),
        handling_code: cell(r, 4),
        power_type: PowerType::parse_code_or_label(&cell(r, 5)).ok_or("权力类型无效")?,
        power_source: PowerSource::parse_code_or_label(&cell(r, 6))
            .unwrap_or(PowerSource::Statutory),
        legal_basis: cell(r, 7),
        conditions: cell(r, 8),
        materials,
        steps: cell(r, 10)
            .lines()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        statutory: TimeLimit {
            days: days(&cell(r, 11), "法定时限")?,
            unit: unit(&cell(r, 12))?,
        },
        promised: TimeLimit {
            days: days(&cell(r, 13), "承诺时限")?,
            unit: unit(&cell(r, 14))?,
        },
        fees,
        instant: flag(&cell(r, 16), "即办件")?,
        visits: days(&cell(r, 17), "到现场次数")?,
        online_depth: OnlineDepth::parse_code_or_label(&cell(r, 18))
            .unwrap_or(OnlineDepth::Offline),
        accept_center: flag(&cell(r, 19), "中心受理")?,
        accept_points: cell(r, 20)
            .split([',', '，'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        status: ItemStatus::parse_code_or_label(&cell(r, 21))
            .ok_or("状态应为在用、暂停、取消或转移")?,
        // Workbooks from before these columns read as neither.
        joint_handling: flag(&cell(r, 24), "联合办理")?,
        extension: match days(&cell(r, 25), "延期天数")? {
            0 => None,
            days => Some(ExtensionRule {
                days,
                legal_basis: cell(r, 26),
            }),
        },
        commitment: match days(&cell(r, 27), "告知承诺制核查期限")? {
            0 => None,
            verify_days => Some(CommitmentRule { verify_days }),
        },
        aliases: split_tags(&cell(r, 28)),
        themes: split_tags(&cell(r, 29)),
        registration: match cell(r, 30).trim() {
            "" | "否" => None,
            v => Some(
                RegistrationKind::parse_code_or_label(v)
                    .ok_or("商事登记业务应为设立登记、变更登记或注销登记（空为否）")?,
            ),
        },
        fields: cell(r, 31)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
            .map(|(i, l)| FormField::parse_line(l, i + 1).map_err(|e| e.message))
            .collect::<Result<Vec<_>, String>>()?,
        auto_approval: match cell(r, 32).trim() {
            "" => None,
            v => Some(
                serde_json::from_str(v).map_err(|e| format!("秒批规则不是有效的规则 JSON：{e}"))?,
            ),
        },
    };
    let mut checked = content.clone();
    checked.validate().map_err(|e| e.message)?;
    Ok(Row {
        code: cell(r, 0),
        department: cell(r, 2),
        parent: Some(cell(r, 23)).filter(|p| !p.is_empty()),
        content: checked,
    })
}

/// Imports a workbook (see the module doc); the report says what changed. A workbook
/// with any bad row changes nothing and the error lists every bad row.
pub async fn import(
    store: &Store,
    bytes: &[u8],
    effective: Option<&str>,
) -> anyhow::Result<String> {
    let today = time::local_day(time::now());
    let effective = match effective {
        Some(s) => time::parse_day(s).context("--effective 日期格式应为 YYYY-MM-DD")?,
        None => today + chrono::Duration::days(1),
    };
    anyhow::ensure!(
        effective >= today,
        "生效日期不能早于今天：清单须在实施前公布"
    );
    let mut wb: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).context("文件不是有效的 xlsx 工作簿")?;
    let range = wb
        .worksheet_range_at(0)
        .context("工作簿中没有工作表")?
        .context("无法读取工作表")?;
    let mut rows = vec![];
    let mut errors = vec![];
    for (i, r) in range.rows().enumerate().skip(1) {
        if r.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        match parse_row(r) {
            Ok(row) => rows.push((i + 1, row)),
            Err(e) => errors.push(format!("第{}行：{e}", i + 1)),
        }
    }
    if !errors.is_empty() {
        anyhow::bail!("导入未执行，以下行有误：\n{}", errors.join("\n"));
    }
    let actor = Actor::system("catalog-import");
    let (mut added, mut changed, mut same) = (0, 0, 0);
    let mut tx = store.begin().await?;
    for (line, row) in rows {
        let fail = |e: crate::StoreError| anyhow::anyhow!("第{line}行：{e}");
        match catalog::item_in_force(&mut tx, &row.code, today)
            .await
            .map_err(fail)?
        {
            Some(existing) if existing.content.as_ref() == Some(&row.content) => same += 1,
            Some(_) => {
                let v = catalog::new_version_in(
                    &mut tx,
                    store,
                    &row.code,
                    row.content,
                    effective,
                    "清单导入更新",
                    &actor,
                )
                .await
                .map_err(fail)?;
                catalog::publish_in(&mut tx, store, &row.code, v, today, &actor)
                    .await
                    .map_err(fail)?;
                changed += 1;
            }
            None => {
                let dept = org::department_by_code(&mut tx, &row.department)
                    .await
                    .map_err(fail)?
                    .ok_or_else(|| {
                        anyhow::anyhow!("第{line}行：部门代码“{}”不存在", row.department)
                    })?;
                let parent_id = match &row.parent {
                    Some(code) => Some(
                        catalog::item_id(&mut tx, code)
                            .await
                            .map_err(fail)?
                            .ok_or_else(|| anyhow::anyhow!("第{line}行：父事项“{code}”不存在"))?,
                    ),
                    None => None,
                };
                catalog::insert_item(
                    &mut tx,
                    store,
                    &row.code,
                    &dept,
                    parent_id,
                    row.content,
                    effective,
                    true,
                    &actor,
                )
                .await
                .map_err(fail)?;
                added += 1;
            }
        }
    }
    tx.commit().await?;
    store.forget_items();
    Ok(format!(
        "导入完成：新增 {added} 项，更新 {changed} 项（{effective} 生效），未变 {same} 项"
    ))
}
