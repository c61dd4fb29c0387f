//! One emulation step for a VMM: a trapped CP14 access in, the guest's
//! registers (and the vCPU's debug state) updated, or an Undefined
//! Instruction exception to inject.
//!
//! [`step`] takes the trap as an A32 word, a T32 word (first halfword in
//! bits \[31:16\]), an `ESR_EL2` syndrome or an already-decoded [`Access`]
//! ([`Trap`]), and:
//! 1. evaluates the condition (A32 `cond`, syndrome CV/COND; T32 and
//!    CV = 0: the CPSR IT state). A failed condition skips the instruction:
//!    PC += 4, IT state advanced, no access;
//! 2. derives the privilege from CPSR.M (User → PL0, Hyp → PL2, else PL1);
//! 3. names the register ([`DebugRegister::identify`]) and applies the
//!    encoding rules (below), then the register semantics
//!    ([`crate::semantics`]);
//! 4. writes Rt (Rt/Rt2 for MRRC; APSR.NZCV for `MRC ... APSR_nzcv,c0,c1,0`),
//!    does the LDC/STC memory transfer and base writeback, advances the PC
//!    by 4 and the IT state —
//!
//! or returns [`StepOutcome::Undefined`] with the reason, leaving the debug
//! state, the registers and the PC untouched.
//!
//! Encoding decisions (DDI 0487 F5.1, the A32 encodings of MCR/MRC/MCRR/MRRC/LDC/STC 'UNPREDICTABLE' cases resolved as
//! UNDEFINED, the choice KVM's `arch/arm64/kvm/sys_regs.c`, Xen's
//! `xen/arch/arm/vcpreg.c` and QEMU make for oddities):
//! * a word or syndrome that is no CP14 access at all is a caller error,
//!   [`DbgRegsError::NotCp14`] (the VMM routed a trap here that is not
//!   ours; whether the guest then sees an UNDEF is the VMM's call);
//! * a CP14 access that names no debug register (opc1 ≠ 0, unallocated
//!   numbers, the `2` forms, LDC/STC other than `p14, c5`) →
//!   [`UndefReason::Unallocated`];
//! * MCR with Rt = 15 → [`UndefReason::Unpredictable`] (all versions);
//! * MRC with Rt = 15 is the APSR_nzcv form only for DBGDSCRint, on every
//!   version (the v8 rule; v7 unverified); any other register →
//!   `Unpredictable`;
//! * MRRC/MCRR with Rt or Rt2 = 15, or MRRC with Rt = Rt2 → `Unpredictable`;
//! * T32 MCR/MRC/MCRR/MRRC with Rt (or Rt2) = 13 before Armv8 →
//!   `Unpredictable` (permitted in A32, and in T32 from v8);
//! * STC with Rn = 15 (or a literal syndrome), and any writeback with
//!   Rn = 15 → `Unpredictable`. LDC literal reads from Align(PC, 4) + 8
//!   (A32) or + 4 (T32) ± imm8 × 4.

use crate::access::{Access, AddressingMode, Direction, Gpr, Operation, Source};
use crate::error::DbgRegsError;
use crate::model::CoreModel;
use crate::regmap::DebugRegister;
use crate::semantics::{self, AccessContext, AccessOutcome, Privilege, UndefReason};
use crate::state::DebugState;

/// A data abort on the LDC/STC memory side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemFault {
    /// The faulting address.
    pub address: u32,
    /// Whether it was a write (STC) or a read (LDC).
    pub write: bool,
}

/// The guest's general registers and memory, as the VMM exposes them.
///
/// Registers are numbered as the trap source numbers them ([`Gpr`]):
/// R0–R15 for A32/T32 words, the AArch64 view X0–X30 (31 = Rt of 15) for an
/// `ESR_EL2` syndrome.
pub trait GuestRegs {
    /// Reads a general register.
    fn reg(&self, r: Gpr) -> u32;
    /// Writes a general register.
    fn set_reg(&mut self, r: Gpr, value: u32);
    /// The address of the trapped instruction.
    fn pc(&self) -> u32;
    /// Sets the PC.
    fn set_pc(&mut self, pc: u32);
    /// CPSR (N, Z, C, V in \[31:28\], IT in \[15:10\] and \[26:25\], T in \[5\],
    /// M in \[4:0\]).
    fn cpsr(&self) -> u32;
    /// Sets CPSR.
    fn set_cpsr(&mut self, cpsr: u32);
    /// Reads a guest word for LDC (virtual address, guest permissions).
    ///
    /// # Errors
    /// A [`MemFault`] the VMM turns into a Data Abort.
    fn read_mem_u32(&mut self, address: u32) -> Result<u32, MemFault>;
    /// Writes a guest word for STC.
    ///
    /// # Errors
    /// A [`MemFault`] the VMM turns into a Data Abort.
    fn write_mem_u32(&mut self, address: u32, value: u32) -> Result<(), MemFault>;
}

