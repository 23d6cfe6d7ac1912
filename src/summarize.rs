//! Stage 8 — aggregate: per-province summary tables from facts.csv and events.csv, with
//! polars' lazy API. Only what ANNOTATION.md totals count is summed: not `dup`, `actual`,
//! not `per_unit`, not `other`; sums are per metric *and* unit (people, person-times and
//! households are never added together). Numbers are written as plain decimals.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use polars::prelude::*;

use crate::output::{CsvOut, plain_number};

pub struct ProvinceInfo {
    pub code: u32,
    pub name: String,
    pub english: String,
}

pub struct SummaryOptions {
    pub bom: bool,
    pub parquet: bool,
}

#[derive(Debug, Default)]
pub struct SummaryReport {
    pub files: Vec<PathBuf>,
    pub provinces_with_facts: usize,
    pub counted_facts: usize,
}

/// Labels of the rows that are not one province.
pub const NATIONAL: &str = "全国";
pub const REGION: &str = "跨省区域";
pub const UNPLACED: &str = "未定位";

/// The (metric, unit) columns of the province summary, in ANNOTATION.md order.
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

/// Read chosen columns of a CSV written by laborfacts (BOM or not) without holding whole rows.
fn read_columns(path: &Path, names: &[&str]) -> Result<Vec<Vec<String>>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::Reader::from_reader(body);
    let headers = reader.headers()?.clone();
    let idx: Vec<usize> = names
        .iter()
        .map(|n| headers.iter().position(|h| h == *n).with_context(|| format!("{}: no column {n:?}", path.display())))
        .collect::<Result<_>>()?;
    let mut cols = vec![Vec::new(); names.len()];
    for (row, rec) in reader.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}", path.display(), row + 2))?;
        for (c, &i) in idx.iter().enumerate() {
            cols[c].push(rec.get(i).unwrap_or("").to_string());
        }
    }
    Ok(cols)
}

fn place_key(province: &str, scope: &str) -> String {
    match (province, scope) {
        ("", "national") => NATIONAL.into(),
        ("", "region") => REGION.into(),
        ("", _) => UNPLACED.into(),
        (p, _) => p.into(),
    }
}

fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let ca = df.column(name)?.as_materialized_series().str()?.clone();
    Ok((0..ca.len()).map(|i| ca.get(i).unwrap_or("").to_string()).collect())
}

fn f64s(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::Float64)?;
    let ca = s.f64()?;
    Ok((0..ca.len()).map(|i| ca.get(i).unwrap_or(0.0)).collect())
}

fn i64s(df: &DataFrame, name: &str) -> Result<Vec<i64>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::Int64)?;
    let ca = s.i64()?;
    Ok((0..ca.len()).map(|i| ca.get(i).unwrap_or(0)).collect())
}

