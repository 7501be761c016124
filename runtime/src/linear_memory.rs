//! The bytes of a linear memory: an anonymous mapping of their own, so that a
//! new memory costs one `mmap` and its pages are zeroed by the kernel when
//! first touched. (A heap allocation is cleared by `calloc` whenever glibc
//! serves it from the heap, which it does for blocks up to 32 MiB once a
//! large block has been freed: instantiating a module with a 16-page memory
//! spent most of its time in `memset`.)

use memmap2::MmapMut;

pub(crate) struct LinearBytes {
    /// None while the memory is empty (a mapping cannot be empty).
    map: Option<MmapMut>,
}

impl std::fmt::Debug for LinearBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinearBytes({} bytes)", self.len())
    }
}

impl LinearBytes {
    /// `len` zero bytes, or None when the system refuses the mapping.
    pub(crate) fn zeroed(len: usize) -> Option<LinearBytes> {
        let map = match len {
            0 => None,
            _ => Some(MmapMut::map_anon(len).ok()?),
        };
        Some(LinearBytes { map })
    }

    pub(crate) fn len(&self) -> usize {
        self.map.as_ref().map_or(0, |m| m.len())
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        self.map.as_deref_mut().unwrap_or(&mut [])
    }

    /// Where the interpreter finds byte 0 (any non-null address when empty:
    /// every access then fails the bounds check).
    pub(crate) fn base(&mut self) -> *mut u8 {
        self.bytes_mut().as_mut_ptr()
    }

    /// Grows to `new_len` bytes (zeroed past the old end): a new mapping with
    /// the old bytes copied in. None when the system refuses it; the memory
    /// is then unchanged.
    pub(crate) fn grow_to(&mut self, new_len: usize) -> Option<()> {
        if new_len <= self.len() {
            return Some(());
        }
        let mut grown = MmapMut::map_anon(new_len).ok()?;
        grown[..self.len()].copy_from_slice(self.bytes());
        self.map = Some(grown);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::LinearBytes;

    #[test]
    fn growing_keeps_the_bytes_and_zeroes_the_rest() {
        let mut m = LinearBytes::zeroed(65536).unwrap();
        assert!(m.bytes().iter().all(|&b| b == 0));
        m.bytes_mut()[65535] = 7;
        m.grow_to(3 * 65536).unwrap();
        assert_eq!(m.len(), 3 * 65536);
        assert_eq!(m.bytes()[65535], 7);
        assert!(m.bytes()[65536..].iter().all(|&b| b == 0));
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
