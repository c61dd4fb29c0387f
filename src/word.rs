//! A32 instruction words the kernel's accessors execute: the leaf every
//! layer that runs kernel code builds its MRC/MCR words with.

/// Build `MRC p14, 0, R<rt>, c<crn>, c<crm>, <opc2>` (A32, cond AL).
pub const fn mrc_word(rt: u8, crn: u8, crm: u8, opc2: u8) -> u32 {
    0xEE10_0E10
        | ((crn as u32 & 0xF) << 16)
        | ((rt as u32 & 0xF) << 12)
        | ((opc2 as u32 & 7) << 5)
        | (crm as u32 & 0xF)
}

/// Build `MCR p14, 0, R<rt>, c<crn>, c<crm>, <opc2>` (A32, cond AL).
pub const fn mcr_word(rt: u8, crn: u8, crm: u8, opc2: u8) -> u32 {
    mrc_word(rt, crn, crm, opc2) & !(1 << 20)
}
