use super::*;

#[test]
fn accessor_words_match_the_kernel_ones() {
    // The words the kernel's accessors compile to (docs/kernel-flow.md, `trap-hook`).
    assert_eq!(mrc_word(0, 1, 3, 4), 0xee11_0e93); // OSDLR read
    assert_eq!(mcr_word(0, 1, 0, 4), 0xee01_0e90); // OSLAR write
    assert_eq!(mcr_word(0, 0, 7, 0), 0xee00_0e17); // VCR write
    assert_eq!(mrc_word(0, 0, 0, 0), 0xee10_0e10); // DIDR read
    assert_eq!(mrc_word(0, 0, 1, 0), 0xee10_0e11); // DSCRint read
    assert_eq!(mcr_word(0, 0, 2, 2), 0xee00_0e52); // DSCRext write
    assert_eq!(mcr_word(1, 0, 3, 5), 0xee00_1eb3); // BCR3 from r1
    assert_eq!(mrc_word(0, 1, 5, 4), 0xee11_0e95); // PRSR read
    assert_eq!(mrc_word(5, 1, 1, 4), OSLSR_READ_R5);
    assert_eq!(OS_UNLOCK_VALUE, 0x3A53_31AA);
    assert_eq!(WP_LEN_PROBE_CTRL, 0x1FE0);
}

#[test]
fn supported_architectures() {
    let ok: Vec<u8> = (0..16).filter(|&v| debug_arch_supported(v)).collect();
    assert_eq!(ok, vec![1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
}

#[test]
fn message_wording() {
    let cases = [
        (
            Message::Found {
                brps: 5,
                reserved: true,
                wrps: 4,
            },
            "found 5 (+1 reserved) breakpoint and 4 watchpoint registers.",
        ),
        (
            Message::Found {
                brps: 6,
                reserved: false,
                wrps: 1,
            },
            "found 6 breakpoint and 1 watchpoint registers.",
        ),
        (
            Message::MaxWatchpoint(8),
            "maximum watchpoint size is 8 bytes.",
        ),
        (
            Message::ArchUnsupported(4),
            "debug architecture 0x4 unsupported.",
        ),
        (
            Message::DebugRegTrap {
                instr: 0xee110e93,
                cpu: 2,
            },
            "Debug register access (0xee110e93) caused undefined instruction on CPU 2",
        ),
        (Message::PoweredDown(1), "CPU 1 debug is powered down!"),
        (
            Message::VectorCatch(2),
            "CPU 2 failed to disable vector catch",
        ),
        (
            Message::ClearPairs(3),
            "CPU 3 failed to clear debug register pairs",
        ),
        (
            Message::MonitorMode(0),
            "Failed to enable monitor mode on CPU 0.",
        ),
    ];
    for (m, text) in cases {
        assert_eq!(m.to_string(), text);
    }
}

#[test]
fn once_messages_print_once_per_site() {
    let core = DriverCore::new(
        4,
        DriverVersion::Current,
        KernelConfig::default(),
        AccessRegisters::default(),
    );
    core.emit(Message::PoweredDown(1));
    core.emit(Message::PoweredDown(3));
    core.emit(Message::VectorCatch(3));
    core.emit(Message::DebugRegTrap { instr: 1, cpu: 0 });
    core.emit(Message::DebugRegTrap { instr: 1, cpu: 0 });
    let lines: Vec<String> = core.messages().iter().map(|l| l.text.clone()).collect();
    assert_eq!(
        lines,
        vec![
            "CPU 1 debug is powered down!",
            "CPU 3 failed to disable vector catch",
            "Debug register access (0x1) caused undefined instruction on CPU 0",
            "Debug register access (0x1) caused undefined instruction on CPU 0",
        ]
    );
}

#[test]
fn cpu_mask_sets_and_lists() {
    let m = CpuMask::new(130);
    assert!(m.is_empty());
    m.set(1);
    m.set(129);
    m.set(64);
    m.set(500); // past the mask: ignored
    assert!(m.test(129) && m.test(1) && !m.test(2));
    assert_eq!(m.cpus(), vec![1, 64, 129]);
}
