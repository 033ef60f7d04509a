//! Images a subscriber attaches to a case: a PNG or JPEG by its content (the name
//! and the declared type are ignored), at most `[support] max_attachment_bytes`,
//! and at most [`MAX_SIDE`] pixels a side as its header declares, so that a tiny file
//! that would decode into gigabytes (a decompression bomb) never reaches a staff
//! member's browser. Kept as private files under `<data_dir>/attachments/`, outside
//! anything served; each is read back only through a route that checks the case's
//! party.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::error::{Code, Error, ErrorKind, Result};
use crate::ids::new_id;

/// Most images one message carries.
pub const MAX_PER_MESSAGE: usize = 3;
/// Most pixels a side.
pub const MAX_SIDE: usize = 8000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: String,
    pub ticket_id: String,
    pub message_id: Option<String>,
    /// `image/png` or `image/jpeg`.
    pub content_type: &'static str,
    pub size_bytes: usize,
    pub width: u32,
    pub height: u32,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// An image as received: the bytes only.
#[derive(Debug, Clone)]
pub struct Upload {
    pub bytes: Vec<u8>,
}

pub fn known_type(text: &str) -> Option<&'static str> {
    ["image/png", "image/jpeg"]
        .into_iter()
        .find(|known| *known == text)
}

/// An image that passed the checks, ready to be written.
#[derive(Debug, Clone)]
pub struct Checked {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// The checks, on the bytes alone: size, type by magic bytes, declared dimensions.
pub fn check(upload: &Upload, max_bytes: usize) -> Result<Checked> {
    let bytes = &upload.bytes;
    if bytes.len() > max_bytes {
        return Err(Error::new(ErrorKind::TooLarge, Code::AttachmentTooLarge).on_field("images"));
    }
    let content_type = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Png) if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => "image/png",
        Ok(imagesize::ImageType::Jpeg) if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => "image/jpeg",
        _ => return Err(Error::invalid(Code::InvalidAttachment).on_field("images")),
    };
    let size = imagesize::blob_size(bytes)
        .map_err(|_| Error::invalid(Code::InvalidAttachment).on_field("images"))?;
    if size.width == 0 || size.height == 0 {
        return Err(Error::invalid(Code::InvalidAttachment).on_field("images"));
    }
    if size.width > MAX_SIDE || size.height > MAX_SIDE {
        return Err(Error::invalid(Code::ImageTooLarge).on_field("images"));
    }
    Ok(Checked {
        content_type,
        width: u32::try_from(size.width).unwrap_or(0),
        height: u32::try_from(size.height).unwrap_or(0),
        bytes: bytes.clone(),
    })
}

/// Every image of a message checked, or the first problem (nothing is kept then).
pub fn check_all(uploads: &[Upload], max_bytes: usize) -> Result<Vec<Checked>> {
    if uploads.len() > MAX_PER_MESSAGE {
        return Err(Error::invalid(Code::TooManyAttachments).on_field("images"));
    }
    uploads.iter().map(|u| check(u, max_bytes)).collect()
}

fn dir(app: &App, ticket_id: &str) -> PathBuf {
    app.config.data_dir.join("attachments").join(ticket_id)
}

fn path(app: &App, ticket_id: &str, id: &str) -> Result<PathBuf> {
    // Ids are ours (`att_…`, `tkt_…`), but a path is never built from anything else.
    let safe = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !safe(ticket_id) || !safe(id) {
        return Err(Error::not_found(Code::AttachmentNotFound));
    }
    Ok(dir(app, ticket_id).join(id))
}

/// Writes the checked images of a new message as private files, before its rows are
/// committed; [`discard`] removes them if the transaction fails.
pub async fn write(
    app: &App,
    ticket_id: &str,
    message_id: &str,
    checked: Vec<Checked>,
    now: DateTime<Utc>,
) -> Result<Vec<Attachment>> {
    let mut out = Vec::with_capacity(checked.len());
    if checked.is_empty() {
        return Ok(out);
    }
    let folder = dir(app, ticket_id);
    crate::private_files::create_dir(&folder).map_err(Error::internal)?;
    for image in checked {
        let id = new_id("att", now);
        let file = path(app, ticket_id, &id)?;
        let bytes = image.bytes;
        let written = tokio::task::spawn_blocking({
            let file = file.clone();
            let bytes = bytes.clone();
            move || -> std::io::Result<()> {
                use std::io::Write;
                let mut handle = crate::private_files::options()
                    .write(true)
                    .create_new(true)
                    .open(&file)?;
                handle.write_all(&bytes)?;
                handle.sync_all()
            }
        })
        .await
        .map_err(Error::internal)?;
        written.map_err(Error::internal)?;
        out.push(Attachment {
            id,
            ticket_id: ticket_id.to_owned(),
            message_id: Some(message_id.to_owned()),
            content_type: image.content_type,
            size_bytes: bytes.len(),
            width: image.width,
            height: image.height,
            sha256: hex::encode(Sha256::digest(&bytes)),
            created_at: now,
        });
    }
    Ok(out)
}

