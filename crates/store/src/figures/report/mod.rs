//! The work report and the figures' tables in every format the office hands out:
//! Markdown, Word (docx), Excel (xlsx), JSON and CSV. One implementation for the
//! command line (`tongban report`) and the web (`/reports`, `/dashboard/export`).

mod docx;
mod markdown;

pub use docx::document;
pub use markdown::{Block, blocks, markdown};

use crate::metrics::{Figures, TableRow};
use crate::{Result, StoreError};
use rust_xlsxwriter::{Format as XlsxFormat, Workbook};
use tongban_domain::metrics::Key;
use tongban_domain::metrics::growth;

tongban_domain::coded_enum! {
    /// The forms the work report is written in.
    Format {
        Markdown = ("md", "网页（Markdown）"),
        Docx = ("docx", "Word 文档（docx）"),
        Xlsx = ("xlsx", "Excel 表格（xlsx）"),
        Json = ("json", "JSON 数据"),
    }
}

impl Format {
    /// `md`, `docx`, `xlsx` or `json` (also `markdown`) as a URL or the command line
    /// gives it.
    pub fn from_param(s: &str) -> Option<Format> {
        match s.trim() {
            "markdown" => Some(Format::Markdown),
            s => Format::parse(s),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
        }
    }

    /// Whether the output is a zip package rather than text.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Docx | Format::Xlsx)
    }
}

/// The report for `f` in `format`.
pub fn render(f: &Figures, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Markdown => Ok(markdown(f).into_bytes()),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(f)
                .map_err(|e| StoreError::Other(anyhow::anyhow!("JSON：{e}")))?;
            s.push('\n');
            Ok(s.into_bytes())
        }
        Format::Docx => docx::document(&markdown(f)),
        Format::Xlsx => xlsx(&tables(f)),
    }
}

/// The file name people get: `2026年工作情况.docx`.
pub fn file_name(f: &Figures, format: Format) -> String {
    format!("{}工作情况.{}", f.period.label, format.as_str())
}

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A decimal, empty when undefined.
    Number(Option<f64>),
    /// A fraction shown as a percentage, empty when undefined.
    Rate(Option<f64>),
}

impl Cell {
    /// As people read it on a page: `1234`, `12.5`, `45.67%`, or empty.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Number(Some(x)) if x.fract() == 0.0 => format!("{x:.0}"),
            Cell::Number(Some(x)) => format!("{x:.2}"),
            Cell::Rate(Some(x)) => format!("{:.2}%", x * 100.0),
            Cell::Number(None) | Cell::Rate(None) => String::new(),
        }
    }

    /// As a machine reads it (CSV): whole precision, rates as fractions.
    pub fn raw(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Number(Some(x)) | Cell::Rate(Some(x)) => x.to_string(),
            Cell::Number(None) | Cell::Rate(None) => String::new(),
        }
    }
}

/// A table of figures: one sheet of the workbook, one CSV file, one table on a page.
#[derive(Debug, Clone)]
pub struct Table {
    /// Stable name in URLs: `figures`, `departments`, `points`, `channels`, `months`.
    pub key: &'static str,
    /// The sheet's name and the table's caption.
    pub title: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

fn rate_growth(v: i64, e: i64) -> Cell {
    Cell::Rate(growth(v as f64, Some(e as f64)))
}

/// Every figure with its key, label, value, unit, the year-earlier value and growth.
pub fn figures_table(f: &Figures) -> Table {
    let rows = f
        .figures
        .iter()
        .filter(|v| v.rows.is_none())
        .map(|v| {
            let cell = |x: Option<f64>| {
                if v.unit == "%" {
                    Cell::Rate(x)
                } else {
                    Cell::Number(x)
                }
            };
            vec![
                Cell::Text(v.key.into()),
                Cell::Text(v.label.into()),
                cell(v.value),
                Cell::Text(v.unit.into()),
                cell(v.year_earlier),
                Cell::Rate(v.growth),
                Cell::Text(v.area.into()),
                Cell::Text(v.definition.into()),
            ]
        })
        .collect();
    Table {
        key: "figures",
        title: "工作情况",
        columns: vec![
            "指标键",
            "指标",
            "本期",
            "单位",
            "上年同期",
            "同比增长",
            "领域",
            "口径",
        ],
        rows,
    }
}

/// Cases by department.
pub fn departments_table(f: &Figures) -> Table {
    Table {
        key: "departments",
        title: "各部门",
        columns: vec![
            "部门编码",
            "部门",
            "受理办件",
            "即办件",
            "网上审批办件",
            "办结办件",
            "上年同期受理",
            "同比增长",
            "区镇及分理点受理",
            "分流比例",
        ],
        rows: f
            .by_department
            .iter()
            .map(|d| {
                vec![
                    Cell::Text(d.code.clone()),
                    Cell::Text(d.name.clone()),
                    Cell::Int(d.cases_accepted),
                    Cell::Int(d.cases_instant),
                    Cell::Int(d.cases_online),
                    Cell::Int(d.cases_closed),
                    Cell::Int(d.cases_accepted_year_earlier),
                    rate_growth(d.cases_accepted, d.cases_accepted_year_earlier),
                    Cell::Int(d.cases_away),
                    Cell::Rate(
                        (d.cases_accepted > 0)
                            .then(|| d.cases_away as f64 / d.cases_accepted as f64),
                    ),
                ]
            })
            .collect(),
    }
}

fn rows_of(f: &Figures, key: Key) -> &[TableRow] {
    f.get(key)
        .and_then(|v| v.rows.as_deref())
        .unwrap_or_default()
}

fn simple_rows(rows: &[TableRow]) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|r| {
            vec![
                Cell::Text(r.code.clone()),
                Cell::Text(r.name.clone()),
                Cell::Int(r.value),
                Cell::Int(r.year_earlier),
                rate_growth(r.value, r.year_earlier),
            ]
        })
        .collect()
}

