//! XLSX export: the run's tables in one workbook (sheets summary, by_month, by_event_type,
//! events, facts, skipped; a table longer than a sheet continues on `<sheet>_2` …) with numeric
//! cells numeric, dates as dates, a frozen header row, an autofilter and readable column widths.

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
const TEXT_COLUMNS: &[&str] = &[
    "code",
    "province_code",
    "prefecture_code",
    "county_code",
    "month",
    "event_id",
    "fact_id",
    "doc",
    "path",
    "text",
    "lead",
    "dup_of",
];

/// Data rows per sheet: Excel's 1,048,576 rows less the header. A longer table continues on
/// sheets `facts_2`, `facts_3` …: no row is dropped.
pub const ROWS_PER_SHEET: usize = 1_048_575;

/// A CSV written by this run, read a record at a time.
fn records(path: &Path) -> Result<csv::Reader<Box<dyn std::io::Read>>> {
    Ok(csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(crate::report::output::csv_text(path)?))
}

fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[7] == b'-'
        && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// What a first pass over a table finds: which columns are numeric, how wide each is, how many
/// data rows there are.
struct Layout {
    header: Vec<String>,
    numeric: Vec<bool>,
    widths: Vec<usize>,
    rows: usize,
}

fn layout(path: &Path) -> Result<Option<Layout>> {
    let mut reader = records(path)?;
    let mut it = reader.records();
    let Some(header) = it.next() else { return Ok(None) };
    let header: Vec<String> =
        header.with_context(|| format!("{}", path.display()))?.iter().map(str::to_string).collect();
    let mut any_value = vec![false; header.len()];
    let mut all_numeric = vec![true; header.len()];
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    let mut rows = 0;
    for record in it {
        let record = record.with_context(|| format!("{}: row {}", path.display(), rows + 2))?;
        rows += 1;
        for (c, v) in record.iter().enumerate().take(header.len()) {
            if v.is_empty() {
                continue;
            }
            any_value[c] = true;
            all_numeric[c] &= v.parse::<f64>().is_ok();
            // CJK characters are about two Latin characters wide.
            let width: usize = v.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum();
            widths[c] = widths[c].max(width);
        }
    }
    let numeric = (0..header.len())
        .map(|c| !TEXT_COLUMNS.contains(&header[c].as_str()) && any_value[c] && all_numeric[c])
        .collect();
    Ok(Some(Layout { header, numeric, widths, rows }))
}

/// Write the tables of `out_dir` into one workbook. Sheets are written in constant memory
/// (rows go to a temporary file as they come), so the workbook of a large run costs no more
/// memory than a small one's.
pub fn write_xlsx(out_dir: &Path, path: &Path) -> Result<()> {
    write_xlsx_split(out_dir, path, ROWS_PER_SHEET)
}

/// [`write_xlsx`] with at most `rows_per_sheet` data rows per sheet.
pub fn write_xlsx_split(out_dir: &Path, path: &Path, rows_per_sheet: usize) -> Result<()> {
    let rows_per_sheet = rows_per_sheet.clamp(1, ROWS_PER_SHEET);
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (sheet, file) in SHEETS {
        let csv_path = out_dir.join(file);
        let layout = if csv_path.exists() { layout(&csv_path)? } else { None };
        let Some(Layout { header, numeric, widths, rows }) = layout else {
            workbook.add_worksheet_with_constant_memory()?.set_name(*sheet)?;
            continue;
        };
        let mut reader = records(&csv_path)?;
        let mut body = reader.records().skip(1);
        let parts = rows.div_ceil(rows_per_sheet).max(1);
        for part in 0..parts {
            let ws = workbook.add_worksheet_with_constant_memory()?;
            ws.set_name(if part == 0 { sheet.to_string() } else { format!("{sheet}_{}", part + 1) })?;
            for (c, w) in widths.iter().enumerate() {
                ws.set_column_width(c as u16, (*w as f64 + 2.0).clamp(6.0, 60.0))?;
            }
            for (c, h) in header.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, h, &bold)?;
            }
            let in_part = (rows - part * rows_per_sheet).min(rows_per_sheet);
            for r in 1..=in_part {
                let Some(record) = body.next() else { break };
                let record =
                    record.with_context(|| format!("{}: row {}", csv_path.display(), part * rows_per_sheet + r + 1))?;
                for (c, v) in record.iter().enumerate() {
                    let (row, col) = (r as u32, c as u16);
                    if v.is_empty() {
                        continue;
                    }
                    if numeric.get(c).copied().unwrap_or(false) {
                        ws.write_number(row, col, v.parse::<f64>().unwrap_or(0.0))?;
                    } else if is_date(v) {
                        ws.write_datetime_with_format(row, col, &ExcelDateTime::parse_from_str(v)?, &date)?;
                    } else {
                        ws.write_string(row, col, v)?;
                    }
                }
            }
            ws.set_freeze_panes(1, 0)?;
            ws.autofilter(0, 0, in_part as u32, (header.len().max(1) - 1) as u16)?;
        }
    }
    workbook.save(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
