//! Stage 3 — segment: cut a normalised page into articles.
//!
//! Paragraphs are classified by the cues of `rules/segment.toml` (leads, bylines, photo
//! credits, continuation markers, boxes) and by shape (markdown level, short unfinished lines
//! are headlines). Two layouts are handled: headlines before their body (the usual web and
//! markdown rendering) and headlines after it (PDF extraction, seed 001), detected per page.

use std::collections::VecDeque;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use crate::normalize::{NormDoc, Normalizer, Para, is_cjk};
use crate::rules::{IdSet, RuleError, RuleSource, Spanned};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    heading_max_chars: usize,
    #[serde(default)]
    lead: Vec<PatternRule>,
    #[serde(default)]
    byline: Vec<PatternRule>,
    #[serde(default)]
    photo_credit: Vec<PatternRule>,
    #[serde(default)]
    closing_byline: Vec<PatternRule>,
    #[serde(default)]
    section: Vec<PatternRule>,
    #[serde(default)]
    continuation: Vec<PatternRule>,
    #[serde(default, rename = "box")]
    boxes: Vec<PatternRule>,
    #[serde(default)]
    box_signature: Vec<PatternRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternRule {
    id: Spanned<String>,
    pattern: Spanned<String>,
}

/// Compiled segmentation rules.
pub struct Segmenter {
    normalizer: Normalizer,
    heading_max_chars: usize,
    lead: Vec<(String, Regex)>,
    byline: Regex,
    photo_credit: Regex,
    closing_byline: Regex,
    section: Regex,
    continuation: Regex,
    boxes: Regex,
    box_signature: Regex,
}

fn compile(src: &RuleSource, ids: &mut IdSet, rules: &[PatternRule]) -> Result<Vec<(String, Regex)>, RuleError> {
    rules
        .iter()
        .map(|r| {
            ids.insert(src, &r.id)?;
            Ok((r.id.get_ref().clone(), src.regex(&r.pattern)?))
        })
        .collect()
}

/// One regex for a class of cues (an alternation compiled once, matched once per paragraph).
fn union(parts: &[(String, Regex)]) -> Regex {
    let joined = parts.iter().map(|(_, r)| format!("(?:{})", r.as_str())).collect::<Vec<_>>().join("|");
    Regex::new(if joined.is_empty() { "[^\\s\\S]" } else { &joined }).expect("union of valid regexes is valid")
}

