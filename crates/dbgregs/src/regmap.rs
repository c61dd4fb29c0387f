//! The CP14 debug register map: which register an [`Access`] names.
//!
//! The map is the architecture's numbering (Arm ARM, and the spec's §2): a
//! debug register with number N is reached by `p14, 0, c(N[9:7]), c(N[3:0]),
//! N[6:4]`; the internal views (DBGDSCRint, DBGDTRRX/TXint, DBGDRAR, DBGDSAR,
//! DBGDCCINT) sit outside the numbered space. v6 and v6.1 use the same
//! coordinates for the registers they have. Identification is
//! version-independent: whether the register exists on a given core, and what
//! an access to it does, is decided by [`crate::semantics`].

use core::fmt;

use crate::access::{Access, Direction, Operation};

/// A CP14 debug register, as the Arm ARM names it.
///
/// Indexed registers carry their index `n` (0..=15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the register of the same name
pub enum DebugRegister {
    Dbgdidr,
    DbgdscrInt,
    /// DBGDTRRXint: `MRC p14,0,Rt,c0,c5,0` and `STC p14,c5,...`.
    DbgdtrrxInt,
    /// DBGDTRTXint: `MCR p14,0,Rt,c0,c5,0` and `LDC p14,c5,...`.
    DbgdtrtxInt,
    Dbgdccint,
    Dbgwfar,
    Dbgvcr,
    Dbgecr,
    Dbgdsccr,
    Dbgdsmcr,
    DbgdtrrxExt,
    /// DBGITR: the write direction of register 33.
    Dbgitr,
    /// DBGPCSR: the read direction of register 33.
    Dbgpcsr,
    DbgdscrExt,
    DbgdtrtxExt,
    Dbgdrcr,
    Dbgoseccr,
    Dbgbvr(u8),
    Dbgbcr(u8),
    Dbgwvr(u8),
    Dbgwcr(u8),
    Dbgbxvr(u8),
    /// DBGDRAR through the 32-bit MRC.
    Dbgdrar,
    /// DBGDSAR through the 32-bit MRC.
    Dbgdsar,
    /// DBGDRAR through the 64-bit MRRC (`MRRC p14,0,Rt,Rt2,c1`).
    Dbgdrar64,
    /// DBGDSAR through the 64-bit MRRC (`MRRC p14,0,Rt,Rt2,c2`).
    Dbgdsar64,
    Dbgoslar,
    Dbgoslsr,
    Dbgossrr,
    Dbgosdlr,
    Dbgprcr,
    Dbgprsr,
    Dbgitctrl,
    Dbgclaimset,
    Dbgclaimclr,
    Dbgauthstatus,
    Dbgdevid2,
    Dbgdevid1,
    Dbgdevid,
}

/// Number of [`DebugRegister`] variants ([`DebugRegister::kind`] range).
pub(crate) const KINDS: usize = 39;

