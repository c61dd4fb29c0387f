//! Shared helpers for the behaviour tests: a call recorder and executor
//! factories.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use cpuhp::{
    current_cpu, irqs_disabled, Callback, CallbackError, Hotplug, HotplugConfig, InlineExecutor,
    InstanceId, MultiCallback, ThreadPerCpuExecutor,
};

/// How to build a registry for a test, and whether callbacks run on
/// dedicated worker threads.
#[derive(Clone, Copy)]
pub struct Env {
    pub mk: fn(HotplugConfig) -> Hotplug,
    pub threaded: bool,
}

fn mk_inline(c: HotplugConfig) -> Hotplug {
    Hotplug::new(c, InlineExecutor).unwrap()
}

fn mk_threaded(c: HotplugConfig) -> Hotplug {
    let ex = ThreadPerCpuExecutor::new(c.cpus).unwrap();
    Hotplug::new(c, ex).unwrap()
}

pub const INLINE: Env = Env {
    mk: mk_inline,
    threaded: false,
};
pub const THREADED: Env = Env {
    mk: mk_threaded,
    threaded: true,
};

/// One recorded callback invocation.
#[derive(Clone, Debug)]
pub struct Call {
    /// "S" or "T" + tag + "(cpu)" or "(cpu,inst)", e.g. "Sx(2)".
    pub what: String,
    pub cpu: usize,
    pub ctx: Option<usize>,
    pub irqs_off: bool,
    pub thread: ThreadId,
    pub thread_name: Option<String>,
}

/// Records callback invocations and detects overlapping ones.
#[derive(Default)]
pub struct Rec {
    calls: Mutex<Vec<Call>>,
    busy: AtomicUsize,
    overlapped: AtomicBool,
}

impl Rec {
    pub fn new() -> Arc<Rec> {
        Arc::new(Rec::default())
    }

    fn record(&self, what: String, cpu: usize) {
        if self.busy.fetch_add(1, Ordering::SeqCst) != 0 {
            self.overlapped.store(true, Ordering::SeqCst);
        }
        let t = std::thread::current();
        self.calls.lock().unwrap().push(Call {
            what,
            cpu,
            ctx: current_cpu(),
            irqs_off: irqs_disabled(),
            thread: t.id(),
            thread_name: t.name().map(str::to_owned),
        });
        // Widen the window in which an overlapping call would be seen.
        std::thread::yield_now();
        self.busy.fetch_sub(1, Ordering::SeqCst);
    }

    /// A single-instance callback recording `"{dir}{tag}({cpu})"`, failing
    /// with `err` on CPU `fail_on`.
    pub fn cb(
        self: &Arc<Self>,
        dir: &'static str,
        tag: &'static str,
        fail_on: Option<usize>,
        err: CallbackError,
    ) -> Callback {
        let me = Arc::clone(self);
        Arc::new(move |cpu| {
            me.record(format!("{dir}{tag}({cpu})"), cpu);
            if fail_on == Some(cpu) {
                Err(err)
            } else {
                Ok(())
            }
        })
    }

    pub fn s(self: &Arc<Self>, tag: &'static str) -> Option<Callback> {
        Some(self.cb("S", tag, None, CallbackError::EIO))
    }

    pub fn t(self: &Arc<Self>, tag: &'static str) -> Option<Callback> {
        Some(self.cb("T", tag, None, CallbackError::EIO))
    }

    /// A multi-instance callback recording `"{dir}{tag}({cpu},{inst})"`,
    /// failing for `(cpu, inst)` = `fail_on`.
    pub fn multi(
        self: &Arc<Self>,
        dir: &'static str,
        tag: &'static str,
        fail_on: Option<(usize, u64)>,
        err: CallbackError,
    ) -> MultiCallback {
        let me = Arc::clone(self);
        Arc::new(move |cpu, inst: InstanceId| {
            me.record(format!("{dir}{tag}({cpu},{})", inst.0), cpu);
            if fail_on == Some((cpu, inst.0)) {
                Err(err)
            } else {
                Ok(())
            }
        })
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The recorded call names, in order.
    pub fn seq(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.what.clone())
            .collect()
    }

    pub fn clear(&self) {
        self.calls.lock().unwrap().clear();
    }

    pub fn overlapped(&self) -> bool {
        self.overlapped.load(Ordering::SeqCst)
    }
}

/// Check that a call ran in `cpu`'s hotplug context: `current_cpu()` names
/// it, and with the threaded executor it ran on the `cpuhp/<cpu>` worker.
pub fn assert_on_cpu(env: Env, c: &Call) {
    assert_eq!(c.ctx, Some(c.cpu), "{} ran outside its CPU context", c.what);
    if env.threaded {
        assert_eq!(
            c.thread_name.as_deref(),
            Some(format!("cpuhp/{}", c.cpu).as_str()),
            "{} did not run on its CPU worker",
            c.what
        );
    } else {
        assert_eq!(c.thread, std::thread::current().id());
    }
}

/// Check that a call ran on the control (calling) thread, outside any CPU
/// context.
pub fn assert_on_control(c: &Call) {
    assert_eq!(c.thread, std::thread::current().id(), "{}", c.what);
    assert_eq!(c.ctx, None, "{}", c.what);
    assert!(!c.irqs_off, "{}", c.what);
}

/// `["S(0)", ...]`-style expectation helper.
pub fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
