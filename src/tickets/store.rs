//! The support cases' tables: `tickets`, `ticket_numbers`, `ticket_messages` and
//! `ticket_attachments` (the images' bytes are files: [`super::attachments`]).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::{Error, Result};

use super::attachments::Attachment;
use super::{Author, Category, Message, Ticket, TicketState};

const TICKET_COLUMNS: &str = "id, number, account_id, order_id, category, subject, state, assignee, \
     created_at, updated_at, first_response_at, resolved_at, closed_at";

fn millis(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
}

fn stored<T>(value: Option<T>, what: &str) -> Result<T> {
    value.ok_or_else(|| Error::internal(anyhow::anyhow!("stored {what} not understood")))
}

fn ticket_of(row: &AnyRow) -> Result<Ticket> {
    let category: String = row.try_get("category")?;
    let state: String = row.try_get("state")?;
    Ok(Ticket {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        account_id: row.try_get("account_id")?,
        order_id: row.try_get("order_id")?,
        category: stored(Category::parse(&category), "category")?,
        subject: row.try_get("subject")?,
        state: stored(TicketState::parse(&state), "state")?,
        assignee: row.try_get("assignee")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
        first_response_at: millis(row, "first_response_at")?,
        resolved_at: millis(row, "resolved_at")?,
        closed_at: millis(row, "closed_at")?,
    })
}

pub async fn find<'e, E>(executor: E, id: &str) -> Result<Option<Ticket>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(ticket_of).transpose()
}

pub async fn find_by_number(pool: &sqlx::AnyPool, number: i64) -> Result<Option<Ticket>> {
    let row = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE number = $1"
    ))
    .bind(number)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(ticket_of).transpose()
}

pub async fn for_account(pool: &sqlx::AnyPool, account_id: &str) -> Result<Vec<Ticket>> {
    let rows = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200"
    ))
    .bind(account_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(ticket_of).collect()
}

/// The account's case about `order_id` still in hand (not resolved or closed).
pub async fn open_about_order(
    tx: &mut Tx,
    account_id: &str,
    order_id: &str,
) -> Result<Option<Ticket>> {
    let row = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE account_id = $1 AND order_id = $2 \
         AND state NOT IN ('resolved', 'closed') ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(account_id)
    .bind(order_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(ticket_of).transpose()
}

/// Cases the account opened since `since`.
pub async fn opened_since(tx: &mut Tx, account_id: &str, since: DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE account_id = $1 AND created_at >= $2",
    )
    .bind(account_id)
    .bind(to_millis(since))
    .fetch_one(&mut **tx)
    .await?)
}

/// What the queue shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<TicketState>,
    pub category: Option<Category>,
    /// A staff member's email; `Some("")` for cases given to no one.
    pub assignee: Option<String>,
}

pub async fn queue(pool: &sqlx::AnyPool, filter: &Filter) -> Result<Vec<Ticket>> {
    let mut sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    if let Some(state) = filter.state {
        binds.push(state.as_str().to_owned());
        sql.push_str(&format!(" AND state = ${}", binds.len()));
    } else {
        sql.push_str(" AND state <> 'closed'");
    }
    if let Some(category) = filter.category {
        binds.push(category.as_str().to_owned());
        sql.push_str(&format!(" AND category = ${}", binds.len()));
    }
    match filter.assignee.as_deref() {
        Some("") => sql.push_str(" AND assignee IS NULL"),
        Some(email) => {
            binds.push(email.to_owned());
            sql.push_str(&format!(" AND assignee = ${}", binds.len()));
        }
        None => {}
    }
    sql.push_str(" ORDER BY created_at, id LIMIT 500");
    let mut query = sqlx::query(&sql);
    for bind in &binds {
        query = query.bind(bind);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter().map(ticket_of).collect()
}

pub async fn counts(pool: &sqlx::AnyPool) -> Result<Vec<(TicketState, i64)>> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM tickets GROUP BY state")
        .fetch_all(pool)
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let state: String = row.try_get("state")?;
        out.push((
            stored(TicketState::parse(&state), "state")?,
            row.try_get("n")?,
        ));
    }
    Ok(out)
}

/// The next case number: one counter row, taken in the opening transaction.
pub async fn next_number(tx: &mut Tx) -> Result<i64> {
    Ok(
        sqlx::query_scalar("UPDATE ticket_numbers SET last = last + 1 WHERE id = 1 RETURNING last")
            .fetch_one(&mut **tx)
            .await?,
    )
}

