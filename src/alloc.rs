//! The global allocator: jemalloc (as Redis uses) plus an exact counter of
//! live heap bytes, so `used_memory` (INFO, the maxmemory gate) costs one
//! relaxed atomic add per allocation, like Redis's zmalloc accounting. The
//! counter adds jemalloc's real size class (`nallocx`), not the requested
//! size, so it matches what the allocator hands out. Also reads jemalloc's
//! own statistics (allocated / active / resident / ...) and purges its dirty
//! pages for INFO and MEMORY.
//!
//! Fork safety: BGSAVE forks. jemalloc registers `pthread_atfork` handlers
//! that take and release its locks around `fork`, and ember never enables
//! jemalloc's background threads (`opt.background_thread` stays false), so
//! the child starts with consistent allocator state and no thread that could
//! hold a lock.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::{CStr, c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

use tikv_jemalloc_sys as je;
use tikv_jemallocator::Jemalloc;

static USED: AtomicUsize = AtomicUsize::new(0);

pub struct CountingAlloc;

/// The flags jemalloc needs for `layout` (mirrors what `Jemalloc` passes, so
/// `nallocx` returns the size class of the allocation it actually made):
/// none when malloc's natural alignment suffices, else an explicit alignment.
fn flags(layout: &Layout) -> c_int {
    const NATURAL_ALIGN: usize = 16;
    if layout.align() <= NATURAL_ALIGN && layout.align() <= layout.size() {
        0
    } else {
        // MALLOCX_LG_ALIGN(lg) is lg itself.
        layout.align().trailing_zeros() as c_int
    }
}

/// Sizes up to this are mapped to their size class by arithmetic
/// (`class_of`) instead of a call into jemalloc: the small classes and the
/// first large ones (above 32 KiB jemalloc's large classes here no longer
/// follow the pattern: 32769 bytes get 36864).
const FAST_CLASS_MAX: usize = 1 << 14;

/// jemalloc's size class for a plain (naturally aligned) request of `n`
/// bytes, 1 <= n <= FAST_CLASS_MAX, computed: 8, then multiples of 16 up to
/// 128, then four classes per power of two (128 + 32k, 256 + 64k, ...).
/// This is the layout of jemalloc's default configuration (16-byte quantum,
/// four classes per doubling); `class_arithmetic_matches_jemalloc` checks
/// every size against `nallocx`. A few instructions instead of a library
/// call on every allocation and free (Lua allocates ~15 times per script
/// call).
#[inline]
fn class_of(n: usize) -> usize {
    if n <= 8 {
        8
    } else if n <= 128 {
        (n + 15) & !15
    } else {
        let lg = usize::BITS - 1 - (n - 1).leading_zeros();
        let step = 1usize << (lg - 2);
        (n + step - 1) & !(step - 1)
    }
}

/// The bytes jemalloc really reserves for an allocation of `layout`.
#[inline]
fn real_size(layout: &Layout) -> usize {
    if layout.size() <= FAST_CLASS_MAX && flags(layout) == 0 {
        return class_of(layout.size());
    }
    // SAFETY: nallocx only computes a size class; it has no preconditions
    // beyond a non-zero size, which GlobalAlloc guarantees for every layout
    // it passes (zero-sized layouts never reach the global allocator).
    match unsafe { je::nallocx(layout.size(), flags(layout)) } {
        0 => layout.size(),
        n => n,
    }
}

