//! The keyspace hash table: owns keys and values in a Redis-style dict (two tables,
//! incremental rehash a few buckets per write or cron step, SCAN-safe cursors), keyed
//! with a per-dict random `ahash` seed against hash flooding. Knows nothing of types.

use std::alloc::{Layout, alloc};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::marker::PhantomData;
use std::mem::{self, MaybeUninit};
use std::ptr::NonNull;

use ahash::RandomState;

/// Buckets in a freshly allocated table, and the floor for shrinking.
const INITIAL_SIZE: usize = 4;
/// Shrink once fewer than one entry per `MIN_FILL` buckets is in use.
const MIN_FILL: usize = 8;
/// While resizing is disallowed (a fork child is sharing our pages), still grow once
/// the load factor exceeds this, and still shrink once the fill drops below
/// `1 / (MIN_FILL * FORCE_RESIZE_RATIO)`; rehash steps are likewise paused unless the
/// two tables differ in size by more than this factor.
const FORCE_RESIZE_RATIO: usize = 4;
/// A rehash step of `n` buckets gives up after visiting `n * EMPTY_VISITS_PER_STEP`
/// empty buckets, so a sparse table cannot turn one step into a long scan.
const EMPTY_VISITS_PER_STEP: usize = 10;
/// Freeing an old table of at least this many buckets (1 MiB) has the free
/// thread return the allocator's dirty pages to the OS.
const PURGE_AFTER_FREEING_BUCKETS: usize = 1 << 17;
/// Random bucket probes before [`Dict::random_entry`] falls back to a linear walk.
const RANDOM_PROBES: usize = 100;
/// Entries [`Dict::fair_random_entry`] samples before picking one (Redis's
/// GETFAIR_NUM_ENTRIES).
const FAIR_SAMPLE: usize = 15;

type Bucket<V> = Option<Entry<V>>;

/// Bits of the header word that hold the key length; the rest hold the caller's
/// metadata. 40 bits allow keys up to 1 TiB, far beyond any real request.
const KEY_LEN_BITS: u32 = 40;
const KEY_LEN_MASK: u64 = (1 << KEY_LEN_BITS) - 1;
/// Bits of caller metadata kept per entry (the keyspace keeps its LRU clock or
/// LFU counter there, as Redis keeps them in the object header).
pub const META_BITS: u32 = 64 - KEY_LEN_BITS;
const META_MASK: u32 = (1 << META_BITS) - 1;

/// The fixed start of every entry allocation. The value `V` follows at the next
/// multiple of its alignment, and the key's bytes follow the value, so a key, its
/// value and their bookkeeping cost exactly one allocation:
///
/// ```text
/// | next: 8 | key length (40 bits) + meta (24 bits): 8 | value: size_of V | key bytes |
/// ```
///
/// For the keyspace (`V` = 32-byte `Value`) and a 16-byte key that is 64 bytes,
/// one jemalloc size class with no slack. The key's hash is not stored: rehashing
/// recomputes it from the key, which sits in the cache line the move touches anyway.
#[repr(C)]
struct Header<V> {
    next: Bucket<V>,
    word: u64,
}

/// An owned entry: a pointer to one allocation laid out as [`Header`] describes.
/// Behaves like a `Box`: dropping it drops the value and frees the allocation.
#[repr(transparent)]
pub struct Entry<V> {
    ptr: NonNull<Header<V>>,
    _owns: PhantomData<V>,
}

impl<V> Entry<V> {
    /// Alignment of the whole allocation.
    const ALIGN: usize = if mem::align_of::<V>() > mem::align_of::<Header<V>>() {
        mem::align_of::<V>()
    } else {
        mem::align_of::<Header<V>>()
    };
    /// Offset of the value: the header rounded up to the value's alignment.
    const VALUE_AT: usize = mem::size_of::<Header<V>>().next_multiple_of(mem::align_of::<V>());
    /// Offset of the key bytes.
    const KEY_AT: usize = Self::VALUE_AT + mem::size_of::<V>();

    /// The allocation for a key of `key_len` bytes. `None` only for lengths no
    /// allocation could hold.
    fn layout(key_len: usize) -> Option<Layout> {
        let size = Self::KEY_AT.checked_add(key_len)?;
        Layout::from_size_align(size, Self::ALIGN).ok()
    }

    /// Bytes of the allocation for a key of `key_len` bytes (for memory reports).
    pub fn alloc_size(key_len: usize) -> usize {
        Self::KEY_AT + key_len
    }

    fn new(key: &[u8], value: V, meta: u32) -> Self {
        // A key too long for the length field or for a `Layout` cannot exist in
        // memory; treat it like any failed allocation.
        let layout = match Self::layout(key.len()) {
            Some(l) if (key.len() as u64) <= KEY_LEN_MASK => l,
            _ => std::alloc::handle_alloc_error(Layout::new::<Header<V>>()),
        };
        // SAFETY: `layout` has a non-zero size (the header alone is 16 bytes).
        let raw = unsafe { alloc(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<Header<V>>()) else {
            std::alloc::handle_alloc_error(layout)
        };
        // SAFETY: the allocation is `layout`-sized and aligned for `Header<V>` and
        // for `V` (ALIGN covers both); VALUE_AT is a multiple of V's alignment and
        // value and key ranges lie inside the allocation and do not overlap. Each
        // write initialises its range once.
        unsafe {
            ptr.as_ptr().write(Header {
                next: None,
                word: key.len() as u64 | (u64::from(meta & META_MASK) << KEY_LEN_BITS),
            });
            raw.add(Self::VALUE_AT).cast::<V>().write(value);
            std::ptr::copy_nonoverlapping(key.as_ptr(), raw.add(Self::KEY_AT), key.len());
        }
        Entry {
            ptr,
            _owns: PhantomData,
        }
    }

    fn header(&self) -> &Header<V> {
        // SAFETY: `ptr` points to an initialised header for as long as `self` lives.
        unsafe { self.ptr.as_ref() }
    }

    fn header_mut(&mut self) -> &mut Header<V> {
        // SAFETY: as in `header`, and `&mut self` makes the access unique.
        unsafe { self.ptr.as_mut() }
    }

    fn next(&self) -> Option<&Entry<V>> {
        self.header().next.as_ref()
    }

    fn key_len(&self) -> usize {
        (self.header().word & KEY_LEN_MASK) as usize
    }

    pub fn key(&self) -> &[u8] {
        // SAFETY: `key_len` bytes at KEY_AT were initialised by `new` and stay
        // untouched for the entry's life.
        unsafe {
            let p = self.ptr.as_ptr().cast::<u8>().add(Self::KEY_AT);
            std::slice::from_raw_parts(p, self.key_len())
        }
    }

    pub fn value(&self) -> &V {
        // SAFETY: an initialised `V` lives at VALUE_AT (aligned, see `new`).
        unsafe {
            &*self
                .ptr
                .as_ptr()
                .cast::<u8>()
                .add(Self::VALUE_AT)
                .cast::<V>()
        }
    }

    pub fn value_mut(&mut self) -> &mut V {
        // SAFETY: as in `value`; `&mut self` makes the access unique.
        unsafe {
            &mut *self
                .ptr
                .as_ptr()
                .cast::<u8>()
                .add(Self::VALUE_AT)
                .cast::<V>()
        }
    }

    /// The key and the value, the value mutable.
    pub fn key_value_mut(&mut self) -> (&[u8], &mut V) {
        let base = self.ptr.as_ptr().cast::<u8>();
        // SAFETY: the key bytes and the value are disjoint, initialised ranges of
        // the allocation (see `new`); `&mut self` makes the value access unique and
        // the key is never written after `new`.
        unsafe {
            let key = std::slice::from_raw_parts(base.add(Self::KEY_AT), self.key_len());
            (key, &mut *base.add(Self::VALUE_AT).cast::<V>())
        }
    }

    /// The caller's metadata ([`META_BITS`] bits).
    pub fn meta(&self) -> u32 {
        (self.header().word >> KEY_LEN_BITS) as u32
    }

    pub fn set_meta(&mut self, meta: u32) {
        let h = self.header_mut();
        h.word = (h.word & KEY_LEN_MASK) | (u64::from(meta & META_MASK) << KEY_LEN_BITS);
    }

    /// Frees the allocation and returns the key and value.
    fn into_parts(self) -> (Box<[u8]>, V) {
        let key: Box<[u8]> = self.key().into();
        let this = mem::ManuallyDrop::new(self);
        // SAFETY: the value is read out exactly once and the allocation is then
        // freed without dropping it again (`this` is never dropped).
        let value = unsafe {
            this.ptr
                .as_ptr()
                .cast::<u8>()
                .add(Self::VALUE_AT)
                .cast::<V>()
                .read()
        };
        // SAFETY: the value was moved out above; entries are unlinked (`next` is
        // None) before being taken apart.
        unsafe { this.dealloc() };
        (key, value)
    }

    /// Frees the allocation without touching the value.
    ///
    /// # Safety
    /// The value must already have been moved out or dropped, and `next` must
    /// be `None` (a chain is never freed through its head).
    unsafe fn dealloc(&self) {
        let layout = Self::layout(self.key_len()).expect("layout was valid at allocation");
        // SAFETY: allocated in `new` with exactly this layout (same key length).
        unsafe { std::alloc::dealloc(self.ptr.as_ptr().cast(), layout) };
    }
}

impl<V> Drop for Entry<V> {
    fn drop(&mut self) {
        debug_assert!(self.header().next.is_none(), "chains are freed one by one");
        // SAFETY: the value is initialised and dropped once here; then the
        // allocation is freed (its `next` is None: see `Table::drop`).
        unsafe {
            std::ptr::drop_in_place(self.value_mut() as *mut V);
            self.dealloc();
        }
    }
}

// SAFETY: an `Entry<V>` owns its allocation uniquely, like `Box<(V, [u8])>`, so
// sending it to another thread is as safe as sending `V` (FLUSHALL ASYNC drops a
// dict on another thread; tested by `take_and_clear`).
unsafe impl<V: Send> Send for Entry<V> {}
// SAFETY: shared access only hands out `&V` and `&[u8]`.
unsafe impl<V: Sync> Sync for Entry<V> {}

/// One of the two hash tables: a power-of-two bucket array (empty when unallocated).
struct Table<V> {
    buckets: Vec<Bucket<V>>,
    /// Number of entries stored in this table.
    used: usize,
}

impl<V> Table<V> {
    const fn empty() -> Self {
        Table {
            buckets: Vec::new(),
            used: 0,
        }
    }

