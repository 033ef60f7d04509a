//! Email through an SMTP relay (the operator's mail provider or a local MTA).

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{Channel, HtmlPart, Message, Sender};

/// What lettre's `Header::parse` may fail with.
type BoxError = Box<dyn std::error::Error + Send + Sync>;
use crate::config::SmtpConfig;

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    /// Fails on a bad `security` or `from`, so a misconfiguration shows at startup
    /// rather than at the first subscriber's sign-up.
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Self> {
        type Transport = AsyncSmtpTransport<Tokio1Executor>;
        let builder = match config.security.as_str() {
            "starttls" => Transport::starttls_relay(&config.host)?,
            "tls" => Transport::relay(&config.host)?,
            "none" => Transport::builder_dangerous(&config.host),
            other => bail!("messages.smtp.security {other:?} is not one of starttls, tls, none"),
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(config.timeout_secs)));
        // A local relay usually trusts its clients; offering AUTH to it would fail.
        if !config.username.is_empty() {
            let credentials =
                Credentials::new(config.username.clone(), config.password.expose().to_owned());
            builder = builder.credentials(credentials);
        }
        let from = config.from.parse().with_context(|| {
            format!(
                "messages.smtp.from {:?} is not an email address",
                config.from
            )
        })?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

/// The error without the server's reply text: servers often quote the recipient
/// back ("550 <someone@example.com>: no such user"), which must stay out of logs.
fn describe(error: lettre::transport::smtp::Error) -> anyhow::Error {
    if let Some(code) = error.status() {
        let kind = if error.is_permanent() {
            "permanently"
        } else {
            "temporarily"
        };
        anyhow!("SMTP server {kind} refused the message (reply code {code})")
    } else if error.is_response() {
        anyhow!("SMTP server sent a reply that could not be read")
    } else {
        // Connection, TLS and client errors carry no message content.
        anyhow::Error::new(error).context("cannot send email over SMTP")
    }
}

/// `multipart/alternative`: the text first, then the HTML (the richer part last, as
/// clients pick the last one they can show) in a `multipart/related` with its images.
fn text_and_html(text: &str, html: &HtmlPart) -> anyhow::Result<MultiPart> {
    let mut related = MultiPart::related().singlepart(SinglePart::html(html.markup.clone()));
    for image in &html.images {
        let content_type = ContentType::parse(&image.content_type)
            .map_err(|_| anyhow!("{:?} is not a content type", image.content_type))?;
        related = related.singlepart(
            Attachment::new_inline(image.content_id.clone()).body(image.data.clone(), content_type),
        );
    }
    Ok(MultiPart::alternative()
        .singlepart(SinglePart::plain(text.to_owned()))
        .multipart(related))
}

