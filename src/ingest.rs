//! Stage 1 — ingest: find input files, decode them, and attach publication-date metadata.
//!
//! Encoding and binary detection happen here once, at the edge (as in ripgrep); every later
//! stage sees UTF-8 text plus an [`OffsetMap`] back to the bytes of the original file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};
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

/// One decoded input file.
#[derive(Debug, Clone)]
pub struct SourceDoc {
    /// The name used in every output row (`doc`): the file name.
    pub name: String,
    pub path: PathBuf,
    pub encoding: &'static str,
    pub text: String,
    pub offsets: OffsetMap,
    pub size: u64,
    pub pub_date: Option<NaiveDate>,
    pub pub_date_source: PubDateSource,
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
/// sorted, de-duplicated file list. Arguments that match nothing are reported as skipped.
pub fn collect_inputs(args: &[PathBuf]) -> (Vec<PathBuf>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for arg in args {
        let text = arg.to_string_lossy();
        if arg.is_dir() {
            walk(arg, &mut files, &mut skipped);
        } else if arg.is_file() {
            files.push(arg.clone());
        } else if text.contains(['*', '?', '[']) {
            match glob::glob(&text) {
                Ok(paths) => {
                    let before = files.len();
                    for p in paths.flatten() {
                        if p.is_dir() {
                            walk(&p, &mut files, &mut skipped);
                        } else {
                            files.push(p);
                        }
                    }
                    if files.len() == before {
                        skipped.push(Skipped::new(arg, "not_found", "glob matched no file"));
                    }
                }
                Err(e) => skipped.push(Skipped::new(arg, "bad_glob", e.to_string())),
            }
        } else {
            skipped.push(Skipped::new(arg, "not_found", "no such file or directory"));
        }
    }
    // Documents are read in file-name order: the first copy of a duplicate is the original.
    files.sort_by(|a, b| file_name(a).cmp(&file_name(b)).then_with(|| a.cmp(b)));
    files.dedup();
    (files, skipped)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            skipped.push(Skipped::new(dir, "unreadable", e.to_string()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files, skipped);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| TEXT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            && !path.file_name().is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
        {
            files.push(path);
        }
    }
}

/// Decode raw bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030/GBK.
/// Empty, binary and undecodable input is an error naming the reason.
pub fn decode(bytes: Vec<u8>) -> std::result::Result<(String, &'static str, OffsetMap), (&'static str, String)> {
    let bytes_ref: &[u8] = &bytes;
    if bytes_ref.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(("empty", "file is empty or only whitespace".into()));
    }
    if let Some(rest) = bytes_ref.strip_prefix(b"\xEF\xBB\xBF") {
        if rest.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(("empty", "file holds only a byte-order mark".into()));
        }
        return match std::str::from_utf8(rest) {
            Ok(_) => Ok((String::from_utf8_lossy(rest).into_owned(), "utf-8", OffsetMap::Shift(3))),
            Err(e) => Err(("undecodable", format!("UTF-8 BOM but invalid UTF-8 at byte {}", e.valid_up_to() + 3))),
        };
    }
    if bytes_ref.starts_with(b"\xFF\xFE") || bytes_ref.starts_with(b"\xFE\xFF") {
        let enc = if bytes_ref[0] == 0xFF { UTF_16LE } else { UTF_16BE };
        return decode_with_table(enc, &bytes_ref[2..], 2)
            .ok_or(("undecodable", format!("{} BOM but malformed data", enc.name())));
    }
    let sample = &bytes_ref[..bytes_ref.len().min(8192)];
    if memchr::memchr(0, sample).is_some() {
        return Err(("binary", "NUL bytes: not a text file".into()));
    }
    let bytes = match String::from_utf8(bytes) {
        // Valid UTF-8 is used as it is, without a copy.
        Ok(s) if looks_binary(&s) => return Err(("binary", "mostly control characters".into())),
        Ok(s) => return Ok((s, "utf-8", OffsetMap::Shift(0))),
        Err(e) => e.into_bytes(),
    };
    let bytes = bytes.as_slice();
    match decode_with_table(GB18030, bytes, 0) {
        Some((text, name, map)) if !looks_binary(&text) && mostly_cjk_or_ascii(&text) => Ok((text, name, map)),
        _ => Err(("undecodable", "neither UTF-8, UTF-16 (BOM) nor GB18030".into())),
    }
}

