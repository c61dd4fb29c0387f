//! Decode throughput of trapped CP14 words: `dbgregs::decode` against
//! yaxpeax-arm (ARMv7 decoder, ARM and Thumb) and capstone (ARM and Thumb
//! mode, one handle per mode, no detail), on the same fixed mix.
//!
//! At start it prints (once, to stderr) how many words of the mix each peer
//! decodes to the same mnemonic and operands as `dbgregs` (texts compared
//! after normalisation: lower case, no blanks, no `#`, no `0x`, `r13`/`r14`/
//! `r15` as `sp`/`lr`/`pc`, `[rN, 0]` as `[rN]`). `APSR_nzcv` is not
//! normalised: printing `pc` for the MRC APSR_nzcv form is a mis-decode.
//! With yaxpeax-arm 0.5 and capstone 0.14: yaxpeax-arm 47/64 (its Thumb
//! decoder rejects every coprocessor 8..15 instruction, and it prints the
//! APSR_nzcv destination as `pc`), capstone 64/64.
//!
//! Every decoder decodes the same 64 words and writes its whole result to
//! memory that `black_box` then sees: `dbgregs` its `Option<Access>` into a
//! caller-owned slot, yaxpeax-arm its `Instruction` (via `decode_into`, ARM
//! decoder for the A32 words, Thumb decoder for the T32 ones), capstone its
//! instruction list (whose length is consumed). Criterion reports the time
//! per mix with `Throughput::Elements(64)`, i.e. per word. At start the
//! bench also prints (stderr) a quick in-process timing of all three (median
//! and fastest of 21 samples, ns per word) and the ratios, so that a report
//! has the ratios of one run on one machine.
//!
//! `decode_mix/store_floor` writes the same `Option<Access>` per word
//! without decoding: the floor for any decoder with this result type, and
//! so the largest ratio to yaxpeax-arm the type allows.
//!
//! A second group, `decode_esr`, times [`dbgregs::decode::decode_esr`] on the
//! `ESR_EL2` syndromes of the same 64 accesses (no peer decodes syndromes).
//!
//! At start it also checks that decoding allocates nothing: 10 000 passes
//! over the mix (and over the syndromes) under a counting allocator; it
//! prints the count and panics if it is not 0.
//!
//! Targets (issue #2): ≥ 20× yaxpeax-arm, ≥ 200× capstone, ≤ 2 ns per word.

use std::hint::black_box;
use std::time::Instant;

#[path = "support/alloc_count.rs"]
mod alloc_count;

use capstone::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dbgregs::access::{Access, Condition, Direction, Gpr, Operation, Source};
use dbgregs::decode::{decode_a32, decode_esr, decode_t32};
use dbgregs::encode::encode_esr;
use yaxpeax_arch::{Decoder, U8Reader};
use yaxpeax_arm::armv7::{InstDecoder, Instruction};

/// One word of the mix: the value and whether it is a T32 instruction
/// (first halfword in bits [31:16]).
#[derive(Clone, Copy)]
struct Word {
    value: u32,
    thumb: bool,
}

const fn a(value: u32) -> Word {
    Word {
        value,
        thumb: false,
    }
}

const fn t(value: u32) -> Word {
    Word { value, thumb: true }
}

