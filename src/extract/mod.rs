//! Stage 4 — extract and resolve: per article, the event row (type, place, date) and its
//! facts (quantities with metric, status, place and date), with provenance.

pub mod dates;
pub mod events;
pub mod facts;
pub mod literals;
pub mod numbers;
pub mod places;
pub mod plausibility;
pub mod quantity;

use std::ops::Range;
use std::path::Path;

use anyhow::Result;
use chrono::{Datelike, NaiveDate};

use crate::extract::dates::{DateGrammar, DateKind, DateMention, Grain};
use crate::extract::events::EventTyper;
use crate::extract::facts::{Fact, FactExtractor};
use crate::extract::places::{Attribution, Places};
use crate::extract::plausibility::Plausibility;
use crate::ingest::{PubDateSource, SourceDoc};
use crate::normalize::NormDoc;
use crate::report::output::{EventRow, FactRow, plain_number};
use crate::segment::{Article, Role};

pub struct Analyser {
    pub typer: EventTyper,
    pub facts: FactExtractor,
    pub places: Places,
    pub dates: DateGrammar,
    pub plausibility: Plausibility,
}

/// Per article (in order): its event row, its facts with the paragraph index of each, and per
/// paragraph the divisions it names.
pub struct DocFacts {
    pub events: Vec<EventRow>,
    pub facts: Vec<(Vec<FactRow>, Vec<usize>)>,
    pub places: Vec<Vec<Vec<u32>>>,
}

/// A resolved date: what the `date_*` columns hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DateCols {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub kind: &'static str,
}

impl DateCols {
    fn approx(pub_date: Option<NaiveDate>) -> Self {
        Self { start: pub_date, end: pub_date, kind: if pub_date.is_some() { "approx" } else { "" } }
    }
    /// Never a start after the end: `从12月起` in a February paper began last December.
    fn of(m: &DateMention) -> Self {
        let start = match (m.date_start, m.date_end) {
            (Some(s), Some(e)) if s > e && m.kind == DateKind::Since => s.with_year(s.year() - 1).filter(|s| *s <= e),
            (Some(s), Some(e)) if s > e => None,
            (s, _) => s,
        };
        Self { start, end: m.date_end, kind: m.kind.as_str() }
    }
}

fn iso(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Characters in UTF-8 bytes (those that do not continue a character), cut anywhere.
pub fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Character offsets of byte offsets into one document's text, counted from the offset asked
/// before: an article's and its facts' offsets come nearly in text order, so a document
/// costs about one pass.
struct CharOffsets<'a> {
    text: &'a [u8],
    base: usize,
    last: std::cell::Cell<(usize, usize)>,
}

impl<'a> CharOffsets<'a> {
    fn new(doc: &'a SourceDoc) -> Self {
        Self { text: doc.text.as_bytes(), base: doc.char_base, last: Default::default() }
    }

    fn at(&self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        let (b, c) = self.last.get();
        let chars = if byte >= b { c + chars_in(&self.text[b..byte]) } else { c - chars_in(&self.text[byte..b]) };
        self.last.set((byte, chars));
        self.base + chars
    }
}

fn shift(r: &Range<usize>, by: usize) -> Range<usize> {
    r.start.saturating_sub(by)..r.end.saturating_sub(by)
}

impl Analyser {
    pub fn load(rules_dir: &Path, gazetteer_dir: &Path) -> Result<Self> {
        Ok(Self {
            typer: EventTyper::from_dir(rules_dir)?,
            facts: FactExtractor::from_dir(rules_dir)?,
            places: Places::load(gazetteer_dir, rules_dir)?,
            dates: DateGrammar::from_dir(rules_dir)?,
            plausibility: Plausibility::from_dir(rules_dir)?,
        })
    }

