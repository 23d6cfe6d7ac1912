//! Places: recognise place mentions (one leftmost-longest literal search over every full name,
//! short name, region, anaphor and national cue), resolve them to the GB/T 2260 chain
//! province / prefecture / county, and attribute articles and facts to places
//! (ANNOTATION.md "Places"). Names: `data/gazetteer/`; context words: `rules/places.toml`.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};
use anyhow::{Context, Result, bail};
use regex::Regex;
use serde::Deserialize;
use serde_json::json;

use crate::extract::literals::{LiteralSet, SuffixWindows};
use crate::rules::{IdSet, RuleSource, Spanned};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Province,
    Prefecture,
    County,
}

#[derive(Debug, Clone)]
pub struct Division {
    pub code: u32,
    pub name: String,
    pub level: Level,
    pub parent: u32,
    pub province: String,
    pub prefecture: String,
    pub county: String,
    /// English name of the province (summary tables).
    pub english: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attribution {
    pub province: String,
    pub prefecture: String,
    pub county: String,
    /// national | region | province | prefecture | county | "" (unknown)
    pub scope: String,
    pub code: u32,
    pub rules: Vec<String>,
}

impl Attribution {
    /// GB/T 2260 codes of the province, prefecture and county named, each empty when that
    /// level is (a county of a municipality has no prefecture code).
    pub fn codes(&self) -> [String; 3] {
        let level =
            |name: &str, code: u32| if name.is_empty() || self.code == 0 { String::new() } else { code.to_string() };
        [
            level(&self.province, self.code / 10000 * 10000),
            level(&self.prefecture, self.code / 100 * 100),
            level(&self.county, self.code),
        ]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    short_name_suffixes: Vec<String>,
    not_places: Vec<String>,
    #[serde(default)]
    not_national: Vec<String>,
    literary_excluded: Vec<String>,
    region_min_chars: usize,
    short_regions: Vec<String>,
    origin_cues: Vec<String>,
    departure_before: Vec<String>,
    departure_after: Vec<String>,
    #[serde(default)]
    bare_shorts: Vec<String>,
    abbreviation_group: Pattern,
    anaphor: Vec<AnaphorDef>,
    national: Words,
    venue: VenueDef,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pattern {
    id: Spanned<String>,
    pattern: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnaphorDef {
    id: Spanned<String>,
    words: Vec<String>,
    level: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    id: Spanned<String>,
    words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VenueDef {
    id: Spanned<String>,
    before: Vec<String>,
    after: Vec<String>,
    window: usize,
}

/// What a surface string can be; one string may be several things (吉林: province short and city short).
#[derive(Default, Clone)]
struct Entry {
    full: Vec<u32>,
    short: Vec<u32>,
    province_short: Option<u32>,
    literary: Option<u32>,
    region: Option<Vec<u32>>,
    anaphor: Option<(Level, usize)>,
    national: bool,
    blocked: bool,
}

pub struct Places {
    divisions: Vec<Division>,
    by_code: HashMap<u32, usize>,
    provinces: Vec<u32>,
    entries: Vec<Entry>,
    names: LiteralSet,
    suffixes: AhoCorasick,
    abbrev_group: (String, Regex),
    abbrev_group_windows: SuffixWindows,
    abbrev_chars: HashMap<char, u32>,
    anaphor_ids: Vec<String>,
    national_id: String,
    venue: VenueDef,
    origin_cues: Vec<String>,
    departure_before: Vec<String>,
    departure_after: Vec<String>,
    bare_shorts: HashSet<String>,
}

/// A recognised mention before attribution.
#[derive(Debug, Clone)]
enum Kind {
    Place(u32),
    Region(Vec<u32>),
    National,
}

#[derive(Debug, Clone)]
struct Mention {
    start: usize,
    end: usize,
    kind: Kind,
    rule: String,
}

fn read_tsv(path: &Path) -> Result<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect())
}

fn field<'a>(row: &'a [String], i: usize, path: &Path, line: usize) -> Result<&'a str> {
    match row.get(i) {
        Some(v) => Ok(v),
        None => bail!("{}:{}: missing column {}", path.display(), line, i + 1),
    }
}

impl Places {
    pub fn load(gazetteer_dir: &Path, rules_dir: &Path) -> Result<Self> {
        let src = RuleSource::read(&rules_dir.join("places.toml"))?;
        let rf: RuleFile = src.parse()?;
        for (key, words) in [
            ("origin_cues", &rf.origin_cues),
            ("departure_before", &rf.departure_before),
            ("departure_after", &rf.departure_after),
            ("bare_shorts", &rf.bare_shorts),
        ] {
            src.nonempty_words(key, words)?;
        }
        let mut ids = IdSet::default();
        ids.insert(&src, &rf.abbreviation_group.id)?;
        ids.insert(&src, &rf.national.id)?;
        ids.insert(&src, &rf.venue.id)?;
        let abbrev_group = (rf.abbreviation_group.id.get_ref().clone(), src.regex(&rf.abbreviation_group.pattern)?);
        let abbrev_group_windows = SuffixWindows::new(abbrev_group.1.as_str());

        // Divisions.
        let path = gazetteer_dir.join("regions.tsv");
        let mut rows = Vec::new();
        for (i, r) in read_tsv(&path)?.into_iter().enumerate() {
            let line = i + 2;
            let code: u32 =
                field(&r, 0, &path, line)?.parse().with_context(|| format!("{}:{line}: bad code", path.display()))?;
            let level = match field(&r, 2, &path, line)? {
                "province" => Level::Province,
                "prefecture" => Level::Prefecture,
                "county" => Level::County,
                other => bail!("{}:{line}: unknown level {other:?}", path.display()),
            };
            let parent: u32 = field(&r, 3, &path, line)?.parse().unwrap_or(0);
            let shorts: Vec<String> =
                field(&r, 5, &path, line)?.split('|').filter(|s| !s.is_empty()).map(str::to_string).collect();
            rows.push((code, field(&r, 1, &path, line)?.to_string(), level, parent, shorts));
        }
        let abbrev_path = gazetteer_dir.join("province_abbrev.tsv");
        let mut english = HashMap::new();
        let mut abbrev_chars = HashMap::new();
        let mut literary = Vec::new();
        for (i, r) in read_tsv(&abbrev_path)?.into_iter().enumerate() {
            let pc: u32 = field(&r, 0, &abbrev_path, i + 2)?.parse().context("bad province code")?;
            english.insert(pc * 10000, field(&r, 5, &abbrev_path, i + 2)?.to_string());
            for a in field(&r, 3, &abbrev_path, i + 2)?.split('|').filter(|a| !a.is_empty()) {
                if let Some(c) = a.chars().next() {
                    abbrev_chars.insert(c, pc * 10000);
                }
            }
            for l in field(&r, 6, &abbrev_path, i + 2)?.split('|').filter(|l| !l.is_empty()) {
                if !rf.literary_excluded.iter().any(|x| x == l) {
                    literary.push((l.to_string(), pc * 10000));
                }
            }
        }
        let by_code_tmp: HashMap<u32, (String, Level, u32)> =
            rows.iter().map(|r| (r.0, (r.1.clone(), r.2, r.3))).collect();
        let mut divisions = Vec::new();
        for (code, name, level, parent, _) in &rows {
            let mut chain = vec![(*level, name.clone())];
            let mut p = *parent;
            while let Some((n, l, pp)) = by_code_tmp.get(&p) {
                chain.push((*l, n.clone()));
                p = *pp;
            }
            let get = |lv: Level| chain.iter().find(|c| c.0 == lv).map(|c| c.1.clone()).unwrap_or_default();
            let province_code = code / 10000 * 10000;
            divisions.push(Division {
                code: *code,
                name: name.clone(),
                level: *level,
                parent: *parent,
                province: get(Level::Province),
                prefecture: get(Level::Prefecture),
                county: get(Level::County),
                english: english.get(&province_code).cloned().unwrap_or_default(),
            });
        }
        let by_code: HashMap<u32, usize> = divisions.iter().enumerate().map(|(i, d)| (d.code, i)).collect();
        let provinces: Vec<u32> = divisions.iter().filter(|d| d.level == Level::Province).map(|d| d.code).collect();

        // Surfaces.
        let common: HashSet<String> = read_tsv(&gazetteer_dir.join("common_word_shorts.tsv"))?
            .into_iter()
            .filter_map(|r| r.first().cloned())
            .collect();
        let mut surface: HashMap<String, Entry> = HashMap::new();
        for (code, name, level, _, shorts) in &rows {
            let e = surface.entry(name.clone()).or_default();
            e.full.push(*code);
            for s in shorts {
                let e = surface.entry(s.clone()).or_default();
                if *level == Level::Province {
                    e.province_short = Some(*code);
                }
                e.short.push(*code);
            }
        }
        for (l, code) in literary {
            surface.entry(l).or_default().literary = Some(code);
        }
        let multi_path = gazetteer_dir.join("regions_multi.tsv");
        for (i, r) in read_tsv(&multi_path)?.into_iter().enumerate() {
            let codes: Vec<u32> = field(&r, 2, &multi_path, i + 2)?
                .split('|')
                .filter_map(|c| c.parse::<u32>().ok())
                .map(|c| c * 10000)
                .collect();
            let names =
                std::iter::once(field(&r, 0, &multi_path, i + 2)?).chain(field(&r, 1, &multi_path, i + 2)?.split('|'));
            for n in names.filter(|n| !n.is_empty()) {
                if n.chars().count() >= rf.region_min_chars || rf.short_regions.iter().any(|s| s == n) {
                    surface.entry(n.to_string()).or_default().region = Some(codes.clone());
                }
            }
        }
        let mut anaphor_ids = Vec::new();
        for a in &rf.anaphor {
            ids.insert(&src, &a.id)?;
            src.one_of(&a.level, &["province", "prefecture", "county"], "level")?;
            let level = match a.level.get_ref().as_str() {
                "province" => Level::Province,
                "prefecture" => Level::Prefecture,
                _ => Level::County,
            };
            for w in &a.words {
                surface.entry(w.clone()).or_default().anaphor = Some((level, anaphor_ids.len()));
            }
            anaphor_ids.push(a.id.get_ref().clone());
        }
        for w in &rf.national.words {
            surface.entry(w.clone()).or_default().national = true;
        }
        for w in &rf.not_national {
            surface.insert(w.clone(), Entry { blocked: true, ..Entry::default() });
        }
        for w in rf.not_places.iter().chain(common.iter()) {
            let e = surface.entry(w.clone()).or_default();
            // A common word stays a place only as a full name of 3+ characters (东海县 is fine).
            if !(e.full.len() == 1 && w.chars().count() >= 3 && !rf.not_places.contains(w)) {
                *e = Entry { blocked: true, national: e.national, ..Entry::default() };
            }
        }
        // A bare short name must name exactly one division and not be blocked as a common word.
        for w in &rf.bare_shorts {
            let named = surface.get(w).is_some_and(|e| !e.blocked && e.full.len() + e.short.len() == 1);
            if !named {
                return Err(src
                    .error_at_text(
                        &format!("{w:?}"),
                        format!("bare_shorts: {w:?} is not the short name of exactly one division"),
                    )
                    .into());
            }
        }
        let mut keys: Vec<String> = surface.keys().cloned().collect();
        keys.sort();
        let entries: Vec<Entry> = keys.iter().map(|k| surface[k].clone()).collect();
        let names = LiteralSet::new(&keys).map_err(|e| anyhow::anyhow!("place names: {e}"))?;
        let suffixes = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(aho_corasick::StartKind::Anchored)
            .build(&rf.short_name_suffixes)
            .context("suffix automaton")?;
        Ok(Self {
            divisions,
            by_code,
            provinces,
            entries,
            names,
            suffixes,
            abbrev_group,
            abbrev_group_windows,
            abbrev_chars,
            anaphor_ids,
            national_id: rf.national.id.get_ref().clone(),
            venue: rf.venue,
            origin_cues: rf.origin_cues,
            departure_before: rf.departure_before,
            departure_after: rf.departure_after,
            bare_shorts: rf.bare_shorts.into_iter().collect(),
        })
    }

