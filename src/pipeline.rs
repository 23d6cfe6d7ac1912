//! The batch run: ingest → normalise → segment → extract/resolve (parallel over documents)
//! → duplicates (sequential, in file-name order) → write.
//!
//! Documents are processed in chunks: a chunk is analysed in parallel, then its results are
//! checked for duplicates and written in input order, so memory stays bounded by the chunk and
//! the output bytes do not depend on the thread count.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::dedup::{DedupConfig, DedupIndex, ParaPrint, fingerprint};
use crate::extract::{Analyser, DocFacts};
use crate::ingest::{self, PubDateSources, Skipped};
use crate::output::{self, CsvOut, EventRow, FactRow};
use crate::segment::Segmenter;

/// Everything compiled from `rules/` and `data/gazetteer/`, loaded once per run.
pub struct Engine {
    pub segmenter: Segmenter,
    pub dedup: DedupConfig,
    pub analyser: Analyser,
}

impl Engine {
    pub fn load(rules_dir: &Path, gazetteer_dir: &Path) -> Result<Self> {
        Ok(Self {
            segmenter: Segmenter::from_dir(rules_dir)?,
            dedup: DedupConfig::from_dir(rules_dir)?,
            analyser: Analyser::load(rules_dir, gazetteer_dir)?,
        })
    }
}

pub struct RunConfig {
    pub inputs: Vec<PathBuf>,
    pub out_dir: PathBuf,
    pub threads: usize,
    pub bom: bool,
    pub pub_dates: PubDateSources,
    pub progress: bool,
}

#[derive(Debug, Default, Clone)]
pub struct RunSummary {
    pub documents: usize,
    pub articles: usize,
    pub facts: usize,
    pub skipped: Vec<Skipped>,
    pub bytes: u64,
    pub seconds: f64,
}

/// One analysed article before duplicate marking.
pub struct ArticleOut {
    pub event: EventRow,
    pub facts: Vec<FactRow>,
    /// Index into `prints` of the paragraph each fact came from.
    pub fact_para: Vec<usize>,
    pub prints: Vec<ParaPrint>,
}

fn process(engine: &Engine, path: &Path, dates: &PubDateSources) -> Result<(u64, Vec<ArticleOut>), Skipped> {
    let doc = ingest::read(path, dates)?;
    let norm = engine.segmenter.normalizer().normalize(&doc.text);
    let articles = engine.segmenter.segment(&norm);
    let DocFacts { events, facts } = engine.analyser.analyse(&doc, &norm, &articles);
    let mut out = Vec::with_capacity(articles.len());
    for ((article, event), (facts, fact_para)) in articles.iter().zip(events).zip(facts) {
        let prints = article.paras.iter().map(|p| fingerprint(&norm.text[p.start..p.end], &engine.dedup)).collect();
        out.push(ArticleOut { event, facts, fact_para, prints });
    }
    Ok((doc.size, out))
}

/// Run the whole batch and write events.csv, facts.csv and skipped.csv into `cfg.out_dir`.
pub fn run(engine: &Engine, cfg: &RunConfig) -> Result<RunSummary> {
    let started = Instant::now();
    std::fs::create_dir_all(&cfg.out_dir).with_context(|| format!("cannot create {}", cfg.out_dir.display()))?;
    let (files, mut skipped) = ingest::collect_inputs(&cfg.inputs);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(cfg.threads.max(1)).build()?;
    let mut events_out = CsvOut::create(&cfg.out_dir.join("events.csv"), cfg.bom)?;
    let mut facts_out = CsvOut::create(&cfg.out_dir.join("facts.csv"), cfg.bom)?;
    events_out.header(output::EVENT_COLUMNS)?;
    facts_out.header(output::FACT_COLUMNS)?;
    let mut index = DedupIndex::new(engine.dedup.clone());
    let mut event_ids: Vec<String> = Vec::new();
    let mut summary = RunSummary::default();
    let progress = crate::progress::Progress::new(files.len() as u64, cfg.progress);

    let chunk = (cfg.threads.max(1) * 32).max(64);
    for batch in files.chunks(chunk) {
        let results: Vec<_> = pool.install(|| batch.par_iter().map(|p| process(engine, p, &cfg.pub_dates)).collect());
        for result in results {
            progress.inc();
            let (size, articles) = match result {
                Ok(r) => r,
                Err(s) => {
                    progress.warn(&format!("skipped {}: {} ({})", s.path, s.reason, s.detail));
                    skipped.push(s);
                    continue;
                }
            };
            summary.documents += 1;
            summary.bytes += size;
            for mut a in articles {
                let verdict = index.check(&a.prints);
                event_ids.push(a.event.event_id.clone());
                if let Some(orig) = verdict.dup_of {
                    a.event.dup = true;
                    a.event.dup_of = event_ids[orig].clone();
                }
                for (fact, &para) in a.facts.iter_mut().zip(&a.fact_para) {
                    fact.dup |= a.event.dup || verdict.para_dup_of.get(para).is_some_and(|d| d.is_some());
                    facts_out.row(fact)?;
                }
                summary.articles += 1;
                summary.facts += a.facts.len();
                events_out.row(&a.event)?;
            }
        }
    }
    progress.finish();
    events_out.finish()?;
    facts_out.finish()?;
    output::write_skipped(&cfg.out_dir.join("skipped.csv"), &skipped, cfg.bom)?;
    summary.skipped = skipped;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
