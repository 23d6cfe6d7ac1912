//! Stages 7 and 8 — report: the tidy CSVs ([`output`]), the totals ([`summarize`]) and the
//! exports of both ([`export`]: XLSX).

pub mod export;
pub mod output;
pub mod summarize;
