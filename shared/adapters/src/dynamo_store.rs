//! The production `Store`: one DynamoDB table described by [`TABLE`].
//!
//! Puts and updates both go through UpdateItem, so the store can manage the version
//! (`if_not_exists(v, 0) + 1`) and set or remove every managed attribute in one request.
//!
//! Expired items must behave as absent, but DynamoDB deletes them only eventually and an update
//! expression cannot branch. So a write that should start from nothing (a put or upsert over an
//! expired item, an upsert of an absent one) is first tried as a plain write whose condition
//! refuses that case; when it fails, the item DynamoDB saw (returned with
//! `ReturnValuesOnConditionCheckFailure = ALL_OLD`) decides the retry: a full rewrite at version 1
//! conditioned on the item being exactly what was seen (absent, or expired at that version). The
//! common case stays one request; transactions do the same per position.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, CancellationReason, ConditionCheck,
    Delete as DeleteOp, DeleteRequest, GlobalSecondaryIndex, IndexStatus, KeySchemaElement,
    KeyType, KeysAndAttributes, Projection, ProjectionType, PutRequest, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
    TimeToLiveStatus, TransactWriteItem, Update as UpdateOp, WriteRequest,
};
use futures::StreamExt;
use serde_json::Value;

use crm_app::clock::{Clock, SystemClock};
use crm_app::keys;
use crm_app::store::{
    Body, Change, Condition, Delete, Index, IndexKeys, Item, Key, LastKey, Put, Query, RawPage,
    SortKey, Store, StoreError, TABLE, Update, Write, apply_changes, check_batch_get,
    check_batch_write, check_query, check_transaction, check_update,
};

type Attributes = HashMap<String, AttributeValue>;

/// Rounds of a write that keeps meeting a concurrently changed item before giving up.
const MAX_WRITE_ATTEMPTS: usize = 5;
/// Rounds of retrying unprocessed batch items (throttling) before reporting unavailability.
const MAX_BATCH_ROUNDS: u32 = 8;
/// BatchWriteItem's limit.
const BATCH_WRITE_CHUNK: usize = 25;
/// Batch write requests in flight at once for one `batch_write` call.
const BATCH_WRITE_PARALLEL: usize = 4;
const TABLE_ACTIVE_TIMEOUT: Duration = Duration::from_secs(600);

pub struct DynamoStore {
    client: Client,
    table: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DynamoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl DynamoStore {
    pub fn new(sdk: &SdkConfig, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client: Client::new(sdk),
            table: table.into(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Uses `clock` to decide which items have expired (tests move time forward).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// The item as stored, expired or not (strongly consistent).
    async fn get_raw(&self, key: &Key) -> Result<Option<Attributes>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out.item)
    }

    /// One write on its own, retried in the rebuilding mode when DynamoDB's view of the item
    /// calls for it (see the module comment). Returns the item after a put or update.
    async fn write_one(&self, write: &Write) -> Result<Option<Item>, StoreError> {
        let now = self.now();
        let mut mode = Mode::initial(write);
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let built = build(write, &mode, now)?;
            let old = match self.send_one(built).await? {
                Sent::Done(item) => return Ok(item.map(|item| *item)),
                Sent::ConditionFailed(old) => old,
            };
            let old = self.confirm_old(write.key(), &mode, old).await?;
            match mode.after_failure(write, old.as_ref(), now)? {
                Some(next) => mode = next,
                None => {
                    return Err(StoreError::ConditionFailed {
                        key: write.key().clone(),
                    });
                }
            }
        }
        Err(StoreError::TransactionConflict)
    }

    /// DynamoDB returns no old item when there is none; but if we already wrote expecting
    /// absence and still failed, read the item to learn what is really there.
    async fn confirm_old(
        &self,
        key: &Key,
        mode: &Mode,
        old: Option<Attributes>,
    ) -> Result<Option<Attributes>, StoreError> {
        match (old, mode) {
            (None, Mode::Fresh(Prior::Absent)) => self.get_raw(key).await,
            (old, _) => Ok(old),
        }
    }

    async fn send_one(&self, built: Built) -> Result<Sent, StoreError> {
        let Built {
            key,
            action,
            condition,
            expr,
        } = built;
        match action {
            Action::Update(update_expression) => {
                let result = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .update_expression(update_expression)
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .return_values(ReturnValue::AllNew)
                    .return_values_on_condition_check_failure(
                        ReturnValuesOnConditionCheckFailure::AllOld,
                    )
                    .send()
                    .await;
                match result {
                    Ok(out) => {
                        let attributes = out.attributes.ok_or_else(|| {
                            StoreError::Backend("update returned no attributes".into())
                        })?;
                        Ok(Sent::Done(Some(Box::new(item_from_attributes(
                            &attributes,
                        )?))))
                    }
                    Err(SdkError::ServiceError(e)) => match e.into_err() {
                        UpdateItemError::ConditionalCheckFailedException(e) => {
                            Ok(Sent::ConditionFailed(e.item))
                        }
                        other => Err(service_error(&other)),
                    },
                    Err(other) => Err(sdk_error(other)),
                }
            }
            Action::Delete => {
                let result = self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .return_values_on_condition_check_failure(
                        ReturnValuesOnConditionCheckFailure::AllOld,
                    )
                    .send()
                    .await;
                match result {
                    Ok(_) => Ok(Sent::Done(None)),
                    Err(SdkError::ServiceError(e)) => match e.into_err() {
                        DeleteItemError::ConditionalCheckFailedException(e) => {
                            Ok(Sent::ConditionFailed(e.item))
                        }
                        other => Err(service_error(&other)),
                    },
                    Err(other) => Err(sdk_error(other)),
                }
            }
            Action::Check => Err(StoreError::Invalid(
                "a condition check is only valid inside a transaction".into(),
            )),
        }
    }

