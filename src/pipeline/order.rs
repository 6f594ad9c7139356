//! The order findings are reported in, kept while the run streams: files
//! grouped by name and sorted, each group released as soon as no
//! unfinished job can add a finding to it.

use crate::source::{FileId, SourceMap};
use std::ops::Range;

/// The files each job may report findings in, held one run after another.
pub(super) struct Reach {
    /// Where the files of each job start in `files`, and where the last end.
    starts: Vec<u32>,
    files: Vec<FileId>,
}

impl Default for Reach {
    fn default() -> Reach {
        Reach {
            starts: vec![0],
            files: Vec::new(),
        }
    }
}

impl Reach {
    /// Adds the files of the next job.
    pub fn push(&mut self, files: impl IntoIterator<Item = FileId>) {
        self.files.extend(files);
        self.starts.push(self.files.len() as u32);
    }
}

/// Groups of files (by name, in report order), and the job that alone
/// reaches a group, if one does.
pub(super) struct Groups {
    /// The group of each file, by [`FileId`].
    group_of: Vec<u32>,
    /// Per group: the one job that reaches it, or [`NONE`] (no job, or several).
    only: Vec<u32>,
}

/// No job alone reaches the group.
const NONE: u32 = u32::MAX;

impl Groups {
    /// The group of a file.
    pub fn group(&self, file: FileId) -> u32 {
        self.group_of[file.0 as usize]
    }

    /// True if job `job`, and no other, reaches `group`.
    pub fn alone(&self, group: u32, job: usize) -> bool {
        self.only[group as usize] as usize == job
    }
}

/// What each job reaches, and the groups released as jobs finish.
pub(super) struct Order {
    /// Per group: the unfinished jobs that reach it.
    pending: Vec<u32>,
    /// Where the groups each job reaches start in `reached`, and where the
    /// last end.
    starts: Vec<u32>,
    /// Per job: the groups it may add findings to (sorted, without repeats).
    reached: Vec<u32>,
    /// The first group not released yet.
    next: usize,
}

impl Order {
    /// `reach`: the files each job may report findings in.
    pub fn new(sources: &SourceMap, reach: Reach) -> (Groups, Order) {
        let mut files: Vec<(&str, FileId)> = sources.iter().map(|(id, f)| (&*f.name, id)).collect();
        files.sort_unstable();
        let mut group_of = vec![0; files.len()];
        let mut groups = 0u32;
        for (i, &(name, id)) in files.iter().enumerate() {
            if i > 0 && files[i - 1].0 != name {
                groups += 1;
            }
            group_of[id.0 as usize] = groups;
        }
        let mut pending = vec![0; groups as usize + usize::from(!files.is_empty())];
        let mut only = vec![NONE; pending.len()];
        drop(files);
        // Each job's files become its groups, sorted and without repeats,
        // in place.
        let Reach { mut starts, files } = reach;
        let mut reached: Vec<u32> = files.into_iter().map(|f| group_of[f.0 as usize]).collect();
        let mut end = 0;
        for job in 0..starts.len() - 1 {
            let (from, to) = (starts[job] as usize, starts[job + 1] as usize);
            reached[from..to].sort_unstable();
            starts[job] = end as u32;
            for i in from..to {
                if end == starts[job] as usize || reached[end - 1] != reached[i] {
                    let group = reached[i] as usize;
                    reached[end] = reached[i];
                    pending[group] += 1;
                    only[group] = if pending[group] == 1 {
                        job as u32
                    } else {
                        NONE
                    };
                    end += 1;
                }
            }
        }
        if let Some(last) = starts.last_mut() {
            *last = end as u32;
        }
        reached.truncate(end);
        let order = Order {
            pending,
            starts,
            reached,
            next: 0,
        };
        (Groups { group_of, only }, order)
    }

    /// The groups job `job` reaches.
    fn reach(&self, job: usize) -> &[u32] {
        &self.reached[self.starts[job] as usize..self.starts[job + 1] as usize]
    }