impl Segmenter {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        Self::load(&RuleSource::read(&dir.join("segment.toml"))?)
    }

    pub fn load(src: &RuleSource) -> Result<Self, RuleError> {
        let file: RuleFile = src.parse()?;
        let mut ids = IdSet::default();
        let lead = compile(src, &mut ids, &file.lead)?;
        let byline = union(&compile(src, &mut ids, &file.byline)?);
        let photo_credit = union(&compile(src, &mut ids, &file.photo_credit)?);
        let closing_byline = union(&compile(src, &mut ids, &file.closing_byline)?);
        let section = union(&compile(src, &mut ids, &file.section)?);
        let continuation = union(&compile(src, &mut ids, &file.continuation)?);
        let boxes = union(&compile(src, &mut ids, &file.boxes)?);
        let box_signature = union(&compile(src, &mut ids, &file.box_signature)?);
        // The normaliser must never glue a lead, byline, credit or box header to its neighbours.
        let any = |rs: &[&Regex]| {
            let joined: Vec<String> = rs.iter().map(|r| format!("(?:{})", r.as_str())).collect();
            Regex::new(&joined.join("|")).expect("union of valid regexes is valid")
        };
        let mut opens: Vec<&Regex> = lead.iter().map(|(_, r)| r).collect();
        opens.extend([&byline, &continuation, &boxes, &section]);
        let normalizer = Normalizer {
            opens: any(&opens),
            closes: any(&[&byline, &photo_credit, &closing_byline, &continuation, &boxes, &section]),
            heading_max_chars: file.heading_max_chars,
        };
        Ok(Self {
            normalizer,
            heading_max_chars: file.heading_max_chars,
            lead,
            byline,
            photo_credit,
            closing_byline,
            section,
            continuation,
            boxes,
            box_signature,
        })
    }

    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Title,
    Body,
    /// A 阅读提示-style box or its header: restates figures of the body.
    Box,
    Section,
    Byline,
    Credit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArticlePara {
    pub start: usize,
    pub end: usize,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub index: usize,
    pub title: String,
    pub kind: &'static str,
    pub byline: String,
    pub lead: String,
    /// Normalised offsets covering all of its paragraphs.
    pub start: usize,
    pub end: usize,
    /// Where the body proper begins (after the lead marker).
    pub body_start: usize,
    pub paras: Vec<ArticlePara>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Class {
    Heading,
    Section,
    Lead(usize),
    Byline,
    /// `(本报记者 吕中正)` after the body: ends the item it signs.
    ClosingByline,
    Credit,
    CaptionWithCredit,
    Continuation,
    BoxHeader,
    Body,
}

#[derive(Default)]
struct Builder {
    paras: Vec<ArticlePara>,
    title: Vec<String>,
    byline: String,
    lead_at: Option<usize>,
    has_marker: bool,
    has_body: bool,
    from_heading: bool,
    photo: bool,
}

impl Builder {
    fn push(&mut self, p: &Para, role: Role) {
        self.paras.push(ArticlePara { start: p.start, end: p.end, role });
        if matches!(role, Role::Body | Role::Box) {
            self.has_body = true;
        }
    }
}

/// The `lead` of ANNOTATION.md: the first 12 characters of the body, whitespace removed.
pub fn lead_of(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).take(12).collect()
}

impl Segmenter {
    fn ends_paragraph(text: &str) -> bool {
        let t = text.trim_end_matches(['”', '’', ')', '」', '』']);
        t.ends_with(['。', '!', '?', ';', '…'])
    }

    /// `indented_layout`: body paragraphs are indented (web edition); an unindented paragraph
    /// without a full stop is then a headline line, however long.
    fn classify(&self, doc: &NormDoc, p: &Para, indented_layout: bool) -> Class {
        let text = doc.para_text(p);
        if self.boxes.is_match(text) {
            return Class::BoxHeader;
        }
        if p.md_level >= 3
            || (p.bold && !self.lead.iter().any(|(_, r)| r.is_match(text)))
            || self.section.is_match(text)
        {
            return Class::Section;
        }
        if self.closing_byline.is_match(text) {
            return Class::ClosingByline;
        }
        if let Some(m) = self.lead.iter().find_map(|(_, r)| r.find(text)) {
            return Class::Lead(p.start + m.end());
        }
        if self.byline.is_match(text) {
            return Class::Byline;
        }
        if self.continuation.is_match(text) {
            return Class::Continuation;
        }
        if self.photo_credit.is_match(text) {
            return if p.chars <= 24 { Class::Credit } else { Class::CaptionWithCredit };
        }
        // A kicker (引题) ends with a dash and leads into the headline.
        if p.md_level >= 1 || (text.ends_with("——") && p.chars <= 2 * self.heading_max_chars) {
            return Class::Heading;
        }
        if p.chars <= self.heading_max_chars && !Self::ends_paragraph(text) && !text.contains('。') {
            return Class::Heading;
        }
        if indented_layout && !p.indented && p.chars <= 2 * self.heading_max_chars && !text.contains('。') {
            return Class::Heading;
        }
        Class::Body
    }

