//! Stage 8 — aggregate: per-province summary tables from facts.csv and events.csv with polars'
//! lazy API, written as CSV (and Parquet on request) with polars' own writers.
//!
//! Only what ANNOTATION.md totals count is summed: not `dup`, `actual`, not `per_unit`, not
//! `other`. Sums are per metric *and* unit: people, person-times and households are never added
//! together. Numbers are written as plain decimals (no exponent, no separators); rows follow
//! GB/T 2260 code order, then 全国, 跨省区域, 未定位.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use polars::prelude::*;

/// One of the 34 GB/T 2260 province-level divisions; the caller passes them in code order.
pub struct ProvinceInfo {
    pub code: u32,
    pub name: String,
    pub english: String,
}

pub struct SummaryOptions {
    /// Prefix every CSV with a UTF-8 BOM (Excel on Windows needs it to read Chinese).
    pub bom: bool,
    /// Also write the summaries, facts and events as Parquet.
    pub parquet: bool,
}

#[derive(Debug, Default)]
pub struct SummaryReport {
    pub files: Vec<PathBuf>,
    /// Provinces (of the 34) with at least one counted fact.
    pub provinces_with_facts: usize,
    /// Facts that pass the totals filter, foreign-currency rows included.
    pub counted_facts: usize,
}

/// Labels of the rows that are not one province, with their English labels.
pub const NATIONAL: &str = "全国";
pub const REGION: &str = "跨省区域";
pub const UNPLACED: &str = "未定位";
const EXTRA_ROWS: [(&str, &str); 3] =
    [(NATIONAL, "Nationwide"), (REGION, "Multi-province region"), (UNPLACED, "No place")];

/// The (metric, unit) columns of the province summary, in ANNOTATION.md order. Money is summed
/// in yuan only; other currencies are counted in `foreign_currency_facts`.
pub const METRIC_UNITS: &[(&str, &str)] = &[
    ("money_recovered", "yuan"),
    ("money_owed", "yuan"),
    ("money_disbursed", "yuan"),
    ("money_raised", "yuan"),
    ("workers_covered", "person"),
    ("workers_covered", "person_time"),
    ("workers_covered", "household"),
    ("participants", "person"),
    ("participants", "person_time"),
    ("enterprises_covered", "enterprise"),
    ("contracts_signed", "contract"),
    ("cases_handled", "case"),
    ("units_established", "unit"),
    ("events_held", "event"),
];

/// Units of ANNOTATION.md; any other unit is an ISO currency code.
const UNITS: &[&str] = &["yuan", "person", "person_time", "enterprise", "contract", "case", "unit", "event", "household"];

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Float,
    Int,
    Bool,
    Date,
}

use Kind::{Bool, Date, Float, Int, Str};

/// facts.csv as the pipeline writes it, in order, with the type each column is read as.
pub const FACT_COLUMNS: &[&str] = &[
    "fact_id", "doc", "event_id", "text", "value", "value_max", "unit", "qualifier", "metric", "status", "per_unit",
    "province", "prefecture", "county", "scope", "date_start", "date_end", "date_kind", "dup", "start", "end",
    "evidence", "rule",
];
const FACT_KINDS: &[Kind] = &[
    Str, Str, Str, Str, Float, Float, Str, Str, Str, Str, Bool, Str, Str, Str, Str, Date, Date, Str, Bool, Int, Int,
    Str, Str,
];

/// events.csv as the pipeline writes it.
pub const EVENT_COLUMNS: &[&str] = &[
    "event_id", "doc", "index", "lead", "title", "kind", "event_type", "province", "prefecture", "county",
    "date_start", "date_end", "date_kind", "dup", "dup_of", "byline", "start", "end", "pub_date", "pub_date_source",
];
const EVENT_KINDS: &[Kind] = &[
    Str, Str, Int, Str, Str, Str, Str, Str, Str, Str, Date, Date, Str, Bool, Str, Str, Int, Int, Date, Str,
];

/// Read a laborfacts CSV (with or without BOM) with a fixed schema. The header is checked
/// first: the schema is applied by position, so a reordered file must fail, not mislabel.
fn read_table(path: &Path, names: &[&str], kinds: &[Kind]) -> Result<DataFrame> {
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = BufReader::new(file);
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.read_exact(&mut [0u8; 3])?;
    }
    let header = csv::Reader::from_reader(reader).headers()?.clone();
    if !header.iter().eq(names.iter().copied()) {
        bail!("{}: columns are {:?}, expected {:?}", path.display(), header.iter().collect::<Vec<_>>(), names);
    }
    let schema: Schema = names
        .iter()
        .zip(kinds)
        .map(|(n, k)| {
            let dtype = match k {
                Str => DataType::String,
                Float => DataType::Float64,
                Int => DataType::Int64,
                Bool => DataType::Boolean,
                Date => DataType::Date,
            };
            Field::new((*n).into(), dtype)
        })
        .collect();
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))?
        .finish()
        .map_err(|e| anyhow::anyhow!("cannot parse {}: {e}", path.display()))?;
    Ok(df)
}

