//! The `laborfacts` command line: a thin layer over the library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use laborfacts::ingest::{PubDateSources, parse_iso_date};
use laborfacts::pipeline::{Engine, RunConfig};
use laborfacts::{eval, rules};

/// Exit codes, documented in `--help` and the README.
const EXIT_OK: u8 = 0;
const EXIT_ERROR: u8 = 1;
const EXIT_SKIPPED: u8 = 2;

#[derive(Parser)]
#[command(
    name = "laborfacts",
    version,
    about = "Turn Chinese trade-union news pages into sourced facts and per-province summary tables",
    after_help = "Exit codes: 0 all inputs processed; 2 finished but some inputs were skipped (see skipped.csv); \
                  1 error (bad rules, bad arguments, unwritable output)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract events and facts from files, directories (walked recursively for .txt/.md) or globs.
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
    },
    /// Work with rule files.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
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
    /// Write CSVs without the UTF-8 byte-order mark.
    #[arg(long)]
    no_bom: bool,
    /// No progress bar, no closing summary.
    #[arg(long, short = 'q')]
    quiet: bool,
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
    let engine = Engine::load(&rules_dir, &gazetteer_dir).context("rules or gazetteer failed to load; nothing was written")?;
    let mut pub_dates = PubDateSources { cli: args.pub_date, ..PubDateSources::default() };
    if let Some(m) = &args.manifest {
        pub_dates.load_manifest(m)?;
    }
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let cfg = RunConfig { inputs: args.inputs, out_dir: args.out.clone(), threads, bom: !args.no_bom, pub_dates, progress: !args.quiet };
    let s = laborfacts::pipeline::run(&engine, &cfg)?;
    if !args.quiet {
        let mb = s.bytes as f64 / 1e6;
        eprintln!(
            "laborfacts: {} documents, {} articles, {} facts, {} skipped; {:.1} MB in {:.2} s ({:.1} MB/s); outputs in {}/",
            s.documents,
            s.articles,
            s.facts,
            s.skipped.len(),
            mb,
            s.seconds,
            mb / s.seconds.max(1e-9),
            args.out.display()
        );
        if !s.skipped.is_empty() {
            eprintln!("laborfacts: see {}/skipped.csv for why inputs were skipped", args.out.display());
        }
    }
    Ok(if s.skipped.is_empty() { EXIT_OK } else { EXIT_SKIPPED })
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Extract(args) => extract(args),
        Command::Eval { gold, pred, json } => {
            let report = eval::evaluate(&gold, &pred)?;
            if json {
                print(&format!("{}\n", serde_json::to_string_pretty(&report)?));
            } else {
                print(&report.render());
            }
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
    match run(Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("laborfacts: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