    pub fn segment(&self, doc: &NormDoc) -> Vec<Article> {
        let indented_layout = doc.paras.iter().filter(|p| p.indented).count() * 2 > doc.paras.len();
        let mut classes: Vec<Class> = doc.paras.iter().map(|p| self.classify(doc, p, indented_layout)).collect();
        // An author's name alone under a sub-headline (肯付出才能收获最美风景 / 徐卫清) signs the item.
        for i in 1..classes.len().saturating_sub(1) {
            if !(classes[i] == Class::Heading && classes[i - 1] == Class::Heading && classes[i + 1] == Class::Body) {
                continue;
            }
            let name: String = doc.para_text(&doc.paras[i]).chars().filter(|c| !c.is_whitespace()).collect();
            let name_like = (2..=4).contains(&name.chars().count()) && name.chars().all(is_cjk);
            if name_like && !self.section.is_match(&name) {
                classes[i] = Class::Byline;
            }
        }
        let headline_after_body = matches!(classes.first(), Some(Class::Body | Class::CaptionWithCredit));
        let built = if headline_after_body {
            self.titles_after(doc, &classes)
        } else {
            self.titles_before(doc, &classes, indented_layout)
        };
        built.into_iter().filter(|b| !b.paras.is_empty()).enumerate().map(|(i, b)| finish(doc, i, b)).collect()
    }

