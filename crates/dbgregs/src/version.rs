//! Debug architecture versions (`DBGDIDR.Version`, DDI 0406C.d C11, DBGDIDR) and the
//! predicates the register semantics are written against.

use core::fmt;

/// A debug architecture version, as `DBGDIDR.Version` reports it.
///
/// The two v7 flavours follow the cores' reading of the 3/4 conflict (`docs/registers.md`, "Version codes 3 and 4"):
/// code 3 is v7 with every debug register in CP14 ([`DebugVersion::V7Full`],
/// Linux `ARM_DEBUG_ARCH_V7_ECP14`), code 4 is v7 with only the baseline CP14
/// registers, everything else memory-mapped ([`DebugVersion::V7Base`], Linux
/// `ARM_DEBUG_ARCH_V7_MM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DebugVersion {
    /// ARMv6 debug (code 1; ARM1136).
    V6,
    /// ARMv6.1 debug (code 2; ARM1176).
    V6_1,
    /// ARMv7 debug, full CP14 interface (code 3; Cortex-A9, Scorpion).
    V7Full,
    /// ARMv7 debug, baseline CP14 only, the rest memory-mapped (code 4;
    /// Cortex-A8, Cortex-R4/R5).
    V7Base,
    /// ARMv7.1 debug (code 5; Cortex-A7/A12/A15/A17, Krait).
    V7_1,
    /// Armv8.0 debug (code 6).
    V8,
    /// Armv8.1 debug, FEAT_Debugv8p1 (code 7).
    V8_1,
    /// Armv8.2 debug, FEAT_Debugv8p2 (code 8).
    V8_2,
    /// Armv8.4 debug, FEAT_Debugv8p4 (code 9).
    V8_4,
}

impl DebugVersion {
    /// Every version, in `DBGDIDR.Version` code order.
    pub const ALL: [DebugVersion; 9] = [
        DebugVersion::V6,
        DebugVersion::V6_1,
        DebugVersion::V7Full,
        DebugVersion::V7Base,
        DebugVersion::V7_1,
        DebugVersion::V8,
        DebugVersion::V8_1,
        DebugVersion::V8_2,
        DebugVersion::V8_4,
    ];

    /// The `DBGDIDR.Version` code (bits \[19:16\]).
    pub const fn didr_code(self) -> u8 {
        match self {
            DebugVersion::V6 => 1,
            DebugVersion::V6_1 => 2,
            DebugVersion::V7Full => 3,
            DebugVersion::V7Base => 4,
            DebugVersion::V7_1 => 5,
            DebugVersion::V8 => 6,
            DebugVersion::V8_1 => 7,
            DebugVersion::V8_2 => 8,
            DebugVersion::V8_4 => 9,
        }
    }

    /// The version for a `DBGDIDR.Version` code; `None` for 0 (no debug)
    /// and for codes this crate does not model (0xA and above).
    pub const fn from_didr_code(code: u8) -> Option<DebugVersion> {
        Some(match code {
            1 => DebugVersion::V6,
            2 => DebugVersion::V6_1,
            3 => DebugVersion::V7Full,
            4 => DebugVersion::V7Base,
            5 => DebugVersion::V7_1,
            6 => DebugVersion::V8,
            7 => DebugVersion::V8_1,
            8 => DebugVersion::V8_2,
            9 => DebugVersion::V8_4,
            _ => return None,
        })
    }

    /// The `ID_DFR0.CopDbg` code for this version (DDI 0487 G8.2.84, ID_DFR0): 2 v6,
    /// 3 v6.1, 4 v7 (full CP14), 5 v7.1, 6.. v8; a v7-baseline core reports
    /// CopDbg = 0 (its debug is memory-mapped, `MMapDbg` = 4).
    pub const fn copdbg_code(self) -> u8 {
        match self {
            DebugVersion::V6 => 2,
            DebugVersion::V6_1 => 3,
            DebugVersion::V7Full => 4,
            DebugVersion::V7Base => 0,
            DebugVersion::V7_1 => 5,
            DebugVersion::V8 => 6,
            DebugVersion::V8_1 => 7,
            DebugVersion::V8_2 => 8,
            DebugVersion::V8_4 => 9,
        }
    }

    /// A short human name (`"v7.1"`, `"v7-full"`).
    pub const fn name(self) -> &'static str {
        match self {
            DebugVersion::V6 => "v6",
            DebugVersion::V6_1 => "v6.1",
            DebugVersion::V7Full => "v7-full",
            DebugVersion::V7Base => "v7-base",
            DebugVersion::V7_1 => "v7.1",
            DebugVersion::V8 => "v8.0",
            DebugVersion::V8_1 => "v8.1",
            DebugVersion::V8_2 => "v8.2",
            DebugVersion::V8_4 => "v8.4",
        }
    }

    /// v6 or v6.1.
    pub const fn is_v6(self) -> bool {
        matches!(self, DebugVersion::V6 | DebugVersion::V6_1)
    }

    /// v7.0, either flavour (code 3 or 4).
    pub const fn is_v7_0(self) -> bool {
        matches!(self, DebugVersion::V7Full | DebugVersion::V7Base)
    }

    /// Any v7 (v7.0 either flavour, or v7.1).
    pub const fn is_v7(self) -> bool {
        self.is_v7_0() || matches!(self, DebugVersion::V7_1)
    }

    /// Armv8.0 or later.
    pub const fn is_v8(self) -> bool {
        matches!(
            self,
            DebugVersion::V8 | DebugVersion::V8_1 | DebugVersion::V8_2 | DebugVersion::V8_4
        )
    }

    /// v7 or later (any flavour).
    pub const fn at_least_v7(self) -> bool {
        !self.is_v6()
    }

    /// v7.1 or later.
    pub const fn at_least_v7_1(self) -> bool {
        matches!(self, DebugVersion::V7_1) || self.is_v8()
    }

    /// Whether the breakpoint/watchpoint and other non-baseline registers
    /// are reached through CP14 (everything but v7-baseline).
    pub const fn has_full_cp14(self) -> bool {
        !matches!(self, DebugVersion::V7Base)
    }

    /// Whether Linux `debug_arch_supported` accepts the version (1..=3 or
    /// ≥ 5, DDI 0406C.d C11, DBGDIDR).
    pub const fn linux_supported(self) -> bool {
        !matches!(self, DebugVersion::V7Base)
    }
}

impl fmt::Display for DebugVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for v in DebugVersion::ALL {
            assert_eq!(DebugVersion::from_didr_code(v.didr_code()), Some(v));
        }
        assert_eq!(DebugVersion::from_didr_code(0), None);
        assert_eq!(DebugVersion::from_didr_code(0xA), None);
    }

    #[test]
    fn predicates_follow_spec_1_1() {
        assert!(DebugVersion::V6_1.is_v6());
        assert!(DebugVersion::V7Full.is_v7_0() && DebugVersion::V7Base.is_v7_0());
        assert!(!DebugVersion::V7_1.is_v7_0() && DebugVersion::V7_1.is_v7());
        assert!(DebugVersion::V7_1.at_least_v7_1() && DebugVersion::V8_4.at_least_v7_1());
        assert!(!DebugVersion::V7Full.at_least_v7_1());
        assert!(!DebugVersion::V7Base.linux_supported());
        assert!(DebugVersion::V6.linux_supported());
        assert!(!DebugVersion::V7Base.has_full_cp14());
        assert_eq!(DebugVersion::V7Base.copdbg_code(), 0);
        assert_eq!(DebugVersion::V7Full.copdbg_code(), 4);
    }
}