    pub fn provinces(&self) -> Vec<&Division> {
        self.provinces.iter().filter_map(|c| self.division(*c)).collect()
    }

    pub fn division(&self, code: u32) -> Option<&Division> {
        self.by_code.get(&code).map(|&i| &self.divisions[i])
    }

    fn province_of(code: u32) -> u32 {
        code / 10000 * 10000
    }

    fn is_ancestor(&self, anc: u32, code: u32) -> bool {
        let mut c = code;
        for _ in 0..4 {
            if c == anc {
                return true;
            }
            match self.division(c) {
                Some(d) if d.parent != 0 => c = d.parent,
                _ => return false,
            }
        }
        false
    }

    fn attribution(&self, code: u32, rule: &str) -> Attribution {
        let Some(d) = self.division(code) else { return Attribution::default() };
        let scope = match d.level {
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
        };
        Attribution {
            province: d.province.clone(),
            prefecture: d.prefecture.clone(),
            county: d.county.clone(),
            scope: scope.into(),
            code,
            rules: vec![rule.to_string()],
        }
    }

    /// Raw mentions of `text` in order; ambiguous names resolved with the article's other
    /// places (`context`), anaphora with the mentions before them.
    fn mentions(&self, text: &str, context: &mut Vec<u32>) -> Vec<Mention> {
        let mut raw: Vec<(usize, usize, &Entry)> =
            self.names.find_iter(text).map(|m| (m.start, m.end, &self.entries[m.pattern])).collect();
        // Only near the words a group ends with (等地, 地区 …), which most articles lack.
        let groups: Vec<(usize, usize, Vec<u32>)> = self
            .abbrev_group_windows
            .windows(text)
            .into_iter()
            .flat_map(|w| {
                self.abbrev_group.1.find_iter(&text[w.clone()]).map(move |m| (w.start + m.start(), w.start + m.end()))
            })
            .map(|(s, e)| {
                (s, e, text[s..e].chars().filter_map(|c| self.abbrev_chars.get(&c).copied()).collect::<Vec<u32>>())
            })
            .filter(|g| g.2.len() >= 2)
            .collect();
        raw.retain(|(s, e, _)| !groups.iter().any(|g| *s < g.1 && g.0 < *e));

        // Pass 1: unambiguous names seed the context used to resolve ambiguous ones.
        for (_, _, e) in &raw {
            if e.blocked {
                continue;
            }
            if e.full.len() == 1 {
                context.push(e.full[0]);
            } else if let Some(p) = e.province_short {
                context.push(p);
            } else if e.full.is_empty() && e.short.len() == 1 {
                context.push(e.short[0]);
            }
        }
        // A short name right before a place inside it (广州南沙区, 云南安宁市) is a place.
        let parent_of_next: Vec<bool> =
            (0..raw.len())
                .map(|i| {
                    raw.get(i + 1).is_some_and(|(ns, _, next)| {
                        *ns == raw[i].1
                            && raw[i].2.full.iter().chain(&raw[i].2.short).any(|&p| {
                                next.full.iter().chain(&next.short).any(|&c| c != p && self.is_ancestor(p, c))
                            })
                    })
                })
                .collect();
        let mut out: Vec<Mention> = groups
            .into_iter()
            .map(|(s, e, codes)| Mention {
                start: s,
                end: e,
                kind: Kind::Region(codes),
                rule: self.abbrev_group.0.clone(),
            })
            .collect();
        let mut accepted_shorts: HashSet<&str> = HashSet::new();
        let mut last_place: Option<(usize, u32)> = None;
        for (idx, (s, e, entry)) in raw.into_iter().enumerate() {
            if entry.blocked {
                continue;
            }
            let surface = &text[s..e];
            if entry.national {
                out.push(Mention { start: s, end: e, kind: Kind::National, rule: self.national_id.clone() });
                continue;
            }
            if let Some(codes) = &entry.region {
                out.push(Mention { start: s, end: e, kind: Kind::Region(codes.clone()), rule: "place.region".into() });
                continue;
            }
            if let Some((level, rule)) = entry.anaphor {
                if let Some(code) = self.resolve_anaphor(level, &out, text) {
                    out.push(Mention {
                        start: s,
                        end: e,
                        kind: Kind::Place(code),
                        rule: self.anaphor_ids[rule].clone(),
                    });
                }
                continue;
            }
            let long_full = !entry.full.is_empty() && surface.chars().count() >= 3;
            let suffix_ok = self
                .suffixes
                .find(aho_corasick::Input::new(&text[e..]).anchored(aho_corasick::Anchored::Yes))
                .is_some();
            let after_parent = |cands: &[u32]| {
                last_place.is_some_and(|(end, code)| {
                    end == s && cands.iter().any(|&c| c != code && self.is_ancestor(code, c))
                })
            };
            let (cands, rule): (Vec<u32>, &str) = if long_full {
                (entry.full.clone(), "place.full_name")
            } else if let Some(p) = entry.province_short {
                (vec![p], "place.province_short")
            } else if !entry.full.is_empty() || !entry.short.is_empty() {
                let cands: Vec<u32> = entry.full.iter().chain(&entry.short).copied().collect();
                if suffix_ok
                    || after_parent(&cands)
                    || parent_of_next[idx]
                    || accepted_shorts.contains(surface)
                    || self.bare_shorts.contains(surface)
                {
                    (cands, "place.short_name")
                } else {
                    continue;
                }
            } else if let Some(p) = entry.literary {
                (vec![p], "place.literary")
            } else {
                continue;
            };
            let Some(code) = self.pick(&cands, context, last_place.filter(|(end, _)| *end == s).map(|(_, c)| c)) else {
                continue;
            };
            accepted_shorts.insert(surface);
            context.push(code);
            last_place = Some((e, code));
            out.push(Mention { start: s, end: e, kind: Kind::Place(code), rule: rule.into() });
        }
        out.sort_by_key(|m| m.start);
        out
    }