/// Decode strictly and record, for every output byte, the offset of its source bytes.
fn decode_with_table(
    enc: &'static encoding_rs::Encoding,
    bytes: &[u8],
    base: u32,
) -> Option<(String, &'static str, OffsetMap)> {
    let text = enc.decode_without_bom_handling_and_without_replacement(bytes)?.into_owned();
    let mut table = Vec::with_capacity(text.len() + 1);
    let mut pos = base;
    let utf16 = matches!(enc.name(), "UTF-16LE" | "UTF-16BE");
    for ch in text.chars() {
        // The width of each character in the source, read off the source bytes themselves:
        // GB18030 is 1 byte below 0x80, 4 bytes when the second byte is a digit, else 2.
        let width = if utf16 {
            ch.len_utf16() as u32 * 2
        } else {
            let at = (pos - base) as usize;
            match (bytes.get(at), bytes.get(at + 1)) {
                (Some(b), _) if *b < 0x80 => 1,
                (_, Some(b2)) if (0x30..=0x39).contains(b2) => 4,
                _ => 2,
            }
        };
        for _ in 0..ch.len_utf8() {
            table.push(pos);
        }
        pos += width;
    }
    table.push(pos);
    let name = match enc.name() {
        "gb18030" => "gb18030",
        "UTF-16LE" => "utf-16le",
        _ => "utf-16be",
    };
    Some((text, name, OffsetMap::Table(table)))
}

fn looks_binary(s: &str) -> bool {
    let sample: Vec<char> = s.chars().take(4096).collect();
    let control = sample.iter().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')).count();
    control * 10 > sample.len()
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
}

/// A manifest row; its `source` and `page` columns are allowed but not used.
#[derive(Deserialize)]
struct ManifestRow {
    path: String,
    pub_date: String,
}

impl PubDateSources {
    /// Read a manifest CSV with columns path, pub_date, source, page.
    pub fn load_manifest(&mut self, path: &Path) -> Result<()> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .with_context(|| format!("cannot read manifest {}", path.display()))?;
        for (i, row) in reader.deserialize::<ManifestRow>().enumerate() {
            let row = row.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
            let Some(date) = parse_iso_date(row.pub_date.trim()) else {
                bail!("{}: row {}: bad pub_date {:?} (want YYYY-MM-DD)", path.display(), i + 2, row.pub_date);
            };
            let key = row.path.trim().to_string();
            self.manifest.insert(file_name(Path::new(&key)), date);
            self.manifest.insert(key, date);
        }
        Ok(())
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
pub fn read(path: &Path, dates: &PubDateSources) -> std::result::Result<SourceDoc, Skipped> {
    let meta = std::fs::metadata(path).map_err(|e| Skipped::new(path, "unreadable", e.to_string()))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Skipped::new(path, "too_large", format!("{} bytes > {} limit", meta.len(), MAX_FILE_BYTES)));
    }
    let bytes = std::fs::read(path).map_err(|e| Skipped::new(path, "unreadable", e.to_string()))?;
    let size = bytes.len() as u64;
    let (text, encoding, offsets) = decode(bytes).map_err(|(reason, detail)| Skipped::new(path, reason, detail))?;
    let (pub_date, pub_date_source) = dates.lookup(path);
    Ok(SourceDoc {
        name: file_name(path),
        path: path.to_path_buf(),
        encoding,
        text,
        offsets,
        size,
        pub_date,
        pub_date_source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let (t, e, m) = decode("工会".as_bytes().to_vec()).unwrap();
        assert_eq!((t.as_str(), e), ("工会", "utf-8"));
        assert_eq!(m.to_file(3), 3);
        let (t, _, m) = decode(b"\xEF\xBB\xBF\xE5\xB7\xA5".to_vec()).unwrap();
        assert_eq!(t, "工");
        assert_eq!(m.to_file(0), 3);
    }

    #[test]
    fn gb18030_and_utf16_decode_with_offsets() {
        let src = "本报讯1700万元";
        let (gb, _, _) = GB18030.encode(src);
        let (t, e, m) = decode(gb.to_vec()).unwrap();
        assert_eq!((t.as_str(), e), (src, "gb18030"));
        // 本报讯 are 2 bytes each in GB18030; "1" starts at byte 6 in the file, byte 9 decoded.
        assert_eq!(m.to_file(9), 6);
        assert_eq!(m.to_file(t.len()), gb.len());

        let mut le = vec![0xFF, 0xFE];
        for u in src.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        let (t, e, m) = decode(le.clone()).unwrap();
        assert_eq!((t.as_str(), e), (src, "utf-16le"));
        assert_eq!(m.to_file(9), 2 + 6);
    }

    #[test]
    fn empty_binary_and_undecodable_are_refused() {
        assert_eq!(decode(Vec::new()).unwrap_err().0, "empty");
        assert_eq!(decode(b" \n\t".to_vec()).unwrap_err().0, "empty");
        assert_eq!(decode(b"\x7fELF\x02\x01\x00\x00".to_vec()).unwrap_err().0, "binary");
        // 0x81 0x20 is invalid in both UTF-8 and GB18030.
        assert_eq!(decode(vec![0x81, 0x20, 0x81, 0x20]).unwrap_err().0, "undecodable");
    }

    #[test]
    fn file_name_dates() {
        assert_eq!(file_name_date("gongren_2024-10-25_p3.txt"), NaiveDate::from_ymd_opt(2024, 10, 25));
        assert_eq!(file_name_date("20241025.txt"), NaiveDate::from_ymd_opt(2024, 10, 25));
        assert_eq!(file_name_date("000_d5dc12542ea4f5ae.txt"), None);
        assert_eq!(file_name_date("page_20241399.txt"), None);
    }
}
