//! XLSX export: the run's tables in one workbook (sheets summary, by_month, by_event_type,
//! events, facts, skipped) with numeric cells numeric, dates as real dates, a frozen header
//! row, an autofilter and readable column widths.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

/// Sheet name, source CSV, and the header to use when the CSV is absent (only skipped.csv
/// may be: a run without skipped inputs may not write it).
const SHEETS: &[(&str, &str, Option<&[&str]>)] = &[
    ("summary", "province_summary.csv", None),
    ("by_month", "province_month.csv", None),
    ("by_event_type", "metric_by_event_type.csv", None),
    ("events", "events.csv", None),
    ("facts", "facts.csv", None),
    ("skipped", "skipped.csv", Some(&["path", "doc", "reason", "detail"])),
];

/// Numeric columns, by name; the summary's `<metric>__<unit>…` columns are numeric too. Columns
/// are typed by name, not by content: a title or a `text` such as 12351 stays text, and so do
/// identifiers (code, month, event_id).
const NUMBER_COLUMNS: &[&str] =
    &["value", "value_max", "index", "start", "end", "events", "facts", "sum", "at_least", "approx", "foreign_currency_facts"];
const DATE_COLUMNS: &[&str] = &["date_start", "date_end", "pub_date"];

/// Excel's last row; a sheet cannot hold more.
const MAX_ROWS: u32 = 1_048_576;

#[derive(Clone, Copy, PartialEq)]
enum Cell {
    Text,
    Number,
    Date,
}

fn cell_kind(header: &str) -> Cell {
    if NUMBER_COLUMNS.contains(&header) || header.contains("__") {
        Cell::Number
    } else if DATE_COLUMNS.contains(&header) {
        Cell::Date
    } else {
        Cell::Text
    }
}

/// Display width: CJK characters take about two Latin characters.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn excel_date(s: &str) -> Option<ExcelDateTime> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, d.month() as u8, d.day() as u8).ok()
}

/// Write one CSV (BOM or not) into `ws`, streaming its rows.
fn write_sheet(ws: &mut Worksheet, path: &Path, fallback: Option<&[&str]>, formats: &(Format, Format)) -> Result<()> {
    let (bold, date) = formats;
    let mut reader = match File::open(path) {
        Ok(file) => {
            let mut buf = BufReader::new(file);
            if buf.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
                buf.read_exact(&mut [0u8; 3])?;
            }
            Some(csv::ReaderBuilder::new().flexible(true).from_reader(buf))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && fallback.is_some() => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut header: Vec<String> = match reader.as_mut() {
        Some(r) => r.headers().with_context(|| format!("cannot read {}", path.display()))?.iter().map(str::to_string).collect(),
        None => Vec::new(),
    };
    if header.is_empty() {
        header = fallback.unwrap_or_default().iter().map(|h| h.to_string()).collect();
    }
    let kinds: Vec<Cell> = header.iter().map(|h| cell_kind(h)).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, bold)?;
    }
    let mut last_row = 0u32;
    if let Some(reader) = reader.as_mut() {
        let mut rec = csv::StringRecord::new();
        while reader.read_record(&mut rec).with_context(|| format!("cannot read {}", path.display()))? {
            last_row += 1;
            if last_row >= MAX_ROWS {
                bail!("{} has more rows than an Excel sheet holds; use the CSV or Parquet output", path.display());
            }
            for (c, v) in rec.iter().enumerate() {
                if v.is_empty() {
                    continue;
                }
                let col = c as u16;
                let kind = kinds.get(c).copied().unwrap_or(Cell::Text);
                // A value that does not parse is kept as text rather than lost.
                match (kind, v.parse::<f64>().ok().filter(|x| x.is_finite()), excel_date(v)) {
                    (Cell::Number, Some(x), _) => {
                        ws.write_number(last_row, col, x)?;
                    }
                    (Cell::Date, _, Some(d)) => {
                        ws.write_datetime_with_format(last_row, col, &d, date)?;
                    }
                    _ => {
                        ws.write_string(last_row, col, v)?;
                    }
                }
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(if kind == Cell::Date { 10 } else { width(v) });
                }
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w as f64 + 2.0).clamp(6.0, 60.0))?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !header.is_empty() {
        ws.autofilter(0, 0, last_row, (header.len() - 1) as u16)?;
    }
    Ok(())
}

/// Read `out_dir`'s summary CSVs, events.csv, facts.csv and skipped.csv (BOM or not) and write
/// them as one workbook at `path`.
pub fn write_xlsx(out_dir: &Path, path: &Path) -> Result<()> {
    let mut workbook = Workbook::new();
    let formats = (Format::new().set_bold(), Format::new().set_num_format("yyyy-mm-dd"));
    for &(sheet, file, fallback) in SHEETS {
        let ws = workbook.add_worksheet();
        ws.set_name(sheet)?;
        write_sheet(ws, &out_dir.join(file), fallback, &formats)?;
    }
    workbook.save(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