/// A trapped instruction, in whichever form the VMM has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trap {
    /// An A32 instruction word.
    A32(u32),
    /// A 32-bit T32 instruction, first halfword in bits \[31:16\].
    T32(u32),
    /// An AArch64 `ESR_EL2` syndrome (EC 0x05, 0x06, 0x0C).
    Esr(u64),
    /// An access already decoded.
    Decoded(Access),
}

/// What one emulation step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepOutcome {
    /// The access completed: registers written, PC advanced by 4.
    /// `value` is the value read (MRC/MRRC/STC) or written (MCR/LDC).
    Completed {
        /// The register accessed.
        register: DebugRegister,
        /// Read or write.
        direction: Direction,
        /// The value transferred (64-bit for MRRC).
        value: u64,
    },
    /// The condition failed: the instruction was skipped (PC += 4, IT
    /// state advanced), no access.
    ConditionFailed,
    /// The guest must take an Undefined Instruction exception; nothing was
    /// changed and the PC was not advanced.
    Undefined {
        /// The register, when the encoding names one.
        register: Option<DebugRegister>,
        /// Why.
        reason: UndefReason,
    },
    /// The LDC/STC memory access faulted; nothing was changed and the PC
    /// was not advanced (the VMM injects a Data Abort).
    DataAbort(MemFault),
}

const CPSR_T: u32 = 1 << 5;

/// The IT\[7:0\] bits of a CPSR.
#[inline]
const fn it_bits(cpsr: u32) -> u32 {
    ((cpsr >> 8) & 0xFC) | ((cpsr >> 25) & 3)
}

/// CPSR with the IT state advanced by one instruction (ITAdvance()).
#[inline(always)]
const fn it_advance(cpsr: u32) -> u32 {
    if cpsr & CPSR_T == 0 {
        return cpsr;
    }
    let it = it_bits(cpsr);
    if it == 0 {
        return cpsr;
    }
    let next = if it & 7 == 0 {
        0
    } else {
        (it & 0xE0) | ((it << 1) & 0x1F)
    };
    (cpsr & !((0x3F << 10) | (3 << 25))) | ((next & 0xFC) << 8) | ((next & 3) << 25)
}

/// Whether the instruction's condition passes.
#[inline]
fn condition_passes(access: &Access, cpsr: u32) -> bool {
    let nzcv = (cpsr >> 28) as u8;
    match access.condition {
        // AL and 0b1111 (the `2` forms) always pass.
        Some(c) => c.0 >= 0xE || c.holds(nzcv),
        None => {
            let it = it_bits(cpsr);
            if cpsr & CPSR_T != 0 && it & 0xF != 0 {
                crate::access::Condition((it >> 4) as u8).holds(nzcv)
            } else {
                true
            }
        }
    }
}

/// The privilege of the current mode (CPSR.M).
#[inline]
pub const fn privilege_of(cpsr: u32) -> Privilege {
    match cpsr & 0x1F {
        0x10 => Privilege::Pl0,
        0x1A => Privilege::Pl2,
        _ => Privilege::Pl1,
    }
}

#[inline]
const fn is_pc(source: Source, r: Gpr) -> bool {
    match source {
        Source::A32 | Source::T32 => r.0 == 15,
        Source::Esr => r.0 == 31,
    }
}

#[inline(always)]
fn undef(register: Option<DebugRegister>, reason: UndefReason) -> StepOutcome {
    #[cfg(feature = "tracing")]
    if tracing::Level::TRACE <= tracing::level_filters::STATIC_MAX_LEVEL
        && tracing::Level::TRACE <= tracing::level_filters::LevelFilter::current()
    {
        trace_undef(register, reason);
    }
    StepOutcome::Undefined { register, reason }
}

