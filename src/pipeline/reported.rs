//! The files reported on: every file whose path was asked for. The paths
//! are turned into file ids as soon as the discovered files are read, so
//! that a run does not hold each path twice while it lints.

use crate::source::{FileSet, SourceMap};
use foldhash::HashSet;
use std::path::{Path, PathBuf};

/// The paths reported on, as the files read when it was made and the
/// paths none of them has.
pub(super) struct Reported {
    /// The files read then whose path is reported.
    ids: FileSet,
    /// How many files were read then.
    read: u32,
    /// The paths reported that no file read then has, and those added since.
    paths: HashSet<PathBuf>,
}

impl Reported {
    /// The files of `sources` whose path is in `paths`, and the paths left.
    pub fn new(sources: &SourceMap, mut paths: HashSet<PathBuf>) -> Reported {
        let ids: FileSet = (sources.iter())
            .filter(|(_, f)| paths.contains(f.path()))
            .map(|(id, _)| id)
            .collect();
        for id in ids.iter() {
            paths.remove(sources.get(id).path());
        }
        paths.shrink_to_fit();
        Reported {
            ids,
            read: sources.iter().count() as u32,
            paths,
        }
    }

    /// Reports the files at `path` too, read already or not.
    pub fn insert(&mut self, path: PathBuf) {
        self.paths.insert(path);
    }

    /// The files of `sources` (those read when this was made, and those
    /// read since) whose path is reported.
    pub fn ids(self, sources: &SourceMap) -> FileSet {
        let since: HashSet<&Path> = (sources.iter())
            .skip(self.read as usize)
            .map(|(_, f)| f.path())
            .collect();
        // The paths of files read since that files read before had.
        let again: HashSet<&Path> = (self.ids.iter())
            .map(|id| sources.get(id).path())
            .filter(|p| since.contains(p))
            .collect();
        let mut ids = self.ids;
        for (id, f) in sources.iter() {
            let path = f.path();
            if self.paths.contains(path) || (id.0 >= self.read && again.contains(path)) {
                ids.insert(id);
            }
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn add(sources: &mut SourceMap, path: &str) {
        sources.add(SourceFile::new(path.into(), path.into(), String::new()));
    }

    #[test]
    fn a_file_is_reported_when_its_path_is_whenever_it_was_read() {
        let mut sources = SourceMap::default();
        for path in ["a.yaml", "b.tf", "c.tf", "a.yaml", "d//e.json"] {
            add(&mut sources, path);
        }
        let asked = ["a.yaml", "c.tf", "d/e.json", "p.json", "q.json"];
        let mut reported = Reported::new(&sources, asked.iter().map(PathBuf::from).collect());
        // Read since: a file read before again, one reported and one not,
        // and one whose path is added.
        for path in ["c.tf", "p.json", "b.tf", "x.yaml", "z.yaml"] {
            add(&mut sources, path);
        }
        reported.insert("b.tf".into());
        reported.insert("x.yaml".into());
        // What a set of every path asked for gives.
        let every: HashSet<&Path> = (asked.iter().chain(&["b.tf", "x.yaml"]))
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
