//! An AArch64-host VMM exit loop for an AArch32 guest's CP14 debug register
//! traps, built on `dbgregs`.
//!
//! The "hardware" hands the loop `ESR_EL2` syndromes (EC 0x05 MCR/MRC,
//! 0x06 LDC/STC, 0x0C MCRR/MRRC) for a guest whose registers live in an
//! AArch64-style vCPU register file: X0–X30 (the AArch64 view of the
//! AArch32 banked registers), ELR_EL2 as the trapped instruction's address
//! and SPSR_EL2 as its CPSR. Each exit is emulated with
//! `dbgregs::emulate::step(.., Trap::Esr(esr))`; an access the architecture
//! makes UNDEFINED is turned into an Undefined Instruction exception
//! injected into the guest. The guest here is Linux's hw_breakpoint driver
//! programming one breakpoint and one watchpoint, then a user process
//! poking at a debug register.
//!
//! Then the vCPU is migrated: its debug state is snapshotted
//! (`dbgregs::snapshot`), the bytes "sent", restored into a fresh vCPU on
//! the destination, and the guest reads its breakpoint registers back there
//! (through the same exit loop) and hits its watchpoint.
//!
//! `cargo run --example vmm_exit_loop` prints the trace; every expectation
//! is checked and the example exits non-zero if one fails.

use std::collections::BTreeMap;
use std::process::ExitCode;

use dbgregs::access::Gpr;
use dbgregs::emulate::{step, GuestRegs, MemFault, StepOutcome, Trap};
use dbgregs::matching::{AccessKind, DataAccess, Mode};
use dbgregs::model::CoreModel;
use dbgregs::snapshot::{to_kvm, DebugSnapshot};
use dbgregs::state::{DebugState, UnknownFill};

/// SPSR (AArch32 view) of the guest kernel: SVC mode, A32, IRQ/FIQ masked.
const SPSR_SVC: u64 = 0x1D3;
/// SPSR of a guest user process.
const SPSR_USR: u64 = 0x010;
/// The guest's exception vector base (high vectors).
const VBAR: u32 = 0xFFFF_0000;
/// AArch64 view of LR_und (ARMv8-ARM D1.10.1.1).
const X_LR_UND: usize = 22;

/// An AArch64-style vCPU register file holding an AArch32 guest, plus the
/// guest memory the LDC/STC exits touch.
#[derive(Debug, Clone, Default)]
struct Vcpu {
    x: [u64; 31],
    elr_el2: u64,
    spsr_el2: u64,
    /// SPSR_und, written when an Undefined Instruction exception is
    /// injected.
    spsr_und: u64,
    /// Guest words by address (anything else aborts).
    mem: BTreeMap<u32, u32>,
    debug: Option<DebugState>,
}

impl GuestRegs for Vcpu {
    fn reg(&self, r: Gpr) -> u32 {
        // 31 is "Rt = 15" in a syndrome; the emulator handles it itself.
        self.x.get(usize::from(r.0)).map_or(0, |&x| x as u32)
    }
    fn set_reg(&mut self, r: Gpr, value: u32) {
        if let Some(x) = self.x.get_mut(usize::from(r.0)) {
            // AArch32 writes zero the upper half of the X register.
            *x = u64::from(value);
        }
    }
    fn pc(&self) -> u32 {
        self.elr_el2 as u32
    }
    fn set_pc(&mut self, pc: u32) {
        self.elr_el2 = u64::from(pc);
    }
    fn cpsr(&self) -> u32 {
        self.spsr_el2 as u32
    }
    fn set_cpsr(&mut self, cpsr: u32) {
        self.spsr_el2 = u64::from(cpsr);
    }
    fn read_mem_u32(&mut self, address: u32) -> Result<u32, MemFault> {
        self.mem.get(&address).copied().ok_or(MemFault {
            address,
            write: false,
        })
    }
    fn write_mem_u32(&mut self, address: u32, value: u32) -> Result<(), MemFault> {
        match self.mem.get_mut(&address) {
            Some(w) => {
                *w = value;
                Ok(())
            }
            None => Err(MemFault {
                address,
                write: true,
            }),
        }
    }
}

