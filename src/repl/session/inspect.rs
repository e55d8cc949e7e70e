//! The inspection commands — `tasks`, `show`, `queue`, `timeline`,
//! `trace`, `warnings`, `export-trace`, `export-html` — which look at the loop without
//! running it: each hands a [`View`] (a snapshot plus the session's
//! memory) to the file that renders it.

use super::{Action, Failure, Session, Target};
use crate::repl::chrome_trace;
use crate::repl::describe::Describe;
use crate::repl::primitive::{self, Primitive};
use crate::repl::replay_page;
use crate::repl::styled::{Line, Style};
use crate::repl::task_set;
use crate::repl::timeline;
use crate::repl::views::{self, View};

impl Session {
    /// `tasks`.
    pub(super) fn show_tasks(&self) -> Result<Action, Failure> {
        Ok(Action::Show(views::tasks(&self.view())))
    }

    /// `show NAME`.
    ///
    /// A task (the session's or the library's, by name or `#ID`), or else a
    /// semaphore, queue or event.
    pub(super) fn show(&self, name: &str) -> Result<Action, Failure> {
        let target = match self.target(name) {
            Ok(target) => target,
            Err(no_task) => {
                if let Some(body) = self.env.generator(name) {
                    return Ok(Action::Show(vec![
                        Line::new(Style::Heading, format!("generator {name}"))
                            .with(Style::Plain, format!(": {body}")),
                        Line::new(
                            Style::Dim,
                            format!(
                                "  each for {name} {{ … }} runs it anew, in the task that iterates it"
                            ),
                        ),
                    ]));
                }
                return match self.env.primitive(name) {
                    Some(Primitive::Future(future)) => {
                        Ok(Action::Show(views::show_future(&future)))
                    }
                    Some(Primitive::Service(service)) => Ok(Action::Show(vec![
                        Line::new(Style::Heading, format!("service {name}")),
                        Line::plain(format!("  {}", service.state())),
                    ])),
                    Some(Primitive::TaskSet(set)) => {
                        let view = self.view();
                        let mut lines = views::show_primitive(&view, name);
                        lines.extend(task_set::group(&view, &set).into_iter().skip(1));
                        Ok(Action::Show(lines))
                    }
                    Some(p) => {
                        let mut lines = views::show_primitive(&self.view(), name);
                        lines.extend(primitive::value_line(&p));
                        Ok(Action::Show(lines))
                    }
                    // A primitive of the console's program, on this loop.
                    None if self.rt.snapshot().primitive_named(name).is_some() => {
                        Ok(Action::Show(views::show_primitive(&self.view(), name)))
                    }
                    None => Err(no_task),
                };
            }
        };
        let (id, task) = match &target {
            Target::Repl(task) => (task.id, Some(&**task)),
            Target::Loop(id, _) => (*id, None),
        };
        Ok(Action::Show(views::show(&self.view(), id, task)))
    }

    /// `queue`.
    pub(super) fn show_queue(&self) -> Result<Action, Failure> {
        Ok(Action::Show(views::queue(&self.view())))
    }

    /// `timeline`.
    pub(super) fn show_timeline(&self) -> Result<Action, Failure> {
        Ok(Action::Show(timeline::draw_timeline(&self.view())))
    }

    /// `trace on|off`.
    pub(super) fn trace(&mut self, on: bool) -> Result<Action, Failure> {
        self.trace.set(on);
        Ok(Action::Show(vec![Line::plain(if on {
            "trace on: every event is printed as it happens"
        } else {
            "trace off"
        })]))
    }

    /// `warnings`: every warning so far.
    pub(super) fn show_warnings(&self) -> Result<Action, Failure> {
        let names = self.names.borrow();
        let d = Describe {
            names: &names,
            deterministic: self.options.deterministic,
        };
        let mut lines = self.warnings.borrow().all(&d);
        if lines.is_empty() {
            lines.push(Line::plain("no warnings"));
        }
        Ok(Action::Show(lines))
    }

    /// `export-trace FILE`.
    pub(super) fn export_trace(&self, file: &str) -> Result<Action, Failure> {
        let json = chrome_trace::export(&self.view());
        std::fs::write(file, json)
            .map_err(|e| Failure::line(format!("can't write {file}: {e}")))?;
        Ok(Action::Show(vec![Line::plain(format!(
            "wrote {} events to {file} (Chrome trace-event JSON: open it in https://ui.perfetto.dev or chrome://tracing)",
            self.events.borrow().len()
        ))]))
    }

    /// `export-html FILE`.
    pub(super) fn export_html(&self, file: &str) -> Result<Action, Failure> {
        if file.trim().is_empty() {
            return Err(Failure::line(
                "export-html needs a file name, not an empty one (e.g. export-html replay.html)",
            ));
        }
        let view = self.view();
        let html = replay_page::export(&view);
        std::fs::write(file, html)
            .map_err(|e| Failure::line(format!("can't write {file}: {e}")))?;
        Ok(Action::Show(vec![Line::plain(format!(
            "wrote a page replaying {} events to {file} (open it in a browser; Left and Right step, {file}#step=N opens at step N)",
            view.events.len()
        ))]))
    }

    /// What the views read: a snapshot of the loop and the session's memory.
    pub(super) fn view(&self) -> View<'_> {
        View {
            snapshot: self.rt.snapshot(),
            env: &self.env,
            events: self.events.borrow(),
            events_dropped: self.events_dropped.get(),
            names: self.names.borrow(),
            deterministic: self.options.deterministic,
        }
    }
}
