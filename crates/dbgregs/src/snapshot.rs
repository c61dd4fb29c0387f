//! Snapshots of one vCPU's debug state, and the KVM `kvm_guest_debug_arch`
//! layout.
//!
//! # The snapshot format
//!
//! [`DebugSnapshot`] is a fixed 344-byte `#[repr(C)]` record, every
//! multi-byte field little-endian (zerocopy's byte-order types), so the
//! bytes are the same on any host and [`DebugSnapshot::as_bytes`] is the
//! wire format itself (no serialisation step):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `"DBGSNAP\0"` |
//! | 8 | 2 | format version ([`FORMAT_VERSION`]) |
//! | 10 | 2 | reserved, 0 |
//! | 12 | 4 | total size in bytes ([`SNAPSHOT_SIZE`]) |
//! | 16 | 4 | MIDR of the model saved from |
//! | 20 | 4 | DBGDIDR of that model |
//! | 24 | 4 | that model's implementation choices ([`model_features`]) |
//! | 28 | 4 | reserved, 0 |
//! | 32 | 8 | checksum of every other byte ([`checksum`]) |
//! | 40 | 304 | payload: BVR, BCR, WVR, WCR (16 × u32 each), BXVR (16 × u8), DSCR, DTRRX, DTRTX, VCR, WFAR, OSECCR (u32), PRCR, CLAIM, DCCINT, OSSRR position (u8), flags (u16), reserved (2 × u8, 0) |
//!
//! Reading one back is two steps:
//!
//! * [`DebugSnapshot::from_bytes`] checks the envelope — length, magic,
//!   format version, size field, checksum — and borrows the bytes in place;
//! * [`DebugSnapshot::restore`] checks that the snapshot is from the same
//!   core model (MIDR, DBGDIDR, feature word) and that every payload value is
//!   one a vCPU of that model can have (each register inside the model's
//!   writable mask, BCR BAS normalised, registers the model lacks zero,
//!   reserved bytes zero, flags known), then builds the [`DebugState`];
//!   [`DebugSnapshot::restore_into`] does the same into an existing state
//!   (the vCPU's own), writing it only once every check has passed.
//!
//! [`DebugSnapshot::save`] / [`DebugSnapshot::save_into`] and the restores
//! neither allocate nor lock.
//!
//! Each failure is its own [`DbgRegsError`] variant naming the bad value;
//! nothing is half-restored (restore returns a new state or nothing).
//!
//! Slots past the model's BRP/WRP counts are carried as they are (checked
//! against the same masks as the implemented slots, not required to be 0):
//! [`DebugState::cold_reset`] with a seeded UNKNOWN fill fills all 16 slots,
//! and a snapshot must round-trip such a state exactly. No access can reach
//! them.
//!
//! # The KVM layout
//!
//! [`KvmGuestDebugArch`] (what the *host* debugger passes to
//! `KVM_SET_GUEST_DEBUG`; the guest's own state is [`crate::kvm_onereg`])
//! is `struct kvm_guest_debug_arch` from Linux's
//! `arch/arm64/include/uapi/asm/kvm.h` (`dbg_bcr`, `dbg_bvr`, `dbg_wcr`,
//! `dbg_wvr`, each `__u64[KVM_ARM_MAX_DBG_REGS = 16]`, in that order), in
//! host byte order as the ioctl passes it. [`to_kvm`] and [`apply_kvm`]
//! convert. **Decision** for the high halves: as in AArch64 (where
//! DBGBXVRn is DBGBVRn_EL1\[63:32\], and KVM maps it so), `dbg_bvr[n]`
//! bits \[39:32\] carry DBGBXVRn.VMID for a BRP that has a DBGBXVR (v7.1+
//! with the Virtualization Extensions, context-capable BRP); every other
//! high bit — and every high bit of BCR, WCR, WVR — must be 0.

use zerocopy::little_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::error::DbgRegsError;
use crate::model::{CoreModel, OsLockModel};
use crate::registers::Dbgdscr;
use crate::regmap::DebugRegister;
use crate::semantics::{self, AccessContext};
use crate::state::DebugState;

/// The snapshot magic, the first 8 bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"DBGSNAP\0";
/// The snapshot format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Size of a snapshot in bytes.
pub const SNAPSHOT_SIZE: usize = core::mem::size_of::<DebugSnapshot>();
/// Offset of the checksum field in the snapshot.
const CHECKSUM_OFFSET: usize = 32;

/// The snapshot header (40 bytes).
#[repr(C)]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, IntoBytes, FromBytes, KnownLayout, Immutable, Unaligned,
)]
pub struct SnapshotHeader {
    magic: [u8; 8],
    version: U16,
    reserved0: U16,
    size: U32,
    midr: U32,
    dbgdidr: U32,
    features: U32,
    reserved1: U32,
    checksum: U64,
}

/// The snapshot payload: every [`DebugState`] field (304 bytes).
#[repr(C)]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, IntoBytes, FromBytes, KnownLayout, Immutable, Unaligned,
)]
pub struct SnapshotPayload {
    bvr: [U32; 16],
    bcr: [U32; 16],
    wvr: [U32; 16],
    wcr: [U32; 16],
    bxvr: [u8; 16],
    dscr: U32,
    dtrrx: U32,
    dtrtx: U32,
    vcr: U32,
    wfar: U32,
    oseccr: U32,
    prcr: u8,
    claim: u8,
    dccint: u8,
    ossrr_pos: u8,
    flags: U16,
    reserved: [u8; 2],
}

/// A snapshot of one vCPU's debug state (see the module documentation for
/// the layout). Its bytes ([`IntoBytes::as_bytes`]) are the wire format.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, IntoBytes, FromBytes, KnownLayout, Immutable, Unaligned,
)]
pub struct DebugSnapshot {
    header: SnapshotHeader,
    payload: SnapshotPayload,
}