    /// Usual layout: headline block, then lead and body.
    fn titles_before(&self, doc: &NormDoc, classes: &[Class], indented_layout: bool) -> Vec<Builder> {
        let mut done = Vec::new();
        let mut cur: Option<Builder> = None;
        let mut block: Vec<usize> = Vec::new();
        let mut queued: VecDeque<Vec<usize>> = VecDeque::new();
        // Paragraphs still to come of a box (核心阅读, 编者按) before the body proper.
        let mut box_left = 0usize;
        // A box runs to the lead marker when one follows soon (Workers' Daily 阅读提示); else it
        // is its header line's own text (编者按:…) or the one paragraph after a bare header.
        let box_extent = |i: usize| {
            if classes.iter().skip(i + 1).take(5).any(|c| matches!(c, Class::Lead(_) | Class::Byline)) {
                usize::MAX
            } else if let Some(n) = doc.paras.iter().skip(i + 1).take(6).position(|p| p.blank_before).filter(|&n| n > 0)
            {
                // A box set off from the body by a blank line (核心阅读 of the web edition).
                n
            } else if doc.paras[i].chars > 6 {
                0
            } else {
                1
            }
        };
        let paras = &doc.paras;
        let body_follows = |i: usize| matches!(classes.get(i + 1), Some(Class::Body));
        // A sub-heading of one to three lines (a kicker ending in —— and its line) before body.
        let heading_run_then_body = |i: usize| {
            let n = classes[i..].iter().take_while(|c| matches!(c, Class::Heading)).count();
            n <= 3 && matches!(classes.get(i + n), Some(Class::Body))
        };
        let photo_ahead = |i: usize| {
            classes.iter().skip(i + 1).take(5).any(|c| matches!(c, Class::Credit | Class::CaptionWithCredit))
        };

        let open_from_block = |block: &mut Vec<usize>,
                               queued: &mut VecDeque<Vec<usize>>,
                               cur: &mut Option<Builder>,
                               done: &mut Vec<Builder>| {
            if let Some(b) = cur.take() {
                done.push(b);
            }
            let mut b = Builder { from_heading: true, ..Builder::default() };
            // A block can hold the headlines of several articles (`#` starts each group).
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for &i in block.iter() {
                if groups.is_empty() || paras[i].md_level == 1 && groups.last().is_some_and(|g| !g.is_empty()) {
                    groups.push(Vec::new());
                }
                if let Some(g) = groups.last_mut() {
                    g.push(i);
                }
            }
            let mut groups = groups.into_iter();
            for &i in block.iter() {
                b.push(&paras[i], Role::Title);
            }
            if let Some(first) = groups.next() {
                b.title = first.iter().map(|&i| doc.para_text(&paras[i]).to_string()).collect();
            }
            queued.extend(groups);
            block.clear();
            *cur = Some(b);
        };

        for (i, p) in paras.iter().enumerate() {
            match classes[i] {
                Class::Heading => {
                    // After a lead or byline a heading is a section label (镜头, 寄语), body or not yet.
                    let in_news = cur.as_ref().is_some_and(|c| c.has_marker);
                    // A feature under its own headline keeps its sub-headings. A blank line starts
                    // a new item only when that item is signed by a byline under its headline;
                    // in the web layout an unindented heading is always a page's next headline.
                    let signed_item = p.blank_before
                        && classes.iter().skip(i + 1).take(4).any(|c| matches!(c, Class::Byline | Class::Lead(_)));
                    let page_headline = indented_layout && !p.indented;
                    let in_feature =
                        cur.as_ref().is_some_and(|c| c.from_heading && c.has_body) && !signed_item && !page_headline;
                    // A plain one-line heading inside a running article is a section head.
                    if p.md_level == 0
                        && block.is_empty()
                        && ((in_news && body_follows(i)) || (in_feature && heading_run_then_body(i)))
                        && !photo_ahead(i)
                    {
                        if let Some(c) = cur.as_mut() {
                            c.push(p, Role::Section);
                        }
                    } else {
                        block.push(i);
                    }
                }
                Class::BoxHeader => {
                    box_left = box_extent(i);
                    if block.is_empty() {
                        cur.get_or_insert_with(Builder::default).push(p, Role::Box);
                    } else {
                        block.push(i);
                    }
                }
                Class::Section => cur.get_or_insert_with(Builder::default).push(p, Role::Section),
                Class::Byline if i > 0 && classes[i - 1] == Class::Byline => {
                    if let Some(c) = cur.as_mut() {
                        c.push(p, Role::Byline);
                        c.byline = format!("{} {}", c.byline, doc.para_text(p));
                    }
                }
                Class::Lead(_) | Class::Byline => {
                    box_left = 0;
                    if !block.is_empty() {
                        open_from_block(&mut block, &mut queued, &mut cur, &mut done);
                    } else if cur.as_ref().is_none_or(|c| c.has_marker || (c.has_body && !c.from_heading)) {
                        if let Some(b) = cur.take() {
                            done.push(b);
                        }
                        let mut b = Builder::default();
                        if let Some(g) = queued.pop_front() {
                            b.title = g.iter().map(|&i| doc.para_text(&paras[i]).to_string()).collect();
                        }
                        cur = Some(b);
                    }
                    let c = cur.get_or_insert_with(Builder::default);
                    c.has_marker = true;
                    if let Class::Lead(at) = classes[i] {
                        c.push(p, Role::Body);
                        if at < p.end {
                            c.lead_at = Some(at);
                        }
                        c.byline = doc.text[p.start..at].to_string();
                    } else {
                        c.push(p, Role::Byline);
                        c.byline = doc.para_text(p).to_string();
                    }
                }
                Class::Credit => {
                    let c = cur.get_or_insert_with(Builder::default);
                    c.push(p, Role::Credit);
                    c.photo = true;
                    done.extend(cur.take());
                }
                Class::ClosingByline => {
                    // A signature, not a lead byline: the body start stays where it was.
                    let c = cur.get_or_insert_with(Builder::default);
                    c.push(p, Role::Credit);
                    c.byline = doc.para_text(p).trim_matches(['(', ')']).to_string();
                    done.extend(cur.take());
                }
                Class::CaptionWithCredit => {
                    if !block.is_empty() {
                        open_from_block(&mut block, &mut queued, &mut cur, &mut done);
                    } else if cur.as_ref().is_none_or(|c| c.has_marker) {
                        done.extend(cur.take());
                        cur = Some(Builder::default());
                    }
                    let c = cur.get_or_insert_with(Builder::default);
                    c.push(p, Role::Body);
                    c.photo = true;
                    done.extend(cur.take());
                }
                Class::Continuation => {
                    cur.get_or_insert_with(Builder::default).push(p, Role::Section);
                    done.extend(cur.take());
                }
                Class::Body => {
                    if !block.is_empty() {
                        open_from_block(&mut block, &mut queued, &mut cur, &mut done);
                        box_left = (0..i)
                            .rev()
                            .take_while(|&j| !matches!(classes[j], Class::Body))
                            .find(|&j| matches!(classes[j], Class::BoxHeader))
                            // Less what the headline block already took after the box header.
                            .map_or(0, |j| box_extent(j).saturating_sub(i - j - 1));
                    }
                    // An epigraph or editor's note signed at its end (——习近平, ——编者) and set
                    // off by a blank line is a box: the body starts after it.
                    if !cur.as_ref().is_some_and(|c| c.has_body)
                        && let Some(k) = (i..paras.len().min(i + 4)).find(|&k| {
                            self.box_signature.is_match(doc.para_text(&paras[k]))
                                && paras.get(k + 1).is_some_and(|next| next.blank_before)
                        })
                    {
                        // Counted in body paragraphs, as `box_left` is spent.
                        box_left = box_left.max((i..=k).filter(|&j| matches!(classes[j], Class::Body)).count());
                    }
                    let in_box = box_left > 0;
                    if box_left != usize::MAX {
                        box_left = box_left.saturating_sub(1);
                    }
                    let c = cur.get_or_insert_with(Builder::default);
                    c.push(p, if in_box { Role::Box } else { Role::Body });
                }
            }
        }
        if !block.is_empty() {
            let c = cur.get_or_insert_with(Builder::default);
            for &i in &block {
                c.push(&paras[i], Role::Title);
            }
        }
        done.extend(cur);
        done
    }