#[cfg(feature = "tracing")]
#[cold]
#[inline(never)]
fn trace_undef(register: Option<DebugRegister>, reason: UndefReason) {
    tracing::trace!(register = ?register, reason = ?reason, "cp14 access undefined");
}

/// Decodes `trap` into an [`Access`].
///
/// # Errors
/// [`DbgRegsError::NotCp14`] when the word or syndrome is no CP14 access.
#[inline]
pub fn decode_trap(trap: Trap) -> Result<Access, DbgRegsError> {
    match trap {
        Trap::A32(w) => crate::decode::decode_a32(w).ok_or(DbgRegsError::NotCp14 {
            kind: "A32 word",
            word: w as u64,
        }),
        Trap::T32(w) => crate::decode::decode_t32(w).ok_or(DbgRegsError::NotCp14 {
            kind: "T32 word",
            word: w as u64,
        }),
        Trap::Esr(e) => crate::decode::decode_esr(e).ok_or(DbgRegsError::NotCp14 {
            kind: "ESR",
            word: e,
        }),
        Trap::Decoded(a) => Ok(a),
    }
}

/// Emulates one trapped CP14 access on a vCPU of `model`.
///
/// # Errors
/// [`DbgRegsError::NotCp14`] when the trap is no CP14 access (nothing is
/// changed). Every architectural outcome, including UNDEFINED, is `Ok`.
#[inline]
pub fn step<G: GuestRegs + ?Sized>(
    model: &CoreModel,
    state: &mut DebugState,
    guest: &mut G,
    trap: Trap,
) -> Result<StepOutcome, DbgRegsError> {
    // A32 words (what a VMM on an AArch32 host traps) take a path without
    // the other decoders; the other forms go out of line.
    match trap {
        Trap::A32(w) => match crate::decode::decode_a32(w) {
            Some(access) => Ok(step_access(model, state, guest, &access)),
            None => Err(DbgRegsError::NotCp14 {
                kind: "A32 word",
                word: w as u64,
            }),
        },
        _ => step_other_trap(model, state, guest, trap),
    }
}

/// [`step`] for T32 words, syndromes and decoded accesses.
#[inline(never)]
fn step_other_trap<G: GuestRegs + ?Sized>(
    model: &CoreModel,
    state: &mut DebugState,
    guest: &mut G,
    trap: Trap,
) -> Result<StepOutcome, DbgRegsError> {
    let access = decode_trap(trap)?;
    Ok(step_access(model, state, guest, &access))
}

/// [`step`] for an already-decoded access (never fails).
#[inline]
pub fn step_access<G: GuestRegs + ?Sized>(
    model: &CoreModel,
    state: &mut DebugState,
    guest: &mut G,
    access: &Access,
) -> StepOutcome {
    let cpsr = guest.cpsr();
    if !condition_passes(access, cpsr) {
        guest.set_pc(guest.pc().wrapping_add(4));
        guest.set_cpsr(it_advance(cpsr));
        return StepOutcome::ConditionFailed;
    }
    match access.operation {
        Operation::Transfer {
            opc1,
            crn,
            crm,
            opc2,
            rt,
        } if !access.two => transfer(
            model,
            state,
            guest,
            access.source,
            access.direction,
            (opc1, crn, crm, opc2),
            rt,
            cpsr,
        ),
        _ => step_other(model, state, guest, *access, cpsr),
    }
}

