//! The filter stage. On the worker that linted a job ([`file`]):
//! configuration overrides, the job's suppressions and the reported files,
//! then the findings in their groups, and those of the groups the job alone
//! reaches sorted and, when the sink renders ahead, rendered. Then, one job
//! at a time, for each group of files released in report order: sorting,
//! the baseline and the fixes, before the findings go to the [`Sink`].

use super::order::{Groups, Order};
use super::{sort_findings, Done, Render, Sink};
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
    pub groups: Groups,
    /// Renders the findings of the groups one job alone reaches, on the
    /// worker that found them (never with a baseline, which applies in
    /// report order).
    pub render: Option<Box<dyn Render>>,
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

    /// Adds the findings `other` tallied.
    fn merge(&mut self, other: Tally) {
        for (n, more) in self.0.iter_mut().zip(other.0) {
            *n += more;
        }
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
    /// Findings already rendered (see [`Context::render`]): the bytes and
    /// the tally of the findings.
    rendered: Option<(Vec<u8>, Tally)>,
}

impl Waiting {
    /// Sorts the findings, drops duplicates and those of the `baseline`,
    /// and keeps the fixes of those left, sorted.
    fn settle(&mut self, sources: &SourceMap, baseline: Option<&mut baseline::Filter>) {
        let Waiting {
            findings, fixes, ..
        } = self;
        sort_findings(sources, findings);
        if let Some(b) = baseline {
            b.apply(sources, findings);
        }
        if fixes.is_empty() {
            return;
        }
        let found: HashSet<(&str, &str, Span)> = (findings.iter())
            .map(|f| (f.rule_id.as_str(), f.resource.as_str(), f.span))
            .collect();
        fixes.retain(|x| found.contains(&(x.rule_id.as_str(), x.resource.as_str(), x.at)));
        drop(found);
        fixes.sort_by(|a, b| (a.at, &a.rule_id).cmp(&(b.at, &b.rule_id)));
    }
}

/// A job's result, filed by [`file`].
pub(super) struct Filed {
    /// The result, its findings and fixes taken out.
    done: Done,
    suppressed: Vec<Suppressed>,
    warnings: Vec<Problem>,
    used: Vec<(Span, String)>,
    unused: Vec<(Span, String)>,
    /// The findings and fixes of each group.
    groups: HashMap<u32, Waiting>,
}

/// Files job `job`'s result on the worker that linted it, `sources` holding
/// the texts it read again: its findings filtered and put in their groups;
/// a group the job alone reaches is settled, and rendered if the sink
/// renders ahead, so that the findings are read and dropped where they
/// were made.
pub(super) fn file(cx: &Context, job: usize, sources: &SourceMap, mut done: Done) -> Filed {
    let findings = cx
        .overrides
        .apply(cx.sources, std::mem::take(&mut done.eval.findings));
    let applied = suppress::apply(findings, &done.directives, cx.policies, &cx.ran, cx.today);
    let mut groups: HashMap<u32, Waiting> = HashMap::new();
    for f in applied.findings.into_iter().filter(|f| cx.touches(f)) {
        let group = cx.groups.group(f.span.file);
        groups.entry(group).or_default().findings.push(f);
    }
    for x in std::mem::take(&mut done.fixes) {
        let group = cx.groups.group(x.at.file);
        groups.entry(group).or_default().fixes.push(x);
    }
    if let Some(render) = &cx.render {
        for (_, w) in groups.iter_mut().filter(|(g, _)| cx.groups.alone(**g, job)) {
            w.settle(sources, None);
            let tally = Tally::of(&w.findings);
            w.rendered = Some((render.render(sources, &w.findings, &w.fixes), tally));
            (w.findings, w.fixes) = (Vec::new(), Vec::new());
        }
    }
    let suppressed = (applied.suppressed.into_iter())
        .filter(|s| cx.touches(&s.finding))
        .collect();
    Filed {
        done,
        suppressed,
        warnings: applied.warnings,
        used: applied.used,
        unused: applied.unused,
        groups,
    }
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
    fn take(&mut self, done: &mut Done, groups: &Groups) {
        let problems = done.eval.problems.iter().chain(&done.notes);
        self.keep.extend(problems.map(|p| p.span.file));
        self.keep
            .extend(done.directives.iter().map(|d| d.span.file));
        if done.texts.is_empty() {
            return;
        }
        let files: Vec<FileId> = done.texts.iter().map(|(id, _)| *id).collect();
        let last = files.iter().map(|&f| groups.group(f)).max().unwrap_or(0);
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
    cx: &'a Context<'a>,
    baseline: Option<baseline::Filter<'a>>,
    order: Order,
    waiting: HashMap<u32, Waiting>,
    sink: &'s mut dyn Sink,
    used: HashSet<(Span, String)>,
    unused: Vec<(Span, String)>,
    texts: Texts,
    out: Assembled,
}

impl<'a, 's> Assembler<'a, 's> {
    pub fn new(
        cx: &'a Context<'a>,
        baseline: Option<baseline::Filter<'a>>,
        order: Order,
        sink: &'s mut dyn Sink,
    ) -> Self {
        Assembler {
            cx,
            baseline,
            order,
            waiting: HashMap::new(),
            sink,
            used: HashSet::new(),
            unused: Vec::new(),
            texts: Texts::default(),
            out: Assembled::default(),
        }
    }

    /// Takes job `job`'s filed result, then releases the groups it completes.
    pub fn take(&mut self, job: usize, mut filed: Filed) {
        self.texts.take(&mut filed.done, &self.cx.groups);
        self.file(job, filed);
        let released = self.order.finish(job);
        if !released.is_empty() {
            let view = self.texts.view(self.cx.sources);
            for group in released {
                self.release(group as u32, &view);
            }
        }
        self.texts.written(self.order.released());
    }

    fn file(&mut self, job: usize, filed: Filed) {
        let Filed {
            done,
            suppressed,
            warnings,
            used,
            unused,
            groups,
        } = filed;
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
        out.warnings.extend(warnings);
        self.used.extend(used);
        self.unused.extend(unused);
        for s in suppressed {
            self.texts.keep_suppressed(&s);
            out.suppressed.push(s);
        }
        for (group, mut w) in groups {
            debug_assert!(
                self.order.reaches(job, group),
                "a finding or fix outside its job's files"
            );
            let held = self.waiting.entry(group).or_default();
            held.findings.append(&mut w.findings);
            held.fixes.append(&mut w.fixes);
            // Only the one job that reaches the group renders it.
            if w.rendered.is_some() {
                held.rendered = w.rendered;
            }
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
        out.baselined = self.baseline.map_or(0, |b| b.matched);
        out.texts = self.texts.kept;
        out
    }

    /// Gives the sink a group's findings: as rendered on their worker, or
    /// settled here (sorted, without duplicates and those of the baseline)
    /// with their fixes; `sources` hold the texts read again.
    fn release(&mut self, group: u32, sources: &SourceMap) {
        let Some(mut w) = self.waiting.remove(&group) else {
            return;
        };
        if let Some((bytes, tally)) = w.rendered.take() {
            self.out.tally.merge(tally);
            self.sink.take_rendered(bytes);
        }
        // Findings beside rendered ones came from a job that reported beyond
        // the files it reaches: written after them rather than lost.
        if w.findings.is_empty() && w.fixes.is_empty() {
            return;
        }
        w.settle(sources, self.baseline.as_mut());
        self.out.tally.merge(Tally::of(&w.findings));
        self.sink.take(sources, w.findings, w.fixes);
    }
}