    /// PDF layout: body first, its headline after it, then the next article.
    fn titles_after(&self, doc: &NormDoc, classes: &[Class]) -> Vec<Builder> {
        let mut done: Vec<Builder> = Vec::new();
        let mut cur: Option<Builder> = None;
        let mut title_target = false;
        for (i, p) in doc.paras.iter().enumerate() {
            match classes[i] {
                Class::Heading | Class::BoxHeader => {
                    done.extend(cur.take());
                    match done.last_mut() {
                        Some(last) if title_target || last.title.is_empty() => {
                            last.push(p, Role::Title);
                            last.title.push(doc.para_text(p).to_string());
                            title_target = true;
                        }
                        _ => {
                            let mut b = Builder::default();
                            b.push(p, Role::Title);
                            b.title.push(doc.para_text(p).to_string());
                            done.push(b);
                        }
                    }
                }
                Class::Lead(at) => {
                    title_target = false;
                    if cur.as_ref().is_some_and(|c| c.has_marker || c.has_body) {
                        done.extend(cur.take());
                    }
                    let c = cur.get_or_insert_with(Builder::default);
                    c.has_marker = true;
                    c.push(p, Role::Body);
                    if at < p.end {
                        c.lead_at = Some(at);
                    }
                    c.byline = doc.text[p.start..at].to_string();
                }
                Class::Byline => {
                    title_target = false;
                    if cur.as_ref().is_some_and(|c| c.has_marker || c.has_body) {
                        done.extend(cur.take());
                    }
                    let c = cur.get_or_insert_with(Builder::default);
                    c.has_marker = true;
                    c.push(p, Role::Byline);
                    c.byline = doc.para_text(p).to_string();
                }
                Class::Section => cur.get_or_insert_with(Builder::default).push(p, Role::Section),
                Class::Body => {
                    title_target = false;
                    cur.get_or_insert_with(Builder::default).push(p, Role::Body);
                }
                Class::Credit | Class::CaptionWithCredit => {
                    let role = if classes[i] == Class::Credit { Role::Credit } else { Role::Body };
                    let c = cur.get_or_insert_with(Builder::default);
                    c.push(p, role);
                    c.photo = true;
                    done.extend(cur.take());
                    title_target = true;
                }
                Class::ClosingByline => {
                    let c = cur.get_or_insert_with(Builder::default);
                    c.push(p, Role::Credit);
                    done.extend(cur.take());
                }
                Class::Continuation => {
                    cur.get_or_insert_with(Builder::default).push(p, Role::Section);
                    done.extend(cur.take());
                }
            }
        }
        done.extend(cur);
        done
    }
}