    /// A table of `size` (a power of two) empty buckets.
    ///
    /// The array comes from a zeroed allocation (`calloc`), which for big tables is
    /// lazily-zeroed fresh pages: the insert that starts a growth to 8M buckets takes
    /// ~20us instead of ~30ms for writing 64MB of `None`s (measured; the optimiser does
    /// not reliably turn a safe fill loop into `calloc` here). The pages then get
    /// touched gradually as rehashing fills them.
    fn with_size(size: usize) -> Self {
        debug_assert!(size.is_power_of_two());
        let zeroed: Box<[MaybeUninit<Bucket<V>>]> = Box::new_zeroed_slice(size);
        // SAFETY: `Bucket<V>` is `Option<Entry<V>>`, and `Entry<V>` is a
        // `#[repr(transparent)]` wrapper of a `NonNull` (plus a zero-sized marker);
        // std guarantees (see "Representation" in `std::option`) that such an
        // `Option` is a nullable pointer whose all-zero bit pattern is `None`. So every zeroed element
        // is an initialised, valid `None`. Exercised by `zeroed_tables_are_empty` and
        // every test that grows or shrinks a table.
        let buckets = unsafe { zeroed.assume_init() }.into_vec();
        Table { buckets, used: 0 }
    }

    fn size(&self) -> usize {
        self.buckets.len()
    }

    fn is_allocated(&self) -> bool {
        !self.buckets.is_empty()
    }

    fn index(&self, hash: u64) -> usize {
        // Truncating the hash on 32-bit targets is fine: only the low bits are used.
        (hash as usize) & (self.buckets.len() - 1)
    }

    fn find(&self, hash: u64, key: &[u8]) -> Option<&Entry<V>> {
        if !self.is_allocated() {
            return None;
        }
        let mut cur = self.buckets[self.index(hash)].as_ref();
        while let Some(e) = cur {
            if key_eq(e.key(), key) {
                return Some(e);
            }
            cur = e.next();
        }
        None
    }

    fn find_mut(&mut self, hash: u64, key: &[u8]) -> Option<&mut Entry<V>> {
        if !self.is_allocated() {
            return None;
        }
        let idx = self.index(hash);
        let mut cur = self.buckets[idx].as_mut();
        while let Some(e) = cur {
            if key_eq(e.key(), key) {
                return Some(e);
            }
            cur = e.header_mut().next.as_mut();
        }
        None
    }

    /// Detaches the entry for `key` from its chain.
    fn unlink(&mut self, hash: u64, key: &[u8]) -> Option<Entry<V>> {
        if !self.is_allocated() {
            return None;
        }
        let idx = self.index(hash);
        let mut link = &mut self.buckets[idx];
        loop {
            match link {
                None => return None,
                Some(e) if key_eq(e.key(), key) => {
                    let next = e.header_mut().next.take();
                    let removed = mem::replace(link, next);
                    self.used -= 1;
                    return removed;
                }
                Some(e) => link = &mut e.header_mut().next,
            }
        }
    }

    /// Pushes an entry whose key hashes to `hash` at the head of its chain.
    fn push(&mut self, hash: u64, mut entry: Entry<V>) -> &mut Entry<V> {
        let idx = self.index(hash);
        entry.header_mut().next = self.buckets[idx].take();
        self.used += 1;
        self.buckets[idx].insert(entry)
    }

    /// Calls `f` on every entry of bucket `idx`, unlinking those it returns true for.
    fn retain_bucket(&mut self, idx: usize, f: &mut impl FnMut(&[u8], &mut V) -> bool) {
        let mut link = &mut self.buckets[idx];
        loop {
            let remove = match link.as_mut() {
                None => return,
                Some(e) => {
                    let (key, value) = e.key_value_mut();
                    f(key, value)
                }
            };
            if remove {
                if let Some(mut removed) = link.take() {
                    *link = removed.header_mut().next.take();
                    self.used -= 1;
                }
            } else if let Some(e) = link {
                link = &mut e.header_mut().next;
            }
        }
    }
}

impl<V> Drop for Table<V> {
    fn drop(&mut self) {
        // Free chains one entry at a time: the default drop glue would recurse through
        // `next` and a long enough chain would overflow the stack.
        let mut remaining = self.used;
        for bucket in &mut self.buckets {
            if remaining == 0 {
                break;
            }
            let mut next = bucket.take();
            while let Some(mut entry) = next {
                next = entry.header_mut().next.take();
                remaining = remaining.saturating_sub(1);
            }
        }
        // SAFETY: shrinking a Vec's length to 0 is always within capacity, and it only
        // skips running destructors on the remaining elements. Those are all `None` when
        // `used` is accurate (the loop above emptied every occupied bucket), so nothing
        // leaks, and even a wrong count could only leak, never cause UB. It matters when a
        // rehash completes: the drained old table is freed without a pass over all its
        // buckets (for 16M buckets: ~1ms instead of ~25ms inside one insert/remove).
        // Exercised by the drop-counting tests (`no_leaks_or_double_drops`,
        // `dropping_a_huge_chain_does_not_recurse`).
        unsafe { self.buckets.set_len(0) };
    }
}

/// The keyspace hash table. See the module docs.
pub struct Dict<V> {
    /// `ht[0]` is the live table; `ht[1]` is allocated only while rehashing into it.
    ht: [Table<V>; 2],
    /// While rehashing, buckets of `ht[0]` below this index have already been moved.
    rehash_idx: usize,
    hasher: RandomState,
    resize_allowed: bool,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> fmt::Debug for Dict<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dict")
            .field("len", &self.len())
            .field("buckets", &[self.ht[0].size(), self.ht[1].size()])
            .field("rehashing", &self.is_rehashing())
            .finish_non_exhaustive()
    }
}

impl<V> Dict<V> {
    /// An empty dict; no table is allocated until the first insert.
    pub fn new() -> Self {
        Self::with_hasher(RandomState::new())
    }

    fn with_hasher(hasher: RandomState) -> Self {
        Dict {
            ht: [Table::empty(), Table::empty()],
            rehash_idx: 0,
            hasher,
            resize_allowed: true,
        }
    }

    pub fn len(&self) -> usize {
        self.ht[0].used + self.ht[1].used
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_rehashing(&self) -> bool {
        self.ht[1].is_allocated()
    }

    /// Total buckets across both tables (for INFO / DEBUG HTSTATS).
    pub fn bucket_count(&self) -> usize {
        self.ht[0].size() + self.ht[1].size()
    }

    /// Approximate bytes used by the dict itself: the struct, both bucket arrays and
    /// the fixed part of one entry allocation per key (header and `V` inline). Key
    /// bytes and any heap data owned by values are not counted.
    pub fn memory_overhead(&self) -> usize {
        mem::size_of::<Self>()
            + self.bucket_count() * mem::size_of::<Bucket<V>>()
            + self.len() * Entry::<V>::alloc_size(0)
    }

    /// Allows or forbids resizing (for when a forked child shares our pages). While
    /// forbidden, the table still grows once the load factor exceeds 4, still shrinks
    /// once the fill drops below 1/32, and rehash steps only run when the two tables
    /// differ in size by more than 4x.
    pub fn set_resize_allowed(&mut self, allowed: bool) {
        self.resize_allowed = allowed;
    }

    fn hash(&self, key: &[u8]) -> u64 {
        hash_key(&self.hasher, key)
    }

    fn find(&self, hash: u64, key: &[u8]) -> Option<&Entry<V>> {
        let [t0, t1] = &self.ht;
        t0.find(hash, key).or_else(|| t1.find(hash, key))
    }

    fn find_mut(&mut self, hash: u64, key: &[u8]) -> Option<&mut Entry<V>> {
        let [t0, t1] = &mut self.ht;
        match t0.find_mut(hash, key) {
            Some(e) => Some(e),
            None => t1.find_mut(hash, key),
        }
    }

    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.entry(key).map(Entry::value)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        self.entry_mut(key).map(Entry::value_mut)
    }

