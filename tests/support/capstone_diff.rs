//! The capstone differential of the CP14 decoders, shared by
//! `tests/decode_capstone.rs` and the `decode_capstone` fuzz target.
//!
//! For one word (A32, or T32 with the first halfword in bits \[31:16\]) both
//! decoders run: `dbgregs::decode` and capstone (ARM or Thumb mode, text
//! output). Capstone's text is parsed back into fields — the operation
//! (MCR/MRC, MCRR/MRRC, LDC/STC and their `2` forms, with `L`), the
//! coprocessor, opc1, CRn, CRm, opc2, Rt/Rt2, CRd/Rn for LDC/STC, and the
//! condition — and compared with `dbgregs`' [`Access`].
//!
//! Known disagreements: none. The encodings where one would be expected
//! (UNPREDICTABLE ones a disassembler may print or refuse) are listed in
//! one place, [`unpredictable`], each with its reason in the Arm ARM
//! (DDI 0406C.d); capstone prints all of them with `dbgregs`' fields.

use capstone::prelude::*;
use dbgregs::access::{Access, AddressingMode, Direction, Operation};
use dbgregs::decode::{decode_a32, decode_t32};

/// One word and the instruction set it is decoded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// The word (T32: first halfword in bits \[31:16\]).
    pub value: u32,
    /// T32 rather than A32.
    pub thumb: bool,
}

/// The fields of a coprocessor instruction as either decoder reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    /// `mcr`, `mrc`, `mcrr`, `mrrc`, `ldc`, `stc` (no `2`, no `l`).
    pub op: &'static str,
    /// The `2` form.
    pub two: bool,
    /// The coprocessor number.
    pub coproc: u8,
    /// opc1 (MCR/MRC, MCRR/MRRC).
    pub opc1: u8,
    /// CRn (MCR/MRC); CRd (LDC/STC).
    pub crn: u8,
    /// CRm (MCR/MRC, MCRR/MRRC).
    pub crm: u8,
    /// opc2 (MCR/MRC).
    pub opc2: u8,
    /// Rt (MCR/MRC, MCRR/MRRC); Rn (LDC/STC).
    pub rt: u8,
    /// Rt2 (MCRR/MRRC).
    pub rt2: u8,
    /// LDC/STC `L` (the long form).
    pub long: bool,
    /// LDC/STC addressing mode: 0 unindexed, 1 post-indexed, 2 offset,
    /// 3 pre-indexed.
    pub mode: u8,
    /// LDC/STC `U`: the offset is added.
    pub add: bool,
    /// LDC/STC offset magnitude in bytes (imm8 × 4), or the unindexed
    /// form's option value.
    pub offset: u16,
    /// The condition code, 0..=14 (14 = AL; also AL for T32 and the `2`
    /// forms).
    pub cond: u8,
}

/// The capstone handles (ARM and Thumb mode, detail off).
pub struct Capstones {
    arm: Capstone,
    thumb: Capstone,
}

impl Capstones {
    /// Both handles.
    ///
    /// # Panics
    /// If capstone was built without ARM support.
    #[allow(clippy::expect_used)]
    pub fn new() -> Capstones {
        let build = |mode| {
            Capstone::new()
                .arm()
                .mode(mode)
                .detail(false)
                .build()
                // The capstone crate's bundled build always has ARM.
                .expect("capstone supports ARM")
        };
        Capstones {
            arm: build(arch::arm::ArchMode::Arm),
            thumb: build(arch::arm::ArchMode::Thumb),
        }
    }