/// MRC/MCR (not the `2` forms): the common case, one straight line from
/// the coordinates to the PC update.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn transfer<G: GuestRegs + ?Sized>(
    model: &CoreModel,
    state: &mut DebugState,
    guest: &mut G,
    src: Source,
    direction: Direction,
    (opc1, crn, crm, opc2): (u8, u8, u8, u8),
    rt: Gpr,
    cpsr: u32,
) -> StepOutcome {
    let reg = if opc1 == 0 {
        DebugRegister::from_coordinates(crn, crm, opc2, direction)
    } else {
        None
    };
    let Some(reg) = reg else {
        return undef(None, UndefReason::Unallocated);
    };
    if matches!(src, Source::T32) && rt.0 == 13 && !model.version().is_v8() {
        // T32 MRC/MCR with R13 is UNPREDICTABLE before Armv8.
        return undef(Some(reg), UndefReason::Unpredictable);
    }
    let ctx = AccessContext {
        privilege: privilege_of(cpsr),
    };
    let pc_rt = is_pc(src, rt);
    let value = match direction {
        Direction::Read => {
            if pc_rt && reg != DebugRegister::DbgdscrInt {
                return undef(Some(reg), UndefReason::Unpredictable);
            }
            match semantics::read_inline(model, state, reg, ctx) {
                AccessOutcome::Read(v) => {
                    if pc_rt {
                        guest.set_cpsr((cpsr & 0x0FFF_FFFF) | (v & 0xF000_0000));
                    } else {
                        guest.set_reg(rt, v);
                    }
                    v as u64
                }
                AccessOutcome::Read64(v) => {
                    guest.set_reg(rt, v as u32);
                    v
                }
                AccessOutcome::Written => 0,
                AccessOutcome::Undefined(r) => return undef(Some(reg), r),
            }
        }
        Direction::Write => {
            if pc_rt {
                return undef(Some(reg), UndefReason::Unpredictable);
            }
            let v = guest.reg(rt);
            if let AccessOutcome::Undefined(r) = semantics::write_inline(model, state, reg, v, ctx)
            {
                return undef(Some(reg), r);
            }
            v as u64
        }
    };
    guest.set_pc(guest.pc().wrapping_add(4));
    let cpsr = guest.cpsr();
    guest.set_cpsr(it_advance(cpsr));
    StepOutcome::Completed {
        register: reg,
        direction,
        value,
    }
}

/// [`step_access`] for MCRR/MRRC, LDC/STC and the `2` forms. Takes the
/// access by value: a reference would make the common path spill it.
#[inline(never)]
fn step_other<G: GuestRegs + ?Sized>(
    model: &CoreModel,
    state: &mut DebugState,
    guest: &mut G,
    access: Access,
    cpsr: u32,
) -> StepOutcome {
    let access = &access;
    let ctx = AccessContext {
        privilege: privilege_of(cpsr),
    };
    let Some(reg) = DebugRegister::identify(access) else {
        return undef(None, UndefReason::Unallocated);
    };
    let src = access.source;
    if matches!(src, Source::T32) && !model.version().is_v8() {
        // T32 MCR/MRC/MCRR/MRRC with R13 is UNPREDICTABLE before Armv8.
        let sp = match access.operation {
            Operation::Transfer { rt, .. } => rt.0 == 13,
            Operation::Transfer64 { rt, rt2, .. } => rt.0 == 13 || rt2.0 == 13,
            Operation::Memory { .. } => false,
        };
        if sp {
            return undef(Some(reg), UndefReason::Unpredictable);
        }
    }
    let outcome = match access.operation {
        Operation::Transfer { rt, .. } => match access.direction {
            Direction::Read => {
                if is_pc(src, rt) && reg != DebugRegister::DbgdscrInt {
                    return undef(Some(reg), UndefReason::Unpredictable);
                }
                match semantics::read(model, state, reg, ctx) {
                    AccessOutcome::Read(v) => {
                        if is_pc(src, rt) {
                            guest.set_cpsr((cpsr & 0x0FFF_FFFF) | (v & 0xF000_0000));
                        } else {
                            guest.set_reg(rt, v);
                        }
                        Ok(v as u64)
                    }
                    AccessOutcome::Read64(v) => {
                        guest.set_reg(rt, v as u32);
                        Ok(v)
                    }
                    AccessOutcome::Written => Ok(0),
                    AccessOutcome::Undefined(r) => Err(r),
                }
            }
            Direction::Write => {
                if is_pc(src, rt) {
                    return undef(Some(reg), UndefReason::Unpredictable);
                }
                let v = guest.reg(rt);
                match semantics::write(model, state, reg, v, ctx) {
                    AccessOutcome::Undefined(r) => Err(r),
                    _ => Ok(v as u64),
                }
            }
        },
        Operation::Transfer64 { rt, rt2, .. } => {
            if is_pc(src, rt) || is_pc(src, rt2) {
                return undef(Some(reg), UndefReason::Unpredictable);
            }
            match access.direction {
                Direction::Read => {
                    if rt == rt2 {
                        return undef(Some(reg), UndefReason::Unpredictable);
                    }
                    match semantics::read(model, state, reg, ctx) {
                        AccessOutcome::Read64(v) => {
                            guest.set_reg(rt, v as u32);
                            guest.set_reg(rt2, (v >> 32) as u32);
                            Ok(v)
                        }
                        AccessOutcome::Read(v) => {
                            guest.set_reg(rt, v);
                            guest.set_reg(rt2, 0);
                            Ok(v as u64)
                        }
                        AccessOutcome::Written => Ok(0),
                        AccessOutcome::Undefined(r) => Err(r),
                    }
                }
                Direction::Write => {
                    let v = guest.reg(rt) as u64 | ((guest.reg(rt2) as u64) << 32);
                    match semantics::write(model, state, reg, v as u32, ctx) {
                        AccessOutcome::Undefined(r) => Err(r),
                        _ => Ok(v),
                    }
                }
            }
        }
        Operation::Memory {
            rn,
            imm8,
            mode,
            add,
            ..
        } => {
            return memory_transfer(model, state, guest, access, reg, ctx, rn, imm8, mode, add);
        }
    };
    match outcome {
        Ok(value) => {
            guest.set_pc(guest.pc().wrapping_add(4));
            let cpsr = guest.cpsr();
            guest.set_cpsr(it_advance(cpsr));
            StepOutcome::Completed {
                register: reg,
                direction: access.direction,
                value,
            }
        }
        Err(reason) => undef(Some(reg), reason),
    }
}

