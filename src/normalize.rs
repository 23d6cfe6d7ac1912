//! Stage 2 — normalise: one pass over the decoded text that
//! * maps full-width ASCII (digits, letters, `%` `.` `,` `(` …) to ASCII,
//! * removes the spaces OCR and PDF extraction put inside numbers and around them
//!   (`10 月 23 日`, `18.32 万份`, `近 1700\n万元`) and inside letter-spaced headlines,
//! * joins hard-wrapped lines into paragraphs without gluing headlines to bodies,
//! * strips markdown markers (`#`, `**`) but keeps them as headline hints,
//!
//! and records, for every byte of the result, where it came from in the decoded text, so that
//! every offset written out can be mapped back to the original file.

use regex::Regex;

/// One paragraph of the normalised text.
#[derive(Debug, Clone, PartialEq)]
pub struct Para {
    pub start: usize,
    pub end: usize,
    /// Markdown heading level of its first line (0 = none).
    pub md_level: u8,
    /// The whole first line was `**bold**`.
    pub bold: bool,
    /// Characters, not bytes.
    pub chars: usize,
    /// An empty line stands before it (pages join their articles with blank lines).
    pub blank_before: bool,
    /// Its first line is indented.
    pub indented: bool,
}

#[derive(Debug, Clone, Default)]
pub struct NormDoc {
    pub text: String,
    pub paras: Vec<Para>,
    sources: SourceMap,
}

/// Where each normalised character came from, stored only where the plain rule breaks: a
/// character normally starts where the previous one's source ended and is as long as it. Most
/// text is copied as it is, so a few entries per paragraph replace two offsets per byte.
#[derive(Debug, Clone, Default)]
struct SourceMap {
    /// (normalised offset of a character, its decoded-text start, its decoded-text end).
    breaks: Vec<(u32, u32, u32)>,
    /// Where the next character's source starts if it follows the rule.
    next_src: u32,
}

impl SourceMap {
    /// Add the entries of `other`, the map of a text appended at byte `at`. Its first character
    /// always has an entry, so the rule never runs across the join.
    fn append(&mut self, at: usize, other: &SourceMap) {
        self.breaks.extend(other.breaks.iter().map(|&(n, s, e)| (n + at as u32, s, e)));
        self.next_src = other.next_src;
    }

    fn push(&mut self, at: usize, len: usize, src_start: u32, src_end: u32) {
        if self.breaks.is_empty() || src_start != self.next_src || (src_end - src_start) as usize != len {
            self.breaks.push((at as u32, src_start, src_end));
        }
        self.next_src = src_end;
    }

    /// The decoded-text span of the character of `text` that holds byte `at` (< text.len()).
    fn char_source(&self, text: &str, at: usize) -> (usize, usize) {
        let at = text.floor_char_boundary(at);
        let i = self.breaks.partition_point(|b| b.0 as usize <= at) - 1;
        let (from, start, end) = self.breaks[i];
        let from = from as usize;
        if from == at {
            return (start as usize, end as usize);
        }
        let first_len = text[from..].chars().next().map_or(1, char::len_utf8);
        let start = end as usize + (at - from - first_len);
        (start, start + text[at..].chars().next().map_or(1, char::len_utf8))
    }
}

impl NormDoc {
    /// The decoded-text span a normalised span came from.
    pub fn source_span(&self, start: usize, end: usize) -> (usize, usize) {
        let len = self.text.len();
        if len == 0 || start >= end {
            let at = if start < len { self.sources.char_source(&self.text, start).0 } else { 0 };
            return (at, at);
        }
        let s = self.sources.char_source(&self.text, start.min(len - 1)).0;
        let e = self.sources.char_source(&self.text, (end - 1).min(len - 1)).1;
        (s, e.max(s))
    }

    pub fn para_text(&self, p: &Para) -> &str {
        &self.text[p.start..p.end]
    }
}

/// Paragraph cues supplied by the segmentation rules, so both stages agree.
pub struct Normalizer {
    /// Lines that always begin a paragraph (leads, bylines, box headers, continuation marks).
    pub opens: Regex,
    /// Lines that are complete on their own (bylines, photo credits, box headers, continuation marks).
    pub closes: Regex,
    /// Longest line (in characters) that can still be a headline.
    pub heading_max_chars: usize,
}

/// Text after character mapping, with where its characters came from.
#[derive(Default)]
struct MappedText {
    text: String,
    sources: SourceMap,
    chars: usize,
}

impl MappedText {
    fn push(&mut self, (c, src_start, src_end): (char, u32, u32)) {
        self.sources.push(self.text.len(), c.len_utf8(), src_start, src_end);
        self.text.push(c);
        self.chars += 1;
    }

