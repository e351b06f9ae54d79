//! Deterministic test data for the bulk benchmark: the same seed gives the same bytes on every
//! machine, fast enough (xorshift64) that making 1 GiB costs about a second, not the benchmark.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

const BLOCK: usize = 1 << 20;

/// Writes `size` pseudo-random bytes made from `seed` to `path`.
pub fn write_file(path: &Path, size: u64, seed: u64) -> io::Result<()> {
    let mut out = File::create(path)?;
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    if state == 0 {
        state = 1;
    }
    let mut block = vec![0u8; BLOCK];
    let mut left = size;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let n = usize::try_from(left).map_or(BLOCK, |left| left.min(BLOCK));
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    out.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_exact_size() -> io::Result<()> {
        let dir = std::env::temp_dir().join(format!("tcptalk-bench-gen-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
        write_file(&a, 3 * 1024 * 1024 + 5, 7)?;
        write_file(&b, 3 * 1024 * 1024 + 5, 7)?;
        write_file(&c, 3 * 1024 * 1024 + 5, 8)?;
        let (a, b, c) = (std::fs::read(a)?, std::fs::read(b)?, std::fs::read(c)?);
        std::fs::remove_dir_all(&dir)?;
        assert_eq!(a.len(), 3 * 1024 * 1024 + 5);
        assert_eq!(a, b);
        assert_ne!(a, c);
        Ok(())
    }
}