    /// One TransactWriteItems round. `Err` carries the cancellation reasons when the
    /// transaction was cancelled.
    async fn send_transaction(
        &self,
        writes: &[Write],
        modes: &[Mode],
        now: i64,
    ) -> Result<Result<(), Vec<CancellationReason>>, StoreError> {
        let items = writes
            .iter()
            .zip(modes)
            .map(|(write, mode)| build(write, mode, now)?.into_transact_item(&self.table))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            // A token makes the SDK's own retries of this exact request idempotent.
            .client_request_token(uuid::Uuid::new_v4().to_string())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Ok(())),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(e) => {
                    Ok(Err(e.cancellation_reasons.unwrap_or_default()))
                }
                other => Err(service_error(&other)),
            },
            Err(other) => Err(sdk_error(other)),
        }
    }

    async fn batch_get_keys(&self, keys: Vec<Attributes>) -> Result<Vec<Attributes>, StoreError> {
        let mut pending = keys;
        let mut found = Vec::with_capacity(pending.len());
        for round in 0..MAX_BATCH_ROUNDS {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(build_error)?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(sdk_error)?;
            if let Some(mut responses) = out.responses {
                found.extend(responses.remove(&self.table).unwrap_or_default());
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut unprocessed| unprocessed.remove(&self.table))
                .map(|request| request.keys)
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(found);
            }
            tokio::time::sleep(backoff(round)).await;
        }
        Err(StoreError::Unavailable(
            "batch get: keys still unprocessed after retries".into(),
        ))
    }

    async fn batch_write_chunk(&self, chunk: Vec<WriteRequest>) -> Result<(), StoreError> {
        let mut pending = chunk;
        for round in 0..MAX_BATCH_ROUNDS {
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, std::mem::take(&mut pending))
                .send()
                .await
                .map_err(sdk_error)?;
            pending = out
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(&self.table))
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(backoff(round)).await;
        }
        Err(StoreError::Unavailable(
            "batch write: items still unprocessed after retries".into(),
        ))
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let now = self.now();
        match self.get_raw(key).await? {
            Some(attributes) => Ok(live(item_from_attributes(&attributes)?, now)),
            None => Ok(None),
        }
    }

    async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        check_batch_get(keys)?;
        // DynamoDB refuses repeated keys in one request.
        let mut seen = HashSet::with_capacity(keys.len());
        let unique: Vec<Attributes> = keys
            .iter()
            .filter(|key| seen.insert(*key))
            .map(key_attributes)
            .collect();
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let mut items = Vec::with_capacity(unique.len());
        for attributes in self.batch_get_keys(unique).await? {
            if let Some(item) = live(item_from_attributes(&attributes)?, now) {
                items.push(item);
            }
        }
        Ok(items)
    }

    async fn put(&self, put: Put) -> Result<u64, StoreError> {
        let item = self.write_one(&Write::Put(put)).await?;
        item.map(|item| item.version)
            .ok_or_else(|| StoreError::Backend("put returned no item".into()))
    }

    async fn update(&self, update: Update) -> Result<Item, StoreError> {
        check_update(&update)?;
        self.write_one(&Write::Update(update))
            .await?
            .ok_or_else(|| StoreError::Backend("update returned no item".into()))
    }

    async fn delete(&self, delete: Delete) -> Result<(), StoreError> {
        self.write_one(&Write::Delete(delete)).await.map(|_| ())
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        check_transaction(&writes, self.transaction_limit())?;
        for write in &writes {
            if let Write::Update(update) = write {
                check_update(update)?;
            }
        }
        let now = self.now();
        let mut modes: Vec<Mode> = writes.iter().map(Mode::initial).collect();
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let reasons = match self.send_transaction(&writes, &modes, now).await? {
                Ok(()) => return Ok(()),
                Err(reasons) => reasons,
            };
            let mut failed = Vec::new();
            let mut other = None;
            for (position, reason) in reasons.into_iter().enumerate() {
                let (Some(write), Some(mode)) = (writes.get(position), modes.get(position)) else {
                    continue;
                };
                match reason.code() {
                    Some("ConditionalCheckFailed") => {
                        let old = self.confirm_old(write.key(), mode, reason.item).await?;
                        match mode.after_failure(write, old.as_ref(), now)? {
                            Some(next) => modes[position] = next,
                            None => failed.push(position),
                        }
                    }
                    None | Some("None") => {}
                    Some(code) => {
                        other.get_or_insert_with(|| cancellation_error(code, reason.message()));
                    }
                }
            }
            if !failed.is_empty() {
                return Err(StoreError::TransactionCancelled { failed });
            }
            if let Some(error) = other {
                return Err(error);
            }
        }
        Err(StoreError::TransactionConflict)
    }

    async fn query(&self, query: &Query) -> Result<RawPage, StoreError> {
        check_query(query)?;
        if let Some(after) = &query.start_after
            && after.index_key.pk != query.pk
        {
            return Err(StoreError::InvalidCursor("issued for a different listing"));
        }
        let now = self.now();
        let mut expr = Expr::default();
        let Some(key_condition) = key_condition(query, &mut expr) else {
            return Ok(RawPage::default());
        };
        let filter = live_condition(&mut expr, now);
        // One item past the page tells whether another page follows, so `last` is set only
        // when it does (no trailing empty page).
        let wanted = query.limit as usize + 1;
        let mut items: Vec<Item> = Vec::with_capacity(wanted);
        let mut start = query
            .start_after
            .as_ref()
            .map(|after| start_key(query.index, after));
        loop {
            let remaining = i32::try_from(wanted - items.len()).unwrap_or(i32::MAX);
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(query.index.def().map(|def| def.name.to_owned()))
                .key_condition_expression(&key_condition)
                .filter_expression(&filter)
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .scan_index_forward(query.forward)
                .limit(remaining)
                .set_exclusive_start_key(start.take())
                // Indexes cannot be read consistently; the table can, like the SQLite store.
                .consistent_read(query.index == Index::Table)
                .send()
                .await
                .map_err(sdk_error)?;
            for attributes in out.items.unwrap_or_default() {
                // The filter already dropped expired items; this guards the clock edge.
                if let Some(item) = live(item_from_attributes(&attributes)?, now) {
                    items.push(item);
                }
            }
            start = out.last_evaluated_key;
            if items.len() >= wanted || start.is_none() {
                break;
            }
        }
        Ok(page_from(items, query))
    }

    async fn batch_write(&self, puts: Vec<Item>, deletes: Vec<Key>) -> Result<(), StoreError> {
        check_batch_write(&puts, &deletes)?;
        let mut requests = Vec::with_capacity(puts.len() + deletes.len());
        for mut item in puts {
            item.version = 1;
            let put = PutRequest::builder()
                .set_item(Some(item_attributes(&item)))
                .build()
                .map_err(build_error)?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        for key in &deletes {
            let delete = DeleteRequest::builder()
                .set_key(Some(key_attributes(key)))
                .build()
                .map_err(build_error)?;
            requests.push(WriteRequest::builder().delete_request(delete).build());
        }
        let mut chunks = Vec::new();
        while !requests.is_empty() {
            let rest = requests.split_off(requests.len().min(BATCH_WRITE_CHUNK));
            chunks.push(std::mem::replace(&mut requests, rest));
        }
        let mut results = futures::stream::iter(chunks)
            .map(|chunk| self.batch_write_chunk(chunk))
            .buffer_unordered(BATCH_WRITE_PARALLEL);
        while let Some(result) = results.next().await {
            result?;
        }
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.get_raw(&keys::health_probe()).await.map(|_| ())
    }
}

