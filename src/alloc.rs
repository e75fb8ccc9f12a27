//! The global allocator: the system allocator plus a counter of live heap
//! bytes, so `used_memory` (INFO, the maxmemory gate) is exact and costs one
//! relaxed atomic add per allocation, like Redis's zmalloc accounting.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static USED: AtomicUsize = AtomicUsize::new(0);

pub struct CountingAlloc;

// SAFETY: every method forwards to `System` with the caller's own arguments,
// so `System`'s guarantees hold unchanged; the only addition is bookkeeping
// on a static atomic counter, which never allocates. Tested by
// `alloc::tests::counts_live_bytes`.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl's comment).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            USED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            USED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        USED.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                USED.fetch_add(new_size - layout.size(), Ordering::Relaxed);
            } else {
                USED.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

/// Live heap bytes allocated through the global allocator (0 when the
/// binary does not install `CountingAlloc`, e.g. in unit tests).
pub fn used_memory() -> usize {
    USED.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_live_bytes() {
        // Drive the allocator directly: the test binary's global allocator is
        // the default one, so only these calls move the counter.
        let a = CountingAlloc;
        let before = used_memory();
        let layout = Layout::from_size_align(1000, 8).unwrap();
        // SAFETY: valid non-zero layout; the pointer is checked, reallocated
        // with the same alignment and freed with the layout it has then.
        unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null());
            assert_eq!(used_memory() - before, 1000);
            let p = a.realloc(p, layout, 3000);
            assert!(!p.is_null());
            assert_eq!(used_memory() - before, 3000);
            let bigger = Layout::from_size_align(3000, 8).unwrap();
            let p = a.realloc(p, bigger, 10);
            assert_eq!(used_memory() - before, 10);
            a.dealloc(p, Layout::from_size_align(10, 8).unwrap());
            let z = a.alloc_zeroed(layout);
            assert!(!z.is_null() && *z == 0);
            a.dealloc(z, layout);
        }
        assert_eq!(used_memory(), before);
    }
}
