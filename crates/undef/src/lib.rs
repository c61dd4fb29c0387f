//! Routing of emulated Undefined Instruction traps to registered hooks.
#![cfg_attr(not(feature = "std"), no_std)]