/// Whether the single-write call finished or met a failed condition (with the item DynamoDB
/// saw, when there was one).
enum Sent {
    Done(Option<Box<Item>>),
    ConditionFailed(Option<Attributes>),
}

/// How a write is sent.
#[derive(Clone, Debug)]
enum Mode {
    /// The plain write: on top of the live item (or, for a put, onto nothing).
    Primary,
    /// A rewrite of the whole item at version 1, valid only while the item is as seen.
    Fresh(Prior),
}

#[derive(Clone, Debug)]
enum Prior {
    Absent,
    Expired {
        version: AttributeValue,
        ttl: AttributeValue,
    },
}

impl Mode {
    fn initial(write: &Write) -> Mode {
        match write {
            // An update cannot set body fields of an item that does not exist yet.
            Write::Update(update) if update.condition == Condition::MustNotExist => {
                Mode::Fresh(Prior::Absent)
            }
            _ => Mode::Primary,
        }
    }

    /// After `write`'s condition failed on `old` (the item as DynamoDB saw it): the mode to
    /// retry in, or `None` when the caller's condition really does not hold.
    fn after_failure(
        &self,
        write: &Write,
        old: Option<&Attributes>,
        now: i64,
    ) -> Result<Option<Mode>, StoreError> {
        let condition = condition_of(write);
        // Only puts and updates whose condition accepts an absent item start from nothing.
        let rebuilds = matches!(write, Write::Put(_) | Write::Update(_)) && condition.holds(None);
        if !rebuilds {
            return Ok(None);
        }
        let Some(old) = old else {
            return Ok(Some(Mode::Fresh(Prior::Absent)));
        };
        let expired = match old.get(TABLE.ttl) {
            Some(ttl) => number::<i64>(ttl, TABLE.ttl)? <= now,
            None => false,
        };
        if expired {
            let version = old
                .get(TABLE.version)
                .cloned()
                .ok_or_else(|| StoreError::Backend("stored item has no version".into()))?;
            let ttl = old
                .get(TABLE.ttl)
                .cloned()
                .ok_or_else(|| StoreError::Backend("stored item has no expiry".into()))?;
            return Ok(Some(Mode::Fresh(Prior::Expired { version, ttl })));
        }
        // A live item: fine for a plain write (someone created it meanwhile), fatal when the
        // caller required absence.
        Ok((condition == Condition::None).then_some(Mode::Primary))
    }
}

