use super::handler::distance;
use super::*;
#[test]
fn ctrl_encoding_examples() {
    let user_exec = parse(&BreakpointRequest::execute(0x1_0000, 4), 5, 8);
    let k_store = parse(
        &BreakpointRequest::watch(0xC000_1000, 4, BpType::Store),
        5,
        8,
    );
    let k_rw8 = parse(
        &BreakpointRequest::watch(0xC000_1000, 8, BpType::LoadStore),
        5,
        8,
    );
    let enc = |r: Result<ArchBreakpoint, InstallError>| r.map(|b| encode_ctrl_reg(b.ctrl));
    assert_eq!(enc(user_exec), Ok(0x1E5));
    assert_eq!(enc(k_store), Ok(0x1F7));
    assert_eq!(enc(k_rw8), Ok(0x1FFF));
    let step = CtrlReg {
        mismatch: true,
        len: 0xF,
        bp_type: 0,
        privilege: PRIV_USER,
        enabled: true,
    };
    assert_eq!(encode_ctrl_reg(step), 0x4001E5);
    assert_eq!(decode_ctrl_reg(0x4001E5), step);
}

#[test]
fn len_masks_shift_by_offset() {
    let w = |addr, len| {
        parse(&BreakpointRequest::watch(addr, len, BpType::Load), 5, 8)
            .map(|b| (b.address, b.ctrl.len))
    };
    assert_eq!(w(0x1003, 1), Ok((0x1000, 0x8)));
    assert_eq!(w(0x1002, 2), Ok((0x1000, 0xC)));
    assert_eq!(w(0x1001, 2), Ok((0x1000, 0x6)));
    assert_eq!(w(0x1008, 8), Ok((0x1008, 0xFF)));
    assert!(w(0x1003, 2).is_err());
    assert!(w(0x1002, 4).is_err());
    assert!(w(0x1004, 8).is_err());
    assert!(w(0x1000, 3).is_err());
}

#[test]
fn kernel_space_and_distance() {
    assert!(in_kernel_space(0xC000_0000, 4));
    assert!(!in_kernel_space(0xBEFF_FFFE, 4));
    assert!(!in_kernel_space(0x1000, 4));
    assert_eq!(distance(0x1002, 0x1000, 0x0C), 0);
    assert_eq!(distance(0x1000, 0x1000, 0x0C), 2);
    assert_eq!(distance(0x1008, 0x1000, 0x0C), 5);
    assert_eq!(distance(0x1008, 0x1000, 0), u32::MAX);
}
