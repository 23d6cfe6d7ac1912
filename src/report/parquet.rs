//! Parquet of any output table, typed by its schema (report::schema): the same columns as the
//! CSV, counts as Int64, quantities as Float64, booleans, dates, and strings as plain Arrow
//! `large_string` for every reader. Rows are written in batches, so a large facts table costs
//! no more memory than one batch.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine as _;
use polars::prelude::*;

use crate::report::schema::{Col, ColType};

const BATCH_ROWS: usize = 64 * 1024;

/// The cells of a column as `T`: an empty cell is null, one that `parse` refuses is an error
/// naming its row and column.
fn typed<T>(cells: &[&str], c: &Col, first_row: usize, parse: &dyn Fn(&str) -> Option<T>) -> Result<Vec<Option<T>>> {
    cells
        .iter()
        .enumerate()
        .map(|(r, v)| {
            if v.is_empty() {
                return Ok(None);
            }
            parse(v).map(Some).ok_or_else(|| {
                anyhow::anyhow!("row {}: column {}: {v:?} is not a {:?}", first_row + r + 2, c.name, c.ty)
            })
        })
        .collect()
}

/// One batch of rows as a frame of the schema's types.
fn frame(cols: &[Col], rows: &[Vec<String>], first_row: usize) -> Result<DataFrame> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    let columns = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let cells: Vec<&str> = rows.iter().map(|r| r.get(i).map_or("", String::as_str)).collect();
            let name: PlSmallStr = c.name.as_str().into();
            Ok(match c.ty {
                ColType::Text => Column::new(name, cells),
                ColType::Int => Column::new(name, typed(&cells, c, first_row, &|v: &str| v.parse::<i64>().ok())?),
                ColType::Decimal => Column::new(name, typed(&cells, c, first_row, &|v: &str| v.parse::<f64>().ok())?),
                ColType::Bool => Column::new(
                    name,
                    typed(&cells, c, first_row, &|v: &str| match v {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    })?,
                ),
                ColType::Date => {
                    let days = typed(&cells, c, first_row, &|v: &str| {
                        let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
                        Some((d - epoch).num_days() as i32)
                    })?;
                    Series::new(name, days).cast(&DataType::Date)?.into()
                }
            })
        })
        .collect::<Result<Vec<Column>>>()?;
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// The `ARROW:schema` footer entry at Arrow's oldest compatibility level: readers then load
/// strings as `large_string` instead of the `string_view` polars would announce.
fn arrow_schema_hint(schema: &Schema) -> (String, String) {
    let arrow = schema.to_arrow(CompatLevel::oldest());
    let fields = polars_arrow::io::ipc::write::default_ipc_fields(arrow.iter_values());
    let bytes = polars_arrow::io::ipc::write::schema_to_bytes(&arrow, &fields, None);
    // The legacy IPC framing Arrow expects here: continuation marker, length, message.
    let mut framed = Vec::with_capacity(bytes.len() + 8);
    framed.extend_from_slice(&[0xFF; 4]);
    framed.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    framed.extend_from_slice(&bytes);
    ("ARROW:schema".into(), base64::engine::general_purpose::STANDARD.encode(framed))
}

/// Write `rows` (cells as the CSV writes them) to `path` as Parquet of the schema `cols`.
pub fn write(path: &Path, cols: &[Col], rows: impl Iterator<Item = Result<Vec<String>>>) -> Result<()> {
    let context = || format!("cannot write {}", path.display());
    let file = File::create(path).with_context(context)?;
    let empty = frame(cols, &[], 0)?;
    let hint = arrow_schema_hint(empty.schema());
    let mut writer = anyhow::Context::with_context(
        ParquetWriter::new(file)
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![hint])))
            .batched(empty.schema()),
        context,
    )?;
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut written = 0;
    for row in rows {
        batch.push(row?);
        if batch.len() == BATCH_ROWS {
            anyhow::Context::with_context(writer.write_batch(&frame(cols, &batch, written)?), context)?;
            written += batch.len();
            batch.clear();
        }
    }
    if !batch.is_empty() || written == 0 {
        anyhow::Context::with_context(writer.write_batch(&frame(cols, &batch, written)?), context)?;
    }
    anyhow::Context::with_context(writer.finish(), context)?;
    Ok(())
}

/// Parquet of a CSV this run wrote (facts.csv, events.csv), streamed.
pub fn from_csv(csv_path: &Path, path: &Path, cols: &[Col]) -> Result<()> {
    let mut reader = csv::Reader::from_reader(crate::report::output::csv_text(csv_path)?);
    let header: Vec<String> = reader.headers()?.iter().map(String::from).collect();
    anyhow::ensure!(
        header == crate::report::schema::names(cols),
        "{}: columns {header:?} are not those of the schema",
        csv_path.display()
    );
    let rows = reader
        .into_records()
        .map(|r| r.map(|r| r.iter().map(String::from).collect()).with_context(|| format!("{}", csv_path.display())));
    write(path, cols, rows)
}