    /// Capstone's text of `word` (mnemonic, a blank, operands), if it
    /// decodes one 4-byte instruction.
    pub fn text(&self, word: Word) -> Option<String> {
        let (cs, bytes) = if word.thumb {
            let hw1 = (word.value >> 16) as u16;
            let hw2 = word.value as u16;
            let mut b = [0u8; 4];
            b[..2].copy_from_slice(&hw1.to_le_bytes());
            b[2..].copy_from_slice(&hw2.to_le_bytes());
            (&self.thumb, b)
        } else {
            (&self.arm, word.value.to_le_bytes())
        };
        let insns = cs.disasm_count(&bytes, 0x1000, 1).ok()?;
        let insn = insns.iter().next()?;
        if insn.bytes().len() != 4 {
            return None;
        }
        Some(format!(
            "{} {}",
            insn.mnemonic().unwrap_or(""),
            insn.op_str().unwrap_or("")
        ))
    }
}

impl Default for Capstones {
    fn default() -> Self {
        Capstones::new()
    }
}

const CONDS: [&str; 15] = [
    "eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "",
];

fn cond_code(s: &str) -> Option<u8> {
    let s = match s {
        "cs" => "hs",
        "cc" => "lo",
        "al" => "",
        s => s,
    };
    CONDS.iter().position(|c| *c == s).map(|i| i as u8)
}

fn reg(s: &str) -> Option<u8> {
    match s.trim() {
        "sp" => Some(13),
        "lr" => Some(14),
        "pc" | "apsr_nzcv" => Some(15),
        "sb" => Some(9),
        "sl" => Some(10),
        "fp" => Some(11),
        "ip" => Some(12),
        r => r.strip_prefix('r')?.parse().ok().filter(|n| *n < 16),
    }
}