/// LDC to DBGDTRTXint / STC from DBGDTRRXint.
#[allow(clippy::too_many_arguments)]
#[inline]
fn memory_transfer<G: GuestRegs + ?Sized>(
    model: &CoreModel,
    state: &mut DebugState,
    guest: &mut G,
    access: &Access,
    reg: DebugRegister,
    ctx: AccessContext,
    rn: Option<Gpr>,
    imm8: u8,
    mode: AddressingMode,
    add: bool,
) -> StepOutcome {
    let load = matches!(access.direction, Direction::Write);
    let literal = match rn {
        None => true,
        Some(r) => is_pc(access.source, r),
    };
    let writeback = matches!(
        mode,
        AddressingMode::PostIndexed | AddressingMode::PreIndexed
    );
    if literal && (!load || writeback) {
        return undef(Some(reg), UndefReason::Unpredictable);
    }
    if let Err(r) = semantics::check_access(model, state, reg, access.direction, ctx) {
        return undef(Some(reg), r);
    }
    let cpsr = guest.cpsr();
    let base = match rn {
        Some(r) if !literal => guest.reg(r),
        _ => {
            let pc = guest.pc() & !3;
            pc.wrapping_add(if cpsr & CPSR_T != 0 { 4 } else { 8 })
        }
    };
    let offset = (imm8 as u32) << 2;
    let moved = if add {
        base.wrapping_add(offset)
    } else {
        base.wrapping_sub(offset)
    };
    let address = match mode {
        AddressingMode::Unindexed | AddressingMode::PostIndexed => base,
        AddressingMode::Offset | AddressingMode::PreIndexed => moved,
    };
    let value = if load {
        let v = match guest.read_mem_u32(address) {
            Ok(v) => v,
            Err(f) => return StepOutcome::DataAbort(f),
        };
        if let AccessOutcome::Undefined(r) = semantics::write(model, state, reg, v, ctx) {
            return undef(Some(reg), r);
        }
        v
    } else {
        // Store the current DTRRX value first; only a successful store
        // consumes it (clears RXfull).
        if let Err(f) = guest.write_mem_u32(address, state.dtrrx) {
            return StepOutcome::DataAbort(f);
        }
        match semantics::read(model, state, reg, ctx) {
            AccessOutcome::Read(v) => v,
            AccessOutcome::Undefined(r) => return undef(Some(reg), r),
            _ => 0,
        }
    };
    if writeback {
        if let Some(r) = rn {
            guest.set_reg(r, moved);
        }
    }
    guest.set_pc(guest.pc().wrapping_add(4));
    guest.set_cpsr(it_advance(cpsr));
    StepOutcome::Completed {
        register: reg,
        direction: access.direction,
        value: value as u64,
    }
}

