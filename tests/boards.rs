//! Every shipped board boots to the hw-breakpoint lines of its published
//! boot log (tests/data/boards/<name>.txt; docs/boards.md gives where each
//! log was published). Boards whose published outcome needs a piece the
//! emulator does not have yet are `#[ignore]`d with that piece named.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use dbgemu::board::{Board, BoardError, BOARDS};
use dbgemu::driver::HwBreakpoint;
use dbgemu::machine::Machine;

fn published(name: &str) -> Vec<String> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "boards"]
        .iter()
        .collect::<PathBuf>()
        .join(format!("{name}.txt"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

fn boot_lines(name: &str) -> Vec<String> {
    let board = Board::find(name).unwrap();
    let m = Machine::new(board.machine_config().unwrap()).unwrap();
    let hw = HwBreakpoint::init(&m, board.init_options().unwrap());
    hw.result().log_lines()
}

fn check(name: &str) {
    assert_eq!(boot_lines(name), published(name), "board {name}");
}

macro_rules! board_tests {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(#[test] fn $test() { check($name); })*
        const TESTED: &[&str] = &[$($name,)* "smartsens-m1", "nexell-a9-3-4"];
    };
}

board_tests! {
    adsp_sc589_ezkit => "adsp-sc589-ezkit",
    adsp_sc589_mini => "adsp-sc589-mini",
    msm8960_xperia_sp => "msm8960-xperia-sp",
    exynos3250_rinato => "exynos3250-rinato",
    raspberry_pi_1 => "raspberry-pi-1",
    zynq_7000 => "zynq-7000",
    imx6dl => "imx6dl",
    imx6ul => "imx6ul",
    tegra124_jetson_tk1 => "tegra124-jetson-tk1",
    rk3288_rock_pi_n8 => "rk3288-rock-pi-n8",
}

#[test]
fn smartsens_m1() {
    check("smartsens-m1");
}

#[test]
#[ignore = "needs a v3.4 driver flow (on_each_cpu reset, pr_warning per CPU), docs/boards.md#nexell-a9-3-4"]
fn nexell_a9_3_4() {
    check("nexell-a9-3-4");
}

#[test]
fn every_board_has_a_test_a_golden_file_and_evidence() {
    for b in &BOARDS {
        assert!(TESTED.contains(&b.name), "{} has no test", b.name);
        assert!(!published(b.name).is_empty(), "{}", b.name);
        assert!(
            b.evidence.section.starts_with("docs/boards.md#"),
            "{}",
            b.name
        );
        let anchor = b.evidence.section.trim_start_matches("docs/boards.md#");
        let doc = include_str!("../docs/boards.md");
        assert!(
            doc.contains(&format!("{{#{anchor}}}")),
            "{}: no section {anchor}",
            b.name
        );
        assert_eq!(
            b.needs.is_some(),
            ["smartsens-m1", "nexell-a9-3-4"].contains(&b.name)
        );
    }
}

#[test]
fn the_not_modelled_driver_and_unknown_names_are_typed_errors() {
    let e = Board::find("nexell-a9-3-4")
        .unwrap()
        .init_options()
        .unwrap_err();
    assert!(matches!(e, BoardError::DriverNotModelled { .. }), "{e}");
    let e = Board::find("beaglebone").unwrap_err();
    assert!(matches!(e, BoardError::UnknownBoard { .. }));
    assert!(e.to_string().contains("tegra124-jetson-tk1"), "{e}");
}

#[test]
fn the_board_rt_reaches_the_trap_word() {
    // A15 with DBGSWENABLE low on CPU 0 and the Smartsens kernel's r3 at
    // the DBGVCR write: the trap line prints 0xee003e17.
    let board = Board::find("smartsens-m1").unwrap();
    let mut cfg = board.machine_config().unwrap();
    cfg.model = *dbgemu::dbgregs::model::CoreModel::preset("cortex-a15").unwrap();
    let m = Machine::new(cfg).unwrap();
    let hw = HwBreakpoint::init(&m, board.init_options().unwrap());
    assert!(hw
        .result()
        .log_lines()
        .iter()
        .any(|l| l.contains("(0xee003e17)")));
}

fn dbgemu(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dbgemu"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[test]
fn cli_lists_boots_and_refuses_boards() {
    let out = dbgemu(&["boards"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for b in &BOARDS {
        assert!(text.contains(b.name), "{} not listed", b.name);
        assert!(text.contains(b.evidence.section), "{} evidence", b.name);
    }
    let out = dbgemu(&["boot", "--board", "exynos3250-rinato"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("hw-breakpoint: Failed to enable monitor mode on CPU 0.\n"),
        "{text}"
    );
    // A flag overrides the board: four CPUs instead of two.
    let out = dbgemu(&["boot", "--board", "tegra124-jetson-tk1", "--cpus", "2"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("CPU 1 ") && !text.contains("CPU 2 "),
        "{text}"
    );
    let out = dbgemu(&["boot", "--board", "nope"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("unknown board `nope`") && err.contains("imx6dl"),
        "{err}"
    );
    let out = dbgemu(&["boot", "--kernel-config", "CONFIG_NOPE"]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("unknown kernel config option"));
}
