//! The filter stage, one job at a time: configuration overrides, the job's
//! suppressions and the reported files as each job is done; then, for each
//! group of files released in report order, sorting, the baseline and the
//! fixes, before the findings go to the [`Sink`].

use super::order::Order;
use super::{sort_findings, Done, Sink};
use crate::baseline;
use crate::config::Overrides;
use crate::diag::Problem;
use crate::engine::{Checked, Finding};
use crate::fix::Fix;
use crate::policy::{Policy, Severity};
use crate::source::{FileId, FileSet, SourceFile, SourceMap, Span};
use crate::suppress::{self, Suppressed};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::BTreeSet;
use std::sync::Arc;

/// What the filter stage needs to know of the run.
pub(super) struct Context<'a> {
    pub sources: &'a SourceMap,
    pub overrides: &'a Overrides,
    /// Every loaded policy (suppressions may name any).
    pub policies: &'a [Policy],
    /// The ids of the policies that ran.
    pub ran: BTreeSet<String>,
    pub today: chrono::NaiveDate,
    /// The files reported on.
    pub reported: &'a FileSet,
    pub baseline: Option<baseline::Filter<'a>>,
}

impl Context<'_> {
    fn reported(&self, span: &Span) -> bool {
        self.reported.contains(span.file)
    }

    /// A finding belongs to a reported file when its value is there, or
    /// comes from there (a variable, a variables file, a parameter).
    fn touches(&self, f: &Finding) -> bool {
        self.reported(&f.span) || f.related.iter().any(|(s, _)| self.reported(s))
    }
}

/// Findings per severity, written to the sink.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally([usize; 5]);

impl Tally {
    /// The tally of findings kept.
    pub fn of(findings: &[Finding]) -> Tally {
        let mut tally = Tally::default();
        for f in findings {
            tally.add(f.severity);
        }
        tally
    }

    pub fn add(&mut self, s: Severity) {
        self.0[s as usize] += 1;
    }

    pub fn get(&self, s: Severity) -> usize {
        self.0[s as usize]
    }
}

/// Everything the jobs produced but the findings, which went to the sink.
#[derive(Default)]
pub(super) struct Assembled {
    pub resources: usize,
    pub problems: Vec<Problem>,
    pub notes: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub suppressed: Vec<Suppressed>,
    pub checked: Vec<Checked>,
    pub skipped: HashSet<FileId>,
    pub baselined: usize,
    pub tally: Tally,
    /// Files read again by their job that the outcome's errors, warnings,
    /// notes or suppressed findings point into.
    pub texts: Vec<(FileId, Arc<SourceFile>)>,
}

/// Findings and fixes waiting for their group to be released.
#[derive(Default)]
struct Waiting {
    findings: Vec<Finding>,
    fixes: Vec<Fix>,
}

/// The texts jobs read again, held until their findings are written.
#[derive(Default)]
struct Texts {
    held: HashMap<FileId, Arc<SourceFile>>,
    /// The files each job read again and the last group of them, by that group.
    jobs: Vec<(u32, Vec<FileId>)>,
    /// Files something reported at the end points into: their texts are kept.
    keep: HashSet<FileId>,
    kept: Vec<(FileId, Arc<SourceFile>)>,
}

impl Texts {
    fn take(&mut self, done: &mut Done, order: &Order) {
        let problems = done.eval.problems.iter().chain(&done.notes);
        self.keep.extend(problems.map(|p| p.span.file));
        self.keep
            .extend(done.directives.iter().map(|d| d.span.file));
        if done.texts.is_empty() {
            return;
        }
        let files: Vec<FileId> = done.texts.iter().map(|(id, _)| *id).collect();
        let last = files.iter().map(|&f| order.group(f)).max().unwrap_or(0);
        let at = self.jobs.partition_point(|(l, _)| *l <= last);
        self.jobs.insert(at, (last, files));
        self.held.extend(done.texts.drain(..));
    }

    /// Keeps the texts of the files a suppressed finding points into.
    fn keep_suppressed(&mut self, s: &Suppressed) {
        let related = s.finding.related.iter().map(|(span, _)| span.file);
        let files = [s.at.file, s.finding.span.file].into_iter().chain(related);
        self.keep.extend(files);
    }

    /// The files with the texts held.
    fn view(&self, sources: &SourceMap) -> SourceMap {
        sources.with(self.held.iter().map(|(&id, f)| (id, f.clone())).collect())
    }

