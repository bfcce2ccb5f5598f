//! Shared, immutable byte storage for constant data.
//!
//! A [`Blob`] is a window into bytes owned by someone else: a `Vec<u8>` made by a pass, the
//! memory-mapped input file, a resource section. Cloning a blob clones an `Arc`, never the
//! bytes, so constants are stored once however many passes look at them.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// A cheaply clonable view of immutable bytes.
#[derive(Clone)]
pub struct Blob {
    owner: Arc<dyn AsRef<[u8]> + Send + Sync>,
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
    pub fn from_owner(
        owner: Arc<dyn AsRef<[u8]> + Send + Sync>,
        range: Range<usize>,
    ) -> Option<Blob> {
        let len = (*owner).as_ref().len();
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
        &(*self.owner).as_ref()[self.range.clone()]
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
