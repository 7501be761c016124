//! What the tests that draw random modules share (`#[path =
//! "common/random.rs"] mod random;`): their settings from the environment, a
//! seeded generator, and wasm-smith limited to WebAssembly 1.0.

pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// splitmix64: the same stream from the same seed on every target.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[allow(dead_code)] // not every test draws below a bound
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// wasm-smith's defaults with every proposal after WebAssembly 1.0 off, one
/// memory and one table at most.
pub fn wasm1_config() -> wasm_smith::Config {
    let mut c = wasm_smith::Config::default();
    c.bulk_memory_enabled = false;
    c.reference_types_enabled = false;
    c.simd_enabled = false;
    c.relaxed_simd_enabled = false;
    c.multi_value_enabled = false;
    c.sign_extension_ops_enabled = false;
    c.saturating_float_to_int_enabled = false;
    c.tail_call_enabled = false;
    c.threads_enabled = false;
    c.exceptions_enabled = false;
    c.gc_enabled = false;
    c.memory64_enabled = false;
    c.wide_arithmetic_enabled = false;
    c.extended_const_enabled = false;
    c.compact_imports_enabled = false;
    c.max_memories = 1;
    c.max_tables = 1;
    c
}