const _: () = assert!(core::mem::size_of::<SnapshotHeader>() == 40);
const _: () = assert!(core::mem::size_of::<SnapshotPayload>() == 304);
const _: () = assert!(SNAPSHOT_SIZE == 344 && SNAPSHOT_SIZE % 8 == 0);

/// Bits of the `flags` word a [`DebugState`] can hold: every flag
/// `state.rs` defines (keep this list in step with it; the round-trip tests
/// set each one through its public setter).
const FLAG_BITS: u16 = {
    use crate::state::flag::*;
    RXFULL | TXFULL | OSLK | DLK | SPD | PU | SR | SWENABLE | NS | MON_BLOCKED
};
const DSCR_RXFULL: u32 = Dbgdscr::RXFULL;
const DSCR_TXFULL: u32 = Dbgdscr::TXFULL;
/// DBGDSCR.MOE: written by debug events (and UNKNOWN at a v8 reset).
const DSCR_MOE: u32 = Dbgdscr::MOE;
const DSCR_MDBGEN: u32 = Dbgdscr::MDBGEN;

/// A model's implementation choices that decide which states are possible
/// (and how accesses behave) beyond what MIDR and DBGDIDR say: bit 0–1
/// OSLM, 2 8-byte BAS, 3 double lock, 4 Security, 5 Virtualization, 6 LPAE,
/// 7 BRP MASK, 8 WRP MASK, 9 Armv8 core, 10 OSLK set at reset, 11 DBGDEVID
/// implemented, 12 Scorpion WFI quirk, 13 erratum 764319.
pub const fn model_features(model: &CoreModel) -> u32 {
    let q = model.quirks();
    (model.os_lock().oslm() as u32 & 3)
        | ((model.wp_bas_bytes() == 8) as u32) << 2
        | (model.double_lock() as u32) << 3
        | (model.security() as u32) << 4
        | (model.virtualization() as u32) << 5
        | (model.lpae() as u32) << 6
        | (model.bp_addr_mask() as u32) << 7
        | (model.wp_addr_mask() as u32) << 8
        | (model.armv8() as u32) << 9
        | (model.oslk_reset() as u32) << 10
        | (model.dbgdevid().is_some() as u32) << 11
        | (q.spd_on_wfi as u32) << 12
        | (q.erratum_764319 as u32) << 13
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;
const LANES: usize = 8;

#[inline(always)]
const fn mix(h: u64, w: u64) -> u64 {
    (h ^ w).wrapping_mul(K).rotate_left(29)
}

/// The snapshot checksum of `bytes` (a whole snapshot; the 8 checksum bytes
/// at offset 32 are hashed as zeros, so their content does not matter): a
/// 64-bit multiplicative hash over the little-endian 8-byte words, in 8
/// independent lanes (word i goes to lane i mod 8) so the multiplications
/// overlap, the lanes combined pairwise at the end.
///
/// Hand-written rather than CRC-32 because it is several times cheaper per
/// byte without tables or CPU-specific instructions (the save+restore
/// budget is 50 ns for 344 bytes) and still certain to catch every
/// single-byte (even single-word) corruption: each step
/// `h → rotl((h ^ w) · K, 29)` with odd `K` is a bijection of `h` for a
/// fixed word and of the word for a fixed `h`, and so is each pairwise
/// combination of lanes, so changing one word always changes the result.
/// Not a cryptographic MAC: it detects accidents, not forgeries
/// ([`DebugSnapshot::restore`] still refuses any impossible value).
///
/// `bytes` of another length are hashed as far as whole words go; callers
/// pass exactly [`SNAPSHOT_SIZE`] bytes.
#[inline]
pub fn checksum(bytes: &[u8]) -> u64 {
    match <&[u8; SNAPSHOT_SIZE]>::try_from(bytes) {
        Ok(whole) => checksum_snapshot(whole),
        Err(_) => checksum_words(bytes),
    }
}

const LANE_SEEDS: [u64; LANES] = [
    0x243F_6A88_85A3_08D3,
    0x1319_8A2E_0370_7344,
    0xA409_3822_299F_31D0,
    0x082E_FA98_EC4E_6C89,
    0x4528_21E6_38D0_1377,
    0xBE54_66CF_34E9_0C6C,
    0xC0AC_29B7_C97C_50DD,
    0x3F84_D5B5_B547_0917,
];

/// [`checksum`] for exactly one snapshot: the lanes in registers, a fixed
/// trip count the compiler unrolls.
#[inline]
fn checksum_snapshot(bytes: &[u8; SNAPSHOT_SIZE]) -> u64 {
    let words: &[U64; WORDS] = zerocopy::transmute_ref!(bytes);
    checksum_of_words(&words.map(U64::get))
}

/// Words in one snapshot.
const WORDS: usize = SNAPSHOT_SIZE / 8;

/// [`checksum_snapshot`] of the snapshot whose little-endian words are
/// `words` (the checksum word is hashed as zero whatever it holds).
#[inline(always)]
fn checksum_of_words(words: &[u64; WORDS]) -> u64 {
    let w = |i: usize| {
        if i * 8 == CHECKSUM_OFFSET {
            0
        } else {
            words[i]
        }
    };
    let mut lanes = LANE_SEEDS;
    let mut i = 0;
    while i + LANES <= WORDS {
        let mut l = 0;
        while l < LANES {
            lanes[l] = mix(lanes[l], w(i + l));
            l += 1;
        }
        i += LANES;
    }
    while i < WORDS {
        lanes[i % LANES] = mix(lanes[i % LANES], w(i));
        i += 1;
    }
    finish(lanes)
}

/// [`checksum`] for any length (whole words only).
fn checksum_words(bytes: &[u8]) -> u64 {
    let mut lanes = LANE_SEEDS;
    for (i, chunk) in bytes.chunks_exact(8).enumerate() {
        let mut w = [0u8; 8];
        if i * 8 != CHECKSUM_OFFSET {
            w.copy_from_slice(chunk);
        }
        let lane = i % LANES;
        lanes[lane] = mix(lanes[lane], u64::from_le_bytes(w));
    }
    finish(lanes)
}

#[inline(always)]
fn finish(l: [u64; LANES]) -> u64 {
    // Pairwise (a tree, three levels): `mix` is a bijection in either
    // argument, so a change in one lane changes the root.
    let h = mix(
        mix(mix(l[0], l[1]), mix(l[2], l[3])),
        mix(mix(l[4], l[5]), mix(l[6], l[7])),
    );
    // Final avalanche (xor-shift and odd multiply: bijective too).
    let h = (h ^ (h >> 32)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^ (h >> 32)
}

impl DebugSnapshot {
    /// Saves `state`, a vCPU of `model`, into a snapshot (no allocation,
    /// no lock).
    // Inlined, with `build`, so that the snapshot is built in the caller's
    // slot rather than copied out of a temporary.
    #[inline]
    pub fn save(model: &CoreModel, state: &DebugState) -> DebugSnapshot {
        Self::build(model.midr(), model.dbgdidr(), model_features(model), state)
    }

    /// [`DebugSnapshot::save`] into an existing snapshot (e.g. a slot of a
    /// migration buffer, borrowed with zerocopy's
    /// [`FromBytes::mut_from_bytes`]), overwriting all of it in place.
    pub fn save_into(&mut self, model: &CoreModel, state: &DebugState) {
        *self = Self::save(model, state);
    }

    /// The snapshot of `state` with the model identity words.
    ///
    /// The snapshot is built as its 43 little-endian words in registers,
    /// checksummed there and stored once: no read-back of freshly stored
    /// narrower fields (which would defeat store forwarding).
    #[inline(always)]
    fn build(midr: u32, dbgdidr: u32, features: u32, state: &DebugState) -> DebugSnapshot {
        let pair = |lo: u32, hi: u32| u64::from(lo) | (u64::from(hi) << 32);
        let mut w = [0u64; WORDS];
        // Header: magic; version, reserved0, size; MIDR, DBGDIDR;
        // features, reserved1; checksum (zero while hashing).
        w[0] = u64::from_le_bytes(MAGIC);
        w[1] = u64::from(FORMAT_VERSION) | ((SNAPSHOT_SIZE as u64) << 32);
        w[2] = pair(midr, dbgdidr);
        w[3] = u64::from(features);
        for i in 0..8 {
            w[5 + i] = pair(state.bvr[2 * i], state.bvr[2 * i + 1]);
            w[13 + i] = pair(state.bcr[2 * i], state.bcr[2 * i + 1]);
            w[21 + i] = pair(state.wvr[2 * i], state.wvr[2 * i + 1]);
            w[29 + i] = pair(state.wcr[2 * i], state.wcr[2 * i + 1]);
        }
        let [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15] = state.bxvr;
        w[37] = u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
        w[38] = u64::from_le_bytes([b8, b9, b10, b11, b12, b13, b14, b15]);
        w[39] = pair(state.dscr, state.dtrrx);
        w[40] = pair(state.dtrtx, state.vcr);
        w[41] = pair(state.wfar, state.oseccr);
        // prcr, claim, dccint, ossrr_pos, flags, reserved.
        w[42] = u64::from(state.prcr)
            | (u64::from(state.claim) << 8)
            | (u64::from(state.dccint) << 16)
            | (u64::from(state.ossrr_pos) << 24)
            | (u64::from(state.flags) << 32);
        w[CHECKSUM_OFFSET / 8] = checksum_of_words(&w);
        // Little-endian words (a no-op on little-endian hosts).
        for word in &mut w {
            *word = word.to_le();
        }
        zerocopy::transmute!(w)
    }

    /// The snapshot's bytes (the wire format).
    #[inline]
    pub fn to_bytes(&self) -> &[u8] {
        self.as_bytes()
    }

    /// The snapshot's bytes as a fixed-size array (checked at compile time).
    #[inline]
    pub fn bytes_array(&self) -> &[u8; SNAPSHOT_SIZE] {
        zerocopy::transmute_ref!(self)
    }

    /// Borrows `bytes` as a snapshot after checking its envelope: exact
    /// length, magic, format version, size field, checksum (in that order).
    /// Any alignment is fine. The payload's values are checked by
    /// [`DebugSnapshot::restore`].
    ///
    /// # Errors
    /// [`DbgRegsError::SnapshotTruncated`],
    /// [`DbgRegsError::SnapshotTrailingBytes`],
    /// [`DbgRegsError::SnapshotBadMagic`], [`DbgRegsError::SnapshotVersion`],
    /// [`DbgRegsError::SnapshotSizeField`],
    /// [`DbgRegsError::SnapshotChecksum`].
    pub fn from_bytes(bytes: &[u8]) -> Result<&DebugSnapshot, DbgRegsError> {
        if bytes.len() < SNAPSHOT_SIZE {
            return Err(DbgRegsError::SnapshotTruncated {
                len: bytes.len(),
                expected: SNAPSHOT_SIZE,
            });
        }
        if bytes.len() > SNAPSHOT_SIZE {
            return Err(DbgRegsError::SnapshotTrailingBytes {
                len: bytes.len(),
                expected: SNAPSHOT_SIZE,
            });
        }
        let snap = DebugSnapshot::ref_from_bytes(bytes).map_err(|_| {
            // The length is exact and the type is unaligned, so the cast
            // cannot fail; report it as a length error should it ever.
            DbgRegsError::SnapshotTruncated {
                len: bytes.len(),
                expected: SNAPSHOT_SIZE,
            }
        })?;
        snap.check_envelope()?;
        snap.verify_checksum()?;
        Ok(snap)
    }

    /// Checks magic, format version and size field (not the checksum).
    fn check_envelope(&self) -> Result<(), DbgRegsError> {
        let h = &self.header;
        if h.magic != MAGIC {
            return Err(DbgRegsError::SnapshotBadMagic {
                found: h.magic,
                expected: MAGIC,
            });
        }
        if h.version.get() != FORMAT_VERSION {
            return Err(DbgRegsError::SnapshotVersion {
                found: h.version.get(),
                supported: FORMAT_VERSION,
            });
        }
        if h.size.get() != SNAPSHOT_SIZE as u32 {
            return Err(DbgRegsError::SnapshotSizeField {
                found: h.size.get(),
                expected: SNAPSHOT_SIZE as u32,
            });
        }
        Ok(())
    }

    /// Checks the stored checksum against the bytes. [`from_bytes`]
    /// already did; call this for a snapshot obtained some other way (e.g.
    /// zerocopy's [`FromBytes::read_from_bytes`]) before trusting that it
    /// is the state that was saved.
    ///
    /// # Errors
    /// [`DbgRegsError::SnapshotChecksum`].
    ///
    /// [`from_bytes`]: DebugSnapshot::from_bytes
    pub fn verify_checksum(&self) -> Result<(), DbgRegsError> {
        let stored = self.header.checksum.get();
        let computed = checksum_snapshot(self.bytes_array());
        if stored == computed {
            Ok(())
        } else {
            Err(DbgRegsError::SnapshotChecksum { stored, computed })
        }
    }

    /// The format version.
    pub fn format_version(&self) -> u16 {
        self.header.version.get()
    }

    /// The MIDR of the model the snapshot was saved from.
    pub fn midr(&self) -> u32 {
        self.header.midr.get()
    }

    /// The DBGDIDR of the model the snapshot was saved from.
    pub fn dbgdidr(&self) -> u32 {
        self.header.dbgdidr.get()
    }

    /// The stored checksum.
    pub fn stored_checksum(&self) -> u64 {
        self.header.checksum.get()
    }

    /// Rebuilds the saved state for a vCPU of `model`.
    ///
    /// Checks, in order: magic, version, size field (cheap, so repeated
    /// here for snapshots that did not come through
    /// [`DebugSnapshot::from_bytes`]; the checksum is not recomputed — see
    /// [`DebugSnapshot::verify_checksum`]), the model identity (MIDR,
    /// DBGDIDR, [`model_features`]), then every payload value against what
    /// a vCPU of `model` can hold. A snapshot that passes restores a state
    /// the model can reach; the returned state is new, nothing else
    /// changes.
    ///
    /// # Errors
    /// The envelope errors of [`DebugSnapshot::from_bytes`] (except the
    /// checksum), [`DbgRegsError::SnapshotModelMismatch`],
    /// [`DbgRegsError::SnapshotImpossibleValue`].
    // Inlined so that the state is written in the caller's slot rather than
    // copied out of a temporary.
    #[inline]
    pub fn restore(&self, model: &CoreModel) -> Result<DebugState, DbgRegsError> {
        self.validate(model)?;
        Ok(self.payload_state())
    }

    /// [`DebugSnapshot::restore`] into an existing state (e.g. the vCPU's
    /// own register file), without building a temporary. Every check runs
    /// before the first byte of `out` is written: on error `out` is
    /// untouched, never half-restored.
    ///
    /// # Errors
    /// As [`DebugSnapshot::restore`].
    pub fn restore_into(
        &self,
        model: &CoreModel,
        out: &mut DebugState,
    ) -> Result<(), DbgRegsError> {
        self.validate(model)?;
        self.write_state(out);
        Ok(())
    }

    /// Every check of [`DebugSnapshot::restore`].
    #[inline]
    fn validate(&self, model: &CoreModel) -> Result<(), DbgRegsError> {
        self.validate_with(&SnapshotModel::new(model))
    }

    /// [`DebugSnapshot::validate`] with the model's facts precomputed.
    #[inline]
    fn validate_with(&self, sm: &SnapshotModel<'_>) -> Result<(), DbgRegsError> {
        let model = sm.model();
        self.check_envelope()?;
        let h = &self.header;
        let ids = [
            ("MIDR", h.midr.get(), sm.midr),
            ("DBGDIDR", h.dbgdidr.get(), sm.dbgdidr),
            ("features", h.features.get(), sm.features),
        ];
        for (field, snapshot, ours) in ids {
            if snapshot != ours {
                return Err(DbgRegsError::SnapshotModelMismatch {
                    field,
                    snapshot,
                    model: ours,
                    name: model.name(),
                });
            }
        }
        let bad = |field: &'static str, index: usize, value: u32, invalid: u32| {
            DbgRegsError::SnapshotImpossibleValue {
                field,
                index: index as u8,
                value,
                invalid,
                model: model.name(),
            }
        };
        if h.reserved0.get() != 0 {
            let v = u32::from(h.reserved0.get());
            return Err(bad("header.reserved0", 0, v, v));
        }
        if h.reserved1.get() != 0 {
            let v = h.reserved1.get();
            return Err(bad("header.reserved1", 0, v, v));
        }
        if self.payload.reserved != [0; 2] {
            let v = u32::from(u16::from_le_bytes(self.payload.reserved));
            return Err(bad("payload.reserved", 0, v, v));
        }
        let canon = &sm.canon;
        let invalid = canon.invalid_bits(&self.payload);
        if invalid == 0 {
            return Ok(());
        }
        // Cold path: name the first field that is not in canonical form.
        let mut first = None;
        canon.for_each_field(&self.payload, |field, index, value, canonical| {
            if first.is_none() && value != canonical {
                first = Some(bad(field, index, value, value ^ canonical));
            }
        });
        // `first` is set: the same fields and values as the fast pass.
        Err(first.unwrap_or(bad("state", 0, invalid, invalid)))
    }

    /// The payload as a state, unchecked: each field written once.
    #[inline(always)]
    fn payload_state(&self) -> DebugState {
        let p = &self.payload;
        DebugState {
            bvr: p.bvr.map(|v| v.get()),
            bcr: p.bcr.map(|v| v.get()),
            wvr: p.wvr.map(|v| v.get()),
            wcr: p.wcr.map(|v| v.get()),
            bxvr: p.bxvr,
            dscr: p.dscr.get(),
            dtrrx: p.dtrrx.get(),
            dtrtx: p.dtrtx.get(),
            vcr: p.vcr.get(),
            wfar: p.wfar.get(),
            oseccr: p.oseccr.get(),
            prcr: p.prcr,
            claim: p.claim,
            dccint: p.dccint,
            ossrr_pos: p.ossrr_pos,
            flags: p.flags.get(),
        }
    }

    /// Writes the payload into `out`, unchecked.
    #[inline]
    fn write_state(&self, out: &mut DebugState) {
        let p = &self.payload;
        for n in 0..16 {
            out.bvr[n] = p.bvr[n].get();
            out.bcr[n] = p.bcr[n].get();
            out.wvr[n] = p.wvr[n].get();
            out.wcr[n] = p.wcr[n].get();
        }
        out.bxvr = p.bxvr;
        out.dscr = p.dscr.get();
        out.dtrrx = p.dtrrx.get();
        out.dtrtx = p.dtrtx.get();
        out.vcr = p.vcr.get();
        out.wfar = p.wfar.get();
        out.oseccr = p.oseccr.get();
        out.prcr = p.prcr;
        out.claim = p.claim;
        out.dccint = p.dccint;
        out.ossrr_pos = p.ossrr_pos;
        out.flags = p.flags.get();
    }
}

/// A core model's snapshot facts computed once — its identity words
/// (MIDR, DBGDIDR, [`model_features`]) and the writable masks a restore
/// checks against — for a VMM that saves and restores many vCPUs of the
/// same model. [`SnapshotModel::save_into`] and
/// [`SnapshotModel::restore_into`] are [`DebugSnapshot::save_into`] and
/// [`DebugSnapshot::restore_into`] without recomputing them.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotModel<'m> {
    canon: Canonical<'m>,
    midr: u32,
    dbgdidr: u32,
    features: u32,
}

