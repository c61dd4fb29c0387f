//! The CP14 debug register map: which register an [`Access`] names.
//!
//! The map is the architecture's numbering (Arm ARM, and DDI 0406C.d C6, the CP14 interface): a
//! debug register with number N is reached by `p14, 0, c(N[9:7]), c(N[3:0]),
//! N[6:4]`; the internal views (DBGDSCRint, DBGDTRRX/TXint, DBGDRAR, DBGDSAR,
//! DBGDCCINT) sit outside the numbered space. v6 and v6.1 use the same
//! coordinates for the registers they have. Identification is
//! version-independent: whether the register exists on a given core, and what
//! an access to it does, is decided by `semantics`.

use core::fmt;

use crate::access::{Access, Direction, Operation};

/// Which direction of a shared MRC/MCR encoding names a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapDirection {
    /// Both directions (what the access may do is decided by the
    /// register's presence).
    Both,
    /// Only reads: the write direction of the same encoding is another
    /// register (DBGDTRRXint, DBGPCSR).
    Read,
    /// Only writes (DBGDTRTXint, DBGITR).
    Write,
}

/// The rule classes a register belongs to (DDI 0406C.d, C6.4 "Debug
/// register access permissions" and Table C6-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Classes {
    /// A PL0 access may reach it (the baseline CP14 registers, DDI 0406C.d
    /// C6.4.1 "Permissions in relation to the privilege level").
    pub pl0: bool,
    /// Still accessible with DBGSWENABLE low: the baseline registers and the
    /// OS save/restore and power-down group (DBGOSLAR, DBGOSLSR, DBGOSSRR,
    /// DBGOSDLR, DBGPRCR, DBGPRSR), the class of its own of DDI 0406B Table
    /// C6-12; Linux's `ARM_ERRATA_764319` help text and the Smartsens M1
    /// Cortex-A7 boot log (only the DBGVCR write traps) decide it
    /// (docs/fidelity-decisions.md, J1).
    pub swenable_exempt: bool,
    /// A v7 "other debug" register, which the v7.0 OS Lock and sticky
    /// power-down make UNDEFINED (DDI 0406C.d Table C6-12).
    pub other_debug: bool,
    /// Reachable by a privileged v6/v6.1 access whatever DBGDSCR\[15:14\]
    /// selects (DBGDIDR, DBGDSCR, the DTR); every other register UNDEFs
    /// outside Monitor debug-mode: ARM1136JF-S TRM (ARM DDI 0211K) §13.5.1
    /// Table 13-29, ARM1176JZF-S TRM (ARM DDI 0301H) §13.5.1 Table 13-20
    /// (docs/fidelity-decisions.md, D1).
    pub v6_lockout_exempt: bool,
}

/// One row of the register table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RegisterRow {
    /// The register, index 0 for the indexed ones.
    pub register: DebugRegister,
    /// The Arm ARM name without index.
    pub name: &'static str,
    /// `(CRn, CRm, opc2)` of the MRC/MCR encoding; CRm is the index for the
    /// indexed registers. `None`: only MRRC reaches it.
    pub coordinates: Option<(u8, u8, u8)>,
    /// Which direction of the encoding it is.
    pub map: MapDirection,
    /// Whether the register is one of a breakpoint/watchpoint pair (`n`).
    pub indexed: bool,
    /// Its rule classes.
    pub classes: Classes,
}

/// `_` for the index of an indexed variant (a pattern).
macro_rules! any_index {
    ($t:ty) => {
        _
    };
}
/// `PairIndex::ZERO` for the index of an indexed variant (an expression).
macro_rules! zero_index {
    ($t:ty) => {
        0
    };
}
/// `true` when the variant is indexed.
macro_rules! is_indexed {
    () => {
        false
    };
    ($t:ty) => {
        true
    };
}

