//! The batch run: ingest → normalise → segment → extract/resolve (parallel over documents)
//! → duplicates (sequential, in file-name order) → write.
//!
//! Documents are processed in chunks: a chunk is analysed in parallel, then its results are
//! checked for duplicates and written in input order, so memory stays bounded by the chunk and
//! the output bytes do not depend on the thread count.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;

use crate::dedup::{DedupConfig, DedupIndex, ParaPrint, fingerprint};
use crate::extract::{Analyser, DocFacts};
use crate::ingest::{self, InputFile, PubDateSources, Skipped, SourceDoc};
use crate::output::{self, CsvOut, EventRow, FactRow, RepairedRow, Staging};
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
    pub repaired: Vec<RepairedRow>,
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

fn process(
    engine: &Engine,
    input: &InputFile,
    dates: &PubDateSources,
) -> Result<(u64, Option<RepairedRow>, Vec<ArticleOut>), Skipped> {
    let doc = ingest::read(input, dates)?;
    let articles = analyse(engine, &doc);
    let repaired = doc.repair.as_ref().map(|r| RepairedRow {
        path: doc.path.display().to_string(),
        doc: doc.name.clone(),
        encoding: doc.encoding.to_string(),
        replaced: r.replaced,
        first_offset: r.first_offset,
    });
    Ok((doc.size, repaired, articles))
}

/// Normalise, segment, extract and fingerprint one decoded document.
pub fn analyse(engine: &Engine, doc: &SourceDoc) -> Vec<ArticleOut> {
    let norm = engine.segmenter.normalizer().normalize(&doc.text);
    let articles = engine.segmenter.segment(&norm);
    let DocFacts { events, facts } = engine.analyser.analyse(doc, &norm, &articles);
    let mut out = Vec::with_capacity(articles.len());
    for ((article, event), (facts, fact_para)) in articles.iter().zip(events).zip(facts) {
        let prints = article
            .paras
            .iter()
            .map(|p| {
                let text = &norm.text[p.start..p.end];
                fingerprint(text, engine.analyser.places.divisions_named_in(text), &engine.dedup)
            })
            .collect();
        out.push(ArticleOut { event, facts, fact_para, prints });
    }
    out
}

