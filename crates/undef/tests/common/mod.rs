//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use undef::{FetchFault, InstructionMemory};

/// Little-endian guest memory: one readable window `[base, base + bytes.len())`.
pub struct GuestMem {
    pub base: u32,
    pub bytes: Vec<u8>,
}

impl GuestMem {
    pub fn words(base: u32, words: &[u32]) -> Self {
        Self {
            base,
            bytes: words.iter().flat_map(|w| w.to_le_bytes()).collect(),
        }
    }

    pub fn halfwords(base: u32, hws: &[u16]) -> Self {
        Self {
            base,
            bytes: hws.iter().flat_map(|h| h.to_le_bytes()).collect(),
        }
    }

    fn read<const N: usize>(&self, addr: u32) -> Result<[u8; N], FetchFault> {
        let off = addr.checked_sub(self.base).ok_or(FetchFault { addr })? as usize;
        let end = off.checked_add(N).ok_or(FetchFault { addr })?;
        let slice = self.bytes.get(off..end).ok_or(FetchFault { addr })?;
        let mut out = [0; N];
        out.copy_from_slice(slice);
        Ok(out)
    }
}

impl InstructionMemory for GuestMem {
    fn read_u16(&self, addr: u32) -> Result<u16, FetchFault> {
        self.read::<2>(addr).map(u16::from_le_bytes)
    }

    fn read_u32(&self, addr: u32) -> Result<u32, FetchFault> {
        self.read::<4>(addr).map(u32::from_le_bytes)
    }
}

/// A call log shared with handlers: (hook name, instruction seen).
pub type Log = Arc<Mutex<Vec<(&'static str, u32)>>>;

pub fn log_entries(log: &Log) -> Vec<(&'static str, u32)> {
    log.lock().map(|v| v.clone()).unwrap_or_default()
}