    pub fn get_key_value(&self, key: &[u8]) -> Option<(&[u8], &V)> {
        self.entry(key).map(|e| (e.key(), e.value()))
    }

    /// The whole entry for `key` (key, value and the caller's metadata).
    pub fn entry(&self, key: &[u8]) -> Option<&Entry<V>> {
        if self.is_empty() {
            return None;
        }
        self.find(self.hash(key), key)
    }

    /// The whole entry for `key`, mutable.
    pub fn entry_mut(&mut self, key: &[u8]) -> Option<&mut Entry<V>> {
        if self.is_empty() {
            return None;
        }
        let hash = self.hash(key);
        self.find_mut(hash, key)
    }

    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// Starts loading the bucket `key` hashes to (in both tables while
    /// rehashing) and returns the hash for [`Dict::prefetch_entry`]. A hint
    /// for running a pipelined batch: it changes nothing.
    #[inline]
    pub fn prefetch_bucket(&self, key: &[u8]) -> u64 {
        let hash = self.hash(key);
        for t in &self.ht {
            if t.is_allocated() {
                prefetch(&t.buckets[t.index(hash)]);
            }
        }
        hash
    }

    /// Starts loading the first entry of `hash`'s chain, whose bucket an
    /// earlier [`Dict::prefetch_bucket`] had time to bring in.
    #[inline]
    pub fn prefetch_entry(&self, hash: u64) {
        for t in &self.ht {
            if t.is_allocated()
                && let Some(e) = &t.buckets[t.index(hash)]
            {
                prefetch(e.ptr.as_ptr());
            }
        }
    }

    /// Insert or replace; the key is copied only when new. Returns the old value.
    /// A new entry's metadata is 0; a replaced one keeps its metadata.
    pub fn insert(&mut self, key: &[u8], value: V) -> Option<V> {
        self.insert_meta(key, value, |old| old.unwrap_or(0))
    }

    /// Insert or replace, setting the entry's metadata to `meta(old metadata)`
    /// (`None` for a new key). Returns the old value.
    pub fn insert_meta(
        &mut self,
        key: &[u8],
        value: V,
        meta: impl FnOnce(Option<u32>) -> u32,
    ) -> Option<V> {
        let hash = self.hash(key);
        self.rehash_on_write();
        if let Some(e) = self.find_mut(hash, key) {
            e.set_meta(meta(Some(e.meta())));
            return Some(mem::replace(e.value_mut(), value));
        }
        self.insert_new(hash, key, value, meta(None));
        None
    }

    /// Insert with an already-owned key (RENAME/MOVE). When the key exists its
    /// value is replaced. Returns the old value.
    pub fn insert_owned(&mut self, key: Box<[u8]>, value: V) -> Option<V> {
        self.insert(&key, value)
    }

    /// Returns the value, inserting `f()` first when the key is absent; bool = was inserted.
    pub fn get_or_insert_with(&mut self, key: &[u8], f: impl FnOnce() -> V) -> (&mut V, bool) {
        let (e, inserted) = self.entry_or_insert_with(key, f);
        (e.value_mut(), inserted)
    }

    /// Like [`Dict::get_or_insert_with`], returning the whole entry (a new
    /// one has metadata 0).
    pub fn entry_or_insert_with(
        &mut self,
        key: &[u8],
        f: impl FnOnce() -> V,
    ) -> (&mut Entry<V>, bool) {
        let hash = self.hash(key);
        self.rehash_on_write();
        // Look up immutably first: returning a mutable borrow from one branch and
        // inserting in the other is beyond today's borrow checker. The second walk on a
        // hit touches the same (now cached) chain.
        if self.find(hash, key).is_some() {
            let entry = self
                .find_mut(hash, key)
                .expect("entry was found just above");
            return (entry, false);
        }
        (self.insert_new(hash, key, f(), 0), true)
    }

    /// Adds a key known to be absent, growing first if needed.
    fn insert_new(&mut self, hash: u64, key: &[u8], value: V, meta: u32) -> &mut Entry<V> {
        self.expand_if_needed();
        let entry = Entry::new(key, value, meta);
        let target = usize::from(self.is_rehashing());
        self.ht[target].push(hash, entry)
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(Box<[u8]>, V)> {
        if self.is_empty() {
            return None;
        }
        let hash = self.hash(key);
        self.rehash_on_write();
        let [t0, t1] = &mut self.ht;
        let entry = t0.unlink(hash, key).or_else(|| t1.unlink(hash, key))?;
        Some(entry.into_parts())
    }

    /// Removes every entry (and frees the tables). Linear in the size of the dict; use
    /// [`Dict::take`] to move that cost elsewhere.
    pub fn clear(&mut self) {
        self.ht = [Table::empty(), Table::empty()];
        self.rehash_idx = 0;
    }

    /// Detach everything cheaply (returns the old dict, leaving self empty) so a big dict
    /// can be dropped elsewhere (FLUSHALL ASYNC).
    pub fn take(&mut self) -> Dict<V> {
        let mut fresh = Self::with_hasher(self.hasher.clone());
        fresh.resize_allowed = self.resize_allowed;
        mem::replace(self, fresh)
    }

    // ---- resizing ------------------------------------------------------------------

    /// The single rehash step every write pays while a rehash is in progress.
    fn rehash_on_write(&mut self) {
        if self.is_rehashing() {
            self.rehash_step(1);
        }
    }

    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let size = self.ht[0].size();
        if size == 0 {
            self.ht[0] = Table::with_size(INITIAL_SIZE);
            return;
        }
        let used = self.ht[0].used;
        let over = used >= size && (self.resize_allowed || used > FORCE_RESIZE_RATIO * size);
        if over
            && let Some(target) = used
                .checked_mul(2)
                .and_then(usize::checked_next_power_of_two)
        {
            self.start_resize(target);
        }
    }

