//! The kernel configuration the driver was built with ([`KernelConfig`]),
//! beside the driver version: the `Kconfig` options that change what
//! `arch/arm/kernel/hw_breakpoint.c` does on a given core
//! (docs/fidelity-decisions.md#j2-kernel-config).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The `CONFIG_*` options of the kernel build that the driver's behaviour
/// depends on. [`KernelConfig::default`] is the `Kconfig` default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct KernelConfig {
    /// `CONFIG_ARM_ERRATA_764319` (`arch/arm/Kconfig`, `depends on CPU_V7`,
    /// no `default`, so off): `core_has_os_save_restore()` brackets its
    /// DBGOSLSR read (`MRC p14,0,r5,c1,c1,4`) with the private
    /// `debug_oslsr_hook`, and a trap there means "no OS save/restore".
    /// Without it the read is bare and runs before the debug-register hook
    /// is registered: on a Cortex-A9 with DBGSWENABLE low on the boot CPU,
    /// an unhandled undefined instruction at init. Whether
    /// `multi_v7_defconfig` or distribution configs set it was not found,
    /// so the default is the Kconfig default.
    pub arm_errata_764319: bool,
}

/// The accessor of one option's field.
type Field = fn(&mut KernelConfig) -> &mut bool;

/// One known option: its name as `KernelConfig`'s parser accepts it and
/// its field.
const OPTIONS: [(&str, Field); 1] = [("arm_errata_764319", |c| &mut c.arm_errata_764319)];

/// A `--kernel-config` list the parser refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KernelConfigError {
    /// An option no modelled `Kconfig` symbol has.
    #[error("unknown kernel config option `{name}` (known: {known})")]
    UnknownOption {
        /// The name as given.
        name: String,
        /// The known options, comma-separated.
        known: String,
    },
    /// A value other than `y` or `n`.
    #[error("kernel config option `{name}` has value `{value}`: expected y or n")]
    BadValue {
        /// The option.
        name: String,
        /// The value as given.
        value: String,
    },
}

impl KernelConfig {
    /// The names the parser knows, comma-separated.
    pub fn known_options() -> String {
        OPTIONS.map(|(n, _)| n).join(", ")
    }
}

impl FromStr for KernelConfig {
    type Err = KernelConfigError;

    /// Parses a comma-separated list of options, each `name`, `name=y` or
    /// `name=n`; a name may carry the `CONFIG_` prefix and any case
    /// (`CONFIG_ARM_ERRATA_764319=y`). Unlisted options keep their
    /// defaults; an empty list is the default configuration.
    ///
    /// ```
    /// use dbgemu::driver::KernelConfig;
    /// let c: KernelConfig = "CONFIG_ARM_ERRATA_764319=y".parse()?;
    /// assert!(c.arm_errata_764319);
    /// # Ok::<(), dbgemu::driver::KernelConfigError>(())
    /// ```
    fn from_str(list: &str) -> Result<KernelConfig, KernelConfigError> {
        let mut config = KernelConfig::default();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (name, value) = item.split_once('=').unwrap_or((item, "y"));
            let key = name.trim().to_ascii_lowercase();
            let key = key.strip_prefix("config_").unwrap_or(&key);
            let Some((_, field)) = OPTIONS.iter().find(|(n, _)| *n == key) else {
                return Err(KernelConfigError::UnknownOption {
                    name: name.trim().to_string(),
                    known: KernelConfig::known_options(),
                });
            };
            *field(&mut config) = match value.trim() {
                "y" | "Y" => true,
                "n" | "N" => false,
                v => {
                    return Err(KernelConfigError::BadValue {
                        name: name.trim().to_string(),
                        value: v.to_string(),
                    })
                }
            };
        }
        Ok(config)
    }
}

impl fmt::Display for KernelConfig {
    /// The options that are set, as `CONFIG_*=y`, comma-separated (`-` for
    /// none).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut copy = *self;
        let on: Vec<String> = OPTIONS
            .iter()
            .filter(|(_, field)| *field(&mut copy))
            .map(|(n, _)| format!("CONFIG_{}=y", n.to_ascii_uppercase()))
            .collect();
        if on.is_empty() {
            f.write_str("-")
        } else {
            f.write_str(&on.join(","))
        }
    }
}