    pub fn analyse(&self, doc: &SourceDoc, norm: &NormDoc, articles: &[Article]) -> DocFacts {
        let (pub_date, pub_source) = match doc.pub_date {
            Some(d) => (Some(d), doc.pub_date_source),
            None => match self.dates.infer_pub_date(&norm.text) {
                Some(d) => (Some(d), PubDateSource::Inferred),
                None => (None, PubDateSource::None),
            },
        };
        let mut out = DocFacts { events: Vec::new(), facts: Vec::new(), places: Vec::new() };
        let chars = CharOffsets::new(doc);
        for a in articles {
            let body = &norm.text[a.start..a.end];
            let places = self.places.analyse(&a.title, body, a.body_start.saturating_sub(a.start));
            // Without a publication date relative dates cannot be resolved: the date columns
            // stay empty rather than resolving against a made-up reference.
            let mentions: Vec<DateMention> = pub_date
                .map(|reference| self.dates.find_all(body, reference))
                .unwrap_or_default()
                .into_iter()
                .filter(|m| !m.future)
                .map(|mut m| {
                    m.start += a.start;
                    m.end += a.start;
                    m
                })
                .collect();
            let lead_para =
                a.paras.iter().find(|p| p.start <= a.body_start && a.body_start <= p.end && p.role == Role::Body);
            let lead_text = lead_para.map_or("", |p| &norm.text[a.body_start.max(p.start)..p.end]);
            // A labour event type needs a headline or lead about workers or unions: in a general
            // paper the typer's cues (调解, 帮扶, 培训) also fill court, poverty and school news.
            let (typed, _) = self.typer.classify(&a.title, lead_text, body);
            let labour_headline = self.facts.is_labour_headline(&a.title);
            let about_labour = labour_headline || self.facts.is_labour_headline(lead_text);
            let event_type = if about_labour { typed } else { "other" };
            let event_date = event_date(a, lead_para.map(|p| p.start..p.end), &mentions, pub_date, &self.dates);
            let (src_start, src_end) = norm.source_span(a.start, a.end);
            let event_id = format!("{}#{}", doc.rel, a.index);
            let char_start = chars.at(src_start);

            // Labour news: a labour event type under a headline about workers or unions (court
            // or medical mediation is typed dispute_resolution but is no labour news).
            let labour_news = event_type != "other" && labour_headline;
            let facts = self.facts.extract(&norm.text, a, labour_news);
            let mut rows = Vec::with_capacity(facts.len());
            let mut paras = Vec::with_capacity(facts.len());
            for (n, f) in facts.iter().enumerate() {
                let para = &a.paras[f.para];
                let place = places.attribute(
                    body,
                    shift(&f.clause, a.start),
                    shift(&f.sentence, a.start),
                    shift(&(para.start..para.end), a.start),
                );
                let date = fact_date(f, &mentions, &event_date);
                let target =
                    mentions.iter().any(|m| m.target && m.start >= f.sentence.start && m.end <= f.sentence.end);
                let future = matches!((date.start, pub_date), (Some(s), Some(p)) if s > p);
                let planned = f.planned || target || future;
                rows.push(self.fact_row(doc, norm, &chars, &event_id, n, f, &place, &date, planned));
                paras.push(f.para);
            }
            let venue = &places.venue;
            let venue_codes = venue.codes();
            out.events.push(EventRow {
                event_id: event_id.clone(),
                doc: doc.name.clone(),
                path: doc.rel.clone(),
                index: a.index,
                lead: a.lead.clone(),
                title: a.title.clone(),
                kind: a.kind.to_string(),
                event_type: event_type.to_string(),
                province: venue.province.clone(),
                prefecture: venue.prefecture.clone(),
                county: venue.county.clone(),
                province_code: venue_codes[0].clone(),
                prefecture_code: venue_codes[1].clone(),
                county_code: venue_codes[2].clone(),
                scope: venue.scope.clone(),
                date_start: iso(event_date.start),
                date_end: iso(event_date.end),
                date_kind: event_date.kind.to_string(),
                dup: false,
                dup_of: String::new(),
                byline: a.byline.clone(),
                start: doc.offsets.to_file(src_start),
                end: doc.offsets.to_file(src_end),
                char_start,
                // Counted after the facts, which lie between: one pass over the article.
                char_end: chars.at(src_end),
                pub_date: iso(pub_date),
                pub_date_source: pub_source.as_str().to_string(),
            });
            out.facts.push((rows, paras));
            out.places.push(a.paras.iter().map(|p| places.divisions_in(shift(&(p.start..p.end), a.start))).collect());
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn fact_row(
        &self,
        doc: &SourceDoc,
        norm: &NormDoc,
        chars: &CharOffsets,
        event_id: &str,
        n: usize,
        f: &Fact,
        place: &Attribution,
        date: &DateCols,
        planned: bool,
    ) -> FactRow {
        let (s, e) = norm.source_span(f.start, f.end);
        let mut rules = f.rules.clone();
        rules.extend(place.rules.iter().cloned());
        let codes = place.codes();
        FactRow {
            fact_id: format!("{event_id}.{n}"),
            doc: doc.name.clone(),
            path: doc.rel.clone(),
            event_id: event_id.to_string(),
            text: f.quantity.text.clone(),
            value: plain_number(f.quantity.value),
            value_max: f.quantity.value_max.map(plain_number).unwrap_or_default(),
            unit: f.quantity.unit.clone(),
            qualifier: f.quantity.qualifier.to_string(),
            metric: f.metric.clone(),
            status: if planned { "planned" } else { "actual" }.to_string(),
            per_unit: f.quantity.per_unit,
            province: place.province.clone(),
            prefecture: place.prefecture.clone(),
            county: place.county.clone(),
            province_code: codes[0].clone(),
            prefecture_code: codes[1].clone(),
            county_code: codes[2].clone(),
            scope: place.scope.clone(),
            date_start: iso(date.start),
            date_end: iso(date.end),
            date_kind: date.kind.to_string(),
            dup: f.dup,
            start: doc.offsets.to_file(s),
            end: doc.offsets.to_file(e),
            char_start: chars.at(s),
            char_end: chars.at(e),
            evidence: norm.text[f.sentence.clone()].trim().to_string(),
            rule: rules.join(" "),
            flag: self.plausibility.flag(&f.metric, &f.quantity.unit, &place.scope, f.quantity.value).to_string(),
            total_id: String::new(),
        }
    }
}

/// The event's date: the first dated mention of the lead paragraph (photo captions: of the
/// whole item) that is a day, month or range, unless it is background; else the publication
/// date as `approx`.
fn event_date(
    a: &Article,
    lead: Option<Range<usize>>,
    mentions: &[DateMention],
    pub_date: Option<NaiveDate>,
    dates: &DateGrammar,
) -> DateCols {
    let window = if a.kind == "photo" { a.start..a.end } else { lead.unwrap_or(a.body_start..a.end) };
    // Background first (经2015年底精准识别…): the lead then gives no date of its own; a later
    // mention would as likely be more background or a month of the wrong year.
    mentions
        .iter()
        .filter(|m| m.start >= window.start && m.end <= window.end && !m.target)
        .find(|m| matches!(m.kind, DateKind::Point | DateKind::Range) && m.grain != Grain::Year)
        .filter(|m| !dates.is_background(m, pub_date))
        .map(DateCols::of)
        .unwrap_or_else(|| DateCols::approx(pub_date))
}

/// A fact's date: a mention in its clause, else the nearest before it in its sentence, else
/// the event's date (ANNOTATION.md: a fact with no date of its own takes its article's date).
fn fact_date(f: &Fact, mentions: &[DateMention], event: &DateCols) -> DateCols {
    let in_clause = mentions.iter().find(|m| m.start >= f.clause.start && m.end <= f.clause.end);
    let before_in_sentence = || mentions.iter().rev().find(|m| m.start >= f.sentence.start && m.end <= f.start);
    in_clause.or_else(before_in_sentence).map(DateCols::of).unwrap_or_else(|| event.clone())
}
