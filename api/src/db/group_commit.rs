//! SQLite's group commit: the hot writes (registrations, residents' answers) queue for one
//! task that runs what is waiting, up to [`MAX_BATCH`] writes, in one transaction, each in
//! its own savepoint, and commits them together. SQLite takes one writer at a time and, with
//! `synchronous=FULL`, syncs the WAL to disk at every commit (about 0.3 ms on this project's
//! machines, half of a registration's time in the writer); a batch pays it once.
//!
//! Written here rather than taken from a crate: sqlx and sea-orm have no group commit, and
//! the crates that batch writes (for instance `tokio-rusqlite`'s callers) own their
//! connection outside sea-orm, where the writes' SQL and entities could not follow.
//!
//! What each write sees is unchanged: they run one after another in arrival order (the
//! FIFO waitlist holds), a write that fails rolls back its savepoint only, and nobody gets
//! an answer before the commit that holds their write. When the commit fails, every write
//! of the batch gets the error and none of them is stored.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use futures::future::BoxFuture;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use crate::db::begin_write;
use crate::error::{AppError, AppResult};

/// At most this many writes share a transaction: the last of a full batch waits for 63
/// others (a few milliseconds), and a batch's locks are never held long.
const MAX_BATCH: usize = 64;

/// Writes waiting for the task; a sender waits when the queue is full.
const QUEUE: usize = 1024;

/// What a write does once the batch's commit has ended: answers its caller.
type Deliver = Box<dyn FnOnce(Result<(), &DbErr>) + Send>;

/// One write, run in the batch's transaction: its answer to deliver, and whether its
/// savepoint could not be made or ended (the transaction can then not be trusted).
type Job = Box<dyn for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Step> + Send>;

struct Step {
    deliver: Deliver,
    broken: bool,
}

