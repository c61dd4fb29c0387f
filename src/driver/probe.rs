//! The hardware probes of the driver's init: the BRP/WRP counts
//! (`get_num_brps()`, `get_num_wrps()`), `core_has_os_save_restore()` and
//! `get_max_wp_len()` of `arch/arm/kernel/hw_breakpoint.c`.

use dbgregs::registers::{Dbgdidr, Dbgoslsr, Midr};

use super::*;

/// MIDR.Architecture of a core using the CPUID identification scheme (the
/// kernel's `get_debug_arch()` then reads DBGDIDR; otherwise it assumes v6).
pub(super) const CPUID_SCHEME: u8 = 0xF;

/// The kernel's `read_cpuid_part()`: MIDR with revision, variant and
/// architecture cleared (`ARM_CPU_PART_MASK`), so implementer and part
/// number remain.
fn cpuid_part(midr: u32) -> u32 {
    Midr::from_bits(midr)
        .with_revision(0)
        .with_variant(0)
        .with_architecture(0)
        .into_bits()
}

/// What `hw_breakpoint_slots` reports (docs/kernel-flow.md, `probes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Slots {
    /// Usable breakpoints (0 if the architecture is unsupported).
    pub brps: u8,
    /// Usable watchpoints (0 if the architecture is unsupported).
    pub wrps: u8,
}

/// `hw_breakpoint_slots`, as the generic perf layer queries it early: the
/// counts recomputed from the hardware of the init CPU (0), through the trap
/// path with no hook registered. It does not reflect the Scorpion exclusion
/// or a failed init. The CPUID warning is printed (once) to `tracing` only.
///
/// # Errors
/// A [`KernelOops`] if a probe traps (e.g. DBGSWENABLE low on CPU 0 with
/// erratum 764319 on the OSLSR-free path never does; DBGDIDR is baseline).
pub fn hw_breakpoint_slots(machine: &Machine) -> Result<Slots, KernelOops> {
    let core = DriverCore::new(
        1,
        DriverVersion::Current,
        KernelConfig::default(),
        AccessRegisters::default(),
    );
    let probe = machine.with_vcpu(0, |ctx| -> Result<Option<(u8, u8)>, KernelOops> {
        let midr = ctx.midr();
        let arch = if Midr::from_bits(midr).architecture() == CPUID_SCHEME {
            Dbgdidr::from_bits(ctx.mrc(0, 0, 0, 0)?).version()
        } else {
            core.emit(Message::CpuidNotSupported);
            arch::V6
        };
        if !debug_arch_supported(arch) {
            return Ok(None);
        }
        let didr = ctx.mrc(0, 0, 0, 0)?;
        let hw_brps = Dbgdidr::from_bits(didr).brps() + 1;
        let hw_wrps = Dbgdidr::from_bits(didr).wrps() + 1;
        let brps = if arch >= arch::V7_ECP14 && hw_brps > 1 {
            hw_brps - 1
        } else {
            hw_brps
        };
        let wrps = if arch < arch::V7_1 { 1 } else { hw_wrps };
        Ok(Some((brps, wrps)))
    });
    match probe {
        Ok(r) => Ok(r?.map_or(Slots { brps: 0, wrps: 0 }, |(brps, wrps)| Slots {
            brps,
            wrps,
        })),
        // CPU 0 always exists.
        Err(_) => Ok(Slots { brps: 0, wrps: 0 }),
    }
}

pub(super) struct Counts {
    pub(super) hw_brps: u8,
    pub(super) hw_wrps: u8,
    pub(super) brps: u8,
    pub(super) wrps: u8,
    pub(super) mismatch: bool,
    pub(super) has_ossr: bool,
}

pub(super) struct Probe {
    pub(super) cpuid_scheme: bool,
    pub(super) arch: u8,
    pub(super) supported: bool,
    pub(super) scorpion: bool,
    pub(super) counts: Option<Counts>,
}