    /// Start shrinking if the fill is below 1/8; Db calls it from cron. Never shrinks
    /// below 4 buckets, and does nothing while a rehash is already in progress.
    pub fn shrink_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let size = self.ht[0].size();
        if size <= INITIAL_SIZE {
            return;
        }
        let used = self.ht[0].used;
        let min_fill = if self.resize_allowed {
            MIN_FILL
        } else {
            MIN_FILL * FORCE_RESIZE_RATIO
        };
        if used.saturating_mul(min_fill) < size {
            self.start_resize(used.max(INITIAL_SIZE).next_power_of_two());
        }
    }

    fn start_resize(&mut self, size: usize) {
        debug_assert!(!self.is_rehashing());
        if size == self.ht[0].size() {
            return;
        }
        let table = Table::with_size(size);
        if self.ht[0].used == 0 {
            // Nothing to move: swap tables directly.
            self.ht[0] = table;
        } else {
            self.ht[1] = table;
            self.rehash_idx = 0;
        }
    }

    /// True when rehash steps should wait because resizing is disallowed and the two
    /// tables are not far enough apart in size to force it.
    fn rehash_paused(&self) -> bool {
        if self.resize_allowed {
            return false;
        }
        let (s0, s1) = (self.ht[0].size(), self.ht[1].size());
        let ratio = if s1 > s0 { s1 / s0 } else { s0 / s1 };
        ratio <= FORCE_RESIZE_RATIO
    }

    /// Move up to `n` buckets from the old table to the new; returns true while
    /// rehashing is still in progress. At most `10 * n` empty buckets are visited.
    /// Called from cron with a budget, and internally (1 step) on every insert/remove.
    pub fn rehash_step(&mut self, n: usize) -> bool {
        if !self.is_rehashing() {
            return false;
        }
        if self.rehash_paused() {
            return true;
        }
        let [t0, t1] = &mut self.ht;
        let hasher = &self.hasher;
        let mut empty_visits = n.saturating_mul(EMPTY_VISITS_PER_STEP);
        for _ in 0..n {
            if t0.used == 0 {
                break;
            }
            // In bounds: t0 still holds entries, all at or above rehash_idx.
            while t0.buckets[self.rehash_idx].is_none() {
                self.rehash_idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    return true;
                }
            }
            let mut chain = t0.buckets[self.rehash_idx].take();
            while let Some(mut entry) = chain {
                chain = entry.header_mut().next.take();
                t0.used -= 1;
                t1.push(hash_key(hasher, entry.key()), entry);
            }
            self.rehash_idx += 1;
        }
        if t0.used > 0 {
            return true;
        }
        // Done: the new table becomes the live one. The old, now empty, table is freed
        // without walking its buckets (see `Table::drop`).
        let old_size = self.ht[0].size();
        self.ht[0] = mem::replace(&mut self.ht[1], Table::empty());
        self.rehash_idx = 0;
        if old_size >= PURGE_AFTER_FREEING_BUCKETS {
            // The allocator would keep the freed array's pages resident until its
            // decay timer returns them; hand them back now so RSS follows the data,
            // on the free thread: the madvise calls take milliseconds.
            crate::db::lazyfree::purge_later();
        }
        false
    }

    // ---- iteration -----------------------------------------------------------------

    /// The buckets random picks choose among: the not-yet-rehashed part of ht[0]
    /// followed by all of ht[1], as their count and a lookup by position.
    fn live_slots<'a>(&'a self) -> (usize, impl Fn(usize) -> &'a Bucket<V> + 'a) {
        let [t0, t1] = &self.ht;
        let old = &t0.buckets[self.rehash_idx..];
        let slots = old.len() + t1.size();
        let bucket = move |slot: usize| -> &'a Bucket<V> {
            match old.get(slot) {
                Some(b) => b,
                None => &t1.buckets[slot - old.len()],
            }
        };
        (slots, bucket)
    }

    /// A uniformly-ish random entry: a random non-empty bucket, then a random element
    /// of its chain (Redis's `dictGetRandomKey`). `rng` returns random u64s. Keys in
    /// short chains are slightly favoured; with load factor <= 1 chains are short. If
    /// the table is very sparse (cron has not shrunk it yet), after a bounded number of
    /// probes it walks forward from a random bucket instead.
    pub fn random_entry(&self, rng: &mut impl FnMut() -> u64) -> Option<(&[u8], &V)> {
        if self.is_empty() {
            return None;
        }
        let (slots, bucket) = self.live_slots();
        let mut head = None;
        for _ in 0..RANDOM_PROBES {
            head = bucket(random_below(rng, slots)).as_ref();
            if head.is_some() {
                break;
            }
        }
        if head.is_none() {
            let start = random_below(rng, slots);
            head = (0..slots).find_map(|i| bucket((start + i) % slots).as_ref());
        }
        let head = head?;
        let chain_len = chain(head).count();
        let e = chain(head).nth(random_below(rng, chain_len))?;
        Some((e.key(), e.value()))
    }

    /// A random entry with every entry equally likely, whatever the chain
    /// lengths (Redis's `dictGetFairRandomKey`, which HRANDFIELD, ZRANDMEMBER,
    /// SRANDMEMBER and SPOP use): samples up to [`FAIR_SAMPLE`] entries from
    /// consecutive buckets and picks one of them at random. A small dict is
    /// sampled whole, so its draws are exactly uniform; [`Dict::random_entry`]
    /// would favour keys alone in their bucket.
    pub fn fair_random_entry(&self, rng: &mut impl FnMut() -> u64) -> Option<(&[u8], &V)> {
        let mut picked: [Option<&Entry<V>>; FAIR_SAMPLE] = [None; FAIR_SAMPLE];
        let mut n = 0;
        self.sample(FAIR_SAMPLE, rng, |e| {
            if let Some(slot) = picked.get_mut(n) {
                *slot = Some(e);
                n += 1;
            }
        });
        if n == 0 {
            return self.random_entry(rng);
        }
        let e = picked[random_below(rng, n)]?;
        Some((e.key(), e.value()))
    }

    /// Calls `f` on up to `count` entries taken from consecutive buckets after a
    /// random one (Redis's `dictGetSomeKeys`): cheap sampling for eviction. Visits
    /// at most `10 * count` buckets and jumps to a new random bucket after a run of
    /// empty ones. Returns how many entries it passed to `f` (0 only when empty).
    pub fn sample<'a>(
        &'a self,
        count: usize,
        rng: &mut impl FnMut() -> u64,
        mut f: impl FnMut(&'a Entry<V>),
    ) -> usize {
        if self.is_empty() || count == 0 {
            return 0;
        }
        let (slots, bucket) = self.live_slots();
        let want = count.min(self.len());
        let mut got = 0;
        let mut slot = random_below(rng, slots);
        let mut empty_run = 0;
        for _ in 0..count.saturating_mul(10).max(RANDOM_PROBES) {
            match bucket(slot).as_ref() {
                Some(head) => {
                    empty_run = 0;
                    for e in chain(head) {
                        f(e);
                        got += 1;
                        if got == want {
                            return got;
                        }
                    }
                    slot = (slot + 1) % slots;
                }
                None => {
                    empty_run += 1;
                    slot = if empty_run >= 5 && empty_run > count {
                        empty_run = 0;
                        random_below(rng, slots)
                    } else {
                        (slot + 1) % slots
                    };
                }
            }
        }
        if got == 0 {
            // A very sparse table: fall back to one random entry.
            if let Some((k, _)) = self.random_entry(rng) {
                // random_entry found it, so the lookup succeeds.
                if let Some(e) = self.entry(k) {
                    f(e);
                    got = 1;
                }
            }
        }
        got
    }

    /// Redis SCAN semantics: reverse-binary cursor increment over bucket indexes of the
    /// smaller table, and when rehashing also visit the expansions of that bucket in the
    /// bigger table. Calls f for each entry of the visited bucket(s); returns the next
    /// cursor, 0 when the iteration is complete. Guarantee: every element present for the
    /// whole scan is returned at least once, even if the table grows or shrinks between
    /// calls (elements may be returned more than once).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let sizes = [self.ht[0].size(), self.ht[1].size()];
        scan_order(cursor, sizes, |t, b| {
            if let Some(head) = self.ht[t].buckets[b].as_ref() {
                for e in chain(head) {
                    f(e.key(), e.value());
                }
            }
        })
    }

    /// Same as scan but lets the callback mutate or request removal: f returns true to
    /// delete the entry. (Used by the active-expiry cycle.) Deleting never triggers a
    /// rehash step, so the visited buckets stay put during the call.
    pub fn scan_mut(&mut self, cursor: u64, mut f: impl FnMut(&[u8], &mut V) -> bool) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let sizes = [self.ht[0].size(), self.ht[1].size()];
        scan_order(cursor, sizes, |t, b| self.ht[t].retain_bucket(b, &mut f))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &V)> {
        let [t0, t1] = &self.ht;
        Iter {
            tables: [&t0.buckets[self.rehash_idx..], &t1.buckets],
            table: 0,
            bucket: 0,
            entry: None,
            remaining: self.len(),
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.iter().map(|(k, _)| k)
    }
}

/// Key equality, keys of 8 to 32 bytes compared as two or four
/// (overlapping) 8-byte words per side instead of by a call to `memcmp`. At depth 16
/// with 100,000 random keys, libc's AVX-512 memcmp was 12-13% of a SET's
/// server time (perf puts nearly all of it just after its masked 32-byte
/// loads, which for a key at the end of an entry reach into the next
/// cache line); with this compare the whole lookup is about 9%.
#[inline(always)]
fn key_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    let w = |s: &[u8], at: usize| {
        let mut x = [0u8; 8];
        x.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(x)
    };
    match n {
        8..=16 => w(a, 0) == w(b, 0) && w(a, n - 8) == w(b, n - 8),
        17..=32 => {
            w(a, 0) == w(b, 0)
                && w(a, 8) == w(b, 8)
                && w(a, n - 16) == w(b, n - 16)
                && w(a, n - 8) == w(b, n - 8)
        }
        _ => a == b,
    }
}

/// Asks the CPU to bring the cache line at `p` in (x86-64 `prefetcht0`;
/// nothing elsewhere).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it reads nothing architecturally
    // and never faults, whatever the address (see `prefetch_hints_change_nothing`).
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

fn hash_key(hasher: &RandomState, key: &[u8]) -> u64 {
    let mut h = hasher.build_hasher();
    h.write(key);
    h.finish()
}

/// A uniform random number in `0..n` (`n > 0`), by multiply-shift.
fn random_below(rng: &mut impl FnMut() -> u64, n: usize) -> usize {
    ((u128::from(rng()) * n as u128) >> 64) as usize
}

/// The entries of a chain, starting at `head`.
fn chain<V>(head: &Entry<V>) -> impl Iterator<Item = &Entry<V>> {
    std::iter::successors(Some(head), |e| e.next())
}

/// Increments the high bits of a cursor (those outside `mask`) in reverse-binary order.
fn next_cursor(v: u64, mask: u64) -> u64 {
    (v | !mask).reverse_bits().wrapping_add(1).reverse_bits()
}

/// Redis's `dictScan` traversal. `sizes` are the two table sizes (`sizes[1] == 0` when
/// not rehashing, `sizes[0] > 0`); `visit(table, bucket)` is called for each bucket to
/// visit. Returns the next cursor.
fn scan_order(cursor: u64, sizes: [usize; 2], mut visit: impl FnMut(usize, usize)) -> u64 {
    let mask = |t: usize| (sizes[t] - 1) as u64;
    if sizes[1] == 0 {
        let m0 = mask(0);
        visit(0, (cursor & m0) as usize);
        return next_cursor(cursor, m0);
    }
    let (small, big) = if sizes[0] <= sizes[1] { (0, 1) } else { (1, 0) };
    let (m0, m1) = (mask(small), mask(big));
    let mut v = cursor;
    visit(small, (v & m0) as usize);
    // Visit every bucket of the bigger table that the small bucket expands into.
    loop {
        visit(big, (v & m1) as usize);
        v = next_cursor(v, m1);
        if v & (m0 ^ m1) == 0 {
            break v;
        }
    }
}