    /// Where the source of the last character ends (0 when empty).
    fn source_end(&self) -> u32 {
        if self.chars == 0 { 0 } else { self.sources.next_src }
    }
}

/// A line after character mapping.
struct Line {
    mapped: MappedText,
    md_level: u8,
    bold: bool,
    /// Starts with indentation (U+3000, spaces, a tab): a body paragraph in web layouts.
    indented: bool,
}

impl Line {
    fn len(&self) -> usize {
        self.mapped.chars
    }

    fn text(&self) -> &str {
        &self.mapped.text
    }
}

pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}' | '〇')
}

/// Punctuation that OCR pads with spaces; a space next to it is noise.
fn is_punct(c: char) -> bool {
    matches!(
        c,
        '“' | '”'
            | '‘'
            | '’'
            | '《'
            | '》'
            | '、'
            | '。'
            | '('
            | ')'
            | ','
            | '.'
            | ':'
            | ';'
            | '!'
            | '?'
            | '%'
            | '—'
            | '…'
            | '·'
            | '「'
            | '」'
            | '『'
            | '』'
            | '〈'
            | '〉'
            | '【'
            | '】'
            | '~'
            | '-'
            | '/'
            | '+'
    )
}

/// Sentence-final: a line ending here ends its paragraph.
fn ends_paragraph(text: &str) -> bool {
    let final_punct = |c: char| matches!(c, '。' | '!' | '?' | ';' | '…' | '—');
    let mut from_end = text.chars().rev();
    match from_end.next() {
        None => true,
        Some(c) if final_punct(c) => true,
        Some('”' | '’' | '」' | '』' | ')') => from_end.next().is_some_and(final_punct),
        _ => false,
    }
}

/// Map one character: full-width ASCII to ASCII, odd spaces to a plain space.
fn map_char(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' | '\u{a0}' | '\t' | '\u{2002}'..='\u{200b}' | '\u{feff}' => ' ',
        _ => c,
    }
}

/// Character mapping and space removal for one raw line (without markdown handling).
/// `mapped` is scratch space, reused across lines.
fn map_line(raw: &str, base: usize, out: &mut MappedText, mapped: &mut Vec<(char, u32, u32)>) {
    mapped.clear();
    mapped.extend(
        raw.char_indices()
            .map(|(i, c)| (map_char(c), (base + i) as u32, (base + i + c.len_utf8()) as u32))
            .filter(|c| c.0 != '\r'),
    );
    let mapped = &mapped[..];
    let isolated = |i: usize| -> bool {
        // A CJK char with a space or the line edge on both sides: part of a letter-spaced run.
        let before = i == 0 || mapped[i - 1].0 == ' ' || is_punct(mapped[i - 1].0);
        let after = i + 1 >= mapped.len() || mapped[i + 1].0 == ' ' || is_punct(mapped[i + 1].0);
        before && after && is_cjk(mapped[i].0)
    };
    let mut i = 0;
    while i < mapped.len() {
        if mapped[i].0 != ' ' {
            out.push(mapped[i]);
            i += 1;
            continue;
        }
        let run_start = i;
        while i < mapped.len() && mapped[i].0 == ' ' {
            i += 1;
        }
        if run_start == 0 || i >= mapped.len() {
            continue; // leading / trailing spaces
        }
        let (l, r) = (mapped[run_start - 1].0, mapped[i].0);
        let drop = l.is_ascii_digit()
            || r.is_ascii_digit()
            || is_punct(l)
            || is_punct(r)
            || (isolated(run_start - 1) && isolated(i));
        if !drop {
            out.push((' ', mapped[run_start].1, mapped[run_start].2));
        }
    }
}