/// A plain guest register file for tests, tools and the replay command:
/// 32 general registers (enough for both numberings), PC, CPSR, and no
/// memory (every LDC/STC faults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimpleGuest {
    /// General registers indexed by [`Gpr`] number.
    pub regs: [u32; 32],
    /// The PC.
    pub pc: u32,
    /// CPSR.
    pub cpsr: u32,
}

impl SimpleGuest {
    /// CPSR of SVC mode, ARM state, flags clear, interrupts masked.
    pub const SVC_CPSR: u32 = 0x0000_01D3;

    /// A guest in SVC mode (PL1), ARM state, all registers 0, PC = `pc`.
    pub const fn svc(pc: u32) -> SimpleGuest {
        SimpleGuest {
            regs: [0; 32],
            pc,
            cpsr: Self::SVC_CPSR,
        }
    }
}

impl GuestRegs for SimpleGuest {
    #[inline]
    fn reg(&self, r: Gpr) -> u32 {
        self.regs[(r.0 & 31) as usize]
    }
    #[inline]
    fn set_reg(&mut self, r: Gpr, value: u32) {
        self.regs[(r.0 & 31) as usize] = value;
    }
    #[inline]
    fn pc(&self) -> u32 {
        self.pc
    }
    #[inline]
    fn set_pc(&mut self, pc: u32) {
        self.pc = pc;
    }
    #[inline]
    fn cpsr(&self) -> u32 {
        self.cpsr
    }
    #[inline]
    fn set_cpsr(&mut self, cpsr: u32) {
        self.cpsr = cpsr;
    }
    fn read_mem_u32(&mut self, address: u32) -> Result<u32, MemFault> {
        Err(MemFault {
            address,
            write: false,
        })
    }
    fn write_mem_u32(&mut self, address: u32, _value: u32) -> Result<(), MemFault> {
        Err(MemFault {
            address,
            write: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::UnknownFill;

    fn setup(name: &str) -> (&'static CoreModel, DebugState, SimpleGuest) {
        #[allow(clippy::unwrap_used)]
        let m = CoreModel::preset(name).unwrap();
        (
            m,
            DebugState::cold_reset(m, UnknownFill::Zero),
            SimpleGuest::svc(0x8000),
        )
    }

    #[test]
    fn mrc_dbgdidr_writes_rt_and_advances_pc() {
        let (m, mut s, mut g) = setup("cortex-a15");
        let out = step(m, &mut s, &mut g, Trap::A32(0xee10_0e10));
        assert!(matches!(
            out,
            Ok(StepOutcome::Completed {
                register: DebugRegister::Dbgdidr,
                ..
            })
        ));
        assert_eq!(g.regs[0], 0x3515_f021);
        assert_eq!(g.pc, 0x8004);
    }

    #[test]
    fn failed_condition_skips() {
        let (m, mut s, mut g) = setup("cortex-a15");
        // MRCEQ p14,0,r0,c0,c0,0 with Z clear.
        let out = step(m, &mut s, &mut g, Trap::A32(0x0e10_0e10));
        assert_eq!(out, Ok(StepOutcome::ConditionFailed));
        assert_eq!((g.regs[0], g.pc), (0, 0x8004));
        g.cpsr |= 1 << 30; // Z
        let out = step(m, &mut s, &mut g, Trap::A32(0x0e10_0e10));
        assert!(matches!(out, Ok(StepOutcome::Completed { .. })));
        assert_eq!(g.regs[0], 0x3515_f021);
    }

    #[test]
    fn t32_condition_from_it_state() {
        let (m, mut s, mut g) = setup("cortex-a15");
        // Thumb, IT block "EQ" with one instruction: IT = 0b0000_1000.
        g.cpsr = SimpleGuest::SVC_CPSR | CPSR_T | (0x08 >> 2) << 10;
        let out = step(m, &mut s, &mut g, Trap::T32(0xee10_0e10));
        assert_eq!(out, Ok(StepOutcome::ConditionFailed));
        assert_eq!(it_bits(g.cpsr), 0, "IT block finished");
        // Outside an IT block the instruction always executes.
        let out = step(m, &mut s, &mut g, Trap::T32(0xee10_0e10));
        assert!(matches!(out, Ok(StepOutcome::Completed { .. })));
    }

    #[test]
    fn user_mode_is_pl0() {
        let (m, mut s, mut g) = setup("cortex-a15");
        g.cpsr = 0x10;
        let bcr0 = 0xee00_0eb0; // MCR p14,0,r0,c0,c0,5
        let out = step(m, &mut s, &mut g, Trap::A32(bcr0));
        assert_eq!(
            out,
            Ok(StepOutcome::Undefined {
                register: Some(DebugRegister::Dbgbcr(0)),
                reason: UndefReason::Privilege
            })
        );
        assert_eq!(g.pc, 0x8000, "PC not advanced on UNDEF");
        assert!(matches!(
            step(m, &mut s, &mut g, Trap::A32(0xee10_0e10)),
            Ok(StepOutcome::Completed { .. })
        ));
    }

    #[test]
    fn apsr_nzcv_form_only_for_dscrint() {
        let (m, mut s, mut g) = setup("cortex-a15");
        s.external_write_dtrrx(1); // RXfull → bit 30 → Z
        let out = step(m, &mut s, &mut g, Trap::A32(0xee10_fe11)); // MRC APSR_nzcv, DSCRint
        assert!(matches!(out, Ok(StepOutcome::Completed { .. })));
        assert_eq!(g.cpsr >> 28, 0b0100);
        let out = step(m, &mut s, &mut g, Trap::A32(0xee10_fe10)); // Rt=15 DBGDIDR
        assert!(matches!(
            out,
            Ok(StepOutcome::Undefined {
                reason: UndefReason::Unpredictable,
                ..
            })
        ));
        let out = step(m, &mut s, &mut g, Trap::A32(0xee00_feb0)); // MCR Rt=15
        assert!(matches!(
            out,
            Ok(StepOutcome::Undefined {
                reason: UndefReason::Unpredictable,
                ..
            })
        ));
    }

    #[test]
    fn two_forms_and_other_opc1_are_unallocated() {
        let (m, mut s, mut g) = setup("cortex-a15");
        for w in [0xfe10_0e10u32, 0xee30_0e10, 0xee18_0e10] {
            let out = step(m, &mut s, &mut g, Trap::A32(w));
            assert_eq!(
                out,
                Ok(StepOutcome::Undefined {
                    register: None,
                    reason: UndefReason::Unallocated
                }),
                "{w:#x}"
            );
        }
    }

    #[test]
    fn not_cp14_is_an_error() {
        let (m, mut s, mut g) = setup("cortex-a15");
        let before = (s, g);
        assert!(matches!(
            step(m, &mut s, &mut g, Trap::A32(0xee10_0f10)),
            Err(DbgRegsError::NotCp14 { .. })
        ));
        assert_eq!((s, g), before);
    }

    #[test]
    fn mrrc_dbgdrar_64() {
        let (m, mut s, mut g) = setup("cortex-a15");
        g.regs[0] = 7;
        g.regs[1] = 7;
        // MRRC p14,0,r0,r1,c1
        let out = step(m, &mut s, &mut g, Trap::A32(0xec51_0e01));
        assert!(matches!(out, Ok(StepOutcome::Completed { value: 0, .. })));
        assert_eq!((g.regs[0], g.regs[1]), (0, 0));
        // Rt == Rt2
        let out = step(m, &mut s, &mut g, Trap::A32(0xec50_0e01));
        assert!(matches!(
            out,
            Ok(StepOutcome::Undefined {
                reason: UndefReason::Unpredictable,
                ..
            })
        ));
        // A9 has no LPAE: the 64-bit view is not implemented.
        let (m9, mut s9, mut g9) = setup("cortex-a9");
        let out = step(m9, &mut s9, &mut g9, Trap::A32(0xec51_0e01));
        assert!(matches!(
            out,
            Ok(StepOutcome::Undefined {
                reason: UndefReason::NotImplemented,
                ..
            })
        ));
    }

    struct MemGuest {
        inner: SimpleGuest,
        mem: [u32; 4],
    }

    impl GuestRegs for MemGuest {
        fn reg(&self, r: Gpr) -> u32 {
            self.inner.reg(r)
        }
        fn set_reg(&mut self, r: Gpr, v: u32) {
            self.inner.set_reg(r, v)
        }
        fn pc(&self) -> u32 {
            self.inner.pc
        }
        fn set_pc(&mut self, pc: u32) {
            self.inner.pc = pc
        }
        fn cpsr(&self) -> u32 {
            self.inner.cpsr
        }
        fn set_cpsr(&mut self, c: u32) {
            self.inner.cpsr = c
        }
        fn read_mem_u32(&mut self, a: u32) -> Result<u32, MemFault> {
            let i = a.wrapping_sub(0x1000) / 4;
            self.mem.get(i as usize).copied().ok_or(MemFault {
                address: a,
                write: false,
            })
        }
        fn write_mem_u32(&mut self, a: u32, v: u32) -> Result<(), MemFault> {
            let i = a.wrapping_sub(0x1000) / 4;
            match self.mem.get_mut(i as usize) {
                Some(w) => {
                    *w = v;
                    Ok(())
                }
                None => Err(MemFault {
                    address: a,
                    write: true,
                }),
            }
        }
    }

    #[test]
    fn ldc_stc_move_the_dtr_with_writeback() {
        #[allow(clippy::unwrap_used)]
        let m = CoreModel::preset("cortex-a15").unwrap();
        let mut s = DebugState::cold_reset(m, UnknownFill::Zero);
        let mut g = MemGuest {
            inner: SimpleGuest::svc(0x8000),
            mem: [0x1111_1111, 0x2222_2222, 0, 0],
        };
        g.inner.regs[2] = 0x1000;
        // LDC p14, c5, [r2], #4  (post-indexed): cond 1110 110 P0 U1 D0 W1 L1
        let ldc = 0xecb2_5e01;
        let out = step(m, &mut s, &mut g, Trap::A32(ldc));
        assert!(
            matches!(
                out,
                Ok(StepOutcome::Completed {
                    register: DebugRegister::DbgdtrtxInt,
                    ..
                })
            ),
            "{out:?}"
        );
        assert!(s.txfull());
        assert_eq!(s.external_read_dtrtx(), Some(0x1111_1111));
        assert_eq!(g.inner.regs[2], 0x1004);
        // STC p14, c5, [r2, #4] (offset): P1 U1 D0 W0 L0
        s.external_write_dtrrx(0xABCD);
        let stc = 0xed82_5e01;
        let out = step(m, &mut s, &mut g, Trap::A32(stc));
        assert!(matches!(out, Ok(StepOutcome::Completed { .. })), "{out:?}");
        assert_eq!(g.mem[2], 0xABCD);
        assert!(!s.rxfull());
        assert_eq!(g.inner.regs[2], 0x1004);
        // A faulting STC leaves RXfull set and the PC alone.
        s.external_write_dtrrx(1);
        g.inner.regs[2] = 0x9000;
        let pc = g.inner.pc;
        let out = step(m, &mut s, &mut g, Trap::A32(stc));
        assert!(matches!(
            out,
            Ok(StepOutcome::DataAbort(MemFault { write: true, .. }))
        ));
        assert!(s.rxfull());
        assert_eq!(g.inner.pc, pc);
    }

    #[test]
    fn t32_r13_is_unpredictable_before_v8() {
        // MRC p14,0,r13,c0,c0,0 in T32.
        let (m, mut s, mut g) = setup("cortex-a15");
        let out = step(m, &mut s, &mut g, Trap::T32(0xee10_de10));
        assert!(matches!(
            out,
            Ok(StepOutcome::Undefined {
                reason: UndefReason::Unpredictable,
                ..
            })
        ));
        // Permitted in A32, and in T32 on v8.
        let out = step(m, &mut s, &mut g, Trap::A32(0xee10_de10));
        assert!(matches!(out, Ok(StepOutcome::Completed { .. })));
        let (m, mut s, mut g) = setup("cortex-a53");
        let out = step(m, &mut s, &mut g, Trap::T32(0xee10_de10));
        assert!(matches!(out, Ok(StepOutcome::Completed { .. })));
        assert_eq!(g.regs[13], 0x3516_d000);
    }

    #[test]
    fn it_advance_follows_the_pseudocode() {
        // ITE EQ: IT = 0b0000_0100? first-cond EQ, mask 0b1100 → IT=0x0C.
        let cpsr = CPSR_T | ((0x0C >> 2) << 10);
        let next = it_advance(cpsr);
        assert_eq!(it_bits(next), 0x18);
        assert_eq!(it_bits(it_advance(next)), 0);
        assert_eq!(it_advance(0x1D3), 0x1D3);
    }
}
