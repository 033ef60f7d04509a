//! `datacard usage import FILE.csv`: host-operator CDR exports, columns
//! `record_id,timestamp,iccid,imsi,msisdn,volume_total,volume_uplink,volume_downlink,rating_zone`.
//! Malformed rows are reported with their line numbers and the rest applied; importing
//! the same file twice changes nothing (record ids are applied once).

use std::io::Read;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::app::App;
use crate::error::{Code, Error, Result};

use super::engine::{RecordResult, ingest};
use super::{MAX_BATCH, UsageRecord};

pub const COLUMNS: [&str; 9] = [
    "record_id",
    "timestamp",
    "iccid",
    "imsi",
    "msisdn",
    "volume_total",
    "volume_uplink",
    "volume_downlink",
    "rating_zone",
];

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: usize,
    pub accepted: usize,
    pub duplicates: usize,
    /// `(line number, code)`.
    pub rejected: Vec<(u64, String)>,
}

/// Reads the file in batches; `progress` hears the rows read so far.
pub async fn import(
    app: &App,
    input: impl Read,
    mut progress: impl FnMut(usize),
) -> Result<ImportReport> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let header = reader
        .byte_headers()
        .map_err(|_| Error::invalid(Code::InvalidCsv))?
        .clone();
    let names: Vec<String> = header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase()
        })
        .collect();
    if names != COLUMNS {
        return Err(Error::invalid(Code::WrongColumns));
    }
    let mut report = ImportReport::default();
    let mut batch: Vec<(u64, UsageRecord)> = Vec::with_capacity(MAX_BATCH);
    let mut row = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => {
                report.rows += 1;
                report.rejected.push((line, "unreadable_row".into()));
                continue;
            }
        }
        report.rows += 1;
        match parse_row(&row) {
            Ok(record) => batch.push((line, record)),
            Err(code) => report.rejected.push((line, code.into())),
        }
        if batch.len() >= MAX_BATCH {
            apply(app, &mut batch, &mut report).await?;
            progress(report.rows);
        }
    }
    apply(app, &mut batch, &mut report).await?;
    progress(report.rows);
    report.rejected.sort();
    Ok(report)
}

async fn apply(
    app: &App,
    batch: &mut Vec<(u64, UsageRecord)>,
    report: &mut ImportReport,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let records: Vec<UsageRecord> = batch.iter().map(|(_, r)| r.clone()).collect();
    let results = ingest(app, &records).await?;
    for ((line, _), result) in batch.iter().zip(results) {
        match result {
            RecordResult::Accepted => report.accepted += 1,
            RecordResult::Duplicate => report.duplicates += 1,
            RecordResult::Rejected(code) => report.rejected.push((*line, code.into())),
        }
    }
    batch.clear();
    Ok(())
}

fn parse_row(row: &csv::ByteRecord) -> Result<UsageRecord, &'static str> {
    if row.len() != COLUMNS.len() {
        return Err("wrong_field_count");
    }
    let mut fields = Vec::with_capacity(COLUMNS.len());
    for field in row.iter() {
        fields.push(std::str::from_utf8(field).map_err(|_| "not_utf8")?.trim());
    }
    let timestamp = parse_time(fields[1]).ok_or("invalid_timestamp")?;
    let volume = |text: &str| -> Result<Option<i64>, &'static str> {
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<i64>().map(Some).map_err(|_| "invalid_bytes")
    };
    let total = volume(fields[5])?.ok_or("invalid_bytes")?;
    if let (Some(up), Some(down)) = (volume(fields[6])?, volume(fields[7])?)
        && up.checked_add(down) != Some(total)
    {
        return Err("volume_mismatch");
    }
    let imsi = fields[3];
    let imsi_ok = imsi.is_empty() || (imsi.len() == 15 && imsi.bytes().all(|b| b.is_ascii_digit()));
    if !imsi_ok {
        return Err("invalid_imsi");
    }
    Ok(UsageRecord {
        id: fields[0].to_owned(),
        iccid: fields[2].to_owned(),
        bytes: total,
        started_at: timestamp,
        ended_at: timestamp,
    })
}

/// RFC 3339, or `YYYY-MM-DD HH:MM:SS` taken as UTC.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fields: &[&str]) -> csv::ByteRecord {
        csv::ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn rows_parse_or_say_why_not() {
        let good = [
            "r1",
            "2026-11-25T10:00:00Z",
            "8985200000000000010",
            "454001234567890",
            "85291234567",
            "300",
            "100",
            "200",
            "HK",
        ];
        let record = parse_row(&row(&good)).unwrap();
        assert_eq!((record.id.as_str(), record.bytes), ("r1", 300));
        let mut bad = good;
        bad[7] = "150";
        assert_eq!(parse_row(&row(&bad)), Err("volume_mismatch"));
        bad = good;
        bad[1] = "yesterday";
        assert_eq!(parse_row(&row(&bad)), Err("invalid_timestamp"));
        bad = good;
        bad[3] = "12";
        assert_eq!(parse_row(&row(&bad)), Err("invalid_imsi"));
        assert_eq!(parse_row(&row(&good[..5])), Err("wrong_field_count"));
        let mut latin = csv::ByteRecord::from(good.to_vec());
        latin.push_field(b"");
        assert_eq!(parse_row(&latin), Err("wrong_field_count"));
        assert_eq!(
            parse_time("2026-11-25 10:00:00").unwrap().to_rfc3339(),
            "2026-11-25T10:00:00+00:00"
        );
    }
}