impl Vcpu {
    /// Injects an Undefined Instruction exception (AArch32 guest, A32):
    /// SPSR_und = CPSR, LR_und = the instruction + 4, Undefined mode with
    /// IRQs masked, PC = the vector.
    fn inject_undef(&mut self) {
        self.spsr_und = self.spsr_el2;
        self.x[X_LR_UND] = self.elr_el2.wrapping_add(4) & 0xFFFF_FFFF;
        self.spsr_el2 = (self.spsr_el2 & !0x3F) | 0x9B;
        self.elr_el2 = u64::from(VBAR + 0x04);
    }
}

/// ESR_EL2 for `MCR`/`MRC p14, 0, <Xt>, c<crn>, c<crm>, <opc2>`
/// (EC 0x05, IL = 1, CV = 1, COND = `cond`).
fn esr_mcr_mrc(read: bool, crn: u64, crm: u64, opc2: u64, xt: u64, cond: u64) -> u64 {
    (0x05 << 26)
        | (1 << 25)
        | (1 << 24)
        | (cond << 20)
        | (opc2 << 17)
        | (crn << 10)
        | (xt << 5)
        | (crm << 1)
        | u64::from(read)
}

/// ESR_EL2 for `MRRC p14, 0, <Xt>, <Xt2>, c<crm>` (EC 0x0C).
fn esr_mrrc(crm: u64, xt: u64, xt2: u64) -> u64 {
    (0x0C << 26) | (1 << 25) | (1 << 24) | (0xE << 20) | (xt2 << 10) | (xt << 5) | (crm << 1) | 1
}

/// ESR_EL2 for `STC p14, c5, [<Xn>], #imm` (EC 0x06, offset form, add).
fn esr_stc(xn: u64, imm8: u64) -> u64 {
    (0x06 << 26)
        | (1 << 25)
        | (1 << 24)
        | (0xE << 20)
        | (imm8 << 12)
        | (xn << 5)
        | (1 << 4)
        | (0b010 << 1)
}

const AL: u64 = 0xE;
const EQ: u64 = 0x0;

/// One VM exit: the syndrome, and the guest state when it trapped.
struct Exit {
    what: &'static str,
    esr: u64,
    pc: u32,
    spsr: u64,
    /// Registers the guest code had set up: (Xn, value).
    regs: &'static [(usize, u64)],
}

/// What the loop did with one exit.
#[derive(Debug, PartialEq, Eq)]
enum Handled {
    Emulated(String),
    Skipped,
    InjectedUndef(String),
    DataAbortToInject(String),
}

/// The exit loop: emulate one exit on `vcpu` of `model`.
fn handle_exit(model: &CoreModel, vcpu: &mut Vcpu, exit: &Exit) -> Result<Handled, String> {
    vcpu.elr_el2 = u64::from(exit.pc);
    vcpu.spsr_el2 = exit.spsr;
    for &(n, v) in exit.regs {
        vcpu.x[n] = v;
    }
    let mut debug = vcpu.debug.take().ok_or("vCPU has no debug state")?;
    let out = step(model, &mut debug, vcpu, Trap::Esr(exit.esr));
    vcpu.debug = Some(debug);
    match out.map_err(|e| format!("{}: bad syndrome {:#x}: {e}", exit.what, exit.esr))? {
        StepOutcome::Completed {
            register,
            direction,
            value,
        } => Ok(Handled::Emulated(format!(
            "{register} {direction:?} {value:#x}"
        ))),
        StepOutcome::ConditionFailed => Ok(Handled::Skipped),
        StepOutcome::Undefined { register, reason } => {
            vcpu.inject_undef();
            Ok(Handled::InjectedUndef(format!(
                "{} ({reason:?})",
                register.map_or("-".to_string(), |r| r.to_string())
            )))
        }
        StepOutcome::DataAbort(f) => Ok(Handled::DataAbortToInject(format!("{:#x}", f.address))),
    }
}