pub async fn insert(tx: &mut Tx, ticket: &Ticket) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO tickets ({TICKET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(&ticket.id)
    .bind(ticket.number)
    .bind(&ticket.account_id)
    .bind(&ticket.order_id)
    .bind(ticket.category.as_str())
    .bind(&ticket.subject)
    .bind(ticket.state.as_str())
    .bind(&ticket.assignee)
    .bind(to_millis(ticket.created_at))
    .bind(to_millis(ticket.updated_at))
    .bind(ticket.first_response_at.map(to_millis))
    .bind(ticket.resolved_at.map(to_millis))
    .bind(ticket.closed_at.map(to_millis))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves the case from `from` to `to` (guarded: only if it is still in `from`), with
/// the times that go with it; `false` when another request moved it first.
pub async fn move_state(
    tx: &mut Tx,
    id: &str,
    from: TicketState,
    to: TicketState,
    staff_replied: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    let now = to_millis(now);
    let resolved_at = match to {
        TicketState::Resolved => "$3",
        TicketState::Closed => "resolved_at",
        _ => "NULL",
    };
    let closed_at = if to == TicketState::Closed {
        "$3"
    } else {
        "NULL"
    };
    let first = if staff_replied {
        "COALESCE(first_response_at, $3)"
    } else {
        "first_response_at"
    };
    let moved = sqlx::query(&format!(
        "UPDATE tickets SET state = $1, updated_at = $3, resolved_at = {resolved_at}, \
         closed_at = {closed_at}, first_response_at = {first} WHERE id = $4 AND state = $2"
    ))
    .bind(to.as_str())
    .bind(from.as_str())
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(moved.rows_affected() == 1)
}

pub async fn set_assignee(
    tx: &mut Tx,
    id: &str,
    assignee: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE tickets SET assignee = $1, updated_at = $2 WHERE id = $3")
        .bind(assignee)
        .bind(to_millis(now))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn insert_message(tx: &mut Tx, message: &Message) -> Result<()> {
    sqlx::query(
        "INSERT INTO ticket_messages (id, ticket_id, author, staff, internal, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&message.id)
    .bind(&message.ticket_id)
    .bind(message.author.as_str())
    .bind(&message.staff)
    .bind(message.internal)
    .bind(&message.body)
    .bind(to_millis(message.created_at))
    .execute(&mut **tx)
    .await?;
    for attachment in &message.attachments {
        insert_attachment(tx, attachment).await?;
    }
    Ok(())
}

async fn insert_attachment(tx: &mut Tx, a: &Attachment) -> Result<()> {
    sqlx::query(
        "INSERT INTO ticket_attachments (id, ticket_id, message_id, content_type, size_bytes, width, height, sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&a.id)
    .bind(&a.ticket_id)
    .bind(&a.message_id)
    .bind(a.content_type)
    .bind(i64::try_from(a.size_bytes).unwrap_or(i64::MAX))
    .bind(i64::from(a.width))
    .bind(i64::from(a.height))
    .bind(&a.sha256)
    .bind(to_millis(a.created_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn attachment_of(row: &AnyRow) -> Result<Attachment> {
    let content_type: String = row.try_get("content_type")?;
    Ok(Attachment {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        message_id: row.try_get("message_id")?,
        content_type: stored(
            super::attachments::known_type(&content_type),
            "content type",
        )?,
        size_bytes: usize::try_from(row.try_get::<i64, _>("size_bytes")?).unwrap_or(0),
        width: u32::try_from(row.try_get::<i64, _>("width")?).unwrap_or(0),
        height: u32::try_from(row.try_get::<i64, _>("height")?).unwrap_or(0),
        sha256: row.try_get("sha256")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

/// The case's messages, oldest first, each with its images; internal notes only
/// when `with_internal`.
pub async fn messages(
    pool: &sqlx::AnyPool,
    ticket_id: &str,
    with_internal: bool,
) -> Result<Vec<Message>> {
    let internal = if with_internal {
        ""
    } else {
        " AND internal = $2"
    };
    let sql = format!(
        // The flag read as a number: sqlx's Any driver cannot decode SQLite's BOOLEAN.
        "SELECT id, ticket_id, author, staff, CASE WHEN internal THEN 1 ELSE 0 END AS internal, body, \
         created_at FROM ticket_messages WHERE ticket_id = $1{internal} ORDER BY created_at, id"
    );
    let mut query = sqlx::query(&sql).bind(ticket_id);
    if !with_internal {
        query = query.bind(false);
    }
    let rows = query.fetch_all(pool).await?;
    let images = attachments_of(pool, ticket_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let author: String = row.try_get("author")?;
        out.push(Message {
            attachments: images
                .iter()
                .filter(|a| a.message_id.as_deref() == Some(id.as_str()))
                .cloned()
                .collect(),
            id,
            ticket_id: row.try_get("ticket_id")?,
            author: stored(Author::parse(&author), "author")?,
            staff: row.try_get("staff")?,
            internal: row.try_get::<i64, _>("internal")? != 0,
            body: row.try_get("body")?,
            created_at: from_millis(row.try_get("created_at")?),
        });
    }
    Ok(out)
}

pub async fn attachments_of(pool: &sqlx::AnyPool, ticket_id: &str) -> Result<Vec<Attachment>> {
    let rows = sqlx::query(
        "SELECT id, ticket_id, message_id, content_type, size_bytes, width, height, sha256, created_at \
         FROM ticket_attachments WHERE ticket_id = $1 ORDER BY created_at, id",
    )
    .bind(ticket_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(attachment_of).collect()
}

/// Resolved cases whose resolution is older than `before`.
pub async fn resolved_before(pool: &sqlx::AnyPool, before: DateTime<Utc>) -> Result<Vec<Ticket>> {
    let rows = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE state = 'resolved' AND resolved_at <= $1 ORDER BY resolved_at LIMIT 500"
    ))
    .bind(to_millis(before))
    .fetch_all(pool)
    .await?;
    rows.iter().map(ticket_of).collect()
}
