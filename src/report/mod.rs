//! Stages 7 and 8 — report: the tidy CSVs ([`output`]), the totals ([`summarize`]) and the
//! exports of both ([`export`]: XLSX, [`parquet`]), all in the columns of [`schema`], and the
//! page to look at them ([`html`]: report.html).

pub mod export;
pub mod html;
pub mod output;
pub mod parquet;
pub mod schema;
pub mod summarize;
