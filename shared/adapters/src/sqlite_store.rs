//! The embedded `Store`: one SQLite file in WAL mode.
//!
//! One writer connection behind a mutex does every write inside one SQLite transaction (so
//! conditions, versions and transactions are atomic); a few reader connections serve reads
//! concurrently, which WAL allows. Calls are short and synchronous inside the async functions.
//! The schema comes from [`TABLE`]; ordering is SQLite's BINARY collation, which compares UTF-8
//! bytes like DynamoDB does.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use async_trait::async_trait;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, Transaction, TransactionBehavior};

use crm_app::clock::{Clock, SystemClock};
use crm_app::store::{
    Body, Condition, Delete, Index, IndexKeys, Item, JsonItem, Key, LastKey, Put, Query,
    RawJsonPage, RawPage, SortKey, Store, StoreError, TABLE, Update, Write, apply_changes,
    check_batch_get, check_batch_write, check_query, check_transaction, check_update,
};

const READERS: usize = 4;
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// Queries build their SQL from a handful of shapes; keep every shape prepared.
const STATEMENT_CACHE: usize = 128;
/// Rows deleted per writer-lock hold by the sweeper, so writers are never blocked for long.
const PURGE_CHUNK: usize = 1000;
/// Writes one transaction may hold. SQLite's cost is per commit, not per write; the bound only
/// keeps one transaction from holding the writer for more than a few tens of milliseconds.
const TRANSACTION_LIMIT: usize = 10_000;
/// Bytes per database page of a new file (SQLite's default is 4 KiB). Items are a few hundred
/// bytes and the table is `WITHOUT ROWID`, whose interior pages hold whole rows: on 4 KiB pages
/// a node holds about a dozen items, so the tree is deep and every lookup and insert walks and
/// rewrites many pages. 16 KiB pages cut the depth and made the readings intake's bare writes
/// about 45% and its lookups about 55% faster (docs/benchmarks.md). Fixed when a file is
/// created; an existing file keeps its size.
const PAGE_SIZE: i64 = 16 * 1024;
/// WAL pages after which a commit copies the log into the database file itself (default 1000):
/// only a backstop, for when the checkpointer thread falls behind (128 MiB).
const WAL_CHECKPOINT_PAGES: i64 = 8_192;
/// How often the checkpointer thread copies what the WAL holds into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(25);
/// Bytes of the file each connection maps; the OS shares the pages between connections.
const MMAP_SIZE: i64 = 1 << 30;
/// Page cache per connection, in KiB.
const PAGE_CACHE_KIB: i64 = 16 * 1024;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    clock: Arc<dyn Clock>,
    sql: Statements,
    /// Declared last: stopped (and joined) after the connections above are closed.
    _checkpointer: Checkpointer,
}

