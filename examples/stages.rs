use std::time::{Duration, Instant};
use laborfacts::pipeline::Engine;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let engine = Engine::load(std::path::Path::new("rules"), std::path::Path::new("data/gazetteer")).unwrap();
    let mut t = [Duration::ZERO; 8];
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let dates = laborfacts::ingest::PubDateSources::default();
    for f in files {
        let a = Instant::now();
        let Ok(doc) = laborfacts::ingest::read(&f, &dates) else { continue };
        t[0] += a.elapsed(); let a = Instant::now();
        let norm = engine.segmenter.normalizer().normalize(&doc.text);
        t[1] += a.elapsed(); let a = Instant::now();
        let arts = engine.segmenter.segment(&norm);
        t[2] += a.elapsed(); let a = Instant::now();
        let pd = engine.analyser.dates.infer_pub_date(&norm.text);
        t[3] += a.elapsed(); let a = Instant::now();
        for art in &arts {
            let body = &norm.text[art.start..art.end];
            let _p = engine.analyser.places.analyse(&art.title, body, art.body_start - art.start);
        }
        t[4] += a.elapsed();
        let a = Instant::now();
        for art in &arts { let _ = engine.analyser.dates.find_all(&norm.text[art.start..art.end], pd.unwrap_or_default()); }
        t[5] += a.elapsed(); let a = Instant::now();
        for art in &arts { let _ = engine.analyser.facts.extract(&norm.text, art); }
        t[6] += a.elapsed(); let a = Instant::now();
        for p in &norm.paras { let _ = engine.analyser.facts.quantities.find_all(&norm.text[p.start..p.end]); }
        t[0] += a.elapsed(); let a = Instant::now();
        let _ = engine.analyser.analyse(&doc, &norm, &arts);
        t[7] += a.elapsed();
    }
    for (n, d) in ["ingest+quantities","normalize","segment","pubdate","places","dates","facts","analyse(all)"].iter().zip(t) { println!("{n:12} {:?}", d); }
}
