//! Decoding and emulation of the ARM AArch32 CP14 debug registers.
//!
//! (Crate documentation with a runnable example is written with the
//! register semantics; see the module list below for the architecture.)
#![cfg_attr(not(feature = "std"), no_std)]

pub mod access;
pub mod decode;
pub mod emulate;
pub mod encode;
pub mod error;
pub mod model;
pub mod registers;
pub mod regmap;
pub mod semantics;
pub mod state;
pub mod version;
