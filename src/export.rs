//! XLSX export: the run's tables in one workbook (sheets summary, by_month, by_event_type,
//! events, facts, skipped) with numeric cells numeric, dates as dates, a frozen header row,
//! an autofilter and readable column widths.

use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const SHEETS: &[(&str, &str)] = &[
    ("summary", "province_summary.csv"),
    ("by_month", "province_month.csv"),
    ("by_event_type", "metric_by_event_type.csv"),
    ("events", "events.csv"),
    ("facts", "facts.csv"),
    ("skipped", "skipped.csv"),
];

/// Columns that look numeric but are identifiers or labels (a GB/T code, a month).
const TEXT_COLUMNS: &[&str] = &["code", "month", "event_id", "fact_id", "doc", "text", "lead", "dup_of"];

fn read_csv(path: &Path) -> Result<Vec<Vec<String>>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    reader
        .records()
        .map(|r| Ok(r.with_context(|| format!("{}", path.display()))?.iter().map(str::to_string).collect()))
        .collect()
}

fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[7] == b'-'
        && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

pub fn write_xlsx(out_dir: &Path, path: &Path) -> Result<()> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (sheet, file) in SHEETS {
        let rows = read_csv(&out_dir.join(file))?;
        let ws = workbook.add_worksheet();
        ws.set_name(*sheet)?;
        let Some(header) = rows.first() else { continue };
        let body = &rows[1..];
        let numeric: Vec<bool> = (0..header.len())
            .map(|c| {
                !TEXT_COLUMNS.contains(&header[c].as_str())
                    && body.iter().any(|r| r.get(c).is_some_and(|v| !v.is_empty()))
                    && body.iter().all(|r| r.get(c).is_none_or(|v| v.is_empty() || v.parse::<f64>().is_ok()))
            })
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, row) in body.iter().enumerate() {
            let r = (r + 1) as u32;
            for (c, v) in row.iter().enumerate() {
                let col = c as u16;
                if v.is_empty() {
                    continue;
                }
                if numeric.get(c).copied().unwrap_or(false) {
                    ws.write_number(r, col, v.parse::<f64>().unwrap_or(0.0))?;
                } else if is_date(v) {
                    ws.write_datetime_with_format(r, col, &ExcelDateTime::parse_from_str(v)?, &date)?;
                } else {
                    ws.write_string(r, col, v)?;
                }
                if let Some(w) = widths.get_mut(c) {
                    // CJK characters are about two Latin characters wide.
                    let width: usize = v.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum();
                    *w = (*w).max(width);
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w as f64 + 2.0).clamp(6.0, 60.0))?;
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofilter(0, 0, body.len() as u32, (header.len().max(1) - 1) as u16)?;
    }
    workbook.save(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