impl<'m> SnapshotModel<'m> {
    /// The facts of `model` (reads of values the model precomputed).
    #[inline]
    pub fn new(model: &'m CoreModel) -> SnapshotModel<'m> {
        SnapshotModel {
            canon: Canonical::new(model),
            midr: model.midr(),
            dbgdidr: model.dbgdidr(),
            features: model_features(model),
        }
    }

    /// The model.
    pub fn model(&self) -> &'m CoreModel {
        self.canon.model
    }

    /// [`DebugSnapshot::save_into`] for this model.
    pub fn save_into(&self, snap: &mut DebugSnapshot, state: &DebugState) {
        *snap = DebugSnapshot::build(self.midr, self.dbgdidr, self.features, state);
    }

    /// [`DebugSnapshot::restore_into`] for this model: every check first,
    /// `out` written only if all pass.
    ///
    /// # Errors
    /// As [`DebugSnapshot::restore`].
    pub fn restore_into(
        &self,
        snap: &DebugSnapshot,
        out: &mut DebugState,
    ) -> Result<(), DbgRegsError> {
        snap.validate_with(self)?;
        snap.write_state(out);
        Ok(())
    }
}

/// What a vCPU of one model can hold: each register's canonical form is
/// the value under its writable mask (BCR normalised as a write stores
/// it), zero for registers the model lacks, unknown flags clear. A state is
/// possible exactly when every field equals its canonical form.
#[derive(Debug, Clone, Copy)]
struct Canonical<'m> {
    model: &'m CoreModel,
    /// First context BRP: DBGBVRn is fully writable from there on
    /// (`semantics::bvr_mask`).
    first_ctx_brp: u8,
    bcr_mask: u32,
    /// Whether a stored BCR has BAS\[3\] = BAS\[2\], BAS\[1\] = BAS\[0\]
    /// (from v7, as [`semantics::normalize_bcr`]).
    bcr_fold_bas: bool,
    /// `0xA0` (the BAS\[2\] and BAS\[0\] positions) where BAS is
    /// folded, else 0.
    bcr_fold_check: u32,
    wcr_mask: u32,
    dscr: u32,
    vcr: u32,
    prcr: u32,
    oseccr: u32,
    dccint: u32,
    claim: u32,
    ossrr_pos: u32,
}

