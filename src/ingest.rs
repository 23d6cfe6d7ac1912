//! Stage 1 — ingest: find input files, decode them, and attach publication-date metadata.
//!
//! Encoding and binary detection happen here once, at the edge (as in ripgrep); every later
//! stage sees UTF-8 text plus an [`OffsetMap`] back to the bytes of the original file.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use encoding_rs::{DecoderResult, GB18030, UTF_8, UTF_16BE, UTF_16LE};
use regex::Regex;
use serde::Deserialize;

/// File extensions picked up when a directory is walked (explicit file arguments are always read).
pub const TEXT_EXTENSIONS: &[&str] = &["txt", "text", "md"];

/// Files larger than this are skipped: one page is kilobytes, a gigabyte file is a mistake.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// How decoded-text byte offsets map back to original-file byte offsets.
#[derive(Debug, Clone)]
pub enum OffsetMap {
    /// UTF-8: original = decoded + shift (the BOM length).
    Shift(u32),
    /// Other encodings: original offset of every decoded byte, plus one entry for the end.
    Table(Vec<u32>),
}

impl OffsetMap {
    /// The map of the decoded text's bytes `start..end`, as a text of its own.
    pub fn slice(&self, start: usize, end: usize) -> OffsetMap {
        match self {
            OffsetMap::Shift(s) => OffsetMap::Shift(s + start as u32),
            OffsetMap::Table(t) => OffsetMap::Table(t[start.min(t.len())..(end + 1).min(t.len())].to_vec()),
        }
    }

    pub fn to_file(&self, decoded: usize) -> usize {
        match self {
            OffsetMap::Shift(s) => decoded + *s as usize,
            OffsetMap::Table(t) => t.get(decoded).or(t.last()).copied().unwrap_or(0) as usize,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PubDateSource {
    Cli,
    Manifest,
    Sidecar,
    FileName,
    Inferred,
    None,
}

impl PubDateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PubDateSource::Cli => "cli",
            PubDateSource::Manifest => "manifest",
            PubDateSource::Sidecar => "sidecar",
            PubDateSource::FileName => "file_name",
            PubDateSource::Inferred => "inferred",
            PubDateSource::None => "",
        }
    }
}

/// One input file found on the command line or by walking a directory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    pub path: PathBuf,
    /// The path relative to the directory argument it was found under (as given for a file
    /// argument): unique within a run, so it names the file in every id and `path` column.
    pub rel: String,
    /// Its size when it was found (0 when it could not be read then; `read` says why).
    pub len: u64,
}

/// One decoded input file.
#[derive(Debug, Clone)]
pub struct SourceDoc {
    /// The file name, shown in the `doc` column.
    pub name: String,
    /// [`InputFile::rel`]: the `path` column and the stem of every id.
    pub rel: String,
    pub path: PathBuf,
    pub encoding: &'static str,
    pub text: String,
    pub offsets: OffsetMap,
    /// Characters of the file's decoded text before `text`: 0, except for the pieces a large
    /// file is analysed in. Character offsets (`char_start`) count from the file's start.
    pub char_base: usize,
    pub size: u64,
    pub pub_date: Option<NaiveDate>,
    pub pub_date_source: PubDateSource,
    /// Invalid byte sequences replaced by U+FFFD while decoding (see [`Repair`]).
    pub repair: Option<Repair>,
}

/// A document decoded with some invalid byte sequences replaced by U+FFFD.
#[derive(Debug, Clone, PartialEq)]
pub struct Repair {
    pub replaced: usize,
    /// Byte offset in the file of the first invalid sequence.
    pub first_offset: usize,
}

impl Repair {
    pub fn describe(&self, encoding: &str) -> String {
        format!(
            "{} invalid {encoding} sequence(s) replaced by U+FFFD, the first at byte {}",
            self.replaced, self.first_offset
        )
    }
}

/// A file that could not be used, with the reason shown to the user and written to skipped.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub path: String,
    pub doc: String,
    pub reason: &'static str,
    pub detail: String,
}

