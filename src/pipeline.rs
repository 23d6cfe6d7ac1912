//! The batch run: ingest → normalise → segment → extract/resolve (parallel over documents)
//! → duplicates (sequential, in file-name order) → write.
//!
//! Worker threads analyse documents while the calling thread checks their results for
//! duplicates and writes them, in input order ([`crate::ordered`]), so memory stays bounded by
//! the documents in flight and the output bytes do not depend on the thread count. A document
//! above [`PIECE_BYTES`] is read in the sequential stage and its pieces analysed in parallel,
//! one such text at a time.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Result;
use chrono::NaiveDate;
use rayon::prelude::*;

use crate::dedup::{DedupConfig, DedupIndex, ParaPrint, fingerprint};
use crate::extract::{Analyser, DocFacts};
use crate::ingest::{self, InputFile, PubDateSource, PubDateSources, Skipped, SourceDoc};
use crate::report::html::{Item, Listing};
use crate::report::output::{self, CsvOut, EventRow, FactRow, RepairedRow, Staging};
use crate::report::schema;
use crate::report::summarize::{FactCells, Period, Totals, fact_total_id};
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
    /// The totals' period, for facts.csv `total_id`.
    pub period: Period,
}

#[derive(Debug, Default, Clone)]
pub struct RunSummary {
    pub documents: usize,
    pub articles: usize,
    pub facts: usize,
    /// Facts added into a total (`total_id` set).
    pub counted: usize,
    pub skipped: Vec<Skipped>,
    pub repaired: Vec<RepairedRow>,
    pub bytes: u64,
    pub seconds: f64,
    /// Seconds per stage of [`STAGES`].
    pub stages: Vec<(&'static str, f64)>,
    /// The totals' input and the report's listing, gathered as the rows are written, so the
    /// summaries need not read facts.csv again.
    pub totals: Totals,
    pub listing: Listing,
}

/// Time spent per stage, summed over the threads that ran it (`--timings`).
#[derive(Debug, Default)]
pub struct StageTimes {
    nanos: [AtomicU64; STAGES.len()],
}

/// The stages timed, in pipeline order; the parallel ones count CPU time across threads.
pub const STAGES: &[&str] = &["read+decode", "normalize", "segment", "extract", "fingerprint", "dedup+write"];

impl StageTimes {
    /// Run `f`, adding its duration to stage `i` of [`STAGES`].
    fn time<T>(&self, i: usize, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let out = f();
        self.nanos[i].fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        out
    }

    /// Seconds per stage, in the order of [`STAGES`].
    pub fn seconds(&self) -> Vec<(&'static str, f64)> {
        STAGES.iter().zip(&self.nanos).map(|(s, n)| (*s, n.load(Ordering::Relaxed) as f64 / 1e9)).collect()
    }
}

/// One analysed article before duplicate marking.
pub struct ArticleOut {
    pub event: EventRow,
    pub facts: Vec<FactRow>,
    /// Index into `prints` of the paragraph each fact came from.
    pub fact_para: Vec<usize>,
    pub prints: Vec<ParaPrint>,
}

/// A document analysed by a worker, or one too large for that: it is read and analysed in the
/// sequential stage, its pieces in parallel, so only one large text is in memory at a time.
enum Work {
    Done(u64, Option<RepairedRow>, Vec<ArticleOut>),
    Large,
}

fn process(engine: &Engine, input: &InputFile, dates: &PubDateSources, times: &StageTimes) -> Result<Work, Skipped> {
    if input.len > PIECE_BYTES as u64 {
        return Ok(Work::Large);
    }
    let doc = times.time(0, || ingest::read(input, dates))?;
    let articles = analyse_piece(engine, &doc, times);
    Ok(Work::Done(doc.size, repaired_row(&doc), articles))
}

fn repaired_row(doc: &SourceDoc) -> Option<RepairedRow> {
    doc.repair.as_ref().map(|r| RepairedRow {
        path: doc.path.display().to_string(),
        doc: doc.name.clone(),
        encoding: doc.encoding.to_string(),
        replaced: r.replaced,
        first_offset: r.first_offset,
    })
}

/// Documents longer than this are analysed in pieces cut at blank lines, so that memory is
/// bounded by the pieces in flight, not by the file (a 200 MB concatenation of pages).
pub const PIECE_BYTES: usize = 1 << 20;

/// Cut `text` into pieces of at most `max` bytes: at the last blank line of the second half of
/// each window, else its last line end, else its last character boundary.
fn pieces(text: &str, max: usize) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while text.len() - start > max {
        let window = start + max / 2..start + max;
        let blank = memchr::memmem::rfind(&bytes[window.clone()], b"\n\n").map(|i| window.start + i + 2);
        let line = || memchr::memrchr(b'\n', &bytes[window.clone()]).map(|i| window.start + i + 1);
        let cut = text.floor_char_boundary(blank.or_else(line).unwrap_or(window.end));
        out.push(start..cut);
        start = cut;
    }
    out.push(start..text.len());
    out
}

