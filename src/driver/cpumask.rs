//! A lock-free CPU mask (the kernel's `cpumask_t` as the driver's
//! `debug_err_mask` uses it).

use std::sync::atomic::{AtomicU64, Ordering};

/// A lock-free set of CPU numbers (the kernel's `debug_err_mask`): only ever
/// set, never cleared.
#[derive(Debug)]
pub struct CpuMask {
    pub(super) words: Box<[AtomicU64]>,
}

impl CpuMask {
    /// An empty mask for `cpus` CPUs.
    pub fn new(cpus: usize) -> CpuMask {
        CpuMask {
            words: (0..cpus.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Sets `cpu`'s bit (ignored for a CPU past the mask).
    pub fn set(&self, cpu: usize) {
        if let Some(w) = self.words.get(cpu / 64) {
            w.fetch_or(1 << (cpu % 64), Ordering::Relaxed);
        }
    }

    /// Whether `cpu`'s bit is set.
    pub fn test(&self, cpu: usize) -> bool {
        self.words
            .get(cpu / 64)
            .is_some_and(|w| w.load(Ordering::Relaxed) & (1 << (cpu % 64)) != 0)
    }

    /// Whether no bit is set.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| w.load(Ordering::Relaxed) == 0)
    }

    /// The CPUs whose bit is set, ascending.
    pub fn cpus(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, w) in self.words.iter().enumerate() {
            let mut bits = w.load(Ordering::Relaxed);
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                out.push(i * 64 + b);
                bits &= bits - 1;
            }
        }
        out
    }
}