/// A string column with empty fields (read as null) as "".
fn text(name: &str) -> Expr {
    col(name).fill_null(lit(""))
}

/// The summary row a fact or event belongs to: its province, else by scope.
fn place() -> Expr {
    when(text("province").neq(lit("")))
        .then(text("province"))
        .when(text("scope").eq(lit("national")))
        .then(lit(NATIONAL))
        .when(text("scope").eq(lit("region")))
        .then(lit(REGION))
        .otherwise(lit(UNPLACED))
        .alias("province")
}

/// Sums are money or counts: round away float noise from adding decimals (0.1 + 0.2) so the
/// CSV shows 0.3; integral sums are left alone (exact up to 2^53).
fn round_sums(df: &mut DataFrame) -> Result<()> {
    let rounded = df
        .column("sum")?
        .as_materialized_series()
        .f64()?
        .apply_values(|v| if v.fract() == 0.0 { v } else { (v * 100.0).round() / 100.0 });
    df.with_column(rounded.into_column())?;
    Ok(())
}

fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let ca = df.column(name)?.as_materialized_series().cast(&DataType::String)?;
    Ok(ca.str()?.iter().map(|v| v.unwrap_or("").to_string()).collect())
}

fn f64s(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::Float64)?;
    Ok(s.f64()?.iter().map(|v| v.unwrap_or(0.0)).collect())
}