/// Expression attribute names and values, registered as they are used (DynamoDB refuses
/// unused ones). Every attribute goes through a name placeholder: `ttl` and others are
/// reserved words.
#[derive(Default)]
struct Expr {
    names: HashMap<String, String>,
    placeholders: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    fn name(&mut self, attribute: &str) -> String {
        if let Some(placeholder) = self.placeholders.get(attribute) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attribute.to_owned());
        self.placeholders
            .insert(attribute.to_owned(), placeholder.clone());
        placeholder
    }

    fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<Attributes> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// A write ready to send, alone or in a transaction.
struct Built {
    key: Attributes,
    action: Action,
    condition: Option<String>,
    expr: Expr,
}

enum Action {
    Update(String),
    Delete,
    Check,
}

impl Built {
    fn into_transact_item(self, table: &str) -> Result<TransactWriteItem, StoreError> {
        let on_failure = ReturnValuesOnConditionCheckFailure::AllOld;
        let names = self.expr.names();
        let values = self.expr.values();
        let item = match self.action {
            Action::Update(update_expression) => TransactWriteItem::builder().update(
                UpdateOp::builder()
                    .table_name(table)
                    .set_key(Some(self.key))
                    .update_expression(update_expression)
                    .set_condition_expression(self.condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(build_error)?,
            ),
            Action::Delete => TransactWriteItem::builder().delete(
                DeleteOp::builder()
                    .table_name(table)
                    .set_key(Some(self.key))
                    .set_condition_expression(self.condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(build_error)?,
            ),
            Action::Check => TransactWriteItem::builder().condition_check(
                ConditionCheck::builder()
                    .table_name(table)
                    .set_key(Some(self.key))
                    .set_condition_expression(self.condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(build_error)?,
            ),
        };
        Ok(item.build())
    }
}

/// The request for `write` in `mode`, as of `now`.
fn build(write: &Write, mode: &Mode, now: i64) -> Result<Built, StoreError> {
    let mut expr = Expr::default();
    let (action, condition) = match (write, mode) {
        (Write::Put(put), Mode::Primary) => {
            let condition = put_condition(put.condition, &mut expr, now);
            let update = full_item_update(&put.item, Version::Next, &mut expr);
            (Action::Update(update), condition)
        }
        (Write::Update(update), Mode::Primary) => {
            let condition = update_condition(update.condition, &mut expr, now);
            let expression = changes_update(&update.changes, &mut expr);
            (Action::Update(expression), condition)
        }
        (Write::Put(put), Mode::Fresh(prior)) => {
            let condition = prior_condition(prior, &mut expr);
            let update = full_item_update(&put.item, Version::First, &mut expr);
            (Action::Update(update), Some(condition))
        }
        (Write::Update(update), Mode::Fresh(prior)) => {
            let mut item = Item::new(update.key.clone(), Body::new());
            apply_changes(&mut item, &update.changes)?;
            let condition = prior_condition(prior, &mut expr);
            let expression = full_item_update(&item, Version::First, &mut expr);
            (Action::Update(expression), Some(condition))
        }
        (Write::Delete(delete), _) => (
            Action::Delete,
            plain_condition(delete.condition, &mut expr, now),
        ),
        (Write::Check { condition, .. }, _) => {
            let condition = plain_condition(*condition, &mut expr, now)
                .unwrap_or_else(|| always_true(&mut expr));
            (Action::Check, Some(condition))
        }
    };
    Ok(Built {
        key: key_attributes(write.key()),
        action,
        condition,
        expr,
    })
}

fn now_value(now: i64) -> AttributeValue {
    AttributeValue::N(now.to_string())
}

/// The item exists and has not expired.
fn exists_live(expr: &mut Expr, now: i64) -> String {
    let pk = expr.name(TABLE.pk);
    let ttl = expr.name(TABLE.ttl);
    let now = expr.value(now_value(now));
    format!("attribute_exists({pk}) AND (attribute_not_exists({ttl}) OR {ttl} > {now})")
}

/// For filters: the item has not expired.
fn live_condition(expr: &mut Expr, now: i64) -> String {
    let ttl = expr.name(TABLE.ttl);
    let now = expr.value(now_value(now));
    format!("attribute_not_exists({ttl}) OR {ttl} > {now}")
}

/// ConditionCheck needs a condition; a check without one always holds.
fn always_true(expr: &mut Expr) -> String {
    let pk = expr.name(TABLE.pk);
    format!("attribute_exists({pk}) OR attribute_not_exists({pk})")
}

/// The caller's condition with expired items counted as absent (deletes and checks, which
/// never need to rebuild an item).
fn plain_condition(condition: Condition, expr: &mut Expr, now: i64) -> Option<String> {
    match condition {
        Condition::None => None,
        Condition::MustNotExist => {
            let pk = expr.name(TABLE.pk);
            let ttl = expr.name(TABLE.ttl);
            let now = expr.value(now_value(now));
            Some(format!("attribute_not_exists({pk}) OR {ttl} <= {now}"))
        }
        Condition::MustExist => Some(exists_live(expr, now)),
        Condition::VersionEquals(expected) => {
            let live = exists_live(expr, now);
            let v = expr.name(TABLE.version);
            let expected = expr.value(AttributeValue::N(expected.to_string()));
            Some(format!("{live} AND {v} = {expected}"))
        }
    }
}

/// A plain put must not land on an expired item (which would keep counting its version).
fn put_condition(condition: Condition, expr: &mut Expr, now: i64) -> Option<String> {
    match condition {
        Condition::None => {
            let pk = expr.name(TABLE.pk);
            let ttl = expr.name(TABLE.ttl);
            let now = expr.value(now_value(now));
            Some(format!(
                "attribute_not_exists({pk}) OR attribute_not_exists({ttl}) OR {ttl} > {now}"
            ))
        }
        Condition::MustNotExist => {
            let pk = expr.name(TABLE.pk);
            Some(format!("attribute_not_exists({pk})"))
        }
        other => plain_condition(other, expr, now),
    }
}

/// A plain update changes a live item; an absent or expired one is rebuilt instead.
fn update_condition(condition: Condition, expr: &mut Expr, now: i64) -> Option<String> {
    match condition {
        Condition::None => Some(exists_live(expr, now)),
        other => put_condition(other, expr, now),
    }
}

/// The item is still exactly as seen when the write was planned.
fn prior_condition(prior: &Prior, expr: &mut Expr) -> String {
    match prior {
        Prior::Absent => {
            let pk = expr.name(TABLE.pk);
            format!("attribute_not_exists({pk})")
        }
        Prior::Expired { version, ttl } => {
            let v = expr.name(TABLE.version);
            let ttl_name = expr.name(TABLE.ttl);
            let version = expr.value(version.clone());
            let ttl = expr.value(ttl.clone());
            format!("{v} = {version} AND {ttl_name} = {ttl}")
        }
    }
}

#[derive(Clone, Copy)]
enum Version {
    /// One more than the stored version (0 when there is none).
    Next,
    First,
}

/// SET and REMOVE clauses, joined into one update expression.
#[derive(Default)]
struct Clauses {
    set: Vec<String>,
    remove: Vec<String>,
}

impl Clauses {
    fn set_version(&mut self, version: Version, expr: &mut Expr) {
        let v = expr.name(TABLE.version);
        let one = expr.value(AttributeValue::N("1".into()));
        match version {
            Version::Next => {
                let zero = expr.value(AttributeValue::N("0".into()));
                self.set
                    .push(format!("{v} = if_not_exists({v}, {zero}) + {one}"));
            }
            Version::First => self.set.push(format!("{v} = {one}")),
        }
    }

    fn index_key(&mut self, index: Index, key: Option<&Key>, expr: &mut Expr) {
        let (pk_attribute, sk_attribute) = index.key_attributes();
        let pk = expr.name(pk_attribute);
        let sk = expr.name(sk_attribute);
        match key {
            Some(key) => {
                let pk_value = expr.value(AttributeValue::S(key.pk.clone()));
                let sk_value = expr.value(AttributeValue::S(key.sk.clone()));
                self.set.push(format!("{pk} = {pk_value}"));
                self.set.push(format!("{sk} = {sk_value}"));
            }
            None => {
                self.remove.push(pk);
                self.remove.push(sk);
            }
        }
    }

    fn expiry(&mut self, expires_at: Option<i64>, expr: &mut Expr) {
        let ttl = expr.name(TABLE.ttl);
        match expires_at {
            Some(at) => {
                let at = expr.value(AttributeValue::N(at.to_string()));
                self.set.push(format!("{ttl} = {at}"));
            }
            None => self.remove.push(ttl),
        }
    }

    fn expression(self) -> String {
        let mut parts = Vec::with_capacity(2);
        if !self.set.is_empty() {
            parts.push(format!("SET {}", self.set.join(", ")));
        }
        if !self.remove.is_empty() {
            parts.push(format!("REMOVE {}", self.remove.join(", ")));
        }
        parts.join(" ")
    }
}

/// Replaces every managed attribute with `item`'s.
fn full_item_update(item: &Item, version: Version, expr: &mut Expr) -> String {
    let mut clauses = Clauses::default();
    let body = expr.name(TABLE.body);
    let body_value = expr.value(AttributeValue::M(body_attributes(&item.body_map())));
    clauses.set.push(format!("{body} = {body_value}"));
    clauses.set_version(version, expr);
    for (index, key) in item.index_keys.iter() {
        clauses.index_key(index, key, expr);
    }
    clauses.expiry(item.expires_at, expr);
    clauses.expression()
}

/// Applies `changes` in place on the stored item.
fn changes_update(changes: &[Change], expr: &mut Expr) -> String {
    let mut clauses = Clauses::default();
    clauses.set_version(Version::Next, expr);
    for change in changes {
        match change {
            Change::Set(field, value) => {
                let path = body_path(field, expr);
                let value = expr.value(json_to_attribute(value));
                clauses.set.push(format!("{path} = {value}"));
            }
            Change::Remove(field) => {
                let path = body_path(field, expr);
                clauses.remove.push(path);
            }
            Change::Increment(field, by) => {
                let path = body_path(field, expr);
                let zero = expr.value(AttributeValue::N("0".into()));
                let by = expr.value(AttributeValue::N(by.to_string()));
                clauses
                    .set
                    .push(format!("{path} = if_not_exists({path}, {zero}) + {by}"));
            }
            Change::SetIndexKey(index, key) => clauses.index_key(*index, key.as_ref(), expr),
            Change::SetExpiry(at) => clauses.expiry(*at, expr),
        }
    }
    clauses.expression()
}

fn body_path(field: &str, expr: &mut Expr) -> String {
    let body = expr.name(TABLE.body);
    let field = expr.name(field);
    format!("{body}.{field}")
}

/// The key condition of `query`; `None` when it can match nothing (DynamoDB keys are never
/// empty strings, and it refuses empty strings in key conditions).
fn key_condition(query: &Query, expr: &mut Expr) -> Option<String> {
    let (pk_attribute, sk_attribute) = query.index.key_attributes();
    let pk = expr.name(pk_attribute);
    let pk_value = expr.value(AttributeValue::S(query.pk.clone()));
    let mut condition = format!("{pk} = {pk_value}");
    let mut sk = || expr.name(sk_attribute);
    let sort = match &query.sort {
        SortKey::Any => None,
        SortKey::BeginsWith(prefix) if prefix.is_empty() => None,
        SortKey::Equals(value) if value.is_empty() => return None,
        SortKey::Between(_, high) if high.is_empty() => return None,
        SortKey::Equals(value) => {
            let sk = sk();
            Some(format!(
                "{sk} = {}",
                expr.value(AttributeValue::S(value.clone()))
            ))
        }
        SortKey::BeginsWith(prefix) => {
            let sk = sk();
            Some(format!(
                "begins_with({sk}, {})",
                expr.value(AttributeValue::S(prefix.clone()))
            ))
        }
        SortKey::Between(low, high) if low.is_empty() => {
            let sk = sk();
            Some(format!(
                "{sk} <= {}",
                expr.value(AttributeValue::S(high.clone()))
            ))
        }
        SortKey::Between(low, high) => {
            let sk = sk();
            let low = expr.value(AttributeValue::S(low.clone()));
            let high = expr.value(AttributeValue::S(high.clone()));
            Some(format!("{sk} BETWEEN {low} AND {high}"))
        }
    };
    if let Some(sort) = sort {
        condition.push_str(" AND ");
        condition.push_str(&sort);
    }
    Some(condition)
}

/// DynamoDB's ExclusiveStartKey for a position: the table key, plus the index key on an index.
fn start_key(index: Index, after: &LastKey) -> Attributes {
    let mut key = key_attributes(&after.table_key);
    if index != Index::Table {
        let (pk, sk) = index.key_attributes();
        key.insert(pk.into(), AttributeValue::S(after.index_key.pk.clone()));
        key.insert(sk.into(), AttributeValue::S(after.index_key.sk.clone()));
    }
    key
}

/// Keeps `limit` items and, when one more was read, marks where this page ended.
fn page_from(mut items: Vec<Item>, query: &Query) -> RawPage {
    let limit = query.limit as usize;
    if items.len() <= limit {
        return RawPage { items, last: None };
    }
    items.truncate(limit);
    let last = items.last().and_then(|item| {
        Some(LastKey {
            index_key: item.key_in(query.index)?.clone(),
            table_key: item.key.clone(),
        })
    });
    RawPage { items, last }
}

fn condition_of(write: &Write) -> Condition {
    match write {
        Write::Put(put) => put.condition,
        Write::Update(update) => update.condition,
        Write::Delete(delete) => delete.condition,
        Write::Check { condition, .. } => *condition,
    }
}

/// The item unless it has expired (DynamoDB deletes expired items only eventually).
fn live(item: Item, now: i64) -> Option<Item> {
    (!item.is_expired(now)).then_some(item)
}

fn backoff(round: u32) -> Duration {
    Duration::from_millis(25u64.saturating_mul(1 << round.min(6)))
}

// ---- item mapping ----

fn key_attributes(key: &Key) -> Attributes {
    HashMap::from([
        (TABLE.pk.to_owned(), AttributeValue::S(key.pk.clone())),
        (TABLE.sk.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

/// The whole stored item (for BatchWriteItem puts).
fn item_attributes(item: &Item) -> Attributes {
    let mut attributes = key_attributes(&item.key);
    for (index, key) in item.index_keys.iter() {
        if let Some(key) = key {
            let (pk, sk) = index.key_attributes();
            attributes.insert(pk.into(), AttributeValue::S(key.pk.clone()));
            attributes.insert(sk.into(), AttributeValue::S(key.sk.clone()));
        }
    }
    attributes.insert(
        TABLE.version.into(),
        AttributeValue::N(item.version.to_string()),
    );
    if let Some(at) = item.expires_at {
        attributes.insert(TABLE.ttl.into(), AttributeValue::N(at.to_string()));
    }
    attributes.insert(
        TABLE.body.into(),
        AttributeValue::M(body_attributes(&item.body_map())),
    );
    attributes
}

fn item_from_attributes(attributes: &Attributes) -> Result<Item, StoreError> {
    let string = |name: &str| -> Result<Option<String>, StoreError> {
        match attributes.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(value)) => Ok(Some(value.clone())),
            Some(_) => Err(StoreError::Backend(format!(
                "attribute {name} is not a string"
            ))),
        }
    };
    let required = |name: &str| {
        string(name)?.ok_or_else(|| StoreError::Backend(format!("item without {name}")))
    };
    let key = Key::new(required(TABLE.pk)?, required(TABLE.sk)?);
    let mut index_keys = IndexKeys::default();
    for index in Index::GSIS {
        let (pk, sk) = index.key_attributes();
        match (string(pk)?, string(sk)?) {
            (Some(pk), Some(sk)) => index_keys.set(index, Some(Key::new(pk, sk))),
            (None, None) => {}
            _ => {
                return Err(StoreError::Backend(format!(
                    "item {key:?} has half an index key for {index:?}"
                )));
            }
        }
    }
    let version = attributes
        .get(TABLE.version)
        .ok_or_else(|| StoreError::Backend(format!("item {key:?} has no version")))
        .and_then(|v| number::<u64>(v, TABLE.version))?;
    let expires_at = attributes
        .get(TABLE.ttl)
        .map(|ttl| number::<i64>(ttl, TABLE.ttl))
        .transpose()?;
    let body = match attributes.get(TABLE.body) {
        None => Body::new(),
        Some(AttributeValue::M(map)) => body_from_attributes(map)?,
        Some(_) => {
            return Err(StoreError::Backend(format!(
                "item {key:?} has a body that is not a map"
            )));
        }
    };
    Ok(Item {
        key,
        index_keys,
        version,
        expires_at,
        body,
        body_json: None,
    })
}

fn number<T: std::str::FromStr>(value: &AttributeValue, name: &str) -> Result<T, StoreError> {
    match value {
        AttributeValue::N(n) => n
            .parse()
            .map_err(|_| StoreError::Backend(format!("attribute {name} is out of range: {n}"))),
        _ => Err(StoreError::Backend(format!(
            "attribute {name} is not a number"
        ))),
    }
}

fn body_attributes(body: &Body) -> Attributes {
    body.iter()
        .map(|(name, value)| (name.clone(), json_to_attribute(value)))
        .collect()
}

fn body_from_attributes(map: &Attributes) -> Result<Body, StoreError> {
    map.iter()
        .map(|(name, value)| Ok((name.clone(), attribute_to_json(value)?)))
        .collect()
}

fn json_to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(values) => AttributeValue::L(values.iter().map(json_to_attribute).collect()),
        Value::Object(map) => AttributeValue::M(
            map.iter()
                .map(|(name, value)| (name.clone(), json_to_attribute(value)))
                .collect(),
        ),
    }
}

fn attribute_to_json(value: &AttributeValue) -> Result<Value, StoreError> {
    Ok(match value {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => json_number(n)?,
        AttributeValue::L(values) => Value::Array(
            values
                .iter()
                .map(attribute_to_json)
                .collect::<Result<_, _>>()?,
        ),
        AttributeValue::M(map) => Value::Object(body_from_attributes(map)?),
        other => {
            return Err(StoreError::Backend(format!(
                "unsupported attribute type in a body: {other:?}"
            )));
        }
    })
}

/// Integers stay exact; only numbers with a fraction or exponent become floats.
fn json_number(n: &str) -> Result<Value, StoreError> {
    if let Ok(i) = n.parse::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(u) = n.parse::<u64>() {
        return Ok(Value::from(u));
    }
    n.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| StoreError::Backend(format!("number out of range: {n}")))
}

// ---- errors ----

#[expect(clippy::needless_pass_by_value, reason = "shaped for map_err")]
fn build_error(error: aws_smithy_types::error::operation::BuildError) -> StoreError {
    StoreError::Backend(format!("request could not be built: {error}"))
}

fn sdk_error<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match error {
        SdkError::ServiceError(e) => service_error(e.err()),
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(DisplayErrorContext(&error).to_string())
        }
        other => StoreError::Backend(DisplayErrorContext(&other).to_string()),
    }
}

