//! The loop's side of I/O: waiting in the poller (the one blocking call of a
//! turn) and turning readiness into wakes.

use super::*;

impl Core {
    // ----- I/O ----------------------------------------------------------------

    pub(crate) fn reactor(&self) -> &Reactor {
        &self.reactor
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The name of a live task.
    pub(crate) fn task_name(&self, id: TaskId) -> Option<String> {
        self.with_task(id, |t| t.header().name.to_string())
    }

    /// The id of the task being polled, if any.
    pub(crate) fn current_task_id(&self) -> Option<TaskId> {
        self.current_task().map(|(_, id)| id)
    }

    /// Asks the poller for readiness (waiting up to `timeout`) and wakes the
    /// tasks waiting for each direction that became ready, with the cause
    /// "woken by I/O (fd N readable)".
    pub(super) fn poll_io(&self, timeout: Option<Duration>) {
        let mut woken = self.io_woken.take();
        // An error means a broken poller (EBADF), which nothing here can
        // repair; the wakes already collected are still delivered.
        let _ = self.reactor.poll(timeout, &mut woken);
        for (waker, cause) in woken.drain(..) {
            let previous = self.source.replace(Source::Other(cause));
            waker.wake();
            self.source.set(previous);
        }
        *self.io_woken.borrow_mut() = woken;
    }

    /// Sleeps until readiness, a notification, or `timeout`. `idle` has
    /// re-armed notifications already (`Shared::arm`); if something was
    /// already waiting then (`may_block` false), only look.
    pub(super) fn wait_for_world(&self, may_block: bool, timeout: Option<Duration>) {
        let timeout = if may_block {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        if self.shared.parks() {
            if may_block {
                self.shared.park(timeout);
            }
        } else {
            self.poll_io(timeout);
        }
    }
}
