//! Running jobs "on" a CPU: the executor trait and two executors.

use std::sync::Arc;

use crate::context::enter_cpu_context;
use crate::error::CpuhpError;
use crate::CpuId;

/// Runs hotplug jobs in a CPU's context.
///
/// Contract: `run_on` runs `job` exactly once in `cpu`'s hotplug context, jobs
/// for one CPU run one at a time, and `run_on` returns only after the job has
/// finished (a panic in the job is propagated to the caller). While the job
/// runs, [`current_cpu`](crate::current_cpu) must return `Some(cpu)`.
pub trait CpuExecutor: Send + Sync {
    /// How many CPUs (ids `0..n`) this executor serves; `None` for any.
    fn cpu_count(&self) -> Option<usize>;

    /// Run `job` on `cpu` and wait for it.
    ///
    /// # Errors
    /// [`CpuhpError::ExecutorNoCpu`] if the executor has no worker for `cpu`
    /// (the job is then not run).
    fn run_on(&self, cpu: CpuId, job: &mut (dyn FnMut() + Send)) -> Result<(), CpuhpError>;
}

impl<E: CpuExecutor + ?Sized> CpuExecutor for Arc<E> {
    fn cpu_count(&self) -> Option<usize> {
        (**self).cpu_count()
    }

    fn run_on(&self, cpu: CpuId, job: &mut (dyn FnMut() + Send)) -> Result<(), CpuhpError> {
        (**self).run_on(cpu, job)
    }
}

/// Runs every job directly on the calling thread, with the CPU context set
/// for its duration. Deterministic; for tests and single-threaded VMMs.
#[derive(Clone, Copy, Default, Debug)]
pub struct InlineExecutor;

impl CpuExecutor for InlineExecutor {
    fn cpu_count(&self) -> Option<usize> {
        None
    }

    fn run_on(&self, cpu: CpuId, job: &mut (dyn FnMut() + Send)) -> Result<(), CpuhpError> {
        let _ctx = enter_cpu_context(cpu);
        job();
        Ok(())
    }
}

/// One hotplug worker thread per CPU, named `cpuhp/<n>`, as in the kernel.
///
/// Each worker is a one-thread `rayon_core` pool: a job is handed to CPU
/// `n`'s thread, runs there (one at a time), and the caller blocks until it
/// has finished. The workers stop when the executor is dropped.
#[cfg(not(loom))]
pub struct ThreadPerCpuExecutor {
    workers: Vec<rayon_core::ThreadPool>,
}

#[cfg(not(loom))]
impl std::fmt::Debug for ThreadPerCpuExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadPerCpuExecutor")
            .field("cpus", &self.workers.len())
            .finish()
    }
}

#[cfg(not(loom))]
impl ThreadPerCpuExecutor {
    /// Stack size of each worker thread.
    const STACK: usize = 256 * 1024;

    /// Start one worker thread for each of the CPUs `0..cpus`.
    ///
    /// # Errors
    /// [`CpuhpError::ExecutorSpawn`] if a thread cannot be started (the
    /// threads already started are stopped again).
    pub fn new(cpus: usize) -> Result<ThreadPerCpuExecutor, CpuhpError> {
        let mut workers = Vec::with_capacity(cpus);
        for cpu in 0..cpus {
            let pool = rayon_core::ThreadPoolBuilder::new()
                .num_threads(1)
                .stack_size(Self::STACK)
                .thread_name(move |_| format!("cpuhp/{cpu}"))
                .start_handler(move |_| {
                    // The worker thread is CPU `cpu`'s context for its whole
                    // life: leak the guard on purpose.
                    std::mem::forget(enter_cpu_context(cpu));
                })
                .build()
                .map_err(|e| CpuhpError::ExecutorSpawn {
                    cpu,
                    reason: e.to_string(),
                })?;
            workers.push(pool);
        }
        Ok(ThreadPerCpuExecutor { workers })
    }
}

#[cfg(not(loom))]
impl CpuExecutor for ThreadPerCpuExecutor {
    fn cpu_count(&self) -> Option<usize> {
        Some(self.workers.len())
    }

    fn run_on(&self, cpu: CpuId, job: &mut (dyn FnMut() + Send)) -> Result<(), CpuhpError> {
        let pool = self.workers.get(cpu).ok_or(CpuhpError::ExecutorNoCpu {
            cpu,
            cpus: self.workers.len(),
        })?;
        pool.install(job);
        Ok(())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::current_cpu;

    #[test]
    fn inline_sets_and_restores_context() {
        assert_eq!(current_cpu(), None);
        let mut seen = None;
        let mut thread = None;
        InlineExecutor
            .run_on(3, &mut || {
                seen = current_cpu();
                thread = Some(std::thread::current().id());
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seen, Some(3));
        assert_eq!(thread, Some(std::thread::current().id()));
        assert_eq!(current_cpu(), None);
    }

    #[test]
    fn thread_per_cpu_runs_on_named_worker() {
        let ex = ThreadPerCpuExecutor::new(2).unwrap_or_else(|e| panic!("{e}"));
        let mut seen = None;
        let mut name = None;
        ex.run_on(1, &mut || {
            seen = current_cpu();
            name = std::thread::current().name().map(str::to_owned);
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seen, Some(1));
        assert_eq!(name.as_deref(), Some("cpuhp/1"));
        assert_eq!(
            ex.run_on(2, &mut || {}),
            Err(CpuhpError::ExecutorNoCpu { cpu: 2, cpus: 2 })
        );
    }
}