/// Run the whole batch and write events.csv, facts.csv, skipped.csv and repaired.csv into the
/// staging folder; the caller adds the summaries and commits.
pub fn run(engine: &Engine, cfg: &RunConfig, staging: &Staging) -> Result<RunSummary> {
    let started = Instant::now();
    let (files, mut skipped) = ingest::collect_inputs(&cfg.inputs);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(cfg.threads.max(1)).build()?;
    let mut events_out = CsvOut::create(&staging.path("events.csv"), cfg.bom)?;
    let mut facts_out = CsvOut::create(&staging.path("facts.csv"), cfg.bom)?;
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
            let (size, repaired, articles) = match result {
                Ok(r) => r,
                Err(s) => {
                    progress.warn(&format!("skipped {}: {} ({})", s.path, s.reason, s.detail));
                    skipped.push(s);
                    continue;
                }
            };
            if let Some(r) = repaired {
                progress.warn(&format!(
                    "repaired {}: {} invalid {} sequence(s) replaced by U+FFFD, the first at byte {}",
                    r.path, r.replaced, r.encoding, r.first_offset
                ));
                summary.repaired.push(r);
            }
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
    output::write_skipped(&staging.path("skipped.csv"), &skipped, cfg.bom)?;
    output::write_repaired(&staging.path("repaired.csv"), &summary.repaired, cfg.bom)?;
    summary.skipped = skipped;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use proptest::prelude::*;

    use super::*;
    use crate::ingest::{Decoded, PubDateSource};

    static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Engine::load(&root.join("rules"), &root.join("data/gazetteer")).unwrap()
    });

    /// Pieces of labour news (cues, places, numbers in every notation, units, dates, layout),
    /// so that random documents reach deep into the extractor, mixed with arbitrary text.
    const PIECES: &[&str] = &[
        "本报讯",
        "（记者 张三）",
        "本报北京5月1日电",
        "新华社上海电",
        "\n",
        "\n\n",
        "　　",
        "。",
        "，",
        "、",
        "；",
        "总工会",
        "职工",
        "农民工",
        "追回",
        "欠薪",
        "工资",
        "签订",
        "集体合同",
        "慰问",
        "困难职工",
        "技能竞赛",
        "调解",
        "劳动争议",
        "案件",
        "企业",
        "家",
        "名",
        "人",
        "人次",
        "元",
        "万元",
        "亿元",
        "份",
        "件",
        "个",
        "户",
        "场",
        "近",
        "约",
        "超过",
        "余",
        "多",
        "至",
        "—",
        "-",
        "~",
        "减负",
        "胜负",
        "负",
        "第",
        "届",
        "次",
        "号",
        "%",
        "广西",
        "南宁市",
        "江苏省",
        "苏州",
        "奉贤区",
        "全国",
        "人社部",
        "2024年",
        "3月",
        "1—9月",
        "1至9月",
        "去年",
        "截至去年底",
        "从12月起",
        "今年以来",
        "前三季度",
        "5月1日",
        "将",
        "计划",
        "累计",
        "共",
        "一",
        "两",
        "十",
        "百",
        "千",
        "万",
        "亿",
        "零",
        "陆",
        "七",
        "〇",
        "１２",
        "3.5",
        "1,200",
        "0",
        "核心阅读",
        "编者按",
        "图①",
        "（本报记者 李四）",
    ];

    fn document() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            6 => proptest::sample::select(PIECES).prop_map(str::to_string),
            2 => any::<u64>().prop_map(|n| (n % 10u64.pow((n % 13) as u32 + 1)).to_string()),
            1 => "\\PC{0,12}",
        ];
        proptest::collection::vec(piece, 0..120).prop_map(|p| p.concat())
    }

    /// Every invariant a fact must hold, whatever the input.
    fn check(bytes: Vec<u8>) -> Result<(), TestCaseError> {
        let Ok(Decoded { text, encoding, offsets, repair }) = ingest::decode(bytes.clone()) else { return Ok(()) };
        let doc = SourceDoc {
            name: "fuzz.txt".into(),
            rel: "fuzz.txt".into(),
            path: "fuzz.txt".into(),
            encoding,
            text,
            offsets,
            size: bytes.len() as u64,
            pub_date: chrono::NaiveDate::from_ymd_opt(2024, 5, 1),
            pub_date_source: PubDateSource::Cli,
            repair,
        };
        let max_value = ENGINE.analyser.facts.quantities.numbers.max_value();
        for article in analyse(&ENGINE, &doc) {
            let e = &article.event;
            prop_assert!(e.date_start.is_empty() || e.date_end.is_empty() || e.date_start <= e.date_end, "{e:?}");
            for f in &article.facts {
                let value: f64 = f.value.parse().map_err(|_| TestCaseError::fail(format!("value {f:?}")))?;
                prop_assert!(value.is_finite() && value > 0.0 && value <= max_value, "{f:?}");
                if !f.value_max.is_empty() {
                    let high: f64 = f.value_max.parse().map_err(|_| TestCaseError::fail(format!("{f:?}")))?;
                    prop_assert!(high >= value && high <= max_value, "{f:?}");
                }
                prop_assert!(f.date_start.is_empty() || f.date_end.is_empty() || f.date_start <= f.date_end, "{f:?}");
                prop_assert!(f.start <= f.end && f.end <= bytes.len(), "{f:?}");
                let slice = String::from_utf8_lossy(&bytes[f.start..f.end]);
                prop_assert_eq!(crate::normalize::normalize_fragment(&slice), f.text.clone());
            }
        }
        Ok(())
    }

    fn budget() -> u32 {
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(budget()))]

        #[test]
        fn fuzz_whole_extract_keeps_every_fact_valid(doc in document(), stray in proptest::option::of(any::<(usize, u8)>())) {
            let mut bytes = doc.into_bytes();
            // Now and then a stray byte, as in a damaged file.
            if let Some((at, byte)) = stray {
                bytes.insert(at % (bytes.len() + 1), byte | 0x80);
            }
            check(bytes)?;
        }
    }
}