/// 64 trapped CP14 words: the Linux hw_breakpoint init sequence (DBGDIDR,
/// DBGDSCR, OS lock, power-down status, VCR, BVR/BCR/WVR/WCR resets),
/// conditional forms, MRRC of DBGDRAR/DBGDSAR and LDC/STC of the DTR; 48 in
/// A32 and 16 from a Thumb-2 kernel.
const MIX: [Word; 64] = [
    a(0xEE10_0E10), // mrc p14, 0, r0, c0, c0, 0      DBGDIDR
    a(0xEE10_0E11), // mrc p14, 0, r0, c0, c1, 0      DBGDSCRint
    a(0xEE10_0E52), // mrc p14, 0, r0, c0, c2, 2      DBGDSCRext
    a(0xEE00_0E52), // mcr p14, 0, r0, c0, c2, 2
    a(0xEE11_0E91), // mrc p14, 0, r0, c1, c1, 4      DBGOSLSR
    a(0xEE01_0E90), // mcr p14, 0, r0, c1, c0, 4      DBGOSLAR
    a(0xEE11_3E95), // mrc p14, 0, r3, c1, c5, 4      DBGPRSR (boot log)
    a(0xEE11_5E91), // mrc p14, 0, r5, c1, c1, 4      DBGOSLSR (boot log)
    a(0xEE00_0E17), // mcr p14, 0, r0, c0, c7, 0      DBGVCR
    a(0xEE01_0E93), // mcr p14, 0, r0, c1, c3, 4      DBGOSDLR
    a(0xEE00_0E90), // mcr p14, 0, r0, c0, c0, 4      DBGBVR0
    a(0xEE00_0EB0), // mcr p14, 0, r0, c0, c0, 5      DBGBCR0
    a(0xEE00_0E91), // DBGBVR1
    a(0xEE00_0EB1), // DBGBCR1
    a(0xEE00_0E92), // DBGBVR2
    a(0xEE00_0EB2), // DBGBCR2
    a(0xEE00_0E93), // DBGBVR3
    a(0xEE00_1EB3), // mcr p14, 0, r1, c0, c3, 5      DBGBCR3
    a(0xEE00_0E94), // DBGBVR4
    a(0xEE00_0EB4), // DBGBCR4
    a(0xEE00_0E95), // DBGBVR5
    a(0xEE00_0EB5), // DBGBCR5
    a(0xEE00_0ED0), // mcr p14, 0, r0, c0, c0, 6      DBGWVR0
    a(0xEE00_0EF0), // mcr p14, 0, r0, c0, c0, 7      DBGWCR0
    a(0xEE00_0ED1), // DBGWVR1
    a(0xEE00_0EF1), // DBGWCR1
    a(0xEE00_0ED2), // DBGWVR2
    a(0xEE00_0EF2), // DBGWCR2
    a(0xEE00_0ED3), // DBGWVR3
    a(0xEE00_0EF3), // DBGWCR3
    a(0xEE10_2EB3), // mrc p14, 0, r2, c0, c3, 5      DBGBCR3 read
    a(0xEE10_4ED1), // mrc p14, 0, r4, c0, c1, 6      DBGWVR1 read
    a(0xEE17_0ED2), // mrc p14, 0, r0, c7, c2, 7      DBGDEVID
    a(0xEE17_0EDE), // mrc p14, 0, r0, c7, c14, 6     DBGAUTHSTATUS
    a(0xEE10_FE11), // mrc p14, 0, APSR_nzcv, c0, c1, 0
    a(0xEE11_0E10), // mrc p14, 0, r0, c1, c0, 0      DBGDRAR
    a(0x0E11_5E91), // mrceq p14, 0, r5, c1, c1, 4
    a(0x1E10_0E10), // mrcne p14, 0, r0, c0, c0, 0
    a(0x1E00_1EB3), // mcrne p14, 0, r1, c0, c3, 5
    a(0xAE10_0E11), // mrcge p14, 0, r0, c0, c1, 0
    a(0xEC51_0E01), // mrrc p14, 0, r0, r1, c1        DBGDRAR 64
    a(0xEC51_0E02), // mrrc p14, 0, r0, r1, c2        DBGDSAR 64
    a(0x0C53_2E01), // mrrceq p14, 0, r2, r3, c1
    a(0xECB0_5E01), // ldc p14, c5, [r0], #4
    a(0xED21_5E02), // stc p14, c5, [r1, #-8]!
    a(0xED90_5E01), // ldc p14, c5, [r0, #4]
    a(0xEC90_5E04), // ldc p14, c5, [r0], {4}
    a(0x0D82_5E00), // stceq p14, c5, [r2, #0]
    t(0xEE10_0E10), // DBGDIDR
    t(0xEE10_0E11), // DBGDSCRint
    t(0xEE10_0E52), // DBGDSCRext read
    t(0xEE00_0E52), // DBGDSCRext write
    t(0xEE11_0E91), // DBGOSLSR
    t(0xEE01_0E90), // DBGOSLAR
    t(0xEE11_3E95), // DBGPRSR
    t(0xEE00_0E17), // DBGVCR
    t(0xEE00_0E90), // DBGBVR0
    t(0xEE00_0EB0), // DBGBCR0
    t(0xEE00_1EB3), // DBGBCR3
    t(0xEE00_0ED0), // DBGWVR0
    t(0xEE00_0EF0), // DBGWCR0
    t(0xEC51_0E01), // mrrc DBGDRAR
    t(0xED21_5E02), // stc p14, c5, [r1, #-8]!
    t(0xECB0_5E01), // ldc p14, c5, [r0], #4
];