/// `List-Unsubscribe: <https://…>` (RFC 2369): the opt-out a mail app offers itself.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(text: &str) -> Result<Self, BoxError> {
        Ok(Self(text.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the link opts out
/// by a POST alone, without a page (the link's GET only asks to confirm).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, BoxError> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

#[async_trait::async_trait]
impl Sender for SmtpSender {
    async fn send(&self, message: &Message) -> anyhow::Result<()> {
        if message.channel != Channel::Email {
            bail!("SMTP cannot send a {:?} message", message.channel);
        }
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|_| anyhow!("the recipient is not a valid email address"))?;
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.as_str());
        if let Some(link) = &message.unsubscribe {
            builder = builder
                .header(ListUnsubscribe(format!("<{link}>")))
                .header(ListUnsubscribePost);
        }
        let email = match &message.html {
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(message.body.clone()),
            Some(html) => builder.multipart(text_and_html(&message.body, html)?),
        }
        .map_err(|error| anyhow!("cannot build the email: {error}"))?;
        self.transport.send(email).await.map_err(describe)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::task::JoinHandle;

    use super::*;
    use crate::i18n::Locale;

    /// What one SMTP session delivered.
    #[derive(Debug, Default)]
    struct Session {
        mail_from: String,
        rcpt_to: Vec<String>,
        data: String,
    }

    /// Accepts one connection on a free local port and speaks just enough SMTP,
    /// answering RCPT with `rcpt_reply`.
    async fn smtp_server(rcpt_reply: &'static str) -> (u16, JoinHandle<Session>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let mut session = Session::default();
            write.write_all(b"220 test ESMTP\r\n").await.unwrap();
            while let Some(line) = lines.next_line().await.unwrap() {
                let command = line.to_ascii_uppercase();
                let reply = if command.starts_with("MAIL FROM:") {
                    session.mail_from = line;
                    "250 ok\r\n"
                } else if command.starts_with("RCPT TO:") {
                    session.rcpt_to.push(line);
                    rcpt_reply
                } else if command == "DATA" {
                    write.write_all(b"354 go on\r\n").await.unwrap();
                    while let Some(data) =
                        lines.next_line().await.unwrap().filter(|data| data != ".")
                    {
                        session.data.push_str(&data);
                        session.data.push_str("\r\n");
                    }
                    "250 queued\r\n"
                } else if command == "QUIT" {
                    "221 bye\r\n"
                } else {
                    // EHLO and anything else lettre may say.
                    "250 test\r\n"
                };
                write.write_all(reply.as_bytes()).await.unwrap();
            }
            session
        });
        (port, task)
    }

    fn sender(port: u16) -> SmtpSender {
        let config = SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security: "none".into(),
            from: "noreply@datacard.test".into(),
            timeout_secs: 5,
            ..SmtpConfig::default()
        };
        SmtpSender::new(&config).unwrap()
    }

    fn email(subject: &str, body: &str) -> Message {
        Message {
            channel: Channel::Email,
            to: "alice@example.com".into(),
            locale: Locale::ZhHk,
            kind: "verification_code".into(),
            subject: subject.into(),
            body: body.into(),
            html: None,
            unsubscribe: None,
        }
    }

    /// The body of a raw message, undoing whichever transfer encoding lettre chose.
    fn decoded_body(data: &str) -> String {
        let (headers, body) = data.split_once("\r\n\r\n").unwrap();
        let encoding = headers
            .lines()
            .find_map(|line| line.strip_prefix("Content-Transfer-Encoding: "))
            .unwrap_or("7bit")
            .to_ascii_lowercase();
        match encoding.as_str() {
            "base64" => {
                let joined: String = body.split_whitespace().collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(joined)
                        .unwrap(),
                )
                .unwrap()
            }
            "quoted-printable" => {
                let joined = body.replace("=\r\n", "");
                let mut bytes = Vec::new();
                let mut rest = joined.as_bytes();
                while let Some((&byte, tail)) = rest.split_first() {
                    if byte == b'=' && tail.len() >= 2 {
                        let hex = std::str::from_utf8(&tail[..2]).unwrap();
                        bytes.push(u8::from_str_radix(hex, 16).unwrap());
                        rest = &tail[2..];
                    } else {
                        bytes.push(byte);
                        rest = tail;
                    }
                }
                String::from_utf8(bytes).unwrap()
            }
            _ => body.to_owned(),
        }
    }

    #[tokio::test]
    async fn delivers_envelope_headers_and_utf8_body() {
        let (port, server) = smtp_server("250 ok\r\n").await;
        let body = "Your code is 123456. 你的驗證碼是 123456";
        sender(port)
            .send(&email("Your verification code", body))
            .await
            .unwrap();
        let session = server.await.unwrap();
        assert_eq!(session.mail_from, "MAIL FROM:<noreply@datacard.test>");
        assert_eq!(session.rcpt_to, ["RCPT TO:<alice@example.com>"]);
        let headers = session.data.split("\r\n\r\n").next().unwrap();
        assert!(
            headers.contains("From: noreply@datacard.test\r\n"),
            "{headers}"
        );
        assert!(headers.contains("To: alice@example.com\r\n"), "{headers}");
        assert!(
            headers.contains("Subject: Your verification code\r\n"),
            "{headers}"
        );
        assert!(
            headers.contains("Content-Type: text/plain; charset=utf-8"),
            "{headers}"
        );
        assert_eq!(decoded_body(&session.data).trim_end(), body);
    }

    /// The leaf parts of a MIME entity, depth first, each as (unfolded headers, body).
    fn leaf_parts(entity: &str) -> Vec<(String, String)> {
        let (headers, body) = entity.split_once("\r\n\r\n").unwrap();
        let headers = headers.replace("\r\n ", " ").replace("\r\n\t", " ");
        let boundary = headers
            .lines()
            .find(|line| line.starts_with("Content-Type: multipart/"))
            .and_then(|line| line.split("boundary=").nth(1))
            .map(|boundary| boundary.trim_matches('"').to_owned());
        let Some(boundary) = boundary else {
            return vec![(headers, body.to_owned())];
        };
        body.split(&format!("--{boundary}"))
            .skip(1)
            .filter(|part| !part.starts_with("--"))
            .flat_map(|part| leaf_parts(part.strip_prefix("\r\n").unwrap_or(part)))
            .collect()
    }

    #[tokio::test]
    async fn an_html_email_carries_its_text_and_an_inline_qr_code() {
        let (port, server) = smtp_server("250 ok\r\n").await;
        let link = "https://my.example.hk/checkout?plan=HK-7D-5G&iccid=89852000000000000010";
        let body = format!("續期只需一按：{link}");
        let words = crate::messages::html::QrWords {
            caption: "用手機掃描",
            alt: "連結的二維碼",
        };
        let mut message = email("續期", &body);
        message.html = Some(
            crate::messages::html::with_link_qr(Locale::ZhHk, "續期", &body, link, &words).unwrap(),
        );
        sender(port).send(&message).await.unwrap();
        let data = server.await.unwrap().data;

        let headers = data.split("\r\n\r\n").next().unwrap();
        assert!(
            headers.contains("Content-Type: multipart/alternative;"),
            "{headers}"
        );
        assert!(data.contains("Content-Type: multipart/related;"), "{data}");
        let parts = leaf_parts(&data);
        let types: Vec<&str> = parts
            .iter()
            .map(|(headers, _)| {
                let line = headers
                    .lines()
                    .find_map(|line| line.strip_prefix("Content-Type: "))
                    .unwrap_or("");
                line.split(';').next().unwrap_or("")
            })
            .collect();
        assert_eq!(types, ["text/plain", "text/html", "image/png"], "{data}");

        let text = &parts[0];
        assert_eq!(
            decoded_body(&format!("{}\r\n\r\n{}", text.0, text.1)).trim_end(),
            body
        );
        let html = decoded_body(&format!("{}\r\n\r\n{}", parts[1].0, parts[1].1));
        assert!(html.contains("src=\"cid:link-qr@datacard\""), "{html}");
        let (image_headers, image_body) = &parts[2];
        assert!(
            image_headers.contains("Content-ID: <link-qr@datacard>"),
            "{image_headers}"
        );
        assert!(
            image_headers.contains("Content-Disposition: inline"),
            "{image_headers}"
        );
        assert!(
            image_headers.contains("Content-Transfer-Encoding: base64"),
            "{image_headers}"
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(image_body.split_whitespace().collect::<String>())
            .unwrap();
        assert_eq!(crate::messages::qr::decode(&png), link);
    }

    #[tokio::test]
    async fn a_marketing_email_offers_one_click_unsubscribe() {
        let (port, server) = smtp_server("250 ok\r\n").await;
        let link = "https://my.example.hk/u/acc_01ABC.e.c2lnbmF0dXJl";
        let message = Message {
            unsubscribe: Some(link.into()),
            ..email("New offer", "20 GB for HK$98")
        };
        sender(port).send(&message).await.unwrap();
        let session = server.await.unwrap();
        let headers = session.data.split("\r\n\r\n").next().unwrap();
        let headers = headers.replace("\r\n ", " ");
        assert!(
            headers.contains(&format!("List-Unsubscribe: <{link}>\r\n")),
            "{headers}"
        );
        assert!(
            headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
            "{headers}"
        );
    }

    #[tokio::test]
    async fn a_refused_recipient_fails_without_naming_it() {
        let (port, server) = smtp_server("550 5.1.1 <alice@example.com>: no such user\r\n").await;
        let error = sender(port).send(&email("Hello", "Hi")).await.unwrap_err();
        let shown = format!("{error:#}");
        assert!(shown.contains("550"), "{shown}");
        assert!(!shown.contains("alice"), "{shown}");
        assert!(server.await.unwrap().data.is_empty());
    }

    #[tokio::test]
    async fn only_email_is_sent() {
        let mut message = email("Hello", "Hi");
        message.channel = Channel::Sms;
        assert!(sender(9).send(&message).await.is_err());
    }

    #[test]
    fn an_unknown_security_mode_is_refused() {
        let config = SmtpConfig {
            host: "mail.example.com".into(),
            security: "ssl".into(),
            from: "noreply@datacard.test".into(),
            ..SmtpConfig::default()
        };
        assert!(SmtpSender::new(&config).is_err());
    }
}
