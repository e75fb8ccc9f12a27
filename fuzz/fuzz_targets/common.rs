//! Shared by the fuzz targets: an allocator that aborts (a crash libFuzzer
//! records with its input) on any single allocation above `CAP`, so a
//! decoder that trusts a declared length is caught even when the memory
//! would never be touched (RSS limits miss those).

use std::alloc::{GlobalAlloc, Layout, System};

/// Inputs are at most a few hundred KB; LZF may expand 88x. Anything past
/// this is a length taken from the input without a check.
const CAP: usize = 256 << 20;

pub struct CapAlloc;

fn check(size: usize) {
    if size > CAP {
        // No formatting machinery here: it could allocate.
        let msg = b"fuzz: allocation above the cap\n";
        // SAFETY: writing a static buffer to stderr.
        unsafe { libc_write(2, msg.as_ptr(), msg.len()) };
        std::process::abort();
    }
}

unsafe extern "C" {
    #[link_name = "write"]
    fn libc_write(fd: i32, buf: *const u8, n: usize) -> isize;
}

// SAFETY: forwards to System after a size check that only aborts.
unsafe impl GlobalAlloc for CapAlloc {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        check(l.size());
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        check(l.size());
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        check(new);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: CapAlloc = CapAlloc;