impl<'m> Canonical<'m> {
    #[inline]
    fn new(model: &'m CoreModel) -> Canonical<'m> {
        let v8 = model.version().is_v8();
        let has_ossrr = model.version().is_v7_0() && model.os_lock() == OsLockModel::SaveRestore;
        let all_if = |on: bool, mask: u32| if on { mask } else { 0 };
        Canonical {
            model,
            first_ctx_brp: model.first_ctx_brp(),
            bcr_mask: semantics::bcr_mask(model),
            bcr_fold_bas: !model.version().is_v6(),
            bcr_fold_check: if model.version().is_v6() { 0 } else { 0xA0 },
            wcr_mask: semantics::wcr_mask(model),
            dscr: dscr_possible_bits(model),
            vcr: semantics::vcr_mask(model),
            prcr: prcr_possible_bits(model),
            oseccr: all_if(v8, u32::MAX),
            dccint: all_if(v8, 3),
            claim: all_if(model.version().at_least_v7_1(), 0xFF),
            ossrr_pos: all_if(has_ossrr, 0xFF),
        }
    }

    /// `semantics::bvr_mask(self.model, n)`.
    #[inline(always)]
    fn bvr_mask(&self, n: usize) -> u32 {
        if n >= usize::from(self.first_ctx_brp) {
            u32::MAX
        } else {
            0xFFFF_FFFC
        }
    }

    /// `semantics::normalize_bcr(self.model, value)`.
    #[inline(always)]
    fn normalize_bcr(&self, value: u32) -> u32 {
        let v = value & self.bcr_mask;
        if !self.bcr_fold_bas {
            return v;
        }
        let bas2 = (v >> 7) & 1;
        let bas0 = (v >> 5) & 1;
        (v & !0x1E0) | (bas2 << 8) | (bas2 << 7) | (bas0 << 6) | (bas0 << 5)
    }

    /// Zero exactly when every field [`Self::for_each_field`] visits equals
    /// its canonical form (the payload is possible); otherwise some nonzero
    /// bits. Branch-free and written per register array so the compiler
    /// vectorises it (`v ^ (v & m)` is `v & !m`).
    #[inline(always)]
    fn invalid_bits(&self, p: &SnapshotPayload) -> u32 {
        let mut inv = 0;
        for n in 0..16 {
            inv |= p.bvr[n].get() & !self.bvr_mask(n);
            inv |= p.wvr[n].get() & !semantics::WVR_MASK;
            inv |= p.wcr[n].get() & !self.wcr_mask;
            // `bcr == normalize_bcr(bcr)`: no bits outside the mask (BAS is
            // always inside it) and, where folded, BAS[3] = BAS[2] and
            // BAS[1] = BAS[0] (bits 8 = 7, 6 = 5).
            let bcr = p.bcr[n].get();
            inv |= (bcr & !self.bcr_mask) | ((bcr ^ (bcr >> 1)) & self.bcr_fold_check);
        }
        inv |= p.dscr.get() & !dscr_possible(self.dscr, p.flags.get());
        inv |= p.vcr.get() & !self.vcr;
        inv |= p.wfar.get() & 1;
        inv |= p.oseccr.get() & !self.oseccr;
        inv |= u32::from(p.prcr) & !self.prcr;
        inv |= u32::from(p.claim) & !self.claim;
        inv |= u32::from(p.dccint) & !self.dccint;
        inv |= u32::from(p.ossrr_pos) & !self.ossrr_pos;
        inv |= u32::from(p.flags.get()) & !u32::from(FLAG_BITS);
        inv
    }

    /// Calls `f(field, index, value, canonical)` for every field of `s`
    /// (BXVR holds any VMID and is not listed).
    #[inline(always)]
    fn for_each_field(
        &self,
        p: &SnapshotPayload,
        mut f: impl FnMut(&'static str, usize, u32, u32),
    ) {
        for n in 0..16 {
            let bvr = p.bvr[n].get();
            f("bvr", n, bvr, bvr & self.bvr_mask(n));
            // `semantics::normalize_bcr` with the model's facts
            // precomputed: it masks first, so a value with bits outside
            // the mask is never its own normal form.
            let bcr = p.bcr[n].get();
            f("bcr", n, bcr, self.normalize_bcr(bcr));
            let wvr = p.wvr[n].get();
            f("wvr", n, wvr, wvr & semantics::WVR_MASK);
            let wcr = p.wcr[n].get();
            f("wcr", n, wcr, wcr & self.wcr_mask);
        }
        let (dscr, vcr, wfar, oseccr) = (p.dscr.get(), p.vcr.get(), p.wfar.get(), p.oseccr.get());
        f(
            "dscr",
            0,
            dscr,
            dscr & dscr_possible(self.dscr, p.flags.get()),
        );
        f("vcr", 0, vcr, vcr & self.vcr);
        f("wfar", 0, wfar, wfar & 0xFFFF_FFFE);
        f("oseccr", 0, oseccr, oseccr & self.oseccr);
        let (prcr, claim) = (u32::from(p.prcr), u32::from(p.claim));
        f("prcr", 0, prcr, prcr & self.prcr);
        f("claim", 0, claim, claim & self.claim);
        let (dccint, pos) = (u32::from(p.dccint), u32::from(p.ossrr_pos));
        f("dccint", 0, dccint, dccint & self.dccint);
        f("ossrr_pos", 0, pos, pos & self.ossrr_pos);
        let flags = u32::from(p.flags.get());
        f("flags", 0, flags, flags & u32::from(FLAG_BITS));
    }
}

/// The stored DBGDSCR bits a vCPU of `model` can have: whatever a CP14
/// write may set with the OS Lock set or clear, plus MOE (set by debug
/// events, UNKNOWN at a v8 reset), without RXfull/TXfull (kept as flags).
/// The DBGDSCR bits a state with `flags` can hold, of the model's
/// `possible` bits: MDBGen never while the board blocks monitor debug
/// ([`DebugState::set_monitor_debug_blocked`] clears it, and writes cannot
/// set it).
#[inline(always)]
const fn dscr_possible(possible: u32, flags: u16) -> u32 {
    if flags & MON_BLOCKED != 0 {
        possible & !DSCR_MDBGEN
    } else {
        possible
    }
}

pub(crate) const fn dscr_possible_bits(model: &CoreModel) -> u32 {
    let unlocked = semantics::dscr_ext_write_mask(model, &BLANK_UNLOCKED);
    let locked = semantics::dscr_ext_write_mask(model, &BLANK_LOCKED);
    (unlocked | locked | DSCR_MOE) & !(DSCR_RXFULL | DSCR_TXFULL)
}

/// DBGPRCR bits a vCPU of `model` can hold (0 where it has no DBGPRCR):
/// the writable mask `semantics::writable_mask` gives, as a `const fn` for
/// [`CoreModel`]'s precomputed value (checked against [`prcr_mask`] in the
/// model tests). DBGPRCR is present on v7-full and from v7.1.
pub(crate) const fn prcr_possible_bits(model: &CoreModel) -> u32 {
    // DBGPRCR is present on v7-full and from v7.1 (as `semantics` decides).
    let v = model.version();
    if matches!(v, crate::version::DebugVersion::V7Full) || v.at_least_v7_1() {
        crate::wmask::prcr_mask(model)
    } else {
        0
    }
}

use crate::state::flag::{MON_BLOCKED, OSLK, PU, SWENABLE};

const BLANK_UNLOCKED: DebugState = blank_state(SWENABLE | PU);
const BLANK_LOCKED: DebugState = blank_state(SWENABLE | PU | OSLK);

/// An all-zero state with `flags`: what the mask helpers of
/// [`semantics`] look at (they read the flags only), built without a reset.
const fn blank_state(flags: u16) -> DebugState {
    DebugState {
        bvr: [0; 16],
        bcr: [0; 16],
        wvr: [0; 16],
        wcr: [0; 16],
        bxvr: [0; 16],
        dscr: 0,
        dtrrx: 0,
        dtrtx: 0,
        vcr: 0,
        wfar: 0,
        oseccr: 0,
        prcr: 0,
        claim: 0,
        dccint: 0,
        ossrr_pos: 0,
        flags,
    }
}

/// `struct kvm_guest_debug_arch` (Linux `arch/arm64/include/uapi/asm/kvm.h`,
/// `KVM_ARM_MAX_DBG_REGS` = 16): the hardware breakpoint and watchpoint
/// registers `KVM_SET_GUEST_DEBUG` takes, in host byte order.
///
/// This is the *host* debugger's state (KVM keeps it as
/// `external_debug_state` and loads it into the hardware while userspace
/// debugs the guest), not the guest's own debug registers: to move a
/// guest's debug state into or out of KVM use the ONE_REG view,
/// [`crate::kvm_onereg`]. The pair layout is the same, which is why
/// [`to_kvm`] also serves that view.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, IntoBytes, FromBytes, KnownLayout, Immutable,
)]
pub struct KvmGuestDebugArch {
    /// DBGBCRn (AArch64 DBGBCRn_EL1 layout; the AArch32 bits in \[31:0\]).
    pub dbg_bcr: [u64; 16],
    /// DBGBVRn in \[31:0\]; DBGBXVRn.VMID in \[39:32\] where the BRP has a
    /// DBGBXVR.
    pub dbg_bvr: [u64; 16],
    /// DBGWCRn.
    pub dbg_wcr: [u64; 16],
    /// DBGWVRn.
    pub dbg_wvr: [u64; 16],
}