/// Cases by acceptance point (the center, comprehensive windows, towns, sub-stations).
pub fn points_table(f: &Figures) -> Table {
    Table {
        key: "points",
        title: "各受理点",
        columns: vec!["受理点编码", "受理点", "受理办件", "上年同期", "同比增长"],
        rows: simple_rows(rows_of(f, Key::CasesByPoint)),
    }
}

/// 12345 requests by channel.
pub fn channels_table(f: &Figures) -> Table {
    Table {
        key: "channels",
        title: "12345各渠道",
        columns: vec!["渠道编码", "渠道", "受理诉求", "上年同期", "同比增长"],
        rows: simple_rows(rows_of(f, Key::HotlineByChannel)),
    }
}

/// Cases accepted per month of a year against the year before (`this[0]` is January).
pub fn months_table(year: i32, this: &[i64; 12], before: &[i64; 12]) -> Table {
    months_table_as("months", "各月受理", "本年受理", year, this, before)
}

/// A per-month table of any count: its key, title and the heading of this year's
/// column.
pub fn months_table_as(
    key: &'static str,
    title: &'static str,
    heading: &'static str,
    year: i32,
    this: &[i64; 12],
    before: &[i64; 12],
) -> Table {
    Table {
        key,
        title,
        columns: vec!["月份", heading, "上年同期", "同比增长"],
        rows: (0..12)
            .map(|m| {
                vec![
                    Cell::Text(format!("{year}-{:02}", m + 1)),
                    Cell::Int(this[m]),
                    Cell::Int(before[m]),
                    rate_growth(this[m], before[m]),
                ]
            })
            .collect(),
    }
}

/// The four tables of the report's workbook, in sheet order.
pub fn tables(f: &Figures) -> Vec<Table> {
    vec![
        figures_table(f),
        departments_table(f),
        points_table(f),
        channels_table(f),
    ]
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> StoreError {
    StoreError::Other(anyhow::anyhow!("生成 Excel 文件失败：{e}"))
}

/// A workbook with one sheet per table: a bold header row, then the rows; rates
/// are numbers formatted as percentages, so they stay computable.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = XlsxFormat::new().set_bold();
    let pct = XlsxFormat::new().set_num_format("0.00%");
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(t.title).map_err(xlsx_err)?;
        for (c, name) in t.columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *name, &bold)
                .map_err(xlsx_err)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                    Cell::Int(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
                    Cell::Number(Some(x)) => ws.write_number(r, c, *x).map(|_| ()),
                    Cell::Rate(Some(x)) => ws.write_number_with_format(r, c, *x, &pct).map(|_| ()),
                    Cell::Number(None) | Cell::Rate(None) => Ok(()),
                }
                .map_err(xlsx_err)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        ws.autofit();
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// A table as CSV in UTF-8 with a byte-order mark, so Excel opens Chinese correctly.
/// A CSV cell that a spreadsheet will not run as a formula: text starting with
/// `= + - @`, a tab or a carriage return gets a leading apostrophe (numbers stay).
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

pub fn csv(t: &Table) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let err = |e: csv::Error| StoreError::Other(anyhow::anyhow!("生成 CSV 失败：{e}"));
    w.write_record(&t.columns).map_err(err)?;
    for row in &t.rows {
        w.write_record(row.iter().map(|c| csv_cell(&c.raw()).into_owned()))
            .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| StoreError::Other(anyhow::anyhow!("生成 CSV 失败：{e}")))
}
