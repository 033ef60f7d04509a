//! Receipts and statements as PDF in Chinese and English: poppler's `pdftotext` reads
//! the plan's Chinese name and the total back out of the file (so the CJK font is in
//! it, with its text), and `pdftoppm` draws the page with ink on it.

use std::process::Command;

use super::helpers::*;

/// The text poppler reads out of `pdf`.
fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils; scripts/test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

/// How much of the first page `pdftoppm` draws dark (0–1).
fn ink(pdf: &[u8]) -> f64 {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let prefix = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs (poppler-utils; scripts/test installs it)");
    assert!(status.success());
    let file = std::fs::File::open(dir.path().join("page.png")).expect("the page image");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    let channels = info.color_type.samples();
    let pixels = &pixels[..info.buffer_size()];
    let dark = pixels
        .chunks(channels)
        .filter(|p| p.iter().take(3).map(|&c| u32::from(c)).sum::<u32>() < 3 * 128)
        .count();
    dark as f64 / (pixels.len() / channels) as f64
}

story!(
    receipts_and_statements_read_back_from_their_pdf_in_chinese_and_english,
    |app| {
        let auth = demo(&app).await;
        let order = buy(&app, &auth, renewal(2, "card")).await;
        let id = id_of(&order);
        let fee = (2 * PLAN_PRICE * 250 + 5_000) / 10_000;
        let total =
            datacard::money::Money::new(2 * PLAN_PRICE + fee, datacard::money::Currency::HKD)
                .to_string();

        for (lang, plan, words) in [
            ("zh-HK", "香港 30 日 20GB", "收據 R2026-000001"),
            ("en", "Hong Kong 30 Days 20 GB", "Receipt R2026-000001"),
        ] {
            let (status, headers, pdf) = get_bytes(
                &app,
                &format!("/api/v1/orders/{id}/receipt.pdf?lang={lang}"),
                &auth,
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
            assert!(pdf.starts_with(b"%PDF-"));
            assert!(
                pdf.len() < 200_000,
                "only the glyphs used are embedded: {} bytes",
                pdf.len()
            );
            let text = pdftotext(&pdf);
            for wanted in [plan, words, total.as_str(), "12345678"] {
                assert!(text.contains(wanted), "{lang}: {wanted:?} in {text}");
            }
            assert!(ink(&pdf) > 0.002, "{lang}: the page has text drawn on it");
        }

        let month = "2026-11";
        for (lang, words) in [
            ("zh-HK", "2026年11月月結單"),
            ("en", "Statement for November 2026"),
        ] {
            let (status, headers, pdf) = get_bytes(
                &app,
                &format!("/api/v1/me/statements/{month}.pdf?lang={lang}"),
                &auth,
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
            let text = pdftotext(&pdf);
            for wanted in [words, "R2026-000001", total.as_str()] {
                assert!(text.contains(wanted), "{lang}: {wanted:?} in {text}");
            }
            assert!(ink(&pdf) > 0.002, "{lang}: the page has text drawn on it");
        }
    }
);