/// `KVM_ARM_MAX_DBG_REGS`: entries per array of [`KvmGuestDebugArch`].
pub const KVM_ARM_MAX_DBG_REGS: usize = 16;

/// Whether BRP `n` of `model` has a DBGBXVR (v7.1+ with the Virtualization
/// Extensions, implemented context-capable BRP).
fn has_bxvr(model: &CoreModel, n: usize) -> bool {
    n < 16
        && semantics::check_access(
            model,
            &BLANK_UNLOCKED,
            DebugRegister::Dbgbxvr(n as u8),
            crate::access::Direction::Read,
            AccessContext::PL1,
        ) != Err(semantics::UndefReason::NotImplemented)
}

/// The KVM layout of `state`'s breakpoint and watchpoint registers (a vCPU
/// of `model`): the model's BRPs and WRPs, entries past its counts 0.
pub fn to_kvm(model: &CoreModel, state: &DebugState) -> KvmGuestDebugArch {
    let mut k = KvmGuestDebugArch::default();
    for n in 0..usize::from(model.brps()).min(16) {
        k.dbg_bcr[n] = u64::from(state.bcr[n]);
        let high = if has_bxvr(model, n) {
            u64::from(state.bxvr[n]) << 32
        } else {
            0
        };
        k.dbg_bvr[n] = u64::from(state.bvr[n]) | high;
    }
    for n in 0..usize::from(model.wrps()).min(16) {
        k.dbg_wcr[n] = u64::from(state.wcr[n]);
        k.dbg_wvr[n] = u64::from(state.wvr[n]);
    }
    k
}