    /// Choose among candidates: inside the place named right before, else inside a place of the
    /// article, else the highest level when unique; else unresolved.
    fn pick(&self, cands: &[u32], context: &[u32], parent: Option<u32>) -> Option<u32> {
        if cands.len() == 1 {
            return Some(cands[0]);
        }
        if let Some(p) = parent
            && let Some(&c) = cands.iter().find(|&&c| self.is_ancestor(p, c))
        {
            return Some(c);
        }
        let inside: Vec<u32> =
            cands.iter().copied().filter(|&c| context.iter().any(|&k| k != c && self.is_ancestor(k, c))).collect();
        if inside.len() == 1 {
            return Some(inside[0]);
        }
        let level = |c: u32| self.division(c).map(|d| d.level);
        let best = cands.iter().filter_map(|&c| level(c)).min()?;
        let top: Vec<u32> = cands.iter().copied().filter(|&c| level(c) == Some(best)).collect();
        // Same-named city and county of one prefecture (长沙市/长沙县) share the province anyway.
        (top.len() == 1).then(|| top[0])
    }

    /// The place `省总`, `全市` … refers to: the nearest fitting place before it that is not one
    /// people or money went to or came from (安徽省属企业向湖北捐款,省总工会捐赠 → 安徽), else the
    /// nearest fitting place.
    fn resolve_anaphor(&self, level: Level, before: &[Mention], text: &str) -> Option<u32> {
        let fits = |m: &&Mention| !self.is_away(text, m.start, m.end);
        self.anaphor_target(level, before.iter().filter(fits)).or_else(|| self.anaphor_target(level, before.iter()))
    }