    /// Lets go of the texts of jobs whose groups are all released.
    fn written(&mut self, released: u32) {
        let done = self.jobs.partition_point(|(last, _)| *last < released);
        for (_, files) in self.jobs.drain(..done) {
            for id in files {
                let Some(text) = self.held.remove(&id) else {
                    continue;
                };
                if self.keep.contains(&id) {
                    self.kept.push((id, text));
                }
            }
        }
    }
}

/// Takes the jobs' results in any order and gives the sink their findings
/// in report order.
pub(super) struct Assembler<'a, 's> {
    cx: Context<'a>,
    order: Order,
    waiting: HashMap<u32, Waiting>,
    sink: &'s mut dyn Sink,
    used: HashSet<(Span, String)>,
    unused: Vec<(Span, String)>,
    texts: Texts,
    out: Assembled,
}

impl<'a, 's> Assembler<'a, 's> {
    pub fn new(cx: Context<'a>, order: Order, sink: &'s mut dyn Sink) -> Self {
        Assembler {
            cx,
            order,
            waiting: HashMap::new(),
            sink,
            used: HashSet::new(),
            unused: Vec::new(),
            texts: Texts::default(),
            out: Assembled::default(),
        }
    }

    /// Files job `job`'s result, then releases the groups it completes.
    pub fn take(&mut self, job: usize, mut done: Done) {
        self.texts.take(&mut done, &self.order);
        self.file(job, done);
        let released = self.order.finish(job);
        if !released.is_empty() {
            let view = self.texts.view(self.cx.sources);
            for group in released {
                self.release(group as u32, &view);
            }
        }
        self.texts.written(self.order.released());
    }

    fn file(&mut self, job: usize, done: Done) {
        let out = &mut self.out;
        out.resources += done.resources;
        out.problems.extend(done.eval.problems);
        out.notes.extend(done.notes);
        (out.checked).extend(
            done.eval
                .checked
                .into_iter()
                .filter(|c| self.cx.reported(&c.span)),
        );
        out.skipped.extend(done.skipped);
        let findings = self.cx.overrides.apply(self.cx.sources, done.eval.findings);
        let cx = &self.cx;
        let applied = suppress::apply(findings, &done.directives, cx.policies, &cx.ran, cx.today);
        out.warnings.extend(applied.warnings);
        self.used.extend(applied.used);
        self.unused.extend(applied.unused);
        for s in applied
            .suppressed
            .into_iter()
            .filter(|s| cx.touches(&s.finding))
        {
            self.texts.keep_suppressed(&s);
            out.suppressed.push(s);
        }
        for f in applied.findings.into_iter().filter(|f| cx.touches(f)) {
            let group = self.order.group(f.span.file);
            debug_assert!(
                self.order.reaches(job, group),
                "a finding outside its job's files"
            );
            self.waiting.entry(group).or_default().findings.push(f);
        }
        for x in done.fixes {
            let group = self.order.group(x.at.file);
            self.waiting.entry(group).or_default().fixes.push(x);
        }
    }

    /// Releases what is left and returns what was assembled.
    pub fn finish(mut self) -> Assembled {
        let view = self.texts.view(self.cx.sources);
        for group in self.order.finish_all() {
            self.release(group as u32, &view);
        }
        // Findings of groups released before they came (none, if every job
        // reaches the files it reports in), last rather than lost.
        let mut late: Vec<u32> = self.waiting.keys().copied().collect();
        late.sort_unstable();
        for group in late {
            self.release(group, &view);
        }
        self.texts.written(u32::MAX);
        let mut out = self.out;
        out.warnings
            .extend(suppress::unused(&self.unused, &self.used));
        out.baselined = self.cx.baseline.map_or(0, |b| b.matched);
        out.texts = self.texts.kept;
        out
    }

    /// Sorts a group's findings, drops duplicates and those of the
    /// baseline, and gives them to the sink with their fixes; `sources`
    /// hold the texts read again.
    fn release(&mut self, group: u32, sources: &SourceMap) {
        let Some(Waiting {
            mut findings,
            mut fixes,
        }) = self.waiting.remove(&group)
        else {
            return;
        };
        sort_findings(sources, &mut findings);
        if let Some(b) = &mut self.cx.baseline {
            b.apply(sources, &mut findings);
        }
        let found: HashSet<(&str, &str, Span)> = (findings.iter())
            .map(|f| (f.rule_id.as_str(), f.resource.as_str(), f.span))
            .collect();
        fixes.retain(|x| found.contains(&(x.rule_id.as_str(), x.resource.as_str(), x.at)));
        drop(found);
        fixes.sort_by(|a, b| (a.at, &a.rule_id).cmp(&(b.at, &b.rule_id)));
        for f in &findings {
            self.out.tally.add(f.severity);
        }
        self.sink.take(sources, findings, fixes);
    }
}
