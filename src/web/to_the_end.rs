//! Checks that must finish once started, whatever the browser does.
//!
//! A password check counts the attempt before the hash and records its outcome (failure, lock,
//! audit row) after it; so do the second factor's codes and the emailed sign-in codes, around a
//! few database round trips. Run as part of the request, it is dropped when the browser hangs up,
//! and the attempt stays counted with no failure, lock or audit row behind it: a guesser who
//! hangs up every time would leave no trace and never reach the lock.
//!
//! The task is one of the server's tracked tasks (`Services::tasks`), which a shutdown waits for,
//! so stopping the server does not cut a check short either. It runs in the request's span and
//! language, and what it learns of the language (a saved preference) comes back to the request.

use std::future::Future;

use tokio_util::task::TaskTracker;
use tracing::Instrument as _;

use crate::error::AppError;

/// Runs `check` on a task of its own, tracked by `tasks`, and waits for it.
pub(super) async fn to_the_end<T: Send + 'static>(
    tasks: TaskTracker,
    check: impl Future<Output = T> + Send + 'static,
) -> Result<T, AppError> {
    let (out, lang) = tasks
        .spawn(crate::i18n::carried(check).instrument(tracing::Span::current()))
        .await
        .map_err(|e| AppError::Internal(format!("a check that must run to its end stopped early: {e}")))?;
    crate::i18n::take_up(lang);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{self, Choice, Lang};

    #[tokio::test]
    async fn the_check_runs_in_the_requests_language_and_hands_back_what_it_learnt() {
        let tasks = TaskTracker::new();
        let choice = Choice { accept: Some(Lang::CyGb), ..Choice::default() };
        let ((inside, outside), end) = i18n::scope(choice, "/login".to_owned(), async {
            let inside = to_the_end(tasks.clone(), async {
                let seen = (i18n::current(), i18n::here());
                i18n::note_saved(Some(Lang::EnGb));
                seen
            })
            .await
            .unwrap();
            (inside, i18n::current())
        })
        .await;
        assert_eq!(inside, (Lang::CyGb, "/login".to_owned()));
        assert_eq!(outside, Lang::EnGb, "the saved preference the check found is the request's");
        assert_eq!(end.saved, Some(Lang::EnGb));
    }

    #[tokio::test]
    async fn outside_a_request_the_check_runs_in_english() {
        let tasks = TaskTracker::new();
        assert_eq!(to_the_end(tasks.clone(), async { i18n::current() }).await.unwrap(), Lang::EnGb);
    }

    #[tokio::test]
    async fn a_shutdown_waits_for_the_check() {
        let tasks = TaskTracker::new();
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        let (started, is_started) = tokio::sync::oneshot::channel::<()>();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = done.clone();
        let asked = tokio::spawn({
            let tasks = tasks.clone();
            async move {
                to_the_end(tasks.clone(), async move {
                    let _ = started.send(());
                    let _ = wait.await;
                    d.store(true, std::sync::atomic::Ordering::SeqCst);
                })
                .await
            }
        });
        is_started.await.unwrap();
        // The request goes away; the check does not.
        asked.abort();
        let _ = asked.await;
        tasks.close();
        let waited = tokio::spawn(async move { tasks.wait().await });
        tokio::task::yield_now().await;
        assert!(!waited.is_finished());
        go.send(()).unwrap();
        waited.await.unwrap();
        assert!(done.load(std::sync::atomic::Ordering::SeqCst));
    }
}