/// `from_coordinates` for CRn 0..=7, CRm 0..=15, opc2 0..=7, indexed by
/// `[write][CRn:opc2:CRm]` (the register-number layout).
static COORDINATE_MAP: [[Option<DebugRegister>; 1024]; 2] = {
    let mut t = [[None; 1024]; 2];
    let mut i = 0;
    while i < 1024 {
        let (crn, opc2, crm) = ((i >> 7) as u8, ((i >> 4) & 7) as u8, (i & 15) as u8);
        t[0][i] = DebugRegister::match_coordinates(crn, crm, opc2, Direction::Read);
        t[1][i] = DebugRegister::match_coordinates(crn, crm, opc2, Direction::Write);
        i += 1;
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
        // One load from a table built at compile time from
        // `match_coordinates` (CRn 0..=7 only: no register has CRn ≥ 8).
        if crn >= 8 || crm >= 16 || opc2 >= 8 {
            return None;
        }
        let i = ((crn as usize) << 7) | ((opc2 as usize) << 4) | crm as usize;
        COORDINATE_MAP[matches!(direction, Direction::Write) as usize][i]
    }

    /// [`DebugRegister::from_coordinates`] as a match (builds the table).
    const fn match_coordinates(
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

    /// A dense number per variant (declaration order, index ignored),
    /// below [`KINDS`]: the row of the per-register tables in
    /// [`crate::semantics`].
    #[inline(always)]
    pub(crate) const fn kind(self) -> usize {
        use DebugRegister::*;
        match self {
            Dbgdidr => 0,
            DbgdscrInt => 1,
            DbgdtrrxInt => 2,
            DbgdtrtxInt => 3,
            Dbgdccint => 4,
            Dbgwfar => 5,
            Dbgvcr => 6,
            Dbgecr => 7,
            Dbgdsccr => 8,
            Dbgdsmcr => 9,
            DbgdtrrxExt => 10,
            Dbgitr => 11,
            Dbgpcsr => 12,
            DbgdscrExt => 13,
            DbgdtrtxExt => 14,
            Dbgdrcr => 15,
            Dbgoseccr => 16,
            Dbgbvr(_) => 17,
            Dbgbcr(_) => 18,
            Dbgwvr(_) => 19,
            Dbgwcr(_) => 20,
            Dbgbxvr(_) => 21,
            Dbgdrar => 22,
            Dbgdsar => 23,
            Dbgdrar64 => 24,
            Dbgdsar64 => 25,
            Dbgoslar => 26,
            Dbgoslsr => 27,
            Dbgossrr => 28,
            Dbgosdlr => 29,
            Dbgprcr => 30,
            Dbgprsr => 31,
            Dbgitctrl => 32,
            Dbgclaimset => 33,
            Dbgclaimclr => 34,
            Dbgauthstatus => 35,
            Dbgdevid2 => 36,
            Dbgdevid1 => 37,
            Dbgdevid => 38,
        }
    }

    /// One register of each kind (index 0), in [`DebugRegister::kind`]
    /// order.
    pub(crate) const ONE_OF_EACH_KIND: [DebugRegister; KINDS] = {
        use DebugRegister::*;
        [
            Dbgdidr,
            DbgdscrInt,
            DbgdtrrxInt,
            DbgdtrtxInt,
            Dbgdccint,
            Dbgwfar,
            Dbgvcr,
            Dbgecr,
            Dbgdsccr,
            Dbgdsmcr,
            DbgdtrrxExt,
            Dbgitr,
            Dbgpcsr,
            DbgdscrExt,
            DbgdtrtxExt,
            Dbgdrcr,
            Dbgoseccr,
            Dbgbvr(0),
            Dbgbcr(0),
            Dbgwvr(0),
            Dbgwcr(0),
            Dbgbxvr(0),
            Dbgdrar,
            Dbgdsar,
            Dbgdrar64,
            Dbgdsar64,
            Dbgoslar,
            Dbgoslsr,
            Dbgossrr,
            Dbgosdlr,
            Dbgprcr,
            Dbgprsr,
            Dbgitctrl,
            Dbgclaimset,
            Dbgclaimclr,
            Dbgauthstatus,
            Dbgdevid2,
            Dbgdevid1,
            Dbgdevid,
        ]
    };

    /// `(CRn, CRm, opc2)` of the register's MRC/MCR encoding (opc1 is always
    /// 0), or `None` for the 64-bit views, which only MRRC reaches.
    pub const fn coordinates(self) -> Option<(u8, u8, u8)> {
        use DebugRegister::*;
        Some(match self {
            Dbgdidr => (0, 0, 0),
            DbgdscrInt => (0, 1, 0),
            Dbgdccint => (0, 2, 0),
            DbgdtrrxInt | DbgdtrtxInt => (0, 5, 0),
            Dbgwfar => (0, 6, 0),
            Dbgvcr => (0, 7, 0),
            Dbgecr => (0, 9, 0),
            Dbgdsccr => (0, 10, 0),
            Dbgdsmcr => (0, 11, 0),
            DbgdtrrxExt => (0, 0, 2),
            Dbgitr | Dbgpcsr => (0, 1, 2),
            DbgdscrExt => (0, 2, 2),
            DbgdtrtxExt => (0, 3, 2),
            Dbgdrcr => (0, 4, 2),
            Dbgoseccr => (0, 6, 2),
            Dbgbvr(n) => (0, n & 15, 4),
            Dbgbcr(n) => (0, n & 15, 5),
            Dbgwvr(n) => (0, n & 15, 6),
            Dbgwcr(n) => (0, n & 15, 7),
            Dbgdrar => (1, 0, 0),
            Dbgbxvr(n) => (1, n & 15, 1),
            Dbgoslar => (1, 0, 4),
            Dbgoslsr => (1, 1, 4),
            Dbgossrr => (1, 2, 4),
            Dbgosdlr => (1, 3, 4),
            Dbgprcr => (1, 4, 4),
            Dbgprsr => (1, 5, 4),
            Dbgdsar => (2, 0, 0),
            Dbgitctrl => (7, 0, 4),
            Dbgclaimset => (7, 8, 6),
            Dbgclaimclr => (7, 9, 6),
            Dbgauthstatus => (7, 14, 6),
            Dbgdevid2 => (7, 0, 7),
            Dbgdevid1 => (7, 1, 7),
            Dbgdevid => (7, 2, 7),
            Dbgdrar64 | Dbgdsar64 => return None,
        })
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
        use DebugRegister::*;
        match self {
            Dbgdidr => "DBGDIDR",
            DbgdscrInt => "DBGDSCRint",
            DbgdtrrxInt => "DBGDTRRXint",
            DbgdtrtxInt => "DBGDTRTXint",
            Dbgdccint => "DBGDCCINT",
            Dbgwfar => "DBGWFAR",
            Dbgvcr => "DBGVCR",
            Dbgecr => "DBGECR",
            Dbgdsccr => "DBGDSCCR",
            Dbgdsmcr => "DBGDSMCR",
            DbgdtrrxExt => "DBGDTRRXext",
            Dbgitr => "DBGITR",
            Dbgpcsr => "DBGPCSR",
            DbgdscrExt => "DBGDSCRext",
            DbgdtrtxExt => "DBGDTRTXext",
            Dbgdrcr => "DBGDRCR",
            Dbgoseccr => "DBGOSECCR",
            Dbgbvr(_) => "DBGBVR",
            Dbgbcr(_) => "DBGBCR",
            Dbgwvr(_) => "DBGWVR",
            Dbgwcr(_) => "DBGWCR",
            Dbgbxvr(_) => "DBGBXVR",
            Dbgdrar | Dbgdrar64 => "DBGDRAR",
            Dbgdsar | Dbgdsar64 => "DBGDSAR",
            Dbgoslar => "DBGOSLAR",
            Dbgoslsr => "DBGOSLSR",
            Dbgossrr => "DBGOSSRR",
            Dbgosdlr => "DBGOSDLR",
            Dbgprcr => "DBGPRCR",
            Dbgprsr => "DBGPRSR",
            Dbgitctrl => "DBGITCTRL",
            Dbgclaimset => "DBGCLAIMSET",
            Dbgclaimclr => "DBGCLAIMCLR",
            Dbgauthstatus => "DBGAUTHSTATUS",
            Dbgdevid2 => "DBGDEVID2",
            Dbgdevid1 => "DBGDEVID1",
            Dbgdevid => "DBGDEVID",
        }
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
        // Spec §2.1: DBGOSLAR N=192, DBGDEVID N=1010, DBGCLAIMSET N=1000.
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
                            DebugRegister::match_coordinates(crn, crm, opc2, dir),
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