/// Normalise a fragment as one paragraph (used to check that output spans map back).
pub fn normalize_fragment(s: &str) -> String {
    let (mut out, mut scratch) = (MappedText::default(), Vec::new());
    for line in s.split('\n') {
        for piece in line.split("**") {
            map_line(piece, 0, &mut out, &mut scratch);
        }
    }
    out.text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn split_markdown(raw: &str) -> (u8, &str, usize) {
    let trimmed = raw.trim_start();
    let lead = raw.len() - trimmed.len();
    let hashes = trimmed.bytes().take_while(|&b| b == b'#').count();
    if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with([' ', '\u{3000}']) {
        return (hashes as u8, &trimmed[hashes..], lead + hashes);
    }
    (0, raw, 0)
}

fn parse_line(raw: &str, base: usize, scratch: &mut Vec<(char, u32, u32)>) -> Line {
    let (md_level, rest, skip) = split_markdown(raw);
    let trimmed = rest.trim();
    let bold =
        trimmed.len() > 4 && trimmed.starts_with("**") && trimmed.ends_with("**") && trimmed.matches("**").count() == 2;
    let mut mapped = MappedText { text: String::with_capacity(rest.len()), ..MappedText::default() };
    // Emphasis markers anywhere (`**本报讯**`) are dropped; the text between them is kept.
    let mut pos = 0;
    for piece in rest.split("**") {
        map_line(piece, base + skip + pos, &mut mapped, scratch);
        pos += piece.len() + 2;
    }
    let indented = raw.starts_with(['\u{3000}', ' ', '\t']);
    Line { mapped, md_level, bold, indented }
}

impl Normalizer {
    pub fn normalize(&self, text: &str) -> NormDoc {
        let mut lines = Vec::new();
        let mut blank_before = Vec::new();
        let mut blank = false;
        let mut offset = 0;
        let mut scratch = Vec::new();
        for raw in text.split('\n') {
            let line = parse_line(raw, offset, &mut scratch);
            offset += raw.len() + 1;
            if line.len() == 0 {
                blank = true;
            } else {
                lines.push(line);
                blank_before.push(std::mem::take(&mut blank));
            }
        }
        let wrap = local_wrap_widths(&lines);
        // The result is about as long as the input: one allocation each instead of regrowth.
        let mut doc =
            NormDoc { text: String::with_capacity(text.len()), paras: Vec::new(), sources: SourceMap::default() };
        let mut i = 0;
        while i < lines.len() {
            let first = &lines[i];
            let para_start = doc.text.len();
            let mut chars = 0;
            let mut j = i;
            loop {
                doc.sources.append(doc.text.len(), &lines[j].mapped.sources);
                doc.text.push_str(lines[j].text());
                chars += lines[j].len();
                // An indented line always starts a new paragraph (web layouts indent each one).
                if j + 1 >= lines.len()
                    || lines[j + 1].indented
                    || !self.joins(&lines[j], &lines[j + 1], wrap.as_ref().map(|w| w[j]))
                {
                    break;
                }
                j += 1;
            }
            doc.paras.push(Para {
                start: para_start,
                end: doc.text.len(),
                md_level: first.md_level,
                bold: first.bold,
                chars,
                blank_before: blank_before[i],
                indented: first.indented,
            });
            let last = lines[j].mapped.source_end();
            doc.sources.push(doc.text.len(), 1, last, last);
            doc.text.push('\n');
            i = j + 1;
        }
        doc
    }

    /// Does `line` continue into `next` (a hard wrap inside one paragraph)?
    fn joins(&self, line: &Line, next: &Line, wrap: Option<usize>) -> bool {
        if line.md_level > 0 || line.bold || next.md_level > 0 || next.bold || ends_paragraph(line.text()) {
            return false;
        }
        let (next_text, this_text) = (next.text(), line.text());
        if self.opens.is_match(next_text) || self.closes.is_match(this_text) {
            return false;
        }
        if next.len() <= 24 && self.closes.is_match(next_text) {
            return false; // a credit line of its own
        }
        let heading_shaped = |l: &Line, t: &str| {
            l.len() <= self.heading_max_chars && !t.contains('。') && (!ends_paragraph(l.text()) || t.ends_with("——"))
        };
        let full_width = match wrap {
            Some(w) => line.len() * 4 >= w * 3,
            // Long unwrapped lines break anywhere; the rest of the paragraph is not a headline.
            None => line.len() > self.heading_max_chars && !heading_shaped(next, next_text),
        };
        // A short unfinished line with a clause break inside, followed by a long line, is a
        // wrapped sentence; without one it is more likely a headline.
        let clause_inside = this_text.contains([',', '、', ';', ':']);
        // A number is never the last word of a headline: `近 1700\n万元` is one phrase.
        let number_then_unit = this_text.ends_with(|c: char| c.is_ascii_digit()) && next_text.starts_with(is_cjk);
        full_width || number_then_unit || (clause_inside && next.len() > self.heading_max_chars)
    }
}

/// Per line, the wrap width of its neighbourhood when the document is hard-wrapped (PDF
/// extraction wraps every ~20 characters; the width changes between columns of one page).
fn local_wrap_widths(lines: &[Line]) -> Option<Vec<usize>> {
    let body = |l: &Line| l.md_level == 0 && l.len() >= 6;
    let mut lens: Vec<usize> = lines.iter().filter(|l| body(l)).map(|l| l.len()).collect();
    if lens.len() < 8 {
        return None;
    }
    lens.sort_unstable();
    if lens[lens.len() / 2] > 40 {
        return None;
    }
    const WINDOW: usize = 6;
    Some(
        (0..lines.len())
            .map(|i| {
                let mut near: Vec<usize> = (i.saturating_sub(WINDOW)..(i + WINDOW + 1).min(lines.len()))
                    .filter(|&j| j != i && body(&lines[j]))
                    .map(|j| lines[j].len())
                    .collect();
                near.sort_unstable();
                near.get(near.len() / 2).copied().unwrap_or(lens[lens.len() / 2])
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalizer() -> Normalizer {
        Normalizer {
            opens: Regex::new(r"^(本报讯|本报记者|阅读提示)").unwrap(),
            closes: Regex::new(r"^(本报记者|阅读提示)|摄\)?$").unwrap(),
            heading_max_chars: 45,
        }
    }

    #[test]
    fn maps_full_width_and_removes_spaces_in_numbers() {
        let doc = normalizer().normalize("１０ 月 ２３ 日，签订 18.32 万份，近 1700\n\n万元。");
        assert_eq!(doc.text, "10月23日,签订18.32万份,近1700万元。\n");
        assert_eq!(doc.paras.len(), 1);
    }

    #[test]
    fn keeps_spaces_between_names_and_collapses_letter_spacing() {
        let doc =
            normalizer().normalize("本报记者 余嘉熙 本报通讯员 王佳宁\n座 谈 会 在 河 北 召 开\n“ 名 师 领 航 ”行 动");
        let paras: Vec<&str> = doc.paras.iter().map(|p| doc.para_text(p)).collect();
        assert_eq!(paras, vec!["本报记者 余嘉熙 本报通讯员 王佳宁", "座谈会在河北召开", "“名师领航”行动"]);
    }

    #[test]
    fn offsets_point_into_the_source() {
        let src = "# 标题\n\n近 1700\n\n万元的工资。";
        let doc = normalizer().normalize(src);
        let at = doc.text.find("近1700万元").unwrap();
        let (s, e) = doc.source_span(at, at + "近1700万元".len());
        assert_eq!(&src[s..e], "近 1700\n\n万元");
        assert_eq!(normalize_fragment(&src[s..e]), "近1700万元");
        assert_eq!(doc.paras[0].md_level, 1);
        assert_eq!(doc.para_text(&doc.paras[0]), "标题");
    }

    #[test]
    fn joins_hard_wraps_but_not_headlines() {
        // A PDF page wrapped at ~18 characters with a headline after the body.
        let mut src = String::new();
        for _ in 0..6 {
            src.push_str("为实现矛盾化解在基层问题解决于萌芽近年\n\n");
        }
        src.push_str(
            "来洛阳市总积极推行律师入企驻点工作。\n\n内蒙古工会送医到基层\n\n本报讯 (记者李玉波)近日,工会开展义诊。\n",
        );
        let doc = normalizer().normalize(&src);
        let paras: Vec<&str> = doc.paras.iter().map(|p| doc.para_text(p)).collect();
        assert_eq!(paras.len(), 3, "{paras:?}");
        assert!(paras[0].ends_with("推行律师入企驻点工作。"));
        assert_eq!(paras[1], "内蒙古工会送医到基层");
        assert!(paras[2].starts_with("本报讯(记者李玉波)"));
    }

    #[test]
    fn bold_and_inline_emphasis() {
        let doc = normalizer().normalize("**成果转化实现双丰收**  \n**本报讯**（记者裴龙翔）日前,工会开展活动。");
        assert!(doc.paras[0].bold);
        assert_eq!(doc.para_text(&doc.paras[0]), "成果转化实现双丰收");
        assert_eq!(doc.para_text(&doc.paras[1]), "本报讯(记者裴龙翔)日前,工会开展活动。");
    }

    proptest::proptest! {
        /// Any span of whole characters of a paragraph maps back to a source slice that
        /// normalises to the same text (whitespace aside).
        #[test]
        fn spans_map_back_to_the_source(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "近", " ", "1700", "１７", "\n", "\n\n", "万元", "，", "。", "# ", "**", "本报讯", "(记者张三)", "\u{3000}", "名", "职工", "10 月", " 23 日", "座 谈 会",
        ]), 0..40)) {
            let src: String = pieces.concat();
            let n = normalizer();
            let doc = n.normalize(&src);
            for p in &doc.paras {
                let text = doc.para_text(p);
                let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
                for w in bounds.windows(2).step_by(3) {
                    let (s, e) = doc.source_span(p.start + w[0], p.start + w[1]);
                    let want: String = text[w[0]..w[1]].chars().filter(|c| !c.is_whitespace()).collect();
                    proptest::prop_assert_eq!(normalize_fragment(&src[s..e]), want);
                }
            }
        }
    }
}