fn finish(doc: &NormDoc, index: usize, b: Builder) -> Article {
    let start = b.paras.iter().map(|p| p.start).min().unwrap_or(0);
    let end = b.paras.iter().map(|p| p.end).max().unwrap_or(0);
    let body_start = b.lead_at.unwrap_or_else(|| {
        let after_marker = b.paras.iter().position(|p| p.role == Role::Byline).map_or(0, |i| i + 1);
        b.paras
            .iter()
            .skip(after_marker)
            .find(|p| p.role == Role::Body)
            .or_else(|| b.paras.iter().find(|p| matches!(p.role, Role::Body | Role::Box)))
            .map_or(start, |p| p.start)
    });
    // A short first paragraph (“老马来了!”) continues into the next for the 12 characters.
    let lead_end = end.max(body_start);
    Article {
        index,
        title: b.title.join(" "),
        kind: if b.photo { "photo" } else { "news" },
        byline: b.byline.trim().to_string(),
        lead: lead_of(&doc.text[body_start..lead_end]),
        start,
        end,
        body_start,
        paras: b.paras,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg() -> Segmenter {
        Segmenter::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap()
    }

    fn leads(text: &str) -> Vec<(String, &'static str, String)> {
        let s = seg();
        let doc = s.normalizer().normalize(text);
        s.segment(&doc).into_iter().map(|a| (a.lead, a.kind, a.title)).collect()
    }

    #[test]
    fn headline_blocks_leads_and_photos() {
        let page = "# 某市总工会开展送清凉活动\n\n## 为一线职工送去清凉\n\n本报讯(记者张三)近日,某市总工会开展送清凉活动。\n\n活动共慰问职工2000人。\n\n本报(记者李四)10月5日,另一项活动举行,现场签订集体合同30份。\n\n# 义诊暖人心\n\n在环卫工人节来临之际,医务人员为环卫工人义诊。\n\n本报通讯员 王五 摄\n";
        let got = leads(page);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].0, "近日,某市总工会开展送清");
        assert_eq!(got[0].2, "某市总工会开展送清凉活动 为一线职工送去清凉");
        assert_eq!((got[1].0.as_str(), got[1].1), ("10月5日,另一项活动举", "news"));
        assert_eq!((got[2].0.as_str(), got[2].1), ("在环卫工人节来临之际,医", "photo"));
    }

    #[test]
    fn byline_line_puts_the_lead_on_the_next_paragraph() {
        let got =
            leads("出门步行几分钟就能乐享服务\n\n本报记者 彭冰 柳姗姗\n\n出门步行几分钟,就能便捷地办理工会业务。\n");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "出门步行几分钟,就能便捷");
    }

    #[test]
    fn headlines_after_body_in_pdf_layout() {
        let page = "不久前,因发生交通事故,司机到市总工会咨询,律师为他提供了全程免费指导。\n\n\
                    市总推行律师入企驻点\n\n\
                    本报讯 (记者李玉波)近日,某集团工会开展义诊活动,为539名职工提供服务。\n\n\
                    工会送医到基层\n";
        let got = leads(page);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "不久前,因发生交通事故,");
        assert_eq!(got[0].2, "市总推行律师入企驻点");
        assert_eq!(got[1].0, "近日,某集团工会开展义诊");
        assert_eq!(got[1].2, "工会送医到基层");
    }

    #[test]
    fn a_short_section_heading_inside_a_news_article_does_not_split_it() {
        let page = "吉林省总构建服务体系\n\n本报记者 彭冰\n\n走进职工服务中心,各项服务窗口依次排开,工作人员有序忙碌着。\n\n阵地实现空间贯通\n\n近年来,吉林省总对79家职工服务中心进行了提档升级,服务职工数量明显增加。\n";
        let got = leads(page);
        assert_eq!(got.len(), 1, "{got:?}");
    }

    // Web-edition layouts (People's Daily): unindented headline lines, indented paragraphs
    // (U+3000 U+3000), blank lines between items. Texts written for the tests.

    #[test]
    fn datelines_open_the_body_after_their_bracket() {
        let page = "某地开展就业帮扶\n\n\u{3000}\u{3000}本报银川1月9日电(记者张三)近日,某地组织专列输送务工人员。\n\u{3000}\u{3000}新华社电(记者李四)另一地举办招聘会。\n";
        let got = leads(page);
        assert_eq!(got[0].0, "近日,某地组织专列输送务");
        assert_eq!(got[1].0, "另一地举办招聘会。");
    }

    #[test]
    fn an_epigraph_or_note_signed_before_the_body_is_a_box() {
        let page = "住得更暖心 过得更舒心\n\n\u{3000}\u{3000}让老百姓过上好日子是我们一切工作的出发点和落脚点。\n\u{3000}\u{3000}——习近平\n\u{3000}\u{3000}\n\u{3000}\u{3000}隆冬时节,沈阳已是天寒地冻,走进多福社区。\n\u{3000}\u{3000}2013年8月30日,总书记专程来到多福社区考察。\n";
        assert_eq!(leads(page).iter().map(|l| l.0.as_str()).collect::<Vec<_>>(), ["隆冬时节,沈阳已是天寒地"]);
        // Not a box: a signature without a blank line after it, or one closing the body.
        let unspaced = page.replace("——习近平\n\u{3000}\u{3000}\n", "——习近平\n");
        assert_eq!(leads(&unspaced)[0].0, "让老百姓过上好日子是我们");
        let closing = "工会帮扶暖人心\n\n\u{3000}\u{3000}市总工会为500名困难职工送去慰问金。\n\u{3000}\u{3000}职工们纷纷表示感谢。\n\u{3000}\u{3000}——编者\n\u{3000}\u{3000}\n";
        assert_eq!(leads(closing)[0].0, "市总工会为500名困难职");
    }

    #[test]
    fn a_box_before_the_body_ends_at_the_blank_line() {
        let page = "全民医保迈向高质量\n\n\u{3000}\u{3000}核心阅读\n\u{3000}\u{3000}目前,基本医保制度已全面建立。\n\u{3000}\u{3000}面对多样化的需求,各地着力缩小差异。\n\u{3000}\u{3000}\n\u{3000}\u{3000}随着经济社会的发展,人们收入水平不断提升。\n";
        let got = leads(page);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "随着经济社会的发展,人们");
    }

    #[test]
    fn a_feature_keeps_its_sub_headings_and_signed_items_are_separate() {
        let feature = "落实六保加油干\n\n\u{3000}\u{3000}保居民就业——\n\u{3000}\u{3000}精准对接 吸纳更多人才\n\u{3000}\u{3000}灵活用工需求同比增长,超过30万家企业发布了招聘信息,各地人社部门积极搭建线上平台,帮助企业和求职者精准对接。\n\u{3000}\u{3000}保基本民生——\n\u{3000}\u{3000}发展产业 巩固脱贫成果\n\u{3000}\u{3000}5月12日,湖北省某村的扶贫产业已经全面恢复生产,村里的合作社正忙着组织村民采收油茶,预计今年产量将再创新高。\n";
        assert_eq!(leads(feature).len(), 1, "{:?}", leads(feature));
        let items = "走过天安门\n\n\u{3000}\u{3000}擎旗手郭凤通——\n\u{3000}\u{3000}手中的旗杆重千钧\n\u{3000}\u{3000}10月1日上午的天安门,旌旗猎猎、迎风招展,走在仪仗方队前方的三名擎旗手格外引人注目,他们步伐坚定,动作整齐划一。\n\u{3000}\u{3000}“高擎党旗引领受阅徒步方队通过天安门,我心中充满自豪。”对党旗擎旗手而言,党旗凝聚着军心,指引着方向,每一步都必须走得稳稳当当。\n\u{3000}\u{3000}“高擎党旗引领受阅徒步方队通过天安门,我心中充满自豪。”对党旗擎旗手而言,党旗凝聚着军心,指引着方向,每一步都必须走得稳稳当当。\n\u{3000}\u{3000}(倪光辉、刘侃)\n\u{3000}\u{3000}\n\u{3000}\u{3000}方队政委王谦——\n\u{3000}\u{3000}展现新时代军人风采\n\u{3000}\u{3000}10月1日凌晨,浩荡车队满载着受阅官兵从北京昌平区阅兵集训点驶向核心区,驶往天安门,官兵们精神饱满。\n\u{3000}\u{3000}武警部队方队由武警北京总队抽组而成,这是一支传承着红色基因、多次担负阅兵任务的光荣部队,官兵们为此苦练了一百多个日夜。\n\u{3000}\u{3000}武警部队方队由武警北京总队抽组而成,这是一支传承着红色基因、多次担负阅兵任务的光荣部队,官兵们为此苦练了一百多个日夜。\n\u{3000}\u{3000}(本报记者 吕中正)\n";
        let got = leads(items);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1].0, "10月1日凌晨,浩荡车队");
    }

    #[test]
    fn web_pages_unindented_headlines_and_signed_sub_items() {
        let page = "走向人机共舞的未来\n\n\u{3000}\u{3000}人工智能在各领域开花结果,科技进步带来的系统跃迁和资源重组并不以人的意志为转移,把吸纳新知当作燃油,将终身学习视为引擎,开掘职业发展新动力需要这样的坚持。\n\u{3000}\u{3000}人工智能在各领域开花结果,科技进步带来的系统跃迁和资源重组并不以人的意志为转移,把吸纳新知当作燃油,将终身学习视为引擎,开掘职业发展新动力需要这样的坚持。\n\n\n图片报道\n\n\u{3000}\u{3000}手持雪杖,脚踩滑雪板,顺着雪道向下滑行,这是不少人冬日里最快乐的事,如今随着冰雪运动的普及,越来越多的人走进滑雪场,感受运动带来的快乐与健康。\n\u{3000}\u{3000}手持雪杖,脚踩滑雪板,顺着雪道向下滑行,这是不少人冬日里最快乐的事,如今随着冰雪运动的普及,越来越多的人走进滑雪场,感受运动带来的快乐与健康。\n";
        let got = leads(page);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1].0, "手持雪杖,脚踩滑雪板,顺");
        let talk = "工作,应是实现价值的舞台\n\n\u{3000}\u{3000}人工智能在各领域开花结果,科技进步带来的系统跃迁和资源重组并不以人的意志为转移,把吸纳新知当作燃油,将终身学习视为引擎,开掘职业发展新动力需要这样的坚持。\n\u{3000}\u{3000}\n\u{3000}\u{3000}观念变化折射时代发展\n\u{3000}\u{3000}阎  语\n\u{3000}\u{3000}有朋友的孩子,大学毕业不到两年,就换了4份工作,父母责怪,孩子辩解说不多经历几份工作,怎么知道自己适合什么,年轻人求职观念的变化也是时代发展的缩影。\n\u{3000}\u{3000}有朋友的孩子,大学毕业不到两年,就换了4份工作,父母责怪,孩子辩解说不多经历几份工作,怎么知道自己适合什么,年轻人求职观念的变化也是时代发展的缩影。\n\u{3000}\u{3000}\n\u{3000}\u{3000}伙伴关系催生职场变革\n\u{3000}\u{3000}陆  洋\n\u{3000}\u{3000}工资不是最重要的了,这是95后们给当今职场带来的新空气,与其纠结于他们为何不问薪酬,不如看到他们更看重成长空间和工作意义,用人单位应该主动转变思维。\n\u{3000}\u{3000}工资不是最重要的了,这是95后们给当今职场带来的新空气,与其纠结于他们为何不问薪酬,不如看到他们更看重成长空间和工作意义,用人单位应该主动转变思维。\n";
        let got = leads(talk);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[1].0, "有朋友的孩子,大学毕业不");
        assert_eq!(got[2].0, "工资不是最重要的了,这是");
    }
}
