//! QR codes as inline SVG, drawn on the server: no script, no image request.

use maud::{Markup, PreEscaped, html};
use qrcode::QrCode;
use qrcode::render::svg;

/// The code for `data` with an accessible name; empty when the data cannot be encoded.
pub fn svg(data: &str, label: &str) -> Markup {
    let Ok(code) = QrCode::new(data.as_bytes()) else {
        return html! {};
    };
    let image = code
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // The renderer writes an XML declaration; inline SVG wants just the element.
    let element = image
        .find("<svg")
        .map(|start| &image[start..])
        .unwrap_or("");
    html! {
        figure.qr role="img" aria-label=(label) data-qr=(data) { (PreEscaped(element)) }
    }
}