/// Removes files written for a message whose transaction did not commit.
pub async fn discard(app: &App, attachments: &[Attachment]) {
    for a in attachments {
        if let Ok(file) = path(app, &a.ticket_id, &a.id) {
            let _ = tokio::fs::remove_file(file).await;
        }
    }
}

/// The bytes of an image of the case, for a caller who is one of its parties.
pub async fn read(app: &App, attachment: &Attachment) -> Result<Vec<u8>> {
    let file = path(app, &attachment.ticket_id, &attachment.id)?;
    tokio::fs::read(file)
        .await
        .map_err(|_| Error::not_found(Code::AttachmentNotFound))
}

/// An image of the account's case, with its bytes; `None` if either is not theirs.
pub async fn for_account(
    app: &App,
    account_id: &str,
    ticket_id: &str,
    attachment_id: &str,
) -> Result<Option<(Attachment, Vec<u8>)>> {
    let Some(ticket) = super::store::find(app.db.reader(), ticket_id).await? else {
        return Ok(None);
    };
    if ticket.account_id != account_id {
        return Ok(None);
    }
    of_ticket(app, ticket_id, attachment_id).await
}

/// An image of a case, for staff.
pub async fn for_staff(
    app: &App,
    ticket_id: &str,
    attachment_id: &str,
) -> Result<Option<(Attachment, Vec<u8>)>> {
    of_ticket(app, ticket_id, attachment_id).await
}

async fn of_ticket(
    app: &App,
    ticket_id: &str,
    attachment_id: &str,
) -> Result<Option<(Attachment, Vec<u8>)>> {
    let found = super::store::attachments_of(app.db.reader(), ticket_id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment_id);
    match found {
        Some(attachment) => {
            let bytes = read(app, &attachment).await?;
            Ok(Some((attachment, bytes)))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG's signature and IHDR chunk declaring `width` × `height` (no pixels).
    pub fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend_from_slice(&13u32.to_be_bytes());
        bytes.extend_from_slice(b"IHDR");
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 6, 0, 0, 0]);
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        bytes
    }

    fn code_of(result: Result<Checked>) -> Code {
        result.err().map(|e| e.code).unwrap_or(Code::InternalError)
    }

    #[test]
    fn an_image_is_known_by_its_bytes() {
        let ok = check(
            &Upload {
                bytes: png_header(390, 844),
            },
            1 << 20,
        )
        .expect("a PNG");
        assert_eq!(
            (ok.content_type, ok.width, ok.height),
            ("image/png", 390, 844)
        );
        let text = Upload {
            bytes: b"<html><script>alert(1)</script>".to_vec(),
        };
        assert_eq!(code_of(check(&text, 1 << 20)), Code::InvalidAttachment);
        let gif = Upload {
            bytes: b"GIF89a\x01\x00\x01\x00".to_vec(),
        };
        assert_eq!(code_of(check(&gif, 1 << 20)), Code::InvalidAttachment);
    }

    #[test]
    fn bombs_and_big_files_are_refused() {
        let bomb = Upload {
            bytes: png_header(50_000, 50_000),
        };
        assert_eq!(code_of(check(&bomb, 1 << 20)), Code::ImageTooLarge);
        let big = Upload {
            bytes: [png_header(10, 10), vec![0; 2000]].concat(),
        };
        assert_eq!(code_of(check(&big, 1000)), Code::AttachmentTooLarge);
        let four = vec![
            Upload {
                bytes: png_header(1, 1)
            };
            4
        ];
        assert_eq!(
            check_all(&four, 1 << 20).err().map(|e| e.code),
            Some(Code::TooManyAttachments)
        );
    }
}
