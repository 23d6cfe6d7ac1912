//! Stage 4 — extract and resolve: per article, the event row (type, place, date) and its facts.

use std::path::Path;

use anyhow::Result;

use crate::ingest::SourceDoc;
use crate::normalize::NormDoc;
use crate::output::{EventRow, FactRow};
use crate::segment::Article;

pub struct Analyser {}

/// Per article (in order): its event row, and its facts with the paragraph index of each.
pub struct DocFacts {
    pub events: Vec<EventRow>,
    pub facts: Vec<(Vec<FactRow>, Vec<usize>)>,
}

impl Analyser {
    pub fn load(_rules_dir: &Path, _gazetteer_dir: &Path) -> Result<Self> {
        Ok(Self {})
    }

    pub fn analyse(&self, doc: &SourceDoc, norm: &NormDoc, articles: &[Article]) -> DocFacts {
        let mut events = Vec::new();
        let mut facts = Vec::new();
        for a in articles {
            let (start, end) = norm.source_span(a.start, a.end);
            events.push(EventRow {
                event_id: format!("{}#{}", doc.name, a.index),
                doc: doc.name.clone(),
                index: a.index,
                lead: a.lead.clone(),
                title: a.title.clone(),
                kind: a.kind.to_string(),
                byline: a.byline.clone(),
                start: doc.offsets.to_file(start),
                end: doc.offsets.to_file(end),
                pub_date: doc.pub_date.map(|d| d.to_string()).unwrap_or_default(),
                pub_date_source: doc.pub_date_source.as_str().to_string(),
                ..EventRow::default()
            });
            facts.push((Vec::new(), Vec::new()));
        }
        DocFacts { events, facts }
    }
}
