//! Shared, immutable byte storage for constant data.
//!
//! A [`Blob`] is a window into bytes owned by someone else: a `Vec<u8>` made by a pass, the
//! memory-mapped input file, a resource section. Cloning a blob clones an `Arc`, never the
//! bytes, so constants are stored once however many passes look at them.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Who owns the bytes behind blobs: a `Vec<u8>`, or a memory-mapped file that can give pages
/// back to the OS once a reader is done with them.
pub trait BlobOwner: Send + Sync {
    fn bytes(&self) -> &[u8];

    /// A hint that `range` will not be read again soon (a mapped file may drop those pages
    /// from memory; they are read again from the file if needed). Does nothing by default.
    fn release(&self, _range: Range<usize>) {}
}

impl BlobOwner for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// Any `AsRef<[u8]>` owner with no release behaviour.
pub struct Plain<T>(pub T);

impl<T: AsRef<[u8]> + Send + Sync> BlobOwner for Plain<T> {
    fn bytes(&self) -> &[u8] {
        self.0.as_ref()
    }
}

/// A cheaply clonable view of immutable bytes.
#[derive(Clone)]
pub struct Blob {
    owner: Arc<dyn BlobOwner>,
    range: Range<usize>,
}

impl Blob {
    pub fn from_vec(bytes: Vec<u8>) -> Blob {
        let len = bytes.len();
        Blob {
            owner: Arc::new(bytes),
            range: 0..len,
        }
    }

    /// A window of `owner`'s bytes; `None` if the range is out of bounds.
    pub fn from_owner(owner: Arc<dyn BlobOwner>, range: Range<usize>) -> Option<Blob> {
        let len = owner.bytes().len();
        if range.start <= range.end && range.end <= len {
            Some(Blob { owner, range })
        } else {
            None
        }
    }

    pub fn empty() -> Blob {
        Blob::from_vec(Vec::new())
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.owner.bytes()[self.range.clone()]
    }

    /// Tells the owner these bytes will not be read again soon (see [`BlobOwner::release`]).
    pub fn release(&self) {
        self.owner.release(self.range.clone());
    }

    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// A sub-window; `None` if out of bounds.
    pub fn slice(&self, range: Range<usize>) -> Option<Blob> {
        if range.start <= range.end && range.end <= self.len() {
            let start = self.range.start + range.start;
            Some(Blob {
                owner: self.owner.clone(),
                range: start..start + range.len(),
            })
        } else {
            None
        }
    }

    /// True when both views share the same owner (no copy was made).
    pub fn shares_owner_with(&self, other: &Blob) -> bool {
        Arc::ptr_eq(&self.owner, &other.owner)
    }
}

/// A read-only memory-mapped file.
struct MappedFile(memmap2::Mmap);

impl BlobOwner for MappedFile {
    fn bytes(&self) -> &[u8] {
        &self.0
    }

    fn release(&self, range: Range<usize>) {
        const PAGE: usize = 4096;
        let start = range.start.div_ceil(PAGE) * PAGE;
        let end = range.end / PAGE * PAGE;
        if start < end {
            // SAFETY: the map is a read-only shared file mapping; dropping its pages only makes
            // the next read fault them in again from the file, which has not changed.
            let _ = unsafe {
                self.0.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    start,
                    end - start,
                )
            };
        }
    }
}

/// Memory-maps a whole file read-only (an empty file gives an empty blob).
pub fn map_file(path: &std::path::Path) -> std::io::Result<Blob> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(Blob::empty());
    }
    // SAFETY: tqopt never writes to a file it has mapped; if another process truncates it
    // while mapped, reads may fault (SIGBUS), as for any program reading a mapped file.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    let len = map.len();
    Ok(Blob {
        owner: Arc::new(MappedFile(map)),
        range: 0..len,
    })
}

impl PartialEq for Blob {
    fn eq(&self, other: &Blob) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.len())
    }
}
