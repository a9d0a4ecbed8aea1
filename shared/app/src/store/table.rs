//! The one definition of the single table: attribute names, indexes, TTL.
//!
//! The SQLite schema and the DynamoDB bootstrap are generated from [`TABLE`]; a test reads
//! `infra/template.yaml` and checks that the deployed table matches it.

use serde::{Deserialize, Serialize};

pub const GSI_COUNT: usize = 3;

/// Where a query looks: the table itself or one of the global secondary indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Index {
    Table,
    Gsi1,
    Gsi2,
    Gsi3,
}

impl Index {
    pub const GSIS: [Index; GSI_COUNT] = [Index::Gsi1, Index::Gsi2, Index::Gsi3];

    pub(crate) fn gsi_slot(self) -> Option<usize> {
        match self {
            Index::Table => None,
            Index::Gsi1 => Some(0),
            Index::Gsi2 => Some(1),
            Index::Gsi3 => Some(2),
        }
    }

    /// The index's definition; `None` for the table.
    pub fn def(self) -> Option<&'static IndexDef> {
        self.gsi_slot().map(|slot| &TABLE.indexes[slot])
    }

    /// Names of the partition and sort key attributes this index is ordered by.
    pub fn key_attributes(self) -> (&'static str, &'static str) {
        match self.def() {
            Some(def) => (def.pk, def.sk),
            None => (TABLE.pk, TABLE.sk),
        }
    }
}

#[derive(Debug)]
pub struct IndexDef {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
}

#[derive(Debug)]
pub struct TableDef {
    pub pk: &'static str,
    pub sk: &'static str,
    pub indexes: [IndexDef; GSI_COUNT],
    /// Store-managed optimistic version (number).
    pub version: &'static str,
    /// Expiry in unix seconds (number); DynamoDB's TTL attribute.
    pub ttl: &'static str,
    /// The item's JSON body (a map).
    pub body: &'static str,
}

pub static TABLE: TableDef = TableDef {
    pk: "pk",
    sk: "sk",
    indexes: [
        IndexDef {
            name: "gsi1",
            pk: "gsi1pk",
            sk: "gsi1sk",
        },
        IndexDef {
            name: "gsi2",
            pk: "gsi2pk",
            sk: "gsi2sk",
        },
        IndexDef {
            name: "gsi3",
            pk: "gsi3pk",
            sk: "gsi3sk",
        },
    ],
    version: "v",
    ttl: "ttl",
    body: "d",
};

impl TableDef {
    /// Every string key attribute: the table's and each index's.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.pk, self.sk];
        for index in &self.indexes {
            names.push(index.pk);
            names.push(index.sk);
        }
        names
    }

    /// The SQLite schema for this table. Each index is a partial index over the items that have
    /// that index's keys, ordered like DynamoDB orders it (index key, then table key).
    pub fn sqlite_schema(&self) -> String {
        let mut columns: Vec<String> = self
            .key_attributes()
            .iter()
            .map(|name| format!("{name} TEXT"))
            .collect();
        columns.push(format!("{} INTEGER NOT NULL", self.version));
        columns.push(format!("{} INTEGER", self.ttl));
        columns.push(format!("{} TEXT NOT NULL", self.body));
        let mut sql = format!(
            "CREATE TABLE IF NOT EXISTS items (\n  {},\n  PRIMARY KEY ({}, {})\n) WITHOUT ROWID;\n",
            columns.join(",\n  "),
            self.pk,
            self.sk
        );
        for index in &self.indexes {
            sql.push_str(&format!(
                "CREATE INDEX IF NOT EXISTS {name} ON items ({ipk}, {isk}, {pk}, {sk}) WHERE {ipk} IS NOT NULL;\n",
                name = index.name,
                ipk = index.pk,
                isk = index.sk,
                pk = self.pk,
                sk = self.sk,
            ));
        }
        sql.push_str(&format!(
            "CREATE INDEX IF NOT EXISTS expiry ON items ({ttl}) WHERE {ttl} IS NOT NULL;\n",
            ttl = self.ttl
        ));
        sql
    }
}
