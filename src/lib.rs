//! laborfacts: Chinese trade-union news pages → sourced facts and per-province summaries.
//!
//! The pipeline, one module per stage: [`ingest`] → [`normalize`] → [`segment`] →
//! [`extract`] (events, numbers and quantities, facts, places, dates, plausibility) →
//! [`dedup`] → [`report`] (the CSVs, the totals, the XLSX/Parquet exports and the HTML
//! report), orchestrated by [`pipeline`] (in input order over parallel workers: [`ordered`]);
//! [`eval`] scores a run against gold files. Rule files are loaded and validated by [`rules`].

pub mod dedup;
pub mod eval;
pub mod extract;
pub mod hashing;
pub mod ingest;
pub mod normalize;
pub mod ordered;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod rules;
pub mod segment;