impl Skipped {
    fn new(path: &Path, reason: &'static str, detail: impl Into<String>) -> Self {
        Self { path: path.display().to_string(), doc: file_name(path), reason, detail: detail.into() }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Expand command-line inputs (files, directories walked recursively, glob patterns) into a
/// sorted file list in which every file appears once, however many links lead to it.
/// Arguments that match nothing are reported as skipped.
pub fn collect_inputs(args: &[PathBuf]) -> (Vec<InputFile>, Vec<Skipped>) {
    let mut walker = Walker::default();
    for arg in args {
        let text = arg.to_string_lossy();
        if arg.is_dir() {
            walker.walk_root(arg);
        } else if arg.is_file() {
            walker.add_file(arg, arg.display().to_string());
        } else if text.contains(['*', '?', '[']) {
            match glob::glob(&text) {
                Ok(paths) => {
                    let before = walker.files.len();
                    for p in paths.flatten() {
                        if p.is_dir() {
                            walker.walk_root(&p);
                        } else {
                            let rel = p.display().to_string();
                            walker.add_file(&p, rel);
                        }
                    }
                    if walker.files.len() == before {
                        walker.skipped.push(Skipped::new(arg, "not_found", "glob matched no file"));
                    }
                }
                Err(e) => walker.skipped.push(Skipped::new(arg, "bad_glob", e.to_string())),
            }
        } else {
            walker.skipped.push(Skipped::new(arg, "not_found", "no such file or directory"));
        }
    }
    let Walker { mut files, skipped, .. } = walker;
    // Documents are read in file-name order: the first copy of a duplicate is the original.
    files.sort_by(|a, b| file_name(&a.path).cmp(&file_name(&b.path)).then_with(|| a.rel.cmp(&b.rel)));
    // Two arguments naming files of the same relative path (`a/x.txt` and `b/x.txt` given as
    // roots `a` and `b`) would share ids: the later ones get their full path as it was given.
    let mut seen = HashSet::new();
    for f in &mut files {
        if !seen.insert(f.rel.clone()) {
            f.rel = f.path.display().to_string();
            seen.insert(f.rel.clone());
        }
    }
    (files, skipped)
}

/// A directory walk that follows symlinks but enters each directory and reads each file once,
/// identified by device and inode, so a link cycle (`l -> .`) ends.
#[derive(Default)]
struct Walker {
    files: Vec<InputFile>,
    skipped: Vec<Skipped>,
    seen_dirs: HashSet<(u64, u64)>,
    seen_files: HashSet<(u64, u64)>,
}

fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

impl Walker {
    fn add_file(&mut self, path: &Path, rel: String) {
        let meta = std::fs::metadata(path).ok();
        if meta.as_ref().is_none_or(|m| self.seen_files.insert(identity(m))) {
            let len = meta.map_or(0, |m| m.len());
            self.files.push(InputFile { path: path.to_path_buf(), rel, len });
        }
    }

    fn walk_root(&mut self, root: &Path) {
        self.walk(root, root);
    }

    fn walk(&mut self, root: &Path, dir: &Path) {
        if std::fs::metadata(dir).is_ok_and(|m| !self.seen_dirs.insert(identity(&m))) {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.skipped.push(Skipped::new(dir, "unreadable", e.to_string()));
                return;
            }
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        // Sorted, so which of two links to one file is kept does not depend on the file system.
        paths.sort();
        for path in paths {
            if path.is_dir() {
                self.walk(root, &path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| TEXT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
                && !path.file_name().is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
            {
                let rel = path.strip_prefix(root).unwrap_or(&path).display().to_string();
                self.add_file(&path, rel);
            }
        }
    }
}

/// A decoded text and the map from its bytes back to the file's.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    pub offsets: OffsetMap,
    pub repair: Option<Repair>,
}

/// Replacements allowed per thousand characters before a file counts as undecodable rather
/// than as a text with a few stray bytes.
const MAX_REPLACED_PER_MILLE: usize = 5;

/// Whether a decoding with replacements is the text with a few bad bytes, not the wrong
/// encoding or no text at all: few replacements for its length, or, for UTF-8 and UTF-16, at
/// least one well-formed CJK character per replacement (a short caption with one stray byte is
/// still UTF-8; GB18030 bytes read as UTF-8 almost never form a CJK character).
fn plausible(d: &Decoded) -> bool {
    let Some(r) = &d.repair else { return true };
    let chars = d.text.chars().count();
    if r.replaced * 1000 <= chars * MAX_REPLACED_PER_MILLE {
        return true;
    }
    if d.encoding == "gb18030" {
        return r.replaced == 1;
    }
    r.replaced <= d.text.chars().filter(|&c| ('\u{3000}'..='\u{9fff}').contains(&c)).count()
}

/// Decode raw bytes: UTF-8 (with or without BOM), UTF-16 (with BOM, or recognised by its
/// zero bytes), else GB18030/GBK. A few invalid sequences are replaced by U+FFFD and reported
/// in the [`Repair`]; empty, binary and mostly undecodable input is an error naming the reason.
pub fn decode(bytes: Vec<u8>) -> std::result::Result<Decoded, (&'static str, String)> {
    let bytes_ref: &[u8] = &bytes;
    if bytes_ref.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(("empty", "file is empty or only whitespace".into()));
    }
    if let Some(rest) = bytes_ref.strip_prefix(b"\xEF\xBB\xBF") {
        if rest.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(("empty", "file holds only a byte-order mark".into()));
        }
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok(Decoded { text: s.to_string(), encoding: "utf-8", offsets: OffsetMap::Shift(3), repair: None }),
            Err(_) => decode_lossy(UTF_8, rest, 3)
                .filter(plausible)
                .ok_or(("undecodable", "UTF-8 BOM but mostly invalid UTF-8".into())),
        };
    }
    let utf16 = if bytes_ref.starts_with(b"\xFF\xFE") {
        Some((UTF_16LE, 2))
    } else if bytes_ref.starts_with(b"\xFE\xFF") {
        Some((UTF_16BE, 2))
    } else {
        utf16_without_bom(bytes_ref).map(|enc| (enc, 0))
    };
    if let Some((enc, bom)) = utf16 {
        return decode_lossy(enc, &bytes_ref[bom..], bom as u32)
            .filter(plausible)
            .ok_or(("undecodable", format!("{} but mostly malformed data", enc.name())));
    }
    let sample = &bytes_ref[..bytes_ref.len().min(8192)];
    if memchr::memchr(0, sample).is_some() {
        return Err(("binary", "NUL bytes: not a text file".into()));
    }
    let bytes = match String::from_utf8(bytes) {
        // Valid UTF-8 is used as it is, without a copy.
        Ok(s) if looks_binary(&s) => return Err(("binary", "mostly control characters".into())),
        Ok(s) => return Ok(Decoded { text: s, encoding: "utf-8", offsets: OffsetMap::Shift(0), repair: None }),
        Err(e) => e.into_bytes(),
    };
    let bytes = bytes.as_slice();
    // A UTF-8 text with a stray byte or a cut last character keeps everything else; a GB18030
    // text is invalid UTF-8 nearly everywhere, so it fails the UTF-8 repair budget.
    let utf8_repair = || may_be_repaired_utf8(bytes).then(|| decode_lossy(UTF_8, bytes, 0)).flatten();
    let decoded = utf8_repair().filter(plausible).or_else(|| decode_lossy(GB18030, bytes, 0).filter(plausible));
    match decoded {
        Some(d) if looks_binary(&d.text) => Err(("binary", "mostly control characters".into())),
        Some(d) if d.encoding == "utf-8" || mostly_cjk_or_ascii(&d.text) => Ok(d),
        _ => Err(("undecodable", "neither UTF-8, UTF-16 nor GB18030".into())),
    }
}