/// The source-side guest: Linux's hw_breakpoint init and install, then a
/// user process.
fn source_exits() -> Vec<Exit> {
    let k = 0xC010_0000;
    vec![
        Exit {
            what: "read DBGDIDR",
            esr: esr_mcr_mrc(true, 0, 0, 0, 0, AL),
            pc: k,
            spsr: SPSR_SVC,
            regs: &[],
        },
        Exit {
            what: "clear OS lock",
            esr: esr_mcr_mrc(false, 1, 0, 4, 1, AL),
            pc: k + 4,
            spsr: SPSR_SVC,
            regs: &[(1, 0x3A53_31AA)],
        },
        Exit {
            what: "read DBGDSCRint",
            esr: esr_mcr_mrc(true, 0, 1, 0, 0, AL),
            pc: k + 8,
            spsr: SPSR_SVC,
            regs: &[],
        },
        Exit {
            what: "monitor mode on",
            esr: esr_mcr_mrc(false, 0, 2, 2, 0, AL),
            pc: k + 12,
            spsr: SPSR_SVC,
            regs: &[(0, 0x8000)],
        },
        Exit {
            what: "BVR0",
            esr: esr_mcr_mrc(false, 0, 0, 4, 2, AL),
            pc: k + 16,
            spsr: SPSR_SVC,
            regs: &[(2, 0x0001_0000)],
        },
        Exit {
            what: "BCR0",
            esr: esr_mcr_mrc(false, 0, 0, 5, 3, AL),
            pc: k + 20,
            spsr: SPSR_SVC,
            regs: &[(3, 0x1E5)],
        },
        Exit {
            what: "WVR0",
            esr: esr_mcr_mrc(false, 0, 0, 6, 2, AL),
            pc: k + 24,
            spsr: SPSR_SVC,
            regs: &[(2, 0xC000_1000)],
        },
        Exit {
            what: "WCR0",
            esr: esr_mcr_mrc(false, 0, 0, 7, 3, AL),
            pc: k + 28,
            spsr: SPSR_SVC,
            regs: &[(3, 0x1F7)],
        },
        // MCREQ with Z clear: the condition fails, the VMM only skips it.
        Exit {
            what: "BCR1 (MCREQ, Z=0)",
            esr: esr_mcr_mrc(false, 0, 1, 5, 3, EQ),
            pc: k + 32,
            spsr: SPSR_SVC,
            regs: &[(3, 0x1E5)],
        },
        Exit {
            what: "read DBGDRAR (MRRC)",
            esr: esr_mrrc(1, 4, 5),
            pc: k + 36,
            spsr: SPSR_SVC,
            regs: &[],
        },
        Exit {
            what: "STC DBGDTRRXint",
            esr: esr_stc(6, 1),
            pc: k + 40,
            spsr: SPSR_SVC,
            regs: &[(6, 0xC020_0000)],
        },
        Exit {
            what: "STC to unmapped memory",
            esr: esr_stc(6, 0),
            pc: k + 44,
            spsr: SPSR_SVC,
            regs: &[(6, 0xDEAD_0000)],
        },
        // A user process reads DBGBCR0: UNDEFINED at PL0.
        Exit {
            what: "user reads BCR0",
            esr: esr_mcr_mrc(true, 0, 0, 5, 0, AL),
            pc: 0x0001_0100,
            spsr: SPSR_USR,
            regs: &[],
        },
    ]
}