/// Piece `range` of `doc` as a document of its own, dated `pub_date`.
fn piece(
    doc: &SourceDoc,
    range: Range<usize>,
    char_base: usize,
    pub_date: (Option<NaiveDate>, PubDateSource),
) -> SourceDoc {
    SourceDoc {
        name: doc.name.clone(),
        rel: doc.rel.clone(),
        path: doc.path.clone(),
        encoding: doc.encoding,
        text: doc.text[range.clone()].to_string(),
        offsets: doc.offsets.slice(range.start, range.end),
        char_base,
        size: doc.size,
        pub_date: pub_date.0,
        pub_date_source: pub_date.1,
        repair: None,
    }
}

/// The characters of `text` before each range, in one pass.
fn char_bases(text: &str, ranges: &[Range<usize>]) -> Vec<usize> {
    let (mut pos, mut chars) = (0, 0);
    ranges
        .iter()
        .map(|r| {
            chars += crate::extract::chars_in(&text.as_bytes()[pos..r.start]);
            pos = r.start;
            chars
        })
        .collect()
}

/// Number a piece's articles after those of the pieces before it: index, event and fact ids.
fn renumber(articles: &mut [ArticleOut], first: usize) {
    for a in articles {
        a.event.index += first;
        a.event.event_id = format!("{}#{}", a.event.path, a.event.index);
        for f in &mut a.facts {
            let n = f.fact_id.rsplit('.').next().unwrap_or_default().to_string();
            f.fact_id = format!("{}.{n}", a.event.event_id);
            f.event_id = a.event.event_id.clone();
        }
    }
}

/// Normalise, segment, extract and fingerprint one document (or piece of one).
pub fn analyse_piece(engine: &Engine, doc: &SourceDoc, times: &StageTimes) -> Vec<ArticleOut> {
    let norm = times.time(1, || engine.segmenter.normalizer().normalize(&doc.text));
    let articles = times.time(2, || engine.segmenter.segment(&norm));
    let DocFacts { events, facts, places } = times.time(3, || engine.analyser.analyse(doc, &norm, &articles));
    let started = Instant::now();
    let mut out = Vec::with_capacity(articles.len());
    for (((article, event), (facts, fact_para)), para_places) in articles.iter().zip(events).zip(facts).zip(places) {
        let prints = article
            .paras
            .iter()
            .zip(para_places)
            .map(|(p, codes)| fingerprint(&norm.text[p.start..p.end], codes.into_iter(), &engine.dedup))
            .collect();
        out.push(ArticleOut { event, facts, fact_para, prints });
    }
    times.nanos[4].fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    out
}

/// The sequential stage: duplicate marking and writing, in input order.
struct Sink {
    index: DedupIndex,
    /// The event ids of the articles the index remembers, the first of them article `first_id`
    /// in check order.
    event_ids: std::collections::VecDeque<String>,
    first_id: usize,
    events_out: CsvOut,
    facts_out: CsvOut,
    summary: RunSummary,
}

