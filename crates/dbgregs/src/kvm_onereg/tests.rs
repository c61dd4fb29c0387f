#![allow(clippy::unwrap_used)]

use super::*;
use crate::state::UnknownFill;

fn v8_presets() -> impl Iterator<Item = &'static CoreModel> {
    CoreModel::presets().iter().filter(|m| m.version().is_v8())
}

fn reg(regs: &[OneReg], r: KvmDebugReg) -> u64 {
    regs.iter().find(|x| x.id == r.id()).unwrap().value
}

fn set(regs: &mut [OneReg], r: KvmDebugReg, value: u64) {
    regs.iter_mut().find(|x| x.id == r.id()).unwrap().value = value;
}

#[test]
fn ids_are_arm64_sys_reg() {
    // ARM64_SYS_REG(op0, op1, crn, crm, op2) | KVM_REG_SIZE_U64, with the
    // SYS_* encodings of arch/arm64/include/asm/sysreg.h.
    let p = |n| PairIndex::new(n).unwrap();
    assert_eq!(KvmDebugReg::Dbgbvr(p(0)).id(), 0x6030_0000_0013_8004);
    assert_eq!(KvmDebugReg::Dbgbcr(p(1)).id(), 0x6030_0000_0013_800D);
    assert_eq!(KvmDebugReg::Dbgwvr(p(15)).id(), 0x6030_0000_0013_807E);
    assert_eq!(KvmDebugReg::Dbgwcr(p(2)).id(), 0x6030_0000_0013_8017);
    assert_eq!(KvmDebugReg::MdccintEl1.id(), 0x6030_0000_0013_8010);
    assert_eq!(KvmDebugReg::MdscrEl1.id(), 0x6030_0000_0013_8012);
    assert_eq!(KvmDebugReg::OslsrEl1.id(), 0x6030_0000_0013_808C);
    assert_eq!(KvmDebugReg::Dbgvcr32El2.id(), 0x6030_0000_0013_A038);
    let model = CoreModel::preset("cortex-a53").unwrap();
    let regs = one_regs(model, &DebugState::cold_reset(model, UnknownFill::Zero)).unwrap();
    for r in &regs {
        let named = KvmDebugReg::from_id(r.id).unwrap();
        assert_eq!(named.id(), r.id);
        assert_eq!(SysRegEncoding::from_kvm_id(r.id).unwrap().kvm_id(), r.id);
    }
    // Distinct ids.
    for (i, a) in regs.iter().enumerate() {
        assert!(regs[i + 1..].iter().all(|b| b.id != a.id));
    }
    // OSDLR_EL1 (2,0,1,3,4) has no ONE_REG; a 32-bit id and a core
    // register id are not system registers.
    assert_eq!(KvmDebugReg::from_id(0x6030_0000_0013_809C), None);
    assert_eq!(SysRegEncoding::from_kvm_id(0x6020_0000_0013_8012), None);
    assert_eq!(SysRegEncoding::from_kvm_id(0x6030_0000_0010_0000), None);
    assert_eq!(PairIndex::new(16), None);
}

#[test]
fn round_trip_every_v8_preset() {
    let mut checked = 0;
    for model in v8_presets() {
        for seed in [1u64, 2, 3] {
            let mut s = DebugState::cold_reset(model, UnknownFill::Seeded(seed));
            // Vary what MDSCR, OSLSR and MDCCINT carry.
            s.dscr |= DbgdscrV8::new().with_mdbgen(true).into_bits();
            s.dccint = (seed & 3) as u8;
            s.set_os_lock(seed & 1 == 1);
            if seed == 2 {
                s.flags |= flag::RXFULL;
            }
            let regs = one_regs(model, &s).unwrap();
            let mut back = DebugState::cold_reset(model, UnknownFill::Zero);
            apply_one_regs(model, &mut back, &regs).unwrap();
            // Identity on the mapped state.
            let (b, w) = (usize::from(model.brps()), usize::from(model.wrps()));
            assert_eq!(back.bvrs()[..b], s.bvrs()[..b], "{}", model.name());
            assert_eq!(back.bcrs()[..b], s.bcrs()[..b]);
            assert_eq!(back.wvrs()[..w], s.wvrs()[..w]);
            assert_eq!(back.wcrs()[..w], s.wcrs()[..w]);
            let ctx = usize::from(model.first_ctx_brp())..b;
            if model.virtualization() {
                assert_eq!(back.bxvr_vmids()[ctx.clone()], s.bxvr_vmids()[ctx]);
            }
            assert_eq!(
                back.dscr_ext(model) & MDSCR_CARRIED,
                s.dscr_ext(model) & MDSCR_CARRIED
            );
            assert_eq!((back.rxfull(), back.txfull()), (s.rxfull(), s.txfull()));
            assert_eq!(back.oslk(), s.oslk());
            assert_eq!(back.dccint, s.dccint);
            assert_eq!(back.vcr(), s.vcr());
            // And the list itself round-trips.
            assert_eq!(one_regs(model, &back).unwrap(), regs);
            checked += 1;
        }
    }
    assert!(checked >= 3, "no Armv8 presets");
}

