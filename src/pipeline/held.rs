//! Files held open for their job to read again: a text left to its job and
//! dropped once read is read again from the file already opened, without
//! walking its path, opening and checking it again. What is read is the
//! file that was checked, whatever its path leads to since.

use crate::gate::{read_limited, ReadError};
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;

/// A regular file read once, still open, and the length of its text then.
pub(super) struct Held(File, usize);

impl Held {
    pub fn new(file: File, length: usize) -> Held {
        Held(file, length)
    }

    /// The file's text, read again from its start as [`crate::gate::Gate::read`] reads.
    pub fn read(self) -> Result<String, ReadError> {
        let Held(file, length) = self;
        read_limited(FromStart { file, at: 0 }, length as u64)
    }
}

/// A file read from its start by offset (`pread`), whatever the offset it
/// was left at: one call less than seeking back, and none to lock it.
struct FromStart {
    file: File,
    at: u64,
}

impl Read for FromStart {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// At most this many files are held open.
const MOST: usize = 1 << 14;

/// Descriptors left for everything else a run opens.
const SPARE: usize = 256;

/// How many files may be held open: three quarters of the descriptors the
/// process may have open, less [`SPARE`], and at most [`MOST`].
pub(super) fn most() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` only writes the limit it is given.
    match unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } {
        0 => ((limit.rlim_cur.min(1 << 20) as usize).saturating_sub(SPARE) / 4 * 3).min(MOST),
        _ => 0,
    }
}

/// Grows the table of open files to hold [`most`] more, while the process
/// has one thread: growing it later, as files are held, makes every thread
/// wait, once each time it doubles.
pub(super) fn reserve() {
    // SAFETY: duplicates standard error onto the lowest free descriptor
    // from that number on, then closes the duplicate; nothing else changes.
    unsafe {
        let fd = libc::fcntl(2, libc::F_DUPFD_CLOEXEC, (most() + SPARE) as libc::c_int);
        if fd >= 0 {
            libc::close(fd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_file_is_read_again_whatever_its_path_leads_to_since() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "\u{feff}a: 1\n").unwrap();
        let mut file = File::open(&path).unwrap();
        let first = read_limited(&mut file, 0).unwrap();
        assert_eq!(first, "a: 1\n");
        // The name now leads elsewhere: the file read is still the one opened.
        std::fs::rename(&path, dir.path().join("old.yaml")).unwrap();
        std::fs::write(&path, "secret: 2\n").unwrap();
        assert_eq!(Held::new(file, first.len()).read().unwrap(), first);
    }
}