impl Sink {
    fn article(&mut self, mut a: ArticleOut) -> Result<()> {
        let verdict = self.index.check(&a.prints);
        self.event_ids.push_back(a.event.event_id.clone());
        if let Some(orig) = verdict.dup_of {
            a.event.dup = true;
            // The index names only articles it remembers, whose ids are here.
            let id = orig.checked_sub(self.first_id).and_then(|k| self.event_ids.get(k));
            a.event.dup_of = id.cloned().unwrap_or_default();
        }
        // Forget the ids of the articles the index forgot.
        while self.first_id < self.index.remembered_from() {
            self.event_ids.pop_front();
            self.first_id += 1;
        }
        for (fact, &para) in a.facts.iter_mut().zip(&a.fact_para) {
            fact.dup |= a.event.dup || verdict.para_dup_of.get(para).is_some_and(|d| d.is_some());
            fact.total_id = fact_total_id(fact, self.summary.totals.period());
            self.summary.counted += !fact.total_id.is_empty() as usize;
            self.summary.totals.add_fact(&FactCells::of(fact, &a.event.event_type))?;
            self.summary.listing.add_fact(&Item::of_row(fact));
            self.facts_out.row(fact)?;
        }
        let e = &a.event;
        self.summary.totals.add_event(&e.event_type, &e.province, &e.scope, e.dup, &e.date_end);
        self.summary.listing.add_event(&e.event_id, &e.event_type, &e.title);
        self.summary.articles += 1;
        self.summary.facts += a.facts.len();
        self.events_out.row(&a.event)
    }

    fn document(&mut self, size: u64, repaired: Option<RepairedRow>, progress: &crate::progress::Progress) {
        if let Some(r) = repaired {
            progress.warn(&format!(
                "repaired {}: {} invalid {} sequence(s) replaced by U+FFFD, the first at byte {}",
                r.path, r.replaced, r.encoding, r.first_offset
            ));
            self.summary.repaired.push(r);
        }
        self.summary.documents += 1;
        self.summary.bytes += size;
    }
}

