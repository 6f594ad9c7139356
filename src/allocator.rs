//! The global allocator: mimalloc, without transparent huge pages (they
//! doubled the resident set of a run for no gain in time).

use libmimalloc_sys as ffi;
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::{c_int, c_long, c_void};

extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h`: how long memory
/// freed is kept before it goes back to the system, in milliseconds.
const PURGE_DELAY: c_int = 15;

/// Memory freed goes back to the system after 3 ms rather than mimalloc's
/// 1 s: a run frees each file's text and trees once its findings are
/// written, and would otherwise hold them to its end (its resident set grew
/// about 25% from one to four times the files; it grows about 20% with this).
pub fn configure() {
    // SAFETY: sets one of mimalloc's options, which may change at any time.
    unsafe { mi_option_set(PURGE_DELAY, 3) }
}

/// mimalloc's plain entry points for what they align well enough (as the
/// standard library does with `malloc`), its aligned ones for the rest.
pub struct MiMalloc;

/// The alignment every block of at least that size has.
const MIN_ALIGN: usize = 16;

fn plain(layout: Layout) -> bool {
    layout.align() <= MIN_ALIGN && layout.align() <= layout.size()
}

// SAFETY: each function hands mimalloc's own blocks back to mimalloc, with
// the alignment the layout asks for.
unsafe impl GlobalAlloc for MiMalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match plain(layout) {
            true => unsafe { ffi::mi_malloc(layout.size()) as *mut u8 },
            false => unsafe { ffi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8 },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match plain(layout) {
            true => unsafe { ffi::mi_zalloc(layout.size()) as *mut u8 },
            false => unsafe { ffi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8 },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _: Layout) {
        unsafe { ffi::mi_free(ptr as *mut c_void) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let ptr = ptr as *mut c_void;
        match plain(layout) && layout.align() <= new_size {
            true => unsafe { ffi::mi_realloc(ptr, new_size) as *mut u8 },
            false => unsafe { ffi::mi_realloc_aligned(ptr, new_size, layout.align()) as *mut u8 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" {
        fn mi_option_get(option: c_int) -> c_long;
    }

    #[test]
    fn the_purge_delay_is_set() {
        // SAFETY: reads one of mimalloc's options.
        let get = || unsafe { mi_option_get(PURGE_DELAY) };
        // The option is the purge delay: 1 s unless set.
        assert_eq!(get(), 1000);
        configure();
        assert_eq!(get(), 3);
    }

    #[test]
    fn blocks_have_their_alignment_and_keep_their_bytes_when_grown() {
        for align in [1, 2, 8, 16, 32, 64, 4096] {
            for size in [align, 3 * align, 24 * align, 100_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = MiMalloc.alloc(layout);
                    assert_eq!(p as usize % align, 0, "{size} bytes aligned to {align}");
                    p.write_bytes(7, size);
                    let q = MiMalloc.realloc(p, layout, size * 2 + 1);
                    assert_eq!(
                        q as usize % align,
                        0,
                        "{size} bytes grown, aligned to {align}"
                    );
                    assert!((0..size).all(|i| *q.add(i) == 7));
                    MiMalloc.dealloc(q, Layout::from_size_align(size * 2 + 1, align).unwrap());
                    let z = MiMalloc.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    MiMalloc.dealloc(z, layout);
                }
            }
        }
    }
}
