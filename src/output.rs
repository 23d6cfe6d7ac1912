//! Stage 7 — write: the tidy CSVs (`events.csv`, `facts.csv`, `skipped.csv`).
//!
//! CSVs are UTF-8 with a BOM by default (Excel on Windows reads BOM-less UTF-8 in the local code
//! page and garbles Chinese); numbers are plain decimals, dates ISO.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::ingest::Skipped;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EventRow {
    pub event_id: String,
    pub doc: String,
    pub index: usize,
    pub lead: String,
    pub title: String,
    pub kind: String,
    pub event_type: String,
    pub province: String,
    pub prefecture: String,
    pub county: String,
    pub date_start: String,
    pub date_end: String,
    pub date_kind: String,
    pub dup: bool,
    pub dup_of: String,
    pub byline: String,
    pub start: usize,
    pub end: usize,
    pub pub_date: String,
    pub pub_date_source: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FactRow {
    pub fact_id: String,
    pub doc: String,
    pub event_id: String,
    pub text: String,
    pub value: String,
    pub value_max: String,
    pub unit: String,
    pub qualifier: String,
    pub metric: String,
    pub status: String,
    pub per_unit: bool,
    pub province: String,
    pub prefecture: String,
    pub county: String,
    pub scope: String,
    pub date_start: String,
    pub date_end: String,
    pub date_kind: String,
    pub dup: bool,
    pub start: usize,
    pub end: usize,
    pub evidence: String,
    pub rule: String,
    /// `implausible` or `fractional_count` (rules/plausibility.toml): kept, never summed.
    #[serde(default)]
    pub flag: String,
}

/// A number as an analyst's spreadsheet wants it: plain decimal, no exponent, no separators.
pub fn plain_number(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if v.fract() == 0.0 && v.abs() < 1e18 {
        return format!("{v:.0}");
    }
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One CSV output file, optionally BOM-prefixed.
pub struct CsvOut {
    writer: csv::Writer<BufWriter<File>>,
}

impl CsvOut {
    pub fn create(path: &Path, bom: bool) -> Result<Self> {
        let file = File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut buf = BufWriter::with_capacity(1 << 20, file);
        if bom {
            buf.write_all(b"\xEF\xBB\xBF")?;
        }
        Ok(Self { writer: csv::WriterBuilder::new().has_headers(false).from_writer(buf) })
    }

    pub fn header(&mut self, cols: &[&str]) -> Result<()> {
        self.writer.write_record(cols)?;
        Ok(())
    }

    pub fn row<T: Serialize>(&mut self, row: &T) -> Result<()> {
        self.writer.serialize(row)?;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

pub const EVENT_COLUMNS: &[&str] = &[
    "event_id",
    "doc",
    "index",
    "lead",
    "title",
    "kind",
    "event_type",
    "province",
    "prefecture",
    "county",
    "date_start",
    "date_end",
    "date_kind",
    "dup",
    "dup_of",
    "byline",
    "start",
    "end",
    "pub_date",
    "pub_date_source",
];
pub const FACT_COLUMNS: &[&str] = &[
    "fact_id",
    "doc",
    "event_id",
    "text",
    "value",
    "value_max",
    "unit",
    "qualifier",
    "metric",
    "status",
    "per_unit",
    "province",
    "prefecture",
    "county",
    "scope",
    "date_start",
    "date_end",
    "date_kind",
    "dup",
    "start",
    "end",
    "evidence",
    "rule",
    "flag",
];

pub fn write_skipped(path: &Path, skipped: &[Skipped], bom: bool) -> Result<()> {
    let mut out = CsvOut::create(path, bom)?;
    out.header(&["path", "doc", "reason", "detail"])?;
    for s in skipped {
        out.writer.write_record([&s.path, &s.doc, s.reason, &s.detail])?;
    }
    out.finish()
}

/// Read a CSV written by this module (with or without BOM).
pub fn read_rows<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::Reader::from_reader(body);
    reader
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.with_context(|| format!("{}: row {}", path.display(), i + 2)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_never_use_exponents() {
        assert_eq!(plain_number(17_800_000.0), "17800000");
        assert_eq!(plain_number(1.2e12), "1200000000000");
        assert_eq!(plain_number(183_200.0), "183200");
        assert_eq!(plain_number(0.05), "0.05");
        assert_eq!(plain_number(2.5), "2.5");
    }
}