/// Run the whole batch and write events.csv, facts.csv, skipped.csv and repaired.csv into the
/// staging folder; the caller adds the summaries and commits.
pub fn run(engine: &Engine, cfg: &RunConfig, staging: &Staging) -> Result<RunSummary> {
    let started = Instant::now();
    let (files, mut skipped) = ingest::collect_inputs(&cfg.inputs);
    if files.is_empty() {
        let why: Vec<String> = skipped.iter().map(|s| format!("{}: {}", s.path, s.detail)).collect();
        anyhow::bail!(
            "no input file found in {}{}",
            cfg.inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
            if why.is_empty() { " (no .txt, .text or .md file)".to_string() } else { format!(" ({})", why.join("; ")) }
        );
    }
    skipped.extend(cfg.pub_dates.unmatched_manifest_rows(&files));
    let threads = cfg.threads.max(1);
    // Only a document above PIECE_BYTES needs a pool (for its pieces); most runs have none.
    let mut large_pool: Option<rayon::ThreadPool> = None;
    let mut sink = Sink {
        index: DedupIndex::new(engine.dedup.clone()),
        event_ids: Default::default(),
        first_id: 0,
        events_out: CsvOut::create(&staging.path("events.csv"), cfg.bom)?,
        facts_out: CsvOut::create(&staging.path("facts.csv"), cfg.bom)?,
        summary: RunSummary { totals: Totals::new(cfg.period), ..RunSummary::default() },
    };
    sink.events_out.header(&schema::names(&schema::events()))?;
    sink.facts_out.header(&schema::names(&schema::facts()))?;
    let progress = crate::progress::Progress::new(files.iter().map(|f| f.len).sum(), files.len(), cfg.progress);
    let summary_times = StageTimes::default();
    let mut skip = |s: Skipped| {
        progress.warn(&format!("skipped {}: {} ({})", s.path, s.reason, s.detail));
        skipped.push(s);
    };

    // Workers analyse documents while this thread marks duplicates and writes, in input order;
    // a window of documents in flight bounds the memory.
    let window = threads * 16;
    let analyse = |input: &InputFile| process(engine, input, &cfg.pub_dates, &summary_times);
    crate::ordered::map_in_order(&files, threads, window, analyse, |input, result| -> Result<()> {
        // The facts so far, one document behind: enough for a progress line.
        progress.advance(input.len, sink.summary.facts, sink.summary.counted);
        match result {
            Err(s) => skip(s),
            Ok(Work::Done(size, repaired, articles)) => {
                sink.document(size, repaired, &progress);
                summary_times.time(5, || articles.into_iter().try_for_each(|a| sink.article(a)))?;
            }
            Ok(Work::Large) => {
                let doc = match summary_times.time(0, || ingest::read(input, &cfg.pub_dates)) {
                    Ok(doc) => doc,
                    Err(s) => {
                        skip(s);
                        return Ok(());
                    }
                };
                let pool: &rayon::ThreadPool = match &mut large_pool {
                    Some(pool) => pool,
                    none => none.insert(rayon::ThreadPoolBuilder::new().num_threads(threads).build()?),
                };
                let ranges = pieces(&doc.text, PIECE_BYTES);
                // One publication date for all pieces: inferred from the first when no
                // metadata gave one.
                let mut pub_date = (doc.pub_date, doc.pub_date_source);
                if pub_date.0.is_none() {
                    let first = engine.segmenter.normalizer().normalize(&doc.text[ranges[0].clone()]);
                    if let Some(d) = engine.analyser.dates.infer_pub_date(&first.text) {
                        pub_date = (Some(d), PubDateSource::Inferred);
                    }
                }
                let char_bases = char_bases(&doc.text, &ranges);
                let mut first = 0;
                for (group, bases) in ranges.chunks(threads * 2).zip(char_bases.chunks(threads * 2)) {
                    let analysed: Vec<Vec<ArticleOut>> = pool.install(|| {
                        group
                            .par_iter()
                            .zip(bases)
                            .map(|(r, &base)| {
                                analyse_piece(engine, &piece(&doc, r.clone(), base, pub_date), &summary_times)
                            })
                            .collect()
                    });
                    for mut articles in analysed {
                        renumber(&mut articles, first);
                        first += articles.len();
                        summary_times.time(5, || articles.into_iter().try_for_each(|a| sink.article(a)))?;
                    }
                }
                sink.document(doc.size, repaired_row(&doc), &progress);
            }
        }
        Ok(())
    })?;
    progress.finish();
    let Sink { events_out, facts_out, mut summary, .. } = sink;
    summary_times.time(5, || -> Result<()> {
        events_out.finish()?;
        facts_out.finish()?;
        output::write_skipped(&staging.path("skipped.csv"), &skipped, cfg.bom)?;
        output::write_repaired(&staging.path("repaired.csv"), &summary.repaired, cfg.bom)
    })?;
    summary.skipped = skipped;
    summary.stages = summary_times.seconds();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use proptest::prelude::*;

    use super::*;
    use crate::ingest::Decoded;

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
            char_base: 0,
            size: bytes.len() as u64,
            pub_date: chrono::NaiveDate::from_ymd_opt(2024, 5, 1),
            pub_date_source: PubDateSource::Cli,
            repair,
        };
        let max_value = ENGINE.analyser.facts.quantities.numbers.max_value();
        for article in analyse_piece(&ENGINE, &doc, &StageTimes::default()) {
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

    #[test]
    fn long_texts_are_cut_at_blank_lines_into_bounded_pieces() {
        let text = "工会为职工追回欠薪。\n第二行\n\n".repeat(1000);
        let ranges = pieces(&text, 4096);
        assert_eq!(ranges.first().map(|r| r.start), Some(0));
        assert_eq!(ranges.last().map(|r| r.end), Some(text.len()));
        for w in ranges.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert!(text[..w[0].end].ends_with("\n\n"), "cut inside a paragraph at {}", w[0].end);
        }
        let (last, full) = ranges.split_last().unwrap();
        assert!(full.iter().all(|r| (2048..=4096).contains(&r.len())) && last.len() <= 4096);
        // Without any line end, at a character boundary.
        let line = "职".repeat(5000);
        let ranges = pieces(&line, 4096);
        assert!(ranges.iter().all(|r| line.is_char_boundary(r.start) && r.len() <= 4096));
        assert_eq!(ranges.last().map(|r| r.end), Some(line.len()));
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