fn service_error<E>(error: &E) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let message = error.message().unwrap_or_default().to_owned();
    match error.code() {
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "TransactionInProgressException",
        ) => StoreError::Unavailable(format!("{}: {message}", error.code().unwrap_or_default())),
        Some("TransactionConflictException") => StoreError::TransactionConflict,
        Some("ValidationException") => StoreError::Invalid(message),
        code => StoreError::Backend(format!("{}: {message}", code.unwrap_or("unknown error"))),
    }
}

/// A cancellation for another reason than a failed condition.
fn cancellation_error(code: &str, message: Option<&str>) -> StoreError {
    let message = message.unwrap_or_default();
    match code {
        "TransactionConflict" => StoreError::TransactionConflict,
        "ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded" => {
            StoreError::Unavailable(format!("{code}: {message}"))
        }
        "ValidationError" => StoreError::Invalid(message.to_owned()),
        _ => StoreError::Backend(format!("transaction cancelled: {code}: {message}")),
    }
}

// ---- table management ----

/// The table as DynamoDB describes it, for checks against [`TABLE`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableShape {
    /// Partition and sort key attribute names.
    pub key: (String, String),
    /// Sorted by name.
    pub indexes: Vec<IndexShape>,
    /// The TTL attribute when TTL is enabled (or being enabled).
    pub ttl_attribute: Option<String>,
    pub on_demand: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexShape {
    pub name: String,
    pub key: (String, String),
    pub projects_all: bool,
}

