//! LEAF (any stage): the hashes the pipeline keys things by, blake3 cut to
//! 64 bits. The incremental machinery (`cache`, `build`, `serve`) signs
//! inputs with them; stages use them for stable hashes of their own (the
//! graph layout's seed, the unlinked-reference names).

/// A streaming hash with unambiguous framing.
pub struct Fp(blake3::Hasher);

impl Fp {
    /// A hash of a kind of thing (the tag keeps different kinds apart).
    pub fn new(tag: &str) -> Fp {
        let mut fp = Fp(blake3::Hasher::new());
        fp.str(tag);
        fp
    }

    /// Adds a string.
    pub fn str(&mut self, s: &str) -> &mut Fp {
        self.u64(s.len() as u64);
        self.0.update(s.as_bytes());
        self
    }

    /// Adds a number.
    pub fn u64(&mut self, v: u64) -> &mut Fp {
        self.0.update(&v.to_le_bytes());
        self
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        first_u64(self.0.finalize())
    }
}

/// A hash of bytes.
pub fn bytes_sig(bytes: &[u8]) -> u64 {
    first_u64(blake3::hash(bytes))
}

/// The first eight bytes of a hash.
pub fn first_u64(hash: blake3::Hash) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_le_bytes(bytes)
}