/// Init steps 1-4 on the init CPU.
pub(super) fn probe_hardware(
    core: &DriverCore,
    machine: &Machine,
    ctx: &mut VcpuCtx<'_>,
) -> Result<Probe, KernelOops> {
    let midr = ctx.midr();
    let cpuid_scheme = Midr::from_bits(midr).architecture() == CPUID_SCHEME;
    // Step 1: get_debug_arch.
    let arch = get_debug_arch(core, ctx)?;
    core.debug_arch.store(arch, Ordering::Relaxed);
    let mut probe = Probe {
        cpuid_scheme,
        arch,
        supported: debug_arch_supported(arch),
        scorpion: cpuid_part(midr) == SCORPION_PART,
        counts: None,
    };
    // Step 2.
    if !probe.supported {
        core.emit(Message::ArchUnsupported(arch));
        return Ok(probe);
    }
    // Step 3.
    if probe.scorpion {
        core.emit(Message::Scorpion);
        return Ok(probe);
    }
    // Step 4.
    let has_ossr = core_has_os_save_restore(machine, arch, core.kernel.arm_errata_764319, ctx)?;
    let didr = ctx.mrc(0, 0, 0, 0)?;
    let hw_brps = Dbgdidr::from_bits(didr).brps() + 1;
    let didr = ctx.mrc(0, 0, 0, 0)?;
    let hw_wrps = Dbgdidr::from_bits(didr).wrps() + 1;
    let mismatch = arch >= arch::V7_ECP14 && hw_brps > 1;
    probe.counts = Some(Counts {
        hw_brps,
        hw_wrps,
        brps: if mismatch { hw_brps - 1 } else { hw_brps },
        wrps: if arch < arch::V7_1 { 1 } else { hw_wrps },
        mismatch,
        has_ossr,
    });
    Ok(probe)
}

/// The kernel's `get_debug_arch()` on the CPU of `ctx`: MIDR (CP15, not
/// trapped), then for a CPUID-scheme core a DBGDIDR read through the trap
/// path; otherwise the once-only "CPUID feature registers not supported"
/// warning and v6, with no CP14 access (docs/kernel-flow.md, `probes`).
pub(super) fn get_debug_arch(core: &DriverCore, ctx: &mut VcpuCtx<'_>) -> Result<u8, KernelOops> {
    if Midr::from_bits(ctx.midr()).architecture() == CPUID_SCHEME {
        Ok(Dbgdidr::from_bits(ctx.mrc(0, 0, 0, 0)?).version())
    } else {
        core.emit(Message::CpuidNotSupported);
        Ok(arch::V6)
    }
}

/// `core_has_os_save_restore`, with the erratum-764319 guard around the
/// OSLSR read on v7 ECP14 when the kernel is built with it.
pub(super) fn core_has_os_save_restore(
    machine: &Machine,
    arch: u8,
    arm_errata_764319: bool,
    ctx: &mut VcpuCtx<'_>,
) -> Result<bool, KernelOops> {
    match arch {
        arch::V7_1 => Ok(true),
        // Without CONFIG_ARM_ERRATA_764319 the same read, unguarded.
        arch::V7_ECP14 if !arm_errata_764319 => {
            Ok(Dbgoslsr::from_bits(ctx.mrc(5, 1, 1, 4)?).oslm0())
        }
        arch::V7_ECP14 => {
            let trapped = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&trapped);
            let hook = UndefHook::new(
                OSLSR_GUARD_HOOK_NAME,
                0xFFFF_FFFF,
                OSLSR_READ_R5,
                move |frame: &mut TrapFrame, _instr| {
                    flag.store(true, Ordering::Relaxed);
                    frame.skip_instruction(undef::InstrSize::Four);
                    HookResult::Handled
                },
            );
            // A full mask accepts any value: construction cannot fail.
            let guard = hook.map(|h| machine.router().register(h));
            let oslsr = ctx.mrc(5, 1, 1, 4);
            drop(guard);
            let oslsr = oslsr?;
            if trapped.load(Ordering::Relaxed) {
                Ok(false)
            } else {
                Ok(Dbgoslsr::from_bits(oslsr).oslm0())
            }
        }
        _ => Ok(false),
    }
}

/// `get_max_wp_len` on the init CPU.
pub(super) fn get_max_wp_len(core: &DriverCore, ctx: &mut VcpuCtx<'_>) -> Result<u8, KernelOops> {
    if core.debug_arch() < arch::V7_ECP14 {
        return Ok(4);
    }
    ctx.mcr(0, 0, 0, 6, 0)?;
    ctx.mcr(0, 0, 0, 7, WP_LEN_PROBE_CTRL)?;
    let wcr = ctx.mrc(0, 0, 0, 7)?;
    Ok(if wcr & WP_LEN_PROBE_CTRL == WP_LEN_PROBE_CTRL {
        8
    } else {
        4
    })
}