/// The queue of the SQLite writer's group commit (see the module).
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the task that owns the writes' turn on `writer` (the pool of SQLite's one
    /// writer connection; other writers take it between batches).
    pub fn start(writer: DatabaseConnection) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, queue));
        GroupCommit { jobs }
    }

    /// Runs `work` in the next batch, in a savepoint of its own, and answers once the
    /// batch is committed. An error of `work` rolls back its savepoint and is its answer.
    pub async fn write<T, W>(&self, work: W) -> AppResult<T>
    where
        T: Send + 'static,
        W: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, AppResult<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<AppResult<T>>();
        // A savepoint of the batch's transaction, which holds the write lock already.
        #[allow(clippy::disallowed_methods)]
        let job: Job = Box::new(move |txn| {
            Box::pin(async move {
                let (result, broken) = match txn.begin().await {
                    Ok(savepoint) => {
                        let result = work(&savepoint).await;
                        let ended = match &result {
                            Ok(_) => savepoint.commit().await,
                            Err(_) => savepoint.rollback().await,
                        };
                        match ended {
                            Ok(()) => (result, false),
                            Err(err) => (Err(err.into()), true),
                        }
                    }
                    Err(err) => (Err(err.into()), true),
                };
                let deliver: Deliver = Box::new(move |committed| {
                    // A refusal, too, was decided against the batch's earlier writes: when
                    // they are not stored, neither is it true.
                    let answer = match committed {
                        Ok(()) => result,
                        Err(err) => Err(AppError::Internal(anyhow::anyhow!(
                            "the batch holding this write was not committed: {err}"
                        ))),
                    };
                    // The caller may have gone (a closed connection): its write stands.
                    let _ = reply.send(answer);
                });
                Step { deliver, broken }
            })
        });
        self.jobs.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The task is gone, or dropped a write unanswered (its batch could not begin, or a write
/// panicked): nothing of that write was committed.
fn stopped() -> AppError {
    AppError::Internal(anyhow::anyhow!(
        "the SQLite writer's queue dropped a write before committing it"
    ))
}

async fn run(writer: DatabaseConnection, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let txn = match begin_write(&writer).await {
            Ok(txn) => txn,
            Err(err) => {
                // Dropped unanswered: each caller hears that its write was not committed.
                tracing::error!(error = ?err, writes = batch.len(), "the writes' batch could not begin");
                batch.clear();
                continue;
            }
        };
        let mut delivers = Vec::with_capacity(batch.len());
        let mut broken = false;
        let mut jobs = batch.drain(..);
        for job in jobs.by_ref() {
            // A panicking write must not end the task: its caller hears the write was
            // dropped, and the transaction, in an unknown state, is rolled back.
            match AssertUnwindSafe(job(&txn)).catch_unwind().await {
                Ok(step) => {
                    broken |= step.broken;
                    delivers.push(step.deliver);
                }
                Err(_) => broken = true,
            }
            if broken {
                break;
            }
        }
        // Writes after a broken one are not run: dropped unanswered, their callers hear
        // that nothing of them was committed.
        let dropped = jobs.count();
        let committed = match broken {
            false => txn.commit().await,
            true => {
                let _ = txn.rollback().await;
                Err(DbErr::Custom(
                    "a write of the batch left its transaction unusable".into(),
                ))
            }
        };
        if let Err(err) = &committed {
            tracing::error!(error = %err, writes = delivers.len(), dropped, "the writes' batch was not committed");
        }
        for deliver in delivers {
            deliver(committed.as_ref().map(|_| ()));
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::future::join_all;
    use sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement};

    use super::*;
    use crate::error::Reason;

    /// A writer on a fresh SQLite file with one table of numbers.
    async fn writer() -> DatabaseConnection {
        let path =
            std::env::temp_dir().join(format!("tongxin-group-commit-{}.db", rand::random::<u64>()));
        let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
        options.max_connections(1).sqlx_logging(false);
        let db = Database::connect(options).await.unwrap();
        db.execute_unprepared("CREATE TABLE numbers (n INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        // A reference checked only at the commit: a row of it can make a commit fail.
        db.execute_unprepared(
            "CREATE TABLE sums (n INTEGER REFERENCES numbers (n) DEFERRABLE INITIALLY DEFERRED)",
        )
        .await
        .unwrap();
        db
    }

    async fn stored(db: &DatabaseConnection) -> Vec<i64> {
        db.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT n FROM numbers ORDER BY n",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<i64>("", "n").unwrap())
        .collect()
    }

    /// A write that stores `n`, then fails when `fails` says so, or panics.
    fn store(
        n: i64,
        fails: Option<bool>,
    ) -> impl for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, AppResult<i64>> + Send + 'static
    {
        move |txn| {
            Box::pin(async move {
                txn.execute_unprepared(&format!("INSERT INTO numbers VALUES ({n})"))
                    .await?;
                match fails {
                    None => Ok(n),
                    Some(false) => Err(AppError::of(Reason::AlreadyAnswered)),
                    Some(true) => panic!("a write that panics"),
                }
            })
        }
    }

    #[tokio::test]
    async fn a_write_that_fails_after_writing_takes_back_only_its_own_rows() {
        let db = writer().await;
        let queue = GroupCommit::start(db.clone());
        // Sent at once: the task takes them in one batch.
        let answers = join_all([
            queue.write(store(1, None)),
            queue.write(store(2, Some(false))),
            queue.write(store(3, None)),
        ])
        .await;
        assert_eq!(answers[0].as_ref().ok(), Some(&1));
        assert!(matches!(
            answers[1].as_ref().err().map(AppError::reason),
            Some(Reason::AlreadyAnswered)
        ));
        assert_eq!(answers[2].as_ref().ok(), Some(&3));
        assert_eq!(stored(&db).await, vec![1, 3]);
    }

    #[tokio::test]
    async fn when_the_commit_fails_every_write_of_the_batch_hears_it_refusals_too() {
        let db = writer().await;
        let queue = GroupCommit::start(db.clone());
        // The second write refers to a number nobody stores: the commit fails.
        fn dangling(txn: &DatabaseTransaction) -> BoxFuture<'_, AppResult<i64>> {
            Box::pin(async move {
                txn.execute_unprepared("INSERT INTO sums VALUES (99)")
                    .await?;
                Ok(99)
            })
        }
        let (first, second, third) = futures::join!(
            queue.write(store(1, None)),
            queue.write(dangling),
            queue.write(store(3, Some(false))),
        );
        let answers = [first, second, third];
        // The refusal was decided against a batch that is not stored: not a refusal.
        let reasons: Vec<Option<Reason>> = answers
            .iter()
            .map(|answer| answer.as_ref().err().map(AppError::reason))
            .collect();
        assert_eq!(reasons, vec![Some(Reason::Internal); 3], "{answers:?}");
        assert_eq!(stored(&db).await, Vec::<i64>::new());
        assert_eq!(queue.write(store(4, None)).await.ok(), Some(4));
    }

    #[tokio::test]
    async fn a_panicking_write_fails_its_batch_and_the_queue_goes_on() {
        let db = writer().await;
        let queue = GroupCommit::start(db.clone());
        let answers = join_all([
            queue.write(store(1, None)),
            queue.write(store(2, Some(true))),
            queue.write(store(3, None)),
        ])
        .await;
        // Nobody is told "done" of a batch that was rolled back.
        assert!(answers.iter().all(Result::is_err), "{answers:?}");
        assert_eq!(stored(&db).await, Vec::<i64>::new());
        assert_eq!(queue.write(store(4, None)).await.ok(), Some(4));
        assert_eq!(stored(&db).await, vec![4]);
    }
}
