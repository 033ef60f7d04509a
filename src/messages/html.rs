//! An email's HTML alternative to its text, with the images it shows inline.
//!
//! Images travel as parts of the message (`multipart/related`), referenced from the
//! HTML as `cid:…`: Gmail, Outlook and Apple Mail all show those, while images in
//! `data:` URIs are dropped by Gmail and Outlook, and remote images would be blocked
//! until the reader allows them (and would tell us when the email is opened).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use maud::{DOCTYPE, html};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::Locale;

use super::qr;

/// The Content-ID of the QR code of an email's link.
pub const LINK_QR_ID: &str = "link-qr@datacard";

/// The HTML part of an email, and the images it refers to as `cid:<content_id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HtmlPart {
    pub markup: String,
    pub images: Vec<InlineImage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineImage {
    /// Without the angle brackets of the header.
    pub content_id: String,
    pub content_type: String,
    /// The image itself (base64 in the outbox's JSON).
    #[serde(serialize_with = "to_base64", deserialize_with = "from_base64")]
    pub data: Vec<u8>,
}

impl InlineImage {
    /// The image as a `data:` URI, for showing it in a web page (the demo outbox).
    pub fn data_uri(&self) -> String {
        format!(
            "data:{};base64,{}",
            self.content_type,
            STANDARD.encode(&self.data)
        )
    }
}

fn to_base64<S: Serializer>(data: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&STANDARD.encode(data))
}

fn from_base64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(deserializer)?;
    STANDARD.decode(text).map_err(serde::de::Error::custom)
}

/// Words around the QR code, in the reader's language.
pub struct QrWords<'a> {
    /// Under the code: what it is for.
    pub caption: &'a str,
    /// The image's text alternative.
    pub alt: &'a str,
}

/// The HTML of a text email that offers `link`: the text with the link clickable,
/// then the link as a QR code to scan with a phone when the email is read elsewhere.
pub fn with_link_qr(
    locale: Locale,
    subject: &str,
    text: &str,
    link: &str,
    words: &QrWords<'_>,
) -> anyhow::Result<HtmlPart> {
    let code = qr::png(link)?;
    // Shown at half its pixels: sharp on phones and high-density screens.
    let shown = code.size / 2;
    let (before, after) = text.split_once(link).unwrap_or((text, ""));
    let markup = html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (subject) }
            }
            body style="margin:0;padding:16px;font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#111;background:#fff" {
                p style="margin:0 0 16px" {
                    (before)
                    a href=(link) style="color:#0b57d0;word-break:break-all" { (link) }
                    (after)
                }
                p style="margin:0 0 8px" {
                    a href=(link) {
                        img src={ "cid:" (LINK_QR_ID) } width=(shown) height=(shown) alt=(words.alt)
                            style="display:block;border:0";
                    }
                }
                p style="margin:0;color:#555;font-size:14px" { (words.caption) }
            }
        }
    };
    Ok(HtmlPart {
        markup: markup.into_string(),
        images: vec![InlineImage {
            content_id: LINK_QR_ID.to_owned(),
            content_type: "image/png".to_owned(),
            data: code.bytes,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://my.example.hk/checkout?plan=HK-7D-5G&iccid=89852000000000000010";

    fn words() -> QrWords<'static> {
        QrWords {
            caption: "Scan to renew",
            alt: "QR code of the link",
        }
    }

    #[test]
    fn the_link_is_clickable_and_shown_as_a_qr_code() {
        let text = format!("Renew <now> in one tap: {LINK} & thanks");
        let part = with_link_qr(Locale::En, "Renew", &text, LINK, &words()).unwrap();
        let escaped = LINK.replace('&', "&amp;");
        assert!(
            part.markup.contains(&format!(
                "Renew &lt;now&gt; in one tap: <a href=\"{escaped}\""
            )),
            "{}",
            part.markup
        );
        assert!(part.markup.contains(" &amp; thanks</p>"), "{}", part.markup);
        assert!(
            part.markup.contains(&format!("src=\"cid:{LINK_QR_ID}\"")),
            "{}",
            part.markup
        );
        assert!(part.markup.contains("alt=\"QR code of the link\""));
        assert!(part.markup.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        let [image] = part.images.as_slice() else {
            panic!("one image: {:?}", part.images.len());
        };
        assert_eq!(image.content_type, "image/png");
        assert_eq!(qr::decode(&image.data), LINK);
    }

    #[test]
    fn images_are_base64_in_json_and_read_back() {
        let part = with_link_qr(Locale::ZhHk, "續期", LINK, LINK, &words()).unwrap();
        let json = serde_json::to_value(&part).unwrap();
        let data = json["images"][0]["data"].as_str().unwrap();
        assert!(
            data.starts_with("iVBORw0KGgo"),
            "a PNG in base64: {data:.20}"
        );
        let back: HtmlPart = serde_json::from_value(json).unwrap();
        assert_eq!(back, part);
        assert!(
            part.images[0]
                .data_uri()
                .starts_with("data:image/png;base64,iVBOR")
        );
    }
}