#[test]
fn values_are_laid_out_per_the_mapping() {
    let model = CoreModel::preset("cortex-a53").unwrap();
    let mut s = DebugState::cold_reset(model, UnknownFill::Zero);
    s.bvr[5] = 0x8000;
    s.bxvr[5] = 0x42;
    s.dccint = 0b10; // RX
    s.set_os_lock(true);
    s.set_nonsecure(true);
    s.dscr = DbgdscrV8::new()
        .with_mdbgen(true)
        .with_moe(0b1010)
        .into_bits();
    let regs = one_regs(model, &s).unwrap();
    let p5 = PairIndex::new(5).unwrap();
    let expected_bvr5 = if model.virtualization() && model.first_ctx_brp() <= 5 {
        0x42_0000_8000
    } else {
        0x8000
    };
    assert_eq!(reg(&regs, KvmDebugReg::Dbgbvr(p5)), expected_bvr5);
    assert_eq!(reg(&regs, KvmDebugReg::MdccintEl1), 1 << 30);
    assert_eq!(reg(&regs, KvmDebugReg::OslsrEl1), 0b1010); // OSLM = 0b10, OSLK
                                                           // MDE and MOE are carried; NS (a status bit) is not.
    assert_eq!(reg(&regs, KvmDebugReg::MdscrEl1), 0x8028);
    // Pairs past the counts are 0.
    let past = PairIndex::new(model.wrps()).unwrap();
    assert_eq!(reg(&regs, KvmDebugReg::Dbgwcr(past)), 0);
}

#[test]
fn bad_lists_leave_the_state_untouched() {
    let model = CoreModel::preset("cortex-a53").unwrap();
    let good = one_regs(
        model,
        &DebugState::cold_reset(model, UnknownFill::Seeded(9)),
    )
    .unwrap();
    let target = DebugState::cold_reset(model, UnknownFill::Zero);
    let try_list = |edit: &dyn Fn(&mut [OneReg; ONE_REG_COUNT])| {
        let mut regs = good;
        edit(&mut regs);
        let mut s = target;
        let r = apply_one_regs(model, &mut s, &regs);
        assert_eq!(s, target, "state changed on {r:?}");
        r
    };
    // SS (bit 0) and KDE (bit 13) are AArch64 only.
    for bit in [0u64, 13, 19, 31, 32] {
        let r = try_list(&|regs| set(regs, KvmDebugReg::MdscrEl1, 1 << bit));
        assert_eq!(
            r,
            Err(OneRegError::InvalidBits {
                reg: KvmDebugReg::MdscrEl1,
                value: 1 << bit,
                invalid: 1 << bit
            })
        );
    }
    // NS, SPIDdis, SPNIDdis are accepted and ignored.
    let mut s = target;
    let mut regs = good;
    set(&mut regs, KvmDebugReg::MdscrEl1, 0x7_0000);
    apply_one_regs(model, &mut s, &regs).unwrap();
    assert_eq!(s.dscr_ext(model) & MDSCR_CARRIED, 0);
    // OSLSR_EL1: only OSLK may change (KVM's set_oslsr_el1()).
    let r = try_list(&|regs| set(regs, KvmDebugReg::OslsrEl1, 0b0001));
    assert!(matches!(
        r,
        Err(OneRegError::InvalidBits {
            reg: KvmDebugReg::OslsrEl1,
            ..
        })
    ));
    let r = try_list(&|regs| set(regs, KvmDebugReg::MdccintEl1, 1));
    assert!(matches!(r, Err(OneRegError::InvalidBits { .. })));
    let r = try_list(&|regs| set(regs, KvmDebugReg::Dbgvcr32El2, 1 << 5));
    assert!(matches!(r, Err(OneRegError::InvalidBits { .. })));
    // A pair past the model's count, and a high BCR bit.
    let past = PairIndex::new(model.brps()).unwrap();
    let r = try_list(&|regs| set(regs, KvmDebugReg::Dbgbcr(past), 1));
    assert_eq!(
        r,
        Err(OneRegError::PastCount {
            reg: KvmDebugReg::Dbgbcr(past),
            value: 1,
            count: model.brps()
        })
    );
    let p0 = PairIndex::new(0).unwrap();
    let r = try_list(&|regs| set(regs, KvmDebugReg::Dbgwvr(p0), 1 << 40));
    assert_eq!(
        r,
        Err(OneRegError::InvalidBits {
            reg: KvmDebugReg::Dbgwvr(p0),
            value: 1 << 40,
            invalid: 1 << 40
        })
    );
    // An id outside the view.
    let r = try_list(&|regs| regs[3].id = 0x6030_0000_0013_809C);
    assert_eq!(
        r,
        Err(OneRegError::UnknownId {
            id: 0x6030_0000_0013_809C
        })
    );
}

#[test]
fn subsets_and_non_v8_models() {
    let model = CoreModel::preset("cortex-a53").unwrap();
    let mut s = DebugState::cold_reset(model, UnknownFill::Seeded(4));
    let before = s;
    let p1 = PairIndex::new(1).unwrap();
    apply_one_regs(
        model,
        &mut s,
        &[OneReg {
            id: KvmDebugReg::Dbgwvr(p1).id(),
            value: 0x1000,
        }],
    )
    .unwrap();
    assert_eq!(s.wvrs()[1], 0x1000);
    assert_eq!(s.bvrs(), before.bvrs());
    let a15 = CoreModel::preset("cortex-a15").unwrap();
    let s15 = DebugState::cold_reset(a15, UnknownFill::Zero);
    assert!(matches!(
        one_regs(a15, &s15),
        Err(OneRegError::NotArmv8 { .. })
    ));
}