fn i64s(df: &DataFrame, name: &str) -> Result<Vec<i64>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::Int64)?;
    Ok(s.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

fn write_csv(df: &mut DataFrame, path: &Path, bom: bool) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    CsvWriter::new(BufWriter::new(file))
        .include_bom(bom)
        // Positional floats: 17800000 and 1200000000000, never 1.78e7.
        .with_float_scientific(Some(false))
        .finish(df)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    ParquetWriter::new(BufWriter::new(file))
        .finish(df)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

pub fn summarize(
    facts_csv: &Path,
    events_csv: &Path,
    provinces: &[ProvinceInfo],
    out_dir: &Path,
    opts: &SummaryOptions,
) -> Result<SummaryReport> {
    let facts = read_table(facts_csv, FACT_COLUMNS, FACT_KINDS)?;
    let events = read_table(events_csv, EVENT_COLUMNS, EVENT_KINDS)?;

    let counted = col("dup")
        .fill_null(lit(false))
        .not()
        .and(text("status").eq(lit("actual")))
        .and(col("per_unit").fill_null(lit(false)).not())
        .and(text("metric").neq(lit("other")));
    let event_types =
        events.clone().lazy().group_by([col("event_id")]).agg([col("event_type").first().alias("event_type")]);
    let base = facts
        .clone()
        .lazy()
        .filter(counted)
        .left_join(event_types, col("event_id"), col("event_id"))
        .select([
            place(),
            col("date_end").dt().to_string("%Y-%m").alias("month"),
            text("metric").alias("metric"),
            text("unit").alias("unit"),
            col("value"),
            text("qualifier").eq(lit("at_least")).cast(DataType::Int64).alias("at_least"),
            text("qualifier").eq(lit("approx")).cast(DataType::Int64).alias("approx"),
            col("event_id"),
            col("event_type"),
        ]);

    // Row order: provinces in GB/T 2260 code order, then the national, region and unplaced rows;
    // a province name outside the given list (not expected) sorts after them, by name.
    let mut names: Vec<&str> = provinces.iter().map(|p| p.name.as_str()).collect();
    let mut codes: Vec<Option<u32>> = provinces.iter().map(|p| Some(p.code)).collect();
    for (label, _) in EXTRA_ROWS {
        names.push(label);
        codes.push(None);
    }
    let ranks = DataFrame::new_infer_height(vec![
        Column::new("province".into(), names.clone()),
        Column::new("code".into(), codes),
        Column::new("rank".into(), (0..names.len() as u32).collect::<Vec<u32>>()),
    ])?
    .lazy();

    let long = |keys: &[&str], with_quals: bool| -> Result<DataFrame> {
        let mut aggs = vec![col("value").sum().alias("sum"), len().cast(DataType::Int64).alias("facts")];
        let mut out = vec![col("province"), col("code")];
        out.extend(keys[1..].iter().map(|k| col(*k)));
        out.extend([col("sum"), col("facts")]);
        if with_quals {
            aggs.extend([
                col("at_least").sum().alias("at_least"),
                col("approx").sum().alias("approx"),
                col("event_id").n_unique().cast(DataType::Int64).alias("events"),
            ]);
            out.extend([col("at_least"), col("approx"), col("events")]);
        }
        let mut sort_by = vec!["rank", "province"];
        sort_by.extend(&keys[1..]);
        let mut df = base
            .clone()
            .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg(aggs)
            .left_join(ranks.clone(), col("province"), col("province"))
            .sort(sort_by, SortMultipleOptions::default().with_nulls_last(true).with_maintain_order(true))
            .select(out)
            .collect()?;
        round_sums(&mut df)?;
        Ok(df)
    };
    let by_province = long(&["province", "metric", "unit"], true)?;
    let mut by_month = long(&["province", "month", "metric", "unit"], true)?;
    let mut by_type = long(&["province", "event_type", "metric", "unit"], false)?;

    // Non-duplicate articles per place; an article without a province is unplaced.
    let event_counts = events
        .clone()
        .lazy()
        .filter(col("dup").fill_null(lit(false)).not())
        .group_by([when(text("province").neq(lit(""))).then(text("province")).otherwise(lit(UNPLACED)).alias("p")])
        .agg([len().cast(DataType::Int64).alias("n")])
        .collect()?;
    let events_of: HashMap<String, i64> =
        strs(&event_counts, "p")?.into_iter().zip(i64s(&event_counts, "n")?).collect();

    // province_summary: the wide table, one row per place, built from the small long table.
    let (pp, pm, pu) = (strs(&by_province, "province")?, strs(&by_province, "metric")?, strs(&by_province, "unit")?);
    let (ps, pf, pl, pa) = (
        f64s(&by_province, "sum")?,
        i64s(&by_province, "facts")?,
        i64s(&by_province, "at_least")?,
        i64s(&by_province, "approx")?,
    );
    let mut cells: HashMap<(&str, &str, &str), (f64, i64, i64)> = HashMap::new();
    let mut facts_of: HashMap<&str, i64> = HashMap::new();
    let mut foreign_of: HashMap<&str, i64> = HashMap::new();
    let mut report = SummaryReport::default();
    for i in 0..pp.len() {
        *facts_of.entry(&pp[i]).or_default() += pf[i];
        if !UNITS.contains(&pu[i].as_str()) {
            *foreign_of.entry(&pp[i]).or_default() += pf[i];
        }
        cells.insert((&pp[i], &pm[i], &pu[i]), (ps[i], pl[i], pa[i]));
        report.counted_facts += pf[i] as usize;
    }
    report.provinces_with_facts = provinces.iter().filter(|p| facts_of.contains_key(p.name.as_str())).count();

    let mut rows: Vec<(&str, Option<u32>, &str)> =
        provinces.iter().map(|p| (p.name.as_str(), Some(p.code), p.english.as_str())).collect();
    rows.extend(EXTRA_ROWS.iter().map(|&(label, english)| (label, None, english)));
    let mut unknown: Vec<&str> = facts_of.keys().copied().filter(|p| !names.contains(p)).collect();
    unknown.sort_unstable();
    rows.extend(unknown.into_iter().map(|p| (p, None, "")));

    let mut cols = vec![
        Column::new("province".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new("code".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        Column::new("english".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
        Column::new("events".into(), rows.iter().map(|r| events_of.get(r.0).copied().unwrap_or(0)).collect::<Vec<_>>()),
        Column::new("facts".into(), rows.iter().map(|r| facts_of.get(r.0).copied().unwrap_or(0)).collect::<Vec<_>>()),
    ];
    for &(m, u) in METRIC_UNITS {
        let cell = |r: &(&str, Option<u32>, &str)| cells.get(&(r.0, m, u)).copied().unwrap_or((0.0, 0, 0));
        cols.push(Column::new(format!("{m}__{u}").into(), rows.iter().map(|r| cell(r).0).collect::<Vec<_>>()));
        cols.push(Column::new(
            format!("{m}__{u}__at_least").into(),
            rows.iter().map(|r| cell(r).1).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(format!("{m}__{u}__approx").into(), rows.iter().map(|r| cell(r).2).collect::<Vec<_>>()));
    }
    cols.push(Column::new(
        "foreign_currency_facts".into(),
        rows.iter().map(|r| foreign_of.get(r.0).copied().unwrap_or(0)).collect::<Vec<_>>(),
    ));
    let mut summary = DataFrame::new_infer_height(cols)?;

    std::fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut tables = [
        ("province_summary", &mut summary),
        ("province_month", &mut by_month),
        ("metric_by_event_type", &mut by_type),
    ];
    for (name, df) in &mut tables {
        let path = out_dir.join(format!("{name}.csv"));
        write_csv(df, &path, opts.bom)?;
        report.files.push(path);
    }
    if opts.parquet {
        let (mut facts, mut events) = (facts, events);
        for (name, df) in tables.into_iter().chain([("facts", &mut facts), ("events", &mut events)]) {
            let path = out_dir.join(format!("{name}.parquet"));
            write_parquet(df, &path)?;
            report.files.push(path);
        }
    }
    Ok(report)
}