/// UTF-16 without a byte-order mark: in UTF-16 text, ASCII characters (spaces, digits, line
/// ends) have a zero byte on one side, and CJK characters almost never do.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let sample = &bytes[..bytes.len().min(8192) & !1];
    let units = sample.len() / 2;
    // Most files hold no zero byte at all: one memchr decides.
    if units < 2 || memchr::memchr(0, sample).is_none() {
        return None;
    }
    let even_zeros = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_zeros = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    // A tenth of the units with a zero on one side, almost none on the other.
    let (many, few) = ((units / 10).max(1), units / 100);
    if odd_zeros >= many && even_zeros <= few {
        Some(UTF_16LE)
    } else if even_zeros >= many && odd_zeros <= few {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Whether UTF-8 with invalid sequences could pass [`plausible`]: not when there are more
/// invalid sequences than a third of its bytes plus the repair budget, for then neither the
/// budget nor the CJK characters (three bytes each) can cover them. A GB18030 text fails this
/// check, so the full UTF-8 repair (text and offset table) is not built before it is read as
/// GB18030.
fn may_be_repaired_utf8(bytes: &[u8]) -> bool {
    let limit = bytes.len() / 3 + bytes.len() * MAX_REPLACED_PER_MILLE / 1000 + 1;
    let (mut rest, mut bad) = (bytes, 0);
    while let Err(e) = std::str::from_utf8(rest) {
        bad += 1;
        if bad > limit {
            return false;
        }
        rest = &rest[e.valid_up_to() + e.error_len().unwrap_or(rest.len() - e.valid_up_to())..];
    }
    true
}

/// Decode, replacing invalid sequences by U+FFFD, and record for every output byte the offset
/// of its source bytes. Whether the result is text is for [`plausible`] to say.
fn decode_lossy(enc: &'static encoding_rs::Encoding, bytes: &[u8], base: u32) -> Option<Decoded> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(decoder.max_utf8_buffer_length_without_replacement(bytes.len())? + 16);
    let mut table: Vec<u32> = Vec::with_capacity(text.capacity() + 1);
    let mut repair: Option<Repair> = None;
    let mut src = 0usize;
    loop {
        let before = text.len();
        let (result, read) = decoder.decode_to_string_without_replacement(&bytes[src..], &mut text, true);
        // The text just written is valid input read from `src` on; map it with the source widths.
        let mut pos = src;
        for ch in text[before..].chars() {
            table.extend(std::iter::repeat_n(pos as u32 + base, ch.len_utf8()));
            pos += source_width(enc, ch, &bytes[pos.min(bytes.len())..]);
        }
        src += read;
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => text.reserve(64),
            DecoderResult::Malformed(bad, after) => {
                let at = src - bad as usize - after as usize;
                let r = repair.get_or_insert(Repair { replaced: 0, first_offset: at + base as usize });
                r.replaced += 1;
                text.push(char::REPLACEMENT_CHARACTER);
                table.extend(std::iter::repeat_n(at as u32 + base, 3));
            }
        }
    }
    table.push(bytes.len() as u32 + base);
    let encoding = match enc.name() {
        "UTF-8" => "utf-8",
        "gb18030" => "gb18030",
        "UTF-16LE" => "utf-16le",
        _ => "utf-16be",
    };
    // Valid UTF-8 after a BOM keeps the cheap map; every other text needs the table.
    let offsets =
        if encoding == "utf-8" && repair.is_none() { OffsetMap::Shift(base) } else { OffsetMap::Table(table) };
    Some(Decoded { text, encoding, offsets, repair })
}