/// The instruction bytes as they sit in little-endian memory.
fn bytes(word: Word) -> [u8; 4] {
    if word.thumb {
        let hw1 = (word.value >> 16) as u16;
        let hw2 = word.value as u16;
        let [a, b] = hw1.to_le_bytes();
        let [c, d] = hw2.to_le_bytes();
        [a, b, c, d]
    } else {
        word.value.to_le_bytes()
    }
}

/// `dbgregs`'s decoder for the word's instruction set.
#[inline(always)]
fn ours(word: Word) -> Option<Access> {
    if word.thumb {
        decode_t32(word.value)
    } else {
        decode_a32(word.value)
    }
}

/// The yaxpeax-arm decoders, ARM and Thumb.
struct Yaxpeax {
    arm: InstDecoder,
    thumb: InstDecoder,
}

impl Yaxpeax {
    fn new() -> Self {
        Yaxpeax {
            arm: InstDecoder::default(),
            thumb: InstDecoder::default_thumb(),
        }
    }

    fn decode_into(&self, word: Word, inst: &mut Instruction) -> bool {
        let bytes = bytes(word);
        let mut reader = U8Reader::new(&bytes);
        let decoder = if word.thumb { &self.thumb } else { &self.arm };
        decoder.decode_into(inst, &mut reader).is_ok()
    }

    fn text(&self, word: Word) -> Option<String> {
        let mut inst = Instruction::default();
        self.decode_into(word, &mut inst).then(|| inst.to_string())
    }
}

/// The capstone handles, ARM and Thumb mode, detail off.
struct Cs {
    arm: Capstone,
    thumb: Capstone,
}

impl Cs {
    fn new() -> Self {
        let build = |mode| {
            Capstone::new()
                .arm()
                .mode(mode)
                .detail(false)
                .build()
                .expect("capstone supports ARM")
        };
        Cs {
            arm: build(arch::arm::ArchMode::Arm),
            thumb: build(arch::arm::ArchMode::Thumb),
        }
    }

    fn handle(&self, word: Word) -> &Capstone {
        if word.thumb {
            &self.thumb
        } else {
            &self.arm
        }
    }

    /// Decodes one word; returns how many instructions came out (0 or 1).
    fn decode(&self, word: Word) -> usize {
        self.handle(word)
            .disasm_count(&bytes(word), 0x1000, 1)
            .map_or(0, |insns| insns.len())
    }

    fn text(&self, word: Word) -> Option<String> {
        let insns = self
            .handle(word)
            .disasm_count(&bytes(word), 0x1000, 1)
            .ok()?;
        let insn = insns.iter().next()?;
        Some(format!(
            "{} {}",
            insn.mnemonic().unwrap_or(""),
            insn.op_str().unwrap_or("")
        ))
    }
}

