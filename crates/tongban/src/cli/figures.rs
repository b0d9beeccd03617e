//! `tongban stats`, `report` and `export`: the kept counters, the work report, and
//! records for outside analysis.

use super::{DbArgs, open};
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;
use tongban_store::Store;

#[derive(clap::Subcommand)]
pub enum StatsCommand {
    /// 根据记录重新计算全部统计数（在一个事务中完成）
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
    /// 核对保存的统计数与根据记录重算的结果
    ///
    /// 如有差异，逐项列出并以退出码 2 结束
    Check {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn stats(command: StatsCommand) -> anyhow::Result<ExitCode> {
    let (db, rebuild) = match command {
        StatsCommand::Rebuild { db } => (db, true),
        StatsCommand::Check { db } => (db, false),
    };
    let store = open(&db.db, &db.key_file).await?;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let started = std::time::Instant::now();
    if rebuild {
        bar.set_message("正在从记录重新计算统计数…");
        let n = tongban_store::stats::rebuild(&store).await?;
        bar.finish_and_clear();
        let cases = tongban_store::count(&mut *store.reader().await?, "cases").await?;
        let bar = indicatif::ProgressBar::new(cases.max(1) as u64);
        bar.set_style(super::progress_style());
        bar.set_message("重新生成办件查询视图");
        let views = tongban_store::cases::stored::rebuild(&store, |n| bar.set_position(n)).await?;
        bar.finish_and_clear();
        println!(
            "统计数已重算：{n} 条按日计数；办件查询视图已重新生成：{views} 件；用时 {:.1} 秒",
            started.elapsed().as_secs_f64()
        );
    } else {
        bar.set_message("正在核对统计数…");
        let report = tongban_store::stats::check(&store).await?;
        bar.set_message("正在核对办件查询视图…");
        let (views, stale) = tongban_store::cases::stored::check(&store, 20).await?;
        bar.finish_and_clear();
        if report.differences.is_empty() && stale.is_empty() {
            println!(
                "统计数与记录一致：{} 条按日计数；办件查询视图与记录一致：{views} 件；用时 {:.1} 秒",
                report.counters,
                started.elapsed().as_secs_f64()
            );
            return Ok(ExitCode::SUCCESS);
        }
        if !report.differences.is_empty() {
            println!("统计数与记录不一致（{} 处）：", report.differences.len());
            for d in &report.differences {
                println!(
                    "  {}（{}）{} {}：保存 {}，重算 {}",
                    d.counter, d.table, d.key, d.measure, d.kept, d.recomputed
                );
            }
        }
        if !stale.is_empty() {
            println!(
                "办件查询视图与记录不一致（至多列出 20 件）：{}",
                stale.join("、")
            );
        }
        println!("可运行 tongban stats rebuild 重新计算。");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 整年，如 2026
    #[arg(long, conflicts_with_all = ["from", "to", "period"])]
    pub year: Option<i32>,
    /// 起始日期（YYYY-MM-DD），须与 --to 同用
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// 截止日期（YYYY-MM-DD），须与 --from 同用
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// 任意期间：2026、2026-Q3、2026-07、2026-01-01..2026-09-30
    #[arg(long)]
    pub period: Option<String>,
    /// md、docx、xlsx 或 json
    #[arg(long, default_value = "md")]
    pub format: String,
    /// 输出文件（默认：标准输出；docx 和 xlsx 仅在标准输出被重定向时输出，不输出到终端）
    #[arg(long)]
    pub out: Option<String>,
}

pub async fn report(args: ReportArgs) -> anyhow::Result<()> {
    let ReportArgs {
        db,
        year,
        from,
        to,
        period,
        format,
        out,
    } = args;
    use std::io::IsTerminal;
    use tongban_domain::metrics::Period;
    use tongban_store::report;
    let format = report::Format::from_param(&format)
        .ok_or_else(|| anyhow::anyhow!("--format 应为 md、docx、xlsx 或 json"))?;
    anyhow::ensure!(
        out.is_some() || !format.is_binary() || !std::io::stdout().is_terminal(),
        "docx 与 xlsx 是二进制文件，请用 --out 指定输出文件，或将标准输出重定向到文件"
    );
    let period = match (year, from, to, period) {
        (Some(y), ..) => Period::year(y),
        (None, Some(f), Some(t), _) => Period::parse(&format!("{f}..{t}")),
        (None, _, _, Some(p)) => Period::parse(&p),
        _ => anyhow::bail!("请指定 --year，或 --from 与 --to，或 --period"),
    }
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = open(&db.db, &db.key_file).await?;
    let figures = tongban_store::metrics::compute(&store, &period)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes = report::render(&figures, format).map_err(|e| anyhow::anyhow!("{e}"))?;
    match out {
        Some(path) => std::fs::write(&path, bytes).with_context(|| format!("无法写入 {path}"))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// 数据集：departments、points、items、cases、ratings、calls、work_orders、projects、acceptances（已出具验收意见书的联合验收）、entities（市场主体）、registrations（商事登记申请）、reforms（事项清单改革决定）、after_checks（秒批事后核查）、bundles（一件事申请）、commendations（锦旗与创新举措登记）、patrols（窗口巡查）、visits（第三方暗访）、project_progress（挂钩项目每周进展）、problems（工程建设项目协调问题）、complaints（企业投诉，不含联系人和电话）、survey_links（满意度测评链接，不含链接本身）、survey_scores（满意度测评评分）、trading（公共资源交易公告）、agencies（中介机构名录，不含联系人）或 intermediary_orders（中介超市服务需求与选取、评价）
    pub dataset: String,
    /// items：导出该日生效的事项版本（YYYY-MM-DD，默认今天）
    #[arg(long)]
    pub on: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
    /// csv 或 jsonl（每行一个 JSON 对象）
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// 输出文件（默认：标准输出）
    #[arg(long)]
    pub out: Option<String>,
}

pub async fn export_records(args: ExportArgs) -> anyhow::Result<()> {
    let store = open(&args.db.db, &args.db.key_file).await?;
    let on = match args.on.as_deref() {
        Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .with_context(|| format!("--on 应为 YYYY-MM-DD 日期：{d}"))?,
        None => tongban_store::time::local_day(tongban_store::time::now()),
    };
    export(&store, &args.dataset, &args.format, args.out.as_deref(), on).await
}

async fn export(
    store: &Store,
    dataset: &str,
    format: &str,
    out: Option<&str>,
    on: chrono::NaiveDate,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        matches!(format, "csv" | "jsonl"),
        "--format 应为 csv 或 jsonl"
    );
    let sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("无法写入 {path}"))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut writer = RowWriter::new(sink, format == "csv");
    match dataset {
        "cases" => {
            tongban_store::cases::export(store, |row| writer.write(&row)).await?;
        }
        "items" => {
            let items = tongban_store::catalog::all_in_force(store, on).await?;
            for i in items {
                writer.write(&crate::demo::ItemExportRow::from(&i))?;
            }
        }
        "calls" => {
            tongban_store::calls::export(store, |row| writer.write(&row)).await?;
        }
        "work_orders" => {
            tongban_store::hotline::export(store, |row| writer.write(&row)).await?;
        }
        "ratings" => {
            tongban_store::cases::export_ratings(store, |row| writer.write(&row)).await?;
        }
        "projects" => {
            tongban_store::projects::export(store, |row| writer.write(&row)).await?;
        }
        "acceptances" => {
            tongban_store::projects::acceptance::export(store, |row| writer.write(&row)).await?;
        }
        "entities" => {
            tongban_store::registration::entities::export_entities(store, |row| writer.write(&row))
                .await?;
        }
        "registrations" => {
            tongban_store::registration::entities::export_registrations(store, |row| {
                writer.write(&row)
            })
            .await?;
        }
        "reforms" => {
            tongban_store::reforms::export(store, |row| writer.write(&row)).await?;
        }
        "after_checks" => {
            tongban_store::after_checks::export(store, |row| writer.write(&row)).await?;
        }
        "bundles" => {
            tongban_store::bundles::export(store, |row| writer.write(&row)).await?;
        }
        "commendations" => {
            tongban_store::supervision::export(store, |row| writer.write(&row)).await?;
        }
        "patrols" => {
            tongban_store::supervision::export_patrols(store, |row| writer.write(&row)).await?;
        }
        "project_progress" => {
            tongban_store::enterprise::export_progress(store, |row| writer.write(&row)).await?;
        }
        "trading" => {
            tongban_store::trading::announcements::export(store, |row| writer.write(&row)).await?;
        }
        "agencies" => {
            tongban_store::intermediary::agencies::export(store, |row| writer.write(&row)).await?;
        }
        "intermediary_orders" => {
            tongban_store::intermediary::market::export(store, |row| writer.write(&row)).await?;
        }
        "problems" => {
            tongban_store::projects::problems::export_problems(store, |row| writer.write(&row))
                .await?;
        }
        "complaints" => {
            tongban_store::enterprise::export_complaints(store, |row| writer.write(&row)).await?;
        }
        "survey_links" => {
            tongban_store::enterprise::export_links(store, |row| writer.write(&row)).await?;
        }
        "survey_scores" => {
            tongban_store::enterprise::export_scores(store, |row| writer.write(&row)).await?;
        }
        "visits" => {
            tongban_store::supervision::export_visits(store, |row| writer.write(&row)).await?;
        }
        "departments" => {
            for d in tongban_store::org::departments(store).await? {
                writer.write(&d)?;
            }
        }
        "points" => {
            for p in tongban_store::org::points(store).await? {
                writer.write(&p)?;
            }
        }
        other => {
            anyhow::bail!(
                "未知数据集“{other}”：可导出 departments、points、items、cases、ratings、calls、work_orders、projects、acceptances、entities、registrations、reforms、after_checks、bundles、commendations、patrols、visits、project_progress、problems、complaints、survey_links、survey_scores、trading、agencies、intermediary_orders"
            )
        }
    }
    writer.finish()
}

/// Writes serialisable rows as CSV (header from the first row) or JSON lines.
struct RowWriter {
    csv: Option<csv::Writer<Box<dyn Write>>>,
    jsonl: Option<Box<dyn Write>>,
    /// Rows written so far (the first CSV row carries the header).
    rows: u64,
}

impl RowWriter {
    fn new(w: Box<dyn Write>, csv: bool) -> Self {
        if csv {
            Self {
                csv: Some(csv::Writer::from_writer(w)),
                jsonl: None,
                rows: 0,
            }
        } else {
            Self {
                csv: None,
                jsonl: Some(w),
                rows: 0,
            }
        }
    }
    fn write<T: serde::Serialize>(&mut self, row: &T) -> anyhow::Result<()> {
        if let Some(c) = &mut self.csv {
            // Serialised once into records, then every cell made safe for
            // spreadsheets (no formula injection from a citizen's text).
            let mut one = csv::WriterBuilder::new()
                .has_headers(self.rows == 0)
                .from_writer(vec![]);
            one.serialize(row)?;
            let bytes = one.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(bytes.as_slice());
            for rec in r.records() {
                let rec = rec?;
                c.write_record(
                    rec.iter()
                        .map(|f| tongban_store::report::csv_cell(f).into_owned()),
                )?;
            }
        }
        self.rows += 1;
        if let Some(j) = &mut self.jsonl {
            serde_json::to_writer(&mut *j, row)?;
            j.write_all(b"\n")?;
        }
        Ok(())
    }
    fn finish(self) -> anyhow::Result<()> {
        if let Some(mut c) = self.csv {
            c.flush()?;
        }
        if let Some(mut j) = self.jsonl {
            j.flush()?;
        }
        Ok(())
    }
}