/// Creates the table from [`TABLE`] (on-demand, string keys, every index projecting all
/// attributes, TTL on [`TableDef::ttl`](crm_app::store::TableDef)) and waits until it and its
/// indexes are active. An existing table is left as it is, apart from enabling TTL.
pub async fn create_table(sdk: &SdkConfig, table: &str) -> Result<(), StoreError> {
    let client = Client::new(sdk);
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(TABLE.pk, TABLE.sk)?));
    for name in TABLE.key_attributes() {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)?,
        );
    }
    for index in &TABLE.indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(key_schema(index.pk, index.sk)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(build_error)?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => {}
        Err(e) => return Err(sdk_error(e)),
    }
    wait_until_active(&client, table).await?;
    enable_ttl(&client, table).await
}

fn key_schema(pk: &str, sk: &str) -> Result<Vec<KeySchemaElement>, StoreError> {
    [(pk, KeyType::Hash), (sk, KeyType::Range)]
        .into_iter()
        .map(|(name, kind)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(build_error)
        })
        .collect()
}

async fn wait_until_active(client: &Client, table: &str) -> Result<(), StoreError> {
    let deadline = tokio::time::Instant::now() + TABLE_ACTIVE_TIMEOUT;
    loop {
        let out = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(sdk_error)?;
        if let Some(description) = out.table {
            let table_active = description.table_status == Some(TableStatus::Active);
            let indexes_active = description
                .global_secondary_indexes()
                .iter()
                .all(|index| index.index_status() == Some(&IndexStatus::Active));
            if table_active && indexes_active {
                return Ok(());
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(StoreError::Unavailable(format!(
                "table {table} did not become active"
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn enable_ttl(client: &Client, table: &str) -> Result<(), StoreError> {
    let out = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(sdk_error)?;
    let description = out.time_to_live_description;
    let status = description
        .as_ref()
        .and_then(|d| d.time_to_live_status().cloned());
    let attribute = description
        .as_ref()
        .and_then(|d| d.attribute_name().map(str::to_owned));
    match status {
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling) => {
            if attribute.as_deref() == Some(TABLE.ttl) {
                Ok(())
            } else {
                Err(StoreError::Backend(format!(
                    "table {table} has TTL on {attribute:?}, expected {}",
                    TABLE.ttl
                )))
            }
        }
        Some(TimeToLiveStatus::Disabling) => Err(StoreError::Unavailable(format!(
            "TTL of table {table} is being disabled; enable it again later"
        ))),
        _ => {
            client
                .update_time_to_live()
                .table_name(table)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .enabled(true)
                        .attribute_name(TABLE.ttl)
                        .build()
                        .map_err(build_error)?,
                )
                .send()
                .await
                .map_err(sdk_error)?;
            Ok(())
        }
    }
}

/// How DynamoDB describes `table`: key schema, indexes, TTL and billing mode.
pub async fn describe_table(sdk: &SdkConfig, table: &str) -> Result<TableShape, StoreError> {
    let client = Client::new(sdk);
    let out = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(sdk_error)?;
    let description = out
        .table
        .ok_or_else(|| StoreError::Backend(format!("no description of table {table}")))?;
    let key = shape_key(description.key_schema())?;
    let mut indexes = description
        .global_secondary_indexes()
        .iter()
        .map(|index| {
            Ok(IndexShape {
                name: index.index_name().unwrap_or_default().to_owned(),
                key: shape_key(index.key_schema())?,
                projects_all: index
                    .projection()
                    .and_then(|p| p.projection_type())
                    .is_some_and(|t| *t == ProjectionType::All),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    indexes.sort_by(|a, b| a.name.cmp(&b.name));
    let on_demand = description
        .billing_mode_summary()
        .and_then(|summary| summary.billing_mode())
        .is_some_and(|mode| *mode == BillingMode::PayPerRequest);
    let ttl = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(sdk_error)?
        .time_to_live_description;
    let ttl_attribute = ttl
        .filter(|d| {
            matches!(
                d.time_to_live_status(),
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            )
        })
        .and_then(|d| d.attribute_name().map(str::to_owned));
    Ok(TableShape {
        key,
        indexes,
        ttl_attribute,
        on_demand,
    })
}

fn shape_key(schema: &[KeySchemaElement]) -> Result<(String, String), StoreError> {
    let find = |kind: KeyType| {
        schema
            .iter()
            .find(|element| *element.key_type() == kind)
            .map(|element| element.attribute_name().to_owned())
            .ok_or_else(|| StoreError::Backend(format!("key schema without {kind:?}")))
    };
    Ok((find(KeyType::Hash)?, find(KeyType::Range)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_through_attribute_values() {
        let body: Body = serde_json::from_value(serde_json::json!({
            "s": "text", "i": -5, "u": u64::MAX, "f": 1.5, "b": true, "n": null,
            "l": [1, "two", [3]], "m": {"nested": {"deep": "x"}}
        }))
        .expect("body");
        let back = body_from_attributes(&body_attributes(&body)).expect("back");
        assert_eq!(back, body);
    }

    #[test]
    fn unknown_attribute_types_are_backend_errors() {
        let attribute = AttributeValue::Ss(vec!["a".into()]);
        assert!(matches!(
            attribute_to_json(&attribute),
            Err(StoreError::Backend(_))
        ));
        assert!(matches!(json_number("1e999"), Err(StoreError::Backend(_))));
    }

    #[test]
    fn expression_names_are_registered_once_and_only_when_used() {
        let mut expr = Expr::default();
        let changes = vec![
            Change::Increment("count".into(), 2),
            Change::Remove("old".into()),
            Change::SetIndexKey(Index::Gsi2, None),
        ];
        let update = changes_update(&changes, &mut expr);
        assert_eq!(
            update,
            "SET #n0 = if_not_exists(#n0, :v1) + :v0, #n1.#n2 = if_not_exists(#n1.#n2, :v2) + :v3 \
             REMOVE #n1.#n3, #n4, #n5"
        );
        let names = expr.names().expect("names");
        assert_eq!(names.len(), 6);
        assert_eq!(names["#n0"], "v");
        assert_eq!(names["#n4"], "gsi2pk");
    }
}