/// A text reduced to what the comparison is about.
fn normalise(text: &str) -> String {
    let mut s: String = text
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '#')
        .collect();
    // Spellings that differ between tools but mean the same.
    for (from, to) in [("r15", "pc"), ("r14", "lr"), ("r13", "sp"), ("0x", "")] {
        s = s.replace(from, to);
    }
    // `[rN, 0]` and `[rN]` are the same offset form.
    s = s.replace(",0]", "]");
    s
}

/// Counts and prints how many words of the mix each peer decodes to what
/// `dbgregs` decodes them to.
fn report_agreement(yax: &Yaxpeax, cs: &Cs) {
    let (mut y_ok, mut c_ok) = (0, 0);
    for &word in &MIX {
        let ours = ours(word).map(|a| a.to_string()).unwrap_or_default();
        let want = normalise(&ours);
        let y = yax.text(word);
        let c = cs.text(word);
        let y_same = y.as_deref().map(normalise).as_deref() == Some(want.as_str());
        let c_same = c.as_deref().map(normalise).as_deref() == Some(want.as_str());
        y_ok += y_same as u32;
        c_ok += c_same as u32;
        if !y_same || !c_same {
            eprintln!(
                "  {:08x}{} ours {ours:?}; yaxpeax-arm {y:?}{}; capstone {c:?}{}",
                word.value,
                if word.thumb { " (T32)" } else { "" },
                if y_same { " ok" } else { " DIFFERS" },
                if c_same { " ok" } else { " DIFFERS" },
            );
        }
    }
    eprintln!(
        "decode mix agreement with dbgregs: yaxpeax-arm {y_ok}/{n}, capstone {c_ok}/{n}",
        n = MIX.len()
    );
}

/// One pass of `dbgregs` over the mix, each result written to `out`.
// One function per decoder, shared by the quick timing and criterion, so
// that both time the same code.
#[inline(never)]
fn run_ours(out: &mut Option<Access>) {
    for &word in black_box(&MIX) {
        *out = ours(word);
        black_box(&*out);
    }
}

/// The result-store floor: one pass over the mix that writes an
/// `Option<Access>` per word exactly as [`run_ours`] does, but without
/// decoding (the access is a constant with the word's Rt). No decoder that
/// returns this type can be faster; it bounds the ratio to yaxpeax-arm that
/// the result type allows.
#[inline(never)]
fn run_store_floor(out: &mut Option<Access>) {
    for &word in black_box(&MIX) {
        *out = Some(Access {
            source: Source::A32,
            direction: Direction::Read,
            operation: Operation::Transfer {
                opc1: 0,
                crn: 0,
                crm: 0,
                opc2: 0,
                rt: Gpr((word.value >> 12) as u8 & 15),
            },
            condition: Some(Condition::AL),
            two: false,
        });
        black_box(&*out);
    }
}

/// One pass of yaxpeax-arm over the mix, each result written to `inst`.
#[inline(never)]
fn run_yaxpeax(yax: &Yaxpeax, inst: &mut Instruction) {
    for &word in black_box(&MIX) {
        black_box(yax.decode_into(word, inst));
        black_box(&*inst);
    }
}

/// One pass of capstone over the mix.
#[inline(never)]
fn run_capstone(cs: &Cs) {
    for &word in black_box(&MIX) {
        black_box(cs.decode(word));
    }
}

/// One pass of `decode_esr` over the syndromes, each result written to
/// `out`.
#[inline(never)]
fn run_esr(esrs: &[u64; 64], out: &mut Option<Access>) {
    for &esr in black_box(esrs) {
        *out = decode_esr(esr);
        black_box(&*out);
    }
}

/// The `ESR_EL2` values of the mix's accesses.
fn mix_syndromes() -> [u64; 64] {
    MIX.map(|word| {
        let access = ours(word).expect("every word of the mix decodes");
        encode_esr(&access).expect("every access of the mix has a syndrome")
    })
}

