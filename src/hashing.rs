//! Hashing for keys whose bits are spread already (fingerprints, which are hashes; the literal
//! set's pair keys, mixed when built): one multiply serves, where SipHash would cost more than
//! the lookup.

use std::hash::Hasher;

#[derive(Default)]
pub struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, key: u32) {
        self.write_u64(key as u64);
    }
    fn write_u64(&mut self, key: u64) {
        self.0 = key.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}
