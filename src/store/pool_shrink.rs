//! Closing the database connections a burst opened, once they have stopped being needed.
//!
//! sqlx's idle timeout alone does not do it. Its pool hands out the connection that has been
//! idle longest, so a loop that queries every few seconds (the mail worker every 10 s) touches
//! each idle connection in turn, and two or three of them never stay idle for the timeout. And
//! a dropped connection goes back to the pool in a task of its own, so a run of queries one
//! after another (the maintenance loop, each minute) opens new connections while the last one
//! is still on its way back. Each one holds memory for as long as it is open —
//! SQLite: a worker thread, a page cache, the parsed schema and prepared statements (about
//! 0.3 MB); PostgreSQL: a server process — so after a sign-in flood the pool, and with it the
//! resident memory, stayed above idle for good.
//!
//! So [`run`] notes every [`SAMPLE`] how many connections are idle, and at the end of each
//! [`WINDOW`] closes those that stayed idle the whole time, keeping one spare (and never the
//! last connection): a pool serving steady traffic keeps what that traffic uses, plus one.

use std::time::Duration;

use super::Db;

/// How often the idle connections are counted.
pub const SAMPLE: Duration = Duration::from_secs(2);
/// Samples per decision (10 s).
pub const WINDOW: u32 = 5;
/// Idle connections kept beyond the fewest used over a window, so the next request rarely
/// waits for a connect.
const SPARE: usize = 1;

/// The fewest idle connections seen over a window.
#[derive(Debug, Default)]
pub struct IdleLowWater {
    low: Option<usize>,
}

impl IdleLowWater {
    pub fn observe(&mut self, idle: usize) {
        self.low = Some(self.low.map_or(idle, |low| low.min(idle)));
    }

    /// Ends the window: how many connections stayed idle throughout beyond `spare`, which is
    /// how many may be closed. Nothing without an observation.
    pub fn surplus(&mut self, spare: usize) -> usize {
        self.low.take().map_or(0, |low| low.saturating_sub(spare))
    }
}

impl Db {
    /// Closes up to `n` idle connections, never one in use and never the last one. Returns how
    /// many were closed.
    pub async fn close_idle(&self, n: usize) -> usize {
        let mut closed = 0;
        while closed < n && self.pool.size() > 1 {
            let Some(conn) = self.pool.try_acquire() else { break };
            // The connection is gone from the pool whether or not the database acknowledges it.
            let _ = conn.close().await;
            closed += 1;
        }
        closed
    }

    /// Waits, at most `within`, until a connection is idle in the pool: after a statement, for
    /// its connection to come back, so that the next statement reuses it rather than opening
    /// another.
    pub async fn returned(&self, within: Duration) {
        let until = tokio::time::Instant::now() + within;
        while self.pool.num_idle() == 0 && tokio::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// Runs until the task is aborted (see the module's comment). `after_closing` is called each
/// time connections have been closed: a burst is over.
pub async fn run(db: Db, after_closing: impl Fn()) {
    let mut tick = tokio::time::interval(SAMPLE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut low = IdleLowWater::default();
    let mut samples = 0;
    loop {
        tick.tick().await;
        low.observe(db.pool().num_idle());
        samples += 1;
        if samples >= WINDOW {
            samples = 0;
            let surplus = low.surplus(SPARE);
            if surplus > 0 {
                let closed = db.close_idle(surplus).await;
                tracing::debug!(closed, open = db.pool().size(), "closed database connections idle since the last window");
                if closed > 0 {
                    after_closing();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_water_counts_what_stayed_idle_throughout() {
        let mut low = IdleLowWater::default();
        assert_eq!(low.surplus(1), 0, "nothing observed, nothing closed");
        for idle in [5, 3, 4, 6] {
            low.observe(idle);
        }
        assert_eq!(low.surplus(1), 2, "three stayed idle; one is kept spare");
        assert_eq!(low.surplus(1), 0, "each window starts afresh");
        low.observe(1);
        low.observe(7);
        assert_eq!(low.surplus(1), 0, "a busy moment in the window keeps them");
        low.observe(0);
        assert_eq!(low.surplus(1), 0);
    }

    async fn sqlite(max: u32) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Db::connect(&url, max).await.unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn closes_idle_connections_but_never_one_in_use_nor_the_last() {
        let (_dir, db) = sqlite(4).await;
        let held: Vec<_> = hold(&db, 4).await;
        assert_eq!(db.pool().size(), 4);
        // All four in use: nothing to close.
        assert_eq!(db.close_idle(4).await, 0);
        assert_eq!(db.pool().size(), 4);
        let mut held = held.into_iter();
        let in_use = held.next().unwrap();
        drop(held);
        settled(&db, 3).await;
        // Three idle, one in use: asking for more than there are closes only the idle ones.
        assert_eq!(db.close_idle(10).await, 3);
        assert_eq!(db.pool().size(), 1);
        // The one in use still works, and when it comes back it is the last: kept.
        let mut in_use = in_use;
        sqlx::query("select 1").execute(&mut *in_use).await.unwrap();
        drop(in_use);
        settled(&db, 1).await;
        assert_eq!(db.close_idle(10).await, 0);
        assert_eq!(db.pool().size(), 1);
        sqlx::query("select 1").execute(db.pool()).await.unwrap();
    }

    #[tokio::test]
    async fn statements_waiting_for_the_connection_to_return_use_one() {
        let (_dir, db) = sqlite(8).await;
        // Down to the one connection, idle (opening the pool may have opened a second).
        for _ in 0..1000 {
            db.close_idle(8).await;
            if db.pool().size() == 1 && db.pool().num_idle() == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!((db.pool().size(), db.pool().num_idle()), (1, 1));
        for _ in 0..10 {
            sqlx::query("select 1").execute(db.pool()).await.unwrap();
            db.returned(Duration::from_secs(5)).await;
        }
        assert_eq!(db.pool().size(), 1, "each statement found the last one's connection back");
    }

    #[tokio::test]
    async fn a_window_of_rest_shrinks_the_pool_to_one() {
        let (_dir, db) = sqlite(4).await;
        drop(hold(&db, 4).await);
        settled(&db, 4).await;
        assert_eq!(db.pool().size(), 4);
        let mut low = IdleLowWater::default();
        for _ in 0..WINDOW {
            low.observe(db.pool().num_idle());
        }
        let surplus = low.surplus(SPARE);
        assert_eq!(surplus, 3);
        assert_eq!(db.close_idle(surplus).await, 3);
        assert_eq!(db.pool().size(), 1);
    }

    /// Waits until `idle` connections are back in the pool: a dropped connection goes back in
    /// a task of its own.
    async fn settled(db: &Db, idle: usize) {
        for _ in 0..1000 {
            if db.pool().num_idle() == idle {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("{} idle connections, expected {idle}", db.pool().num_idle());
    }

    /// `n` connections held at once.
    async fn hold(db: &Db, n: usize) -> Vec<sqlx::pool::PoolConnection<sqlx::Any>> {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(db.pool().acquire().await.unwrap());
        }
        held
    }
}
