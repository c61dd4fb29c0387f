//! The boards of docs/boards.md whose published boot log was read in full,
//! as data. Each entry names its docs/boards.md section; the published
//! hw-breakpoint lines are the golden files under `tests/data/boards/`.

use super::{Board, BoardDriver, CpuSignals, Evidence};
use crate::driver::{AccessRegisters, DriverVersion, KernelConfig};

const R0: AccessRegisters = AccessRegisters {
    vcr_write: 0,
    prsr_read: 0,
};

const CURRENT: BoardDriver = BoardDriver::Modelled(DriverVersion::Current);
/// Kernels from v4.10 (the hotplug state machine) until the v8.1+ cases
/// were added: the flow of [`DriverVersion::V4_10`].
const V4_10: BoardDriver = BoardDriver::Modelled(DriverVersion::V4_10);

const DEFAULTS: KernelConfig = KernelConfig {
    arm_errata_764319: false,
};

/// Every shipped board.
pub static BOARDS: [Board; 12] = [
    Board {
        name: "adsp-sc589-ezkit",
        title: "Analog Devices ADSP-SC589 EZ-KIT (Cortex-A5)",
        core: "cortex-a5",
        midr: None,
        cpus: 1,
        signals: &[CpuSignals::DBGEN_LOW],
        driver: V4_10,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#adsp-sc589-ezkit",
            published: "Analog Devices Yocto boot log (code-index text, `sc58x_init: registering device resources`)",
            kernel: "Linux 4.16.0 (gcc 8.2.0) #1 Tue May 7 2019",
        },
        needs: None,
    },
    Board {
        name: "adsp-sc589-mini",
        title: "Analog Devices ADSP-SC589-MINI (Cortex-A5)",
        core: "cortex-a5",
        midr: None,
        cpus: 1,
        signals: &[CpuSignals::DBGEN_LOW],
        driver: V4_10,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#adsp-sc589-mini",
            published: "Analog Devices documentation page, U-Boot USB boot example (code-index text)",
            kernel: "Linux 4.19.0-yocto-standard #1 Fri Jul 31 2020",
        },
        needs: None,
    },
    Board {
        name: "msm8960-xperia-sp",
        title: "Qualcomm MSM8960T, Sony Xperia SP (Krait, 2 CPUs)",
        core: "krait200",
        midr: Some(0x512f_04d0),
        cpus: 2,
        signals: &[CpuSignals::DBGEN_LOW, CpuSignals::DBGEN_LOW],
        driver: CURRENT,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#msm8960-xperia-sp",
            published: "linux-arm-msm list, Antony K. S., reply to the clk: qcom: hfpll lock-bit review",
            kernel: "Linux 7.1.0 (postmarketOS, clang 22.1.8) #10 SMP",
        },
        needs: None,
    },
    Board {
        name: "exynos3250-rinato",
        title: "Samsung Rinato, Galaxy Gear 2 (Exynos3250, 2x Cortex-A7)",
        core: "cortex-a7",
        midr: Some(0x410f_c073),
        cpus: 2,
        signals: &[CpuSignals::DBGEN_LOW, CpuSignals::DBGEN_LOW],
        driver: CURRENT,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#exynos3250-rinato",
            published: "linux-next boot log (code-index text, `OF: fdt: Machine model: Samsung Rinato board`)",
            kernel: "6.7.0-rc8-next-20240104-ga8f3062caf0c-dirty #58",
        },
        needs: None,
    },
    Board {
        name: "smartsens-m1",
        title: "Smartsens M1 SoC evaluation board (Cortex-A7)",
        core: "cortex-a7",
        midr: None,
        cpus: 1,
        signals: &[CpuSignals::SWENABLE_LOW],
        driver: CURRENT,
        kernel: DEFAULTS,
        rt: AccessRegisters {
            vcr_write: 3,
            prsr_read: 0,
        },
        evidence: Evidence {
            section: "docs/boards.md#smartsens-m1",
            published: "developer build/debug notes (code-index text, `Welcome to Smartsens M1Pro world!`)",
            kernel: "Linux 5.15.24 (Buildroot 2021.11, gcc 10.3.0) #7 PREEMPT",
        },
        needs: Some(
            "J1 (dbgregs DBGSWENABLE set: the OS save/restore and power-down group stays accessible), docs/fidelity-decisions.md#j1-dbgswenable",
        ),
    },
    Board {
        name: "nexell-a9-3-4",
        title: "Nexell quad Cortex-A9, Jellyfish BSP",
        core: "cortex-a9",
        midr: None,
        cpus: 4,
        signals: &[
            CpuSignals::SWENABLE_LOW,
            CpuSignals::SWENABLE_LOW,
            CpuSignals::SWENABLE_LOW,
            CpuSignals::SWENABLE_LOW,
        ],
        driver: BoardDriver::NotModelled("3.4.39"),
        kernel: DEFAULTS,
        rt: AccessRegisters {
            vcr_write: 0,
            prsr_read: 3,
        },
        evidence: Evidence {
            section: "docs/boards.md#nexell-a9-3-4",
            published: "mail-quoted boot log (code-index text, `Manufacturer: Linux 3.4.39-Jellyfish ehci_hcd`)",
            kernel: "Linux 3.4.39-Jellyfish (vendor BSP)",
        },
        needs: Some(
            "a v3.4 driver flow (on_each_cpu(reset_ctrl_regs), PRSR read first, pr_warning on every CPU), docs/boards.md#nexell-a9-3-4",
        ),
    },
    Board {
        name: "raspberry-pi-1",
        title: "Raspberry Pi 1 (BCM2835, ARM1176JZF-S)",
        core: "arm1176",
        midr: None,
        cpus: 1,
        signals: &[],
        driver: CURRENT,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#raspberry-pi-1",
            published: "code-index boot logs (`bcm2708.uart_clock = 3000000`, `bcm2835-mbox 2000b880.mailbox`)",
            kernel: "several (bcm2708 and bcm2835 eras)",
        },
        needs: None,
    },
    Board {
        name: "zynq-7000",
        title: "Xilinx Zynq-7000, D-TACQ Z7IO (2x Cortex-A9)",
        core: "cortex-a9",
        midr: None,
        cpus: 2,
        signals: &[],
        driver: V4_10,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#zynq-7000",
            published: "D-TACQ Z7IO bring-up notes (code-index text, `zynq-ocm f800c000.ocmc`)",
            kernel: "4.14.0-acq400-xilinx",
        },
        needs: None,
    },
    Board {
        name: "imx6dl",
        title: "NXP i.MX6DL (2x Cortex-A9)",
        core: "cortex-a9",
        midr: None,
        cpus: 2,
        signals: &[],
        driver: CURRENT,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#imx6dl",
            published: "code-index logs (`imx6dl-pinctrl 20e0000.pinctrl: initialized IMX pinctrl driver`)",
            kernel: "a 6.x kernel (`Fixed dependency cycle(s)` lines)",
        },
        needs: None,
    },
    Board {
        name: "imx6ul",
        title: "NXP i.MX6UL (Cortex-A7)",
        core: "cortex-a7",
        midr: None,
        cpus: 1,
        signals: &[],
        driver: CURRENT,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#imx6ul",
            published: "code-index log (`imx6ul-pinctrl 20e0000.iomuxc`)",
            kernel: "not read",
        },
        needs: None,
    },
    Board {
        name: "tegra124-jetson-tk1",
        title: "NVIDIA Tegra124, Jetson TK1 (4x Cortex-A15)",
        core: "cortex-a15",
        midr: Some(0x413f_c0f3),
        cpus: 4,
        signals: &[],
        driver: CURRENT,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#tegra124-jetson-tk1",
            published: "linux-tegra/linux-ide lists, <20200326133328.GA30045@Red>",
            kernel: "next-20200326-00073-ge3021b91dbe2 #4 SMP PREEMPT",
        },
        needs: None,
    },
    Board {
        name: "rk3288-rock-pi-n8",
        title: "Rockchip RK3288, Radxa ROCK Pi N8 (4x Cortex-A12/A17)",
        core: "cortex-a12",
        midr: None,
        cpus: 4,
        signals: &[],
        driver: CURRENT,
        kernel: DEFAULTS,
        rt: R0,
        evidence: Evidence {
            section: "docs/boards.md#rk3288-rock-pi-n8",
            published: "amarula/wiki-amarula, bsp/rockchip/rk3288/rock-pi-n8.rst",
            kernel: "Linux 5.7.0-rc1, multi_v7_defconfig",
        },
        needs: None,
    },
];