fn num(s: &str, prefix: char) -> Option<u8> {
    let s = s.trim().strip_prefix(prefix)?;
    let s = s.strip_prefix('#').unwrap_or(s);
    match s.strip_prefix("0x") {
        Some(hex) => u8::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// A decimal or `0x` hexadecimal number.
fn number(s: &str) -> Option<u16> {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(hex) => u16::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn imm(s: &str) -> Option<u8> {
    let s = s.trim();
    let s = s.strip_prefix('#').unwrap_or(s);
    match s.strip_prefix("0x") {
        Some(hex) => u8::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Parses capstone's text of a coprocessor instruction; `None` for any
/// other instruction (or a text this parser does not know).
pub fn parse_capstone(text: &str) -> Option<Fields> {
    let text = text.to_ascii_lowercase();
    let (mnemonic, operands) = text.split_once(' ').unwrap_or((text.as_str(), ""));
    // Longest spellings first.
    const OPS: [(&str, &str, bool, bool); 16] = [
        ("mcrr2", "mcrr", true, false),
        ("mrrc2", "mrrc", true, false),
        ("mcrr", "mcrr", false, false),
        ("mrrc", "mrrc", false, false),
        ("mcr2", "mcr", true, false),
        ("mrc2", "mrc", true, false),
        ("mcr", "mcr", false, false),
        ("mrc", "mrc", false, false),
        ("ldc2l", "ldc", true, true),
        ("stc2l", "stc", true, true),
        ("ldc2", "ldc", true, false),
        ("stc2", "stc", true, false),
        ("ldcl", "ldc", false, true),
        ("stcl", "stc", false, true),
        ("ldc", "ldc", false, false),
        ("stc", "stc", false, false),
    ];
    let (rest, op, two, long) = OPS.iter().find_map(|&(spell, op, two, long)| {
        mnemonic.strip_prefix(spell).and_then(|rest| {
            // `ldcl` must not be read as `ldc` + condition `l...`.
            cond_code(rest.trim_end_matches(".w")).map(|_| (rest, op, two, long))
        })
    })?;
    let cond = cond_code(rest.trim_end_matches(".w"))?;
    let ops: Vec<&str> = operands.split(',').map(str::trim).collect();
    let coproc = num(ops.first()?, 'p')?;
    let mut f = Fields {
        op,
        two,
        coproc,
        opc1: 0,
        crn: 0,
        crm: 0,
        opc2: 0,
        rt: 0,
        rt2: 0,
        long,
        mode: 0,
        add: false,
        offset: 0,
        cond,
    };
    match op {
        "mcr" | "mrc" => {
            f.opc1 = imm(ops.get(1)?)?;
            f.rt = reg(ops.get(2)?)?;
            f.crn = num(ops.get(3)?, 'c')?;
            f.crm = num(ops.get(4)?, 'c')?;
            f.opc2 = match ops.get(5) {
                Some(s) => imm(s)?,
                None => 0,
            };
        }
        "mcrr" | "mrrc" => {
            f.opc1 = imm(ops.get(1)?)?;
            f.rt = reg(ops.get(2)?)?;
            f.rt2 = reg(ops.get(3)?)?;
            f.crm = num(ops.get(4)?, 'c')?;
        }
        _ => {
            f.crn = num(ops.get(1)?, 'c')?;
            // `[rN], {opt}`, `[rN], #±imm`, `[rN, #±imm]`, `[rN, #±imm]!`.
            let addr = ops.get(2..)?.join(",");
            let addr = addr.trim().strip_prefix('[')?;
            let (inside, after) = addr.split_once(']')?;
            let mut inside = inside.split(',');
            f.rt = reg(inside.next()?)?;
            let signed = |s: &str| -> Option<(bool, u16)> {
                let s = s.trim().strip_prefix('#')?;
                let (add, mag) = match s.strip_prefix('-') {
                    Some(m) => (false, m),
                    None => (true, s),
                };
                Some((add, number(mag)?))
            };
            let after = after.trim();
            (f.mode, (f.add, f.offset)) = match (inside.next(), after) {
                (Some(off), "!") => (3, signed(off)?),
                (Some(off), "") => (2, signed(off)?),
                (None, "") => (2, (true, 0)),
                (None, a) => {
                    let a = a.strip_prefix(',')?.trim();
                    match a.strip_prefix('{') {
                        Some(opt) => (0, (true, number(opt.strip_suffix('}')?)?)),
                        None => (1, signed(a)?),
                    }
                }
                _ => return None,
            };
        }
    }
    Some(f)
}

/// `dbgregs`' decode of `word` as [`Fields`].
pub fn ours(word: Word) -> Option<Fields> {
    let access: Access = if word.thumb {
        decode_t32(word.value)?
    } else {
        decode_a32(word.value)?
    };
    let read = access.direction == Direction::Read;
    let cond = access.condition.map_or(14, |c| c.0);
    let cond = if access.two { 14 } else { cond };
    let mut f = Fields {
        op: "",
        two: access.two,
        coproc: 14,
        opc1: 0,
        crn: 0,
        crm: 0,
        opc2: 0,
        rt: 0,
        rt2: 0,
        long: false,
        mode: 0,
        add: false,
        offset: 0,
        cond,
    };
    match access.operation {
        Operation::Transfer {
            opc1,
            crn,
            crm,
            opc2,
            rt,
        } => {
            f.op = if read { "mrc" } else { "mcr" };
            (f.opc1, f.crn, f.crm, f.opc2, f.rt) = (opc1, crn, crm, opc2, rt.0);
        }
        Operation::Transfer64 { opc1, crm, rt, rt2 } => {
            f.op = if read { "mrrc" } else { "mcrr" };
            (f.opc1, f.crm, f.rt, f.rt2) = (opc1, crm, rt.0, rt2.0);
        }
        Operation::Memory {
            crd,
            rn,
            long,
            imm8,
            mode,
            add,
        } => {
            // LDC writes the coprocessor register.
            f.op = if read { "stc" } else { "ldc" };
            f.crn = crd;
            f.rt = rn.map_or(15, |r| r.0);
            f.long = long;
            f.add = add;
            (f.mode, f.offset) = match mode {
                AddressingMode::Unindexed => (0, u16::from(imm8)),
                AddressingMode::PostIndexed => (1, u16::from(imm8) * 4),
                AddressingMode::Offset => (2, u16::from(imm8) * 4),
                AddressingMode::PreIndexed => (3, u16::from(imm8) * 4),
            };
        }
    }
    Some(f)
}

/// The UNPREDICTABLE encodings of this space (DDI 0406C.d, chapter A8,
/// each instruction's pseudocode), with the reason; `None` for a word
/// whose fields the architecture defines.
///
/// These are the candidates for a known disagreement: encodings the
/// architecture leaves UNPREDICTABLE that a disassembler may print or
/// refuse. With capstone 0.14 (capstone-sys 0.18) there is none to list:
/// capstone prints every one of them with the same fields as `dbgregs`,
/// which decodes them too (the trap path has to name the register to
/// emulate the access or refuse it), so [`compare`] admits no exception.
/// The million-word test counts each class, so a capstone that starts
/// refusing them shows up as a failure here, not as silence.
pub fn unpredictable(word: Word, fields: &Fields) -> Option<&'static str> {
    let (rt, rt2, rn) = (fields.rt, fields.rt2, fields.rt);
    let writeback = matches!(fields.mode, 1 | 3);
    match fields.op {
        "mcrr" | "mrrc" if rt == 15 || rt2 == 15 => Some(
            "MCRR/MRRC with Rt or Rt2 = PC (DDI 0406C.d A8.8 MCRR, MCRR2 and MRRC, MRRC2: \
             if t == 15 || t2 == 15 then UNPREDICTABLE)",
        ),
        "mrrc" if rt == rt2 => {
            Some("MRRC with Rt = Rt2 (DDI 0406C.d A8.8 MRRC, MRRC2: if t == t2 then UNPREDICTABLE)")
        }
        "mcrr" | "mrrc" if word.thumb && (rt == 13 || rt2 == 13) => Some(
            "T32 MCRR/MRRC with Rt or Rt2 = SP (DDI 0406C.d A8.8 MCRR, MCRR2 and MRRC, MRRC2, \
             encoding T1: t == 13 || t2 == 13 is UNPREDICTABLE)",
        ),
        "mcr" if rt == 15 => {
            Some("MCR with Rt = PC (DDI 0406C.d A8.8 MCR, MCR2: if t == 15 then UNPREDICTABLE)")
        }
        "mcr" | "mrc" if word.thumb && rt == 13 => Some(
            "T32 MCR/MRC with Rt = SP (DDI 0406C.d A8.8 MCR, MCR2 and MRC, MRC2, encoding T1: \
             t == 13 is UNPREDICTABLE)",
        ),
        "ldc" | "stc" if rn == 15 && (writeback || word.thumb) && fields.op == "stc" => Some(
            "STC with Rn = PC and writeback, or in T32 (DDI 0406C.d A8.8 STC, STC2: \
             if n == 15 && (wback || CurrentInstrSet() != InstrSet_ARM) then UNPREDICTABLE)",
        ),
        "ldc" if rn == 15 && writeback => Some(
            "LDC (literal) with W = 1 (DDI 0406C.d A8.8 LDC, LDC2 (literal): \
             W == '1' is UNPREDICTABLE)",
        ),
        _ => None,
    }
}

/// One word compared: `Ok(())` when both agree (or disagree for a listed
/// reason), `Err(description)` otherwise.
///
/// # Errors
/// A description of the disagreement.
pub fn compare(cs: &Capstones, word: Word) -> Result<(), String> {
    let ours = ours(word);
    let text = cs.text(word);
    let theirs = text.as_deref().and_then(parse_capstone);
    // Only coprocessor 14 is ours to compare: capstone's decodes of other
    // coprocessors are not CP14 accesses.
    let theirs_cp14 = theirs.as_ref().filter(|f| f.coproc == 14);
    if ours.as_ref() == theirs_cp14 {
        return Ok(());
    }
    Err(format!(
        "{:08x}{}: dbgregs {:?}; capstone {:?} -> {:?}",
        word.value,
        if word.thumb { " (T32)" } else { "" },
        ours,
        text,
        theirs_cp14
    ))
}