/// How many source bytes one decoded character took, read off the source itself.
fn source_width(enc: &'static encoding_rs::Encoding, ch: char, rest: &[u8]) -> usize {
    match enc.name() {
        "UTF-8" => ch.len_utf8(),
        "UTF-16LE" | "UTF-16BE" => ch.len_utf16() * 2,
        // GB18030 is 1 byte below 0x80, 4 bytes when the second byte is a digit, else 2.
        _ => match (rest.first(), rest.get(1)) {
            (Some(b), _) if *b < 0x80 => 1,
            (_, Some(b2)) if b2.is_ascii_digit() => 4,
            _ => 2,
        },
    }
}

fn looks_binary(s: &str) -> bool {
    let (mut chars, mut control) = (0, 0);
    for c in s.chars().take(4096) {
        chars += 1;
        control += (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')) as usize;
    }
    control * 10 > chars
}

/// GB18030 maps nearly every byte pair to some character, so random bytes "decode";
/// real Chinese text is mostly common CJK, ASCII and punctuation.
fn mostly_cjk_or_ascii(s: &str) -> bool {
    let sample: Vec<char> = s.chars().take(4096).collect();
    let good = sample
        .iter()
        .filter(|&&c| {
            c.is_ascii()
                || ('\u{4e00}'..='\u{9fff}').contains(&c)
                || ('\u{3000}'..='\u{303f}').contains(&c)
                || ('\u{ff00}'..='\u{ffef}').contains(&c)
                || ('\u{2010}'..='\u{206f}').contains(&c)
        })
        .count();
    good * 10 >= sample.len() * 9
}

/// Where publication dates come from, besides the text itself.
#[derive(Debug, Default, Clone)]
pub struct PubDateSources {
    pub cli: Option<NaiveDate>,
    /// Manifest rows keyed by path as written and by file name.
    pub manifest: BTreeMap<String, NaiveDate>,
    /// The manifest's rows in order: (its file, row number, path as written).
    pub manifest_rows: Vec<(PathBuf, usize, String)>,
}

/// The columns a manifest must have; `source` and `page` may follow and are not used.
const MANIFEST_COLUMNS: &[&str] = &["path", "pub_date"];

impl PubDateSources {
    /// Read a manifest CSV with columns path, pub_date (and optionally source, page).
    pub fn load_manifest(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read manifest {}", path.display()))?;
        let text = decode(bytes)
            .map_err(|(reason, detail)| anyhow::anyhow!("manifest {}: {reason}: {detail}", path.display()))?
            .text;
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .with_context(|| format!("manifest {}: no header row", path.display()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(path_col), Some(date_col)) = (col("path"), col("pub_date")) else {
            bail!(
                "manifest {}: expected columns {} (then optionally source, page); found: {}",
                path.display(),
                MANIFEST_COLUMNS.join(", "),
                if headers.is_empty() { "none".to_string() } else { headers.join(", ") }
            );
        };
        for (i, record) in reader.records().enumerate() {
            let row = i + 2;
            let record = record.with_context(|| format!("manifest {}: row {row}", path.display()))?;
            let key = record.get(path_col).unwrap_or("").trim().to_string();
            let raw_date = record.get(date_col).unwrap_or("").trim();
            if key.is_empty() {
                bail!("manifest {}: row {row}: empty path", path.display());
            }
            let Some(date) = parse_iso_date(raw_date) else {
                bail!("manifest {}: row {row}: bad pub_date {raw_date:?} (want YYYY-MM-DD)", path.display());
            };
            self.manifest.insert(file_name(Path::new(&key)), date);
            self.manifest.insert(key.clone(), date);
            self.manifest_rows.push((path.to_path_buf(), row, key));
        }
        Ok(())
    }

    /// Manifest rows that name no input file: reported (reason `manifest_unmatched`), since a
    /// date meant for a file that is not there is a mistake in the manifest or the inputs.
    pub fn unmatched_manifest_rows(&self, inputs: &[InputFile]) -> Vec<Skipped> {
        let mut known: HashSet<String> = HashSet::new();
        for f in inputs {
            known.insert(f.path.display().to_string());
            known.insert(f.rel.clone());
            known.insert(file_name(&f.path));
        }
        self.manifest_rows
            .iter()
            .filter(|(_, _, key)| !known.contains(key) && !known.contains(&file_name(Path::new(key))))
            .map(|(manifest, row, key)| Skipped {
                path: key.clone(),
                doc: file_name(Path::new(key)),
                reason: "manifest_unmatched",
                detail: format!("{} row {row} names no input file", manifest.display()),
            })
            .collect()
    }

    /// The publication date of `path` from metadata, in the documented order of precedence.
    pub fn lookup(&self, path: &Path) -> (Option<NaiveDate>, PubDateSource) {
        if let Some(d) = self.cli {
            return (Some(d), PubDateSource::Cli);
        }
        let shown = path.display().to_string();
        if let Some(d) = self.manifest.get(&shown).or_else(|| self.manifest.get(&file_name(path))) {
            return (Some(*d), PubDateSource::Manifest);
        }
        if let Some(d) = sidecar_date(path) {
            return (Some(d), PubDateSource::Sidecar);
        }
        if let Some(d) = file_name_date(&file_name(path)) {
            return (Some(d), PubDateSource::FileName);
        }
        (None, PubDateSource::None)
    }
}

pub fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// `<file>.meta.toml`; keys other than `pub_date` (source, page …) are allowed and ignored.
#[derive(Deserialize)]
struct Sidecar {
    pub_date: Option<String>,
}

fn sidecar_date(path: &Path) -> Option<NaiveDate> {
    let mut side = path.as_os_str().to_owned();
    side.push(".meta.toml");
    let text = std::fs::read_to_string(PathBuf::from(side)).ok()?;
    let meta: Sidecar = toml::from_str(&text).ok()?;
    parse_iso_date(meta.pub_date?.trim())
}

/// `2024-10-25`, `2024_10_25` or `20241025` inside a file name.
pub fn file_name_date(name: &str) -> Option<NaiveDate> {
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|[^0-9])((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?:[^0-9]|$)").unwrap()
    });
    let c = DATE.captures(name)?;
    NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
}