pub fn summarize(facts_csv: &Path, events_csv: &Path, provinces: &[ProvinceInfo], out_dir: &Path, opts: &SummaryOptions) -> Result<SummaryReport> {
    let f = read_columns(
        facts_csv,
        &["event_id", "value", "unit", "qualifier", "metric", "status", "per_unit", "province", "scope", "date_end", "dup"],
    )?;
    let e = read_columns(events_csv, &["event_id", "event_type", "province", "dup"])?;
    let event_type: HashMap<&str, &str> = e[0].iter().map(String::as_str).zip(e[1].iter().map(String::as_str)).collect();
    let n = f[0].len();
    let mut value = Vec::with_capacity(n);
    for (i, v) in f[1].iter().enumerate() {
        match v.parse::<f64>() {
            Ok(x) => value.push(x),
            Err(_) => bail!("{}: row {}: value {v:?} is not a number", facts_csv.display(), i + 2),
        }
    }
    let counted: Vec<bool> = (0..n).map(|i| f[10][i] != "true" && f[5][i] == "actual" && f[6][i] != "true" && f[4][i] != "other").collect();
    let facts = DataFrame::new_infer_height(vec![
        Column::new("province".into(), (0..n).map(|i| place_key(&f[7][i], &f[8][i])).collect::<Vec<_>>()),
        Column::new("month".into(), f[9].iter().map(|d| d.get(..7).unwrap_or("").to_string()).collect::<Vec<_>>()),
        Column::new("metric".into(), f[4].clone()),
        Column::new("unit".into(), f[2].clone()),
        Column::new("value".into(), value),
        Column::new("at_least".into(), f[3].iter().map(|q| (q == "at_least") as i64).collect::<Vec<_>>()),
        Column::new("approx".into(), f[3].iter().map(|q| (q == "approx") as i64).collect::<Vec<_>>()),
        Column::new("event_id".into(), f[0].clone()),
        Column::new("event_type".into(), f[0].iter().map(|id| event_type.get(id.as_str()).copied().unwrap_or("").to_string()).collect::<Vec<_>>()),
        Column::new("counted".into(), counted),
    ])?;
    let base = facts.clone().lazy().filter(col("counted"));
    let sums = |keys: &[&str]| -> Result<DataFrame> {
        Ok(base
            .clone()
            .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg([
                col("value").sum().alias("sum"),
                len().cast(DataType::Int64).alias("facts"),
                col("at_least").sum().alias("at_least"),
                col("approx").sum().alias("approx"),
                col("event_id").n_unique().cast(DataType::Int64).alias("events"),
            ])
            .collect()?)
    };
    let by_province = sums(&["province", "metric", "unit"])?;
    let by_month = sums(&["province", "month", "metric", "unit"])?;
    let by_type = sums(&["province", "event_type", "metric", "unit"])?;

    // Events per place (non-duplicate articles).
    let events = DataFrame::new_infer_height(vec![
        Column::new("province".into(), e[2].iter().map(|p| if p.is_empty() { UNPLACED.to_string() } else { p.clone() }).collect::<Vec<_>>()),
        Column::new("dup".into(), e[3].iter().map(|d| d == "true").collect::<Vec<_>>()),
    ])?;
    let event_counts = events.lazy().filter(col("dup").not()).group_by([col("province")]).agg([len().cast(DataType::Int64).alias("events")]).collect()?;
    let events_of: HashMap<String, i64> = strs(&event_counts, "province")?.into_iter().zip(i64s(&event_counts, "events")?).collect();

    // Row order: provinces in GB/T 2260 code order, then the national, region and unplaced rows.
    let mut order: Vec<(String, String, String)> = provinces.iter().map(|p| (p.name.clone(), p.code.to_string(), p.english.clone())).collect();
    for extra in [NATIONAL, REGION, UNPLACED] {
        order.push((extra.to_string(), String::new(), String::new()));
    }
    let rank: HashMap<&str, usize> = order.iter().enumerate().map(|(i, o)| (o.0.as_str(), i)).collect();
    let code_of: HashMap<&str, &str> = order.iter().map(|o| (o.0.as_str(), o.1.as_str())).collect();
    let rank_of = |p: &str| rank.get(p).copied().unwrap_or(usize::MAX);

    std::fs::create_dir_all(out_dir)?;
    let mut report = SummaryReport::default();

    // province_summary.csv (wide).
    let (pp, pm, pu) = (strs(&by_province, "province")?, strs(&by_province, "metric")?, strs(&by_province, "unit")?);
    let (ps, pf, pl, pa) = (f64s(&by_province, "sum")?, i64s(&by_province, "facts")?, i64s(&by_province, "at_least")?, i64s(&by_province, "approx")?);
    let mut cells: HashMap<(&str, &str, &str), (f64, i64, i64)> = HashMap::new();
    let mut facts_of: HashMap<&str, i64> = HashMap::new();
    let mut foreign_of: HashMap<&str, i64> = HashMap::new();
    for i in 0..pp.len() {
        *facts_of.entry(pp[i].as_str()).or_default() += pf[i];
        if pu[i].len() == 3 && pu[i].chars().all(|c| c.is_ascii_uppercase()) {
            *foreign_of.entry(pp[i].as_str()).or_default() += pf[i];
        }
        cells.insert((pp[i].as_str(), pm[i].as_str(), pu[i].as_str()), (ps[i], pl[i], pa[i]));
        report.counted_facts += pf[i] as usize;
    }
    report.provinces_with_facts = facts_of.keys().filter(|p| provinces.iter().any(|x| x.name == **p)).count();
    let path = out_dir.join("province_summary.csv");
    let mut out = CsvOut::create(&path, opts.bom)?;
    let mut header: Vec<String> = ["province", "code", "english", "events", "facts"].map(String::from).to_vec();
    for (m, u) in METRIC_UNITS {
        header.extend([format!("{m}__{u}"), format!("{m}__{u}__at_least"), format!("{m}__{u}__approx")]);
    }
    header.push("foreign_currency_facts".into());
    out.header(&header.iter().map(String::as_str).collect::<Vec<_>>())?;
    let mut summary_rows = Vec::new();
    for (name, code, english) in &order {
        let mut row = vec![
            name.clone(),
            code.clone(),
            english.clone(),
            events_of.get(name).copied().unwrap_or(0).to_string(),
            facts_of.get(name.as_str()).copied().unwrap_or(0).to_string(),
        ];
        for (m, u) in METRIC_UNITS {
            let (s, l, a) = cells.get(&(name.as_str(), *m, *u)).copied().unwrap_or((0.0, 0, 0));
            row.extend([plain_number(s), l.to_string(), a.to_string()]);
        }
        row.push(foreign_of.get(name.as_str()).copied().unwrap_or(0).to_string());
        out.row(&row)?;
        summary_rows.push(row);
    }
    out.finish()?;
    report.files.push(path);

    // province_month.csv and metric_by_event_type.csv (long).
    let long = |df: &DataFrame, key: &str, file: &str, with_quals: bool| -> Result<PathBuf> {
        let (p, k, m, u) = (strs(df, "province")?, strs(df, key)?, strs(df, "metric")?, strs(df, "unit")?);
        let (s, fc, l, a, ev) = (f64s(df, "sum")?, i64s(df, "facts")?, i64s(df, "at_least")?, i64s(df, "approx")?, i64s(df, "events")?);
        let mut idx: Vec<usize> = (0..p.len()).collect();
        idx.sort_by(|&x, &y| (rank_of(&p[x]), &p[x], &k[x], &m[x], &u[x]).cmp(&(rank_of(&p[y]), &p[y], &k[y], &m[y], &u[y])));
        let path = out_dir.join(file);
        let mut out = CsvOut::create(&path, opts.bom)?;
        if with_quals {
            out.header(&["province", "code", key, "metric", "unit", "sum", "facts", "at_least", "approx", "events"])?;
        } else {
            out.header(&["province", "code", key, "metric", "unit", "sum", "facts"])?;
        }
        for i in idx {
            let code = code_of.get(p[i].as_str()).copied().unwrap_or("");
            let mut row = vec![p[i].clone(), code.to_string(), k[i].clone(), m[i].clone(), u[i].clone(), plain_number(s[i]), fc[i].to_string()];
            if with_quals {
                row.extend([l[i].to_string(), a[i].to_string(), ev[i].to_string()]);
            }
            out.row(&row)?;
        }
        out.finish()?;
        Ok(path)
    };
    report.files.push(long(&by_month, "month", "province_month.csv", true)?);
    report.files.push(long(&by_type, "event_type", "metric_by_event_type.csv", false)?);

    if opts.parquet {
        let summary_cols: Vec<Column> = header
            .iter()
            .enumerate()
            .map(|(c, h)| {
                let vals: Vec<&str> = summary_rows.iter().map(|r| r[c].as_str()).collect();
                if c < 3 {
                    Column::new(h.as_str().into(), vals)
                } else {
                    Column::new(h.as_str().into(), vals.iter().map(|v| v.parse::<f64>().unwrap_or(0.0)).collect::<Vec<f64>>())
                }
            })
            .collect();
        let mut tables: BTreeMap<&str, DataFrame> = BTreeMap::new();
        tables.insert("province_summary", DataFrame::new_infer_height(summary_cols)?);
        tables.insert("province_month", by_month.sort(["province", "month", "metric", "unit"], SortMultipleOptions::default())?);
        tables.insert("metric_by_event_type", by_type.sort(["province", "event_type", "metric", "unit"], SortMultipleOptions::default())?);
        tables.insert("facts", facts);
        for (name, mut df) in tables {
            let path = out_dir.join(format!("{name}.parquet"));
            ParquetWriter::new(File::create(&path).with_context(|| format!("cannot write {}", path.display()))?).finish(&mut df)?;
            report.files.push(path);
        }
    }
    Ok(report)
}