/// Loads the breakpoint and watchpoint registers of `kvm` into `state` (a
/// vCPU of `model`), as [`to_kvm`] lays them out. Every entry is checked
/// first; on any error `state` is untouched. Slots past the model's counts
/// (which no access reaches) and the other registers are left as they are.
///
/// **Decision**: values are taken strictly — an entry must be exactly what
/// the register can hold (within the model's writable mask, BCR BAS in the
/// normalised form a write stores), rather than silently masked.
///
/// # Errors
/// [`DbgRegsError::KvmEntryPastCount`] for a nonzero entry past the
/// model's BRP/WRP count; [`DbgRegsError::KvmInvalidBits`] for an entry
/// with bits the register cannot hold (any high bit, except DBGBXVR.VMID
/// in `dbg_bvr` \[39:32\] where the BRP has a DBGBXVR).
pub fn apply_kvm(
    model: &CoreModel,
    state: &mut DebugState,
    kvm: &KvmGuestDebugArch,
) -> Result<(), DbgRegsError> {
    let brps = usize::from(model.brps()).min(16);
    let wrps = usize::from(model.wrps()).min(16);
    let bcr_mask = semantics::bcr_mask(model);
    let wcr_mask = semantics::wcr_mask(model);
    let canon_bcr = |v: u64| u64::from(semantics::normalize_bcr(model, (v as u32) & bcr_mask));
    let canon_wcr = |v: u64| v & u64::from(wcr_mask);
    let canon_wvr = |v: u64| v & u64::from(semantics::WVR_MASK);
    let arrays: [(&'static str, &[u64; 16], usize); 4] = [
        ("dbg_bcr", &kvm.dbg_bcr, brps),
        ("dbg_bvr", &kvm.dbg_bvr, brps),
        ("dbg_wcr", &kvm.dbg_wcr, wrps),
        ("dbg_wvr", &kvm.dbg_wvr, wrps),
    ];
    for (array, values, count) in arrays {
        for (n, &value) in values.iter().enumerate() {
            if n >= count {
                if value != 0 {
                    return Err(DbgRegsError::KvmEntryPastCount {
                        array,
                        index: n as u8,
                        value,
                        count: count as u8,
                    });
                }
                continue;
            }
            let canonical = match array {
                "dbg_bcr" => canon_bcr(value),
                "dbg_bvr" => {
                    let low = u64::from((value as u32) & semantics::bvr_mask(model, n as u8));
                    let high = if has_bxvr(model, n) {
                        value & 0xFF_0000_0000
                    } else {
                        0
                    };
                    low | high
                }
                "dbg_wcr" => canon_wcr(value),
                _ => canon_wvr(value),
            };
            if value != canonical {
                return Err(DbgRegsError::KvmInvalidBits {
                    array,
                    index: n as u8,
                    value,
                    invalid: value ^ canonical,
                });
            }
        }
    }
    for n in 0..brps {
        state.bcr[n] = kvm.dbg_bcr[n] as u32;
        state.bvr[n] = kvm.dbg_bvr[n] as u32;
        if has_bxvr(model, n) {
            state.bxvr[n] = (kvm.dbg_bvr[n] >> 32) as u8;
        }
    }
    for n in 0..wrps {
        state.wcr[n] = kvm.dbg_wcr[n] as u32;
        state.wvr[n] = kvm.dbg_wvr[n] as u32;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prcr_possible_bits_match_the_register_semantics() {
        for m in CoreModel::presets() {
            let semantic =
                semantics::writable_mask(m, &BLANK_UNLOCKED, DebugRegister::Dbgprcr).unwrap_or(0);
            assert_eq!(prcr_possible_bits(m), semantic, "{}", m.name());
        }
    }
    use crate::state::UnknownFill;

    #[allow(clippy::unwrap_used)]
    fn model(name: &str) -> &'static CoreModel {
        CoreModel::preset(name).unwrap()
    }

    #[test]
    fn canonical_matches_semantics_masks() {
        for m in CoreModel::presets() {
            let c = Canonical::new(m);
            for n in 0..16u8 {
                assert_eq!(c.bvr_mask(usize::from(n)), semantics::bvr_mask(m, n));
            }
            let mut v = 0x0123_4567u32;
            for _ in 0..4096 {
                assert_eq!(c.normalize_bcr(v), semantics::normalize_bcr(m, v));
                for b in [v, v & c.bcr_mask, v & c.bcr_mask & !0x1E0 | 0x180] {
                    let fast = (b & !c.bcr_mask) | ((b ^ (b >> 1)) & c.bcr_fold_check);
                    assert_eq!(fast == 0, semantics::normalize_bcr(m, b) == b, "{b:#x}");
                }
                v = v.wrapping_mul(0x9E37_79B9).rotate_left(7) ^ 0xA5;
            }
            for v in [0, u32::MAX, 0x1E0, 0xA0, 0x140] {
                assert_eq!(c.normalize_bcr(v), semantics::normalize_bcr(m, v));
            }
        }
    }

    #[test]
    fn layout_offsets() {
        let a15 = model("cortex-a15");
        let s = DebugState::cold_reset(a15, UnknownFill::Seeded(3));
        let snap = DebugSnapshot::save(a15, &s);
        let b = snap.as_bytes();
        assert_eq!(b.len(), 344);
        assert_eq!(&b[0..8], b"DBGSNAP\0");
        assert_eq!(&b[8..10], &[1, 0]);
        assert_eq!(&b[12..16], &344u32.to_le_bytes());
        assert_eq!(&b[16..20], &a15.midr().to_le_bytes());
        assert_eq!(&b[20..24], &a15.dbgdidr().to_le_bytes());
        assert_eq!(&b[32..40], &checksum(b).to_le_bytes());
        assert_eq!(&b[40..44], &s.bvrs()[0].to_le_bytes());
        assert_eq!(&b[40 + 64..44 + 64], &s.bcrs()[0].to_le_bytes());
        assert_eq!(&b[40 + 256..40 + 272], s.bxvr_vmids());
        assert_eq!(&b[40 + 288..40 + 292], &s.wfar().to_le_bytes());
    }

    #[test]
    fn checksum_catches_every_single_bit_flip() {
        let a9 = model("cortex-a9");
        let snap = DebugSnapshot::save(a9, &DebugState::cold_reset(a9, UnknownFill::Seeded(1)));
        let mut bytes = [0u8; SNAPSHOT_SIZE];
        bytes.copy_from_slice(snap.as_bytes());
        let good = checksum(&bytes);
        for i in (0..SNAPSHOT_SIZE).filter(|i| !(32..40).contains(i)) {
            for bit in 0..8 {
                bytes[i] ^= 1 << bit;
                assert_ne!(checksum(&bytes), good, "byte {i} bit {bit}");
                bytes[i] ^= 1 << bit;
            }
        }
        // The checksum field is hashed as zeros: its content does not matter.
        bytes[33] ^= 0xFF;
        assert_eq!(checksum(&bytes), good);
    }

    #[test]
    fn dscr_possible_bits_per_version() {
        assert_eq!(dscr_possible_bits(model("cortex-a9")), 0x903C);
        assert_eq!(dscr_possible_bits(model("arm1176")), 0x903C);
        assert_eq!(dscr_possible_bits(model("cortex-a15")), 0x0C30_FC3C);
        assert_eq!(dscr_possible_bits(model("cortex-a53")), 0x0CE0_D07C);
    }

    #[test]
    fn bxvr_presence() {
        let a15 = model("cortex-a15");
        assert!(!has_bxvr(a15, 3));
        assert!(has_bxvr(a15, 4) && has_bxvr(a15, 5));
        assert!(!has_bxvr(a15, 6));
        assert!(!has_bxvr(model("cortex-a9"), 5));
    }
}