/// Read and decode one file; any problem becomes a [`Skipped`] row, never a panic.
pub fn read(input: &InputFile, dates: &PubDateSources) -> std::result::Result<SourceDoc, Skipped> {
    let path = input.path.as_path();
    let unreadable = |e: std::io::Error| Skipped::new(path, "unreadable", e.to_string());
    // One open: the size comes from the open file, not from a second lookup of the path.
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    if len > MAX_FILE_BYTES {
        return Err(Skipped::new(path, "too_large", format!("{len} bytes > {MAX_FILE_BYTES} limit")));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.read_to_end(&mut bytes).map_err(unreadable)?;
    let size = bytes.len() as u64;
    let Decoded { text, encoding, offsets, repair } =
        decode(bytes).map_err(|(reason, detail)| Skipped::new(path, reason, detail))?;
    let (pub_date, pub_date_source) = dates.lookup(path);
    Ok(SourceDoc {
        name: file_name(path),
        rel: input.rel.clone(),
        path: path.to_path_buf(),
        encoding,
        text,
        offsets,
        char_base: 0,
        size,
        pub_date,
        pub_date_source,
        repair,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> Decoded {
        decode(bytes.to_vec()).unwrap()
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decoded("工会".as_bytes());
        assert_eq!((d.text.as_str(), d.encoding, d.repair), ("工会", "utf-8", None));
        assert_eq!(d.offsets.to_file(3), 3);
        let d = decoded(b"\xEF\xBB\xBF\xE5\xB7\xA5");
        assert_eq!(d.text, "工");
        assert_eq!(d.offsets.to_file(0), 3);
    }

    fn utf16(src: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = if bom { if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] } } else { Vec::new() };
        for u in src.encode_utf16() {
            out.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        out
    }

    #[test]
    fn gb18030_and_utf16_decode_with_offsets() {
        let src = "本报讯1700万元";
        let (gb, _, _) = GB18030.encode(src);
        let d = decoded(&gb);
        assert_eq!((d.text.as_str(), d.encoding), (src, "gb18030"));
        // 本报讯 are 2 bytes each in GB18030; "1" starts at byte 6 in the file, byte 9 decoded.
        assert_eq!(d.offsets.to_file(9), 6);
        assert_eq!(d.offsets.to_file(d.text.len()), gb.len());

        let d = decoded(&utf16(src, false, true));
        assert_eq!((d.text.as_str(), d.encoding), (src, "utf-16le"));
        assert_eq!(d.offsets.to_file(9), 2 + 6);
    }

    #[test]
    fn utf16_without_a_bom_is_recognised_by_its_zero_bytes() {
        let src = "本报讯 近日，某区总工会为120名职工追回欠薪350万元。\n";
        for (big_endian, name) in [(false, "utf-16le"), (true, "utf-16be")] {
            let d = decoded(&utf16(src, big_endian, false));
            assert_eq!((d.text.as_str(), d.encoding), (src, name));
            assert_eq!(d.offsets.to_file(9), 6);
        }
    }

    #[test]
    fn a_stray_byte_is_replaced_and_reported_and_the_rest_is_kept() {
        let text = "本报讯 某区总工会为120名职工追回欠薪350万元。".repeat(20);
        let cut = text.find("120").unwrap();
        let mut bytes = text.as_bytes().to_vec();
        bytes.insert(cut, 0x80);
        let d = decoded(&bytes);
        assert_eq!(d.encoding, "utf-8");
        assert_eq!(d.repair, Some(Repair { replaced: 1, first_offset: cut }));
        assert_eq!(d.text.replacen('\u{FFFD}', "", 1), text);
        // Offsets after the replacement still point at the same text in the file.
        let at = d.text.find("350").unwrap();
        assert_eq!(&bytes[d.offsets.to_file(at)..d.offsets.to_file(at + 3)], b"350");
    }

    #[test]
    fn a_cut_last_character_is_replaced_and_reported() {
        let text = "工会为职工追回欠薪350万元".repeat(30);
        let bytes = &text.as_bytes()[..text.len() - 1];
        let d = decoded(bytes);
        assert_eq!(d.repair, Some(Repair { replaced: 1, first_offset: text.len() - 3 }));
        assert!(d.text.ends_with("万\u{FFFD}"), "{}", d.text);
    }

    #[test]
    fn empty_binary_and_undecodable_are_refused() {
        assert_eq!(decode(Vec::new()).unwrap_err().0, "empty");
        assert_eq!(decode(b" \n\t".to_vec()).unwrap_err().0, "empty");
        assert_eq!(decode(b"\x7fELF\x02\x01\x00\x00".to_vec()).unwrap_err().0, "binary");
        // 0x81 0x20 is invalid in both UTF-8 and GB18030.
        assert_eq!(decode(vec![0x81, 0x20, 0x81, 0x20]).unwrap_err().0, "undecodable");
        // A short caption with one stray byte is kept.
        let mut caption = "清幽(中国画)".as_bytes().to_vec();
        caption.insert(6, 0x80);
        let caption = decoded(&caption);
        assert_eq!((caption.text.as_str(), caption.repair.map(|r| r.first_offset)), ("清幽\u{FFFD}(中国画)", Some(6)));
        // Mostly bad bytes is not a text with a few stray ones.
        let noise: Vec<u8> = (0..4000u32).map(|i| (0x80 + (i * 37) % 0x40) as u8).collect();
        assert_eq!(decode(noise).unwrap_err().0, "undecodable");
    }

    #[test]
    fn file_name_dates() {
        assert_eq!(file_name_date("gongren_2024-10-25_p3.txt"), NaiveDate::from_ymd_opt(2024, 10, 25));
        assert_eq!(file_name_date("20241025.txt"), NaiveDate::from_ymd_opt(2024, 10, 25));
        assert_eq!(file_name_date("000_d5dc12542ea4f5ae.txt"), None);
        assert_eq!(file_name_date("page_20241399.txt"), None);
    }
}