/// Runs the whole scenario; returns the trace, or what went wrong.
pub(crate) fn run() -> Result<Vec<String>, String> {
    let model = CoreModel::preset("cortex-a15").map_err(|e| e.to_string())?;
    let mut trace = Vec::new();
    let check = |ok: bool, what: &str| -> Result<(), String> {
        if ok {
            Ok(())
        } else {
            Err(format!("check failed: {what}"))
        }
    };

    // ---- source host ----
    let mut src = Vcpu {
        debug: Some(DebugState::cold_reset(model, UnknownFill::Seeded(2026))),
        ..Vcpu::default()
    };
    src.mem.insert(0xC020_0004, 0);
    trace.push(format!(
        "source: {} vCPU, MIDR {:#010x}",
        model.name(),
        model.midr()
    ));
    let mut outcomes = Vec::new();
    for exit in source_exits() {
        let h = handle_exit(model, &mut src, &exit)?;
        trace.push(format!(
            "  exit ESR {:#010x} pc {:#010x} {:<24} -> {h:?}",
            exit.esr, exit.pc, exit.what
        ));
        outcomes.push(h);
    }
    check(src.x[0] == 0x8000 && src.elr_el2 != 0, "registers moved")?;
    check(
        outcomes[0] == Handled::Emulated("DBGDIDR Read 0x3515f021".to_string()),
        "DBGDIDR read",
    )?;
    check(outcomes[8] == Handled::Skipped, "MCREQ skipped")?;
    check(
        outcomes[10] == Handled::Emulated(format!("DBGDTRRXint Read {:#x}", src.mem[&0xC020_0004])),
        "STC stored DBGDTRRX at [X6, #4]",
    )?;
    check(
        outcomes[11] == Handled::DataAbortToInject("0xdead0000".to_string()),
        "STC to unmapped memory aborts",
    )?;
    check(
        matches!(&outcomes[12], Handled::InjectedUndef(_)),
        "PL0 access is UNDEFINED",
    )?;
    check(
        src.elr_el2 == u64::from(VBAR + 4)
            && src.x[X_LR_UND] == 0x0001_0104
            && src.spsr_el2 & 0x1F == 0x1B
            && src.spsr_und == SPSR_USR,
        "UNDEF injected into Undefined mode",
    )?;
    let state = src.debug.ok_or("no source state")?;
    check(
        state.bcrs()[0] == 0x1E5
            && state.bcrs()[1]
                == DebugState::cold_reset(model, UnknownFill::Seeded(2026)).bcrs()[1],
        "BCR0 programmed, BCR1 (MCREQ skipped) not",
    )?;

    // ---- migrate: snapshot bytes over the wire ----
    let snapshot = DebugSnapshot::save(model, &state);
    let wire: Vec<u8> = snapshot.to_bytes().to_vec();
    trace.push(format!(
        "migrate: {} snapshot bytes, checksum {:#018x}; KVM dbg_bcr[0] {:#x} dbg_wcr[0] {:#x}",
        wire.len(),
        snapshot.stored_checksum(),
        to_kvm(model, &state).dbg_bcr[0],
        to_kvm(model, &state).dbg_wcr[0]
    ));
    let mut corrupted = wire.clone();
    corrupted[100] ^= 1;
    let refused = DebugSnapshot::from_bytes(&corrupted).map(|_| ());
    trace.push(format!("migrate: a corrupted copy is refused: {refused:?}"));
    check(refused.is_err(), "corruption detected")?;

    // ---- destination host ----
    let restored = DebugSnapshot::from_bytes(&wire)
        .and_then(|s| s.restore(model))
        .map_err(|e| e.to_string())?;
    let mut dst = Vcpu {
        debug: Some(restored),
        ..Vcpu::default()
    };
    check(restored == state, "restored state equals the source's")?;
    let k = 0xC010_1000;
    let reads = [
        (
            "read BVR0",
            esr_mcr_mrc(true, 0, 0, 4, 7, AL),
            0x0001_0000u64,
        ),
        ("read BCR0", esr_mcr_mrc(true, 0, 0, 5, 7, AL), 0x1E5),
        ("read WVR0", esr_mcr_mrc(true, 0, 0, 6, 7, AL), 0xC000_1000),
        ("read WCR0", esr_mcr_mrc(true, 0, 0, 7, 7, AL), 0x1F7),
    ];
    trace.push("destination: fresh vCPU, debug state restored".to_string());
    for (i, (what, esr, want)) in reads.into_iter().enumerate() {
        let exit = Exit {
            what,
            esr,
            pc: k + 4 * i as u32,
            spsr: SPSR_SVC,
            regs: &[],
        };
        let h = handle_exit(model, &mut dst, &exit)?;
        trace.push(format!(
            "  exit ESR {esr:#010x} {what:<10} -> X7 = {:#x}",
            dst.x[7]
        ));
        check(
            matches!(h, Handled::Emulated(_)) && dst.x[7] == want,
            "breakpoint register survived the migration",
        )?;
    }
    // The watchpoint still fires on the destination.
    let store = DataAccess {
        address: 0xC000_1000,
        size: 4,
        kind: AccessKind::Store,
        mode: Mode::Supervisor,
        unprivileged: false,
        secure: false,
        contextidr: 0,
        vmid: 0,
        instruction_address: 0xC010_2000,
        thumb: false,
    };
    let mut debug = dst.debug.ok_or("no destination state")?;
    let event = debug.on_data_access(model, &store);
    trace.push(format!(
        "destination: kernel store to 0xc0001000 -> {}",
        event.map_or("no event".to_string(), |e| format!(
            "watchpoint, MOE {:#06b}, DFAR {}",
            e.moe,
            e.dfar.map_or("-".to_string(), |d| format!("{d:#x}"))
        ))
    ));
    check(
        event.is_some_and(|e| e.moe == 0b1010 && e.dfar == Some(0xC000_1000)),
        "watchpoint fires after migration",
    )?;
    Ok(trace)
}

fn main() -> ExitCode {
    match run() {
        Ok(trace) => {
            for line in trace {
                println!("{line}");
            }
            println!("ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vmm_exit_loop: {e}");
            ExitCode::FAILURE
        }
    }
}
