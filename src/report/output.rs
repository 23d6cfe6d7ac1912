//! Stage 7 — write: the tidy CSVs (`events.csv`, `facts.csv`, `skipped.csv`).
//!
//! CSVs are UTF-8 with a BOM by default (Excel on Windows reads BOM-less UTF-8 in the local code
//! page and garbles Chinese); numbers are plain decimals, dates ISO.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::ingest::Skipped;
use crate::report::schema;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EventRow {
    pub event_id: String,
    pub doc: String,
    /// The file's path relative to its input root (ingest::InputFile::rel).
    #[serde(default)]
    pub path: String,
    pub index: usize,
    pub lead: String,
    pub title: String,
    pub kind: String,
    pub event_type: String,
    pub province: String,
    pub prefecture: String,
    pub county: String,
    #[serde(default)]
    pub province_code: String,
    #[serde(default)]
    pub prefecture_code: String,
    #[serde(default)]
    pub county_code: String,
    #[serde(default)]
    pub scope: String,
    pub date_start: String,
    pub date_end: String,
    pub date_kind: String,
    pub dup: bool,
    pub dup_of: String,
    pub byline: String,
    pub start: usize,
    pub end: usize,
    #[serde(default)]
    pub char_start: usize,
    #[serde(default)]
    pub char_end: usize,
    pub pub_date: String,
    pub pub_date_source: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FactRow {
    pub fact_id: String,
    pub doc: String,
    #[serde(default)]
    pub path: String,
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
    #[serde(default)]
    pub province_code: String,
    #[serde(default)]
    pub prefecture_code: String,
    #[serde(default)]
    pub county_code: String,
    pub scope: String,
    pub date_start: String,
    pub date_end: String,
    pub date_kind: String,
    pub dup: bool,
    pub start: usize,
    pub end: usize,
    #[serde(default)]
    pub char_start: usize,
    #[serde(default)]
    pub char_end: usize,
    pub evidence: String,
    pub rule: String,
    /// `implausible` or `fractional_count` (rules/plausibility.toml): kept, never summed.
    #[serde(default)]
    pub flag: String,
    /// The totals row this fact is added into (summarize::total_id); empty when not counted.
    #[serde(default)]
    pub total_id: String,
}

impl FactRow {
    /// Whether the fact is added into the totals (ANNOTATION.md "Totals"): not a duplicate,
    /// `actual`, not per unit, a labour metric, and not flagged implausible.
    pub fn is_counted(&self) -> bool {
        counted(self.dup, &self.status, self.per_unit, &self.metric, &self.flag)
    }
}

/// [`FactRow::is_counted`] on the cells of a row.
pub fn counted(dup: bool, status: &str, per_unit: bool, metric: &str, flag: &str) -> bool {
    !dup && status == "actual" && !per_unit && metric != "other" && flag.is_empty()
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

/// The files `extract` writes before the summaries.
pub const EXTRACT_OUTPUTS: &[&str] = &["events.csv", "facts.csv", "skipped.csv", "repaired.csv"];
/// The files the summary step (of `extract` or `summarize`) can write.
pub const SUMMARY_OUTPUTS: &[&str] = &[
    "totals.csv",
    "province_summary.csv",
    "metric_by_event_type.csv",
    "totals.parquet",
    "province_summary.parquet",
    "metric_by_event_type.parquet",
    "facts.parquet",
    "events.parquet",
    "laborfacts.xlsx",
    "report.html",
];

/// Outputs earlier versions wrote: removed by every run, so no stale table is left beside the
/// new ones (province_month is `totals.csv` with `--period month`).
pub const RETIRED_OUTPUTS: &[&str] = &["province_month.csv", "province_month.parquet"];

/// The outputs of one run, written into a staging folder inside the out folder and renamed
/// into place only by [`Staging::commit`]: a run that fails (a full disk, a bad value) leaves
/// the previous run's outputs as they were and no partial file.
pub struct Staging {
    out_dir: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn new(out_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
        let dir = out_dir.join(format!(".laborfacts-staging-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self { out_dir: out_dir.to_path_buf(), dir, committed: false })
    }

    /// Where to write output `name` until the commit.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Move every staged file into the out folder. Of `owned`, the outputs this kind of run
    /// writes, those this run did not write are left from an earlier run with other options
    /// and are removed, so the folder never mixes two runs.
    pub fn commit(mut self, owned: &[&str]) -> Result<Vec<PathBuf>> {
        let mut staged: Vec<String> = std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot read {}", self.dir.display()))?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("cannot read {}", self.dir.display()))?;
        staged.sort();
        for stale in owned.iter().chain(RETIRED_OUTPUTS).filter(|n| !staged.iter().any(|s| s == *n)) {
            let path = self.out_dir.join(stale);
            if path.exists() {
                std::fs::remove_file(&path).with_context(|| format!("cannot remove stale {}", path.display()))?;
            }
        }
        let mut written = Vec::with_capacity(staged.len());
        for name in &staged {
            let to = self.out_dir.join(name);
            std::fs::rename(self.dir.join(name), &to)
                .with_context(|| format!("cannot move {} into place", to.display()))?;
            written.push(to);
        }
        self.committed = true;
        std::fs::remove_dir(&self.dir).with_context(|| format!("cannot remove {}", self.dir.display()))?;
        Ok(written)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the run has already failed with its own error.
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// One CSV output file, optionally BOM-prefixed; every error names the file.
pub struct CsvOut {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
}

impl CsvOut {
    pub fn create(path: &Path, bom: bool) -> Result<Self> {
        let file = File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut buf = BufWriter::with_capacity(1 << 20, file);
        if bom {
            buf.write_all(b"\xEF\xBB\xBF").with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(Self { path: path.to_path_buf(), writer: csv::WriterBuilder::new().has_headers(false).from_writer(buf) })
    }

    pub fn header(&mut self, cols: &[&str]) -> Result<()> {
        self.writer.write_record(cols).with_context(|| format!("cannot write {}", self.path.display()))
    }

    pub fn row<T: Serialize>(&mut self, row: &T) -> Result<()> {
        self.writer.serialize(row).with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Flush to the file and to the disk: a full disk must fail here, not after the commit.
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}", e.error()))
            .and_then(|buf| buf.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error())))
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.sync_all().with_context(|| format!("cannot write {}", path.display()))
    }
}

pub fn write_skipped(path: &Path, skipped: &[Skipped], bom: bool) -> Result<()> {
    let mut out = CsvOut::create(path, bom)?;
    out.header(&schema::names(&schema::skipped()))?;
    for s in skipped {
        out.row(&[&s.path, &s.doc, s.reason, &s.detail])?;
    }
    out.finish()
}

/// One document decoded with invalid byte sequences replaced (ingest::Repair).
#[derive(Debug, Clone, Serialize)]
pub struct RepairedRow {
    pub path: String,
    pub doc: String,
    pub encoding: String,
    pub replaced: usize,
    pub first_offset: usize,
}

pub fn write_repaired(path: &Path, repaired: &[RepairedRow], bom: bool) -> Result<()> {
    let mut out = CsvOut::create(path, bom)?;
    out.header(&schema::names(&schema::repaired()))?;
    for r in repaired {
        out.row(r)?;
    }
    out.finish()
}

/// The text of a CSV written by laborfacts or saved from a spreadsheet, BOM dropped. UTF-8 is
/// streamed; another encoding (GB18030, as Excel on Chinese Windows saves, or UTF-16) is
/// decoded whole first.
pub fn csv_text(path: &Path) -> Result<Box<dyn std::io::Read>> {
    use std::io::{BufRead, Read};
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let head = reader.fill_buf().with_context(|| format!("cannot read {}", path.display()))?;
    let has_bom = head.starts_with(b"\xEF\xBB\xBF");
    // Valid UTF-8 up to a character cut by the end of the buffer.
    let utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    if has_bom {
        reader.consume(3);
        return Ok(Box::new(reader));
    }
    if utf8 {
        return Ok(Box::new(reader));
    }
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    let decoded = crate::ingest::decode(bytes)
        .map_err(|(reason, detail)| anyhow::anyhow!("{}: {reason}: {detail}", path.display()))?;
    eprintln!("laborfacts: {} read as {}", path.display(), decoded.encoding);
    Ok(Box::new(std::io::Cursor::new(decoded.text.into_bytes())))
}

/// Read a CSV written by this module (any encoding [`csv_text`] reads).
pub fn read_rows<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let mut reader = csv::Reader::from_reader(csv_text(path)?);
    reader
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.with_context(|| format!("{}: row {}", path.display(), i + 2)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header a row type serialises to, as serde orders its fields.
    fn serde_header<T: Serialize>(row: &T) -> Vec<String> {
        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        text.lines().next().unwrap().split(',').map(String::from).collect()
    }

    #[test]
    fn rows_serialise_in_the_schema_order() {
        assert_eq!(serde_header(&EventRow::default()), schema::names(&schema::events()));
        assert_eq!(serde_header(&FactRow::default()), schema::names(&schema::facts()));
        let repaired =
            RepairedRow { path: "p".into(), doc: "d".into(), encoding: "UTF-8".into(), replaced: 1, first_offset: 0 };
        assert_eq!(serde_header(&repaired), schema::names(&schema::repaired()));
    }

    #[test]
    fn plain_numbers_never_use_exponents() {
        assert_eq!(plain_number(17_800_000.0), "17800000");
        assert_eq!(plain_number(1.2e12), "1200000000000");
        assert_eq!(plain_number(183_200.0), "183200");
        assert_eq!(plain_number(0.05), "0.05");
        assert_eq!(plain_number(2.5), "2.5");
    }
}
