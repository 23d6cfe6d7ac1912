//! laborfacts: Chinese trade-union news pages → sourced facts and per-province summaries.
//!
//! The pipeline, one module per stage: [`ingest`] → [`normalize`] → [`segment`] →
//! [`extract`] → [`dedup`] → [`output`], orchestrated by [`pipeline`]; [`eval`] scores a run
//! against gold files. Rule files are loaded and validated by [`rules`].

pub mod dedup;
pub mod eval;
pub mod extract;
pub mod ingest;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod rules;
pub mod segment;