/// Copies the WAL into the database file on its own thread and connection (`PASSIVE`: it never
/// waits for readers or the writer), so a commit does not stop to copy pages and sync the file:
/// on a bulk import that was a stall of the whole pipeline every few thousand rows.
struct Checkpointer {
    stop: Arc<(Mutex<bool>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = connect(path)?;
        let stop = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let signal = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let (stopped, wake) = &*signal;
                let mut done = stopped.lock().unwrap_or_else(|p| p.into_inner());
                while !*done {
                    done = wake
                        .wait_timeout(done, CHECKPOINT_EVERY)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                    if *done {
                        break;
                    }
                    // Busy or failing now is fine: the next round, or the writer's own
                    // checkpoint past `WAL_CHECKPOINT_PAGES`, catches up.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| StoreError::Backend(format!("cannot start the checkpointer: {e}")))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

/// The fixed statements' text, built once from [`TABLE`].
struct Statements {
    /// Every column, in the order [`item_from_row`] reads them.
    columns: String,
    select_one: String,
    /// The version and expiry of one item: what a put's condition is judged on.
    select_version: String,
    upsert: String,
    /// Stores an item unless one is there: a put that must not exist, in one statement.
    insert_new: String,
    /// Replaces a live item's columns in place if it is at version ?(n + 1) (?(n + 2) = now): a
    /// put over a version read, in one statement (the key columns are not set again).
    update_at_version: String,
    delete: String,
    /// A page of the live items whose partition key lies in [?1, ?2), from the start.
    prefix_first: String,
    /// The same after the item (?4, ?5).
    prefix_after: String,
}

impl Statements {
    fn new() -> Self {
        let mut names = TABLE.key_attributes();
        names.extend([TABLE.version, TABLE.ttl, TABLE.body]);
        let columns = names.join(", ");
        let placeholders = vec!["?"; names.len()].join(", ");
        Self {
            select_one: format!(
                "SELECT {columns} FROM items WHERE {pk} = ?1 AND {sk} = ?2",
                pk = TABLE.pk,
                sk = TABLE.sk
            ),
            select_version: format!(
                "SELECT {version}, {ttl} FROM items WHERE {pk} = ?1 AND {sk} = ?2",
                version = TABLE.version,
                ttl = TABLE.ttl,
                pk = TABLE.pk,
                sk = TABLE.sk
            ),
            upsert: format!("INSERT OR REPLACE INTO items ({columns}) VALUES ({placeholders})"),
            insert_new: format!(
                "INSERT INTO items ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING"
            ),
            update_at_version: {
                let sets: Vec<String> = names
                    .iter()
                    .enumerate()
                    .skip(2)
                    .map(|(at, name)| format!("{name} = ?{}", at + 1))
                    .collect();
                format!(
                    "UPDATE items SET {sets} WHERE {pk} = ?1 AND {sk} = ?2 AND {version} = ?{read} \
                     AND ({ttl} IS NULL OR {ttl} > ?{now})",
                    sets = sets.join(", "),
                    pk = TABLE.pk,
                    sk = TABLE.sk,
                    version = TABLE.version,
                    ttl = TABLE.ttl,
                    read = names.len() + 1,
                    now = names.len() + 2,
                )
            },
            delete: format!(
                "DELETE FROM items WHERE {pk} = ?1 AND {sk} = ?2",
                pk = TABLE.pk,
                sk = TABLE.sk
            ),
            prefix_first: format!(
                "SELECT {columns} FROM items WHERE {pk} >= ?1 AND {pk} < ?2 \
                 AND ({ttl} IS NULL OR {ttl} > ?3) ORDER BY {pk}, {sk} LIMIT ?6",
                pk = TABLE.pk,
                sk = TABLE.sk,
                ttl = TABLE.ttl
            ),
            prefix_after: format!(
                "SELECT {columns} FROM items WHERE {pk} >= ?1 AND {pk} < ?2 \
                 AND ({ttl} IS NULL OR {ttl} > ?3) AND ({pk}, {sk}) > (?4, ?5) \
                 ORDER BY {pk}, {sk} LIMIT ?6",
                pk = TABLE.pk,
                sk = TABLE.sk,
                ttl = TABLE.ttl
            ),
            columns,
        }
    }
}

/// The schema SQLite reports for the items table, for checks against [`TABLE`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteSchema {
    /// Column name and declared type, in table order.
    pub columns: Vec<(String, String)>,
    pub primary_key: Vec<String>,
    pub indexes: Vec<SqliteIndex>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteIndex {
    pub name: String,
    pub columns: Vec<String>,
    pub partial: bool,
}

impl SqliteStore {
    /// Opens (creating when missing) the store file at `path` and its schema.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Backend(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let writer = connect(path)?;
        // Before WAL mode and the schema: the page size of a new file is set by its first write.
        writer
            .pragma_update(None, "page_size", PAGE_SIZE)
            .map_err(sql_error)?;
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql_error)?;
        writer
            .execute_batch(&TABLE.sqlite_schema())
            .map_err(sql_error)?;
        // Checkpoints run on their own thread ([`Checkpointer`]); the writer checkpoints only
        // past a large backstop.
        writer
            .pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
            .map_err(sql_error)?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = connect(path)?;
                // Readers never write; a bug that tried would fail loudly instead of racing the writer.
                reader
                    .pragma_update(None, "query_only", true)
                    .map_err(sql_error)?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            clock: Arc::new(SystemClock),
            sql: Statements::new(),
            _checkpointer: Checkpointer::start(path)?,
        })
    }

    /// Uses `clock` to decide which items have expired (tests move time forward).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Deletes items that expired at or before `now_unix`; returns how many. Runs in chunks so
    /// requests keep being served while a large backlog is swept.
    pub fn purge_expired(&self, now_unix: i64) -> Result<usize, StoreError> {
        let sql = format!(
            "DELETE FROM items WHERE ({pk}, {sk}) IN \
             (SELECT {pk}, {sk} FROM items WHERE {ttl} IS NOT NULL AND {ttl} <= ?1 LIMIT ?2)",
            pk = TABLE.pk,
            sk = TABLE.sk,
            ttl = TABLE.ttl
        );
        let mut total = 0;
        loop {
            let deleted = self.write(|tx| {
                let mut stmt = tx.prepare_cached(&sql).map_err(sql_error)?;
                stmt.execute(rusqlite::params![now_unix, PURGE_CHUNK as i64])
                    .map_err(sql_error)
            })?;
            total += deleted;
            if deleted < PURGE_CHUNK {
                return Ok(total);
            }
        }
    }

    /// The schema as SQLite reports it (`sqlite_master`, `pragma table_info`, `pragma index_info`).
    pub fn schema(&self) -> Result<SqliteSchema, StoreError> {
        let conn = self.reader();
        let mut columns = Vec::new();
        let mut primary_key = Vec::new();
        let mut stmt = conn
            .prepare("SELECT name, type, pk FROM pragma_table_info('items') ORDER BY cid")
            .map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        let mut key_positions = Vec::new();
        while let Some(row) = rows.next().map_err(sql_error)? {
            let name: String = row.get(0).map_err(sql_error)?;
            let kind: String = row.get(1).map_err(sql_error)?;
            let pk_position: i64 = row.get(2).map_err(sql_error)?;
            if pk_position > 0 {
                key_positions.push((pk_position, name.clone()));
            }
            columns.push((name, kind));
        }
        key_positions.sort();
        primary_key.extend(key_positions.into_iter().map(|(_, name)| name));

        let mut indexes = Vec::new();
        let mut stmt = conn
            .prepare(
                "SELECT name, sql FROM sqlite_master \
                 WHERE type = 'index' AND tbl_name = 'items' AND sql IS NOT NULL ORDER BY name",
            )
            .map_err(sql_error)?;
        let defs: Vec<(String, String)> = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(sql_error)?
            .collect::<Result<_, _>>()
            .map_err(sql_error)?;
        for (name, sql) in defs {
            let mut stmt = conn
                .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                .map_err(sql_error)?;
            let columns = stmt
                .query_map([&name], |row| row.get(0))
                .map_err(sql_error)?
                .collect::<Result<Vec<String>, _>>()
                .map_err(sql_error)?;
            let partial = sql.to_ascii_uppercase().contains(" WHERE ");
            indexes.push(SqliteIndex {
                name,
                columns,
                partial,
            });
        }
        Ok(SqliteSchema {
            columns,
            primary_key,
            indexes,
        })
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// A free reader connection, or the next one in turn when all are busy.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..self.readers.len() {
            match self.readers[(start + offset) % self.readers.len()].try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        lock(&self.readers[start % self.readers.len()])
    }

    /// Runs `work` in one immediate transaction on the writer: committed when it returns `Ok`,
    /// rolled back otherwise.
    fn write<T>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error)?;
        let value = work(&tx)?;
        tx.commit().map_err(sql_error)?;
        Ok(value)
    }

    /// The item at `key` unless it is absent or expired.
    fn live_item(
        &self,
        conn: &Connection,
        key: &Key,
        now: i64,
    ) -> Result<Option<Item>, StoreError> {
        self.live_json_item(conn, key, now)?
            .map(parse_body)
            .transpose()
    }

    /// Like [`Self::live_item`], leaving the body as the stored text.
    fn live_json_item(
        &self,
        conn: &Connection,
        key: &Key,
        now: i64,
    ) -> Result<Option<JsonItem>, StoreError> {
        let mut stmt = conn
            .prepare_cached(&self.sql.select_one)
            .map_err(sql_error)?;
        live_json_item_with(&mut stmt, key, now)
    }

    fn store_item(&self, conn: &Connection, item: &Item) -> Result<(), StoreError> {
        self.run_item_statement(conn, &self.sql.upsert, item, item.version)
            .map(|_| ())
    }

    /// Stores `item` at version 1 unless a row holds its key; whether it did.
    fn insert_new(&self, conn: &Connection, item: &Item) -> Result<bool, StoreError> {
        Ok(self.run_item_statement(conn, &self.sql.insert_new, item, 1)? == 1)
    }

    /// Runs `sql` (an insert of every column) for `item` at `version`; the rows changed.
    fn run_item_statement(
        &self,
        conn: &Connection,
        sql: &str,
        item: &Item,
        version: u64,
    ) -> Result<usize, StoreError> {
        self.run_item_statement_with(conn, sql, item, version, &[])
    }

    /// [`Self::run_item_statement`] with `extra` parameters bound after the columns.
    fn run_item_statement_with(
        &self,
        conn: &Connection,
        sql: &str,
        item: &Item,
        version: u64,
        extra: &[i64],
    ) -> Result<usize, StoreError> {
        let body = item.body_text()?;
        let version = i64::try_from(version)
            .map_err(|_| StoreError::Backend("version out of range".into()))?;
        let mut values: Vec<Option<&str>> = vec![Some(&item.key.pk), Some(&item.key.sk)];
        for (_, key) in item.index_keys.iter() {
            values.push(key.map(|k| k.pk.as_str()));
            values.push(key.map(|k| k.sk.as_str()));
        }
        let mut stmt = conn.prepare_cached(sql).map_err(sql_error)?;
        for (position, value) in values.iter().enumerate() {
            stmt.raw_bind_parameter(position + 1, value)
                .map_err(sql_error)?;
        }
        let next = values.len() + 1;
        stmt.raw_bind_parameter(next, version).map_err(sql_error)?;
        stmt.raw_bind_parameter(next + 1, item.expires_at)
            .map_err(sql_error)?;
        stmt.raw_bind_parameter(next + 2, body.as_ref())
            .map_err(sql_error)?;
        for (offset, value) in extra.iter().enumerate() {
            stmt.raw_bind_parameter(next + 3 + offset, value)
                .map_err(sql_error)?;
        }
        stmt.raw_execute().map_err(sql_error)
    }

    fn delete_row(&self, conn: &Connection, key: &Key) -> Result<(), StoreError> {
        let mut stmt = conn.prepare_cached(&self.sql.delete).map_err(sql_error)?;
        stmt.execute([&key.pk, &key.sk]).map_err(sql_error)?;
        Ok(())
    }

    /// Applies one write whose condition already held against `current` (the live item).
    fn apply_write(
        &self,
        conn: &Connection,
        write: Write,
        current: Option<Item>,
    ) -> Result<Option<Item>, StoreError> {
        let next_version = next_version(current.as_ref().map(|item| item.version))?;
        match write {
            Write::Put(Put { mut item, .. }) => {
                item.version = next_version;
                self.store_item(conn, &item)?;
                Ok(Some(item))
            }
            Write::Update(update) => {
                // An absent or expired item is rebuilt from nothing, like DynamoDB's UpdateItem
                // on a missing item.
                let mut item = current.unwrap_or_else(|| Item::new(update.key, Body::new()));
                apply_changes(&mut item, &update.changes)?;
                item.version = next_version;
                self.store_item(conn, &item)?;
                Ok(Some(item))
            }
            Write::Delete(delete) => {
                self.delete_row(conn, &delete.key)?;
                Ok(None)
            }
            Write::Check { .. } => Ok(None),
        }
    }

    /// Checks and applies `writes` one after the other inside `tx`; `false` at the first
    /// condition that fails (the caller rolls back). Keys are distinct, so each write still sees
    /// the state before the transaction. A put that must not exist is a single insert that does
    /// nothing on a taken key instead of a read and a write: bulk intakes are made of them.
    fn apply_in_turn(
        &self,
        tx: &Transaction<'_>,
        writes: &[Write],
        now: i64,
    ) -> Result<bool, StoreError> {
        for write in writes {
            if let Write::Put(Put {
                item,
                condition: Condition::MustNotExist,
            }) = write
            {
                // A taken key may hold an expired item, which counts as absent: the exact pass
                // decides that case.
                if !self.insert_new(tx, item)? {
                    return Ok(false);
                }
                continue;
            }
            if let Write::Put(Put {
                item,
                condition: Condition::VersionEquals(read),
            }) = write
            {
                // Over a version read: one update in place, which changes no row unless the
                // live item is at that version.
                let next = next_version(Some(*read))?;
                let read = i64::try_from(*read)
                    .map_err(|_| StoreError::Backend("version out of range".into()))?;
                let sql = &self.sql.update_at_version;
                if self.run_item_statement_with(tx, sql, item, next, &[read, now])? != 1 {
                    return Ok(false);
                }
                continue;
            }
            if let Write::Put(Put { item, condition }) = write {
                // A put replaces the whole item: its condition and next version need the
                // stored version only, not the body.
                let current = self.live_version(tx, &item.key, now)?;
                if !condition.holds(current) {
                    return Ok(false);
                }
                let version = next_version(current)?;
                self.run_item_statement(tx, &self.sql.upsert, item, version)?;
                continue;
            }
            let current = self.live_item(tx, write.key(), now)?;
            if !condition_of(write).holds(current.as_ref().map(|i| i.version)) {
                return Ok(false);
            }
            self.apply_write(tx, write.clone(), current)?;
        }
        Ok(true)
    }

    /// The version of the live item at `key`, if any.
    fn live_version(
        &self,
        conn: &Connection,
        key: &Key,
        now: i64,
    ) -> Result<Option<u64>, StoreError> {
        let mut stmt = conn
            .prepare_cached(&self.sql.select_version)
            .map_err(sql_error)?;
        let found: Option<(i64, Option<i64>)> = stmt
            .query_row([&key.pk, &key.sk], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()
            .map_err(sql_error)?;
        match found {
            Some((version, expires_at)) if expires_at.is_none_or(|at| at > now) => {
                u64::try_from(version)
                    .map(Some)
                    .map_err(|_| StoreError::Backend("version out of range".into()))
            }
            _ => Ok(None),
        }
    }

    /// One write on its own: its condition, then the write, in one transaction.
    fn write_one(&self, write: Write) -> Result<Option<Item>, StoreError> {
        let now = self.now();
        self.write(|tx| {
            let current = self.live_item(tx, write.key(), now)?;
            if !condition_of(&write).holds(current.as_ref().map(|i| i.version)) {
                return Err(StoreError::ConditionFailed {
                    key: write.key().clone(),
                });
            }
            self.apply_write(tx, write, current)
        })
    }

    /// The rows of `query`'s page and the one after, read by `read_row`.
    fn run_query<T>(
        &self,
        query: &Query,
        now: i64,
        read_row: fn(&Row<'_>) -> rusqlite::Result<Result<T, StoreError>>,
    ) -> Result<Vec<T>, StoreError> {
        let plan = QueryPlan::new(query, now)?;
        let sql = plan.sql(&self.sql.columns);
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql).map_err(sql_error)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(plan.params.iter()), read_row)
            .map_err(sql_error)?;
        let mut items = Vec::with_capacity(query.limit as usize + 1);
        for row in rows {
            items.push(row.map_err(sql_error)??);
        }
        Ok(items)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let now = self.now();
        self.live_item(&self.reader(), key, now)
    }

    async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let items = self.batch_get_json(keys).await?;
        items.into_iter().map(parse_body).collect()
    }

    async fn batch_get_json(&self, keys: &[Key]) -> Result<Vec<JsonItem>, StoreError> {
        check_batch_get(keys)?;
        let now = self.now();
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        let conn = self.reader();
        // One read transaction for all the keys: outside one, every lookup takes and releases
        // the WAL's shared locks itself (system calls), which cost more than the lookup.
        let tx = conn.unchecked_transaction().map_err(sql_error)?;
        let mut items = Vec::with_capacity(keys.len());
        {
            // Looked up in the statement cache once per batch, not once per key.
            let mut stmt = tx.prepare_cached(&self.sql.select_one).map_err(sql_error)?;
            for key in keys {
                if seen.insert(key)
                    && let Some(item) = live_json_item_with(&mut stmt, key, now)?
                {
                    items.push(item);
                }
            }
        }
        tx.commit().map_err(sql_error)?;
        Ok(items)
    }

    async fn put(&self, put: Put) -> Result<u64, StoreError> {
        let written = self.write_one(Write::Put(put))?;
        written
            .map(|item| item.version)
            .ok_or_else(|| StoreError::Backend("put wrote nothing".into()))
    }

    async fn update(&self, update: Update) -> Result<Item, StoreError> {
        check_update(&update)?;
        self.write_one(Write::Update(update))?
            .ok_or_else(|| StoreError::Backend("update wrote nothing".into()))
    }

    async fn delete(&self, delete: Delete) -> Result<(), StoreError> {
        self.write_one(Write::Delete(delete)).map(|_| ())
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        check_transaction(&writes, self.transaction_limit())?;
        for write in &writes {
            if let Write::Update(update) = write {
                check_update(update)?;
            }
        }
        let now = self.now();
        // Most transactions hold: apply them in one pass. When a condition fails, that pass is
        // rolled back (the empty `failed` says so) and the exact pass below reports every
        // failing position.
        let quick = self.write(|tx| {
            if self.apply_in_turn(tx, &writes, now)? {
                Ok(())
            } else {
                Err(StoreError::TransactionCancelled { failed: Vec::new() })
            }
        });
        match quick {
            Err(StoreError::TransactionCancelled { failed }) if failed.is_empty() => {}
            other => return other,
        }
        self.write(|tx| {
            // Keys are distinct, so every condition is judged against the state before the
            // transaction, and all failing positions are reported, as DynamoDB does.
            let mut currents = Vec::with_capacity(writes.len());
            let mut failed = Vec::new();
            for (position, write) in writes.iter().enumerate() {
                let current = self.live_item(tx, write.key(), now)?;
                if !condition_of(write).holds(current.as_ref().map(|i| i.version)) {
                    failed.push(position);
                }
                currents.push(current);
            }
            if !failed.is_empty() {
                return Err(StoreError::TransactionCancelled { failed });
            }
            for (write, current) in writes.into_iter().zip(currents) {
                self.apply_write(tx, write, current)?;
            }
            Ok(())
        })
    }

    fn transaction_limit(&self) -> usize {
        TRANSACTION_LIMIT
    }

    async fn query(&self, query: &Query) -> Result<RawPage, StoreError> {
        check_query(query)?;
        let items = self.run_query(query, self.now(), item_from_row)?;
        Ok(page_from(items, query))
    }

    /// Items are kept in key order, so a tenant's are one range of the primary key: no
    /// all-items index entry on every write.
    fn lists_tenant_items_by_index(&self) -> bool {
        false
    }

    async fn items_by_prefix(
        &self,
        prefix: &str,
        after: Option<&Key>,
        limit: u32,
    ) -> Result<Vec<Item>, StoreError> {
        let Some(end) = successor(prefix).filter(|_| !prefix.is_empty()) else {
            return Err(StoreError::Invalid("a listing needs a key prefix".into()));
        };
        let now = self.now();
        let conn = self.reader();
        let (sql, after_pk, after_sk) = match after {
            Some(key) => (&self.sql.prefix_after, key.pk.as_str(), key.sk.as_str()),
            None => (&self.sql.prefix_first, "", ""),
        };
        let mut stmt = conn.prepare_cached(sql).map_err(sql_error)?;
        let rows = stmt
            .query_map(
                rusqlite::params![prefix, end, now, after_pk, after_sk, i64::from(limit)],
                item_from_row,
            )
            .map_err(sql_error)?;
        let mut items = Vec::with_capacity(limit as usize);
        for row in rows {
            items.push(row.map_err(sql_error)??);
        }
        Ok(items)
    }

    async fn query_json(&self, query: &Query) -> Result<RawJsonPage, StoreError> {
        check_query(query)?;
        let items = self.run_query(query, self.now(), json_item_from_row)?;
        Ok(json_page_from(items, query))
    }

    async fn batch_write(&self, puts: Vec<Item>, deletes: Vec<Key>) -> Result<(), StoreError> {
        check_batch_write(&puts, &deletes)?;
        if puts.is_empty() && deletes.is_empty() {
            return Ok(());
        }
        // One transaction for the whole batch: SQLite's cost is per commit, not per row.
        self.write(|tx| {
            for mut item in puts {
                item.version = 1;
                self.store_item(tx, &item)?;
            }
            for key in &deletes {
                self.delete_row(tx, key)?;
            }
            Ok(())
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.reader()
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(sql_error)
    }

    async fn purge_expired(&self, now_unix: i64) -> Result<usize, StoreError> {
        SqliteStore::purge_expired(self, now_unix)
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(sql_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the
    // last commits, which is acceptable for the embedded store.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sql_error)?;
    // Pages are read through a memory map and a larger page cache rather than one `pread` per
    // page: a bulk import touches hundreds of megabytes, and the default 2 MiB cache made the
    // system calls its largest cost (docs/benchmarks.md, readings intake).
    conn.pragma_update(None, "mmap_size", MMAP_SIZE)
        .map_err(sql_error)?;
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)
        .map_err(sql_error)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// A poisoned lock only means another request panicked; SQLite's own transaction rollback keeps
/// the connection consistent, so keep serving.
fn lock(mutex: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn condition_of(write: &Write) -> Condition {
    match write {
        Write::Put(put) => put.condition,
        Write::Update(update) => update.condition,
        Write::Delete(delete) => delete.condition,
        Write::Check { condition, .. } => *condition,
    }
}

/// The version an item gets when written over `current` (its live version, if any).
fn next_version(current: Option<u64>) -> Result<u64, StoreError> {
    match current {
        None => Ok(1),
        Some(version) => version
            .checked_add(1)
            .ok_or_else(|| StoreError::Backend("version overflow".into())),
    }
}

#[expect(clippy::needless_pass_by_value, reason = "shaped for map_err")]
fn sql_error(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Unavailable(error.to_string())
        }
        _ => StoreError::Backend(error.to_string()),
    }
}

/// Reads a row selected with [`Statements::columns`]. The outer `Result` is SQLite's, the inner
/// one says whether the stored data makes sense.
fn item_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Item, StoreError>> {
    Ok(json_item_from_row(row)?.and_then(parse_body))
}

/// The item at `key` by `select`, the prepared `select_one`, unless it is absent or expired.
fn live_json_item_with(
    select: &mut rusqlite::Statement<'_>,
    key: &Key,
    now: i64,
) -> Result<Option<JsonItem>, StoreError> {
    let item = select
        .query_row([&key.pk, &key.sk], json_item_from_row)
        .optional()
        .map_err(sql_error)?
        .transpose()?;
    Ok(item.filter(|item| item.expires_at.is_none_or(|at| at > now)))
}

/// Like [`item_from_row`], leaving the body as the stored text.
fn json_item_from_row(row: &Row<'_>) -> rusqlite::Result<Result<JsonItem, StoreError>> {
    let pk: String = row.get(0)?;
    let sk: String = row.get(1)?;
    let mut index_keys = IndexKeys::default();
    let mut column = 2;
    for index in Index::GSIS {
        let ipk: Option<String> = row.get(column)?;
        let isk: Option<String> = row.get(column + 1)?;
        column += 2;
        match (ipk, isk) {
            (Some(ipk), Some(isk)) => index_keys.set(index, Some(Key::new(ipk, isk))),
            (None, None) => {}
            _ => {
                return Ok(Err(StoreError::Backend(format!(
                    "item {pk:?}/{sk:?} has half an index key for {index:?}"
                ))));
            }
        }
    }
    let version: i64 = row.get(column)?;
    let expires_at: Option<i64> = row.get(column + 1)?;
    let json: String = row.get(column + 2)?;
    let Ok(version) = u64::try_from(version) else {
        return Ok(Err(StoreError::Backend(format!(
            "item {pk:?}/{sk:?} has a negative version"
        ))));
    };
    Ok(Ok(JsonItem {
        key: Key::new(pk, sk),
        index_keys,
        version,
        expires_at,
        json,
    }))
}

fn parse_body(item: JsonItem) -> Result<Item, StoreError> {
    let body: Body = serde_json::from_str(&item.json).map_err(|e| {
        StoreError::Backend(format!(
            "item {:?}/{:?} has a corrupt body: {e}",
            item.key.pk, item.key.sk
        ))
    })?;
    Ok(Item {
        key: item.key,
        index_keys: item.index_keys,
        version: item.version,
        expires_at: item.expires_at,
        body,
        body_json: None,
    })
}

/// Keeps `limit` items and, when one more was fetched, marks where this page ended.
fn page_from(items: Vec<Item>, query: &Query) -> RawPage {
    let (items, last) = cut_page(items, query);
    RawPage { items, last }
}

fn json_page_from(items: Vec<JsonItem>, query: &Query) -> RawJsonPage {
    let (items, last) = cut_page(items, query);
    RawJsonPage { items, last }
}

/// What a page needs of a row to say where it ended.
trait PagedRow {
    fn table_key(&self) -> &Key;
    fn key_in(&self, index: Index) -> Option<&Key>;
}

impl PagedRow for Item {
    fn table_key(&self) -> &Key {
        &self.key
    }
    fn key_in(&self, index: Index) -> Option<&Key> {
        Item::key_in(self, index)
    }
}

impl PagedRow for JsonItem {
    fn table_key(&self) -> &Key {
        &self.key
    }
    fn key_in(&self, index: Index) -> Option<&Key> {
        JsonItem::key_in(self, index)
    }
}

/// Keeps the page's `limit` rows of the `limit + 1` fetched and, when the extra one was there,
/// the position the next page starts after.
fn cut_page<T: PagedRow>(mut items: Vec<T>, query: &Query) -> (Vec<T>, Option<LastKey>) {
    let limit = query.limit as usize;
    if items.len() <= limit {
        return (items, None);
    }
    items.truncate(limit);
    let last = items.last().and_then(|item| {
        Some(LastKey {
            index_key: item.key_in(query.index)?.clone(),
            table_key: item.table_key().clone(),
        })
    });
    (items, last)
}

/// The WHERE clause and parameters of one query, built together so positions always match.
struct QueryPlan {
    index_sk: &'static str,
    is_table: bool,
    forward: bool,
    clauses: Vec<String>,
    params: Vec<SqlValue>,
    /// Rows to fetch: the page and one more, to know whether another page follows.
    fetch: u32,
}

impl QueryPlan {
    fn new(query: &Query, now: i64) -> Result<Self, StoreError> {
        let (index_pk, index_sk) = query.index.key_attributes();
        let mut plan = QueryPlan {
            index_sk,
            is_table: query.index == Index::Table,
            forward: query.forward,
            clauses: Vec::new(),
            params: Vec::new(),
            fetch: 0,
        };
        // `+?`, not `?`: with a bare parameter the planner reads its bound value while weighing
        // the ORDER BY, so SQLite expires the statement whenever it is bound again and every
        // reuse from the cache was parsed and planned anew (a quarter of a bulk import's time).
        // The unary plus changes nothing else; the index is used as before.
        plan.push(format!("{index_pk} = +?"), [query.pk.clone()]);
        match &query.sort {
            SortKey::Any => {}
            SortKey::Equals(value) => plan.push(format!("{index_sk} = ?"), [value.clone()]),
            SortKey::BeginsWith(prefix) if prefix.is_empty() => {}
            // A range, not LIKE: it uses the index and compares bytes exactly.
            SortKey::BeginsWith(prefix) => match successor(prefix) {
                Some(end) => plan.push(
                    format!("{index_sk} >= ? AND {index_sk} < ?"),
                    [prefix.clone(), end],
                ),
                None => plan.push(format!("{index_sk} >= ?"), [prefix.clone()]),
            },
            SortKey::Between(low, high) => plan.push(
                format!("{index_sk} >= ? AND {index_sk} <= ?"),
                [low.clone(), high.clone()],
            ),
        }
        if let Some(after) = &query.start_after {
            if after.index_key.pk != query.pk {
                return Err(StoreError::InvalidCursor("issued for a different listing"));
            }
            plan.push_start_after(after);
        }
        plan.clauses
            .push(format!("({ttl} IS NULL OR {ttl} > ?)", ttl = TABLE.ttl));
        plan.params.push(SqlValue::Integer(now));
        plan.fetch = query.limit + 1;
        Ok(plan)
    }

    fn push<const N: usize>(&mut self, clause: String, params: [String; N]) {
        self.clauses.push(clause);
        self.params.extend(params.map(SqlValue::Text));
    }

    /// Strictly after the cursor in the query's direction. On an index the position is the
    /// whole (index sort key, table key) tuple, since index sort keys repeat.
    fn push_start_after(&mut self, after: &LastKey) {
        let op = if self.forward { ">" } else { "<" };
        if self.is_table {
            self.push(
                format!("{} {op} ?", self.index_sk),
                [after.table_key.sk.clone()],
            );
        } else {
            self.push(
                format!(
                    "({}, {}, {}) {op} (?, ?, ?)",
                    self.index_sk, TABLE.pk, TABLE.sk
                ),
                [
                    after.index_key.sk.clone(),
                    after.table_key.pk.clone(),
                    after.table_key.sk.clone(),
                ],
            );
        }
    }

    fn sql(&self, columns: &str) -> String {
        let direction = if self.forward { "ASC" } else { "DESC" };
        let order = if self.is_table {
            format!("{} {direction}", self.index_sk)
        } else {
            format!(
                "{isk} {direction}, {pk} {direction}, {sk} {direction}",
                isk = self.index_sk,
                pk = TABLE.pk,
                sk = TABLE.sk
            )
        };
        // The limit is written into the statement, not bound, for the same reason as `+?` above:
        // the planner reads a bound LIMIT. Page sizes are few; the cache holds every shape.
        format!(
            "SELECT {columns} FROM items WHERE {} ORDER BY {order} LIMIT {}",
            self.clauses.join(" AND "),
            self.fetch
        )
    }
}

/// The smallest string above every string that starts with `prefix`: the prefix with its last
/// character incremented (dropping trailing characters that cannot be). `None` when no such
/// string exists.
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("nested/store.db")).expect("open");
        (dir, store)
    }

    #[test]
    fn successor_bounds_every_extension_of_the_prefix() {
        assert_eq!(successor("A#").as_deref(), Some("A$"));
        assert_eq!(successor("az").as_deref(), Some("a{"));
        assert_eq!(successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(successor("\u{10FFFF}"), None);
        assert_eq!(successor(""), None);
    }

    fn page_size(store: &SqliteStore) -> i64 {
        lock(&store.writer)
            .query_row("PRAGMA page_size", [], |row| row.get(0))
            .expect("page size")
    }

    #[tokio::test]
    async fn a_new_file_has_large_pages_and_an_older_file_keeps_its_own() {
        let (_dir, store) = store();
        assert_eq!(page_size(&store), PAGE_SIZE);

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.db");
        Connection::open(&path)
            .and_then(|conn| conn.execute_batch("CREATE TABLE earlier (x)"))
            .expect("an older file");
        let store = SqliteStore::open(&path).expect("open");
        assert_eq!(page_size(&store), 4096);
        let item = Item::new(Key::new("p", "s"), Body::new());
        store
            .put(Put {
                item,
                condition: Condition::None,
            })
            .await
            .expect("put");
        assert!(store.get(&Key::new("p", "s")).await.expect("get").is_some());
    }

    #[tokio::test]
    async fn a_corrupt_body_is_a_backend_error_not_a_panic() {
        let (_dir, store) = store();
        let key = Key::new("p", "s");
        lock(&store.writer)
            .execute(
                "INSERT INTO items (pk, sk, v, d) VALUES ('p', 's', 1, '{not json')",
                [],
            )
            .expect("insert");
        assert!(matches!(store.get(&key).await, Err(StoreError::Backend(_))));
        let query = Query::new(Index::Table, "p");
        assert!(matches!(
            store.query(&query).await,
            Err(StoreError::Backend(_))
        ));
    }

    #[tokio::test]
    async fn cached_queries_are_not_parsed_and_planned_again() {
        let (_dir, store) = store();
        let items = (0..5)
            .map(|i| Item::new(Key::new("p", format!("s{i}")), Body::new()))
            .collect();
        store.batch_write(items, Vec::new()).await.expect("load");
        let query = Query::new(Index::Table, "p")
            .sort(SortKey::Between("s1".into(), "s3".into()))
            .limit(2);
        // Enough calls that every reader connection runs the statement from its cache twice.
        for _ in 0..READERS * 2 {
            let page = store.query(&query).await.expect("query");
            assert_eq!(page.items.len(), 2);
        }
        let plan = QueryPlan::new(&query, 0).expect("plan");
        let sql = plan.sql(&store.sql.columns);
        let details: String = lock(&store.readers[0])
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .and_then(|mut stmt| {
                stmt.query_map(rusqlite::params_from_iter(plan.params.iter()), |row| {
                    row.get::<_, String>(3)
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .expect("plan")
            .join("; ");
        assert!(details.contains("USING PRIMARY KEY"), "{details}");
        assert!(!details.contains("TEMP B-TREE"), "{details}");
        for reader in &store.readers {
            let conn = lock(reader);
            let stmt = conn.prepare_cached(&sql).expect("cached");
            assert_eq!(
                stmt.get_status(rusqlite::StatementStatus::RePrepare),
                0,
                "{sql}"
            );
        }
    }

    #[test]
    fn queries_walk_the_index_without_sorting() {
        let (_dir, store) = store();
        let query = Query::new(Index::Gsi2, "T#a#X")
            .sort(SortKey::BeginsWith("A".into()))
            .backward();
        let mut query = query;
        query.start_after = Some(LastKey {
            index_key: Key::new("T#a#X", "A5"),
            table_key: Key::new("T#a#1", "s"),
        });
        let plan = QueryPlan::new(&query, 0).expect("plan");
        let sql = format!("EXPLAIN QUERY PLAN {}", plan.sql(&store.sql.columns));
        let conn = store.reader();
        let mut stmt = conn.prepare(&sql).expect("explain");
        let details: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(plan.params.iter()), |row| {
                row.get(3)
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("details");
        let details = details.join("; ");
        assert!(details.contains("USING INDEX gsi2"), "{details}");
        assert!(!details.contains("TEMP B-TREE"), "{details}");
    }

    #[tokio::test]
    async fn purge_removes_only_expired_items() {
        let (_dir, store) = store();
        let items = (0..2500)
            .map(|i| {
                let item = Item::new(Key::new("p", format!("{i:05}")), Body::new());
                if i % 2 == 0 {
                    item.expiring_at(100)
                } else {
                    item
                }
            })
            .collect();
        store.batch_write(items, Vec::new()).await.expect("load");
        assert_eq!(store.purge_expired(99).expect("purge"), 0);
        assert_eq!(store.purge_expired(100).expect("purge"), 1250);
        let page = store
            .query(&Query::new(Index::Table, "p").limit(1000))
            .await
            .expect("query");
        assert_eq!(page.items.len(), 1000);
        assert!(page.items.iter().all(|item| item.expires_at.is_none()));
    }
}
