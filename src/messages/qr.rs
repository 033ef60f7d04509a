//! QR codes as PNG images, for email: mail clients show neither inline SVG nor
//! anything drawn by script, but every one shows a PNG. Black and white modules at
//! one bit a pixel keep the image to a kilobyte or two.

use anyhow::Context;
use qrcode::{Color, QrCode};

/// The least width of the image: shown at half size (sharp on a 2× screen), the code
/// is 200 px or more across, easy to scan from a screen.
const MIN_SIDE_PX: usize = 400;
/// The light border a scanner needs, in modules (the standard's minimum).
const QUIET_ZONE: usize = 4;

/// A square PNG image of a QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPng {
    pub bytes: Vec<u8>,
    /// Width and height in pixels.
    pub size: u32,
}

/// The QR code for `data` (error correction M, the smallest version that holds it).
pub fn png(data: &str) -> anyhow::Result<QrPng> {
    let code = QrCode::new(data.as_bytes()).context("the data does not fit in a QR code")?;
    let modules = code.width();
    let colors = code.to_colors();
    // A whole number of pixels per module keeps every module the same size.
    let module_px = MIN_SIDE_PX.div_ceil(modules + 2 * QUIET_ZONE);
    let side = (modules + 2 * QUIET_ZONE) * module_px;
    let row_bytes = side.div_ceil(8);
    // One bit a pixel, most significant first; 1 is light, so start all light.
    let mut pixels = vec![0xff_u8; row_bytes * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x0, y0) = (
            (index % modules + QUIET_ZONE) * module_px,
            (index / modules + QUIET_ZONE) * module_px,
        );
        for y in y0..y0 + module_px {
            for x in x0..x0 + module_px {
                pixels[y * row_bytes + x / 8] &= !(0x80 >> (x % 8));
            }
        }
    }
    let size = u32::try_from(side).context("the QR code is too large")?;
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, size, size);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(QrPng { bytes, size })
}

/// Reads the text of the one QR code in a PNG image (for tests).
#[cfg(test)]
pub(crate) fn decode(png_bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a sane image size")];
    let frame = reader.next_frame(&mut buffer).expect("a PNG image");
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        buffer[y * frame.line_size + x]
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "expected one QR code in the image");
    let (_, text) = grids[0].decode().expect("a readable QR code");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkout_link_round_trips_through_a_real_decoder() {
        let link = "https://my.example.hk/checkout?plan=HK-30D-20G&iccid=89852000000000000010";
        let qr = png(link).unwrap();
        assert!(qr.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(
            qr.size >= 400,
            "200 px or more when shown at half: {}",
            qr.size
        );
        assert!(
            qr.bytes.len() < 4_096,
            "a small image: {} bytes",
            qr.bytes.len()
        );
        assert_eq!(decode(&qr.bytes), link);
    }

    #[test]
    fn text_beyond_a_qr_code_is_an_error() {
        assert!(png(&"x".repeat(8_000)).is_err());
    }
}
