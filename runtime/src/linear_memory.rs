//! The bytes of a linear memory. A small memory is a zeroed heap block; a
//! larger one is an anonymous mapping of its own, whose pages the kernel
//! zeroes when they are first touched.
//!
//! Both choices were measured at instantiation (`docs/interpreter.md`,
//! start-up). A mapping costs an `mmap`, a page fault per page touched and a
//! `munmap` on drop: for a two-page memory that is more than clearing it. A
//! heap block is cleared by `calloc` whenever glibc serves it from the heap,
//! which it does for blocks up to 32 MiB once a large block has been freed: a
//! 16-page memory spent most of its instantiation in `memset`.

use memmap2::MmapMut;

/// Memories up to this size live on the heap.
const HEAP_LIMIT: usize = 2 * 65536;

enum Storage {
    /// A mapping cannot be empty.
    Empty,
    Heap(Box<[u8]>),
    Mapped(MmapMut),
}

pub(crate) struct LinearBytes {
    storage: Storage,
}

impl std::fmt::Debug for LinearBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinearBytes({} bytes)", self.len())
    }
}

impl LinearBytes {
    /// `len` zero bytes, or None when the system refuses the memory.
    pub(crate) fn zeroed(len: usize) -> Option<LinearBytes> {
        let storage = match len {
            0 => Storage::Empty,
            _ if len <= HEAP_LIMIT => Storage::Heap(vec![0; len].into_boxed_slice()),
            _ => Storage::Mapped(MmapMut::map_anon(len).ok()?),
        };
        Some(LinearBytes { storage })
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes().len()
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match &self.storage {
            Storage::Empty => &[],
            Storage::Heap(b) => b,
            Storage::Mapped(m) => m,
        }
    }

    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        match &mut self.storage {
            Storage::Empty => &mut [],
            Storage::Heap(b) => b,
            Storage::Mapped(m) => m,
        }
    }

    /// Where the interpreter finds byte 0 (any non-null address when empty:
    /// every access then fails the bounds check).
    pub(crate) fn base(&mut self) -> *mut u8 {
        self.bytes_mut().as_mut_ptr()
    }

    /// Grows to `new_len` bytes (zeroed past the old end): new storage with
    /// the old bytes copied in. None when the system refuses it; the memory
    /// is then unchanged.
    pub(crate) fn grow_to(&mut self, new_len: usize) -> Option<()> {
        if new_len <= self.len() {
            return Some(());
        }
        let mut grown = LinearBytes::zeroed(new_len)?;
        grown.bytes_mut()[..self.len()].copy_from_slice(self.bytes());
        *self = grown;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::{LinearBytes, HEAP_LIMIT};

    #[test]
    fn growing_keeps_the_bytes_and_zeroes_the_rest() {
        // From the heap to the heap, then to a mapping.
        for (from, to) in [(65536, HEAP_LIMIT), (HEAP_LIMIT, 3 * HEAP_LIMIT)] {
            let mut m = LinearBytes::zeroed(from).unwrap();
            assert!(m.bytes().iter().all(|&b| b == 0));
            m.bytes_mut()[from - 1] = 7;
            m.grow_to(to).unwrap();
            assert_eq!(m.len(), to);
            assert_eq!(m.bytes()[from - 1], 7);
            assert!(m.bytes()[from..].iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn an_empty_memory_grows() {
        let mut m = LinearBytes::zeroed(0).unwrap();
        assert_eq!(m.len(), 0);
        assert!(!m.base().is_null());
        m.grow_to(65536).unwrap();
        assert_eq!(m.len(), 65536);
    }
}