struct Iter<'a, V> {
    tables: [&'a [Bucket<V>]; 2],
    table: usize,
    bucket: usize,
    entry: Option<&'a Entry<V>>,
    remaining: usize,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a [u8], &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.entry {
                self.entry = e.next();
                self.remaining -= 1;
                return Some((e.key(), e.value()));
            }
            if self.remaining == 0 {
                return None;
            }
            let buckets = self.tables.get(self.table)?;
            match buckets.get(self.bucket) {
                Some(b) => {
                    self.entry = b.as_ref();
                    self.bucket += 1;
                }
                None => {
                    self.table += 1;
                    self.bucket = 0;
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<V> ExactSizeIterator for Iter<'_, V> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::{HashMap, HashSet};
    use std::rc::Rc;

    use crate::test_rng::Rng;

    fn key(i: usize) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    fn finish_rehash<V>(d: &mut Dict<V>) {
        while d.rehash_step(100) {}
    }

    /// Scans the whole dict once, running `between` after every call.
    fn full_scan<V>(
        d: &mut Dict<V>,
        mut between: impl FnMut(&mut Dict<V>, usize),
    ) -> HashMap<Vec<u8>, usize> {
        let mut seen = HashMap::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = d.scan(cursor, |k, _| *seen.entry(k.to_vec()).or_insert(0) += 1);
            calls += 1;
            assert!(calls < 10_000_000, "scan does not terminate");
            if cursor == 0 {
                return seen;
            }
            between(d, calls);
        }
    }

    #[test]
    fn empty_dict_allocates_nothing() {
        let mut d: Dict<u32> = Dict::new();
        assert_eq!(d.len(), 0);
        assert!(d.is_empty());
        assert_eq!(d.bucket_count(), 0);
        assert_eq!(d.get(b"x"), None);
        assert_eq!(d.get_mut(b"x"), None);
        assert_eq!(d.remove(b"x"), None);
        assert!(!d.contains_key(b"x"));
        assert_eq!(d.scan(0, |_, _| panic!()), 0);
        assert_eq!(d.scan_mut(0, |_, _| panic!()), 0);
        assert_eq!(d.iter().count(), 0);
        assert!(d.random_entry(&mut || 7).is_none());
        assert!(!d.rehash_step(10));
        d.shrink_if_needed();
        assert_eq!(d.bucket_count(), 0);
        assert!(format!("{d:?}").contains("len: 0"));
    }

    #[test]
    fn insert_get_replace_remove() {
        let mut d = Dict::new();
        assert_eq!(d.insert(b"a", 1), None);
        assert_eq!(d.insert(b"b", 2), None);
        assert_eq!(d.insert(b"", 3), None);
        assert_eq!(d.len(), 3);
        assert_eq!(d.get(b"a"), Some(&1));
        assert_eq!(d.get(b""), Some(&3));
        assert_eq!(d.get(b"c"), None);
        assert_eq!(d.insert(b"a", 10), Some(1));
        assert_eq!(d.len(), 3);
        assert_eq!(d.get(b"a"), Some(&10));
        *d.get_mut(b"b").unwrap() += 5;
        assert_eq!(d.get_key_value(b"b"), Some((&b"b"[..], &7)));
        assert!(d.contains_key(b"b"));
        assert_eq!(d.remove(b"b"), Some(7));
        assert_eq!(d.remove(b"b"), None);
        assert!(!d.contains_key(b"b"));
        assert_eq!(d.len(), 2);
        assert_eq!(d.remove(b""), Some(3));
        assert_eq!(d.remove(b"a"), Some(10));
        assert!(d.is_empty());
    }

    #[test]
    fn insert_copies_key_only_when_new() {
        let mut d = Dict::new();
        d.insert(b"k", 1);
        let before = d.get_key_value(b"k").unwrap().0.as_ptr();
        d.insert(b"k", 2);
        let after = d.get_key_value(b"k").unwrap().0.as_ptr();
        assert_eq!(before, after);
    }

    #[test]
    fn insert_owned_and_remove_entry() {
        let mut d = Dict::new();
        // Keys always live inside their entry, whatever their length.
        let name = b"moved-key-longer-than-a-cache-line-moved-key-longer-than-a-cache-line";
        let owned: Box<[u8]> = name.to_vec().into_boxed_slice();
        assert_eq!(d.insert_owned(owned, 1), None);
        assert_eq!(d.get_key_value(name).unwrap().0, &name[..]);
        assert_eq!(d.insert_owned(name.to_vec().into(), 2), Some(1));
        assert_eq!(d.len(), 1);
        let (k, v) = d.remove_entry(name).unwrap();
        assert_eq!((&*k, v), (&name[..], 2));
        assert!(d.remove_entry(name).is_none());
        // Round-trip like RENAME: remove_entry then insert_owned elsewhere.
        let mut other = Dict::new();
        d.insert(b"x", 5);
        let (k, v) = d.remove_entry(b"x").unwrap();
        other.insert_owned(k, v);
        assert_eq!(other.get(b"x"), Some(&5));
        assert!(d.is_empty());
    }

    #[test]
    fn get_or_insert_with() {
        let mut d = Dict::new();
        let (v, inserted) = d.get_or_insert_with(b"a", || vec![1]);
        assert!(inserted);
        v.push(2);
        let (v, inserted) = d.get_or_insert_with(b"a", || unreachable!());
        assert!(!inserted);
        assert_eq!(v, &vec![1, 2]);
        v.push(3);
        assert_eq!(d.get(b"a"), Some(&vec![1, 2, 3]));
        // Across growth and mid-rehash.
        for i in 0..1000 {
            let (v, inserted) = d.get_or_insert_with(&key(i), Vec::new);
            assert!(inserted);
            v.push(i);
        }
        for i in 0..1000 {
            let (v, inserted) = d.get_or_insert_with(&key(i), Vec::new);
            assert!(!inserted);
            assert_eq!(v, &vec![i]);
        }
        assert_eq!(d.len(), 1001);
    }

    #[test]
    fn grows_incrementally() {
        let mut d = Dict::new();
        for i in 0..4 {
            d.insert(&key(i), i);
        }
        assert_eq!(d.bucket_count(), 4);
        assert!(!d.is_rehashing());
        // len == buckets: the next insert starts a rehash into 8 buckets.
        d.insert(&key(4), 4);
        assert!(d.is_rehashing());
        assert_eq!(d.ht[1].size(), 8);
        finish_rehash(&mut d);
        assert_eq!(d.bucket_count(), 8);

        // A big table: one insert that starts a rehash moves only a few buckets.
        let mut d = Dict::new();
        let mut i = 0;
        while d.len() < d.bucket_count() || d.len() < 1 << 16 || d.is_rehashing() {
            d.insert(&key(i), i);
            i += 1;
        }
        let size = d.bucket_count();
        d.insert(&key(i), i);
        assert!(d.is_rehashing());
        assert_eq!(d.ht[1].size(), size * 2);
        assert!(d.ht[0].used > size - 20, "an insert moved too much");
        assert!(d.rehash_idx <= EMPTY_VISITS_PER_STEP + 1);
        for j in 0..=i {
            assert_eq!(d.get(&key(j)), Some(&j));
        }
    }

    #[test]
    fn rehash_step_budget_is_bounded() {
        let mut d = Dict::new();
        for i in 0..50_000 {
            d.insert(&key(i), i);
        }
        finish_rehash(&mut d);
        // Keep a handful of keys so the old table is very sparse.
        for i in 10..50_000 {
            d.remove(&key(i));
        }
        assert!(!d.is_rehashing());
        d.shrink_if_needed();
        assert!(d.is_rehashing());
        assert_eq!(d.ht[1].size(), 16);
        let mut steps = 0;
        loop {
            let before = d.rehash_idx;
            let moved_before = d.ht[1].used;
            let more = d.rehash_step(1);
            steps += 1;
            if !more {
                break;
            }
            // One step: at most one non-empty bucket moved, at most 10 empty visited.
            assert!(d.rehash_idx - before <= EMPTY_VISITS_PER_STEP + 1);
            assert!(d.ht[1].used - moved_before <= 3);
        }
        assert!(steps > 100, "sparse table rehashed in {steps} steps");
        assert_eq!(d.len(), 10);
        assert_eq!(d.bucket_count(), 16);
        for i in 0..10 {
            assert_eq!(d.get(&key(i)), Some(&i));
        }
    }

    #[test]
    fn grow_with_interleaved_ops_mid_rehash() {
        let mut d = Dict::new();
        let mut model = HashMap::new();
        let mut rng = Rng(1);
        let mut saw_rehash = 0;
        for i in 0..20_000usize {
            d.insert(&key(i), i);
            model.insert(key(i), i);
            if i % 3 == 0 {
                let victim = key(rng.below(i as u64 + 1) as usize);
                assert_eq!(d.remove(&victim), model.remove(&victim));
            }
            if d.is_rehashing() {
                saw_rehash += 1;
                // Every live key is found in one of the two tables.
                if i % 997 == 0 {
                    for (k, v) in &model {
                        assert_eq!(d.get(k), Some(v));
                    }
                }
                let probe = key(rng.below(30_000) as usize);
                assert_eq!(d.get(&probe), model.get(&probe));
            }
            assert_eq!(d.len(), model.len());
        }
        assert!(saw_rehash > 1000);
        for (k, v) in &model {
            assert_eq!(d.get(k), Some(v));
        }
    }

    #[test]
    fn key_eq_agrees_with_slice_equality() {
        let keys: Vec<Vec<u8>> = (0..=40)
            .flat_map(|len| {
                let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                // The key itself and a copy differing in each byte.
                let variants = (0..len).map(move |i| {
                    let mut v = base.clone();
                    v[i] ^= 1;
                    v
                });
                std::iter::once((0..len).map(|i| b'a' + (i % 26) as u8).collect()).chain(variants)
            })
            .collect();
        for a in &keys {
            for b in &keys {
                assert_eq!(key_eq(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn prefetch_hints_change_nothing() {
        // On an empty dict, then on every step of a growing one (so also
        // mid-rehash, with both tables in use).
        let mut d: Dict<usize> = Dict::new();
        assert_eq!(d.prefetch_bucket(b"absent"), d.hash(b"absent"));
        d.prefetch_entry(d.hash(b"absent"));
        let mut saw_rehash = false;
        for i in 0..5_000usize {
            d.insert(&key(i), i);
            saw_rehash |= d.is_rehashing();
            for probe in [key(i), key(i + 1)] {
                let hash = d.prefetch_bucket(&probe);
                assert_eq!(hash, d.hash(&probe));
                d.prefetch_entry(hash);
            }
            assert_eq!(d.len(), i + 1);
        }
        assert!(saw_rehash);
        for i in 0..5_000usize {
            assert_eq!(d.get(&key(i)), Some(&i));
        }
        // The hint never faults, even for addresses nothing is mapped at.
        prefetch(std::ptr::null::<u8>());
        prefetch(usize::MAX as *const u64);
    }

    #[test]
    fn shrink_with_interleaved_ops_mid_rehash() {
        let mut d = Dict::new();
        let mut model = HashMap::new();
        for i in 0..40_000usize {
            d.insert(&key(i), i);
            model.insert(key(i), i);
        }
        finish_rehash(&mut d);
        let big = d.bucket_count();
        for i in 0..39_000usize {
            assert_eq!(d.remove(&key(i)), model.remove(&key(i)));
        }
        d.shrink_if_needed();
        assert!(d.is_rehashing());
        let mut rng = Rng(2);
        let mut steps = 0;
        // Until the shrink completes (an insert may immediately start a growth after).
        while d.ht[0].size() == big {
            // Mix in inserts, removes and lookups while the shrink is in progress.
            let k = key(rng.below(45_000) as usize);
            match rng.below(3) {
                0 => assert_eq!(d.insert(&k, 7), model.insert(k, 7)),
                1 => assert_eq!(d.remove(&k), model.remove(&k)),
                _ => assert_eq!(d.get(&k), model.get(&k)),
            }
            d.rehash_step(1);
            steps += 1;
            if steps % 500 == 0 {
                for (k, v) in &model {
                    assert_eq!(d.get(k), Some(v));
                }
            }
        }
        assert!(d.ht[0].size() <= big / 32);
        finish_rehash(&mut d);
        assert_eq!(d.len(), model.len());
        for (k, v) in &model {
            assert_eq!(d.get(k), Some(v));
        }
        // Shrinking an emptied dict goes down to 4 buckets, never below.
        let keys: Vec<Vec<u8>> = d.keys().map(<[u8]>::to_vec).collect();
        for k in &keys {
            d.remove(k);
        }
        finish_rehash(&mut d);
        d.shrink_if_needed();
        finish_rehash(&mut d);
        assert_eq!(d.bucket_count(), INITIAL_SIZE);
        d.shrink_if_needed();
        assert_eq!(d.bucket_count(), INITIAL_SIZE);
        assert!(!d.is_rehashing());
    }

    #[test]
    fn shrink_threshold() {
        let mut d = Dict::new();
        for i in 0..64 {
            d.insert(&key(i), i);
        }
        finish_rehash(&mut d);
        assert_eq!(d.bucket_count(), 64);
        for i in 8..64 {
            d.remove(&key(i));
        }
        // 8 * 8 == 64: not below 1/8 yet.
        d.shrink_if_needed();
        assert!(!d.is_rehashing());
        d.remove(&key(7));
        d.shrink_if_needed();
        assert!(d.is_rehashing());
        assert_eq!(d.ht[1].size(), 8);
        finish_rehash(&mut d);
        assert_eq!(d.bucket_count(), 8);
        for i in 0..7 {
            assert_eq!(d.get(&key(i)), Some(&i));
        }
    }

    #[test]
    fn resize_disallowed() {
        let mut d = Dict::new();
        d.set_resize_allowed(false);
        for i in 0..17 {
            d.insert(&key(i), i);
        }
        // Load factor up to 4 is tolerated.
        assert_eq!(d.bucket_count(), 4);
        assert!(!d.is_rehashing());
        // 17 > 4 * 4 forces growth into next_pow2(2 * len) buckets.
        d.insert(&key(17), 17);
        assert!(d.is_rehashing());
        assert_eq!(d.ht[1].size(), 64);
        for i in 18..20 {
            d.insert(&key(i), i);
        }
        // A 16x size ratio is far enough to keep rehashing.
        finish_rehash(&mut d);
        assert_eq!(d.bucket_count(), 64);
        for i in 0..20 {
            assert_eq!(d.get(&key(i)), Some(&i));
        }

        // A normal 2x growth started while allowed pauses once disallowed.
        let mut d = Dict::new();
        for i in 0..1025 {
            d.insert(&key(i), i);
        }
        assert!(d.is_rehashing());
        d.set_resize_allowed(false);
        let idx = d.rehash_idx;
        assert!(d.rehash_step(100));
        d.insert(b"extra", 0);
        assert_eq!(d.rehash_idx, idx);
        d.set_resize_allowed(true);
        finish_rehash(&mut d);
        for i in 0..1025 {
            assert_eq!(d.get(&key(i)), Some(&i));
        }

        // Shrinking only when the fill is below 1/32.
        d.set_resize_allowed(false);
        for i in 0..1025 {
            d.remove(&key(i));
        }
        for i in 0..100 {
            d.insert(&key(i), i);
        }
        d.shrink_if_needed();
        assert!(!d.is_rehashing());
        for i in 40..100 {
            d.remove(&key(i));
        }
        d.shrink_if_needed();
        assert!(d.is_rehashing());
        finish_rehash(&mut d);
        assert_eq!(d.bucket_count(), 64);
    }

    #[test]
    fn scan_static_table_returns_each_key_once() {
        let mut d = Dict::new();
        for i in 0..5000 {
            d.insert(&key(i), i);
        }
        finish_rehash(&mut d);
        let seen = full_scan(&mut d, |_, _| {});
        assert_eq!(seen.len(), 5000);
        assert!(seen.values().all(|&n| n == 1));
        // Also from a state where a rehash is in progress throughout.
        for i in 5000..8193 {
            d.insert(&key(i), i);
        }
        assert!(d.is_rehashing());
        let seen = full_scan(&mut d, |_, _| {});
        assert_eq!(seen.len(), 8193);
        assert!(seen.values().all(|&n| n == 1));
    }

    #[test]
    fn scan_covers_keys_while_growing() {
        let mut d = Dict::new();
        for i in 0..3000 {
            d.insert(&key(i), i);
        }
        finish_rehash(&mut d);
        let start_buckets = d.bucket_count();
        let mut next = 1_000_000;
        let mut rng = Rng(3);
        let seen = full_scan(&mut d, |d, calls| {
            // Grow aggressively for a while (unbounded growth would outrun the cursor);
            // sometimes finish the rehash, sometimes leave it running.
            if calls <= 1500 {
                for _ in 0..40 {
                    d.insert(&key(next), next);
                    next += 1;
                }
            }
            match rng.below(3) {
                0 => finish_rehash(d),
                1 => {
                    d.rehash_step(rng.below(50) as usize);
                }
                _ => {}
            }
            if calls % 7 == 0 {
                // Keys that were not present throughout may come and go.
                d.remove(&key(next - 3));
            }
        });
        assert!(d.bucket_count() >= 16 * start_buckets, "table did not grow");
        for i in 0..3000 {
            assert!(seen.contains_key(&key(i)), "scan missed key {i}");
        }
    }

    #[test]
    fn scan_covers_keys_while_shrinking() {
        let mut d = Dict::new();
        let total = 60_000;
        for i in 0..total {
            d.insert(&key(i), i);
        }
        finish_rehash(&mut d);
        let start_buckets = d.bucket_count();
        let keep = |i: usize| i.is_multiple_of(100);
        let mut doomed: Vec<usize> = (0..total).filter(|&i| !keep(i)).collect();
        let mut rng = Rng(4);
        let mut min_buckets = usize::MAX;
        let seen = full_scan(&mut d, |d, _| {
            for _ in 0..200 {
                if let Some(i) = doomed.pop() {
                    d.remove(&key(i));
                }
            }
            d.shrink_if_needed();
            match rng.below(3) {
                0 => finish_rehash(d),
                1 => {
                    d.rehash_step(rng.below(20) as usize);
                }
                _ => {}
            }
            if !d.is_rehashing() {
                min_buckets = min_buckets.min(d.bucket_count());
            }
        });
        assert!(
            min_buckets * 8 < start_buckets,
            "table did not shrink: {start_buckets} -> {min_buckets}"
        );
        for i in (0..total).filter(|&i| keep(i)) {
            assert!(seen.contains_key(&key(i)), "scan missed key {i}");
        }
    }

    #[test]
    fn scan_covers_keys_grow_then_shrink() {
        let mut d = Dict::new();
        for i in 0..2000 {
            d.insert(&key(i), i);
        }
        let mut step = 0;
        let seen = full_scan(&mut d, |d, _| {
            step += 1;
            if step < 100 {
                for j in 0..100 {
                    d.insert(&key(100_000 + step * 100 + j), 0);
                }
            } else {
                for j in 0..100 {
                    d.remove(&key(100_000 + (step - 100) * 100 + j));
                }
                d.shrink_if_needed();
            }
            d.rehash_step(3);
        });
        for i in 0..2000 {
            assert!(seen.contains_key(&key(i)), "scan missed key {i}");
        }
    }

    #[test]
    fn scan_mut_deletes_and_mutates() {
        let mut d = Dict::new();
        for i in 0..10_000usize {
            d.insert(&key(i), i);
        }
        // Start mid-rehash so both tables are visited.
        for i in 10_000..16_385usize {
            d.insert(&key(i), i);
        }
        assert!(d.is_rehashing());
        let mut visited = HashSet::new();
        let mut cursor = 0;
        loop {
            cursor = d.scan_mut(cursor, |k, v| {
                visited.insert(k.to_vec());
                *v += 1_000_000;
                (*v - 1_000_000) % 2 == 0
            });
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(visited.len(), 16_385);
        assert_eq!(d.len(), 8192);
        for i in 0..16_385usize {
            if i % 2 == 0 {
                assert_eq!(d.get(&key(i)), None);
            } else {
                assert_eq!(d.get(&key(i)), Some(&(i + 1_000_000)));
            }
        }
        assert_eq!(d.iter().count(), 8192);
        finish_rehash(&mut d);
        assert_eq!(d.len(), 8192);
        // Deleting everything through scan_mut leaves a consistent, empty dict.
        let mut cursor = 0;
        loop {
            cursor = d.scan_mut(cursor, |_, _| true);
            if cursor == 0 {
                break;
            }
        }
        assert!(d.is_empty());
        assert_eq!(d.iter().count(), 0);
        d.insert(b"again", 1);
        assert_eq!(d.get(b"again"), Some(&1));
    }

    #[test]
    fn fair_random_entry_is_uniform_across_chains() {
        // Ten keys in sixteen buckets share some buckets: a random bucket
        // then a random chain member would draw a lone key about twice as
        // often as one with a neighbour. The fair draw must not.
        let mut d = Dict::new();
        for i in 0..10usize {
            d.insert(&key(i), i);
        }
        let mut rng = Rng(11);
        let mut r = || rng.next();
        let mut hits = [0usize; 10];
        for _ in 0..50_000 {
            let (k, v) = d.fair_random_entry(&mut r).unwrap();
            assert_eq!(k, key(*v).as_slice());
            hits[*v] += 1;
        }
        // The mean is 5000; a fair draw stays well within 10% of it.
        assert!(hits.iter().all(|&n| (4500..5500).contains(&n)), "{hits:?}");
        let empty: Dict<usize> = Dict::new();
        assert!(empty.fair_random_entry(&mut r).is_none());
    }

    #[test]
    fn random_entry_returns_existing_keys() {
        let mut d = Dict::new();
        for i in 0..1000usize {
            d.insert(&key(i), i);
        }
        let mut rng = Rng(5);
        let mut r = || rng.next();
        let mut hits = HashMap::new();
        for _ in 0..100_000 {
            let (k, v) = d.random_entry(&mut r).unwrap();
            assert_eq!(k, key(*v).as_slice());
            *hits.entry(*v).or_insert(0usize) += 1;
        }
        assert!(hits.len() > 990, "only {} distinct keys", hits.len());
        // Rough uniformity: no key is wildly over-represented (mean is 100).
        assert!(hits.values().all(|&n| n < 500));

        // While rehashing: only existing keys, from both tables.
        for i in 1000..1025usize {
            d.insert(&key(i), i);
        }
        assert!(d.is_rehashing());
        let mut distinct = HashSet::new();
        for _ in 0..50_000 {
            let (k, v) = d.random_entry(&mut r).unwrap();
            assert_eq!(k, key(*v).as_slice());
            distinct.insert(*v);
        }
        assert!(distinct.len() > 1000);

        // A very sparse table (not shrunk yet) still finds the survivors.
        for i in 3..1025usize {
            d.remove(&key(i));
        }
        let mut distinct = HashSet::new();
        for _ in 0..1000 {
            let (_, v) = d.random_entry(&mut r).unwrap();
            assert!(*v < 3);
            distinct.insert(*v);
        }
        assert_eq!(distinct.len(), 3);
        // Even with a degenerate rng that always hits empty buckets first.
        let mut zero = || 0u64;
        assert!(d.random_entry(&mut zero).is_some());
    }

    #[test]
    fn sample_returns_existing_entries() {
        let mut rng = Rng(11);
        let mut d: Dict<u64> = Dict::new();
        assert_eq!(d.sample(5, &mut || rng.next(), |_| panic!("empty")), 0);
        for i in 0..3000usize {
            d.insert(&key(i), i as u64);
        }
        assert!(d.is_rehashing() || d.len() == 3000);
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            let mut n = 0;
            let got = d.sample(5, &mut || rng.next(), |e| {
                assert_eq!(key(*e.value() as usize), e.key());
                seen.insert(e.key().to_vec());
                n += 1;
            });
            assert_eq!((got, n), (5, 5));
        }
        // Sampling reaches most of the table.
        assert!(seen.len() > 2500, "{}", seen.len());
        // Fewer entries than asked: each at most once per call.
        let mut small: Dict<u64> = Dict::new();
        small.insert(b"a", 1);
        small.insert(b"b", 2);
        assert_eq!(small.sample(5, &mut || rng.next(), |_| {}), 2);
        // A sparse table still yields an entry.
        for i in 0..2999usize {
            d.remove(&key(i));
        }
        assert_eq!(
            d.sample(3, &mut || rng.next(), |e| assert_eq!(e.key(), key(2999))),
            1
        );
    }

    #[test]
    fn iter_and_keys_visit_both_tables() {
        let mut d = Dict::new();
        for i in 0..1025usize {
            d.insert(&key(i), i);
        }
        assert!(d.is_rehashing());
        d.rehash_step(50);
        assert!(d.is_rehashing());
        let it = d.iter();
        assert_eq!(it.size_hint(), (1025, Some(1025)));
        let all: HashMap<Vec<u8>, usize> = it.map(|(k, v)| (k.to_vec(), *v)).collect();
        assert_eq!(all.len(), 1025);
        for (k, v) in &all {
            assert_eq!(k, &key(*v));
        }
        let keys: HashSet<&[u8]> = d.keys().collect();
        assert_eq!(keys.len(), 1025);
    }

    #[test]
    fn take_and_clear() {
        let mut d = Dict::new();
        for i in 0..5000usize {
            d.insert(&key(i), i);
        }
        let taken = d.take();
        assert!(d.is_empty());
        assert_eq!(d.bucket_count(), 0);
        assert_eq!(taken.len(), 5000);
        assert_eq!(taken.get(&key(42)), Some(&42));
        // `self` is fully usable afterwards.
        d.insert(b"new", 1);
        assert_eq!(d.get(b"new"), Some(&1));
        assert_eq!(d.get(&key(42)), None);
        // The detached dict can be dropped on another thread.
        std::thread::spawn(move || drop(taken)).join().unwrap();

        for i in 0..1025usize {
            d.insert(&key(i), i);
        }
        assert!(d.is_rehashing());
        d.clear();
        assert!(d.is_empty());
        assert!(!d.is_rehashing());
        assert_eq!(d.bucket_count(), 0);
        assert_eq!(d.get(&key(1)), None);
        d.insert(b"x", 2);
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn bucket_count_and_memory_overhead() {
        let mut d: Dict<u64> = Dict::new();
        let empty = d.memory_overhead();
        assert_eq!(empty, mem::size_of::<Dict<u64>>());
        for i in 0..1025usize {
            d.insert(&key(i), i as u64);
        }
        assert_eq!(d.bucket_count(), 1024 + 2048);
        assert_eq!(
            d.memory_overhead(),
            empty + 3072 * mem::size_of::<usize>() + 1025 * (16 + 8)
        );
    }

    #[test]
    fn zeroed_tables_are_empty() {
        let t: Table<String> = Table::with_size(1 << 20);
        assert_eq!(t.size(), 1 << 20);
        assert!(t.buckets.iter().all(Option::is_none));
        assert_eq!(mem::size_of::<Bucket<String>>(), mem::size_of::<usize>());
        let mut t: Table<String> = Table::with_size(8);
        for i in 0..100u64 {
            t.push(i, Entry::new(&key(i as usize), i.to_string(), 0));
        }
        assert_eq!(t.used, 100);
        assert_eq!(t.find(42, &key(42)).unwrap().value(), "42");
    }

    /// Counts live instances so leaks and double drops show up.
    struct Tracked(Rc<Cell<isize>>);

    impl Tracked {
        fn new(live: &Rc<Cell<isize>>) -> Self {
            live.set(live.get() + 1);
            Tracked(live.clone())
        }
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.set(self.0.get() - 1);
        }
    }

    #[test]
    fn no_leaks_or_double_drops() {
        let live = Rc::new(Cell::new(0));
        {
            let mut d = Dict::new();
            let mut rng = Rng(6);
            for round in 0..4 {
                for i in 0..20_000usize {
                    d.insert(&key(i), Tracked::new(&live));
                }
                // Replacements drop the old value.
                for i in 0..1000usize {
                    d.insert(&key(i), Tracked::new(&live));
                }
                assert_eq!(live.get(), 20_000);
                // Shrink and complete rehashes in both directions, freeing old tables.
                for i in 0..19_900usize {
                    d.remove(&key((i + round) % 20_000));
                }
                d.shrink_if_needed();
                while d.rehash_step(rng.below(5) as usize) {}
                assert_eq!(live.get() as usize, d.len());
                let mut cursor = 0;
                loop {
                    cursor = d.scan_mut(cursor, |_, _| rng.below(2) == 0);
                    if cursor == 0 {
                        break;
                    }
                }
                assert_eq!(live.get() as usize, d.len());
            }
            let taken = d.take();
            assert_eq!(live.get() as usize, taken.len());
            drop(taken);
            assert_eq!(live.get(), 0);
            for i in 0..3000usize {
                d.insert(&key(i), Tracked::new(&live));
            }
            d.clear();
            assert_eq!(live.get(), 0);
            for i in 0..3000usize {
                d.insert(&key(i), Tracked::new(&live));
            }
            assert!(d.is_rehashing());
            // Dropped mid-rehash, with entries in both tables.
        }
        assert_eq!(live.get(), 0);
    }

    #[test]
    fn dropping_a_huge_chain_does_not_recurse() {
        // Force a million entries into a single chain, which a recursive drop could not
        // survive on a test thread's stack.
        let live = Rc::new(Cell::new(0));
        let mut d: Dict<Tracked> = Dict::new();
        d.insert(b"seed", Tracked::new(&live));
        let t = &mut d.ht[0];
        for i in 0..1_000_000u64 {
            t.push(0, Entry::new(&i.to_le_bytes(), Tracked::new(&live), 0));
        }
        assert_eq!(d.len(), 1_000_001);
        assert!(d.ht[0].find(0, &999_999u64.to_le_bytes()).is_some());
        drop(d);
        assert_eq!(live.get(), 0);
    }

    #[test]
    fn random_ops_match_hashmap() {
        const RANGE: u64 = 5000;
        const PHASE: u64 = 25_000;
        let mut d: Dict<u64> = Dict::new();
        let mut model: HashMap<Vec<u8>, u64> = HashMap::new();
        let mut rng = Rng(7);
        let mut rand_rng = Rng(8);
        let mut max_buckets = 0;
        let mut shrinks = 0;
        for op in 0..100_000u64 {
            // Alternate phases biased towards inserting and towards deleting so the table
            // repeatedly grows and shrinks, with rehashes constantly in flight.
            let growing = (op / PHASE).is_multiple_of(2);
            let k = key(rng.below(RANGE) as usize);
            if rng.below(100) < 80 {
                let insert = if growing {
                    rng.below(10) != 0
                } else {
                    rng.below(20) == 0
                };
                match (insert, rng.below(3)) {
                    (true, 0) => assert_eq!(d.insert(&k, op), model.insert(k, op)),
                    (true, 1) => {
                        let boxed: Box<[u8]> = k.clone().into();
                        assert_eq!(d.insert_owned(boxed, op), model.insert(k, op));
                    }
                    (true, _) => {
                        let (v, inserted) = d.get_or_insert_with(&k, || op);
                        assert_eq!(inserted, !model.contains_key(&k));
                        let mv = model.entry(k).or_insert(op);
                        *v += 1;
                        *mv += 1;
                        assert_eq!(*v, *mv);
                    }
                    (false, 0) => assert_eq!(d.remove(&k), model.remove(&k)),
                    (false, _) => assert_eq!(
                        d.remove_entry(&k).map(|(k, v)| (k.into_vec(), v)),
                        model.remove_entry(&k)
                    ),
                }
            } else {
                match rng.below(8) {
                    0 => {
                        if let Some(v) = d.get_mut(&k) {
                            *v ^= 0xff;
                        }
                        if let Some(v) = model.get_mut(&k) {
                            *v ^= 0xff;
                        }
                    }
                    1 => {
                        d.rehash_step(rng.below(4) as usize);
                    }
                    2 => {
                        d.shrink_if_needed();
                        if d.is_rehashing() && d.ht[1].size() < d.ht[0].size() {
                            shrinks += 1;
                        }
                    }
                    3 => assert_eq!(d.contains_key(&k), model.contains_key(&k)),
                    4 => assert_eq!(
                        d.get_key_value(&k).map(|(k, v)| (k.to_vec(), *v)),
                        model.get_key_value(&k).map(|(k, v)| (k.clone(), *v))
                    ),
                    5 => match d.random_entry(&mut || rand_rng.next()) {
                        Some((k, v)) => assert_eq!(model.get(k), Some(v)),
                        None => assert!(model.is_empty()),
                    },
                    _ => assert_eq!(d.get(&k), model.get(&k)),
                }
            }
            assert_eq!(d.len(), model.len());
            max_buckets = max_buckets.max(d.bucket_count());
            if op % 10_000 == 0 {
                let all: HashMap<Vec<u8>, u64> = d.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
                assert_eq!(all, model);
            }
        }
        assert!(max_buckets >= 8192, "max buckets {max_buckets}");
        assert!(shrinks > 0);
        let all: HashMap<Vec<u8>, u64> = d.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
        assert_eq!(all, model);
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    fn key(i: usize) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    fn finish_rehash<V>(d: &mut Dict<V>) {
        while d.rehash_step(100) {}
    }

    #[test]
    fn entry_layout_is_one_tight_allocation() {
        // Header (next + length/meta word), then the value, then the key bytes.
        assert_eq!(mem::size_of::<Bucket<crate::types::Value>>(), 8);
        assert_eq!(Entry::<crate::types::Value>::alloc_size(16), 64);
        assert_eq!(Entry::<()>::alloc_size(5), 21);
        assert_eq!(Entry::<i64>::alloc_size(0), 24);
        // A value with a bigger alignment than the header still lands aligned.
        #[repr(align(32))]
        #[derive(Debug, PartialEq)]
        struct Wide(u8);
        assert_eq!(Entry::<Wide>::VALUE_AT, 32);
        let mut d: Dict<Wide> = Dict::new();
        for i in 0..100u8 {
            d.insert(&key(usize::from(i)), Wide(i));
        }
        for i in 0..100u8 {
            let v = d.get(&key(usize::from(i))).unwrap();
            assert_eq!(v, &Wide(i));
            assert!((v as *const Wide as usize).is_multiple_of(32));
        }
    }

    #[test]
    fn meta_bits_round_trip_and_survive_rehash() {
        let mut d: Dict<u64> = Dict::new();
        let long = vec![b'x'; 300];
        for len in [0usize, 1, 15, 16, 17, 300] {
            let k = &long[..len];
            d.insert_meta(k, len as u64, |old| {
                assert_eq!(old, None);
                0xFF_FFFF ^ len as u32
            });
        }
        for i in 0..5000usize {
            d.insert(&key(i), i as u64);
        }
        finish_rehash(&mut d);
        for len in [0usize, 1, 15, 16, 17, 300] {
            let e = d.entry(&long[..len]).unwrap();
            assert_eq!(e.key(), &long[..len]);
            assert_eq!(*e.value(), len as u64);
            assert_eq!(e.meta(), 0xFF_FFFF ^ len as u32);
        }
        // Replacing keeps or rewrites the metadata as asked; it is masked to 24 bits.
        d.insert(&long[..16], 1);
        assert_eq!(d.entry(&long[..16]).unwrap().meta(), 0xFF_FFFF ^ 16);
        d.insert_meta(&long[..16], 2, |old| old.unwrap() + 1);
        assert_eq!(d.entry(&long[..16]).unwrap().meta(), (0xFF_FFFF ^ 16) + 1);
        d.entry_mut(&long[..16]).unwrap().set_meta(u32::MAX);
        let e = d.entry(&long[..16]).unwrap();
        assert_eq!((e.meta(), e.key().len(), *e.value()), (0xFF_FFFF, 16, 2));
    }

    #[test]
    fn inline_and_heap_keys_in_one_dict() {
        let mut d: Dict<u32> = Dict::new();
        let long = vec![b'x'; 64];
        d.insert(b"short", 1);
        d.insert(&long, 2);
        d.insert_owned(b"owned-short".to_vec().into(), 3);
        assert_eq!(d.get(b"short"), Some(&1));
        assert_eq!(d.get(&long), Some(&2));
        assert_eq!(d.get(b"owned-short"), Some(&3));
        let (k, v) = d.remove_entry(&long).unwrap();
        assert_eq!((&*k, v), (&long[..], 2));
        let mut seen: Vec<Vec<u8>> = d.keys().map(|k| k.to_vec()).collect();
        seen.sort();
        assert_eq!(seen, vec![b"owned-short".to_vec(), b"short".to_vec()]);
    }
}
