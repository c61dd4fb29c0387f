//! Every routed trap emits a `debug` event naming the CPU, the instruction and the hook
//! (or "no hook").
#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::Registry;
use undef::{HookResult, InstrSize, TrapFrame, UndefHook, UndefRouter, SVC_MODE, USR_MODE};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(Level, String)>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, "{}={} ", field.name(), value);
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut f = Fields(String::new());
        event.record(&mut f);
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), f.0));
    }
}

#[test]
fn routed_traps_are_traced_at_debug_level() {
    let capture = Capture::default();
    let subscriber = Registry::default().with(capture.clone());
    tracing::subscriber::with_default(subscriber, || {
        let router = UndefRouter::new();
        let _g = router.register(UndefHook::debug_reg_hook("debug_reg_hook", |f, _| {
            f.skip_instruction(InstrSize::Four);
            HookResult::Handled
        }));
        let mut f = TrapFrame::new(3, SVC_MODE, 0x100);
        router.route_instruction(&mut f, 0xEE10_0E10, InstrSize::Four);
        let mut f = TrapFrame::new(5, USR_MODE, 0x200);
        router.route_instruction(&mut f, 0xE7F0_00F0, InstrSize::Four);
    });
    let events = capture.0.lock().unwrap().clone();
    let routed: Vec<_> = events
        .iter()
        .filter(|(_, msg)| msg.contains("undef trap"))
        .collect();
    assert_eq!(routed.len(), 2, "{events:?}");
    assert!(routed.iter().all(|(lvl, _)| *lvl == Level::DEBUG));
    let handled = &routed[0].1;
    assert!(handled.contains("cpu=3"), "{handled}");
    assert!(handled.contains("instr=0xee100e10"), "{handled}");
    assert!(handled.contains("hook=debug_reg_hook"), "{handled}");
    let unhandled = &routed[1].1;
    assert!(unhandled.contains("cpu=5"), "{unhandled}");
    assert!(unhandled.contains("instr=0xe7f000f0"), "{unhandled}");
    assert!(unhandled.contains("hook=no hook"), "{unhandled}");
}
