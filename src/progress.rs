//! Progress reporting on stderr: a bar when stderr is a terminal, nothing otherwise.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

/// Whether bars may be drawn: asked for, and stderr is a terminal (not a pipe or a log file).
fn drawable(enabled: bool) -> bool {
    enabled && std::io::stderr().is_terminal()
}

impl Progress {
    /// A bar over the input's bytes, with MB/s and the facts found so far. `enabled` is false
    /// under `--quiet`; the bar also stays hidden for pipes and tiny runs.
    pub fn new(total_bytes: u64, files: usize, enabled: bool) -> Self {
        let bar = (drawable(enabled) && files >= 50).then(|| {
            let bar = ProgressBar::new(total_bytes);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec}, {msg}, eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_message("0 facts, 0 counted");
            bar
        });
        Self { bar, quiet: !enabled }
    }

    /// One document done: its bytes, and the facts of the run so far (all, and counted in a total).
    pub fn advance(&self, bytes: u64, facts: usize, counted: usize) {
        if let Some(b) = &self.bar {
            b.inc(bytes);
            b.set_message(format!("{facts} facts, {counted} counted"));
        }
    }

    /// A warning that must not be swallowed by the bar's redraws.
    pub fn warn(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(format!("warning: {msg}")),
            None if !self.quiet => eprintln!("warning: {msg}"),
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// A spinner with a message for a step with no measurable progress (the summaries and
/// exports); cleared when dropped.
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub fn new(enabled: bool, msg: &str) -> Self {
        Self(drawable(enabled).then(|| {
            let s = ProgressBar::new_spinner();
            s.set_message(msg.to_string());
            s.enable_steady_tick(Duration::from_millis(120));
            s
        }))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(s) = &self.0 {
            s.finish_and_clear();
        }
    }
}
