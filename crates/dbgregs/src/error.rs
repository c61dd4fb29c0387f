//! The crate's error type: bad input (an unknown model name, an invalid
//! custom model, a word that is no CP14 access, an out-of-range index) gets
//! a typed error and leaves every state untouched.
//!
//! An access the architecture makes UNDEFINED is *not* an error: it is an
//! outcome (`semantics::AccessOutcome::Undefined`,
//! `emulate::StepOutcome::Undefined`) the VMM turns into an
//! Undefined Instruction exception.

use core::fmt;

use crate::version::DebugVersion;

/// A model name as given by the caller, kept inline (no allocation) so the
/// error can name it. Names longer than 32 bytes are truncated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ModelName {
    bytes: [u8; 32],
    len: u8,
}

impl ModelName {
    /// Copies (at most the first 32 bytes of) `name`, cut at a character
    /// boundary.
    pub fn new(name: &str) -> ModelName {
        let mut end = name.len().min(32);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0u8; 32];
        bytes[..end].copy_from_slice(&name.as_bytes()[..end]);
        ModelName {
            bytes,
            len: end as u8,
        }
    }

    /// The stored name.
    pub fn as_str(&self) -> &str {
        // The bytes are a prefix of a `str` cut at a char boundary.
        core::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names of every preset, comma-separated (for error messages).
pub struct KnownModels;

/// Everything that can be wrong with input to this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DbgRegsError {
    /// `CoreModel::preset` was given a name no preset has.
    #[error("unknown core model `{name}` (known models: {known})", known = KnownModels)]
    UnknownModel {
        /// The name asked for.
        name: ModelName,
    },
    /// A custom model asked for more than 16 BRPs or WRPs (the CP14 limit).
    #[error("{what} count {count} is out of range: CP14 reaches at most 16")]
    TooManyPairs {
        /// `"BRP"` or `"WRP"`.
        what: &'static str,
        /// The count asked for.
        count: u8,
    },
    /// A custom model asked for fewer than 2 BRPs (DBGDIDR.BRPs = 0 is
    /// reserved).
    #[error("BRP count {count} is too small: at least 2 breakpoint register pairs are required")]
    TooFewBrps {
        /// The count asked for.
        count: u8,
    },
    /// A custom model asked for no WRPs, or for 1 WRP on v8 (WRPs field 0
    /// reserved there).
    #[error("WRP count {count} is too small for {version} (minimum {min})")]
    TooFewWrps {
        /// The count asked for.
        count: u8,
        /// The model's version.
        version: DebugVersion,
        /// The minimum for that version.
        min: u8,
    },
    /// Context-capable BRPs out of range (0, or more than the BRPs).
    #[error("context-matching BRP count {ctx} is invalid for {brps} BRPs (must be 1..={brps})")]
    BadContextCount {
        /// The context count asked for.
        ctx: u8,
        /// The BRP count.
        brps: u8,
    },
    /// The OS Lock model does not exist in that version (e.g. an OS Lock on
    /// v6, OS Save/Restore on v7.1, no OS Lock on v7.1/v8).
    #[error("OS lock model {oslm:#04b} is not permitted on debug {version}")]
    BadOsLockModel {
        /// The OSLM value asked for.
        oslm: u8,
        /// The model's version.
        version: DebugVersion,
    },
    /// An 8-byte watchpoint BAS before v7.
    #[error("an 8-byte watchpoint BAS is not permitted on debug {version} (v7 or later only)")]
    EightByteBasBeforeV7 {
        /// The model's version.
        version: DebugVersion,
    },
    /// The watchpoint BAS width is neither 4 nor 8 bytes.
    #[error("watchpoint BAS width {bytes} is invalid (must be 4 or 8 bytes)")]
    BadBasWidth {
        /// The width asked for.
        bytes: u8,
    },
    /// The OS Double Lock before v7.1.
    #[error("the OS double lock is not permitted on debug {version} (v7.1 or later only)")]
    DoubleLockBeforeV71 {
        /// The model's version.
        version: DebugVersion,
    },
    /// An Armv8 core with a debug version below v8.
    #[error("an Armv8 core cannot report debug {version} (DBGDIDR.Version must be 6 or more)")]
    Armv8VersionTooLow {
        /// The version asked for.
        version: DebugVersion,
    },
    /// The Virtualization Extensions / EL2 on a version without them.
    #[error("the Virtualization Extensions / EL2 are not permitted on debug {version}")]
    VirtualizationBeforeV71 {
        /// The model's version.
        version: DebugVersion,
    },
    /// A raw `DBGDIDR.Version` code that names no modelled version.
    #[error("DBGDIDR.Version code {code:#x} names no supported debug architecture")]
    UnknownVersionCode {
        /// The code.
        code: u8,
    },
    /// A breakpoint/watchpoint index past the model's pair count.
    #[error("{what} index {index} is out of range: the model implements {count}")]
    IndexOutOfRange {
        /// `"BRP"` or `"WRP"`.
        what: &'static str,
        /// The index asked for.
        index: u8,
        /// The number of pairs implemented.
        count: u8,
    },
    /// A trapped word (or syndrome) that is no coprocessor-14 access.
    #[error("{kind} {word:#x} is not a CP14 access")]
    NotCp14 {
        /// `"A32 word"`, `"T32 word"` or `"ESR"`.
        kind: &'static str,
        /// The word or syndrome.
        word: u64,
    },
    /// Snapshot bytes shorter than a snapshot.
    #[error("snapshot truncated: {len} bytes given, a snapshot is {expected} bytes")]
    SnapshotTruncated {
        /// The length given.
        len: usize,
        /// The snapshot size.
        expected: usize,
    },
    /// Snapshot bytes longer than a snapshot.
    #[error("snapshot has trailing bytes: {len} bytes given, a snapshot is {expected} bytes")]
    SnapshotTrailingBytes {
        /// The length given.
        len: usize,
        /// The snapshot size.
        expected: usize,
    },
    /// The snapshot does not start with the snapshot magic.
    #[error("snapshot magic {found:02x?} is wrong (expected {expected:02x?})")]
    SnapshotBadMagic {
        /// The first 8 bytes found.
        found: [u8; 8],
        /// The magic expected.
        expected: [u8; 8],
    },
    /// A snapshot format version this build cannot read.
    #[error(
        "snapshot format version {found} is not supported (this build reads version {supported})"
    )]
    SnapshotVersion {
        /// The version in the snapshot.
        found: u16,
        /// The version this build reads and writes.
        supported: u16,
    },
    /// The snapshot header's size field disagrees with the format's size.
    #[error(
        "snapshot size field says {found} bytes, a snapshot of this version is {expected} bytes"
    )]
    SnapshotSizeField {
        /// The size field's value.
        found: u32,
        /// The format's size.
        expected: u32,
    },
    /// The snapshot's checksum does not match its contents.
    #[error("snapshot checksum mismatch: stored {stored:#018x}, computed {computed:#018x}")]
    SnapshotChecksum {
        /// The checksum in the header.
        stored: u64,
        /// The checksum of the bytes.
        computed: u64,
    },
    /// The snapshot was taken on a different core model.
    #[error("snapshot is from another core: {field} is {snapshot:#010x} in the snapshot but {model:#010x} on {name}")]
    SnapshotModelMismatch {
        /// `"MIDR"`, `"DBGDIDR"` or `"features"`.
        field: &'static str,
        /// The snapshot's value.
        snapshot: u32,
        /// The target model's value.
        model: u32,
        /// The target model's name.
        name: &'static str,
    },
    /// A snapshot field holds a value no vCPU of the model can have.
    #[error("snapshot field {field}[{index}] = {value:#010x} is impossible on {model}: bits {invalid:#010x} cannot be set")]
    SnapshotImpossibleValue {
        /// The field (`"bvr"`, `"dscr"`, `"flags"`, ...).
        field: &'static str,
        /// The register index (0 for single registers).
        index: u8,
        /// The value found.
        value: u32,
        /// The bits that make it impossible.
        invalid: u32,
        /// The model's name.
        model: &'static str,
    },
    /// A KVM `kvm_guest_debug_arch` entry past the model's pair count is
    /// nonzero.
    #[error(
        "KVM {array}[{index}] = {value:#018x} is nonzero but the model implements only {count}"
    )]
    KvmEntryPastCount {
        /// `"dbg_bcr"`, `"dbg_bvr"`, `"dbg_wcr"` or `"dbg_wvr"`.
        array: &'static str,
        /// The entry's index.
        index: u8,
        /// The entry's value.
        value: u64,
        /// The model's BRP or WRP count.
        count: u8,
    },
    /// A KVM `kvm_guest_debug_arch` entry has bits the AArch32 register
    /// cannot hold.
    #[error("KVM {array}[{index}] = {value:#018x} has bits {invalid:#018x} the AArch32 register cannot hold")]
    KvmInvalidBits {
        /// `"dbg_bcr"`, `"dbg_bvr"`, `"dbg_wcr"` or `"dbg_wvr"`.
        array: &'static str,
        /// The entry's index.
        index: u8,
        /// The entry's value.
        value: u64,
        /// The bits that cannot be held.
        invalid: u64,
    },
}