    fn anaphor_target<'m>(&self, level: Level, before: impl DoubleEndedIterator<Item = &'m Mention>) -> Option<u32> {
        before.rev().find_map(|m| {
            let Kind::Place(code) = m.kind else { return None };
            let d = self.division(code)?;
            let municipality = matches!(code / 10000, 11 | 12 | 31 | 50);
            match level {
                Level::Province => Some(Self::province_of(code)),
                Level::Prefecture if d.level == Level::Prefecture => Some(code),
                Level::Prefecture if d.level == Level::County && d.parent % 10000 != 0 => Some(d.parent),
                Level::Prefecture if municipality => Some(Self::province_of(code)),
                Level::County if d.level == Level::County => Some(code),
                Level::County if d.level == Level::Province && d.name.ends_with("自治区") => Some(code),
                _ => None,
            }
        })
    }

    /// Whether the mention at `start..end` of `text` is marked as a place people or money come
    /// from or go to (从安徽, 向湖北, 四川籍).
    fn is_away(&self, text: &str, start: usize, end: usize) -> bool {
        self.departure_before.iter().any(|w| text[..start].ends_with(w.as_str()))
            || self.departure_after.iter().any(|w| text[end..].starts_with(w.as_str()))
    }

    /// `ms` without the places people set out from (从安徽阜阳开往宁波, 四川籍农民工): the
    /// figure happened where they went. A place written right before a departure (安徽 of
    /// 安徽阜阳) departs with it. `None` when every place is a departure.
    fn without_departures<'m>(&self, body: &str, ms: &[&'m Mention]) -> Option<Vec<&'m Mention>> {
        let mut departs: Vec<bool> = ms.iter().map(|m| self.is_away(body, m.start, m.end)).collect();
        for i in 1..ms.len() {
            if ms[i - 1].end == ms[i].start && departs[i - 1] {
                departs[i] = true;
            }
        }
        for i in (1..ms.len()).rev() {
            if ms[i - 1].end == ms[i].start && departs[i] {
                departs[i - 1] = true;
            }
        }
        if !ms.is_empty() && departs.iter().all(|&d| d) {
            return None;
        }
        Some(ms.iter().zip(departs).filter(|(_, d)| !d).map(|(m, _)| *m).collect())
    }

    /// The attribution of a set of mentions: national if any is; the lowest common place of
    /// one province (preferring `venue`'s province when several are named); region when they
    /// span provinces.
    fn combine(&self, ms: &[&Mention], venue: &Attribution) -> Option<Attribution> {
        if ms.is_empty() {
            return None;
        }
        // A national cue counts when no place is named beside it (各地工会 of one province).
        let named = ms.iter().any(|m| matches!(m.kind, Kind::Place(_)));
        if !named && ms.iter().any(|m| matches!(m.kind, Kind::National)) {
            return Some(Attribution {
                scope: "national".into(),
                rules: vec![self.national_id.clone()],
                ..Attribution::default()
            });
        }
        let mut codes: Vec<u32> =
            ms.iter().filter_map(|m| if let Kind::Place(c) = m.kind { Some(c) } else { None }).collect();
        let mut provinces: Vec<u32> = codes.iter().map(|&c| Self::province_of(c)).collect();
        let regions: Vec<&Vec<u32>> =
            ms.iter().filter_map(|m| if let Kind::Region(r) = &m.kind { Some(r) } else { None }).collect();
        for r in &regions {
            provinces.extend(r.iter().copied());
        }
        provinces.sort_unstable();
        provinces.dedup();
        let region =
            Attribution { scope: "region".into(), rules: vec!["place.region".into()], ..Attribution::default() };
        if provinces.len() > 1 {
            let vp = Self::province_of(venue.code);
            if venue.code != 0 && provinces.contains(&vp) && regions.is_empty() {
                codes.retain(|&c| Self::province_of(c) == vp);
            } else {
                return Some(region);
            }
        }
        if codes.is_empty() {
            return match regions.first() {
                Some(r) if r.len() == 1 => Some(self.attribution(r[0], "place.region")),
                Some(_) => Some(region),
                None => None,
            };
        }
        // Places on one chain (河南省洛阳市) give the deepest; siblings their lowest common ancestor.
        if let Some(&deepest) = codes.iter().max_by_key(|&&c| self.division(c).map(|d| d.level))
            && codes.iter().all(|&c| self.is_ancestor(c, deepest))
        {
            let rule = ms.iter().map(|m| m.rule.as_str()).next().unwrap_or("place");
            return Some(self.attribution(deepest, rule));
        }
        let mut lca = codes[0];
        for &c in &codes[1..] {
            while !self.is_ancestor(lca, c) {
                match self.division(lca) {
                    Some(d) if d.parent != 0 => lca = d.parent,
                    _ => break,
                }
            }
        }
        let rule = ms.iter().map(|m| m.rule.as_str()).next().unwrap_or("place");
        Some(self.attribution(lca, rule))
    }

    /// Resolve one article: `title`, and `body` whose lead (the body proper, after the lead
    /// marker) starts at byte `lead_at`; body byte offsets are what spans refer to.
    pub fn analyse(&self, title: &str, body: &str, lead_at: usize) -> ArticlePlaces<'_> {
        let mut context = Vec::new();
        let title_mentions = self.mentions(title, &mut context);
        let body_mentions = self.mentions(body, &mut context);
        let lead_at = body.floor_char_boundary(lead_at);
        let venue = self.venue_of(title, &title_mentions, body, &body_mentions, lead_at);
        let mentions = body_mentions;
        // Facts of an article whose headline and lead name no place fall back on the first
        // place its body names; the event itself stays unplaced.
        let body_places: Vec<&Mention> =
            mentions.iter().filter(|m| m.start >= lead_at && matches!(m.kind, Kind::Place(_))).collect();
        let body_place = match body_places.first().map(|m| &m.kind) {
            Some(Kind::Place(code)) => self.first_refined(*code, &body_places),
            _ => None,
        };
        ArticlePlaces { places: self, venue, mentions, body_place }
    }

    fn venue_of(
        &self,
        title: &str,
        title_ms: &[Mention],
        body: &str,
        body_ms: &[Mention],
        lead_at: usize,
    ) -> Attribution {
        let v = &self.venue;
        // 1. "在 X 召开/举办…" in the headline or the lead paragraph.
        // The lead paragraph and the one after it (captions often say where in their second).
        let lead_end = body[lead_at..].match_indices('\n').nth(1).map_or(body.len(), |(e, _)| lead_at + e);
        for (text, ms, from, limit) in [(title, title_ms, 0, title.len()), (body, body_ms, lead_at, lead_end)] {
            for (i, m) in ms.iter().enumerate() {
                if m.start < from
                    || m.start >= limit
                    || !matches!(m.kind, Kind::Place(_))
                    || !v.before.iter().any(|b| text[..m.start].ends_with(b.as_str()))
                {
                    continue;
                }
                let window: String = text[m.end..].chars().take(v.window).collect();
                let Some(cut) = v.after.iter().filter_map(|a| window.find(a.as_str())).min() else { continue };
                if window[..cut].contains(['。', ',', ';']) {
                    continue;
                }
                let span_end = m.end + cut;
                let group: Vec<&Mention> = ms[i..].iter().take_while(|n| n.start < span_end).collect();
                if let Some(mut a) = self.combine(&group, &Attribution::default()) {
                    a.rules.push(v.id.get_ref().clone());
                    return a;
                }
            }
        }
        // 2. The headline's places, then a national cue of headline or lead, 3. the lead sentence's places.
        let first_sentence_end = body[lead_at..].find(['。', '\n']).map_or(body.len(), |e| lead_at + e);
        let title_places: Vec<&Mention> = title_ms.iter().filter(|m| !matches!(m.kind, Kind::National)).collect();
        let lead_places: Vec<&Mention> = body_ms
            .iter()
            .filter(|m| m.start >= lead_at && m.start < first_sentence_end && !matches!(m.kind, Kind::National))
            .collect();
        // The first place of a group and the places of its province that refine it; a list of
        // three or more provinces (浙江、广东、四川、新疆——) is a multi-province item.
        let pick = |group: &[&Mention]| -> Option<Attribution> {
            let first = group.first()?;
            let Kind::Place(code) = first.kind else { return self.combine(&group[..1], &Attribution::default()) };
            let provinces: std::collections::BTreeSet<u32> = group
                .iter()
                .filter_map(|m| if let Kind::Place(c) = m.kind { Some(Self::province_of(c)) } else { None })
                .collect();
            if provinces.len() >= 3 {
                return self.combine(group, &Attribution::default());
            }
            self.first_refined(code, group)
        };
        if let Some(a) = pick(&title_places) {
            return a;
        }
        // A national body or cue in the headline or lead (人社部, 全国) makes the event national.
        let lead_paragraph_end = body[lead_at..].find('\n').map_or(body.len(), |e| lead_at + e);
        let national =
            title_ms.iter().chain(body_ms.iter().filter(|m| m.start >= lead_at && m.start < lead_paragraph_end));
        if let Some(n) = national.into_iter().find(|m| matches!(m.kind, Kind::National))
            && let Some(a) = self.combine(&[n], &Attribution::default())
        {
            return a;
        }
        if let Some(a) = pick(&lead_places) {
            return a;
        }
        // 4. A place of the lead paragraph; none at all → the event has no place (national).
        body_ms
            .iter()
            .find(|m| m.start >= lead_at && m.start < lead_paragraph_end && matches!(m.kind, Kind::Place(_)))
            .and_then(|m| self.combine(&[m], &Attribution::default()))
            .unwrap_or_default()
    }

    /// The place `code` refined by the deepest of `group` below it (河北省 … 石家庄市 → 石家庄市).
    fn first_refined(&self, code: u32, group: &[&Mention]) -> Option<Attribution> {
        group
            .iter()
            .copied()
            .filter(|m| matches!(m.kind, Kind::Place(c) if self.is_ancestor(code, c)))
            .max_by_key(|m| {
                let Kind::Place(c) = m.kind else { return (Level::Province, 0) };
                (self.division(c).map_or(Level::Province, |d| d.level), usize::MAX - m.start)
            })
            .and_then(|m| self.combine(&[m], &Attribution::default()))
    }

    pub fn parse_json(&self, text: &str) -> serde_json::Value {
        let a = self.analyse("", text, 0);
        let mentions: Vec<serde_json::Value> = a
            .mentions
            .iter()
            .map(|m| {
                let at = a.attribution_of(m);
                json!({"text": &text[m.start..m.end], "span": [m.start, m.end], "province": at.province,
                       "prefecture": at.prefecture, "county": at.county, "scope": at.scope, "code": at.code, "rule": m.rule})
            })
            .collect();
        json!({"venue": {"province": a.venue.province, "prefecture": a.venue.prefecture, "county": a.venue.county,
                         "scope": a.venue.scope, "code": a.venue.code, "rules": a.venue.rules},
               "mentions": mentions})
    }
}