/// Median and fastest of 21 samples of `pass` (one pass over the 64-word
/// mix), in ns per word; each sample repeats `pass` for about 2 ms.
fn quick_time(mut pass: impl FnMut()) -> (f64, f64) {
    let start = Instant::now();
    let mut reps = 0u32;
    while start.elapsed().as_micros() < 2_000 {
        pass();
        reps += 1;
    }
    let mut samples: Vec<f64> = (0..21)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..reps {
                pass();
            }
            start.elapsed().as_nanos() as f64 / f64::from(reps) / MIX.len() as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    (samples[samples.len() / 2], samples[0])
}

/// Prints a quick in-process timing of the three decoders and the ratios
/// against the targets.
fn report_ratios(yax: &Yaxpeax, cs: &Cs) {
    let mut out = None;
    let mut inst = Instruction::default();
    let ours = quick_time(|| run_ours(&mut out));
    let yaxpeax = quick_time(|| run_yaxpeax(yax, &mut inst));
    let capstone = quick_time(|| run_capstone(cs));
    let esrs = mix_syndromes();
    let esr = quick_time(|| run_esr(&esrs, &mut out));
    let floor = quick_time(|| run_store_floor(&mut out));
    for (name, (median, fastest)) in [
        ("dbgregs", ours),
        ("store floor (no decoding)", floor),
        ("yaxpeax-arm", yaxpeax),
        ("capstone", capstone),
        ("dbgregs decode_esr", esr),
    ] {
        eprintln!("quick timing {name}: median {median:.2} ns/word, fastest {fastest:.2} ns/word");
    }
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    let (y_median, y_fastest) = (yaxpeax.0 / ours.0, yaxpeax.1 / ours.1);
    let (c_median, c_fastest) = (capstone.0 / ours.0, capstone.1 / ours.1);
    eprintln!(
        "ratios (median / fastest): yaxpeax-arm {y_median:.1}x / {y_fastest:.1}x (target 20x: {}), \
         capstone {c_median:.0}x / {c_fastest:.0}x (target 200x: {}), \
         dbgregs {:.2} / {:.2} ns per word (target 2 ns: {})",
        verdict(y_median >= 20.0),
        verdict(c_median >= 200.0),
        ours.0,
        ours.1,
        verdict(ours.0 <= 2.0),
    );
    eprintln!(
        "yaxpeax-arm / store floor (the largest ratio an Option<Access> result allows): \
         {:.1}x median",
        yaxpeax.0 / floor.0
    );
}

fn decode_mix(c: &mut Criterion) {
    let yax = Yaxpeax::new();
    let cs = Cs::new();
    report_agreement(&yax, &cs);
    report_ratios(&yax, &cs);
    // No allocation on the decode paths (one run = the 64-word mix).
    let mut out = None;
    alloc_count::assert_no_alloc("decode_mix/dbgregs", || run_ours(&mut out));
    let esrs = mix_syndromes();
    alloc_count::assert_no_alloc("decode_esr/dbgregs", || run_esr(&esrs, &mut out));

    let mut group = c.benchmark_group("decode_mix");
    group.throughput(Throughput::Elements(MIX.len() as u64));
    group.bench_function("dbgregs", |b| {
        let mut out = None;
        b.iter(|| run_ours(&mut out))
    });
    group.bench_function("yaxpeax-arm", |b| {
        let mut inst = Instruction::default();
        b.iter(|| run_yaxpeax(&yax, &mut inst))
    });
    group.bench_function("capstone", |b| b.iter(|| run_capstone(&cs)));
    group.bench_function("store_floor", |b| {
        let mut out = None;
        b.iter(|| run_store_floor(&mut out))
    });
    group.finish();

    let esrs = mix_syndromes();
    let mut group = c.benchmark_group("decode_esr");
    group.throughput(Throughput::Elements(esrs.len() as u64));
    group.bench_function("dbgregs", |b| {
        let mut out = None;
        b.iter(|| run_esr(&esrs, &mut out))
    });
    group.finish();
}

criterion_group!(benches, decode_mix);
criterion_main!(benches);
