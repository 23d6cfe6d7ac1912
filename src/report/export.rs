//! XLSX export: the run's tables in one workbook (a README sheet explaining every column, then
//! summary, totals, by_event_type, events, facts, skipped, repaired; a table longer than a
//! sheet continues on `<sheet>_2` …). Cells are typed by the tables' schema (report::schema):
//! counts and sums are numbers shown `#,##0`, booleans booleans, dates dates; the header row is
//! frozen, filtered and, like the first column, repeated on every printed page.

use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::report::schema::{self, ColType};

const SHEETS: &[(&str, &str)] = &[
    ("summary", "province_summary.csv"),
    ("totals", "totals.csv"),
    ("by_event_type", "metric_by_event_type.csv"),
    ("events", "events.csv"),
    ("facts", "facts.csv"),
    ("skipped", "skipped.csv"),
    ("repaired", "repaired.csv"),
];

/// Data rows per sheet: Excel's 1,048,576 rows less the header. A longer table continues on
/// sheets `facts_2`, `facts_3` …: no row is dropped.
pub const ROWS_PER_SHEET: usize = 1_048_575;

/// A CSV written by this run, read a record at a time.
fn records(path: &Path) -> Result<csv::Reader<Box<dyn std::io::Read>>> {
    Ok(csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(crate::report::output::csv_text(path)?))
}

/// What a first pass over a table finds: how wide each column is and how many data rows there are.
struct Layout {
    header: Vec<String>,
    widths: Vec<usize>,
    rows: usize,
}

fn layout(path: &Path) -> Result<Option<Layout>> {
    let mut reader = records(path)?;
    let mut it = reader.records();
    let Some(header) = it.next() else { return Ok(None) };
    let header: Vec<String> =
        header.with_context(|| format!("{}", path.display()))?.iter().map(str::to_string).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    let mut rows = 0;
    for record in it {
        let record = record.with_context(|| format!("{}: row {}", path.display(), rows + 2))?;
        rows += 1;
        for (c, v) in record.iter().enumerate().take(header.len()) {
            // CJK characters are about two Latin characters wide.
            let width: usize = v.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum();
            widths[c] = widths[c].max(width);
        }
    }
    Ok(Some(Layout { header, widths, rows }))
}

/// The README sheet: every sheet's columns with their meaning, from the schema.
fn readme_sheet(workbook: &mut Workbook, bold: &Format) -> Result<()> {
    let ws = workbook.add_worksheet_with_constant_memory()?;
    ws.set_name("README")?;
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 40)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 100)?;
    for (c, h) in ["sheet", "column", "type", "meaning"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, bold)?;
    }
    let mut row = 1;
    for (sheet, file) in SHEETS {
        for col in schema::of_file(file).unwrap_or_default() {
            let ty = match col.ty {
                ColType::Text => "text",
                ColType::Int => "integer",
                ColType::Decimal => "number",
                ColType::Bool => "boolean",
                ColType::Date => "date",
            };
            ws.write_string(row, 0, *sheet)?;
            ws.write_string(row, 1, &col.name)?;
            ws.write_string(row, 2, ty)?;
            ws.write_string(row, 3, col.doc.replace('`', ""))?;
            row += 1;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
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
    let whole = Format::new().set_num_format("#,##0");
    let decimals = Format::new().set_num_format("#,##0.0#");
    readme_sheet(&mut workbook, &bold)?;
    for (sheet, file) in SHEETS {
        let csv_path = out_dir.join(file);
        let layout = if csv_path.exists() { layout(&csv_path)? } else { None };
        let Some(Layout { header, widths, rows }) = layout else { continue };
        let types: Vec<ColType> = {
            let cols = schema::of_file(file).unwrap_or_default();
            header.iter().map(|h| cols.iter().find(|c| &c.name == h).map_or(ColType::Text, |c| c.ty)).collect()
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
                    // A cell that does not parse as its type stays text: nothing is lost.
                    match types.get(c).copied().unwrap_or(ColType::Text) {
                        ColType::Int | ColType::Decimal if v.parse::<f64>().is_ok() => {
                            let n = v.parse::<f64>().unwrap_or(0.0);
                            ws.write_number_with_format(
                                row,
                                col,
                                n,
                                if n.fract() == 0.0 { &whole } else { &decimals },
                            )?;
                        }
                        ColType::Bool if v == "true" || v == "false" => {
                            ws.write_boolean(row, col, v == "true")?;
                        }
                        ColType::Date if ExcelDateTime::parse_from_str(v).is_ok() => {
                            ws.write_datetime_with_format(row, col, &ExcelDateTime::parse_from_str(v)?, &date)?;
                        }
                        _ => {
                            ws.write_string(row, col, v)?;
                        }
                    }
                }
            }
            ws.set_freeze_panes(1, 0)?;
            ws.autofilter(0, 0, in_part as u32, (header.len().max(1) - 1) as u16)?;
            // Printed pages repeat the header row and the first column (province or id).
            ws.set_repeat_rows(0, 0)?;
            ws.set_repeat_columns(0, 0)?;
        }
    }
    workbook.save(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