    /// The jobs in the order to run them: by the first group each reaches,
    /// so that groups are released early and few findings wait.
    pub fn schedule(&self) -> Vec<usize> {
        let mut jobs: Vec<usize> = (0..self.starts.len() - 1).collect();
        jobs.sort_by_key(|&j| self.reach(j).first().copied().unwrap_or(u32::MAX));
        jobs
    }

    /// True if job `job` was counted as reaching `group`.
    pub fn reaches(&self, job: usize, group: u32) -> bool {
        self.reach(job).binary_search(&group).is_ok()
    }

    /// How many groups are released: those before this index.
    pub fn released(&self) -> u32 {
        self.next as u32
    }

    /// Marks a job done; returns the groups released by it, in order.
    pub fn finish(&mut self, job: usize) -> Range<usize> {
        for i in self.starts[job]..self.starts[job + 1] {
            self.pending[self.reached[i as usize] as usize] -= 1;
        }
        let start = self.next;
        while self.next < self.pending.len() && self.pending[self.next] == 0 {
            self.next += 1;
        }
        start..self.next
    }

    /// Releases every group left (at the end of a run).
    pub fn finish_all(&mut self) -> Range<usize> {
        let start = self.next;
        self.next = self.pending.len();
        start..self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn reach(jobs: &[&[FileId]]) -> Reach {
        let mut reach = Reach::default();
        for files in jobs {
            reach.push(files.iter().copied());
        }
        reach
    }

    fn sources(names: &[&str]) -> SourceMap {
        let mut sources = SourceMap::default();
        for name in names {
            sources.add(SourceFile::new(
                name.to_string(),
                name.into(),
                String::new(),
            ));
        }
        sources
    }

    #[test]
    fn a_group_is_released_when_every_job_reaching_it_and_every_group_before_it_is_done() {
        // Files 0..4 named so that their groups are: b.tf=1, a.yaml=0 (twice), c.tf=2.
        let sources = sources(&["b.tf", "a.yaml", "c.tf", "a.yaml"]);
        let (a, a2, b, c) = (FileId(1), FileId(3), FileId(0), FileId(2));
        // Job 0 reaches c.tf, job 1 both a.yaml files, job 2 b.tf and c.tf
        // (and c.tf again).
        let (groups, mut order) = Order::new(&sources, reach(&[&[c], &[a, a2], &[c, b, c]]));
        assert_eq!(
            (order.reach(0), order.reach(1), order.reach(2)),
            (&[2][..], &[0][..], &[1, 2][..])
        );
        assert_eq!((groups.group(a), groups.group(a2)), (0, 0));
        assert_eq!((groups.group(b), groups.group(c)), (1, 2));
        // a.yaml and b.tf are reached by one job each, c.tf by two.
        assert!(groups.alone(0, 1) && groups.alone(1, 2));
        assert!(!groups.alone(0, 0) && !groups.alone(2, 0) && !groups.alone(2, 2));
        assert_eq!(order.schedule(), vec![1, 2, 0]);
        assert!(order.reaches(2, 1) && !order.reaches(0, 1));
        // Job 0 done: c.tf still waits for job 2, and a.yaml for job 1.
        assert_eq!(order.finish(0), 0..0);
        assert_eq!(order.finish(1), 0..1);
        assert_eq!(order.released(), 1);
        assert_eq!(order.finish(2), 1..3);
        assert_eq!(order.finish_all(), 3..3);
    }

    #[test]
    fn groups_no_job_reaches_are_released_before_the_first_job_ends() {
        let sources = sources(&["a.tf", "b.tf", "c.tf"]);
        let (groups, mut order) = Order::new(&sources, reach(&[&[FileId(1)]]));
        assert!(groups.alone(1, 0) && !groups.alone(0, 0) && !groups.alone(2, 0));
        assert_eq!(order.finish(0), 0..3);
        let (_, mut none) = Order::new(&sources, Reach::default());
        assert_eq!(none.finish_all(), 0..3);
    }
}
