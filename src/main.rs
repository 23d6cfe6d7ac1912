//! The `laborfacts` command line: a thin layer over the library.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use laborfacts::extract::dates::DateGrammar;
use laborfacts::extract::places::Places;
use laborfacts::extract::quantity::QuantityGrammar;
use laborfacts::ingest::{PubDateSources, parse_iso_date};
use laborfacts::pipeline::{Engine, RunConfig};
use laborfacts::report::html::Listing;
use laborfacts::report::output::{EXTRACT_OUTPUTS, SUMMARY_OUTPUTS, Staging};
use laborfacts::report::summarize::{Period, ProvinceInfo, SummaryOptions, Totals};
use laborfacts::{eval, rules};

// The writer thread frees the rows the workers allocated: glibc's malloc serialises such frees
// on the worker's arena lock (a third of a run's context switches); mimalloc takes no lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, documented in `--help` and the README.
const EXIT_OK: u8 = 0;
const EXIT_ERROR: u8 = 1;
const EXIT_SKIPPED: u8 = 2;

#[derive(Parser)]
#[command(
    name = "laborfacts",
    version,
    about = "Turn Chinese trade-union news pages into sourced facts and per-province summary tables",
    after_help = "Exit codes: 0 all inputs processed; 2 finished but some inputs were skipped (see skipped.csv) \
                  or had invalid bytes replaced (see repaired.csv); 1 error (bad rules, bad arguments, unwritable output)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract events and facts from files, directories (walked recursively for .txt, .text, .md) or globs.
    Extract(ExtractArgs),
    /// Score a run against gold files (ANNOTATION.md "How predictions are scored").
    Eval {
        /// Directory with documents.jsonl, events.jsonl, facts.jsonl.
        #[arg(long, default_value = "tests/gold")]
        gold: PathBuf,
        /// Directory with the run's events.csv and facts.csv.
        #[arg(long, default_value = "out")]
        pred: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also print a per-document table of fact and event counts where they differ.
        #[arg(long)]
        by_doc: bool,
    },
    /// Work with rule files.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Parse one expression and print the parse as JSON (for checking rules by hand).
    Parse {
        /// What to look for.
        #[arg(value_enum)]
        kind: ParseKind,
        /// The text.
        text: String,
        /// Reference (publication) date for relative dates.
        #[arg(long = "ref", value_parser = parse_date_arg)]
        reference: Option<chrono::NaiveDate>,
        /// Rules directory (default: ./rules).
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Rebuild the summary tables from (possibly hand-filtered) facts.csv and events.csv.
    Summarize {
        #[arg(long, default_value = "out/facts.csv")]
        facts: PathBuf,
        #[arg(long, default_value = "out/events.csv")]
        events: PathBuf,
        #[arg(long, default_value = "out")]
        out: PathBuf,
        #[command(flatten)]
        export: ExportArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ParseKind {
    Number,
    Money,
    Count,
    Date,
    Place,
}

#[derive(clap::Args, Clone)]
struct ExportArgs {
    /// Write CSVs without the UTF-8 byte-order mark.
    #[arg(long)]
    no_bom: bool,
    /// Extra formats besides CSV (repeatable): xlsx, parquet.
    #[arg(long = "format", value_enum)]
    formats: Vec<Format>,
    /// Same as --format xlsx.
    #[arg(long)]
    xlsx: bool,
    /// Period of the totals, from each fact's date_end: year, quarter, month, or all (one total).
    #[arg(long, value_enum, default_value = "year")]
    period: Period,
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Format {
    Csv,
    Xlsx,
    Parquet,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Load and validate every rule file; report the first error with file and line.
    Check {
        /// Rules directory (default: ./rules).
        dir: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct ExtractArgs {
    /// Input files, directories or glob patterns.
    #[arg(default_values = ["data"])]
    inputs: Vec<PathBuf>,
    /// Output directory.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Publication date for every input (YYYY-MM-DD); overrides all other sources.
    #[arg(long, value_parser = parse_date_arg)]
    pub_date: Option<chrono::NaiveDate>,
    /// Manifest CSV with columns path, pub_date, source, page.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Rules directory (default: ./rules, else the one shipped with the source).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Gazetteer directory (default: ./data/gazetteer, else the one shipped with the source).
    #[arg(long)]
    gazetteer: Option<PathBuf>,
    #[command(flatten)]
    export: ExportArgs,
    /// No progress bar, no closing summary.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Print the time of each stage (CPU seconds summed over threads for the parallel ones).
    #[arg(long)]
    timings: bool,
}

fn parse_date_arg(s: &str) -> Result<chrono::NaiveDate, String> {
    parse_iso_date(s).ok_or_else(|| format!("{s:?} is not a date (want YYYY-MM-DD)"))
}

fn default_gazetteer_dir() -> PathBuf {
    let local = PathBuf::from("data/gazetteer");
    if local.is_dir() { local } else { PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/gazetteer") }
}

/// Print to stdout; a closed pipe (`laborfacts … | head`) ends quietly instead of panicking.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

fn extract(args: ExtractArgs) -> Result<u8> {
    let rules_dir = args.rules.unwrap_or_else(rules::default_rules_dir);
    let gazetteer_dir = args.gazetteer.unwrap_or_else(default_gazetteer_dir);
    let engine =
        Engine::load(&rules_dir, &gazetteer_dir).context("rules or gazetteer failed to load; nothing was written")?;
    let mut pub_dates = PubDateSources { cli: args.pub_date, ..PubDateSources::default() };
    if let Some(m) = &args.manifest {
        pub_dates.load_manifest(m)?;
    }
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let cfg = RunConfig {
        inputs: args.inputs,
        threads,
        bom: !args.export.no_bom,
        pub_dates,
        progress: !args.quiet,
        period: args.export.period,
    };
    let staging = Staging::new(&args.out)?;
    let mut s = laborfacts::pipeline::run(&engine, &cfg, &staging).context("nothing was written")?;
    let gathered = (std::mem::take(&mut s.totals), std::mem::take(&mut s.listing));
    let summary_started = std::time::Instant::now();
    let spinner = laborfacts::progress::Spinner::new(!args.quiet, "writing totals and exports…");
    let (facts, events) = (staging.path("facts.csv"), staging.path("events.csv"));
    summarize(&engine.analyser.places, &facts, &events, Some(gathered), &staging, &args.export)
        .context("summary tables failed; nothing was written")?;
    drop(spinner);
    if args.timings {
        let mut stages = s.stages.clone();
        stages.push(("summaries+exports", summary_started.elapsed().as_secs_f64()));
        let total: f64 = stages.iter().map(|(_, t)| t).sum();
        let mut table = String::from("stage                  seconds  share\n");
        for (stage, t) in &stages {
            table.push_str(&format!("{stage:<20} {t:>9.3}  {:>4.0}%\n", 100.0 * t / total.max(1e-9)));
        }
        table.push_str(&format!(
            "wall {:.3} s for the run, {:.3} s for the summaries; parallel stages count CPU time over {threads} thread(s)\n",
            s.seconds,
            summary_started.elapsed().as_secs_f64()
        ));
        eprint!("{table}");
    }
    let mut written = staging.commit(&[EXTRACT_OUTPUTS, SUMMARY_OUTPUTS].concat())?;
    written.retain(|p| p.file_name().is_some_and(|n| SUMMARY_OUTPUTS.iter().any(|s| n == *s)));
    if !args.quiet {
        let mb = s.bytes as f64 / 1e6;
        eprintln!(
            "laborfacts: {} documents, {} articles, {} facts ({} counted in totals), {} skipped, {} repaired; {:.1} MB in {:.2} s ({:.1} MB/s); outputs in {}/",
            s.documents,
            s.articles,
            s.facts,
            s.counted,
            s.skipped.len(),
            s.repaired.len(),
            mb,
            s.seconds,
            mb / s.seconds.max(1e-9),
            args.out.display()
        );
        let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        eprintln!("laborfacts: tables: {}", names.join(", "));
        if !s.skipped.is_empty() {
            eprintln!("laborfacts: see {}/skipped.csv for why inputs were skipped", args.out.display());
        }
        if !s.repaired.is_empty() {
            eprintln!("laborfacts: see {}/repaired.csv for inputs with invalid bytes replaced", args.out.display());
        }
    }
    Ok(if s.skipped.is_empty() && s.repaired.is_empty() { EXIT_OK } else { EXIT_SKIPPED })
}

/// Summary tables, report.html and the optional XLSX/Parquet exports, written into the staging
/// folder: from what the run gathered as it wrote facts.csv, or (`summarize`) from the CSVs.
fn summarize(
    places: &Places,
    facts: &Path,
    events: &Path,
    gathered: Option<(Totals, Listing)>,
    staging: &Staging,
    export: &ExportArgs,
) -> Result<()> {
    let provinces: Vec<ProvinceInfo> = places
        .provinces()
        .into_iter()
        .map(|d| ProvinceInfo { code: d.code, name: d.name.clone(), english: d.english.clone() })
        .collect();
    let parquet = export.formats.contains(&Format::Parquet);
    let opts = SummaryOptions { bom: !export.no_bom, parquet, period: export.period };
    let (totals, listing) = match gathered {
        Some(g) => g,
        None => (Totals::from_csv(facts, events, export.period)?, Listing::from_csv(facts, events)?),
    };
    laborfacts::report::summarize::write_totals(totals, &provinces, staging.dir(), &opts)?;
    if parquet {
        use laborfacts::report::{parquet, schema};
        parquet::from_csv(facts, &staging.path("facts.parquet"), &schema::facts())?;
        parquet::from_csv(events, &staging.path("events.parquet"), &schema::events())?;
    }
    listing.write(&staging.path("totals.csv"), &staging.path("report.html"))?;
    if export.xlsx || export.formats.contains(&Format::Xlsx) {
        laborfacts::report::export::write_xlsx(staging.dir(), &staging.path("laborfacts.xlsx"))?;
    }
    Ok(())
}

/// Parse `text` as the pipeline would see it: normalised first (full-width digits, spaces inside
/// numbers); spans in the output refer to the normalised text, which is printed too.
fn parse(
    kind: ParseKind,
    text: &str,
    reference: Option<chrono::NaiveDate>,
    rules_dir: &Path,
) -> Result<serde_json::Value> {
    let normalised = laborfacts::normalize::normalize_fragment(text);
    let text = normalised.as_str();
    let mut value = match kind {
        ParseKind::Number | ParseKind::Money | ParseKind::Count => {
            let grammar = QuantityGrammar::from_dir(rules_dir)?;
            let kind = match kind {
                ParseKind::Number => "number",
                ParseKind::Money => "money",
                _ => "count",
            };
            grammar.parse_json(kind, text)
        }
        ParseKind::Date => {
            let reference = reference.unwrap_or_else(|| chrono::Local::now().date_naive());
            DateGrammar::from_dir(rules_dir)?.parse_json(text, reference)
        }
        ParseKind::Place => Places::load(&default_gazetteer_dir(), rules_dir)?.parse_json(text),
    };
    if let Some(obj) = value.as_object_mut() {
        obj.insert("normalised".into(), serde_json::Value::String(normalised.clone()));
    }
    Ok(value)
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Extract(args) => extract(args),
        Command::Eval { gold, pred, json, by_doc } => {
            let report = eval::evaluate(&gold, &pred)?;
            if json {
                print(&format!("{}\n", serde_json::to_string_pretty(&report)?));
            } else {
                print(&report.render(by_doc));
            }
            Ok(EXIT_OK)
        }
        Command::Parse { kind, text, reference, rules } => {
            let dir = rules.unwrap_or_else(rules::default_rules_dir);
            print(&format!("{}\n", serde_json::to_string_pretty(&parse(kind, &text, reference, &dir)?)?));
            Ok(EXIT_OK)
        }
        Command::Summarize { facts, events, out, export } => {
            let places = Places::load(&default_gazetteer_dir(), &rules::default_rules_dir())?;
            let staging = Staging::new(&out)?;
            summarize(&places, &facts, &events, None, &staging, &export)
                .context("summary tables failed; nothing was written")?;
            let written: Vec<String> =
                staging.commit(SUMMARY_OUTPUTS)?.iter().map(|p| p.display().to_string()).collect();
            print(&format!("wrote {}\n", written.join(", ")));
            Ok(EXIT_OK)
        }
        Command::Rules { command: RulesCommand::Check { dir } } => {
            let dir = dir.unwrap_or_else(rules::default_rules_dir);
            Engine::load(&dir, &default_gazetteer_dir())?;
            print(&format!("rules OK: {}\n", dir.display()));
            Ok(EXIT_OK)
        }
    }
}

fn main() -> ExitCode {
    // Usage errors exit 1 like every other error (clap's own code, 2, means "inputs skipped"
    // here); --help and --version exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { EXIT_OK });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("laborfacts: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