// SAFETY: every method forwards to `Jemalloc` with the caller's own
// arguments, so its guarantees hold unchanged; the only addition is
// bookkeeping on a static atomic counter, which never allocates. Tested by
// `alloc::tests::counts_live_bytes`.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl's comment).
        let p = unsafe { Jemalloc.alloc(layout) };
        if !p.is_null() {
            USED.fetch_add(real_size(&layout), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { Jemalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            USED.fetch_add(real_size(&layout), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { Jemalloc.dealloc(ptr, layout) };
        USED.fetch_sub(real_size(&layout), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { Jemalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let old = real_size(&layout);
            // A valid layout (the caller guarantees `new_size` forms one).
            let new = Layout::from_size_align(new_size, layout.align())
                .map_or(new_size, |l| real_size(&l));
            if new >= old {
                USED.fetch_add(new - old, Ordering::Relaxed);
            } else {
                USED.fetch_sub(old - new, Ordering::Relaxed);
            }
        }
        p
    }
}

/// INFO mem_allocator, as a jemalloc build of Redis names it.
pub const ALLOCATOR_NAME: &str = "jemalloc-5.3.0";

/// The bytes jemalloc reserves for a plain allocation of `n` bytes (its
/// size class): what a key or value of that size really costs.
pub fn size_class(n: usize) -> usize {
    match Layout::from_size_align(n.max(1), 1) {
        Ok(l) => real_size(&l),
        Err(_) => n,
    }
}

/// jemalloc's full statistics report (MEMORY MALLOC-STATS).
pub fn stats_report() -> String {
    unsafe extern "C" fn write_cb(opaque: *mut c_void, msg: *const std::ffi::c_char) {
        // SAFETY: `opaque` is the `&mut String` passed below, alive for the
        // whole `malloc_stats_print` call; `msg` is a NUL-terminated string
        // jemalloc owns for the duration of this callback.
        unsafe {
            let out = &mut *opaque.cast::<String>();
            out.push_str(&CStr::from_ptr(msg).to_string_lossy());
        }
    }
    let mut out = String::new();
    // SAFETY: the callback only appends to `out`, which outlives the call;
    // null options print the default report.
    unsafe {
        je::malloc_stats_print(
            Some(write_cb),
            (&raw mut out).cast::<c_void>(),
            std::ptr::null(),
        )
    };
    out
}

/// Live heap bytes allocated through the global allocator (0 when the
/// binary does not install `CountingAlloc`, e.g. in unit tests).
pub fn used_memory() -> usize {
    USED.load(Ordering::Relaxed)
}

/// jemalloc's own view of its memory (Redis's allocator_* INFO fields).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AllocatorStats {
    /// Bytes in live allocations (stats.allocated).
    pub allocated: usize,
    /// Bytes in pages holding live allocations (stats.active).
    pub active: usize,
    /// Bytes of physically resident allocator pages (stats.resident).
    pub resident: usize,
    /// Bytes of mapped extents (stats.mapped).
    pub mapped: usize,
    /// Bytes retained for reuse, not returned to the OS (stats.retained).
    pub retained: usize,
    /// Bytes of allocator metadata (stats.metadata).
    pub metadata: usize,
}

/// Reads a `size_t` statistic by its NUL-terminated mallctl name.
fn read_stat(name: &CStr) -> Option<usize> {
    let mut value: usize = 0;
    let mut len = std::mem::size_of::<usize>();
    // SAFETY: `name` is NUL-terminated; `value`/`len` describe a writable
    // size_t, the type of every statistic read here; no new value is written.
    let rc = unsafe {
        je::mallctl(
            name.as_ptr(),
            (&raw mut value).cast::<c_void>(),
            &raw mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    (rc == 0).then_some(value)
}

/// Refreshes and reads jemalloc's statistics. `None` when the statistics are
/// unavailable (they always are in this build; the unit-test binary, which
/// uses the system allocator, still reads jemalloc's mostly idle arenas).
pub fn allocator_stats() -> Option<AllocatorStats> {
    // Statistics are snapshots refreshed by writing the epoch.
    let mut epoch: u64 = 1;
    let mut len = std::mem::size_of::<u64>();
    // SAFETY: "epoch" is a u64 read-write mallctl; both pointers describe a
    // valid u64.
    let rc = unsafe {
        je::mallctl(
            c"epoch".as_ptr(),
            (&raw mut epoch).cast::<c_void>(),
            &raw mut len,
            (&raw mut epoch).cast::<c_void>(),
            std::mem::size_of::<u64>(),
        )
    };
    if rc != 0 {
        return None;
    }
    Some(AllocatorStats {
        allocated: read_stat(c"stats.allocated")?,
        active: read_stat(c"stats.active")?,
        resident: read_stat(c"stats.resident")?,
        mapped: read_stat(c"stats.mapped")?,
        retained: read_stat(c"stats.retained")?,
        metadata: read_stat(c"stats.metadata")?,
    })
}

/// Returns the dirty pages of every arena to the OS (MEMORY PURGE). True on
/// success.
pub fn purge() -> bool {
    // "arena.<MALLCTL_ARENAS_ALL>.purge": MALLCTL_ARENAS_ALL is 4096.
    // SAFETY: a NUL-terminated name; the purge control takes no value in or
    // out, so both pointers are null with zero length.
    let rc = unsafe {
        je::mallctl(
            c"arena.4096.purge".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    rc == 0
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
        // SAFETY: valid non-zero layouts; each pointer is checked, reallocated
        // with the same alignment and freed with the layout it has then.
        unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null());
            // 1000 bytes live in jemalloc's 1024-byte size class.
            assert_eq!(used_memory() - before, 1024);
            let p = a.realloc(p, layout, 3000);
            assert!(!p.is_null());
            assert_eq!(used_memory() - before, 3072);
            let bigger = Layout::from_size_align(3000, 8).unwrap();
            let p = a.realloc(p, bigger, 10);
            assert_eq!(used_memory() - before, 16);
            a.dealloc(p, Layout::from_size_align(10, 8).unwrap());
            let z = a.alloc_zeroed(layout);
            assert!(!z.is_null() && *z == 0);
            a.dealloc(z, layout);
            // Over-aligned: counted with the size class jemalloc used for it.
            let wide = Layout::from_size_align(8, 64).unwrap();
            let w = a.alloc(wide);
            assert!(!w.is_null() && (w as usize).is_multiple_of(64));
            assert_eq!(used_memory() - before, 64);
            a.dealloc(w, wide);
        }
        assert_eq!(used_memory(), before);
    }

    #[test]
    fn class_arithmetic_matches_jemalloc() {
        for n in 1..=FAST_CLASS_MAX * 2 {
            // SAFETY: nallocx only computes a size class; n is non-zero.
            let je = unsafe { je::nallocx(n, 0) };
            assert_eq!(class_of(n), je, "size {n}");
        }
    }

    #[test]
    fn size_classes_and_report() {
        assert_eq!(size_class(0), 8);
        assert_eq!(size_class(64), 64);
        assert_eq!(size_class(65), 80);
        assert_eq!(size_class(1000), 1024);
        let report = stats_report();
        assert!(report.contains("jemalloc statistics"), "{report}");
    }

    #[test]
    fn allocator_stats_and_purge() {
        // Other tests allocate on other threads while the counters are
        // read one by one, so a single snapshot may be torn: retry until
        // one is consistent.
        let consistent = (0..200).any(|_| {
            let s = allocator_stats().expect("jemalloc statistics are compiled in");
            s.active >= s.allocated && s.resident >= s.active && s.mapped > 0 && s.metadata > 0
        });
        assert!(consistent, "jemalloc statistics never consistent");
        assert!(purge());
    }
}
