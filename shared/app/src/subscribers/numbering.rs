//! Generated account numbers: the tenant's pattern and a counter item updated in the same
//! transaction as the subscriber it numbers, so a number is issued exactly when a subscriber
//! gets it: no gaps, no repeats. Numbers already taken (typed in by hand) are skipped.

use crm_domain::subscriber::{AccountNumber, AccountNumberPattern};
use serde_json::Value;

use crate::keys;
use crate::store::{Body, Change, Condition, Item, Put, ScopedDb, StoreError, Update, Write};

/// How many taken numbers in a row are skipped before giving up.
const MAX_SKIPS: u64 = 10_000;

/// The tenant's numbering pattern: its «Нумерация лицевых счетов» setting (`ЛС-000001`,
/// `ЛС-000002`, ... unless changed).
pub async fn pattern(db: &ScopedDb) -> Result<AccountNumberPattern, StoreError> {
    Ok(crate::settings::load_scoped(db)
        .await?
        .account_numbering
        .pattern())
}

/// The next free number and the counter write that must go into the creating transaction.
/// `None` when the pattern has run out of numbers.
pub async fn next_number(
    db: &ScopedDb,
    pattern: &AccountNumberPattern,
) -> Result<Option<(AccountNumber, Write)>, StoreError> {
    let counter_key = keys::account_number_counter(db.namespace());
    let current = db.get(&counter_key).await?;
    let last = current
        .as_ref()
        .and_then(|item| item.body.get("last").and_then(Value::as_u64))
        .unwrap_or(0);
    let mut n = last + 1;
    let number = loop {
        let Some(number) = pattern.format(n) else {
            return Ok(None);
        };
        let taken = db
            .get(&keys::account_number(db.namespace(), number.as_str()))
            .await?
            .is_some();
        if !taken {
            break number;
        }
        if n - last > MAX_SKIPS {
            return Ok(None);
        }
        n += 1;
    };
    let write = match current {
        Some(item) => Write::Update(Update {
            key: counter_key,
            condition: Condition::VersionEquals(item.version),
            changes: vec![Change::Set("last".into(), Value::from(n))],
        }),
        None => {
            let mut body = Body::new();
            body.insert("last".into(), Value::from(n));
            Write::Put(Put {
                item: Item::new(counter_key, body),
                condition: Condition::MustNotExist,
            })
        }
    };
    Ok(Some((number, write)))
}

/// Moves the counter to at least `n` (after numbers were loaded in bulk), so generated numbers
/// continue after them.
pub async fn advance_counter_to(db: &ScopedDb, n: u64) -> Result<(), StoreError> {
    let key = keys::account_number_counter(db.namespace());
    loop {
        let current = db.get(&key).await?;
        let last = current
            .as_ref()
            .and_then(|item| item.body.get("last").and_then(Value::as_u64))
            .unwrap_or(0);
        if last >= n {
            return Ok(());
        }
        let mut body = Body::new();
        body.insert("last".into(), Value::from(n));
        let condition = match &current {
            Some(item) => Condition::VersionEquals(item.version),
            None => Condition::MustNotExist,
        };
        match db
            .put(Put {
                item: Item::new(key.clone(), body),
                condition,
            })
            .await
        {
            Ok(_) => return Ok(()),
            Err(StoreError::ConditionFailed { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
}