/// The register table: each CP14 debug register declared once, in kind
/// order, with its name, coordinates, map direction and rule classes
/// (`pl0`, `swx` = DBGSWENABLE-exempt, `other` = v7 other-debug, `v6x` =
/// exempt from the v6 lockout outside Monitor debug-mode). The
/// `DebugRegister` enum, [`DebugRegister::kind`], the names, the coordinate
/// lookup and the per-kind rule tables are generated from it.
macro_rules! register_table {
    ($(
        $(#[$doc:meta])*
        $variant:ident $(($index:ty))? = $name:literal,
        $coords:expr, $map:ident, [$($class:ident),*];
    )*) => {
        /// A CP14 debug register, as the Arm ARM names it.
        ///
        /// Indexed registers carry their index `n` (0..=15).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)] // each variant is the register of the same name
        pub enum DebugRegister {
            $( $(#[$doc])* $variant $(($index))?, )*
        }

        /// The register table, indexed by [`DebugRegister::kind`].
        pub(crate) const ROWS: &[RegisterRow] = &[
            $( RegisterRow {
                register: DebugRegister::$variant $((zero_index!($index)))?,
                name: $name,
                coordinates: $coords,
                map: MapDirection::$map,
                indexed: is_indexed!($($index)?),
                classes: {
                    #[allow(unused_mut)]
                    let mut c = Classes {
                        pl0: false,
                        swenable_exempt: false,
                        other_debug: false,
                        v6_lockout_exempt: false,
                    };
                    $( register_table!(@class c $class); )*
                    c
                },
            }, )*
        ];

        impl DebugRegister {
            /// A dense number per variant (table order, index ignored),
            /// below [`KINDS`]: the row of the per-register tables.
            #[inline(always)]
            pub(crate) const fn kind(self) -> usize {
                #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
                enum K { $($variant,)* }
                match self {
                    $( DebugRegister::$variant $((any_index!($index)))? => K::$variant as usize, )*
                }
            }
        }
    };
    (@class $c:ident pl0) => { $c.pl0 = true; $c.swenable_exempt = true; };
    (@class $c:ident swx) => { $c.swenable_exempt = true; };
    (@class $c:ident other) => { $c.other_debug = true; };
    (@class $c:ident v6x) => { $c.v6_lockout_exempt = true; };
}

register_table! {
    Dbgdidr = "DBGDIDR", Some((0, 0, 0)), Both, [pl0, v6x];
    DbgdscrInt = "DBGDSCRint", Some((0, 1, 0)), Both, [pl0, v6x];
    /// DBGDTRRXint: `MRC p14,0,Rt,c0,c5,0` and `STC p14,c5,...`.
    DbgdtrrxInt = "DBGDTRRXint", Some((0, 5, 0)), Read, [pl0, v6x];
    /// DBGDTRTXint: `MCR p14,0,Rt,c0,c5,0` and `LDC p14,c5,...`.
    DbgdtrtxInt = "DBGDTRTXint", Some((0, 5, 0)), Write, [pl0, v6x];
    Dbgdccint = "DBGDCCINT", Some((0, 2, 0)), Both, [];
    Dbgwfar = "DBGWFAR", Some((0, 6, 0)), Both, [other];
    Dbgvcr = "DBGVCR", Some((0, 7, 0)), Both, [other];
    Dbgecr = "DBGECR", Some((0, 9, 0)), Both, [];
    Dbgdsccr = "DBGDSCCR", Some((0, 10, 0)), Both, [other];
    Dbgdsmcr = "DBGDSMCR", Some((0, 11, 0)), Both, [other];
    DbgdtrrxExt = "DBGDTRRXext", Some((0, 0, 2)), Both, [other];
    /// DBGITR: the write direction of register 33.
    Dbgitr = "DBGITR", Some((0, 1, 2)), Write, [other];
    /// DBGPCSR: the read direction of register 33.
    Dbgpcsr = "DBGPCSR", Some((0, 1, 2)), Read, [other];
    DbgdscrExt = "DBGDSCRext", Some((0, 2, 2)), Both, [other];
    DbgdtrtxExt = "DBGDTRTXext", Some((0, 3, 2)), Both, [other];
    Dbgdrcr = "DBGDRCR", Some((0, 4, 2)), Both, [];
    Dbgoseccr = "DBGOSECCR", Some((0, 6, 2)), Both, [];
    Dbgbvr(u8) = "DBGBVR", Some((0, 0, 4)), Both, [other];
    Dbgbcr(u8) = "DBGBCR", Some((0, 0, 5)), Both, [other];
    Dbgwvr(u8) = "DBGWVR", Some((0, 0, 6)), Both, [other];
    Dbgwcr(u8) = "DBGWCR", Some((0, 0, 7)), Both, [other];
    Dbgbxvr(u8) = "DBGBXVR", Some((1, 0, 1)), Both, [other];
    /// DBGDRAR through the 32-bit MRC.
    Dbgdrar = "DBGDRAR", Some((1, 0, 0)), Both, [pl0];
    /// DBGDSAR through the 32-bit MRC.
    Dbgdsar = "DBGDSAR", Some((2, 0, 0)), Both, [pl0];
    /// DBGDRAR through the 64-bit MRRC (`MRRC p14,0,Rt,Rt2,c1`).
    Dbgdrar64 = "DBGDRAR", None, Both, [pl0];
    /// DBGDSAR through the 64-bit MRRC (`MRRC p14,0,Rt,Rt2,c2`).
    Dbgdsar64 = "DBGDSAR", None, Both, [pl0];
    Dbgoslar = "DBGOSLAR", Some((1, 0, 4)), Both, [swx];
    Dbgoslsr = "DBGOSLSR", Some((1, 1, 4)), Both, [swx];
    Dbgossrr = "DBGOSSRR", Some((1, 2, 4)), Both, [swx];
    Dbgosdlr = "DBGOSDLR", Some((1, 3, 4)), Both, [swx];
    Dbgprcr = "DBGPRCR", Some((1, 4, 4)), Both, [swx];
    Dbgprsr = "DBGPRSR", Some((1, 5, 4)), Both, [swx];
    Dbgitctrl = "DBGITCTRL", Some((7, 0, 4)), Both, [];
    Dbgclaimset = "DBGCLAIMSET", Some((7, 8, 6)), Both, [];
    Dbgclaimclr = "DBGCLAIMCLR", Some((7, 9, 6)), Both, [];
    Dbgauthstatus = "DBGAUTHSTATUS", Some((7, 14, 6)), Both, [];
    Dbgdevid2 = "DBGDEVID2", Some((7, 0, 7)), Both, [];
    Dbgdevid1 = "DBGDEVID1", Some((7, 1, 7)), Both, [];
    Dbgdevid = "DBGDEVID", Some((7, 2, 7)), Both, [];
}

/// Number of [`DebugRegister`] variants ([`DebugRegister::kind`] range).
pub(crate) const KINDS: usize = ROWS.len();

/// `from_coordinates` for CRn 0..=7, CRm 0..=15, opc2 0..=7, indexed by
/// `[write][CRn:opc2:CRm]` (the register-number layout), built from
/// [`ROWS`].
static COORDINATE_MAP: [[Option<DebugRegister>; 1024]; 2] = {
    let mut t = [[None; 1024]; 2];
    let mut k = 0;
    while k < KINDS {
        let row = &ROWS[k];
        if let Some((crn, crm, opc2)) = row.coordinates {
            let count = if row.indexed { 16 } else { 1 };
            let mut n = 0;
            while n < count {
                let i = ((crn as usize) << 7) | ((opc2 as usize) << 4) | (crm as usize + n);
                let reg = row.register.with_index(n as u8);
                if !matches!(row.map, MapDirection::Write) {
                    t[0][i] = Some(reg);
                }
                if !matches!(row.map, MapDirection::Read) {
                    t[1][i] = Some(reg);
                }
                n += 1;
            }
        }
        k += 1;
    }
    t
};

impl DebugRegister {
    /// The register an access names, or `None` when the encoding is no
    /// debug register (another opc1, an unallocated number, a `2` form, an
    /// LDC/STC to anything but `c5`).
    #[inline(always)]
    pub const fn identify(access: &Access) -> Option<DebugRegister> {
        if access.two {
            return None;
        }
        match access.operation {
            Operation::Transfer {
                opc1: 0,
                crn,
                crm,
                opc2,
                ..
            } => Self::from_coordinates(crn, crm, opc2, access.direction),
            Operation::Transfer { .. } => None,
            Operation::Transfer64 {
                opc1: 0, crm: 1, ..
            } => Some(DebugRegister::Dbgdrar64),
            Operation::Transfer64 {
                opc1: 0, crm: 2, ..
            } => Some(DebugRegister::Dbgdsar64),
            Operation::Transfer64 { .. } => None,
            Operation::Memory {
                crd: 5,
                long: false,
                ..
            } => Some(match access.direction {
                Direction::Read => DebugRegister::DbgdtrrxInt,
                Direction::Write => DebugRegister::DbgdtrtxInt,
            }),
            Operation::Memory { .. } => None,
        }
    }

    /// The register at `MRC/MCR p14, 0, Rt, c<crn>, c<crm>, <opc2>`.
    ///
    /// `direction` separates the two registers that share an encoding
    /// (DBGDTRRXint/DBGDTRTXint, DBGPCSR/DBGITR).
    #[inline(always)]
    pub const fn from_coordinates(
        crn: u8,
        crm: u8,
        opc2: u8,
        direction: Direction,
    ) -> Option<DebugRegister> {
        // One load from a table built at compile time from `ROWS` (CRn
        // 0..=7 only: no register has CRn ≥ 8).
        if crn >= 8 || crm >= 16 || opc2 >= 8 {
            return None;
        }
        let i = ((crn as usize) << 7) | ((opc2 as usize) << 4) | crm as usize;
        COORDINATE_MAP[matches!(direction, Direction::Write) as usize][i]
    }

    /// The same register kind with index `n` (unchanged when not indexed).
    const fn with_index(self, n: u8) -> DebugRegister {
        use DebugRegister::*;
        match self {
            Dbgbvr(_) => Dbgbvr(n),
            Dbgbcr(_) => Dbgbcr(n),
            Dbgwvr(_) => Dbgwvr(n),
            Dbgwcr(_) => Dbgwcr(n),
            Dbgbxvr(_) => Dbgbxvr(n),
            other => other,
        }
    }

    /// This register's row of the register table.
    #[inline(always)]
    pub(crate) const fn row(self) -> &'static RegisterRow {
        &ROWS[self.kind()]
    }

    /// One register of each kind (index 0), in [`DebugRegister::kind`]
    /// order.
    pub(crate) const ONE_OF_EACH_KIND: [DebugRegister; KINDS] = {
        let mut t = [DebugRegister::Dbgdidr; KINDS];
        let mut k = 0;
        while k < KINDS {
            t[k] = ROWS[k].register;
            k += 1;
        }
        t
    };

    /// `(CRn, CRm, opc2)` of the register's MRC/MCR encoding (opc1 is always
    /// 0), or `None` for the 64-bit views, which only MRRC reaches.
    pub const fn coordinates(self) -> Option<(u8, u8, u8)> {
        match (self.row().coordinates, self.index()) {
            (Some((crn, _, opc2)), Some(n)) => Some((crn, n & 15, opc2)),
            (c, _) => c,
        }
    }

    /// The register number N (memory-mapped offset / 4) for registers in
    /// the numbered space; `None` for the internal views.
    pub const fn number(self) -> Option<u16> {
        use DebugRegister::*;
        match self {
            DbgdscrInt | DbgdtrrxInt | DbgdtrtxInt | Dbgdccint | Dbgdrar | Dbgdsar | Dbgdrar64
            | Dbgdsar64 => None,
            other => match other.coordinates() {
                Some((crn, crm, opc2)) => {
                    Some(((crn as u16) << 7) | ((opc2 as u16) << 4) | crm as u16)
                }
                None => None,
            },
        }
    }

    /// The register's name without index (`"DBGBVR"` for `Dbgbvr(3)`).
    pub const fn base_name(self) -> &'static str {
        self.row().name
    }

    /// The index of a breakpoint/watchpoint register, `None` otherwise.
    pub const fn index(self) -> Option<u8> {
        match self {
            DebugRegister::Dbgbvr(n)
            | DebugRegister::Dbgbcr(n)
            | DebugRegister::Dbgwvr(n)
            | DebugRegister::Dbgwcr(n)
            | DebugRegister::Dbgbxvr(n) => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for DebugRegister {
    /// The Arm ARM name with its index: `DBGBVR3`, `DBGDSCRext`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base_name())?;
        match self.index() {
            Some(n) => write!(f, "{n}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Gpr, Source};

    /// The coordinate map written out as a match: an independent oracle
    /// for the table-built lookup.
    fn match_coordinates(
        crn: u8,
        crm: u8,
        opc2: u8,
        direction: Direction,
    ) -> Option<DebugRegister> {
        use DebugRegister::*;
        let read = matches!(direction, Direction::Read);
        Some(match (crn, crm, opc2) {
            (0, 0, 0) => Dbgdidr,
            (0, 1, 0) => DbgdscrInt,
            (0, 2, 0) => Dbgdccint,
            (0, 5, 0) if read => DbgdtrrxInt,
            (0, 5, 0) => DbgdtrtxInt,
            (0, 6, 0) => Dbgwfar,
            (0, 7, 0) => Dbgvcr,
            (0, 9, 0) => Dbgecr,
            (0, 10, 0) => Dbgdsccr,
            (0, 11, 0) => Dbgdsmcr,
            (0, 0, 2) => DbgdtrrxExt,
            (0, 1, 2) if read => Dbgpcsr,
            (0, 1, 2) => Dbgitr,
            (0, 2, 2) => DbgdscrExt,
            (0, 3, 2) => DbgdtrtxExt,
            (0, 4, 2) => Dbgdrcr,
            (0, 6, 2) => Dbgoseccr,
            (0, n, 4) if n < 16 => Dbgbvr(n),
            (0, n, 5) if n < 16 => Dbgbcr(n),
            (0, n, 6) if n < 16 => Dbgwvr(n),
            (0, n, 7) if n < 16 => Dbgwcr(n),
            (1, 0, 0) => Dbgdrar,
            (1, n, 1) if n < 16 => Dbgbxvr(n),
            (1, 0, 4) => Dbgoslar,
            (1, 1, 4) => Dbgoslsr,
            (1, 2, 4) => Dbgossrr,
            (1, 3, 4) => Dbgosdlr,
            (1, 4, 4) => Dbgprcr,
            (1, 5, 4) => Dbgprsr,
            (2, 0, 0) => Dbgdsar,
            (7, 0, 4) => Dbgitctrl,
            (7, 8, 6) => Dbgclaimset,
            (7, 9, 6) => Dbgclaimclr,
            (7, 14, 6) => Dbgauthstatus,
            (7, 0, 7) => Dbgdevid2,
            (7, 1, 7) => Dbgdevid1,
            (7, 2, 7) => Dbgdevid,
            _ => return None,
        })
    }

    fn mrc(crn: u8, crm: u8, opc2: u8) -> Access {
        Access {
            source: Source::A32,
            direction: Direction::Read,
            operation: Operation::Transfer {
                opc1: 0,
                crn,
                crm,
                opc2,
                rt: Gpr(0),
            },
            condition: Some(crate::access::Condition::AL),
            two: false,
        }
    }

    #[test]
    fn numbered_registers_follow_the_numbering_rule() {
        // DDI 0406C.d C6, the CP14 interface: DBGOSLAR N=192, DBGDEVID N=1010, DBGCLAIMSET N=1000.
        assert_eq!(DebugRegister::Dbgoslar.number(), Some(192));
        assert_eq!(DebugRegister::Dbgdevid.number(), Some(1010));
        assert_eq!(DebugRegister::Dbgclaimset.number(), Some(1000));
        assert_eq!(DebugRegister::Dbgbvr(0).number(), Some(64));
        assert_eq!(DebugRegister::Dbgwcr(15).number(), Some(127));
        assert_eq!(DebugRegister::Dbgbxvr(2).number(), Some(146));
        assert_eq!(DebugRegister::DbgdscrInt.number(), None);
    }

    #[test]
    fn every_register_round_trips_through_its_coordinates() {
        for crn in 0..16 {
            for crm in 0..16 {
                for opc2 in 0..8 {
                    for dir in [Direction::Read, Direction::Write] {
                        if let Some(r) = DebugRegister::from_coordinates(crn, crm, opc2, dir) {
                            assert_eq!(r.coordinates(), Some((crn, crm, opc2)), "{r}");
                            if let Some(n) = r.number() {
                                // N = CRn:opc2:CRm
                                assert_eq!(n >> 7, crn as u16);
                                assert_eq!((n >> 4) & 7, opc2 as u16);
                                assert_eq!(n & 15, crm as u16);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn table_matches_the_match_and_kinds_are_dense() {
        for crn in 0..=255u8 {
            for crm in 0..=255u8 {
                for opc2 in [0u8, 1, 2, 4, 5, 6, 7, 8, 255] {
                    for dir in [Direction::Read, Direction::Write] {
                        assert_eq!(
                            DebugRegister::from_coordinates(crn, crm, opc2, dir),
                            match_coordinates(crn, crm, opc2, dir),
                            "{crn} {crm} {opc2} {dir:?}"
                        );
                    }
                }
            }
        }
        for (k, r) in DebugRegister::ONE_OF_EACH_KIND.iter().enumerate() {
            assert_eq!(r.kind(), k, "{r}");
        }
    }

    #[test]
    fn identify_names_the_linux_registers() {
        assert_eq!(
            DebugRegister::identify(&mrc(0, 0, 0)),
            Some(DebugRegister::Dbgdidr)
        );
        assert_eq!(
            DebugRegister::identify(&mrc(0, 3, 5)),
            Some(DebugRegister::Dbgbcr(3))
        );
        assert_eq!(
            DebugRegister::identify(&mrc(1, 5, 4)),
            Some(DebugRegister::Dbgprsr)
        );
        assert_eq!(DebugRegister::identify(&mrc(0, 8, 0)), None);
        let mut two = mrc(0, 0, 0);
        two.two = true;
        assert_eq!(DebugRegister::identify(&two), None);
        assert_eq!(DebugRegister::Dbgwvr(12).to_string(), "DBGWVR12");
    }
}
