//! laborfacts: Chinese trade-union news pages → sourced facts and per-province summaries.
//!
//! The pipeline, one module per stage: [`ingest`] → [`normalize`] → [`segment`] →
//! [`extract`] (with [`events`], [`quantity`]/[`numbers`], [`facts`], [`places`], [`dates`],
//! [`plausibility`])
//! → [`dedup`] → [`output`] → [`summarize`]/[`export`], orchestrated by [`pipeline`];
//! [`eval`] scores a run against gold files. Rule files are loaded and validated by [`rules`].

pub mod dates;
pub mod dedup;
pub mod eval;
pub mod events;
pub mod export;
pub mod extract;
pub mod facts;
pub mod ingest;
pub mod normalize;
pub mod numbers;
pub mod output;
pub mod pipeline;
pub mod places;
pub mod plausibility;
pub mod progress;
pub mod quantity;
pub mod rules;
pub mod segment;
pub mod summarize;
