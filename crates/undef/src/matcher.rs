//! Constant-time pattern matching over all hooks of a snapshot with byte-indexed
//! bitset tables.
//!
//! Bit `h` of a bitset stands for the hook at registration index `h`. For every byte
//! position of the instruction and of the CPSR that at least one hook constrains, a
//! table maps each of the 256 byte values to the set of hooks compatible with it
//! (`(byte ^ val_byte) & mask_byte == 0`). The hooks matching `(instr, cpsr)` are the
//! AND of the looked-up sets: at most 8 loads and ANDs per 64 hooks, independent of
//! which hook matches, then `trailing_zeros` picks the earliest-registered one.
//! Memory: 2 KiB per constrained byte position per 64 hooks (≤ 16 KiB for 64 hooks;
//! CPSR bytes cost nothing unless some hook has a CPSR pattern).

use alloc::vec;
use alloc::vec::Vec;

/// Hook patterns as `(instr_mask, instr_val, cpsr_mask, cpsr_val)`, with the values
/// inside their masks (checked when the hook is built).
pub(crate) type Pattern = (u32, u32, u32, u32);

/// Byte positions 0–3 are instruction bytes (LSB first), 4–7 CPSR bytes.
const POSITIONS: u8 = 8;

pub(crate) struct Matcher {
    /// Per 64-hook word: the bits that stand for real hooks.
    live: Vec<u64>,
    /// The constrained byte positions, in table order.
    positions: Vec<u8>,
    /// `tables[w * positions.len() + pi][byte]`: one 256-entry table per word and
    /// constrained position (indexed by a byte, so never out of bounds).
    tables: Vec<[u64; 256]>,
}

/// Byte `p` of the 64-bit key `cpsr:instr` (positions 0–3 instruction, 4–7 CPSR).
#[inline(always)]
fn byte_of(p: u8, key: u64) -> usize {
    ((key >> (u32::from(p) * 8)) & 0xff) as usize
}

fn pattern_byte(p: u8, pat: &Pattern) -> (u32, u32) {
    let (im, iv, cm, cv) = *pat;
    let (m, v) = if p < 4 { (im, iv) } else { (cm, cv) };
    let shift = (u32::from(p) & 3) * 8;
    ((m >> shift) & 0xff, (v >> shift) & 0xff)
}

impl Matcher {
    pub(crate) fn build(patterns: &[Pattern]) -> Self {
        let n = patterns.len();
        let words = n.div_ceil(64);
        let positions: Vec<u8> = (0..POSITIONS)
            .filter(|&p| patterns.iter().any(|pat| pattern_byte(p, pat).0 != 0))
            .collect();
        let mut live = vec![0u64; words];
        for h in 0..n {
            if let Some(w) = live.get_mut(h / 64) {
                *w |= 1 << (h % 64);
            }
        }
        let mut tables = vec![[0u64; 256]; words * positions.len()];
        for (h, pat) in patterns.iter().enumerate() {
            let (w, bit) = (h / 64, 1u64 << (h % 64));
            for (pi, &p) in positions.iter().enumerate() {
                let (m, v) = pattern_byte(p, pat);
                let Some(table) = tables.get_mut(w * positions.len() + pi) else {
                    continue; // unreachable: sized above
                };
                for (byte, set) in (0u32..).zip(table.iter_mut()) {
                    if (byte ^ v) & m == 0 {
                        *set |= bit;
                    }
                }
            }
        }
        Self {
            live,
            positions,
            tables,
        }
    }

    /// The set of matching hooks among those of one word: its live bits ANDed with
    /// its tables' sets for the key's bytes.
    #[inline(always)]
    fn match_word(&self, live: u64, tables: &[[u64; 256]], key: u64) -> u64 {
        let mut acc = live;
        for (table, &p) in tables.iter().zip(&self.positions) {
            // `byte_of` is < 256: no bounds check.
            acc &= table[byte_of(p, key)];
        }
        acc
    }

    /// Index of the earliest-registered hook at index ≥ `from` that matches the key
    /// `cpsr:instr` (`(u64::from(cpsr) << 32) | u64::from(instr)`).
    #[inline]
    pub(crate) fn first_match(&self, from: usize, key: u64) -> Option<usize> {
        let start = from / 64;
        let live = self.live.get(start..)?;
        // `from % 64 < 64`, so the shift is in range; it applies to the first word.
        let mut first = u64::MAX << (from % 64);
        let np = self.positions.len();
        if np == 0 {
            // No constrained byte: every live hook matches.
            return live.iter().zip(start..).find_map(|(&l, w)| {
                let bits = l & core::mem::replace(&mut first, u64::MAX);
                (bits != 0).then(|| w * 64 + bits.trailing_zeros() as usize)
            });
        }
        let words = self.tables.get(start * np..)?.chunks_exact(np);
        for ((&l, tables), w) in live.iter().zip(words).zip(start..) {
            let bits = self.match_word(l, tables, key) & first;
            if bits != 0 {
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
            first = u64::MAX;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear(pats: &[Pattern], from: usize, instr: u32, cpsr: u32) -> Option<usize> {
        pats.iter()
            .enumerate()
            .skip(from)
            .find(|(_, &(im, iv, cm, cv))| instr & im == iv && cpsr & cm == cv)
            .map(|(i, _)| i)
    }

    /// Deterministic pseudo-random patterns (xorshift), values inside masks.
    fn patterns(n: usize, seed: u64) -> Vec<Pattern> {
        let mut s = seed;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u32
        };
        (0..n)
            .map(|_| {
                let im = next() & next() & next();
                let cm = if next() % 3 == 0 { 0x3f } else { 0 };
                (im, next() & im, cm, next() & cm)
            })
            .collect()
    }

    #[test]
    fn agrees_with_linear_scan_across_word_boundaries() {
        for n in [0usize, 1, 2, 63, 64, 65, 130] {
            let pats = patterns(n, 0x9E37_79B9_7F4A_7C15 ^ n as u64);
            let m = Matcher::build(&pats);
            let mut s = 0x1234_5678u32;
            for k in 0..400u32 {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                // Mostly instructions built from a pattern so that matches happen.
                let instr = match pats.get(k as usize % n.max(1)) {
                    Some(&(im, iv, _, _)) if k % 4 != 0 => iv | (s & !im),
                    _ => s,
                };
                let cpsr = if k % 2 == 0 { 0x10 } else { 0x33 };
                for from in [0, 1, 63, 64, 65, 129, 131] {
                    let key = (u64::from(cpsr) << 32) | u64::from(instr);
                    assert_eq!(
                        m.first_match(from, key),
                        linear(&pats, from, instr, cpsr),
                        "n {n} instr {instr:#x} cpsr {cpsr:#x} from {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn unconstrained_hooks_match_everything_and_tables_stay_small() {
        let m = Matcher::build(&[(0, 0, 0, 0), (0, 0, 0, 0)]);
        assert!(m.positions.is_empty());
        assert!(m.tables.is_empty());
        assert_eq!(m.first_match(0, 0xFFFF_FFFF), Some(0));
        assert_eq!(m.first_match(1, 0x1f << 32), Some(1));
        assert_eq!(m.first_match(2, 0), None);
        // The debug-register hook constrains all four instruction bytes, no CPSR byte.
        let m = Matcher::build(&[(0x0FE8_0F10, 0x0E00_0E10, 0, 0)]);
        assert_eq!(m.positions, vec![0, 1, 2, 3]);
        assert_eq!(m.tables.len(), 4);
    }
}
