//! The files reported on: every file whose path was asked for. A path
//! discovered is held once, by the file read from it; the others are held
//! as paths until the run's files are all read.

use crate::source::{FileSet, SourceMap};
use foldhash::HashSet;
use std::path::{Path, PathBuf};

/// The files reported on, as files and as paths.
pub(super) struct Reported {
    /// Files whose path is reported (the discovered ones).
    ids: FileSet,
    /// The other paths reported.
    paths: HashSet<PathBuf>,
}

impl Reported {
    /// `ids`: files whose path is reported, and which no path of `paths` is.
    pub fn new(ids: FileSet, paths: HashSet<PathBuf>) -> Reported {
        Reported { ids, paths }
    }

    /// Reports the files at `path` too, read already or not.
    pub fn insert(&mut self, path: PathBuf) {
        self.paths.insert(path);
    }

    /// The files of `sources` whose path is reported: one of the paths, or
    /// the path of one of the files (another file may be read from it too).
    pub fn ids(self, sources: &SourceMap) -> FileSet {
        let others: HashSet<&Path> = (sources.iter())
            .filter(|&(id, _)| !self.ids.contains(id))
            .map(|(_, f)| f.path())
            .collect();
        let shared: HashSet<&Path> = (self.ids.iter())
            .map(|id| sources.get(id).path())
            .filter(|p| others.contains(p))
            .collect();
        let mut ids = self.ids.clone();
        for (id, f) in sources.iter().filter(|&(id, _)| !self.ids.contains(id)) {
            if self.paths.contains(f.path()) || shared.contains(f.path()) {
                ids.insert(id);
            }
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile};

    #[test]
    fn a_file_is_reported_when_its_path_is_whatever_file_was_read_from_it() {
        let mut sources = SourceMap::default();
        let files = ["a.yaml", "b.tf", "c.tf", "a.yaml", "d//e.json", "c.tf"];
        let files = files
            .into_iter()
            .chain(["p.json", "b.tf", "x.yaml", "z.yaml"]);
        for path in files {
            sources.add(SourceFile::new(path.into(), path.into(), String::new()));
        }
        // Reported as files: the first `a.yaml` and `c.tf`, and `d//e.json`;
        // as paths: `p.json` and one read by no file.
        let ids: FileSet = [0, 2, 4].into_iter().map(FileId).collect();
        let paths = ["p.json", "q.json"]
            .into_iter()
            .map(PathBuf::from)
            .collect();
        let mut reported = Reported::new(ids, paths);
        reported.insert("b.tf".into());
        reported.insert("x.yaml".into());
        // What a set of every path reported gives.
        let every: HashSet<&Path> = ["a.yaml", "c.tf", "d/e.json", "p.json", "q.json"]
            .iter()
            .chain(&["b.tf", "x.yaml"])
            .map(Path::new)
            .collect();
        let expected: Vec<u32> = (sources.iter())
            .filter(|(_, f)| every.contains(f.path()))
            .map(|(id, _)| id.0)
            .collect();
        let got: Vec<u32> = reported.ids(&sources).iter().map(|id| id.0).collect();
        assert_eq!(got, expected);
        assert_eq!(got, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
}