/// The places of one article.
pub struct ArticlePlaces<'a> {
    places: &'a Places,
    pub venue: Attribution,
    mentions: Vec<Mention>,
    body_place: Option<Attribution>,
}

impl ArticlePlaces<'_> {
    /// The divisions named in `range` of the body, as resolved: what duplicate detection
    /// compares (two texts naming other places are not one article; 西宁 and 西宁市 are one).
    pub fn divisions_in(&self, range: Range<usize>) -> Vec<u32> {
        self.mentions
            .iter()
            .filter(|m| m.start >= range.start && m.end <= range.end)
            .filter_map(|m| if let Kind::Place(code) = m.kind { Some(code) } else { None })
            .collect()
    }

    fn attribution_of(&self, m: &Mention) -> Attribution {
        self.places.combine(&[m], &Attribution::default()).unwrap_or_default()
    }

    /// The place of a fact: its clause's places, else its sentence's, else the nearest place
    /// named before it in its paragraph (a feature's section about one province), else the
    /// venue. People "来自" somewhere are placed by where they come from.
    pub fn attribute(
        &self,
        body: &str,
        clause: Range<usize>,
        sentence: Range<usize>,
        paragraph: Range<usize>,
    ) -> Attribution {
        let sentence_start = sentence.start;
        for (r, last) in [(clause, false), (sentence, true)] {
            let text = &body[r.clone()];
            if let Some(at) = self
                .places
                .origin_cues
                .iter()
                .filter_map(|c| text.find(c.as_str()).map(|i| r.start + i + c.len()))
                .min()
            {
                let origins: Vec<&Mention> =
                    self.mentions.iter().filter(|m| m.start >= at && m.end <= r.end && m.start < at + 40).collect();
                if let Some(mut a) = self.places.combine(&origins, &Attribution::default()) {
                    a.rules.push("place.origin".into());
                    return a;
                }
            }
            let inside: Vec<&Mention> = self.mentions.iter().filter(|m| m.start >= r.start && m.end <= r.end).collect();
            // A clause naming only places people went to or came from (已赴贵州省举办了7场) is
            // placed by its sentence's other places; a sentence naming only such places keeps them.
            let staying = match self.places.without_departures(body, &inside) {
                Some(staying) => staying,
                None if !last => continue,
                None => inside,
            };
            if let Some(a) = self.places.combine(&staying, &self.venue) {
                return a;
            }
        }
        let earlier = self
            .mentions
            .iter()
            .rev()
            .find(|m| m.start >= paragraph.start && m.end <= sentence_start && matches!(m.kind, Kind::Place(_)));
        if let Some(mut a) = earlier.and_then(|m| self.places.combine(&[m], &self.venue)) {
            a.rules.push("place.paragraph".into());
            return a;
        }
        // A roundup of several provinces goes place by place: a figure whose paragraph names no
        // place belongs to the section of the last place named before it.
        if self.venue.scope == "region" {
            let section =
                self.mentions.iter().rev().find(|m| m.end <= paragraph.start && matches!(m.kind, Kind::Place(_)));
            if let Some(mut a) = section.and_then(|m| self.places.combine(&[m], &Attribution::default())) {
                a.rules.push("place.section".into());
                return a;
            }
        }
        let mut v = self.venue.clone();
        if v.scope.is_empty() {
            if let Some(mut b) = self.body_place.clone() {
                b.rules.push("place.body_first".into());
                return b;
            }
            v.scope = "national".into();
            v.rules.push("place.unplaced_national".into());
        } else {
            v.rules.push("place.venue_default".into());
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> &'static Places {
        static PLACES: std::sync::LazyLock<Places> = std::sync::LazyLock::new(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            Places::load(&root.join("data/gazetteer"), &root.join("rules")).unwrap()
        });
        &PLACES
    }

    fn venue(p: &Places, title: &str, body: &str) -> (String, String, String, String) {
        let a = p.analyse(title, body, 0).venue;
        (a.province, a.prefecture, a.county, a.scope)
    }

    #[test]
    fn venues() {
        let p = places();
        assert_eq!(venue(p, "全国工会座谈会在河北召开", "本次会议总结经验。").0, "河北省");
        assert_eq!(venue(p, "", "10月24日,竞赛在安徽合肥开幕。").1, "合肥市");
        let v = venue(p, "", "近日,广州南沙区工会借助平台化解纠纷。");
        assert_eq!((v.0.as_str(), v.1.as_str(), v.2.as_str()), ("广东省", "广州市", "南沙区"));
        assert_eq!(venue(p, "上海奉贤区建立工作机制", "日前,区总工会与区法院签订备忘录。").2, "奉贤区");
        assert_eq!(venue(p, "吉林石化污水处理厂关爱职工", "").0, "吉林省");
        assert_eq!(venue(p, "", "新华社记者摄。光明日报报道,合作共赢。").0, "");
        let v = venue(p, "", "在云南安宁市有数支服务队。");
        assert_eq!((v.0.as_str(), v.1.as_str(), v.2.as_str()), ("云南省", "昆明市", "安宁市"));
    }

    #[test]
    fn anaphora_national_and_regions() {
        let p = places();
        let body = "甘肃省平凉市总工会开展活动。全市七县实现全覆盖,2200多名环卫工人受益。全国各级工会签订合同18万份。来自安徽、江苏两省的74位名师出席。皖苏青三省工会共同主办。";
        let a = p.analyse("", body, 0);
        let at = |needle: &str| {
            let s = body.find(needle).unwrap();
            let sent_start = body[..s].rfind('。').map_or(0, |i| i + '。'.len_utf8());
            let sent_end = body[s..].find('。').map_or(body.len(), |i| s + i);
            a.attribute(body, s..s + needle.len(), sent_start..sent_end, 0..body.len())
        };
        assert_eq!(at("2200多名").prefecture, "平凉市");
        assert_eq!(at("18万份").scope, "national");
        assert_eq!(at("74位").scope, "region");
        assert_eq!(at("74位").province, "");
        assert_eq!(at("共同主办").scope, "region");
    }

    proptest::proptest! {
        #[test]
        fn fuzz_analyse_never_panics(s in "\\PC{0,120}") {
            let p = places();
            let a = p.analyse(&s, &s, s.len() / 2);
            let _ = a.attribute(&s, 0..s.len(), 0..s.len(), 0..s.len());
        }
    }
}
